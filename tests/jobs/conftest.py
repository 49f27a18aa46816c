"""Fixtures for the background jobs: the real Redis (a dedicated db, flushed per test), a real
SMTP server on loopback (aiosmtpd), a local HTTP gateway, RQ workers in-process or as real
subprocesses, and a TCP proxy that can take "Redis" away and bring it back.
"""
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# the database helpers shared with tests/workflow live in tests/conftest.py (re-exported here)
from tests.conftest import config_values, outbox_rows, set_deadline, wipe_job_tables  # noqa: F401

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JOBS_REDIS_URL = os.environ.get("TEST_JOBS_REDIS_URL", "redis://127.0.0.1:6379/14")
QUEUE_NAME = "lapor-test"
RQ = os.path.join(os.path.dirname(sys.executable), "rq")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=10.0, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def denied(response):
    """FAB refuses with 403, or by sending the user to the login page."""
    return response.status_code == 403 or (
        response.status_code == 302 and "/login" in response.headers.get("Location", ""))


# --- configuration switches -------------------------------------------------------------


@pytest.fixture
def fast_config(app):
    """Short leases/backoff so that retries happen within a test."""
    with config_values(app, NOTIFY_LEASE_SECONDS=2, NOTIFY_BACKOFF_SECONDS="1,2,3", NOTIFY_MAX_ATTEMPTS=3,
                       JOBS_REDIS_RETRY_SECONDS=0.5):
        yield app


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
def redis_db(pytestconfig):
    import redis

    conn = redis.Redis.from_url(JOBS_REDIS_URL, socket_connect_timeout=1)
    try:
        conn.ping()
    except redis.RedisError:
        if os.environ.get("LAPOR_REQUIRE_SERVICES"):
            pytest.fail(f"Redis is required but not reachable at {JOBS_REDIS_URL}")
        pytest.skip(f"Redis not reachable at {JOBS_REDIS_URL}")
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


@pytest.fixture
def redis_mode(app, jobs, redis_db, fast_config):
    """The app talks to the real Redis (db 14) for the duration of the test."""
    from app.jobs import queue

    queue.reset_breaker()
    app.extensions.pop("lapor_redis", None)
    with config_values(app, REDIS_URL=JOBS_REDIS_URL, JOBS_QUEUE=QUEUE_NAME):
        yield redis_db
    app.extensions.pop("lapor_redis", None)
    queue.reset_breaker()


def rq_queue(app):
    from app.jobs import queue

    return queue.rq_queue(app)


def work_in_process(app):
    """Run the queue to empty in this process (a real RQ SimpleWorker on the real Redis)."""
    from rq import SimpleWorker

    from app.extensions import db

    import signal

    db.session.commit()  # nothing of ours may hold a transaction while jobs write
    worker = SimpleWorker([rq_queue(app)], connection=rq_queue(app).connection)
    # the worker installs its own SIGINT/SIGTERM handlers and leaves them: put the test run's back,
    # or a SIGTERM later (a CI time limit, an operator) raises StopRequested inside some other test
    # instead of stopping the run
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    db.session.expire_all()
    return worker


# --- RQ worker subprocesses ----------------------------------------------------------------


@pytest.fixture
def worker_env(app, database_url, smtp_server, gateway):
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url, REDIS_URL=JOBS_REDIS_URL, JOBS_QUEUE=QUEUE_NAME, PYTHONPATH=ROOT,
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_server.port), NOTIFY_EMAIL_TRANSPORT="smtp",
        NOTIFY_GATEWAY_URL=gateway.url, NOTIFY_GATEWAY_TOKEN=gateway.token, NOTIFY_LEASE_SECONDS="2",
        NOTIFY_BACKOFF_SECONDS="1,2,3", NOTIFY_SMTP_TIMEOUT="20", NOTIFY_GATEWAY_TIMEOUT="20",
        RATELIMIT_ENABLED="false", JOBS_EMBEDDED_AUTOSTART="false",
    )
    for key in ("REMINDER_BATCH_SIZE", "TIMEZONE"):
        env[key] = str(app.config[key])
    return env


