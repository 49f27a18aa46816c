"""Official regions (Kemendagri codes): provinsi -> kabupaten/kota -> kecamatan -> kelurahan/desa."""
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

# level: 1 provinsi, 2 kabupaten/kota, 3 kecamatan (distrik), 4 kelurahan/desa
REGION_KINDS = ("provinsi", "kabupaten", "kota", "kecamatan", "distrik", "kelurahan", "desa", "desa_adat")


class Region(Model):
    """One region of the Kemendagri list, keyed by its dotted code ("32.11.01.2001")."""

    __tablename__ = "region"
    __table_args__ = (Index("ix_region_parent_name", "parent_code", "name"),)

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    parent_code: Mapped[Optional[str]] = mapped_column(ForeignKey("region.code"))
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    # lower case, without "Kec."/"Desa"/punctuation: what free text is matched against
    normalised_name: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    postal_code: Mapped[Optional[str]] = mapped_column(String(5))
    # a representative point (kecamatan outline centroid, when the installation ships one)
    latitude: Mapped[Optional[float]] = mapped_column(Float)
    longitude: Mapped[Optional[float]] = mapped_column(Float)

    parent = relationship("Region", remote_side=[code])

    def __repr__(self):
        if self.level == 4 and self.parent is not None:
            return f"{self.name} (Kec. {self.parent.name})"
        return self.name
