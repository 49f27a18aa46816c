"""The map in a real browser: a pin set on the public form is on the staff case page; offline, nothing leaves the host."""
import re

import pytest

from tests.browser.test_citizen_story import login

pytestmark = pytest.mark.browser


def record_requests(page, seen):
    page.on("request", lambda request: seen.append(request.url))


def test_pin_on_public_form_is_shown_on_the_staff_case_page_without_leaving_the_host(app, live_server, browser, ctx):
    assert not app.config.get("MAP_TILE_URL")  # no tile server: the kecamatan outline is the map
    base = live_server
    requests = []
    citizen = browser.new_page()
    record_requests(citizen, requests)
    citizen.goto(f"{base}/lapor")
    citizen.wait_for_selector("#map-picker .leaflet-overlay-pane path")  # the outline is drawn
    assert citizen.locator("#map-picker .leaflet-overlay-pane path").count() == 26
    assert citizen.locator("#map-picker .leaflet-tile").count() == 0
    citizen.fill("#title", "Pipa PDAM bocor dekat alun-alun")
    citizen.fill("#description", "Pipa PDAM bocor di trotoar dekat alun-alun, air mengalir ke jalan sejak pagi.")
    citizen.fill("#region-search", "kota kaler")
    assert citizen.input_value("#region") == "32.11.18.1001"  # the search picked the first match
    picker = citizen.locator("#map-picker")
    box = picker.bounding_box()
    picker.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    citizen.wait_for_selector("#map-picker[data-pin]")
    lat, lon = citizen.input_value("#latitude"), citizen.input_value("#longitude")
    assert -7.1 < float(lat) < -6.6 and 107.7 < float(lon) < 108.3
    assert "Titik dipasang di" in citizen.inner_text("#map-status")
    citizen.click("#submit-report")
    citizen.wait_for_url(re.compile(r".*/lapor/terkirim$"))
    number = citizen.inner_text("#tracking-number").strip()

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Complaint

    case = db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one()
    assert (f"{case.latitude:.6f}", f"{case.longitude:.6f}") == (lat, lon)
    assert case.region_code == "32.11.18.1001"

    staff = browser.new_page()
    record_requests(staff, requests)
    login(staff, base, "koordinator")
    staff.goto(f"{base}/complaintview/show/{case.id}")
    assert staff.inner_text("#case-coordinates").endswith(f"{lat}, {lon}")
    staff.wait_for_selector("#case-map .leaflet-marker-icon")
    assert "Kota Kaler" in staff.inner_text("#case-region")

    # the staff form has the same picker
    staff.goto(f"{base}/complaintview/edit/{case.id}")
    staff.wait_for_selector("#map-picker .leaflet-marker-icon")
    # ... placed under the coordinates it fills, above the Save button
    assert staff.evaluate("""() => {
        const map = document.getElementById('map-picker'), lon = document.getElementById('longitude');
        const save = document.querySelector('form button[type=submit], form input[type=submit]');
        return !!(lon.compareDocumentPosition(map) & Node.DOCUMENT_POSITION_FOLLOWING)
            && !!(map.compareDocumentPosition(save) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")

    # and the public list has its map
    citizen.goto(f"{base}/laporan")
    citizen.wait_for_selector("#reports-map .leaflet-overlay-pane path", state="attached")

    outside = [url for url in requests if not url.startswith(base) and not url.startswith(("data:", "blob:"))]
    assert outside == []


def test_a_pin_outside_the_kabupaten_warns(live_server, browser):
    page = browser.new_page()
    page.goto(f"{live_server}/lapor")
    page.wait_for_selector("#map-picker .leaflet-overlay-pane path")
    picker = page.locator("#map-picker")
    box = picker.bounding_box()
    picker.click(position={"x": 6, "y": box["height"] - 6})  # a corner: beyond the outline
    page.wait_for_selector("#map-picker[data-pin]")
    assert "di luar wilayah kabupaten" in page.inner_text("#map-status")


def test_with_its_tile_server_unreachable_the_picker_falls_back_to_the_outline_and_takes_my_location(
        app, live_server, browser):
    """An intranet without the configured tile server: the kecamatan outline is the map, the tiles'
    attribution still names their source, and "use my location" sets the pin from the device."""
    from tests.conftest import config_values

    unreachable = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # the discard port: connection refused
    with config_values(app, MAP_TILE_URL=unreachable, MAP_TILE_ATTRIBUTION="Peta dasar Pemda Uji"):
        context = browser.new_context(geolocation={"latitude": -6.835, "longitude": 107.925},
                                      permissions=["geolocation"])
        try:
            page = context.new_page()
            page.goto(f"{live_server}/lapor")
            page.wait_for_selector("#map-picker .leaflet-overlay-pane path")
            assert page.locator("#map-picker .leaflet-overlay-pane path").count() == 26
            page.wait_for_selector("#map-picker.map-offline")  # the tiles failed: shown as offline
            assert "Peta dasar Pemda Uji" in page.inner_text("#map-picker .leaflet-control-attribution")
            page.click("#map-use-location")
            page.wait_for_selector("#map-picker[data-pin]")
            assert (page.input_value("#latitude"), page.input_value("#longitude")) == ("-6.835000", "107.925000")
            assert "Titik dipasang di -6.835000, 107.925000" in page.inner_text("#map-status")
        finally:
            context.close()
