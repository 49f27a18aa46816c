"""Registers every screen with its menu entry (English names, Indonesian labels)."""
from flask_babel import lazy_gettext as _l


def register_views(appbuilder):
    from app.views.admin.complaints import (
        ComplaintView,
        QueueAwaitingReporterView,
        QueueOverdueView,
        QueueReturnedView,
        QueueToFollowUpView,
        QueueToVerifyView,
        QueueUnmappedLocationView,
    )
    from app.views.admin.dashboard import DashboardView
    from app.views.admin.reference import (
        AgencyView,
        CategoryView,
        ChannelView,
        HolidayView,
        SlaSettingView,
    )
    from app.views.api.complaints import ComplaintApi
    from app.views.public.health import health_bp

    cases = dict(category="Cases", category_label=_l("Cases"), category_icon="fa-inbox")
    appbuilder.add_view(DashboardView, "Dashboard", label=_l("Dashboard"), icon="fa-dashboard", **cases)
    appbuilder.add_view(ComplaintView, "All cases", label=_l("All Cases"), icon="fa-list", **cases)
    from app.views.admin.hotspots import HotspotView

    appbuilder.add_view(HotspotView, "Hotspots", label=_l("Hotspot Alerts"), icon="fa-fire", **cases)

    queues = dict(category="Queues", category_label=_l("Work Queues"), category_icon="fa-tasks")
    appbuilder.add_view(QueueToVerifyView, "To verify", label=_l("To Verify"), icon="fa-check-square-o", **queues)
    appbuilder.add_view(QueueReturnedView, "Returned by OPD", label=_l("Returned by OPD"), icon="fa-reply", **queues)
    appbuilder.add_view(QueueToFollowUpView, "To follow up", label=_l("To Follow Up"), icon="fa-wrench", **queues)
    appbuilder.add_view(QueueAwaitingReporterView, "Awaiting reporter", label=_l("Awaiting Reporter"), icon="fa-hourglass-half", **queues)
    appbuilder.add_view(QueueOverdueView, "Overdue", label=_l("Overdue Cases"), icon="fa-exclamation-triangle", **queues)
    appbuilder.add_view(QueueUnmappedLocationView, "Unmapped locations", label=_l("Unmapped Locations"),
                        icon="fa-map-marker", **queues)

    ref = dict(category="Reference", category_label=_l("Reference Data"), category_icon="fa-database")
    appbuilder.add_view(AgencyView, "Agencies", label=_l("Agencies"), icon="fa-building", **ref)
    appbuilder.add_view(CategoryView, "Categories", label=_l("Categories"), icon="fa-tags", **ref)
    appbuilder.add_view(ChannelView, "Channels", label=_l("Channels"), icon="fa-comments", **ref)
    appbuilder.add_view(HolidayView, "Holidays", label=_l("Holidays"), icon="fa-calendar", **ref)
    appbuilder.add_view(SlaSettingView, "Service levels", label=_l("Service Deadlines"), icon="fa-clock-o", **ref)

    from app.views.admin.logins import LoginHistoryView

    appbuilder.add_view(LoginHistoryView, "Login history", label=_l("Login History"), icon="fa-history",
                        category="Security", category_label=_l("Security"))

    appbuilder.add_api(ComplaintApi)
    from app.views.api.openapi import PublicOpenApi

    appbuilder.add_api(PublicOpenApi)
    from flask import current_app

    current_app.register_blueprint(health_bp)
    from app.views.errors import register_form_page
    from app.views.public.portal import public_bp, refused_before_the_view

    current_app.register_blueprint(public_bp)
    register_form_page(current_app, refused_before_the_view)
    from app.views.admin.jobs import register_job_views

    register_job_views(appbuilder)

    from app.views.admin.channels import ApiKeyView, ImportView

    intake = dict(category="Intake", category_label=_l("Intake channels"), category_icon="fa-plug")
    appbuilder.add_view(ImportView, "Spreadsheet import", label=_l("Import from a spreadsheet"), icon="fa-table", **intake)
    appbuilder.add_view(ApiKeyView, "API keys", label=_l("API keys (Open311)"), icon="fa-key", **intake)
    from app.channels.open311.api import error_document as open311_error, register as register_open311
    from app.channels.webhooks import error_document as webhook_error, webhooks_bp
    from app.views.errors import register_error_format

    register_open311(current_app)
    current_app.register_blueprint(webhooks_bp)
    # machine clients get every error (405, a refused body, a 500 ...) in their own format, never a page
    register_error_format(current_app, "/open311/", open311_error)
    register_error_format(current_app, webhooks_bp.url_prefix + "/", webhook_error)


def _blank_choice_reads_as_a_dash():
    """FAB's relation dropdowns offer an empty choice whose label WTForms renders as its value,
    ``__None``; it reads "—" instead (the value stays ``__None`` for FAB to parse)."""
    from flask_appbuilder import fields

    if getattr(fields.QuerySelectField, "_lapor_blank", False):
        return
    original = fields.QuerySelectField.iter_choices

    def iter_choices(self):
        for choice in original(self):
            if choice[0] == "__None" and not choice[1]:
                choice = (choice[0], "—") + tuple(choice[2:])
            yield choice

    fields.QuerySelectField.iter_choices = iter_choices
    fields.QuerySelectField._lapor_blank = True


_blank_choice_reads_as_a_dash()


def _validation_messages_from_our_catalog():
    """WTForms' own messages ("Field cannot be longer than %(max)d characters.") are looked up in
    the application's catalog: Flask-WTF would look in WTForms' bundled catalogs, which have no
    Indonesian, and a message with a number in it cannot be translated after it was filled in."""
    from flask_babel import get_translations
    from flask_wtf import i18n

    if getattr(i18n, "_lapor_catalog", False):
        return
    i18n._get_translations = get_translations
    i18n._lapor_catalog = True


def _each_form_gets_its_own_validators():
    """FAB appends its own validators (length, required, unique) to the list a view declares in
    ``validators_columns``, and it builds several forms from one list (add and edit, and every
    queue screen inheriting the case screen): the list grew with each form and each message was
    shown several times ("Sudah ada. Sudah ada."). Each form gets a copy; and where the view
    already limits a text's length at least as strictly, FAB's second limit is left out."""
    from flask_appbuilder.forms import GeneralModelConverter
    from wtforms.validators import Length

    if getattr(GeneralModelConverter, "_lapor_own_validators", False):
        return

    class OwnValidators(list):
        def append(self, validator):
            if isinstance(validator, Length) and any(
                    isinstance(v, Length) and v.max != -1 and (validator.max == -1 or v.max <= validator.max)
                    for v in self):
                return  # the view's own limit is as strict: FAB's would only repeat it
            super().append(validator)

    GeneralModelConverter._get_validators = staticmethod(
        lambda col_name, validators_columns: OwnValidators(validators_columns.get(col_name, [])))
    GeneralModelConverter._lapor_own_validators = True


_validation_messages_from_our_catalog()
_each_form_gets_its_own_validators()
