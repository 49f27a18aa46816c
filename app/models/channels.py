"""Intake channels: API keys (Open311 clients), inbound messages (dedupe + attribution),
and spreadsheet imports (saved column mappings, import batches)."""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.crypto import EncryptedText


class ApiClientKey(Model):
    """A client of the Open311 API. Only a hash of the key is stored; the key is shown once."""

    __tablename__ = "api_client_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    # the channel recorded on cases the client files (e.g. "Aplikasi seluler")
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), nullable=False)
    channel = relationship("Channel")
    # first characters of the key, to recognise it in lists (not enough to use it)
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    rate_limit: Mapped[str] = mapped_column(String(40), nullable=False, default="60 per minute")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    revoked_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    last_used_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    request_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    @property
    def active(self):
        return self.revoked_at is None

    def __repr__(self):
        return self.name


class InboundMessage(Model):
    """One message received by a channel (WhatsApp, SMS, e-mail, Open311, spreadsheet row).

    ``(provider, external_id)`` is unique: a delivery seen before is ignored. The row also
    records what the message did (opened a case, replied on one, asked a status) and, for
    Open311, which API key sent it.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_inbound_message_provider_external"),
        Index("ix_inbound_message_api_key", "api_key_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(40), nullable=False)
    external_id: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # "case", "reply", "status", "ignored", "rejected", "empty" (no text and no file: nothing
    # opened), "unconfirmed" (an e-mail reply whose sender could not be confirmed, opened as a case
    # to review)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, default="case")
    complaint_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    complaint = relationship("Complaint")
    api_key_id: Mapped[Optional[int]] = mapped_column(ForeignKey("api_client_key.id", ondelete="SET NULL"))
    api_key = relationship("ApiClientKey")
    import_batch_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL"), index=True)
    # the public report form: the reply code of the case it opened, encrypted, kept for
    # REPLY_CODE_RESEND_MINUTES so that the browser that sent the form (``sender``: keyed hash of a
    # random key in its session) sees it again when the form is sent again (app.workflow.reply_codes)
    secret: Mapped[Optional[str]] = mapped_column(EncryptedText)
    sender: Mapped[Optional[str]] = mapped_column(String(64))


class ImportMapping(Model):
    """A saved column mapping (spreadsheet column -> case field), reused by later imports."""

    __tablename__ = "import_mapping"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    # JSON: {"field": "column header", ...} plus {"_defaults": {...}}
    mapping: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def __repr__(self):
        return self.name


class ImportBatch(Model):
    """One uploaded spreadsheet: dry run, then the import job with its progress."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    # the uploaded file, stored under UPLOAD_FOLDER/imports with a random name
    stored_name: Mapped[str] = mapped_column(String(80), nullable=False)
    source: Mapped[str] = mapped_column(String(40), nullable=False, default="spreadsheet")
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), nullable=False)
    channel = relationship("Channel")
    mapping: Mapped[str] = mapped_column(Text, nullable=False)
    # uploaded -> checked (dry run) -> queued -> running -> done | failed
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="uploaded")
    total_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    processed_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    existing_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # JSON list of {"row": n, "errors": [...]} (the dry run's or the import's)
    report: Mapped[Optional[str]] = mapped_column(Text)
    job_id: Mapped[Optional[str]] = mapped_column(String(64))
    finished_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
