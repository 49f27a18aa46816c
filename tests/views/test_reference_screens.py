"""The reference screens (agencies, categories, service deadlines): what notices and the dispose form
depend on is checked where it is typed. An agency's e-mail and phone follow the one rule of e-mail
addresses and phone numbers; no second agency reads like another one ("dinkes", " DINKES "); deadlines
keep their natural order; and saving a form returns to the screen's list, whatever else was opened."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agency, Category, SlaSetting
from tests.conftest import visible_text

AGENCY = {"code": "DISUJI", "name": "Dinas Uji Coba", "level": "opd", "email": "", "phone": "", "active": "y"}


@pytest.fixture
def agencies_restored(world):
    """New agencies are removed and the world's own ones put back as they were."""
    before = {a.code: (a.name, a.email, a.phone) for a in db.session.execute(select(Agency)).scalars()}
    yield
    db.session.rollback()
    # only what the test made: agencies of earlier tests (the demo's, with their officers) stay
    db.session.query(Agency).filter(Agency.code.not_in(list(before))).delete(synchronize_session=False)
    for agency in db.session.execute(select(Agency)).scalars():
        agency.name, agency.email, agency.phone = before[agency.code]
    db.session.commit()


def agency_named(code):
    db.session.expire_all()
    return db.session.execute(select(Agency).where(Agency.code == code)).scalar_one_or_none()


