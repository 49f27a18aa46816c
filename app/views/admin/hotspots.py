"""Hotspot alerts for coordinators and Pimpinan: list, cases on the map, acknowledge with the action taken."""
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.labels import HOTSPOT_KIND_LABELS, STATUS_LABELS
from app.models import Complaint, HotspotAlert
from app.views.maps import map_settings
from app.workflow import access, hotspots
from app.workflow.errors import DomainError


class HotspotView(BaseView):
    route_base = "/hotspot"
    default_view = "index"
    base_permissions = ["can_index", "can_show", "can_acknowledge"]

    @expose("/")
    @has_access
    def index(self):
        alerts = db.session.execute(select(HotspotAlert).order_by(
            HotspotAlert.acknowledged_at.is_not(None), HotspotAlert.created_at.desc()).limit(100)).scalars().all()
        return self.render_template("hotspots/list.html", title=_l("Hotspot alerts"), alerts=alerts,
                                    kind_labels=HOTSPOT_KIND_LABELS)

    @expose("/<int:alert_id>")
    @has_access
    @permission_name("show")
    def show(self, alert_id):
        alert = db.session.get(HotspotAlert, alert_id) or abort(404)
        return self._page(alert)

    def _page(self, alert, typed=None, status=200):
        """The alert's page; ``typed``: the action text sent, shown back when it was not saved."""
        ids = hotspots.case_ids(alert)[:500]
        cases = db.session.execute(select(Complaint).where(
            Complaint.id.in_(ids or [-1]), access.case_scope_clause(current_user)).order_by(Complaint.received_at)
        ).scalars().all()
        points = [{"lat": c.latitude, "lon": c.longitude, "number": c.tracking_number, "title": c.title,
                   "url": url_for("ComplaintView.show", pk=c.id)} for c in cases if c.latitude is not None]
        can_ack = self.appbuilder.sm.has_access("can_acknowledge", self.class_permission_name)
        return self.render_template("hotspots/show.html", title=_l("Hotspot alert"), alert=alert, cases=cases,
                                    points=points, map_settings=map_settings(), can_ack=can_ack, typed=typed,
                                    kind_labels=HOTSPOT_KIND_LABELS, status_labels=STATUS_LABELS), status

    @expose("/<int:alert_id>/acknowledge", methods=["POST"])
    @has_access
    @permission_name("acknowledge")
    def acknowledge(self, alert_id):
        alert = db.session.get(HotspotAlert, alert_id) or abort(404)
        typed = request.form.get("action_taken") or ""
        try:
            hotspots.acknowledge(alert, current_user, typed)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "danger")
            # the page again with the text as typed (an empty or too long text, or a coordinator
            # who acknowledged the alert first: their record is shown, this text beside it)
            return self._page(db.session.get(HotspotAlert, alert_id), typed=typed, status=exc.status_code)
        flash(_("Alert acknowledged; the action is listed in the monthly report."), "success")
        return redirect(url_for(".show", alert_id=alert_id))
