"""The staff desk in a real browser: a telephone case with no agency and a letter, found in the
verification queue, disposed with the suggested agency preselected, answered by the OPD with a
photo; axe-core finds no critical or serious violation on the case list, a case page and the dashboard."""
import os
import re

import pytest

from tests.views.test_staff_desk import png_bytes

pytestmark = pytest.mark.browser
PASSWORD = "Rahasia-uji-123"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")


@pytest.fixture(scope="module")
def axe_source():
    if not os.path.exists(AXE):
        if os.environ.get("LAPOR_REQUIRE_SERVICES"):
            pytest.fail("axe-core is required: `make test` installs it with npm (npm ci)")
        pytest.skip("axe-core is not installed (run `npm ci`; `make test` does it)")
    with open(AXE, encoding="utf-8") as fh:
        return fh.read()


def axe_problems(page, axe_source):
    """(impact, rule, first target) of every critical or serious axe violation on the page."""
    page.add_script_tag(content=axe_source)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
            .map(v => [v.impact, v.id, v.nodes.map(n => n.target.join(' ') + ' ' + n.html.slice(0, 120) + ' ' + (n.any[0] ? n.any[0].message : '')).slice(0, 3).join(' | ')]);
    }""")
    problems = [tuple(v) for v in result]
    for problem in problems:
        print("AXE", page.url, problem)
    return problems


def login(page, base, username):
    page.goto(f"{base}/logout/")
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(r".*/dasbor/$"))  # staff land on their dashboard


@pytest.fixture
def road_category(ctx, world):
    from app.extensions import db
    from app.models import Category

    from app.interface import clear_choices

    category = Category(name="Jalan dan Jembatan Kota", suggested_agency=world.agency("PUPR"), active=True)
    db.session.add(category)
    db.session.commit()
    clear_choices()  # made outside the screens: lists opened by earlier tests cached the choices without it
    yield category
    from tests.conftest import _cleanup

    _cleanup()  # the cases first: they refer to the category
    db.session.delete(db.session.get(Category, category.id))
    db.session.commit()
    clear_choices()  # the lists cache their filter choices; this category is gone


def test_phone_case_from_intake_to_the_opd_photo(live_server, browser, axe_source, road_category, world, tmp_path):
    base = live_server
    letter = tmp_path / "surat-warga.png"
    letter.write_bytes(png_bytes(8, 8))
    repair = tmp_path / "perbaikan.png"
    repair.write_bytes(png_bytes(6, 6))
    # the tool under test (axe) is injected as a script: the page's own CSP must not block it
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 900})
    page = context.new_page()

    # 1. the coordinator records a telephone call: no agency, a scanned letter
    login(page, base, "koordinator")
    assert axe_problems(page, axe_source) == [], "dashboard"
    page.goto(f"{base}/complaintview/add")
    assert page.locator('[name="agency"]').count() == 0
    page.select_option("#channel", label="Telepon", force=True)
    page.fill("#received_at", "02/03/2026 08:30")
    page.select_option("#kind", value="complaint", force=True)
    page.fill("#title", "Jembatan kayu di Desa Mekar rapuh")
    page.fill("#description", "Penelepon melaporkan papan jembatan kayu banyak yang patah, anak sekolah melintas setiap hari.")
    page.select_option("#category", label="Jalan dan Jembatan Kota", force=True)
    # the place from the official list (kelurahan/desa of Kabupaten Sumedang, with its kecamatan)
    place = next(label for label in page.locator("#region option").all_inner_texts() if "(Kec. " in label)
    page.select_option("#region", label=place, force=True)
    page.fill("#reporter_name", "Pak Darsono")
    page.fill("#reporter_phone", "081377778888")
    page.check("#reporter_consent")
    page.set_input_files("#attachments", str(letter))
    page.click("#model_form button[type=submit], #model_form input[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#reporter-panel").count() == 1, page.content()[:3000]
    number = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]", page.locator(".alert-success").first.inner_text()).group(0)
    assert page.locator("#attachments li").count() == 1
    village, district = re.match(r"(.+) \(Kec\. (.+)\)$", place).groups()
    assert page.inner_text("#case-region").startswith(f"{village}, Kec. {district}")
    assert "kode Kemendagri 32.11." in page.inner_text("#case-region")

    # 2. it waits in the verification queue
    page.goto(f"{base}/queuetoverifyview/list/")
    assert number in page.content()
    assert axe_problems(page, axe_source) == [], "verification queue"
    page.goto(f"{base}/complaintview/list/")
    assert axe_problems(page, axe_source) == [], "case list"
    page.fill("#jump-date", "2099-12-31")  # the jump by date: the list's pager appears
    page.locator("#jump-to-date button[type=submit]").click()
    page.wait_for_load_state()
    assert number in page.content()
    assert page.locator('nav[aria-label="Halaman daftar"] a#first-page').inner_text() == "Halaman pertama"
    assert axe_problems(page, axe_source) == [], "case list after a jump by date"
    page.goto(f"{base}/queuetoverifyview/list/")
    page.locator("tr", has_text=number).locator('a[href*="/show/"]').first.click()
    page.wait_for_load_state()
    assert axe_problems(page, axe_source) == [], "case page"
    assert page.locator('details[data-transition="verify"]').count() == 0

    # 3. dispose: the category's agency is already chosen, and the page says why
    block = page.locator('details[data-transition="dispose"]')
    block.locator("summary").click()
    chosen = block.locator('select[name="agency"] option:checked').inner_text()
    assert chosen == "Dinas PUPR"
    assert "Jalan dan Jembatan Kota" in block.locator("[data-suggestion]").inner_text()
    block.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() >= 1
    page.goto(f"{base}/queuetoverifyview/list/")
    assert number not in page.content()

    # 4. the OPD answers with a photo of the repair, marked public
    login(page, base, "opd_pupr")
    page.goto(f"{base}/queuetofollowupview/list/")
    page.locator("tr", has_text=number).locator('a[href*="/show/"]').first.click()
    page.wait_for_load_state()
    assert axe_problems(page, axe_source) == [], "case page (OPD)"
    block = page.locator('details[data-transition="follow_up"]')
    block.locator("summary").click()
    block.locator('[name="text"]').fill("Papan jembatan sudah diganti hari ini.")
    block.locator('input[type="file"]').set_input_files(str(repair))
    block.locator('input[name="attachments_public"]').check()
    block.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() >= 1

    # 5. the public timeline shows the photo
    page.goto(f"{base}/logout/")
    page.goto(f"{base}/laporan/{number}")
    photo = page.locator("#public-timeline img")
    assert photo.count() == 1
    # the photo is loaded lazily: bring it into view and wait until the browser has it (no race)
    photo.scroll_into_view_if_needed()
    photo.element_handle().wait_for_element_state("visible")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle(), timeout=15000)
