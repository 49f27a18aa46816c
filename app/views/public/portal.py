"""Public pages: submit a report, track it, reply and rate, the public list of reports.

Thin: every decision (what is public, who may act, which transition) is made by
``app.workflow``; these views only read forms and render.
"""
import datetime
import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db, limiter
from app.labels import KIND_LABELS, STATUS_LABELS
from app.models import Agency, Category, Channel, Complaint
from app.workflow import access, attachments, lifecycle, reply_codes, sla
from app.workflow.errors import DomainError
from app.workflow.numbers import normalise_tracking_number
from app.workflow.reporters import reporter_from_form
from app.views.public.forms import CodeForm, RatingForm, ReplyForm, ReportForm, TrackForm, KIND_HELP

public_bp = Blueprint("public", __name__)
PAGE_SIZE = 20


def _submit_limit():
    return current_app.config["PUBLIC_SUBMIT_RATE_LIMIT"]


def _options(model, order):
    return [tuple(row) for row in db.session.execute(
        select(model.id, model.name).where(model.active.is_(True)).order_by(order))]


def _districts():
    from app import stats

    return stats.known_districts()


def _prepare(form):
    form.category.choices = [(None, _("- not sure -"))] + list(_options(Category, Category.name))
    form.target_agency.choices = [(None, _("- not sure -"))] + list(_options(Agency, Agency.name))


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


# --- submit -------------------------------------------------------------------


@public_bp.route("/lapor", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"])
def submit():
    form = ReportForm()
    _prepare(form)
    error = None
    if form.validate_on_submit():
        if form.website.data:  # honeypot: a person never fills the hidden field
            abort(400)
        written = []
        try:
            files = attachments.validate_uploads(request.files.getlist(form.attachments.name))
            category = db.session.get(Category, form.category.data) if form.category.data else None
            agency = db.session.get(Agency, form.target_agency.data) if form.target_agency.data else None
            if (form.category.data and category is None) or (form.target_agency.data and agency is None):
                raise DomainError(_("Choose an option from the list."))
            reporter = reporter_from_form(form.name.data, form.phone.data, form.email.data, form.nik.data,
                                          form.consent.data)
            web = db.session.execute(select(Channel).where(Channel.code == "web")).scalar_one()
            complaint, reply_code = lifecycle.register(
                who=lifecycle.REPORTER, kind=form.kind.data, title=form.title.data,
                description=form.description.data, channel=web, reporter=reporter, category=category,
                target_agency=agency, is_anonymous=form.is_anonymous.data,
                is_confidential=form.is_confidential.data,
                show_reporter_name=bool(form.show_name.data and form.name.data
                                        and not form.is_anonymous.data and not form.is_confidential.data),
                district=form.district.data or None,
                village=form.village.data or None, address=form.address.data or None,
                latitude=_float(form.latitude.data), longitude=_float(form.longitude.data),
                incident_date=form.incident_date.data,
            )
            written = attachments.store(complaint, files)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            attachments.discard(written)
            error = str(exc.message)
        except Exception:
            db.session.rollback()
            attachments.discard(written)
            raise
        else:
            # shown once on the next page, never stored in plain text
            session["lapor_receipt"] = {"number": complaint.tracking_number, "code": reply_code,
                                        "email": bool(form.email.data)}
            _grant_access(complaint)
            return redirect(url_for("public.submitted"))
    elif request.method == "POST":
        error = _("Please correct the fields marked below.")
    return render_template("public/submit.html", form=form, kind_help=KIND_HELP, error=error,
                           districts=_districts(), upload_limits=upload_limits(),
                           page_title=_("Submit a report")), (400 if error else 200)


def upload_limits():
    """What the form checks before sending: the same limits the server applies."""
    body = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0) or 10 ** 12
    return {"max_bytes": attachments.MAX_BYTES, "max_files": attachments.MAX_FILES,
            "max_total": max(0, body - 256 * 1024),  # room for the text fields
            # placeholders filled in by lapor.js
            "msg_size": _("%(name)s is %(size)s MB; each file may be at most %(max)s MB. "
                          "Choose a smaller photo or leave it out."),
            "msg_count": _("Choose at most %(count)s files."),
            "msg_total": _("Together the files are %(size)s MB; at most %(max)s MB can be sent at once.")}


@public_bp.route("/lapor/terkirim")
def submitted():
    receipt = session.pop("lapor_receipt", None)
    if not receipt:
        return redirect(url_for("public.track"))
    return render_template("public/submitted.html", receipt=receipt)


# --- track ----------------------------------------------------------------------


