"""Test harness: one real database per run (``--db sqlite`` or ``--db postgresql``).

The schema is built by the Alembic migrations (never ``create_all``), a small
fixed world (agencies, staff users) is created once, and every test's cases are
removed afterwards. Helpers read like the domain: ``make_case(...)``,
``login_as("opd_dinkes")``, ``assert_hidden(...)``.
"""
import contextlib
import os
import re
import tempfile

import pytest

TMP = tempfile.mkdtemp(prefix="lapor-test-")
os.environ.setdefault("INSTANCE_DIR", TMP)
os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("PII_KEY", "Qm9ndXMta2V5LWZvci10ZXN0cy1vbmx5LTMyYnl0ZXM=")

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PASSWORD = "Rahasia-uji-123"

WORLD_AGENCIES = [
    # code, name, level, parent
    ("PEMDA", "Pemerintah Kabupaten Uji", "pemda", None),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "opd", "PEMDA"),
    ("DINKES", "Dinas Kesehatan", "opd", "PEMDA"),
    ("RSUD", "RSUD Uji", "unit", "DINKES"),
    ("PUPR", "Dinas PUPR", "opd", "PEMDA"),
]
WORLD_USERS = [
    ("admin", "Admin", None),
    ("koordinator", "Koordinator", "DISKOMINFO"),
    ("pimpinan", "Pimpinan", None),
    ("opd_dinkes", "OPD", "DINKES"),
    ("opd_rsud", "OPD", "RSUD"),
    ("opd_pupr", "OPD", "PUPR"),
]


def pytest_addoption(parser):
    parser.addoption("--db", default="sqlite", choices=["sqlite", "postgresql"],
                     help="database backend for this run")


def _postgres_available():
    try:
        import psycopg2

        psycopg2.connect(POSTGRES_URL, connect_timeout=2).close()
        return True
    except Exception:
        return False


def pytest_configure(config):
    backend = config.getoption("--db")
    if backend == "postgresql" and not _postgres_available():
        if os.environ.get("LAPOR_REQUIRE_SERVICES"):
            raise pytest.UsageError(f"PostgreSQL is required but not reachable at {POSTGRES_URL}")
        config.lapor_skip_all = f"PostgreSQL not reachable at {POSTGRES_URL}"
    else:
        config.lapor_skip_all = None


def pytest_collection_modifyitems(config, items):
    reason = getattr(config, "lapor_skip_all", None)
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))
    backend = config.getoption("--db")
    for item in items:
        if "postgres_only" in item.keywords and backend != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (run with --db postgresql)"))


def _reset_postgres():
    import psycopg2

    conn = psycopg2.connect(POSTGRES_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    conn.close()


@pytest.fixture(scope="session")
def database_url(pytestconfig):
    if pytestconfig.getoption("--db") == "postgresql":
        _reset_postgres()
        return POSTGRES_URL
    return "sqlite:///" + os.path.join(TMP, "test.db")


@pytest.fixture(scope="session")
def app(database_url):
    from app import create_app

    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "PUBLIC_SUBMIT_RATE_LIMIT": "1000 per minute",
        "PUBLIC_CODE_RATE_LIMIT": "1000 per minute",
        "KPI_CACHE_SECONDS": 0,
        "PUBLIC_VERSION_SECONDS": 0,  # a change shows at once (production: within a second)
        "DEMO_PASSWORD": PASSWORD,
        "UPLOAD_FOLDER": os.path.join(TMP, "uploads"),
    })
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
        _build_world(application)
    return application


def _build_world(application):
    from app.demo import ensure_agencies  # noqa: F401  (same shape as the demo)
    from app.extensions import appbuilder, db
    from app.models import Agency
    from app.security import sync_roles
    from app.workflow.defaults import ensure_reference_data

    from app.workflow import regions

    sync_roles(appbuilder)
    ensure_reference_data()
    regions.load("32.11")  # Kabupaten Sumedang, the demo's real kabupaten
    regions.load_shipped_outline("32.11")
    by_code = {}
    for code, name, level, parent in WORLD_AGENCIES:
        agency = Agency(code=code, name=name, level=level, parent=by_code.get(parent), active=True)
        db.session.add(agency)
        by_code[code] = agency
    db.session.flush()
    sm = appbuilder.sm
    for username, role, agency_code in WORLD_USERS:
        user = sm.add_user(username, username.title(), "Uji", f"{username}@uji.go.id",
                           [sm.find_role(role)], password=PASSWORD)
        user.agency_id = by_code[agency_code].id if agency_code else None
    db.session.commit()


