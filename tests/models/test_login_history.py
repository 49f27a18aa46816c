"""Every staff sign-in attempt is kept in the login history (security log, keaktifan)."""
from sqlalchemy import select

from app.extensions import db
from app.models import LoginEvent
from tests.conftest import PASSWORD


def _history(username):
    return db.session.execute(
        select(LoginEvent.success, LoginEvent.method, LoginEvent.user_id)
        .where(LoginEvent.username == username).order_by(LoginEvent.id)).all()


def test_success_and_failure_are_recorded_with_the_account(client, world):
    db.session.execute(LoginEvent.__table__.delete())
    db.session.commit()
    client.post("/login/", data={"username": "opd_dinkes", "password": "salah-sekali"})
    client.post("/login/", data={"username": "opd_dinkes", "password": PASSWORD})
    client.get("/logout/")
    client.post("/login/", data={"username": "tidak_ada", "password": "apa-saja"})
    officer = world.user("opd_dinkes")
    assert _history("opd_dinkes") == [(False, "web", officer.id), (True, "web", officer.id)]
    assert _history("tidak_ada") == [(False, "web", None)]
