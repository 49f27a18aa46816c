"""The staff desk: intake with no dead end, verification by deciding, the suggested agency,
files on intake and on follow-ups (public only when staff say so), dates as people type them."""
import datetime as dt
import io
import re
import struct
import zlib

import pytest

from sqlalchemy import func, select

from app.extensions import db
from app.models import Attachment, Category, Complaint
from tests.conftest import visible_text, as_seen


def png_bytes(width=2, height=2):
    """A small but real PNG image (decodable by any image library)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def intake(client, world, **overrides):
    data = {"channel": world.channel("phone").id, "received_at": "02/03/2026 08:30", "kind": "complaint",
            "title": "Lampu jalan mati di Jalan Melati", "description": "Sudah dua minggu lampu jalan mati, rawan kejahatan.",
            "district": "Sukamaju Kota", "reporter_name": "Ibu Wati", "reporter_phone": "081200001111",
            "reporter_consent": "y"}
    data.update(overrides)
    return client.post("/complaintview/add", data=data, content_type="multipart/form-data")


def recorded(response):
    """The intake succeeded: the new case's page (with the reply code shown once)."""
    html = response.get_data(as_text=True)
    return response.status_code == 200 and "tercatat" in html and 'id="reporter-panel"' in html


def latest_case():
    db.session.expire_all()
    return db.session.execute(select(Complaint).order_by(Complaint.id.desc()).limit(1)).scalar_one()


def test_coordinator_records_a_phone_case_with_no_agency_and_a_letter(login_as, world):
    client = login_as("koordinator")
    form = client.get("/complaintview/add").get_data(as_text=True)
    assert 'name="agency"' not in form and 'name="attachments"' in form and 'name="received_at"' in form
    response = intake(client, world, attachments=[(io.BytesIO(png_bytes()), "surat.png")])
    assert recorded(response), visible_text(response.get_data(as_text=True))[:500]
    case = latest_case()
    assert case.status == "received" and case.agency_id is None
    assert case.received_at == dt.datetime(2026, 3, 2, 1, 30)  # 08.30 WIB
    assert case.channel.code == "phone" and [a.content_type for a in case.attachments] == ["image/png"]
    assert case.tracking_number in client.get("/queuetoverifyview/list/").get_data(as_text=True)



def test_the_reply_code_is_read_to_the_caller_once_and_opens_the_case_for_them(app, login_as, world):
    """A reporter who telephoned gets their private code from the officer: shown on the page that
    confirms the intake, in the readable grouped form, and never again (not on reload, not to anyone)."""
    client = login_as("koordinator")
    response = intake(client, world)
    assert recorded(response)
    page = response.get_data(as_text=True)
    code = re.search(r'class="code-text"[^>]*>([A-Z2-9-]+)<', page).group(1)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4})+", code)  # the tracking-number alphabet, grouped
    case = latest_case()
    for viewer in (client, login_as("admin")):
        again = viewer.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
        assert 'id="new-reply-code"' not in again and code not in again
    # the code the caller was told opens their case on the tracking page
    reporter = app.test_client()
    answer = reporter.post(f"/lacak/{case.tracking_number}/kode", data={"code": code}, follow_redirects=True)
    assert answer.status_code == 200 and 'class="panel panel-default reporter-action"' in answer.get_data(as_text=True)

def test_an_opd_case_gets_the_officers_own_agency(login_as, world):
    response = intake(login_as("opd_dinkes"), world)
    assert recorded(response)
    assert latest_case().agency_id == world.agency("DINKES").id


def test_a_refused_intake_keeps_what_was_typed_and_says_why(login_as, world):
    before = db.session.execute(select(db.func.count()).select_from(Complaint)).scalar()
    response = intake(login_as("opd_dinkes"), world, agency=str(world.agency("PUPR").id))
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Lampu jalan mati di Jalan Melati" in page and "Sudah dua minggu lampu jalan mati" in page
    assert "hanya dapat mencatat laporan untuk instansi Anda sendiri" in page
    assert db.session.execute(select(db.func.count()).select_from(Complaint)).scalar() == before


def test_a_forged_file_refuses_the_intake_with_the_text_kept(login_as, world):
    response = intake(login_as("koordinator"), world, attachments=[(io.BytesIO(b"MZ\x90\x00 not an image"), "foto.jpg")])
    page = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200 and "Lampu jalan mati di Jalan Melati" in response.get_data(as_text=True)
    assert "bukan gambar" in page


