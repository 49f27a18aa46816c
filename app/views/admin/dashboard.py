"""Staff dashboard: counts of the cases the user may see (through the access rule)."""
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
        sees_alerts = self.appbuilder.sm.has_access("can_index", "HotspotView")
        return self.render_template(
            "dashboard.html",
            title=_l("Dashboard"),
            counts=counts,
            status_labels=STATUS_LABELS,
            alerts=hotspots.open_alerts() if sees_alerts else None,
            kind_labels=HOTSPOT_KIND_LABELS,
        )
