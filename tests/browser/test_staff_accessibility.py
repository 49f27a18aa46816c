"""Every staff screen a person reaches from the menu, as each role that reaches it: axe-core finds no
critical or serious violation on its list, the first record's page and edit form, and its add form (the staff-desk
story checks the case list, a case page and the dashboard; the other screens had no check)."""
import re
from urllib.parse import urlsplit

import pytest

from tests.browser.test_staff_desk import axe_problems, axe_source, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser
ROLES = ("admin", "koordinator", "opd_dinkes", "pimpinan")
NOT_A_SCREEN = re.compile(r"/(logout|lang)/|/api/|\.(csv|xlsx|pdf)$|/export")


def menu_links(page, base):
    """The same-site pages the staff menu leads to (each once, in menu order)."""
    hrefs = page.eval_on_selector_all(".navbar a[href]", "links => links.map(a => a.getAttribute('href'))")
    seen, links = set(), []
    for href in hrefs:
        path = urlsplit(href).path if href.startswith(base) else href
        if not path.startswith("/") or path == "/" or NOT_A_SCREEN.search(path) or path in seen:
            continue
        seen.add(path)
        links.append(path)
    return links


def first_link(page, pattern):
    """The first link of the page whose address matches ``pattern`` (a record's page, an add form)."""
    for href in page.eval_on_selector_all("main a[href], .container a[href]",
                                          "links => links.map(a => a.getAttribute('href'))"):
        if re.search(pattern, href or ""):
            return href
    return None


def test_every_staff_screen_of_every_role_has_no_critical_or_serious_axe_violation(
        live_server, browser, axe_source, make_case, world, pytestconfig):  # noqa: F811 (fixture)
    if pytestconfig.getoption("--db") != "sqlite":
        pytest.skip("the markup does not depend on the database: checked in the SQLite pass")
    make_case(status="dispatched", agency="DINKES", title="Antrean puskesmas sangat panjang")
    make_case(status="received", title="Lampu jalan mati di depan pasar")
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    checked, problems = set(), {}
    for role in ROLES:
        login(page, live_server, role)
        for path in menu_links(page, live_server):
            screens = [path]
            page.goto(live_server + path)
            for pattern in (r"/show/\d+", r"/edit/\d+", r"/add/?$"):  # first record: page, edit; add form
                found = first_link(page, pattern)
                if found:
                    screens.append(urlsplit(found).path)
            for screen in screens:
                shape = re.sub(r"\d+", "N", screen)
                if shape in checked:  # one check per screen: another role sees the same markup
                    continue
                checked.add(shape)
                if page.url != live_server + screen:
                    page.goto(live_server + screen)
                found = axe_problems(page, axe_source)
                if found:
                    problems[f"{role} {screen}"] = found
    # select2's boxes: named, in Indonesian, and still so after select2 redraws one on a change
    login(page, live_server, "admin")
    page.goto(f"{live_server}/users/edit/{world.user('pimpinan').id}")
    for _round in range(2):
        assert page.get_attribute("#roles + .select2-container .select2-search__field", "aria-label") == "Peran"
        assert page.get_attribute("#roles + .select2-container .select2-selection__clear", "title") == "Hapus semua pilihan"
        assert axe_problems(page, axe_source) == []
        page.evaluate("() => { const s = jQuery('#roles'); s.val(s.find('option').map((i, o) => o.value).get()).trigger('change'); }")
        page.wait_for_timeout(50)
    context.close()
    assert len(checked) >= 20, sorted(checked)  # the menus were really walked
    assert problems == {}