def test_dates_are_typed_as_indonesians_do_and_nonsense_is_a_field_error(login_as, world):
    client = login_as("koordinator")
    response = intake(client, world, received_at="16-06-17x", incident_date="10/12/2026")
    page = visible_text(response.get_data(as_text=True))
    assert response.status_code == 200 and "Tanggal dan jam tidak valid" in page
    assert 'value="10/12/2026"' in response.get_data(as_text=True)  # what was typed stays
    response = intake(client, world, received_at="2026-03-02 08.30", incident_date="01/03/2026")
    assert recorded(response)
    case = latest_case()
    assert case.incident_date == dt.date(2026, 3, 1) and case.received_at == dt.datetime(2026, 3, 2, 1, 30)
    future = intake(client, world, received_at="01/01/2999 08:00")
    assert not recorded(future) and "tidak boleh di masa depan" in future.get_data(as_text=True)


def test_verification_is_done_by_deciding_and_the_dispose_form_preselects_the_category_agency(
        login_as, make_case, world):
    case = make_case()
    category = Category(name="Jalan dan Jembatan Uji", suggested_agency=world.agency("PUPR"), active=True)
    db.session.add(category)
    case.category = category
    db.session.commit()
    client = login_as("koordinator")
    page = client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    assert 'data-transition="verify"' not in page and "Tandai terverifikasi" not in page
    assert 'id="verification-note"' in page
    dispose = page[page.index('data-transition="dispose"'):]
    dispose = dispose[:dispose.index("</details>")]
    pupr = world.agency("PUPR").id
    assert re.search(rf'<option value="{pupr}"\s+selected', dispose), "suggested agency not preselected"
    assert "Jalan dan Jembatan Uji" in dispose  # which rule chose it

    client.post(f"/complaintview/transition/{case.id}/dispose", data={"agency": pupr, "expected_version": case.version})
    db.session.expire_all()
    case = db.session.get(Complaint, case.id)
    assert case.status == "dispatched" and case.verified_at is not None and case.agency_id == pupr
    assert case.tracking_number not in client.get("/queuetoverifyview/list/").get_data(as_text=True)
    assert 'id="verification-note"' not in client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)


def test_without_a_suggestion_nothing_is_preselected(login_as, make_case):
    case = make_case()
    page = login_as("koordinator").get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    dispose = page[page.index('data-transition="dispose"'):]
    dispose = dispose[:dispose.index("</select>")]
    assert re.search(r'<option value=""\s+selected', dispose)


def test_follow_up_photos_are_public_only_when_marked_public(login_as, make_case, client):
    case = make_case(agency="DINKES", status="dispatched")
    officer = login_as("opd_dinkes")
    officer.post(f"/complaintview/transition/{case.id}/follow_up", content_type="multipart/form-data", data=as_seen(case.id, {
        "text": "Lampu sudah diganti.", "attachments_public": "y",
        "attachments": [(io.BytesIO(png_bytes()), "perbaikan.png")]}))
    officer.post(f"/complaintview/transition/{case.id}/follow_up", content_type="multipart/form-data", data=as_seen(case.id, {
        "text": "Dokumen internal terlampir.", "attachments": [(io.BytesIO(png_bytes(3, 3)), "ktp-warga.png")]}))
    rows = db.session.execute(select(Attachment).where(Attachment.complaint_id == case.id).order_by(Attachment.id)).scalars().all()
    assert [(r.original_name, r.is_public, r.event_id is not None) for r in rows] == [
        ("perbaikan.png", True, True), ("ktp-warga.png", False, True)]
    client.get("/logout/")
    detail = client.get(f"/laporan/{case.tracking_number}").get_data(as_text=True)
    public_url = f"/lacak/{case.tracking_number}/foto/{rows[0].id}"
    assert public_url in detail and f"/foto/{rows[1].id}" not in detail
    assert "perbaikan.png" not in detail and "ktp-warga.png" not in detail
    photo = client.get(public_url)
    assert photo.status_code == 200 and photo.mimetype == "image/png"
    assert "perbaikan" not in photo.headers.get("Content-Disposition", "")
    assert client.get(f"/lacak/{case.tracking_number}/foto/{rows[1].id}").status_code == 404


