"""Friendly Indonesian error pages; domain errors become messages, never a 500."""
from flask import render_template, request
from flask_babel import gettext as _

from app.workflow.errors import DomainError

MESSAGES = {
    400: lambda: _("Invalid request."),
    403: lambda: _("You do not have access to this page."),
    404: lambda: _("The page or data you are looking for was not found."),
    405: lambda: _("Request method not allowed."),
    409: lambda: _("A data conflict occurred. Reload the page and try again."),
    413: lambda: _("The uploaded file is too large."),
    429: lambda: _("Too many requests. Please try again later."),
    500: lambda: _("A server error occurred. Please try again later."),
}


def _wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(code, message=None):
    message = message or MESSAGES.get(code, MESSAGES[500])()
    if _wants_json():
        return {"message": message}, code
    from flask import current_app

    draft_link = None
    if code == 413 and request.path.rstrip("/") == "/lapor":
        # the body was refused before it was read; the form keeps the typed text in the browser tab
        limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        message = _("The files you chose are together larger than %(size)d MB, so the report was not sent. "
                    "What you typed is kept: go back, choose fewer or smaller photos, and send again.", size=limit)
        from flask import url_for

        draft_link = url_for("public.submit")
    return render_template("error.html", code=code, message=message, draft_link=draft_link,
                           appbuilder=current_app.appbuilder), code


def register_error_handlers(app):
    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: _render(code))

    @app.errorhandler(DomainError)
    def domain_error(exc):
        return _render(exc.status_code, str(exc.message))
