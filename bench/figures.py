"""Benchmark of the published figures at scale (PostgreSQL): /transparansi (month, quarter, year),
the home page, the staff dashboards and the monthly report job, each against the raw SQL floor
measured in the same run. Prints figures; asserts nothing.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_h16a \\
        .venv/bin/python bench/figures.py [--cases 1000000] [--repeat 30]

An empty database is migrated and filled with ``--cases`` cases by one ``INSERT ... SELECT``
(time-ordered, realistic spread of states, deadlines at the end of a local day, ~5 % of running
clocks overdue), then ``rollups.rebuild()`` sums them (timed). A database already filled (e.g. by
bench/generate.py) is used as it is (its rollups rebuilt when empty). Measures, medians of
``--repeat`` runs, uncached (KPI_CACHE_SECONDS=0):

* the page through the real app (test client, templates, access rule) and the figure function alone;
* floor A: the SQL statements the rollup read sends, executed raw (psycopg2), i.e. the least any
  implementation reading these rollups can cost;
* floor B: one aggregate over the case table for the same period (what a page without rollups
  needs at least: the old approach's floor).
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PASSWORD = "bench-password-1"
URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_h16a")

from bench.common import ensure_database, timed  # noqa: E402


FILL_SQL = """
WITH base AS (
  SELECT g,
         TIMESTAMP '{start}' + (g::float8 / {count}) * INTERVAL '{days} days' AS received,
         random() AS rs, random() AS ra, random() AS rb, random() AS rc, random() AS rd, random() AS re,
         random() AS rf, random() AS rg, random() AS rh
  FROM generate_series(1, {count}) AS g
), shaped AS (
  SELECT *,
    CASE WHEN rs < 0.03 THEN 'received' WHEN rs < 0.04 THEN 'on_hold' WHEN rs < 0.09 THEN 'archived'
         WHEN rs < 0.11 THEN 'forwarded' WHEN rs < 0.15 THEN 'dispatched' WHEN rs < 0.23 THEN 'in_progress'
         WHEN rs < 0.28 THEN 'resolved' ELSE 'closed' END AS status,
    -- deadlines at the end of a local (WIB) day, as the calendar writes them
    date_trunc('day', received + INTERVAL '7 hours') - INTERVAL '7 hours' AS day0
  FROM base
), timed AS (
  SELECT *,
    received + (rb * 2.5) * INTERVAL '1 day' AS verified,
    day0 + INTERVAL '4 days' - INTERVAL '1 microsecond' AS ver_due
  FROM shaped
), timed2 AS (
  SELECT *,
    verified + (rc * 5.5) * INTERVAL '1 day' AS responded,
    date_trunc('day', verified + INTERVAL '7 hours') - INTERVAL '7 hours' + INTERVAL '6 days'
      - INTERVAL '1 microsecond' AS fr_due,
    date_trunc('day', verified + INTERVAL '7 hours') - INTERVAL '7 hours' + INTERVAL '17 days'
      - INTERVAL '1 microsecond' AS res_due
  FROM timed
)
INSERT INTO complaint (tracking_number, kind, needs_inspection, title, description, category_id, channel_id,
  district, is_anonymous, is_confidential, status, agency_id, received_at, verified_at, dispatched_at,
  first_response_at, resolved_at, closed_at, verification_due, first_response_due, resolution_due, rating,
  updated_at, version)
