"""Monthly transparency reports: hand-computed figures, CSV/XLSX contents, draft/publish, the
admin screens with the progress bar, and who may do what."""
import csv
import datetime
import io
import re

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Holiday, TransparencyReport
from app.models.login import LoginEvent
from app import reports
from app.workflow import lifecycle
from app.workflow.calendar import current_calendar, invalidate_calendar
from app.workflow.reporters import reporter_from_form
from tests.jobs.conftest import denied, inline_scripts, work_in_process

PERIOD = "2019-03"


@pytest.fixture
def march_2019(jobs, world):
    """Known cases around March 2019 (WIB), with Nyepi (Thursday 7 March) as a holiday.

    Received in the period (9): A..I. Outside: J (28 Feb 16:00 WIB) and K (1 Apr 00:30 WIB).
    I (1 Mar 00:30 WIB = 28 Feb 17:30 UTC) is inside: the month is local time.
    """
    db.session.add(Holiday(date=datetime.date(2019, 3, 7), name="Hari Suci Nyepi", kind="national"))
    db.session.commit()
    invalidate_calendar()
    cal = current_calendar()
    coordinator, dinkes, pupr = world.user("koordinator"), world.user("opd_dinkes"), world.user("opd_pupr")

    def at(month, day, hour, minute=0):
        return cal.to_utc(datetime.datetime(2019, month, day, hour, minute, tzinfo=cal.tz))

    def case(received, kind="complaint", channel="web", district=None, confidential=False):
        reporter = reporter_from_form("Pelapor Uji", None, "uji@contoh.id", None, True)
        return lifecycle.register(
            title="Laporan uji periode", description="Isi laporan untuk uji laporan bulanan.", kind=kind,
            channel=world.channel(channel), reporter=reporter, is_confidential=confidential,
            district=district, now=received).complaint

    a = case(at(3, 4, 9), district="Sumedang Utara")
    lifecycle.dispose(a, coordinator, world.agency("DINKES"), now=at(3, 4, 10))
    lifecycle.follow_up(a, dinkes, "Ditangani", now=at(3, 5, 9))
    lifecycle.resolve(a, dinkes, "Selesai", now=at(3, 6, 9))
    lifecycle.confirm(a, lifecycle.REPORTER, 5, now=at(3, 8, 9))

    b = case(at(3, 4, 9), channel="whatsapp", district="Kec. Sumedang  Utara")  # normalised match
    lifecycle.dispose(b, coordinator, world.agency("DINKES"), now=at(3, 11, 9))  # verified late
    lifecycle.follow_up(b, dinkes, "Ditangani", now=at(3, 12, 9))
    lifecycle.resolve(b, dinkes, "Selesai", now=at(3, 13, 9))
    lifecycle.confirm(b, lifecycle.REPORTER, 3, now=at(3, 14, 9))

    c = case(at(3, 5, 12), kind="aspiration", district="SUMEDANG UTARA")
    lifecycle.dispose(c, coordinator, world.agency("DINKES"), now=at(3, 6, 12))
    lifecycle.follow_up(c, dinkes, "Ditangani", now=at(3, 15, 12))  # first response late

    d = case(at(3, 8, 8), district="Sumedang Utara", confidential=True)
    lifecycle.dispose(d, coordinator, world.agency("DINKES"), now=at(3, 8, 9))

    e = case(at(3, 11, 8), kind="information", channel="sms", district="Jatinangor")
    lifecycle.dispose(e, coordinator, world.agency("DINKES"), now=at(3, 11, 9))
    lifecycle.follow_up(e, dinkes, "Ditangani", now=at(3, 18, 8))

    f = case(at(3, 13, 10), district="Jatinangor")
    lifecycle.dispose(f, coordinator, world.agency("PUPR"), now=at(3, 13, 11))
    lifecycle.follow_up(f, pupr, "Ditangani", now=at(3, 14, 10))
    lifecycle.resolve(f, pupr, "Selesai", now=at(3, 14, 11))

    g = case(at(3, 20, 10))
    lifecycle.hold(g, coordinator, "Mohon lengkapi lokasi", now=at(3, 20, 11))
    h = case(at(3, 25, 10))
    lifecycle.archive(h, coordinator, "too_general", now=at(3, 25, 11))
    case(at(3, 1, 0, 30))  # I: still unverified

    j = case(at(2, 28, 16))
    lifecycle.dispose(j, coordinator, world.agency("DINKES"), now=at(3, 1, 9))
    lifecycle.follow_up(j, dinkes, "Ditangani", now=at(3, 1, 10))
    lifecycle.resolve(j, dinkes, "Selesai", now=at(3, 1, 11))
    lifecycle.confirm(j, lifecycle.REPORTER, 1, now=at(3, 4, 9))
    case(at(4, 1, 0, 30))  # K: still unverified

    # the login history (keaktifan): Dinkes signed in during March, RSUD never, PUPR only in April
    for name, when in (("opd_dinkes", datetime.datetime(2019, 3, 10, 3)), ("opd_pupr", datetime.datetime(2019, 4, 5, 3))):
        db.session.add(LoginEvent(user_id=world.user(name).id, username=name, success=True, created_at=when))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(delete(LoginEvent).where(LoginEvent.created_at < datetime.datetime(2020, 1, 1)))
    db.session.execute(delete(Holiday).where(Holiday.date == datetime.date(2019, 3, 7)))
    db.session.commit()
    invalidate_calendar()


