"""Indonesian labels for stored codes (statuses, kinds, ...), shared by screens and exports."""
from flask_babel import lazy_gettext as _l

from app.workflow.sla import CLOCK_LABELS  # noqa: F401  (the domain names its clocks)
from app.workflow import outbox  # its cancel reasons, worded below

STATUS_LABELS = {
    "received": _l("Unverified"),
    "on_hold": _l("On hold"),
    "archived": _l("Archived"),
    "forwarded": _l("Forwarded"),
    "dispatched": _l("Dispatched"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}

KIND_LABELS = {
    "complaint": _l("Complaint"),
    "aspiration": _l("Aspiration"),
    "information": _l("Information request"),
}

# the names of a case's fields, on the staff screens and in the JSON API alike
COMPLAINT_LABELS = {
    "tracking_number": _l("Tracking number"),
    "title": _l("Title"),
    "description": _l("Case description"),
    "kind": _l("Type"),
    "status": _l("Status"),
    "sla": _l("Deadline"),
    "category": _l("Category"),
    "channel": _l("Channel"),
    "agency": _l("Responsible agency"),
    "target_agency": _l("Agency chosen by reporter"),
    "forwarded_to": _l("Forwarded to"),
    "archive_reason": _l("Archive reason"),
    "address": _l("Address"),
    "district": _l("District"),
    "village": _l("Village"),
    "region": _l("Kelurahan/desa (official list)"),
    "district_region": _l("Kecamatan (official list)"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "incident_date": _l("Incident date"),
    "is_anonymous": _l("Anonymous"),
    "is_confidential": _l("Confidential"),
    "needs_inspection": _l("Needs field inspection"),
    "received_at": _l("Received at"),
    "verified_at": _l("Verified at"),
    "dispatched_at": _l("Dispatched at"),
    "first_response_at": _l("First response at"),
    "resolved_at": _l("Resolved"),
    "closed_at": _l("Closed at"),
    "verification_due": _l("Verification deadline"),
    "first_response_due": _l("First response deadline"),
    "resolution_due": _l("Resolution deadline"),
    "auto_close_due": _l("Auto-close date"),
    "rating": _l("Rating (1-5)"),
    "feedback": _l("Reporter comment"),
}

HOLIDAY_KIND_LABELS = {
    "national": _l("National holiday"),
    "collective_leave": _l("Collective leave"),
    "local": _l("Regional holiday"),
}

AGENCY_LEVEL_LABELS = {
    "pemda": _l("Local government"),
    "opd": _l("Regional agency (OPD)"),
    "unit": _l("Unit (UPT / district / village)"),
}

SLA_STATE_LABELS = {
    "on_time": _l("On time"),
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "paused": _l("Paused"),
    "none": _l("-"),
}


# background jobs: reminders and the notification outbox
LEVEL_LABELS = {
    "due_soon": _l("Due soon"),
    "overdue": _l("Overdue"),
    "escalated": _l("Escalated"),
}
CHANNEL_LABELS = {
    "email": _l("Email"),
    "whatsapp": _l("WhatsApp"),
    "sms": _l("SMS"),
}
OUTBOX_STATUS_LABELS = {
    "pending": _l("Waiting"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}

# why a message was cancelled (stored in Outbox.last_error by app.workflow.outbox/privacy), in words
CANCEL_REASON_LABELS = {
    outbox.ERASED: _l("The reporter's personal data were erased"),
    outbox.NO_RECIPIENT: _l("No address to send to"),
}
TOPIC_LABELS = {
    "received": _l("Case received"),
    "held": _l("On hold"),
    "dispatched": _l("Dispatched to agency"),
    "answered": _l("Follow-up"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "archived": _l("Archived"),
    "forwarded": _l("Forwarded"),
    "reminder": _l("Deadline reminder"),
    "digest": _l("Daily summary"),
    "new_case": _l("New case for your agency"),
    "returned": _l("Returned by an agency"),
    "reporter_reply": _l("Reporter response"),
    "reopened": _l("Reopened by the reporter"),
    "channel_reply": _l("Answer to a message"),
    "hold_completed": _l("Reporter supplied information"),
    "login_burst": _l("Many failed sign-ins"),
    "merged": _l("Merged as a duplicate"),
    "unmerged": _l("Merge undone"),
    "hotspot": _l("Hotspot alert"),
}

from app.workflow.hotspots import KIND_LABELS as HOTSPOT_KIND_LABELS  # noqa: E402,F401


def label(mapping, code):
    return mapping.get(code, code) if code is not None else ""


def choices(mapping):
    return [(code, text) for code, text in mapping.items()]


def yes_no(value):
    return _l("Yes") if value else _l("No")
