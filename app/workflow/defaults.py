"""Installation defaults (docs/domain.md): channels, SLA per kind, national holidays."""
import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Channel, Holiday, SlaSetting
from app.workflow.calendar import invalidate_calendar

CHANNELS = [
    ("web", "Situs web"),
    ("whatsapp", "WhatsApp"),
    ("sms", "SMS 1708"),
    ("phone", "Telepon"),
    ("in_person", "Tatap muka"),
    ("letter", "Surat"),
    ("email", "Email"),
    ("social_media", "Media sosial"),
    ("mobile_app", "Aplikasi seluler"),
    ("sp4n_lapor", "SP4N-LAPOR!"),
]

SLA_DEFAULTS = {
    # kind: verify, first response, resolution, resolution with inspection, auto-close
    "complaint": (3, 5, 14, 60, 10),
    "aspiration": (3, 5, 5, 5, 10),
    "information": (3, 5, 5, 5, 10),
}


def ensure_channels():
    existing = set(db.session.execute(select(Channel.code)).scalars())
    for code, name in CHANNELS:
        if code not in existing:
            db.session.add(Channel(code=code, name=name, active=True))


def ensure_sla_settings():
    existing = set(db.session.execute(select(SlaSetting.kind)).scalars())
    for kind, (verify, first, resolution, inspection, autoclose) in SLA_DEFAULTS.items():
        if kind not in existing:
            db.session.add(SlaSetting(kind=kind, verify_days=verify, first_response_days=first,
                                      resolution_days=resolution, inspection_resolution_days=inspection,
                                      auto_close_days=autoclose))


def load_national_holidays(years):
    """Add Indonesia's national holidays and cuti bersama from the ``holidays`` package.

    Existing dates (including ones staff edited) are left alone. Returns the number added.
    """
    import holidays as holidays_lib

    existing = set(db.session.execute(select(Holiday.date)).scalars())
    added = 0
    for category, kind in (("public", "national"), ("government", "collective_leave")):
        calendar = holidays_lib.country_holidays("ID", years=list(years), categories=(category,), language="id")
        for day, name in sorted(calendar.items()):
            if day in existing:
                continue
            db.session.add(Holiday(date=day, name=name[:200], kind=kind))
            existing.add(day)
            added += 1
    invalidate_calendar()
    return added


def ensure_reference_data(today=None):
    today = today or datetime.date.today()
    ensure_channels()
    ensure_sla_settings()
    load_national_holidays(range(today.year - 1, today.year + 2))
    db.session.flush()
