"""Bahasa Indonesia everywhere: a crawl of every page each role reaches finds no English UI word.

The same crawl with the English switch shows English, so the check is not vacuous.
"""
import datetime as dt
import html
import re

import pytest

from tests.conftest import visible_text

ENGLISH_UI_WORDS = [
    "List", "Search", "Add", "Edit", "Delete", "Save", "Back", "Actions", "Record Count", "Login", "Logout",
    "Users", "Roles", "Add Filter", "Refresh", "No records found", "Submit", "Cancel", "Previous", "Next",
    "Show", "Security", "Permissions", "Statistics", "Home", "Report", "Track", "Yes", "No", "Received",
    "Title", "Agency", "Category", "Channel", "District", "Deadline", "Overdue", "Dashboard",
    "Select", "Equal to", "Starts with", "Contains", "Reset Password", "User info", "Sign In", "Password",
    "Confirm", "Close", "Page", "All", "Reporter", "Anonymous", "Confidential", "Follow-up", "Send",
    "First Name", "Last Name", "Username", "Active", "Name", "Description", "Created", "Changed",
]
# words of ours that are the same in both languages
ALLOWED = {"Email", "Admin", "OPD", "WhatsApp", "SMS", "PDF", "NIK", "LAPOR", "SP4N", "Internal", "Filter"}
ROLES = ["admin", "koordinator", "pimpinan", "opd_dinkes"]
PUBLIC_PAGES = ["/", "/lapor", "/lacak", "/laporan", "/this-page-does-not-exist"]


def readable(body):
    """Visible text plus the attributes a person reads (placeholders, titles, button values)."""
    attrs = re.findall(r'(?:placeholder|title|value|aria-label)="([^"]*)"',
                       re.sub(r'<input[^>]+type="hidden"[^>]*>', " ", body))
    return html.unescape(visible_text(body) + " " + " ".join(a for a in attrs if not a.startswith(("/", "http"))))


def english_words_in(text):
    found = set()
    for word in ENGLISH_UI_WORDS:
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
            found.add(word)
    return found


def links(body, pattern):
    return sorted(set(re.findall(pattern, body)))


def crawl_staff(client):
    """Every menu entry, and the list/add/edit/show pages reachable from it."""
    seen, pages = set(), {}
    home = client.get("/dasbor/").get_data(as_text=True)
    navbar = re.search(r'(?s)<div class="navbar-collapse collapse">.*?</header>', home).group(0)
    queue = ["/dasbor/"] + links(navbar, r'href="(/[^"#?]+)"')
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith(("/logout", "/lang/")) or "/delete/" in url or "/download" in url:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        body = response.get_data(as_text=True)
        pages[url] = body
        if url.endswith("/list/") or url.endswith("/list"):
            for pattern in (r'href="(/\w+/show/\d+)"', r'href="(/\w+/edit/\d+)"', r'href="(/\w+/add)"'):
                queue.extend(links(body, pattern)[:1])
    return pages


@pytest.fixture
def cases_in_every_state(make_case):
    cases = [make_case(status=status, agency="DINKES") for status in
             ("received", "dispatched", "in_progress", "resolved", "closed")]
    cases.append(make_case(status="on_hold"))
    return cases


@pytest.mark.parametrize("role", ROLES)
def test_staff_crawl_finds_no_english(login_as, cases_in_every_state, role):
    client = login_as(role)
    pages = crawl_staff(client)
    assert len(pages) >= 5, f"{role} reached too few pages: {sorted(pages)}"
    assert any("/show/" in url for url in pages)
    problems = {url: sorted(english_words_in(readable(body)) - ALLOWED) for url, body in pages.items()}
    problems = {url: words for url, words in problems.items() if words}
    assert problems == {}


def test_admin_crawl_covers_security_and_reference_screens(login_as, cases_in_every_state):
    pages = crawl_staff(login_as("admin"))
    for expected in ("/users/list/", "/roles/list/", "/agencyview/list/", "/holidayview/list/",
                     "/complaintview/list/", "/queuetoverifyview/list/"):
        assert expected in pages


def test_public_crawl_finds_no_english(client, cases_in_every_state):
    dispatched = cases_in_every_state[1]
    urls = PUBLIC_PAGES + [f"/laporan/{dispatched.tracking_number}", f"/lacak/{dispatched.tracking_number}",
                           "/login/", "/laporan?q=tidak-ada-hasil"]
    problems = {}
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        words = english_words_in(readable(body)) - ALLOWED
        if words:
            problems[url] = sorted(words)
    assert problems == {}


def test_english_switch_shows_english(login_as, client, cases_in_every_state):
    client = login_as("koordinator")
    client.get("/lang/en")
    staff = readable(client.get("/complaintview/list/").get_data(as_text=True))
    assert {"Logout", "Search", "Title"} <= english_words_in(staff)
    public = readable(client.get("/lapor").get_data(as_text=True))
    assert {"Report", "Title"} <= english_words_in(public)
    client.get("/lang/id")
    assert "Logout" not in english_words_in(readable(client.get("/complaintview/list/").get_data(as_text=True)))


def test_the_language_switch_keeps_the_citizen_on_the_same_page(client, make_case):
    case = make_case(status="dispatched", agency="PUPR")
    for page in ("/laporan?status=dispatched&q=jalan", f"/laporan/{case.tracking_number}", "/lapor"):
        body = client.get(page).get_data(as_text=True)
        switch = html.unescape(re.search(r'<a href="([^"]+)" lang="en"', body).group(1))
        answer = client.get(switch)
        assert answer.status_code == 302 and answer.headers["Location"] == page, page
        assert 'lang="en"' in client.get(page).get_data(as_text=True)[:400]
        client.get("/lang/id")
    # never to another site
    for elsewhere in ("//evil.example/", "https://evil.example/", "javascript:alert(1)"):
        assert client.get("/lang/en", query_string={"next": elsewhere}).headers["Location"] == "/"
    client.get("/lang/id")


def test_formats_are_indonesian(ctx):
    from flask_babel import force_locale

    from app.formatting import lapor_date, lapor_datetime, lapor_number, lapor_working_days

    with ctx.test_request_context(), force_locale("id"):
        moment = dt.datetime(2026, 11, 23, 7, 5)  # UTC -> 14.05 WIB
        assert lapor_date(dt.date(2026, 11, 23)) == "23 November 2026"
        assert lapor_datetime(moment) == "Senin, 23 November 2026 14.05 WIB"
        assert lapor_number(1234.5) == "1.234,5"
        assert lapor_working_days(1.8912) == "1,89 hari kerja"
    with ctx.test_request_context(), force_locale("en"):
        assert lapor_working_days(1.8912) == "1.89 working days"
