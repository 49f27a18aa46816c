"""The REST API works for real clients: JSON JWT login, the same access rule as the screens, OpenAPI."""
import pytest

from tests.conftest import PASSWORD


def jwt_for(client, username):
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def listed_ids(client, headers=None):
    response = client.get("/api/v1/complaint/?q=(page_size:100)", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["count"] == len(body["ids"])
    return set(body["ids"])


@pytest.fixture
def cases(make_case):
    return {
        "dinkes": make_case(status="dispatched", agency="DINKES"),
        "rsud": make_case(status="in_progress", agency="RSUD"),
        "pupr": make_case(status="dispatched", agency="PUPR"),
        "received": make_case(),
    }


def test_jwt_opd_lists_exactly_its_agency_cases(app, cases):
    with app.test_client() as api:  # a client with no cookie at all, like curl
        ids = listed_ids(api, jwt_for(api, "opd_dinkes"))
    assert ids == {cases["dinkes"].id, cases["rsud"].id}


@pytest.mark.parametrize("username", ["opd_dinkes", "opd_rsud", "opd_pupr", "pimpinan", "admin"])
def test_jwt_sees_what_the_access_rule_gives_the_session_user(app, cases, login_as, world, username):
    from app.extensions import db
    from app.workflow import access

    with app.test_client() as api:
        by_token = listed_ids(api, jwt_for(api, username))
    expected = set(db.session.execute(access.visible_cases(world.user(username))).scalars().unique())
    assert by_token == {case.id for case in expected}
    assert by_token == listed_ids(login_as(username))  # the same list as the staff session gets


def test_jwt_admin_sees_every_case(app, cases):
    with app.test_client() as api:
        assert listed_ids(api, jwt_for(api, "admin")) == {case.id for case in cases.values()}


def test_jwt_opd_cannot_read_or_change_another_agencys_case(app, cases):
    with app.test_client() as api:
        headers = jwt_for(api, "opd_dinkes")
        assert api.get(f"/api/v1/complaint/{cases['pupr'].id}", headers=headers).status_code == 404
        assert api.put(f"/api/v1/complaint/{cases['pupr'].id}", json={"address": "diubah"},
                       headers=headers).status_code == 404
        response = api.get(f"/api/v1/complaint/{cases['dinkes'].id}", headers=headers)
        assert response.status_code == 200
        assert "reporter" not in response.get_json()["result"]
        assert "Siti Pelapor" not in response.get_data(as_text=True)


def test_jwt_edit_is_audited_with_the_token_user(app, cases, world):
    from app.extensions import db
    from app.models import ComplaintEvent
    from sqlalchemy import select

    with app.test_client() as api:
        headers = jwt_for(api, "opd_dinkes")
        response = api.put(f"/api/v1/complaint/{cases['dinkes'].id}", json={"address": "Jl. Baru 1"},
                           headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    actors = db.session.execute(select(ComplaintEvent.actor_id).where(
        ComplaintEvent.complaint_id == cases["dinkes"].id, ComplaintEvent.kind == "edited")).scalars().all()
    assert actors == [world.user("opd_dinkes").id]


def test_the_api_refuses_a_future_incident_and_a_point_outside_indonesia_as_the_screens_do(app, cases):
    from app.extensions import db
    from app.models import Complaint

    with app.test_client() as api:
        response = api.put(f"/api/v1/complaint/{cases['dinkes'].id}", json={"incident_date": "9999-01-01"},
                           headers=jwt_for(api, "opd_dinkes"))
        assert response.status_code == 400 and "masa depan" in response.get_json()["message"]
        for point in ({"latitude": 51.5, "longitude": -0.12}, {"latitude": 91, "longitude": 500}):
            response = api.put(f"/api/v1/complaint/{cases['dinkes'].id}", json=point,
                               headers=jwt_for(api, "opd_dinkes"))
            assert response.status_code == 400 and "wilayah Indonesia" in response.get_json()["message"]
    db.session.expire_all()
    case = db.session.get(Complaint, cases["dinkes"].id)
    assert case.incident_date is None and case.latitude is None


def test_info_tells_an_opd_client_nothing_about_other_agencys_cases(app, cases):
    """``_info`` describes the edit form only: no add form (there is no POST), so no list of every
    case's tracking number, every event or every reporter; no catalog header as a description."""
    with app.test_client() as api:
        headers = jwt_for(api, "opd_dinkes")
        response = api.get("/api/v1/complaint/_info", headers=headers)
        assert response.status_code == 200
        info = response.get_json()
        assert info["add_columns"] == []
        assert {c["name"] for c in info["edit_columns"]} == {
            "address", "district", "village", "latitude", "longitude", "incident_date"}
        assert all(c["description"] == "" for c in info["edit_columns"])
        body = response.get_data(as_text=True)
        for other in (cases["pupr"], cases["received"]):
            assert other.tracking_number not in body
        assert "Project-Id-Version" not in body and "reply_code" not in body
        paged = api.get("/api/v1/complaint/_info?q=(add_columns:(parent:(page:0,page_size:100)))", headers=headers)
        assert cases["pupr"].tracking_number not in paged.get_data(as_text=True)


def test_login_without_a_provider_is_a_400_with_a_message(app):
    with app.test_client() as api:
        response = api.post("/api/v1/security/login", json={"username": "admin", "password": PASSWORD})
        assert response.status_code == 400
        assert "provider wajib diisi" in response.get_json()["message"]


def test_login_with_a_body_that_is_not_json_is_refused_in_indonesian(app):
    with app.test_client() as api:
        response = api.post("/api/v1/security/login", data="username=admin&password=x",
                            content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400
        assert response.get_json() == {"message": "Isi permintaan harus berupa objek JSON."}


def test_without_a_token_the_api_refuses(app, cases):
    with app.test_client() as api:
        assert api.get("/api/v1/complaint/").status_code == 401
        assert api.get("/api/v1/complaint/", headers={"Authorization": "Bearer junk"}).status_code in (401, 422)


def test_openapi_document_is_served_and_valid(client):
    response = client.get("/api/v1/_openapi")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/complaint/" in spec["paths"]
    assert "/api/v1/security/login" in spec["paths"]
    import schemathesis

    schemathesis.openapi.from_dict(spec).validate()  # against the OpenAPI 3.0 meta-schema


def test_times_carry_their_offset_so_clients_read_them_right(app, cases):
    import datetime

    case = cases["dinkes"]
    with app.test_client() as api:
        headers = jwt_for(api, "opd_dinkes")
        shown = api.get(f"/api/v1/complaint/{case.id}", headers=headers).get_json()["result"]
        listed = api.get("/api/v1/complaint/?q=(page_size:100)", headers=headers).get_json()["result"]
    for value in (shown["received_at"], shown["resolution_due"] or shown["first_response_due"],
                  next(row["received_at"] for row in listed if row["tracking_number"] == case.tracking_number)):
        moment = datetime.datetime.fromisoformat(value)
        assert moment.utcoffset() == datetime.timedelta(0), value  # "+00:00", not a bare local-looking time
    received = datetime.datetime.fromisoformat(shown["received_at"])
    assert received.replace(tzinfo=None) == case.received_at.replace(microsecond=received.microsecond)


def test_refusals_of_the_api_are_indonesian_in_the_shape_fab_documents(app, cases):
    """FAB answered "Not found", "Not authorized" and marshmallow's "Not a valid number." in English."""
    with app.test_client() as api:
        headers = jwt_for(api, "opd_dinkes")
        missing = api.get("/api/v1/complaint/999999", headers=headers)
        assert missing.status_code == 404 and missing.get_json() == {"message": "Halaman atau data yang Anda cari tidak ditemukan."}
        refused = api.put(f"/api/v1/complaint/{cases['dinkes'].id}", headers=headers,
                          json={"latitude": "utara", "address": "x" * 301, "reporter": 1, "district": 5})
        assert refused.status_code == 422
        assert refused.get_json() == {"message": {
            "latitude": ["Harus berupa angka."], "address": ["Paling banyak 300 karakter."],
            "reporter": ["Kolom tidak dikenal: tidak dapat diubah melalui API."], "district": ["Harus berupa teks."]}}
        assert api.delete(f"/api/v1/complaint/{cases['pupr'].id}", headers=headers).get_json()["message"] == \
            "Anda tidak memiliki akses ke sumber ini."


def test_a_list_filter_or_order_the_api_cannot_apply_is_refused_in_indonesian_not_dropped(app, cases):
    """An unknown operation (``opr:zz``) came back 200 with the whole list as if filtered; a column
    that cannot filter or order was refused in FAB's English."""
    with app.test_client() as api:
        headers = jwt_for(api, "koordinator")
        unknown = api.get("/api/v1/complaint/?q=(filters:!((col:status,opr:zz,value:closed)))", headers=headers)
        assert unknown.status_code == 400
        assert unknown.get_json() == {"message": "Operasi penyaring zz tidak dapat dipakai pada status."}
        column = api.get("/api/v1/complaint/?q=(filters:!((col:reporter_id,opr:eq,value:1)))", headers=headers)
        assert column.status_code == 400
        assert column.get_json() == {"message": "Daftar tidak dapat disaring menurut reporter_id."}
        order = api.get("/api/v1/complaint/?q=(order_column:title,order_direction:asc)", headers=headers)
        assert order.status_code == 400 and order.get_json() == {"message": "Daftar tidak dapat diurutkan menurut title."}
        # the operations the columns have still filter
        dispatched = api.get("/api/v1/complaint/?q=(filters:!((col:status,opr:eq,value:dispatched)))", headers=headers)
        assert dispatched.status_code == 200
        assert set(dispatched.get_json()["ids"]) == {cases["dinkes"].id, cases["pupr"].id}


@pytest.mark.parametrize("opr", ["gt", "lt", "eq", "neq"])
@pytest.mark.parametrize("value", ["'not-a-date'", "'31-31-2026'", "2026", "'2026-13-40T25:00'", "!(a,b)"])
def test_a_filter_value_that_is_no_date_is_refused_in_indonesian_naming_the_column(app, cases, opr, value):
    """``value:'not-a-date'`` on the time of receipt was dropped (``gt``/``lt``: the whole list came back
    as if filtered) or compared with NULL (``eq``: an empty list)."""
    with app.test_client() as api:
        headers = jwt_for(api, "koordinator")
        refused = api.get(f"/api/v1/complaint/?q=(filters:!((col:received_at,opr:{opr},value:{value})))",
                          headers=headers)
        assert refused.status_code == 400
        assert refused.get_json() == {"message": "Nilai penyaring untuk received_at harus berupa tanggal dan waktu, "
                                                 "misalnya 2026-01-31 atau 2026-01-31T09:00:00+07:00."}


def test_a_filter_value_that_is_a_date_still_filters(app, cases):
    with app.test_client() as api:
        headers = jwt_for(api, "koordinator")
        for value in ("'2000-01-01'", "'2000-01-01T00:00:00'", "'01/01/2000'"):
            after = api.get(f"/api/v1/complaint/?q=(filters:!((col:received_at,opr:gt,value:{value})))",
                            headers=headers)
            assert after.status_code == 200, after.get_json()
            assert {cases["dinkes"].id, cases["pupr"].id} <= set(after.get_json()["ids"])
        before = api.get("/api/v1/complaint/?q=(filters:!((col:received_at,opr:lt,value:'2000-01-01')))",
                         headers=headers)
        assert before.status_code == 200 and before.get_json()["ids"] == []


@pytest.fixture
def either_side_of_nine_wib(make_case):
    """Two cases received a minute before and a minute after 6 July 2026 09:00 WIB (02:00 UTC)."""
    import datetime

    return (make_case(now=datetime.datetime(2026, 7, 6, 1, 59)), make_case(now=datetime.datetime(2026, 7, 6, 2, 1)))


@pytest.mark.parametrize("value", [
    "'2026-07-06T09:00:00%2B07:00'",  # an offset
    "'2026-07-06T09:00:00+07:00'",    # its "+" not URL-encoded: arrives as a space
    "'2026-07-06T02:00:00Z'",         # UTC
    "'2026-07-06T09:00:00'",          # no offset: the installation's local time (WIB)
    "'2026-07-06T09:00'",
])
def test_a_time_filter_compares_the_moment_written_with_or_without_an_offset(app, either_side_of_nine_wib, value):
    """Stored times are naive UTC: ``09:00+07:00`` was compared on SQLite as if it were 09:00 UTC
    (both cases came back as "before"); a time without an offset is WIB, like every time on screen."""
    before, after = either_side_of_nine_wib
    with app.test_client() as api:
        headers = jwt_for(api, "koordinator")
        ids = {}
        for opr in ("gt", "lt"):
            response = api.get(f"/api/v1/complaint/?q=(page_size:100,filters:!((col:received_at,opr:{opr},"
                               f"value:{value})))", headers=headers)
            assert response.status_code == 200, response.get_json()
            ids[opr] = set(response.get_json()["ids"])
    assert after.id in ids["gt"] and before.id not in ids["gt"]
    assert before.id in ids["lt"] and after.id not in ids["lt"]


def test_a_filter_value_of_a_whole_number_column_must_be_a_whole_number(app):
    """The same reading for every API on the shared interface: letters on an integer column."""
    from flask_appbuilder.models.filters import map_args_filter  # noqa: F401  (FAB's operators registered)

    from app.api_messages import translated
    from app.interface import InvalidFilterValue, LaporInterface
    from app.models import SlaSetting

    filters = LaporInterface(SlaSetting).get_filters(["verify_days"])
    for value in ("tiga", "3.5", "", 3.5, None, True, ["3", "x"], "1_000", "\u0663"):
        with pytest.raises(InvalidFilterValue) as refused:
            filters.rest_add_filters([{"col": "verify_days", "opr": "eq", "value": value}])
        with app.test_request_context(headers={"Accept-Language": "id"}):
            assert str(translated(str(refused.value))) == "Nilai penyaring untuk verify_days harus berupa bilangan bulat."
    filters.rest_add_filters([{"col": "verify_days", "opr": "eq", "value": "3"},
                              {"col": "verify_days", "opr": "gt", "value": 2}])
    assert [value for _flt, value in zip(filters.filters, filters.values)] == ["3", 2]


def test_a_relation_filter_value_must_be_the_id_of_an_existing_row(app, world):
    """The same reading as the staff lists' for a relation (an agency): FAB compared letters or the id
    of no agency with NULL (the cases without an agency) or sent them to PostgreSQL's integer column."""
    from flask_appbuilder.models.filters import map_args_filter  # noqa: F401  (FAB's operators registered)

    from app.api_messages import translated
    from app.extensions import db
    from app.interface import InvalidFilterValue, LaporInterface
    from app.models import Agency, Complaint

    missing = db.session.query(db.func.max(Agency.id)).scalar() + 1000
    dinkes = world.agency("DINKES").id
    filters = LaporInterface(Complaint).get_filters(["agency"])
    for opr in ("rel_o_m", "nrel_o_m"):
        for value in ("abc", "", "3.5", 3.5, None, True, ["x"], "\u0663", "99999999999999999999", 0, -1,
                      missing, str(missing), [dinkes, missing]):
            with pytest.raises(InvalidFilterValue) as refused:
                filters.rest_add_filters([{"col": "agency", "opr": opr, "value": value}])
            with app.test_request_context(headers={"Accept-Language": "id"}):
                assert (str(translated(str(refused.value)))
                        == "Nilai penyaring untuk agency harus berupa ID data yang ada (bilangan bulat)."), value
    filters.rest_add_filters([{"col": "agency", "opr": "rel_o_m", "value": dinkes},
                              {"col": "agency", "opr": "nrel_o_m", "value": f" {dinkes} "}])
    assert [value for _flt, value in zip(filters.filters, filters.values)] == [dinkes, dinkes]


def test_a_client_without_a_valid_token_is_told_so_in_indonesian(app, cases):
    """flask-jwt-extended answered a bad token with ``{"msg": "Not enough segments"}`` (422)."""
    with app.test_client() as stranger:
        for headers in ({}, {"Authorization": "Bearer junk"}):
            response = stranger.get("/api/v1/complaint/", headers=headers)
            assert response.status_code == 401
            assert response.get_json() == {"message": "Belum masuk, atau token tidak berlaku. "
                                                      "Masuk melalui /api/v1/security/login."}


def test_field_names_and_titles_of_the_api_are_the_screens_names(app, cases):
    with app.test_client() as api:
        headers = jwt_for(api, "opd_dinkes")
        shown = api.get(f"/api/v1/complaint/{cases['dinkes'].id}", headers=headers).get_json()
        listed = api.get("/api/v1/complaint/", headers=headers).get_json()
    assert shown["label_columns"]["tracking_number"] == listed["label_columns"]["tracking_number"] == "Nomor lacak"
    assert shown["label_columns"]["received_at"] == "Diterima"
    assert shown["label_columns"]["region_code"] == "Kode kelurahan/desa (Kemendagri)"
    assert (shown["show_title"], listed["list_title"]) == ("Rincian Laporan", "Daftar Laporan")
    from app.labels import COMPLAINT_LABELS

    for labels in (shown["label_columns"], listed["label_columns"]):
        for column, text in labels.items():
            if "_" in column or "." in column:  # FAB's own guess: "Received At", "Agency Name"
                assert text != column.replace("_", " ").replace(".", " ").title(), (column, text)
            if column in COMPLAINT_LABELS:
                assert text == str(COMPLAINT_LABELS[column])


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_case_id_that_is_no_number_is_a_404_on_every_method(app, cases, method):
    """``GET /complaint/abc`` answered 405 (FAB routed only PUT and DELETE for a non-numeric id)."""
    with app.test_client() as api:
        response = getattr(api, method)("/api/v1/complaint/abc", headers=jwt_for(api, "admin"), json={"address": "x"})
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["message"] == "Halaman atau data yang Anda cari tidak ditemukan."


def test_every_api_answers_its_refusals_through_the_one_home_of_api_messages(app):
    from flask_appbuilder.api import BaseApi

    from app.api_messages import ApiMessages

    apis = [view for view in app.appbuilder.baseviews if isinstance(view, BaseApi)]
    assert {type(view).__name__ for view in apis} >= {"ComplaintApi", "LaporSecurityApi", "PublicOpenApi"}
    assert all(isinstance(view, ApiMessages) for view in apis)
    with app.test_client() as api:
        assert api.get("/api/v1/complaint/").get_json() == {
            "message": "Belum masuk, atau token tidak berlaku. Masuk melalui /api/v1/security/login."}


def test_a_page_past_the_first_ten_thousand_rows_is_refused_with_a_way_on(app, cases):
    """Staff lists never OFFSET past 10,000 rows; the API served its last allowed page again for any
    deeper one, so a client paging until an empty page never stopped (and a million cases were walked)."""
    with app.test_client() as api:
        headers = jwt_for(api, "admin")
        last = api.get("/api/v1/complaint/?q=(page:100,page_size:100)", headers=headers)
        assert last.status_code == 200 and last.get_json()["ids"] == []  # rows 10.001-10.100: none here
        for q in ("(page:101,page_size:100)", "(page:10001,page_size:1)", "(page:5000,page_size:25)"):
            deeper = api.get(f"/api/v1/complaint/?q={q}", headers=headers)
            assert deeper.status_code == 400, q
            message = deeper.get_json()["message"]
            assert "10.000 baris pertama" in message and "received_at" in message


NOT_ALLOWED = "Isian mengandung karakter yang tidak diizinkan."


@pytest.mark.parametrize("raw", ['{"address": "Jl. Melati\\u0000 1"}', '{"district": "Cimalaka\\ud800"}',
                                 '{"address\\u0000": "Jl. Melati 1"}', '{"address": "Jl. Melati 1", "x": ["\\udc80"]}'])
def test_a_json_body_carrying_a_nul_or_a_broken_character_is_refused_and_changes_nothing(app, cases, raw):
    """A NUL (refused by PostgreSQL) or half of a UTF-16 pair (no UTF-8 exists for it) in a JSON body
    was stored on SQLite, failed PostgreSQL, or was a 500: the API's own 400, the case untouched."""
    from app.extensions import db
    from app.models import Complaint

    case = cases["dinkes"]
    before = (case.address, case.district, case.version)
    with app.test_client() as api:
        response = api.put(f"/api/v1/complaint/{case.id}", data=raw, content_type="application/json",
                           headers=jwt_for(api, "opd_dinkes"))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json() == {"message": NOT_ALLOWED}
    db.session.expire_all()
    stored = db.session.get(Complaint, case.id)
    assert (stored.address, stored.district, stored.version) == before


def test_a_sign_in_whose_name_carries_a_nul_is_refused_not_a_server_error(app):
    with app.test_client() as api:
        response = api.post("/api/v1/security/login", data='{"username": "admin\\u0000", "password": "x", '
                            '"provider": "db"}', content_type="application/json")
    assert response.status_code == 400 and response.get_json() == {"message": NOT_ALLOWED}


def test_a_change_sent_as_text_not_json_is_told_so_in_indonesian(app, cases):
    """FAB answered ``{"message": "Request is not JSON"}`` to a PUT without the JSON content type."""
    with app.test_client() as api:
        response = api.put(f"/api/v1/complaint/{cases['dinkes'].id}", data='{"address": "Jl. Melati 1"}',
                           content_type="text/plain", headers=jwt_for(api, "opd_dinkes"))
    assert response.status_code == 400
    assert response.get_json() == {"message": "Isi permintaan harus berupa objek JSON."}


def test_sign_in_refusals_say_what_is_wrong_in_indonesian(app):
    """A wrong password was told "not signed in, or the token is not valid"; another provider got
    FAB's English ("Alternative authentication provider is not allowed")."""
    with app.test_client() as api:
        wrong = api.post("/api/v1/security/login", json={"username": "admin", "password": "salah-sekali",
                                                         "provider": "db"})
        other = api.post("/api/v1/security/login", json={"username": "admin", "password": PASSWORD,
                                                         "provider": "ldap"})
    assert wrong.status_code == 401
    assert wrong.get_json() == {"message": "Nama pengguna atau kata sandi salah."}
    assert other.status_code == 400
    assert other.get_json() == {"message": "provider: harus \"db\" (nama pengguna dan kata sandi)."}


def test_a_json_body_nested_too_deep_to_read_is_a_400_not_a_server_error(app, cases):
    deep = '{"address": ' + "[" * 100000 + "]" * 100000 + "}"
    with app.test_client() as api:
        response = api.put(f"/api/v1/complaint/{cases['dinkes'].id}", data=deep, content_type="application/json",
                           headers=jwt_for(api, "opd_dinkes"))
    assert response.status_code == 400
    assert response.get_json() == {"message": "Isi permintaan harus berupa objek JSON."}


def test_info_states_each_field_rule_in_words(app, cases):
    """``_info`` listed a field's rules as Python text (``<Length(min=None, max=300, ...)>``)."""
    with app.test_client() as api:
        info = api.get("/api/v1/complaint/_info", headers=jwt_for(api, "opd_dinkes")).get_json()
    rules = {c["name"]: c.get("validate") for c in info["edit_columns"]}
    assert rules["address"] == ["Paling banyak 300 karakter."]
    assert not any("<" in text or "=" in text for texts in rules.values() if texts for text in texts)
