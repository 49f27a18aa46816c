"""Redis goes down under a real server: citizens, reporters and staff notice nothing, nothing is lost,
and every notification goes out exactly once when Redis is back.

The test runs its OWN redis-server (free port, temporary directory) and stops/starts that one; the
portal runs as in the README's production layout (gunicorn, PostgreSQL, REDIS_URL) in a subprocess.
"""
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from app.models import Complaint, ComplaintEvent, Outbox
from tests.conftest import PASSWORD
from tests.jobs.conftest import ROOT, config_values, free_port, wait_until, work_in_process

pytestmark = pytest.mark.postgres_only
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class OwnRedis:
    """A private redis-server that this test may stop and start (never the shared one)."""

    def __init__(self, directory):
        self.dir = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        wait_until(lambda: _pings(redis.Redis(port=self.port, socket_connect_timeout=0.2)), 10, message="redis up")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def _pings(conn):
    try:
        return conn.ping()
    except Exception:
        return False


@pytest.fixture
def own_redis(tmp_path):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def portal(app, database_url, own_redis, tmp_path):
    """gunicorn serving the app on PostgreSQL with REDIS_URL = our own Redis."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=own_redis.url, PYTHONPATH=ROOT,
               JOBS_EMBEDDED_AUTOSTART="false", PUBLIC_SUBMIT_RATE_LIMIT="100 per hour",
               UPLOAD_FOLDER=str(tmp_path / "uploads"), NOTIFY_EMAIL_TRANSPORT="log")
    log = open(tmp_path / "gunicorn.log", "wb")
    proc = subprocess.Popen([GUNICORN, "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}",
                             "--timeout", "60", "run:app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(f"{base}/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(up, 60, interval=0.3, message="gunicorn up")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def csrf_of(session, url):
    return CSRF.search(session.get(url, timeout=10).text).group(1)


def submit_report(base, number):
    citizen = requests.Session()
    token = csrf_of(citizen, f"{base}/lapor")
    response = citizen.post(f"{base}/lapor", timeout=10, allow_redirects=False, data={
        "csrf_token": token, "kind": "complaint", "title": f"Jalan rusak nomor {number} di desa kami",
        "description": "Jalan desa berlubang besar dan membahayakan pengendara sepeda motor setiap malam.",
        "district": "Sukamaju Kota", "name": f"Warga {number}", "email": f"warga{number}@contoh.id",
        "phone": f"0812000000{number:02d}", "consent": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/lapor/terkirim"), response.text[:300]
    receipt = citizen.get(f"{base}/lapor/terkirim", timeout=10).text
    return citizen, re.search(r'id="tracking-number">([A-Z0-9-]+)<', receipt).group(1)


def test_redis_down_public_reports_replies_staff_and_logins_succeed_then_each_notification_once(
        app, jobs, portal, own_redis, smtp_server, gateway, world):
    base = portal
    assert requests.get(f"{base}/health", timeout=5).json()["rate_limits"]["storage"] == "redis"

    own_redis.stop()  # Redis is gone
    citizens = [submit_report(base, n) for n in range(20)]  # 20 citizens report
    numbers = [number for _session, number in citizens]
    health = requests.get(f"{base}/health", timeout=5)
    assert health.status_code == 200
    assert health.json()["rate_limits"] == {"storage": "memory", "fallback": True, "note": health.json()["rate_limits"]["note"]}
    assert health.json()["queue"]["ok"] is False

    staff = requests.Session()  # staff sign in and dispose 5 cases
    response = staff.post(f"{base}/login/", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf_of(staff, f"{base}/login/"), "username": "koordinator", "password": PASSWORD})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    db.session.expire_all()
    cases = {c.tracking_number: c for c in db.session.execute(
        select(Complaint).where(Complaint.tracking_number.in_(numbers))).scalars()}
    assert len(cases) == 20
    dinkes = world.agency("DINKES").id
    for number in numbers[:5]:
        case_id = cases[number].id
        token = csrf_of(staff, f"{base}/complaintview/show/{case_id}")
        response = staff.post(f"{base}/complaintview/transition/{case_id}/dispose", timeout=10, allow_redirects=False,
                              data={"csrf_token": token, "agency": dinkes, "expected_version": cases[number].version})
        assert response.status_code == 302

    for citizen, number in citizens[5:10]:  # 5 reporters reply on their own case
        token = csrf_of(citizen, f"{base}/lacak/{number}")
        response = citizen.post(f"{base}/lacak/{number}/reporter_reply", timeout=10, allow_redirects=False,
                                data={"csrf_token": token, "text": "Tambahan: lubangnya makin besar setelah hujan."})
        assert response.status_code == 302

    db.session.expire_all()
    statuses = dict(db.session.execute(select(Complaint.tracking_number, Complaint.status)
                                       .where(Complaint.tracking_number.in_(numbers))).all())
    assert [statuses[n] for n in numbers[:5]] == ["dispatched"] * 5
    replies = db.session.execute(select(func.count()).select_from(ComplaintEvent).where(
        ComplaintEvent.kind == "reporter_reply")).scalar()
    assert replies == 5
    pending = db.session.execute(select(Outbox).where(Outbox.status == "pending")).scalars().all()
    # every notification waits in the outbox: 20 received + 5 dispatched, by e-mail and WhatsApp
    assert len(pending) == 50 and {row.topic for row in pending} == {"received", "dispatched"}

    own_redis.start()  # Redis is back: the scheduler's sweep finds the outbox and a worker delivers
    from app.jobs import queue, schedule

    with config_values(app, REDIS_URL=own_redis.url):
        app.extensions.pop("lapor_redis", None)
        queue.reset_breaker()
        assert "outbox" in schedule.tick()
        work_in_process(app)
        work_in_process(app)
        app.extensions.pop("lapor_redis", None)
    db.session.expire_all()
    rows = db.session.execute(select(Outbox)).scalars().all()
    assert len(rows) == 50 and {row.status for row in rows} == {"sent"}
    for number in range(20):
        mails = smtp_server.to(f"warga{number}@contoh.id")
        assert len(mails) == (2 if number < 5 else 1), number
    assert len(smtp_server.messages) == 25 and len(gateway.delivered) == 25 and len(gateway.requests) == 25
    # the limiter found Redis again
    wait_until(lambda: requests.get(f"{base}/health", timeout=5).json()["rate_limits"]["storage"] == "redis"
               or requests.get(f"{base}/lapor", timeout=5) is None, 20, interval=0.2, message="limits back on Redis")