@pytest.fixture
def ctx(app):
    """An application context per test; cases made in the test are removed afterwards. Each test
    starts with no cached choices (filter and form selects): tests make reference rows directly,
    not through the screens that clear the cache, so an earlier test's cache would not know them."""
    from app.interface import clear_choices

    with app.app_context():
        clear_choices()
        yield app
        _cleanup()


def _cleanup():
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import (Attachment, CaseRollup, Complaint, ComplaintEvent, HotspotAlert, IdentityAccess,
                            Reporter, ResponseHistogram)

    db.session.rollback()
    db.session.execute(delete(HotspotAlert))
    db.session.execute(Complaint.__table__.update().values(parent_id=None))
    for model in (IdentityAccess, Attachment, ComplaintEvent, Complaint, Reporter, CaseRollup, ResponseHistogram):
        db.session.execute(delete(model))
    db.session.commit()


@pytest.fixture
def demo_removed(ctx):
    """For a test that seeds the demo kabupaten (``seed_demo``, ``flask lapor seed-demo``): afterwards
    the agencies, categories and staff it added are removed and the world's own staff are back in
    their agencies (the demo puts ``pimpinan`` in SETDA), so later tests see the fixed world again."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Agency, Category, LaporUser

    agencies = set(db.session.execute(select(Agency.id)).scalars())
    categories = set(db.session.execute(select(Category.id)).scalars())
    staff_agency = dict(db.session.execute(select(LaporUser.id, LaporUser.agency_id)).all())
    yield
    _remove_demo(agencies, categories, staff_agency)


def _remove_demo(agencies, categories, staff_agency):
    """Undo a demo seed: its cases and messages, then the rows it added to the reference tables."""
    from flask_appbuilder.security.sqla.models import assoc_user_role
    from sqlalchemy import delete, select, update

    from app import permission_cache
    from app.extensions import db
    from app.models import Agency, Category, LaporUser

    _cleanup()  # the cases (and their events) point at the demo's agencies, categories and staff
    wipe_job_tables()
    added_users = [uid for uid in db.session.execute(select(LaporUser.id)).scalars() if uid not in staff_agency]
    if added_users:
        db.session.execute(delete(assoc_user_role).where(assoc_user_role.c.user_id.in_(added_users)))
        db.session.execute(delete(LaporUser).where(LaporUser.id.in_(added_users)))
    for user_id, agency_id in staff_agency.items():
        db.session.execute(update(LaporUser).where(LaporUser.id == user_id).values(agency_id=agency_id))
    db.session.execute(delete(Category).where(Category.id.not_in(categories)))
    db.session.execute(update(Agency).where(Agency.id.not_in(agencies)).values(parent_id=None))
    db.session.execute(delete(Agency).where(Agency.id.not_in(agencies)))
    db.session.commit()
    permission_cache.bump()  # a later user may get a removed one's id (SQLite): no cached roles for it


# --- domain helpers -------------------------------------------------------------


@pytest.fixture
def world(ctx):
    return World()


class World:
    """Names of the fixed world, resolved to rows."""

    def agency(self, code):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Agency

        return db.session.execute(select(Agency).where(Agency.code == code)).scalar_one()

    def user(self, username):
        from app.extensions import appbuilder

        return appbuilder.sm.find_user(username=username)

    def channel(self, code="web"):
        from sqlalchemy import select

        from app.extensions import db
        from app.models import Channel

        return db.session.execute(select(Channel).where(Channel.code == code)).scalar_one()


@pytest.fixture
def make_case(world):
    """make_case(agency="PUPR", status="dispatched", confidential=True, reporter=dict(...))."""
    return case_maker(world)


def case_maker(world):
    """The ``make_case`` helper, for a fixture wider than one test (it needs an app context)."""
    from app.extensions import db
    from app.jobs.queue import deliver
    from app.workflow import lifecycle
    from app.workflow.reporters import reporter_from_form

    def _make(agency=None, status="received", kind="complaint", title="Jalan berlubang di depan pasar",
              description="Lubang besar di jalan kabupaten membahayakan pengendara motor.",
              anonymous=False, confidential=False, reporter=None, channel="web", now=None, show_name=False,
              category=None, **location):
        reporter_row = None
        if reporter is not False:
            data = reporter or {"name": "Siti Pelapor", "phone": "081234567890",
                                "email": "siti@contoh.id", "nik": "3201010101010001"}
            reporter_row = reporter_from_form(data.get("name"), data.get("phone"), data.get("email"),
                                              data.get("nik"), True)
        outcome = lifecycle.register(
            title=title, description=description, kind=kind, channel=world.channel(channel),
            reporter=reporter_row, is_anonymous=anonymous, is_confidential=confidential,
            now=now, show_reporter_name=show_name, category=_category(category),
            **(location or {"district": "Sukamaju Kota"}),
        )
        complaint = outcome.complaint
        if status != "received":
            _advance_to(complaint, status, agency, world.user("koordinator"), world, outcome)
        db.session.commit()
        deliver(outcome)  # as every caller does: queue the messages once committed
        complaint.reply_code = outcome.reply_code  # for the test's reporter (never stored)
        return complaint

    return _make


def _category(name):
    """A category by name, created on first use (the world has none of its own)."""
    if name is None:
        return None
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Category

    row = db.session.execute(select(Category).where(Category.name == name)).scalar_one_or_none()
    if row is None:
        row = Category(name=name, active=True)
        db.session.add(row)
        db.session.flush()
    return row


def _advance_to(complaint, status, agency_code, coordinator, world, outcome):
    """Walk a new case to ``status`` through the lifecycle, folding each step into ``outcome``."""
    from app.workflow import lifecycle

    if status == "on_hold":
        outcome.add(lifecycle.hold(complaint, coordinator, "Mohon lengkapi lokasi."))
        return
    if status == "archived":
        outcome.add(lifecycle.archive(complaint, coordinator, "too_general"))
        return
    if status == "forwarded":
        outcome.add(lifecycle.forward(complaint, coordinator, "Kantor Pertanahan"))
        return
    agency = world.agency(agency_code or "DINKES")
    outcome.add(lifecycle.dispose(complaint, coordinator, agency))
    if status == "dispatched":
        return
    officer = _officer_for(agency, world)
    outcome.add(lifecycle.follow_up(complaint, officer, "Sedang kami tangani."))
    if status == "in_progress":
        return
    outcome.add(lifecycle.resolve(complaint, officer, "Sudah diperbaiki."))
    if status == "resolved":
        return
    if status == "closed":
        outcome.add(lifecycle.confirm(complaint, lifecycle.REPORTER, 5, "Terima kasih"))
        return
    raise ValueError(status)


def _officer_for(agency, world):
    return {"DINKES": world.user("opd_dinkes"), "RSUD": world.user("opd_rsud"),
            "PUPR": world.user("opd_pupr")}[agency.code]


@pytest.fixture
def client(app, ctx):
    with app.test_client() as test_client:
        yield test_client


@pytest.fixture
def login_as(client):
    def _login(username):
        client.get("/logout/")
        response = client.post("/login/", data={"username": username, "password": PASSWORD})
        assert response.status_code == 302, f"login failed for {username}"
        assert "/login" not in response.headers.get("Location", ""), f"login refused for {username}"
        return client

    return _login


def as_seen(case_id, form=None):
    """A staff form as the case page sends it: what was typed plus the version the page showed
    (the case's current one; a test of a stale page puts its own ``expected_version`` in ``form``)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Complaint

    version = db.session.execute(select(Complaint.version).where(Complaint.id == case_id)).scalar()
    return {"expected_version": str(version), **(form or {})}


def visible_text(html):
    """The text a person would read (tags, scripts and styles stripped)."""
    html = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"(?s)<[^>]+>", " ", html))


