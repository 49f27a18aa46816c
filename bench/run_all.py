"""Benchmarks: how the hot paths behave with a large case load. Prints figures; asserts nothing.

    make bench                                    # SQLite scratch file, 100,000 cases
    BENCH_CASES=1000000 BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench make bench

Measures page latency (median of several requests, through the real app and its
access rule), the SQL statements each page issues (to catch N+1), the memory peak
of a streamed CSV export, and the reminder sweep when the jobs module provides one.
"""
import os
import statistics
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CASES = int(os.environ.get("BENCH_CASES", "100000"))
URL = os.environ.get("BENCH_DATABASE_URL") or "sqlite:///" + os.path.join(tempfile.gettempdir(), "lapor-bench.db")
PASSWORD = "bench-password-1"


def prepare_database():
    if URL.startswith("postgresql"):
        import psycopg2

        base, name = URL.rsplit("/", 1)
        conn = psycopg2.connect(base + "/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if not cur.fetchone():
                cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()


def build(app):
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app.demo import seed_demo
    from app.extensions import appbuilder, db
    from app.models import Complaint
    from app.security import sync_roles

    upgrade()
    sync_roles(appbuilder)
    seed_demo(count=0, password=PASSWORD)
    have = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    if have < CASES:
        from bench.generate import generate

        print(f"generating {CASES - have:,} cases ...")
        generate(CASES - have)
    return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


class StatementCounter:
    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *args, **kwargs):
        self.count += 1


def timed_get(client, url, counter, repeat=5):
    times, statements = [], []
    for _ in range(repeat):
        before = counter.count
        start = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        times.append((time.perf_counter() - start) * 1000)
        statements.append(counter.count - before)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times), max(statements), len(body)


def main():
    prepare_database()
    os.environ.setdefault("INSTANCE_DIR", os.path.join(tempfile.gettempdir(), "lapor-bench-instance"))
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        total = build(app)
        engine = db.engine
    counter = StatementCounter(engine)
    # requests run outside any outer app context, as in production (each has its own g)
    if True:
        print(f"\ndatabase: {engine.dialect.name}, cases: {total:,}\n")
        print(f"{'page':<55} {'median ms':>10} {'SQL stmts':>10} {'KB':>8}")
        rows = []
        for username, urls in {
            "opd_dinkes": ["/complaintview/list/", "/queuetofollowupview/list/", "/queueoverdueview/list/", "/dasbor/"],
            "koordinator": ["/complaintview/list/", "/queuetoverifyview/list/", "/dasbor/",
                            "/complaintview/list/?_flt_0_status=received", "/complaintview/list/?page_ComplaintView=400"],
            None: ["/laporan", "/laporan?hal=500", "/laporan?q=uji&status=closed", "/"],
        }.items():
            client = app.test_client()
            if username:
                client.post("/login/", data={"username": username, "password": PASSWORD})
            for url in urls:
                ms, stmts, size = timed_get(client, url, counter)
                label = f"{username or 'public'} {url}"
                rows.append((label, ms, stmts))
                print(f"{label:<55} {ms:>10.1f} {stmts:>10} {size / 1024:>8.0f}")

        # the coordinator's export of every case: the background job's work (server-side cursor)
        with app.app_context():
            import json
            import secrets

            from app import exports
            from app.extensions import appbuilder, db
            from app.models import CaseExport

            user = appbuilder.sm.find_user(username="koordinator")
            export = CaseExport(user_id=user.id, fmt="csv", view_name="ComplaintView", arguments=json.dumps([]),
                                token=secrets.token_urlsafe(32))
            db.session.add(export)
            db.session.commit()
            tracemalloc.start()
            start = time.perf_counter()
            count = exports.run_job(export.id)
            seconds = time.perf_counter() - start
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            size = len(db.session.get(CaseExport, export.id).content)
            db.session.delete(db.session.get(CaseExport, export.id))
            db.session.commit()
        print(f"\nCSV export job (koordinator, all cases): {count} rows, {size / 1e6:.1f} MB in {seconds:.1f} s, "
              f"Python memory peak {peak / 1e6:.1f} MB")

        try:
            from app.jobs import reminders
        except ImportError:
            reminders = None
        sweep = getattr(reminders, "sweep", None) or getattr(reminders, "run_sweep", None)
        if sweep:
            app.app_context().push()
            before = counter.count
            start = time.perf_counter()
            result = sweep()
            print(f"reminder sweep: {(time.perf_counter() - start) * 1000:.0f} ms, "
                  f"{counter.count - before} SQL statements, result {result}")
            before = counter.count
            start = time.perf_counter()
            result = sweep()
            print(f"reminder sweep again (nothing new): {(time.perf_counter() - start) * 1000:.0f} ms, "
                  f"{counter.count - before} SQL statements")


if __name__ == "__main__":
    main()
