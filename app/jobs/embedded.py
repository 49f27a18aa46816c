"""Embedded mode (no ``REDIS_URL``): an in-process queue, one worker thread and one scheduler thread.

For ``make run`` and small single-process installations. Started lazily (first
request, or explicitly) and once per process. Jobs are the same functions as
under RQ, run in the stored application's context. Queued jobs live in memory:
if the process stops they are lost, but nothing durable is: outbox rows,
reminders and the scheduler's claims are in the database and the next sweep
picks up whatever was not done. Under several processes (gunicorn without Redis)
each runs its own threads; the database claims still keep every reminder,
message and scheduled run single.
"""
import collections
import importlib
import logging
import queue as queue_lib
import threading
import traceback
import uuid

from app.clock import utcnow

log = logging.getLogger(__name__)
_STOP = object()
_HISTORY = 500


class Runtime:
    def __init__(self, app):
        self.app = app
        self.queue = queue_lib.Queue()
        self.jobs = collections.OrderedDict()  # job id -> state dict (bounded history)
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.threads = []
        self.current = threading.local()
        self.started_at = None
        self.last_tick = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self, tick=None):
        """Start the worker thread, and a scheduler thread calling ``tick()`` when given."""
        self.tick = tick
        self.stop_event.clear()
        self.started_at = utcnow()
        worker = threading.Thread(target=self._work, name="lapor-embedded-worker", daemon=True)
        self.threads = [worker]
        if tick is not None:
            self.threads.append(threading.Thread(target=self._schedule, name="lapor-embedded-scheduler", daemon=True))
        for thread in self.threads:
            thread.start()
        log.info("embedded job runtime started (worker%s)", " + scheduler" if tick is not None else "")

    def stop(self, timeout=10):
        self.stop_event.set()
        self.queue.put(_STOP)
        for thread in self.threads:
            thread.join(timeout)
        self.threads = []

    @property
    def running(self):
        return any(thread.is_alive() for thread in self.threads)

    # -- queue ------------------------------------------------------------------------
    def enqueue(self, func, args, job_id=None, retry=None, meta=None, retries_done=0):
        job_id = job_id or uuid.uuid4().hex
        with self.lock:
            self.jobs[job_id] = {"id": job_id, "func": func, "args": args, "status": "queued",
                                 "progress": 0, "message": None, "result": None, "error": None,
                                 "meta": dict(meta or {}), "enqueued_at": utcnow(), "ended_at": None}
            while len(self.jobs) > _HISTORY:
                self.jobs.popitem(last=False)
        self.queue.put((job_id, func, args, retry, retries_done))
        return job_id

    def _update(self, job_id, **values):
        with self.lock:
            if job_id in self.jobs:
                self.jobs[job_id].update(values)

    def _work(self):
        while not self.stop_event.is_set():
            item = self.queue.get()
            if item is _STOP:
                break
            job_id, func, args, retry, retries_done = item
            self._update(job_id, status="started")
            self.current.job_id = job_id
            try:
                module, name = func.rsplit(".", 1)
                target = getattr(importlib.import_module(module), name)
                with self.app.app_context():
                    result = target(*args)
                self._update(job_id, status="finished", progress=100, result=result, ended_at=utcnow())
            except Exception as exc:  # a failed job never stops the worker
                log.exception("embedded job %s (%s) failed", job_id, func)
                self._update(job_id, status="failed", error=f"{exc.__class__.__name__}: {exc}",
                             trace=traceback.format_exc(limit=5), ended_at=utcnow())
                if retry and retries_done < retry[0]:
                    intervals = list(retry[1]) or [0]
                    delay = intervals[min(retries_done, len(intervals) - 1)]
                    timer = threading.Timer(delay, self.enqueue, args=(func, args),
                                            kwargs=dict(retry=retry, retries_done=retries_done + 1))
                    timer.daemon = True
                    timer.start()
            finally:
                self.current.job_id = None

    def _schedule(self):
        every = float(self.app.config.get("JOBS_SCHEDULER_TICK_SECONDS", 30))
        while not self.stop_event.is_set():
            try:
                with self.app.app_context():
                    self.tick()
                self.last_tick = utcnow()
            except Exception:
                log.exception("embedded scheduler tick failed")
            self.stop_event.wait(every)

    # -- state ------------------------------------------------------------------------
    def state(self, job_id):
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return {"status": "unknown", "progress": 0}
            return {"status": job["status"], "progress": job["progress"], "message": job["message"],
                    "result": job["result"]}


