"""The report form on a phone: photos previewed, a refused file never loses the typed text, the draft comes back."""
import re

import pytest

from tests.browser.test_citizen_story import PNG_1PX

pytestmark = pytest.mark.browser


def test_preview_refusal_before_sending_and_draft_restored(live_server, browser, ctx, tmp_path):
    from app.workflow.attachments import MAX_BYTES

    small = tmp_path / "lubang.png"
    small.write_bytes(PNG_1PX)
    big = tmp_path / "besar.jpg"
    big.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * (MAX_BYTES + 1024))
    page = browser.new_page(viewport={"width": 360, "height": 740})
    requests = []
    page.on("request", lambda r: requests.append((r.method, r.url)))
    page.goto(f"{live_server}/lapor")
    page.fill("#title", "Jembatan bambu di Dusun Cibeureum rusak")
    page.fill("#description", "Tiang jembatan bambu patah sebagian sehingga warga dan anak sekolah harus memutar jauh.")
    page.fill("#name", "Asep Sunandar")

    page.set_input_files("#attachments", [str(small)])
    assert page.locator("#upload-preview li img").count() == 1  # the photo is previewed before sending
    assert page.locator("#upload-error").is_hidden()

    page.set_input_files("#attachments", [str(small), str(big)])
    error = page.locator("#upload-error")
    assert error.is_visible() and "besar.jpg" in error.inner_text() and "MB" in error.inner_text()
    page.click("#submit-report")
    assert not [url for method, url in requests if method == "POST"]  # nothing was sent
    assert page.url.endswith("/lapor")
    assert page.input_value("#title") == "Jembatan bambu di Dusun Cibeureum rusak"

    # leaving the page (as after a refused upload) and coming back: the draft is restored in this tab
    page.goto(f"{live_server}/laporan")
    page.goto(f"{live_server}/lapor")
    assert page.locator("#draft-restored").is_visible()
    assert page.input_value("#title") == "Jembatan bambu di Dusun Cibeureum rusak"
    assert page.input_value("#name") == "Asep Sunandar"
    assert "memutar jauh" in page.input_value("#description")
    page.click("#draft-discard")
    assert page.input_value("#title") == ""
    page.goto(f"{live_server}/lapor")
    assert page.locator("#draft-restored").is_hidden()


def test_a_double_tap_sends_one_report_and_the_sent_draft_is_not_offered_again(live_server, browser, ctx):
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Complaint

    def count():
        db.session.rollback()  # see what the live server committed
        return db.session.execute(select(func.count()).select_from(Complaint)).scalar()

    before = count()
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(f"{live_server}/lapor")
    page.fill("#title", "Saluran air tersumbat di Pasar Inpres")
    page.fill("#description", "Saluran air di sisi timur Pasar Inpres tersumbat sampah sehingga banjir setiap hujan.")
    # two taps on "Kirim laporan" before the answer arrives
    page.evaluate("() => { const f = document.getElementById('report-form'); f.requestSubmit(); f.requestSubmit(); }")
    page.wait_for_url(re.compile(r".*/lapor/terkirim$"))
    assert page.inner_text("#reply-code").strip()
    assert count() == before + 1

    # the report was received: the form does not offer it again as "your unsent report"
    page.goto(f"{live_server}/lapor")
    assert page.locator("#draft-restored").is_hidden()
    assert page.input_value("#title") == ""