def test_acting_on_a_case_reads_its_notices_and_notices_filter_by_state_and_kind(login_as, make_case, world):
    from app.models import Notification

    case = make_case(agency="DINKES", status="dispatched")
    other = make_case(agency="DINKES", status="dispatched")
    officer = world.user("opd_dinkes")
    db.session.query(Notification).filter(Notification.user_id == officer.id).delete()
    db.session.add_all([
        Notification(user_id=officer.id, complaint_id=case.id, topic="new_case", text="Laporan baru A"),
        Notification(user_id=officer.id, complaint_id=case.id, topic="reminder", text="Pengingat A"),
        Notification(user_id=officer.id, complaint_id=other.id, topic="reminder", text="Pengingat B"),
    ])
    db.session.commit()
    client = login_as("opd_dinkes")
    client.post(f"/complaintview/transition/{case.id}/follow_up", data=as_seen(case.id, {"text": "Sedang kami cek ke lokasi."}))
    db.session.expire_all()
    unread = {n.text for n in db.session.query(Notification).filter(
        Notification.user_id == officer.id, Notification.read_at.is_(None))}
    assert unread == {"Pengingat B"}

    def shown(query):
        return set(re.findall(r"(Laporan baru A|Pengingat A|Pengingat B)", client.get(f"/notifikasi/?{query}").get_data(as_text=True)))

    assert shown("status=unread") == {"Pengingat B"}
    assert shown("status=read") == {"Laporan baru A", "Pengingat A"}
    assert shown("topic=reminder") == {"Pengingat A", "Pengingat B"}
    assert shown("status=read&topic=new_case") == {"Laporan baru A"}
    assert shown("status=rubbish&topic=<script>") == {"Laporan baru A", "Pengingat A", "Pengingat B"}


def test_a_location_edit_refused_as_stale_stays_on_the_form_with_what_was_typed(login_as, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    stale_version = case.version
    client = login_as("koordinator")
    client.post(f"/complaintview/transition/{case.id}/internal_note", data=as_seen(case.id, {"text": "Dicek dulu."}))
    response = client.post(f"/complaintview/edit/{case.id}", data={
        "address": "Jl. Melati No. 5, depan masjid", "expected_version": stale_version})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "baru saja diubah oleh petugas lain" in page
    assert re.search(r'<input[^>]*name="address"[^>]*value="Jl. Melati No. 5, depan masjid"', page)  # still the form
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).address != "Jl. Melati No. 5, depan masjid"
    # the form now carries the current version: sending it again saves the address
    version = re.search(r'name="expected_version"[^>]*value="(\d+)"', page).group(1)
    client.post(f"/complaintview/edit/{case.id}", data={"address": "Jl. Melati No. 5, depan masjid", "expected_version": version})
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).address == "Jl. Melati No. 5, depan masjid"


def test_a_map_point_outside_indonesia_keeps_the_form(login_as, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    response = login_as("koordinator").post(f"/complaintview/edit/{case.id}", data=as_seen(case.id, {
        "address": "Jl. Kenanga 7", "latitude": "51.5", "longitude": "-0.12"}))
    page = response.get_data(as_text=True)
    assert "harus berada di wilayah Indonesia" in page and 'value="Jl. Kenanga 7"' in page
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).latitude is None


def test_an_incident_in_the_future_is_refused_on_intake_and_on_edit(login_as, world, make_case):
    client = login_as("koordinator")
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).strftime("%d/%m/%Y")
    response = intake(client, world, incident_date="01/01/9999")
    assert not recorded(response) and "tidak boleh di masa depan" in visible_text(response.get_data(as_text=True))
    assert "Lampu jalan mati di Jalan Melati" in response.get_data(as_text=True)
    case = make_case(status="dispatched", agency="DINKES")
    response = client.post(f"/complaintview/edit/{case.id}", data=as_seen(case.id, {"address": "Jl. Mawar 1", "incident_date": tomorrow}))
    assert "tidak boleh di masa depan" in visible_text(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).incident_date is None


