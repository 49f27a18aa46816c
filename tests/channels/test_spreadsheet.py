"""Spreadsheet import: column mapping, dry run naming bad rows, import as a background job,
external references so a re-import creates nothing."""
import datetime
import html
import io
import json
import os
import time

import pytest
from sqlalchemy import func, select

HEADERS = ["No. Laporan", "Tanggal", "Judul", "Isi Laporan", "Jenis", "Kecamatan", "Nama Pelapor", "Telepon"]


def register_rows(count=1000, bad=(), start=1):
    """A telephone register: ``count`` rows, some of them bad on purpose."""
    rows = []
    for i in range(start, start + count):
        rows.append([f"TEL-{i:05d}", "2026-10-15", f"Keluhan nomor {i}", f"Isi keluhan warga nomor {i} tentang jalan.",
                     "Pengaduan", "Sukamaju Kota", f"Warga {i}", f"0812{i:08d}"])
    return rows


def xlsx_bytes(headers, rows):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def thousand_with_three_bad():
    rows = register_rows(1000)
    rows[9][3] = ""                  # row 11: no description
    rows[499][1] = "31/31/2026"      # row 501: not a date
    rows[997][4] = "Keluhan"         # row 999: unknown report type
    return rows


def count_imported():
    from app.extensions import db
    from app.models import Complaint

    return db.session.execute(select(func.count()).select_from(Complaint)
                              .where(Complaint.title.like("Keluhan nomor %"))).scalar()


class Upload:
    def __init__(self, name, data):
        self.filename, self._data = name, data

    def read(self, size=-1):
        return self._data


def test_dry_run_names_the_three_bad_rows_then_997_cases_then_none(channels, world):
    from app.channels import spreadsheet
    from app.extensions import db

    coordinator = world.user("koordinator")
    data = xlsx_bytes(HEADERS, thousand_with_three_bad())
    batch, headers = spreadsheet.start(Upload("register-telepon.xlsx", data), "phone", coordinator)
    mapping = spreadsheet.guess_mapping(headers)
    assert mapping == {"external_ref": "No. Laporan", "title": "Judul", "description": "Isi Laporan",
                       "kind": "Jenis", "received_at": "Tanggal", "district": "Kecamatan",
                       "reporter_name": "Nama Pelapor", "reporter_phone": "Telepon"}
    spreadsheet.set_mapping(batch, mapping, headers, save_as="Register telepon")
    report = spreadsheet.dry_run(batch)
    db.session.commit()
    assert (report["rows"], report["create"], report["existing"]) == (1000, 997, 0)
    assert [e["row"] for e in report["errors"]] == [11, 501, 999]
    reasons = {e["row"]: " ".join(e["errors"]) for e in report["errors"]}
    assert "uraian kosong" in reasons[11]
    assert "31/31/2026" in reasons[501] and "bukan tanggal" in reasons[501]
    assert "jenis laporan \"keluhan\" tidak dikenal" in reasons[999]
    assert count_imported() == 0  # a dry run writes no case

    started = time.perf_counter()
    result = spreadsheet.run_import(batch.id)
    elapsed = time.perf_counter() - started
    assert result == {"created": 997, "existing": 0, "errors": 3}
    assert count_imported() == 997
    assert not os.path.exists(spreadsheet.path_of(batch))  # the file (personal data) is not kept
    print(f"import of 1,000 rows: {elapsed:.1f} s")

    again, headers = spreadsheet.start(Upload("register-telepon.xlsx", data), "phone", coordinator)
    saved = {m.name: json.loads(m.mapping) for m in spreadsheet.saved_mappings()}
    spreadsheet.set_mapping(again, saved["Register telepon"], headers)
    report = spreadsheet.dry_run(again)
    assert (report["create"], report["existing"], len(report["errors"])) == (0, 997, 3)
    assert spreadsheet.run_import(again.id) == {"created": 0, "existing": 997, "errors": 3}
    assert count_imported() == 997


# --- the screens, with the job on the real Redis queue -------------------------------------------


