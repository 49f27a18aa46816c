"""The outbox on the real Redis: requests never wait, Redis outages lose nothing, each message
is delivered once, failures are retried with backoff and visible to the coordinator."""
import datetime
import os
import re
import time

import pytest

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.jobs import queue, schedule
from app.models import Complaint
from app.workflow import lifecycle, outbox
from tests.jobs.conftest import config_values, denied, outbox_rows, work_in_process
from tests.conftest import as_seen

CITIZEN = {
    "kind": "complaint", "title": "Lampu penerangan jalan mati total",
    "description": "Sudah dua minggu lampu jalan di depan SD Negeri 3 mati sehingga jalan gelap dan rawan.",
    "district": "Sukamaju Kota", "name": "Dewi Lestari", "phone": "0812 1111 2222",
    "email": "dewi.lestari@contoh.id", "consent": "y",
}


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_redis_down_every_request_succeeds_and_each_message_is_delivered_once_when_back(
        app, redis_mode, redis_proxy, smtp_server, gateway, client, login_as, world):
    # "Redis" is a proxy that is not listening: the app cannot reach the queue at all
    with config_values(app, REDIS_URL=redis_proxy.url, PUBLIC_BASE_URL="https://lapor.contoh.go.id"):
        assert client.get("/health").get_json()["queue"]["ok"] is False

        response, took = _timed(lambda: client.post("/lapor", data=CITIZEN))  # a citizen submits
        assert response.status_code == 302 and took < 3
        receipt = client.get("/lapor/terkirim").get_data(as_text=True)
        number = re.search(r'id="tracking-number">([A-Z0-9-]+)<', receipt).group(1)
        code = re.search(r'id="reply-code">([^<]+)<', receipt).group(1)
        case = db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one()

        staff = login_as("koordinator")  # staff act
        for name, data in (("dispose", {"agency": world.agency("DINKES").id}),):
            response, took = _timed(lambda: staff.post(f"/complaintview/transition/{case.id}/{name}", data=as_seen(case.id, data)))
            assert response.status_code == 302 and took < 3
        staff = login_as("opd_dinkes")
        for name, text in (("follow_up", "Petugas sudah ke lokasi."), ("resolve", "Lampu sudah diganti.")):
            response, took = _timed(lambda: staff.post(f"/complaintview/transition/{case.id}/{name}", data=as_seen(case.id, {"text": text})))
            assert response.status_code == 302 and took < 3
        db.session.expire_all()
        assert db.session.get(Complaint, case.id).status == "resolved"

        rows = outbox_rows(complaint_id=case.id)
        assert len(rows) == 8 and {r.status for r in rows} == {"pending"}  # every notification kept
        assert {r.topic for r in rows} == {"received", "dispatched", "answered", "resolved"}
        assert schedule.tick() == []  # the scheduler cannot enqueue either: it gives the periods back

    # Redis is back (same address, now answering)
    with config_values(app, REDIS_URL=redis_proxy.url):
        redis_proxy.start()
        assert "outbox" in schedule.tick()  # the outbox sweep is queued...
        work_in_process(app)  # ...finds the 8 messages, queues their delivery, and delivers them
        sent = outbox_rows(complaint_id=case.id)
        assert {r.status for r in sent} == {"sent"}
        mails = smtp_server.to("dewi.lestari@contoh.id")
        assert len(mails) == 4 and len({m["subject"] for m in mails}) == 4
        assert len(gateway.requests) == 4 and len(gateway.delivered) == 4
        assert {r["payload"]["to"] for r in gateway.requests} == {"+6281211112222"}
        # the private reply code reaches the reporter (in the "received" message only)...
        (received_mail,) = [m for m in mails if code in m["body"]]
        assert f"https://lapor.contoh.go.id/lacak/{number}#kode={code}" in received_mail["body"]
        assert all(number in m["subject"] for m in mails)
        # ...and is not kept in the database once sent
        assert all(r.secret is None for r in sent)

        # the same deliveries queued again (a retried sweep, a duplicate job) send nothing more
        queue.enqueue_deliveries([r.id for r in sent])
        queue.enqueue_deliveries([r.id for r in sent])
        work_in_process(app)
        assert len(smtp_server.messages) == 4 and len(gateway.requests) == 4


def test_requests_do_not_wait_while_redis_is_down(app, redis_mode, redis_proxy, make_case, login_as, world):
    with config_values(app, REDIS_URL=redis_proxy.url, JOBS_REDIS_RETRY_SECONDS=60):
        queue.reset_breaker()
        cases = [make_case() for _ in range(3)]
        staff = login_as("koordinator")
        took = []
        for case in cases:
            response, seconds = _timed(lambda: staff.post(f"/complaintview/transition/{case.id}/dispose",
                                                          data=as_seen(case.id, {"agency": world.agency("PUPR").id})))
            assert response.status_code == 302
            took.append(seconds)
        # after the first failure the queue is not even tried for a while (the outbox keeps the rows)
        assert max(took) < 2
        assert len(outbox_rows(topic="dispatched")) == 6


