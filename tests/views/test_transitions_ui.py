"""Staff run the lifecycle from the case page, in bulk, and find work in their queues."""
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Complaint, ComplaintEvent
from app.workflow import lifecycle
from tests.conftest import visible_text, as_seen


def reload(case):
    db.session.expire_all()
    return db.session.get(Complaint, case.id)


def test_coordinator_disposes_and_opd_answers_from_the_case_page(login_as, make_case, world):
    case = make_case()
    client = login_as("koordinator")
    page = client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    assert 'data-transition="dispose"' in page and 'data-transition="follow_up"' not in page
    response = client.post(f"/complaintview/transition/{case.id}/dispose", data={
        "agency": world.agency("DINKES").id, "public_text": "Diteruskan ke Dinas Kesehatan.",
        "note": "Prioritaskan.", "expected_version": case.version}, follow_redirects=True)
    assert "Tersimpan" in response.get_data(as_text=True)
    assert reload(case).status == "dispatched"

    client = login_as("opd_dinkes")
    page = client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    assert 'data-transition="follow_up"' in page and 'data-transition="dispose"' not in page
    assert '<p class="event-internal text-muted"><em>Prioritaskan.</em>' in page
    client.post(f"/complaintview/transition/{case.id}/follow_up", data=as_seen(case.id, {"text": "Petugas sudah ke lokasi."}))
    client.post(f"/complaintview/transition/{case.id}/resolve", data=as_seen(case.id, {"text": "Antrean kini dua loket."}))
    case = reload(case)
    assert case.status == "resolved" and case.first_response_at and case.auto_close_due


def test_refused_transition_shows_message_and_changes_nothing(login_as, make_case):
    case = make_case(status="closed", agency="DINKES")
    client = login_as("opd_dinkes")
    response = client.post(f"/complaintview/transition/{case.id}/follow_up", data=as_seen(case.id, {"text": "Terlambat"}),
                           follow_redirects=True)
    assert response.status_code == 200
    assert "tidak dapat dilakukan pada status laporan saat ini" in response.get_data(as_text=True)
    assert reload(case).status == "closed"


