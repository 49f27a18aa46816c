"""Indonesian formats as Jinja filters (the functions live in :mod:`app.formats`)."""
from app.formats import (  # noqa: F401  (re-exported for the screens)
    lapor_date,
    lapor_datetime,
    lapor_datetime_short,
    lapor_day_short,
    lapor_number,
    lapor_working_days,
)
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape


def page_lang():
    """The language of the page for ``<html lang>`` ("id" or "en")."""
    from flask_babel import get_locale

    return str(get_locale() or "id")[:2]


def shown(value):
    """How a stored value reads on a staff screen: an empty value is "—", booleans are Ya/Tidak,
    lists are joined, times are local ("24 Nov 2026 19.25 WIB") and days Indonesian; never None,
    True, False, [x] or an ISO/UTC time. (A filter, not a macro: it runs for every cell of every
    list.) Plain strings are escaped by the template's autoescape; Markup stays."""
    import datetime

    if value is None or (isinstance(value, str) and value.strip() in ("", "-", "None")):
        return "—"
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    if isinstance(value, (list, tuple, set)) or type(value).__name__ == "InstrumentedList":
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, datetime.datetime):
        return lapor_datetime_short(value)
    if isinstance(value, datetime.date):
        return lapor_date(value)
    return value


def list_cells(item, columns, formatters, texts=None):
    """The ``<td>`` cells of one row of a list (FAB's list widget, ``appbuilder/general/widgets/list.html``):
    each value through its column's formatter, if any, then :func:`shown`, escaped. The same HTML as
    the template's loop over the columns, at a fraction of its cost (a list renders hundreds of cells)."""
    texts = _fixed_texts() if texts is None else texts
    cells = []
    for column in columns:
        value = item[column]
        formatter = formatters.get(column)
        if formatter:
            value = formatter(value)
        cells.append(f'<td data-column="{escape(column)}">{fixed_text(value, texts) or escape(shown(value))}</td>')
    return Markup("".join(cells))


STAND_IN_KEY = 2147480000  # the row key the list template renders a row's buttons with, once a page


def list_rows(items, pks, columns, formatters, select_label=None, buttons=None):
    """Every ``<tr>`` of a list page (FAB's list widget, ``appbuilder/general/widgets/list.html``) in
    one pass: the row's checkbox when the list has actions (``select_label`` names it), the row's
    buttons when it has any (``buttons``: their HTML rendered once for :data:`STAND_IN_KEY`, given
    each row's key here) and :func:`list_cells`. The template's per-row loop wrote the same
    elements; here the page's translations are looked up once, not once per row."""
    texts = _fixed_texts()
    stand_in = str(STAND_IN_KEY)
    if buttons:
        # whitespace runs of the macro's output collapsed (HTML reads them as one space)
        buttons = " ".join(str(buttons).split())
    rows = []
    for item, pk in zip(items, pks):
        key = escape(pk)
        row = ["<tr>"]
        if select_label is not None:
            row.append(f'<td><input id="{key}" class="action_check" name="rowid" value="{key}" type="checkbox"'
                       f' aria-label="{escape(select_label)}"></td>')
        if buttons:
            row.append(f"<td><center>{buttons.replace(stand_in, str(key))}</center></td>")
        row.append(list_cells(item, columns, formatters, texts))
        row.append("</tr>\n")
        rows.append("".join(row))
    return Markup("".join(rows))


def fixed_text(value, texts=None):
    """The HTML of ``value`` when it is a label of a code (a ``lazy_gettext`` of a message without
    variables, e.g. "Diterima"), translated once per language instead of once per cell; else None.
    The same HTML as the template's ``{{ value }}`` of it."""
    if type(value) is not LazyString or value._func is not gettext or len(value._args) != 1 or value._kwargs:
        return None
    texts = _fixed_texts() if texts is None else texts
    text = texts.get(value._args[0])
    if text is None:
        text = texts[value._args[0]] = escape(value)
    return text


def page_texts():
    """The translations :func:`fixed_text` keeps for the page's language: read once by a screen that
    writes many labels, and given back to it."""
    return _fixed_texts()


def _fixed_texts():
    """Translations of messages without variables, kept with the page's catalog (one per language)."""
    from flask_babel import get_translations

    catalog = get_translations()
    texts = getattr(catalog, "_lapor_fixed_texts", None)
    if texts is None:
        texts = catalog._lapor_fixed_texts = {}
    return texts


def register_filters(app):
    from app.workflow import periods

    app.jinja_env.globals["page_lang"] = page_lang
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.globals["list_cells"] = list_cells
    app.jinja_env.globals["list_rows"] = list_rows
    app.jinja_env.filters["lapor_datetime"] = lapor_datetime
    app.jinja_env.filters["lapor_date"] = lapor_date
    app.jinja_env.filters["period_label"] = periods.label_of
    app.jinja_env.filters["lapor_number"] = lapor_number
    app.jinja_env.filters["lapor_working_days"] = lapor_working_days
    _install_template_gettext(app)


def _install_template_gettext(app):
    """The templates' ``_()``, ``ngettext`` and ``pgettext`` read the catalog the page was rendered
    with (looked up once per ``render_template``) instead of asking Flask-Babel for it on every
    call: Flask-Babel's lookup (locale, domain, cache, through ``g``) costs ~20 µs, and a staff page
    translates about a hundred strings. A template rendered outside ``render_template`` (no context
    processor) falls back to Flask-Babel's lookup, so the result is the same text either way."""
    from flask_babel import get_translations
    from jinja2 import pass_context

    def catalog(context):
        found = context.get("_lapor_catalog")
        return found if found is not None else get_translations()

    @pass_context
    def gettext_(context, string):
        return catalog(context).ugettext(string)

    @pass_context
    def ngettext_(context, singular, plural, number):
        return catalog(context).ungettext(singular, plural, number)

    @pass_context
    def pgettext_(context, message_context, string):
        return catalog(context).upgettext(message_context, string)

    @pass_context
    def npgettext_(context, message_context, singular, plural, number):
        return catalog(context).unpgettext(message_context, singular, plural, number)

    app.jinja_env.install_gettext_callables(gettext=gettext_, ngettext=ngettext_, pgettext=pgettext_,
                                            npgettext=npgettext_, newstyle=True)
    app.context_processor(lambda: {"_lapor_catalog": get_translations()})
