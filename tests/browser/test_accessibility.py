"""axe-core (npm) injected by Playwright into every public page: no critical or serious violation.

Pages are checked in the states a citizen meets them: empty and refused forms, the receipt, a
case followed by a visitor and by its reporter (reply and 1-5 rating forms), lists, figures,
the privacy page, an error page and the staff sign-in page the footer links to.
"""
import os
import re

import pytest

pytestmark = pytest.mark.browser

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")


@pytest.fixture(scope="module")
def axe_source():
    if not os.path.exists(AXE):
        if os.environ.get("LAPOR_REQUIRE_SERVICES"):
            pytest.fail("axe-core is required: `make test` installs it with npm (npm ci)")
        pytest.skip("axe-core is not installed (run `npm ci`; `make test` does it)")
    return AXE


def violations(page):
    """Run axe on the current page; (impact, rule, target) of every critical or serious violation."""
    page.add_script_tag(path=AXE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact,
                                       targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [(v["impact"], v["id"], v["targets"]) for v in result if v["impact"] in ("critical", "serious")]


def test_every_public_page_has_no_critical_or_serious_axe_violation(live_server, browser, axe_source, make_case, world):
    from app.workflow import lifecycle
    from app.workflow.numbers import new_tracking_number

    base = live_server
    answered = make_case(status="resolved", agency="DINKES", title="Saluran air tersumbat di Jalan Melati",
                         reporter={"name": "Nur Aini", "phone": "081311112222"}, show_name=True,
                         latitude=-6.8573, longitude=107.9203)  # a map point: the list's map is open, with its controls
    lifecycle.perform("internal_note", answered.id, world.user("opd_dinkes"), text="catatan")
    from app.extensions import db

    db.session.commit()
    context = browser.new_context(bypass_csp=True, viewport={"width": 412, "height": 823}, locale="id-ID")
    page = context.new_page()
    found = {}

    def check(label):
        page.wait_for_load_state("load")
        html_lang = page.evaluate("document.documentElement.lang")
        assert html_lang == "id", (label, html_lang)
        assert page.locator("main").count() == 1, label
        found[label] = violations(page)

    for path in ("/", "/lapor", "/lacak", "/laporan", f"/laporan/{answered.tracking_number}", "/transparansi",
                 "/privasi", f"/lacak/{answered.tracking_number}", "/laporan/TIDAK-ADA",
                 f"/lacak/{new_tracking_number()}"):  # no public case: the reply-code form of a confidential one
        page.goto(base + path)
        if path == "/laporan":  # the map is drawn, its controls and the case's point inside
            page.wait_for_selector("#reports-map .leaflet-control-zoom-in")
            page.wait_for_selector("#reports-map path.leaflet-interactive")
        check(path)
    # the staff sign-in page, linked from every public footer, at this phone width (collapsed menu)
    page.goto(base + "/login/")
    check("/login/")
    # the report form sent back with errors, then a good report and its receipt
    page.goto(base + "/lapor")
    page.fill("#title", "pendek")
    page.click("#submit-report")
    check("/lapor (errors)")
    page.goto(base + "/lapor")
    page.fill("#title", "Lampu jalan mati di Gang Mawar")
    page.fill("#description", "Sudah seminggu lampu jalan di Gang Mawar mati sehingga rawan kejahatan malam hari.")
    page.click("#submit-report")
    page.wait_for_url(re.compile(r".*/lapor/terkirim$"))
    check("/lapor/terkirim")
    # the reporter of the answered case, with the reply and rating forms
    page.goto(f"{base}/lacak/{answered.tracking_number}")
    page.fill("#code", answered.reply_code)
    page.click('form[action$="/kode"] button[type=submit]')
    page.wait_for_selector("#action-confirm")
    check("/lacak/<nomor> (reporter)")
    context.close()
    assert {label: v for label, v in found.items() if v} == {}
    assert len(found) == 14
