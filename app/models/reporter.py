"""The reporter (pelapor): personal data, encrypted at rest."""
import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.crypto import (
    EncryptedText,
    blind_index,
    normalise_email,
    normalise_nik,
    normalise_phone,
)


class Reporter(Model):
    __tablename__ = "reporter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[Optional[str]] = mapped_column(EncryptedText)
    phone: Mapped[Optional[str]] = mapped_column(EncryptedText)
    email: Mapped[Optional[str]] = mapped_column(EncryptedText)
    nik: Mapped[Optional[str]] = mapped_column(EncryptedText)
    # keyed blind indexes for exact-match lookups
    email_index: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    phone_index: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    nik_index: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    consent_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    # contact data a channel could not confirm as the writer's (an e-mail reply whose From: may be
    # forged): the portal writes nothing to them (app.workflow.notify), whatever happens to the case
    contact_unconfirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                      server_default=false())
    erased_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    created_at: Mapped[datetime.datetime] = mapped_column(
        DateTime, nullable=False, default=utcnow
    )

    def set_identity(self, name=None, phone=None, email=None, nik=None):
        """Store normalised contact data and refresh the lookup indexes."""
        self.name = (name or "").strip() or None
        self.phone = normalise_phone(phone)
        self.email = normalise_email(email)
        self.nik = normalise_nik(nik)
        self.phone_index = blind_index(self.phone)
        self.email_index = blind_index(self.email)
        self.nik_index = blind_index(self.nik)

    def erase(self, when):
        """Right to erasure: drop identity, keep the cases for statistics."""
        self.set_identity()
        self.erased_at = when

    @staticmethod
    def email_lookup(email):
        return blind_index(normalise_email(email))

    @staticmethod
    def phone_lookup(phone):
        return blind_index(normalise_phone(phone))

    @staticmethod
    def nik_lookup(nik):
        return blind_index(normalise_nik(nik))

    def __repr__(self):
        return f"Pelapor #{self.id}"