def _find(number):
    canonical = normalise_tracking_number(number)
    if canonical is None:
        abort(404)
    complaint = db.session.execute(
        select(Complaint).where(Complaint.tracking_number == canonical)
        .options(joinedload(Complaint.agency), joinedload(Complaint.category))
    ).scalar_one_or_none()
    if complaint is None:
        abort(404)
    return complaint


def _track_limit():
    return current_app.config["PUBLIC_TRACK_RATE_LIMIT"]


def _code_limit():
    return current_app.config["PUBLIC_CODE_RATE_LIMIT"]


def _now_epoch():
    from app.clock import utcnow

    return int((utcnow() - datetime.datetime(1970, 1, 1)).total_seconds())


def _has_code(complaint):
    """The reporter's session holds access to the case: entered the current code, not expired, not locked."""
    entry = session.get("lapor_access", {}).get(complaint.tracking_number)
    if not entry or reply_codes.is_locked(complaint):
        return False
    expires, stamp = entry
    return expires > _now_epoch() and stamp == reply_codes.access_stamp(complaint)


def _grant_access(complaint):
    minutes = int(current_app.config.get("REPLY_ACCESS_MINUTES", 30))
    entries = {k: v for k, v in session.get("lapor_access", {}).items()
               if k != complaint.tracking_number and v[0] > _now_epoch()}
    entries = dict(list(entries.items())[-19:])
    entries[complaint.tracking_number] = [_now_epoch() + 60 * minutes, reply_codes.access_stamp(complaint)]
    session["lapor_access"] = entries


def _status_url(complaint):
    return url_for("public.case_status", number=complaint.tracking_number)


