"""Periodic jobs and the scheduler tick.

Exactly one scheduler should run (``flask lapor scheduler``; in embedded mode a
thread). RQ 2.x ``rq cron`` has no lock, so we do not rely on it: every tick,
for each periodic job whose period has come, the scheduler *claims* the period
by inserting a :class:`JobRun` row (unique per job and period) and only the
process whose insert succeeds enqueues. A second scheduler, a restarted one or
several embedded ones therefore never enqueue the same period twice. If the
enqueue fails (Redis down) the claim is dropped and the next tick tries again.
"""
import datetime
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.jobs import queue
from app.models import JobRun
from app.workflow import periods
from app.workflow.calendar import current_calendar
from app.settings import setting

log = logging.getLogger(__name__)

TASKS = "app.jobs.tasks."
RETRY = "retry"  # retried per JOBS_RETRY_INTERVALS


@dataclass
class Periodic:
    name: str
    func: str
    kind: str  # "interval", "daily" or "monthly"
    setting: str = ""  # config key: interval length, or hour of the day
    unit: int = 1  # seconds per unit of the setting (interval jobs)
    enabled_if: tuple = ()  # (config key, required value)
    retry: object = RETRY
    keep_runs: bool = False  # never pruned (claims that must be remembered for long)
    timeout: int = 600  # seconds a worker lets the job run


PERIODIC = [
    Periodic("outbox", TASKS + "deliver_due", "interval", "NOTIFY_SWEEP_SECONDS", 1, retry=None),
    Periodic("reminders", TASKS + "sweep_reminders", "interval", "REMINDER_INTERVAL_MINUTES", 60),
    Periodic("auto_close", TASKS + "auto_close", "interval", "AUTO_CLOSE_INTERVAL_MINUTES", 60),
    Periodic("digest", TASKS + "send_digest", "daily", "REMINDER_DIGEST_HOUR",
             enabled_if=("REMINDER_DELIVERY", "digest"), keep_runs=True),
    Periodic("monthly_report", TASKS + "build_monthly_report", "monthly", keep_runs=True, timeout=3600),
    Periodic("hotspots", TASKS + "detect_hotspots", "daily", "HOTSPOT_HOUR", keep_runs=True),
    Periodic("prune", TASKS + "prune", "daily", "", retry=None),
    Periodic("privacy_retention", TASKS + "privacy_retention", "daily", "PRIVACY_RETENTION_HOUR"),
    Periodic("inbound_email", TASKS + "read_mailbox", "interval", "INBOUND_IMAP_INTERVAL_MINUTES", 60,
             enabled_if=("INBOUND_IMAP_ENABLED", True), retry=None),
]
BY_NAME = {job.name: job for job in PERIODIC}



def retry_policy():
    """(max retries, [waits]) for sweeps and reports: one retry per configured wait."""
    waits = [int(float(x)) for x in str(setting("JOBS_RETRY_INTERVALS", "10,60,300")).split(",") if x.strip()]
    return (len(waits), waits) if waits else None


def due_periods(now=None):
    """[(job, period key, args)] of the periodic jobs whose current period has begun."""
    now = now or utcnow()
    local = current_calendar().to_local(now)
    due = []
    for job in PERIODIC:
        if job.enabled_if and setting(job.enabled_if[0]) != job.enabled_if[1]:
            continue
        if job.kind == "interval":
            every = max(1, int(float(setting(job.setting, 1)) * job.unit))
            epoch = int((now - datetime.datetime(1970, 1, 1)).total_seconds())
            due.append((job, f"{every}s:{epoch // every}", ()))
        elif job.kind == "daily":
            hour = int(setting(job.setting, 3)) if job.setting else 3
            if local.hour >= hour:
                due.append((job, local.date().isoformat(), ()))
        elif job.kind == "monthly":
            day, hour = int(setting("REPORT_MONTHLY_DAY", 1)), int(setting("REPORT_MONTHLY_HOUR", 1))
            if (local.day, local.hour) >= (day, hour):
                period = periods.previous_month(now).value
                due.append((job, period, (period,)))
    return due


def claim(name, period_key, now=None):
    """Insert the run's row; True if this process won the period."""
    exists = db.session.execute(
        select(JobRun.id).where(JobRun.name == name, JobRun.period_key == period_key)
    ).first()
    if exists:
        db.session.rollback()
        return None
    run = JobRun(name=name, period_key=period_key, claimed_at=now or utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return run.id


def tick(now=None):
    """One scheduler pass; returns the names of the jobs it enqueued."""
    now = now or utcnow()
    enqueued = []
    for job, period_key, args in due_periods(now):
        run_id = claim(job.name, period_key, now)
        if run_id is None:
            continue
        job_id = queue.enqueue(job.func, *args, retry=retry_policy() if job.retry == RETRY else None,
                               timeout=job.timeout)
        run = db.session.get(JobRun, run_id)
        if job_id is None:
            # the queue is unavailable: give the period back, the next tick retries
            db.session.delete(run)
        else:
            run.job_id = job_id
            enqueued.append(job.name)
        db.session.commit()
    return enqueued


def prune(now=None):
    """Forget old claims of frequent jobs (the daily/monthly ones are kept)."""
    now = now or utcnow()
    cutoff = now - datetime.timedelta(days=int(setting("JOBS_RUN_RETENTION_DAYS", 14)))
    frequent = [job.name for job in PERIODIC if not job.keep_runs]
    result = db.session.execute(delete(JobRun).where(JobRun.name.in_(frequent), JobRun.claimed_at < cutoff))
    db.session.commit()
    return result.rowcount


def recent_runs(limit=30):
    return db.session.execute(select(JobRun).order_by(JobRun.claimed_at.desc(), JobRun.id.desc()).limit(limit)).scalars().all()


def run_forever(stop_event=None, tick_seconds=None):
    """The scheduler process (``flask lapor scheduler``)."""
    import threading

    stop_event = stop_event or threading.Event()
    tick_seconds = tick_seconds or float(setting("JOBS_SCHEDULER_TICK_SECONDS", 30))
    log.info("scheduler started (tick every %ss, queue %s)", tick_seconds,
             "embedded" if queue.is_embedded(current_app) else setting("JOBS_QUEUE"))
    while not stop_event.is_set():
        try:
            names = tick()
            if names:
                log.info("enqueued: %s", ", ".join(names))
        except Exception:
            db.session.rollback()
            log.exception("scheduler tick failed")
        finally:
            db.session.remove()
        stop_event.wait(tick_seconds)


# --- wiring -------------------------------------------------------------------------------


def init_app(app):
    """Embedded mode (no Redis) starts its worker and scheduler threads on the first
    request, lazily and once per process."""
    from app.jobs import embedded

    @app.before_request
    def _start_embedded_jobs():
        if queue.is_embedded(app) and embedded.autostart_enabled(app):
            embedded.ensure_started(app, tick=tick)
