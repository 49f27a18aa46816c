"""Hotspot alerts: a significant rise of one category in one kecamatan, or a new cluster of cases."""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow

HOTSPOT_KINDS = ("rise", "cluster")


class HotspotAlert(Model):
    __tablename__ = "hotspot_alert"
    __table_args__ = (
        Index("ix_hotspot_alert_open", "acknowledged_at", "created_at"),
        Index("ix_hotspot_alert_key", "kind", "category_id", "district_code", "window_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"))
    category = relationship("Category")
    district_code: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"))
    district = relationship("Region")
    window_start: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    window_end: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    case_count: Mapped[int] = mapped_column(Integer, nullable=False)
    # expected cases in the window (the baseline's weekly mean) and the count that was significant
    baseline: Mapped[Optional[float]] = mapped_column(Float)
    threshold: Mapped[Optional[int]] = mapped_column(Integer)
    # clusters: centre and radius
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)
    radius_m: Mapped[Optional[int]] = mapped_column(Integer)
    case_ids: Mapped[Optional[str]] = mapped_column(Text)  # comma-separated ids of the cases concerned
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    acknowledged_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    acknowledged_by = relationship("LaporUser")
    action_taken: Mapped[Optional[str]] = mapped_column(Text)
    digest_sent_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    def __repr__(self):
        return f"{self.kind} {self.window_end:%Y-%m-%d}"
