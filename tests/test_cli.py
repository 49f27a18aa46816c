"""`flask lapor ...`: init and seed-demo are idempotent."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agency, Complaint, LaporUser


def counts():
    return tuple(db.session.execute(select(func.count()).select_from(model)).scalar()
                 for model in (Agency, LaporUser, Complaint))


def test_init_and_seed_demo_are_idempotent(app, demo_removed):
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


def test_init_logs_no_warning_about_rows_that_do_not_exist(app, ctx, caplog):
    """Every `flask lapor init` warned "Refused to delete, permission bulk_dispose does not exist" (and
    the like): Flask-AppBuilder's clean-up about nothing, which teaches admins to ignore the log."""
    import logging

    from app.extensions import appbuilder
    from app.security import sync_roles

    with caplog.at_level(logging.WARNING):
        sync_roles(appbuilder)
        sync_roles(appbuilder)
    assert not [r for r in caplog.records if "does not exist" in r.getMessage()]
