"""The scheduler: each period of each periodic job is queued once, however many schedulers run."""
import datetime

import pytest
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.jobs import schedule
from app.models import JobRun
from app.workflow.calendar import current_calendar
from tests.jobs.conftest import rq_queue
from tests.workflow.test_reminders import _concurrent


def test_two_schedulers_enqueue_each_period_once(app, redis_mode):
    now = utcnow()
    results = _concurrent(3, lambda: schedule.tick(now=now))
    names = sorted(name for result in results for name in result)
    expected = sorted(job.name for job, _key, _args in schedule.due_periods(now))
    assert names == expected and len(names) == len(set(names))
    assert rq_queue(app).count == len(expected)
    assert db.session.execute(select(func.count()).select_from(JobRun)).scalar() == len(expected)
    assert schedule.tick(now=now) == []  # the same periods are never enqueued again


@pytest.mark.parametrize("local_time,expected", [
    ("2026-12-01 00:30", None),
    ("2026-12-01 01:00", "2026-11"),
    ("2026-12-15 09:00", "2026-11"),
    ("2027-01-01 01:05", "2026-12"),
])
def test_monthly_report_is_due_from_the_first_at_one_local_time(jobs, local_time, expected):
    cal = current_calendar()
    local = datetime.datetime.strptime(local_time, "%Y-%m-%d %H:%M").replace(tzinfo=cal.tz)
    due = {job.name: args for job, _key, args in schedule.due_periods(cal.to_utc(local))}
    assert due.get("monthly_report") == ((expected,) if expected else None)
