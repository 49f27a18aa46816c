"""The public home page (the FAB index view) with this month's headline figures."""
from flask_appbuilder import IndexView, expose


class PublicIndexView(IndexView):
    index_template = "public/index.html"

    @expose("/")
    def index(self):
        from app import stats
        from app.clock import utcnow
        from app.workflow.calendar import current_calendar

        from flask import current_app

        # the same period, cache and clock as /transparansi: both pages show the same figure
        now = utcnow()
        cal = current_calendar()
        now_local = cal.to_local(now)
        start, end = cal.month_range(now_local.year, now_local.month)
        summary = stats.public_kpis(start, end, now=now,
                                    ranking_min_cases=current_app.config.get("REPORT_RANKING_MIN_CASES", 5))["summary"]
        headline = {
            "received": summary["received"],
            "followed_up_pct": summary["pct_followed_up"],
            "avg_response_days": summary["response_working_days_avg"],
        }
        return self.render_template(self.index_template, appbuilder=self.appbuilder, headline=headline)
