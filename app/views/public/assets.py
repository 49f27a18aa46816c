"""Public pages' delivery: versioned static URLs with long caching, compression, site facts for the layout.

``asset("css/public.css")`` -> ``/static/css/public.css?v=<content hash>``: a changed file gets a
new URL, so versioned files are cached for a year (``immutable``); unversioned ones keep Flask's
short default. Responses are compressed (brotli or gzip, as the browser accepts) by Flask-Compress.
"""
import hashlib
import os

from flask import current_app, has_request_context, request, url_for
from flask_babel import get_locale

YEAR = 365 * 24 * 3600
_urls = {}


def asset(filename):
    folder = current_app.static_folder
    key = (folder, filename, request.script_root if has_request_context() else "")  # the URL: content hash and the app's mount point
    url = _urls.get(key)
    if url is None or current_app.debug:
        try:
            with open(os.path.join(folder, filename), "rb") as handle:
                version = hashlib.sha256(handle.read()).hexdigest()[:10]
        except OSError:
            version = None
        url = _urls[key] = (url_for("static", filename=filename, v=version) if version
                            else url_for("static", filename=filename))
    return url


def _site():
    config = current_app.config
    return {
        "name": config.get("APP_NAME"),
        "installation": config.get("INSTALLATION_NAME"),
        "address": config.get("INSTALLATION_ADDRESS"),
        "phone": config.get("INSTALLATION_PHONE"),
        "email": config.get("INSTALLATION_EMAIL"),
    }


def init_app(app):
    from flask_compress import Compress

    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json",
        "image/svg+xml", "text/csv"])
    Compress(app)

    @app.context_processor
    def _public_layout():
        return {"asset": asset, "site": _site(), "lang_code": str(get_locale() or "id")}

    @app.after_request
    def _long_cache(response):
        if request.path.startswith(app.static_url_path + "/") and request.args.get("v") \
                and response.status_code == 200:
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
            response.expires = None
        return response