def test_missing_required_text_is_a_field_message_not_an_error(login_as, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    response = login_as("opd_dinkes").post(f"/complaintview/transition/{case.id}/follow_up", data=as_seen(case.id, {"text": "  "}),
                                           follow_redirects=True)
    assert response.status_code == 200 and "Mohon isi" in response.get_data(as_text=True)
    assert reload(case).status == "dispatched"


def test_stale_page_gets_a_conflict_message(login_as, make_case, world):
    case = make_case(status="dispatched", agency="DINKES")
    stale_version = case.version
    client = login_as("koordinator")
    client.post(f"/complaintview/transition/{case.id}/internal_note", data=as_seen(case.id, {"text": "Dicek dulu."}))
    response = client.post(f"/complaintview/transition/{case.id}/redispose", data={
        "agency": world.agency("PUPR").id, "expected_version": stale_version}, follow_redirects=True)
    assert "baru saja diubah oleh petugas lain" in response.get_data(as_text=True)
    assert reload(case).agency.code == "DINKES"


def test_a_form_without_the_version_it_saw_is_refused_like_a_stale_page(login_as, make_case, world):
    """The lock holds for a form that leaves its version out (forged, or a page cut short):
    it is refused with the stale-page message and the typed text stays, nothing changes."""
    case = make_case(status="dispatched", agency="DINKES")
    before = case.version
    response = login_as("koordinator").post(f"/complaintview/transition/{case.id}/redispose", data={
        "agency": world.agency("PUPR").id, "note": "Bukan urusan Dinkes."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "baru saja diubah oleh petugas lain" in page
    assert "Bukan urusan Dinkes." in page
    assert reload(case).agency.code == "DINKES" and reload(case).version == before
    edit = login_as("opd_dinkes").post(f"/complaintview/edit/{case.id}", data={"address": "Jl. Tanpa Versi 1"})
    assert edit.status_code == 200 and "baru saja diubah oleh petugas lain" in edit.get_data(as_text=True)
    assert "Jl. Tanpa Versi 1" in edit.get_data(as_text=True)
    assert reload(case).address != "Jl. Tanpa Versi 1"


def _open_form(page, name):
    """The (open) form of one action on the case page, as HTML."""
    match = re.search(rf'(?s)<details class="transition" data-transition="{name}"[^>]*>.*?</details>', page)
    return match.group(0) if match else ""


def test_a_follow_up_refused_as_stale_keeps_what_the_officer_typed(login_as, make_case, world):
    case = make_case(status="dispatched", agency="DINKES")
    stale_version = case.version
    login_as("koordinator").post(f"/complaintview/transition/{case.id}/internal_note", data=as_seen(case.id, {"text": "Mohon cepat."}))
    officer = login_as("opd_dinkes")
    typed = "Petugas sudah meninjau lokasi & menjadwalkan perbaikan <Senin>."
    response = officer.post(f"/complaintview/transition/{case.id}/follow_up",
                            data={"text": typed, "expected_version": stale_version})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "baru saja diubah oleh petugas lain" in page
    form = _open_form(page, "follow_up")
    assert "open" in form.split(">")[0] and "Petugas sudah meninjau lokasi &amp; menjadwalkan perbaikan &lt;Senin&gt;." in form
    assert reload(case).status == "dispatched"
    # the page now carries the current version: sending the kept text again goes through
    version = re.search(r'name="expected_version" value="(\d+)"', form).group(1)
    officer.post(f"/complaintview/transition/{case.id}/follow_up", data={"text": typed, "expected_version": version})
    assert reload(case).status == "in_progress"


def test_a_refused_merge_keeps_the_note_and_the_number_typed(login_as, make_case):
    case = make_case()
    response = login_as("koordinator").post(f"/complaintview/transition/{case.id}/merge", data=as_seen(case.id, {
        "parent": "ABCD-EFGH-J", "note": "Sama dengan laporan warga kemarin."}))
    form = _open_form(response.get_data(as_text=True), "merge")
    assert 'value="ABCD-EFGH-J"' in form and "Sama dengan laporan warga kemarin." in form
    assert "Laporan utama tidak ditemukan" in response.get_data(as_text=True)


def test_an_action_no_longer_possible_shows_the_typed_text_to_copy(login_as, make_case):
    case = make_case(status="in_progress", agency="DINKES")
    stale_version = case.version
    officer = login_as("opd_dinkes")
    officer.post(f"/complaintview/transition/{case.id}/resolve", data=as_seen(case.id, {"text": "Sudah diperbaiki."}))  # another tab
    response = officer.post(f"/complaintview/transition/{case.id}/follow_up", data={
        "text": "Jawaban panjang yang sudah saya ketik.", "expected_version": stale_version})
    page = response.get_data(as_text=True)
    assert 'id="typed-text"' in page and "Jawaban panjang yang sudah saya ketik." in page
    assert "Yang Anda ketik (belum tersimpan)" in visible_text(page)


def test_a_refused_bulk_form_keeps_the_note(login_as, make_case):
    case = make_case()
    response = login_as("koordinator").post("/complaintview/bulk/archive", data={
        "rowid": [case.id], "archive_reason": "", "note": "Laporan iseng, nomor tidak aktif."})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Laporan iseng, nomor tidak aktif." in page and "Mohon isi" in page
    assert reload(case).status == "received"


def test_bulk_dispose_many_cases_to_one_opd(login_as, make_case, world):
    cases = [make_case(title=f"Lampu jalan mati nomor {i}") for i in range(3)]
    client = login_as("koordinator")
    ids = [c.id for c in cases]
    response = client.post("/complaintview/action_post", data={"action": "bulk_dispose", "rowid": ids})
    assert response.status_code == 302 and "/complaintview/bulk/dispose" in response.headers["Location"]
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert all(c.tracking_number in form for c in cases)
    response = client.post("/complaintview/bulk/dispose", data={"rowid": ids, "agency": world.agency("PUPR").id},
                           follow_redirects=True)
    assert "3 laporan diproses" in response.get_data(as_text=True)
    assert {reload(c).status for c in cases} == {"dispatched"}
    assert {reload(c).agency.code for c in cases} == {"PUPR"}


def test_bulk_archive_reports_cases_it_cannot_archive(login_as, make_case):
    fresh, done = make_case(), make_case(status="dispatched", agency="PUPR")
    response = login_as("koordinator").post("/complaintview/bulk/archive", data={
        "rowid": [fresh.id, done.id], "archive_reason": "duplicate"}, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "1 laporan diproses" in text and done.tracking_number in text
    assert reload(fresh).status == "archived" and reload(done).status == "dispatched"


def test_work_queues_per_role(login_as, make_case, world):
    import datetime as dt

    new = make_case(title="Laporan baru masuk")
    late = make_case(title="Laporan lama belum diverifikasi", now=dt.datetime(2026, 1, 5, 2, 0))
    mine = make_case(status="dispatched", agency="DINKES", title="Perlu tindak lanjut Dinkes")
    waiting = make_case(status="resolved", agency="DINKES", title="Menunggu konfirmasi pelapor")
    returned = make_case(status="dispatched", agency="PUPR", title="Salah alamat disposisi")
    from app.workflow import lifecycle

    lifecycle.perform("return_to_coordinator", returned.id, world.user("opd_pupr"), reason="Bukan wewenang PUPR.")

    coordinator = login_as("koordinator")
    to_verify = coordinator.get("/queuetoverifyview/list/").get_data(as_text=True)
    assert new.tracking_number in to_verify and mine.tracking_number not in to_verify
    back = coordinator.get("/queuereturnedview/list/").get_data(as_text=True)
    assert returned.tracking_number in back and new.tracking_number not in back
    overdue = coordinator.get("/queueoverdueview/list/").get_data(as_text=True)
    assert late.tracking_number in overdue and new.tracking_number not in overdue
    assert coordinator.get("/queuetofollowupview/list/").status_code == 403

    opd = login_as("opd_dinkes")
    follow = opd.get("/queuetofollowupview/list/").get_data(as_text=True)
    assert mine.tracking_number in follow and waiting.tracking_number not in follow
    assert waiting.tracking_number in opd.get("/queueawaitingreporterview/list/").get_data(as_text=True)
    assert opd.get("/queuetoverifyview/list/").status_code == 403
    menu = visible_text(opd.get("/dasbor/").get_data(as_text=True))
    assert "Perlu Tindak Lanjut" in menu and "Perlu Verifikasi" not in menu


def test_list_filter_overdue_and_sla_badges(login_as, make_case):
    import datetime as dt

    late = make_case(title="Laporan yang sudah lewat tenggat", now=dt.datetime(2026, 1, 5, 2, 0))
    fresh = make_case(title="Laporan yang masih dalam tenggat")
    client = login_as("koordinator")
    listing = client.get("/complaintview/list/").get_data(as_text=True)
    assert 'data-sla="overdue"' in listing and 'data-sla="on_time"' in listing
    # the "Terlambat (ya)" filter on the resolution deadline column
    filters = client.get("/complaintview/list/?_flt_3_resolution_due=ya").get_data(as_text=True)
    assert late.tracking_number in filters and fresh.tracking_number not in filters


def test_csrf_is_enforced_on_transitions(app, login_as, make_case):
    case = make_case()
    client = login_as("koordinator")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/complaintview/transition/{case.id}/archive", data=as_seen(case.id, {"archive_reason": "duplicate"}))
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert reload(case).status == "received"


def test_events_cannot_be_edited_or_deleted(make_case, login_as):
    import pytest

    case = make_case(status="dispatched", agency="DINKES")
    event = db.session.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)).scalars().first()
    event.public_text = "diubah"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    event = db.session.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id)).scalars().first()
    db.session.delete(event)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    client = login_as("admin")
    for url in ("/complainteventview/list/", "/api/v1/complaintevent/"):
        assert client.get(url).status_code == 404


