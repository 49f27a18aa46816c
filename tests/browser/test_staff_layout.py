"""The staff screens at laptop widths (1024 and 1366 px): no sideways scrolling (of the page or of
a list's table), and the top navigation bar stays on one line, for the coordinator, an OPD officer
and the leadership."""
import pytest

from tests.browser.test_staff_desk import login

pytestmark = pytest.mark.browser

ROLES = ("koordinator", "opd_dinkes", "pimpinan")
WIDTHS = (1024, 1366)

MEASURE = """() => {
    const doc = document.documentElement;
    const bar = document.querySelector('nav.navbar, .navbar');
    const items = Array.from(bar.querySelectorAll('.navbar-nav > li'))
        .filter(li => li.offsetParent !== null);
    const tops = items.map(li => Math.round(li.getBoundingClientRect().top));
    const wide = Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1)
        .slice(0, 5).map(el => el.tagName + '#' + el.id + '.' + el.className);
    const table = document.querySelector('.table-responsive');
    return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, tops: tops,
            tableOverflow: table ? table.scrollWidth - table.clientWidth : 0,
            items: items.map(li => li.innerText.trim().slice(0, 20)),
            barHeight: bar.getBoundingClientRect().height,
            itemHeight: items.length ? Math.max(...items.map(li => li.getBoundingClientRect().height)) : 0,
            wide: wide};
}"""


@pytest.fixture
def cases(make_case, world):
    """A case, and the users as an installation names them (the demo's long names) with an unread
    notice each: the menu's widest real-world state."""
    from app.extensions import db
    from app.models import Notification

    for username, (first, last) in {"koordinator": ("Koordinator", "Diskominfo Kabupaten"),
                                    "opd_dinkes": ("Admin", "Dinas Kesehatan"),
                                    "pimpinan": ("Sekretaris", "Daerah Kabupaten")}.items():
        user = world.user(username)
        user.first_name, user.last_name = first, last
        db.session.add(Notification(user_id=user.id, topic="reminder", text="Pengingat tenggat"))
    db.session.commit()
    # rows as a kabupaten's list holds them: long words, every column filled
    make_case(kind="information", channel="mobile_app", title="Permintaan informasi penyelenggaraan Musrenbangdes",
              district="Tanjungsari")
    make_case(agency="PUPR", status="resolved", kind="aspiration", channel="social_media",
              title="Pendaftaran administrasi kependudukan daring", district="Jatinangor")
    return {"dispatched": make_case(agency="DINKES", status="in_progress",
                                    title="Antrean puskesmas sangat lama di Kecamatan Sukamaju Kota")}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("username", ROLES)
def test_staff_screens_fit_a_laptop_and_the_menu_stays_on_one_line(live_server, browser, cases, username, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    login(page, live_server, username)
    case = cases["dispatched"]
    problems = []
    for path in ("/complaintview/list/", f"/complaintview/show/{case.id}", "/dasbor/"):
        page.goto(live_server + path)
        assert "/login" not in page.url, path
        m = page.evaluate(MEASURE)
        if m["scrollWidth"] > m["clientWidth"]:
            problems.append(f"{path}: page {m['scrollWidth']}px wide in {m['clientWidth']}px {m['wide']}")
        if m["tableOverflow"] > 1:
            problems.append(f"{path}: the list scrolls sideways by {m['tableOverflow']}px")
        if len(set(m["tops"])) > 1:
            problems.append(f"{path}: menu on {len(set(m['tops']))} lines {list(zip(m['items'], m['tops']))}")
        if m["itemHeight"] and m["barHeight"] > m["itemHeight"] + 20:
            problems.append(f"{path}: navbar {m['barHeight']}px high for {m['itemHeight']}px items")
    context.close()
    assert problems == []


BADGES = """() => {
    const lines = el => {  // how many lines the text of el takes
        const range = document.createRange();
        range.selectNodeContents(el);
        return new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top))).size;
    };
    return {
        badges: Array.from(document.querySelectorAll('td .label[data-sla]')).map(b => {
            const cell = b.closest('td').getBoundingClientRect(), box = b.getBoundingClientRect();
            const sizes = [b, ...b.querySelectorAll('*')].map(el => parseFloat(getComputedStyle(el).fontSize));
            return {state: b.dataset.sla, text: b.innerText.replace(/\\s+/g, ' '), size: Math.min(...sizes),
                    inside: box.left >= cell.left - 0.5 && box.right <= cell.right + 0.5};
        }),
        numbers: Array.from(document.querySelectorAll('td[data-column="tracking_number"]'))
            .map(td => ({text: td.innerText.trim(), lines: lines(td)})),
    };
}"""


@pytest.fixture
def deadlines(make_case):
    """Cases received 1 to 6 days ago and a month ago: on time, due soon and overdue badges."""
    import datetime

    from app.clock import utcnow

    now = utcnow()
    return [make_case(title="Saluran air tersumbat di depan sekolah dasar negeri", now=now - datetime.timedelta(days=days))
            for days in (0, 1, 2, 3, 4, 5, 6, 30)]


@pytest.mark.parametrize("width", WIDTHS)
def test_sla_badges_are_legible_inside_their_cells_and_tracking_numbers_never_wrap(live_server, browser, deadlines, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    login(page, live_server, "koordinator")
    page.goto(live_server + "/complaintview/list/")
    found = page.evaluate(BADGES)
    context.close()
    assert {"on_time", "due_soon", "overdue"} <= {b["state"] for b in found["badges"]}, found["badges"]
    assert [b for b in found["badges"] if b["size"] < 12 or not b["inside"]] == []
    assert len(found["numbers"]) >= len(deadlines)
    assert [n for n in found["numbers"] if n["lines"] != 1] == []
