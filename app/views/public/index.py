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
        summary = stats.period_kpis(start, utcnow(), ranking_min_cases=5)["summary"]
        headline = {
            "received": summary["received"],
            "followed_up_pct": summary["pct_followed_up"] or 0,
            "avg_response_days": summary["response_working_days_avg"],
        }
        return self.render_template(self.index_template, appbuilder=self.appbuilder, headline=headline)