_runtime = {"current": None}
_start_lock = threading.Lock()


def autostart_enabled(app):
    value = app.config.get("JOBS_EMBEDDED_AUTOSTART")
    if value is None:
        return not app.testing
    return bool(value)


def ensure_started(app, tick=None):
    """Start the runtime once per process (no-op when it is already running).

    ``tick``: the scheduler's tick (``app.jobs.schedule.tick``) to run periodically in a
    thread of its own; None = worker thread only. Passed in so that this module, the
    lowest of the jobs layer, imports neither the scheduler nor the queue.
    """
    runtime = _runtime["current"]
    if runtime is not None and runtime.running:
        return runtime
    with _start_lock:
        runtime = _runtime["current"]
        if runtime is None or not runtime.running:
            runtime = Runtime(app)
            runtime.start(tick=tick)
            _runtime["current"] = runtime
    return runtime


def stop():
    runtime = _runtime["current"]
    if runtime is not None:
        runtime.stop()
    _runtime["current"] = None


def current():
    return _runtime["current"]


def enqueue(app, func, args, job_id=None, retry=None, meta=None):
    runtime = _runtime["current"]
    if runtime is None or not runtime.running:
        # not started (CLI commands, tests): the durable records (outbox rows, reminders,
        # claims) stay in the database and a later sweep picks them up
        log.debug("embedded runtime not running; %s not queued", func)
        return None
    return runtime.enqueue(func, tuple(args), job_id=job_id, retry=retry, meta=meta)


def set_progress(percent, message=None):
    runtime = _runtime["current"]
    job_id = getattr(runtime.current, "job_id", None) if runtime is not None else None
    if not job_id:
        return False
    runtime._update(job_id, progress=int(percent), **({"message": str(message)} if message else {}))
    return True


def job_state(job_id):
    runtime = _runtime["current"]
    if runtime is None:
        return {"status": "unknown", "progress": 0}
    return runtime.state(job_id)


def status():
    runtime = _runtime["current"]
    if runtime is None:
        return {"running": False, "queued": 0, "started": 0, "failed": 0, "workers": 0}
    with runtime.lock:
        states = collections.Counter(job["status"] for job in runtime.jobs.values())
    return {"running": runtime.running, "queued": runtime.queue.qsize(), "started": states.get("started", 0),
            "failed": states.get("failed", 0), "workers": 1 if runtime.running else 0,
            "last_tick": runtime.last_tick.isoformat(timespec="seconds") if runtime.last_tick else None}


def worker_details():
    runtime = _runtime["current"]
    if runtime is None or not runtime.running:
        return []
    current_job = None
    with runtime.lock:
        for job in runtime.jobs.values():
            if job["status"] == "started":
                current_job = job["id"]
    return [{"name": "embedded", "state": "busy" if current_job else "idle",
             "last_heartbeat": runtime.last_tick or runtime.started_at, "current_job": current_job}]


def failed_jobs(limit=20):
    runtime = _runtime["current"]
    if runtime is None:
        return []
    with runtime.lock:
        failed = [job for job in runtime.jobs.values() if job["status"] == "failed"]
    return [{"id": job["id"], "func": job["func"], "error": job["error"], "ended_at": job["ended_at"]}
            for job in failed[-limit:]][::-1]


def wait_idle(timeout=10.0):
    """Tests and CLI: wait until the queue is empty and no job runs."""
    import time

    runtime = _runtime["current"]
    if runtime is None:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with runtime.lock:
            busy = any(job["status"] in ("queued", "started") for job in runtime.jobs.values())
        if not busy and runtime.queue.empty():
            return True
        time.sleep(0.02)
    return False