def test_a_forward_to_a_name_too_long_is_refused_with_the_name_kept(login_as, make_case):
    case = make_case()
    name = "Kantor Wilayah Kementerian Agama Provinsi Jawa Barat, Bidang Penerangan Agama Islam " * 3
    assert len(name.strip()) > 200
    response = login_as("koordinator").post(f"/complaintview/transition/{case.id}/forward", data={
        "institution": name, "note": "Bukan kewenangan pemda.", "expected_version": case.version})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "paling banyak 200 karakter" in page
    form = _open_form(page, "forward")
    assert name.strip() in form and "Bukan kewenangan pemda." in form
    case = reload(case)
    assert case.status == "received" and case.forwarded_to is None


def test_a_correction_to_a_title_too_long_is_refused_with_the_title_kept(login_as, make_case):
    case = make_case(title="Jalan berlubang di depan pasar")
    title = "Jalan kabupaten ruas Sumedang-Cimalaka berlubang dan tergenang air setiap hujan turun " * 3
    assert len(title.strip()) > 200
    response = login_as("koordinator").post(f"/complaintview/transition/{case.id}/reclassify", data={
        "kind": "complaint", "title": title, "expected_version": case.version})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Judul laporan paling banyak 200 karakter." in page
    assert title.strip() in _open_form(page, "reclassify")
    case = reload(case)
    assert case.title == "Jalan berlubang di depan pasar"
    assert not db.session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                               ComplaintEvent.kind == "reclassified")).first()


def test_the_same_action_sent_twice_is_done_once_and_said_so_calmly(login_as, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    officer = login_as("opd_dinkes")
    form = {"text": "Petugas sudah ke lokasi.", "expected_version": case.version}
    first = officer.post(f"/complaintview/transition/{case.id}/follow_up", data=as_seen(case.id, form))
    second = officer.post(f"/complaintview/transition/{case.id}/follow_up", data=as_seen(case.id, form), follow_redirects=True)
    page = second.get_data(as_text=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "sudah tercatat" in page and "petugas lain" not in page and "alert-danger" not in page
    events = db.session.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == case.id,
                                                             ComplaintEvent.kind == "follow_up")).scalars().all()
    assert len(events) == 1


