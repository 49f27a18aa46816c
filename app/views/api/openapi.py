"""The OpenAPI document of the REST API, served at ``/api/v1/_openapi``.

FAB serves it only together with its Swagger UI (scripts from a CDN, not on an intranet) and to
users holding a permission on it; a client needs the document before it has a token, and the
document describes the API without revealing any data, so it is readable without signing in.

Flask-AppBuilder's generated document disagrees with what its endpoints answer in a few places;
:func:`repair` states what they really return (checked by schemathesis, ``bench/api_fuzz.py``):
list ``ids`` are integers, a
relation may be null (a case without an agency), ``_info`` lists its columns, and the menu's
children include ``"-"`` separators.
"""
from flask import current_app
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.api.manager import OpenApi

from app.api_messages import ApiMessages


class PublicOpenApi(ApiMessages, OpenApi):
    route_base = "/api"

    @expose("/<version>/_openapi")
    @safe
    def get(self, version):
        """The OpenAPI 3 document of every API of ``version``."""
        spec = self._create_api_spec(version)
        found = False
        for view in current_app.appbuilder.baseviews:
            if isinstance(view, BaseApi) and not isinstance(view, OpenApi) and view.version == version:
                view.add_api_spec(spec)
                found = True
        if not found:
            return self.response_404()
        return self.response(200, **repair(spec.to_dict()))


def _walk(node, visit):
    if isinstance(node, dict):
        visit(node)
        for value in list(node.values()):
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _integer_ids(node):
    props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
    ids = props.get("ids")
    if isinstance(ids, dict) and ids.get("type") == "array":
        ids["items"] = {"anyOf": [{"type": "integer"}, {"type": "string"}]}
    item_id = props.get("id")
    if isinstance(item_id, dict) and item_id.get("type") == "string" and item_id.get("description") == "The item id":
        props["id"] = {"anyOf": [{"type": "integer"}, {"type": "string"}], "description": "The item id"}


def _listed_columns(node):
    props = node.get("properties") if isinstance(node.get("properties"), dict) else None
    if props and "add_columns" in props and "edit_columns" in props:
        for key in ("add_columns", "edit_columns"):
            if props[key].get("type") == "object":
                props[key] = {"type": "array", "items": {"type": "object"}}


def _menu_separators(node):
    props = node.get("properties") if isinstance(node.get("properties"), dict) else None
    childs = props.get("childs") if props else None
    if isinstance(childs, dict) and childs.get("type") == "array" and childs.get("items") == {"type": "object"}:
        childs["items"] = {"anyOf": [{"type": "object"}, {"type": "string"}]}


def _nullable_relations(schemas):
    for name, schema in schemas.items():
        for prop, value in (schema.get("properties") or {}).items():
            if isinstance(value, dict) and "$ref" in value and len(value) == 1:
                schema["properties"][prop] = {"allOf": [value], "nullable": True}
            elif isinstance(value, dict) and value.get("allOf"):
                value["nullable"] = True


def repair(spec):
    _walk(spec.get("paths", {}), _integer_ids)
    _walk(spec.get("paths", {}), _listed_columns)
    _walk(spec, _menu_separators)
    _nullable_relations(spec.get("components", {}).get("schemas", {}))
    return spec
