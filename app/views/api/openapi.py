"""The OpenAPI document of the REST API, served at ``/api/v1/_openapi``.

FAB serves it only together with its Swagger UI (scripts from a CDN, not on an intranet) and to
users holding a permission on it; a client needs the document before it has a token, and the
document describes the API without revealing any data, so it is readable without signing in.
"""
from flask import current_app
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.api.manager import OpenApi


class PublicOpenApi(OpenApi):
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
        return self.response(200, **spec.to_dict())
