"""The job functions (RQ and embedded): thin wrappers that run workflow/stats code
inside an application context.

RQ workers import this module by name (``app.jobs.tasks.deliver``...). A worker
process builds the application once: ``app.jobs.worker.LaporWorker`` calls
:func:`worker_app` with the factory before forking, so each job starts warm (and
this module does not import the application package: no import cycle).
"""
import functools
import logging
import os

from flask import current_app, has_app_context

log = logging.getLogger(__name__)
_process_app = {"app": None, "pid": None, "pool_pid": None}


def worker_app(factory=None):
    """The application of this worker process, created once by ``factory`` (``create_app``)."""
    if _process_app["app"] is None:
        if factory is None:
            raise RuntimeError("no application for this job: start RQ workers with "
                               "--worker-class app.jobs.worker.LaporWorker")
        _process_app["app"] = factory()
        _process_app["pid"] = _process_app["pool_pid"] = os.getpid()
    return _process_app["app"]


def _fresh_pool_after_fork(app):
    """A forked job process must not share the parent's database connections."""
    if _process_app["app"] is app and _process_app["pool_pid"] != os.getpid():
        from app.extensions import db

        with app.app_context():
            db.engine.dispose(close=False)
        _process_app["pool_pid"] = os.getpid()


def task(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        app = current_app._get_current_object() if has_app_context() else worker_app()
        _fresh_pool_after_fork(app)
        # a fresh application context = a fresh database session for every job
        with app.app_context():
            from app.extensions import db

            try:
                return fn(*args, **kwargs)
            except Exception:
                db.session.rollback()
                raise
    return wrapper


@task
def deliver(outbox_id):
    """Deliver one message, at most once per claim (see app.workflow.outbox)."""
    from app.jobs import transports
    from app.workflow import outbox

    claimed = outbox.claim(outbox_id)
    if claimed is None:
        return "skipped"
    message, token, cancel_reason = claimed
    if cancel_reason:
        outbox.mark_cancelled(outbox_id, token, cancel_reason)
        return "cancelled"
    try:
        transport, ref = transports.send(message)
    except Exception as exc:
        error = str(exc) if isinstance(exc, transports.DeliveryError) else f"{exc.__class__.__name__}: {exc}"
        status = outbox.mark_failed(outbox_id, token, error, permanent=getattr(exc, "permanent", False))
        log.warning("delivery of outbox %s failed (%s): %s", outbox_id, status, exc)
        return status or "failed"
    if not outbox.mark_sent(outbox_id, token, transport, ref):
        log.warning("outbox %s was sent after its claim expired (another attempt may also send it)", outbox_id)
    return "sent"


@task
def deliver_due():
    """The outbox sweep: queue every due message (new, retry after backoff, or abandoned)."""
    from app.jobs import queue
    from app.workflow import outbox

    ids = outbox.reserve_due()
    queue.enqueue_deliveries(ids)
    return len(ids)


@task
def import_spreadsheet(batch_id):
    """Spreadsheet import (app.channels.spreadsheet): one case per good row, with progress."""
    from app.channels import spreadsheet
    from app.jobs import queue

    try:
        return spreadsheet.run_import(batch_id, progress=queue.set_progress, deliver=queue.enqueue_deliveries)
    except Exception:
        spreadsheet.mark_failed(batch_id)
        raise


@task
def read_mailbox():
    """E-mail to case: process the new messages of the IMAP mailbox (app.channels.email)."""
    from app.channels import email
    from app.jobs import queue

    return email.poll(deliver=queue.deliver)


@task
def sweep_reminders():
    from app.jobs import queue
    from app.workflow import reminders

    return reminders.sweep(deliver=queue.deliver).counts  # each batch queued once committed


@task
def send_digest():
    from app.jobs import queue
    from app.workflow import reminders

    return reminders.send_digest(deliver=queue.deliver).counts["emails"]


@task
def detect_hotspots():
    """Daily: raise hotspot alerts and e-mail them to coordinators and Pimpinan (after commit)."""
    from app.extensions import db
    from app.jobs import queue
    from app.workflow import hotspots

    outcome = hotspots.run_daily()
    db.session.commit()
    queue.deliver(outcome)
    return outcome.counts["alerts"]


@task
def auto_close():
    from app.jobs import queue
    from app.workflow import autoclose

    return autoclose.close_due(deliver=queue.deliver).counts["closed"]


@task
def build_report(period, user_id=None):
    """On demand (admin screen): the report of ``period``, with progress for the page."""
    from app.jobs import queue
    from app import reports

    report = reports.build(period, user_id=user_id, progress=queue.set_progress)
    return report.id


@task
def build_monthly_report(period):
    from app import reports

    return reports.build(period).id


@task
def prune():
    from app import exports
    from app.jobs import schedule
    from app.workflow import reply_codes

    exports.purge_expired()
    reply_codes.forget_kept_codes()
    return schedule.prune()


@task
def build_export(export_id):
    """A staff case export too big for a web request (see app/exports.py)."""
    from app import exports
    from app.jobs import queue

    return exports.run_job(export_id, progress=queue.set_progress)


@task
def privacy_retention():
    """Daily (UU PDP): sent messages lose their recipient after the retention period; with
    IDENTITY_RETENTION_DAYS set, identities of long-finished cases are erased."""
    from app.workflow import privacy

    return {"outbox_blanked": privacy.blank_sent_recipients(),
            "identities_erased": privacy.expire_closed_identities()}
