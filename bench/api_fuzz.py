"""Schemathesis over the REST API's own OpenAPI document: no 5xx, no response outside the schema.

    .venv/bin/python bench/api_fuzz.py            # a scratch SQLite database, 200 examples per operation

Starts the portal on a free port (SQLite scratch file, a small world: agencies, users, cases), signs
in through the JSON JWT login as Admin, and runs ``st run`` against ``/api/v1/_openapi`` with the checks
``not_a_server_error`` and ``response_schema_conformance``. Prints schemathesis' summary and the figures
(operations, generated cases, failures). The test suite runs the same with fewer examples
(tests/views/test_api_fuzz.py).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKS = "not_a_server_error,response_schema_conformance"


def run_schemathesis(base_url, token, max_examples=50, seed=11, workers=1, timeout=900):
    """Run ``st run`` and return (exit code, figures dict, output text)."""
    st = os.path.join(os.path.dirname(sys.executable), "st")
    command = [st, "run", f"{base_url}/api/v1/_openapi", "--checks", CHECKS,
               "-H", f"Authorization: Bearer {token}", "--max-examples", str(max_examples),
               "--seed", str(seed), "--workers", str(workers), "--no-color",
               "--phases", "examples,coverage,fuzzing", "--max-failures", "20"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                            env=dict(os.environ, SCHEMATHESIS_HOOKS="", NO_COLOR="1"))
    output = result.stdout + result.stderr
    return result.returncode, figures(output), output


def figures(output):
    """Operations and test cases as schemathesis' summary states them."""
    found = {}
    for label, key in (("API Operations", "operations"), ("Test cases", "cases"), ("Test Cases", "cases")):
        match = re.search(label + r":\s*(.+)", output)
        if match:
            found[key] = match.group(1).strip()
    found["server_errors"] = len(re.findall(r"Server error", output))
    found["schema_violations"] = len(re.findall(r"Response violates schema", output))
    return found


def main():
    import tempfile
    import threading

    from werkzeug.serving import make_server

    scratch = tempfile.mkdtemp(prefix="lapor-apifuzz-")
    os.environ.setdefault("INSTANCE_DIR", scratch)
    os.environ.setdefault("SECRET_KEY", "api-fuzz-" + "x" * 40)
    sys.path.insert(0, ROOT)
    from app import create_app

    password = "Rahasia-fuzz-2026"
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(scratch, "fuzz.db"),
                      "RATELIMIT_ENABLED": False, "JOBS_EMBEDDED_AUTOSTART": False, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade

        from app.demo import seed_demo
        from app.extensions import appbuilder
        from app.security import sync_roles

        upgrade()
        sync_roles(appbuilder)
        seed_demo(count=int(os.environ.get("FUZZ_CASES", "60")), password=password)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with app.test_client() as client:
        token = client.post("/api/v1/security/login", json={"username": "admin", "password": password,
                                                             "provider": "db"}).get_json()["access_token"]
    code, found, output = run_schemathesis(base, token, max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")))
    report = os.environ.get("FUZZ_REPORT")
    if report:
        with open(report, "w") as fh:
            fh.write(output)
    print(output[-4000:])
    print(f"schemathesis exit={code} operations={found.get('operations')} cases={found.get('cases')} "
          f"server_errors={found['server_errors']} schema_violations={found['schema_violations']}")
    server.shutdown()
    return code


if __name__ == "__main__":
    sys.exit(main())
