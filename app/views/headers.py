"""Security headers on every response, and the CSP nonce the templates use.

* ``Content-Security-Policy``: scripts only from our own origin or carrying this request's nonce
  (FAB's templates and ours write ``<script nonce="{{ baselib.get_nonce() }}">``); no plugins, no
  framing (``frame-ancestors 'none'``), forms post only to us. Styles may stay inline (FAB's
  templates use ``style=`` attributes), scripts never. ``CSP_IMG_SOURCES`` / ``CSP_CONNECT_SOURCES``
  add hosts (a map tile server on the intranet, for example).
* ``X-Frame-Options: DENY`` for old browsers, ``X-Content-Type-Options: nosniff``.
* ``Referrer-Policy: strict-origin-when-cross-origin``; ``no-referrer`` on the tracking pages, whose
  URL names a case.
* ``Strict-Transport-Security`` when the installation is served over HTTPS
  (``PREFERRED_URL_SCHEME=https``).
A response that already set its own CSP (attachment downloads: ``sandbox``) keeps it.
"""
import secrets

from flask import g, request

NO_REFERRER_PREFIXES = ("/lacak",)


def csp_nonce():
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(app, nonce):
    extra_img = app.config.get("CSP_IMG_SOURCES", "").strip()
    extra_connect = app.config.get("CSP_CONNECT_SOURCES", "").strip()
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        ("img-src 'self' data: blob: " + extra_img).strip(),
        "font-src 'self' data:",
        ("connect-src 'self' " + extra_connect).strip(),
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def register_headers(app):
    # a global, not a context variable: FAB's macros are imported without the context
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = content_security_policy(app, csp_nonce())
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.path.startswith(NO_REFERRER_PREFIXES):
            headers["Referrer-Policy"] = "no-referrer"
        else:
            headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        if app.config.get("PREFERRED_URL_SCHEME") == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
