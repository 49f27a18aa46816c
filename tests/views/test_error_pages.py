"""Every error page renders in Indonesian, keeps its status and the navigation, for anonymous
and signed-in users, on public and staff pages; the error page itself never fails."""
import pytest
from flask import abort

from tests.conftest import visible_text

CODES = {
    400: "Permintaan tidak valid.",
    403: "Anda tidak memiliki akses ke halaman ini.",
    404: "tidak ditemukan",
    405: "Metode permintaan tidak diizinkan.",
    413: "terlalu besar",
    429: "Terlalu banyak permintaan",
    500: "Terjadi kesalahan pada server",
}
PAGES = {"public": ("public.track", "/lacak"), "staff": ("DashboardView.index", "/dasbor/")}


def failing(code):
    def view(*args, **kwargs):
        if code == 500:
            raise RuntimeError("kaboom: Traceback marker")
        abort(code)
    return view


def assert_error_page(response, code):
    html = response.get_data(as_text=True)
    assert response.status_code == code
    text = visible_text(html)
    assert CODES[code] in text, text[:400]
    assert 'class="navbar' in html or '<nav' in html, "the navigation is gone"
    for leak in ("Traceback", "kaboom", "Internal Server Error", "AttributeError"):
        assert leak not in html


@pytest.mark.parametrize("code", sorted(CODES))
@pytest.mark.parametrize("who", [None, "opd_dinkes"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_error_page(app, client, login_as, monkeypatch, code, who, page):
    endpoint, url = PAGES[page]
    if who:
        login_as(who)
    monkeypatch.setitem(app.view_functions, endpoint, failing(code))
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # a 500 reaches its handler, as in production
    assert_error_page(client.get(url), code)


@pytest.mark.parametrize("who", [None, "koordinator"])
def test_real_errors_not_found_and_method_not_allowed(client, login_as, who):
    if who:
        login_as(who)
    assert_error_page(client.get("/halaman-yang-tidak-ada"), 404)
    assert_error_page(client.get("/laporan/ZZZZ-ZZZZ-Z"), 404)
    assert_error_page(client.delete("/lacak"), 405)


@pytest.mark.parametrize("who", [None, "koordinator"])
def test_a_method_no_page_accepts_is_a_405_even_with_form_tokens_checked(app, client, login_as, monkeypatch, who):
    """Not the "your form expired" page: there was no form, and resending cannot help."""
    if who:
        login_as(who)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for response in (client.post("/laporan"), client.put("/transparansi"), client.delete("/lacak"),
                     client.patch("/laporan/ABCD-EFGH-J")):
        assert_error_page(response, 405)
        assert "kedaluwarsa" not in response.get_data(as_text=True)
    assert client.post("/lacak", data={"number": "x"}).status_code == 400  # a real form without its token


@pytest.mark.parametrize("who", [None, "koordinator"])
def test_too_large_upload(app, client, login_as, monkeypatch, who):
    if who:
        login_as(who)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    assert_error_page(client.post("/lacak", data={"number": "x" * 5000}), 413)


def test_expired_form_token_keeps_the_input_for_a_signed_in_user(app, login_as, world, monkeypatch):
    client = login_as("koordinator")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/complaintview/add", data={
        "csrf_token": "kedaluwarsa", "title": "Jalan berlubang di Desa Mekar", "description": "Lubang besar sekali.",
        "channel": world.channel("phone").id, "kind": "complaint"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "terlalu lama terbuka" in visible_text(html)
    assert 'class="navbar' in html and "AttributeError" not in html
    assert 'value="Jalan berlubang di Desa Mekar"' in html and 'id="resend-form"' in html
    assert 'name="csrf_token" value="kedaluwarsa"' not in html


def test_a_deep_link_while_logged_out_leads_to_login_and_back(client, make_case):
    case = make_case()
    client.get("/logout/")
    response = client.get(f"/complaintview/show/{case.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login_url = response.headers["Location"]
    from tests.conftest import PASSWORD

    response = client.post(login_url, data={"username": "koordinator", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/complaintview/show/{case.id}")


def test_after_login_staff_land_on_their_dashboard_without_a_redirect_warning(client, caplog):
    from tests.conftest import PASSWORD

    client.get("/logout/")
    response = client.post("/login/", data={"username": "opd_dinkes", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dasbor/")
    assert "Invalid redirect" not in caplog.text
