"""Rollups of the published figures, kept by the lifecycle's events.

THE definitions of the KPIs (docs/kpis.md) as one function, :func:`case_facts`: what one case
contributes to which rollup row. Every measure is attributed to the local day it belongs to:

* cohort measures (received, status, first response, waiting, rating) to the **receipt day**;
* a finished step of a clock (verification, first response, resolution) to the day it was
  **done** (``*_done``, and ``*_on_time`` when done by its deadline);
* a step not yet done to the day of its **deadline** (``*_pending``): at query time the pending
  steps whose deadline day is before today are the "late and still open" ones, so the figures
  stay exact as time passes without any event.

Maintenance (same transaction): :func:`apply` is called by ``lifecycle._event`` after each
transition; it subtracts what the case contributed before (the state the case was loaded with, or
the state after the previous event) and adds what it contributes now, with one UPSERT per table.
Changes made to cases outside the lifecycle (bulk generators, imports written in SQL, a holiday
added afterwards that changes working-day durations) need :func:`rebuild`
(``flask lapor rebuild-rollups``).
"""
import math
from collections import Counter, defaultdict

from sqlalchemy import delete, event, select, text

from app.extensions import db
from app.models import Complaint
from app.models.rollup import GRAINS, ROLLUP_DIMENSIONS, ROLLUP_MEASURES, CaseRollup, ResponseHistogram

# the case columns the definitions read
FIELDS = (
    "received_at", "kind", "category_id", "channel_id", "agency_id", "district_code", "parent_id", "status",
    "is_confidential", "verified_at", "closed_at", "verification_due", "first_response_at",
    "first_response_due", "resolved_at", "resolution_due", "rating",
)
WAITING_STATUSES = ("received", "dispatched")  # no first response yet and nobody has decided otherwise
ACTIVE = ("dispatched", "in_progress")
# the clock that runs in each status (app.workflow.sla.CLOCK_BY_STATUS, the overdue queue)
RUNNING_CLOCK = {"received": "verification_due", "dispatched": "first_response_due",
                 "in_progress": "resolution_due"}
EPOCH = None


def tenths(days):
    """Durations for medians are counted in tenths of a day (rounded half up)."""
    return int(math.floor(days * 10 + 0.5))


def epoch_seconds(moment):
    import datetime

    return int((moment - datetime.datetime(1970, 1, 1)).total_seconds())


def response_parts(received_at, first_response_at, cal):
    """(calendar seconds, working-day seconds) from receipt to first response, as integers."""
    seconds = int((first_response_at - received_at).total_seconds())
    working = int(round(cal.elapsed_working_days(received_at, first_response_at) * 86400))
    return seconds, working


def verification_done_at(case):
    """Verification is done when the coordinator verified, archived or forwarded the case."""
    if case["verified_at"] is not None:
        return case["verified_at"]
    if case["status"] in ("archived", "forwarded"):
        return case["closed_at"]
    return None


def clock_steps(case):
    """[(prefix, done_at, due, pending)] for the three clocks of one case (steps with a deadline)."""
    status = case["status"]
    steps = []
    if case["verification_due"] is not None:
        done = verification_done_at(case)
        steps.append(("ver", done, case["verification_due"], done is None and status == "received"))
    if case["first_response_due"] is not None:
        done = case["first_response_at"]
        steps.append(("fr", done, case["first_response_due"], done is None and status in ACTIVE))
    if case["resolution_due"] is not None:
        done = case["resolved_at"]
        steps.append(("res", done, case["resolution_due"], done is None and status in ACTIVE))
    return steps


def case_facts(case, cal):
    """What one case (a dict of FIELDS) contributes: ({row key: Counter}, Counter of histogram keys)."""
    facts = defaultdict(Counter)
    histogram = Counter()
    if case is None or case["parent_id"] is not None:  # a merged duplicate counts as its parent only
        return facts, histogram
    # the kecamatan dimension is the official region code (app.workflow.regions), "" when unknown
    dims = (case["agency_id"] or 0, case["category_id"] or 0, case["kind"], case["channel_id"],
            case["district_code"] or "")
    day = cal.local_date(case["received_at"])
    cohort = facts[(day,) + dims]
    cohort["received"] += 1
    cohort["st_" + case["status"]] += 1
    if case["is_confidential"]:
        cohort["confidential"] += 1
    if case["first_response_at"] is not None:
        seconds, working = response_parts(case["received_at"], case["first_response_at"], cal)
        cohort["resp_n"] += 1
        cohort["resp_seconds"] += seconds
        cohort["resp_work_seconds"] += working
        histogram[(day, "c", tenths(seconds / 86400.0))] += 1
        histogram[(day, "w", tenths(working / 86400.0))] += 1
    elif case["status"] in WAITING_STATUSES:
        cohort["waiting"] += 1
        cohort["waiting_since"] += epoch_seconds(case["received_at"])
    if case["status"] == "closed" and case["rating"] is not None:
        cohort["rating_n"] += 1
        cohort["rating_sum"] += case["rating"]
    for prefix, done, due, pending in clock_steps(case):
        if done is not None:
            row = facts[(cal.local_date(done),) + dims]
            row[prefix + "_done"] += 1
            if done <= due:
                row[prefix + "_on_time"] += 1
        elif pending:
            facts[(cal.local_date(due),) + dims][prefix + "_pending"] += 1
    running = RUNNING_CLOCK.get(case["status"])
    if running and case[running] is not None:
        facts[(cal.local_date(case[running]),) + dims]["running_due"] += 1
    return facts, histogram


