"""Runs claimed by the scheduler: one row per (periodic job, period), unique in the database.

Two schedulers (a misconfigured second process, or several embedded ones under
gunicorn) race for the same row; only the one whose insert succeeds enqueues.
"""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow


class JobRun(Model):
    __tablename__ = "job_run"
    __table_args__ = (UniqueConstraint("name", "period_key", name="uq_job_run_name_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    period_key: Mapped[str] = mapped_column(String(40), nullable=False)
    claimed_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    job_id: Mapped[Optional[str]] = mapped_column(String(64))

    def __repr__(self):
        return f"{self.name} {self.period_key}"