class SteppedClock:
    """The outbox's clock, moved only by the test: no race with how long RQ takes to start or stop."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now


# LAPOR_REPEAT=30 runs it 30 times in one session (it used to fail about one run in four)
@pytest.mark.parametrize("run", range(int(os.environ.get("LAPOR_REPEAT", "1"))))
def test_failed_delivery_is_retried_with_backoff_then_shown_with_its_error(
        app, redis_mode, smtp_server, make_case, login_as, monkeypatch, run):
    smtp_server.reject = "451 4.3.0 Mailbox temporarily unavailable"  # a temporary refusal: worth retrying
    with config_values(app, NOTIFY_REPORTER_CHANNELS="email"):
        case = make_case(reporter={"email": "salah@contoh.id"})
    (row,) = outbox_rows(complaint_id=case.id)
    clock = SteppedClock(max(utcnow(), row.next_attempt_at))
    monkeypatch.setattr(outbox, "utcnow", clock)  # claim, mark_failed, reserve_due read this clock
    work_in_process(app)  # the delivery queued after the commit fails once...
    row = outbox_rows(id=row.id)[0]
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    # ...and waits (backoff, NOTIFY_BACKOFF_SECONDS=1,2,3) before the next attempt
    assert row.next_attempt_at == clock.now + datetime.timedelta(seconds=1)
    assert outbox.reserve_due() == []  # not due yet, however long the worker took to stop
    for attempt, backoff in ((2, 2), (3, None)):
        clock.now = row.next_attempt_at - datetime.timedelta(microseconds=1)
        assert outbox.reserve_due() == []  # not a microsecond early
        clock.now = row.next_attempt_at
        assert outbox.reserve_due() == [row.id]
        queue.enqueue_deliveries([row.id])
        work_in_process(app)
        row = outbox_rows(id=row.id)[0]
        assert row.attempts == attempt
        if backoff:
            assert row.next_attempt_at == clock.now + datetime.timedelta(seconds=backoff)
    assert row.status == "failed"  # NOTIFY_MAX_ATTEMPTS (3) used up: it stops and waits for a person
    clock.now += datetime.timedelta(days=1)
    assert outbox.reserve_due() == []  # a failed message is never picked up again by itself

    staff = login_as("koordinator")
    listing = staff.get("/outboxview/list/").get_data(as_text=True)
    assert "451 4.3.0 Mailbox temporarily unavailable" in listing and "sal*********.id" in listing
    page = staff.get(f"/outboxview/show/{row.id}").get_data(as_text=True)
    assert 'id="outbox-error"' in page and 'id="retry-message"' in page
    assert "salah@contoh.id" not in listing + page  # the address is masked

    smtp_server.reject = None
    response = staff.post(f"/outboxview/retry/{row.id}")
    assert response.status_code == 302
    work_in_process(app)
    row = outbox_rows(id=row.id)[0]
    assert row.status == "sent" and len(smtp_server.to("salah@contoh.id")) == 1


def test_a_permanent_refusal_fails_at_once_with_its_error_in_indonesian(
        app, redis_mode, smtp_server, make_case, login_as):
    """550 "no such user" will be the answer however often it is asked: no retries, no backoff."""
    smtp_server.reject = "550 5.1.1 No such user"
    with config_values(app, NOTIFY_REPORTER_CHANNELS="email"):
        case = make_case(reporter={"email": "tidakada@contoh.id"})
    (row,) = outbox_rows(complaint_id=case.id)
    work_in_process(app)
    row = outbox_rows(id=row.id)[0]
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error == "Ditolak permanen (tidak dicoba ulang): SMTP 550 5.1.1 No such user"
    later = utcnow() + datetime.timedelta(days=1)
    assert outbox.reserve_due(now=later) == []  # never picked up again by itself

    staff = login_as("koordinator")
    listing = staff.get("/outboxview/list/").get_data(as_text=True)
    assert "Ditolak permanen (tidak dicoba ulang): SMTP 550 5.1.1 No such user" in listing
    page = staff.get(f"/outboxview/show/{row.id}").get_data(as_text=True)
    assert 'id="outbox-error"' in page and "Ditolak permanen" in page and 'id="retry-message"' in page
    assert "tidakada@contoh.id" not in listing + page


def test_only_coordinators_and_admins_see_the_outbox(redis_mode, login_as):
    for username in ("opd_dinkes", "pimpinan"):
        client = login_as(username)
        for url in ("/outboxview/list/", "/reminderview/list/", "/antrean/"):
            assert denied(client.get(url)), (username, url)
        assert denied(client.post("/outboxview/retry-failed"))
    for username in ("koordinator", "admin"):
        client = login_as(username)
        assert client.get("/outboxview/list/").status_code == 200
        assert client.get("/reminderview/list/").status_code == 200
        assert client.get("/antrean/").status_code == 200


def test_a_commit_queues_nothing_by_itself_the_caller_delivers_the_outcome_once(
        app, redis_mode, smtp_server, make_case, world):
    with config_values(app, NOTIFY_REPORTER_CHANNELS="email"):
        case = make_case(agency="DINKES", status="dispatched", reporter={"email": "warga@contoh.id"})
        work_in_process(app)  # what make_case delivered (received, dispatched)
        assert len(smtp_server.to("warga@contoh.id")) == 2
        outcome = lifecycle.perform("follow_up", case.id, world.user("opd_dinkes"), text="Sudah kami cek.")
    # committed, but no listener queued anything: the rows wait for the caller (or the sweep)
    assert rq_queue_count(app) == 0
    (row,) = outbox_rows(complaint_id=case.id, topic="answered")
    assert outcome.outbox_ids == [row.id] and row.status == "pending"
    assert len(queue.deliver(outcome)) == 1 and rq_queue_count(app) == 1
    queue.deliver(outcome)  # a caller delivering twice still sends once
    work_in_process(app)
    assert outbox_rows(id=row.id)[0].status == "sent"
    assert len(smtp_server.to("warga@contoh.id")) == 3


def rq_queue_count(app):
    return queue.rq_queue(app).count


def test_a_worker_run_in_the_test_process_leaves_its_signal_handlers_behind_it(app, redis_mode):
    """RQ's worker installs SIGINT/SIGTERM handlers and keeps them: a later SIGTERM (a CI time limit)
    raised StopRequested inside another test instead of stopping the run."""
    import signal

    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    work_in_process(app)
    assert {signum: signal.getsignal(signum) for signum in before} == before


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_gateway_refusing_a_message_for_good_fails_it_at_once_with_its_reason_in_indonesian(
        app, redis_mode, gateway, make_case, login_as, status):
    """A bad number, a wrong token, an unknown template: the gateway's 4xx will be the answer however
    often it is asked. It used to be retried like a timeout until the attempts were used up."""
    gateway.fail_with = status
    with config_values(app, NOTIFY_REPORTER_CHANNELS="whatsapp"):
        case = make_case(reporter={"name": "Warga", "phone": "081377778888"})
    (row,) = outbox_rows(complaint_id=case.id)
    work_in_process(app)
    row = outbox_rows(id=row.id)[0]
    assert row.status == "failed" and row.attempts == 1 and len(gateway.requests) == 1
    assert row.last_error.startswith(f"Ditolak permanen (tidak dicoba ulang): gateway answered HTTP {status}")
    assert outbox.reserve_due(now=utcnow() + datetime.timedelta(days=1)) == []  # never picked up again by itself

    staff = login_as("koordinator")
    listing = staff.get("/outboxview/list/").get_data(as_text=True)
    assert f"Ditolak permanen (tidak dicoba ulang): gateway answered HTTP {status}" in listing
    page = staff.get(f"/outboxview/show/{row.id}").get_data(as_text=True)
    assert 'id="outbox-error"' in page and "Ditolak permanen" in page and 'id="retry-message"' in page
    assert "081377778888" not in listing + page


@pytest.mark.parametrize("status", [503, 500, 408, 429])
def test_a_gateway_that_is_down_or_asks_to_wait_is_tried_again_later(
        app, redis_mode, gateway, make_case, monkeypatch, status):
    gateway.fail_with = status
    with config_values(app, NOTIFY_REPORTER_CHANNELS="whatsapp"):
        case = make_case(reporter={"name": "Warga", "phone": "081377778888"})
    (row,) = outbox_rows(complaint_id=case.id)
    clock = SteppedClock(max(utcnow(), row.next_attempt_at))
    monkeypatch.setattr(outbox, "utcnow", clock)
    work_in_process(app)
    row = outbox_rows(id=row.id)[0]
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at == clock.now + datetime.timedelta(seconds=1)  # after its backoff
    assert row.last_error.startswith(f"gateway answered HTTP {status}")  # not "refused for good"
    clock.now = row.next_attempt_at
    assert outbox.reserve_due() == [row.id]

    gateway.fail_with = None
    queue.enqueue_deliveries([row.id])
    work_in_process(app)
    row = outbox_rows(id=row.id)[0]
    assert row.status == "sent" and row.attempts == 2 and len(gateway.delivered) == 1
