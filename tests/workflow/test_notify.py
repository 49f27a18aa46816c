"""Notifications are written by the lifecycle hook, in the case change's own transaction."""
import datetime

from sqlalchemy import select, text

from app.clock import utcnow
from app.extensions import db
from app.models import Notification
from app.workflow import lifecycle
from tests.conftest import outbox_rows

SITI = {"name": "Siti Pelapor", "phone": "081234567890", "email": "siti@contoh.id", "nik": "3201010101010001"}
NOTE = "Catatan internal: kepala seksi sedang cuti"


def test_reporter_hears_every_public_step_by_email_and_whatsapp(jobs, make_case, world):
    case = make_case(agency="DINKES", status="in_progress", reporter=SITI)
    lifecycle.internal_note(case, world.user("opd_dinkes"), NOTE)
    lifecycle.resolve(case, world.user("opd_dinkes"), "Antrean kini dibagi dua loket.")
    lifecycle.confirm(case, lifecycle.REPORTER, 5, "Terima kasih")
    db.session.commit()

    rows = outbox_rows(complaint_id=case.id)
    topics = [(r.channel, r.topic) for r in rows]
    for topic in ("received", "dispatched", "answered", "resolved", "closed"):
        assert ("email", topic) in topics and ("whatsapp", topic) in topics
    assert len(rows) == 10  # five steps, two channels, nothing for the internal note
    assert all(r.status == "pending" for r in rows)
    assert {r.recipient for r in rows} == {"siti@contoh.id", "081234567890"}
    resolved = next(r for r in rows if r.topic == "resolved" and r.channel == "email")
    assert "Antrean kini dibagi dua loket." in resolved.body and case.tracking_number in resolved.subject
    for row in rows:
        assert "cuti" not in row.body and "Catatan internal" not in row.body
    # the address is personal data: encrypted at rest like the reporter's own row
    raw = db.session.execute(text("SELECT recipient FROM outbox WHERE id = :id"), {"id": rows[0].id}).scalar()
    assert raw and "siti@contoh.id" not in raw and "081234567890" not in raw


def test_messages_roll_back_with_the_case_change(jobs, make_case, world):
    case = make_case(agency="DINKES", status="dispatched", reporter=SITI)
    before = len(outbox_rows())
    lifecycle.follow_up(case, world.user("opd_dinkes"), "Sedang kami periksa.")
    db.session.flush()
    assert len(outbox_rows()) == before + 2  # written in the open transaction (e-mail + WhatsApp)...
    db.session.rollback()
    assert len(outbox_rows()) == before  # ...and gone with it


def test_staff_get_in_app_notices_for_the_next_step(jobs, make_case, world):
    case = make_case(agency="RSUD", status="dispatched", reporter=SITI)
    notices = db.session.execute(select(Notification).where(Notification.complaint_id == case.id)).scalars().all()
    # the agency and its parent agency's officers may see an RSUD case; other OPDs may not
    assert {n.user_id for n in notices} == {world.user("opd_rsud").id, world.user("opd_dinkes").id}
    assert all(n.topic == "new_case" and case.tracking_number in n.text for n in notices)

    lifecycle.return_to_coordinator(case, world.user("opd_rsud"), "Bukan wewenang kami")
    db.session.commit()
    returned = db.session.execute(select(Notification).where(
        Notification.complaint_id == case.id, Notification.topic == "returned")).scalars().all()
    assert [n.user_id for n in returned] == [world.user("koordinator").id]
    assert "Bukan wewenang" not in returned[0].text  # the reason is an internal note


def test_backdated_events_notify_nobody(jobs, make_case):
    long_ago = utcnow() - datetime.timedelta(days=40)
    case = make_case(reporter=SITI, now=long_ago)
    assert outbox_rows(complaint_id=case.id) == []


def test_erased_reporter_gets_no_message(jobs, make_case):
    case = make_case(reporter={"email": "hapus@contoh.id"})
    case.reporter.erase(utcnow())
    db.session.commit()
    from app.jobs import tasks

    row = outbox_rows(complaint_id=case.id)[0]
    assert tasks.deliver(row.id) == "cancelled"
    row = outbox_rows(id=row.id)[0]
    assert row.status == "cancelled" and row.recipient is None