@pytest.mark.parametrize("changes, message", [
    ({"email": "notanemail"}, "Alamat email tidak valid."),
    ({"phone": "1234 5678"}, "Tulis nomor telepon yang valid"),
    ({"code": "dinkes"}, "Instansi \"DINKES\" sudah ada"),
    ({"code": " DINKES "}, "Instansi \"DINKES\" sudah ada"),
    ({"name": "dinas  KESEHATAN"}, "Instansi \"Dinas Kesehatan\" sudah ada"),
    ({"name": "Dinas Kesehatan"}, "Instansi \"Dinas Kesehatan\" sudah ada"),
])
def test_an_agency_with_a_bad_contact_or_reading_like_another_is_refused_with_the_input_kept(
        login_as, agencies_restored, changes, message):
    client = login_as("koordinator")
    typed = {**AGENCY, **changes}
    response = client.post("/agencyview/add", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in visible_text(page)
    for field in changes:
        assert f'value="{typed[field]}"' in page  # what was typed stays
    assert agency_named("DISUJI") is None and agency_named("dinkes") is None


def test_an_agency_is_stored_trimmed_and_its_edit_is_checked_too(login_as, agencies_restored, world):
    client = login_as("koordinator")
    response = client.post("/agencyview/add", data={
        **AGENCY, "code": " DISUJI ", "name": " Dinas Uji Coba ", "email": " dishub@sumedangkab.go.id ",
        "phone": " (0261) 201.234 "})
    assert response.status_code == 302
    saved = agency_named("DISUJI")
    assert (saved.name, saved.email, saved.phone) == ("Dinas Uji Coba", "dishub@sumedangkab.go.id", "(0261) 201.234")

    pupr = world.agency("PUPR")
    edit = {**AGENCY, "code": "PUPR", "name": "Dinas PUPR", "parent": world.agency("PEMDA").id}
    response = client.post(f"/agencyview/edit/{pupr.id}", data={**edit, "name": "DINAS uji  coba"})
    assert "Instansi \"Dinas Uji Coba\" sudah ada" in visible_text(response.get_data(as_text=True))
    response = client.post(f"/agencyview/edit/{pupr.id}", data={**edit, "email": "pupr@"})
    assert "Alamat email tidak valid." in visible_text(response.get_data(as_text=True))
    assert agency_named("PUPR").email is None
    response = client.post(f"/agencyview/edit/{pupr.id}", data={**edit, "email": ""})  # its own name, no e-mail
    assert response.status_code == 302 and agency_named("PUPR").email is None


@pytest.fixture
def categories_removed(world):
    """Categories the test adds are removed (those of earlier tests, e.g. the demo's, stay)."""
    before = set(db.session.execute(select(Category.id)).scalars())
    yield
    db.session.rollback()
    db.session.query(Category).filter(Category.id.not_in(before)).delete(synchronize_session=False)
    db.session.commit()


def test_a_category_is_stored_without_spaces_around(login_as, categories_removed):
    response = login_as("koordinator").post("/categoryview/add", data={"name": " Kategori Uji Baru ", "active": "y"})
    assert response.status_code == 302
    names = db.session.execute(select(Category.name).where(Category.name.like("%Kategori Uji Baru%"))).scalars().all()
    assert names == ["Kategori Uji Baru"]


@pytest.fixture
def complaint_deadlines(world):
    setting = db.session.execute(select(SlaSetting).where(SlaSetting.kind == "complaint")).scalar_one()
    before = {c: getattr(setting, c) for c in ("verify_days", "first_response_days", "resolution_days",
                                               "inspection_resolution_days", "auto_close_days")}
    yield setting.id, before
    db.session.rollback()
    setting = db.session.get(SlaSetting, setting.id)
    for column, value in before.items():
        setattr(setting, column, value)
    db.session.commit()


@pytest.mark.parametrize("changes, message", [
    ({"first_response_days": "30", "resolution_days": "2"},
     "Batas waktu penyelesaian (2 hari kerja) tidak boleh lebih singkat daripada tanggapan pertama instansi "
     "(30 hari kerja)"),
    ({"resolution_days": "20", "inspection_resolution_days": "10"},
     "Penyelesaian dengan pemeriksaan lapangan (10 hari kerja) tidak boleh lebih singkat daripada penyelesaian "
     "tanpa pemeriksaan lapangan (20 hari kerja)"),
])
def test_deadlines_out_of_their_natural_order_are_refused_naming_both(login_as, complaint_deadlines, changes, message):
    setting_id, before = complaint_deadlines
    form = {**{c: str(v) for c, v in before.items()}, **changes}
    response = login_as("koordinator").post(f"/slasettingview/edit/{setting_id}", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in visible_text(page)
    for column, value in changes.items():
        assert f'value="{value}"' in page
    db.session.expire_all()
    setting = db.session.get(SlaSetting, setting_id)
    assert {c: getattr(setting, c) for c in before} == before


def test_equal_first_response_and_resolution_are_fine(login_as, complaint_deadlines):
    setting_id, before = complaint_deadlines
    form = {**{c: str(v) for c, v in before.items()}, "first_response_days": "5", "resolution_days": "5"}
    response = login_as("koordinator").post(f"/slasettingview/edit/{setting_id}", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SlaSetting, setting_id).resolution_days == 5


def test_the_deadline_order_rule_guards_every_save(ctx):
    from app.workflow.errors import DomainError
    from app.workflow.sla import assert_deadlines_in_order

    with pytest.raises(DomainError):
        assert_deadlines_in_order(SlaSetting(kind="complaint", first_response_days=30, resolution_days=2,
                                             inspection_resolution_days=60))
    assert_deadlines_in_order(SlaSetting(kind="aspiration", first_response_days=5, resolution_days=5,
                                         inspection_resolution_days=60))


def test_saving_a_reference_form_returns_to_its_list_whatever_else_was_opened(login_as, complaint_deadlines):
    """FAB sent a save back through a page history shared by every tab: the form opened straight from a
    link landed on "/", and with another screen opened in a second tab meanwhile, on the form again."""
    setting_id, before = complaint_deadlines
    form = {c: str(v) for c, v in before.items()}
    client = login_as("koordinator")
    response = client.post(f"/slasettingview/edit/{setting_id}", data=form)  # no page before it
    assert response.status_code == 302 and response.headers["Location"].endswith("/slasettingview/list/")

    client.get("/slasettingview/list/?_oc_SlaSettingView=kind&_od_SlaSettingView=asc")
    client.get(f"/slasettingview/edit/{setting_id}")
    client.get("/categoryview/list/")  # a second tab
    client.get("/channelview/list/")
    response = client.post(f"/slasettingview/edit/{setting_id}", data=form)
    location = response.headers["Location"]
    assert response.status_code == 302
    assert location.endswith("/slasettingview/list/?_oc_SlaSettingView=kind&_od_SlaSettingView=asc"), location

    response = client.post("/categoryview/add", data={"name": "Kategori Uji Kembali", "active": "y"})
    try:
        assert response.headers["Location"].endswith("/categoryview/list/")
    finally:
        db.session.query(Category).filter(Category.name == "Kategori Uji Kembali").delete(synchronize_session=False)
        db.session.commit()