# worked out by hand from the fixture above (see its comments), seen on 10 April 2019 (NOW)
NOW = datetime.datetime(2019, 4, 10)
EXPECTED_SUMMARY = {
    "received": 9,                      # A..I
    "followed_up": 5,                   # A B C E F
    "pct_followed_up": 55.6,            # 5/9
    "finished": 3,                      # A B closed, F resolved
    "pct_finished": 33.3,
    "in_process": 3,                    # C E in progress, D dispatched
    "pct_in_process": 33.3,
    "response_count": 5,
    # receipt -> first follow-up, calendar days: A 1, B 8, C 10, E 7, F 1
    "response_days_avg": 5.4,
    "response_days_median": 7.0,
    # working days (Mon-Fri, Nyepi off, fractional): A 1, B 5, C 7, E 5, F 1
    "response_working_days_avg": 3.8,
    "response_working_days_median": 5.0,
    "waiting": 2,                       # D (dispatched), I (unverified); G is on hold
    "waiting_age_days_avg": 36.61,      # D 32.96 days, I 40.27 days on 10 April
    "waiting_oldest_day": "2019-03-01",  # I
    # verifications done in March: A C D E F H J on time, B late; I late and never verified (G paused)
    "verification_done": 8, "verification_on_time": 7, "verification_late_open": 1,
    "verification_sla_pct": 77.8,
    # first responses in March: A B E F J on time, C late; D past its deadline (Fri 15) without one
    "follow_up_done": 6, "follow_up_on_time": 5, "follow_up_late_open": 1,
    "follow_up_sla_pct": 71.4,
    # resolutions in March: A B F J on time; C (Thu 14), D (Thu 28), E (Mon 18) late and open
    "resolution_done": 4, "resolution_on_time": 4, "resolution_late_open": 3,
    "resolution_sla_pct": 57.1,
    "overdue_open_now": 5,              # C E (resolution), D (first response), I K (verification)
    "rating_avg": 4.0,                  # A 5, B 3
    "rating_count": 2,
    "confidential": 1,                  # D
    "agencies_total": 4,                # Diskominfo, Dinkes, RSUD, PUPR (not the Pemda)
    "agencies_connected": 3,            # Dinkes, RSUD, PUPR have an active OPD officer
    "pct_connected": 75.0,
    "agencies_active": 1,               # Dinkes signed in during March (PUPR only in April)
    "pct_active": 25.0,
}
EXPECTED_RANKING = [{"rank": 1, "agency": "Dinas Kesehatan", "cases": 5,  # PUPR has 1 case: not ranked
                     "follow_up_sla_pct": 66.7,  # A B E J on time, C late, D late and open: 4 / 6
                     "response_working_days_avg": 4.5}]  # (1 + 5 + 7 + 5) / 4


def _labels(app):
    with force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
        return [str(text) for _key, text in reports.SUMMARY_LABELS]


