"""Indonesian labels for stored codes (statuses, kinds, ...), shared by screens and exports."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "received": _l("Belum terverifikasi"),
    "on_hold": _l("Tertunda"),
    "archived": _l("Diarsipkan"),
    "forwarded": _l("Dilimpahkan"),
    "dispatched": _l("Terdisposisi"),
    "in_progress": _l("Proses"),
    "resolved": _l("Selesai ditindaklanjuti"),
    "closed": _l("Selesai"),
}

KIND_LABELS = {
    "complaint": _l("Pengaduan"),
    "aspiration": _l("Aspirasi"),
    "information": _l("Permintaan informasi"),
}

HOLIDAY_KIND_LABELS = {
    "national": _l("Libur nasional"),
    "collective_leave": _l("Cuti bersama"),
    "local": _l("Libur daerah"),
}

AGENCY_LEVEL_LABELS = {
    "pemda": _l("Pemerintah daerah"),
    "opd": _l("Perangkat daerah (OPD)"),
    "unit": _l("Unit (UPT / kecamatan / kelurahan)"),
}

SLA_STATE_LABELS = {
    "on_time": _l("Tepat waktu"),
    "due_soon": _l("Segera jatuh tempo"),
    "overdue": _l("Terlambat"),
    "paused": _l("Dijeda"),
    "none": _l("-"),
}


def label(mapping, code):
    return mapping.get(code, code) if code is not None else ""


def choices(mapping):
    return [(code, text) for code, text in mapping.items()]
