"""UU PDP accountability: who revealed a reporter's personal data, when, and why."""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

# reveal = full contact data unmasked on the staff case page; export = contact data in a file;
# erase = identity erased on request
IDENTITY_ACCESS_PURPOSES = ("reveal", "export", "erase")


class IdentityAccess(Model):
    """One access to a reporter's full identity. Append-only, kept with the case."""

    __tablename__ = "identity_access"
    __table_args__ = (Index("ix_identity_access_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False)
    complaint = relationship("Complaint")
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    user = relationship("LaporUser")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    # request address (who, from where)
    address: Mapped[Optional[str]] = mapped_column(String(64))

    def __repr__(self):
        return f"{self.purpose} #{self.complaint_id}"
