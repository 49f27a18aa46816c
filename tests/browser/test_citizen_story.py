"""The whole story in a real browser: a citizen reports with a photo, staff handle it, the citizen rates it."""
import re

import pytest

from tests.imaging import png_bytes

pytestmark = pytest.mark.browser

# a real photo: uploads are decoded and re-encoded (app/workflow/attachments.py)
PNG_1PX = png_bytes(8, 8)
PASSWORD = "Rahasia-uji-123"


def login(page, base, username):
    page.goto(f"{base}/logout/")
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(re.compile(r".*/(dasbor/|)$"))


def run_transition(page, name, **fields):
    block = page.locator(f'details[data-transition="{name}"]')
    block.locator("summary").click()
    for field, value in fields.items():
        control = block.locator(f'[name="{field}"]')
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    block.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() >= 1, page.content()[:2000]


def test_citizen_to_closed_case(live_server, browser, ctx, tmp_path):
    base = live_server
    photo = tmp_path / "lubang-jalan.png"
    photo.write_bytes(PNG_1PX)
    citizen = browser.new_page()

    # 1. the citizen files a report with a photo
    citizen.goto(f"{base}/lapor")
    citizen.check('input[name="kind"][value="complaint"]')
    citizen.fill("#title", "Lubang besar di Jalan Siliwangi")
    citizen.fill("#description", "Ada lubang besar di depan toko bangunan, sudah tiga motor terjatuh minggu ini.")
    citizen.fill("#region-search", "kota kaler")
    citizen.select_option("#region", "32.11.18.1001")
    citizen.fill("#address", "Jl. Siliwangi depan toko bangunan")
    citizen.set_input_files("#attachments", str(photo))
    citizen.fill("#name", "Agus Permana")
    citizen.fill("#phone", "081298765432")
    citizen.check("#consent")
    citizen.click("#submit-report")
    citizen.wait_for_url(re.compile(r".*/lapor/terkirim$"))
    number = citizen.inner_text("#tracking-number").strip()
    code = citizen.inner_text("#reply-code").strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]", number)

    # 2. they track it by number
    citizen.goto(f"{base}/lacak")
    citizen.fill("#number", number.lower().replace("-", " "))
    citizen.click("button[type=submit]")
    citizen.wait_for_url(re.compile(rf".*/lacak/{number}$"))
    assert citizen.inner_text("#case-status") == "Belum terverifikasi"

    # 3. the coordinator disposes it to Dinas Kesehatan
    from app.extensions import db
    from app.models import Complaint
    from sqlalchemy import select

    case_id = db.session.execute(select(Complaint.id).where(Complaint.tracking_number == number)).scalar_one()
    staff = browser.new_page()
    login(staff, base, "koordinator")
    staff.goto(f"{base}/complaintview/show/{case_id}")
    assert "Agus Permana" in staff.content()
    run_transition(staff, "dispose", agency="Dinas Kesehatan", public_text="Diteruskan ke Dinas Kesehatan.")

    # 4. the OPD answers and resolves it
    login(staff, base, "opd_dinkes")
    staff.goto(f"{base}/complaintview/show/{case_id}")
    run_transition(staff, "follow_up", text="Petugas sudah meninjau lokasi.")
    run_transition(staff, "resolve", text="Lubang sudah ditambal pada hari ini.")

    # 5. on another phone, the citizen opens the link from the e-mail: the code travels in the
    # fragment (never sent to the server), is moved into the form and posted
    citizen = browser.new_page()
    requested = []
    citizen.on("request", lambda request: requested.append(request.url))
    citizen.goto(f"{base}/lacak/{number}#kode={code}")
    assert citizen.input_value("#code") == code and "kode" not in citizen.url
    citizen.click('form[action$="/kode"] button[type=submit]')
    citizen.wait_for_url(re.compile(rf".*/lacak/{number}$"))
    assert not [url for url in requested if code in url]
    assert "Lubang sudah ditambal" in citizen.inner_text("#public-timeline")
    citizen.check('#action-confirm input[name="rating"][value="5"]')
    citizen.fill("#feedback", "Cepat sekali, terima kasih.")
    citizen.click("#action-confirm button[type=submit]")
    citizen.wait_for_load_state()
    assert citizen.inner_text("#case-status") == "Selesai"

    # 6. the case is closed on the public list ...
    citizen.goto(f"{base}/laporan?status=closed")
    report = citizen.locator(f'.public-report[data-number="{number}"]')
    assert report.count() == 1 and "Selesai" in report.inner_text()
    citizen.goto(f"{base}/laporan/{number}")
    assert "081298765432" not in citizen.content()
    # ... and counted on the transparency page (this month, all cases received so far)
    from sqlalchemy import func

    this_month = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    assert citizen.goto(f"{base}/transparansi").status == 200
    assert int(citizen.inner_text("#kpi-received").replace(".", "")) == this_month
    assert citizen.evaluate("typeof Chart") == "function"  # charts drawn by the locally served library
    assert citizen.locator("#chart-status").count() == 1


def test_report_form_fits_a_360px_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    for path in ("/lapor", "/", "/laporan", "/lacak"):
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} overflows by {overflow}px at 360px"
    page.goto(live_server + "/lapor")
    assert page.locator("#submit-report").is_visible()
    context.close()
