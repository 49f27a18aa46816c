"""Reference data screens: agencies, categories, channels, holidays, SLA settings."""
from flask_appbuilder import ModelView
from flask_appbuilder.fieldwidgets import Select2Widget
from app.formatting import lapor_date
from app.views.fields import LocalDateField
from app.redirects import BackToTheList
from app.interface import LaporInterface as SQLAInterface
from flask_babel import lazy_gettext as _l
from flask_appbuilder.validators import Unique
from flask import request
from wtforms import SelectField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from app.labels import AGENCY_LEVEL_LABELS, HOLIDAY_KIND_LABELS, KIND_LABELS, choices, label
from app.models import Agency, Category, Channel, Holiday, SlaSetting
from app.workflow import agencies
from app.workflow.calendar import check_holiday_date, invalidate_calendar
from app.workflow.errors import DomainError
from app.workflow.numbers import whole_number
from app.workflow.reference import agencies_reading, channels_reading, trimmed

# no file columns: FAB's download route (can_download) is left out
REFERENCE_PERMISSIONS = ["can_list", "can_show", "can_add", "can_edit", "can_delete"]


def _parent_without_loop(form, field):
    """Form check of the parent agency (the domain rule, shown next to the field; input kept)."""
    pk = (request.view_args or {}).get("pk")
    if field.data is None or whole_number(pk) is None:
        return
    try:
        agencies.assert_valid_parent(whole_number(pk), field.data.id)
    except DomainError as exc:
        raise ValidationError(str(exc.message))


def _editing_id(form):
    editing = getattr(form, "_id", None)  # set by FAB on the edit form only
    return int(editing) if str(editing or "").isdigit() else None


def _reads_like_no_other(finder, column, message, unique_in_database=False):
    """Form validator (a code or name of a reference row): no second row that reads the same, case and
    spacing aside (``finder``: a ``*_reading`` function of app/workflow/reference.py). Where the database
    column is unique, the very same spelling is FAB's own "already exists" message, not said twice."""
    def check(form, field):
        others = finder(column, field.data, excluding_id=_editing_id(form))
        if others and not (unique_in_database and getattr(others[0], column) == field.data):
            raise ValidationError(str(message) % {"name": getattr(others[0], column)})
    return check


def _an_email(form, field):
    """Form validator: an e-mail address mail can reach (notices go there), or nothing."""
    from app.workflow.reporters import is_email

    if (field.data or "").strip() and not is_email(field.data.strip()):
        raise ValidationError(str(_l("Invalid email address.")))


def _a_phone(form, field):
    """Form validator: a phone number by the one phone rule, or nothing."""
    from app.workflow.reporters import PHONE_MESSAGE, is_phone

    if (field.data or "").strip() and not is_phone(field.data.strip()):
        raise ValidationError(str(PHONE_MESSAGE))


AGENCY_TAKEN = _l("An agency \"%(name)s\" already exists (compared without regard to capitals and spaces): "
                  "edit that one or choose another.")


def _store_agency_trimmed(agency):
    agency.code, agency.name = trimmed(agency.code), trimmed(agency.name)
    agency.email, agency.phone = trimmed(agency.email), trimmed(agency.phone)


class AgencyView(BackToTheList, ModelView):
    datamodel = SQLAInterface(Agency)
    base_permissions = REFERENCE_PERMISSIONS
    list_title = _l("Agency List")
    show_title = _l("Agency Details")
    add_title = _l("Add Agency")
    edit_title = _l("Edit Agency")
    list_columns = ["code", "name", "level", "parent", "email", "phone", "active"]
    add_columns = edit_columns = ["code", "name", "level", "parent", "email", "phone", "active"]
    show_columns = ["code", "name", "level", "parent", "email", "phone", "active"]
    search_columns = ["code", "name", "level", "parent", "active"]
    base_order = ("code", "asc")
    label_columns = {
        "code": _l("Code"), "name": _l("Agency name"), "level": _l("Level"),
        "parent": _l("Parent agency"), "email": _l("Email"), "phone": _l("Phone"), "active": _l("Active"),
    }
    formatters_columns = {"level": lambda v: label(AGENCY_LEVEL_LABELS, v)}
    add_form_extra_fields = edit_form_extra_fields = {
        "level": SelectField(_l("Level"), choices=choices(AGENCY_LEVEL_LABELS), widget=Select2Widget()),
    }
    # notices to the agency go to its e-mail; two agencies that read the same cannot be told apart
    validators_columns = {
        "code": [DataRequired(), Length(max=40), _reads_like_no_other(
            agencies_reading, "code", AGENCY_TAKEN, unique_in_database=True)],
        "name": [DataRequired(), Length(max=200), _reads_like_no_other(agencies_reading, "name", AGENCY_TAKEN)],
        "parent": [_parent_without_loop], "email": [_an_email], "phone": [_a_phone]}

    def pre_add(self, item):
        agencies.assert_valid_parent(item.id, getattr(item.parent, "id", None))
        _store_agency_trimmed(item)

    def pre_update(self, item):
        agencies.assert_valid_parent(item.id, getattr(item.parent, "id", None))
        _store_agency_trimmed(item)

    def pre_delete(self, item):
        from app.workflow.reference import assert_agency_deletable

        assert_agency_deletable(item)


