"""Deadline reminders: one row per (case, clock, level, deadline), unique in the database.

The unique constraint is what makes reminders exactly-once: concurrent sweeps,
retried jobs and restarts all insert with "on conflict do nothing", and only the
sweep whose insert succeeded writes the messages (in the same transaction).
The deadline is part of the key so that a deadline reset by the lifecycle
(re-disposition, reopening, a completed hold) starts a new reminder cycle.
"""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

CLOCKS = ("verification", "first_response", "resolution")
LEVELS = ("due_soon", "overdue", "escalated")


class Reminder(Model):
    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("complaint_id", "clock", "level", "due_at", name="uq_reminder_case_clock_level"),
        Index("ix_reminder_pending_digest", "notified_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False
    )
    complaint = relationship("Complaint")
    clock: Mapped[str] = mapped_column(String(20), nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False)
    # the deadline this reminder is about (naive UTC)
    due_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"), index=True)
    agency = relationship("Agency")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    # when its messages were written (at once, or by the daily digest); NULL = waiting for the digest
    notified_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    recipients: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def __repr__(self):
        return f"{self.clock}/{self.level} #{self.complaint_id}"
