"""Notifications: the outbox of messages to deliver (e-mail, WhatsApp, SMS) and in-app notices.

Outbox rows are written in the same transaction as the case change that caused
them; a job delivers them afterwards (the web request never waits). In-app
notices for staff need no delivery: committing the row delivers it.
"""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.crypto import EncryptedText

OUTBOX_CHANNELS = ("email", "whatsapp", "sms")
# pending -> sending -> sent | pending (retry with backoff) | failed (gave up; admin may retry)
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
# where the secret goes in a stored body
SECRET_MARK = "{reply_code}"


class Outbox(Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    # what the message is about: an event kind ("received", "resolved", ...), "reminder" or "digest"
    topic: Mapped[str] = mapped_column(String(40), nullable=False)
    complaint_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint")
    event_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("complaint_event.id", ondelete="SET NULL"), index=True
    )
    event = relationship("ComplaintEvent")
    reminder_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("reminder.id", ondelete="CASCADE"), index=True
    )
    reminder = relationship("Reminder")
    # reporter recipient: the case's own reporter, or the reporter of a duplicate merged into it
    # (who follows its updates); erasure and cancellation go by this person (None for staff)
    reporter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reporter.id", ondelete="SET NULL"), index=True)
    reporter = relationship("Reporter")
    # staff recipient (None for a reporter)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("LaporUser")
    # e-mail address or phone number; personal data, encrypted at rest
    recipient: Mapped[Optional[str]] = mapped_column(EncryptedText)
    # a secret inserted into the body only when sending (the reporter's private reply
    # code), encrypted at rest and erased once the message is sent
    secret: Mapped[Optional[str]] = mapped_column(EncryptedText)
    subject: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # the provider's id of the inbound message this one answers (WhatsApp threads the reply)
    reply_to: Mapped[Optional[str]] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # a claimed row is reserved for one delivery attempt until this time
    locked_until: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    claim_token: Mapped[Optional[str]] = mapped_column(String(40))
    sent_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    transport: Mapped[Optional[str]] = mapped_column(String(20))
    provider_ref: Mapped[Optional[str]] = mapped_column(String(200))
    last_error: Mapped[Optional[str]] = mapped_column(Text)

    @property
    def idempotency_key(self):
        """Stable across retries: the gateway and the mail headers carry it."""
        return f"lapor-outbox-{self.id}"

    def __repr__(self):
        return f"{self.channel} #{self.id}"


class Notification(Model):
    """An in-app notice for one staff member (shown only to that user)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    complaint_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint")
    topic: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    read_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    def __repr__(self):
        return self.text[:60]
