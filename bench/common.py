"""What every benchmark in bench/ shares: a scratch database, and medians and percentiles of timings."""
import collections
import statistics
import time

Timing = collections.namedtuple("Timing", "median p95 worst")


def ensure_database(url):
    """Create the PostgreSQL database of ``url`` when it does not exist (SQLite files create themselves)."""
    if not url.startswith("postgresql"):
        return
    import psycopg2

    base, name = url.replace("postgresql+psycopg2://", "postgresql://").rsplit("/", 1)
    conn = psycopg2.connect(base + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn, repeat):
    """Run ``fn`` ``repeat`` times: median, 95th percentile and worst wall time in seconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return Timing(statistics.median(times), percentile(times, 95), max(times))
