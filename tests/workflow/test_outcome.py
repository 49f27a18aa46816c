"""Side effects are returned, not broadcast: each domain call says what it wrote."""
from sqlalchemy import select

from app.extensions import db
from app.models import Outbox
from app.workflow import lifecycle
from app.workflow.numbers import check_reply_code
from app.workflow.outcome import Outcome
from app.workflow.reporters import reporter_from_form


def _outbox_ids(**filters):
    query = select(Outbox.id).order_by(Outbox.id)
    for name, value in filters.items():
        query = query.where(getattr(Outbox, name) == value)
    return list(db.session.execute(query).scalars())


def test_register_returns_the_case_its_event_its_messages_and_the_one_time_code(jobs, world):
    reporter = reporter_from_form("Siti Pelapor", "081234567890", "siti@contoh.id", None, True)
    outcome = lifecycle.register(title="Lampu jalan mati", description="Lampu jalan mati sejak seminggu.",
                                 kind="complaint", channel=world.channel(), reporter=reporter)
    db.session.commit()
    assert isinstance(outcome, Outcome)
    case = outcome.complaint
    assert [e.kind for e in outcome.events] == ["received"]
    assert check_reply_code(outcome.reply_code, case.reply_code_hash)
    assert not hasattr(case, "new_reply_code") and not db.session.info
    ids = _outbox_ids(complaint_id=case.id)
    assert len(ids) == 2 and sorted(outcome.outbox_ids) == ids  # e-mail and WhatsApp


def test_perform_returns_the_outbox_ids_of_its_own_messages_only(jobs, make_case, world):
    case = make_case(agency="DINKES", status="dispatched")
    before = set(_outbox_ids(complaint_id=case.id))
    outcome = lifecycle.perform("follow_up", case.id, world.user("opd_dinkes"), text="Petugas sudah ke lokasi.")
    assert outcome.complaint.id == case.id and outcome.event.kind == "follow_up"
    new = set(_outbox_ids(complaint_id=case.id)) - before
    assert len(new) == 2 and set(outcome.outbox_ids) == new
    # an internal note tells the reporter nothing: nothing to deliver
    note = lifecycle.perform("internal_note", case.id, world.user("opd_dinkes"), text="Catatan internal.")
    assert note.event.kind == "internal_note" and note.outbox_ids == []
    assert not db.session.info


def test_a_refused_transition_returns_nothing_and_writes_nothing(jobs, make_case, world):
    import pytest

    from app.workflow.errors import DomainError

    case = make_case(agency="DINKES", status="dispatched")
    before = _outbox_ids()
    with pytest.raises(DomainError):
        lifecycle.perform("confirm", case.id, lifecycle.REPORTER, rating=5)
    assert _outbox_ids() == before
