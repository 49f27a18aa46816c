"""Brute force on staff sign-in gets nowhere: increasing delay, lockout (web and API), history, alert."""
import datetime
import re

import pytest
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import LoginEvent, Notification
from tests.conftest import PASSWORD, visible_text


class FakeClock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def fake_clock(ctx, monkeypatch):
    """The login rules read app.clock.utcnow: time moves only when the test says so."""
    from app import clock

    def forget():
        db.session.rollback()
        db.session.execute(delete(LoginEvent))
        db.session.execute(delete(Notification).where(Notification.topic == "login_burst"))
        db.session.commit()

    forget()  # sign-ins of other tests happened at the real time
    fake = FakeClock(datetime.datetime(2026, 11, 2, 8, 0, 0))
    monkeypatch.setattr(clock, "utcnow", fake)
    yield fake
    forget()


def web_login(client, username, password, address="127.0.0.1"):
    return client.post("/login/", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, follow_redirects=True)


def signed_in(client):
    return client.get("/complaintview/list/").status_code == 200


def history(username):
    return db.session.execute(select(LoginEvent.success, LoginEvent.method)
                              .where(LoginEvent.username == username).order_by(LoginEvent.id)).all()


def burst_notices():
    return db.session.execute(select(Notification.user_id, Notification.text)
                              .where(Notification.topic == "login_burst")).all()


def test_ten_wrong_passwords_lock_the_account_on_the_web(client, world, fake_clock):
    for _attempt in range(10):
        web_login(client, "opd_pupr", "tebak-tebak")
        assert not signed_in(client)
        fake_clock.advance(seconds=61)  # slower than the increasing delay: only the count locks
    response = web_login(client, "opd_pupr", PASSWORD)
    assert re.search(r"akun dikunci selama 1[45] menit", visible_text(response.get_data(as_text=True)))
    assert not signed_in(client)
    # the coordinator and the admin were alerted once, naming the account, not the password
    notices = burst_notices()
    assert {user_id for user_id, _text in notices} == {world.user("koordinator").id, world.user("admin").id}
    assert all("opd_pupr" in text and "tebak" not in text for _user, text in notices)
    fake_clock.advance(minutes=15, seconds=1)
    web_login(client, "opd_pupr", PASSWORD)
    assert signed_in(client)
    assert history("opd_pupr") == [(False, "web")] * 11 + [(True, "web")]
    assert len(burst_notices()) == 2


def test_delay_grows_after_three_failures_without_sleeping(client, fake_clock):
    for _attempt in range(3):
        web_login(client, "opd_rsud", "salah-lagi")
    response = web_login(client, "opd_rsud", PASSWORD)  # the right password, but too soon
    assert "Tunggu 2 detik" in visible_text(response.get_data(as_text=True))
    assert not signed_in(client)
    # hammering counts: 4 failures now, so the wait doubled to 2 seconds after the last one
    fake_clock.advance(seconds=1)
    web_login(client, "opd_rsud", PASSWORD)
    assert not signed_in(client)
    fake_clock.advance(seconds=4)  # 5 failures: 4 seconds after the last attempt
    web_login(client, "opd_rsud", PASSWORD)
    assert signed_in(client)
    assert history("opd_rsud") == [(False, "web")] * 5 + [(True, "web")]


def test_api_login_is_locked_the_same_way(client, fake_clock):
    def api_login(password):
        return client.post("/api/v1/security/login",
                           json={"username": "opd_dinkes", "password": password, "provider": "db"})

    for _attempt in range(10):
        assert api_login("bukan-ini").status_code == 401
        fake_clock.advance(seconds=61)
    response = api_login(PASSWORD)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 800
    assert "dikunci" in response.get_json()["message"]
    fake_clock.advance(minutes=16)
    assert api_login(PASSWORD).status_code == 200
    assert history("opd_dinkes") == [(False, "api")] * 11 + [(True, "api")]


def test_one_address_spraying_many_accounts_is_locked(client, fake_clock):
    for number in range(30):
        web_login(client, f"tamu{number}", "password123", address="203.0.113.9")
    assert len(burst_notices()) == 2 and "203.0.113.9" in burst_notices()[0][1]
    web_login(client, "opd_pupr", PASSWORD, address="203.0.113.9")
    assert not signed_in(client)
    web_login(client, "opd_pupr", PASSWORD, address="203.0.113.10")
    assert signed_in(client)


def test_admin_sees_the_login_history(client, login_as, fake_clock):
    web_login(client, "pimpinan", "keliru-sekali", address="198.51.100.44")
    page = login_as("admin").get("/loginhistoryview/list/")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "pimpinan" in text and "Gagal" in text and "198.51.100.44" in text and "Berhasil" in text
    assert login_as("koordinator").get("/loginhistoryview/list/").status_code in (302, 403)
    assert db.session.execute(select(func.count()).select_from(LoginEvent)).scalar() >= 3


def test_guessing_from_elsewhere_never_locks_the_owner_out_of_a_known_address(client, world, fake_clock):
    web_login(client, "opd_pupr", PASSWORD, address="10.20.0.7")  # the owner's office, yesterday
    assert signed_in(client)
    client.get("/logout/")
    fake_clock.advance(days=1)
    for _attempt in range(10):  # someone else guesses until the account locks
        web_login(client, "opd_pupr", "tebak-tebak", address="203.0.113.50")
        fake_clock.advance(seconds=61)
    web_login(client, "opd_pupr", PASSWORD, address="203.0.113.50")
    assert not signed_in(client)  # locked for the guesser, and the coordinators were told
    assert len(burst_notices()) == 2
    web_login(client, "opd_pupr", PASSWORD, address="10.20.0.7")
    assert signed_in(client)  # the owner works on from the known address
    client.get("/logout/")
    # guessing from the known address itself is limited as before
    for _attempt in range(10):
        web_login(client, "opd_pupr", "salah-lagi", address="10.20.0.7")
        fake_clock.advance(seconds=61)
    web_login(client, "opd_pupr", PASSWORD, address="10.20.0.7")
    assert not signed_in(client)


def test_the_sign_in_limits_come_from_the_environment(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("LOGIN_LOCK_AFTER", "5")
    monkeypatch.setenv("LOGIN_TRUSTED_DAYS", "7")
    try:
        reloaded = importlib.reload(config).Config
        assert (reloaded.LOGIN_LOCK_AFTER, reloaded.LOGIN_TRUSTED_DAYS) == (5, 7)
    finally:
        monkeypatch.delenv("LOGIN_LOCK_AFTER")
        monkeypatch.delenv("LOGIN_TRUSTED_DAYS")
        importlib.reload(config)
