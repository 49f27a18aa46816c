"""Rules that mutation testing found unguarded: each test below fails when its mutant is applied.

Mutants (issue 11, item 11) and the test that kills each:
1. an OPD may resolve (or follow up) a *received* case of its own agency -> test_opd_cannot_act_on_a_received_case_of_its_own_agency
2. the 10-working-day reopen window (bound moved or check removed)      -> test_reopen_window_is_ten_working_days_to_the_minute
3. the tracking-number alphabet (0/O/1/I/L let in)                     -> test_tracking_numbers_never_use_confusable_symbols
4. complete_hold not shifting the verification deadline by the pause  -> test_completing_a_hold_moves_the_deadline_by_the_paused_time
5. the coordinator seeing an unmasked NIK                              -> test_coordinator_sees_the_nik_masked
6. the actor notified of their own act                                 -> test_actor_is_not_notified_of_their_own_act
"""
import datetime as dt

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification
from app.workflow import lifecycle, numbers
from app.workflow.calendar import current_calendar
from app.workflow.errors import InvalidTransition
from app.workflow.reporters import reporter_display, reporter_from_form

# Monday 6 July 2026, 09:00 WIB: no national holiday in the two weeks that follow
MONDAY = dt.datetime(2026, 7, 6, 2, 0)


def register(world, now=MONDAY, agency=None, who=None, **extra):
    complaint = lifecycle.register(
        who=who or lifecycle.REPORTER, kind="complaint", title="Saluran air tersumbat di pasar",
        description="Saluran air di belakang pasar tersumbat sampah sehingga banjir saat hujan.",
        channel=world.channel(), agency=agency, now=now, **extra).complaint
    db.session.flush()
    return complaint


def test_opd_cannot_act_on_a_received_case_of_its_own_agency(world):
    # recorded by the coordinator straight under Dinkes: still *received* (not yet verified/disposed)
    case = register(world, agency=world.agency("DINKES"), who=world.user("koordinator"))
    db.session.commit()
    assert case.status == "received" and case.agency_id == world.agency("DINKES").id
    officer = world.user("opd_dinkes")
    for name, kwargs in (("resolve", {"text": "Sudah dibersihkan."}), ("follow_up", {"text": "Kami cek."}),
                         ("return_to_coordinator", {"reason": "Bukan wewenang."})):
        assert not lifecycle.allowed(name, case, officer), name
        with pytest.raises(InvalidTransition):
            lifecycle.perform(name, case.id, officer, **kwargs)
        db.session.rollback()
        case = db.session.get(type(case), case.id)
        assert case.status == "received" and case.resolved_at is None


def _resolved(world, make_case_at=MONDAY):
    case = register(world, now=make_case_at)
    lifecycle.dispose(case, world.user("koordinator"), world.agency("DINKES"), now=make_case_at)
    lifecycle.resolve(case, world.user("opd_dinkes"), "Sudah dibersihkan.", now=make_case_at)
    db.session.flush()
    return case


def test_reopen_window_is_ten_working_days_to_the_minute(world):
    case = _resolved(world)
    # ten working days after Monday 6 July (no holiday in between): the end of Monday 20 July, WIB
    assert case.auto_close_due == dt.datetime(2026, 7, 20, 16, 59, 59, 999999)
    assert case.auto_close_due == current_calendar().deadline(MONDAY, 10)
    savepoint = db.session.begin_nested()
    lifecycle.reopen(case, lifecycle.REPORTER, "Masih tersumbat.", now=case.auto_close_due - dt.timedelta(minutes=1))
    assert case.status == "in_progress"
    savepoint.rollback()
    db.session.refresh(case)
    with pytest.raises(InvalidTransition) as late:
        lifecycle.reopen(case, lifecycle.REPORTER, "Masih tersumbat.", now=case.auto_close_due + dt.timedelta(minutes=1))
    assert "10 hari kerja" in str(late.value.message) or "10" in str(late.value.message)
    assert case.status == "resolved"



def test_the_reopen_refusal_names_the_configured_window(world):
    from app.models import SlaSetting
    from app.workflow.sla import sla_for

    setting = db.session.execute(select(SlaSetting).where(SlaSetting.kind == "complaint")).scalar_one_or_none()
    if setting is None:
        setting = sla_for("complaint")
        db.session.add(setting)
    setting.auto_close_days = 5
    db.session.flush()
    case = _resolved(world)
    assert case.auto_close_due == current_calendar().deadline(MONDAY, 5)
    with pytest.raises(InvalidTransition) as late:
        lifecycle.reopen(case, lifecycle.REPORTER, "Masih tersumbat.", now=case.auto_close_due + dt.timedelta(minutes=1))
    assert "5 hari kerja" in str(late.value.message) and "10" not in str(late.value.message)
    assert case.status == "resolved"

def test_tracking_numbers_never_use_confusable_symbols():
    allowed = set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")  # restated from the domain, not read from the code
    assert set(numbers.ALPHABET) == allowed and len(numbers.ALPHABET) == 31
    for _ in range(3000):
        number = numbers.new_tracking_number()
        assert set(number.replace("-", "")) <= allowed, number
        assert numbers.normalise_tracking_number(number) == number
    good = numbers.new_tracking_number()
    for confusable in "0O1IL":
        forged = confusable + good[1:]
        assert numbers.normalise_tracking_number(forged) is None


def test_completing_a_hold_moves_the_deadline_by_the_paused_time(world):
    case = register(world)
    due_before = case.verification_due
    assert due_before == current_calendar().deadline(MONDAY, 3)  # Thursday 9 July
    lifecycle.hold(case, world.user("koordinator"), "Mohon lengkapi lokasi.", now=MONDAY)
    thursday = MONDAY + dt.timedelta(days=3)  # three working days on hold
    lifecycle.complete_hold(case, lifecycle.REPORTER, "Lokasi: belakang pasar.", now=thursday)
    assert case.verification_due == current_calendar().deadline(due_before, 3)  # Tuesday 14 July
    assert case.verification_due == dt.datetime(2026, 7, 14, 16, 59, 59, 999999)  # end of the day, WIB


def test_coordinator_sees_the_nik_masked(world, login_as):
    nik = "3201019876543210"
    case = register(world, reporter=reporter_from_form("Rina", "081234000111", "rina@contoh.id", nik, True))
    db.session.commit()
    shown = reporter_display(world.user("koordinator"), case)
    assert shown["visible"] and shown["nik"] != nik and shown["nik"].endswith("3210")
    assert "98765" not in shown["nik"]
    page = login_as("koordinator").get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    assert nik not in page and "Rina" in page


def test_actor_is_not_notified_of_their_own_act(world):
    coordinator = world.user("koordinator")

    def notices():
        return db.session.execute(select(Notification.user_id).where(
            Notification.topic == "hold_completed")).scalars().all()

    db.session.execute(Notification.__table__.delete().where(Notification.topic == "hold_completed"))
    now = dt.datetime.utcnow()
    by_reporter = register(world, now=now)
    lifecycle.hold(by_reporter, coordinator, "Lengkapi foto.", now=now)
    lifecycle.complete_hold(by_reporter, lifecycle.REPORTER, "Foto menyusul.", now=now)
    db.session.flush()
    assert notices() == [coordinator.id]  # the coordinator is told when the reporter acts...
    by_coordinator = register(world, now=now)
    lifecycle.hold(by_coordinator, coordinator, "Lengkapi foto.", now=now)
    lifecycle.complete_hold(by_coordinator, coordinator, "Dilengkapi lewat telepon.", now=now)
    db.session.flush()
    assert notices() == [coordinator.id]  # ...but not of what they did themselves
    db.session.rollback()
