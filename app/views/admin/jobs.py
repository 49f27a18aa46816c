"""Monitoring screens of the background jobs: reminders log, outbox, transparency reports,
queue state, and every staff member's own in-app notifications.

Thin views: the rules live in ``app.workflow`` (outbox, reports, notify) and the
queue in ``app.jobs.queue``; the views read, format and call them.
"""
import io

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user

from app.crypto import mask
from app.formatting import lapor_datetime
from app.interface import LaporInterface as SQLAInterface
from app.jobs import queue
from app.views.filters import LOCAL_DAY_FILTERS, OwnSearchFilters
from app.labels import (
    CHANNEL_LABELS,
    CLOCK_LABELS,
    KIND_LABELS,
    LEVEL_LABELS,
    OUTBOX_STATUS_LABELS,
    STATUS_LABELS,
    TOPIC_LABELS,
    label,
)
from app.models import Outbox, Reminder, TransparencyReport
from app.models.notification import SECRET_MARK
from app import reports
from app.workflow import notify, outbox, periods
from app.workflow.errors import DomainError
from app.workflow.numbers import whole_number
from app.views import navigation

REPORT_STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published")}
JOB_LABELS = {
    "outbox": _l("Message delivery"),
    "reminders": _l("Deadline reminders"),
    "auto_close": _l("Auto-close"),
    "digest": _l("Daily summary"),
    "monthly_report": _l("Monthly transparency report"),
    "hotspots": _l("Hotspot alerts"),
    "prune": _l("Clean-up"),
    "privacy_retention": _l("Personal data retention"),
    "inbound_email": _l("E-mail to case"),
}
WORKER_STATE_LABELS = {"idle": _l("Idle"), "busy": _l("Busy"), "started": _l("Starting"),
                       "suspended": _l("Suspended")}


def _error_text(text):
    """An outbox error as staff read it: a cancel reason in words, a transport's error as it came."""
    from app.labels import CANCEL_REASON_LABELS

    return str(CANCEL_REASON_LABELS.get(text, text or ""))


def _short(text, size=80):
    text = _error_text(text).strip().splitlines()[0] if text else ""
    return text if len(text) <= size else text[: size - 1] + "…"


# --- reminders log ------------------------------------------------------------------


class ReminderView(OwnSearchFilters, ModelView):
    datamodel = SQLAInterface(Reminder)
    base_permissions = ["can_list", "can_show"]
    base_order = ("created_at", "desc")
    page_size = 50
    list_title = _l("Deadline Reminders")
    show_title = _l("Reminder Details")
    list_columns = ["created_at", "complaint", "clock", "level", "due_at", "agency", "recipients", "notified_at"]
    show_columns = list_columns
    search_columns = ["clock", "level", "agency", "created_at", "due_at"]
    search_filters = {"created_at": LOCAL_DAY_FILTERS, "due_at": LOCAL_DAY_FILTERS}
    label_columns = {
        "created_at": _l("Recorded at"), "complaint": _l("Case"), "clock": _l("Deadline"),
        "level": _l("Level"), "due_at": _l("Due at"), "agency": _l("Agency"),
        "recipients": _l("Staff reminded"), "notified_at": _l("Messages written at"),
    }
    formatters_columns = {
        "clock": lambda v: label(CLOCK_LABELS, v),
        "level": lambda v: label(LEVEL_LABELS, v),
        "created_at": lapor_datetime,
        "due_at": lapor_datetime,
        "notified_at": lambda v: lapor_datetime(v) if v else _("Waiting for the daily summary"),
    }


# --- outbox -----------------------------------------------------------------------------


