"""The staff date picker speaks Indonesian and writes what Indonesians type (dd/mm/yyyy): its weekdays
and months are Indonesian, a date typed by hand stays as typed and is read day first, and a day
picked with the mouse is saved as that day."""
import datetime
import re

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Holiday
from app.workflow.calendar import invalidate_calendar
from tests.browser.test_staff_desk import login

pytestmark = pytest.mark.browser

NAME = "Hari jadi kabupaten (uji pemilih tanggal)"


@pytest.fixture
def forget_the_holiday(ctx):
    yield
    db.session.rollback()
    db.session.execute(delete(Holiday).where(Holiday.name == NAME))
    db.session.commit()
    invalidate_calendar()


def test_the_date_picker_is_indonesian_and_keeps_a_date_typed_day_first(live_server, browser, forget_the_holiday):
    page = browser.new_page()
    login(page, live_server, "koordinator")

    # a date typed by hand (the old picker turned 10/12/2026 into 16-06-17) is kept and read day first
    page.goto(f"{live_server}/complaintview/add")
    field = page.locator("#incident_date")
    field.press_sequentially("10/12/2026")  # key by key, as a person types
    page.keyboard.press("Tab")
    assert field.input_value() == "10/12/2026"
    field.click()
    picker = page.locator(".datepicker-dropdown .datepicker-days")
    picker.wait_for(state="visible")
    assert picker.locator("th.datepicker-switch").inner_text() == "Desember 2026"
    assert picker.locator("td.active.day").inner_text() == "10"
    # the week starts on Monday, named in Indonesian
    assert picker.locator("th.dow").all_inner_texts() == ["Sn", "Sl", "Rb", "Km", "Jm", "Sb", "Mg"]

    # a day picked with the mouse is written dd/mm/yyyy and saved as that day
    page.goto(f"{live_server}/holidayview/add")
    page.locator("#date").click()
    picker = page.locator(".datepicker-dropdown .datepicker-days")
    picker.wait_for(state="visible")
    # "today" as the browser counts it (its own clock and zone)
    today = datetime.date(*page.evaluate("() => { const d = new Date(); return [d.getFullYear(), d.getMonth() + 1, d.getDate()]; }"))
    assert db.session.execute(select(Holiday).where(Holiday.date == today)).first() is None, "today is a holiday already"
    picker.locator("td.today.day:not(.old):not(.new)").click()
    assert page.locator("#date").input_value() == today.strftime("%d/%m/%Y")
    page.fill("#name", NAME)
    page.select_option("#kind", "local")
    page.click("form#model_form button[type=submit], form#model_form input[type=submit]")
    page.wait_for_url(re.compile(r".*/holidayview/list/.*"))
    saved = db.session.execute(select(Holiday.date).where(Holiday.name == NAME)).scalar_one()
    assert saved == today
    page.close()
