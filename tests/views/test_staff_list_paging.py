"""Staff case lists sorted by received time are paged by cursor ("Sebelumnya" / "Berikutnya") and
a jump by date, never by OFFSET; the access rule, the filters and the page size hold on every page."""
import datetime as dt
import html
import re

import pytest

from app.workflow import paging
from app.workflow.calendar import current_calendar

LIST = "/complaintview/list/"
SIZE = "psize_ComplaintView=20"
OLDEST_FIRST = "_oc_ComplaintView=received_at&_od_ComplaintView=asc"
START = dt.datetime(2026, 3, 2, 3, 0)


@pytest.fixture(scope="module")
def sixty_cases(app):
    """60 cases received over three weeks, three at each moment (the id breaks the tie): every
    third one at PUPR, the others at DINKES, every fifth one still waiting for verification.

    Made once for this module (every test here only reads them: it pages, filters and jumps
    through the lists) and removed after its last test; each test gets what it compares with
    (number, received time, id, agency, status) as plain values."""
    from types import SimpleNamespace

    from tests.conftest import World, _cleanup, case_maker

    with app.app_context():
        make_case = case_maker(World())
        cases = []
        for i in range(60):
            if i % 5 == 0:
                status, agency = "received", None
            else:
                status, agency = "dispatched", "PUPR" if i % 3 == 0 else "DINKES"
            case = make_case(agency=agency, status=status, now=START + dt.timedelta(hours=(i // 3) * 17),
                             title=f"Lampu penerangan jalan padam nomor {i:02d}")
            cases.append(SimpleNamespace(id=case.id, tracking_number=case.tracking_number,
                                         received_at=case.received_at, agency_id=case.agency_id,
                                         status=case.status))
    yield cases
    with app.app_context():
        _cleanup()


@pytest.fixture
def ctx(app, sixty_cases):
    """As the shared ``ctx`` (an app context, no cached choices), but the module's cases stay for
    the next test: they are removed once, after the last one (``sixty_cases``)."""
    from app.interface import clear_choices

    with app.app_context():
        clear_choices()
        yield app
        from app.extensions import db

        db.session.rollback()


def newest_first(cases):
    return [c.tracking_number for c in sorted(cases, key=lambda c: (c.received_at, c.id), reverse=True)]


def rows(page):
    return re.findall(r'data-column="tracking_number">\s*([^<\s]+)\s*<', page)


def link(page, name):
    found = re.search(rf'<a href="([^"]+)" id="{name}"', page)
    return html.unescape(found.group(1)) if found else None


def walk(http, url):
    """Follow "Berikutnya" from ``url`` to the end, then "Sebelumnya" back to the start:
    (the pages going forward, the pages coming back, in the order visited)."""
    forward, back = [], []
    while url:
        page = http.get(url).get_data(as_text=True)
        forward.append(rows(page))
        url, last = link(page, "next-page"), page
    url = link(last, "prev-page")
    while url:
        page = http.get(url).get_data(as_text=True)
        back.append(rows(page))
        url = link(page, "prev-page")
    return forward, back


def test_coordinator_walks_every_case_once_forward_and_back(sixty_cases, login_as):
    http = login_as("koordinator")
    forward, back = walk(http, f"{LIST}?{SIZE}")
    expected = newest_first(sixty_cases)
    assert [len(p) for p in forward] == [20, 20, 20]
    assert sum(forward, []) == expected
    assert back == forward[-2::-1]  # the same pages, in reverse


def test_oldest_first_pages_by_cursor_too(sixty_cases, login_as):
    http = login_as("koordinator")
    forward, back = walk(http, f"{LIST}?{SIZE}&{OLDEST_FIRST}")
    assert sum(forward, []) == newest_first(sixty_cases)[::-1]
    assert back == forward[-2::-1]


def test_opd_officer_walks_only_own_agency_and_no_cursor_reaches_another(sixty_cases, login_as, world):
    dinkes = world.agency("DINKES").id
    own = [c for c in sixty_cases if c.agency_id == dinkes]
    others = {c.tracking_number for c in sixty_cases if c.agency_id != dinkes}
    http = login_as("opd_dinkes")
    forward, back = walk(http, f"{LIST}?{SIZE}")
    assert sum(forward, []) == newest_first(own)
    assert back == forward[-2::-1]
    # a cursor forged at another agency's case, in both directions, shows only Dinkes cases
    pupr = next(c for c in sixty_cases if c.tracking_number in others and c.agency_id is not None)
    cursor = paging.encode_cursor(pupr.received_at, pupr.id)
    for arg in ("sebelum", "sesudah"):
        shown = rows(http.get(f"{LIST}?{SIZE}&{arg}={cursor}").get_data(as_text=True))
        assert shown and not others & set(shown)


def test_filters_and_queues_hold_across_pages(sixty_cases, login_as):
    http = login_as("koordinator")
    forward, _back = walk(http, f"{LIST}?{SIZE}&_flt_0_status=dispatched")
    assert sum(forward, []) == newest_first([c for c in sixty_cases if c.status == "dispatched"])
    forward, _back = walk(http, "/queuetoverifyview/list/?psize_QueueToVerifyView=5")
    assert sum(forward, []) == newest_first([c for c in sixty_cases if c.status == "received"])
    assert len(forward) == 3


def test_jump_by_date_shows_cases_received_on_or_before_that_day(sixty_cases, login_as):
    http = login_as("koordinator")
    day = dt.date(2026, 3, 9)
    end = current_calendar().end_of_local_day(day)
    page = http.get(f"{LIST}?{SIZE}&tanggal={day.isoformat()}").get_data(as_text=True)
    expected = newest_first([c for c in sixty_cases if c.received_at <= end])
    assert rows(page) == expected[:20]
    assert 'value="2026-03-09"' in page and link(page, "prev-page") and link(page, "first-page")
    # the next page continues from there; the previous page is the newer cases just above it
    assert rows(http.get(link(page, "next-page")).get_data(as_text=True)) == expected[20:40]
    newer = newest_first([c for c in sixty_cases if c.received_at > end])
    assert rows(http.get(link(page, "prev-page")).get_data(as_text=True)) == newer[-20:]


def test_jump_by_date_oldest_first_starts_on_that_day(sixty_cases, login_as):
    http = login_as("koordinator")
    day = dt.date(2026, 3, 9)
    start = current_calendar().end_of_local_day(day - dt.timedelta(days=1))
    page = http.get(f"{LIST}?{SIZE}&{OLDEST_FIRST}&tanggal={day.isoformat()}").get_data(as_text=True)
    assert "Diterima pada atau sesudah" in page
    assert rows(page) == newest_first([c for c in sixty_cases if c.received_at > start])[::-1][:20]


def test_pager_is_an_accessible_nav_and_keeps_filters_and_page_size(sixty_cases, login_as):
    page = login_as("koordinator").get(f"{LIST}?{SIZE}&_flt_0_status=dispatched").get_data(as_text=True)
    assert '<nav class="lapor-keyset" aria-label="Halaman daftar">' in page
    assert re.search(r'id="next-page" rel="next">Berikutnya', page)
    assert "page_ComplaintView=" not in page  # no page numbers when sorted by time
    following = link(page, "next-page")
    assert "_flt_0_status=dispatched" in following and "psize_ComplaintView=20" in following
    assert "sebelum=" in following
    # the jump form carries the same filters
    form = re.search(r'<form class="form-inline lapor-jump".*?</form>', page, re.S).group(0)
    assert 'name="_flt_0_status" value="dispatched"' in form and 'type="date"' in form
    assert '<label for="jump-date">' in form
    # on a later page, choosing another order starts that order at its top
    later = login_as("koordinator").get(following).get_data(as_text=True)
    orders = [html.unescape(u) for u in re.findall(r'<th><a href="([^"]+)"', later)]
    assert any("_oc_ComplaintView=tracking_number" in u for u in orders)
    assert not any("_oc_ComplaintView=title" in u for u in orders)  # no index gives that order
    assert not [u for u in orders if "sebelum=" in u or "sesudah=" in u]
    assert all("_flt_0_status=dispatched" in u for u in orders)


def test_count_is_exact_below_the_cap(sixty_cases, login_as):
    page = login_as("koordinator").get(f"{LIST}?{SIZE}").get_data(as_text=True)
    assert re.search(r'id="record-count">\s*<strong>Jumlah Data:</strong> 60\s', page)


BAD_POSITIONS = [
    ("sebelum=bukan-kursor", "Tautan halaman ini tidak sah"),
    ("sesudah=20261399999999999999.5", "Tautan halaman ini tidak sah"),
    ("sebelum=20260301000000000000.99999999999", "Tautan halaman ini tidak sah"),
    ("sesudah=", "Tautan halaman ini tidak sah"),
    ("tanggal=2026-13-45", "bukan tanggal yang sah"),
    ("tanggal=1800-01-01", "bukan tanggal yang sah"),
    ("tanggal=%27%3B+DROP+TABLE", "bukan tanggal yang sah"),
]


def test_a_bad_cursor_or_date_says_so_and_shows_the_first_page(sixty_cases, login_as):
    http = login_as("koordinator")
    first = newest_first(sixty_cases)[:20]
    for query, message in BAD_POSITIONS:
        response = http.get(f"{LIST}?{SIZE}&{query}")
        assert response.status_code == 200, query
        page = response.get_data(as_text=True)
        assert message in page, query
        assert rows(page) == first, query
        assert link(page, "prev-page") is None, query
    # an empty date box is no jump, and nothing to complain about
    page = http.get(f"{LIST}?{SIZE}&tanggal=").get_data(as_text=True)
    assert "bukan tanggal yang sah" not in page and rows(page) == first


def test_other_orders_keep_page_numbers(sixty_cases, login_as):
    page = login_as("koordinator").get(
        f"{LIST}?{SIZE}&_oc_ComplaintView=tracking_number&_od_ComplaintView=asc&page_ComplaintView=1"
    ).get_data(as_text=True)
    assert 'class="lapor-keyset"' not in page
    assert rows(page) == sorted(c.tracking_number for c in sixty_cases)[20:40]
    assert "page_ComplaintView=2" in page
