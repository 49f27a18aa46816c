"""UU PDP: revealing identity is recorded and visible to the coordinator; erasure keeps the case; retention."""
import datetime

import pytest
from sqlalchemy import delete, func, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Complaint, ComplaintEvent, IdentityAccess, Outbox, Reporter
from app.workflow import privacy
from app.workflow.errors import NotAllowed, ValidationFailed
from tests.conftest import assert_hidden

RINA = {"name": "Rina Kusuma", "phone": "081366667777", "email": "rina.kusuma@contoh.id", "nik": "3201020304050607"}


@pytest.fixture(autouse=True)
def _no_outbox_left(ctx):
    yield
    db.session.rollback()
    db.session.execute(delete(Outbox))
    db.session.commit()


def reporter_outbox(case_id):
    db.session.expire_all()
    return db.session.execute(select(Outbox).where(Outbox.complaint_id == case_id, Outbox.user_id.is_(None))
                              .order_by(Outbox.id)).scalars().all()


def test_revealing_contact_data_writes_an_access_record_the_coordinator_sees(login_as, make_case, world):
    case = make_case(status="dispatched", agency="DINKES", reporter=RINA)
    client = login_as("koordinator")
    page = client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    assert_hidden(page, RINA["phone"], RINA["email"], RINA["nik"])  # masked until revealed
    assert client.post(f"/complaintview/reveal/{case.id}", data={"reason": ""}).status_code == 302  # a reason is required
    assert db.session.execute(select(func.count()).select_from(IdentityAccess)).scalar() == 0
    page = client.post(f"/complaintview/reveal/{case.id}",
                       data={"reason": "Konfirmasi lokasi kepada pelapor"}).get_data(as_text=True)
    assert RINA["phone"] in page and RINA["email"] in page and RINA["nik"] in page
    (row,) = db.session.execute(select(IdentityAccess)).scalars().all()
    assert (row.complaint_id, row.user_id, row.purpose, row.reason) == (
        case.id, world.user("koordinator").id, "reveal", "Konfirmasi lokasi kepada pelapor")
    assert row.created_at is not None
    log = client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    section = log[log.index('id="access-log"'):]
    assert "Konfirmasi lokasi kepada pelapor" in section and "Koordinator" in section


def test_opd_reveals_only_what_the_access_rule_allows_and_never_reads_the_log(login_as, make_case, world):
    named = make_case(status="dispatched", agency="DINKES", reporter=RINA)
    anonymous = make_case(status="dispatched", agency="DINKES", reporter=RINA, anonymous=True)
    client = login_as("opd_dinkes")
    page = client.post(f"/complaintview/reveal/{anonymous.id}", data={"reason": "Ingin menghubungi pelapor"},
                       follow_redirects=True).get_data(as_text=True)
    assert_hidden(page, RINA["name"], RINA["phone"], RINA["email"], RINA["nik"])
    page = client.post(f"/complaintview/reveal/{named.id}", data={"reason": "Jadwal survei lapangan"}).get_data(as_text=True)
    assert RINA["phone"] in page and 'id="access-log"' not in page
    assert [r.purpose for r in db.session.execute(select(IdentityAccess)).scalars()] == ["reveal"]
    with pytest.raises(NotAllowed):
        privacy.access_log(world.user("opd_dinkes"), named)


def test_export_records_one_access_per_case_with_its_reason(make_case, world):
    cases = [make_case(reporter=RINA) for _ in range(3)]
    with pytest.raises(ValidationFailed):
        privacy.record_export(world.user("koordinator"), [c.id for c in cases], "")
    privacy.record_export(world.user("koordinator"), [c.id for c in cases], "Rekap pelapor untuk audit Inspektorat")
    db.session.commit()
    rows = db.session.execute(select(IdentityAccess).order_by(IdentityAccess.complaint_id)).scalars().all()
    assert [(r.complaint_id, r.purpose) for r in rows] == [(c.id, "export") for c in cases]


