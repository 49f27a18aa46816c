"""Staff screens of the jobs: everyone's own notifications (and nobody else's), the reminders log,
the queue state, and the queue in /health."""
import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Notification
from app.workflow import reminders
from tests.conftest import visible_text
from tests.jobs.conftest import denied, set_deadline


def _notice(user, complaint):
    return db.session.execute(select(Notification).where(
        Notification.user_id == user.id, Notification.complaint_id == complaint.id)).scalar_one()


def test_each_officer_sees_and_opens_only_their_own_notifications(jobs, make_case, login_as, world):
    own = make_case(agency="DINKES", status="dispatched", reporter=False)
    other = make_case(agency="PUPR", status="dispatched", reporter=False)
    mine, theirs = _notice(world.user("opd_dinkes"), own), _notice(world.user("opd_pupr"), other)

    client = login_as("opd_dinkes")
    page = client.get("/notifikasi/").get_data(as_text=True)
    assert own.tracking_number in page and other.tracking_number not in page
    assert 'id="unread-count" class="badge">1<' in page
    assert "(1)" in visible_text(client.get("/dasbor/").get_data(as_text=True))  # unread count in the menu

    # someone else's notice: not found on every route
    assert client.post(f"/notifikasi/open/{theirs.id}").status_code == 404
    assert client.post("/notifikasi/open/999999").status_code == 404
    client.post("/notifikasi/read-all")
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None
    assert db.session.get(Notification, mine.id).read_at is not None

    response = login_as("opd_pupr").post(f"/notifikasi/open/{theirs.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/complaintview/show/{other.id}")
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is not None


def test_leadership_reads_escalations_in_the_app(jobs, make_case, login_as, world):
    case = make_case(agency="PUPR", status="dispatched", reporter=False)
    set_deadline(case.id, first_response_due=utcnow() - datetime.timedelta(days=30))
    reminders.sweep()
    page = login_as("pimpinan").get("/notifikasi/").get_data(as_text=True)
    assert case.tracking_number in page


def test_reminders_log_and_queue_state_for_coordinators(jobs, make_case, login_as):
    case = make_case(agency="DINKES", status="dispatched", reporter=False)
    set_deadline(case.id, first_response_due=utcnow() + datetime.timedelta(hours=2))
    reminders.sweep()
    client = login_as("koordinator")
    assert case.tracking_number in client.get("/reminderview/list/").get_data(as_text=True)
    state = client.get("/antrean/").get_data(as_text=True)
    assert 'id="queue-mode"' in state and 'id="outbox-counts"' in state
    assert denied(login_as("opd_dinkes").get("/reminderview/list/"))
    assert denied(login_as("pimpinan").get("/antrean/"))


def test_health_reports_the_redis_queue(app, redis_mode, client):
    body = client.get("/health").get_json()
    queue = body["queue"]
    assert queue["mode"] == "redis" and queue["ok"] is True
    assert {"queued", "started", "failed", "scheduled", "workers"} <= set(queue)


def test_the_unread_count_stops_at_99_plus(jobs, make_case, login_as, world):
    from app.models import Notification
    from app.workflow import notify

    user = world.user("opd_dinkes")
    db.session.add_all([Notification(user_id=user.id, topic="reminder", text=f"Pengingat {i}") for i in range(120)])
    db.session.commit()
    assert notify.unread_count(user.id) == 120
    assert notify.unread_count(user.id, cap=notify.UNREAD_MENU_CAP) == 100
    page = login_as("opd_dinkes").get("/complaintview/list/").get_data(as_text=True)
    assert "Notifikasi (99+)" in page
    db.session.execute(Notification.__table__.delete().where(Notification.user_id == user.id))
    db.session.commit()


def test_a_cancelled_message_says_why_in_words(jobs, make_case, login_as):
    """The outbox screen showed the stored reason as it was written in code: "reporter data erased"."""
    from app.models import Outbox
    from app.workflow import outbox

    case = make_case()
    row = Outbox(channel="email", topic="received", complaint_id=case.id, status="cancelled",
                 last_error="reporter data erased", subject="Laporan diterima", body="-")
    db.session.add(row)
    db.session.commit()
    admin = login_as("admin")
    for url in ("/outboxview/list/", f"/outboxview/show/{row.id}"):
        text = visible_text(admin.get(url).get_data(as_text=True))
        assert "Data pribadi pelapor telah dihapus" in text and "reporter data erased" not in text, url
    assert outbox.cancel_reason(Outbox(channel="email", topic="received", recipient=None)) == "no recipient"
