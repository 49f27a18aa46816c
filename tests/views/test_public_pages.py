"""Fast, accessible public pages: only what each page uses, compressed, cached, landmarks, footer, privacy."""
import gzip
import io
import re

import pytest

from tests.conftest import visible_text
from tests.views.test_public import report_data

HEAVY = re.compile(r"jquery|select2|datepicker|fontawesome|font-awesome|bootstrap\.min", re.I)


def public_pages(make_case):
    case = make_case(status="dispatched", agency="DINKES")
    return ["/", "/lapor", "/lacak", "/laporan", f"/laporan/{case.tracking_number}",
            f"/lacak/{case.tracking_number}", "/transparansi", "/privasi", "/laporan/BUKAN-NOMOR"]


def test_public_pages_ship_no_jquery_select2_datepicker_or_font_awesome_and_no_inline_script(client, make_case):
    for url in public_pages(make_case):
        body = client.get(url).get_data(as_text=True)
        assert not HEAVY.search(body), url
        inline = [tag for tag in re.findall(r"<script\b[^>]*>", body) if "src=" not in tag and "application/json" not in tag]
        assert inline == [], url


def test_layout_has_language_landmarks_active_item_footer_and_favicon(app, client, make_case):
    for url in public_pages(make_case):
        body = client.get(url).get_data(as_text=True)
        assert '<html lang="id">' in body, url
        for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
            assert landmark in body, (url, landmark)
        assert 'rel="icon"' in body and app.config["INSTALLATION_NAME"] in body
        assert app.config["INSTALLATION_ADDRESS"] in body and app.config["INSTALLATION_EMAIL"] in body
        assert 'href="/privasi"' in body
    lapor = client.get("/lapor").get_data(as_text=True)
    assert re.search(r'<a href="/lapor" aria-current="page"', lapor)
    assert len(re.findall(r'aria-current="page"', lapor)) == 1
    status_page = client.get(public_pages(make_case)[5]).get_data(as_text=True)
    assert re.search(r'<a href="/lacak" aria-current="page"', status_page)


def test_privacy_page_follows_the_settings(app, client):
    app.config.update(PRIVACY_CONTACT="PPID Diskominfo, ppid@contoh.go.id", IDENTITY_RETENTION_DAYS=730)
    try:
        text = visible_text(client.get("/privasi").get_data(as_text=True))
    finally:
        app.config.update(PRIVACY_CONTACT="", IDENTITY_RETENTION_DAYS=0)
    assert "PPID Diskominfo, ppid@contoh.go.id" in text and "730 hari" in text and "30 hari" in text
    assert "UU PDP" in text


def test_tracking_page_shows_a_status_stepper(client, make_case):
    case = make_case(status="in_progress", agency="DINKES")
    body = client.get(f"/lacak/{case.tracking_number}").get_data(as_text=True)
    steps = re.findall(r'<li class="step step-(\w+)"', body)
    assert steps == ["done", "done", "current", "todo", "todo"]
    assert 'aria-current="step"' in body


def test_rating_has_labels_for_every_value(client, make_case):
    from tests.views.test_public import enter_code

    case = make_case(status="resolved", agency="DINKES")
    text = visible_text(enter_code(client, case).get_data(as_text=True))
    for word in ("sangat tidak puas", "tidak puas", "biasa saja", "puas", "sangat puas"):
        assert word in text
    assert "Penilaian Anda (1 = sangat tidak puas, 5 = sangat puas)" in text


def test_pages_and_static_files_are_compressed_and_versioned_files_cached_long(client):
    page = client.get("/lapor", headers={"Accept-Encoding": "gzip"})
    assert page.headers.get("Content-Encoding") == "gzip"
    html = gzip.decompress(page.get_data()).decode()
    css = re.search(r'href="(/static/css/public\.css\?v=[0-9a-f]{10})"', html).group(1)
    js = re.search(r'src="(/static/js/lapor\.js\?v=[0-9a-f]{10})"', html).group(1)
    for url in (css, js):
        response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert response.headers.get("Content-Encoding") == "br", url
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache and "no-cache" not in cache
    plain = client.get("/static/css/public.css")
    assert "immutable" not in plain.headers.get("Cache-Control", "")