def test_monthly_report_gives_the_hand_computed_figures_in_the_snapshot_csv_and_xlsx(app, march_2019):
    report = reports.build(PERIOD, now=NOW)
    data = reports.snapshot(report)
    assert data["summary"] == EXPECTED_SUMMARY
    assert data["ranking"] == EXPECTED_RANKING
    assert data["by_status"] == {"closed": 2, "in_progress": 2, "dispatched": 1, "resolved": 1,
                                 "on_hold": 1, "archived": 1, "received": 1}
    assert dict(map(tuple, data["breakdowns"]["kind"])) == {"complaint": 7, "aspiration": 1, "information": 1}
    assert dict(map(tuple, data["breakdowns"]["channel"])) == {"Situs web": 7, "WhatsApp": 1, "SMS 1708": 1}
    assert dict(map(tuple, data["breakdowns"]["agency"])) == {"Dinas Kesehatan": 5, "Dinas PUPR": 1, None: 3}
    # grouped by the official kecamatan (Kemendagri code), whatever spelling was typed
    assert dict(map(tuple, data["breakdowns"]["district"])) == {"Sumedang Utara": 4, "Jatinangor": 2, None: 3}

    labels = _labels(app)
    expected_values = [EXPECTED_SUMMARY[key] for key, _text in reports.SUMMARY_LABELS]

    rows = list(csv.reader(io.StringIO(report.csv_file.decode("utf-8-sig"))))
    assert rows[0][1] == PERIOD
    summary = {row[1]: row[2] for row in rows[2:2 + len(labels)]}
    assert summary == {label: str(value) for label, value in zip(labels, expected_values)}
    ranking_rows = [row for row in rows if row[1].startswith("1. Dinas Kesehatan")]
    assert [row[2] for row in ranking_rows] == ["5", "66.7", "4.5"]

    book = load_workbook(io.BytesIO(report.xlsx_file), read_only=True)
    sheets = book.worksheets
    summary_sheet = list(sheets[0].iter_rows(min_row=5, values_only=True))
    assert [tuple(row[:2]) for row in summary_sheet] == list(zip(labels, expected_values))
    ranking_sheet = list(sheets[-1].iter_rows(min_row=2, values_only=True))
    assert ranking_sheet == [(1, "Dinas Kesehatan", 5, 66.7, 4.5)]


def test_rerunning_a_period_replaces_its_draft_and_publishing_keeps_one_public_report(march_2019, world):
    first = reports.build(PERIOD)
    second = reports.build(PERIOD)
    drafts = db.session.execute(select(TransparencyReport)).scalars().all()
    assert [r.id for r in drafts] == [first.id] == [second.id]  # replaced in place, not duplicated
    assert reports.published_file(PERIOD, "csv") is None  # a draft is not public

    reports.publish(first.id, user_id=world.user("koordinator").id)
    assert [row.period for row in reports.published_reports()] == [PERIOD]
    content, filename, mimetype = reports.published_file(PERIOD, "xlsx")
    assert filename.endswith(".xlsx") and content[:2] == b"PK"

    again = reports.build(PERIOD)  # a new draft next to the published one
    assert {r.status for r in db.session.execute(select(TransparencyReport)).scalars()} == {"draft", "published"}
    reports.publish(again.id)
    rows = db.session.execute(select(TransparencyReport)).scalars().all()
    assert [(r.id, r.status) for r in rows] == [(again.id, "published")]


