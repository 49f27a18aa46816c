"""The benchmark generator (bench/generate.py) writes cases the product itself could have written."""
import datetime as dt

from sqlalchemy import func, select

NOW = dt.datetime(2026, 6, 15, 5, 0)


def test_generated_cases_are_consistent_and_in_time_order(ctx, world):
    from bench.generate import generate
    from app.extensions import db
    from app.models import Complaint, ComplaintEvent, Reporter
    from app.workflow.sla import CLOCK_BY_STATUS

    summary = generate(3000, now=NOW, quiet=True, chunk=1000)
    assert summary["cases"] == 3000
    cases = db.session.execute(select(Complaint).order_by(Complaint.id)).scalars().all()
    assert len(cases) == 3000
    received = [c.received_at for c in cases]
    assert received == sorted(received), "ids follow the time of receipt"
    assert max(received) < NOW
    # every state of the lifecycle is present
    assert set(summary["statuses"]) >= {"received", "on_hold", "archived", "forwarded", "dispatched",
                                        "in_progress", "resolved", "closed"}
    # the timeline agrees with the case: first event "received", last status = the case's status
    last = dict(db.session.execute(
        select(ComplaintEvent.complaint_id, ComplaintEvent.to_status)
        .where(ComplaintEvent.id.in_(select(func.max(ComplaintEvent.id)).group_by(ComplaintEvent.complaint_id)))
    ).all())
    first_kinds = set(db.session.execute(
        select(ComplaintEvent.kind)
        .where(ComplaintEvent.id.in_(select(func.min(ComplaintEvent.id)).group_by(ComplaintEvent.complaint_id)))
    ).scalars())
    assert first_kinds == {"received"}
    assert all(last[c.id] == c.status for c in cases)
    events = db.session.execute(select(ComplaintEvent.created_at).order_by(ComplaintEvent.id)).scalars().all()
    assert events == sorted(events), "events inserted in time order"
    # milestones and deadlines where the lifecycle would have put them
    for c in cases:
        if c.status in ("dispatched", "in_progress", "resolved", "closed"):
            assert c.agency_id and c.dispatched_at and c.first_response_due and c.resolution_due
        if c.status in ("in_progress", "resolved", "closed"):
            assert c.first_response_at >= c.dispatched_at
        if c.status == "closed":
            assert c.closed_at >= c.resolved_at
        if c.status == "on_hold":
            assert c.on_hold_since
    # about 5 % of running clocks overdue (a small sample: a generous band)
    running = [c for c in cases if c.status in CLOCK_BY_STATUS]
    overdue = [c for c in running if getattr(c, CLOCK_BY_STATUS[c.status]) < NOW]
    assert running and len(overdue) / len(running) < 0.15
    # reporters exist and decrypt
    reporters = db.session.execute(select(Reporter).limit(5)).scalars().all()
    assert reporters and all(r.name and r.phone for r in reporters)
