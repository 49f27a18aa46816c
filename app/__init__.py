"""Application factory: Flask + AppBuilder + Babel + Migrate + Limiter."""
import logging
import os

from flask import Flask

from app.extensions import appbuilder, csrf, db, limiter, migrate

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
    logging.basicConfig(format="%(asctime)s:%(levelname)s:%(name)s:%(message)s")
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    limiter.init_app(app)
    csrf.init_app(app)
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
    from app.views.public import assets

    assets.init_app(app)
    from app.cli import lapor_cli

    app.cli.add_command(lapor_cli)
    from app.views.errors import register_error_handlers

    register_error_handlers(app)
    from app.views.guards import register_guards

    register_guards(app)
    from app.jobs.schedule import init_app as init_jobs

    init_jobs(app)
    return app


def _locale_code():
    from flask_babel import get_locale

    return str(get_locale() or "id")


def _protect_unsafe_methods(app):
    """CSRF on every state-changing request from a browser session (FAB's list actions,
    deletes, our transition forms, the API used with a session cookie). API clients that
    authenticate with a bearer token are not cookie-based and are exempt."""
    from flask import request

    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.before_request
    def _check_csrf():
        if not app.config.get("WTF_CSRF_ENABLED", True):
            return
        if request.blueprint in CSRF_EXEMPT_BLUEPRINTS:
            return  # machine clients: API keys (Open311) or signed webhooks, never a session cookie
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.headers.get(
            "Authorization", ""
        ).startswith("Bearer "):
            csrf.protect()
