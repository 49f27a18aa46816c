"""Shared pieces of the staff screens (app/interface.py): the filter form is built once per screen
and language, while the active filters stay each request's own."""
import json
import re

import pytest
import wtforms.fields.core
from flask import current_app


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


def test_a_category_added_by_another_worker_is_offered_at_once(login_as):
    """Each worker caches the choices of its selects (agencies, categories, channels) for
    CHOICES_CACHE_SECONDS. A category added on worker A was missing from worker B's lists, and chosen
    on a page from A, refused by B as "not a valid choice". A's screen moves the shared generation
    (as role changes do); B drops its cached choices on its next request."""
    from app import permission_cache
    from app.extensions import db
    from app.models import Category

    client = login_as("koordinator")
    assert "Trotoar Rusak" not in client.get("/complaintview/list/").get_data(as_text=True)  # cached now
    # worker A: the row and the moved generation, as its category screen leaves them
    db.session.add(Category(name="Trotoar Rusak", active=True))
    db.session.commit()
    permission_cache.publish(current_app)
    try:
        assert "Trotoar Rusak" in client.get("/complaintview/list/").get_data(as_text=True)
    finally:
        db.session.query(Category).filter(Category.name == "Trotoar Rusak").delete()
        db.session.commit()


def test_saving_a_category_on_its_screen_moves_the_shared_generation(login_as):
    from app import permission_cache
    from app.extensions import db
    from app.models import Category

    client = login_as("koordinator")
    before = permission_cache.current_generation()
    response = client.post("/categoryview/add", data={"name": "Trotoar Rusak", "description": "", "active": "y"})
    assert response.status_code == 302
    try:
        assert permission_cache.current_generation() != before
    finally:
        db.session.query(Category).filter(Category.name == "Trotoar Rusak").delete()
        db.session.commit()


@pytest.mark.parametrize("url", ["/complaintview/list/", "/complaintview/list/?_flt_0_status=dispatched",
                                 "/complaintview/list/?_oc_ComplaintView=tracking_number&_od_ComplaintView=asc"])
def test_a_list_counts_its_rows_by_their_keys_alone(login_as, make_case, url):
    """The capped count ("lebih dari 10.000") reads the case keys only: counted over every column of
    the case, the same 10,001 rows took PostgreSQL ~4x as long at a million cases."""
    from sqlalchemy import event

    from app.extensions import db

    for status in ("received", "dispatched", "dispatched"):
        make_case(agency="DINKES", status=status)
    client = login_as("opd_dinkes")
    seen = []
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = client.get(url).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    counts = [s for s in seen if re.search(r"count\(\*\).*FROM \(SELECT complaint\.", s, re.S)]
    assert len(counts) == 1
    assert re.search(r"FROM \(SELECT complaint\.id AS complaint_id\s+FROM complaint\s", counts[0]), counts[0]
    from tests.conftest import visible_text

    assert re.search(r"Jumlah Data\s*:\s*2\b", visible_text(page))  # the two Dinkes cases past verification
