"""Service levels: the configured working-day allowances, and the SLA state of a case
(which clock is running and whether it is on time)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Complaint, SlaSetting
from app.workflow.calendar import current_calendar


def sla_for(kind, session=None):
    """The working-day allowances of ``kind`` (the defaults of docs/domain.md when not configured)."""
    session = session or db.session
    setting = session.execute(select(SlaSetting).where(SlaSetting.kind == kind)).scalar_one_or_none()
    return setting or SlaSetting(
        kind=kind,
        verify_days=3,
        first_response_days=5,
        resolution_days=14 if kind == "complaint" else 5,
        inspection_resolution_days=60,
        auto_close_days=10,
    )


# the deadline that matters to staff in each status
CLOCK_BY_STATUS = {
    "received": "verification_due",
    "dispatched": "first_response_due",
    "in_progress": "resolution_due",
}


# the clock names used by reminders: "verification_due" -> "verification"
CLOCK_NAMES = {column: column[: -len("_due")] for column in CLOCK_BY_STATUS.values()}
# ... and how messages and screens name them
CLOCK_LABELS = {
    "verification": _l("verification and dispatch"),
    "first_response": _l("first response"),
    "resolution": _l("resolution"),
}


def due_soon_horizon(now=None, calendar=None):
    """A deadline up to the end of the next working day is "due soon"."""
    return (calendar or current_calendar()).deadline(now or utcnow(), 1)


def current_deadline(complaint):
    column = CLOCK_BY_STATUS.get(complaint.status)
    return getattr(complaint, column) if column else None


def sla_state(complaint, now=None, calendar=None, horizon=None):
    """``horizon``: :func:`due_soon_horizon` of ``now`` when the caller has it (a file of many rows)."""
    if complaint.status == "on_hold":
        return "paused"
    due = current_deadline(complaint)
    if due is None:
        return "none"
    now = now or utcnow()
    if now > due:
        return "overdue"
    if due <= (horizon or due_soon_horizon(now, calendar)):
        return "due_soon"
    return "on_time"


def overdue_clause(now=None):
    """SQL: open cases whose running clock has passed (uses the indexed deadline columns)."""
    from sqlalchemy import and_, or_

    now = now or utcnow()
    return or_(*[
        and_(Complaint.status == status, getattr(Complaint, column) < now)
        for status, column in CLOCK_BY_STATUS.items()
    ])


def due_soon_clause(now=None, calendar=None):
    from sqlalchemy import and_, or_

    now = now or utcnow()
    horizon = due_soon_horizon(now, calendar)
    return or_(*[
        and_(Complaint.status == status, getattr(Complaint, column) >= now,
             getattr(Complaint, column) <= horizon)
        for status, column in CLOCK_BY_STATUS.items()
    ])