DETAIL = ("agency_id", "category_id", "kind", "channel_id", "district")
EMPTY = {"agency_id": 0, "category_id": 0, "kind": "", "channel_id": 0, "district": ""}


def projections(key):
    """The rollup rows (grain, day, dims...) a detailed key (day, dims...) is summed into."""
    day, values = key[0], dict(zip(DETAIL, key[1:]))
    return [(grain, day) + tuple(values[d] if d in kept else EMPTY[d] for d in DETAIL)
            for grain, kept in GRAINS.items()]


def _project(facts):
    """{detailed key: Counter} -> {rollup key: [measure values]} (every grain)."""
    rows = {}
    for key, measures in facts.items():
        values = [measures.get(m, 0) for m in ROLLUP_MEASURES]
        if not any(values):
            continue
        for target in projections(key):
            row = rows.get(target)
            if row is None:
                rows[target] = list(values)
            else:
                for index, value in enumerate(values):
                    row[index] += value
    return rows


def _rows(projected):
    return [dict(zip(ROLLUP_DIMENSIONS, key), **dict(zip(ROLLUP_MEASURES, values)))
            for key, values in projected.items() if any(values)]


def snapshot(complaint):
    return {name: getattr(complaint, name) for name in FIELDS}


# --- what each loaded case contributed: remembered when it is loaded ----------------------
# (a model-level memo, not a side effect: it only records the state the rollups already hold)

MEMO = "_rollup_state"


@event.listens_for(Complaint, "load")
def _remember_loaded(target, context):
    target.__dict__[MEMO] = {name: target.__dict__.get(name) for name in FIELDS}


@event.listens_for(Complaint, "refresh")
def _remember_refreshed(target, context, attrs):
    memo = target.__dict__.setdefault(MEMO, {})
    for name in FIELDS:
        if (attrs is None or name in attrs) and name in target.__dict__:
            memo[name] = target.__dict__[name]


def apply(complaint, calendar=None):
    """Move the rollups from what ``complaint`` contributed before to what it contributes now.

    Called by the lifecycle after each transition, in the same transaction (the case is flushed
    first so that relationship changes reach its columns).
    """
    from app.workflow.calendar import current_calendar

    cal = calendar or current_calendar()
    before = complaint.__dict__.get(MEMO)
    if before is not None and any(name not in before for name in FIELDS):
        before = None if complaint.id is None else _from_database(complaint.id)
    db.session.flush()
    after = snapshot(complaint)
    if before == after:
        return
    old_facts, old_hist = case_facts(before, cal)
    new_facts, new_hist = case_facts(after, cal)
    delta = defaultdict(Counter)
    for key, measures in new_facts.items():
        delta[key].update(measures)
    for key, measures in old_facts.items():
        delta[key].subtract(measures)
    hist_delta = Counter(new_hist)
    hist_delta.subtract(old_hist)
    hist_rows = [{"day": k[0], "measure": k[1], "tenths": k[2], "cases": n} for k, n in hist_delta.items() if n]
    _upsert(CaseRollup.__table__, ROLLUP_DIMENSIONS, ROLLUP_MEASURES, _rows(_project(delta)))
    _upsert(ResponseHistogram.__table__, ("day", "measure", "tenths"), ("cases",), hist_rows)
    complaint.__dict__[MEMO] = after


def _from_database(complaint_id):
    with db.session.no_autoflush:
        row = db.session.execute(
            select(*[getattr(Complaint, name) for name in FIELDS]).where(Complaint.id == complaint_id)
        ).first()
    return dict(zip(FIELDS, row)) if row else None


