"""Two staff acting on the same case at the same moment: one wins, the other gets a clear conflict."""
import threading

import pytest
from sqlalchemy import func, select

from app.extensions import appbuilder, db
from app.models import Agency, Complaint, ComplaintEvent
from app.workflow import lifecycle
from app.workflow.errors import Conflict, DomainError, InvalidTransition


def _dispose_in_own_connection(app, case_id, agency_code, barrier, results):
    with app.app_context():
        user = appbuilder.sm.find_user(username="koordinator")
        agency = db.session.execute(select(Agency).where(Agency.code == agency_code)).scalar_one()
        barrier.wait()
        try:
            lifecycle.perform("dispose", case_id, user, agency=agency.id)
            results.append(("ok", agency_code))
        except DomainError as exc:
            results.append((type(exc).__name__, str(exc.message)))
        finally:
            db.session.remove()


@pytest.mark.postgres_only
@pytest.mark.parametrize("attempt", range(5))
def test_two_coordinators_dispose_the_same_case_at_once(app, make_case, attempt):
    case_id = make_case().id
    db.session.commit()
    barrier = threading.Barrier(2)
    results = []
    threads = [threading.Thread(target=_dispose_in_own_connection, args=(app, case_id, code, barrier, results))
               for code in ("DINKES", "PUPR")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    outcomes = sorted(r[0] for r in results)
    assert outcomes[0] in ("Conflict", "InvalidTransition") and outcomes[1] == "ok", results
    refused = next(r for r in results if r[0] != "ok")
    assert refused[1], "the refused officer gets a message"
    db.session.expire_all()
    case = db.session.get(Complaint, case_id)
    winner = next(r[1] for r in results if r[0] == "ok")
    assert case.status == "dispatched" and case.agency.code == winner
    dispatched = db.session.execute(select(func.count()).select_from(ComplaintEvent).where(
        ComplaintEvent.complaint_id == case_id, ComplaintEvent.kind == "dispatched")).scalar()
    assert dispatched == 1


def test_stale_form_is_refused_and_nothing_is_lost(make_case, world):
    case = make_case(status="dispatched", agency="DINKES")
    seen_version = case.version
    lifecycle.perform("internal_note", case.id, world.user("koordinator"), text="Catatan pertama")
    with pytest.raises(Conflict):
        lifecycle.perform("redispose", case.id, world.user("koordinator"), expected_version=seen_version,
                          agency=world.agency("PUPR").id)
    db.session.expire_all()
    case = db.session.get(Complaint, case.id)
    assert case.agency.code == "DINKES"
    notes = db.session.execute(select(ComplaintEvent.internal_note).where(
        ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == "internal_note")).scalars().all()
    assert notes == ["Catatan pertama"]


def test_orm_version_check_catches_a_concurrent_write(app, make_case, world):
    """Without the row lock (e.g. SQLite), the version column still stops a lost update."""
    case = make_case(status="dispatched", agency="DINKES")
    case_id = case.id
    with app.app_context():  # a second officer's session changes the row meanwhile
        other = db.session.get(Complaint, case_id)
        lifecycle.follow_up(other, appbuilder.sm.find_user(username="opd_dinkes"), "Tindak lanjut dari sesi lain")
        db.session.commit()
        db.session.remove()
    with pytest.raises(Exception) as stale:
        lifecycle.resolve(case, world.user("opd_dinkes"), "Selesai, tanpa melihat perubahan lain")
        db.session.commit()
    assert "StaleData" in type(stale.value).__name__
    db.session.rollback()
