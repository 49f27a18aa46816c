"""Reference data: categories, channels, holidays and SLA settings."""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

# Report kinds (klasifikasi). Values are stored; labels live in app/labels.py.
KINDS = ("complaint", "aspiration", "information")
HOLIDAY_KINDS = ("national", "collective_leave", "local")


class Category(Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"), index=True)
    parent: Mapped[Optional["Category"]] = relationship("Category", remote_side=[id])
    description: Mapped[Optional[str]] = mapped_column(Text)
    suggested_agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    suggested_agency = relationship("Agency")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self):
        return self.name


class Channel(Model):
    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self):
        return self.name


class Holiday(Model):
    """A day off: national (from the ``holidays`` package), cuti bersama or local."""

    __tablename__ = "holiday"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[datetime.date] = mapped_column(Date, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="national")

    def __repr__(self):
        return f"{self.date.isoformat()} {self.name}"


class SlaSetting(Model):
    """Deadline lengths, in working days, for one report kind (defaults: docs/domain.md)."""

    __tablename__ = "sla_setting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    verify_days: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    first_response_days: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    resolution_days: Mapped[int] = mapped_column(Integer, nullable=False, default=14)
    inspection_resolution_days: Mapped[int] = mapped_column(
        Integer, nullable=False, default=60
    )
    auto_close_days: Mapped[int] = mapped_column(Integer, nullable=False, default=10)

    def __repr__(self):
        return self.kind
