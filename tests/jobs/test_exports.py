"""Big staff exports run as a background job: complete or failed, never a cut-off file with HTTP 200."""
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete

from app.extensions import db
from app.models import CaseExport, CaseExportChunk
from tests.jobs.conftest import config_values, inline_scripts, work_in_process


@pytest.fixture
def exports_table(jobs):
    db.session.execute(delete(CaseExportChunk))
    db.session.execute(delete(CaseExport))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(delete(CaseExportChunk))
    db.session.execute(delete(CaseExport))
    db.session.commit()


def progress_of(client, response):
    assert response.status_code == 302, response.status_code
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="progress-bar' in page and "js/job_progress.js" in page
    assert inline_scripts(page) == []
    return re.search(r'data-state-url="([^"]+)"', page).group(1)


def xlsx_rows(data):
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_export_longer_than_the_request_may_take_completes_through_the_job(
        app, redis_mode, exports_table, make_case, login_as):
    cases = [make_case(agency="DINKES", status="dispatched", title=f"Keluhan layanan nomor {i}") for i in range(12)]
    client = login_as("opd_dinkes")
    # an injected tiny request budget: building the file in the request cannot finish in time
    with config_values(app, EXPORT_SYNC_SECONDS=0, EXPORT_SYNC_MAX_ROWS=10_000):
        response = client.get("/complaintview/export.xlsx")
    state_url = progress_of(client, response)
    assert client.get(state_url).get_json() == {"status": "queued", "progress": 0}

    work_in_process(app)
    state = client.get(state_url).get_json()
    assert state["status"] == "ready" and state["progress"] == 100 and state["rows"] == 12
    download = client.get(state["url"])
    assert download.status_code == 200 and download.data[:2] == b"PK"
    rows = xlsx_rows(download.data)
    assert len(rows) == 1 + 12  # header + every case: nothing cut off
    assert {r[0] for r in rows[1:]} == {c.tracking_number for c in cases}

    # the link is the owner's only, and it expires
    export = db.session.execute(db.select(CaseExport)).scalar_one()
    assert login_as("opd_pupr").get(state["url"]).status_code == 404
    client = login_as("opd_dinkes")
    assert client.get(state["url"].rsplit("/", 1)[0] + "/not-the-token").status_code == 404
    export.expires_at = export.finished_at.replace(year=2000)
    db.session.commit()
    expired = client.get(state["url"])
    assert expired.status_code == 302 and "PK" not in expired.get_data(as_text=True)


def test_a_big_file_is_stored_and_streamed_back_in_chunks_and_purged_when_it_expires(
        app, redis_mode, exports_table, make_case, login_as, monkeypatch):
    from app import exports

    cases = [make_case(agency="DINKES", status="dispatched", title=f"Jalan rusak di gang {i}") for i in range(15)]
    monkeypatch.setattr(exports, "CHUNK_BYTES", 256)  # scaled down: a file of many chunks
    client = login_as("opd_dinkes")
    with config_values(app, EXPORT_SYNC_SECONDS=0):
        state_url = progress_of(client, client.get("/complaintview/export.csv"))
    work_in_process(app)
    state = client.get(state_url).get_json()
    assert state["status"] == "ready" and state["rows"] == 15
    export = db.session.execute(db.select(CaseExport)).scalar_one()
    chunks = db.session.execute(db.select(CaseExportChunk.seq, CaseExportChunk.data)
                                .where(CaseExportChunk.export_id == export.id)).all()
    assert len(chunks) > 3 and all(len(data) <= 256 for _seq, data in chunks)
    download = client.get(state["url"])
    assert download.status_code == 200 and int(download.headers["Content-Length"]) == export.size == len(download.data)
    lines = download.data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + 15 and {line.split(";")[0] for line in lines[1:]} == {c.tracking_number for c in cases}
    # expired: the row and every chunk of it are gone
    assert exports.purge_expired(now=export.expires_at.replace(year=export.expires_at.year + 1)) == 1
    assert db.session.execute(db.select(db.func.count()).select_from(CaseExportChunk)).scalar() == 0


