"""The published figures (KPIs), shared by the home page, /transparansi, the staff dashboard, the
per-agency ranking and the monthly report.

The definitions are written in docs/kpis.md and live in code in one place,
:func:`app.workflow.rollups.case_facts`. :func:`period_kpis` reads them from the rollup tables
(a few SUMs over the period's days, whatever the number of cases); :func:`direct_period_kpis`
computes the same figures straight from the case table (the reference the rollups are tested
against, and a fallback for checks). Public pages go through :func:`public_kpis`: one shared
cache (Flask-Caching) keyed by the period, the local day and a stamp that every event moves.
"""
import datetime

from sqlalchemy import and_, case, distinct, func, select

from app.clock import utcnow
from app.extensions import db
from app.models import Agency, Category, Channel, Complaint, ComplaintEvent, LaporUser, Region
from app.models.login import LoginEvent
from app.models.report import TransparencyReport
from app.models.rollup import CaseRollup, ResponseHistogram
from app.workflow import access, sla
from app.workflow.calendar import current_calendar
from app.workflow.rollups import (
    ACTIVE,
    WAITING_STATUSES,
    epoch_seconds,
    response_parts,
    tenths,
)

STATUSES = ("received", "on_hold", "archived", "forwarded", "dispatched", "in_progress", "resolved", "closed")
CLOCKS = (("ver", "verification"), ("fr", "follow_up"), ("res", "resolution"))


# --- small helpers ----------------------------------------------------------------------


def _pct(part, whole):
    """A share in percent, or None when there is nothing to divide (shown as "belum ada laporan")."""
    return round(100.0 * part / whole, 1) if whole else None


def _round(value, digits=2):
    return round(float(value), digits) if value is not None else None


def _days(seconds_sum, count):
    return round(seconds_sum / count / 86400.0, 2) if count else None


def _median_tenths(pairs):
    """Median of a multiset given as [(tenths, count)], in days (None when empty)."""
    pairs = sorted((t, n) for t, n in pairs if n)
    total = sum(n for _t, n in pairs)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the two middle positions (equal when odd)
    values, seen = [], 0
    for t, n in pairs:
        while wanted and wanted[0] < seen + n:
            values.append(t)
            wanted.pop(0)
        seen += n
    return round((values[0] + values[1]) / 20.0, 2)


def _sum(column):
    return func.coalesce(func.sum(column), 0)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class Window:
    """A period [start, end) (naive UTC instants of local midnights) seen at ``now``."""

    def __init__(self, start, end, now, cal):
        self.start, self.end, self.now, self.cal = start, end, now, cal
        self.first_day = cal.local_date(start)
        self.end_day = cal.local_date(end)
        self.today = cal.local_date(now)
        # a step is late when its deadline day is over: deadlines are the end of a local day
        self.today_start = cal.to_utc(datetime.datetime.combine(self.today, datetime.time(0), tzinfo=cal.tz))
        self.late_end_day = min(self.end_day, self.today)
        self.late_end = min(end, self.today_start)


# --- who is connected and active (from the login history) --------------------------------


def _agency_activity(start, end):
    from flask_appbuilder.security.sqla.models import Role

    agencies = and_(Agency.active.is_(True), Agency.level != "pemda")
    total = db.session.execute(select(func.count()).select_from(Agency).where(agencies)).scalar()
    officers = (select(distinct(LaporUser.agency_id)).join(LaporUser.roles)
                .join(Agency, Agency.id == LaporUser.agency_id)
                .where(Role.name == access.ROLE_OPD, LaporUser.active.is_(True), agencies))
    connected = db.session.execute(select(func.count()).select_from(officers.subquery())).scalar()
    signed_in = officers.join(LoginEvent, LoginEvent.user_id == LaporUser.id).where(
        LoginEvent.success.is_(True), LoginEvent.created_at >= start, LoginEvent.created_at < end)
    active = db.session.execute(select(func.count()).select_from(signed_in.subquery())).scalar()
    return total, connected, active


def _names(model):
    return dict(db.session.execute(select(model.id, model.name)).all())


def _breakdown(pairs):
    """[(name, count)] sorted by count (desc) then name, empty names (None) last among equals."""
    rows = [(name, int(count)) for name, count in pairs if count]
    rows.sort(key=lambda r: (-r[1], r[0] is None, r[0] or ""))
    return [[name, count] for name, count in rows]