class OutboxView(OwnSearchFilters, ModelView):
    datamodel = SQLAInterface(Outbox)
    base_permissions = ["can_list", "can_show", "can_retry"]
    base_order = ("id", "desc")
    page_size = 50
    list_title = _l("Message Outbox")
    show_title = _l("Message Details")
    list_template = "jobs/outbox_list.html"
    show_template = "jobs/outbox_show.html"
    list_columns = ["created_at", "channel", "topic", "recipient", "subject", "status", "attempts",
                    "next_attempt_at", "sent_at", "last_error"]
    show_columns = ["created_at", "channel", "topic", "complaint", "recipient", "subject", "body", "status",
                    "attempts", "next_attempt_at", "sent_at", "transport", "provider_ref", "last_error"]
    search_columns = ["status", "channel", "topic", "created_at", "sent_at"]
    search_filters = {"created_at": LOCAL_DAY_FILTERS, "sent_at": LOCAL_DAY_FILTERS}
    label_columns = {
        "created_at": _l("Created at"), "channel": _l("Channel"), "topic": _l("Topic"), "complaint": _l("Case"),
        "recipient": _l("Recipient"), "subject": _l("Subject"), "body": _l("Message"), "status": _l("Status"),
        "attempts": _l("Attempts"), "next_attempt_at": _l("Next attempt"), "sent_at": _l("Sent at"),
        "transport": _l("Sent via"), "provider_ref": _l("Provider reference"), "last_error": _l("Last error"),
    }
    formatters_columns = {
        "channel": lambda v: label(CHANNEL_LABELS, v),
        "topic": lambda v: label(TOPIC_LABELS, v),
        "status": lambda v: label(OUTBOX_STATUS_LABELS, v),
        "recipient": lambda v: mask(v or "", 3),
        "created_at": lapor_datetime,
        "next_attempt_at": lapor_datetime,
        "sent_at": lapor_datetime,
        "last_error": _short,  # in full on the show page
        "body": lambda v: (v or "").replace(SECRET_MARK, "********"),
    }

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        widgets = self._get_show_widget(pk, item)
        return self.render_template(
            self.show_template, pk=pk, title=self.show_title, widgets=widgets, related_views=[],
            full_error=_error_text(item.last_error),
            can_retry=outbox.retryable(item) and self.appbuilder.sm.has_access("can_retry", self.class_permission_name),
        )

    def _requeue(self, ids):
        retried = outbox.retry(ids)
        queue.enqueue_deliveries(retried, from_request=True)
        return retried

    @expose("/retry/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("retry")
    def retry(self, pk):
        retried = self._requeue([pk])
        if retried:
            flash(_("The message will be sent again."), "success")
        else:
            flash(_("This message cannot be retried."), "warning")
        return redirect(url_for(".show", pk=pk))

    @expose("/retry-failed", methods=["POST"])
    @has_access
    @permission_name("retry")
    def retry_failed(self):
        retried = self._requeue(outbox.failed_ids())
        flash(_("%(count)d failed messages will be sent again.", count=len(retried)), "success")
        return redirect(url_for(".list"))


# --- transparency reports ---------------------------------------------------------


def _report_status(value):
    return label(REPORT_STATUS_LABELS, value)


class TransparencyReportView(ModelView):
    datamodel = SQLAInterface(TransparencyReport)
    base_permissions = ["can_list", "can_show", "can_download", "can_generate", "can_publish"]
    base_order = ("period", "desc")
    list_title = _l("Transparency Reports")
    show_title = _l("Transparency Report")
    list_template = "jobs/report_list.html"
    show_template = "jobs/report_show.html"
    list_columns = ["period", "status", "generated_at", "published_at"]
    show_columns = list_columns
    search_columns = ["period", "status"]
    label_columns = {"period": _l("Period"), "status": _l("Status"), "generated_at": _l("Generated at"),
                     "published_at": _l("Published at")}
    formatters_columns = {"period": periods.label_of, "status": _report_status, "generated_at": lapor_datetime, "published_at": lapor_datetime}

    def _may(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    @expose("/list/")
    @has_access
    def list(self):
        self.update_redirect()
        widgets = self._list()
        return self.render_template(self.list_template, title=self.list_title, widgets=widgets,
                                    can_generate=self._may("can_generate"))

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        data = reports.snapshot(item)
        summary = [(str(text), data["summary"].get(key)) for key, text in reports.SUMMARY_LABELS]
        breakdowns = [(str(text), [(label(KIND_LABELS, name) if key == "kind" else (name or "-"), count)
                                   for name, count in data["breakdowns"][key]])
                      for key, text in reports.BREAKDOWN_LABELS]
        by_status = [(text, data["by_status"].get(code, 0)) for code, text in STATUS_LABELS.items()]
        return self.render_template(
            self.show_template, title=self.show_title, report=item, status_label=_report_status(item.status),
            summary=summary, breakdowns=breakdowns, by_status=by_status, ranking=data["ranking"],
            ranking_headers=reports.ranking_headers(),
            can_publish=reports.is_draft(item) and self._may("can_publish"),
            can_unpublish=not reports.is_draft(item) and self._may("can_publish"),
            can_generate=reports.is_draft(item) and self._may("can_generate"), can_download=self._may("can_download"),
            audit=reports.audit_trail(item.period),
        )

    @expose("/download/<int:pk>/<fmt>")
    @has_access
    @permission_name("download")
    def download(self, pk, fmt):
        item = self.datamodel.get(pk, self._base_filters)
        found = reports.report_file(item, fmt) if item is not None else None
        if found is None:
            abort(404)
        content, filename, mimetype = found
        return send_file(io.BytesIO(content), mimetype=mimetype, download_name=filename, as_attachment=True)

    def _start(self, period, typed=False):
        """Queue the build of ``period``; returns the progress page (or back to the list). A
        month ``typed`` on the form and refused shows the form again with it, and why."""
        try:
            reports.validate_period(period)
            reports.refuse_if_published(period)
        except DomainError as exc:
            flash(str(exc.message), "danger")
            if typed:
                return self._generate_page(period), 400
            return redirect(url_for(".generate"))
        job_id = queue.enqueue("app.jobs.tasks.build_report", period, current_user.id,
                               retry=None, timeout=3600, from_request=True)
        if job_id is None:
            flash(_("The job queue is not available right now. Please try again later."), "danger")
            return redirect(url_for(".list"))
        return redirect(url_for(".progress", job_id=job_id, period=period))

    @expose("/generate", methods=["GET", "POST"])
    @has_access
    @permission_name("generate")
    def generate(self):
        if request.method == "POST":
            return self._start(request.form.get("period", ""), typed=True)
        return self._generate_page(reports.previous_period())

    def _generate_page(self, period):
        return self.render_template("jobs/report_generate.html", title=_("Generate Transparency Report"),
                                    default_period=period, max_period=periods.current_month().value)

    @expose("/regenerate/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("generate")
    def regenerate(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return self._start(item.period)

    @expose("/progress/<job_id>")
    @has_access
    @permission_name("generate")
    def progress(self, job_id):
        period = request.args.get("period", "")
        return self.render_template("jobs/report_progress.html", title=_("Generating report %(period)s", period=periods.label_of(period)),
                                    state_url=url_for(".progress_state", job_id=job_id))

    @expose("/progress/<job_id>/state")
    @has_access
    @permission_name("generate")
    def progress_state(self, job_id):
        state = queue.job_state(job_id)
        body = {"status": state.get("status", "unknown"), "progress": int(state.get("progress") or 0)}
        if body["status"] == "finished" and state.get("result"):
            body["url"] = url_for(".show", pk=state["result"])
        if body["status"] == "failed":
            body["error"] = _("The report could not be generated. See the queue state screen.")
        return jsonify(body)

    @expose("/publish/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("publish")
    def publish(self, pk):
        """Publishing is asked for, then confirmed: the report goes on the public /transparansi."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if request.method == "GET" or request.form.get("confirmed") != "yes":
            return self.render_template("jobs/report_confirm.html", title=_("Publish report %(period)s?", period=periods.label_of(item.period)),
                                        report=item, action="publish",
                                        replaces=reports.is_published_period(item.period))
        try:
            reports.publish(item.id, user_id=current_user.id)
        except DomainError as exc:
            flash(str(exc.message), "danger")
        else:
            flash(_("Report %(period)s published.", period=periods.label_of(item.period)), "success")
        return redirect(url_for(".show", pk=pk))

    @expose("/unpublish/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("publish")
    def unpublish(self, pk):
        """Withdraw a published report (with a reason kept in the audit) so that it can be generated again."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        if request.method == "POST":
            try:
                reports.unpublish(item.id, current_user.id, request.form.get("reason"))
            except DomainError as exc:
                flash(str(exc.message), "danger")
            else:
                flash(_("Report %(period)s withdrawn from the public page. It is a draft again.", period=periods.label_of(item.period)), "success")
                return redirect(url_for(".show", pk=pk))
        return self.render_template("jobs/report_confirm.html", title=_("Withdraw report %(period)s?", period=periods.label_of(item.period)),
                                    report=item, action="unpublish", reason=request.form.get("reason", ""))


# --- queue state --------------------------------------------------------------------------


class QueueStateView(BaseView):
    route_base = "/antrean"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        from app.jobs import schedule

        config = current_app.config
        warnings = []
        if (config.get("NOTIFY_EMAIL_TRANSPORT") or "log") != "smtp":
            warnings.append(_("E-mail is not configured: messages are only written to the log."))
        if not config.get("NOTIFY_GATEWAY_URL"):
            warnings.append(_("The WhatsApp/SMS gateway is not configured: messages are only written to the log."))
        counts = outbox.counts()
        state = queue.queue_status(current_app)
        workers = [dict(worker, state=label(WORKER_STATE_LABELS, str(getattr(worker["state"], "value", worker["state"]))))
                   for worker in queue.worker_details(current_app)]
        runs = [(label(JOB_LABELS, run.name), run.period_key, run.claimed_at) for run in schedule.recent_runs()]
        return self.render_template(
            "jobs/queue_state.html", title=_("Queue State"), state=state, workers=workers,
            mode_label=_("Redis") if state["mode"] == "redis" else _("Embedded (in-process)"),
            failed_jobs=queue.failed_jobs(current_app),
            outbox_counts=[(label(OUTBOX_STATUS_LABELS, code), counts.get(code, 0))
                           for code in OUTBOX_STATUS_LABELS],
            runs=runs, warnings=warnings,
        )


# --- my notifications -----------------------------------------------------------------------


class NotificationView(BaseView):
    """Every route reads and writes only the logged-in user's own notices."""

    route_base = "/notifikasi"
    default_view = "index"
    page_size = 30

    @expose("/")
    @has_access
    @permission_name("list")
    def index(self):
        page = request.args.get("page", "1")
        page = whole_number(page, 6) or 1
        state = request.args.get("status", "")
        state = state if state in ("unread", "read") else ""
        topic = request.args.get("topic", "")
        topic = topic if topic in TOPIC_LABELS else ""
        items, total = notify.notices_for(current_user.id, page, self.page_size,
                                          read={"unread": False, "read": True}.get(state), topic=topic or None)
        return self.render_template(
            "jobs/notifications.html", title=_("My Notifications"), items=items, page=page,
            pages=max(1, (total + self.page_size - 1) // self.page_size), total=total,
            unread=notify.unread_count(current_user.id), state=state, topic=topic,
            topics=[(code, str(text)) for code, text in TOPIC_LABELS.items()],
            topic_labels=TOPIC_LABELS,
        )

    @expose("/open/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("read")
    def open(self, pk):
        notice = notify.mark_read(current_user.id, pk)
        if notice is None:
            abort(404)
        if notice.complaint_id:
            return redirect(url_for("ComplaintView.show", pk=notice.complaint_id))
        return redirect(url_for(".index"))

    @expose("/read-all", methods=["POST"])
    @has_access
    @permission_name("read")
    def read_all(self):
        count = notify.mark_all_read(current_user.id)
        flash(_("%(count)d notifications marked as read.", count=count), "success")
        return redirect(url_for(".index"))


def _notifications_label():
    """The menu label, with the logged-in user's unread count (once per request)."""
    from flask import has_request_context

    if has_request_context() and getattr(current_user, "is_authenticated", False):
        unread = getattr(request, "_lapor_unread", None)  # the request's, not the app context's
        if unread is None:
            unread = request._lapor_unread = notify.unread_count(current_user.id, cap=notify.UNREAD_MENU_CAP)
        if unread >= notify.UNREAD_MENU_CAP:
            return _("Notifications (%(count)s)", count="99+")
        if unread:
            return _("Notifications (%(count)d)", count=unread)
    return _("Notifications")


def register_job_views(appbuilder):
    monitoring = dict(category="Monitoring", category_label=_l("Monitoring"), category_icon="fa-heartbeat")
    appbuilder.add_view(TransparencyReportView, "Transparency reports", label=_l("Transparency Reports"),
                        icon="fa-bar-chart", **monitoring)
    appbuilder.add_view(ReminderView, "Reminders", label=_l("Deadline Reminders"), icon="fa-bell-o", **monitoring)
    appbuilder.add_view(OutboxView, "Outbox", label=_l("Message Outbox"), icon="fa-paper-plane", **monitoring)
    appbuilder.add_view(QueueStateView, "Queue state", label=_l("Queue State"), icon="fa-tasks", **monitoring)
    appbuilder.add_view(NotificationView, "Notifications", label=navigation.volatile_label(_notifications_label), icon="fa-bell")