def test_coordinator_generates_with_progress_then_publishes(app, redis_mode, march_2019, login_as):
    client = login_as("koordinator")
    assert 'id="generate-report"' in client.get("/transparencyreportview/list/").get_data(as_text=True)
    response = client.post("/transparencyreportview/generate", data={"period": PERIOD})
    assert response.status_code == 302
    progress_url = response.headers["Location"]
    page = client.get(progress_url).get_data(as_text=True)
    assert 'class="progress-bar' in page and "js/job_progress.js" in page  # Bootstrap 3 bar + our static JS
    assert inline_scripts(page) == []  # strict CSP: the polling lives in app/static/js, not in the page
    state_url = re.search(r'data-state-url="([^"]+)"', page).group(1)
    assert client.get(state_url).get_json() == {"status": "queued", "progress": 0}

    work_in_process(app)
    state = client.get(state_url).get_json()
    assert state["status"] == "finished" and state["progress"] == 100
    show = client.get(state["url"]).get_data(as_text=True)
    assert 'id="publish-report"' in show and 'id="download-csv"' in show
    report = db.session.execute(select(TransparencyReport)).scalar_one()
    assert reports.snapshot(report)["summary"]["received"] == 9
    csv_response = client.get(f"/transparencyreportview/download/{report.id}/csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    xlsx_response = client.get(f"/transparencyreportview/download/{report.id}/xlsx")
    assert xlsx_response.status_code == 200 and xlsx_response.data[:2] == b"PK"

    # publishing asks first: the button opens a confirmation, only the confirmed POST publishes
    confirm = client.get(f"/transparencyreportview/publish/{report.id}")
    assert confirm.status_code == 200 and 'id="confirm-publish"' in confirm.get_data(as_text=True)
    assert "Maret 2019" in confirm.get_data(as_text=True)  # the period as people say it, not "2019-03"
    listed = client.get("/transparencyreportview/list/").get_data(as_text=True)
    assert "Maret 2019" in listed and ">2019-03<" not in listed
    assert client.post(f"/transparencyreportview/publish/{report.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(TransparencyReport, report.id).status == "draft"
    assert client.post(f"/transparencyreportview/publish/{report.id}", data={"confirmed": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(TransparencyReport, report.id).status == "published"
    show = client.get(f"/transparencyreportview/show/{report.id}").get_data(as_text=True)
    assert 'id="publish-report"' not in show and 'id="regenerate-report"' not in show and 'id="unpublish-report"' in show

    # a published report is not generated again behind the public's back: withdraw it first, with a reason
    response = client.post(f"/transparencyreportview/regenerate/{report.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/generate")
    assert client.post(f"/transparencyreportview/unpublish/{report.id}", data={"reason": "salah"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(TransparencyReport, report.id).status == "published"  # too short a reason
    reason = "Data Dinas PUPR bulan ini masih direvisi."
    assert client.post(f"/transparencyreportview/unpublish/{report.id}", data={"reason": reason}).status_code == 302
    db.session.expire_all()
    assert db.session.get(TransparencyReport, report.id).status == "draft"
    show = client.get(f"/transparencyreportview/show/{report.id}").get_data(as_text=True)
    assert reason in show and 'id="regenerate-report"' in show
    from app.models import ReportAudit

    assert [(a.action, a.reason) for a in db.session.execute(select(ReportAudit).order_by(ReportAudit.id)).scalars()] == [
        ("published", None), ("unpublished", reason)]


def test_leadership_reads_reports_and_agencies_do_not_see_them(app, march_2019, login_as):
    report = reports.build(PERIOD)
    client = login_as("pimpinan")
    assert client.get("/transparencyreportview/list/").status_code == 200
    show = client.get(f"/transparencyreportview/show/{report.id}").get_data(as_text=True)
    assert "publish-report" not in show and "regenerate-report" not in show and 'id="download-xlsx"' in show
    assert client.get(f"/transparencyreportview/download/{report.id}/csv").status_code == 200
    for response in (client.post(f"/transparencyreportview/publish/{report.id}", data={"confirmed": "yes"}),
                     client.post(f"/transparencyreportview/unpublish/{report.id}", data={"reason": "x" * 20}),
                     client.post("/transparencyreportview/generate", data={"period": PERIOD}),
                     client.post(f"/transparencyreportview/regenerate/{report.id}")):
        assert denied(response)
    db.session.expire_all()
    assert db.session.get(TransparencyReport, report.id).status == "draft"

    client = login_as("opd_dinkes")
    for url in ("/transparencyreportview/list/", f"/transparencyreportview/show/{report.id}",
                f"/transparencyreportview/download/{report.id}/csv"):
        assert denied(client.get(url))


def test_a_future_month_or_nonsense_is_refused(march_2019, login_as):
    client = login_as("koordinator")
    for period in ("2999-01", "2019-13", "bulan lalu"):
        response = client.post("/transparencyreportview/generate", data={"period": period})
        page = response.get_data(as_text=True)
        # refused on the form itself, the month typed still in its field, and the reason above it
        assert response.status_code == 400 and f'name="period" value="{period}"' in page
        assert 'alert-danger' in page
    assert db.session.execute(select(TransparencyReport)).first() is None
