"""The job queue: RQ on Redis when ``REDIS_URL`` is set, otherwise embedded (in-process).

Everything else in the app talks to this module only:

* :func:`enqueue` - put a job (a dotted path to a function of ``app.jobs.tasks``) on
  the queue; never raises: a failure is logged and ``None`` returned (the outbox
  row or the scheduler claim is the durable record, a sweep picks it up later).
* :func:`set_progress` / :func:`job_state` - progress of a running job (RQ job
  meta, or the embedded runtime's table), polled by the report screen.
* :func:`queue_status` - queued/failed jobs and live workers, for ``/health``
  and the queue screen.
* :func:`deliver` - after the caller committed a domain call, queue the delivery of
  the messages its :class:`~app.workflow.outcome.Outcome` wrote (``outbox_ids``).
(Embedded mode's threads are started by :func:`app.jobs.schedule.init_app`.)
"""
import logging
import threading
import time

import redis
from flask import current_app, has_request_context

log = logging.getLogger(__name__)

DELIVER = "app.jobs.tasks.deliver"
_breaker = {"until": 0.0}
_breaker_lock = threading.Lock()


# --- connections ------------------------------------------------------------------


def redis_connection(app):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    cached = app.extensions.get("lapor_redis")
    if cached is None or cached[0] != url:
        conn = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
        cached = (url, conn)
        app.extensions["lapor_redis"] = cached
    return cached[1]


def is_embedded(app):
    return not app.config.get("REDIS_URL")


def rq_queue(app):
    from rq import Queue

    return Queue(app.config.get("JOBS_QUEUE", "lapor"), connection=redis_connection(app))


def _app(app=None):
    return app or current_app._get_current_object()


# --- enqueueing ---------------------------------------------------------------------


def _breaker_open():
    return time.monotonic() < _breaker["until"]


def _trip_breaker(app):
    with _breaker_lock:
        _breaker["until"] = time.monotonic() + float(app.config.get("JOBS_REDIS_RETRY_SECONDS", 15))


def reset_breaker():
    _breaker["until"] = 0.0


def enqueue(func, *args, app=None, job_id=None, retry=None, timeout=None, from_request=False, meta=None):
    """Queue ``func(*args)``; returns the job id, or None when the queue is unavailable.

    ``retry`` = (max retries, [intervals in seconds]). ``from_request`` = called
    while serving a web request: after a Redis failure, further attempts are
    skipped for ``JOBS_REDIS_RETRY_SECONDS`` so that requests stay fast.
    """
    app = _app(app)
    if is_embedded(app):
        from app.jobs import embedded

        return embedded.enqueue(app, func, args, job_id=job_id, retry=retry, meta=meta)
    if from_request and _breaker_open():
        log.info("queue unavailable recently; %s left for the next sweep", func)
        return None
    try:
        from rq import Retry

        options = {}
        if retry:
            options["retry"] = Retry(max=retry[0], interval=list(retry[1]))
        if job_id:
            options["job_id"] = job_id
        if timeout:
            options["job_timeout"] = timeout
        if meta:
            options["meta"] = dict(meta)
        job = rq_queue(app).enqueue(func, *args, **options)
        return job.id
    except Exception as exc:  # Redis down or unreachable: never fail the caller
        _trip_breaker(app)
        log.warning("could not enqueue %s: %s: %s", func, exc.__class__.__name__, exc)
        return None


def enqueue_deliveries(outbox_ids, app=None, from_request=False):
    """One delivery job per message (each message is claimed in the database, so a
    message queued twice is still delivered once)."""
    app = _app(app)
    queued = []
    if not outbox_ids:
        return queued
    if is_embedded(app):
        return [enqueue(DELIVER, oid, app=app) for oid in outbox_ids]
    if from_request and _breaker_open():
        log.info("queue unavailable recently; %d messages left for the outbox sweep", len(outbox_ids))
        return queued
    try:
        from rq import Queue

        queue = rq_queue(app)
        jobs = queue.enqueue_many([Queue.prepare_data(DELIVER, (oid,)) for oid in outbox_ids])
        return [job.id for job in jobs]
    except Exception as exc:
        _trip_breaker(app)
        log.warning("could not enqueue %d deliveries: %s: %s (the outbox sweep will retry)",
                    len(outbox_ids), exc.__class__.__name__, exc)
        return queued


