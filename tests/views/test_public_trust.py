"""Issue 12: the privacy promise holds (public name only on opt-in) and the reply code stays off URLs and logs."""
import contextlib
import datetime
import http.cookiejar
import logging
import re
import socket
import threading
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Complaint
from app.workflow.numbers import ALPHABET, new_reply_code, normalise_reply_code
from tests.conftest import assert_hidden, visible_text
from tests.views.test_public import enter_code, report_data, submit

NAME = "Kartika Wulandari"


@contextlib.contextmanager
def config_values(app, **values):
    before = {k: app.config.get(k) for k in values}
    app.config.update(values)
    try:
        yield
    finally:
        app.config.update(before)


def submitted_case(client, **overrides):
    response = submit(client, **overrides)
    assert response.status_code == 302, visible_text(response.get_data(as_text=True))[:500]
    page = client.get("/lapor/terkirim").get_data(as_text=True)
    number = re.search(r'id="tracking-number">([A-Z0-9-]+)<', page).group(1)
    code = re.search(r'id="reply-code">([^<]+)<', page).group(1)
    case = db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one()
    case.reply_code = code
    return case


def publish(case, world):
    from app.workflow import lifecycle

    lifecycle.dispose(case, world.user("koordinator"), world.agency("DINKES"))
    db.session.commit()


def public_bodies(app, case):
    """Every page, API and export reachable without a staff login that could mention the case."""
    from app import reports

    period = case.received_at.strftime("%Y-%m")
    report = reports.build(period)
    reports.publish(report.id)
    with app.test_client() as anonymous:
        urls = ["/", "/laporan", f"/laporan?q={case.title[:12]}", f"/laporan/{case.tracking_number}",
                f"/lacak/{case.tracking_number}", f"/transparansi?periode={period}",
                f"/transparansi/{period}.csv", f"/transparansi/{period}.xlsx",
                "/api/v1/complaint/", f"/api/v1/complaint/{case.id}"]
        bodies = {}
        for url in urls:
            response = anonymous.get(url)
            assert response.status_code in (200, 401, 403), url
            body = response.get_data()
            if url.endswith(".xlsx"):
                import io

                import openpyxl

                book = openpyxl.load_workbook(io.BytesIO(body))
                body = " ".join(str(c.value) for s in book.worksheets for r in s.iter_rows() for c in r)
            bodies[url] = body
        return bodies


def test_without_the_opt_in_the_name_is_on_no_public_page_api_or_export(app, client, world):
    case = submitted_case(client, name=NAME)
    assert case.show_reporter_name is False
    publish(case, world)
    for url, body in public_bodies(app, case).items():
        assert_hidden(body, NAME, "0812 1111 2222", "081211112222", "dewi.lestari@contoh.id")
    detail = client.get(f"/laporan/{case.tracking_number}").get_data(as_text=True)
    assert "Tidak ditampilkan" in visible_text(detail)


def test_with_the_opt_in_the_public_detail_shows_the_name_only(app, client, world):
    case = submitted_case(client, name=NAME, show_name="y")
    assert case.show_reporter_name is True
    publish(case, world)
    detail = client.get(f"/laporan/{case.tracking_number}").get_data(as_text=True)
    assert NAME in visible_text(detail)
    assert_hidden(detail, "081211112222", "0812 1111 2222", "dewi.lestari@contoh.id")


def test_the_opt_in_never_names_an_anonymous_reporter(client, world):
    case = submitted_case(client, name=NAME, show_name="y", is_anonymous="y")
    assert case.show_reporter_name is False


def test_the_form_promise_says_exactly_what_happens(client):
    page = visible_text(client.get("/lapor").get_data(as_text=True))
    assert "tidak pernah ditampilkan" in page  # contact data
    assert "Tampilkan nama saya" in page  # the opt-in, unticked by default
    assert not re.search(r'name="show_name"[^>]*checked', client.get("/lapor").get_data(as_text=True))


def test_staff_entered_cases_default_to_hidden(login_as, world):
    client = login_as("koordinator")
    client.post("/complaintview/add", data={
        "kind": "complaint", "title": "Laporan telepon warga Desa Mekar", "description": "Jembatan desa retak sejak banjir.",
        "channel": world.channel("phone").id, "reporter_name": NAME, "reporter_phone": "081377778888",
        "reporter_consent": "y"})
    case = db.session.execute(select(Complaint).where(Complaint.title == "Laporan telepon warga Desa Mekar")).scalar_one()
    assert case.show_reporter_name is False


# --- the reply code ---------------------------------------------------------------------


def test_reply_code_reads_aloud_grouped_with_at_least_40_bits():
    import math

    code = new_reply_code()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert not set(code.replace("-", "")) & set("01OIL")
    assert 12 * math.log2(len(ALPHABET)) >= 40
    assert normalise_reply_code(code.lower().replace("-", " ")) == code


def test_the_code_in_a_query_string_opens_nothing(client, make_case):
    case = make_case(confidential=True, status="dispatched", agency="DINKES")
    response = client.get(f"/lacak/{case.tracking_number}?kode={case.reply_code}")
    assert response.status_code == 303 and case.reply_code not in response.headers["Location"]
    assert client.get(f"/lacak/{case.tracking_number}").status_code == 404  # no access was granted