@public_bp.route("/lacak", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
def track():
    form = TrackForm()
    if form.validate_on_submit():
        canonical = normalise_tracking_number(form.number.data)
        if canonical is None:
            form.number.errors.append(_("This is not a valid tracking number. It looks like ABCD-EFGH-J."))
        else:
            return redirect(url_for("public.case_status", number=canonical))
    return render_template("public/track.html", form=form)


@public_bp.route("/lacak/<number>", methods=["GET"])
@limiter.limit(_track_limit)
def case_status(number):
    complaint = _find(number)
    if "kode" in request.args:
        # old links carried the code in the query string (logs, history, Referer): never accept it
        flash(_("For your safety the reply code is no longer accepted in a link. Type it in the form below."),
              "warning")
        return redirect(_status_url(complaint), 303)
    is_reporter = _has_code(complaint)
    if not is_reporter and not access.trackable_without_code(complaint):
        abort(404)
    return render_template(
        "public/status.html", complaint=complaint, is_reporter=is_reporter,
        timeline=lifecycle.public_timeline(complaint.id), deadline=sla.current_deadline(complaint),
        sla_state=sla.sla_state(complaint), actions=_reporter_actions(complaint) if is_reporter else [],
        code_form=CodeForm(), reply_form=ReplyForm(), rating_form=RatingForm(), action_titles=ACTION_TITLES,
        code_locked=reply_codes.is_locked(complaint), steps=_steps(complaint), rating_words=RATING_WORDS,
    )


def _steps(complaint):
    """The status stepper of the tracking page: (label, state) with state done/current/todo."""
    path = [("received", _("Received")), ("dispatched", _("Dispatched")), ("in_progress", _("In progress")),
            ("resolved", _("Resolved")), ("closed", _("Closed"))]
    status = complaint.status
    if status in ("on_hold",):
        status = "received"
    if status in ("archived", "forwarded"):
        return [(_("Received"), "done"), (STATUS_LABELS[status], "current")]
    codes = [code for code, _label in path]
    current = codes.index(status) if status in codes else 0
    return [(label, "done" if i < current else "current" if i == current else "todo")
            for i, (_code, label) in enumerate(path)]


RATING_WORDS = {
    "1": _l("very dissatisfied"), "2": _l("dissatisfied"), "3": _l("neutral"),
    "4": _l("satisfied"), "5": _l("very satisfied"),
}

ACTION_TITLES = {
    "complete_hold": _l("Add the information that was asked for"),
    "reporter_reply": _l("Send a reply"),
    "reopen": _l("Not satisfied? Tell us why and the case is reopened"),
}


def _reporter_actions(complaint):
    names = ("complete_hold", "reporter_reply", "confirm", "reopen")
    return [name for name in names if lifecycle.allowed(name, complaint, lifecycle.REPORTER)]


@public_bp.route("/lacak/<number>/kode", methods=["POST"])
@limiter.limit(_track_limit)
@limiter.limit(_code_limit)
def enter_code(number):
    """The reply code arrives by POST only; the answer is a redirect to the plain tracking URL."""
    complaint = _find(number)
    form = CodeForm()
    result = reply_codes.attempt(complaint, form.code.data or "") if form.validate_on_submit() else reply_codes.WRONG
    db.session.commit()
    if result == reply_codes.OK:
        _grant_access(complaint)
        return redirect(_status_url(complaint), 303)
    if result == reply_codes.LOCKED:
        flash(_("This case's reply code is locked after too many wrong attempts. Contact the complaint service "
                "to receive a new code."), "danger")
    else:
        flash(_("The reply code is not correct."), "danger")
    if not access.trackable_without_code(complaint):
        abort(404)
    return redirect(_status_url(complaint), 303)


@public_bp.route("/lacak/<number>/<action>", methods=["POST"])
@limiter.limit(_track_limit)
def reporter_action(number, action):
    complaint = _find(number)
    if action not in ("complete_hold", "reporter_reply", "confirm", "reopen"):
        abort(404)
    if not _has_code(complaint):
        flash(_("Enter your private reply code first."), "danger")
        return redirect(url_for("public.case_status", number=complaint.tracking_number)), 303
    form = RatingForm() if action == "confirm" else ReplyForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(url_for("public.case_status", number=complaint.tracking_number))
    kwargs = {"rating": form.rating.data, "feedback": form.feedback.data} if action == "confirm" \
        else {"text": form.text.data}
    try:
        lifecycle.perform(action, complaint.id, lifecycle.REPORTER, **kwargs)
    except DomainError as exc:
        flash(str(exc.message), "danger")
    else:
        flash(_("Thank you. Your response has been recorded."), "success")
    return redirect(url_for("public.case_status", number=complaint.tracking_number))


# --- the public list --------------------------------------------------------------


@public_bp.route("/laporan")
def public_list():
    query = select(Complaint).where(access.public_cases_clause())
    args = request.args
    filters = {}
    if args.get("jenis") in KIND_LABELS:
        filters["jenis"] = args["jenis"]
        query = query.where(Complaint.kind == args["jenis"])
    if args.get("status") in access.PUBLIC_STATUSES:
        filters["status"] = args["status"]
        query = query.where(Complaint.status == args["status"])
    for key, column in (("kategori", Complaint.category_id), ("instansi", Complaint.agency_id)):
        if args.get(key, "").isdigit():
            filters[key] = int(args[key])
            query = query.where(column == int(args[key]))
    if args.get("kecamatan"):
        filters["kecamatan"] = args["kecamatan"][:100]
        query = query.where(Complaint.district == filters["kecamatan"])
    period = _period(args.get("dari"), args.get("sampai"))
    if period[0]:
        query = query.where(Complaint.received_at >= period[0])
    if period[1]:
        query = query.where(Complaint.received_at < period[1])
    q = (args.get("q") or "").strip()[:100]
    if q:
        like = f"%{q}%"
        query = query.where(or_(Complaint.title.ilike(like), Complaint.description.ilike(like),
                                Complaint.tracking_number == (normalise_tracking_number(q) or "")))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(int(args["hal"]) if args.get("hal", "").isdigit() and len(args["hal"]) < 7 else 1, 1), pages)
    rows = db.session.execute(
        query.options(joinedload(Complaint.agency), joinedload(Complaint.category))
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).scalars().all()
    def page_url(number):
        params = {k: v for k, v in args.items() if k != "hal"}
        return url_for("public.public_list", hal=number, **params)

    return render_template(
        "public/list.html", rows=rows, total=total, page=page, pages=pages, q=q, filters=filters,
        prev_url=page_url(page - 1) if page > 1 else None, next_url=page_url(page + 1) if page < pages else None,
        args=args, categories=_options(Category, Category.name), agencies=_options(Agency, Agency.name),
        districts=_districts(), statuses=[(s, STATUS_LABELS[s]) for s in access.PUBLIC_STATUSES],
    )


def _period(start, end):
    """'2026-01' style months from the filter form -> naive UTC bounds (None when absent/invalid)."""
    from app.workflow.calendar import current_calendar

    def month(text):
        try:
            year, number = (int(x) for x in (text or "").split("-")[:2])
            return current_calendar().month_range(year, number)
        except (ValueError, TypeError):
            return None, None

    return month(start)[0], month(end)[1]


@public_bp.route("/laporan/<number>")
@limiter.limit(_track_limit)
def public_detail(number):
    complaint = _find(number)
    if not access.publicly_listed(complaint):
        abort(404)
    return render_template("public/detail.html", complaint=complaint,
                           reporter_name=access.public_reporter_name(complaint),
                           timeline=lifecycle.public_timeline(complaint.id))


# --- transparency ---------------------------------------------------------------------


