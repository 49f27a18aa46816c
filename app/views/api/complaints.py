"""REST API for cases (FAB ModelRestApi) under the same access rule as the screens.

The API never returns reporter identity; cases are not deleted through it.
"""
from flask_appbuilder.api import ModelRestApi, expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from app.interface import LaporInterface as SQLAInterface, offset_allowed
from flask_babel import gettext as _, lazy_gettext as _l

from app.models import Complaint
from sqlalchemy import inspect

from app.api_messages import ApiMessages
from app.extensions import db
from app.labels import COMPLAINT_LABELS
from app.views.api.schemas import UtcSchemaConverter
from app.views.filters import ACCESS_BASE_FILTERS, request_user
from app.workflow import lifecycle, regions
from app.workflow.errors import DomainError

PUBLIC_FIELDS = [
    "id", "tracking_number", "kind", "title", "description", "status",
    "category.name", "channel.name", "agency.id", "agency.name", "district", "village", "region_code", "district_code",
    "latitude", "longitude", "parent_id", "duplicate_count", "address",
    "received_at", "verified_at", "dispatched_at", "first_response_at", "resolved_at", "closed_at",
    "verification_due", "first_response_due", "resolution_due", "auto_close_due",
    "is_anonymous", "is_confidential", "rating", "version",
]


class ComplaintApi(ApiMessages, ModelRestApi):
    resource_name = "complaint"
    # the names of the fields as the screens give them (FAB made "Tracking Number", "Received At")
    label_columns = {
        **COMPLAINT_LABELS,
        "id": _l("Case id"),
        "category.name": _l("Category"),
        "channel.name": _l("Channel"),
        "agency.id": _l("Responsible agency id"),
        "agency.name": _l("Responsible agency"),
        "region_code": _l("Kelurahan/desa code (Kemendagri)"),
        "district_code": _l("Kecamatan code (Kemendagri)"),
        "parent_id": _l("Merged into case (id)"),
        "duplicate_count": _l("Duplicate reports"),
        "version": _l("Version"),
    }
    list_title = _l("Case List")
    show_title = _l("Case Details")
    edit_title = _l("Edit case")
    add_title = _l("Cases are not added through the API")
    datamodel = SQLAInterface(Complaint)
    model2schemaconverter = UtcSchemaConverter  # times with their offset
    base_filters = ACCESS_BASE_FILTERS
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info", "put", "delete"}
    list_columns = ["id", "tracking_number", "kind", "title", "status", "agency.name", "district", "received_at", "resolution_due"]
    show_columns = PUBLIC_FIELDS
    edit_columns = ["address", "district", "village", "latitude", "longitude", "incident_date"]
    search_columns = ["tracking_number", "title", "status", "kind", "district", "received_at"]
    order_columns = ["received_at", "tracking_number", "status"]
    base_order = ("received_at", "desc")

    def get_list_headless(self, **kwargs):
        """A page past the first 10,000 rows is refused with a way on (a filter on the time), like the
        staff lists: the interface would otherwise serve its last page again for any deeper one, and
        a client paging until an empty page would never stop."""
        from app.workflow.paging import COUNT_CAP

        page, page_size = self._handle_page_args(kwargs.get("rison") or {})
        if not offset_allowed(page, page_size):
            return self.response_400(message=_(
                "Pages past the first %(count)s rows are not served: narrow the list with a filter, for example "
                "received_at before the last row you read (opr:lt), and page from 0 again.",
                count=f"{COUNT_CAP:,}".replace(",", ".")))
        return super().get_list_headless(**kwargs)

    def _get_fields_info(self, cols, model_schema, filter_rel_fields, **kwargs):
        if model_schema is self.add_model_schema:
            # no case is created through this API (no POST route): ``_info`` describes no add form.
            # FAB's default described every column and listed the values of every relation (every
            # case's tracking number as ``parent``, every event, every reporter id) to any user,
            # whatever the access rule lets them see
            return []
        return super()._get_fields_info(cols, model_schema, filter_rel_fields, **kwargs)

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""  # FAB translates "", and gettext("") is the catalog's header
        return info

    def pre_update(self, item):
        # typed names are matched to the official regions (codes follow), as on every channel
        state = inspect(item)
        if state.attrs.district.history.has_changes() or state.attrs.village.history.has_changes():
            with db.session.no_autoflush:  # the edit is audited below from the pending changes
                fields = regions.location_fields(None, item.district, item.village)
            item.region_code, item.district_code = fields["region_code"], fields["district_code"]
            item.district, item.village = fields["district"], fields["village"]
        lifecycle.audit_form_edit(item, request_user(), self.edit_columns)

    # a case is addressed by its whole-number id on every method: ``/complaint/abc`` names no case
    # (404), not a case that may only be changed (FAB's ``/<pk>`` for PUT and DELETE made it a 405)
    @expose("/<int:pk>", methods=["PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, pk):
        return self.put_headless(pk)

    put.__doc__ = ModelRestApi.put.__doc__

    @expose("/<int:pk>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    def delete(self, pk):
        return self.delete_headless(pk)

    delete.__doc__ = ModelRestApi.delete.__doc__

    def put_headless(self, pk):
        """FAB's edit; a refusal by the case's rules is a JSON message, never a 500."""
        from flask import request

        if not request.is_json:  # FAB answers this one in English, past response_400
            return self.response_400(message="Request is not JSON")
        try:
            return super().put_headless(pk)
        except DomainError as exc:
            db.session.rollback()
            return self.response(exc.status_code, message=str(exc.message))

    def delete_headless(self, pk):
        """Cases are archived, never deleted: 404 outside the user's scope, 409 inside."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        return self.response(409, message=str(_l("Cases cannot be deleted. Archive them instead.")))
