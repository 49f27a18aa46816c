"""Open311 GeoReport v2: every endpoint in JSON and XML, validated against the spec's shapes."""
import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema
import pytest
from sqlalchemy import func, select

from tests.channels import open311_schemas as schemas
from tests.channels.conftest import assert_same, error_of, get_both, parse_xml
from tests.conftest import assert_hidden

API = "/open311/v2"
SITI = {"name": "Siti Pelapor", "phone": "081234567890", "email": "siti@contoh.id", "nik": "3201010101010001"}


def count_cases():
    from app.extensions import db
    from app.models import Complaint

    return db.session.execute(select(func.count()).select_from(Complaint)).scalar()


def post_form(category, key, **extra):
    data = {"service_code": str(category.id), "lat": "-6.9175", "long": "107.6191",
            "description": "Lubang besar di Jalan Merdeka dekat sekolah, sudah dua minggu.",
            "first_name": "Budi", "last_name": "Santoso", "email": "budi.rahasia@contoh.id",
            "phone": "081299998888", "device_id": "perangkat-123", "account_id": "akun-77",
            "attribute[judul]": "Jalan Merdeka berlubang", "attribute[kecamatan]": "sumedang utara"}
    if key is not None:
        data["api_key"] = key
    data.update(extra)
    return data


# --- discovery, services, definitions ---------------------------------------------------------


def test_discovery_lists_two_endpoints_of_this_server_in_both_formats(client, channels):
    data, xml_data = get_both(client, f"{API}/discovery", schemas.DISCOVERY, "discovery")
    assert_same(data, xml_data)
    assert {e["type"] for e in data["endpoints"]} == {"production", "test"}
    for endpoint in data["endpoints"]:
        assert endpoint["url"].startswith("http://localhost/open311/")
        # every listed endpoint answers
        assert client.get(endpoint["url"].replace("http://localhost", "") + "services.json").status_code == 200


def test_services_are_the_active_categories(client, category):
    from app.extensions import db
    from app.models import Category

    db.session.add(Category(name="Uji Nonaktif", active=False))
    db.session.commit()
    data, xml_data = get_both(client, f"{API}/services", schemas.SERVICES, "services")
    assert_same(data, xml_data)
    ours = [s for s in data if s["service_name"].startswith("Uji")]
    assert [s["service_name"] for s in ours] == ["Uji Infrastruktur", "Uji Jalan rusak"]
    road = ours[1]
    assert road == {"service_code": str(category.id), "service_name": "Uji Jalan rusak",
                    "description": "Jalan berlubang atau rusak", "metadata": True, "type": "realtime",
                    "keywords": "Uji Jalan rusak, Uji Infrastruktur", "group": "Uji Infrastruktur"}


def test_service_definition_offers_kind_and_district_in_indonesian(client, category, make_case):
    make_case()
    data, xml_data = get_both(client, f"{API}/services/{category.id}", schemas.SERVICE_DEFINITION,
                              "service_definition")
    assert_same(data, xml_data)
    attributes = {a["code"]: a for a in data["attributes"]}
    assert {v["name"] for v in attributes["jenis"]["values"]} == {"Pengaduan", "Aspirasi", "Permintaan informasi"}
    assert attributes["jenis"]["datatype"] == "singlevaluelist"
    # the official kecamatan of the installation (Kabupaten Sumedang in the tests): typed names match them
    assert {"key": "Sumedang Utara", "name": "Sumedang Utara"} in attributes["kecamatan"]["values"]
    assert len(attributes["kecamatan"]["values"]) == 26
    assert sorted(a["order"] for a in data["attributes"]) == list(range(1, len(data["attributes"]) + 1))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_is_a_404_in_the_errors_format(client, channels, fmt):
    response = client.get(f"{API}/services/999999.{fmt}")
    assert response.status_code == 404
    error = error_of(response, fmt)
    assert error["code"] == 404 and "999999" in error["description"]