def _period_choice(text, now_local):
    """'2026-11' (month), '2026-Q4' (quarter) or '2026' (year) -> (value, label, first month, months)."""
    from flask_babel import format_date

    import datetime

    text = (text or "").strip()
    try:
        if len(text) == 7 and text[4] == "-" and text[5:].isdigit():
            year, month = int(text[:4]), int(text[5:])
            if 1 <= month <= 12:
                return text, format_date(datetime.date(year, month, 1), "MMMM yyyy"), (year, month), 1
        if len(text) == 7 and text[4:6] == "-Q" and text[6] in "1234":
            year, quarter = int(text[:4]), int(text[6])
            return text, _("Quarter %(quarter)d %(year)d", quarter=quarter, year=year), (year, 3 * quarter - 2), 3
        if len(text) == 4 and text.isdigit():
            return text, _("Year %(year)s", year=text), (int(text), 1), 12
    except ValueError:
        pass
    value = f"{now_local.year}-{now_local.month:02d}"
    return value, format_date(now_local.date().replace(day=1), "MMMM yyyy"), (now_local.year, now_local.month), 1


def _period_options(now_local):
    from flask_babel import format_date

    import datetime

    options = []
    year, month = now_local.year, now_local.month
    for _i in range(12):
        options.append((f"{year}-{month:02d}", format_date(datetime.date(year, month, 1), "MMMM yyyy")))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    for y in (now_local.year, now_local.year - 1):
        for q in (4, 3, 2, 1):
            if y < now_local.year or 3 * q - 2 <= now_local.month:
                options.append((f"{y}-Q{q}", _("Quarter %(quarter)d %(year)d", quarter=q, year=y)))
        options.append((str(y), _("Year %(year)s", year=y)))
    return options


@public_bp.route("/transparansi")
def transparency():
    from app import stats
    from app.clock import utcnow
    from app.workflow import reports
    from app.workflow.calendar import current_calendar

    cal = current_calendar()
    now_local = cal.to_local(utcnow())
    value, label, (year, month), months = _period_choice(request.args.get("periode"), now_local)
    start, end = cal.month_range(year, month, months)
    min_cases = current_app.config.get("REPORT_RANKING_MIN_CASES", 5)
    kpi = stats.cached_period_kpis(start, end, ranking_min_cases=min_cases)
    trend = []
    for offset in range(max(months, 6) if months == 1 else months):
        m_index = (month - 1 + offset - (5 if months == 1 else 0))
        y, m = year + m_index // 12, m_index % 12 + 1
        m_start, m_end = cal.month_range(y, m)
        trend.append((f"{y}-{m:02d}", stats.received_count(m_start, m_end)))

    def series(pairs, labels=None):
        pairs = list(pairs)[:12]
        return {"labels": [str((labels or {}).get(k, k) or "-") for k, _v in pairs], "values": [v for _k, v in pairs]}

    charts = {
        "labels": {"received": _("reports received")},
        "trend": series(trend),
        "status": series(sorted(kpi["by_status"].items()), STATUS_LABELS),
        "category": series(kpi["breakdowns"]["category"]),
        "channel": series(kpi["breakdowns"]["channel"]),
        "district": series(kpi["breakdowns"]["district"]),
    }
    archive = [{"period": row.period, "label": _period_choice(row.period, now_local)[1]}
               for row in reports.published_reports()]
    return render_template("public/transparency.html", kpi=kpi, period={"value": value, "label": label},
                           period_options=_period_options(now_local), charts=charts, archive=archive,
                           ranking_min=min_cases)


@public_bp.route("/transparansi/<period>.<fmt>")
def transparency_file(period, fmt):
    from flask import send_file
    import io

    from app.workflow import reports

    found = reports.published_file(period, fmt)
    if found is None:
        abort(404)
    content, filename, mimetype = found
    return send_file(io.BytesIO(content), mimetype=mimetype, download_name=filename, as_attachment=True)


# --- privacy --------------------------------------------------------------------------


@public_bp.route("/privasi")
def privacy():
    """What happens to a reporter's personal data (UU PDP 27/2022); contact and periods from the settings."""
    config = current_app.config
    return render_template(
        "public/privacy.html", page_title=_("Privacy and personal data"),
        contact=config.get("PRIVACY_CONTACT") or config.get("INSTALLATION_EMAIL") or config.get("INSTALLATION_PHONE"),
        outbox_days=int(config.get("OUTBOX_RECIPIENT_RETENTION_DAYS", 30)),
        identity_days=int(config.get("IDENTITY_RETENTION_DAYS", 0) or 0),
        access_minutes=int(config.get("REPLY_ACCESS_MINUTES", 30)))
