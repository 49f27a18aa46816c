"""Headers on every page, a strict script policy, CSRF that no header switches off, proxy-aware limits."""
import re

import pytest

PUBLIC_PAGES = ["/", "/lapor", "/lacak", "/laporan", "/transparansi", "/login/", "/health"]
STAFF_PAGES = ["/complaintview/list/", "/dasbor/", "/complaintview/add", "/users/list/", "/antrean/",
               "/notifikasi/", "/agencyview/list/", "/transparencyreportview/list/", "/users/userinfo/"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.I)


def assert_secure_headers(response, url):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, url
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
    assert headers["X-Content-Type-Options"] == "nosniff", url
    assert headers["X-Frame-Options"] == "DENY", url
    assert headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "no-referrer"), url
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    body = response.get_data(as_text=True)
    for attrs in INLINE_SCRIPT.findall(body):
        # every inline script carries this response's nonce (or is data, not code)
        assert f'nonce="{nonce}"' in attrs or 'type="application/json"' in attrs, (url, attrs)


def test_every_public_page_carries_the_headers(client, make_case):
    case = make_case(status="dispatched", agency="PUPR")
    for url in PUBLIC_PAGES + [f"/lacak/{case.tracking_number}", f"/laporan/{case.tracking_number}"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response, url)
    assert client.get(f"/lacak/{case.tracking_number}").headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/laporan").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    # plain HTTP installation: no HSTS, cookies may travel without TLS
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_every_staff_page_carries_the_headers(login_as, make_case):
    case = make_case(status="dispatched", agency="PUPR")
    client = login_as("admin")
    for url in STAFF_PAGES + [f"/complaintview/show/{case.id}"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_secure_headers(response, url)


def test_error_pages_carry_the_headers(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert_secure_headers(response, "404")


def test_https_installation_sends_hsts(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    assert "max-age=" in client.get("/").headers["Strict-Transport-Security"]


def test_production_cookie_settings_follow_https(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("PREFERRED_URL_SCHEME", "https")
    try:
        production = importlib.reload(config).Config
        assert production.SESSION_COOKIE_SECURE is True and production.SESSION_COOKIE_HTTPONLY is True
    finally:
        monkeypatch.delenv("PREFERRED_URL_SCHEME")
        assert importlib.reload(config).Config.SESSION_COOKIE_SECURE is False


# --- CSRF --------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_bearer_header_does_not_skip_csrf_on_a_cookie_session(app, login_as, make_case, monkeypatch):
    from app.extensions import db
    from app.models import Complaint

    case = make_case()
    client = login_as("koordinator")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/complaintview/transition/{case.id}/verify",
                           headers={"Authorization": "Bearer junk"}, data={})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True) or "tidak valid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == "received"
    # the same without the header: refused the same way (never a 500)
    assert client.post(f"/complaintview/transition/{case.id}/verify", data={}).status_code == 400
    assert client.post(f"/complaintview/action_post", data={"action": "bulk_verify", "rowid": case.id}).status_code == 400


def test_json_api_login_needs_no_dummy_header(client, csrf_on):
    response = client.post("/api/v1/security/login", json={
        "username": "opd_dinkes", "password": "Rahasia-uji-123", "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["access_token"]


# --- behind a reverse proxy ------------------------------------------------------------------


def _post_reports(client, address, count):
    return [client.post("/lapor", data={}, headers={"X-Forwarded-For": address}).status_code
            for _ in range(count)]


def test_limits_key_on_the_forwarded_address_only_behind_a_trusted_proxy(app, client, monkeypatch):
    from app import _trust_proxies

    monkeypatch.setitem(app.config, "PUBLIC_SUBMIT_RATE_LIMIT", "3 per hour")
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", 1)
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    _trust_proxies(app)
    assert _post_reports(client, "198.51.100.7", 4) == [400, 400, 400, 429]
    # another citizen behind the same nginx is not blocked by the first one
    assert _post_reports(client, "198.51.100.8", 1) == [400]


def test_forwarded_header_is_ignored_without_the_setting(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_SUBMIT_RATE_LIMIT", "2 per hour")
    assert app.config["TRUSTED_PROXIES"] == 0
    assert _post_reports(client, "198.51.100.20", 2) == [400, 400]
    # a forged header does not buy a fresh limit: it is the same socket address
    assert _post_reports(client, "198.51.100.21", 1) == [429]
