"""Staff dashboard: counts of the cases the user may see (through the access rule)."""
from flask import url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.labels import STATUS_LABELS
from app.stats import staff_counts


class DashboardView(BaseView):
    route_base = "/dasbor"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        from app.labels import HOTSPOT_KIND_LABELS
        from app.workflow import hotspots

        counts = staff_counts(current_user)
        sm = self.appbuilder.sm
        sees_alerts = sm.has_access("can_index", "HotspotView")
        # every figure leads to the cases behind it (the lists apply the same access rule)
        links = {}
        if sm.has_access("can_list", "ComplaintView"):
            links["total"] = url_for("ComplaintView.list")
            links.update({code: url_for("ComplaintView.list", _flt_0_status=code) for code in STATUS_LABELS})
        if sm.has_access("can_list", "QueueOverdueView"):
            links["overdue"] = url_for("QueueOverdueView.list")
        return self.render_template(
            "dashboard.html",
            title=_l("Dashboard"),
            counts=counts,
            status_labels=STATUS_LABELS,
            alerts=hotspots.open_alerts() if sees_alerts else None,
            kind_labels=HOTSPOT_KIND_LABELS,
            links=links,
        )
