"""Login history: every staff sign-in attempt (success or failure).

Feeds the security log (brute-force protection, the admin's view of attempts) and
the *keaktifan* KPI (agencies whose officers signed in during a period).
"""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow


class LoginEvent(Model):
    __tablename__ = "login_event"
    __table_args__ = (
        Index("ix_login_event_user_time", "user_id", "created_at"),
        Index("ix_login_event_username_time", "username", "created_at"),
        Index("ix_login_event_address_time", "address", "created_at"),
        Index("ix_login_event_time", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # the account, when the name matched one (failures for unknown names keep only the name)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id", ondelete="SET NULL"))
    user = relationship("LaporUser")
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    # "web" (login form) or "api" (JWT login)
    method: Mapped[str] = mapped_column(String(10), nullable=False, default="web")
    address: Mapped[Optional[str]] = mapped_column(String(64))

    def __repr__(self):
        return f"{self.username} @ {self.created_at:%Y-%m-%d %H:%M}"
