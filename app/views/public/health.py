"""GET /health: database and queue state, for monitoring."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.version import __version__
from app.extensions import db

health_bp = Blueprint("health", __name__)


@health_bp.route("/health")
def health():
    database = {"ok": True}
    try:
        db.session.execute(text("SELECT 1"))
        database["dialect"] = db.engine.dialect.name
    except Exception as exc:  # the point of /health is to report this, not to raise
        db.session.rollback()
        database = {"ok": False, "error": exc.__class__.__name__}
    from app.jobs.queue import queue_status

    body = {"status": "ok" if database["ok"] else "error", "version": __version__,
            "database": database, "queue": queue_status(current_app)}
    return jsonify(body), 200 if database["ok"] else 503
