"""Lighthouse (npm, mobile preset, Debian's Chromium) on the public pages of a demo installation.

    make lighthouse                     # or: .venv/bin/python bench/lighthouse.py [runs]

Builds a throw-away demo installation (SQLite, ~500 cases), serves it with gunicorn (the README's
production server) on a free port, runs Lighthouse ``runs`` times (default 3) per page and prints
the median performance and accessibility scores with the key metrics. The issue's targets for
``/`` and ``/lapor``: accessibility >= 95, performance >= 90. Exits non-zero when a target fails.
"""
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIGHTHOUSE = os.path.join(ROOT, "node_modules", ".bin", "lighthouse")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PAGES = ["/", "/lapor", "/lacak", "/laporan", "/transparansi", "/privasi"]
TARGETS = {"/": (90, 95), "/lapor": (90, 95)}  # (performance, accessibility)
METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift",
           "speed-index"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_installation(folder):
    env = dict(os.environ, INSTANCE_DIR=folder, DATABASE_URL=f"sqlite:///{folder}/lapor.db", FLASK_APP="run.py",
               PYTHONPATH=ROOT)
    env.pop("REDIS_URL", None)
    flask = os.path.join(ROOT, ".venv", "bin", "flask")
    for args in (["db", "upgrade"], ["lapor", "init"], ["lapor", "seed-demo", "--if-empty"]):
        subprocess.run([flask] + args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def serve(env):
    port = free_port()
    gunicorn = os.path.join(ROOT, ".venv", "bin", "gunicorn")
    process = subprocess.Popen([gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "run:app"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=2).read()
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def lighthouse(url, folder):
    out = os.path.join(folder, "report.json")
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    command = [LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={out}",
               "--only-categories=performance,accessibility", "--form-factor=mobile",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    for attempt in range(3):  # Lighthouse's own "run Lighthouse again" errors (e.g. NO_NAVSTART) happen
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode == 0:
            break
        print(f"  Lighthouse failed on {url} ({done.stderr.strip().splitlines()[-1:] or '?'}), again", flush=True)
    else:
        raise RuntimeError(f"Lighthouse failed three times on {url}: {done.stderr[-500:]}")
    with open(out) as handle:
        report = json.load(handle)
    scores = {name: round(category["score"] * 100) for name, category in report["categories"].items()}
    metrics = {m: report["audits"][m]["numericValue"] for m in METRICS}
    failed = sorted(a["id"] for a in report["audits"].values()
                    if a.get("scoreDisplayMode") == "binary" and a.get("score") == 0
                    and a["id"] in {ref["id"] for ref in report["categories"]["accessibility"]["auditRefs"]})
    return scores, metrics, failed


def main(runs=3):
    if not os.path.exists(LIGHTHOUSE):
        sys.exit("Lighthouse is not installed: run `npm ci` (make lighthouse does it)")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        sys.exit("Chromium is not installed (apt-get install chromium)")
    folder = tempfile.mkdtemp(prefix="lapor-lighthouse-")
    process = None
    ok = True
    try:
        process, base = serve(demo_installation(folder))
        print(f"Lighthouse {runs}x per page, mobile preset, median (demo data, gunicorn, {base})")
        print(f"{'page':<14} {'perf':>5} {'a11y':>5} {'FCP ms':>8} {'LCP ms':>8} {'TBT ms':>7} {'CLS':>6} {'SI ms':>7}")
        for page in PAGES:
            results = [lighthouse(base + page, folder) for _ in range(runs)]
            perf = statistics.median(r[0]["performance"] for r in results)
            a11y = statistics.median(r[0]["accessibility"] for r in results)
            m = {k: statistics.median(r[1][k] for r in results) for k in METRICS}
            failed = sorted({audit for r in results for audit in r[2]})
            print(f"{page:<14} {perf:>5.0f} {a11y:>5.0f} {m['first-contentful-paint']:>8.0f} "
                  f"{m['largest-contentful-paint']:>8.0f} {m['total-blocking-time']:>7.0f} "
                  f"{m['cumulative-layout-shift']:>6.3f} {m['speed-index']:>7.0f}"
                  + (f"  failed: {', '.join(failed)}" if failed else ""))
            if page in TARGETS and (perf < TARGETS[page][0] or a11y < TARGETS[page][1]):
                ok = False
                print(f"  below target (performance >= {TARGETS[page][0]}, accessibility >= {TARGETS[page][1]})")
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
