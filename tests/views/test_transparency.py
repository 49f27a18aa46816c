"""The public transparency dashboard: figures from SQL aggregation, confidential cases only counted."""
import html
import re

from tests.conftest import visible_text


def figure(body, element_id):
    return re.search(rf'id="{element_id}">([^<]*)<', body).group(1).strip()


def test_dashboard_figures_for_known_cases(client, make_case):
    for _ in range(5):
        make_case(status="closed", agency="DINKES")
    for _ in range(2):
        make_case(status="dispatched", agency="PUPR")
    make_case(status="in_progress", agency="PUPR")
    secret = make_case(status="received", confidential=True, title="Dugaan suap di loket perizinan")
    make_case(status="received")
    body = client.get("/transparansi").get_data(as_text=True)
    # 10 received; followed up: 5 closed + 1 in progress = 6 -> 60%; finished: 5 -> 50%
    assert figure(body, "kpi-received") == "10"
    assert figure(body, "kpi-followed-up") == "60%"
    assert figure(body, "kpi-finished") == "50%"
    assert "hari kerja" in figure(body, "kpi-response")
    text = visible_text(body)
    assert "Laporan rahasia (hanya dihitung) 1" in text
    assert secret.title not in body and "Dugaan suap" not in body
    ranking = re.search(r'(?s)<table class="table table-striped" id="ranking">.*?</table>', body).group(0)
    assert "Dinas Kesehatan" in ranking and "Dinas PUPR" not in ranking  # PUPR has 3 cases, fewer than 5


def test_every_period_kind_renders(client, make_case):
    make_case(status="closed", agency="DINKES")
    for period in ("2026-11", "2026-Q4", "2026", "", "2026-13", "bukan", "2026-Q9", "99999"):
        response = client.get(f"/transparansi?periode={period}")
        valid = period in ("2026-11", "2026-Q4", "2026", "")
        assert response.status_code == (200 if valid else 400), period
        assert re.search(r'src="/static/vendor/chartjs/chart\.umd\.js\?v=[0-9a-f]{10}"', response.get_data(as_text=True))


def test_the_earliest_and_latest_months_a_period_may_name_render(client, make_case):
    """January 1900 is a period the page accepts: its trend chart (the six months ending with it)
    stops at the first month a period may name instead of failing with a 500."""
    make_case(status="closed", agency="DINKES")
    for period in ("1900-01", "1900-03", "9998-12", "1900-Q1", "1900"):
        response = client.get(f"/transparansi?periode={period}")
        assert response.status_code == 200, period
        assert "bukan periode" not in visible_text(response.get_data(as_text=True))


def test_a_period_that_is_none_says_so_instead_of_showing_another_one_silently(client, make_case):
    """A mistyped or old link (?periode=2026-13) is not answered with this month's figures as if asked."""
    make_case(status="closed", agency="DINKES")
    response = client.get("/transparansi?periode=2026-13")
    assert response.status_code == 400 and "ETag" not in response.headers
    text = html.unescape(visible_text(response.get_data(as_text=True)))
    assert '"2026-13" bukan periode yang sah' in text and "yang ditampilkan bulan ini" in text
    assert "bukan periode" not in visible_text(client.get("/transparansi?periode=2026-11").get_data(as_text=True))


def test_unknown_report_download_is_404(client):
    for url in ("/transparansi/2026-10.csv", "/transparansi/2026-10.pdf", "/transparansi/..%2F..%2Fetc.csv"):
        assert client.get(url).status_code == 404


def test_home_and_transparency_show_the_same_figure_from_one_cache(app, client, make_case, monkeypatch):
    """Same period, same moment, one shared cache: the home page and /transparansi agree, and a new
    case (an event) invalidates the cached figures of both."""
    from app import stats

    calls = []
    compute = stats.period_kpis
    monkeypatch.setattr(stats, "period_kpis", lambda *a, **k: calls.append(a) or compute(*a, **k))
    monkeypatch.setitem(app.config, "KPI_CACHE_SECONDS", 300)
    for _ in range(3):
        make_case(status="dispatched", agency="DINKES")
    home = client.get("/").get_data(as_text=True)
    page = client.get("/transparansi").get_data(as_text=True)
    assert figure(home, "home-received") == figure(page, "kpi-received") == "3"
    assert figure(home, "home-followed-up") == "0%"
    assert len(calls) == 1  # computed once, read twice
    make_case(status="closed", agency="DINKES")  # an event: both pages move together
    page = client.get("/transparansi").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert figure(home, "home-received") == figure(page, "kpi-received") == "4"
    assert figure(home, "home-followed-up") == figure(page, "kpi-followed-up") == "25%"
    assert len(calls) == 2


def test_transparency_is_cacheable_with_etag_and_last_modified(client, make_case):
    make_case(status="dispatched", agency="DINKES")
    first = client.get("/transparansi?periode=2026-Q4")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]
    again = client.get("/transparansi?periode=2026-Q4", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.get("/transparansi?periode=2026-Q4",
                      headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/transparansi?periode=2026-11", headers={"If-None-Match": etag}).status_code == 200
    make_case(status="received")  # an event changes the figures: the old version is stale
    fresh = client.get("/transparansi?periode=2026-Q4", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_staff_see_a_private_version(login_as):
    client = login_as("koordinator")
    response = client.get("/transparansi")
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]


def test_a_published_csv_names_its_charset_once(client, jobs, world, login_as):
    """The monthly CSV (open data, ``,``-separated, UTF-8 with BOM) says ``charset=utf-8`` once in its
    Content-Type, on /transparansi and in the coordinator's download alike (it said it twice)."""
    from app import reports

    report = reports.build("2019-06")
    reports.publish(report.id, user_id=world.user("koordinator").id)
    public = client.get("/transparansi/2019-06.csv")
    assert public.status_code == 200 and public.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert public.get_data().startswith("\ufeff".encode("utf-8"))
    staff = login_as("koordinator").get(f"/transparencyreportview/download/{report.id}/csv")
    assert staff.status_code == 200 and staff.headers["Content-Type"] == "text/csv; charset=utf-8"