def test_session_access_is_limited_in_time(client, make_case, monkeypatch):
    import app.clock

    case = make_case(confidential=True, status="dispatched", agency="DINKES")
    assert enter_code(client, case).status_code == 200
    later = app.clock.utcnow() + datetime.timedelta(minutes=31)
    monkeypatch.setattr(app.clock, "utcnow", lambda: later)
    assert client.get(f"/lacak/{case.tracking_number}").status_code == 404


def test_after_n_wrong_codes_the_case_code_locks_until_a_coordinator_issues_a_new_one(app, client, make_case, login_as):
    case = make_case(status="resolved", agency="DINKES")
    with config_values(app, REPLY_CODE_MAX_FAILURES=5):
        for _ in range(5):
            enter_code(client, case, "AAAA-BBBB-CCCC")
        page = visible_text(enter_code(client, case).get_data(as_text=True))  # even the right code now
    assert "terkunci" in page and 'id="action-confirm"' not in page
    db.session.expire_all()
    locked = db.session.get(Complaint, case.id)
    assert locked.reply_code_locked_at is not None and locked.reply_code_failures == 5
    # the coordinator sees the lock and issues a new code (shown once)
    staff = app.test_client()
    staff.post("/login/", data={"username": "koordinator", "password": "Rahasia-uji-123"})
    assert "code-locked" in staff.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    page = staff.post(f"/complaintview/reply_code/{case.id}").get_data(as_text=True)
    new_code = re.search(r'class="code-text"[^>]*>([A-Z2-9-]+)<', page).group(1)
    assert 'id="new-reply-code"' in page
    assert 'id="action-confirm"' not in enter_code(client, case, case.reply_code).get_data(as_text=True)
    assert 'id="action-confirm"' in enter_code(client, case, new_code).get_data(as_text=True)
    # an OPD officer cannot issue codes
    staff.get("/logout/")  # (the test's app context caches the signed-in user)
    opd = app.test_client()
    assert opd.post("/login/", data={"username": "opd_dinkes", "password": "Rahasia-uji-123"}).status_code == 302
    response = opd.post(f"/complaintview/reply_code/{case.id}", follow_redirects=True)
    assert 'id="new-reply-code"' not in response.get_data(as_text=True)
    assert 'id="action-confirm"' in enter_code(client, case, new_code).get_data(as_text=True)


def test_reply_codes_and_lookups_are_limited_per_address_on_every_method(app, client, make_case):
    case = make_case(status="resolved", agency="DINKES")
    other = make_case(status="resolved", agency="DINKES")
    with config_values(app, PUBLIC_CODE_RATE_LIMIT="3 per minute", REPLY_CODE_MAX_FAILURES=100):
        codes = [client.post(f"/lacak/{n}/kode", data={"code": "AAAA-BBBB-CCCC"}).status_code
                 for n in (case.tracking_number, other.tracking_number) * 2]
    assert codes[:3] == [303, 303, 303] and codes[3] == 429
    with config_values(app, PUBLIC_TRACK_RATE_LIMIT="4 per minute"):
        gets = [client.get(f"/lacak/{case.tracking_number}").status_code for _ in range(5)]
        posts = [client.post("/lacak", data={"number": case.tracking_number}).status_code for _ in range(5)]
    assert gets == [200] * 4 + [429]
    assert posts[-1] == 429


def test_no_response_of_the_tracking_flow_carries_the_code_and_the_access_log_holds_none(app, make_case):
    """A real Werkzeug server: its access-log lines and every URL / Location header stay free of the code."""
    from werkzeug.serving import make_server

    case = make_case(status="resolved", agency="DINKES")
    code = case.reply_code
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Capture()
    werkzeug_log = logging.getLogger("werkzeug")
    werkzeug_log.addHandler(handler)
    old_level = werkzeug_log.level
    werkzeug_log.setLevel(logging.INFO)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    seen = []

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code_, msg, headers, newurl):
            seen.append(("Location", headers.get("Location", "")))
            return super().redirect_request(req, fp, code_, msg, headers, newurl)

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    base = f"http://127.0.0.1:{port}"
    try:
        def go(path, data=None):
            body = urllib.parse.urlencode(data).encode() if data is not None else None
            with opener.open(base + path, data=body) as response:
                seen.append(("URL", response.geturl()))
                return response.read().decode()

        go("/lacak", {"number": case.tracking_number})
        go(f"/lacak/{case.tracking_number}/kode", {"code": "SALAH-KODE"})
        page = go(f"/lacak/{case.tracking_number}/kode", {"code": code})
        assert 'id="action-confirm"' in page
        go(f"/lacak/{case.tracking_number}/reporter_reply", {"text": "Terima kasih, sudah saya cek."})
        go(f"/lacak/{case.tracking_number}/confirm", {"rating": "5"})
    finally:
        server.shutdown()
        werkzeug_log.removeHandler(handler)
        werkzeug_log.setLevel(old_level)
    assert len([r for r in records if "/lacak" in r]) >= 5, records
    for record in records:
        assert code not in record and code.replace("-", "") not in record
    for kind, value in seen:
        assert code not in value, (kind, value)
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).status == "closed"


def test_receipt_offers_copy_and_print_and_no_link_with_the_code(client):
    submit(client)
    page = client.get("/lapor/terkirim").get_data(as_text=True)
    code = re.search(r'id="reply-code">([^<]+)<', page).group(1)
    assert 'id="copy-code"' in page and 'id="print-code"' in page
    assert not re.search(r'href="[^"]*' + re.escape(code), page)
    assert "<script>" not in page  # JS comes from static files (strict CSP)
