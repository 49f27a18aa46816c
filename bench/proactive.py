"""Issue 15 benchmarks at scale: duplicate suggestion latency and the daily hotspot job.

    BENCH_CASES=1000000 BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/proactive.py

Fills the database like ``bench/run_all.py`` (migrations, demo reference data, ``bench/generate.py``),
then gives every case without a region an official kelurahan of the demo kabupaten (Kemendagri
codes), its kecamatan and, for 60 % of them, a map point near the kecamatan's centre (one SQL
UPDATE). Prints medians (the machine is noisy) and ratios against a floor measured in the same
run: a primary-key lookup for the suggestions, the bare scan of the job's window for the job.
Targets (issue 15): suggestions < 300 ms, hotspot job < 60 s at 1,000,000 cases on PostgreSQL.
"""
import datetime
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import timed  # noqa: E402
from bench.run_all import CASES, URL, build, prepare_database  # noqa: E402


def ms(seconds):
    return seconds * 1000.0


def give_locations():
    """Region codes and points for generated cases (set-based, once)."""
    from sqlalchemy import text

    from app.extensions import db
    from app.workflow import regions

    villages = db.session.execute(text(
        "SELECT r.code, r.parent_code, k.latitude, k.longitude FROM region r JOIN region k ON k.code = r.parent_code "
        "WHERE r.level = 4 ORDER BY r.code")).all()
    if not villages:
        raise SystemExit("no regions loaded")
    pending = db.session.execute(text("SELECT count(*) FROM complaint WHERE district_code IS NULL")).scalar()
    if not pending:
        return 0
    db.session.execute(text("DROP TABLE IF EXISTS bench_village"))
    db.session.execute(text("CREATE TEMP TABLE bench_village (i integer primary key, code varchar(13), "
                            "parent varchar(13), lat float, lon float)"))
    db.session.execute(text("INSERT INTO bench_village VALUES (:i, :code, :parent, :lat, :lon)"), [
        {"i": i, "code": v[0], "parent": v[1], "lat": v[2], "lon": v[3]} for i, v in enumerate(villages)])
    n = len(villages)
    started = time.perf_counter()
    db.session.execute(text(f"""
        UPDATE complaint c SET region_code = v.code, district_code = v.parent,
               latitude = CASE WHEN c.id % 10 < 6 THEN v.lat + ((c.id::bigint * 7919) % 2000 - 1000) / 80000.0 END,
               longitude = CASE WHEN c.id % 10 < 6 THEN v.lon + ((c.id::bigint * 104729) % 2000 - 1000) / 80000.0 END
        FROM bench_village v WHERE c.district_code IS NULL AND v.i = (c.id::bigint * 31) % {n}"""))
    db.session.commit()
    db.session.execute(text("ANALYZE complaint"))
    db.session.commit()
    regions.invalidate()
    print(f"locations given to {pending:,} cases in {time.perf_counter() - started:.1f} s")
    return pending


def bench_suggestions(repeat=3, samples=40):
    from sqlalchemy import select, text

    from app.extensions import db
    from app.models import Complaint
    from app.workflow import duplicates

    newest = db.session.execute(select(func_max_id())).scalar()
    rng = random.Random(15)
    ids = [rng.randrange(max(1, newest - 200000), newest + 1) for _ in range(samples)]
    cases = [c for c in (db.session.get(Complaint, i) for i in ids) if c is not None and c.category_id]
    floor = statistics.median(timed(lambda: db.session.execute(
        text("SELECT id, title FROM complaint WHERE id = :id"), {"id": ids[0]}).all(), 20)[0] for _ in range(3))
    per_case, found = [], 0
    for case in cases:
        median = timed(lambda: duplicates.suggest(case), repeat).median
        per_case.append(median)
        found += bool(duplicates.suggest(case))
    med = statistics.median(per_case)
    p95 = sorted(per_case)[int(0.95 * (len(per_case) - 1))]
    print(f"duplicate suggestions: median {ms(med):.1f} ms, p95 {ms(p95):.1f} ms over {len(cases)} cases "
          f"({found} with suggestions); floor (primary-key lookup) {ms(floor):.2f} ms; "
          f"ratio {med / floor:,.0f}x; target < 300 ms: {'OK' if p95 < 0.3 else 'MISSED'}")
    return med, p95


def func_max_id():
    from sqlalchemy import func

    from app.models import Complaint

    return func.max(Complaint.id)


def bench_hotspots(repeat=3):
    from sqlalchemy import func, select, text

    from app.extensions import db
    from app.models import Complaint
    from app.workflow import hotspots

    now = db.session.execute(select(func.max(Complaint.received_at))).scalar() + datetime.timedelta(minutes=1)
    since = now - datetime.timedelta(days=63)
    floor = timed(lambda: db.session.execute(
        text("SELECT count(*), count(DISTINCT category_id) FROM complaint WHERE received_at >= :since"),
        {"since": since}).all(), repeat).median

    def run():
        alerts = hotspots.detect(now=now)
        run.alerts = len(alerts)
        db.session.rollback()  # measure, do not keep

    median, _p95, worst = timed(run, repeat)
    window = db.session.execute(text("SELECT count(*) FROM complaint WHERE received_at >= :since"),
                                {"since": since}).scalar()
    print(f"hotspot job: median {median:.2f} s, worst {worst:.2f} s ({window:,} cases in its 9-week window, "
          f"{run.alerts} alerts); floor (bare scan of the window) {ms(floor):.0f} ms; ratio {median / floor:,.1f}x; "
          f"target < 60 s: {'OK' if worst < 60 else 'MISSED'}")
    return median


def main():
    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.models import Complaint

    prepare_database()
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "TESTING": True})
    with app.app_context():
        total = build(app)
        give_locations()
        print(f"{total:,} cases on {db.session.get_bind().dialect.name}")
        bench_suggestions()
        bench_hotspots()
        assert total == db.session.execute(select(func.count()).select_from(Complaint)).scalar()


if __name__ == "__main__":
    main()
