"""Fixtures of the intake channels: API keys, categories, clean channel tables, parsing of
Open311 responses (JSON Schema validation, XML through a real parser)."""
import json
from xml.etree import ElementTree

import jsonschema
import pytest

from tests.channels import open311_schemas as schemas

LIST_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "endpoints": "endpoint",
              "formats": "format", "attributes": "attribute", "values": "value"}


def wipe_channel_tables():
    from sqlalchemy import delete

    from app.extensions import db
    from app.models import ApiClientKey, Category, ImportBatch, ImportMapping, InboundMessage, Notification, Outbox

    db.session.rollback()
    for model in (InboundMessage, Outbox, Notification, ImportBatch, ImportMapping, ApiClientKey):
        db.session.execute(delete(model))
    db.session.execute(delete(Category).where(Category.name.like("Uji %")))
    db.session.commit()


@pytest.fixture
def channels(ctx):
    wipe_channel_tables()
    yield ctx
    wipe_channel_tables()


@pytest.fixture
def category(channels):
    from app.extensions import db
    from app.models import Category

    parent = Category(name="Uji Infrastruktur", active=True)
    row = Category(name="Uji Jalan rusak", parent=parent, description="Jalan berlubang atau rusak", active=True)
    db.session.add_all([parent, row])
    db.session.commit()
    return row


@pytest.fixture
def api_key(channels):
    """make a key: api_key("Aplikasi Uji", rate_limit=...) -> plaintext."""
    from app.extensions import db
    from app.workflow import apikeys

    def _make(name="Aplikasi Uji", rate_limit="1000 per minute", channel="mobile_app"):
        _row, plaintext = apikeys.create(name, channel, rate_limit)
        db.session.commit()
        return plaintext

    return _make


# --- reading responses ----------------------------------------------------------------------


def parse_xml(body):
    """XML through a real parser -> the same shape as the JSON (Spark convention), scalars as text."""
    text = body.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(body)
    return root.tag, _element(root)


def _element(element):
    children = list(element)
    if element.tag in LIST_ITEMS:
        assert all(child.tag == LIST_ITEMS[element.tag] for child in children), element.tag
        return [_element(child) for child in children]
    if children:
        data = {}
        for child in children:
            assert child.tag not in data, f"repeated <{child.tag}>"
            data[child.tag] = _element(child)
        return data
    return element.text or ""


def as_text(value):
    """JSON values in the XML's terms (everything text, null = empty)."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def get_both(client, path, schema, root, status=200, method="get", **kwargs):
    """Request ``path`` (without extension) as JSON and XML; check status, content types, the JSON
    against ``schema``, the XML root, and that both carry the same data. Returns the JSON data."""
    call = getattr(client, method)
    as_json = call(f"{path}.json", **kwargs)
    as_xml = call(f"{path}.xml", **kwargs)
    assert as_json.status_code == status, as_json.data[:500]
    assert as_xml.status_code == status, as_xml.data[:500]
    assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
    assert as_xml.headers["Content-Type"] == "text/xml; charset=utf-8"
    data = json.loads(as_json.data)
    jsonschema.validate(data, schema, format_checker=jsonschema.FormatChecker())
    tag, xml_data = parse_xml(as_xml.data)
    assert tag == root
    return data, xml_data


def assert_same(data, xml_data, ignore=()):
    left, right = as_text(data), xml_data
    for key in ignore:
        for item in (left if isinstance(left, list) else [left]):
            item.pop(key, None)
        for item in (right if isinstance(right, list) else [right]):
            item.pop(key, None)
    assert left == right


def error_of(response, fmt):
    if fmt == "json":
        data = json.loads(response.data)
        jsonschema.validate(data, schemas.ERRORS)
        return data[0]
    tag, data = parse_xml(response.data)
    assert tag == "errors"
    return {"code": int(data[0]["code"]), "description": data[0]["description"]}
