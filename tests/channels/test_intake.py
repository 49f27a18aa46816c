"""A form sent more than once opens one case (``intake.open_once``): the one rule of the staff
intake form and the public report form."""
import secrets

import pytest
from sqlalchemy import func, select

from app.channels import intake
from app.extensions import db
from app.models import Complaint, InboundMessage
from app.workflow import lifecycle
from app.workflow.errors import DomainError

FORM = "staff_form"


def form_id():
    return secrets.token_urlsafe(18)


def count_cases():
    return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


def opener(world, calls=None, fail=None):
    """What a form does in the transaction: opens a case (or fails as told)."""
    def open_case(sending):
        if calls is not None:
            calls.append(sending)
        outcome = lifecycle.register(who=lifecycle.REPORTER, kind="complaint", title="Jalan berlubang di depan pasar",
                                     description="Lubang besar di jalan kabupaten membahayakan pengendara.",
                                     channel=world.channel("web"), district="Sukamaju Kota")
        if fail is not None:
            raise fail
        return outcome, []
    return open_case


def test_the_first_sending_opens_the_case_and_records_it_with_the_case(world):
    token = form_id()
    sending, outcome = intake.open_once(FORM, token, opener(world))
    assert outcome is not None and sending.complaint_id == outcome.complaint.id
    assert intake.recorded_case_id(FORM, token) == outcome.complaint.id


def test_the_same_form_sent_again_finds_the_case_and_opens_none(world):
    token, calls = form_id(), []
    first, _outcome = intake.open_once(FORM, token, opener(world, calls))
    before = count_cases()
    again, outcome = intake.open_once(FORM, token, opener(world, calls))
    assert outcome is None and again.id == first.id and again.complaint_id == first.complaint_id
    assert count_cases() == before and len(calls) == 1


@pytest.mark.parametrize("failure", [RuntimeError("the server fell over"), DomainError("refused")])
def test_a_sending_that_failed_leaves_nothing_behind_and_the_form_goes_through(world, failure):
    token = form_id()
    before = count_cases()
    with pytest.raises(type(failure)):
        intake.open_once(FORM, token, opener(world, fail=failure))
    assert intake.recorded(FORM, token) is None and count_cases() == before
    sending, outcome = intake.open_once(FORM, token, opener(world))
    assert outcome is not None and count_cases() == before + 1


def test_a_claim_left_behind_by_a_crash_does_not_block_the_form(world):
    """Older versions claimed the form's id in a transaction of their own first: a crash before the
    claim was released left it without a case. The next sending opens the case."""
    token = form_id()
    assert intake.claim(FORM, token)  # ...and the process died here
    sending, outcome = intake.open_once(FORM, token, opener(world))
    assert outcome is not None and sending.complaint_id == outcome.complaint.id
    rows = db.session.execute(select(InboundMessage).where(InboundMessage.provider == FORM,
                                                           InboundMessage.external_id == token)).scalars().all()
    assert [row.complaint_id for row in rows] == [outcome.complaint.id]


def test_two_sendings_at_once_open_one_case(world, monkeypatch):
    """The other request recorded the form between this one's look-up and its record: the unique
    key refuses the second record, and the answer is the case the other request opened."""
    token = form_id()
    other, _outcome = intake.open_once(FORM, token, opener(world))
    before = count_cases()
    looked_up = []
    real_recorded = intake.recorded

    def not_yet(provider, external_id):  # the first look-up ran before the other request committed
        looked_up.append(external_id)
        return None if len(looked_up) == 1 else real_recorded(provider, external_id)

    monkeypatch.setattr(intake, "recorded", not_yet)
    calls = []
    sending, outcome = intake.open_once(FORM, token, opener(world, calls))
    assert outcome is None and sending.id == other.id and calls == []
    assert count_cases() == before


