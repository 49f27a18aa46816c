"""Every default list, filter and public page query uses an index (PostgreSQL, at a scale where
the planner would otherwise scan the case table), and lists never count past the cap."""
import datetime as dt
import re

import pytest
from sqlalchemy import event, func, select, text

from app.extensions import db

NOW = dt.datetime(2026, 6, 15, 5, 0)


@pytest.fixture
def many_cases(ctx):
    """30,000 realistic cases (the benchmark generator), most with an official region, vacuumed,
    statistics fresh."""
    from bench.generate import generate
    from app.models import Category
    from tests.conftest import _cleanup

    # categories of its own (the generator spreads the cases over the active ones), so that a
    # category filter is as selective here as in an installation whatever other tests left behind
    own = [Category(name=f"Kategori uji indeks {n}", active=True) for n in range(1, 9)]
    db.session.add_all(own)
    db.session.commit()
    own_ids = [category.id for category in own]
    generate(30000, now=NOW, quiet=True, chunk=10000)
    # as after `flask lapor init --region`: the typed locations matched an official kelurahan/desa,
    # but for a few (the coordinator's "unmapped location" queue)
    db.session.execute(text("""
        UPDATE complaint c SET region_code = r.code, district_code = r.parent_code
        FROM (SELECT code, parent_code, row_number() OVER (ORDER BY code) - 1 AS i FROM region WHERE level = 4) r
        WHERE c.id % 50 <> 0 AND r.i = c.id % (SELECT count(*) FROM region WHERE level = 4)"""))
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE complaint"))  # as autovacuum leaves a table: no dead rows
    yield
    db.session.rollback()
    db.session.execute(text("DELETE FROM reminder"))
    db.session.commit()
    _cleanup()  # the cases first, then the categories they were in
    db.session.execute(Category.__table__.delete().where(Category.id.in_(own_ids)))
    db.session.commit()


def _pages(world):
    from app.models import Agency, Complaint

    dinkes = world.agency("DINKES").id
    # a category that selects a few cases (which categories exist, and so how the generator spreads
    # the cases over them, depends on what other tests left behind; a filter matching most of the
    # table is rightly read by a sequential scan, and proves nothing here)
    share = db.session.execute(select(Complaint.category_id, func.count()).where(Complaint.category_id.is_not(None))
                               .group_by(Complaint.category_id).order_by(func.count(), Complaint.category_id)).first()
    total = db.session.execute(select(func.count()).select_from(Complaint)).scalar()
    assert share and share[1] <= total // 5, (share, total)
    category = share[0]
    public = db.session.execute(select(Complaint.tracking_number).where(
        Complaint.status == "in_progress", Complaint.is_confidential.is_(False)).limit(1)).scalar()
    pupr = world.agency("PUPR").id
    channel = world.channel().id
    # the OPD list's deep page: the officer of the agency holding most cases (how the generator
    # spreads them depends on the categories other tests left behind), a day near its oldest end
    scopes = {"opd_dinkes": [dinkes, world.agency("RSUD").id], "opd_pupr": [pupr]}
    held = {user: db.session.execute(select(func.count()).where(Complaint.agency_id.in_(ids))).scalar()
            for user, ids in scopes.items()}
    officer = max(held, key=held.get)
    deep = db.session.execute(select(Complaint.received_at).where(Complaint.agency_id.in_(scopes[officer]))
                              .order_by(Complaint.received_at).offset(100).limit(1)).scalar()
    assert deep is not None, held
    opd_day = deep.date() + dt.timedelta(days=1)
    categories = [f"/laporan?kategori={category}"]
    staff_categories = [f"/complaintview/list/?_flt_0_category={category}"]
    pages = {
        None: categories + ["/laporan", "/laporan?status=closed", "/laporan?jenis=aspiration", 
               f"/laporan?instansi={pupr}", "/laporan?kecamatan=32.11.18", "/laporan?tanggal=2026-02-01",
               "/laporan?dari=2026-03&sampai=2026-03", "/laporan?q=xyzzyq", f"/laporan/{public}", f"/lacak/{public}", "NEXT:/laporan?tanggal=2025-08-01"],
        "koordinator": ["/complaintview/list/", "/complaintview/list/?_flt_0_status=received",
                        f"/complaintview/list/?_flt_0_tracking_number={public}",
                        "/complaintview/list/?_flt_0_status=in_progress", f"/complaintview/list/?_flt_0_agency={pupr}",
                        "/queuetoverifyview/list/", "/queueoverdueview/list/",
                        "/queuereturnedview/list/",
                        "/queueunmappedlocationview/list/",
                        "/complaintview/list/?_flt_0_kind=aspiration", f"/complaintview/list/?_flt_0_channel={channel}", "/complaintview/list/?_flt_0_district=Cibeureum",
                        "/complaintview/list/?_flt_0_received_at=01/03/2026",
                        "/complaintview/list/?_flt_1_received_at=01/03/2026",
                        "/complaintview/list/?_flt_2_received_at=01/03/2026",
                        "/complaintview/list/?_flt_3_resolution_due=y",
                        "/complaintview/list/?_flt_0_verification_due=01/03/2026",
                        "/complaintview/list/?page_ComplaintView=20000",
                        "/complaintview/list/?_oc_ComplaintView=tracking_number&page_ComplaintView=20000",
                        "/complaintview/list/?_oc_ComplaintView=status&page_ComplaintView=20000",
                        "NEXT:/complaintview/list/?tanggal=2025-08-01",
                        "NEXT:/complaintview/list/?_oc_ComplaintView=received_at&_od_ComplaintView=asc&tanggal=2026-01-10",
                        "NEXT:/complaintview/list/?_flt_0_status=closed&tanggal=2025-10-01"],
        "opd_dinkes": ["/complaintview/list/", "/complaintview/list/?_flt_0_status=dispatched",
                       "/queuetofollowupview/list/", "/queueoverdueview/list/",
                       "/queueawaitingreporterview/list/", "/complaintview/list/?_flt_0_kind=aspiration",
                       f"/complaintview/list/?_flt_0_channel={channel}",
                       "/complaintview/list/?_flt_0_received_at=01/03/2026",
                       "/complaintview/list/?_flt_1_received_at=01/03/2026",
                       "/complaintview/list/?_flt_3_resolution_due=y"],
        "pimpinan": ["/complaintview/list/"],
    }
    for username in ("koordinator", "opd_dinkes"):
        pages[username] += staff_categories
    pages.setdefault(officer, []).append(f"NEXT:/complaintview/list/?tanggal={opd_day.isoformat()}")
    return pages


