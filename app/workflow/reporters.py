"""Reporter identity: creation from forms and what a given user may see of it."""
import re

from flask_babel import gettext as _, lazy_gettext as _l

from app.clock import utcnow
from app.crypto import mask
from app.extensions import db
from app.models import Reporter
from app.workflow import access
from app.workflow.errors import ValidationFailed


# a phone / WhatsApp number a reporter gives: 8 to 20 characters of digits, spaces, dots, dashes and
# brackets holding 8 to 15 digits (E.164's most), written the way numbers are dialled: from 0 (national,
# "0812 3456 7890", "(022) 123.4567"), from 62 or from + and a country code ("+62 812-3456-7890");
# "2026-13-01" or "1234 5678" are no phone numbers. The one rule of every place a person or a client
# types one (the public form, the staff intake form, the spreadsheet import, Open311) and of the
# senders of WhatsApp and SMS gateways (digits after a +): answers are sent there
PHONE_PATTERN = r"^(?=.{8,20}$)(?=(?:\D*\d){8,15}\D*$)(?:\+\s*[1-9]|\(?0|62)[0-9()\-.\s]+$"


PHONE_MESSAGE = _l("Write a valid phone number, e.g. 0812 3456 7890.")


def is_phone(value):
    return re.fullmatch(PHONE_PATTERN, value or "") is not None


def is_email(value):
    """An e-mail address mail can be sent to (syntax only: no DNS look-up), as the forms' check."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value or "", check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def reporter_from_form(name, phone, email, nik, consent):
    """A new Reporter from submitted identity fields, or None when none were given."""
    if not any((name, phone, email, nik)):
        return None
    if not consent:
        raise ValidationFailed(_("Consent to personal data processing must be checked when reporter identity is provided."))
    nik_digits = "".join(ch for ch in (nik or "") if ch.isdigit())
    if nik and len(nik_digits) != 16:
        raise ValidationFailed(_("NIK must be 16 digits."))
    reporter = Reporter(consent_at=utcnow())
    reporter.set_identity(name=name, phone=phone, email=email, nik=nik)
    db.session.add(reporter)
    return reporter


def reporter_display(user, complaint):
    """What ``user`` may see of the reporter of ``complaint`` (a dict of display strings)."""
    reporter = complaint.reporter
    if reporter is None:
        return {"visible": False, "name": _("No reporter data"), "phone": "", "email": "", "nik": ""}
    if not access.identity_visible(user, complaint):
        return {"visible": False, "name": _("Anonymous") if complaint.is_anonymous else _("Hidden"),
                "phone": "", "email": "", "nik": ""}
    if reporter.erased_at:
        return {"visible": False, "name": _("Reporter data was deleted on request"), "phone": "", "email": "", "nik": ""}
    return {
        "visible": True,
        "protected": complaint.is_anonymous or complaint.is_confidential,
        "name": reporter.name or "",
        # contact data masked; the full data only through privacy.reveal (recorded, with a reason)
        "phone": mask(reporter.phone, 3) if reporter.phone else "",
        "email": mask_email(reporter.email) if reporter.email else "",
        "nik": mask(reporter.nik, 4) if reporter.nik else "",
        "maskable": bool(reporter.phone or reporter.email or reporter.nik),
    }


def mask_email(email):
    """``siti.rahma@contoh.id`` -> ``si********@contoh.id``."""
    local, _at, domain = email.partition("@")
    return mask(local, 1) + ("@" + domain if domain else "")
