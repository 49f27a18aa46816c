"""Database connections (app/database.py): public pages read without a transaction, and pooled
connections are checked only when they may have gone stale."""
import contextlib

import pytest
from sqlalchemy import event, text

pytestmark = pytest.mark.postgres_only


def visit(url):
    """A visitor's GET of ``url`` on its own thread, application context and test client: its
    request gets a database session of its own, as in production (the tests' own context and
    client would otherwise share theirs with it)."""
    import threading

    from flask import current_app

    app = current_app._get_current_object()
    result = {}

    def run():
        try:
            with app.app_context():
                result["response"] = app.test_client().get(url)
        except BaseException as error:  # noqa: B902  (raised again in the test's thread)
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["response"]


def statements_of(app, do):
    """(autocommit flag of the driver connection, driver connection) for every statement ``do`` sends."""
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        driver = conn.connection.dbapi_connection
        seen.append((driver.autocommit, driver))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        do()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return seen


@contextlib.contextmanager
def checkouts(engine):
    """The pool records of the connections checked out from ``engine`` meanwhile."""
    records = []
    listener = lambda dbapi_connection, record, proxy: records.append(record)  # noqa: E731
    event.listen(engine, "checkout", listener)
    try:
        yield records
    finally:
        event.remove(engine, "checkout", listener)


def test_public_case_pages_read_without_begin_and_rollback(app, make_case):
    case = make_case(status="dispatched", agency="DINKES", title="Lampu jalan padam di simpang tiga")
    for url in (f"/laporan/{case.tracking_number}", f"/lacak/{case.tracking_number}", "/laporan",
                "/transparansi"):
        seen = statements_of(app, lambda: visit(url))
        assert seen, url
        assert all(autocommit for autocommit, _driver in seen), url  # no BEGIN ... ROLLBACK round trips
        # the connection goes back to the pool transactional: the next request's writes are atomic
        assert all(driver.autocommit is False for _flag, driver in seen), url


def test_a_write_after_a_public_page_is_still_one_transaction(app, make_case, world):
    from app.extensions import db
    from app.models import Complaint

    case = make_case(status="dispatched", agency="DINKES")
    url = f"/laporan/{case.tracking_number}"
    visit(url)
    with app.app_context():
        db.session.execute(text("UPDATE complaint SET title = 'diubah' WHERE id = :id"), {"id": case.id})
        db.session.rollback()
        assert db.session.get(Complaint, case.id).title != "diubah"


def test_a_connection_in_use_is_not_pinged_but_one_idle_too_long_is(app, make_case):
    from app import database
    from app.extensions import db

    case = make_case(status="dispatched", agency="DINKES")
    url = f"/laporan/{case.tracking_number}"
    visit(url)
    with app.app_context():
        engine = db.engine
    with checkouts(engine) as records:
        pings = lambda: sum(r.info.get("lapor_pings", 0) for r in set(records))  # noqa: E731
        for _ in range(3):
            assert visit(url).status_code == 200
        assert records and pings() == 0  # returned to the pool moments ago: no SELECT 1 round trip

        for record in set(records):  # as if it had waited in the pool longer than the setting
            record.info[database._RETURNED] -= app.config["DATABASE_PING_IDLE_SECONDS"] + 1
        assert visit(url).status_code == 200
        assert pings() == 1


def test_connections_dropped_while_idle_are_replaced_before_a_request_uses_them(app, make_case):
    """The server restarted or a firewall cut the pooled connections: the visitor still gets the page."""
    import psycopg2

    from app import database
    from app.extensions import db

    case = make_case(status="dispatched", agency="DINKES")
    url = f"/laporan/{case.tracking_number}"
    db.session.commit()
    with app.app_context():
        engine = db.engine
    with checkouts(engine) as records:
        idle = []  # every connection waiting in the pool
        while engine.pool.checkedin():
            idle.append(engine.connect())
        pids = [connection.execute(text("SELECT pg_backend_pid()")).scalar() for connection in idle]
        for connection in idle:
            connection.close()
        assert pids
        killer = psycopg2.connect(engine.url.render_as_string(hide_password=False))
        killer.autocommit = True
        for pid in pids:
            killer.cursor().execute("SELECT pg_terminate_backend(%s)", (pid,))
        killer.close()
        for record in set(records):  # ... after they waited in the pool longer than the setting
            record.info[database._RETURNED] -= app.config["DATABASE_PING_IDLE_SECONDS"] + 1

        response = visit(url)
        assert response.status_code == 200
        assert case.tracking_number in response.get_data(as_text=True)
