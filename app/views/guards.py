"""Request guards for malformed list arguments that FAB would turn into a 500.

Dropped (the page is shown without them): page numbers and sizes that are not small positive
numbers, a sort column (``_oc_<View>``) the view does not offer, a sort direction other than
asc/desc, and query arguments named like ``url_for``'s own keywords (``endpoint``, ``_external``
...), which FAB's sort links would pass on to ``url_for``.
"""
import re

from flask import current_app, redirect, request

from app.workflow.numbers import whole_number

_NUMERIC_ARG = re.compile(r"^(page|psize)_\w+$")
_ORDER_ARG = re.compile(r"^_oc_(\w+)$")
_DIRECTION_ARG = re.compile(r"^_od_\w+$")
RESERVED = {"endpoint", "_external", "_anchor", "_method", "_scheme", "values"}
MAX_PAGE_SIZE = 100


def _valid(name, value):
    number = whole_number(value)
    if number is None:
        return False
    if name.startswith("psize_"):
        return 0 < number <= MAX_PAGE_SIZE
    return True


def _order_columns(view_name):
    for view in current_app.appbuilder.baseviews:
        if view.__class__.__name__ == view_name:
            return getattr(view, "order_columns", None) or []
    return []


def _bad(name, value):
    if name in RESERVED:
        return True
    if _NUMERIC_ARG.match(name):
        return not _valid(name, value)
    match = _ORDER_ARG.match(name)
    if match:
        return value not in _order_columns(match.group(1))
    if _DIRECTION_ARG.match(name):
        return value not in ("asc", "desc")
    return False


_HALF_PAIR = re.compile("[\ud800-\udfff]")


def not_text(value):
    """True for a string no person typed and no database stores: a NUL character (PostgreSQL
    refuses it), or half of a UTF-16 surrogate pair (``"\\ud800"`` in JSON: no UTF-8 exists for it)."""
    return "\x00" in value or _HALF_PAIR.search(value) is not None


def _strings(document):
    """Every key and string value of a parsed JSON document (walked without recursion)."""
    pending = [document]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def _json_body_strings():
    """The strings of a JSON API request's body; None when it has no JSON body, or one the API
    cannot read (refused by ``_api_arguments_are_objects``), or is not the API (the webhooks clean
    what their providers send, ``intake.clean``)."""
    if not request.path.startswith("/api/") or request.method not in ("POST", "PUT", "PATCH") \
            or not request.is_json:
        return None
    try:
        document = request.get_json(silent=True)
    except RecursionError:  # nested too deep to parse
        return None
    return list(_strings(document)) if document is not None else None


def register_guards(app):
    @app.before_request
    def _refuse_nul_characters():
        """A NUL character is never text a person typed; PostgreSQL refuses it (a 500 otherwise):
        a 400 that says so, a form's input kept (``errors.nul_refused``). A JSON body of the API
        is held to the same rule, and to UTF-8 (no half surrogate pair), before FAB reads it."""
        values = list(request.args.values()) + list(request.args.keys())
        if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            values += list(request.form.values()) + list(request.form.keys())
        values += _json_body_strings() or []
        if any(not_text(value) for value in values):
            from app.views.errors import nul_refused

            return nul_refused()
        return None

    @app.before_request
    def _drop_malformed_list_args():
        if request.method != "GET" or not request.args:
            return None
        bad = [k for k, v in request.args.items(multi=True) if _bad(k, v)]
        if not bad:
            return None
        kept = [(k, v) for k, v in request.args.items(multi=True) if k not in bad]
        from urllib.parse import urlencode

        return redirect(request.path + ("?" + urlencode(kept) if kept else ""))
