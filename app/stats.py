"""KPI queries (SQL aggregation), shared by dashboards, exports and reports."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Complaint
from app.workflow import access, sla


def staff_counts(user):
    """Counts by status and overdue, restricted to the cases ``user`` may see."""
    scope = access.case_scope_clause(user)
    by_status = dict(
        db.session.execute(
            select(Complaint.status, func.count()).where(scope).group_by(Complaint.status)
        ).all()
    )
    overdue = db.session.execute(
        select(func.count()).select_from(Complaint).where(scope, sla.overdue_clause())
    ).scalar()
    return {
        "by_status": by_status,
        "total": sum(by_status.values()),
        "overdue": overdue,
    }
