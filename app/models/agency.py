"""Agencies (instansi / OPD / unit) in a hierarchy: Pemda -> OPD -> UPT/kecamatan/kelurahan."""
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

AGENCY_LEVELS = ("pemda", "opd", "unit")


class Agency(Model):
    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    level: Mapped[str] = mapped_column(String(20), nullable=False, default="opd")
    parent_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("agency.id", ondelete="RESTRICT"), index=True
    )
    parent: Mapped[Optional["Agency"]] = relationship(
        "Agency", remote_side=[id], back_populates="children"
    )
    children: Mapped[list["Agency"]] = relationship("Agency", back_populates="parent")
    email: Mapped[Optional[str]] = mapped_column(String(200))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self):
        return self.name
