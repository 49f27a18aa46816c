"""Permissions come from a per-process cache: no permission SQL on a page after a worker's first request."""
import re

import pytest
from sqlalchemy import event

PERMISSION_TABLES = re.compile(r"\bab_(permission|permission_view|permission_view_role|view_menu)\b")


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._on)

    def _on(self, conn, cursor, statement, *args):
        self.seen.append(statement)

    @property
    def permission_sql(self):
        return [s for s in self.seen if PERMISSION_TABLES.search(s)]


@pytest.fixture
def engine(ctx):
    from app.extensions import db

    return db.engine


@pytest.mark.parametrize("username, url", [
    ("koordinator", "/complaintview/list/"),
    ("opd_dinkes", "/complaintview/list/"),
    ("opd_dinkes", "/queuetofollowupview/list/"),
    ("pimpinan", "/dasbor/"),
])
def test_staff_pages_send_no_permission_sql_after_the_first_request(login_as, engine, username, url, make_case):
    make_case(agency="DINKES", status="dispatched")
    client = login_as(username)
    assert client.get(url).status_code == 200  # first request of the "worker" may load the cache
    with Statements(engine) as sql:
        response = client.get(url)
    assert response.status_code == 200
    assert sql.permission_sql == []
    assert sql.seen, "the page still reads its cases"


def test_public_pages_send_no_permission_sql(client, engine, make_case):
    case = make_case(agency="DINKES", status="in_progress")
    for url in (f"/lacak/{case.tracking_number}", f"/laporan/{case.tracking_number}", "/laporan", "/lacak"):
        assert client.get(url).status_code == 200
        with Statements(engine) as sql:
            assert client.get(url).status_code == 200
        assert sql.permission_sql == [], url


def test_a_role_change_through_the_manager_applies_at_once(login_as, ctx):
    from app.extensions import appbuilder

    sm = appbuilder.sm
    client = login_as("pimpinan")
    assert client.get("/dasbor/").status_code == 200
    role = sm.find_role("Pimpinan")
    pvm = sm.find_permission_view_menu("can_index", "DashboardView")
    sm.del_permission_role(role, pvm)
    try:
        assert client.get("/dasbor/").status_code in (302, 403)
    finally:
        sm.add_permission_role(role, pvm)
    assert client.get("/dasbor/").status_code == 200


def test_another_process_changing_roles_is_seen_through_the_shared_generation(login_as, ctx):
    """`flask lapor init` in another process moves the generation; this process reloads."""
    from app import permission_cache
    from app.extensions import appbuilder, db

    sm = appbuilder.sm
    client = login_as("pimpinan")
    assert client.get("/dasbor/").status_code == 200
    role = sm.find_role("Pimpinan")
    pvm = sm.find_permission_view_menu("can_index", "DashboardView")
    # what another process does: change the table directly, then move the shared generation
    role.permissions.remove(pvm)
    db.session.commit()
    try:
        assert client.get("/dasbor/").status_code == 200, "cached until the generation moves"
        permission_cache.publish(ctx)  # the other process's bump: our in-process cache is untouched
        assert client.get("/dasbor/").status_code in (302, 403)
    finally:
        role.permissions.append(pvm)
        db.session.commit()
        permission_cache.bump(app=ctx)
    assert client.get("/dasbor/").status_code == 200


def test_sync_roles_moves_the_generation(ctx):
    from app import permission_cache
    from app.extensions import appbuilder
    from app.security import sync_roles

    before = permission_cache.current_generation()
    sync_roles(appbuilder)
    assert permission_cache.current_generation() != before


def test_filter_choices_are_read_once_and_refreshed_after_an_edit(login_as, engine, world):
    from app.extensions import db
    from app.models import Category

    client = login_as("koordinator")
    assert client.get("/complaintview/list/").status_code == 200
    with Statements(engine) as sql:
        page = client.get("/complaintview/list/").get_data(as_text=True)
    assert [s for s in sql.seen if re.search(r"FROM (agency|category|channel)\b", s)] == []
    assert "Dinas PUPR" in page  # the agency choices are still offered
    # a new category through the admin screen shows up at once
    response = client.post("/categoryview/add", data={"name": "Kategori Baru Uji", "active": "y"})
    assert response.status_code in (200, 302)
    assert "Kategori Baru Uji" in client.get("/complaintview/list/").get_data(as_text=True)
    db.session.execute(Category.__table__.delete().where(Category.name == "Kategori Baru Uji"))
    db.session.commit()
    from app.interface import clear_choices

    clear_choices()
