"""Work queues: which open cases need whose attention (SQL clauses over indexed columns)."""
from sqlalchemy import and_, exists, select

from app.models import Complaint, ComplaintEvent
from app.workflow import regions, sla


def returned_by_opd():
    """Back with the coordinator after an OPD said *bukan wewenang*."""
    return and_(
        Complaint.status == "received",
        exists(select(ComplaintEvent.id).where(
            ComplaintEvent.complaint_id == Complaint.id, ComplaintEvent.kind == "returned")),
    )


QUEUES = {
    # coordinator
    "to_verify": lambda: Complaint.status == "received",
    "returned": returned_by_opd,
    # OPD
    "to_follow_up": lambda: Complaint.status.in_(("dispatched", "in_progress")),
    "awaiting_reporter": lambda: Complaint.status.in_(("resolved", "on_hold")),
    # everyone
    "overdue": sla.overdue_clause,
    # coordinator: typed locations that match no official kelurahan/desa yet (fix with Edit)
    "unmapped_location": regions.unmapped_clause,
}


def awaiting_verification(complaint):
    """The case waits for a coordinator's decision (the "to_verify" queue, for one case)."""
    return complaint.status == "received"
