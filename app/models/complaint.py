"""The case (laporan), its append-only timeline and its attachments."""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy import event, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

STATUSES = (
    "received",      # Belum terverifikasi
    "on_hold",       # Tertunda (waiting for the reporter; SLA paused)
    "archived",      # Diarsipkan (not eligible)
    "forwarded",     # Dilimpahkan (outside this government's authority)
    "dispatched",    # Terdisposisi / belum ditindaklanjuti
    "in_progress",   # Proses
    "resolved",      # Selesai ditindaklanjuti
    "closed",        # Selesai
)
OPEN_STATUSES = ("received", "on_hold", "dispatched", "in_progress", "resolved")


# PostgreSQL only (pg_trgm); index name -> column
TEXT_SEARCH_INDEXES = {"ix_complaint_title_trgm": "title", "ix_complaint_description_trgm": "description"}


def autogenerate_filter(dialect_name):
    """Alembic's ``include_object`` for a database of ``dialect_name``: the PostgreSQL-only
    indexes are not expected (nor proposed) elsewhere."""
    def include(obj, name, type_, reflected, compare_to):
        return not (type_ == "index" and name in TEXT_SEARCH_INDEXES and dialect_name != "postgresql")
    return include


class Complaint(Model):
    __tablename__ = "complaint"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="ck_complaint_rating"),
        # lists are sorted by time and paged by keyset (received_at, id): every filter of every
        # role leads an index that ends with the time, so a page reads ~20 index entries
        Index("ix_complaint_received_at", "received_at", "id"),
        Index("ix_complaint_status_time", "status", "received_at", "id"),
        Index("ix_complaint_agency_time", "agency_id", "received_at"),
        Index("ix_complaint_agency_status", "agency_id", "status", "received_at"),  # OPD scope + status + time
        Index("ix_complaint_agency_kind", "agency_id", "kind", "received_at"),  # OPD scope + kind + time
        Index("ix_complaint_category_time", "category_id", "received_at"),
        Index("ix_complaint_channel_time", "channel_id", "received_at"),
        Index("ix_complaint_district_time", "district", "received_at"),
        Index("ix_complaint_kind_time", "kind", "received_at"),
        # the reminder sweep reads only the running clock of each state (partial indexes)
        *[Index(f"ix_complaint_due_{column}", column,
                postgresql_where=text(f"status = '{status}'"), sqlite_where=text(f"status = '{status}'"))
          for status, column in (("received", "verification_due"), ("dispatched", "first_response_due"),
                                 ("in_progress", "resolution_due"), ("resolved", "auto_close_due"))],
        # hotspots and duplicate suggestions: one category in one kecamatan over a window
        Index("ix_complaint_category_district_received", "category_id", "district_code", "received_at"),
        # duplicate suggestions in one kelurahan/desa
        Index("ix_complaint_region_category_received", "region_code", "category_id", "received_at"),
        # the public list filtered by kecamatan (code), paged by time
        Index("ix_complaint_district_code_time", "district_code", "received_at"),
        # the public map: the newest cases that have a point (partial: most cases have none)
        Index("ix_complaint_mapped_time", "received_at",
              postgresql_where=text("latitude IS NOT NULL"), sqlite_where=text("latitude IS NOT NULL")),
        # the public search (/laporan?q=, "contains" in title or description): trigram indexes
        # (PostgreSQL's pg_trgm) find a rare word without reading the table; none on SQLite
        *[Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})
          .ddl_if(dialect="postgresql") for name, column in TEXT_SEARCH_INDEXES.items()],
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    # hash of the reporter's private reply code (never stored in plain text)
    reply_code_hash: Mapped[Optional[str]] = mapped_column(String(128))
    # wrong reply codes tried on this case since the code was issued; locked after N
    reply_code_failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    reply_code_locked_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="complaint")
    needs_inspection: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"))
    category = relationship("Category")
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"), nullable=False)
    channel = relationship("Channel")
    address: Mapped[Optional[str]] = mapped_column(String(300))
    district: Mapped[Optional[str]] = mapped_column(String(100))  # kecamatan (name)
    village: Mapped[Optional[str]] = mapped_column(String(100))  # kelurahan/desa (name)
    # the official place: kelurahan/desa and its kecamatan (Kemendagri codes); district/village
    # above then hold their names, or the free text that could not be matched yet
    region_code: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"))
    region = relationship("Region", foreign_keys=[region_code])
    district_code: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"))
    district_region = relationship("Region", foreign_keys=[district_code])
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    incident_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    reporter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reporter.id"), index=True)
    reporter = relationship("Reporter")
    is_anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # the reporter explicitly chose to show their name on the public pages (off by default)
    show_reporter_name: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                     server_default=false())
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="received")
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    agency = relationship("Agency", foreign_keys=[agency_id])
    # agency the reporter suggested (optional)
    target_agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    target_agency = relationship("Agency", foreign_keys=[target_agency_id])
    forwarded_to: Mapped[Optional[str]] = mapped_column(String(200))
    # a link to a photo given by an Open311 client: shown to staff, never fetched by the server
    media_url: Mapped[Optional[str]] = mapped_column(String(500))
    archive_reason: Mapped[Optional[str]] = mapped_column(String(40))
    # duplicates: a merged child points at its parent; the parent counts its merged children
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaint.id"), index=True)
    parent = relationship("Complaint", remote_side=[id], foreign_keys=[parent_id])
    merged_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    status_before_merge: Mapped[Optional[str]] = mapped_column(String(20))
    duplicate_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    # milestones (naive UTC)
    received_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    verified_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    dispatched_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    first_response_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    resolved_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    closed_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    on_hold_since: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    # deadlines (indexed so that sweeps touch only what is due)
    verification_due: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, index=True)
    first_response_due: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, index=True)
    resolution_due: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, index=True)
    auto_close_due: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, index=True)

    rating: Mapped[Optional[int]] = mapped_column(Integer)
    feedback: Mapped[Optional[str]] = mapped_column(Text)

    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    events = relationship(
        "ComplaintEvent",
        back_populates="complaint",
        order_by="ComplaintEvent.id",
        lazy="select",
        viewonly=False,
    )
    attachments = relationship(
        "Attachment",
        back_populates="complaint",
        primaryjoin="Complaint.id == Attachment.complaint_id",
        order_by="Attachment.id",
    )

    __mapper_args__ = {"version_id_col": version}

    def sla(self):
        """The row itself: lets list/show formatters compute the SLA badge from the whole case."""
        return self

    def __repr__(self):
        return self.tracking_number or "-"


