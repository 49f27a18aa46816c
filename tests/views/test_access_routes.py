"""Row-level access on every route: an OPD user of agency A against a case of agency B."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Complaint, ComplaintEvent
from tests.conftest import assert_hidden, as_seen

SECRET = {"name": "Rahmat Rahasia", "phone": "081299887766", "email": "rahmat.rahasia@contoh.id",
          "nik": "3273012345678901"}


def snapshot(complaint_id):
    db.session.expire_all()
    c = db.session.get(Complaint, complaint_id)
    events = db.session.execute(select(func.count()).select_from(ComplaintEvent)
                                .where(ComplaintEvent.complaint_id == complaint_id)).scalar()
    return (c.status, c.agency_id, c.address, c.version, events)


@pytest.fixture
def pupr_case(make_case):
    return make_case(agency="PUPR", status="dispatched", reporter=SECRET)


def test_opd_sees_only_own_agency_on_list_and_dashboard(login_as, make_case):
    own = make_case(agency="DINKES", status="dispatched", title="Antrean puskesmas sangat lama")
    unit = make_case(agency="RSUD", status="dispatched", title="Obat kosong di apotek RSUD")
    other = make_case(agency="PUPR", status="dispatched", title="Jembatan gantung rusak parah")
    client = login_as("opd_dinkes")
    listing = client.get("/complaintview/list/").get_data(as_text=True)
    assert own.tracking_number in listing
    assert unit.tracking_number in listing  # sub-unit of Dinkes
    assert other.tracking_number not in listing
    dashboard = client.get("/dasbor/").get_data(as_text=True)
    assert 'id="count-total">2<' in dashboard
    api = client.get("/api/v1/complaint/").get_json()
    assert api["count"] == 2
    assert {row["tracking_number"] for row in api["result"]} == {own.tracking_number, unit.tracking_number}
    export = client.get("/complaintview/export.csv").get_data(as_text=True)
    assert own.tracking_number in export and other.tracking_number not in export


def test_unit_user_does_not_see_parent_agency_cases(login_as, make_case):
    parent = make_case(agency="DINKES", status="dispatched")
    client = login_as("opd_rsud")
    assert parent.tracking_number not in client.get("/complaintview/list/").get_data(as_text=True)
    assert client.get(f"/complaintview/show/{parent.id}").status_code == 404


def test_opd_of_other_agency_is_refused_on_every_route(login_as, pupr_case, world):
    case_id = pupr_case.id
    before = snapshot(case_id)
    client = login_as("opd_dinkes")
    pupr = world.agency("PUPR").id
    refused = {
        "show": client.get(f"/complaintview/show/{case_id}"),
        "edit form": client.get(f"/complaintview/edit/{case_id}"),
        "edit post": client.post(f"/complaintview/edit/{case_id}", data=as_seen(case_id, {"address": "diubah", "district": "x"})),
        "delete": client.post(f"/complaintview/delete/{case_id}"),
        "single action": client.post(f"/complaintview/action/bulk_archive/{case_id}"),
        "bulk action": client.post("/complaintview/action_post", data={"action": "bulk_archive", "rowid": [case_id]}),
        "create for B": client.post("/complaintview/add", data={
            "kind": "complaint", "title": "Laporan untuk instansi lain", "description": "Isi laporan yang cukup panjang.",
            "channel": world.channel("phone").id, "agency": pupr}),
        "api get": client.get(f"/api/v1/complaint/{case_id}"),
        "api put": client.put(f"/api/v1/complaint/{case_id}", json={"address": "diubah lewat API"}),
        "api delete": client.delete(f"/api/v1/complaint/{case_id}"),
    }
    for route, response in refused.items():
        assert response.status_code in (403, 404), f"{route}: {response.status_code}"
    export = client.get("/complaintview/export.csv").get_data(as_text=True)
    assert pupr_case.tracking_number not in export
    assert snapshot(case_id) == before
    created_for_b = db.session.execute(select(func.count()).select_from(Complaint)
                                       .where(Complaint.title == "Laporan untuk instansi lain")).scalar()
    assert created_for_b == 0


def test_attachments_follow_the_case_access_rule(app, login_as, make_case):
    import hashlib

    from app.workflow import attachments

    case = make_case(agency="PUPR", status="dispatched")
    written = attachments.store(case, [("foto.png", b"\x89PNG\r\n\x1a\n-isi-", "image/png", "png")])
    db.session.commit()
    attachment = case.attachments[0]
    try:
        assert login_as("opd_dinkes").get(f"/complaintview/attachment/{attachment.id}").status_code == 404
        response = login_as("opd_pupr").get(f"/complaintview/attachment/{attachment.id}")
        assert response.status_code == 200
        assert hashlib.sha256(response.get_data()).hexdigest() == attachment.sha256
        page = login_as("opd_pupr").get(f"/complaintview/show/{case.id}").get_data(as_text=True)
        assert "lampiran-1.png" in page and "foto.png" not in page
    finally:
        attachments.discard(written)


def test_opd_can_act_on_own_case(login_as, make_case):
    case = make_case(agency="DINKES", status="dispatched")
    client = login_as("opd_dinkes")
    assert client.get(f"/complaintview/show/{case.id}").status_code == 200
    response = client.post(f"/complaintview/edit/{case.id}", data=as_seen(case.id, {"address": "Jl. Merdeka 10", "district": "Cibeureum"}))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, case.id).address == "Jl. Merdeka 10"
    edit_event = db.session.execute(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == case.id, ComplaintEvent.kind == "edited")).scalar_one()
    assert "Jl. Merdeka 10" in edit_event.changes and edit_event.actor_id is not None


def test_opd_creates_case_for_own_agency(login_as, world):
    client = login_as("opd_pupr")
    response = client.post("/complaintview/add", data={
        "kind": "complaint", "title": "Warga lapor langsung ke kantor", "description": "Saluran air tersumbat di depan kantor.",
        "channel": world.channel("in_person").id, "agency": world.agency("PUPR").id})
    # the recorded case's page, with the reply code shown once to hand to the reporter
    assert response.status_code == 200 and 'id="new-reply-code"' in response.get_data(as_text=True)
    case = db.session.execute(select(Complaint).where(Complaint.title == "Warga lapor langsung ke kantor")).scalar_one()
    assert case.agency_id == world.agency("PUPR").id and case.status == "received"


def test_leader_is_read_only(login_as, make_case, world):
    case = make_case(agency="PUPR", status="dispatched")
    before = snapshot(case.id)
    client = login_as("pimpinan")
    assert client.get(f"/complaintview/show/{case.id}").status_code == 200
    assert case.tracking_number in client.get("/complaintview/list/").get_data(as_text=True)
    attempts = [
        client.get(f"/complaintview/edit/{case.id}"),
        client.post(f"/complaintview/edit/{case.id}", data=as_seen(case.id, {"address": "x"})),
        client.post(f"/complaintview/delete/{case.id}"),
        client.get("/complaintview/add"),
        client.post("/complaintview/add", data={"kind": "complaint", "title": "Pimpinan mencoba", "description": "Tidak boleh membuat laporan.", "channel": world.channel().id}),
        client.post(f"/complaintview/action/bulk_archive/{case.id}"),
        client.post("/complaintview/action_post", data={"action": "bulk_archive", "rowid": [case.id]}),
        client.put(f"/api/v1/complaint/{case.id}", json={"address": "x"}),
        client.delete(f"/api/v1/complaint/{case.id}"),
        client.get("/agencyview/add"),
    ]
    for response in attempts:
        assert response.status_code == 403, response.request.path
    assert snapshot(case.id) == before


@pytest.mark.parametrize("username", ["opd_pupr", "pimpinan"])
@pytest.mark.parametrize("flags", [{"confidential": True}, {"anonymous": True}])
def test_protected_identity_never_reaches_opd_or_leader(login_as, make_case, username, flags):
    case = make_case(agency="PUPR", status="dispatched", reporter=SECRET, **flags)
    client = login_as(username)
    urls = [f"/complaintview/show/{case.id}", "/complaintview/list/", "/complaintview/export.csv",
            f"/api/v1/complaint/{case.id}", "/api/v1/complaint/"]
    bodies = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.get_data())
    assert case.tracking_number in bodies[2].decode()
    for body in bodies:
        assert_hidden(body, SECRET["name"], SECRET["phone"], SECRET["email"], SECRET["nik"], "Rahmat")


def test_coordinator_sees_protected_identity(login_as, make_case):
    case = make_case(agency="PUPR", status="dispatched", reporter=SECRET, confidential=True)
    client = login_as("koordinator")
    page = client.get(f"/complaintview/show/{case.id}").get_data(as_text=True)
    # the name is shown, contact data masked until revealed (recorded, with a reason)
    assert SECRET["name"] in page and SECRET["phone"] not in page and SECRET["email"] not in page
    page = client.post(f"/complaintview/reveal/{case.id}", data={"reason": "Klarifikasi lokasi"}).get_data(as_text=True)
    assert SECRET["phone"] in page and SECRET["email"] in page and SECRET["nik"] in page


def test_unknown_ids_give_404_not_500(login_as):
    client = login_as("koordinator")
    for url in ["/complaintview/show/999999", "/complaintview/edit/999999", "/api/v1/complaint/999999",
                "/complaintview/show/abc", "/agencyview/show/999999"]:
        assert client.get(url).status_code == 404, url
