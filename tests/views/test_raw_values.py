"""No raw values on the staff screens: a crawl as every role over every list, show, add and edit
page finds no Python or database text, no internal code (channel, kind, state), no role in
brackets; database integrity errors become Indonesian field messages."""
import html
import re

import pytest

from tests.conftest import visible_text

ROLES = ["admin", "koordinator", "pimpinan", "opd_dinkes"]
# stored codes that must read as their labels ("web" and "app" are left out: "Situs web" is a label)
CODES = ["phone", "in_person", "letter", "social_media", "complaint", "aspiration", "information", "received",
         "on_hold", "in_progress", "dispatched", "resolved", "closed", "archived", "forwarded", "on_time",
         "due_soon", "overdue", "collective_leave"]
RAW = [r"\bNone\b", r"__None", r"\bTrue\b", r"\bFalse\b", r"\[(Admin|Koordinator|OPD|Pimpinan|Public)\]",
       r"Traceback", r"IntegrityError", r"SQL:", r"\bnan\b"]
CODE_PATTERNS = [rf"(?<![\w/.-]){code}(?![\w/.-])" for code in CODES]
# the channel screen shows each channel's code on purpose: integrations (WhatsApp, Open311) name it
CODES_SHOWN_ON_PURPOSE = ("/channelview/",)


def readable(body):
    """What a person reads: visible text, option labels, and the attributes shown on screen."""
    body = re.sub(r'<input[^>]+type="(hidden|checkbox|radio)"[^>]*>', " ", body)
    attrs = re.findall(r'(?:placeholder|title|aria-label|alt)="([^"]*)"', body)
    attrs += re.findall(r'<input[^>]*\svalue="([^"]*)"', body)
    return html.unescape(visible_text(body) + " " + " ".join(attrs))


def raw_values_in(text, url=""):
    patterns = RAW + ([] if url.startswith(CODES_SHOWN_ON_PURPOSE) else CODE_PATTERNS)
    return sorted({m.group(0) for pattern in patterns for m in re.finditer(pattern, text)})


def crawl(client):
    home = client.get("/dasbor/").get_data(as_text=True)
    navbar = re.search(r'(?s)<div class="navbar-collapse collapse">.*?</header>', home).group(0)
    queue = ["/dasbor/", "/users/userinfo/"] + sorted(set(re.findall(r'href="(/[^"#?]+)"', navbar)))
    seen, pages = set(), {}
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith(("/logout", "/lang/")) or "/delete/" in url or "/download" in url \
                or "/export" in url:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        body = response.get_data(as_text=True)
        pages[url] = body
        if "/list/" in url:
            for pattern in (r'href="(/[\w]+/show/\d+)"', r'href="(/[\w]+/edit/\d+)"', r'href="(/[\w]+/add)"'):
                queue.extend(sorted(set(re.findall(pattern, body)))[:2])
    return pages


@pytest.fixture
def varied_cases(make_case, world):
    from app.extensions import db

    cases = [make_case(status=s, agency="DINKES", channel=c) for s, c in
             (("received", "phone"), ("dispatched", "in_person"), ("in_progress", "letter"),
              ("resolved", "web"), ("closed", "web"))]
    cases.append(make_case(status="on_hold", channel="phone"))
    cases.append(make_case(status="archived", kind="aspiration"))
    cases.append(make_case(status="forwarded", kind="information", anonymous=True))
    db.session.commit()
    return cases


@pytest.mark.parametrize("role", ROLES)
def test_crawl_finds_no_raw_value(login_as, varied_cases, role):
    pages = crawl(login_as(role))
    assert any("/show/" in url for url in pages) and any("/list/" in url for url in pages)
    if role != "pimpinan":
        assert any(url.endswith("/add") for url in pages)
    problems = {url: raw_values_in(readable(body), url) for url, body in pages.items()}
    assert {url: found for url, found in problems.items() if found} == {}


def test_duplicate_sla_setting_is_an_indonesian_field_message(login_as):
    client = login_as("koordinator")
    response = client.post("/slasettingview/add", data={
        "kind": "complaint", "verify_days": 3, "first_response_days": 5, "resolution_days": 14,
        "inspection_resolution_days": 60, "auto_close_days": 10}, follow_redirects=True)
    text = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200
    for leak in ("IntegrityError", "SQL:", "UNIQUE", "duplicate key", "INSERT"):
        assert leak not in text
    assert "sudah ada" in text.lower()


def test_duplicate_channel_code_is_an_indonesian_field_message(login_as):
    client = login_as("koordinator")
    response = client.post("/channelview/add", data={"code": "phone", "name": "Telepon lagi", "active": "y"},
                           follow_redirects=True)
    text = visible_text(response.get_data(as_text=True))
    assert "IntegrityError" not in text and "SQL:" not in text and "sudah ada" in text.lower()
