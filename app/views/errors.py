"""Friendly Indonesian error pages; domain errors become messages, never a 500."""
from flask import render_template, request
from flask_babel import gettext as _

from app.workflow.errors import DomainError

MESSAGES = {
    400: lambda: _("Permintaan tidak valid."),
    403: lambda: _("Anda tidak memiliki akses ke halaman ini."),
    404: lambda: _("Halaman atau data yang Anda cari tidak ditemukan."),
    405: lambda: _("Metode permintaan tidak diizinkan."),
    409: lambda: _("Terjadi konflik data. Muat ulang halaman lalu coba lagi."),
    413: lambda: _("Berkas yang dikirim terlalu besar."),
    429: lambda: _("Terlalu banyak permintaan. Silakan coba lagi nanti."),
    500: lambda: _("Terjadi kesalahan pada server. Silakan coba lagi nanti."),
}


def _wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code, message=None):
    message = message or MESSAGES.get(code, MESSAGES[500])()
    if _wants_json():
        return {"message": message}, code
    from flask import current_app

    return render_template("error.html", code=code, message=message,
                           appbuilder=current_app.appbuilder), code


def register_error_handlers(app):
    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: _render(code))

    @app.errorhandler(DomainError)
    def domain_error(exc):
        return _render(exc.status_code, str(exc.message))
