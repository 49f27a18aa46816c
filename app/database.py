"""Database connections: checked only when they may have gone stale, and plain reads without a
transaction.

A pooled PostgreSQL connection can die while it waits in the pool (the server restarted, a
firewall dropped it). SQLAlchemy's ``pool_pre_ping`` guards against that by sending ``SELECT 1``
on every checkout: one extra round trip (two, with psycopg2's ``BEGIN``) on every request, even
when the connection was in use a millisecond ago. Here a connection is pinged only when it has
been idle in the pool longer than ``DATABASE_PING_IDLE_SECONDS``; a dead one is replaced before
the request sees it, exactly as with ``pool_pre_ping``. A connection in constant use cannot have
gone stale without the request that used it last noticing (SQLAlchemy then invalidates the pool).

:func:`reads_only` lets a public page that only reads run its statements in autocommit mode: no
``BEGIN`` and no ``ROLLBACK`` round trips around them.
"""
import functools
import time

from sqlalchemy import event, exc

from app.extensions import db

_RETURNED = "lapor_returned_at"


def init_app(app):
    idle = float(app.config.get("DATABASE_PING_IDLE_SECONDS", 10))
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            continue  # a file, not a server: nothing can drop the connection
        _ping_when_idle(engine, idle)
    if not getattr(db, "_lapor_autocommit_hook", False):  # one listener for every app of the process
        event.listen(db.session, "after_begin", _autocommit_if_asked)
        db._lapor_autocommit_hook = True


def _ping_when_idle(engine, idle):
    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record):
        record.info[_RETURNED] = time.monotonic()
        if dbapi_connection is not None and getattr(dbapi_connection, "autocommit", False):
            dbapi_connection.autocommit = False  # set by read_outside_transaction for one request

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, proxy):
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned < idle:
            return  # new (just connected) or in use moments ago
        record.info["lapor_pings"] = record.info.get("lapor_pings", 0) + 1
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # no transaction left open by the check
        except Exception as error:
            # the pool discards this connection and checks out (or opens) another
            raise exc.DisconnectionError(f"stale pooled connection: {error}") from error


def read_outside_transaction():
    """Run this request's statements in autocommit mode (PostgreSQL), when nothing has been read
    or written in it yet: a page that only reads needs no ``BEGIN``/``ROLLBACK`` around them.

    Lazy: nothing is checked out here (a page served from the page cache may need no statement
    at all); when the request's session first takes a connection (:func:`_autocommit_if_asked`),
    the driver's own switch is set on it (a flag on the client side) rather than SQLAlchemy's
    ``isolation_level`` option, which sends ``SET default_transaction_isolation`` when the
    connection goes back to the pool; the pool's ``checkin`` hook turns the switch off again."""
    from flask import g

    # a session that began already (a signed-in user was loaded) keeps its transaction: the hook
    # only acts when the session begins
    g.lapor_reads_only = True


def _autocommit_if_asked(session, transaction, connection):
    from flask import g, has_app_context

    if not has_app_context() or not g.get("lapor_reads_only"):
        return
    g.lapor_reads_only = False  # this request's first connection only
    dbapi_connection = connection.connection.dbapi_connection
    if getattr(dbapi_connection, "status", None) == 1:  # psycopg2 STATUS_READY: no transaction begun
        dbapi_connection.autocommit = True


def reads_only(view):
    """Decorator of a view that never writes to the database (see :func:`read_outside_transaction`)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        from flask import g

        read_outside_transaction()
        try:
            return view(*args, **kwargs)
        finally:
            g.lapor_reads_only = False  # never beyond this view (an application context can outlive it)
    return wrapper
