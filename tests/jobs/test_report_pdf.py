"""The monthly report as a PDF: built by the monthly job and on demand, read back with pdftotext."""
import os
import re
import shutil
import subprocess

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.models import TransparencyReport
from app import reports
from tests.jobs.test_reports import PERIOD, march_2019  # noqa: F401  (the hand-computed fixture)


@pytest.fixture(autouse=True)
def _pdftotext():
    if shutil.which("pdftotext") is None:
        if os.environ.get("LAPOR_REQUIRE_SERVICES"):
            pytest.fail("pdftotext is required (apt-get install poppler-utils; `make test` installs it)")
        pytest.skip("pdftotext (poppler-utils) is not installed; `make test` installs it")


def pdf_text(content, layout=False):
    result = subprocess.run(["pdftotext"] + (["-layout"] if layout else []) + ["-", "-"], input=content,
                            capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def flat(text):
    return re.sub(r"\s+", " ", text)


def test_monthly_job_builds_a_pdf_with_period_every_kpi_and_the_ranking(app, march_2019):  # noqa: F811
    from app.jobs import tasks

    report_id = tasks.build_monthly_report(PERIOD)
    report = db.session.get(TransparencyReport, report_id)
    assert report.pdf_file.startswith(b"%PDF-")
    text = pdf_text(report.pdf_file)
    joined = flat(text)
    assert app.config["INSTALLATION_NAME"] in joined
    assert "Maret 2019" in joined and "Laporan transparansi" in joined
    with force_locale("id"):
        for key, label in reports.SUMMARY_LABELS:
            assert flat(str(label)) in joined, label
        for _key, label in reports.RANKING_COLUMNS:  # headings wrap inside narrow columns
            assert all(word in joined for word in str(label).split()), label
        for _key, label in reports.BREAKDOWN_LABELS:
            assert str(label) in joined
    # the ranking row of the hand-computed fixture: Dinkes first, 5 cases, 66,7 % (open-and-late
    # first responses count), 4,5 working days
    layout = pdf_text(report.pdf_file, layout=True)
    assert re.search(r"1\s+Dinas Kesehatan\s+5\s+66,7 %\s+4,5", layout), layout[layout.find("Peringkat"):][:800]
    pages = len(re.findall("\f", text)) + (0 if text.endswith("\f") else 1)
    assert pages >= 4 and f"Halaman {pages} dari {pages}" in joined


def test_a_new_kpi_key_appears_in_the_pdf_without_an_edit(app, march_2019, monkeypatch):  # noqa: F811
    data = reports.compute(PERIOD)
    data["summary"]["new_measure_pct"] = 42.5
    monkeypatch.setattr(reports, "SUMMARY_LABELS", reports.SUMMARY_LABELS + [("new_measure_pct", "Ukuran baru uji (%)")])
    with force_locale("id"):
        joined = flat(pdf_text(reports.render_pdf(data)))
    assert "Ukuran baru uji (%) 42,5 %" in joined


def test_the_pdf_is_public_on_transparansi_once_published(app, client, march_2019, world):  # noqa: F811
    report = reports.build(PERIOD)
    assert client.get(f"/transparansi/{PERIOD}.pdf").status_code == 404  # a draft is not public
    reports.publish(report.id, user_id=world.user("koordinator").id)
    page = client.get(f"/transparansi?periode={PERIOD}").get_data(as_text=True)
    assert f"/transparansi/{PERIOD}.pdf" in page
    response = client.get(f"/transparansi/{PERIOD}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Maret 2019" in flat(pdf_text(response.get_data()))


def test_an_empty_period_says_so(app, jobs):
    with force_locale("id"):
        data = reports.compute("2019-06")
        joined = flat(pdf_text(reports.render_pdf(data)))
    assert "Belum ada laporan pada periode ini." in joined
    assert "-%" not in joined


def test_a_report_generated_on_demand_is_downloadable_as_pdf_by_staff(app, redis_mode, march_2019, login_as):  # noqa: F811
    """The coordinator's "Buat laporan" (a job), then "Unduh PDF" on the draft: the same document
    as the monthly job's, before anything is published; Pimpinan reads it too, an OPD officer not."""
    from sqlalchemy import select

    from tests.jobs.conftest import work_in_process

    client = login_as("koordinator")
    assert client.post("/transparencyreportview/generate", data={"period": PERIOD}).status_code == 302
    work_in_process(app)
    report = db.session.execute(select(TransparencyReport)).scalar_one()
    show = client.get(f"/transparencyreportview/show/{report.id}").get_data(as_text=True)
    url = f"/transparencyreportview/download/{report.id}/pdf"
    assert 'id="download-pdf"' in show and url in show
    for username in ("koordinator", "pimpinan"):
        response = login_as(username).get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf", username
        assert response.headers["Content-Disposition"].startswith("attachment;")
        joined = flat(pdf_text(response.get_data()))
        assert "Maret 2019" in joined and "Peringkat" in joined, username
    assert login_as("opd_dinkes").get(url).status_code in (302, 403)
