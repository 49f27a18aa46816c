"""The benchmark: every page of issue 16's table against its raw-SQL floor, measured in one run.

    make bench                                     # SQLite scratch file, 100,000 cases
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/bench make bench      # 1,000,000 cases

What it does (prints figures; asserts nothing):
1. builds the database when needed: migrations, roles, the demo kabupaten without cases, then
   ``bench/generate.py`` up to ``BENCH_CASES`` (default 1,000,000 on PostgreSQL, 100,000 on SQLite);
2. starts gunicorn with ``BENCH_WORKERS`` (2) workers on a free port, serving ``bench/wsgi.py``
   (the portal plus a bare Flask endpoint);
3. **latency**: every page, ``BENCH_REPEAT`` (30) rounds, interleaved with its raw SQL floor (the
   statements the page fundamentally needs, sent through a plain DBAPI connection): p50, p95 of
   both and the ratio page p50 / floor p50;
4. **SQL statements per page** at page size 20 and 100 (in-process, counted at the engine), and
   how many of them touch the permission tables (0 is the target);
5. **throughput**: ``wrk -t2 -c16 -d<BENCH_SECONDS>s`` (or a Python keep-alive load generator with
   16 connections when ``wrk`` is missing) on ``/lacak/<nomor>``, ``/laporan/<nomor>`` and
   ``/bench/bare``; req/s, share of the bare endpoint, p99;
6. **jobs**: the reminder sweep over the generated backlog (time, statements, messages, the most
   messages any one person got) and again (must add nothing), the monthly report job; wall time
   and Python memory peak (tracemalloc).

The machine is shared and noisy: quote medians, and rerun before believing a difference.
Other benchmarks add their pages to ``PAGES`` / ``JOBS`` below (label, role, url, floor).
"""
import contextlib
import datetime as dt
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