class ComplaintEvent(Model):
    """One entry of a case's timeline. Append-only: never edited or deleted."""

    __tablename__ = "complaint_event"
    __table_args__ = (Index("ix_complaint_event_complaint", "complaint_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False
    )
    complaint = relationship("Complaint", back_populates="events")
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    actor = relationship("LaporUser", foreign_keys=[actor_id])
    # "staff", "reporter" or "system" (the actor is None for the last two)
    actor_kind: Mapped[str] = mapped_column(String(20), nullable=False, default="staff")
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    from_status: Mapped[Optional[str]] = mapped_column(String(20))
    to_status: Mapped[Optional[str]] = mapped_column(String(20))
    from_agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    from_agency = relationship("Agency", foreign_keys=[from_agency_id])
    to_agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    to_agency = relationship("Agency", foreign_keys=[to_agency_id])
    public_text: Mapped[Optional[str]] = mapped_column(Text)
    internal_note: Mapped[Optional[str]] = mapped_column(Text)
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # field edits: {"field": [before, after]} serialised as JSON text
    changes: Mapped[Optional[str]] = mapped_column(Text)

    def __repr__(self):
        return f"{self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class Attachment(Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), nullable=False, index=True
    )
    complaint = relationship("Complaint", back_populates="attachments")
    event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaint_event.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # a file staff attach to a follow-up appears on the public timeline only when marked public
    is_public: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    def __repr__(self):
        # never the original name: it may carry the reporter's identity (see workflow/attachments)
        return f"lampiran-{self.id}"


@event.listens_for(ComplaintEvent, "before_update")
def _events_are_append_only(mapper, connection, target):
    raise PermissionError("complaint events are append-only")


@event.listens_for(ComplaintEvent, "before_delete")
def _events_are_never_deleted(mapper, connection, target):
    raise PermissionError("complaint events are append-only")
