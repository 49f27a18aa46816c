"""GET /health: database and queue state, for monitoring."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.version import __version__
from app.extensions import db

health_bp = Blueprint("health", __name__)


def rate_limit_status():
    """Where the rate limits are counted: Redis, or this process's memory (no Redis, or Redis down)."""
    from app.extensions import limiter

    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if not uri.startswith("redis"):
        return {"storage": "memory", "fallback": False}
    if getattr(limiter, "_storage_dead", False):
        return {"storage": "memory", "fallback": True,
                "note": "Redis unreachable: limits counted per process until it returns"}
    return {"storage": "redis", "fallback": False}


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
            "database": database, "queue": queue_status(current_app), "rate_limits": rate_limit_status()}
    return jsonify(body), 200 if database["ok"] else 503