def _ranking(per_agency, names, min_cases):
    ranking = []
    for agency_id, figures in per_agency.items():
        if not agency_id or figures["received"] < min_cases:
            continue
        ranking.append({
            "agency": names.get(agency_id, "-"), "cases": figures["received"],
            "follow_up_sla_pct": _pct(figures["fr_on_time"], figures["fr_done"] + figures["fr_late"]),
            "response_working_days_avg": _days(figures["resp_work_seconds"], figures["resp_n"]),
        })
    ranking.sort(key=lambda r: (r["follow_up_sla_pct"] is None, -(r["follow_up_sla_pct"] or 0),
                                r["response_working_days_avg"] if r["response_working_days_avg"] is not None else 1e9,
                                r["agency"]))
    for position, item in enumerate(ranking, start=1):
        item["rank"] = position
    return ranking


def _assemble(t, window, by_status, breakdowns, per_agency, hist_c, hist_w, waiting_oldest, overdue_now,
              ranking_min_cases):
    total, connected, active = _agency_activity(window.start, window.end)
    received = t["received"]
    finished = by_status.get("resolved", 0) + by_status.get("closed", 0)
    in_process = by_status.get("dispatched", 0) + by_status.get("in_progress", 0)
    now_epoch = epoch_seconds(window.now)
    summary = {
        "received": received,
        "followed_up": t["resp_n"],
        "pct_followed_up": _pct(t["resp_n"], received),
        "finished": finished,
        "pct_finished": _pct(finished, received),
        "in_process": in_process,
        "pct_in_process": _pct(in_process, received),
        "response_count": t["resp_n"],
        "response_days_avg": _days(t["resp_seconds"], t["resp_n"]),
        "response_days_median": _median_tenths(hist_c),
        "response_working_days_avg": _days(t["resp_work_seconds"], t["resp_n"]),
        "response_working_days_median": _median_tenths(hist_w),
        "waiting": t["waiting"],
        "waiting_age_days_avg": _days(t["waiting"] * now_epoch - t["waiting_since"], t["waiting"]),
        "waiting_oldest_day": waiting_oldest.isoformat() if waiting_oldest else None,
    }
    for prefix, name in CLOCKS:
        done, on_time, late = t[prefix + "_done"], t[prefix + "_on_time"], t[prefix + "_late"]
        summary.update({
            f"{name}_done": done, f"{name}_on_time": on_time, f"{name}_late_open": late,
            f"{name}_sla_pct": _pct(on_time, done + late),
        })
    summary.update({
        "overdue_open_now": overdue_now,
        "rating_avg": _round(t["rating_sum"] / t["rating_n"]) if t["rating_n"] else None,
        "rating_count": t["rating_n"],
        "confidential": t["confidential"],
        "agencies_total": total,
        "agencies_connected": connected,
        "pct_connected": _pct(connected, total),
        "agencies_active": active,
        "pct_active": _pct(active, total),
    })
    return {
        "summary": summary,
        "by_status": {status: count for status, count in by_status.items() if count},
        "breakdowns": breakdowns,
        "ranking": _ranking(per_agency, _names(Agency), ranking_min_cases),
        "empty": received == 0,
    }


# --- the figures from the rollups -------------------------------------------------------

SUMMED = ("received", "confidential", "resp_n", "resp_seconds", "resp_work_seconds", "waiting",
          "waiting_since", "rating_n", "rating_sum", "ver_done", "ver_on_time", "fr_done", "fr_on_time",
          "res_done", "res_on_time") + tuple("st_" + s for s in STATUSES)


