"""The FAB user, extended with the agency a staff member belongs to."""
from typing import Optional

from flask_appbuilder.security.sqla.models import Role, User  # noqa: F401  (Role re-exported)
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship


class LaporUser(User):
    __tablename__ = "ab_user"

    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"), index=True)
    agency = relationship("Agency")
    # raised on logout and on a password change: every session cookie and JWT issued before
    # carries the old number and is refused (app/security.py)
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
