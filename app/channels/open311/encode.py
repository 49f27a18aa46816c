"""GeoReport v2 encodings: the same structure as XML or JSON (the spec's "Spark convention").

A document is built from plain Python values: dicts become elements with children, lists
become a wrapper element repeating one child name (``services`` -> ``service``), None an
empty element (JSON null), booleans ``true``/``false``, datetimes ISO 8601 with the offset
of the installation's time zone.
"""
import datetime
import json
from xml.etree import ElementTree

from flask import Response

from app.settings import setting

# list element -> name of its items
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


def iso(value):
    """Naive UTC -> ISO 8601 in the installation's time zone, with the offset."""
    if value is None:
        return None
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(setting("TIMEZONE", "Asia/Jakarta"))
    return value.replace(tzinfo=datetime.timezone.utc).astimezone(tz).replace(microsecond=0).isoformat()


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return iso(value)
    return "" if value is None else str(value)


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _xml_fill(element, value):
    if isinstance(value, dict):
        for key, child in value.items():
            _xml_fill(ElementTree.SubElement(element, key), child)
    elif isinstance(value, list):
        item_name = ITEMS[element.tag]
        for item in value:
            _xml_fill(ElementTree.SubElement(element, item_name), item)
    else:
        element.text = _scalar(value)


def to_xml(root, value):
    element = ElementTree.Element(root)
    _xml_fill(element, value)
    body = ElementTree.tostring(element, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body


def to_json(value):
    return json.dumps(_json_value(value), ensure_ascii=False)


def respond(fmt, root, value, status=200):
    """``root`` names the XML root element; JSON carries ``value`` itself (list or object)."""
    body = to_xml(root, value) if fmt == "xml" else to_json(value)
    return Response(body.encode("utf-8"), status=status, headers={"Content-Type": CONTENT_TYPES[fmt]})


def errors(fmt, status, description):
    return respond(fmt, "errors", [{"code": status, "description": str(description)}], status=status)