def period_kpis(start, end, now=None, ranking_min_cases=5, progress=None):
    """The measures of docs/kpis.md for the period [start, end) (naive UTC) at ``now``, from the rollups."""
    progress = progress or (lambda pct, message=None: None)
    cal = current_calendar()
    w = Window(start, end, now or utcnow(), cal)
    R = CaseRollup
    # totals, ranking and the agency breakdown read the day x agency grain ("g")
    in_period = and_(R.grain == "g", R.day >= w.first_day, R.day < w.end_day)
    late = and_(R.grain == "g", R.day >= w.first_day, R.day < w.late_end_day)

    row = db.session.execute(select(*[_sum(getattr(R, m)) for m in SUMMED]).where(in_period)).one()
    t = {m: int(v) for m, v in zip(SUMMED, row)}
    pending = db.session.execute(select(_sum(R.ver_pending), _sum(R.fr_pending), _sum(R.res_pending))
                                 .where(late)).one()
    for (prefix, _name), value in zip(CLOCKS, pending):
        t[prefix + "_late"] = int(value)
    by_status = {s: t["st_" + s] for s in STATUSES}
    progress(30)

    per_agency = {}
    for agency_id, received, fr_done, fr_on_time, resp_n, resp_work in db.session.execute(
            select(R.agency_id, _sum(R.received), _sum(R.fr_done), _sum(R.fr_on_time), _sum(R.resp_n),
                   _sum(R.resp_work_seconds)).where(in_period).group_by(R.agency_id)):
        per_agency[agency_id] = {"received": int(received), "fr_done": int(fr_done), "fr_on_time": int(fr_on_time),
                                 "resp_n": int(resp_n), "resp_work_seconds": int(resp_work), "fr_late": 0}
    for agency_id, fr_late in db.session.execute(
            select(R.agency_id, _sum(R.fr_pending)).where(late).group_by(R.agency_id)):
        per_agency.setdefault(agency_id, {"received": 0, "fr_done": 0, "fr_on_time": 0, "resp_n": 0,
                                          "resp_work_seconds": 0})["fr_late"] = int(fr_late)
    progress(50)

    def grouped(column, grain):
        return db.session.execute(select(column, _sum(R.received)).where(
            R.grain == grain, R.day >= w.first_day, R.day < w.end_day).group_by(column)).all()

    categories, channels, agencies = _names(Category), _names(Channel), _names(Agency)
    regions = dict(db.session.execute(select(Region.code, Region.name)).all())
    breakdowns = {
        "kind": _breakdown(grouped(R.kind, "k")),
        "category": _breakdown((categories.get(k), n) for k, n in grouped(R.category_id, "c")),
        "channel": _breakdown((channels.get(k), n) for k, n in grouped(R.channel_id, "h")),
        "agency": _breakdown((agencies.get(a), f["received"]) for a, f in per_agency.items()),
        "district": _breakdown((regions.get(k) if k else None, n) for k, n in grouped(R.district, "d")),
    }
    progress(70)
    H = ResponseHistogram
    hist = {"c": [], "w": []}
    for measure, value, count in db.session.execute(
            select(H.measure, H.tenths, _sum(H.cases))
            .where(H.day >= w.first_day, H.day < w.end_day).group_by(H.measure, H.tenths)):
        hist[measure].append((value, int(count)))
    oldest = db.session.execute(select(func.min(R.day)).where(in_period, R.waiting > 0)).scalar()
    overdue_now = int(db.session.execute(select(_sum(R.running_due)).where(R.grain == "g", R.day < w.today)).scalar())
    progress(85)
    return _assemble(t, w, by_status, breakdowns, per_agency, hist["c"], hist["w"], oldest, overdue_now,
                     ranking_min_cases)


def trend(first_year, first_month, months):
    """Cases received per local month for ``months`` months from the given one: [("2026-01", n)]."""
    cal = current_calendar()
    start, end = cal.month_range(first_year, first_month, months)
    counts = {}
    for day, received in db.session.execute(
            select(CaseRollup.day, _sum(CaseRollup.received))
            .where(CaseRollup.grain == "g", CaseRollup.day >= cal.local_date(start), CaseRollup.day < cal.local_date(end))
            .group_by(CaseRollup.day)):
        key = f"{day.year}-{day.month:02d}"
        counts[key] = counts.get(key, 0) + int(received)
    result = []
    for offset in range(months):
        index = first_year * 12 + first_month - 1 + offset
        key = f"{index // 12}-{index % 12 + 1:02d}"
        result.append((key, counts.get(key, 0)))
    return result


def staff_counts(user, now=None):
    """Counts by status and overdue now, restricted to the cases ``user`` may see (from the rollups)."""
    scope = access.agency_scope(user)
    R = CaseRollup
    where = [R.grain == "g"] + ([] if scope is None else [R.agency_id.in_(scope or [-1])])
    today = current_calendar().local_date(now or utcnow())
    row = db.session.execute(select(*[_sum(getattr(R, "st_" + s)) for s in STATUSES]).where(*where)).one()
    by_status = {s: int(n) for s, n in zip(STATUSES, row) if n}
    overdue = int(db.session.execute(select(_sum(R.running_due)).where(R.day < today, *where)).scalar())
    return {"by_status": by_status, "total": sum(by_status.values()), "overdue": overdue}


