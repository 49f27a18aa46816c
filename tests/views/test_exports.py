"""Staff exports of a case list, built in the request: what a person opens in Excel."""
import csv
import datetime
import io

from openpyxl import load_workbook

from app.extensions import db
from tests.conftest import assert_hidden

SECRET = {"name": "Rahmat Rahasia", "phone": "081299887766", "email": "rahmat.rahasia@contoh.id",
          "nik": "3273012345678901"}
# 2026-03-02 00:21 UTC is 07.21 WIB
RECEIVED = datetime.datetime(2026, 3, 2, 0, 21)


def read_xlsx(data):
    book = load_workbook(io.BytesIO(data))
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def read_csv(data):
    assert data.startswith(b"\xef\xbb\xbf"), "CSV without the UTF-8 BOM Excel needs"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def status_filter(value):
    # coded columns: 0 equal to, 1 not equal to (app/interface.py)
    return f"_flt_0_status={value}"


def test_opd_exports_the_filtered_list_with_local_times_labels_and_numbers(login_as, make_case):
    done = make_case(agency="DINKES", status="closed", title="Antrean puskesmas sangat lama", now=RECEIVED)
    open_case = make_case(agency="DINKES", status="in_progress", title="Obat kosong di puskesmas", now=RECEIVED)
    other = make_case(agency="PUPR", status="closed", title="Jembatan gantung rusak parah", now=RECEIVED)
    done.latitude = -6.2088
    db.session.commit()
    client = login_as("opd_dinkes")
    listing = client.get(f"/complaintview/list/?{status_filter('closed')}").get_data(as_text=True)
    assert 'id="export-xlsx"' in listing and status_filter("closed") in listing.replace("&amp;", "&")

    response = client.get(f"/complaintview/export.xlsx?{status_filter('closed')}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    rows = read_xlsx(response.data)
    header, body = rows[0], rows[1:]
    assert [r[0] for r in body] == [done.tracking_number]  # filter + access rule
    record = dict(zip(header, body[0]))
    assert record["Diterima (WIB)"] == datetime.datetime(2026, 3, 2, 7, 21)
    assert record["Status"] == "Selesai" and record["Jenis"] == "Pengaduan"
    assert record["Nilai (1-5)"] == 5 and isinstance(record["Nilai (1-5)"], int)
    assert record["Lintang"] == -6.2088
    assert record["Anonim"] == "Tidak"
    assert open_case.tracking_number not in str(rows) and other.tracking_number not in str(rows)

    response = client.get(f"/complaintview/export.csv?{status_filter('closed')}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response.data)
    record = dict(zip(rows[0], rows[1]))
    assert len(rows) == 2
    assert record["Diterima (WIB)"] == "02/03/2026 07:21"
    assert record["Lintang"] == "-6,2088" and record["Nilai (1-5)"] == "5"
    assert record["Status"] == "Selesai"


def test_identity_in_exports_is_masked_as_on_screen(login_as, make_case):
    anonymous = make_case(agency="DINKES", status="dispatched", anonymous=True, reporter=SECRET)
    named = make_case(agency="DINKES", status="dispatched",
                      reporter={"name": "Budi Terbuka", "phone": "081311112222", "email": "budi@contoh.id"})
    for fmt in ("csv", "xlsx"):
        data = login_as("opd_dinkes").get(f"/complaintview/export.{fmt}").data
        text = data.decode("utf-8-sig") if fmt == "csv" else str(read_xlsx(data))
        assert anonymous.tracking_number in text and "Budi Terbuka" in text
        assert_hidden(text, SECRET["name"], SECRET["phone"], SECRET["email"], SECRET["nik"])
        data = login_as("pimpinan").get(f"/complaintview/export.{fmt}").data
        text = data.decode("utf-8-sig") if fmt == "csv" else str(read_xlsx(data))
        assert_hidden(text, SECRET["name"], SECRET["phone"], SECRET["email"])
    data = login_as("koordinator").get("/complaintview/export.csv").data.decode("utf-8-sig")
    assert SECRET["name"] in data  # the coordinator sees identities on screen too
    assert named.tracking_number in data
    # no contact data at all in an ordinary export, not even masked digits
    header = data.splitlines()[0]
    assert "Telepon pelapor" not in header and "Email pelapor" not in header
    assert_hidden(data, "***", "@contoh.id")


def test_text_cells_never_become_formulas(login_as, make_case):
    make_case(agency="DINKES", status="dispatched", title="=HYPERLINK(\"http://x\",\"klik\")")
    data = login_as("opd_dinkes").get("/complaintview/export.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in data
    rows = read_xlsx(login_as("opd_dinkes").get("/complaintview/export.xlsx").data)
    assert rows[1][1].startswith("'=")


def test_queue_export_keeps_the_queue_clause(login_as, make_case):
    waiting = make_case(status="received")
    sent = make_case(agency="DINKES", status="dispatched")
    data = login_as("koordinator").get("/queuetoverifyview/export.csv").data.decode("utf-8-sig")
    assert waiting.tracking_number in data and sent.tracking_number not in data


# --- export with full contact data (UU PDP): given a reason, recorded per case ------------

NAMED = {"name": "Budi Terbuka", "phone": "081311112222", "email": "budi@contoh.id"}
WHY = "Survei kepuasan pelapor triwulan I"


def access_rows():
    from sqlalchemy import select

    from app.models import IdentityAccess

    db.session.expire_all()
    return db.session.execute(select(IdentityAccess).order_by(IdentityAccess.complaint_id)).scalars().all()


def export_text(response, fmt):
    assert response.status_code == 200, response.status_code
    return response.data.decode("utf-8-sig") if fmt == "csv" else str(read_xlsx(response.data))


def test_coordinator_exports_full_contact_data_with_a_reason_and_each_case_is_logged(login_as, make_case, world):
    confidential = make_case(agency="DINKES", status="dispatched", confidential=True, reporter=SECRET)
    named = make_case(agency="DINKES", status="dispatched", reporter=NAMED)
    erased = make_case(agency="DINKES", status="dispatched", reporter={"name": "Sari Hapus", "phone": "081244445555"})
    make_case(agency="DINKES", status="dispatched", reporter=False)  # no reporter data: nothing to unmask
    from app.workflow import privacy

    privacy.erase(erased, world.user("koordinator"), "Permintaan pelapor lewat surel")
    db.session.commit()
    erase_rows = len(access_rows())
    client = login_as("koordinator")
    listing = client.get("/complaintview/list/").get_data(as_text=True)
    assert 'id="export-full"' in listing and 'name="reason"' in listing

    for fmt in ("csv", "xlsx"):
        text = export_text(client.post(f"/complaintview/export.{fmt}", data={"full_contact": "1", "reason": WHY}), fmt)
        assert SECRET["phone"] in text and SECRET["email"] in text
        assert NAMED["phone"] in text and NAMED["email"] in text
        assert_hidden(text, "081244445555", "Sari Hapus")  # erased stays erased
    rows = [r for r in access_rows() if r.purpose == "export"]
    assert len(access_rows()) == erase_rows + len(rows)
    assert sorted(r.complaint_id for r in rows) == sorted([confidential.id, named.id] * 2)
    assert {(r.user_id, r.reason) for r in rows} == {(world.user("koordinator").id, WHY)}

    # the case page's access log lists the export
    page = client.get(f"/complaintview/show/{confidential.id}").get_data(as_text=True)
    log = page[page.index('id="access-log"'):]
    assert WHY in log and "Ekspor" in log


def test_export_without_the_option_stays_masked_and_records_nothing(login_as, make_case):
    make_case(agency="DINKES", status="dispatched", confidential=True, reporter=SECRET)
    make_case(agency="DINKES", status="dispatched", reporter=NAMED)
    client = login_as("koordinator")
    for response in (client.get("/complaintview/export.csv"),
                     client.post("/complaintview/export.csv", data={"reason": WHY})):  # reason but no option
        text = export_text(response, "csv")
        assert SECRET["name"] in text
        assert_hidden(text, SECRET["phone"], SECRET["email"], NAMED["phone"], NAMED["email"])
    assert access_rows() == []


def test_export_with_contact_data_needs_a_reason_and_keeps_what_was_typed(login_as, make_case):
    make_case(agency="DINKES", status="dispatched", reporter=NAMED)
    client = login_as("koordinator")
    response = client.post(f"/complaintview/export.csv?{status_filter('dispatched')}",
                           data={"full_contact": "1", "reason": "abc"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Tulis alasan Anda memerlukan data lengkap pelapor" in page
    assert 'id="export-full" open' in page and 'value="abc"' in page
    assert status_filter("dispatched") in page.replace("&amp;", "&")  # the filters are kept too
    assert_hidden(page, NAMED["phone"], NAMED["email"])
    assert client.post("/complaintview/export.xlsx", data={"full_contact": "1"}).status_code == 400
    assert access_rows() == []


def test_opd_asking_for_contact_data_gets_only_what_the_access_rule_shows(login_as, make_case, world):
    anonymous = make_case(agency="DINKES", status="dispatched", anonymous=True, reporter=SECRET)
    confidential = make_case(agency="DINKES", status="dispatched", confidential=True,
                             reporter=dict(SECRET, phone="081200001111", email="rahasia2@contoh.id"))
    text = export_text(login_as("opd_dinkes").post(
        "/complaintview/export.csv", data={"full_contact": "1", "reason": WHY}), "csv")
    assert anonymous.tracking_number in text and confidential.tracking_number in text
    assert_hidden(text, SECRET["name"], SECRET["phone"], SECRET["email"], "081200001111", "rahasia2@contoh.id")
    assert access_rows() == []
    text = export_text(login_as("pimpinan").post(
        "/complaintview/export.xlsx", data={"full_contact": "1", "reason": WHY}), "xlsx")
    assert_hidden(text, SECRET["name"], SECRET["phone"], SECRET["email"], "081200001111")
    assert access_rows() == []

    # a named reporter of its own case: the same rule as "show full contact data" on the case page
    named = make_case(agency="DINKES", status="dispatched", reporter=NAMED)
    text = export_text(login_as("opd_dinkes").post(
        "/complaintview/export.csv", data={"full_contact": "1", "reason": WHY}), "csv")
    assert NAMED["phone"] in text
    assert_hidden(text, SECRET["phone"], "081200001111")
    assert [(r.complaint_id, r.user_id, r.purpose) for r in access_rows()] == [
        (named.id, world.user("opd_dinkes").id, "export")]