def upload(client, name, data, channel="phone"):
    return client.post("/impor/unggah", data={"channel": channel, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def mapping_form(save_as=""):
    form = {"map_external_ref": "No. Laporan", "map_received_at": "Tanggal", "map_title": "Judul",
            "map_description": "Isi Laporan", "map_kind": "Jenis", "map_district": "Kecamatan",
            "map_reporter_name": "Nama Pelapor", "map_reporter_phone": "Telepon"}
    if save_as:
        form["save_as"] = save_as
    return form


def test_coordinator_maps_checks_and_imports_in_the_background(app, client, login_as, channels, redis_mode):
    from app.extensions import db
    from app.models import ImportBatch
    from tests.jobs.conftest import work_in_process

    rows = register_rows(30, start=5001)
    rows[4][0] = rows[3][0]  # row 6 repeats the reference of row 5
    rows[20][7] = "12"       # row 22: not a phone number
    login_as("koordinator")
    response = upload(client, "register.xlsx", xlsx_bytes(HEADERS, rows))
    assert response.status_code == 302
    columns_url = response.headers["Location"]
    page = client.get(columns_url)
    assert page.status_code == 200 and "No. Laporan" in page.data.decode()
    # a required field left out: a clear message, nothing lost
    missing = client.post(columns_url, data={**mapping_form(), "map_description": ""})
    assert missing.status_code == 400 and "Pilih kolom untuk" in missing.data.decode()
    checked = client.post(columns_url, data=mapping_form(save_as="Register telepon Dinkes"))
    assert checked.status_code == 302
    show = client.get(checked.headers["Location"]).data.decode()
    assert "28 baris akan menjadi laporan baru" in show
    assert "<td>6</td><td>referensi eksternal TEL-05004 juga ada di baris 5</td>" in show
    assert "<td>22</td><td>nomor telepon pelapor tidak valid</td>" in show
    batch = db.session.execute(select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert client.post(f"/impor/{batch.id}/jalankan").status_code == 302
    db.session.expire_all()
    assert batch.status == "queued" and batch.job_id
    job_id = batch.job_id
    # "run" clicked again while it waits: said so, not queued a second time
    again = client.post(f"/impor/{batch.id}/jalankan", follow_redirects=True).get_data(as_text=True)
    assert "Impor ini sudah menunggu di antrean; tidak dimasukkan ke antrean untuk kedua kalinya" in again
    db.session.expire_all()
    assert (batch.status, batch.job_id) == ("queued", job_id)
    work_in_process(app)
    state = client.get(f"/impor/{batch.id}/status").get_json()
    assert state["status"] == "done" and state["progress"] == 100
    assert (state["created"], state["existing"], state["errors"]) == (28, 0, 2)
    assert count_imported() == 28
    # and once it is done: when it ran and what came of it; nothing imported twice
    from app.formats import lapor_datetime

    again = client.post(f"/impor/{batch.id}/jalankan", follow_redirects=True).get_data(as_text=True)
    db.session.expire_all()
    assert (f"Impor ini sudah dijalankan pada {lapor_datetime(batch.finished_at)}; hasilnya: 28 laporan baru, "
            "0 sudah diimpor sebelumnya, 2 baris bermasalah. Tidak ada yang diimpor dua kali.") in html.unescape(again)
    assert "Petakan kolom" not in again
    work_in_process(app)
    assert count_imported() == 28 and batch.status == "done" and batch.job_id == job_id

    # the next file of the same shape: the saved mapping, and nothing imported twice
    again = upload(client, "register.xlsx", xlsx_bytes(HEADERS, rows + register_rows(2, start=6001)))
    url = again.headers["Location"]
    from app.models import ImportMapping

    saved = db.session.execute(select(ImportMapping)).scalar_one()
    prefilled = client.get(url, query_string={"mapping": saved.id}).data.decode()
    assert '<option value="Isi Laporan" selected>' in prefilled
    client.post(url, data=mapping_form())
    batch = db.session.execute(select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    client.post(f"/impor/{batch.id}/jalankan")
    work_in_process(app)
    state = client.get(f"/impor/{batch.id}/status").get_json()
    assert (state["created"], state["existing"], state["errors"]) == (2, 28, 2)
    assert count_imported() == 30


def test_csv_with_semicolons_and_bad_files_get_clear_messages(client, login_as, channels):
    from app.extensions import db
    from app.models import ImportBatch

    login_as("koordinator")
    text = ";".join(HEADERS) + "\n" + "\n".join(";".join(r) for r in register_rows(3, start=7001))
    response = upload(client, "register.csv", text.encode("utf-8-sig"))
    assert response.status_code == 302
    checked = client.post(response.headers["Location"], data=mapping_form())
    assert checked.status_code == 302
    batch = db.session.execute(select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert json.loads(batch.report)["create"] == 3
    for name, data, message in (("laporan.pdf", b"%PDF-1.4", "Unggah berkas XLSX atau CSV"),
                                ("kosong.csv", b"", "Berkas kosong"),
                                ("rusak.xlsx", b"PK\x03\x04 bukan xlsx", "tidak dapat dibaca")):
        page = client.get(upload(client, name, data).headers["Location"])
        assert message in page.data.decode()


def test_a_register_with_nul_characters_in_its_cells_is_imported_without_them(app, client, login_as, channels,
                                                                              redis_mode):
    """Exported from an old register program, a CSV may carry NUL characters in its cells: never text a
    person typed, and refused by PostgreSQL (the whole import failed); removed as every channel does."""
    from app.extensions import db
    from app.models import Complaint, ImportBatch
    from tests.jobs.conftest import work_in_process

    rows = register_rows(2, start=8001)
    rows[0][2] = "Keluhan nomor 8001\x00"
    rows[1][3] = "Isi keluhan warga\x00 tentang jalan."
    login_as("koordinator")
    text = ";".join(HEADERS) + "\n" + "\n".join(";".join(r) for r in rows)
    response = upload(client, "register-lama.csv", text.encode("utf-8"))
    assert response.status_code == 302
    assert client.post(response.headers["Location"], data=mapping_form()).status_code == 302
    batch = db.session.execute(select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    assert client.post(f"/impor/{batch.id}/jalankan").status_code == 302
    work_in_process(app)
    state = client.get(f"/impor/{batch.id}/status").get_json()
    assert (state["status"], state["created"], state["errors"]) == ("done", 2, 0)
    imported = db.session.execute(select(Complaint).where(Complaint.title.like("Keluhan nomor 800%"))
                                  .order_by(Complaint.title)).scalars().all()
    assert [c.title for c in imported] == ["Keluhan nomor 8001", "Keluhan nomor 8002"]
    assert imported[1].description == "Isi keluhan warga tentang jalan."


@pytest.mark.parametrize("username", ["opd_dinkes", "pimpinan"])
def test_only_coordinators_import(client, login_as, channels, username):
    login_as(username)
    for response in (client.get("/impor/"), upload(client, "x.csv", b"a,b\n1,2")):
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or "/login" in response.headers.get("Location", "")


def test_progress_is_reported_while_importing(channels, world):
    from app.channels import spreadsheet

    batch, headers = spreadsheet.start(Upload("r.xlsx", xlsx_bytes(HEADERS, register_rows(250, start=8001))),
                                       "phone", world.user("koordinator"))
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    spreadsheet.dry_run(batch)
    seen = []
    spreadsheet.run_import(batch.id, progress=seen.append)
    assert seen == [40, 80, 100]


def test_dates_as_indonesian_offices_type_them_are_read_and_bad_ones_named(channels, world):
    from app.channels import spreadsheet
    from app.extensions import db
    from app.models import Complaint, InboundMessage
    from app.workflow.calendar import current_calendar

    typed = {"TGL-1": "24 November 2026", "TGL-2": "1 Mei 2026", "TGL-3": "Senin, 17 Agt 2026",
             "TGL-4": "24.11.2026", "TGL-5": "24/11/26", "TGL-6": "24/11/2026 14.30",
             "TGL-7": "Jumat, 20 November 2026 pukul 09.15 WIB", "TGL-8": "2026/11/23", "TGL-9": "24-Nov-2026",
             "BAD-1": "31 Februari 2026", "BAD-2": "24 Nopembre 2026", "BAD-3": "11/24/2026"}
    rows = [[ref, day, f"Keluhan tanggal {ref}", f"Isi keluhan warga {ref} tentang jalan.", "Pengaduan",
             "Sukamaju Kota", "", ""] for ref, day in typed.items()]
    batch, headers = spreadsheet.start(Upload("register.csv", (";".join(HEADERS) + "\n" + "\n".join(
        ";".join(r) for r in rows)).encode("utf-8-sig")), "phone", world.user("koordinator"))
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    now = datetime.datetime(2026, 11, 25, 3, 0)  # the register is checked the day after its last entries
    report = spreadsheet.dry_run(batch, now=now)
    db.session.commit()
    assert (report["create"], [e["row"] for e in report["errors"]]) == (9, [11, 12, 13])
    assert all("bukan tanggal" in " ".join(e["errors"]) for e in report["errors"])
    assert spreadsheet.run_import(batch.id, now=now)["created"] == 9
    local = {ref: current_calendar().to_local(received).strftime("%Y-%m-%d %H:%M") for ref, received in db.session.execute(
        select(InboundMessage.external_id, Complaint.received_at).join(Complaint, InboundMessage.complaint_id == Complaint.id)
        .where(InboundMessage.import_batch_id == batch.id))}
    assert local == {"phone:TGL-1": "2026-11-24 00:00", "phone:TGL-2": "2026-05-01 00:00", "phone:TGL-3": "2026-08-17 00:00",
                     "phone:TGL-4": "2026-11-24 00:00", "phone:TGL-5": "2026-11-24 00:00", "phone:TGL-6": "2026-11-24 14:30",
                     "phone:TGL-7": "2026-11-20 09:15", "phone:TGL-8": "2026-11-23 00:00", "phone:TGL-9": "2026-11-24 00:00"}


@pytest.mark.parametrize("configured", ["installation", "calendar"])
def test_a_wita_installation_reads_register_times_as_its_calendar_does(channels, world, configured):
    """A time typed in a register is the installation's local time, read by the one rule of the
    calendar (``WorkingCalendar.utc_of``), never by a zone the import works out for itself: in a WITA
    installation "24/11/2026 14.30" is 06.30 UTC, not 07.30 (WIB). ``installation``: TIMEZONE set as
    an installation sets it; ``calendar``: the calendar of this job is WITA (the import read the
    TIMEZONE setting itself, so its times disagreed with the calendar that shows them)."""
    from flask import g

    from app.channels import spreadsheet
    from app.extensions import db
    from app.models import Complaint, InboundMessage
    from app.workflow.calendar import WorkingCalendar, current_calendar, invalidate_calendar, load_holidays
    from tests.jobs.conftest import config_values

    typed = {"WITA-1": "24/11/2026 14.30", "WITA-2": "24 November 2026"}
    rows = [[ref, day, f"Keluhan tanggal {ref}", f"Isi keluhan warga {ref} tentang jalan.", "Pengaduan",
             "Sukamaju Kota", "", ""] for ref, day in typed.items()]
    invalidate_calendar()
    zone = {"TIMEZONE": "Asia/Makassar"} if configured == "installation" else {}
    with config_values(channels, **zone):
        try:
            if configured == "calendar":
                g.lapor_calendar = WorkingCalendar(load_holidays(db.session), "Asia/Makassar")
            assert current_calendar().abbreviation == "WITA"
            batch, headers = spreadsheet.start(Upload("register.csv", (";".join(HEADERS) + "\n" + "\n".join(
                ";".join(r) for r in rows)).encode("utf-8-sig")), "phone", world.user("koordinator"))
            spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
            now = datetime.datetime(2026, 11, 25, 3, 0)
            spreadsheet.dry_run(batch, now=now)
            db.session.commit()
            assert spreadsheet.run_import(batch.id, now=now)["created"] == 2
            stored = dict(db.session.execute(
                select(InboundMessage.external_id, Complaint.received_at)
                .join(Complaint, InboundMessage.complaint_id == Complaint.id)
                .where(InboundMessage.import_batch_id == batch.id)).all())
            assert stored == {"phone:WITA-1": datetime.datetime(2026, 11, 24, 6, 30),
                              "phone:WITA-2": datetime.datetime(2026, 11, 23, 16, 0)}
            # what the staff screens show (the calendar's local time) is what was typed
            assert current_calendar().to_local(stored["phone:WITA-1"]).strftime("%d/%m/%Y %H.%M") == typed["WITA-1"]
        finally:
            invalidate_calendar()


def test_a_category_is_found_by_its_name_whatever_the_capitals_and_spaces(channels, world):
    """The register writes "  jalan   RUSAK" for the category "Uji Jalan Rusak"; a name two active
    categories share (data from before names were kept distinct) is named, never a guess."""
    from app.channels import spreadsheet
    from app.extensions import db
    from app.models import Category, Complaint, InboundMessage

    road = Category(name="Uji Jalan Rusak", active=True)
    db.session.add_all([road, Category(name="Uji Banjir", active=True), Category(name="uji  banjir", active=True)])
    db.session.commit()
    headers = HEADERS + ["Kategori"]
    rows = [row + [category] for row, category in zip(register_rows(3, start=9001),
                                                          ["  uji   jalan RUSAK ", "Uji Jalan Rusak", "UJI BANJIR"])]
    batch, found = spreadsheet.start(Upload("register.xlsx", xlsx_bytes(headers, rows)), "phone",
                                     world.user("koordinator"))
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(found), found)
    report = spreadsheet.dry_run(batch)
    db.session.commit()
    assert report["create"] == 2
    assert [e["row"] for e in report["errors"]] == [4]
    assert "cocok dengan lebih dari satu kategori aktif" in " ".join(report["errors"][0]["errors"])
    assert spreadsheet.run_import(batch.id)["created"] == 2
    categories = set(db.session.execute(
        select(Complaint.category_id).join(InboundMessage, InboundMessage.complaint_id == Complaint.id)
        .where(InboundMessage.import_batch_id == batch.id)).scalars())
    assert categories == {road.id}


def test_a_description_longer_than_a_case_takes_is_named_in_the_dry_run_never_cut(client, login_as, channels, world):
    """A CSV cell of more than 131,072 characters was a 500 at upload (the csv module's field limit);
    a description over 10,000 characters was cut silently, the rest of the citizen's text lost."""
    from app.channels import spreadsheet
    from app.extensions import db
    from app.models import ImportBatch

    rows = register_rows(3, start=9101)
    rows[1][3] = "Jalan berlubang. " * 12000   # 204,000 characters in one CSV cell
    rows[2][3] = "Air tidak mengalir. " * 550  # 11,000 characters
    login_as("koordinator")
    response = upload(client, "register.csv", (";".join(HEADERS) + "\n" + "\n".join(
        ";".join(r) for r in rows)).encode("utf-8-sig"))
    assert response.status_code == 302 and "/kolom" in response.headers["Location"]
    assert client.post(response.headers["Location"], data=mapping_form()).status_code == 302
    batch = db.session.execute(select(ImportBatch).order_by(ImportBatch.id.desc())).scalars().first()
    report = json.loads(batch.report)
    assert report["create"] == 1 and [e["row"] for e in report["errors"]] == [3, 4]
    assert all("lebih dari 10.000 karakter" in " ".join(e["errors"]) for e in report["errors"])
    assert spreadsheet.run_import(batch.id)["created"] == 1


def test_a_csv_saved_by_excel_as_unicode_text_is_read(channels, world):
    """Excel's "Unicode Text" is UTF-16 with a byte-order mark, tab-separated: it was read as
    Windows-1252, every header a row of NUL characters that the mapping form then refused."""
    from app.channels import spreadsheet

    text = "\t".join(HEADERS) + "\r\n" + "\r\n".join("\t".join(r) for r in register_rows(2, start=9201))
    text = text.replace("Isi keluhan warga nomor 9201", "Jalan di Désa Cikéruh rusak")
    batch, headers = spreadsheet.start(Upload("register.csv", text.encode("utf-16")), "phone", world.user("koordinator"))
    assert headers == HEADERS
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    report = spreadsheet.dry_run(batch)
    assert report["create"] == 2 and report["errors"] == []
    _headers, rows = spreadsheet.read_rows(spreadsheet.path_of(batch))
    assert rows[0][3] == "Jalan di Désa Cikéruh rusak tentang jalan."


def test_nul_characters_in_a_register_are_dropped_so_its_columns_can_be_mapped_and_imported(channels, world):
    """A NUL in a header reached the mapping form, which the NUL guard refuses (the import could
    not go on); one in a reference failed the import on PostgreSQL."""
    from app.channels import spreadsheet
    from app.extensions import db
    from app.models import InboundMessage

    rows = register_rows(2, start=9301)
    rows[0][0] = "TEL-\x0009301"
    text = ";".join(HEADERS).replace("Isi Laporan", "Isi\x00 Laporan") + "\n" + "\n".join(";".join(r) for r in rows)
    batch, headers = spreadsheet.start(Upload("register.csv", text.encode("utf-8")), "phone", world.user("koordinator"))
    assert headers == HEADERS
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    assert spreadsheet.dry_run(batch)["create"] == 2
    assert spreadsheet.run_import(batch.id)["created"] == 2
    refs = set(db.session.execute(select(InboundMessage.external_id)
                                  .where(InboundMessage.import_batch_id == batch.id)).scalars())
    assert refs == {"phone:TEL-09301", "phone:TEL-09302"}


def test_phone_numbers_are_read_by_the_one_rule_of_every_channel(channels, world):
    """The import took any text with six digits as a phone number ("123456", "Tel 12-34-56"), where the
    public form, Open311 and the staff form refuse it: receipts and updates would go nowhere."""
    from app.channels import spreadsheet

    phones = {"OK-1": "0812 3456 7890", "OK-2": "+62 812-3456-7890", "OK-3": "(022) 123.4567",
              "BAD-1": "123456", "BAD-2": "Tel 12-34-56", "BAD-3": "0812 3456 7890 ext 5"}
    rows = [[ref, "2026-10-15", f"Keluhan {ref}", f"Isi keluhan warga {ref} tentang jalan.", "Pengaduan",
             "Sukamaju Kota", "Warga", phone] for ref, phone in phones.items()]
    batch, headers = spreadsheet.start(Upload("register.csv", (";".join(HEADERS) + "\n" + "\n".join(
        ";".join(r) for r in rows)).encode("utf-8-sig")), "phone", world.user("koordinator"))
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    report = spreadsheet.dry_run(batch)
    bad = {e["row"]: " ".join(e["errors"]) for e in report["errors"]}
    assert sorted(bad) == [5, 6, 7]  # rows 5-7 of the sheet (header is row 1)
    assert all("nomor telepon pelapor tidak valid" in reason for reason in bad.values())


def test_times_exported_with_their_offset_are_read_as_the_moment_they_name(channels, world):
    """Another system's export writes ISO 8601 with an offset; the import named every such cell
    "not a date". ``+07:00`` and ``Z`` name the same moment; a WITA time (+08:00) an hour earlier."""
    from app.channels import spreadsheet
    from app.extensions import db
    from app.models import Complaint, InboundMessage
    from app.workflow.calendar import current_calendar

    typed = {"ISO-1": "2026-11-20T09:15:00+07:00", "ISO-2": "2026-11-20T02:15:00Z",
             "ISO-3": "2026-11-20T10:15:00+08:00", "BAD-1": "2026-11-20T25:15:00+07:00"}
    rows = [[ref, day, f"Keluhan {ref}", f"Isi keluhan warga {ref} tentang jalan.", "Pengaduan",
             "Sukamaju Kota", "", ""] for ref, day in typed.items()]
    batch, headers = spreadsheet.start(Upload("ekspor.csv", (",".join(HEADERS) + "\n" + "\n".join(
        ",".join(r) for r in rows)).encode("utf-8")), "phone", world.user("koordinator"))
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    now = datetime.datetime(2026, 11, 25, 3, 0)
    report = spreadsheet.dry_run(batch, now=now)
    db.session.commit()
    assert [e["row"] for e in report["errors"]] == [5]
    spreadsheet.run_import(batch.id, now=now)
    stored = dict(db.session.execute(
        select(InboundMessage.external_id, Complaint.received_at).join(Complaint, InboundMessage.complaint_id == Complaint.id)
        .where(InboundMessage.import_batch_id == batch.id)).all())
    assert set(stored.values()) == {datetime.datetime(2026, 11, 20, 2, 15)} and len(stored) == 3
    assert current_calendar().to_local(stored["phone:ISO-1"]).strftime("%H.%M") == "09.15"


def test_a_sheet_with_a_blank_first_row_finds_its_header_row_below(channels, world):
    """A register often starts with an empty row (or the sheet was saved with one): its headers were
    "Kolom 1", "Kolom 2" ... and nothing could be mapped."""
    from app.channels import spreadsheet

    data = xlsx_bytes([None] * len(HEADERS), [HEADERS] + register_rows(3))
    batch, headers = spreadsheet.start(Upload("register.xlsx", data), "phone", world.user("koordinator"))
    assert headers == HEADERS
    csv_data = (";" * (len(HEADERS) - 1) + "\n" + ";".join(HEADERS) + "\n" + "\n".join(";".join(r) for r in register_rows(2))).encode("utf-8")
    batch, headers = spreadsheet.start(Upload("register.csv", csv_data), "phone", world.user("koordinator"))
    assert headers == HEADERS
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    assert spreadsheet.dry_run(batch)["create"] == 2


def test_a_title_longer_than_a_case_holds_is_named_in_the_dry_run_not_cut(channels, world):
    from app.channels import spreadsheet

    rows = register_rows(2)
    rows[1][2] = "Jalan kabupaten ruas Sumedang-Cimalaka berlubang dan tergenang air " * 4  # row 3
    batch, headers = spreadsheet.start(Upload("register.xlsx", xlsx_bytes(HEADERS, rows)), "phone", world.user("koordinator"))
    spreadsheet.set_mapping(batch, spreadsheet.guess_mapping(headers), headers)
    report = spreadsheet.dry_run(batch)
    assert [(e["row"], e["errors"]) for e in report["errors"]] == [(3, ["judul lebih dari 200 karakter"])]