SELECT 'BN' || lpad(g::text, 10, '0'),
  CASE WHEN ra < 0.8 THEN 'complaint' WHEN ra < 0.92 THEN 'aspiration' ELSE 'information' END, false,
  'Laporan uji beban ' || g, 'Uraian laporan untuk uji beban angka.',
  (SELECT array_agg(id ORDER BY id) FROM category)[1 + floor(rd * (SELECT count(*) FROM category))::int],
  (SELECT array_agg(id ORDER BY id) FROM channel)[1 + floor(re * (SELECT count(*) FROM channel))::int],
  (ARRAY['Sukamaju Kota','Cibeureum','Margahayu','Tanjungsari','Pasirwangi','Karangjaya','Sindangsari',
         'Cilengkrang','Bojongsari','Mekarsari','Sukaresmi','Cikarang'])[1 + floor(rf * 12)::int],
  false, rg < 0.05, status,
  CASE WHEN status IN ('dispatched','in_progress','resolved','closed')
       THEN (SELECT array_agg(id ORDER BY id) FROM agency WHERE level <> 'pemda')[1 + floor(rh * (SELECT count(*) FROM agency WHERE level <> 'pemda'))::int] END,
  received,
  CASE WHEN status IN ('dispatched','in_progress','resolved','closed') THEN verified END,
  CASE WHEN status IN ('dispatched','in_progress','resolved','closed') THEN verified END,
  CASE WHEN status IN ('in_progress','resolved','closed') THEN responded END,
  CASE WHEN status IN ('resolved','closed') THEN responded + rb * INTERVAL '8 days' END,
  CASE WHEN status = 'closed' THEN responded + rb * INTERVAL '8 days' + INTERVAL '3 days'
       WHEN status IN ('archived','forwarded') THEN received + INTERVAL '1 day' END,
  -- recent open cases keep running clocks; about 5 % of them end up overdue
  CASE WHEN status IN ('received','on_hold') THEN GREATEST(ver_due, TIMESTAMP '{now}' + (rc - 0.05) * INTERVAL '6 days')
       ELSE ver_due END,
  CASE WHEN status IN ('dispatched','in_progress','resolved','closed')
       THEN CASE WHEN status = 'dispatched' THEN GREATEST(fr_due, TIMESTAMP '{now}' + (rc - 0.05) * INTERVAL '6 days') ELSE fr_due END END,
  CASE WHEN status IN ('dispatched','in_progress','resolved','closed')
       THEN CASE WHEN status = 'in_progress' THEN GREATEST(res_due, TIMESTAMP '{now}' + (rc - 0.05) * INTERVAL '14 days') ELSE res_due END END,
  CASE WHEN status = 'closed' AND rd < 0.6 THEN 1 + floor(ra * 5)::int END,
  received, 1
