"""Admin screens of the intake channels: Open311 API keys (and spreadsheet imports).

Thin: keys are created, checked and revoked by ``app.workflow.apikeys``.
"""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import ApiClientKey, Channel
from app.workflow import apikeys
from app.workflow.errors import DomainError


class ApiKeyView(BaseView):
    """List, create (the key is shown once) and revoke the Open311 clients' keys."""

    route_base = "/apikeys"
    default_view = "list"
    base_permissions = ["can_list", "can_add", "can_revoke"]

    def _page(self, created=None, created_key=None, form=None, status=200):
        keys = db.session.execute(select(ApiClientKey).order_by(ApiClientKey.revoked_at.is_not(None),
                                                                ApiClientKey.name)).scalars().all()
        channels = db.session.execute(select(Channel).where(Channel.active.is_(True)).order_by(Channel.name)).scalars().all()
        return self.render_template("channels/api_keys.html", title=_("API keys (Open311)"), keys=keys,
                                    channels=channels, created=created, created_key=created_key,
                                    form=form or {"channel": apikeys.DEFAULT_CHANNEL,
                                                  "rate_limit": apikeys.DEFAULT_RATE_LIMIT},
                                    default_channel=apikeys.DEFAULT_CHANNEL), status

    @expose("/")
    @has_access
    def list(self):
        return self._page()

    @expose("/create", methods=["POST"])
    @has_access
    @permission_name("add")
    def create(self):
        form = {"name": request.form.get("name", ""), "channel": request.form.get("channel", ""),
                "rate_limit": request.form.get("rate_limit", "")}
        try:
            row, plaintext = apikeys.create(form["name"], form["channel"] or apikeys.DEFAULT_CHANNEL,
                                            form["rate_limit"], created_by=current_user)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            return self._page(form=form, status=400)
        # shown on this response only: never stored, never in a URL or a flash cookie
        return self._page(created=row, created_key=plaintext)

    @expose("/<int:key_id>/revoke", methods=["POST"])
    @has_access
    @permission_name("revoke")
    def revoke(self, key_id):
        row = db.session.get(ApiClientKey, key_id)
        if row is None:
            abort(404)
        apikeys.revoke(row)
        db.session.commit()
        flash(_("API key %(name)s revoked: requests with it are refused from now on.", name=row.name), "success")
        return redirect(url_for(".list"))
