"""Friendly Indonesian error pages; domain errors become messages, never a 500.

Every error page keeps the navigation and renders for anonymous and signed-in users alike,
even when the error happened before Flask-AppBuilder prepared the request (a CSRF failure is
detected first): the page never depends on ``g.user`` having been set. If the page itself
cannot be rendered, a minimal Indonesian page is sent with the same status, never a trace.

An expired or missing form token (CSRF) on a form post gets its own page: it says the page
was open too long and offers to send the same input again with a fresh token (passwords and
files excepted, which a browser must not get back from us).
"""
import logging

from flask import g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape

from app.workflow.errors import DomainError

log = logging.getLogger(__name__)

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
ERROR_FORMATS = "lapor_error_formats"
NOT_RESENT = ("csrf_token", "password", "conf_password", "current_password", "kode", "code", "reply_code")


def _wants_json():
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _ensure_user():
    """FAB's templates read ``g.user``; it is set in FAB's before_request, which an early error skips."""
    if getattr(g, "user", None) is None:
        from flask_login import current_user

        g.user = current_user


def _fallback(code, message):
    return (f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{code}</title></head>'
            f'<body><main><h1>{code}</h1><p>{escape(message)}</p><p><a href="/">Beranda</a></p></main></body></html>',
            code, {"Content-Type": "text/html; charset=utf-8"})


def _machine_format():
    """The error document of a machine interface that registered one for its path prefix
    (``app.extensions["lapor_error_formats"]``, e.g. Open311's ``errors``), else None."""
    from flask import current_app

    for prefix, render in current_app.extensions.get(ERROR_FORMATS, {}).items():
        if request.path.startswith(prefix):
            return render
    return None


def register_error_format(app, prefix, render):
    """Errors under ``prefix`` (also those raised before a view runs: a 405, a refused body, a
    500) are answered by ``render(code, message)`` in that interface's own format."""
    app.extensions.setdefault(ERROR_FORMATS, {})[prefix] = render


def _render(code, message=None, template="error.html", **context):
    message = message or MESSAGES.get(code, MESSAGES[500])()
    machine = _machine_format()
    if machine is not None:
        return machine(code, message)
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
    try:
        _ensure_user()
        return render_template(template, code=code, message=message, appbuilder=current_app.appbuilder,
                               draft_link=draft_link, **context), code
    except Exception:  # the error page must not fail in turn
        log.exception("error page %s could not be rendered", code)
        return _fallback(code, message)


def _resend_fields():
    if request.method != "POST" or request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return None
    return [(k, v) for k, v in request.form.items(multi=True)
            if k not in NOT_RESENT and "password" not in k]


def nul_refused():
    """The answer to input carrying a NUL character (never typed by a person; PostgreSQL refuses
    it): a 400 that says so, and on a form post the same "send again" page as an expired form,
    with what was entered kept (the NUL characters removed)."""
    message = _("The input contains a character that is not allowed.")
    fields = _resend_fields()
    if not fields:
        return _render(400, message)
    fields = [(k.replace("\x00", ""), v.replace("\x00", "")) for k, v in fields]
    return _render(400, message, template="error_csrf.html", fields=fields, had_files=bool(request.files),
                   action=request.full_path.rstrip("?").replace("\x00", ""),
                   heading=_("The input was not accepted"),
                   kept_note=_("What you entered is kept on this page without the characters that are not "
                               "allowed, and will be sent again."))


FORM_PAGES = "lapor_form_pages"


def register_form_page(app, render):
    """A form refused before its view ran (an expired form token, too many requests) may be
    answered by its own page, with the message and what was typed in its boxes:
    ``render(code, message)`` returns that response, or None to leave it to the error page."""
    app.extensions.setdefault(FORM_PAGES, []).append(render)


def _form_page(code, message):
    from flask import current_app

    for render in current_app.extensions.get(FORM_PAGES, []):
        page = render(code, message)
        if page is not None:
            return page
    return None


def register_error_handlers(app):
    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: _render(code))

    @app.errorhandler(429)
    def too_many_requests(exc):
        return _form_page(429, MESSAGES[429]()) or _render(429)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        message = _("The form's security token is not valid: this page was open too long, so its form expired. "
                    "Check what you entered and send it again.")
        page = _form_page(400, message)
        if page is not None:
            return page
        fields = _resend_fields()
        return _render(400, message, template="error_csrf.html", fields=fields, had_files=bool(request.files),
                       action=request.full_path.rstrip("?"))

    @app.errorhandler(DomainError)
    def domain_error(exc):
        return _render(exc.status_code, str(exc.message))