# --- the same figures computed directly from the cases (reference) -------------------------


def direct_period_kpis(start, end, now=None, ranking_min_cases=5):
    """:func:`period_kpis` computed from the case table (SQL aggregates + the calendar in Python)."""
    cal = current_calendar()
    w = Window(start, end, now or utcnow(), cal)
    C = Complaint
    parents = C.parent_id.is_(None)  # merged duplicates are counted once, as their parent
    cohort = and_(C.received_at >= start, C.received_at < end, parents)
    responded = C.first_response_at.isnot(None)
    waiting = and_(C.first_response_at.is_(None), C.status.in_(WAITING_STATUSES))
    rated = and_(C.status == "closed", C.rating.isnot(None))

    row = db.session.execute(select(
        func.count(), _count_if(C.is_confidential.is_(True)), _count_if(responded), _count_if(waiting),
        _count_if(rated), _sum(case((rated, C.rating), else_=0)),
    ).where(cohort)).one()
    t = dict(zip(("received", "confidential", "resp_n", "waiting", "rating_n", "rating_sum"), map(int, row)))
    by_status = {s: 0 for s in STATUSES}
    by_status.update({s: n for s, n in db.session.execute(
        select(C.status, func.count()).where(cohort).group_by(C.status))})

    # response times and waiting ages need the calendar: streamed, two timestamps per case
    t["resp_seconds"] = t["resp_work_seconds"] = 0
    hist_c, hist_w, per_agency_resp = {}, {}, {}
    for agency_id, received_at, first_response_at in db.session.execute(
            select(C.agency_id, C.received_at, C.first_response_at).where(cohort, responded)
            .execution_options(yield_per=2000)):
        seconds, working = response_parts(received_at, first_response_at, cal)
        t["resp_seconds"] += seconds
        t["resp_work_seconds"] += working
        for hist, value in ((hist_c, seconds), (hist_w, working)):
            key = tenths(value / 86400.0)
            hist[key] = hist.get(key, 0) + 1
        n, total = per_agency_resp.get(agency_id or 0, (0, 0))
        per_agency_resp[agency_id or 0] = (n + 1, total + working)
    t["waiting_since"], oldest = 0, None
    for (received_at,) in db.session.execute(select(C.received_at).where(cohort, waiting)
                                             .execution_options(yield_per=2000)):
        t["waiting_since"] += epoch_seconds(received_at)
        day = cal.local_date(received_at)
        oldest = day if oldest is None or day < oldest else oldest

    # the clocks: steps done in the period, and steps whose deadline day passed in it still not done
    ver_done_at = func.coalesce(C.verified_at, case((C.status.in_(("archived", "forwarded")), C.closed_at)))
    clocks = {
        "ver": (ver_done_at, C.verification_due, C.status == "received"),
        "fr": (C.first_response_at, C.first_response_due, C.status.in_(ACTIVE)),
        "res": (C.resolved_at, C.resolution_due, C.status.in_(ACTIVE)),
    }
    per_agency = {}

    def agency(agency_id):
        return per_agency.setdefault(agency_id or 0, {"received": 0, "fr_done": 0, "fr_on_time": 0, "fr_late": 0,
                                                      "resp_n": 0, "resp_work_seconds": 0})

    for prefix, (done_at, due, running) in clocks.items():
        t[prefix + "_done"] = t[prefix + "_on_time"] = t[prefix + "_late"] = 0
        for agency_id, done, on_time in db.session.execute(
                select(C.agency_id, func.count(), _count_if(done_at <= due))
                .where(parents, due.isnot(None), done_at >= start, done_at < end).group_by(C.agency_id)):
            t[prefix + "_done"] += done
            t[prefix + "_on_time"] += int(on_time)
            if prefix == "fr":
                agency(agency_id).update(fr_done=done, fr_on_time=int(on_time))
        if w.late_end > start:
            for agency_id, late in db.session.execute(
                    select(C.agency_id, func.count())
                    .where(parents, done_at.is_(None), running, due >= start, due < w.late_end)
                    .group_by(C.agency_id)):
                t[prefix + "_late"] += late
                if prefix == "fr":
                    agency(agency_id)["fr_late"] = late

    for agency_id, received in db.session.execute(
            select(C.agency_id, func.count()).where(cohort).group_by(C.agency_id)):
        agency(agency_id)["received"] = received
    for agency_id, (n, total) in per_agency_resp.items():
        agency(agency_id).update(resp_n=n, resp_work_seconds=total)

    def grouped(column, join=None):
        query = select(column, func.count()).select_from(C)
        if join is not None:
            query = query.outerjoin(*join)
        return db.session.execute(query.where(cohort).group_by(column)).all()

    breakdowns = {
        "kind": _breakdown(grouped(C.kind)),
        "category": _breakdown(grouped(Category.name, (Category, Category.id == C.category_id))),
        "channel": _breakdown(grouped(Channel.name, (Channel, Channel.id == C.channel_id))),
        "agency": _breakdown(grouped(Agency.name, (Agency, Agency.id == C.agency_id))),
        "district": _breakdown(grouped(Region.name, (Region, Region.code == C.district_code))),
    }
    overdue_now = db.session.execute(
        select(func.count()).select_from(C).where(parents, sla.overdue_clause(w.now))).scalar()
    return _assemble(t, w, by_status, breakdowns, per_agency, hist_c.items(), hist_w.items(), oldest, overdue_now,
                     ranking_min_cases)


