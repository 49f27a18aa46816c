"""Background jobs followed in a real browser under the strict CSP (no bypass): the one static
progress script (app/static/js/job_progress.js) carries a case export to its download link and a
transparency report to its page; neither page has an inline script."""
import re

import pytest
from sqlalchemy import delete

from tests.browser.test_staff_desk import login
from tests.conftest import config_values
from tests.jobs.conftest import inline_scripts

pytestmark = pytest.mark.browser


@pytest.fixture
def embedded_jobs(app, jobs):
    """The `make run` queue: worker threads in this process, started by the first request."""
    from app.extensions import db
    from app.jobs import embedded
    from app.models import CaseExport

    assert not app.config.get("REDIS_URL")
    with config_values(app, JOBS_EMBEDDED_AUTOSTART=True, EXPORT_SYNC_SECONDS=0):
        try:
            yield
        finally:
            embedded.stop()
            db.session.rollback()
            db.session.execute(delete(CaseExport))
            db.session.commit()


def strict_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900})  # the page's own CSP applies
    page = context.new_page()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return context, page, refused


def inline_script_count(page):
    return page.evaluate("""() => Array.from(document.scripts)
        .filter(s => !s.src && s.textContent.trim()).length""")


def test_export_and_report_progress_complete_through_the_static_script(
        live_server, browser, embedded_jobs, make_case):
    for i in range(3):
        make_case(agency="DINKES", status="dispatched", title=f"Antrean puskesmas nomor {i}")
    context, page, refused = strict_page(browser)
    login(page, live_server, "koordinator")

    # a case export, made in the background (no time for it in the request): the download link appears
    page.goto(f"{live_server}/complaintview/list/")
    page.click("#export-csv")
    page.wait_for_url(re.compile(r".*/complaintview/export/\d+$"))
    assert inline_script_count(page) == 0
    page.wait_for_selector("#export-link-box:not([hidden])", timeout=20000)
    assert re.search(r"/complaintview/export/\d+/[\w-]+$", page.get_attribute("#export-download", "href"))
    assert "3" in page.inner_text("#export-progress-text")
    assert page.get_attribute("#export-progress .progress-bar", "aria-valuenow") == "100"

    # a transparency report: the progress page opens the finished report by itself
    page.goto(f"{live_server}/transparencyreportview/generate")
    # the progress page may open the report before a script could look at it: read it as served
    with page.expect_response(lambda r: "/transparencyreportview/progress/" in r.url and r.status == 200) as served:
        page.click("form[action$='/generate'] button[type=submit]")
    assert inline_scripts(served.value.text()) == []
    page.wait_for_url(re.compile(r".*/transparencyreportview/show/\d+$"), timeout=20000)
    assert page.locator("#publish-report").count() == 1
    assert refused == []
    context.close()