ASEP = {"name": "Asep Pengikut", "phone": "081377776666", "email": "asep@contoh.id"}


def _merged_pair(make_case, world, main_reporter):
    """A main report at PUPR and a citizen's duplicate (Asep's) merged into it."""
    main = make_case(agency="PUPR", status="dispatched", reporter=main_reporter)
    duplicate = make_case(reporter=ASEP)
    lifecycle.merge(duplicate, world.user("koordinator"), main)
    db.session.commit()
    return main, duplicate


def _to_asep(topic):
    return [r for r in outbox_rows(topic=topic) if r.recipient in (ASEP["email"], ASEP["phone"])
            or (r.recipient is None and r.status == "cancelled")]


def test_a_follower_still_hears_of_the_main_report_when_its_own_reporter_was_erased(jobs, make_case, world):
    from app.jobs import tasks
    from app.workflow import privacy

    main, _duplicate = _merged_pair(make_case, world, SITI)
    privacy.erase(main, world.user("koordinator"), "Permintaan pelapor lewat telepon")
    lifecycle.follow_up(main, world.user("opd_pupr"), "Pipa sudah ditambal.")
    db.session.commit()

    rows = _to_asep("answered")
    assert len(rows) == 2  # e-mail and WhatsApp to Asep, who follows the main report
    assert [tasks.deliver(r.id) for r in rows] == ["sent", "sent"]  # Siti's erasure is not Asep's


def test_a_follower_is_heard_when_the_main_report_has_no_reporter_contact(jobs, make_case, world):
    from app.jobs import tasks

    # e.g. a case typed in from a telephone call, with nobody to write to
    main, _duplicate = _merged_pair(make_case, world, False)
    lifecycle.follow_up(main, world.user("opd_pupr"), "Pipa sudah ditambal.")
    db.session.commit()

    rows = _to_asep("answered")
    assert len(rows) == 2
    assert [tasks.deliver(r.id) for r in rows] == ["sent", "sent"]


def test_an_erased_follower_is_not_written_to_about_the_main_report(jobs, make_case, world):
    from app.jobs import tasks
    from app.workflow import privacy

    main, duplicate = _merged_pair(make_case, world, SITI)
    lifecycle.follow_up(main, world.user("opd_pupr"), "Pipa sudah ditambal.")
    db.session.commit()
    waiting = _to_asep("answered")
    assert len(waiting) == 2  # written, not yet delivered (the gateway is slow today)

    privacy.erase(duplicate, world.user("koordinator"), "Permintaan pelapor lewat telepon")
    db.session.commit()
    assert [tasks.deliver(r.id) for r in waiting] == ["skipped", "skipped"]  # cancelled with the erasure
    for row in outbox_rows(topic="answered"):
        if row.id in {w.id for w in waiting}:
            assert (row.status, row.recipient) == ("cancelled", None)
    # Siti, the main report's own reporter, still hears of it
    assert {r.recipient for r in outbox_rows(topic="answered", status="pending")} == {SITI["email"], SITI["phone"]}


def test_a_reporter_who_wrote_by_sms_reads_the_question_and_the_answer_in_the_sms(jobs, make_case, world):
    case = make_case(status="on_hold", channel="sms", reporter=SITI)  # held: "Mohon lengkapi lokasi."
    (held,) = outbox_rows(complaint_id=case.id, topic="held", channel="sms")
    assert "Mohon lengkapi lokasi." in held.body  # what to supply, not only that something is missing

    lifecycle.complete_hold(case, lifecycle.REPORTER, "Di depan SDN 1 Sukamaju.")
    lifecycle.dispose(case, world.user("koordinator"), world.agency("PUPR"))
    answer = "Tim kami sudah memeriksa lokasi dan menjadwalkan penambalan jalan pada pekan depan. " * 6
    lifecycle.follow_up(case, world.user("opd_pupr"), answer)
    db.session.commit()
    (answered,) = outbox_rows(complaint_id=case.id, topic="answered", channel="sms")
    assert "Tim kami sudah memeriksa lokasi" in answered.body
    assert len(answered.body) < 400 and "…" in answered.body  # a long answer is cut, not sent as ten SMS
