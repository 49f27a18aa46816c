"""Staff screens for cases: thin FAB views that call ``app.workflow``.

Every route that reads or writes a case goes through the access rule:
``base_filters`` for list/show/edit/delete/API, and the overrides below for the
routes where FAB ignores ``base_filters`` (actions, single and bulk) and for
create and export.
"""
import datetime
import secrets

from flask import Response, abort, current_app, flash, g, jsonify, redirect, request, stream_with_context, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.actions import action as fab_action
from flask_appbuilder.models.sqla.filters import FilterEqual, FilterInFunction
from app.interface import CachedSearchWidget, LaporInterface as SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget, Select2Widget
from flask_babel import lazy_gettext as _l, gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, HiddenField, MultipleFileField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional as OptionalValidator, Regexp

from app.extensions import db
from app.jobs.queue import deliver
from app.formatting import fixed_text, lapor_date, lapor_datetime, lapor_datetime_short, lapor_day_short
from app.labels import COMPLAINT_LABELS, KIND_LABELS, SLA_STATE_LABELS, STATUS_LABELS, choices, label, yes_no
from app.models import Complaint, ComplaintEvent
from app.redirects import BackToTheList
from app.workflow import access, attachments, duplicates, lifecycle, privacy, queues, regions, reply_codes, sla
from app.views.maps import map_settings
from app.workflow.errors import AlreadyDone, DomainError, NotAllowed
from app.workflow.numbers import whole_number
from app.workflow.reporters import PHONE_MESSAGE, PHONE_PATTERN, reporter_display, reporter_from_form
from app.views.admin import transitions as transition_forms
from app.views.filters import (ACCESS_BASE_FILTERS, LOCAL_DAY_FILTERS, OwnSearchFilters, TrackingNumberFilter,
                               queue_base_filters)
from app.clock import utcnow
from app.views.fields import LocalDateField, LocalDateTimeField
from app.workflow.calendar import current_calendar
from app.channels import intake

ACCESS_PURPOSE_LABELS = {"reveal": _l("Full data shown"), "export": _l("Export"), "erase": _l("Erased")}

SLA_CSS = {"on_time": "success", "due_soon": "warning", "overdue": "danger", "paused": "info", "none": "default"}


def _dispose_suggestion(complaint):
    """The agency the dispose form preselects, and a sentence saying which rule chose it."""
    from types import SimpleNamespace

    from app.workflow import dispatching

    agency, rule, category = dispatching.suggested_agency(complaint)
    if agency is None:
        text = _("No agency is suggested for this case: choose one.")
    elif rule == dispatching.RULE_CATEGORY:
        text = _("Suggested: %(agency)s, the agency set for the category \"%(category)s\". You may choose another.",
                 agency=agency.name, category=category.name)
    else:
        text = _("Suggested: %(agency)s, the agency the reporter chose. You may choose another.", agency=agency.name)
    return SimpleNamespace(agency_id=getattr(agency, "id", None), rule=rule, text=text)


def _list_arguments():
    """The filter and order arguments of a list URL (what an export must honour)."""
    return [(k, v) for k, v in request.args.items(multi=True) if k.startswith(("_flt_", "_oc_", "_od_"))]


CURSOR_ARGS = ("sebelum", "sesudah", "tanggal")
STAFF_FORM = "staff_form"  # the intake form's sendings, recorded as a channel records its deliveries


def _keyset_position(newest_first):
    """Where a keyset page starts, from ``sebelum`` / ``sesudah`` (cursors) or ``tanggal`` (a
    date): ``({before|after|until|since: ...}, the date as typed back)``. A cursor or date that
    cannot be read is said so, and the list starts at its first page."""
    from app.workflow import paging

    for name, key in (("sebelum", "before"), ("sesudah", "after")):
        if name in request.args:
            point = paging.decode_cursor(request.args.get(name))
            if point is not None:
                return {key: point}, ""
            flash(_("This page link is not valid (it may be incomplete or too old). Showing the first page."),
                  "warning")
            return {}, ""
    text = (request.args.get("tanggal") or "").strip()
    if text:
        jump = paging.jump_date(text, current_calendar(), newest_first)
        if jump is not None:
            return {"until" if newest_first else "since": jump[1]}, jump[0]
        flash(_("\"%(date)s\" is not a valid date. Choose a date (day, month, year). Showing the first page.",
                date=text[:20]), "warning")
    return {}, ""