def received_count(start, end):
    """Cases received in [start, end) (naive UTC), confidential ones included: a count only."""
    return db.session.execute(
        select(func.count()).select_from(Complaint)
        .where(Complaint.received_at >= start, Complaint.received_at < end)
    ).scalar()


# --- one cache for every public page ---------------------------------------------------------


def figures_stamp(now=None):
    """What the public figures depend on besides the period: (stamp text, last modified instant).

    Every lifecycle event, sign-in and publication moves it, and so does the local day (late steps
    are counted by deadline day): a cache keyed by it is invalidated by the events themselves.
    """
    now = now or utcnow()
    cal = current_calendar()
    event_id, event_at = db.session.execute(
        select(ComplaintEvent.id, ComplaintEvent.created_at).order_by(ComplaintEvent.id.desc()).limit(1)
    ).first() or (0, None)
    login_id, login_at = db.session.execute(
        select(LoginEvent.id, LoginEvent.created_at).order_by(LoginEvent.id.desc()).limit(1)).first() or (0, None)
    published = db.session.execute(
        select(func.max(TransparencyReport.published_at)).where(TransparencyReport.status == "published")).scalar()
    today = cal.local_date(now)
    today_start = cal.to_utc(datetime.datetime.combine(today, datetime.time(0), tzinfo=cal.tz))
    last_modified = max(x for x in (event_at, login_at, published, today_start) if x is not None)
    return f"{event_id}.{login_id}.{published.isoformat() if published else '-'}.{today}", min(last_modified, now)


def public_kpis(start, end, ranking_min_cases=5, now=None, stamp=None):
    """:func:`period_kpis` through the shared cache (Redis when REDIS_URL is set, else in-process)."""
    from flask import current_app

    ttl = int(current_app.config.get("KPI_CACHE_SECONDS", 300))
    if ttl <= 0:
        return period_kpis(start, end, now=now, ranking_min_cases=ranking_min_cases)
    stamp = stamp or figures_stamp(now)[0]
    key = f"lapor:kpis:{start.isoformat()}:{end.isoformat()}:{ranking_min_cases}:{stamp}"
    value = _cache_get(key)
    if value is None:
        value = period_kpis(start, end, now=now, ranking_min_cases=ranking_min_cases)
        _cache_set(key, value, ttl)
    return value


def _cache_get(key):
    from app.extensions import cache

    try:
        return cache.get(key)
    except Exception:  # the cache is an optimisation: Redis down means computing again
        import logging

        logging.getLogger(__name__).warning("figure cache unavailable", exc_info=True)
        return None


def _cache_set(key, value, ttl):
    from app.extensions import cache

    try:
        cache.set(key, value, timeout=ttl)
    except Exception:
        import logging

        logging.getLogger(__name__).warning("figure cache unavailable", exc_info=True)


def cached_period_kpis(start, end, ranking_min_cases=5):
    return public_kpis(start, end, ranking_min_cases=ranking_min_cases)


def received_trend(period):
    """[(month "YYYY-MM", cases received)] for the trend chart of ``period``
    (see :meth:`app.workflow.periods.Period.trend_months`), from the rollups."""
    months = period.trend_months()
    return trend(months[0].year, months[0].first_month, len(months))
