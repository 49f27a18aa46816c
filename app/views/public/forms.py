"""Public forms (Flask-WTF: CSRF on every form)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import DateInput

from app.labels import KIND_LABELS
from app.views.fields import LocalDateField
from app.workflow import lifecycle
from app.workflow.errors import ValidationFailed
from app.workflow.reporters import PHONE_MESSAGE, PHONE_PATTERN
from app.workflow.numbers import whole_number

KIND_HELP = {
    "complaint": _l("A problem with a public service that needs to be fixed."),
    "aspiration": _l("A suggestion or idea to improve public services."),
    "information": _l("A request for public information held by the government."),
}


class IncidentDateField(LocalDateField):
    """The date picker of the browser (it sends yyyy-mm-dd); a browser without one sends what the
    person typed, read like the staff screens (dd/mm/yyyy) or refused with an Indonesian message
    (WTForms' DateField answered "Not a valid date value" in English)."""

    widget = DateInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""


def _coerce_int_or_none(value):
    """An option's id, None for "not sure", -1 (no such option) for anything else: a number too
    large for the column (it failed in the database with a 500) or not a number at all."""
    if value in (None, "", "None"):
        return None
    number = whole_number(value)
    return -1 if number is None else number


class ReportForm(FlaskForm):
    kind = RadioField(_l("Kind of report"), choices=list(KIND_LABELS.items()), default="complaint",
                      validators=[DataRequired(message=_l("Choose the kind of report."))])
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Write a short title.")),
                                                 Length(min=10, max=150, message=_l("The title must be 10 to 150 characters."))])
    description = TextAreaField(_l("What happened?"), validators=[
        DataRequired(message=_l("Describe your report.")),
        Length(min=30, max=5000, message=_l("The description must be 30 to 5,000 characters."))])
    category = SelectField(_l("Category"), coerce=_coerce_int_or_none, validate_choice=False)
    target_agency = SelectField(_l("Agency you are reporting to (optional)"), coerce=_coerce_int_or_none, validate_choice=False)
    region = SelectField(_l("Kelurahan/desa (and kecamatan)"), validate_choice=False,
                         validators=[Optional(), Length(max=13)])
    address = StringField(_l("Address or landmark"), validators=[Optional(), Length(max=300)])
    latitude = HiddenField(validators=[Optional(), Regexp(r"^-?\d{1,2}(\.\d+)?$", message=_l("The map point is not valid."))])
    longitude = HiddenField(validators=[Optional(), Regexp(r"^-?\d{1,3}(\.\d+)?$", message=_l("The map point is not valid."))])
    incident_date = IncidentDateField(_l("Date of the incident"), validators=[Optional()])
    attachments = MultipleFileField(_l("Photos or documents (at most 5 files, 20 MB each, JPG/PNG/GIF/WebP/PDF)"))
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=150)])
    phone = StringField(_l("Phone / WhatsApp"), validators=[
        Optional(), Regexp(PHONE_PATTERN, message=PHONE_MESSAGE)])
    email = StringField(_l("Email"), validators=[Optional(), Email(message=_l("Invalid email address.")), Length(max=200)])
    nik = StringField(_l("NIK (optional)"), validators=[
        Optional(), Regexp(r"^\d{16}$", message=_l("The NIK has 16 digits."))])
    is_anonymous = BooleanField(_l("Anonymous"))
    is_confidential = BooleanField(_l("Confidential"))
    show_name = BooleanField(_l("Show my name on the public page of this report"))
    consent = BooleanField(_l("I agree that my personal data is processed to handle this report (UU PDP 27/2022)."))
    website = StringField(_l("Leave this field empty"))  # honeypot, hidden from people by CSS
    # one random id per filled-in form: the same form sent twice (a double tap, a resend after a
    # lost answer) opens one case
    submission = HiddenField()

    def validate_consent(self, field):
        if any((self.name.data, self.phone.data, self.email.data, self.nik.data)) and not field.data:
            raise ValidationError(_l("Tick the consent box, or leave your identity empty."))

    def validate_incident_date(self, field):
        try:
            lifecycle.check_incident_date(field.data)
        except ValidationFailed as exc:
            raise ValidationError(exc.message)


class TrackForm(FlaskForm):
    number = StringField(_l("Tracking number"), validators=[DataRequired(message=_l("Write your tracking number.")), Length(max=40)])


class CodeForm(FlaskForm):
    code = StringField(_l("Private reply code"), validators=[DataRequired(message=_l("Write your private reply code.")), Length(max=100)])


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Your message"), validators=[DataRequired(message=_l("Write your message.")), Length(max=5000)])


class RatingForm(FlaskForm):
    rating = RadioField(_l("Your rating"), choices=[(str(i), str(i)) for i in range(1, 6)],
                        validators=[DataRequired(message=_l("Choose a rating from 1 to 5."))])
    feedback = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=5000)])
