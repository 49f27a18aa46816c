"""Schemathesis over /api/v1/_openapi (the same run as bench/api_fuzz.py, fewer examples):
no server error, every response within the documented schema."""
import threading

import pytest
from sqlalchemy import delete
from werkzeug.serving import make_server

from app.extensions import db
from app.models import LoginEvent, Notification
from bench.api_fuzz import run_schemathesis
from tests.conftest import PASSWORD


@pytest.fixture
def live_api(app, ctx):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    # schemathesis tried many wrong sign-ins from 127.0.0.1: forget them (other tests sign in from there)
    db.session.rollback()
    db.session.execute(delete(LoginEvent))
    db.session.execute(delete(Notification).where(Notification.topic == "login_burst"))
    db.session.commit()


def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, live_api, make_case):
    for status, agency in (("dispatched", "DINKES"), ("resolved", "PUPR"), ("received", None)):
        make_case(status=status, agency=agency)
    with app.test_client() as client:
        token = client.post("/api/v1/security/login", json={"username": "admin", "password": PASSWORD,
                                                             "provider": "db"}).get_json()["access_token"]
    code, figures, output = run_schemathesis(live_api, token, max_examples=8, timeout=600)
    assert figures["server_errors"] == 0 and figures["schema_violations"] == 0, output[-3000:]
    assert code == 0, output[-3000:]
    assert "generated" in figures.get("cases", ""), output[-2000:]
