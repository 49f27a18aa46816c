"""The public home page (the FAB index view) with this month's headline figures."""
from flask_appbuilder import IndexView, expose


class PublicIndexView(IndexView):
    index_template = "public/index.html"

    @expose("/")
    def index(self):
        from app import stats
        from app.clock import utcnow
        from app.workflow.calendar import current_calendar

        cal = current_calendar()
        now_local = cal.to_local(utcnow())
        start = cal.to_utc(now_local.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        hour = cal.to_utc(now_local.replace(minute=0, second=0, microsecond=0))  # cache key moves hourly
        summary = stats.cached_period_kpis(start, hour)["summary"]
        headline = {
            "received": summary["received"],
            "followed_up_pct": summary["pct_followed_up"] or 0,
            "avg_response_days": summary["response_working_days_avg"],
        }
        return self.render_template(self.index_template, appbuilder=self.appbuilder, headline=headline)
