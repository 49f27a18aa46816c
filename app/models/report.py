"""Monthly transparency reports: a snapshot of the KPIs plus its CSV and XLSX files.

At most one draft and one published report per period (unique in the database):
re-running a period replaces its draft; publishing replaces the published one.
The files live in the database so that web servers and workers on different
hosts see the same thing.
"""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

REPORT_STATUSES = ("draft", "published")


class TransparencyReport(Model):
    __tablename__ = "transparency_report"
    __table_args__ = (UniqueConstraint("period", "status", name="uq_transparency_report_period_status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)  # "YYYY-MM"
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft")
    generated_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    generated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    generated_by = relationship("LaporUser", foreign_keys=[generated_by_id])
    published_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    published_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    published_by = relationship("LaporUser", foreign_keys=[published_by_id])
    # the KPI snapshot as JSON
    data: Mapped[str] = mapped_column(Text, nullable=False)
    csv_file: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    xlsx_file: Mapped[bytes] = mapped_column(LargeBinary, nullable=False, deferred=True)
    # the printable report (fpdf2); empty for reports built before PDFs existed
    pdf_file: Mapped[Optional[bytes]] = mapped_column(LargeBinary, deferred=True)

    def __repr__(self):
        return f"{self.period} ({self.status})"


class ReportAudit(Model):
    """Who published or withdrew a transparency report, when and why (kept when the report goes)."""

    __tablename__ = "report_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # "published" | "unpublished"
    reason: Mapped[Optional[str]] = mapped_column(Text)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    user = relationship("LaporUser")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def __repr__(self):
        return f"{self.period} {self.action}"
