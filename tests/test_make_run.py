"""`make run` on a fresh machine: embedded defaults (SQLite, no Redis), demo data, every demo user logs in.

Runs the real command in a subprocess against an empty instance folder and talks to
the served portal over HTTP, as a person trying it out would.
"""
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO_USERS = ["admin", "koordinator", "pimpinan", "opd_dinkes", "opd_pupr"]
ENGLISH_MENU_WORDS = ["Security", "List Users", "Logout", "Cases", "Reference", "Dashboard"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served_portal(pytestconfig, tmp_path_factory):
    if pytestconfig.getoption("--db") != "sqlite":
        pytest.skip("the try-it-out command is checked once, on its embedded defaults")
    instance = tmp_path_factory.mktemp("fresh-instance")
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PII_KEY", "RATELIMIT_ENABLED")}
    env.update(INSTANCE_DIR=str(instance), PORT=str(port), DEMO_PASSWORD="coba-demo-1")
    log = open(instance / "make-run.log", "w")
    proc = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(base + "/health", timeout=2)
            break
        except OSError:
            time.sleep(0.2)  # polled often: the tests start as soon as it answers
    else:
        pass
    try:
        if proc.poll() is not None:
            pytest.fail("make run exited early:\n" + (instance / "make-run.log").read_text()[-3000:])
        yield base, instance
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


def _session():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def _login(base, username, password):
    opener = _session()
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    opener.open(base + "/login/", data)
    return opener


def test_make_run_serves_demo_data_without_redis(served_portal):
    base, instance = served_portal
    health = urllib.request.urlopen(base + "/health").read().decode()
    assert '"mode":"embedded"' in health.replace(" ", "")
    assert (instance / "secret_key").exists() and (instance / "pii_key").exists()
    db = sqlite3.connect(instance / "lapor.db")
    states = {row[0] for row in db.execute("SELECT DISTINCT status FROM complaint")}
    assert states == {"received", "on_hold", "archived", "forwarded", "dispatched", "in_progress", "resolved", "closed"}
    channels_used = db.execute("SELECT COUNT(DISTINCT channel_id) FROM complaint").fetchone()[0]
    assert channels_used == db.execute("SELECT COUNT(*) FROM channel").fetchone()[0] == 10
    assert 450 <= db.execute("SELECT COUNT(*) FROM complaint").fetchone()[0] <= 550
    assert db.execute("SELECT COUNT(*) FROM agency").fetchone()[0] >= 20
    assert db.execute("SELECT COUNT(*) FROM complaint_event").fetchone()[0] > 1000


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_demo_user_logs_in_and_sees_indonesian_menus(served_portal, username):
    base, _instance = served_portal
    opener = _login(base, username, "coba-demo-1")
    page = opener.open(base + "/dasbor/").read().decode()
    assert 'href="/logout/"' in page, f"{username} is not logged in"
    assert "Laporan" in page and "Keluar" in page
    menu = re.search(r'(?s)<div class="navbar-collapse collapse">.*?</div>', page).group(0)
    text = re.sub(r"(?s)<[^>]+>", " ", menu)
    for word in ENGLISH_MENU_WORDS:
        assert not re.search(rf"\b{word}\b", text), f"{word!r} in the menu of {username}"
