"""Monthly transparency reports: build (KPIs + CSV + XLSX), keep as a draft, publish.

Next to :mod:`app.stats` (whose figures it files) rather than in the domain: it labels
figures for people (``app.labels``), which ``app.workflow`` never imports.

* ``build(period)`` computes the measures with :func:`app.stats.period_kpis`,
  renders the files in the installation's language and stores them as the
  period's draft, replacing an existing draft (never a second one: the
  database allows one draft and one published report per period).
* ``publish(report_id)`` turns the draft into the published report of its
  period (replacing the previously published one); only published reports are
  public.
Public figures are counts and rates only: no case content, no identity.
"""
import csv
import io
import json

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from app import stats
from app.clock import utcnow
from app.extensions import db
from app.labels import HOTSPOT_KIND_LABELS, KIND_LABELS, STATUS_LABELS
from app.spreadsheets import safe_cell
from app.models import ReportAudit, TransparencyReport
from app.spreadsheets import safe_row
from app.workflow import periods
from app.workflow.errors import InvalidTransition, ValidationFailed

SUMMARY_LABELS = [
    ("received", _l("Cases received")),
    ("followed_up", _l("Cases followed up")),
    ("pct_followed_up", _l("Followed up (%)")),
    ("finished", _l("Cases resolved or closed")),
    ("pct_finished", _l("Resolved or closed (%)")),
    ("in_process", _l("Cases in process")),
    ("pct_in_process", _l("In process (%)")),
    ("response_count", _l("Cases with a first response")),
    ("response_days_avg", _l("Average response time (calendar days)")),
    ("response_days_median", _l("Median response time (calendar days)")),
    ("response_working_days_avg", _l("Average response time (working days)")),
    ("response_working_days_median", _l("Median response time (working days)")),
    ("waiting", _l("Cases still waiting for a first response")),
    ("waiting_age_days_avg", _l("Average age of the waiting cases (days)")),
    ("waiting_oldest_day", _l("Oldest waiting case received on")),
    ("verification_done", _l("Verifications done in the period")),
    ("verification_on_time", _l("Verifications done by their deadline")),
    ("verification_late_open", _l("Verifications past their deadline and not done")),
    ("verification_sla_pct", _l("Verifications within deadline (%)")),
    ("follow_up_done", _l("First responses given in the period")),
    ("follow_up_on_time", _l("First responses given by their deadline")),
    ("follow_up_late_open", _l("First responses past their deadline and not given")),
    ("follow_up_sla_pct", _l("First responses within deadline (%)")),
    ("resolution_done", _l("Resolutions in the period")),
    ("resolution_on_time", _l("Resolutions by their deadline")),
    ("resolution_late_open", _l("Resolutions past their deadline and not done")),
    ("resolution_sla_pct", _l("Resolutions within deadline (%)")),
    ("overdue_open_now", _l("Open cases overdue when generated")),
    ("rating_avg", _l("Average satisfaction rating (1-5)")),
    ("rating_count", _l("Rated cases")),
    ("confidential", _l("Confidential cases (counted only)")),
    ("agencies_total", _l("Agencies")),
    ("agencies_connected", _l("Agencies with an active officer")),
    ("pct_connected", _l("Agencies connected (%)")),
    ("agencies_active", _l("Agencies whose officers signed in during the period")),
    ("pct_active", _l("Agencies active (%)")),
]
BREAKDOWN_LABELS = [
    ("kind", _l("By type")),
    ("category", _l("By category")),
    ("channel", _l("By channel")),
    ("agency", _l("By agency")),
    ("district", _l("By district")),
]


def period_bounds(period):
    """The month ``YYYY-MM`` as naive UTC instants [start, end) in the installation's time zone."""
    return periods.parse_month(period).bounds()


def previous_period(now=None):
    return periods.previous_month(now).value


def validate_period(period, now=None):
    """A month ``YYYY-MM`` that has begun; raises :class:`ValidationFailed` otherwise."""
    if periods.is_future(periods.parse_month(period), now):
        raise ValidationFailed(_l("A report cannot cover a future month."))
    return period


# --- building -----------------------------------------------------------------------


def _label(mapping, code):
    return str(mapping.get(code, code)) if code is not None else "-"