def test_coordinator_export_of_more_than_one_page_is_a_job_with_the_access_rule_and_filters(
        app, redis_mode, exports_table, make_case, login_as):
    received = [make_case(status="received") for _ in range(27)]  # more than one page of 25
    make_case(agency="PUPR", status="dispatched")
    client = login_as("koordinator")
    state_url = progress_of(client, client.get("/complaintview/export.csv?_flt_0_status=received"))
    work_in_process(app)
    state = client.get(state_url).get_json()
    assert state["status"] == "ready"
    data = client.get(state["url"]).data
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 1 + len(received)


def test_a_failing_export_is_marked_failed_and_offers_no_file(
        app, redis_mode, exports_table, make_case, login_as, monkeypatch):
    for _ in range(3):
        make_case(agency="DINKES", status="dispatched")
    client = login_as("opd_dinkes")
    with config_values(app, EXPORT_SYNC_SECONDS=0):
        state_url = progress_of(client, client.get("/complaintview/export.csv"))
    from app import exports

    calls = {"n": 0}
    original = exports.row_values

    def breaks_on_the_second_row(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(*args)

    monkeypatch.setattr(exports, "row_values", breaks_on_the_second_row)
    work_in_process(app)
    state = client.get(state_url).get_json()
    assert state["status"] == "failed" and "url" not in state and state["error"]
    export = db.session.execute(db.select(CaseExport)).scalar_one()
    assert export.size is None and export.row_count is None and not list(exports.stored_chunks(export.id))
    assert client.get(f"/complaintview/export/{export.id}/{export.token}").status_code == 404


def test_background_export_with_full_contact_data_records_each_case_when_the_file_is_made(
        app, redis_mode, exports_table, make_case, login_as, world):
    from app.models import IdentityAccess

    reporter = {"name": "Dewi Rahasia", "phone": "081377778888", "email": "dewi.rahasia@contoh.id"}
    cases = [make_case(agency="DINKES", status="dispatched", confidential=True, reporter=reporter) for _ in range(3)]
    client = login_as("koordinator")
    with config_values(app, EXPORT_SYNC_SECONDS=0):
        refused = client.post("/complaintview/export.csv", data={"full_contact": "1", "reason": " "})
        assert refused.status_code == 400 and db.session.execute(db.select(CaseExport)).first() is None
        state_url = progress_of(client, client.post(
            "/complaintview/export.csv", data={"full_contact": "1", "reason": "Undangan mediasi para pelapor"}))
    assert db.session.execute(db.select(IdentityAccess)).first() is None  # nothing unmasked yet

    work_in_process(app)
    state = client.get(state_url).get_json()
    assert state["status"] == "ready" and state["rows"] == 3
    text = client.get(state["url"]).data.decode("utf-8-sig")
    assert text.count(reporter["phone"]) == 3 and text.count(reporter["email"]) == 3
    db.session.expire_all()
    rows = db.session.execute(db.select(IdentityAccess)).scalars().all()
    assert sorted(r.complaint_id for r in rows) == sorted(c.id for c in cases)
    assert {(r.user_id, r.purpose, r.reason) for r in rows} == {
        (world.user("koordinator").id, "export", "Undangan mediasi para pelapor")}


def test_background_export_without_the_option_stays_masked_and_records_nothing(
        app, redis_mode, exports_table, make_case, login_as):
    from app.models import IdentityAccess

    make_case(agency="DINKES", status="dispatched", reporter={"name": "Dewi", "phone": "081377778888"})
    client = login_as("koordinator")
    with config_values(app, EXPORT_SYNC_SECONDS=0):
        state_url = progress_of(client, client.get("/complaintview/export.csv"))
    work_in_process(app)
    state = client.get(state_url).get_json()
    assert state["status"] == "ready"
    text = client.get(state["url"]).data.decode("utf-8-sig")
    assert "Dewi" in text and "081377778888" not in text
    assert db.session.execute(db.select(IdentityAccess)).first() is None
