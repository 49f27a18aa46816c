"""Application factory: Flask + AppBuilder + Babel + Migrate + Limiter."""
import logging
import os

from flask import Flask

from app.extensions import appbuilder, cache, csrf, db, limiter, migrate

from app.version import __version__  # noqa: F401  (re-exported)

# blueprints whose POSTs come from machines (authenticated by API key or signature), not browsers
CSRF_EXEMPT_BLUEPRINTS = {"open311", "open311_test", "webhooks"}


def create_app(config=None):
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_DIR") or None)
    app.config.from_object("config.Config")
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    from app.passwords import fab_validator

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", fab_validator)
    logging.basicConfig(format="%(asctime)s:%(levelname)s:%(name)s:%(message)s")
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

    _trust_proxies(app)
    db.init_app(app)
    from app import database

    database.init_app(app)
    from app.workflow.calendar import watch_holidays

    watch_holidays()  # the holidays are cached per process: a change drops the copy
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    limiter.init_app(app)
    csrf.init_app(app)
    cache.init_app(app, config=_cache_config(app.config))
    _protect_unsafe_methods(app)
    with app.app_context():
        from app import models  # noqa: F401  (register the models)
        from app.views import register_views
        from app.views.public.index import PublicIndexView

        appbuilder.indexview = PublicIndexView
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
    from app.formatting import register_filters

    from app.labels import KIND_LABELS, SLA_STATE_LABELS, STATUS_LABELS

    @app.context_processor
    def _inject_common():
        return {"appbuilder": appbuilder, "status_labels": STATUS_LABELS, "kind_labels": KIND_LABELS,
                "sla_labels": SLA_STATE_LABELS, "has_endpoint": lambda name: name in app.view_functions,
                "lapor_locale": _locale_code}

    register_filters(app)
    from app.views import navigation

    navigation.init_app(app)
    from app.views.public import assets

    assets.init_app(app)
    from app.cli import lapor_cli

    app.cli.add_command(lapor_cli)
    from app.views.errors import register_error_handlers

    register_error_handlers(app)
    from app.views.guards import register_guards

    register_guards(app)
    from app.views.headers import register_headers

    register_headers(app)
    from app.jobs.schedule import init_app as init_jobs

    init_jobs(app)
    return app


def _trust_proxies(app):
    """Behind nginx/Apache: take the client's address from X-Forwarded-For, but only as many hops
    as ``TRUSTED_PROXIES`` says (0 = not behind a proxy: the header is ignored, anyone could forge it)."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=0, x_prefix=0)


def _locale_code():
    from flask_babel import get_locale

    return str(get_locale() or "id")


def _protect_unsafe_methods(app):
    """CSRF on every state-changing request that carries the session cookie (FAB's list actions,
    deletes, our transition forms, the API used from a browser session), whatever other header
    it sends: an ``Authorization: Bearer`` header never switches it off. A request to the API
    without the session cookie (a JWT client, the JSON login) has no ambient credential a forged
    page could borrow, so it is not checked. Forms of the public portal carry their own token."""
    from flask import request

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def _check_csrf():
        if not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if request.blueprint in CSRF_EXEMPT_BLUEPRINTS:
            return  # machine clients: API keys (Open311) or signed webhooks, never a session cookie
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return
        if request.routing_exception is not None:
            return  # no view answers this method or path: its 405/404 says so, not "your form expired"
        has_session_cookie = app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies
        if request.path.startswith("/api/") and not has_session_cookie:
            return
        csrf.protect()

    @app.before_request
    def _api_arguments_are_objects():
        """A JSON body or a ``q`` argument the API cannot use (unparsable, or not an object) is a
        400 with a message, never FAB's 500."""
        if not request.path.startswith("/api/"):
            return None
        from flask_babel import gettext as _

        if "q" in request.args:
            import prison

            try:
                parsed = prison.loads(request.args["q"])
            except Exception:  # prison raises plain Exceptions on bad syntax
                parsed = None
            if not isinstance(parsed, dict) or any(
                    key in parsed and not (isinstance(parsed[key], int) and 0 <= parsed[key] < 10**9)
                    for key in ("page", "page_size")):
                return {"message": _("The q argument must be a Rison object, e.g. (page:0,page_size:25).")}, 400
        if request.method in ("POST", "PUT", "PATCH") and request.is_json and request.content_length:
            try:
                body = request.get_json(silent=True)
            except RecursionError:  # nested deeper than the parser goes: not an object the API can use
                body = None
            if not isinstance(body, dict):
                return {"message": _("The request body must be a JSON object.")}, 400
        return None


def _cache_config(config):
    """Flask-Caching: one cache shared by every worker on Redis when REDIS_URL is set, else in-process."""
    if config.get("CACHE_TYPE"):
        return {key: value for key, value in config.items() if key.startswith("CACHE_")}
    if config.get("REDIS_URL"):
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config["REDIS_URL"],
                "CACHE_KEY_PREFIX": config.get("CACHE_KEY_PREFIX", "lapor-cache:")}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 500}