def _keyset_pager(page, newest_first, jump, moved):
    """Links of a keyset page: the filters, order and page size of this list, plus a cursor."""
    from types import SimpleNamespace
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in CURSOR_ARGS]

    def link(**cursor):
        pairs = kept + list(cursor.items())
        return request.path + ("?" + urlencode(pairs) if pairs else "")

    newer = link(sesudah=page.newer) if page.newer else None
    older = link(sebelum=page.older) if page.older else None
    previous, following = (newer, older) if newest_first else (older, newer)

    def unseek(url):
        """A link of the page (a column's order) without the cursor: a new order starts at its top."""
        from urllib.parse import parse_qsl, urlsplit, urlunsplit

        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in CURSOR_ARGS]
        return urlunsplit(parts._replace(query=urlencode(query)))

    return SimpleNamespace(
        previous=previous, next=following, first=link() if (moved or previous) else None,
        jump=jump, newest_first=newest_first, action=request.path, hidden=kept, unseek=unseek)


def _sla_moment():
    """The time and the "due soon" horizon every badge of one page is judged by (computed once)."""
    moment = getattr(request, "_lapor_sla_moment", None)
    if moment is None:
        now = utcnow()
        moment = request._lapor_sla_moment = (now, sla.due_soon_horizon(now))
    return moment


def sla_badge(complaint, times=None, texts=None):
    """The SLA state of a case as a badge, its running deadline's day under it. ``times``
    (:class:`app.formats.PageTimes`) and ``texts`` (the page's label translations): given by a
    list, which draws one badge per row."""
    now, horizon = _sla_moment()
    state = sla.sla_state(complaint, now=now, horizon=horizon)
    due = sla.current_deadline(complaint)
    day = ""
    if due is not None:
        day = "<br><small>%s</small>" % escape(times.day_short(due) if times else lapor_day_short(due))
    text = label(SLA_STATE_LABELS, state)
    return Markup('<span class="label label-%s" data-sla="%s">%s%s</span>' % (
        SLA_CSS[state], state, fixed_text(text, texts) or escape(text), day))


class OverdueFilter(FilterInFunction):
    """List filter "Terlambat": open cases whose running clock has passed."""

    name = _l("Overdue (yes)")
    arg_name = "overdue"

    def apply(self, query, value):
        return query.filter(sla.overdue_clause())


