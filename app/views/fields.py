"""Form fields of the staff screens: dates as Indonesians type them.

A date is accepted as ``dd/mm/yyyy`` (what people type and what the picker writes) or
ISO ``yyyy-mm-dd``; a date and time also with ``HH:MM`` or ``HH.MM``. Anything else is a
clear field error in Indonesian, never a silently different date.
"""
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field
from wtforms.widgets import html_params

# how staff type dates: one reading for forms and list filters alike (app/formats.py)
from app.formats import parse_date, parse_datetime  # noqa: F401


class LocalDatePickerWidget(DatePickerWidget):
    """FAB's picker with an Indonesian placeholder (static/js/lapor_forms.js localises it)."""

    data_template = (
        '<div class="input-group date appbuilder_date lapor-date">'
        '<span class="input-group-addon" aria-hidden="true"><i class="fa fa-calendar cursor-hand"></i></span>'
        "<input class=\"form-control\" %(text)s />"
        "</div>"
    )

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs.setdefault("placeholder", field.placeholder)
        kwargs.setdefault("autocomplete", "off")
        return Markup(self.data_template % {"text": html_params(type="text", value=field._value(), **kwargs)})


class LocalDateField(Field):
    """A date typed as dd/mm/yyyy or yyyy-mm-dd (optional unless validators say otherwise)."""

    widget = LocalDatePickerWidget()
    placeholder = "hh/bb/tttt"
    message = _l("Invalid date. Use dd/mm/yyyy, for example 10/12/2026.")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            self.data = parse_date(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(self.message))


class PlainTextWidget:
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        kwargs.setdefault("placeholder", field.placeholder)
        kwargs.setdefault("class", "form-control")
        return Markup("<input %s>" % html_params(type="text", value=field._value(), **kwargs))


class LocalDateTimeField(LocalDateField):
    """A local date and time typed as dd/mm/yyyy HH:MM (or ISO)."""

    widget = PlainTextWidget()
    placeholder = "hh/bb/tttt jj:mm"
    message = _l("Invalid date and time. Use dd/mm/yyyy hh:mm, for example 10/12/2026 08:30.")

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y %H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            self.data = parse_datetime(valuelist[0])
        except ValueError:
            self.data = None
            raise ValueError(str(self.message))
