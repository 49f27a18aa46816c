"""Bad input gets a clear Indonesian message or is ignored; never a 500."""
import html

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import SlaSetting
from tests.conftest import visible_text

BAD_URLS = [
    "/complaintview/list/?_flt_9_status=x",
    "/complaintview/list/?_flt_0_nonexistent=x",
    "/complaintview/list/?page_ComplaintView=abc",
    "/complaintview/list/?psize_ComplaintView=-5",
    "/complaintview/list/?_oc_ComplaintView=nonexistent&_od_ComplaintView=sideways",
    "/complaintview/show/abc",
    "/complaintview/show/99999999999999999999",
    "/complaintview/bulk/dispose?ids=abc,,",
    "/complaintview/bulk/unknown",
    "/users/list/?_flt_9_username=x",
    "/api/v1/complaint/?q=garbage",
    "/api/v1/complaint/?q=(filters:!((col:status,opr:sw,value:r)))",
    "/api/v1/complaint/abc",
    "/api/v1/complaint/99999999999999999999",
    "/agencyview/edit/99999999999999999999",
    "/holidayview/list/?_flt_7_date=not-a-date",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_urls_never_give_500(login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code < 500, f"{url}: {response.status_code}"


def test_add_form_errors_are_indonesian(login_as, world):
    response = login_as("koordinator").post("/complaintview/add", data={
        "kind": "complaint", "title": "", "description": "pendek", "channel": world.channel().id,
        "reporter_email": "bukan-email", "reporter_nik": "123"})
    assert response.status_code == 200
    text = visible_text(response.get_data(as_text=True))
    assert "Kolom ini wajib diisi." in text
    assert "Alamat email tidak valid." in text
    assert "NIK terdiri dari 16 angka." in text


def test_identity_without_consent_is_refused_with_a_message(login_as, world):
    response = login_as("koordinator").post("/complaintview/add", data={
        "kind": "complaint", "title": "Laporan lewat telepon", "description": "Jalan rusak parah di desa kami.",
        "channel": world.channel("phone").id, "reporter_name": "Ujang"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Persetujuan pemrosesan data pribadi wajib dicentang" in response.get_data(as_text=True)


def test_reference_row_in_use_is_not_deleted(login_as, make_case, world):
    make_case(status="dispatched", agency="PUPR")
    agency_id = world.agency("PUPR").id
    response = login_as("koordinator").post(f"/agencyview/delete/{agency_id}", follow_redirects=True)
    assert response.status_code == 200
    assert "masih dipakai" in response.get_data(as_text=True)
    assert world.agency("PUPR").id == agency_id


def test_a_too_long_name_is_said_once_in_indonesian(login_as):
    response = login_as("koordinator").post("/holidayview/add", data={
        "date": "17/08/2027", "kind": "national", "name": "Hari Kemerdekaan " * 20})
    text = visible_text(response.get_data(as_text=True))
    assert "Field cannot be longer" not in text and "characters" not in text
    assert text.count("Kolom ini paling banyak berisi 200 karakter.") == 1


def test_a_case_title_too_short_or_too_long_gets_one_indonesian_message(login_as, world):
    client = login_as("koordinator")
    for title in ("Abcd", "Lampu mati " * 30):
        response = client.post("/complaintview/add", data={
            "kind": "complaint", "title": title, "description": "Lampu jalan mati sudah dua minggu.",
            "channel": world.channel("phone").id})
        text = visible_text(response.get_data(as_text=True))
        assert "Field " not in text
        assert text.count("Kolom ini harus berisi 5 sampai 200 karakter.") == 1, title


def test_a_duplicate_agency_code_is_said_once(login_as, world):
    response = login_as("koordinator").post("/agencyview/add", data={"code": "DINKES", "name": "Dinas Kesehatan Lagi"})
    text = visible_text(response.get_data(as_text=True))
    assert text.count("Sudah ada.") == 1 and "Dinas Kesehatan Lagi" in response.get_data(as_text=True)


def test_a_number_or_date_typed_wrong_is_told_what_is_wrong_not_that_it_is_empty(login_as, world):
    client = login_as("koordinator")
    setting = db.session.execute(select(SlaSetting).where(SlaSetting.kind == "complaint")).scalar_one()
    response = client.post(f"/slasettingview/edit/{setting.id}", data={
        "verify_days": "tiga", "first_response_days": 5, "resolution_days": 14, "inspection_resolution_days": 60,
        "auto_close_days": 10})
    text = visible_text(response.get_data(as_text=True))
    assert "Nilai bilangan bulat tidak valid." in text and "wajib diisi" not in text
    response = client.post("/holidayview/add", data={"date": "31/02/2027", "name": "Cuti bersama", "kind": "national"})
    text = visible_text(response.get_data(as_text=True))
    assert "Tanggal tidak valid" in text and "wajib diisi" not in text


def test_a_holiday_in_an_implausible_year_is_refused_with_the_date_kept(login_as):
    from app.models import Holiday

    client = login_as("koordinator")
    for typed in ("25/12/9999", "01/01/1999"):
        response = client.post("/holidayview/add", data={"date": typed, "name": "Libur salah ketik", "kind": "local"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Hari libur harus jatuh antara tahun 2000 dan" in visible_text(page)
        assert typed in page
    assert db.session.execute(select(Holiday).where(Holiday.name == "Libur salah ketik")).first() is None


def test_the_plausible_years_of_a_holiday_follow_the_clock(ctx):
    import datetime

    from app.workflow.calendar import check_holiday_date
    from app.workflow.errors import ValidationFailed

    now = datetime.datetime(2026, 6, 1, 3, 0)
    assert check_holiday_date(datetime.date(2031, 12, 31), now=now)
    assert check_holiday_date(datetime.date(2000, 1, 1), now=now)
    with pytest.raises(ValidationFailed):
        check_holiday_date(datetime.date(2032, 1, 1), now=now)


def test_a_holiday_on_a_day_already_listed_is_a_field_message_with_the_input_kept(login_as):
    from app.models import Holiday

    client = login_as("koordinator")
    client.post("/holidayview/add", data={"date": "22/06/2027", "name": "Hari jadi kabupaten", "kind": "local"})
    response = client.post("/holidayview/add", data={"date": "22/06/2027", "name": "Hari jadi kota (cuti)",
                                                      "kind": "local"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Hari jadi kota (cuti)" in page and "22/06/2027" in page
    assert "Tanggal ini sudah ada di daftar hari libur" in visible_text(page)
    assert [h.name for h in db.session.execute(select(Holiday).where(Holiday.name.like("Hari jadi%"))).scalars()] == [
        "Hari jadi kabupaten"]
    # editing the listed day itself is not a duplicate of itself
    holiday = db.session.execute(select(Holiday).where(Holiday.name == "Hari jadi kabupaten")).scalar_one()
    response = client.post(f"/holidayview/edit/{holiday.id}", data={"date": "22/06/2027", "name": "Hari jadi Sumedang",
                                                                     "kind": "local"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Holiday, holiday.id).name == "Hari jadi Sumedang"


# --- a NUL character (never typed by a person; PostgreSQL refuses it) ----------------------------

NUL_MESSAGE = "Isian mengandung karakter yang tidak diizinkan."


@pytest.mark.parametrize("url", ["/laporan?q=jalan%00rusak", "/laporan?st%00atus=x", "/complaintview/list/?_flt_0_title=a%00"])
def test_a_nul_character_in_the_query_string_is_refused_with_its_own_message(login_as, url):
    response = login_as("koordinator").get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in visible_text(response.get_data(as_text=True))


def test_a_nul_character_on_the_json_api_is_refused_with_its_own_message(app, login_as):
    response = login_as("koordinator").get("/api/v1/complaint/?q=(filters:!((col:title,opr:ct,value:'a%00b')))")
    assert response.status_code == 400 and response.get_json() == {"message": NUL_MESSAGE}


def test_a_nul_character_in_a_form_keeps_what_was_typed_to_send_again(app, login_as, world):
    from app.models import Complaint

    client = login_as("koordinator")
    before = db.session.execute(select(db.func.count()).select_from(Complaint)).scalar()
    response = client.post("/complaintview/add", data={
        "title": "Jalan berlubang\x00 di Desa Mekar", "description": "Lubang besar sekali.",
        "channel": world.channel("phone").id, "kind": "complaint"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert NUL_MESSAGE in visible_text(html) and "Isian tidak diterima" in visible_text(html)
    assert 'value="Jalan berlubang di Desa Mekar"' in html and 'value="Lubang besar sekali."' in html
    assert 'id="resend-form"' in html and 'action="/complaintview/add"' in html and "\x00" not in html
    assert db.session.execute(select(db.func.count()).select_from(Complaint)).scalar() == before


def test_a_nul_character_on_the_public_report_form_keeps_the_report_to_send_again(app, client, world):
    from app.models import Complaint
    from tests.views.test_public import report_data, submit

    before = db.session.execute(select(db.func.count()).select_from(Complaint)).scalar()
    response = submit(client, description="Lampu jalan\x00 mati sejak dua minggu di depan SD Negeri 3.")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and NUL_MESSAGE in visible_text(html)
    assert 'value="Lampu jalan mati sejak dua minggu di depan SD Negeri 3."' in html
    assert f'value="{report_data()["title"]}"' in html and 'action="/lapor"' in html
    assert db.session.execute(select(db.func.count()).select_from(Complaint)).scalar() == before

def test_a_category_name_already_used_whatever_its_capitals_and_spaces_is_a_field_message(login_as):
    """The spreadsheet import finds a category by its name: two names that read the same are refused,
    with what was typed kept."""
    from app.models import Category

    client = login_as("koordinator")
    assert client.post("/categoryview/add", data={"name": "Uji Lampu Jalan Mati", "active": "y"}).status_code == 302
    try:
        response = client.post("/categoryview/add", data={"name": "  uji lampu   JALAN mati",
                                                          "description": "Penerangan umum", "active": "y"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "Penerangan umum" in page and "JALAN mati" in page
        assert "Kategori bernama \"Uji Lampu Jalan Mati\" sudah ada" in html.unescape(visible_text(page))
        named = db.session.execute(select(Category).where(Category.name.ilike("%lampu%jalan%"))).scalars().all()
        assert [c.name for c in named] == ["Uji Lampu Jalan Mati"]
        # editing the category itself (even its capitals) is no duplicate of itself
        response = client.post(f"/categoryview/edit/{named[0].id}", data={"name": "Uji lampu jalan mati", "active": "y"})
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(Category, named[0].id).name == "Uji lampu jalan mati"
    finally:
        db.session.rollback()
        db.session.execute(delete(Category).where(Category.name.ilike("uji lampu jalan mati")))
        db.session.commit()
