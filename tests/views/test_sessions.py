"""Sessions end on the server: a cookie copied before logout is refused after it, a password change
ends the other sessions (and tokens); the password policy holds on every path, the CLI included."""
import pytest

from app.extensions import appbuilder, db
from tests.conftest import PASSWORD, visible_text

STAFF_PAGE = "/complaintview/list/"


def signed_in(client):
    return client.get(STAFF_PAGE).status_code == 200


def copy_of(app, client):
    """A second browser holding the same session cookie (what a thief would copy)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    other = app.test_client()
    other.set_cookie(cookie.key, cookie.value, domain=cookie.domain or "localhost")
    return other


def login(app, username, password=PASSWORD):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    return client


@pytest.fixture
def restore_password(ctx):
    changed = []
    yield changed
    db.session.rollback()
    for username in changed:
        user = appbuilder.sm.find_user(username=username)
        appbuilder.sm.reset_password(user.id, PASSWORD)


def test_cookie_copied_before_logout_is_refused_after_it(app, ctx):
    with app.app_context():
        browser = login(app, "pimpinan")
    with app.app_context():
        stolen = copy_of(app, browser)
        assert signed_in(stolen)  # the copy works while the session is open...
    with app.app_context():
        browser.get("/logout/")
    with app.app_context():
        assert not signed_in(stolen)  # ...and not after logout
    with app.app_context():
        assert not signed_in(browser)


def test_password_change_ends_other_sessions_and_tokens(app, ctx, restore_password):
    restore_password.append("opd_pupr")
    with app.app_context():
        laptop = login(app, "opd_pupr")
    with app.app_context():
        phone = login(app, "opd_pupr")
    with app.app_context():
        token = app.test_client().post("/api/v1/security/login", json={
            "username": "opd_pupr", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    with app.app_context():
        response = laptop.post("/resetmypassword/form", data={"current_password": PASSWORD, "password": "Jalan-Baru-2026!", "conf_password": "Jalan-Baru-2026!"})
        assert response.status_code == 302
    with app.app_context():
        assert signed_in(laptop)  # the session that changed it goes on
    with app.app_context():
        assert not signed_in(phone)  # every other one ends
    with app.app_context():
        api = app.test_client().get("/api/v1/complaint/", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 401


@pytest.mark.parametrize("password,message", [
    ("1", "paling sedikit 10 karakter"),
    ("opd_pupr-2026-aman", "tidak boleh memuat nama pengguna"),
    ("Password2026!", "terlalu umum"),
    ("bismillah123", "terlalu umum"),
    ("aaaaaaaaaaaa", "terlalu umum"),
])
def test_policy_on_the_change_my_password_form(app, ctx, password, message):
    with app.app_context():
        client = login(app, "opd_pupr")
    with app.app_context():
        response = client.post("/resetmypassword/form", data={"password": password, "conf_password": password})
    assert response.status_code == 200
    assert message in visible_text(response.get_data(as_text=True))
    with app.app_context():
        assert login(app, "opd_pupr")  # unchanged


def test_policy_when_an_admin_adds_or_resets_a_user(app, ctx, login_as, world):
    admin = login_as("admin")
    response = admin.post("/users/add", data={
        "first_name": "Budi", "last_name": "Uji", "username": "budi_uji", "email": "budi@uji.go.id",
        "roles": [world.user("pimpinan").roles[0].id], "password": "budi_uji2026", "conf_password": "budi_uji2026"})
    assert "tidak boleh memuat nama pengguna" in visible_text(response.get_data(as_text=True))
    assert appbuilder.sm.find_user(username="budi_uji") is None
    target = world.user("opd_rsud")
    response = admin.post(f"/resetpassword/form?pk={target.id}", data={"password": "12345678", "conf_password": "12345678"})
    assert "terlalu umum" in visible_text(response.get_data(as_text=True))


def test_policy_in_the_create_admin_command(app, ctx):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["lapor", "create-admin", "--username", "kepala", "--email", "kepala@uji.go.id",
                                  "--password", "1"])
    assert refused.exit_code != 0 and "paling sedikit 10 karakter" in refused.output
    assert appbuilder.sm.find_user(username="kepala") is None
    refused = runner.invoke(args=["lapor", "create-admin", "--username", "kepala", "--email", "kepala@uji.go.id",
                                  "--password", "kepala12345"])
    assert refused.exit_code != 0 and "nama pengguna" in refused.output
    made = runner.invoke(args=["lapor", "create-admin", "--username", "kepala", "--email", "kepala@uji.go.id",
                               "--password", "Pantai-Selatan-9"])
    assert made.exit_code == 0, made.output
    user = appbuilder.sm.find_user(username="kepala")
    try:
        assert user is not None
    finally:
        user.roles = []
        db.session.delete(user)
        db.session.commit()


def test_create_admin_refuses_an_address_mail_cannot_reach_and_one_already_in_use(app, ctx, world):
    """``--email x`` made an administrator whose password resets and notices went nowhere; an address
    another account uses ended in "could not be created" without a reason."""
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["lapor", "create-admin", "--username", "kepala", "--email", "x",
                                  "--password", "Pantai-Selatan-9"])
    assert refused.exit_code != 0 and "x bukan alamat e-mail yang valid" in refused.output
    taken = world.user("koordinator").email
    refused = runner.invoke(args=["lapor", "create-admin", "--username", "kepala", "--email", taken,
                                  "--password", "Pantai-Selatan-9"])
    assert refused.exit_code != 0 and "sudah dipakai akun lain" in refused.output
    assert appbuilder.sm.find_user(username="kepala") is None


def test_a_user_name_with_spaces_or_markup_is_refused_with_the_form_kept(app, ctx, login_as, world):
    """User names took emoji, spaces and "<script>": escaped on output, but hard to type at sign-in,
    to tell apart in the login history and in every "who" column."""
    admin = login_as("admin")
    for name in ("budi uji", "<script>x</script>", "budi\U0001F600", "b"):
        response = admin.post("/users/add", data={
            "first_name": "Budi", "last_name": "Uji", "username": name, "email": "budi@uji.go.id",
            "roles": [world.user("pimpinan").roles[0].id], "password": "Pantai-Selatan-9",
            "conf_password": "Pantai-Selatan-9"})
        page = visible_text(response.get_data(as_text=True))
        assert "Nama pengguna terdiri atas 3 sampai 64" in page and "budi@uji.go.id" in response.get_data(as_text=True)
        assert appbuilder.sm.find_user(username=name) is None
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["lapor", "create-admin", "--username", "kepala dinas", "--email", "kepala@uji.go.id",
                                  "--password", "Pantai-Selatan-9"])
    assert refused.exit_code != 0 and "Nama pengguna terdiri atas" in refused.output
    assert appbuilder.sm.find_user(username="kepala dinas") is None