def _upsert(table, keys, measures, rows):
    """Add ``rows`` to the table (INSERT ... ON CONFLICT DO UPDATE SET m = m + excluded.m), in
    multi-row statements (one round trip per few hundred rows, never one per row)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows.sort(key=lambda r: tuple(r[k] for k in keys))  # a fixed order: concurrent writers never deadlock
    per_statement = max(1, 30000 // len(rows[0]) if dialect == "postgresql" else 900 // len(rows[0]))
    for start in range(0, len(rows), per_statement):
        statement = insert(table).values(rows[start:start + per_statement])
        statement = statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={m: table.c[m] + statement.excluded[m] for m in measures},
        )
        db.session.execute(statement)


# --- rebuilding from scratch ------------------------------------------------------------


def rebuild(calendar=None, batch=10000):
    """Recompute both tables from the cases; returns (cases, rollup rows, histogram rows).

    Runs in one transaction; on PostgreSQL the rollup tables are locked first so that
    transitions committed meanwhile are applied on top of the rebuilt rows.
    """
    from app.workflow.calendar import current_calendar

    cal = calendar or current_calendar()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE case_rollup, response_histogram IN EXCLUSIVE MODE"))
    db.session.execute(delete(CaseRollup))
    db.session.execute(delete(ResponseHistogram))
    facts = {}
    histogram = Counter()
    count = 0
    names = ROLLUP_DIMENSIONS[1:] + ROLLUP_MEASURES
    dialect = db.session.get_bind().dialect.name
    # partial sums per chunk of cases go to a staging table in bulk (COPY-like speed), summed in SQL
    db.session.execute(text("DROP TABLE IF EXISTS rollup_staging"))
    db.session.execute(text(f"CREATE TEMPORARY TABLE rollup_staging AS SELECT {', '.join(names)} "
                            f"FROM case_rollup WHERE 1 = 0"))
    raw = db.session.connection().connection.dbapi_connection

    def flush_facts():
        rows = [key + tuple(values) for key, values in facts.items() if any(values)]
        facts.clear()
        if not rows:
            return
        cursor = raw.cursor()
        if dialect == "postgresql":
            from psycopg2.extras import execute_values

            execute_values(cursor, f"INSERT INTO rollup_staging ({', '.join(names)}) VALUES %s", rows,
                           page_size=5000)
        else:
            cursor.executemany(f"INSERT INTO rollup_staging ({', '.join(names)}) VALUES "
                               f"({', '.join('?' for _ in names)})", rows)
        cursor.close()

    index = {m: i for i, m in enumerate(ROLLUP_MEASURES)}
    stream = db.session.execute(
        select(*[getattr(Complaint, name) for name in FIELDS]).execution_options(yield_per=batch))
    for row in stream:
        case_rows, case_hist = case_facts(dict(zip(FIELDS, row)), cal)
        for key, measures in case_rows.items():
            values = facts.get(key)
            if values is None:
                values = facts[key] = [0] * len(ROLLUP_MEASURES)
            for name, value in measures.items():
                values[index[name]] += value
        histogram.update(case_hist)
        count += 1
        if count % batch == 0:
            flush_facts()
    flush_facts()
    sums = ", ".join(f"SUM({m})" for m in ROLLUP_MEASURES)
    db.session.execute(text(
        f"INSERT INTO case_rollup ({', '.join(ROLLUP_DIMENSIONS + ROLLUP_MEASURES)}) "
        f"SELECT 'A', {', '.join(ROLLUP_DIMENSIONS[1:])}, {sums} FROM rollup_staging "
        f"GROUP BY {', '.join(ROLLUP_DIMENSIONS[1:])}"))
    db.session.execute(text("DROP TABLE rollup_staging"))
    # the one-dimension grains are sums of the detailed one
    sums = ", ".join(f"SUM({m})" for m in ROLLUP_MEASURES)
    columns = ", ".join(ROLLUP_DIMENSIONS + ROLLUP_MEASURES)
    for grain, kept in GRAINS.items():
        if grain == "A":
            continue
        dims = [d if d in kept else f"{EMPTY[d]!r}" if isinstance(EMPTY[d], str) else str(EMPTY[d]) for d in DETAIL]
        dims = [d.replace('"', "'") for d in dims]
        group = ", ".join(["day"] + list(kept))
        db.session.execute(text(
            f"INSERT INTO case_rollup ({columns}) SELECT '{grain}', day, {', '.join(dims)}, {sums} "
            f"FROM case_rollup WHERE grain = 'A' GROUP BY {group}"))
    hist_rows = [(k[0], k[1], k[2], n) for k, n in histogram.items() if n]
    cursor = raw.cursor()
    if dialect == "postgresql":
        from psycopg2.extras import execute_values

        execute_values(cursor, "INSERT INTO response_histogram (day, measure, tenths, cases) VALUES %s",
                       hist_rows, page_size=5000)
    else:
        cursor.executemany("INSERT INTO response_histogram (day, measure, tenths, cases) VALUES (?, ?, ?, ?)",
                           hist_rows)
    cursor.close()
    rows = db.session.execute(select(db.func.count()).select_from(CaseRollup)).scalar()
    db.session.commit()
    return count, rows, len(hist_rows)


def table_contents():
    """Both tables as comparable sets of non-zero rows (for the equality test and checks)."""
    facts = set()
    for row in db.session.execute(select(CaseRollup.__table__)).mappings():
        values = tuple(row[m] for m in ROLLUP_MEASURES)
        if any(values):
            facts.add(tuple(row[d] for d in ROLLUP_DIMENSIONS) + values)
    hist = {tuple(r) for r in db.session.execute(
        select(ResponseHistogram.day, ResponseHistogram.measure, ResponseHistogram.tenths, ResponseHistogram.cases)
        .where(ResponseHistogram.cases != 0))}
    return facts, hist
