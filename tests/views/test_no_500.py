"""No 500 on bad input: every case named in issue 11, and a fuzz of the public and staff query
parameters (random and hostile values on every parameter the pages read)."""
import random
import string

import pytest

from tests.conftest import PASSWORD

PUBLIC_BAD = [
    "/laporan?endpoint=x", "/laporan?hal=-1", "/laporan?hal=99999999999999999999", "/laporan?dari=0000-00&sampai=9999-99",
    "/laporan?kategori=1e9999", "/laporan?instansi=-5", "/laporan?status=%00", "/laporan?q=%27%22%3C%3E",
    "/transparansi?periode=0000", "/transparansi?periode=0000-00", "/transparansi?periode=9999-Q9",
    "/transparansi?periode=2026-13", "/transparansi?periode=-1", "/transparansi/0000.csv", "/transparansi/2026-13.xlsx",
    "/lacak/%00", "/lacak/" + "A" * 500, "/laporan/%27", "/lapor?endpoint=x", "/?endpoint=x",
    # digits to str.isdigit that int() refuses (superscripts) or reads as another number (Arabic-Indic)
    "/laporan?kategori=%C2%B2", "/laporan?instansi=%C2%B9", "/laporan?hal=%C2%B2", "/?page_x=%C2%B2",
    "/lacak?psize_y=%C2%B3", "/laporan?kategori=%D9%A1%D9%A2",
]
STAFF_BAD = [
    "/complaintview/list/?_oc_ComplaintView=reporter", "/complaintview/list/?_oc_ComplaintView=__class__",
    "/complaintview/list/?_oc_ComplaintView=password&_od_ComplaintView=asc",
    "/complaintview/list/?_oc_ComplaintView=agency.name.x", "/users/list/?_oc_LaporUserDBModelView=password",
    "/users/list/?_oc_UserDBModelView=nonexistent", "/agencyview/list/?_oc_AgencyView=parent.parent.name",
    "/complaintview/list/?_flt_0_received_at=not-a-date", "/complaintview/list/?_flt_1_id=abc",
    "/complaintview/list/?endpoint=x", "/loginhistoryview/list/?_oc_LoginHistoryView=user.password",
    "/complaintview/export.csv?status=%00", "/dasbor/?periode=0000", "/notifikasi/?page=-1",
    "/api/v1/complaint/?q=(filters:!((col:title,opr:gt,value:5)))",
    "/api/v1/complaint/?q=(filters:!((col:received_at,opr:gt,value:abc)))",
    "/api/v1/complaint/?q=(filters:!((col:id,opr:eq,value:abc)))",
    "/api/v1/complaint/?q=(order_column:reporter,order_direction:asc)",
    "/api/v1/complaint/?q=(page:-1,page_size:-5)", "/api/v1/complaint/?q=(page_size:100000)",
    "/api/v1/complaint/?q=(columns:!(reporter.nik))", "/api/v1/complaint/_info?q=(keys:!(bogus))",
    "/complaintview/list/?page_ComplaintView=%C2%B2", "/notifikasi/?page=%C2%B2",
]


@pytest.mark.parametrize("url", PUBLIC_BAD)
def test_public_bad_input_is_never_a_500(client, url):
    response = client.get(url)
    assert response.status_code < 500, (url, response.status_code)


@pytest.mark.parametrize("url", STAFF_BAD)
def test_staff_bad_input_is_never_a_500(login_as, url):
    response = login_as("admin").get(url)
    assert response.status_code < 500, (url, response.status_code)


def test_bad_bodies_are_refused_with_a_message(app, client, login_as, make_case):
    case = make_case(status="dispatched", agency="DINKES")
    staff = login_as("koordinator")
    response = staff.post(f"/complaintview/edit/{case.id}", data={"expected_version": "abc", "address": "Jl. X"})
    assert response.status_code < 500
    response = staff.post(f"/complaintview/transition/{case.id}/internal_note",
                          data={"expected_version": "abc", "text": "Catatan."})
    assert response.status_code < 500
    with app.test_client() as api:
        token = api.post("/api/v1/security/login", json={"username": "admin", "password": PASSWORD,
                                                          "provider": "db"}).get_json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for body in ([1, 2], "teks", 5, None, {"address": ["bukan", "teks"]}, {"latitude": "abc"},
                     {"expected_version": "abc"}, {"status": "closed"}):
            response = api.put(f"/api/v1/complaint/{case.id}", json=body, headers=headers)
            assert response.status_code in (400, 422), (body, response.status_code, response.get_data(as_text=True))
        response = api.put(f"/api/v1/complaint/{case.id}", data="{bukan json", headers=dict(headers, **{"Content-Type": "application/json"}))
        assert response.status_code == 400
        assert api.post("/api/v1/security/login", data="x", headers={"Content-Type": "application/json"}).status_code == 400
        assert api.post("/api/v1/security/login", json=[1]).status_code == 400