def descendants(pid):
    """Child processes (recursively), from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class WorkerProcess:
    """``rq worker --burst`` as a real subprocess."""

    def __init__(self, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            [RQ, "worker", "--burst", "--url", JOBS_REDIS_URL, "--worker-class", "app.jobs.worker.LaporWorker",
             "--logging_level", "WARNING", QUEUE_NAME],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self):
        """SIGKILL the worker and the job process it forked (RQ puts that one in its own session)."""
        victims = [self.proc.pid] + descendants(self.proc.pid)
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()

    def wait(self, timeout=60):
        code = self.proc.wait(timeout=timeout)
        self.log.close()
        return code


@pytest.fixture
def start_worker(worker_env, tmp_path):
    started = []

    def _start(**extra_env):
        env = dict(worker_env, **{k: str(v) for k, v in extra_env.items()})
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield _start
    for worker in started:
        if worker.proc.poll() is None:
            worker.kill()


# --- SMTP server on loopback ---------------------------------------------------------------


class SmtpSink:
    """Accepts mail on 127.0.0.1 and keeps it; ``block_rcpt`` holds a session at RCPT TO."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.block_rcpt = None  # threading.Event to wait on, once
        self.rcpt_seen = threading.Event()
        self.reject = None  # an SMTP reply such as "550 mailbox unavailable"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        self.rcpt_seen.set()
        if self.reject:
            return self.reject
        if self.block_rcpt is not None:
            gate, self.block_rcpt = self.block_rcpt, None
            while not gate.is_set():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        message = message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.messages.append({"to": list(envelope.rcpt_tos), "subject": str(message["Subject"]),
                                  "message_id": str(message["Message-ID"]),
                                  "body": message.get_body(("plain",)).get_content()})
        return "250 Message accepted"

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m["to"]]


@pytest.fixture
def smtp_server(app):
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    with config_values(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                       MAIL_USERNAME=None, NOTIFY_EMAIL_TRANSPORT="smtp", NOTIFY_SMTP_TIMEOUT=20):
        yield sink
    controller.stop()


# --- WhatsApp/SMS gateway ---------------------------------------------------------------------


class Gateway:
    """A gateway honouring the documented contract: bearer token, one message per Idempotency-Key."""

    token = "uji-token-rahasia"

    def __init__(self):
        self.requests = []
        self.delivered = {}  # idempotency key -> payload (what a provider would actually send)
        self.lock = threading.Lock()
        self.block_next = None  # threading.Event: hold the next request before answering
        self.received = threading.Event()
        self.fail_with = None  # HTTP status to answer with

    def handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                payload = json.loads(body)
                key = self.headers.get("Idempotency-Key")
                authorised = self.headers.get("Authorization") == f"Bearer {gateway.token}"
                with gateway.lock:
                    gateway.requests.append({"key": key, "payload": payload, "authorised": authorised})
                    if authorised and not gateway.fail_with:
                        gateway.delivered.setdefault(key, payload)
                    gate, gateway.block_next = gateway.block_next, None
                gateway.received.set()
                if gate is not None:
                    gate.wait(30)
                status = 401 if not authorised else (gateway.fail_with or 200)
                answer = json.dumps({"id": f"gw-{key}"}).encode()
                with contextlib.suppress(OSError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)

        return Handler


@pytest.fixture
def gateway(app):
    gw = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), gw.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gw.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    with config_values(app, NOTIFY_GATEWAY_URL=gw.url, NOTIFY_GATEWAY_TOKEN=gw.token, NOTIFY_GATEWAY_TIMEOUT=20):
        yield gw
    server.shutdown()
    server.server_close()


# --- a TCP proxy: "Redis" that can go away and come back ------------------------------------


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self.server = None
        self.thread = None
        self.connections = []

    def start(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(50)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        server = self.server
        while True:
            try:
                client, _addr = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_RDWR)

    def stop(self):
        if self.server is not None:
            with contextlib.suppress(OSError):
                self.server.shutdown(socket.SHUT_RDWR)
            self.server.close()
            self.server = None
        for conn in self.connections:
            with contextlib.suppress(OSError):
                conn.close()
        self.connections = []


@pytest.fixture
def redis_proxy(redis_db):
    from urllib.parse import urlparse

    url = urlparse(JOBS_REDIS_URL)
    proxy = TcpProxy(url.hostname, url.port or 6379)
    proxy.url = f"redis://127.0.0.1:{proxy.port}{url.path}"
    yield proxy
    proxy.stop()


def inline_scripts(page):
    """The bodies of a page's <script> elements that carry code instead of a src (strict CSP: none)."""
    import re

    return [body.strip()[:80] for attributes, body in re.findall(r"(?is)<script([^>]*)>(.*?)</script>", page)
            if "src=" not in attributes and body.strip()]