def _category_parent_without_loop(form, field):
    """Form check of the parent category (the domain rule, shown next to the field; input kept)."""
    from app.workflow.reference import assert_valid_category_parent

    pk = (request.view_args or {}).get("pk")
    if field.data is None or whole_number(pk) is None:
        return
    try:
        assert_valid_category_parent(whole_number(pk), field.data.id)
    except DomainError as exc:
        raise ValidationError(str(exc.message))


def _distinct_category_name(form, field):
    """Form validator (name): no two categories read the same, case and spacing aside (the
    spreadsheet import finds a category by its name)."""
    from app.workflow.reference import categories_named

    editing = getattr(form, "_id", None)
    others = categories_named(field.data, excluding_id=int(editing) if str(editing or "").isdigit() else None)
    if others:
        from flask_babel import gettext

        raise ValidationError(gettext("A category named \"%(name)s\" already exists (names are compared without "
                                      "regard to capitals and spaces): edit that one or choose another name.",
                                      name=others[0].name))


class CategoryView(BackToTheList, ModelView):
    datamodel = SQLAInterface(Category)
    base_permissions = REFERENCE_PERMISSIONS
    list_title = _l("Category List")
    show_title = _l("Category Details")
    add_title = _l("Add Category")
    edit_title = _l("Edit Category")
    list_columns = ["name", "parent", "suggested_agency", "active"]
    add_columns = edit_columns = show_columns = ["name", "parent", "description", "suggested_agency", "active"]
    search_columns = ["name", "parent", "suggested_agency", "active"]
    base_order = ("name", "asc")
    label_columns = {
        "name": _l("Category name"), "parent": _l("Parent category"), "description": _l("Description"),
        "suggested_agency": _l("Suggested agency"), "active": _l("Active"),
    }
    # the import matches categories by name: a second one that reads the same is a field message
    validators_columns = {"name": [DataRequired(), Length(max=150), _distinct_category_name],
                          "parent": [_category_parent_without_loop]}

    def pre_add(self, item):
        item.name = trimmed(item.name)  # " Jalan Rusak " is stored as the import and the lists read it

    def pre_update(self, item):
        from app.workflow.reference import assert_valid_category_parent

        assert_valid_category_parent(item.id, getattr(item.parent, "id", None))
        item.name = trimmed(item.name)

    def pre_delete(self, item):
        from app.workflow.reference import assert_category_deletable

        assert_category_deletable(item)


CHANNEL_TAKEN = _l("A channel \"%(name)s\" already exists (compared without regard to capitals and spaces): "
                   "edit that one or choose another.")


def _built_in_code_kept(form, field):
    """Form check of a channel's code (the domain rule, shown next to the field; input kept)."""
    from app.workflow.reference import assert_channel_code_kept

    try:
        assert_channel_code_kept(_editing_id(form), field.data)
    except DomainError as exc:
        raise ValidationError(str(exc.message))


class ChannelView(BackToTheList, ModelView):
    datamodel = SQLAInterface(Channel)
    base_permissions = REFERENCE_PERMISSIONS
    list_title = _l("Channel List")
    show_title = _l("Channel Details")
    add_title = _l("Add Channel")
    edit_title = _l("Edit Channel")
    list_columns = add_columns = edit_columns = show_columns = ["code", "name", "active"]
    search_columns = ["code", "name", "active"]
    label_columns = {"code": _l("Code"), "name": _l("Channel name"), "active": _l("Active")}
    validators_columns = {"code": [DataRequired(), Length(max=30), _reads_like_no_other(
        channels_reading, "code", CHANNEL_TAKEN, unique_in_database=True), _built_in_code_kept],
                          "name": [DataRequired(), Length(max=100), _reads_like_no_other(
        channels_reading, "name", CHANNEL_TAKEN)]}

    def pre_add(self, item):
        item.code, item.name = trimmed(item.code), trimmed(item.name)

    def pre_update(self, item):
        from app.workflow.reference import assert_channel_code_kept

        assert_channel_code_kept(item.id, item.code)
        item.code, item.name = trimmed(item.code), trimmed(item.name)

    def pre_delete(self, item):
        from app.workflow.reference import assert_channel_deletable

        assert_channel_deletable(item)