def rows_for_files(data):
    """The report as (section, item, value) rows, labelled in the current locale."""
    rows = []
    summary_section = _("Summary")
    for key, label in SUMMARY_LABELS:
        rows.append((summary_section, str(label), data["summary"].get(key)))
    status_section = _("By status")
    for code, text in STATUS_LABELS.items():
        rows.append((status_section, str(text), data["by_status"].get(code, 0)))
    for key, label in BREAKDOWN_LABELS:
        for name, count in data["breakdowns"][key]:
            name = _label(KIND_LABELS, name) if key == "kind" else (name or "-")
            rows.append((str(label), name, count))
    actions_section = _("Proactive actions (hotspot alerts)")
    for item in data.get("proactive_actions", []):
        rows.append((actions_section, f"{item['acknowledged_at'][:10]} {item['category']} · {item['district']} "
                     f"({item['cases']})", safe_cell(item["action"])))
    ranking_section = _("Agency ranking")
    for item in data["ranking"]:
        prefix = f"{item['rank']}. {item['agency']}"
        rows.append((ranking_section, f"{prefix}: " + _("cases"), item["cases"]))
        rows.append((ranking_section, f"{prefix}: " + _("first responses within deadline (%)"),
                     item["follow_up_sla_pct"]))
        rows.append((ranking_section, f"{prefix}: " + _("average response (working days)"),
                     item["response_working_days_avg"]))
    return rows


# the ranking table's columns, in order: the XLSX and the PDF both iterate this list
RANKING_COLUMNS = [
    ("rank", _l("Rank")),
    ("agency", _l("Agency")),
    ("cases", _l("Cases")),
    ("follow_up_sla_pct", _l("First responses within deadline (%)")),
    ("response_working_days_avg", _l("Average response (working days)")),
]

# "cara menghitung": how each figure is computed (shown in the PDF next to its value);
# a measure without an entry is still listed, with its label only
SLA_DEFINITION = _l("Steps done by their deadline, divided by the steps done in the period plus the steps whose deadline passed in the period and are still not done: an open report past its deadline counts as late now.")
SUMMARY_DEFINITIONS = {  # the same texts as the "cara menghitung" of /transparansi (docs/kpis.md)
    "received": _l("Reports received in the period, by every channel, confidential ones included (counted only)."),
    "pct_followed_up": _l("Reports of the period that have had at least one follow-up by the agency, divided by the reports received."),
    "pct_finished": _l("Reports of the period now resolved or closed, divided by the reports received."),
    "pct_in_process": _l("Reports of the period now with an agency (dispatched or in progress), divided by the reports received."),
    "response_days_avg": _l("From receipt to the first follow-up, over the reports of the period that have had one; working days exclude weekends and holidays."),
    "response_working_days_avg": _l("The same in working days (Monday to Friday without holidays)."),
    "waiting": _l("Reports of the period not archived, forwarded or on hold that have had no response yet, and how long they have been waiting until now."),
    "verification_sla_pct": SLA_DEFINITION,
    "follow_up_sla_pct": SLA_DEFINITION,
    "resolution_sla_pct": SLA_DEFINITION,
    "overdue_open_now": _l("Open reports past their current deadline when the report was generated."),
    "rating_avg": _l("Average rating given by reporters to the closed reports of the period."),
    "pct_connected": _l("Agencies with at least one active agency officer account, divided by the agencies."),
    "pct_active": _l("Agencies whose officers signed in during the period (from the login history), divided by the agencies."),
}


def ranking_headers():
    return [str(label) for _key, label in RANKING_COLUMNS]


