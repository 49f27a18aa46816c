"""Official regions: loaded by `flask lapor init --region`, free text mapped, forms offer only real places."""
import json
import re

import pytest

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Complaint, Region
from app.workflow import regions
from tests.conftest import visible_text, as_seen

SUMEDANG_UTARA, KOTA_KALER = "32.11.18", "32.11.18.1001"


def level_count(level):
    return db.session.execute(select(func.count()).select_from(Region).where(
        Region.level == level, Region.code.like("32.11%"))).scalar()


def test_init_region_loads_the_real_kecamatan_and_kelurahan_with_kemendagri_codes(app, ctx):
    result = app.test_cli_runner().invoke(args=["lapor", "init", "--region", "3211"])
    assert result.exit_code == 0, result.output
    assert "Kabupaten Sumedang (32.11): 26 kecamatan, 277 kelurahan/desa" in result.output
    assert level_count(3) == 26 and level_count(4) == 277
    kota_kaler = db.session.get(Region, KOTA_KALER)
    assert (kota_kaler.name, kota_kaler.kind, kota_kaler.parent_code) == ("Kota Kaler", "kelurahan", SUMEDANG_UTARA)
    assert db.session.get(Region, SUMEDANG_UTARA).name == "Sumedang Utara"
    assert db.session.get(Region, "32.11").name == "Kabupaten Sumedang"
    assert db.session.get(Region, "32").name == "Jawa Barat"
    # the shipped outline gives every kecamatan a point for the map
    assert set(regions.kecamatan_points()) == {code for code, _ in regions.kecamatan_list()}


def test_init_region_refuses_a_code_that_is_not_a_kabupaten(app, ctx):
    result = app.test_cli_runner().invoke(args=["lapor", "init", "--region", "99.99"])
    assert result.exit_code != 0 and "bukan kabupaten/kota" in result.output


def test_init_region_refuses_a_second_kabupaten_and_keeps_the_first(app, ctx, login_as):
    """One installation serves one kabupaten/kota: a second code (a typo, another kabupaten) mixed its
    places into every form and made the map lose the first one's outline; it is refused, naming the
    kabupaten loaded, and nothing of the other one is stored. The same code again still refreshes."""
    result = app.test_cli_runner().invoke(args=["lapor", "init", "--region", "32.04"])
    assert result.exit_code != 0
    assert "sudah memuat wilayah Kabupaten Sumedang (32.11)" in result.output and "32.04 tidak dimuat" in result.output
    assert not db.session.execute(select(func.count()).select_from(Region).where(
        Region.code.like("32.04%"))).scalar()
    assert tuple(regions.installation_region()) == ("32.11", "Kabupaten Sumedang")
    page = login_as("koordinator").get("/complaintview/add").get_data(as_text=True)
    assert "geo/32.11.geojson" in page.replace("&#34;", '"').replace("\\/", "/")
    assert app.test_cli_runner().invoke(args=["lapor", "init", "--region", "32.11"]).exit_code == 0


