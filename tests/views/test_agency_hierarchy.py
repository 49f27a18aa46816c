"""Agency hierarchy on the screens: a loop is refused in the form (input kept), and a loop left in
legacy data hangs no page (PostgreSQL with a statement timeout: a runaway query fails, not waits)."""
import contextlib

import pytest
from sqlalchemy import event, select, update

from app.extensions import db
from app.models import Agency
from tests.conftest import visible_text

MESSAGE = "Instansi tidak dapat ditempatkan di bawah dirinya sendiri atau di bawah salah satu sub-unitnya."


def test_the_agency_form_refuses_its_own_unit_as_parent_and_keeps_the_input(login_as, world):
    dinkes, rsud = world.agency("DINKES"), world.agency("RSUD")
    client = login_as("koordinator")
    data = {"code": "DINKES", "name": "Dinas Kesehatan (diubah)", "level": "opd", "parent": str(rsud.id),
            "email": "", "phone": "", "active": "y"}
    response = client.post(f"/agencyview/edit/{dinkes.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and MESSAGE in visible_text(page)
    assert "Dinas Kesehatan (diubah)" in page  # what the coordinator typed is still there
    db.session.expire_all()
    assert db.session.get(Agency, dinkes.id).parent_id == world.agency("PEMDA").id
    assert db.session.get(Agency, dinkes.id).name == "Dinas Kesehatan"
    # itself, too
    response = client.post(f"/agencyview/edit/{dinkes.id}", data=dict(data, parent=str(dinkes.id)))
    assert response.status_code == 200 and MESSAGE in visible_text(response.get_data(as_text=True))
    # a legitimate move is saved
    response = client.post(f"/agencyview/edit/{rsud.id}", data={
        "code": "RSUD", "name": "RSUD Uji", "level": "unit", "parent": str(world.agency("PUPR").id), "active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Agency, rsud.id).parent_id == world.agency("PUPR").id
    db.session.execute(update(Agency).where(Agency.id == rsud.id).values(parent_id=dinkes.id))
    db.session.commit()


@contextlib.contextmanager
def statement_timeout(milliseconds):
    """Every connection opened meanwhile runs with a PostgreSQL statement timeout (the pool is
    emptied before and after, so no connection without it, or with it, outlives the block)."""
    def on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(milliseconds)}")
        dbapi_connection.commit()

    db.session.close()
    db.engine.dispose()
    event.listen(db.engine, "connect", on_connect)
    try:
        yield
    finally:
        event.remove(db.engine, "connect", on_connect)
        db.session.close()
        db.engine.dispose()


@pytest.mark.postgres_only
def test_a_legacy_loop_in_the_table_hangs_no_page(app, client, login_as, make_case, world):
    from app.workflow import reminders

    dinkes, rsud, pemda = (world.agency(code).id for code in ("DINKES", "RSUD", "PEMDA"))
    own = make_case(agency="DINKES", status="dispatched")
    own_id, own_number, fresh_id = own.id, own.tracking_number, make_case().id
    db.session.execute(update(Agency).where(Agency.id == dinkes).values(parent_id=rsud))
    db.session.commit()
    try:
        with statement_timeout(3000):
            pages = {}
            officer = login_as("opd_dinkes")
            for url in ("/complaintview/list/", "/dasbor/", f"/complaintview/show/{own_id}",
                        "/api/v1/complaint/", "/queuetofollowupview/list/", "/notifikasi/"):
                pages[("opd_dinkes", url)] = officer.get(url)
            coordinator = login_as("koordinator")
            for url in ("/agencyview/list/", f"/agencyview/edit/{dinkes}", "/complaintview/list/", "/dasbor/"):
                pages[("koordinator", url)] = coordinator.get(url)
            # disposing to a unit in the loop notifies the staff up its chain
            pages[("koordinator", "dispose")] = coordinator.post(
                f"/complaintview/transition/{fresh_id}/dispose", data={"agency": rsud})
            for url in ("/", "/laporan", "/transparansi"):
                pages[("public", url)] = client.get(url)
            assert {key: r.status_code for key, r in pages.items() if r.status_code >= 500} == {}
            assert own_number in pages[("opd_dinkes", "/complaintview/list/")].get_data(as_text=True)
            reminders.sweep()
            assert db.session.execute(select(Agency.parent_id).where(Agency.id == dinkes)).scalar() == rsud
    finally:
        db.session.rollback()
        db.session.execute(update(Agency).where(Agency.id == dinkes).values(parent_id=pemda))
        db.session.commit()
