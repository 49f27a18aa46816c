"""Shared pieces of the staff screens (app/interface.py): the filter form is built once per screen
and language, while the active filters stay each request's own."""
import json
import re

import wtforms.fields.core


def _active_filters(page):
    match = re.search(r"new AdminFilters\(.*?(\[[^\n]*\])\s*\);", page, re.S)
    assert match, "the filter widget is on the page"
    return json.loads(match.group(1))


def test_the_filter_form_is_rendered_once_per_screen_and_language(login_as, monkeypatch):
    client = login_as("koordinator")
    first = client.get("/complaintview/list/").get_data(as_text=True)
    rendered = []
    original = wtforms.fields.core.Field.__call__

    def counting(field, *args, **kwargs):
        rendered.append(field.name)
        return original(field, *args, **kwargs)

    monkeypatch.setattr(wtforms.fields.core.Field, "__call__", counting)
    again = client.get("/complaintview/list/?_flt_0_status=received").get_data(as_text=True)
    assert rendered == []  # the cached form: no field rendered again
    assert "Dinas PUPR" in again and "Dinas PUPR" in first  # its choices are all there
    # the active filter is this request's, not the cached first page's
    assert _active_filters(first) == []
    assert [(column, values) for column, _name, values in _active_filters(again)] == [("status", ["received"])]
    # another screen has its own form
    assert client.get("/queuetoverifyview/list/").status_code == 200
    assert rendered, "a different screen renders its own filter form"