def test_a_refused_upload_keeps_the_typed_text(client):
    from app.workflow.attachments import MAX_BYTES

    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (MAX_BYTES + 10)
    data = report_data(title="Trotoar ambles dekat sekolah", description="Trotoar di depan SD Negeri 5 ambles sedalam "
                       "setengah meter dan membahayakan anak-anak.")
    data["attachments"] = [(io.BytesIO(big), "besar.png")]
    response = client.post("/lapor", data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Trotoar ambles dekat sekolah"' in body and "setengah meter dan membahayakan" in body
    assert 'value="Dewi Lestari"' in body


def test_a_body_over_the_limit_is_refused_before_reading_with_a_way_back_to_the_draft(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        data = report_data()
        data["attachments"] = [(io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024)), "foto.jpg")]
        response = client.post("/lapor", data=data, content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 30 * 1024 * 1024
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    text = visible_text(body)
    assert "lebih besar dari 1 MB" in text and "Yang sudah Anda ketik tetap tersimpan" in text
    assert re.search(r'<a class="btn btn-primary" href="/lapor">', body)


def test_the_form_checks_files_before_sending_with_the_server_limits(client):
    from app.workflow.attachments import MAX_BYTES, MAX_FILES

    body = client.get("/lapor").get_data(as_text=True)
    assert f'data-max-bytes="{MAX_BYTES}"' in body and f'data-max-files="{MAX_FILES}"' in body
    assert 'id="upload-preview"' in body and 'id="draft-restored"' in body


def crawler_may_read(robots, path):
    """RFC 9309 as search engines read robots.txt: the longest matching rule wins, Allow on a tie;
    ``*`` matches anything, a final ``$`` ends the path."""
    best = (-1, True)
    for line in robots.splitlines():
        field, _sep, value = line.partition(":")
        value = value.strip()
        if field.strip().lower() not in ("allow", "disallow") or not value:
            continue
        pattern = re.escape(value.rstrip("$")).replace(r"\*", ".*") + ("$" if value.endswith("$") else "")
        if re.match(pattern, path):
            rule = (len(value), field.strip().lower() == "allow")
            best = max(best, rule)
    return best[1]


def test_crawlers_read_the_public_pages_but_not_tracking_pages_staff_area_or_api(client, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    robots = response.get_data(as_text=True)
    assert robots.startswith("User-agent: *")
    for path in ("/", "/lapor", "/laporan", f"/laporan/{case.tracking_number}", "/laporan?status=closed",
                 "/transparansi", "/transparansi/2026-10.csv", "/privasi", "/static/css/public.css"):
        assert crawler_may_read(robots, path), path
    for path in ("/lacak", f"/lacak/{case.tracking_number}", "/lapor/terkirim", "/login/", "/complaintview/list/",
                 "/dashboardview/", "/api/v1/complaint/", "/open311/v2/requests.json", "/users/list/", "/lang/en"):
        assert not crawler_may_read(robots, path), path
    # it names no path but the public ones (no staff, API or channel address is advertised)
    named = [line.split(":", 1)[1].strip() for line in robots.splitlines() if line.startswith(("Allow", "Disallow"))]
    assert sorted(named) == sorted(["/$", "/lapor$", "/laporan", "/transparansi", "/privasi", "/static/", "/"])
    assert case.tracking_number not in robots


def test_favicon_ico_answers_with_the_sites_icon(app, client):
    import os

    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    with open(os.path.join(app.static_folder, "img", "favicon.svg"), "rb") as handle:
        assert response.get_data() == handle.read()
    assert "max-age" in response.headers["Cache-Control"]