def assert_hidden(body, *secrets):
    """None of ``secrets`` (name, phone, email, NIK...) appears in a response body."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    for secret in secrets:
        if secret:
            assert secret not in text, f"{secret!r} leaked"


# --- rows of the jobs tables (outbox, notices, reminders), shared by tests/jobs and tests/workflow ---


def wipe_job_tables():
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import JobRun, Notification, Outbox, Reminder, ReportAudit, TransparencyReport

    db.session.rollback()
    for model in (Outbox, Notification, Reminder, TransparencyReport, ReportAudit, JobRun):
        db.session.execute(delete(model))
    db.session.commit()


@pytest.fixture
def jobs(ctx):
    """An app context with the jobs tables empty before and after (other tests leave outbox rows)."""
    wipe_job_tables()
    yield ctx
    wipe_job_tables()


@contextlib.contextmanager
def config_values(app, **values):
    missing = object()
    before = {k: app.config.get(k, missing) for k in values}
    app.config.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is missing:
                app.config.pop(key, None)
            else:
                app.config[key] = value


def outbox_rows(**filters):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Outbox

    db.session.expire_all()
    query = select(Outbox).order_by(Outbox.id)
    for name, value in filters.items():
        query = query.where(getattr(Outbox, name) == value)
    return db.session.execute(query).scalars().all()


def set_deadline(complaint_id, **deadlines):
    """Move a case's deadlines (test set-up only: the lifecycle computes them in real use)."""
    from sqlalchemy import update

    from app.extensions import db
    from app.models import Complaint

    db.session.execute(update(Complaint).where(Complaint.id == complaint_id).values(**deadlines)
                       .execution_options(synchronize_session=False))
    db.session.commit()
