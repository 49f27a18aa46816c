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


def deadline_order_problems(first_response_days, resolution_days, inspection_resolution_days):
    """{field: message} of the allowances out of their natural order. The first response and both
    resolutions are counted from the same moment (the disposition, ``lifecycle.dispose``): a resolution
    shorter than the first response would be due before the agency must first answer, and a resolution
    with field inspection shorter than one without would make the inspection the quicker path. Equal is
    fine (aspirasi: 5 and 5). A value that is not a number yet is left to its own field's check."""
    found = {}
    numbers = all(isinstance(v, int) for v in (first_response_days, resolution_days))
    if numbers and resolution_days < first_response_days:
        found["resolution_days"] = _l(
            "The resolution deadline (%(resolution)s working days) cannot be shorter than the agency's first "
            "response (%(first)s working days): both count from the disposition and the case is resolved after "
            "the first response.", resolution=resolution_days, first=first_response_days)
    if all(isinstance(v, int) for v in (resolution_days, inspection_resolution_days)) \
            and inspection_resolution_days < resolution_days:
        found["inspection_resolution_days"] = _l(
            "The resolution with field inspection (%(inspection)s working days) cannot be shorter than the "
            "resolution without it (%(resolution)s working days).",
            inspection=inspection_resolution_days, resolution=resolution_days)
    return found


def assert_deadlines_in_order(setting):
    """Refuse an SLA setting whose deadlines are out of their natural order (:func:`deadline_order_problems`)."""
    from app.workflow.errors import ValidationFailed

    found = deadline_order_problems(setting.first_response_days, setting.resolution_days,
                                    setting.inspection_resolution_days)
    if found:
        raise ValidationFailed(next(iter(found.values())))


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