def test_an_intake_form_sent_twice_records_one_case(login_as, world):
    client = login_as("koordinator")
    form = client.get("/complaintview/add").get_data(as_text=True)
    token = re.search(r'name="intake_token"[^>]*value="([^"]+)"', form).group(1)
    refused = intake(client, world, intake_token=token, incident_date="01/01/9999")
    assert not recorded(refused) and f'value="{token}"' in refused.get_data(as_text=True)
    first = intake(client, world, intake_token=token)  # corrected, the same form goes through
    assert recorded(first)
    case = latest_case()
    again = intake(client, world, intake_token=token)  # a double click, a reload
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/complaintview/show/{case.id}")
    page = visible_text(client.get(again.headers["Location"]).get_data(as_text=True))
    assert f"laporan {case.tracking_number} tercatat darinya, tidak dicatat dua kali" in page
    assert "Kode balasan pribadi pelapor" not in page  # the code was shown once, the first time
    assert latest_case().id == case.id


def test_an_intake_form_whose_first_sending_failed_unexpectedly_is_recorded_when_sent_again(login_as, world,
                                                                                           monkeypatch):
    """A first sending that crashed (the server fell over, or the process died while the form's id
    was claimed) never blocks the same form: sent again, the case is recorded, with its code."""
    from app.channels import intake as channel_intake
    from app.workflow import lifecycle

    client = login_as("koordinator")
    form = client.get("/complaintview/add").get_data(as_text=True)
    token = re.search(r'name="intake_token"[^>]*value="([^"]+)"', form).group(1)
    before = latest_case().id if db.session.execute(select(func.count()).select_from(Complaint)).scalar() else 0
    register = lifecycle.register

    def falls_over(**kwargs):
        register(**kwargs)
        raise RuntimeError("the server fell over")

    monkeypatch.setattr(lifecycle, "register", falls_over)
    with pytest.raises(RuntimeError):
        intake(client, world, intake_token=token)
    monkeypatch.setattr(lifecycle, "register", register)
    assert channel_intake.recorded("staff_form", token) is None
    channel_intake.claim("staff_form", token)  # what a process that died mid-way left behind
    again = intake(client, world, intake_token=token)
    assert recorded(again) and "Kode balasan pribadi pelapor" in again.get_data(as_text=True)
    case = latest_case()
    assert case.id != before and channel_intake.recorded_case_id("staff_form", token) == case.id
    assert intake(client, world, intake_token=token).status_code == 302 and latest_case().id == case.id


def test_an_intake_form_sent_again_by_someone_who_may_not_see_its_case_records_nothing(login_as, world):
    """The case recorded from the form is out of this user's reach (a copied page): they are told a
    case was recorded from it, without its number, and nothing is recorded twice."""
    client = login_as("koordinator")
    form = client.get("/complaintview/add").get_data(as_text=True)
    token = re.search(r'name="intake_token"[^>]*value="([^"]+)"', form).group(1)
    assert recorded(intake(client, world, intake_token=token))
    case = latest_case()  # no agency yet: not in an OPD officer's list
    again = intake(login_as("opd_dinkes"), world, intake_token=token)
    page = again.get_data(as_text=True)
    assert again.status_code == 409 and case.tracking_number not in page
    assert "Formulir ini sudah terkirim: satu laporan tercatat darinya, tidak dicatat dua kali." in visible_text(page)
    assert "Lampu jalan mati di Jalan Melati" in page and latest_case().id == case.id


def test_the_case_page_leads_to_its_actions_from_the_top(login_as, make_case):
    case = make_case(agency="DINKES", status="dispatched")
    page = login_as("opd_dinkes").get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    jump = page.index('id="case-jump"')
    assert jump < page.index("Nomor lacak") < page.index('id="transitions"')
    assert 'href="#transitions"' in page[jump:page.index("</nav>", jump)]
    read_only = login_as("pimpinan").get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    assert 'href="#transitions"' not in read_only and 'href="#timeline"' in read_only


