"""The forms staff use to run lifecycle transitions (presentation only).

Which transitions a user may run on a case is decided by
``lifecycle.allowed_transitions``; this module only says which fields each form
has and how to read them into the keyword arguments of the lifecycle function.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.labels import KIND_LABELS
from app.models import Agency, Category
from app.workflow import lifecycle
from app.workflow.errors import ValidationFailed
from app.workflow.numbers import whole_number

# field name -> (widget, label, required)
FIELDS = {
    "agency": ("agency", _l("Target agency"), True),
    "public_text": ("textarea", _l("Message to the reporter (public)"), False),
    "note": ("textarea", _l("Internal note (not public)"), False),
    "reason_text": ("textarea", _l("Reason"), True),
    "archive_reason": ("archive_reason", _l("Reason for archiving"), True),
    "institution": ("text", _l("Receiving institution"), True),
    "text": ("textarea", _l("Text"), True),
    "kind": ("kind", _l("Kind"), True),
    "category_id": ("category", _l("Category"), False),
    "title": ("text", _l("Title"), True),
    "is_anonymous": ("bool", _l("Anonymous"), False),
    "is_confidential": ("bool", _l("Confidential"), False),
    "needs_inspection": ("bool", _l("Needs field inspection"), False),
    "parent": ("text", _l("Tracking number of the main report"), True),
}

# transition -> (button label, css class, fields, keyword mapping {form field: function argument})
FORMS = {
    "dispose": (_l("Dispatch to agency"), "primary", ["agency", "public_text", "note"], {}),
    "hold": (_l("Put on hold (ask the reporter)"), "warning", ["reason_text"], {"reason_text": "reason"}),
    "complete_hold": (_l("Record the reporter's completion"), "default", ["text"], {}),
    "archive": (_l("Archive"), "danger", ["archive_reason", "note"], {"archive_reason": "reason"}),
    "forward": (_l("Forward to another institution"), "default", ["institution", "note"], {}),
    "redispose": (_l("Re-dispatch to another agency"), "warning", ["agency", "note"], {}),
    "reclassify": (_l("Correct classification"), "default",
                   ["kind", "category_id", "title", "is_anonymous", "is_confidential", "needs_inspection"], {}),
    "follow_up": (_l("Post a follow-up"), "primary", ["text"], {}),
    "resolve": (_l("Post the final follow-up"), "success", ["text"], {}),
    "return_to_coordinator": (_l("Return: not our authority"), "danger", ["reason_text"], {"reason_text": "reason"}),
    "internal_note": (_l("Add an internal note"), "default", ["text"], {}),
    "merge": (_l("Merge into another report (duplicate)"), "warning", ["parent", "note"], {}),
    "unmerge": (_l("Undo the merge"), "default", ["note"], {}),
}

# transitions whose form also takes files (a photo of the repair, a letter)
WITH_ATTACHMENTS = ("follow_up", "resolve", "internal_note")

BULK = {
    "dispose": (_l("Dispatch the selected cases to one agency"), ["agency", "note"]),
    "archive": (_l("Archive the selected cases"), ["archive_reason", "note"]),
}


def choices_for(user):
    """Select options used by the forms."""
    agencies = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.active.is_(True)).order_by(Agency.name)
    ).all()
    categories = db.session.execute(
        select(Category.id, Category.name).where(Category.active.is_(True)).order_by(Category.name)
    ).all()
    return {
        "agency": agencies,
        "category": categories,
        "archive_reason": list(lifecycle.ARCHIVE_REASONS.items()),
        "kind": list(KIND_LABELS.items()),
    }


def read_form(name, form, fields=None):
    """Keyword arguments for ``lifecycle.<name>`` from a submitted form."""
    _label, _css, default_fields, mapping = FORMS[name]
    kwargs = {}
    for field in fields or default_fields:
        widget, label, required = FIELDS[field]
        raw = form.get(field)
        if widget == "bool":
            value = raw in ("y", "on", "1", "true")
        elif widget in ("agency", "category"):
            value = whole_number(raw)
            if raw and value is None:
                raise ValidationFailed(_l("Choose a valid option."))
        else:
            value = (raw or "").strip() or None
        if required and value in (None, ""):
            raise ValidationFailed(_l("Please fill in: %(field)s.", field=label))
        kwargs[mapping.get(field, field)] = value
    return kwargs