URL = os.environ.get("BENCH_DATABASE_URL") or "sqlite:///" + os.path.join(tempfile.gettempdir(), "lapor-bench.db")
POSTGRES = URL.startswith("postgresql")
CASES = int(os.environ.get("BENCH_CASES") or (1_000_000 if POSTGRES else 100_000))
REPEAT = int(os.environ.get("BENCH_REPEAT", "30"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
PASSWORD = "bench-password-1"
from bench.common import ensure_database, percentile  # noqa: E402

PERMISSION_TABLES = re.compile(r"\bab_(permission|permission_view|permission_view_role|view_menu)\b")


# --- database ---------------------------------------------------------------------------------


def prepare_database():
    ensure_database(URL)


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
    for user in appbuilder.sm.get_all_users():  # the demo users keep the bench password
        appbuilder.sm.reset_password(user.id, PASSWORD)
    have = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    if have < CASES:
        from bench.generate import generate, rebuild_rollups

        print(f"generating {CASES - have:,} cases ...", flush=True)
        started = time.perf_counter()
        generate(CASES - have)
        print(f"generator: {time.perf_counter() - started:.0f} s", flush=True)
        rebuild_rollups(app)
    return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


class Floor:
    """Raw SQL through a plain DBAPI connection (no ORM, no Flask): what a page cannot go below."""

    def __init__(self):
        if POSTGRES:
            import psycopg2

            self.conn = psycopg2.connect(URL.replace("postgresql+psycopg2://", "postgresql://"))
            self.conn.autocommit = True
            self.mark = "%s"
        else:
            import sqlite3

            self.conn = sqlite3.connect(URL.replace("sqlite:///", ""))
            self.mark = "?"

    def run(self, statements):
        cur = self.conn.cursor()
        for sql, params in statements:
            cur.execute(sql.replace("%s", self.mark), params)
            cur.fetchall()

    def one(self, sql, params=()):
        cur = self.conn.cursor()
        cur.execute(sql.replace("%s", self.mark), params)
        return cur.fetchone()


# --- HTTP ------------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(port, public_cache=None):
    env = dict(os.environ, BENCH_DATABASE_URL=URL, PYTHONPATH=ROOT)
    if public_cache is not None:
        env["BENCH_PUBLIC_CACHE"] = str(public_cache)
    binary = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen([binary, "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "120",
                             "--log-level", "warning", "bench.wsgi:app"], cwd=ROOT, env=env)
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Browser:
    """One keep-alive connection with a session cookie (a logged-in person or the public)."""

    def __init__(self, port, username=None):
        self.port, self.cookie = port, None
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        if username:
            body = urllib.parse.urlencode({"username": username, "password": PASSWORD})
            status, _ = self.request("POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})
            if status != 302:
                raise SystemExit(f"login of {username} failed ({status})")

    def request(self, method, url, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, url, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data

    def get(self, url):
        return self.request("GET", url)


# --- the pages ----------------------------------------------------------------------------------


def _public_columns():
    return ("SELECT c.id, c.tracking_number, c.title, c.kind, c.status, c.district, c.received_at, "
            "a.name, g.name FROM complaint c LEFT JOIN agency a ON a.id = c.agency_id "
            "LEFT JOIN category g ON g.id = c.category_id ")


def pages(app, floor):
    """(label, role, url, [floor statements]) for every page of the issue's table."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Agency, Complaint
    from app.workflow import access, paging
    from app.workflow.calendar import current_calendar

    public_in = "(" + ",".join(f"'{s}'" for s in access.PUBLIC_STATUSES) + ")"
    public_where = f"WHERE NOT c.is_confidential AND c.status IN {public_in} "
    order = "ORDER BY c.received_at DESC, c.id DESC "
    number = db.session.execute(select(Complaint.tracking_number).where(
        Complaint.status == "closed", Complaint.is_confidential.is_(False)).order_by(Complaint.id.desc()).limit(1)).scalar()
    newest = db.session.execute(select(func_max(Complaint.received_at))).scalar()
    year_back = (newest - dt.timedelta(days=300)).date()
    cal = current_calendar()
    until = cal.end_of_local_day(year_back)
    deep = db.session.execute(select(Complaint.received_at, Complaint.id).where(
        access.public_cases_clause(), Complaint.received_at < until)
        .order_by(Complaint.received_at.desc(), Complaint.id.desc()).offset(20).limit(1)).first()
    cursor = paging.encode_cursor(*deep)
    dinkes = db.session.execute(select(Agency.id).where(Agency.code == "DINKES")).scalar()
    subtree = [dinkes] + list(db.session.execute(select(Agency.id).where(Agency.parent_id == dinkes)).scalars())
    # staff lists' deep pages (keyset): the row 25 rows into the list ~300 days back, all cases / Dinkes's
    staff_deep = db.session.execute(select(Complaint.received_at, Complaint.id).where(Complaint.received_at < until)
                                    .order_by(Complaint.received_at.desc(), Complaint.id.desc())
                                    .offset(25).limit(1)).first()
    opd_deep = db.session.execute(select(Complaint.received_at, Complaint.id).where(
        Complaint.agency_id.in_(subtree), Complaint.received_at < until)
        .order_by(Complaint.received_at.desc(), Complaint.id.desc()).offset(25).limit(1)).first()
    opd_in = "(" + ",".join(str(i) for i in subtree) + ")"
    staff_cols = ("SELECT c.id, c.tracking_number, c.title, c.kind, c.status, c.district, c.received_at, "
                  "c.verification_due, c.first_response_due, c.resolution_due, a.name, ch.name FROM complaint c "
                  "LEFT JOIN agency a ON a.id = c.agency_id JOIN channel ch ON ch.id = c.channel_id ")
    # the capped counts as the pages send them: the public list in its own order, staff lists unordered
    capped = "SELECT count(*) FROM (SELECT c.id FROM complaint c {where} ORDER BY c.received_at DESC, c.id DESC LIMIT 10001) t"
    staff_capped = "SELECT count(*) FROM (SELECT c.id FROM complaint c {where} LIMIT 10001) t"
    detail = [("SELECT c.*, a.name, g.name FROM complaint c LEFT JOIN agency a ON a.id = c.agency_id "
               "LEFT JOIN category g ON g.id = c.category_id WHERE c.tracking_number = %s", (number,)),
              ("SELECT e.created_at, e.kind, e.to_status, e.public_text FROM complaint_event e "
               "WHERE e.complaint_id = (SELECT id FROM complaint WHERE tracking_number = %s) AND e.is_public "
               "ORDER BY e.id", (number,))]
    now_local = cal.to_local(newest)
    month, quarter = f"{now_local.year}-{now_local.month:02d}", f"{now_local.year}-Q{(now_local.month - 1) // 3 + 1}"
    return [
        ("/transparansi month", None, f"/transparansi?periode={month}", []),
        ("/transparansi quarter", None, f"/transparansi?periode={quarter}", []),
        ("/transparansi year", None, f"/transparansi?periode={now_local.year}", []),
        ("home /", None, "/", []),
        ("public /laporan page 1", None, "/laporan",
         [(capped.format(where=public_where), ()), (_public_columns() + public_where + order + "LIMIT 21", ())]),
        ("public /laporan deep (keyset, ~300 days back)", None, f"/laporan?sebelum={cursor}",
         [(capped.format(where=public_where), ()),
          (_public_columns() + public_where + "AND (c.received_at, c.id) < (%s, %s) " + order + "LIMIT 21", tuple(deep)),
          ("SELECT c.id FROM complaint c " + public_where + "AND (c.received_at, c.id) > (%s, %s) "
           "ORDER BY c.received_at, c.id LIMIT 1", tuple(deep))]),
        ("coordinator case list page 1", "koordinator", "/complaintview/list/",
         [(staff_capped.format(where=""), ()), (staff_cols + order + "LIMIT 25", ())]),
        ("coordinator list filtered received", "koordinator", "/complaintview/list/?_flt_0_status=received",
         [(staff_capped.format(where="WHERE c.status = 'received'"), ()),
          (staff_cols + "WHERE c.status = 'received' " + order + "LIMIT 25", ())]),
        ("coordinator list deep (keyset, ~300 days back)", "koordinator",
         f"/complaintview/list/?sebelum={paging.encode_cursor(*staff_deep)}",
         [(staff_capped.format(where=""), ()),
          (staff_cols + "WHERE (c.received_at, c.id) < (%s, %s) " + order + "LIMIT 26", tuple(staff_deep)),
          ("SELECT c.id FROM complaint c WHERE (c.received_at, c.id) > (%s, %s) ORDER BY c.received_at, c.id LIMIT 1",
           tuple(staff_deep))]),
        ("coordinator list by number, page 20000 (capped at 10,000 rows)", "koordinator",
         "/complaintview/list/?_oc_ComplaintView=tracking_number&_od_ComplaintView=asc&page_ComplaintView=20000",
         [(staff_capped.format(where=""), ()),
          (staff_cols + "ORDER BY c.tracking_number, c.id LIMIT 25 OFFSET 9975", ())]),
        ("OPD list page 1", "opd_dinkes", "/complaintview/list/",
         [(staff_capped.format(where=f"WHERE c.agency_id IN {opd_in}"), ()),
          (staff_cols + f"WHERE c.agency_id IN {opd_in} " + order + "LIMIT 25", ())]),
        ("OPD list deep (keyset, ~300 days back)", "opd_dinkes",
         f"/complaintview/list/?sebelum={paging.encode_cursor(*opd_deep)}",
         [(staff_capped.format(where=f"WHERE c.agency_id IN {opd_in}"), ()),
          (staff_cols + f"WHERE c.agency_id IN {opd_in} AND (c.received_at, c.id) < (%s, %s) " + order + "LIMIT 26",
           tuple(opd_deep)),
          (f"SELECT c.id FROM complaint c WHERE c.agency_id IN {opd_in} AND (c.received_at, c.id) > (%s, %s) "
           "ORDER BY c.received_at, c.id LIMIT 1", tuple(opd_deep))]),
        ("OPD list filtered dispatched", "opd_dinkes", "/complaintview/list/?_flt_0_status=dispatched",
         [(staff_capped.format(where=f"WHERE c.agency_id IN {opd_in} AND c.status = 'dispatched'"), ()),
          (staff_cols + f"WHERE c.agency_id IN {opd_in} AND c.status = 'dispatched' " + order + "LIMIT 25", ())]),
        ("coordinator /dasbor/", "koordinator", "/dasbor/", []),
        ("OPD /dasbor/", "opd_dinkes", "/dasbor/", []),
        ("Pimpinan /dasbor/", "pimpinan", "/dasbor/", []),
        ("/laporan/<nomor>", None, f"/laporan/{number}", detail),
        ("/lacak/<nomor>", None, f"/lacak/{number}", detail),
    ], number


def func_max(column):
    from sqlalchemy import func

    return func.max(column)


def measure_latency(port, page_list, floor):
    browsers = {}
    samples = {label: ([], []) for label, *_rest in page_list}
    for _round in range(REPEAT):
        for label, role, url, statements in page_list:
            browser = browsers.get(role)
            if browser is None:
                browser = browsers[role] = Browser(port, role)
            start = time.perf_counter()
            status, _body = browser.get(url)
            samples[label][0].append((time.perf_counter() - start) * 1000)
            if status != 200:
                raise SystemExit(f"{url}: HTTP {status}")
            if statements:
                start = time.perf_counter()
                floor.run(statements)
                samples[label][1].append((time.perf_counter() - start) * 1000)
    print(f"\nLatency over HTTP (gunicorn, {WORKERS} workers), {REPEAT} interleaved rounds, ms:")
    print(f"{'page':<52} {'p50':>8} {'p95':>8} {'floor p50':>10} {'floor p95':>10} {'ratio':>7}")
    for label, (times, floors) in samples.items():
        p50, p95 = statistics.median(times), percentile(times, 95)
        if floors:
            f50, f95 = statistics.median(floors), percentile(floors, 95)
            print(f"{label:<52} {p50:>8.1f} {p95:>8.1f} {f50:>10.2f} {f95:>10.2f} {p50 / max(f50, 0.01):>6.1f}x")
        else:
            print(f"{label:<52} {p50:>8.1f} {p95:>8.1f} {'-':>10} {'-':>10} {'-':>7}")


def count_statements(app, page_list):
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def on_execute(conn, cursor, statement, *args):
        seen.append(statement)

    sizes = {
        "public /laporan page 1": lambda n: f"/laporan?n={n}",
        "coordinator case list page 1": lambda n: f"/complaintview/list/?psize_ComplaintView={n}",
        "OPD list page 1": lambda n: f"/complaintview/list/?psize_ComplaintView={n}",
        "coordinator list filtered received": lambda n: f"/complaintview/list/?_flt_0_status=received&psize_ComplaintView={n}",
    }
    print("\nSQL statements per page (second request of the session; permission-table statements in brackets):")
    print(f"{'page':<52} {'size 20':>10} {'size 100':>10}")
    clients = {}
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        for label, role, url, _floor in page_list:
            client = clients.get(role)
            if client is None:
                client = clients[role] = app.test_client()
                if role:
                    client.post("/login/", data={"username": role, "password": PASSWORD})
            cells = []
            for n in (20, 100):
                target = sizes[label](n) if label in sizes else url
                client.get(target)  # warm: the first request of a worker may load caches
                seen.clear()
                client.get(target)
                permission = sum(1 for s in seen if PERMISSION_TABLES.search(s))
                cells.append(f"{len(seen)} [{permission}]")
            print(f"{label:<52} {cells[0]:>10} {cells[1]:>10}")
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def throughput(port, number, cached_port=None):
    urls = [("/lacak/<nomor>", f"/lacak/{number}"), ("/laporan/<nomor>", f"/laporan/{number}"),
            ("bare Flask endpoint", "/bench/bare")]
    if cached_port:
        urls += [("/lacak/<nomor> cached", f"/lacak/{number}"), ("/laporan/<nomor> cached", f"/laporan/{number}")]
    wrk = shutil.which("wrk")
    tool = f"wrk -t2 -c{CONNECTIONS} -d{SECONDS}s" if wrk else f"Python load generator, {CONNECTIONS} connections, {SECONDS} s"
    results = {}
    for label, url in urls:
        target = cached_port if label.endswith("cached") else port
        for _warm in range(2 * WORKERS):  # every worker has loaded the app and served the page once
            Browser(target).get(url)
        results[label] = _wrk(target, url) if wrk else _python_load(target, url)
    bare = results["bare Flask endpoint"][0] or 1
    print(f"\nThroughput ({tool}, gunicorn {WORKERS} workers; 'cached' = PUBLIC_CACHE_SECONDS=30):")
    print(f"{'endpoint':<24} {'req/s':>10} {'of bare':>8} {'p99 ms':>8}")
    for label, (rate, p99) in results.items():
        print(f"{label:<24} {rate:>10.0f} {rate / bare:>7.0%} {p99:>8.1f}")


def _wrk(port, url):
    out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", f"http://127.0.0.1:{port}{url}"],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else float("nan")
    return rate, p99


def _python_load(port, url):
    deadline = time.perf_counter() + SECONDS
    latencies, lock = [], threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.request("GET", url)
            conn.getresponse().read()
            mine.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - start), percentile(latencies, 99)


def jobs(app):
    from sqlalchemy import event, func, select, text

    from app.extensions import db
    from app.models import Notification, Outbox, Reminder
    from app import reports
    from app.workflow import reminders

    print("\nJobs (in-process; Python memory peak by tracemalloc):")
    with app.app_context():
        for table in ("outbox", "notification", "reminder"):  # the sweep starts from the import's backlog
            db.session.execute(text(f"DELETE FROM {table}"))
        db.session.commit()
        statements = [0]

        def on_execute(*args):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", on_execute)
        try:
            for attempt in ("first sweep (backlog)", "second sweep"):
                statements[0] = 0
                tracemalloc.start()
                start = time.perf_counter()
                counts = reminders.sweep().counts
                seconds = time.perf_counter() - start
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                mails = db.session.execute(select(func.count()).select_from(Outbox).where(Outbox.topic == "reminder")).scalar()
                most = db.session.execute(select(func.count()).select_from(Outbox).where(Outbox.topic == "reminder")
                                          .group_by(Outbox.user_id).order_by(func.count().desc()).limit(1)).scalar() or 0
                notices = db.session.execute(select(func.count()).select_from(Notification)).scalar()
                reminded = db.session.execute(select(func.count()).select_from(Reminder)).scalar()
                print(f"reminder sweep, {attempt}: {seconds:.1f} s, {statements[0]} SQL statements, "
                      f"new reminders {counts}, total reminders {reminded:,}, e-mails {mails:,} "
                      f"(at most {most} per person), in-app notices {notices:,}, peak {peak / 1e6:.0f} MB")
        finally:
            event.remove(db.engine, "before_cursor_execute", on_execute)
        period = reports.previous_period()
        tracemalloc.start()
        start = time.perf_counter()
        reports.build(period)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"monthly report job ({period}): {seconds:.1f} s, peak {peak / 1e6:.0f} MB")
        export_job(app)


def _export_child(app, export_id, results):
    import resource

    from app import exports
    from app.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections stay the parent's
        start = time.perf_counter()
        rows = exports.run_job(export_id)
        seconds = time.perf_counter() - start
    results.put((rows, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def export_job(app):
    """The coordinator's export of the whole case list, built by the background job's code."""
    import secrets

    from sqlalchemy import func, select

    from app import exports
    from app.clock import utcnow
    from app.extensions import appbuilder, db
    from app.models import CaseExport, CaseExportChunk, Complaint

    user = appbuilder.sm.find_user(username="koordinator")
    expected = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    export = CaseExport(user_id=user.id, fmt="csv", view_name="ComplaintView", arguments="[]", status="queued",
                        token=secrets.token_urlsafe(32), created_at=utcnow())
    db.session.add(export)
    db.session.commit()
    export_id = export.id
    db.session.expunge_all()
    # in a forked child: wall time without tracemalloc's slowdown, memory as the peak RSS of a
    # process that does nothing else (what a worker needs), like an RQ work horse
    import multiprocessing

    results = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_export_child, args=(app, export_id, results))
    child.start()
    rows, seconds, peak_rss = results.get()
    child.join()
    db.session.expunge_all()
    lines, size = 0, 0
    for chunk in exports.stored_chunks(export_id):
        size += len(chunk)
        lines += chunk.count(b"\n")
    complete = rows == expected and lines == expected + 1  # one header line (no newline inside cells)
    print(f"staff export (coordinator, all {expected:,} cases, CSV, background job): {seconds:.1f} s, "
          f"peak RSS of the job's process {peak_rss / 1e6:.0f} MB, {rows:,} rows, {size / 1e6:.0f} MB file, "
          f"{'complete' if complete else 'INCOMPLETE'} (file lines {lines:,})")
    db.session.execute(CaseExportChunk.__table__.delete().where(CaseExportChunk.export_id == export_id))
    db.session.execute(CaseExport.__table__.delete().where(CaseExport.id == export_id))
    db.session.commit()


def main():
    prepare_database()
    os.environ.setdefault("INSTANCE_DIR", os.path.join(tempfile.gettempdir(), "lapor-bench-instance"))
    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "JOBS_EMBEDDED_AUTOSTART": False,
                      "PUBLIC_CACHE_SECONDS": int(os.environ.get("BENCH_PUBLIC_CACHE", "0"))})
    with app.app_context():
        total = build(app)
        dialect = db.engine.dialect.name
        floor = Floor()
        page_list, number = pages(app, floor)
    only = os.environ.get("BENCH_ONLY")  # a regex of page labels, e.g. "laporan|list"
    if only:
        page_list = [p for p in page_list if re.search(only, p[0])]
    print(f"\ndatabase: {dialect}, cases: {total:,}; machine shared and noisy: quote medians")
    if os.environ.get("BENCH_JOBS_ONLY") == "1":
        jobs(app)
        return
    port = free_port()
    with gunicorn(port):
        measure_latency(port, page_list, floor)
        cached_port = free_port()
        # the same pages with the shared page cache on (PUBLIC_CACHE_SECONDS=30, as in production)
        with gunicorn(cached_port, public_cache=30):
            throughput(port, number, cached_port)
    count_statements(app, page_list)
    if os.environ.get("BENCH_SKIP_JOBS") != "1":
        jobs(app)


if __name__ == "__main__":
    main()