def test_free_text_locations_are_mapped_exactly_or_normalised_and_the_rest_listed(app, ctx, make_case, login_as):
    exact = make_case(district="Sumedang Utara", village="Kota Kaler")
    spaced = make_case(district="Kec. SUMEDANG utara", village="Kel. Kotakaler")
    only_kecamatan = make_case(district="kecamatan jatinangor", village="Desa Entah")
    unknown = make_case(district="Sukamaju Kota", village="Kaum")
    # as before the migration: text as typed, no codes
    db.session.execute(update(Complaint).values(region_code=None, district_code=None))
    db.session.execute(update(Complaint).where(Complaint.id == spaced.id).values(
        district="Kec. SUMEDANG utara", village="Kel. Kotakaler"))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["lapor", "init", "--region", "32.11"])
    assert result.exit_code == 0, result.output
    assert "2 cocok sampai kelurahan/desa, 1 sampai kecamatan, 1 belum cocok" in result.output
    db.session.expire_all()
    assert (exact.region_code, exact.district_code) == (KOTA_KALER, SUMEDANG_UTARA)
    assert (spaced.region_code, spaced.district, spaced.village) == (KOTA_KALER, "Sumedang Utara", "Kota Kaler")
    assert (only_kecamatan.region_code, only_kecamatan.district_code) == (None, "32.11.15")
    assert (unknown.region_code, unknown.district_code, unknown.district) == (None, None, "Sukamaju Kota")

    client = login_as("koordinator")
    page = client.get("/queueunmappedlocationview/list/")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert unknown.tracking_number in text and only_kecamatan.tracking_number in text
    assert exact.tracking_number not in text and spaced.tracking_number not in text
    # staff fix it by picking the kelurahan: the kecamatan follows
    response = client.post(f"/complaintview/edit/{unknown.id}", data=as_seen(unknown.id, {"region": KOTA_KALER, "address": "Jl. Mayor Abdurachman"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert (unknown.region_code, unknown.district_code, unknown.district) == (KOTA_KALER, SUMEDANG_UTARA, "Sumedang Utara")


def test_public_form_offers_only_real_places(client, ctx):
    page = client.get("/lapor").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*id="region".*?</select>', page, re.S).group(0)
    codes = re.findall(r'<option[^>]*value="([0-9.]+)"', select_html)
    assert len(codes) == 277 and all(code.startswith("32.11.") and len(code) == 13 for code in codes)
    assert 'label="Kec. Sumedang Utara"' in select_html and ">Kota Kaler</option>" in select_html
    assert 'id="region-search"' in page  # searchable


def _report(**overrides):
    data = {"kind": "complaint", "title": "Pipa PDAM bocor di depan sekolah",
            "description": "Air bersih terbuang sejak kemarin dari pipa PDAM yang bocor di depan SD Negeri.",
            "region": KOTA_KALER}
    data.update(overrides)
    return data


def test_public_report_references_the_kelurahan_and_its_kecamatan(client, ctx):
    response = client.post("/lapor", data=_report(latitude="-6.835", longitude="107.925"))
    assert response.status_code == 302
    case = db.session.execute(select(Complaint).order_by(Complaint.id.desc())).scalars().first()
    assert (case.region_code, case.district_code, case.district, case.village) == (
        KOTA_KALER, SUMEDANG_UTARA, "Sumedang Utara", "Kota Kaler")
    assert (case.latitude, case.longitude) == (-6.835, 107.925)


def test_public_form_refuses_an_unknown_place_or_a_point_outside_indonesia_keeping_the_text(client, ctx):
    before = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    for overrides, message in (({"region": "32.11.99.9999"}, "Pilih kelurahan/desa dari daftar."),
                               ({"region": "32.11.18"}, "Pilih kelurahan/desa dari daftar."),
                               ({"latitude": "48.85", "longitude": "2.35"}, "Titik peta harus berada di wilayah Indonesia.")):
        response = client.post("/lapor", data=_report(**overrides))
        body = response.get_data(as_text=True)
        assert response.status_code == 400 and message in visible_text(body), overrides
        assert "Pipa PDAM bocor di depan sekolah" in body
    assert db.session.execute(select(func.count()).select_from(Complaint)).scalar() == before


def test_public_list_filters_by_kecamatan_code(client, ctx, make_case):
    inside = make_case(status="dispatched", agency="DINKES", title="Laporan di Sumedang Utara", region_code=KOTA_KALER)
    outside = make_case(status="dispatched", agency="DINKES", title="Laporan di Jatinangor", district="Jatinangor")
    text = visible_text(client.get(f"/laporan?kecamatan={SUMEDANG_UTARA}").get_data(as_text=True))
    assert inside.title in text and outside.title not in text


def test_api_edit_of_a_typed_location_gets_the_official_codes(make_case, login_as):
    case = make_case(district="Sukamaju Kota")
    client = login_as("koordinator")
    response = client.put(f"/api/v1/complaint/{case.id}", json={"district": "kec. jatinangor", "village": None})
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    assert (case.district_code, case.district, case.region_code) == ("32.11.15", "Jatinangor", None)
    shown = client.get(f"/api/v1/complaint/{case.id}").get_json()["result"]
    assert shown["district_code"] == "32.11.15"


# --- a map point inside or outside the kabupaten (accepted either way, pointed out when outside) ------

KOTA_KALER_POINT = (-6.835, 107.925)  # Sumedang Utara
BANDUNG_POINT = (-6.9175, 107.6191)  # Kota Bandung: Indonesia, another kabupaten/kota
MAKASSAR_POINT = (-5.147, 119.432)


def test_a_point_is_told_inside_or_outside_the_kabupaten_by_its_kecamatan_outline(ctx, make_case):
    assert regions.outside_kabupaten(*KOTA_KALER_POINT) is False
    assert regions.location_warning(*KOTA_KALER_POINT) is None
    for point in (BANDUNG_POINT, MAKASSAR_POINT):
        assert regions.outside_kabupaten(*point) is True
        assert "Kabupaten Sumedang" in str(regions.location_warning(*point))
    assert regions.outside_kabupaten(None, None) is None
    # such a point is accepted; a point outside Indonesia is still refused
    case = make_case(region_code=KOTA_KALER, latitude=BANDUNG_POINT[0], longitude=BANDUNG_POINT[1])
    assert (case.latitude, case.longitude) == BANDUNG_POINT
    with pytest.raises(ValueError):
        regions.check_coordinates(48.85, 2.35)


def test_the_outline_is_a_real_shape_not_its_box(ctx, monkeypatch, tmp_path):
    # a U-shaped kabupaten: the notch lies inside the outline's box but outside the kabupaten
    u_shape = [[107.8, -6.9], [108.1, -6.9], [108.1, -6.6], [108.0, -6.6], [108.0, -6.8],
               [107.9, -6.8], [107.9, -6.6], [107.8, -6.6], [107.8, -6.9]]
    outline = tmp_path / "32.11.geojson"
    outline.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kode": "32.11.18"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[u_shape]]}}]}))
    monkeypatch.setattr(regions, "shipped_outline_path", lambda code: str(outline))
    assert regions.outside_kabupaten(-6.85, 107.95) is False  # the bottom of the U
    assert regions.outside_kabupaten(-6.7, 107.85) is False  # its left arm
    assert regions.outside_kabupaten(-6.7, 107.95) is True  # the notch


def test_without_an_outline_the_box_around_the_kecamatan_points_decides_and_without_them_nothing_is_said(
        ctx, monkeypatch):
    monkeypatch.setattr(regions, "shipped_outline_path", lambda code: None)
    assert regions.outside_kabupaten(*KOTA_KALER_POINT) is False
    assert regions.outside_kabupaten(*BANDUNG_POINT) is True
    monkeypatch.setattr(regions, "kecamatan_points", lambda: {})
    assert regions.outside_kabupaten(*BANDUNG_POINT) is None
    assert regions.location_warning(*BANDUNG_POINT) is None
