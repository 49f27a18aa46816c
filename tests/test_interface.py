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
    from app.interface import clear_choices

    clear_choices()  # whatever earlier tests left in this process's cache
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


def test_a_list_page_sends_the_same_statements_at_any_page_size(login_as, make_case):
    """The agency and channel of every row come with the page, never one query per row."""
    from sqlalchemy import event

    from app.extensions import db
    from app.models import Channel

    channels = db.session.execute(db.select(Channel.code)).scalars().all()
    for i in range(30):
        make_case(agency=("DINKES", "PUPR")[i % 2], status="dispatched", channel=channels[i % len(channels)])
    client = login_as("koordinator")
    counts = {}
    for size in (20, 100):
        url = f"/complaintview/list/?psize_ComplaintView={size}"
        client.get(url)  # the filter form is cached from now on: no choices are read with the page
        db.session.expunge_all()
        seen = []
        listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        counts[size] = len(seen)
        per_row = re.compile(r"FROM (channel|agency)\s+WHERE (channel|agency)\.id =")
        assert not [s for s in seen if per_row.search(s)], "one query per row for its agency or channel"
    assert counts[20] == counts[100]