# --- POST ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_or_with_a_bad_or_revoked_key_is_refused_and_creates_nothing(client, category, api_key, fmt):
    from app.extensions import db
    from app.models import ApiClientKey
    from app.workflow import apikeys

    plaintext = api_key()
    row = db.session.execute(select(ApiClientKey)).scalar_one()
    apikeys.revoke(row)
    db.session.commit()
    before = count_cases()
    for key in (None, "", "lpr_salah", plaintext):
        response = client.post(f"{API}/requests.{fmt}", data=post_form(category, key))
        assert response.status_code == 403
        assert error_of(response, fmt)["code"] == 403
    assert count_cases() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_opens_one_case_through_the_lifecycle(client, category, api_key, fmt):
    from app.extensions import db
    from app.models import ApiClientKey, Complaint, InboundMessage

    key = api_key("Aplikasi Warga")
    response = client.post(f"{API}/requests.{fmt}", data=post_form(category, key))
    assert response.status_code == 200, response.data
    if fmt == "json":
        data = json.loads(response.data)
        jsonschema.validate(data, schemas.POST_RESPONSE)
        answer = data[0]
    else:
        tag, data = parse_xml(response.data)
        assert tag == "service_requests"
        answer = data[0]
    assert answer["account_id"] == "akun-77"
    complaint = db.session.execute(select(Complaint).where(
        Complaint.tracking_number == answer["service_request_id"])).scalar_one()
    assert complaint.status == "received" and complaint.channel.code == "mobile_app"
    assert complaint.title == "Jalan Merdeka berlubang" and complaint.category_id == category.id
    assert (complaint.latitude, complaint.longitude) == (-6.9175, 107.6191)
    assert complaint.district == "Sumedang Utara"  # a value of its list, read without regard to case
    assert complaint.reporter.email == "budi.rahasia@contoh.id"  # kept encrypted, like web reports
    assert [e.kind for e in complaint.events] == ["received"]
    # attributable: the case records the key that filed it, and the key counts its use
    inbound = db.session.execute(select(InboundMessage).where(InboundMessage.complaint_id == complaint.id)).scalar_one()
    key_row = db.session.execute(select(ApiClientKey)).scalar_one()
    assert inbound.api_key_id == key_row.id and inbound.external_id == answer["token"]
    assert key_row.request_count == 1 and key_row.last_used_at is not None
    assert_hidden(response.data, "Budi", "Santoso", "budi.rahasia", "081299998888", "perangkat-123")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("change,expected", [
    ({"service_code": ""}, 400),
    ({"service_code": "424242"}, 404),
    ({"lat": "", "long": ""}, 400),
    ({"lat": "91"}, 400),
    ({"long": "abc"}, 400),
    ({"long": ""}, 400),
    ({"description": "  "}, 400),
    ({"attribute[jenis]": "keluhan"}, 400),
    ({"attribute[rahasia]": "mungkin"}, 400),
    ({"media_url": "file:///etc/passwd"}, 400),
    ({"email": "bukan-email"}, 400),
    ({"phone": "abc"}, 400),
    ({"phone": "0812 3456 7890 1234 5678 9012 3456 7890 1234"}, 400),
    # a singlevaluelist takes only its values; texts longer than we keep are refused, never cut
    ({"attribute[kecamatan]": "Sukamaju Kota"}, 400),
    # an attribute the definition does not list is refused, not dropped in silence
    ({"attribute[prioritas]": "tinggi"}, 400),
    ({"attribute[]": "x"}, 400),
    ({"first_name": "B" * 150, "last_name": "S" * 60}, 400),
    ({"email": "b" * 195 + "@contoh.id"}, 400),
    ({"address_string": "Jl. Merdeka " * 30}, 400),
    ({"address_id": "A" * 101}, 400),
])
def test_bad_posts_get_a_clear_error_and_create_nothing(client, category, api_key, change, expected, fmt):
    key = api_key()
    before = count_cases()
    response = client.post(f"{API}/requests.{fmt}", data=post_form(category, key, **change))
    assert response.status_code == expected
    error = error_of(response, fmt)
    assert error["code"] == expected and error["description"]
    assert count_cases() == before


def test_address_string_or_address_id_is_a_location_too(client, category, api_key):
    key = api_key()
    for location in ({"address_string": "Jl. Merdeka 1, Sukamaju"}, {"address_id": "ALM-0042"}):
        response = client.post(f"{API}/requests.json", data=post_form(category, key, lat="", long="", **location))
        assert response.status_code == 200, response.data


class MediaHost:
    def __init__(self):
        self.hits = 0

    def handler(self):
        host = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                host.hits += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"\xff\xd8\xff")

        return Handler