def render_csv(data):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row([_("Period"), data["period"]]))
    writer.writerow(safe_row([_("Section"), _("Measure"), _("Value")]))
    for section, item, value in rows_for_files(data):
        # category, channel, district and agency names may come from citizens or staff: never a formula
        writer.writerow(safe_row([section, item, value]))
    # UTF-8 with BOM so that spreadsheet programs read the Indonesian text correctly
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(data):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Summary")[:31]
    sheet.append(safe_row([_("Transparency report"), data["period"]]))
    sheet.append(safe_row([_("Generated at"), data["generated_at"]]))
    sheet.append([])
    sheet.append([_("Measure"), _("Value")])
    for cell in sheet[4]:
        cell.font = bold
    for key, label in SUMMARY_LABELS:
        sheet.append(safe_row([str(label), data["summary"].get(key)]))
    sheet.column_dimensions["A"].width = 55

    status_sheet = workbook.create_sheet(_("By status")[:31])
    status_sheet.append([_("Status"), _("Cases")])
    for code, text in STATUS_LABELS.items():
        status_sheet.append(safe_row([str(text), data["by_status"].get(code, 0)]))
    for key, label in BREAKDOWN_LABELS:
        part = workbook.create_sheet(str(label)[:31])
        part.append([str(label), _("Cases")])
        for name, count in data["breakdowns"][key]:
            part.append(safe_row([_label(KIND_LABELS, name) if key == "kind" else (name or "-"), count]))
        part.column_dimensions["A"].width = 45
    actions = workbook.create_sheet(_("Proactive actions")[:31])
    actions.append([_("Date"), _("Alert"), _("Category"), _("District"), _("Cases"), _("Action taken")])
    for item in data.get("proactive_actions", []):
        actions.append([item["acknowledged_at"][:10], str(_label(HOTSPOT_KIND_LABELS, item["kind"])), item["category"],
                        item["district"], item["cases"], safe_cell(item["action"])])
    actions.column_dimensions["F"].width = 60
    ranking = workbook.create_sheet(_("Agency ranking")[:31])
    ranking.append(ranking_headers())
    for item in data["ranking"]:
        ranking.append(safe_row([item.get(key) for key, _label in RANKING_COLUMNS]))
    ranking.column_dimensions["B"].width = 45
    for extra in workbook.worksheets[1:]:
        for cell in extra[1]:
            cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def compute(period, now=None, progress=None):
    """The snapshot of ``period``: a JSON-able dict."""
    now = now or utcnow()
    start, end = period_bounds(period)
    data = stats.period_kpis(start, end, now=now, progress=progress,
                             ranking_min_cases=int(current_app.config.get("REPORT_RANKING_MIN_CASES", 5)))
    data.update(period=period, start=start.isoformat(), end=end.isoformat(),
                generated_at=now.isoformat(timespec="seconds"))
    # hotspot alerts acknowledged in the period, with the action taken: the proactive fixes
    from app.workflow import hotspots

    data["proactive_actions"] = [{
        "acknowledged_at": a.acknowledged_at.isoformat(timespec="minutes"), "kind": a.kind,
        "category": a.category.name if a.category is not None else "-",
        "district": a.district.name if a.district is not None else "-",
        "cases": a.case_count, "action": a.action_taken,
    } for a in hotspots.actions_in(start, end)]
    return data


def build(period, user_id=None, now=None, progress=None):
    """Compute ``period`` and store it as its draft (replacing an older draft); returns the report."""
    progress = progress or (lambda pct, message=None: None)
    validate_period(period, now)
    now = now or utcnow()
    data = compute(period, now=now, progress=progress)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
        csv_bytes = render_csv(data)
        xlsx_bytes = render_xlsx(data)
        progress(90)
        pdf_bytes = render_pdf(data)
    progress(95)
    report = _save_draft(period, data, csv_bytes, xlsx_bytes, user_id, now, pdf_bytes)
    progress(100)
    return report


def render_pdf(data):
    """The printable report (title page, KPI table with definitions, charts, ranking, page numbers)."""
    from app import report_pdf

    return report_pdf.render(data, installation=current_app.config.get("INSTALLATION_NAME", ""),
                             app_name=current_app.config.get("APP_NAME", "LAPOR!"),
                             summary_labels=SUMMARY_LABELS, definitions=SUMMARY_DEFINITIONS,
                             breakdown_labels=BREAKDOWN_LABELS, ranking_columns=RANKING_COLUMNS)


def _save_draft(period, data, csv_bytes, xlsx_bytes, user_id, now, pdf_bytes=None):
    payload = dict(data=json.dumps(data, ensure_ascii=False, default=str), csv_file=csv_bytes,
                   xlsx_file=xlsx_bytes, pdf_file=pdf_bytes, generated_at=now, generated_by_id=user_id)
    for _attempt in range(3):
        draft = db.session.execute(
            select(TransparencyReport)
            .where(TransparencyReport.period == period, TransparencyReport.status == "draft")
            .with_for_update()
        ).scalar_one_or_none()
        if draft is None:
            draft = TransparencyReport(period=period, status="draft", **payload)
            db.session.add(draft)
        else:
            for name, value in payload.items():
                setattr(draft, name, value)
        try:
            db.session.commit()
            return draft
        except IntegrityError:  # a concurrent run inserted the draft first: update it instead
            db.session.rollback()
    raise RuntimeError("could not store the report draft")


