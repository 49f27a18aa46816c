"""How values read on staff screens (app/formatting.py): a list row's cells are built in Python
(``list_cells``) with the same HTML the template's loop over the columns wrote."""
import datetime as dt

from flask import render_template_string
from flask_babel import force_locale, lazy_gettext as _l
from markupsafe import Markup

from app.formatting import fixed_text, list_cells

# the loop list_cells replaces (appbuilder/general/widgets/list.html before), cell by cell
TEMPLATE_LOOP = (
    "{% for value in include_columns %}{% set formatter = formatters_columns.get(value) %}"
    "{% if formatter %}<td data-column=\"{{ value }}\">{{ formatter(item[value])|shown }}</td>"
    "{% else %}<td data-column=\"{{ value }}\">{{ item[value]|shown }}</td>{% endif %}{% endfor %}")

ROW = {
    "title": "Jalan <rusak> & \"berlubang\"", "empty": None, "blank": "  ", "dash": "-", "yes": True, "no": False,
    "number": 7, "zero": 0, "tags": ["a", "<b>"], "none_list": [], "received_at": dt.datetime(2026, 11, 23, 7, 5),
    "day": dt.date(2026, 11, 3), "status": "received", "kind": "aspiration", "badge": "x", "lazy": _l("Yes"),
    "markup": Markup("<b>tebal</b>"), "with_variable": "ok",
}
FORMATTERS = {
    "status": lambda v: {"received": _l("Received")}[v],
    "kind": lambda v: _l("Aspiration"),
    "badge": lambda v: Markup('<span class="label">%s</span>') % _l("Overdue"),
    "with_variable": lambda v: _l("%(count)s cases processed.", count=3),
    "number": lambda v: v * 2,
}


def test_the_cells_are_the_html_of_the_template_loop(ctx):
    for language in ("id", "en"):
        with ctx.test_request_context(), force_locale(language):
            expected = render_template_string(TEMPLATE_LOOP, item=ROW, include_columns=list(ROW),
                                              formatters_columns=FORMATTERS)
            for _twice in range(2):  # the second time from the translations kept per language
                assert str(list_cells(ROW, list(ROW), FORMATTERS)) == expected
    assert "Jalan &lt;rusak&gt; &amp; &#34;berlubang&#34;" in expected and "<b>tebal</b>" in expected


def test_a_code_label_is_translated_once_per_language(ctx, monkeypatch):
    from flask_babel.speaklater import LazyString

    translated = []
    original = LazyString.__html__
    monkeypatch.setattr(LazyString, "__html__", lambda self: translated.append(self) or original(self))
    label = _l("A label of a code, seen in this test only")
    with ctx.test_request_context(), force_locale("id"):
        assert [fixed_text(label) for _cell in range(50)] == ["A label of a code, seen in this test only"] * 50
        assert len(translated) == 1
        assert fixed_text(_l("Received")) == "Diterima"
        assert fixed_text(_l("%(count)s cases processed.", count=2)) is None  # a message with a variable
        assert fixed_text("Diterima") is None and fixed_text(None) is None
    with ctx.test_request_context(), force_locale("en"):
        assert fixed_text(_l("Received")) == "Received"  # each language its own


def test_a_template_looks_its_catalog_up_once_per_page_not_once_per_string(ctx, monkeypatch):
    from flask_babel import Domain

    lookups = []
    original = Domain.get_translations
    monkeypatch.setattr(Domain, "get_translations", lambda self: lookups.append(1) or original(self))
    page = ("{% for _i in range(40) %}{{ _('Received') }}|{{ ngettext('%(num)d case', '%(num)d cases', 2) }}|"
            "{{ pgettext('month', 'May') }}|{% endfor %}")
    with ctx.test_request_context(), force_locale("id"):
        text = render_template_string(page)
        assert len(lookups) <= 2  # once by the page's context processor, not 120 times
        assert text.startswith("Diterima|") and text.count("Diterima|") == 40
    with ctx.test_request_context(), force_locale("en"):
        assert render_template_string(page).startswith("Received|2 cases|May|")
    with ctx.test_request_context(), force_locale("id"):  # a template rendered outside render_template
        assert ctx.jinja_env.from_string("{{ _('Received') }}").render() == "Diterima"


def test_the_rows_of_a_list_are_the_html_of_the_template_loop(ctx):
    """``list_rows`` writes every row of a list page in one call: per row the labelled checkbox
    (lists with actions), the row's buttons given its key, then the cells: the elements FAB's
    per-row loop wrote (whitespace aside)."""
    from app.formatting import STAND_IN_KEY, list_rows

    buttons = Markup(f'\n    <div class="btn-group">\n        <a href="/x/show/{STAND_IN_KEY}">\n'
                     f'        <span class="sr-only">Lihat</span></a>\n    </div>\n')
    rows = [{"title": "Satu <a>", "status": "received"}, {"title": "Dua", "status": "received"}]
    with ctx.test_request_context(), force_locale("id"):
        html = str(list_rows(rows, [7, 12], ["title", "status"], FORMATTERS, "Pilih baris ini", buttons))
        cells = [str(list_cells(row, ["title", "status"], FORMATTERS)) for row in rows]
        bare = str(list_rows(rows, [7, 12], ["title", "status"], FORMATTERS))
    assert html == "".join(
        f'<tr><td><input id="{pk}" class="action_check" name="rowid" value="{pk}" type="checkbox" '
        f'aria-label="Pilih baris ini"></td><td><center><div class="btn-group"> <a href="/x/show/{pk}"> '
        f'<span class="sr-only">Lihat</span></a> </div></center></td>{cell}</tr>\n'
        for pk, cell in zip([7, 12], cells))
    assert "Satu &lt;a&gt;" in html and 'data-column="status">Diterima<' in html
    assert bare == "".join(f"<tr>{cell}</tr>\n" for cell in cells)  # no actions, no buttons: cells only