def test_media_url_is_kept_as_a_link_and_never_fetched(client, login_as, world, category, api_key):
    from app.extensions import db
    from app.models import Complaint
    from app.workflow import lifecycle

    media = MediaHost()
    server = ThreadingHTTPServer(("127.0.0.1", 0), media.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/foto.jpg"
        response = client.post(f"{API}/requests.json", data=post_form(category, api_key(), media_url=url))
        number = json.loads(response.data)[0]["service_request_id"]
        complaint = db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one()
        assert complaint.media_url == url and complaint.attachments == []
        shown = json.loads(client.get(f"{API}/requests/{number}.json").data)[0]
        assert shown["media_url"] is None  # not public before a coordinator verified the case
        lifecycle.dispose(complaint, world.user("koordinator"), world.agency("DINKES"))
        db.session.commit()
        shown = json.loads(client.get(f"{API}/requests/{number}.json").data)[0]
        assert shown["media_url"] == url
        staff = login_as("koordinator").get(f"/complaintview/show/{complaint.id}").data.decode()
        assert f'href="{url}"' in staff  # a link for staff
    finally:
        server.shutdown()
        server.server_close()
    assert media.hits == 0


def test_test_endpoint_validates_but_stores_nothing(client, category, api_key):
    key = api_key()
    before = count_cases()
    response = client.post("/open311/test/v2/requests.json", data=post_form(category, key))
    assert response.status_code == 200
    data = json.loads(response.data)
    jsonschema.validate(data, schemas.POST_RESPONSE)
    assert data[0]["token"] is None and "service_request_id" not in data[0]
    bad = client.post("/open311/test/v2/requests.xml", data=post_form(category, key, description=""))
    assert bad.status_code == 400 and error_of(bad, "xml")["code"] == 400
    assert count_cases() == before


def test_each_key_has_its_own_rate_limit(client, category, api_key):
    slow, other = api_key("Aplikasi Lambat", rate_limit="2 per minute"), api_key("Aplikasi Lain")
    codes = [client.post(f"{API}/requests.json", data=post_form(category, slow)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.post(f"{API}/requests.xml", data=post_form(category, slow))
    assert error_of(limited, "xml")["code"] == 429
    assert client.post(f"{API}/requests.json", data=post_form(category, other)).status_code == 200


# --- tokens and reading requests ---------------------------------------------------------------


def test_token_gives_the_service_request_id(client, category, api_key):
    response = client.post(f"{API}/requests.json", data=post_form(category, api_key()))
    answer = json.loads(response.data)[0]
    data, xml_data = get_both(client, f"{API}/tokens/{answer['token']}", schemas.TOKEN_RESPONSE, "service_requests")
    assert_same(data, xml_data)
    assert data == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    for fmt in ("json", "xml"):
        missing = client.get(f"{API}/tokens/tidak-ada.{fmt}")
        assert missing.status_code == 404 and error_of(missing, fmt)["code"] == 404


def test_request_shows_status_answer_agency_and_deadline(client, category, make_case):
    from app.extensions import db

    case = make_case(status="in_progress", agency="DINKES", reporter=SITI)
    case.category_id, case.latitude, case.longitude, case.address = category.id, -6.9, 107.6, "Jl. Merdeka 1"
    db.session.commit()
    data, xml_data = get_both(client, f"{API}/requests/{case.tracking_number}", schemas.REQUESTS, "service_requests")
    assert_same(data, xml_data)
    item = data[0]
    assert item["service_request_id"] == case.tracking_number and item["status"] == "open"
    assert item["status_notes"] == "Sedang kami tangani."
    assert item["agency_responsible"] == "Dinas Kesehatan"
    assert item["service_code"] == str(category.id) and item["service_name"] == "Uji Jalan rusak"
    assert item["requested_datetime"].endswith("+07:00")
    assert item["expected_datetime"] is not None and item["service_notice"] == "Proses"
    # the public location (public_list.public_location): the kecamatan, never the street address
    assert (item["lat"], item["long"], item["address"]) == (-6.9, 107.6, "Sukamaju Kota")
    for fmt in ("json", "xml"):
        missing = client.get(f"{API}/requests/AAAA-BBBB-C.{fmt}")
        assert missing.status_code == 404 and error_of(missing, fmt)["code"] == 404


def test_states_map_to_open_and_closed(client, channels, make_case):
    expected = {"dispatched": "open", "in_progress": "open", "resolved": "closed", "closed": "closed",
                "forwarded": "closed", "received": "open", "on_hold": "open", "archived": "closed"}
    cases = {status: make_case(status=status) for status in expected}
    numbers = ",".join(c.tracking_number for c in cases.values())
    data, _xml = get_both(client, f"{API}/requests", schemas.REQUESTS, "service_requests",
                          query_string={"service_request_id": numbers})
    assert {d["service_request_id"]: d["status"] for d in data} == {
        cases[s].tracking_number: expected[s] for s in expected}


def test_request_list_filters(client, category, make_case):
    from app.clock import utcnow
    from app.extensions import db

    now = utcnow()
    old = make_case(status="dispatched", now=now - datetime.timedelta(days=120))
    recent = make_case(status="dispatched", now=now - datetime.timedelta(days=10))
    done = make_case(status="resolved", now=now - datetime.timedelta(days=5))
    unverified = make_case(status="received")
    recent.category_id = category.id
    db.session.commit()

    def numbers(**query):
        data, xml_data = get_both(client, f"{API}/requests", schemas.REQUESTS, "service_requests", query_string=query)
        assert_same(data, xml_data)
        return {d["service_request_id"] for d in data}

    ours = {old.tracking_number, recent.tracking_number, done.tracking_number, unverified.tracking_number}
    # default: the last 90 days, verified public cases only
    assert numbers() & ours == {recent.tracking_number, done.tracking_number}
    assert numbers(status="closed") & ours == {done.tracking_number}
    assert numbers(status="open") & ours == {recent.tracking_number}
    assert numbers(service_code=str(category.id)) == {recent.tracking_number}
    start = (now - datetime.timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (now - datetime.timedelta(days=100)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(start_date=start, end_date=end) & ours == {old.tracking_number}
    # with service_request_id the other filters are ignored (the spec)
    assert numbers(service_request_id=f"{old.tracking_number}, {unverified.tracking_number}",
                   status="closed") == {old.tracking_number, unverified.tracking_number}
    for fmt in ("json", "xml"):
        for bad in ({"start_date": "kemarin"}, {"status": "pending"}, {"service_code": "x"},
                    {"start_date": end, "end_date": start}):
            response = client.get(f"{API}/requests.{fmt}", query_string=bad)
            assert response.status_code == 400 and error_of(response, fmt)["code"] == 400


def test_request_list_returns_at_most_the_limit(client, channels, make_case, monkeypatch):
    from app.channels.open311 import api

    assert (api.MAX_REQUESTS, api.DEFAULT_DAYS) == (1000, 90)  # the spec's defaults
    monkeypatch.setattr(api, "MAX_REQUESTS", 2)
    for _ in range(3):
        make_case(status="dispatched")
    data, _xml = get_both(client, f"{API}/requests", schemas.REQUESTS, "service_requests")
    assert len(data) == 2


# --- jurisdiction ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_jurisdiction_id_ours_is_accepted_another_is_a_404(app, client, category, api_key, fmt):
    from tests.jobs.conftest import config_values

    with config_values(app, OPEN311_JURISDICTION_ID="contoh.go.id"):
        assert client.get(f"{API}/services.{fmt}?jurisdiction_id=contoh.go.id").status_code == 200
        for path in ("services", f"services/{category.id}", "requests", "discovery"):
            response = client.get(f"{API}/{path}.{fmt}?jurisdiction_id=kota-lain.go.id")
            assert response.status_code == 404, path
            error = error_of(response, fmt)
            assert error["code"] == 404 and "kota-lain.go.id" in error["description"]
        before = count_cases()
        response = client.post(f"{API}/requests.{fmt}",
                               data=post_form(category, api_key(), jurisdiction_id="kota-lain.go.id"))
        assert response.status_code == 404 and count_cases() == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_resource_is_a_404_in_the_errors_format(client, channels, fmt):
    response = client.get(f"{API}/laporan.{fmt}")
    assert response.status_code == 404 and error_of(response, fmt)["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_code_of_other_digits_is_unknown_not_a_500(client, category, api_key, fmt):
    """"²" and "١٢" are digits to str.isdigit: int() refused the first (a 500) and read the second as 12."""
    key = api_key()
    for code in ("\u00b2", "\u0661\u0662", f"{category.id}\u00b2"):
        assert error_of(client.get(f"{API}/services/{code}.{fmt}"), fmt)["code"] == 404
        response = client.get(f"{API}/requests.{fmt}", query_string={"service_code": code})
        assert response.status_code == 400 and error_of(response, fmt)["code"] == 400
        response = client.post(f"{API}/requests.{fmt}", data=post_form(category, key, service_code=code))
        assert response.status_code == 404 and error_of(response, fmt)["code"] == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_text_too_long_is_refused_not_cut(client, category, api_key, fmt):
    key, before = api_key(), count_cases()
    for field, limit in (("description", 10000), ("attribute[judul]", 200)):
        response = client.post(f"{API}/requests.{fmt}", data=post_form(category, key, **{field: "a" * (limit + 1)}))
        error = error_of(response, fmt)
        assert response.status_code == 400 and error["code"] == 400
        assert f"paling banyak {limit} karakter" in error["description"]
    assert count_cases() == before
    full = post_form(category, key, description="b" * 10000, **{"attribute[judul]": "c" * 200})
    assert client.post(f"{API}/requests.{fmt}", data=full).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_errors_before_any_view_runs_are_in_the_errors_format_too(app, client, category, api_key, monkeypatch, fmt):
    """A wrong method, a refused body or a server error: a client parsing GeoReport errors gets one."""
    from app.channels.open311 import api
    from app.channels.open311.encode import CONTENT_TYPES

    key = api_key()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for response, code in ((client.put(f"{API}/requests.{fmt}", data=post_form(category, key)), 405),
                           (client.delete(f"{API}/services.{fmt}"), 405),
                           (client.post(f"{API}/requests.{fmt}",
                                        data=post_form(category, key, description="Lubang\x00jalan")), 400)):
        assert response.status_code == code
        assert response.headers["Content-Type"] == CONTENT_TYPES[fmt]
        error = error_of(response, fmt)
        assert error["code"] == code and error["description"] and "kedaluwarsa" not in error["description"]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = client.post(f"{API}/requests.{fmt}", data=post_form(category, key, description="x" * 5000))
    assert response.status_code == 413 and error_of(response, fmt)["code"] == 413
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setattr(api, "_categories", lambda: 1 / 0)
    response = client.get(f"{API}/services.{fmt}")
    assert response.status_code == 500 and error_of(response, fmt)["code"] == 500
    assert b"ZeroDivision" not in response.data


# --- privacy ---------------------------------------------------------------------------------------


def test_confidential_cases_never_appear_and_no_identity_anywhere(client, category, api_key, make_case):
    secret = make_case(status="in_progress", confidential=True, reporter=SITI,
                       title="Rahasia: pungli di kantor", description="Pungutan liar oleh petugas Budi Rahasia.")
    anonymous = make_case(status="dispatched", anonymous=True, reporter=SITI)
    named = make_case(status="dispatched", reporter=SITI)
    bodies = []
    for fmt in ("json", "xml"):
        listing = client.get(f"{API}/requests.{fmt}")
        by_id = client.get(f"{API}/requests.{fmt}", query_string={
            "service_request_id": ",".join(c.tracking_number for c in (secret, anonymous, named))})
        single = client.get(f"{API}/requests/{secret.tracking_number}.{fmt}")
        assert single.status_code == 404
        bodies += [listing.data, by_id.data, single.data,
                   client.get(f"{API}/requests/{anonymous.tracking_number}.{fmt}").data,
                   client.get(f"{API}/requests/{named.tracking_number}.{fmt}").data]
        assert secret.tracking_number not in listing.data.decode() + by_id.data.decode()
        assert anonymous.tracking_number in by_id.data.decode() and named.tracking_number in by_id.data.decode()
    # a confidential case filed over Open311 is not shown either, not even through its token
    response = client.post(f"{API}/requests.json", data=post_form(category, api_key(), **{"attribute[rahasia]": "ya"}))
    answer = json.loads(response.data)[0]
    assert client.get(f"{API}/tokens/{answer['token']}.json").status_code == 404
    assert client.get(f"{API}/requests/{answer['service_request_id']}.json").status_code == 404
    for body in bodies:
        assert_hidden(body, SITI["name"], SITI["phone"], SITI["email"], SITI["nik"], "Rahasia: pungli", "Siti")


def test_a_case_not_on_the_public_list_shows_only_what_its_tracking_page_shows(client, channels, make_case):
    """Unverified, held, archived or merged cases are trackable by number, but what the reporter
    wrote (text, address, exact point, media) is published only once the public list shows it."""
    from app.extensions import db

    words = "Rumah saya di Jl. Melati 7, telepon 0812-7777-1111, tetangga Pak Darto menyerobot tanah."
    cases = {status: make_case(status=status, description=words) for status in ("received", "on_hold", "archived")}
    for case in cases.values():
        case.latitude, case.longitude, case.address = -6.861234, 107.923456, "Jl. Melati 7"
        case.media_url = "https://foto.contoh.id/rumah-melati-7.jpg"
    db.session.commit()
    for fmt in ("json", "xml"):
        by_id = client.get(f"{API}/requests.{fmt}",
                           query_string={"service_request_id": ",".join(c.tracking_number for c in cases.values())})
        bodies = [by_id.data] + [client.get(f"{API}/requests/{c.tracking_number}.{fmt}").data for c in cases.values()]
        assert all(c.tracking_number.encode() in by_id.data for c in cases.values())  # still trackable
        for body in bodies:
            assert_hidden(body, "Jl. Melati", "0812-7777-1111", "Pak Darto", "rumah-melati-7", "6.861", "107.923")
    data = json.loads(client.get(f"{API}/requests/{cases['received'].tracking_number}.json").data)[0]
    assert data["status"] == "open" and data["service_notice"] == "Belum terverifikasi"
    assert (data["description"], data["address"], data["lat"], data["long"], data["media_url"]) == (None,) * 5


def test_a_public_case_gives_its_map_point_as_the_public_map_does(client, channels, make_case):
    from app.extensions import db

    case = make_case(status="dispatched")
    case.latitude, case.longitude = -6.861234, 107.923456
    db.session.commit()
    data, xml_data = get_both(client, f"{API}/requests/{case.tracking_number}", schemas.REQUESTS, "service_requests")
    assert_same(data, xml_data)
    assert (data[0]["lat"], data[0]["long"]) == (-6.861, 107.923)
    assert data[0]["description"] == case.description
    for fmt in ("json", "xml"):
        listing = client.get(f"{API}/requests.{fmt}").data
        assert b"6.861234" not in listing and b"107.923456" not in listing


# --- keys: CLI and admin screen ----------------------------------------------------------------


def test_cli_creates_a_key_printed_once_and_stored_hashed(app, client, category, channels):
    from app.extensions import db
    from app.models import ApiClientKey

    runner = app.test_cli_runner()
    result = runner.invoke(args=["lapor", "api-key", "create", "Aplikasi CLI", "--rate-limit", "100 per hour"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("lpr_") and len(key) > 40
    row = db.session.execute(select(ApiClientKey).where(ApiClientKey.name == "Aplikasi CLI")).scalar_one()
    assert key not in (row.key_hash, row.prefix) and row.key_hash != key and row.rate_limit == "100 per hour"
    assert client.post(f"{API}/requests.json", data=post_form(category, key)).status_code == 200
    listed = runner.invoke(args=["lapor", "api-key", "list"])
    assert "Aplikasi CLI" in listed.output and key not in listed.output
    assert runner.invoke(args=["lapor", "api-key", "create", "Aplikasi CLI"]).exit_code != 0
    assert runner.invoke(args=["lapor", "api-key", "revoke", "Aplikasi CLI"]).exit_code == 0
    assert client.post(f"{API}/requests.json", data=post_form(category, key)).status_code == 403


def test_admin_creates_and_revokes_keys_on_screen(client, login_as, category, channels):
    from app.extensions import db
    from app.models import ApiClientKey

    login_as("admin")
    page = client.post("/apikeys/create", data={"name": "Aplikasi Layar", "channel": "mobile_app",
                                                "rate_limit": "30 per minute"})
    assert page.status_code == 200
    text = page.data.decode()
    key = text.split('id="new-api-key">', 1)[1].split("<", 1)[0]
    assert key.startswith("lpr_")
    assert key not in client.get("/apikeys/").data.decode()  # shown once
    assert client.post(f"{API}/requests.json", data=post_form(category, key)).status_code == 200
    bad = client.post("/apikeys/create", data={"name": "Aplikasi X", "rate_limit": "banyak sekali"})
    assert bad.status_code == 400 and "Aplikasi X" in bad.data.decode()
    row = db.session.execute(select(ApiClientKey).where(ApiClientKey.name == "Aplikasi Layar")).scalar_one()
    assert client.post(f"/apikeys/{row.id}/revoke").status_code == 302
    assert client.post(f"{API}/requests.json", data=post_form(category, key)).status_code == 403


def test_a_rate_limit_too_long_to_store_is_refused_with_the_form_kept(client, login_as, channels):
    login_as("admin")
    bad = client.post("/apikeys/create", data={"name": "Aplikasi Y", "rate_limit": "9" * 40 + " per second"})
    assert bad.status_code == 400 and "Aplikasi Y" in bad.data.decode()
    assert "Batas permintaan harus berbentuk" in bad.data.decode()


def test_a_key_name_too_long_is_refused_with_the_form_kept(client, login_as, channels):
    from app.extensions import db
    from app.models import ApiClientKey

    login_as("admin")
    name = "Aplikasi Pengaduan Warga Kabupaten " * 3 + "Versi Dua"
    assert len(name) > 100
    bad = client.post("/apikeys/create", data={"name": name, "rate_limit": "30 per minute"})
    assert bad.status_code == 400 and f'value="{name}"' in bad.data.decode()
    assert "paling banyak 100 karakter" in bad.data.decode()
    assert db.session.execute(select(ApiClientKey)).first() is None


@pytest.mark.parametrize("username", ["koordinator", "opd_dinkes", "pimpinan"])
def test_only_admins_manage_keys(client, login_as, channels, username):
    login_as(username)
    for response in (client.get("/apikeys/"), client.post("/apikeys/create", data={"name": "Curian"})):
        assert response.status_code in (302, 403)
        assert "/login" in response.headers.get("Location", "/login") or response.status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_reads_are_limited_per_address(app, client, channels, make_case, fmt):
    from tests.jobs.conftest import config_values

    case = make_case(status="dispatched")
    with config_values(app, OPEN311_RATE_LIMIT=f"3 per minute"):
        codes = [client.get(f"{API}/requests/{case.tracking_number}.{fmt}",
                            environ_base={"REMOTE_ADDR": f"10.9.9.{1 if fmt == 'json' else 2}"}).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get(f"{API}/requests/{case.tracking_number}.{fmt}",
                             environ_base={"REMOTE_ADDR": f"10.9.9.{1 if fmt == 'json' else 2}"})
        assert error_of(limited, fmt)["code"] == 429


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_api_key_in_the_address_is_refused_and_never_logged(client, category, api_key, caplog, fmt):
    """GeoReport v2 sends the key in the POST body; one in the query string lands in access logs."""
    key = api_key()
    before = count_cases()
    form = post_form(category, None)
    with caplog.at_level("DEBUG"):
        refused = client.post(f"{API}/requests.{fmt}", query_string={"api_key": key}, data=form)
        listed = client.get(f"{API}/requests.{fmt}", query_string={"api_key": key})
    for response in (refused, listed):
        assert response.status_code == 400
        error = error_of(response, fmt)
        assert error["code"] == 400 and "api_key" in error["description"] and "isi POST" in error["description"]
    assert count_cases() == before
    assert key not in caplog.text and key[:12] not in caplog.text
    assert client.post(f"{API}/requests.{fmt}", data={**form, "api_key": key}).status_code == 200  # the body: accepted


def test_a_date_whose_plus_was_not_encoded_is_read_as_meant(client, channels, make_case):
    from app.clock import utcnow

    case = make_case(status="dispatched", now=utcnow() - datetime.timedelta(days=120))
    local = (case.received_at + datetime.timedelta(hours=7)).replace(microsecond=0)

    def numbers(start, end):
        response = client.get(f"{API}/requests.json?start_date={start}&end_date={end}")  # "+" unencoded: a space
        assert response.status_code == 200, response.data
        return {item["service_request_id"] for item in json.loads(response.data)}

    around = [(local + datetime.timedelta(minutes=m)).isoformat() + "+07:00" for m in (-1, 1)]
    assert case.tracking_number in numbers(*around)
    after = [(local + datetime.timedelta(minutes=m)).isoformat() + "+07:00" for m in (1, 2)]
    assert case.tracking_number not in numbers(*after)  # the offset counts: read as +07:00, not dropped
    for garbage in ("2026-01-31T00:00:00 7", "2026-01-31T00:00:00 0700x", "kemarin 07:00", "2026-01-31T00:00:00  07:00",
                    "2026-01-31T00:00 07:00 07:00"):
        response = client.get(f"{API}/requests.json", query_string={"start_date": garbage})
        assert response.status_code == 400 and error_of(response, "json")["code"] == 400


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_id_without_any_id_is_an_error_not_the_default_listing(client, channels, make_case, fmt):
    make_case(status="dispatched")
    for empty in (",,,", " , ,"):
        response = client.get(f"{API}/requests.{fmt}", query_string={"service_request_id": empty})
        assert response.status_code == 400
        error = error_of(response, fmt)
        assert error["code"] == 400 and "service_request_id" in error["description"]


def test_open311_gives_the_location_the_report_page_gives(client, channels, make_case):
    """Kelurahan and kecamatan as the ``address``, the rounded point: never the street address."""
    from app.extensions import db
    from app.workflow import public_list

    case = make_case(status="dispatched", district="Sumedang Utara", village="Kotakaler")
    case.latitude, case.longitude, case.address = -6.861234, 107.923456, "Jl. Melati 7, rumah Pak Darto"
    db.session.commit()
    assert case.region is not None  # the official kelurahan
    for fmt in ("json", "xml"):
        body = client.get(f"{API}/requests/{case.tracking_number}.{fmt}").data
        assert_hidden(body, "Melati", "Darto", "6.861234", "107.923456")
    item = json.loads(client.get(f"{API}/requests/{case.tracking_number}.json").data)[0]
    assert (item["address"], item["lat"], item["long"]) == ("Kota Kaler, Sumedang Utara", -6.861, 107.923)
    page = client.get(f"/laporan/{case.tracking_number}").get_data(as_text=True)
    place = public_list.public_location(case)
    assert (place.village, place.district, place.label) == ("Kota Kaler", "Sumedang Utara", item["address"])
    assert "Kota Kaler" in page and "Sumedang Utara" in page and "Melati" not in page


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_date_beyond_what_utc_can_hold_is_a_400_in_the_errors_format(client, channels, fmt):
    """9999-12-31T23:59:59-12:00 is a valid ISO 8601 date whose UTC instant is in year 10000: a 400
    that names the argument, not a 500."""
    for name, value in (("end_date", "9999-12-31T23:59:59-12:00"), ("start_date", "0001-01-01T00:00:00+14:00")):
        response = client.get(f"{API}/requests.{fmt}", query_string={name: value})
        assert response.status_code == 400
        error = error_of(response, fmt)
        assert str(error["code"]) == "400"
        assert error["description"] == f"{name} di luar tanggal yang dapat dibaca server ini (tahun 1 sampai 9999)."


def test_a_phone_that_is_no_phone_number_is_refused_as_on_the_web_form(client, category, api_key):
    """``phone=abc`` opened a case whose receipt and updates went to "abc"; a longer number was cut to
    40 characters, a wrong number silently. The rule of the public form (``reporters.PHONE_PATTERN``)."""
    key = api_key()
    refused = client.post(f"{API}/requests.json", data=post_form(category, key, phone="nomor saya"))
    assert refused.status_code == 400
    assert refused.get_json() == [{"code": 400, "description":
                                   "phone bukan nomor telepon yang valid, misalnya 0812 3456 7890."}]
    accepted = client.post(f"{API}/requests.json", data=post_form(category, key, phone="+62 812-3456-7890"))
    assert accepted.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_sent_again_after_a_lost_answer_finds_its_case_instead_of_opening_a_second(
        client, category, api_key, fmt):
    """A phone on a weak network sends the request again when the answer does not arrive: that opened
    a second case, and a second receipt with a second reply code went to the reporter."""
    import datetime

    from app.extensions import db
    from app.models import InboundMessage, Outbox

    key = api_key()

    def post(**change):
        response = client.post(f"{API}/requests.{fmt}", data=post_form(category, key, **change))
        assert response.status_code == 200, response.data
        if fmt == "json":
            return json.loads(response.data)[0]
        tag, data = parse_xml(response.data)
        return data[0]

    def receipts():
        return db.session.execute(select(func.count()).select_from(Outbox).where(Outbox.topic == "received")).scalar()

    before = count_cases()
    first = post()
    sent = receipts()
    assert sent >= 1  # e-mail and WhatsApp
    again = post()
    assert count_cases() == before + 1 and receipts() == sent
    assert (again["service_request_id"], again["token"]) == (first["service_request_id"], first["token"])
    # the fingerprint is a keyed hash: nothing of the reporter readable on the record
    row = db.session.execute(select(InboundMessage).where(InboundMessage.external_id == first["token"])).scalar_one()
    assert row.sender and "Budi" not in row.sender and "081299998888" not in row.sender
    # another report from the same client is a case of its own
    other = post(description="Lampu jalan mati di depan pasar sejak Senin malam.")
    assert other["service_request_id"] != first["service_request_id"] and count_cases() == before + 2
    # the same text long after (a new report of the same problem): a new case
    row.created_at -= datetime.timedelta(minutes=11)
    db.session.commit()
    later = post()
    assert later["service_request_id"] != first["service_request_id"] and count_cases() == before + 3


@pytest.mark.postgres_only
@pytest.mark.parametrize("attempt", range(3))
def test_the_same_post_sent_twice_at_the_same_moment_opens_one_case(app, category, api_key, attempt):
    """A client that sends its request again before the first answer came (two at once): both wait
    on the key's use counter, the second then finds the first's case; one case, one answer."""
    from app.extensions import db

    key, form = api_key(), None
    form = post_form(category, key, description=f"Lubang besar di Jalan Merdeka, kiriman serentak {attempt}.")
    db.session.commit()
    before = count_cases()
    barrier, answers = threading.Barrier(2), []

    def send():
        client = app.test_client()
        barrier.wait()
        response = client.post(f"{API}/requests.json", data=form)
        answers.append((response.status_code, json.loads(response.data)[0]))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [status for status, _ in answers] == [200, 200], answers
    assert answers[0][1]["service_request_id"] == answers[1][1]["service_request_id"]
    db.session.expire_all()
    assert count_cases() == before + 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_sent_as_json_is_told_to_send_a_form(client, category, api_key, fmt):
    """Most clients post JSON by habit: they were told "api_key missing, invalid or revoked" while
    their key was right there, in a body the spec does not read."""
    key = api_key()
    before = count_cases()
    response = client.post(f"{API}/requests.{fmt}", json=post_form(category, key))
    assert response.status_code == 400
    description = error_of(response, fmt)["description"]
    assert "application/x-www-form-urlencoded" in description and "application/json" in description
    assert count_cases() == before


def test_an_unknown_attribute_is_named_and_the_definition_lists_exactly_the_known_ones(client, category, api_key):
    from app.channels.open311 import api

    definition = client.get(f"{API}/services/{category.id}.json").get_json()
    assert tuple(a["code"] for a in definition["attributes"]) == api.ATTRIBUTE_CODES
    response = client.post(f"{API}/requests.json", data=post_form(category, api_key(), **{"attribute[prioritas]": "tinggi"}))
    assert response.status_code == 400
    assert response.get_json() == [{"code": 400, "description":
                                    f"attribute[prioritas] bukan atribut layanan ini; services/{category.id} mencantumkannya."}]
