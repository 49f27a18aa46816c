"""Staff case exports produced in the background: the file, its owner and its expiry.

A big export (see ``EXPORT_SYNC_MAX_ROWS``) is built by a job over a server-side
cursor; the finished file lives in the database (web servers and workers may be on
different hosts) as chunks of ``CHUNK_BYTES`` (``CaseExportChunk``: written and read one
chunk at a time, so a million-row file never sits in memory whole) until ``expires_at``, and only its owner may download it, through
a link carrying a random token. A job that dies leaves the row ``failed``, never a
partial file marked ready.
"""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

EXPORT_STATUSES = ("queued", "running", "ready", "failed")
EXPORT_FORMATS = ("xlsx", "csv")


class CaseExport(Model):
    __tablename__ = "case_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True)
    user = relationship("LaporUser")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    fmt: Mapped[str] = mapped_column(String(10), nullable=False)
    # the screen (view class name) and its list arguments (filters, order) as JSON
    view_name: Mapped[str] = mapped_column(String(80), nullable=False)
    arguments: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="queued")
    job_id: Mapped[Optional[str]] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    row_count: Mapped[Optional[int]] = mapped_column(Integer)
    finished_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    expires_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, index=True)
    filename: Mapped[Optional[str]] = mapped_column(String(120))
    error: Mapped[Optional[str]] = mapped_column(Text)
    size: Mapped[Optional[int]] = mapped_column(Integer)  # bytes of the finished file
    # an export with full contact data (UU PDP): the reason given and the request's address,
    # written to the access log for each unmasked case when the file is made; None = masked
    contact_reason: Mapped[Optional[str]] = mapped_column(Text)
    contact_address: Mapped[Optional[str]] = mapped_column(String(64))

    def __repr__(self):
        return f"{self.fmt} #{self.id}"


CHUNK_BYTES = 1024 * 1024


class CaseExportChunk(Model):
    """One piece of a finished export file, in order (``seq`` from 0)."""
    __tablename__ = "case_export_chunk"
    __table_args__ = (UniqueConstraint("export_id", "seq", name="uq_case_export_chunk_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("case_export.id", ondelete="CASCADE"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