def _plausible_holiday(form, field):
    try:
        check_holiday_date(field.data)
    except DomainError as exc:
        raise ValidationError(str(exc.message))


class HolidayView(BackToTheList, ModelView):
    datamodel = SQLAInterface(Holiday)
    base_permissions = REFERENCE_PERMISSIONS
    list_title = _l("Holiday List")
    show_title = _l("Holiday Details")
    add_title = _l("Add Holiday")
    edit_title = _l("Edit Holiday")
    list_columns = add_columns = edit_columns = show_columns = ["date", "name", "kind"]
    search_columns = ["date", "name", "kind"]
    base_order = ("date", "desc")
    label_columns = {"date": _l("Date"), "name": _l("Description"), "kind": _l("Type")}
    formatters_columns = {"kind": lambda v: label(HOLIDAY_KIND_LABELS, v), "date": lapor_date}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("Type"), choices=choices(HOLIDAY_KIND_LABELS), widget=Select2Widget()),
        # one row per day: a second entry for a day is a field message with the input kept (not a lost form)
        "date": LocalDateField(_l("Date"), validators=[InputRequired(), _plausible_holiday, Unique(
            datamodel, "date", message=_l("This day is already in the holiday list: edit that entry."))]),
    }
    validators_columns = { "name": [DataRequired(), Length(max=200)]}

    def post_add(self, item):
        invalidate_calendar()

    post_update = post_delete = post_add


SLA_ORDERED = ("first_response_days", "resolution_days", "inspection_resolution_days")


def _deadlines_in_order(form, field):
    """Form check of the SLA deadlines' natural order (the domain rule of app/workflow/sla.py), shown next
    to the later deadline with both values; the input is kept."""
    from app.workflow.sla import deadline_order_problems

    values = {name: getattr(form, name).data if name in form else None for name in SLA_ORDERED}
    message = deadline_order_problems(**values).get(field.name)
    if message:
        raise ValidationError(str(message))


class SlaSettingView(BackToTheList, ModelView):
    datamodel = SQLAInterface(SlaSetting)
    base_permissions = REFERENCE_PERMISSIONS
    list_title = _l("Service Deadlines by Case Type")
    show_title = _l("Service Deadline Details")
    add_title = _l("Add Service Deadline")
    edit_title = _l("Edit Service Deadline")
    list_columns = show_columns = ["kind", "verify_days", "first_response_days", "resolution_days", "inspection_resolution_days", "auto_close_days"]
    add_columns = list_columns
    edit_columns = ["verify_days", "first_response_days", "resolution_days", "inspection_resolution_days", "auto_close_days"]
    label_columns = {
        "kind": _l("Case type"),
        "verify_days": _l("Verification and dispatch (working days)"),
        "first_response_days": _l("Agency first response (working days)"),
        "resolution_days": _l("Resolution (working days)"),
        "inspection_resolution_days": _l("Resolution with field inspection (working days)"),
        "auto_close_days": _l("Auto-close without reporter response (working days)"),
    }
    formatters_columns = {"kind": lambda v: label(KIND_LABELS, v)}
    # one setting per kind: a duplicate is a field message, never a database error
    add_form_extra_fields = {"kind": SelectField(_l("Case type"), choices=choices(KIND_LABELS), widget=Select2Widget(), validators=[
        Unique(datamodel, "kind", message=_l("A setting for this case type already exists: edit that one."))])}
    validators_columns = {
        # InputRequired, not DataRequired: "tiga", "1.5" or "0" are typed, so the message says what is wrong
        # with them (DataRequired wipes that message and says the field is empty)
        **dict.fromkeys(edit_columns, [InputRequired(), NumberRange(
            min=1, max=365, message=_l("Enter between 1 and 365 working days."))]),
        **{name: [InputRequired(), NumberRange(min=1, max=365, message=_l("Enter between 1 and 365 working days.")),
                  _deadlines_in_order] for name in SLA_ORDERED[1:]},
    }

    def pre_add(self, item):
        from app.workflow.sla import assert_deadlines_in_order

        assert_deadlines_in_order(item)

    pre_update = pre_add
