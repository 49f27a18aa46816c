"""Queue connection: Redis when REDIS_URL is set, otherwise embedded (in-process)."""
import redis


def redis_connection(app):
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = app.extensions.get("lapor_redis")
    if conn is None:
        conn = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        app.extensions["lapor_redis"] = conn
    return conn


def queue_status(app):
    conn = redis_connection(app)
    if conn is None:
        return {"mode": "embedded", "ok": True}
    try:
        conn.ping()
        return {"mode": "redis", "ok": True}
    except redis.RedisError as exc:
        return {"mode": "redis", "ok": False, "error": exc.__class__.__name__}