def test_a_form_without_its_id_opens_a_case_as_it_is(world):
    before = count_cases()
    sending, outcome = intake.open_once(FORM, "", opener(world))
    assert sending is None and outcome is not None and count_cases() == before + 1


@pytest.mark.postgres_only
def test_a_sending_at_the_same_moment_waits_for_the_first_and_finds_its_case(app, world):
    """Two requests with the same form, really at once: the second waits on the form's record until
    the first commits, then answers with the case the first opened (nothing opened twice)."""
    import threading

    token = form_id()
    before = count_cases()
    second = {}

    def send_again():
        with app.app_context():
            try:
                sending, outcome = intake.open_once(FORM, token, opener(world))
                second.update(sending_id=sending.id, case_id=sending.complaint_id, outcome=outcome)
            except Exception as exc:  # reported to the test below
                second["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=send_again)
    first_case = opener(world)

    def open_case(sending):
        thread.start()  # the other request arrives while this one is opening the case
        thread.join(timeout=1)
        assert thread.is_alive()  # ...and waits for this one
        return first_case(sending)

    sending, outcome = intake.open_once(FORM, token, open_case)
    thread.join(timeout=10)
    assert not thread.is_alive() and "error" not in second, second
    assert second == {"sending_id": sending.id, "case_id": outcome.complaint.id, "outcome": None}
    assert count_cases() == before + 1


# --- message channels: a claim left by a process that died ------------------------------------


def test_a_claim_left_by_a_crash_is_taken_over_by_the_providers_next_retry(ctx):
    import datetime

    sent = datetime.datetime(2026, 11, 24, 2, 0)
    assert intake.claim("sms", "crash-1", now=sent)
    # the process died while handling it: no outcome, never released
    assert not intake.claim("sms", "crash-1", now=sent + datetime.timedelta(minutes=5))  # still being handled
    later = sent + datetime.timedelta(minutes=intake.CLAIM_STALE_MINUTES + 1)
    assert intake.claim("sms", "crash-1", now=later)  # the retry takes it over
    assert not intake.claim("sms", "crash-1", now=later)  # ... once
    intake.set_outcome("sms", "crash-1", "case")
    db.session.commit()
    much_later = later + datetime.timedelta(days=3)
    assert not intake.claim("sms", "crash-1", now=much_later)  # a handled message is never handled again
    db.session.execute(InboundMessage.__table__.delete().where(InboundMessage.external_id == "crash-1"))
    db.session.commit()


# --- which of a sender's cases a message names ----------------------------------------------------


def test_a_number_names_the_senders_own_case_or_the_main_report_they_follow_never_another_citizens(
        make_case, world):
    """One rule for every channel (e-mail, WhatsApp, SMS): the main report a sender's duplicate was
    merged into names that duplicate (``add_reply`` sends it on); an unconfirmed contact follows nothing."""
    main = make_case(agency="DINKES", status="dispatched", reporter={"name": "Budi", "phone": "081299990000"})
    other = make_case(reporter={"name": "Sari", "phone": "081311112222"})
    mine = make_case(reporter={"name": "Warga", "phone": "081377778888"})
    lifecycle.perform("merge", mine.id, world.user("koordinator"), parent=main.tracking_number)
    cases = intake.cases_of(phone="081377778888", open_only=False)
    assert cases == [mine]
    assert intake.case_named(cases, [main.tracking_number]) == mine
    assert intake.case_named(cases, [mine.tracking_number]) == mine
    assert intake.case_named(cases, [other.tracking_number]) is None  # someone else's report
    assert intake.case_named(cases, [other.tracking_number, main.tracking_number]) == mine
    assert intake.only_open_case(cases) == mine  # the main report is their one open conversation

    mine.reporter.contact_unconfirmed = True
    db.session.commit()
    assert intake.case_named(cases, [main.tracking_number]) is None
    assert intake.only_open_case(cases) is None
    assert intake.case_named(cases, [mine.tracking_number]) == mine  # their own number is still theirs