FROM timed2
"""


def fill(app, count, quick=False):
    import datetime

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from app.demo import seed_demo
    from app.extensions import db
    from app.models import CaseRollup, Complaint
    from app.workflow import rollups

    with app.app_context():
        upgrade()
        have = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
        if have == 0:
            from app.extensions import appbuilder
            from app.security import sync_roles
            from app.workflow.defaults import ensure_reference_data

            sync_roles(appbuilder)
            ensure_reference_data()
            db.session.commit()
            seed_demo(count=0, password=PASSWORD)
            db.session.commit()
            began = time.perf_counter()
            if quick:
                now = datetime.datetime.utcnow()
                days = 3 * 365
                start = now - datetime.timedelta(days=days)
                db.session.execute(text(FILL_SQL.format(start=start.isoformat(sep=" "), count=count, days=days,
                                                        now=now.isoformat(sep=" "))))
                db.session.commit()
                print(f"generated {count:,} cases by INSERT ... SELECT in {time.perf_counter() - began:.1f} s")
            else:  # the project's generator (bench/generate.py): lifecycle-shaped cases and events
                from bench.generate import generate

                generate(count)
                print(f"generated {count:,} cases with bench/generate.py in {time.perf_counter() - began:.1f} s")
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        if not db.session.execute(select(CaseRollup.day).limit(1)).first():
            began = time.perf_counter()
            cases, rows, bins = rollups.rebuild()
            print(f"rebuild-rollups: {cases:,} cases -> {rows:,} rollup rows, {bins:,} histogram rows "
                  f"in {time.perf_counter() - began:.1f} s")
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


def capture_sql(app, fn):
    """The statements (with parameters) ``fn`` sends to the database."""
    from sqlalchemy import event

    from app.extensions import db

    import threading

    statements = []
    me = threading.get_ident()

    def before(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == me:  # not the embedded job threads
            statements.append(cursor.mogrify(statement, parameters).decode() if parameters else statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return statements


def raw_runner(url, statements):
    import psycopg2

    conn = psycopg2.connect(url)
    cur = conn.cursor()

    def run():
        for statement in statements:
            cur.execute(statement)
            cur.fetchall() if cur.description else None
        conn.rollback()

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--quick-fill", action="store_true", help="one INSERT ... SELECT instead of bench/generate.py")
    args = parser.parse_args()
    ensure_database(URL)
    os.environ["DATABASE_URL"] = URL
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "KPI_CACHE_SECONDS": 0, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "DEMO_PASSWORD": PASSWORD,
                      "JOBS_EMBEDDED_AUTOSTART": False})
    total = fill(app, args.cases, quick=args.quick_fill)
    print(f"cases in the database: {total:,}")

    from sqlalchemy import text

    from app import stats
    from app.clock import utcnow
    from app.extensions import db
    from app import reports
    from app.workflow.calendar import current_calendar

    rows = []
    with app.app_context():
        cal = current_calendar()
        now_local = cal.to_local(utcnow())
        last = now_local.replace(day=1) - __import__("datetime").timedelta(days=1)
        quarter = (last.month - 1) // 3 + 1
        periods = [
            ("month", f"{last.year}-{last.month:02d}", cal.month_range(last.year, last.month)),
            ("quarter", f"{last.year}-Q{quarter}", cal.month_range(last.year, 3 * quarter - 2, 3)),
            ("year", str(last.year), cal.month_range(last.year, 1, 12)),
        ]
        client = app.test_client()
        for label, value, (start, end) in periods:
            url = f"/transparansi?periode={value}"
            assert client.get(url).status_code == 200
            page = timed(lambda: client.get(url), args.repeat)
            figures = timed(lambda: stats.period_kpis(start, end), args.repeat)
            floor_a = timed(raw_runner(URL, capture_sql(app, lambda: stats.period_kpis(start, end))), args.repeat)
            direct = (f"SELECT count(*), count(first_response_at), avg(first_response_at - received_at), "
                      f"sum(CASE WHEN first_response_at <= first_response_due THEN 1 ELSE 0 END), "
                      f"count(DISTINCT agency_id) FROM complaint WHERE received_at >= '{start}' AND received_at < '{end}'")
            floor_b = timed(raw_runner(URL, [direct]), max(5, args.repeat // 3))
            rows.append((f"/transparansi {label}", page, figures, floor_a, floor_b))
        home = timed(lambda: client.get("/"), args.repeat)
        rows.append(("home page /", home, None, None, None))
        for username in ("koordinator", "pimpinan", "opd_dinkes"):
            staff = app.test_client()
            staff.post("/login/", data={"username": username, "password": PASSWORD})
            assert staff.get("/dasbor/").status_code == 200, username
            page = timed(lambda: staff.get("/dasbor/"), args.repeat)
            rows.append((f"/dasbor/ {username}", page, None, None, None))
        print()
        print(f"{'page':28} {'p50 ms':>9} {'p95 ms':>9} {'figures p50':>12} {'floor A p50':>12} {'ratio':>7} {'floor B p50':>12}")
        for name, page, figures, floor_a, floor_b in rows:
            def ms(pair):
                return f"{pair[0] * 1000:12.1f}" if pair else f"{'':>12}"
            ratio = f"{page[0] / floor_a[0]:7.1f}" if floor_a else f"{'':>7}"
            print(f"{name:28} {page[0] * 1000:9.1f} {page[1] * 1000:9.1f} {ms(figures)} {ms(floor_a)} {ratio} {ms(floor_b)}")

        # the monthly report job: time and peak memory (RSS growth measured in a child process)
        import resource
        import subprocess

        period = periods[0][1]
        code = (
            "import os, resource, sys, time; sys.path.insert(0, os.getcwd());"
            "from app import create_app; app = create_app({'SQLALCHEMY_DATABASE_URI': os.environ['DATABASE_URL']});"
            "ctx = app.app_context(); ctx.push();"
            "from app import reports; base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
            f"t = time.perf_counter(); reports.build('{period}'); d = time.perf_counter() - t;"
            "print(f'{d:.2f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} {base / 1024:.0f}')"
        )
        runs = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                 env=dict(os.environ, DATABASE_URL=URL), cwd=os.path.dirname(os.path.dirname(
                                     os.path.abspath(__file__))))
            if out.returncode:
                print(out.stderr[-2000:])
                break
            runs.append([float(x) for x in out.stdout.split()[-3:]])
        if runs:
            print(f"\nmonthly report job ({period}): median {statistics.median(r[0] for r in runs):.2f} s, "
                  f"peak RSS {max(r[1] for r in runs):.0f} MB (process before the job: {runs[0][2]:.0f} MB)")
        del resource, text, db, reports


if __name__ == "__main__":
    main()