class ComplaintView(BackToTheList, OwnSearchFilters, ModelView):
    datamodel = SQLAInterface(Complaint, list_eager=("agency", "channel"))
    base_filters = ACCESS_BASE_FILTERS
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_delete", "can_export", "can_act"]
    method_permission_name = {"export": "export", "export_progress": "export", "export_state": "export",
                              "export_download": "export", "transition": "act", "bulk": "act", "attachment": "show",
                              "reveal": "show", "reissue_code": "act", "erase_identity": "act", "confirm_contact": "act",
                              "bulk_dispose": "act", "bulk_archive": "act"}
    base_order = ("received_at", "desc")
    # sortable only where an index gives the order (a million cases: sorting by title or district
    # would sort the whole table on every page); the rest is reached by filters
    order_columns = ["tracking_number", "status", "received_at"]
    page_size = 25

    list_title = _l("Case List")
    show_title = _l("Case Details")
    add_title = _l("Record New Case")
    edit_title = _l("Edit Case Location")

    list_columns = ["tracking_number", "title", "kind", "status", "agency", "channel", "district", "received_at", "sla"]
    show_fieldsets = [
        (_l("Cases"), {"fields": ["tracking_number", "kind", "status", "sla", "title", "description", "category", "channel", "needs_inspection"]}),
        (_l("Incident location and time"), {"fields": ["address", "region", "district_region", "district", "village", "latitude", "longitude", "incident_date"]}),
        (_l("Handling"), {"fields": ["agency", "target_agency", "forwarded_to", "archive_reason", "is_anonymous", "is_confidential"]}),
        (_l("Times and deadlines"), {"fields": ["received_at", "verified_at", "dispatched_at", "first_response_at", "resolved_at", "closed_at", "verification_due", "first_response_due", "resolution_due", "auto_close_due"], "expanded": False}),
        (_l("Reporter rating"), {"fields": ["rating", "feedback"], "expanded": False}),
    ]
    add_columns = ["channel", "received_at", "kind", "title", "description", "category", "address", "region", "latitude",
                   "longitude", "incident_date", "is_anonymous", "is_confidential"]
    edit_columns = ["address", "region", "latitude", "longitude", "incident_date"]
    # the intake form offers kelurahan/desa only (not the province, kabupaten or kecamatan rows of the
    # same table) and the channels and categories in use (a deactivated one is not offered)
    add_form_query_rel_fields = {"region": [["level", FilterEqual, 4]], "channel": [["active", FilterEqual, True]],
                                 "category": [["active", FilterEqual, True]]}
    edit_form_query_rel_fields = {"region": [["level", FilterEqual, 4]]}
    add_template = "complaints/add.html"
    edit_template = "complaints/edit.html"
    search_columns = ["tracking_number", "title", "status", "kind", "category", "agency", "channel", "district", "received_at", "verification_due", "first_response_due", "resolution_due"]
    # times are searched by days of the local calendar, typed dd/mm/yyyy (app/views/filters.py)
    search_filters = {"tracking_number": [TrackingNumberFilter], "received_at": LOCAL_DAY_FILTERS, "verification_due": LOCAL_DAY_FILTERS,
                      "first_response_due": LOCAL_DAY_FILTERS,
                      "resolution_due": LOCAL_DAY_FILTERS + [OverdueFilter]}
    # coded columns are chosen from their Indonesian names (equal / not equal: app/interface.py)
    search_form_extra_fields = {
        "status": SelectField(COMPLAINT_LABELS["status"], choices=choices(STATUS_LABELS), widget=Select2Widget()),
        "kind": SelectField(COMPLAINT_LABELS["kind"], choices=choices(KIND_LABELS), widget=Select2Widget()),
        **{column: LocalDateField(COMPLAINT_LABELS[column])
           for column in ("received_at", "verification_due", "first_response_due", "resolution_due")},
    }

    label_columns = dict(COMPLAINT_LABELS)  # a copy: FAB adds its own defaults to the dict it gets
    description_columns = {
        "is_anonymous": _l("The reporter's identity is visible only to Admins and Coordinators."),
        "is_confidential": _l("The case is not published; the identity is hidden from agencies and leadership."),
        "agency": _l("Agency officers can only choose their own agency or its sub-units."),
    }
    formatters_columns = {
        "status": lambda v: label(STATUS_LABELS, v),
        "kind": lambda v: label(KIND_LABELS, v),
        "sla": sla_badge,
        "archive_reason": lambda v: label(lifecycle.ARCHIVE_REASONS, v),
        "is_anonymous": yes_no,
        "is_confidential": yes_no,
        "needs_inspection": yes_no,
        "received_at": lapor_datetime,
        "verified_at": lapor_datetime,
        "dispatched_at": lapor_datetime,
        "first_response_at": lapor_datetime,
        "resolved_at": lapor_datetime,
        "closed_at": lapor_datetime,
        "verification_due": lapor_datetime,
        "first_response_due": lapor_datetime,
        "resolution_due": lapor_datetime,
        "auto_close_due": lapor_datetime,
        "incident_date": lapor_date,
    }
    add_form_extra_fields = {
        "kind": SelectField(COMPLAINT_LABELS["kind"], choices=choices(KIND_LABELS), widget=Select2Widget()),
        "reporter_name": StringField(_l("Reporter name"), validators=[OptionalValidator(), Length(max=150)], widget=BS3TextFieldWidget()),
        "reporter_phone": StringField(_l("Reporter phone / WhatsApp"), validators=[OptionalValidator(), Regexp(PHONE_PATTERN, message=PHONE_MESSAGE)], widget=BS3TextFieldWidget()),
        "reporter_email": StringField(_l("Reporter email"), validators=[OptionalValidator(), Email(message=_l("Invalid email address.")), Length(max=200)], widget=BS3TextFieldWidget()),
        "reporter_nik": StringField(_l("Reporter NIK (optional)"), validators=[OptionalValidator(), Length(min=16, max=16, message=_l("NIK must be 16 digits."))], widget=BS3TextFieldWidget()),
        "reporter_consent": BooleanField(_l("Reporter consents to the processing of their personal data (UU PDP)")),
        "received_at": LocalDateTimeField(_l("Received at (local time)"), validators=[OptionalValidator()],
                                          description=_l("When the case reached us: the verification deadline counts from here.")),
        "incident_date": LocalDateField(_l("Incident date"), validators=[OptionalValidator()]),
        "intake_token": HiddenField(),  # one per opened form: sent twice, it records one case
        "attachments": MultipleFileField(_l("Attachments"), description=_l(
            "A letter, a photo brought to the counter...: images (JPG, PNG, GIF, WebP) or PDF, at most 5 files of 5 MB.")),
    }
    add_columns = add_columns + ["reporter_name", "reporter_phone", "reporter_email", "reporter_nik", "reporter_consent",
                                 "attachments", "intake_token"]
    edit_form_extra_fields = {"expected_version": HiddenField(),
                              "incident_date": LocalDateField(_l("Incident date"), validators=[OptionalValidator()])}
    edit_columns = edit_columns + ["expected_version"]
    validators_columns = {"title": [DataRequired(), Length(min=lifecycle.STAFF_TITLE_MIN, max=lifecycle.MAX_TITLE)], "description": [DataRequired(), Length(min=10, max=10000)]}

    show_template = "complaints/show.html"
    list_template = "complaints/list.html"
    search_widget = CachedSearchWidget

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # the channel is the officer's choice, never preselected: a quick "Simpan" would file a
        # telephone call as "Situs web" (the field stays required)
        channel = getattr(self.add_form, "channel", None)
        if channel is not None:
            channel.kwargs.update(allow_blank=True, blank_text="—")

    # --- keyset ("seek") pages when the list is sorted by received time -----------------
    keyset_column = "received_at"

    def list_formatters(self):
        """A list cell is read at a glance: the received time without the weekday (the case page
        keeps the long form). Made once per page: the language, zone and label translations are
        read here, not once per row."""
        from functools import partial

        from app.formats import PageTimes
        from app.formatting import page_texts

        times, texts = PageTimes(), page_texts()
        return {**self.formatters_columns, "received_at": times.datetime_short,
                "sla": partial(sla_badge, times=times, texts=texts)}

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="", page=None,
                         page_size=None, widgets=None, **kwargs):
        """Sorted by received time (the default, either direction), a page is found from a cursor
        (the last row seen) through the (received_at, id) index, never by OFFSET: "Sebelumnya" /
        "Berikutnya" and a jump by date instead of page numbers. Other orders keep FAB's pages."""
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        if order_column != self.keyset_column:
            widgets = super()._get_list_widget(filters, actions, order_column, order_direction, page, page_size,
                                               widgets, **kwargs)
            widgets["list"].template_args["formatters_columns"] = self.list_formatters()
            return widgets
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = page_size or self.page_size
        newest_first = order_direction != "asc"
        position, jump = _keyset_position(newest_first)
        count, found = self.datamodel.seek(filters.get_joined_filters(self._base_filters), self.keyset_column,
                                           page_size, newest_first=newest_first, **position)
        pks = [self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(found.rows)]
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns, include_columns=self.list_columns,
            value_columns=self.datamodel.get_values(found.rows, self.list_columns),
            order_columns=self.order_columns, formatters_columns=self.list_formatters(),
            page=None, page_size=page_size, count=count, pks=pks, actions=actions, filters=filters,
            modelview_name=self.__class__.__name__,
            keyset=_keyset_pager(found, newest_first, jump, bool(position)), **kwargs)
        return widgets

    # --- access on routes FAB does not filter ---------------------------------
    def render_template(self, template, **kwargs):
        if template in (self.add_template, self.edit_template):
            kwargs.setdefault("map_settings", map_settings())
        return super().render_template(template, **kwargs)

    def _get_visible(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        if request.method != "POST":
            abort(405)
        return self.actions[name].func(self._get_visible(pk))

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        name = request.form.get("action", "")
        if name not in self.actions:
            abort(404)
        if not self.appbuilder.sm.has_access(self.get_action_permission_name(name), self.class_permission_name):
            abort(403)
        pks = request.form.getlist("rowid")
        items = [self._get_visible(pk) for pk in pks]
        return self.actions[name].func(items)

    # --- create through the domain -----------------------------------------------
    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """Intake by staff: any channel, the time it was received, attachments, no agency.

        The case enters the coordinator's verification queue (an OPD officer's case gets
        their own agency). A refusal re-renders the form with what was typed and says why.
        """
        form = self.add_form.refresh()
        status = 200
        if request.method == "GET":
            form.received_at.data = current_calendar().to_local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
            form.intake_token.data = secrets.token_urlsafe(18)
        if request.method == "POST":
            refusal = self._intake_refusal(form)
            if refusal:
                flash(refusal, "danger")
                status = 403
            elif form.validate():
                status = self._intake(form) or 200
                if not isinstance(status, int):
                    return status
        widgets = self._get_add_widget(form=form)
        return self.render_template(self.add_template, title=self.add_title, widgets=widgets), (
            200 if request.method == "GET" else status)

    def _intake_refusal(self, form):
        """A posted agency the user may not assign (the form offers none; an OPD case gets theirs)."""
        raw = (request.form.get("agency") or "").strip()
        if raw in ("", "__None"):
            return None
        agency_id = whole_number(raw)
        if agency_id is None or not access.can_assign_agency(current_user, agency_id):
            return _("You can only record cases for your own agency.")
        return None

    def _intake(self, form):
        from app.workflow import attachments

        received = form.received_at.data
        now = utcnow()
        if received is not None:
            received = current_calendar().utc_of(received)  # the one reading of a typed local time
            if received > now + datetime.timedelta(minutes=5):
                form.received_at.errors = list(form.received_at.errors) + [_("The time received cannot be in the future.")]
                return None
        try:
            accepted = attachments.validate_uploads(request.files.getlist("attachments"))
        except DomainError as exc:
            form.attachments.errors = [str(exc.message), _("Choose the files again: a browser cannot keep them.")]
            return None
        token = (form.intake_token.data or "").strip()

        def open_case(_sending):
            reporter = reporter_from_form(
                form.reporter_name.data, form.reporter_phone.data, form.reporter_email.data,
                form.reporter_nik.data, form.reporter_consent.data,
            )
            agency = request.form.get("agency") or None
            outcome = lifecycle.register(
                who=current_user,
                kind=form.kind.data,
                title=form.title.data,
                description=form.description.data,
                category=form.category.data,
                channel=form.channel.data,
                agency=whole_number(agency),
                reporter=reporter,
                is_anonymous=form.is_anonymous.data,
                is_confidential=form.is_confidential.data,
                address=form.address.data or None,
                region_code=form.region.data.code if form.region.data is not None else None,
                latitude=form.latitude.data, longitude=form.longitude.data,
                incident_date=form.incident_date.data,
                now=min(received or now, now),
            )
            return outcome, attachments.store(outcome.complaint, accepted)

        try:
            # one case per form (a double click, a reload); a refused sending leaves nothing behind,
            # so the corrected form goes through
            sending, outcome = intake.open_once(STAFF_FORM, token, open_case)
        except DomainError as exc:
            flash(str(exc.message), "danger")
            return 403 if isinstance(exc, NotAllowed) else 200
        if outcome is None:
            return self._sent_before(sending)
        deliver(outcome)
        complaint = outcome.complaint
        flash(_("Case %(number)s recorded.", number=complaint.tracking_number), "success")
        self._warn_about_location(complaint)
        # shown once, on this page only, to read to the caller (never stored in plain text)
        return self._render_show(complaint, new_code=outcome.reply_code)

    def _sent_before(self, sending):
        """This very form was sent before (a double click, a reload): the case it recorded, not a
        second one. The reply code was shown the first time only (a coordinator may issue a new one)."""
        case = self.datamodel.get(sending.complaint_id, self._base_filters)
        if case is None:  # recorded, then moved out of this user's reach
            flash(_("This form was already sent: a case was recorded from it, not a second one."), "warning")
            return 409
        flash(_("This form was already sent: case %(number)s was recorded from it, not a second one.",
                number=case.tracking_number), "warning")
        return redirect(url_for(".show", pk=case.id))

    # --- edit: location fields only, audited, optimistic lock ------------------
    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is not None:
            form.expected_version.data = item.version

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """FAB's edit, except that a refusal by the rules (a stale page, a map point outside
        Indonesia) shows the form again with what was typed and why, instead of leaving it."""
        g.case_edit_refused = False
        widgets = self._edit(pk)
        if not widgets and g.case_edit_refused:
            db.session.rollback()  # FAB had already copied the form into the case
            form = self.edit_form.refresh(request.form)
            form.expected_version.data = self._get_visible(pk).version  # the page now shows the news
            widgets = self._get_edit_widget(form=form, exclude_cols=self._filters.get_relation_cols())
        if not widgets:  # saved: back to the case (FAB's shared page history could lead anywhere)
            self._warn_about_location(self._get_visible(pk))
            return redirect(url_for(".show", pk=pk))
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views)

    @staticmethod
    def _warn_about_location(complaint):
        """After saving: a map point outside the kabupaten is kept, and pointed out."""
        warning = regions.location_warning(complaint.latitude, complaint.longitude)
        if warning:
            flash(str(warning), "warning")

    def pre_update(self, item):
        try:
            self._check_edit(item)
        except DomainError:
            g.case_edit_refused = True
            raise

    def _check_edit(self, item):
        # the version the officer saw is required: a form without it (forged, or a page cut short)
        # is refused like a stale one rather than overwriting a change it never showed
        if str(getattr(item, "expected_version", None) or "") != str(item.version):
            raise DomainError(lifecycle.Conflict().message)
        with db.session.no_autoflush:  # the edit is audited below from the pending changes
            if item.region is not None:
                item.district_code, item.district, item.village = (
                    item.region.parent_code, regions.get(item.region.parent_code).name, item.region.name)
        lifecycle.audit_form_edit(item, current_user, self.edit_columns)

    def pre_delete(self, item):
        raise DomainError(_l("Cases cannot be deleted. Archive them instead."))

    # --- show: identity, timeline ---------------------------------------------
    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        return self._render_show(self._get_visible(pk))

    def _render_show(self, item, reporter=None, new_code=None, typed=None, typed_reason=None):
        """The case page; ``typed`` = (transition, submitted form) of a refused action, shown again."""
        pk = item.id
        widgets = self._get_show_widget(pk, item)
        if request.method == "GET":  # "Back" never leads to a POST-only address
            self.update_redirect()
        transitions = [name for name in lifecycle.allowed_transitions(item, current_user) if name in transition_forms.FORMS]
        events = db.session.execute(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == item.id)
            .options(joinedload(ComplaintEvent.actor), joinedload(ComplaintEvent.to_agency), joinedload(ComplaintEvent.from_agency))
            .order_by(ComplaintEvent.id)
        ).scalars().all()
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self._related_views,
            complaint=item,
            attachment_names={a.id: attachments.display_name(a, current_user) for a in item.attachments},
            reporter=reporter or reporter_display(current_user, item),
            new_code=new_code,
            typed_reason=typed_reason,
            access_log=privacy.access_log(current_user, item) if access.is_coordinator(current_user) else None,
            access_purposes=ACCESS_PURPOSE_LABELS,
            can_coordinate=access.is_coordinator(current_user),
            events=events,
            event_labels=lifecycle.EVENT_LABELS,
            status_labels=STATUS_LABELS,
            transitions=transitions,
            suggestions=duplicates.suggest(item) if "merge" in transitions else [],
            # the merged duplicates this user may open (another agency's case is counted, never named)
            children=db.session.execute(access.visible_cases(current_user).where(Complaint.parent_id == item.id)
                                        .order_by(Complaint.id).limit(100)).scalars().all() if item.duplicate_count else [],
            map_settings=map_settings(),
            location_warning=regions.location_warning(item.latitude, item.longitude),
            forms=transition_forms.FORMS,
            fields=transition_forms.FIELDS,
            choices=transition_forms.choices_for(current_user),
            suggestion=_dispose_suggestion(item),
            with_attachments=transition_forms.WITH_ATTACHMENTS,
            awaiting_verification=queues.awaiting_verification(item),
            typed_name=typed[0] if typed else None,
            typed=typed[1] if typed else None,
            typed_elsewhere=self._typed_elsewhere(typed, transitions),
        )

    @staticmethod
    def _typed_elsewhere(typed, transitions):
        """The texts of a refused action whose form is no longer on the page (the case moved on):
        ``[(field, label, text)]``, shown read-only so that nothing typed is lost."""
        if not typed or typed[0] in transitions:
            return []
        name, form = typed
        return [(field, transition_forms.FIELDS[field][1], form.get(field).strip())
                for field in transition_forms.FORMS[name][2]
                if transition_forms.FIELDS[field][0] in ("text", "textarea") and (form.get(field) or "").strip()]

    # --- personal data (UU PDP): reveal with a reason, erase on request ----------------
    @expose("/reveal/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("show")
    def reveal(self, pk):
        item = self._get_visible(pk)
        try:
            full = privacy.reveal(current_user, item, request.form.get("reason"), address=request.remote_addr)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            return redirect(url_for(".show", pk=pk))
        return self._render_show(item, reporter=full)

    @expose("/erase/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("act")
    def erase_identity(self, pk):
        item = self._get_visible(pk)
        try:
            privacy.erase(item, current_user, request.form.get("reason"), address=request.remote_addr)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
        else:
            flash(_("The reporter's personal data has been erased. The case is kept."), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/confirm_contact/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("act")
    def confirm_contact(self, pk):
        item = self._get_visible(pk)
        try:
            outcome = privacy.confirm_contact(item, current_user, request.form.get("reason"))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            return self._render_show(item, typed_reason=request.form.get("reason"))
        deliver(outcome)
        flash(_("The contact data is confirmed: the reporter is sent the tracking number and a new reply code, "
                "and receives every update from now on."), "success")
        return redirect(url_for(".show", pk=pk))

    # --- the reporter's reply code: a coordinator issues a new one, shown once ----------
    @expose("/reply_code/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("act")
    def reissue_code(self, pk):
        item = self._get_visible(pk)
        try:
            code = reply_codes.reissue(item, current_user)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            return redirect(url_for(".show", pk=pk))
        return self._render_show(item, new_code=code)

    # --- attachments (same access rule as the case) --------------------------------
    @expose("/attachment/<int:attachment_id>")
    @has_access
    @permission_name("show")
    def attachment(self, attachment_id):
        from flask import send_file

        from app.models import Attachment

        row = db.session.get(Attachment, attachment_id)
        if row is None:
            abort(404)
        self._get_visible(row.complaint_id)
        # images inline (they were re-encoded on upload), everything else as a download;
        # never sniffed, never able to run script (sandbox), name neutral unless Admin/Koordinator
        response = send_file(attachments.path_of(row), mimetype=row.content_type,
                             download_name=attachments.display_name(row, current_user),
                             as_attachment=not attachments.is_image(row), max_age=0)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    # --- lifecycle transitions (single case) ------------------------------------
    @expose("/transition/<int:pk>/<string:name>", methods=["POST"])
    @has_access
    @permission_name("act")
    def transition(self, pk, name):
        from app.workflow import attachments

        if name not in transition_forms.FORMS:
            abort(404)
        item = self._get_visible(pk)
        try:
            kwargs = transition_forms.read_form(name, request.form)
            files = []
            if name in transition_forms.WITH_ATTACHMENTS:
                files = attachments.validate_uploads(request.files.getlist("attachments"))
            outcome = lifecycle.perform(name, item.id, current_user,
                                        expected_version=request.form.get("expected_version", ""), **kwargs)
            deliver(outcome)
        except AlreadyDone as exc:  # the same form sent twice: it was done once, nothing is wrong
            flash(str(exc.message), "info")
            return redirect(url_for(".show", pk=pk))
        except DomainError as exc:
            # refused (stale page, a rule, bad input): the case page again, with the form
            # still holding what was typed and the reason above it (nothing typed is lost)
            flash(str(exc.message), "danger")
            return self._render_show(self._get_visible(pk), typed=(name, request.form))
        else:
            if files:
                self._attach_to_event(item.id, outcome.event.id, files,
                                      public=request.form.get("attachments_public") in ("y", "on"))
            from app.workflow import notify

            notify.mark_case_read(current_user.id, item.id)  # acting on a case answers its notices
            flash(_("Saved: %(action)s.", action=transition_forms.FORMS[name][0]), "success")
        return redirect(url_for(".show", pk=pk))

    @staticmethod
    def _attach_to_event(complaint_id, event_id, files, public):
        """Files sent with a follow-up belong to the event it just wrote (public only when ticked)."""
        from app.workflow import attachments

        complaint = db.session.get(Complaint, complaint_id)
        event = db.session.get(ComplaintEvent, event_id)
        written = []
        try:
            written = attachments.store(complaint, files, event=event)
            for row in complaint.attachments:
                if row.event_id == event.id:
                    row.is_public = bool(public) and event.is_public
            db.session.commit()
        except Exception:
            db.session.rollback()
            attachments.discard(written)
            raise

    # --- bulk transitions ----------------------------------------------------------
    @expose("/bulk/<string:name>", methods=["GET", "POST"])
    @has_access
    @permission_name("act")
    def bulk(self, name):
        if name not in transition_forms.BULK:
            abort(404)
        raw_ids = request.values.getlist("rowid") or request.values.get("ids", "").split(",")
        ids = sorted({n for n in map(whole_number, raw_ids) if n is not None})
        if not ids:
            flash(_("No case selected."), "warning")
            return redirect(url_for(".list"))
        items = [self._get_visible(pk) for pk in ids]
        title, fields = transition_forms.BULK[name]
        if request.method == "POST":
            try:
                kwargs = transition_forms.read_form(name, request.form, fields)
            except DomainError as exc:
                flash(str(exc.message), "danger")
            else:
                done, refused = 0, []
                for item in items:
                    try:
                        deliver(lifecycle.perform(name, item.id, current_user, **kwargs))
                        done += 1
                    except DomainError as exc:
                        refused.append(f"{item.tracking_number}: {exc.message}")
                if done:
                    flash(_("%(count)d cases processed.", count=done), "success")
                for line in refused:
                    flash(line, "warning")
                return redirect(url_for(".list"))
        return self.render_template(
            "complaints/bulk.html", title=title, items=items, name=name, fields=fields,
            field_specs=transition_forms.FIELDS, choices=transition_forms.choices_for(current_user),
            status_labels=STATUS_LABELS, typed=request.form if request.method == "POST" else None,
        )

    @fab_action("bulk_dispose", _l("Dispatch to one agency"), None, "fa-share", single=False)
    def bulk_dispose(self, items):
        return redirect(url_for(".bulk", name="dispose", ids=",".join(str(i.id) for i in items)))

    @fab_action("bulk_archive", _l("Archive"), None, "fa-archive", single=False)
    def bulk_archive(self, items):
        return redirect(url_for(".bulk", name="archive", ids=",".join(str(i.id) for i in items)))

    # --- export ----------------------------------------------------------------
    @expose("/list/")
    @has_access
    def list(self):
        return self._render_list()

    def _render_list(self, export_form=None):
        """The list screen; ``export_form``: the refused export-with-contact-data form, shown again
        open with what was typed and the message."""
        from urllib.parse import urlencode

        from flask_appbuilder.exceptions import ApplyFilterException
        from sqlalchemy.exc import DataError, StatementError

        self.update_redirect()
        try:
            widgets = self._list()
        except (DataError, StatementError, ApplyFilterException):  # a forged filter value the database cannot compare
            db.session.rollback()
            abort(400)
        can_export = self.appbuilder.sm.has_access("can_export", self.class_permission_name)
        query = urlencode(_list_arguments())
        return self.render_template(
            self.list_template, title=self.list_title, widgets=widgets, can_export=can_export,
            export_urls={fmt: url_for(f"{self.endpoint}.export", fmt=fmt) + ("?" + query if query else "")
                         for fmt in ("xlsx", "csv")},
            export_form=export_form or {})

    @expose("/export.<any(csv, xlsx):fmt>", methods=["GET", "POST"])
    @has_access
    @permission_name("export")
    def export(self, fmt):
        """XLSX/CSV of this list as the user sees it (filters, order, access rule, identity masking).

        Small lists are built in the request; a list above ``EXPORT_SYNC_MAX_ROWS`` rows, more
        than one page for a coordinator, or one that takes longer than ``EXPORT_SYNC_SECONDS`` to
        build becomes a background job with a progress page: never a cut-off file.

        POSTed with ``full_contact`` and a ``reason``: the export *with full contact data* (UU PDP),
        unmasked only for the cases whose reporter the access rule lets this user see, each of
        them recorded in the case's access log (see :mod:`app.workflow.privacy`).
        """
        from app import exports

        user = current_user._get_current_object()
        arguments = _list_arguments()
        contact_reason = None
        if request.method == "POST" and request.form.get("full_contact"):
            try:
                contact_reason = privacy.export_reason(request.form.get("reason"))
            except DomainError as exc:
                return self._render_list(export_form={"open": True, "reason": request.form.get("reason", ""),
                                                      "error": str(exc.message)}), 400
        address = request.remote_addr
        query = exports.list_query(type(self).__name__, arguments, user)
        limit = current_app.config["EXPORT_SYNC_MAX_ROWS"]
        if access.is_coordinator(user):
            limit = min(limit, self.page_size)
        rows = exports.count_capped(query, limit)
        if rows <= limit:
            try:
                content = exports.build_in_request(fmt, query, user, current_app.config["EXPORT_SYNC_SECONDS"],
                                                   contact_reason=contact_reason, address=address)
            except exports.TooSlow:
                db.session.rollback()
            else:
                db.session.commit()  # the access rows of an export with contact data, before the file leaves
                return Response(content, content_type=exports.MIMETYPES[fmt], headers={
                    "Content-Disposition": f"attachment; filename={exports.filename(fmt)}"})
        job = exports.start_job(fmt, type(self).__name__, arguments, user,
                                contact_reason=contact_reason, address=address)
        if job.job_id is None:
            flash(_("The job queue is not available right now. Please try again later."), "danger")
            return redirect(url_for(".list", **dict(arguments)))
        return redirect(url_for("ComplaintView.export_progress", export_id=job.id))

    def _own_export(self, export_id):
        from app.models import CaseExport

        job = db.session.get(CaseExport, export_id)
        if job is None or job.user_id != current_user.id:
            abort(404)
        return job

    @expose("/export/<int:export_id>")
    @has_access
    @permission_name("export")
    def export_progress(self, export_id):
        job = self._own_export(export_id)
        return self.render_template("complaints/export_progress.html", title=_("Preparing the export"), job=job,
                                    state_url=url_for(".export_state", export_id=job.id))

    @expose("/export/<int:export_id>/state")
    @has_access
    @permission_name("export")
    def export_state(self, export_id):
        from app import exports
        from app.jobs import queue

        job = self._own_export(export_id)
        progress = 0
        if job.status in ("queued", "running") and job.job_id:
            state = queue.job_state(job.job_id)
            progress = int(state.get("progress") or 0)
            if state.get("status") == "failed":
                exports.mark_failed_if_lost(job, "failed")
        body = {"status": job.status, "progress": 100 if job.status == "ready" else progress}
        if job.status == "ready":
            body["url"] = url_for(".export_download", export_id=job.id, token=job.token)
            body["rows"] = job.row_count
            body["expires"] = lapor_datetime(job.expires_at)
        if job.status == "failed":
            body["error"] = _("The export could not be made. Please try again or narrow the filter.")
        return jsonify(body)

    @expose("/export/<int:export_id>/<token>")
    @has_access
    @permission_name("export")
    def export_download(self, export_id, token):
        from app import exports

        job = self._own_export(export_id)
        if not secrets.compare_digest(job.token, token) or job.status != "ready":
            abort(404)
        if job.expires_at is None or job.expires_at < utcnow():
            flash(_("This download link has expired. Export the list again."), "warning")
            return redirect(url_for(".list"))
        headers = {"Content-Disposition": f"attachment; filename={job.filename}"}
        if job.size is not None:
            headers["Content-Length"] = str(job.size)
        return Response(stream_with_context(exports.stored_chunks(job.id)), content_type=exports.MIMETYPES[job.fmt],
                        headers=headers)


# --- work queues: the same screen with one more filter each -------------------------


class QueueToVerifyView(ComplaintView):
    base_filters = queue_base_filters("to_verify")
    list_title = _l("Cases to verify")


class QueueReturnedView(ComplaintView):
    base_filters = queue_base_filters("returned")
    list_title = _l("Cases returned by an OPD")


class QueueToFollowUpView(ComplaintView):
    base_filters = queue_base_filters("to_follow_up")
    list_title = _l("Cases to follow up")


class QueueAwaitingReporterView(ComplaintView):
    base_filters = queue_base_filters("awaiting_reporter")
    list_title = _l("Cases awaiting the reporter")


class QueueOverdueView(ComplaintView):
    base_filters = queue_base_filters("overdue")
    list_title = _l("Overdue cases")


class QueueUnmappedLocationView(ComplaintView):
    base_filters = queue_base_filters("unmapped_location")
    list_title = _l("Cases whose location is not in the official region list")
