"""Domain errors carry an Indonesian (translatable) message for the user."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused an operation; ``message`` is shown to the user."""

    status_code = 400
    default_message = _l("Operasi tidak diizinkan.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    status_code = 403
    default_message = _l("Anda tidak berwenang melakukan tindakan ini.")


class InvalidTransition(DomainError):
    status_code = 409
    default_message = _l("Tindakan ini tidak dapat dilakukan pada status laporan saat ini.")


class Conflict(DomainError):
    status_code = 409
    default_message = _l(
        "Laporan ini baru saja diubah oleh petugas lain. Muat ulang halaman lalu coba lagi."
    )


class ValidationFailed(DomainError):
    status_code = 400
    default_message = _l("Data yang dikirim tidak valid.")
