"""KPI queries (SQL aggregation), shared by dashboards, exports and reports."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Complaint
from app.workflow import access, sla
from app.workflow.calendar import current_calendar


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


# --- the measures of a period (docs/domain.md), for transparency reports ---------------------


def _days_between(later, earlier):
    """SQL: calendar days between two timestamps (fractional), per dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _count_if(condition):
    from sqlalchemy import case

    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def _round(value, digits=2):
    return round(float(value), digits) if value is not None else None


def _median(values):
    import statistics

    return statistics.median(values) if values else None


def period_kpis(start, end, now=None, ranking_min_cases=5, progress=None):
    """The measures of docs/domain.md for the cases received in [start, end) (naive UTC).

    Counts, shares, averages and breakdowns are SQL aggregates over the period's
    cases (``received_at`` is indexed). Medians and working-day durations need the
    holiday calendar, so the two timestamps of the period's answered cases are
    streamed (never whole cases, never other periods). Status-based figures are a
    snapshot at generation time; "overdue now" covers every open case.
    """
    from sqlalchemy import and_, distinct

    from app.clock import utcnow
    from app.models import Agency, Category, Channel, LaporUser, Region, Role
    from app.workflow.calendar import current_calendar

    now = now or utcnow()
    progress = progress or (lambda pct, message=None: None)
    # merged duplicates are counted once: only the parent (a child has parent_id set) is a case here
    cohort = and_(Complaint.received_at >= start, Complaint.received_at < end, Complaint.parent_id.is_(None))
    responded = Complaint.first_response_at.isnot(None)
    fr_with_due = and_(responded, Complaint.first_response_due.isnot(None))
    verified = and_(Complaint.verified_at.isnot(None), Complaint.verification_due.isnot(None))
    closed = Complaint.status == "closed"

    progress(10)
    row = db.session.execute(
        select(
            func.count(),
            _count_if(responded),
            _count_if(Complaint.status.in_(("resolved", "closed"))),
            _count_if(Complaint.status.in_(("dispatched", "in_progress"))),
            _count_if(verified),
            _count_if(and_(verified, Complaint.verified_at <= Complaint.verification_due)),
            _count_if(fr_with_due),
            _count_if(and_(fr_with_due, Complaint.first_response_at <= Complaint.first_response_due)),
            func.avg(_days_between(Complaint.first_response_at, Complaint.received_at)),
            _count_if(and_(closed, Complaint.rating.isnot(None))),
            func.avg(case_when(closed, Complaint.rating)),
            _count_if(Complaint.is_confidential.is_(True)),
        ).where(cohort)
    ).one()
    (received, followed_up, finished, in_process, verified_n, verified_ok, fr_n, fr_ok,
     response_days_avg, rating_n, rating_avg, confidential) = row
    progress(25)

    # response times: receipt -> first follow-up, calendar and working days
    calendar = current_calendar()
    days, working, working_by_agency = [], [], {}
    stream = db.session.execute(
        select(Complaint.agency_id, Complaint.received_at, Complaint.first_response_at)
        .where(cohort, responded).execution_options(yield_per=1000)
    )
    for agency_id, received_at, first_response_at in stream:
        days.append((first_response_at - received_at).total_seconds() / 86400.0)
        wd = calendar.elapsed_working_days(received_at, first_response_at)
        working.append(wd)
        working_by_agency.setdefault(agency_id, []).append(wd)
    progress(45)

    overdue_now = db.session.execute(
        select(func.count()).select_from(Complaint).where(sla.overdue_clause(now))
    ).scalar()

    # keterhubungan / keaktifan: agencies (not the Pemda itself) with an active OPD officer,
    # and with an officer whose last login falls in or after the period
    agencies = and_(Agency.active.is_(True), Agency.level != "pemda")
    agencies_total = db.session.execute(select(func.count()).select_from(Agency).where(agencies)).scalar()
    officers = (select(distinct(LaporUser.agency_id)).join(LaporUser.roles).join(Agency, Agency.id == LaporUser.agency_id)
                .where(Role.name == access.ROLE_OPD, LaporUser.active.is_(True), agencies))
    connected = db.session.execute(select(func.count()).select_from(officers.subquery())).scalar()
    active = db.session.execute(select(func.count()).select_from(
        officers.where(LaporUser.last_login >= start).subquery())).scalar()
    progress(60)

    def breakdown(key, label_column=None, join=None):
        column = label_column if label_column is not None else key
        group = [key, column] if key is not None and label_column is not None else [column]
        query = select(column, func.count()).where(cohort)
        if join is not None:
            query = query.select_from(Complaint).outerjoin(*join)
        rows = db.session.execute(query.group_by(*group).order_by(func.count().desc(), column)).all()
        return [[name, count] for name, count in rows]

    by_status = dict(db.session.execute(
        select(Complaint.status, func.count()).where(cohort).group_by(Complaint.status)).all())
    breakdowns = {
        "kind": breakdown(Complaint.kind),
        "category": breakdown(None, Category.name, (Category, Category.id == Complaint.category_id)),
        "channel": breakdown(None, Channel.name, (Channel, Channel.id == Complaint.channel_id)),
        "agency": breakdown(None, Agency.name, (Agency, Agency.id == Complaint.agency_id)),
        # by official kecamatan (Kemendagri code); cases whose typed location matches no region: None
        "district": breakdown(Complaint.district_code, Region.name, (Region, Region.code == Complaint.district_code)),
    }
    progress(75)

    # per-OPD ranking: SLA compliance of first responses, then average working days
    per_agency = db.session.execute(
        select(Complaint.agency_id, Agency.name, func.count(), _count_if(fr_with_due),
               _count_if(and_(fr_with_due, Complaint.first_response_at <= Complaint.first_response_due)))
        .join(Agency, Agency.id == Complaint.agency_id)
        .where(cohort).group_by(Complaint.agency_id, Agency.name)
        .having(func.count() >= ranking_min_cases)
    ).all()
    ranking = []
    for agency_id, name, cases, with_due, on_time in per_agency:
        values = working_by_agency.get(agency_id, [])
        ranking.append({
            "agency": name, "cases": cases,
            "follow_up_sla_pct": _pct(on_time, with_due),
            "response_working_days_avg": _round(sum(values) / len(values)) if values else None,
        })
    ranking.sort(key=lambda r: (r["follow_up_sla_pct"] is None, -(r["follow_up_sla_pct"] or 0),
                                r["response_working_days_avg"] if r["response_working_days_avg"] is not None else 1e9,
                                r["agency"]))
    for position, item in enumerate(ranking, start=1):
        item["rank"] = position
    progress(85)

    return {
        "summary": {
            "received": received,
            "followed_up": followed_up,
            "pct_followed_up": _pct(followed_up, received),
            "finished": finished,
            "pct_finished": _pct(finished, received),
            "in_process": in_process,
            "pct_in_process": _pct(in_process, received),
            "response_days_avg": _round(response_days_avg),
            "response_days_median": _round(_median(days)),
            "response_working_days_avg": _round(sum(working) / len(working)) if working else None,
            "response_working_days_median": _round(_median(working)),
            "verification_sla_pct": _pct(verified_ok, verified_n),
            "follow_up_sla_pct": _pct(fr_ok, fr_n),
            "overdue_open_now": overdue_now,
            "rating_avg": _round(rating_avg),
            "rating_count": rating_n,
            "confidential": confidential,
            "agencies_total": agencies_total,
            "agencies_connected": connected,
            "pct_connected": _pct(connected, agencies_total),
            "agencies_active": active,
            "pct_active": _pct(active, agencies_total),
        },
        "by_status": by_status,
        "breakdowns": breakdowns,
        "ranking": ranking,
    }