@pytest.mark.postgres_only
def test_list_and_public_queries_never_scan_the_case_table(many_cases, client, login_as, world):
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\bcomplaint\b", statement):
            captured.append((statement, parameters))

    plans = {}
    for username, urls in _pages(world).items():
        http = login_as(username) if username else client
        if not username:
            http.get("/logout/")
        for url in urls:
            if url.startswith("NEXT:"):  # a deep keyset page: the "next" link of a page months back
                page = http.get(url[5:]).get_data(as_text=True)
                found = re.search(r'<a href="([^"]+)" id="next-page"', page)
                assert found, (url, page[-3000:])
                url = found.group(1).replace("&amp;", "&")
                assert "sebelum=" in url or "sesudah=" in url, url
            captured.clear()
            event.listen(db.engine, "before_cursor_execute", capture)
            try:
                response = http.get(url)
            finally:
                event.remove(db.engine, "before_cursor_execute", capture)
            assert response.status_code == 200, url
            assert captured, url
            if "sebelum=" in url or "sesudah=" in url:  # keyset pages seek, they never skip rows
                assert not [s for s, _p in captured if re.search(r"\bOFFSET\b", s, re.I)], url
            for statement, parameters in captured:
                plan = "\n".join(row[0] for row in _explain(statement, parameters))
                plans[(username, url, statement[:80])] = plan
    scans = {key: plan for key, plan in plans.items() if "Seq Scan on complaint " in plan + " "}
    assert scans == {}, "\n\n".join(f"{k}\n{v}" for k, v in scans.items())


def _explain(statement, parameters):
    raw = db.session.connection().connection.dbapi_connection
    with raw.cursor() as cur:
        cur.execute("EXPLAIN " + statement, parameters)
        return cur.fetchall()


@pytest.mark.postgres_only
def test_counts_stop_at_the_cap(many_cases, client, login_as, monkeypatch):
    from app.workflow import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 1000)
    import app.interface

    monkeypatch.setattr(app.interface, "COUNT_CAP", 1000)
    page = client.get("/laporan").get_data(as_text=True)
    assert "lebih dari 1.000 laporan" in page
    staff = login_as("koordinator").get("/complaintview/list/").get_data(as_text=True)
    assert "lebih dari 1.000" in staff