def deliver(outcome, app=None):
    """Queue the delivery of what a committed domain call wrote (``outcome.outbox_ids``).

    Call it after ``db.session.commit()``: the outbox rows are the durable record, so
    when the queue is unavailable nothing is lost (the outbox sweep sends them later).
    Returns the job ids queued.
    """
    ids = outcome.outbox_ids if outcome is not None else []
    if not ids:
        return []
    return enqueue_deliveries(ids, app=app, from_request=has_request_context())


# --- progress of a job ----------------------------------------------------------------


def set_progress(percent, message=None):
    """Called inside a running job: record its progress (0-100)."""
    from app.jobs import embedded

    if embedded.set_progress(percent, message):
        return
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:
        job = None
    if job is not None:
        job.meta["progress"] = int(percent)
        if message:
            job.meta["message"] = str(message)
        try:
            job.save_meta()
        except redis.RedisError:
            log.warning("could not save progress of job %s", job.id)


def job_state(job_id, app=None):
    """{"status": queued|started|finished|failed|unknown, "progress": int, "result": ...}."""
    app = _app(app)
    if is_embedded(app):
        from app.jobs import embedded

        return embedded.job_state(job_id)
    try:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        job = Job.fetch(job_id, connection=redis_connection(app))
    except NoSuchJobError:
        return {"status": "unknown", "progress": 0}
    except Exception as exc:
        return {"status": "unknown", "progress": 0, "error": exc.__class__.__name__}
    status = job.get_status(refresh=True)
    status = getattr(status, "value", status) or "unknown"
    if status in ("deferred", "scheduled"):
        status = "queued"
    state = {"status": status, "progress": int(job.meta.get("progress", 0) or 0),
             "message": job.meta.get("message")}
    if status == "finished":
        state["progress"] = 100
        state["result"] = job.return_value()
    return state


# --- state ------------------------------------------------------------------------------


def queue_status(app):
    """Mode, queued / started / failed jobs and live workers (for /health and the admin)."""
    if is_embedded(app):
        from app.jobs import embedded

        return dict({"mode": "embedded", "ok": True}, **embedded.status())
    conn = redis_connection(app)
    try:
        conn.ping()
    except redis.RedisError as exc:
        return {"mode": "redis", "ok": False, "error": exc.__class__.__name__}
    try:
        from rq import Worker
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

        queue = rq_queue(app)
        workers = Worker.all(queue=queue)
        return {
            "mode": "redis", "ok": True, "queue": queue.name,
            "queued": queue.count,
            "started": StartedJobRegistry(queue=queue).count,
            "scheduled": ScheduledJobRegistry(queue=queue).count,
            "failed": FailedJobRegistry(queue=queue).count,
            "workers": len(workers),
        }
    except redis.RedisError as exc:
        return {"mode": "redis", "ok": False, "error": exc.__class__.__name__}


def worker_details(app):
    """Live workers (name, state, last heartbeat), Redis mode only."""
    if is_embedded(app):
        from app.jobs import embedded

        return embedded.worker_details()
    try:
        from rq import Worker

        return [{"name": w.name, "state": w.get_state(), "last_heartbeat": w.last_heartbeat,
                 "current_job": w.get_current_job_id()} for w in Worker.all(queue=rq_queue(app))]
    except redis.RedisError:
        return []


def failed_jobs(app, limit=20):
    """Recent failed jobs of the queue: (id, function, error summary)."""
    if is_embedded(app):
        from app.jobs import embedded

        return embedded.failed_jobs(limit)
    try:
        from rq.job import Job
        from rq.registry import FailedJobRegistry

        queue = rq_queue(app)
        ids = FailedJobRegistry(queue=queue).get_job_ids(0, limit - 1)
        result = []
        for job in Job.fetch_many(ids, connection=queue.connection):
            if job is not None:
                info = (job.exc_info or "").strip().splitlines()
                result.append({"id": job.id, "func": job.func_name, "error": info[-1] if info else "",
                               "ended_at": job.ended_at})
        return result
    except redis.RedisError:
        return []
