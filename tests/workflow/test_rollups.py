"""Rollups kept by the lifecycle's events equal the rebuilt ones and the figures computed directly
from the cases, after random (seeded, so repeatable) sequences of transitions, edits and rollbacks."""
import datetime
import random

import pytest
from sqlalchemy import delete, select

from app import stats
from app.extensions import db
from app.models import Category, Complaint
from app.workflow import lifecycle, rollups
from app.workflow.calendar import current_calendar
from app.workflow.errors import DomainError
from app.workflow.reporters import reporter_from_form

AGENCIES = {"DINKES": "opd_dinkes", "RSUD": "opd_rsud", "PUPR": "opd_pupr"}
CHANNELS = ("web", "whatsapp", "sms", "phone", "letter")
DISTRICTS = (None, "Sukamaju Kota", "Cibeureum", "Pasirjaya")


@pytest.fixture
def categories(ctx):
    rows = [Category(name=f"Uji rekap {n}", active=True) for n in ("jalan", "kesehatan")]
    db.session.add_all(rows)
    db.session.commit()
    yield [row.id for row in rows]
    db.session.rollback()
    db.session.execute(delete(Complaint))  # cases first (they refer to the categories)
    db.session.execute(delete(Category).where(Category.name.like("Uji rekap %")))
    db.session.commit()


def _register(world, rng, now, category_ids):
    reporter = reporter_from_form("Pelapor Acak", None, "acak@contoh.id", None, True)
    complaint = lifecycle.register(
        title="Laporan acak", description="Isi laporan acak untuk uji rekap.",
        kind=rng.choice(("complaint", "complaint", "aspiration", "information")),
        channel=world.channel(rng.choice(CHANNELS)), reporter=reporter,
        category=db.session.get(Category, rng.choice(category_ids)) if rng.random() < 0.7 else None,
        is_confidential=rng.random() < 0.1, needs_inspection=rng.random() < 0.2,
        district=rng.choice(DISTRICTS), now=now).complaint
    db.session.commit()
    return complaint.id


def _step(world, rng, case_id, now, category_ids):
    """One random allowed transition of the case (through ``perform``, its own transaction)."""
    complaint = db.session.get(Complaint, case_id)
    coordinator = world.user("koordinator")
    status = complaint.status
    officer = world.user(AGENCIES[world_code(world, complaint.agency_id)]) if complaint.agency_id else None
    other = world.agency(rng.choice([code for code in AGENCIES
                                     if world.agency(code).id != complaint.agency_id]))
    choices = {
        "received": [("dispose", coordinator, {"agency": other}),
                     ("dispose", coordinator, {"agency": other}), ("hold", coordinator, {"reason": "Lengkapi"}),
                     ("archive", coordinator, {"reason": "too_general"}),
                     ("forward", coordinator, {"institution": "BPN"}),
                     ("reclassify", coordinator, {"kind": rng.choice(("complaint", "aspiration")),
                                                  "category_id": rng.choice(category_ids + [None])})],
        "on_hold": [("complete_hold", lifecycle.REPORTER, {"text": "Sudah"}),
                    ("complete_hold", lifecycle.REPORTER, {"text": "Sudah"}),
                    ("archive", coordinator, {"reason": "sara"})],
        "dispatched": [("follow_up", officer, {"text": "Proses"}), ("follow_up", officer, {"text": "Proses"}),
                       ("resolve", officer, {"text": "Beres"}),
                       ("return_to_coordinator", officer, {"reason": "Bukan wewenang"}),
                       ("redispose", coordinator, {"agency": other})],
        "in_progress": [("follow_up", officer, {"text": "Lanjut"}), ("resolve", officer, {"text": "Beres"}),
                        ("resolve", officer, {"text": "Beres"}), ("internal_note", officer, {"text": "Catatan"}),
                        ("redispose", coordinator, {"agency": other})],
        "resolved": [("confirm", lifecycle.REPORTER, {"rating": rng.randint(1, 5)}),
                     ("reopen", lifecycle.REPORTER, {"text": "Belum beres"}),
                     ("auto_close", lifecycle.SYSTEM, {})],
    }.get(status)
    if not choices:
        return
    name, who, kwargs = rng.choice(choices)
    try:
        lifecycle.perform(name, case_id, who, now=now, **kwargs)
    except DomainError:
        pass


def world_code(world, agency_id):
    for code in AGENCIES:
        if world.agency(code).id == agency_id:
            return code
    raise AssertionError(agency_id)


