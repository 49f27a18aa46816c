"""The FAB user, extended with the agency a staff member belongs to."""
from typing import Optional

from flask_appbuilder.security.sqla.models import Role, User  # noqa: F401  (Role re-exported)
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship


class LaporUser(User):
    __tablename__ = "ab_user"

    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"), index=True)
    agency = relationship("Agency")