def case_when(condition, value):
    from sqlalchemy import case

    return case((condition, value), else_=None)


def received_count(start, end):
    """Cases received in [start, end) (naive UTC), confidential ones included: a count only."""
    return db.session.execute(
        select(func.count()).select_from(Complaint)
        .where(Complaint.received_at >= start, Complaint.received_at < end)
    ).scalar()


def received_trend(period):
    """[(month "YYYY-MM", cases received)] for the trend chart of ``period``
    (see :meth:`app.workflow.periods.Period.trend_months`)."""
    calendar = current_calendar()
    return [(month.value, received_count(*month.bounds(calendar))) for month in period.trend_months()]


_CACHE = {}
KPI_CACHE_SECONDS = 300


def _cached(key, compute):
    """Reuse a computed value for ``KPI_CACHE_SECONDS`` in this process (public pages are hit often)."""
    import time

    from flask import current_app

    ttl = current_app.config.get("KPI_CACHE_SECONDS", KPI_CACHE_SECONDS)
    hit = _CACHE.get(key)
    if hit and time.monotonic() - hit[0] < ttl:
        return hit[1]
    value = compute()
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = (time.monotonic(), value)
    return value


def cached_period_kpis(start, end, ranking_min_cases=5):
    """``period_kpis`` for public pages: figures a few minutes old are fine there,
    a full aggregation per visit is not (think 1,000,000 cases)."""
    return _cached(("kpis", start, end, ranking_min_cases),
                   lambda: period_kpis(start, end, ranking_min_cases=ranking_min_cases))