def test_erasure_removes_identity_from_reporter_and_pending_outbox_and_keeps_the_case_counted(login_as, make_case, world):
    from app import stats

    case = make_case(status="dispatched", agency="DINKES", reporter=RINA)
    pending = [row for row in reporter_outbox(case.id) if row.status == "pending"]
    assert pending and {row.recipient for row in pending} <= {RINA["email"], "6281366667777", RINA["phone"]}
    start = case.received_at - datetime.timedelta(days=1)
    end = case.received_at + datetime.timedelta(days=1)
    counted = stats.received_count(start, end)
    client = login_as("koordinator")
    client.post(f"/complaintview/erase/{case.id}", data={"reason": "Permintaan pelapor via email 3 Nov"})
    db.session.expire_all()
    reporter = db.session.get(Reporter, case.reporter_id)
    assert (reporter.name, reporter.phone, reporter.email, reporter.nik) == (None,) * 4 and reporter.erased_at
    for row in reporter_outbox(case.id):
        assert row.recipient is None and row.secret is None and row.status != "pending"
    kept = db.session.get(Complaint, case.id)
    assert kept.status == "dispatched" and stats.received_count(start, end) == counted
    assert db.session.execute(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == "identity_erased")).scalar_one().is_public is False
    page = client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    assert_hidden(page, *RINA.values())
    assert "Permintaan pelapor via email 3 Nov" in page[page.index('id="access-log"'):]


def test_only_a_coordinator_erases(login_as, make_case):
    case = make_case(status="dispatched", agency="DINKES", reporter=RINA)
    login_as("opd_dinkes").post(f"/complaintview/erase/{case.id}", data={"reason": "Saya ingin menghapus"})
    db.session.expire_all()
    assert db.session.get(Reporter, case.reporter_id).name == RINA["name"]


def test_sent_messages_lose_their_recipient_after_the_retention_period(app, make_case):
    old, recent = make_case(reporter=RINA), make_case(reporter=RINA)
    now = utcnow()
    for case, sent_at in ((old, now - datetime.timedelta(days=31)), (recent, now - datetime.timedelta(days=29))):
        db.session.execute(update(Outbox).where(Outbox.complaint_id == case.id)
                           .values(status="sent", sent_at=sent_at, secret=None))
    db.session.commit()
    assert app.config["OUTBOX_RECIPIENT_RETENTION_DAYS"] == 30
    assert privacy.blank_sent_recipients(now=now) >= 1
    assert all(row.recipient is None for row in reporter_outbox(old.id))
    assert all(row.recipient for row in reporter_outbox(recent.id))


def test_the_daily_job_is_scheduled(app):
    from app.jobs import schedule

    assert schedule.BY_NAME["privacy_retention"].kind == "daily"


def test_identity_retention_of_closed_cases_is_off_by_default_and_erases_when_set(app, make_case):
    closed = make_case(status="closed", agency="DINKES", reporter=RINA)
    open_case = make_case(status="in_progress", agency="DINKES", reporter=dict(RINA, email="lain@contoh.id"))
    later = utcnow() + datetime.timedelta(days=400)
    assert privacy.expire_closed_identities(now=later) == 0
    app.config["IDENTITY_RETENTION_DAYS"] = 365
    try:
        assert privacy.expire_closed_identities(now=later) == 1
    finally:
        app.config["IDENTITY_RETENTION_DAYS"] = 0
    db.session.expire_all()
    assert db.session.get(Reporter, closed.reporter_id).erased_at is not None
    assert db.session.get(Reporter, open_case.reporter_id).name == RINA["name"]
    assert db.session.get(Complaint, closed.id).status == "closed"


def test_a_reason_longer_than_the_access_log_keeps_is_refused_not_cut(make_case, world):
    """The access log is the reporter's record of who saw their data and why: a reason past its
    1,000 characters was cut without a word."""
    case = make_case(status="dispatched", agency="DINKES", reporter=RINA)
    with pytest.raises(ValidationFailed) as refused:
        privacy.reveal(world.user("koordinator"), case, "Konfirmasi lokasi " * 80)
    assert "1.000" in str(refused.value.message)
    assert db.session.execute(select(func.count()).select_from(IdentityAccess)).scalar() == 0
    full = privacy.reveal(world.user("koordinator"), case, "Konfirmasi lokasi kepada pelapor")
    assert full["phone"] == RINA["phone"]