def publish(report_id, user_id=None, now=None):
    report = db.session.execute(
        select(TransparencyReport).where(TransparencyReport.id == report_id).with_for_update()
    ).scalar_one_or_none()
    if report is None or report.status != "draft":
        db.session.rollback()
        raise InvalidTransition(_l("Only a draft report can be published."))
    db.session.execute(delete(TransparencyReport).where(
        TransparencyReport.period == report.period, TransparencyReport.status == "published"))
    db.session.flush()
    report.status = "published"
    report.published_at = now or utcnow()
    report.published_by_id = user_id
    db.session.add(ReportAudit(period=report.period, action="published", user_id=user_id, created_at=report.published_at))
    db.session.commit()
    return report


def is_published_period(period):
    return db.session.execute(select(TransparencyReport.id).where(
        TransparencyReport.period == period, TransparencyReport.status == "published")).first() is not None


def refuse_if_published(period):
    """A published period is not rebuilt behind the public's back: withdraw it first, with a reason."""
    if is_published_period(period):
        raise InvalidTransition(_l("The report of this period is published. Withdraw it first (with a reason) to generate it again."))


def unpublish(report_id, user_id, reason, now=None):
    """Withdraw a published report back to draft (its period leaves /transparansi); the reason is audited.
    A newer draft of the same period gives way to it."""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationFailed(_l("Explain why the report is withdrawn (at least 10 characters)."))
    report = db.session.execute(
        select(TransparencyReport).where(TransparencyReport.id == report_id).with_for_update()
    ).scalar_one_or_none()
    if report is None or report.status != "published":
        db.session.rollback()
        raise InvalidTransition(_l("Only a published report can be withdrawn."))
    db.session.execute(delete(TransparencyReport).where(
        TransparencyReport.period == report.period, TransparencyReport.status == "draft"))
    db.session.flush()
    report.status = "draft"
    report.published_at = None
    report.published_by_id = None
    db.session.add(ReportAudit(period=report.period, action="unpublished", reason=reason[:2000], user_id=user_id,
                               created_at=now or utcnow()))
    db.session.commit()
    return report


def audit_trail(period):
    return db.session.execute(select(ReportAudit).where(ReportAudit.period == period)
                              .order_by(ReportAudit.id.desc())).scalars().all()


def snapshot(report):
    return json.loads(report.data)


def is_draft(report):
    return report.status == "draft"


def published_reports():
    """The public archive: (period, id, published_at), newest period first (for /transparansi)."""
    return db.session.execute(
        select(TransparencyReport.period, TransparencyReport.id, TransparencyReport.published_at)
        .where(TransparencyReport.status == "published")
        .order_by(TransparencyReport.period.desc())
    ).all()


def published_file(period, fmt):
    """(bytes, filename, mimetype) of a published report, or None."""
    column = {"csv": TransparencyReport.csv_file, "xlsx": TransparencyReport.xlsx_file,
              "pdf": TransparencyReport.pdf_file}.get(fmt)
    parsed = periods.parse(period)
    if column is None or parsed is None or parsed.kind != "month":
        return None
    row = db.session.execute(
        select(column, TransparencyReport.id).where(TransparencyReport.period == period,
                                                    TransparencyReport.status == "published")
    ).first()
    if row is None:
        return None
    content = row[0]
    if content is None and fmt == "pdf":  # published before PDFs existed: render it from its snapshot once
        report = db.session.get(TransparencyReport, row[1])
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
            content = report.pdf_file = render_pdf(snapshot(report))
        db.session.commit()
    return content, f"laporan-transparansi-{period}.{fmt}", MIMETYPES[fmt]


def report_file(report, fmt):
    content = {"csv": report.csv_file, "xlsx": report.xlsx_file, "pdf": report.pdf_file}.get(fmt)
    if content is None and fmt == "pdf":
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "id")):
            content = render_pdf(snapshot(report))
    if content is None:
        return None
    suffix = "" if report.status == "published" else "-draf"
    return content, f"laporan-transparansi-{report.period}{suffix}.{fmt}", MIMETYPES[fmt]


MIMETYPES = {
    # the bare type: Werkzeug adds "; charset=utf-8" to every text/* type it is given (a type that
    # named the charset itself went out with it twice)
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