def test_staff_post_without_csrf_token_is_a_400_page(app, login_as, make_case, monkeypatch):
    case = make_case(status="dispatched", agency="DINKES")
    staff = login_as("koordinator")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for url, data in ((f"/complaintview/transition/{case.id}/internal_note", {"text": "x"}),
                      (f"/complaintview/edit/{case.id}", {"address": "x"}), (f"/complaintview/delete/{case.id}", {}),
                      ("/complaintview/action_post", {"action": "bulk_verify", "rowid": case.id}),
                      ("/users/add", {"username": "x"})):
        response = staff.post(url, data=data)
        assert response.status_code == 400, (url, response.status_code)
        assert "tidak valid" in response.get_data(as_text=True) or "CSRF" in response.get_data(as_text=True)


# --- fuzz ---------------------------------------------------------------------------------------

HOSTILE = ["", "-1", "0", "00", "1e309", "99999999999999999999999", "abc", "%00", "\x00", "' OR 1=1 --", '"><script>',
           "../../etc/passwd", "ÿ" * 50, "🙂", "2026-13", "0000", "9999-Q9", "NaN", "[]", "{}", "(a:b)", "!(", "x" * 3000,
           "_oc_", "None", "null", "true", "-", "+", "=1+1", "\t", " "]
PUBLIC_PARAMS = {
    "/laporan": ["q", "jenis", "status", "kategori", "instansi", "kecamatan", "dari", "sampai", "hal", "endpoint",
                 "sebelum", "sesudah", "tanggal"],
    "/transparansi": ["periode", "endpoint"],
    "/lacak": ["nomor", "number", "kode"],
    "/": ["next", "endpoint", "lang"],
}
STAFF_PARAMS = {
    "/complaintview/list/": ["_oc_ComplaintView", "_od_ComplaintView", "page_ComplaintView", "psize_ComplaintView",
                             "_flt_0_status", "_flt_1_title", "_flt_2_received_at", "_flt_0_agency", "_flt_3_overdue",
                             "next", "endpoint", "sebelum", "sesudah", "tanggal"],
    "/complaintview/export.csv": ["status"],
    "/dasbor/": ["periode", "agency", "endpoint"],
    "/loginhistoryview/list/": ["_oc_LoginHistoryView", "_od_LoginHistoryView", "page_LoginHistoryView",
                                "_flt_0_username", "_flt_0_method", "_flt_3_created_at"],
    "/users/list/": ["_oc_LaporUserDBModelView", "page_LaporUserDBModelView", "_flt_0_username"],
    "/api/v1/complaint/": ["q"],
}


def _fuzz_urls(params_by_path, seed, rounds):
    rng = random.Random(seed)
    for path, names in params_by_path.items():
        for name in names:
            for value in HOSTILE:
                yield path, {name: value}
        for _ in range(rounds):
            chosen = rng.sample(names, k=min(len(names), rng.randint(1, 3)))
            yield path, {name: rng.choice(HOSTILE + ["".join(rng.choices(string.printable, k=rng.randint(1, 40)))])
                         for name in chosen}


def test_fuzz_public_query_parameters(client):
    failures = []
    for path, params in _fuzz_urls(PUBLIC_PARAMS, seed=11, rounds=40):
        response = client.get(path, query_string=params)
        response.get_data()  # streamed exports run to the end
        response.close()
        if response.status_code >= 500:
            failures.append((path, params, response.status_code))
    assert failures == []


def test_fuzz_staff_query_parameters(login_as, make_case):
    make_case(status="dispatched", agency="DINKES")
    client = login_as("admin")
    failures = []
    for path, params in _fuzz_urls(STAFF_PARAMS, seed=12, rounds=40):
        response = client.get(path, query_string=params)
        response.get_data()  # streamed exports run to the end
        response.close()
        if response.status_code >= 500:
            failures.append((path, params, response.status_code))
    assert failures == []
