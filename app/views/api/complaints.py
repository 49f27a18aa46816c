"""REST API for cases (FAB ModelRestApi) under the same access rule as the screens.

The API never returns reporter identity; cases are not deleted through it.
"""
from flask_appbuilder.api import ModelRestApi
from app.interface import LaporInterface as SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.models import Complaint
from app.views.filters import ACCESS_BASE_FILTERS
from app.workflow import lifecycle

PUBLIC_FIELDS = [
    "id", "tracking_number", "kind", "title", "description", "status",
    "category.name", "channel.name", "agency.id", "agency.name", "district", "village", "address",
    "received_at", "verified_at", "dispatched_at", "first_response_at", "resolved_at", "closed_at",
    "verification_due", "first_response_due", "resolution_due", "auto_close_due",
    "is_anonymous", "is_confidential", "rating", "version",
]


class ComplaintApi(ModelRestApi):
    resource_name = "complaint"
    datamodel = SQLAInterface(Complaint)
    base_filters = ACCESS_BASE_FILTERS
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info", "put", "delete"}
    list_columns = ["id", "tracking_number", "kind", "title", "status", "agency.name", "district", "received_at", "resolution_due"]
    show_columns = PUBLIC_FIELDS
    edit_columns = ["address", "district", "village", "latitude", "longitude", "incident_date"]
    search_columns = ["tracking_number", "title", "status", "kind", "district", "received_at"]
    order_columns = ["received_at", "tracking_number", "status"]
    base_order = ("received_at", "desc")

    def pre_update(self, item):
        lifecycle.audit_form_edit(item, current_user, self.edit_columns)

    def delete_headless(self, pk):
        """Cases are archived, never deleted: 404 outside the user's scope, 409 inside."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        return self.response(409, message=str(_l("Cases cannot be deleted. Archive them instead.")))
