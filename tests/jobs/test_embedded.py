"""Embedded mode end to end: the `make run` configuration (no REDIS_URL) starts its own worker and
scheduler threads on the first request, sends a due reminder and builds a report."""
import datetime
import re

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.jobs import embedded
from app.models import TransparencyReport
from app import reports
from tests.jobs.conftest import config_values, set_deadline, wait_until


def test_embedded_mode_sends_a_due_reminder_and_builds_a_report(app, jobs, smtp_server, make_case, login_as):
    assert not app.config.get("REDIS_URL") and embedded.current() is None
    case = make_case(agency="DINKES", status="dispatched", reporter=False)
    set_deadline(case.id, first_response_due=utcnow() + datetime.timedelta(hours=1))
    try:
        with config_values(app, JOBS_EMBEDDED_AUTOSTART=True, JOBS_SCHEDULER_TICK_SECONDS=0.2):
            coordinator = login_as("koordinator")  # the first request starts the threads, once
            runtime = embedded.current()
            assert runtime is not None and runtime.running
            coordinator.get("/dasbor/")
            assert embedded.current() is runtime

            # the scheduler thread queues the reminder sweep, the worker thread writes the
            # reminder and delivers its e-mail over SMTP
            wait_until(lambda: smtp_server.to("opd_dinkes@uji.go.id"), timeout=20, message="the reminder e-mail")
            (mail,) = smtp_server.to("opd_dinkes@uji.go.id")
            assert case.tracking_number in mail["subject"]
            health = coordinator.get("/health").get_json()["queue"]
            assert health["mode"] == "embedded" and health["running"] is True and health["workers"] == 1

            # a report on demand, followed through its progress
            period = reports.previous_period()
            response = coordinator.post("/transparencyreportview/generate", data={"period": period})
            page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
            state_url = re.search(r'data-state-url="([^"]+)"', page).group(1)
            wait_until(lambda: coordinator.get(state_url).get_json()["status"] == "finished", timeout=20,
                       message="the report job")
            state = coordinator.get(state_url).get_json()
            assert state["progress"] == 100
            assert coordinator.get(state["url"]).status_code == 200
            db.session.rollback()
            report = db.session.execute(select(TransparencyReport).where(
                TransparencyReport.period == period, TransparencyReport.status == "draft")).scalar_one()
            assert report.csv_file and report.xlsx_file[:2] == b"PK"
    finally:
        embedded.stop()
    assert embedded.current() is None