def _edit_or_roll_back(world, rng, case_id, now):
    coordinator = world.user("koordinator")
    complaint = db.session.get(Complaint, case_id)
    db.session.refresh(complaint)  # as the edit form does: a freshly loaded case
    if rng.random() < 0.5:
        # a staff edit through the form path (audited): moves the case to another district
        complaint.district = rng.choice(DISTRICTS)
        lifecycle.audit_form_edit(complaint, coordinator, ["district"], now=now)
        db.session.commit()
    else:
        # a transition whose transaction is rolled back leaves the rollups untouched
        if complaint.status == "received":
            lifecycle.dispose(complaint, world.user("koordinator"), world.agency("PUPR"), now=now)
        elif complaint.status in ("dispatched", "in_progress"):
            lifecycle.resolve(complaint, world.user(AGENCIES[world_code(world, complaint.agency_id)]), "x", now=now)
        db.session.rollback()


def _scenario(world, seed, category_ids, steps=150):
    rng = random.Random(seed)
    cal = current_calendar()
    now = cal.to_utc(datetime.datetime(2022, 2, 21, 8, 0, tzinfo=cal.tz))
    cases = []
    for _ in range(steps):
        now += datetime.timedelta(minutes=rng.randint(5, 36 * 60))
        roll = rng.random()
        if not cases or roll < 0.3:
            cases.append(_register(world, rng, now, category_ids))
        elif roll < 0.37:
            _edit_or_roll_back(world, rng, rng.choice(cases), now)
        else:
            _step(world, rng, rng.choice(cases), now, category_ids)
    # auto-close whatever is due a while after the last step
    later = now + datetime.timedelta(days=20)
    for case_id in cases:
        complaint = db.session.get(Complaint, case_id)
        if complaint.status == "resolved" and complaint.auto_close_due and complaint.auto_close_due < later:
            lifecycle.perform("auto_close", case_id, lifecycle.SYSTEM, now=later)
    return now


def _periods(cal):
    months = [cal.month_range(2022, m) for m in (2, 3, 4, 5, 6, 7)]
    return months + [cal.month_range(2022, 1, 3), cal.month_range(2022, 4, 3), cal.month_range(2022, 1, 12)]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_incremental_rollups_equal_rebuilt_and_direct_figures(world, categories, seed):
    last = _scenario(world, seed, categories)
    incremental = rollups.table_contents()
    assert incremental[0] and incremental[1]
    cases, rows, bins = rollups.rebuild()
    assert cases == db.session.execute(select(db.func.count()).select_from(Complaint)).scalar() > 30
    assert rollups.table_contents() == incremental
    cal = current_calendar()
    middle = cal.to_utc(datetime.datetime(2022, 4, 12, 15, 0, tzinfo=cal.tz))
    for start, end in _periods(cal):
        for now in (middle, last, last + datetime.timedelta(days=45)):
            from_rollups = stats.period_kpis(start, end, now=now, ranking_min_cases=3)
            direct = stats.direct_period_kpis(start, end, now=now, ranking_min_cases=3)
            assert from_rollups == direct, (start, now)
    # the staff dashboard counts (every role's scope) equal the access-filtered case counts
    for username in ("koordinator", "pimpinan", "opd_dinkes", "opd_rsud", "opd_pupr"):
        user = world.user(username)
        counts = stats.staff_counts(user, now=last)
        from app.workflow import access, sla

        scope = access.case_scope_clause(user)
        by_status = dict(db.session.execute(
            select(Complaint.status, db.func.count()).where(scope).group_by(Complaint.status)).all())
        overdue = db.session.execute(select(db.func.count()).select_from(Complaint)
                                     .where(scope, sla.overdue_clause(last))).scalar()
        assert counts == {"by_status": by_status, "total": sum(by_status.values()), "overdue": overdue}, username


def test_a_rebuild_after_bulk_changes_catches_up(world, categories):
    """Cases changed outside the lifecycle (SQL) are picked up by the rebuild, not before."""
    _scenario(world, 5, categories, steps=40)
    before = rollups.table_contents()
    db.session.execute(Complaint.__table__.update().values(kind="information"))
    db.session.commit()
    assert rollups.table_contents() == before  # no event: the rollups did not move
    rollups.rebuild()
    kinds = {row[4] for row in rollups.table_contents()[0] if row[0] == "A"}
    assert kinds == {"information"}


def test_rebuild_rollups_command(app, world, categories):
    _scenario(world, 7, categories, steps=30)
    expected = rollups.table_contents()
    result = app.test_cli_runner().invoke(args=["lapor", "rebuild-rollups"])
    assert result.exit_code == 0 and "dibangun ulang" in result.output
    assert rollups.table_contents() == expected