def test_the_channel_is_chosen_by_the_officer_never_preselected(login_as, world):
    client = login_as("koordinator")
    form = client.get("/complaintview/add").get_data(as_text=True)
    channel = re.search(r'<select[^>]*name="channel"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert re.search(r'<option selected value="__None">', channel) and "selected" not in channel.split("__None", 1)[1]
    before = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    response = intake(client, world, channel="__None")
    page = response.get_data(as_text=True)
    assert not recorded(response) and "wajib diisi" in visible_text(page)
    assert "Lampu jalan mati di Jalan Melati" in page  # what was typed is kept
    assert db.session.execute(select(func.count()).select_from(Complaint)).scalar() == before


def test_a_reporter_phone_that_is_no_phone_number_is_refused_with_the_text_kept(login_as, world):
    """The staff form took any 30 characters as the reporter's number (the public form and Open311 refuse
    "abc"): the receipt and every update would go nowhere. One rule: reporters.PHONE_PATTERN."""
    client = login_as("koordinator")
    before = latest_case().id if db.session.execute(select(Complaint.id).limit(1)).first() else 0
    response = intake(client, world, reporter_phone="tanya ke RT 05")
    html = response.get_data(as_text=True)
    assert "Tulis nomor telepon yang valid" in html and 'value="tanya ke RT 05"' in html
    assert "Lampu jalan mati di Jalan Melati" in html  # nothing typed is lost
    assert (latest_case().id if db.session.execute(select(Complaint.id).limit(1)).first() else 0) == before
    assert recorded(intake(client, world, reporter_phone="(022) 123.4567"))


def test_the_intake_form_offers_kelurahan_and_the_channels_and_categories_in_use(login_as, world):
    """The place is a kelurahan/desa: the province, the kabupaten and the kecamatan (rows of the same
    region table) were offered too and then refused on saving; a deactivated channel or category was
    offered as if in use."""
    from app.models import Channel, Region

    retired_channel = Channel(code="faksimile", name="Faksimile", active=False)
    retired_category = Category(name="Kategori lama", active=False)
    db.session.add_all([retired_channel, retired_category])
    db.session.commit()
    try:
        form = login_as("koordinator").get("/complaintview/add").get_data(as_text=True)

        def offered(field):
            select_html = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', form, re.S).group(1)
            return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)', select_html))

        places = set(offered("region")) - {"__None"}
        kelurahan = set(db.session.execute(select(Region.code).where(Region.level == 4)).scalars())
        assert places == kelurahan
        assert not {"32", "32.11", "32.11.11"} & places
        assert "Faksimile" not in offered("channel").values() and "Situs web" in offered("channel").values()
        assert "Kategori lama" not in offered("category").values()
    finally:
        db.session.delete(retired_channel)
        db.session.delete(retired_category)
        db.session.commit()


# --- a map point outside the kabupaten: kept, and pointed out next to the location ---------------

OUTSIDE_WARNING = "Titik peta berada di luar wilayah Kabupaten Sumedang."


def test_the_case_page_warns_when_the_map_point_lies_outside_the_kabupaten(login_as, make_case):
    inside = make_case(status="dispatched", agency="DINKES", region_code="32.11.18.1001",
                       latitude=-6.835, longitude=107.925)
    outside = make_case(status="dispatched", agency="DINKES", region_code="32.11.18.1001",
                        latitude=-6.9175, longitude=107.6191)  # Kota Bandung
    client = login_as("koordinator")
    page = visible_text(client.get(f"/complaintview/show/{inside.id}").get_data(as_text=True))
    assert "Titik peta: -6.835000, 107.925000" in page and "di luar wilayah" not in page
    page = client.get(f"/complaintview/show/{outside.id}").get_data(as_text=True)
    assert 'id="case-outside-region"' in page and OUTSIDE_WARNING in visible_text(page)


def test_a_map_point_outside_the_kabupaten_is_saved_with_a_notice(login_as, make_case, world):
    case = make_case(status="dispatched", agency="DINKES")
    client = login_as("koordinator")
    response = client.post(f"/complaintview/edit/{case.id}", data=as_seen(case.id, {
        "address": "Jl. Asia Afrika 8", "latitude": "-6.9175", "longitude": "107.6191"}))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/complaintview/show/{case.id}")
    db.session.expire_all()
    assert (db.session.get(Complaint, case.id).latitude, db.session.get(Complaint, case.id).longitude) == (
        -6.9175, 107.6191)
    page = visible_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert page.count(OUTSIDE_WARNING) == 2  # the notice after saving, and next to the location
    # on intake too: recorded, and pointed out
    response = intake(client, world, latitude="-5.147", longitude="119.432")
    assert recorded(response) and OUTSIDE_WARNING in visible_text(response.get_data(as_text=True))
    assert latest_case().longitude == 119.432
