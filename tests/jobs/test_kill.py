"""A worker process really killed (SIGKILL) in the middle of a delivery or of a sweep: the work is
retried and nothing is sent twice."""
import datetime
import threading
import time

import pytest
from rq.registry import StartedJobRegistry
from sqlalchemy import func, insert, select

from app.clock import utcnow
from app.extensions import db
from app.jobs import queue, schedule
from app.models import Outbox, Reminder
from app.workflow import outbox
from tests.jobs.conftest import config_values, outbox_rows, rq_queue, set_deadline, wait_until


def _retry_after_lease(app, outbox_id):
    """What the outbox sweep does once the dead attempt's lease has expired."""
    wait_until(lambda: outbox.reserve_due() == [outbox_id], timeout=10, interval=0.2,
               message="the lease of the killed attempt to expire")
    queue.enqueue_deliveries([outbox_id])


def test_worker_killed_during_smtp_delivery_is_retried_and_sends_once(
        app, redis_mode, smtp_server, start_worker, make_case):
    with config_values(app, NOTIFY_REPORTER_CHANNELS="email"):
        case = make_case(reporter={"email": "budi@contoh.id"})  # commit -> delivery job queued in Redis
    (row,) = outbox_rows(complaint_id=case.id)
    gate = threading.Event()
    smtp_server.block_rcpt = gate  # the server holds the conversation at RCPT TO
    worker = start_worker()
    assert smtp_server.rcpt_seen.wait(30), open(worker.log_path).read()
    assert outbox_rows(id=row.id)[0].status == "sending"
    worker.kill()  # SIGKILL the worker and its job process, mid-conversation
    gate.set()
    time.sleep(0.2)
    assert smtp_server.messages == []  # the message was not accepted

    _retry_after_lease(app, row.id)
    assert start_worker().wait() == 0
    row = outbox_rows(id=row.id)[0]
    assert row.status == "sent" and row.attempts == 2
    assert len(smtp_server.to("budi@contoh.id")) == 1

    queue.enqueue_deliveries([row.id])  # any later duplicate of the job changes nothing
    assert start_worker().wait() == 0
    assert len(smtp_server.to("budi@contoh.id")) == 1


def test_worker_killed_after_the_gateway_accepted_retries_with_the_same_idempotency_key(
        app, redis_mode, gateway, start_worker, make_case):
    with config_values(app, NOTIFY_REPORTER_CHANNELS="whatsapp"):
        case = make_case(reporter={"phone": "0813 5555 6666"})
    (row,) = outbox_rows(complaint_id=case.id)
    gate = threading.Event()
    gateway.block_next = gate  # the gateway got the request but has not answered yet
    worker = start_worker()
    assert gateway.received.wait(30), open(worker.log_path).read()
    worker.kill()
    gate.set()

    _retry_after_lease(app, row.id)
    assert start_worker().wait() == 0
    assert outbox_rows(id=row.id)[0].status == "sent"
    # the retry carried the same key, so a gateway keeping the documented contract sends once
    assert len(gateway.requests) == 2 and {r["key"] for r in gateway.requests} == {f"lapor-outbox-{row.id}"}
    assert len(gateway.delivered) == 1
    assert gateway.requests[0]["payload"]["to"] == "+6281355556666"


@pytest.fixture
def due_cases(make_case):
    """Ten cases of Dinkes whose first-response deadline is due within the hour."""
    cases = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(10)]
    due = utcnow().replace(microsecond=0) + datetime.timedelta(hours=1)
    for case in cases:
        set_deadline(case.id, first_response_due=due)
    return cases, due


def _reminder_count():
    db.session.rollback()
    return db.session.execute(select(func.count()).select_from(Reminder)).scalar()


def test_worker_killed_in_the_middle_of_a_sweep_the_job_is_retried_and_nobody_is_reminded_twice(
        app, redis_mode, smtp_server, start_worker, due_cases, database_url):
    cases, due = due_cases
    with config_values(app, JOBS_RETRY_INTERVALS="0"):
        job_id = queue.enqueue("app.jobs.tasks.sweep_reminders", retry=schedule.retry_policy())
    # another transaction holds the 5th case's reminder row (not committed): the sweep's second
    # batch waits on the unique index, after its first batch (3 cases) is committed
    blocker = db.engine.connect()
    held = blocker.begin()
    blocker.execute(insert(Reminder).values(complaint_id=cases[4].id, clock="first_response", level="due_soon",
                                            due_at=due, created_at=utcnow(), recipients=0))
    worker = start_worker(REMINDER_BATCH_SIZE=3)
    q = rq_queue(app)
    if database_url.startswith("postgresql"):
        wait_until(lambda: _reminder_count() == 3, timeout=30, message="the first batch to commit")
    else:  # SQLite: the whole database is locked, the sweep waits at its first write
        wait_until(lambda: StartedJobRegistry(queue=q).count == 1, timeout=30, message="the sweep to start")
    time.sleep(0.5)
    assert StartedJobRegistry(queue=q).get_job_ids() and worker.proc.poll() is None
    worker.kill()  # SIGKILL mid-sweep
    held.rollback()
    blocker.close()
    committed_before_retry = _reminder_count()
    assert committed_before_retry < 10

    # RQ notices the job was abandoned (its worker's heartbeat stopped; here we do not wait the
    # heartbeat TTL) and, since the job has retries left, queues it again
    StartedJobRegistry(queue=q).cleanup(timestamp=time.time() + 3600)
    assert job_id in q.get_job_ids()
    assert start_worker(REMINDER_BATCH_SIZE=3).wait() == 0

    rows = db.session.execute(select(Reminder.complaint_id, Reminder.clock, Reminder.level)).all()
    assert sorted(rows) == sorted((c.id, "first_response", "due_soon") for c in cases)  # each once
    # the reminders committed by the killed sweep were never announced: the retry announces
    # them with its own, in ONE grouped message listing each case once
    mails = outbox_rows(topic="reminder")
    assert len(mails) == 1 and all(mails[0].body.count(c.tracking_number) == 1 for c in cases)
    assert {m.status for m in mails} == {"sent"}
    delivered = smtp_server.to("opd_dinkes@uji.go.id")
    assert len(delivered) == 1

    # and one more sweep later finds nothing new
    from app.workflow import reminders

    assert reminders.sweep().counts == {"escalated": 0, "overdue": 0, "due_soon": 0}
    assert db.session.execute(select(func.count()).select_from(Outbox).where(Outbox.topic == "reminder")).scalar() == 1
