"""Every transition, from every state, by every actor: allowed exactly where docs/domain.md says.

The expectations below restate the domain (they are not read from the code's table).
A refused transition raises a DomainError with a message and leaves the case unchanged.
"""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ComplaintEvent
from app.workflow import lifecycle
from app.workflow.errors import DomainError

STATES = ["received", "on_hold", "archived", "forwarded", "dispatched", "in_progress", "resolved", "closed"]
ACTORS = ["koordinator", "admin", "opd_own", "opd_other", "pimpinan", "reporter", "system"]
COORD = {"koordinator", "admin"}
ACTIVE = {"dispatched", "in_progress"}
WITH_AGENCY = {"dispatched", "in_progress", "resolved", "closed"}

# transition: (states where allowed, actors allowed)
EXPECTED = {
    "dispose": ({"received"}, COORD),
    "hold": ({"received"}, COORD),
    "complete_hold": ({"on_hold"}, COORD | {"reporter"}),
    "archive": ({"received", "on_hold"}, COORD),
    "forward": ({"received", "on_hold"}, COORD),
    "redispose": (ACTIVE, COORD),
    "reclassify": ({"received", "on_hold", "dispatched", "in_progress", "resolved"}, COORD),
    "follow_up": (ACTIVE, {"opd_own"}),
    "internal_note": (set(STATES), COORD | {"opd_own"}),
    "resolve": (ACTIVE, {"opd_own"}),
    "return_to_coordinator": (ACTIVE, {"opd_own"}),
    "reporter_reply": ({"received", "dispatched", "in_progress", "resolved"}, {"reporter"}),
    "confirm": ({"resolved"}, {"reporter"}),
    "reopen": ({"resolved"}, {"reporter"}),
    "auto_close": ({"resolved"}, {"system"}),
    # a duplicate can be merged into another report while it is open and not yet resolved
    "merge": ({"received", "on_hold", "dispatched", "in_progress"}, COORD),
    # only a merged child can be separated again (none here: see tests/workflow/test_duplicates.py)
    "unmerge": (set(), COORD),
}

RESULT_STATE = {
    "dispose": "dispatched", "hold": "on_hold", "complete_hold": "received",
    "archive": "archived", "forward": "forwarded", "redispose": "dispatched", "follow_up": "in_progress",
    "resolve": "resolved", "return_to_coordinator": "received", "confirm": "closed", "reopen": "in_progress",
    "auto_close": "closed", "merge": "archived",
}


def call(name, complaint, who, world):
    far_future = dt.datetime.utcnow() + dt.timedelta(days=400)
    args = {
        "dispose": {"agency": world.agency("DINKES")}, "hold": {"reason": "Lengkapi foto."},
        "complete_hold": {"text": "Foto terlampir."}, "archive": {"reason": "duplicate"},
        "forward": {"institution": "Kantor Pertanahan"}, "redispose": {"agency": world.agency("PUPR")},
        "reclassify": {"kind": "aspiration"}, "follow_up": {"text": "Sedang ditangani."},
        "internal_note": {"text": "Catatan internal."}, "resolve": {"text": "Selesai diperbaiki."},
        "return_to_coordinator": {"reason": "Bukan wewenang kami."}, "reporter_reply": {"text": "Terima kasih."},
        "confirm": {"rating": 5}, "reopen": {"text": "Belum diperbaiki."}, "auto_close": {"now": far_future},
        "merge": {"parent": _main_report(world)} if name == "merge" else {}, "unmerge": {},
    }[name]
    return getattr(lifecycle, name)(complaint, who, **args)


def _main_report(world):
    return lifecycle.register(title="Laporan utama", description="Laporan yang sama dari warga lain.",
                              kind="complaint", channel=world.channel()).complaint


def actor_for(key, world):
    return {"reporter": lifecycle.REPORTER, "system": lifecycle.SYSTEM, "opd_own": world.user("opd_dinkes"),
            "opd_other": world.user("opd_pupr")}.get(key) or world.user(key)


def fingerprint(complaint):
    events = db.session.execute(select(func.count()).select_from(ComplaintEvent)
                                .where(ComplaintEvent.complaint_id == complaint.id)).scalar()
    return (complaint.status, complaint.agency_id, complaint.kind, complaint.verified_at, events)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_transition_matrix(name, make_case, world):
    assert set(EXPECTED) == set(lifecycle.TRANSITIONS)
    cases = {state: make_case(status=state, agency="DINKES") for state in STATES}
    allowed_states, allowed_actors = EXPECTED[name]
    for state, case in cases.items():
        for key in ACTORS:
            who = actor_for(key, world)
            expected = state in allowed_states and key in allowed_actors
            if key == "opd_own" and state not in WITH_AGENCY:
                expected = False  # no agency yet: nothing of the OPD's
            savepoint = db.session.begin_nested()
            before = fingerprint(case)
            assert lifecycle.allowed(name, case, who) == expected, (name, state, key)
            try:
                call(name, case, who, world)
                db.session.flush()
            except DomainError as exc:
                assert not expected, f"{name} refused for {key} in {state}: {exc.message}"
                assert str(exc.message), "a refusal carries a message"
                assert fingerprint(case) == before, f"{name} changed the case although refused"
            else:
                assert expected, f"{name} allowed for {key} in {state}"
                after = fingerprint(case)
                assert after[-1] == before[-1] + 1, "exactly one event per transition"
                if name in RESULT_STATE:
                    assert case.status == RESULT_STATE[name]
            savepoint.rollback()
            db.session.refresh(case)


def test_refusal_messages_are_indonesian(make_case, world):
    from flask_babel import force_locale

    case = make_case(status="closed", agency="DINKES")
    with force_locale("id"):
        with pytest.raises(DomainError) as wrong_state:
            lifecycle.follow_up(case, world.user("opd_dinkes"), "Tindak lanjut")
        assert str(wrong_state.value.message) == "Tindakan ini tidak dapat dilakukan pada status laporan saat ini."
        with pytest.raises(DomainError) as wrong_role:
            lifecycle.dispose(make_case(), world.user("pimpinan"), world.agency("DINKES"))
        assert str(wrong_role.value.message) == "Anda tidak berwenang melakukan tindakan ini."