def test_a_dispatch_sent_twice_is_done_once(login_as, make_case, world):
    case = make_case()
    coordinator = login_as("koordinator")
    form = {"agency": world.agency("DINKES").id, "public_text": "Diteruskan ke Dinas Kesehatan.",
            "note": "Prioritaskan.", "expected_version": case.version}
    coordinator.post(f"/complaintview/transition/{case.id}/dispose", data=as_seen(case.id, form))
    page = coordinator.post(f"/complaintview/transition/{case.id}/dispose", data=as_seen(case.id, form),
                            follow_redirects=True).get_data(as_text=True)
    assert "sudah tercatat" in page and "petugas lain" not in page
    assert [e.kind for e in reload(case).events] == ["received", "dispatched"]


def test_another_text_from_the_same_stale_page_is_still_a_conflict(login_as, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    seen = case.version
    officer = login_as("opd_dinkes")
    officer.post(f"/complaintview/transition/{case.id}/follow_up",
                 data={"text": "Petugas sudah ke lokasi.", "expected_version": seen})
    response = officer.post(f"/complaintview/transition/{case.id}/follow_up",
                            data={"text": "Perbaikan dijadwalkan Senin.", "expected_version": seen})
    page = response.get_data(as_text=True)
    assert "baru saja diubah oleh petugas lain" in page and "Perbaikan dijadwalkan Senin." in page
    # and the same form sent twice by someone else is someone else's change
    coordinator = login_as("koordinator")
    version = reload(case).version
    coordinator.post(f"/complaintview/transition/{case.id}/internal_note", data={"text": "Cek.", "expected_version": version})
    other = login_as("admin").post(f"/complaintview/transition/{case.id}/internal_note",
                                   data={"text": "Cek.", "expected_version": version})
    assert "baru saja diubah oleh petugas lain" in other.get_data(as_text=True)


def test_an_opd_officer_sees_the_count_of_merged_duplicates_but_not_another_agencys_case(login_as, make_case, world):
    parent = make_case(status="dispatched", agency="PUPR", title="Jembatan gantung putus")
    ours = make_case(status="dispatched", agency="PUPR", title="Jembatan putus di dusun kami")
    theirs = make_case(status="dispatched", agency="DINKES", title="Bidan desa tidak bisa lewat jembatan")
    coordinator = world.user("koordinator")
    for child in (ours, theirs):
        lifecycle.perform("merge", child.id, coordinator, parent=parent.tracking_number)
    page = login_as("opd_pupr").get(f"/complaintview/show/{parent.id}").get_data(as_text=True)
    assert "Dilaporkan oleh 3 warga" in visible_text(page)
    assert "Jembatan putus di dusun kami" in page and f"/complaintview/show/{ours.id}\"" in page
    # the Dinkes case is counted, never named nor linked (its page is not PUPR's to open)
    assert "Bidan desa tidak bisa lewat jembatan" not in page and f"/complaintview/show/{theirs.id}\"" not in page
    page = login_as("koordinator").get(f"/complaintview/show/{parent.id}").get_data(as_text=True)
    assert "Bidan desa tidak bisa lewat jembatan" in page


def test_a_correction_to_a_title_of_a_few_letters_is_refused_as_on_the_intake_form(login_as, make_case):
    """The staff intake form asks for at least 5 characters; the correction took "-" or "abc"."""
    case = make_case(title="Jalan berlubang di depan pasar")
    response = login_as("koordinator").post(f"/complaintview/transition/{case.id}/reclassify", data={
        "kind": "complaint", "title": "abc", "expected_version": case.version})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Judul laporan paling sedikit 5 karakter." in page
    assert reload(case).title == "Jalan berlubang di depan pasar"


def test_a_merged_reporters_reply_shows_on_the_main_reports_staff_timeline_only(client, login_as, make_case, world):
    parent = make_case(status="dispatched", agency="PUPR", title="Jembatan gantung putus")
    child = make_case(title="Jembatan putus di dusun kami", reporter={"email": "rina@contoh.id"})
    lifecycle.perform("merge", child.id, world.user("koordinator"), parent=parent.tracking_number)
    lifecycle.follower_reply(reload(child), "Anak-anak kini menyeberang sungai dengan rakit.")
    db.session.commit()
    page = visible_text(login_as("opd_pupr").get(f"/complaintview/show/{parent.id}").get_data(as_text=True))
    assert "Tanggapan pelapor laporan yang digabungkan" in page
    assert f"Balasan pelapor laporan gabungan {child.tracking_number}:" in page
    assert "menyeberang sungai dengan rakit" in page
    client.get("/logout/")
    tracking = client.get(f"/lacak/{parent.tracking_number}").get_data(as_text=True)
    assert parent.tracking_number in tracking and "Jembatan gantung putus" in tracking  # its public page
    assert "menyeberang sungai" not in tracking and "digabungkan" not in tracking
