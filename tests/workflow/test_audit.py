"""Every transition and every edit of a case field is an event with actor, time and before/after."""
import datetime
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import ComplaintEvent
from app.workflow import lifecycle
from app.workflow.errors import ValidationFailed


def events_of(case, kind=None):
    query = select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id).order_by(ComplaintEvent.id)
    if kind:
        query = query.where(ComplaintEvent.kind == kind)
    return db.session.execute(query).scalars().all()


def test_api_edit_is_audited_with_before_and_after(login_as, make_case, world):
    case = make_case(status="dispatched", agency="DINKES")
    response = login_as("opd_dinkes").put(f"/api/v1/complaint/{case.id}", json={"address": "Jl. Baru 5"})
    assert response.status_code == 200
    (event,) = events_of(case, "edited")
    assert json.loads(event.changes) == {"address": [None, "Jl. Baru 5"]}
    assert event.actor_id == world.user("opd_dinkes").id and event.created_at


def test_reclassification_records_before_and_after(make_case, world):
    case = make_case(anonymous=False)
    lifecycle.perform("reclassify", case.id, world.user("koordinator"), is_anonymous=True, kind="aspiration")
    (event,) = events_of(case, "reclassified")
    assert json.loads(event.changes) == {"is_anonymous": [False, True], "kind": ["complaint", "aspiration"]}


def test_every_transition_leaves_an_event_with_actor_and_statuses(make_case, world):
    case = make_case(status="closed", agency="DINKES")
    kinds = [(e.kind, e.from_status, e.to_status, e.actor_kind) for e in events_of(case)]
    assert kinds == [
        ("received", None, "received", "reporter"),
        ("dispatched", "received", "dispatched", "staff"),
        ("follow_up", "dispatched", "in_progress", "staff"),
        ("resolved", "in_progress", "resolved", "staff"),
        ("confirmed", "resolved", "closed", "reporter"),
    ]


def test_internal_notes_never_reach_the_public_timeline(make_case, world):
    case = make_case(status="dispatched", agency="DINKES")
    lifecycle.perform("internal_note", case.id, world.user("opd_dinkes"), text="RAHASIA-INTERNAL anggaran")
    lifecycle.perform("return_to_coordinator", case.id, world.user("opd_dinkes"), reason="RAHASIA-ALASAN kewenangan")
    timeline = lifecycle.public_timeline(case.id)
    assert timeline, "public events exist"
    flat = json.dumps(timeline, default=str)
    assert "RAHASIA-INTERNAL" not in flat and "RAHASIA-ALASAN" not in flat
    assert all(entry["kind"] not in ("internal_note", "returned") for entry in timeline)


def test_an_edit_is_recorded_only_within_the_cases_rules(make_case, world):
    case = make_case(status="dispatched", agency="DINKES")
    officer = world.user("opd_dinkes")
    case.incident_date = datetime.date(2026, 3, 1)
    with pytest.raises(ValidationFailed):
        lifecycle.audit_form_edit(case, officer, ["incident_date"], now=datetime.datetime(2026, 2, 27, 3, 0))
    db.session.rollback()
    case.latitude, case.longitude = 51.5, -0.12  # London
    with pytest.raises(ValidationFailed):
        lifecycle.audit_form_edit(case, officer, ["latitude", "longitude"])
    db.session.rollback()
    case.latitude, case.longitude = "-6.85", "107.92"
    assert lifecycle.audit_form_edit(case, officer, ["latitude", "longitude"]) == {
        "latitude": [None, -6.85], "longitude": [None, 107.92]}
