"""Request guards for malformed list arguments that FAB would turn into a 500."""
import re

from flask import redirect, request

_NUMERIC_ARG = re.compile(r"^(page|psize)_\w+$")
MAX_PAGE_SIZE = 100


def _valid(name, value):
    if not value.isdigit():
        return False
    if name.startswith("psize_"):
        return 0 < int(value) <= MAX_PAGE_SIZE
    return int(value) < 10**9


def register_guards(app):
    @app.before_request
    def _drop_malformed_list_args():
        if request.method != "GET" or not request.args:
            return None
        bad = [k for k, v in request.args.items(multi=True) if _NUMERIC_ARG.match(k) and not _valid(k, v)]
        if not bad:
            return None
        kept = [(k, v) for k, v in request.args.items(multi=True) if k not in bad]
        from urllib.parse import urlencode

        return redirect(request.path + ("?" + urlencode(kept) if kept else ""))
