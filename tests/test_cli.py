"""`flask lapor ...`: init and seed-demo are idempotent."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, Complaint, LaporUser


def counts():
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar()
                 for model in (Agency, LaporUser, Complaint))


def test_init_and_seed_demo_are_idempotent(app, ctx):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["lapor", "init"]).exit_code == 0
    first = runner.invoke(args=["lapor", "seed-demo", "--cases", "40"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    statuses = set(db.session.execute(select(Complaint.status).distinct()).scalars())
    assert statuses == {"received", "on_hold", "archived", "forwarded", "dispatched", "in_progress", "resolved", "closed"}
    assert runner.invoke(args=["lapor", "seed-demo", "--cases", "40"]).exit_code == 0
    assert runner.invoke(args=["lapor", "init"]).exit_code == 0
    assert counts() == after_first
    assert after_first[0] >= 20 and after_first[2] == 40
    skipped = runner.invoke(args=["lapor", "seed-demo", "--if-empty"])
    assert "tidak ditambahkan" in skipped.output
