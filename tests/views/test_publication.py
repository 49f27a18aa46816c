"""Which cases the public sees: verified first, for forwarded cases as for every other one."""
from app.extensions import db
from app.workflow import lifecycle


def listed(client, case):
    page = client.get("/laporan?status=forwarded").get_data(as_text=True)
    detail = client.get(f"/laporan/{case.tracking_number}").status_code
    return case.tracking_number in page, detail


def test_forwarded_without_verification_stays_off_the_public_list(client, make_case):
    case = make_case(status="forwarded")
    assert case.verified_at is None
    assert listed(client, case) == (False, 404)


def test_verified_then_forwarded_case_is_public(client, make_case, world):
    case = make_case()
    # verified by a decision (dispatch), sent back by the OPD, then forwarded out
    lifecycle.perform("dispose", case.id, world.user("koordinator"), agency=world.agency("PUPR").id)
    lifecycle.perform("return_to_coordinator", case.id, world.user("opd_pupr"), reason="Bukan wewenang PUPR.")
    lifecycle.perform("forward", case.id, world.user("koordinator"), institution="Kantor Pertanahan")
    db.session.commit()
    assert listed(client, case) == (True, 200)


def test_received_on_hold_archived_and_confidential_are_never_public(client, make_case, world):
    verified = make_case()  # verified (dispatched), then back with the coordinator as *received*
    lifecycle.perform("dispose", verified.id, world.user("koordinator"), agency=world.agency("PUPR").id)
    lifecycle.perform("return_to_coordinator", verified.id, world.user("opd_pupr"), reason="Bukan wewenang PUPR.")
    db.session.commit()
    for case in (verified, make_case(status="on_hold"), make_case(status="archived"),
                 make_case(status="dispatched", agency="PUPR", confidential=True)):
        assert client.get(f"/laporan/{case.tracking_number}").status_code == 404, case.status
    assert client.get(f"/laporan/{make_case(status='dispatched', agency='PUPR').tracking_number}").status_code == 200
