"""What a staff list page costs beyond its case SQL (issue 16: ≤ 2× the raw SQL at a million cases):
no Babel pattern or catalog look-up per row, and FAB's filters not rebuilt for every column on
every request. Behaviour is checked elsewhere (test_list_filters, test_staff_list_paging,
tests/test_formatting.py); these count the work."""
import re

import babel.dates
import pytest
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter

LIST = "/complaintview/list/"


def row_count(page):
    return len(re.findall(r'name="rowid"', page))


@pytest.fixture
def counting(monkeypatch):
    """Calls of Babel's date patterns and of the translation catalog during what follows."""
    from flask_babel import get_translations

    calls = {"pattern": 0, "catalog": 0}
    pattern = babel.dates.format_datetime

    def counted_pattern(*args, **kwargs):
        calls["pattern"] += 1
        return pattern(*args, **kwargs)

    monkeypatch.setattr(babel.dates, "format_datetime", counted_pattern)

    def watch_catalog():
        catalog = type(get_translations())
        original = catalog.ugettext

        def counted_catalog(self, message):
            calls["catalog"] += 1
            return original(self, message)

        monkeypatch.setattr(catalog, "ugettext", counted_catalog)
        monkeypatch.setattr(catalog, "gettext", counted_catalog)

    calls["watch_catalog"] = watch_catalog
    return calls


def test_a_list_row_adds_no_babel_work(login_as, make_case, counting, ctx):
    """The time of each row, the deadline under its badge and the labels of its codes (status,
    kind, badge) are written from data Babel gave once per language: a page of 12 rows asks
    Babel exactly as much as a page of 2."""
    for _ in range(2):
        make_case(agency="DINKES", status="dispatched")
    client = login_as("koordinator")
    with ctx.test_request_context():
        counting["watch_catalog"]()
    client.get(LIST)  # the first request of the language: the labels are translated once here

    def cost():
        counting.update(pattern=0, catalog=0)
        page = client.get(LIST).get_data(as_text=True)
        return row_count(page), counting["pattern"], counting["catalog"]

    rows, patterns, lookups = cost()
    assert rows == 2
    for _ in range(10):
        make_case(agency="PUPR", status="dispatched")
    more_rows, more_patterns, more_lookups = cost()
    assert more_rows == 12
    assert (more_patterns, more_lookups) == (patterns, lookups)


def test_a_list_reads_the_language_and_time_zone_once_a_page(login_as, make_case, monkeypatch):
    """Each row's received time and SLA deadline are written with the page's language, zone and
    label translations read once (``PageTimes``, ``list_rows``), not asked of Flask-Babel per row."""
    import flask_babel

    import app.formats

    for _ in range(2):
        make_case(agency="DINKES", status="dispatched")
    client = login_as("koordinator")
    client.get(LIST)
    asked = []
    for name in ("get_locale", "get_timezone", "get_translations"):
        original = getattr(flask_babel, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            asked.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(flask_babel, name, counted)
        if hasattr(app.formats, name):
            monkeypatch.setattr(app.formats, name, counted)

    def cost():
        asked.clear()
        page = client.get(LIST).get_data(as_text=True)
        return row_count(page), len(asked)

    rows, questions = cost()
    assert rows == 2
    for _ in range(10):
        make_case(agency="PUPR", status="dispatched")
    assert cost() == (12, questions)


def test_the_filters_of_a_list_are_not_rebuilt_for_every_column_on_every_request(login_as, monkeypatch):
    """FAB converts every column of the model into its filters each time it builds a list's
    filters (three times a request): made once per screen, they are reused."""
    client = login_as("koordinator")
    assert client.get(LIST + "?_flt_0_status=received").status_code == 200
    converted = []
    original = SQLAFilterConverter.convert
    monkeypatch.setattr(SQLAFilterConverter, "convert",
                        lambda self, column: converted.append(column) or original(self, column))
    page = client.get(LIST + "?_flt_0_status=dispatched").get_data(as_text=True)
    assert converted == []
    assert 'data-column="tracking_number"' in page or "Tidak ada data" in page
