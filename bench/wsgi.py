"""The benchmark's WSGI app: the real portal plus a bare Flask endpoint under the same gunicorn.

    BENCH_DATABASE_URL=postgresql://... gunicorn -w 2 bench.wsgi:app

``/bench/bare`` returns a constant through the same Flask application (same WSGI server, same
process model), so its throughput is the ceiling the public pages are compared with.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app  # noqa: E402

app = create_app({
    "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    # no background sweeps while measuring (the runner times the jobs itself)
    "JOBS_EMBEDDED_AUTOSTART": False,
    # pages measured uncached by default (the floor comparison); BENCH_PUBLIC_CACHE=30 to see the cache
    "PUBLIC_CACHE_SECONDS": int(os.environ.get("BENCH_PUBLIC_CACHE", "0")),
})


@app.route("/bench/bare")
def bare():
    return "ok"
