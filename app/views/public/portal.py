"""Public pages: submit a report, track it, reply and rate, the public list of reports.

Thin: every decision (what is public, who may act, which transition) is made by
``app.workflow``; these views only read forms and render.
"""
import datetime
import re
import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.channels import intake
from app.database import reads_only
from app.extensions import db, limiter
from app.jobs.queue import deliver
from app.labels import STATUS_LABELS
from app.models import Agency, Category, Channel, Complaint
from app.workflow import access, attachments, lifecycle, paging, periods, regions, reply_codes, sla
from app.workflow import public_list as public_list_rules
from app.workflow.errors import DomainError
from app.workflow.numbers import normalise_tracking_number
from app.workflow.reporters import reporter_from_form
from app.views.maps import map_settings
from app.views.public.http_cache import never_stored, public_cache
from app.views.public.forms import CodeForm, RatingForm, ReplyForm, ReportForm, TrackForm, KIND_HELP

public_bp = Blueprint("public", __name__)


def _submit_limit():
    return current_app.config["PUBLIC_SUBMIT_RATE_LIMIT"]


def _options(model, order):
    return [tuple(row) for row in db.session.execute(
        select(model.id, model.name).where(model.active.is_(True)).order_by(order))]


def _districts():
    """[(kecamatan code, name)] of the installation."""
    return regions.kecamatan_list()


def _prepare(form):
    form.category.choices = [(None, _("- not sure -"))] + list(_options(Category, Category.name))
    form.target_agency.choices = [(None, _("- not sure -"))] + list(_options(Agency, Agency.name))
    form.region.choices = {"": [("", _("- choose -"))]}
    for kecamatan, villages in regions.kelurahan_groups():
        form.region.choices[_("Kec. %(name)s", name=kecamatan)] = villages



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
    if not SUBMISSION_RE.match(form.submission.data or ""):
        form.submission.data = secrets.token_urlsafe(18)
    if SENDER not in session:  # set with the form: a resend after a lost answer carries it
        session[SENDER] = secrets.token_urlsafe(18)
    error = None
    if form.validate_on_submit():
        if form.website.data:  # honeypot: a person never fills the hidden field
            abort(400)
        email = bool(form.email.data)

        def open_case(sending):
            files = attachments.validate_uploads(request.files.getlist(form.attachments.name))
            category = db.session.get(Category, form.category.data) if form.category.data else None
            agency = db.session.get(Agency, form.target_agency.data) if form.target_agency.data else None
            if (form.category.data and category is None) or (form.target_agency.data and agency is None):
                raise DomainError(_("Choose an option from the list."))
            reporter = reporter_from_form(form.name.data, form.phone.data, form.email.data, form.nik.data,
                                          form.consent.data)
            web = db.session.execute(select(Channel).where(Channel.code == "web")).scalar_one()
            outcome = lifecycle.register(
                who=lifecycle.REPORTER, kind=form.kind.data, title=form.title.data,
                description=form.description.data, channel=web, reporter=reporter, category=category,
                target_agency=agency, is_anonymous=form.is_anonymous.data,
                is_confidential=form.is_confidential.data,
                show_reporter_name=bool(form.show_name.data and form.name.data
                                        and not form.is_anonymous.data and not form.is_confidential.data),
                region_code=form.region.data or None, address=form.address.data or None,
                latitude=_float(form.latitude.data), longitude=_float(form.longitude.data),
                incident_date=form.incident_date.data,
            )
            reply_codes.keep_for_sender(sending, outcome.reply_code, session.get(SENDER))
            return outcome, attachments.store(outcome.complaint, files)

        try:
            # one case per form (a double tap, a resend after a lost answer, two requests at once)
            sending, outcome = intake.open_once(WEB_FORM, form.submission.data, open_case)
        except DomainError as exc:
            error = str(exc.message)
        else:
            if outcome is None:
                return _already_sent(sending, email)
            deliver(outcome)
            _show_receipt(form.submission.data, email)
            _grant_access(outcome.complaint)
            return redirect(url_for("public.submitted"))
    elif request.method == "POST":
        error = _("Please correct the fields marked below.")
    page = render_template("public/submit.html", form=form, kind_help=KIND_HELP, error=error,
                           districts=_districts(), upload_limits=upload_limits(), map_settings=map_settings(),
                           page_title=_("Submit a report")), (400 if error else 200)
    return never_stored(page) if request.method == "POST" else page  # a refused form shows what was typed


WEB_FORM = "web_form"  # inbound_message.provider of the report form's submission ids
SUBMISSION_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


SENDER = "lapor_sender"  # the session key that recognises the browser a report form was shown to


def _already_sent(sending, email):
    """The answer to a report form that was sent before (``sending``: the record of its first
    sending, with the case it opened).

    Only the browser that sent it the first time (``reply_codes.is_sender``) is answered with the
    case: within ``REPLY_CODE_RESEND_MINUTES`` the receipt with the number and the reply code again
    (the answer to the first sending may never have arrived), later the case page with access as
    after the first sending. Any other browser is told the report was sent, and nothing more."""
    complaint = db.session.get(Complaint, sending.complaint_id)
    sender = session.get(SENDER)
    if complaint is None or not reply_codes.is_sender(sending, sender):
        flash(_("This report was already sent. Nothing was sent twice."), "info")
        return redirect(url_for("public.track"), 303)
    _grant_access(complaint)
    if reply_codes.code_for_sender(sending, complaint, sender):
        _show_receipt(sending.external_id, email, again=True)
        return redirect(url_for("public.submitted"), 303)
    flash(_("This report was already sent: its tracking number is %(number)s. Nothing was sent twice.",
            number=complaint.tracking_number), "info")
    return redirect(_status_url(complaint), 303)


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


RECEIPT = "lapor_receipt"  # the session key naming the sending whose receipt the next page shows


def _show_receipt(submission, email, again=False):
    """The receipt page (number and reply code) is shown once, next. The session names the sending
    only: its cookie is signed, not encrypted, so the code never goes into it; the page reads the
    code from the copy kept encrypted on the sending's record (``reply_codes.keep_for_sender``)."""
    session[RECEIPT] = {"submission": submission, "email": email, "again": again}


@public_bp.route("/lapor/terkirim")
def submitted():
    receipt = session.pop(RECEIPT, None)
    submission = receipt.get("submission") if isinstance(receipt, dict) else None
    sending = intake.recorded(WEB_FORM, submission) if isinstance(submission, str) else None
    complaint = db.session.get(Complaint, sending.complaint_id) if sending and sending.complaint_id else None
    sender = session.get(SENDER)
    if complaint is None or not reply_codes.is_sender(sending, sender):
        return redirect(url_for("public.track"))
    code = reply_codes.code_for_sender(sending, complaint, sender, window=reply_codes.receipt_window())
    if code is None:  # the kept copy is gone (too old, or a coordinator issued a new code)
        flash(_("Report %(number)s was received. Its reply code can no longer be shown here: contact the "
                "complaint service to receive a new code.", number=complaint.tracking_number), "info")
        return redirect(_status_url(complaint), 303)
    return never_stored(render_template("public/submitted.html", receipt={
        "number": complaint.tracking_number, "code": code, "email": bool(receipt.get("email")),
        "again": bool(receipt.get("again")),
        "location_warning": regions.location_warning(complaint.latitude, complaint.longitude)}))


# --- track ----------------------------------------------------------------------


# built once: its SQL and cache key are reused by every page view of a case
_CASE_BY_NUMBER = (select(Complaint).where(Complaint.tracking_number == bindparam("number"))
                   .options(joinedload(Complaint.agency), joinedload(Complaint.category)))


def _lookup(number):
    """(canonical number, the case or None); a number of the wrong shape is a 404."""
    canonical = normalise_tracking_number(number)
    if canonical is None:
        abort(404)
    return canonical, db.session.execute(_CASE_BY_NUMBER, {"number": canonical}).scalar_one_or_none()


def _find(number):
    _canonical, complaint = _lookup(number)
    if complaint is None:
        abort(404)
    return complaint


def _hidden(complaint):
    """Whether the tracking page of ``complaint`` (None: no such case) is not shown to this visitor:
    no such case, or a confidential one without the reply code. The two look the same."""
    return complaint is None or (not _has_code(complaint) and not access.trackable_without_code(complaint))


def _not_public_page(number, typed=None, status=404):
    """The answer for a number whose case is not shown (:func:`_hidden`): the same page, status 404,
    whether the case does not exist or is confidential, with the reply-code form (the reporter of a
    confidential case enters it here) and what was typed in a refused form, read-only to copy."""
    return never_stored(make_response(render_template(
        "public/not_public.html", number=number, code_form=CodeForm(formdata=None),
        typed_elsewhere=_typed_texts(*(typed or (None, None)))), status))


def _typed_texts(action, form):
    """(label, text) of what was typed in a reporter's form that can no longer be sent."""
    if form is None:
        return []
    fields = (form.feedback,) if action == "confirm" else (form.text,)
    return [(field.label.text, field.data.strip()) for field in fields
            if isinstance(field.data, str) and field.data.strip()]


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
    return render_template("public/track.html", form=form), (400 if form.errors else 200)


@public_bp.route("/lacak/<number>", methods=["GET"])
@limiter.limit(_track_limit)
@reads_only
def case_status(number):
    canonical = normalise_tracking_number(number)
    if "kode" in request.args or canonical in session.get("lapor_access", {}):
        return never_stored(_case_status(number))  # a reporter's own page (or an old link): never shared or kept
    return _shared_case_status(number)


@public_cache(with_form_token=True)
def _shared_case_status(number):
    """The tracking page as any visitor without the reply code sees it: the same for all but the
    form token, so it is served from the shared page cache (``public_cache``)."""
    return _case_status(number)


def _case_status(number):
    canonical, complaint = _lookup(number)
    if "kode" in request.args:
        # old links carried the code in the query string (logs, history, Referer): never accept it
        flash(_("For your safety the reply code is no longer accepted in a link. Type it in the form below."),
              "warning")
        return redirect(url_for("public.case_status", number=canonical), 303)
    if _hidden(complaint):
        return _not_public_page(canonical)
    return _case_page(complaint)


def _case_page(complaint, typed=None):
    """The tracking page of ``complaint``. ``typed`` = (action, its submitted form) of a reporter's
    form the server refused: that form holds what was typed again (with its field errors); when
    the action is no longer possible (the case moved on, the access ended) the texts are shown
    read-only instead, so that nothing typed is lost."""
    is_reporter = _has_code(complaint)
    actions = _reporter_actions(complaint) if is_reporter else []
    typed_name, typed_form = typed or (None, None)
    forms = {action: (typed_form if action == typed_name else _form_of(action)(formdata=None))
             for action in actions}
    typed_elsewhere = [] if typed_name in actions else _typed_texts(typed_name, typed_form)
    return render_template(
        "public/status.html", complaint=complaint, is_reporter=is_reporter,
        timeline=lifecycle.public_timeline(complaint.id), deadline=sla.current_deadline(complaint),
        sla_state=sla.sla_state(complaint), actions=actions, forms=forms, typed_name=typed_name,
        typed_elsewhere=typed_elsewhere, code_form=CodeForm(formdata=None), action_titles=ACTION_TITLES,
        code_locked=reply_codes.is_locked(complaint), steps=_steps(complaint), rating_words=RATING_WORDS,
    )


def _form_of(action):
    return RatingForm if action == "confirm" else ReplyForm


@public_bp.route("/lacak/<number>/foto/<int:attachment_id>", methods=["GET"])
def follow_up_photo(number, attachment_id):
    """A file staff attached to a public event and marked public (same reach as the timeline)."""
    from flask import send_file

    complaint = _find(number)
    if not _has_code(complaint) and not access.trackable_without_code(complaint):
        abort(404)
    row = lifecycle.public_attachment(complaint, attachment_id)
    if row is None:
        abort(404)
    extension = row.stored_name.rsplit(".", 1)[-1]
    return send_file(attachments.path_of(row), mimetype=row.content_type, max_age=0,
                     download_name=f"lampiran-{row.id}.{extension}",
                     as_attachment=not row.content_type.startswith("image/"))


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


REPORTER_ACTIONS = ("complete_hold", "reporter_reply", "confirm", "reopen")


def _reporter_actions(complaint):
    return [name for name in REPORTER_ACTIONS if lifecycle.allowed(name, complaint, lifecycle.REPORTER)]


@public_bp.route("/lacak/<number>/kode", methods=["POST"])
@limiter.limit(_track_limit)
@limiter.limit(_code_limit)
def enter_code(number):
    """The reply code arrives by POST only; the answer is a redirect to the plain tracking URL.
    For a number whose case is not shown (none, or confidential) a wrong or locked code gets one
    answer, the same for both, so that the form tells nobody whether a confidential case exists."""
    canonical, complaint = _lookup(number)
    form = CodeForm()
    result = reply_codes.WRONG
    if complaint is not None and form.validate_on_submit():
        result = reply_codes.attempt(complaint, form.code.data or "")
    db.session.commit()
    if result == reply_codes.OK:
        _grant_access(complaint)
        return redirect(_status_url(complaint), 303)
    if _hidden(complaint):
        flash(_("The tracking number or the reply code is not correct. After too many wrong attempts a code is "
                "locked: then contact the complaint service to receive a new one."), "danger")
        return _not_public_page(canonical)
    if result == reply_codes.LOCKED:
        flash(_("This case's reply code is locked after too many wrong attempts. Contact the complaint service "
                "to receive a new code."), "danger")
    else:
        flash(_("The reply code is not correct."), "danger")
    return redirect(_status_url(complaint), 303)


@public_bp.route("/lacak/<number>/<action>", methods=["POST"])
@limiter.limit(_track_limit)
def reporter_action(number, action):
    """The reporter's forms. Done: back to the page (a redirect). Refused (a field, a rule, the case
    changed meanwhile, the access ended): the page again with the reason and what was typed still
    in its box (``_refused``), never a redirect that loses it."""
    canonical, complaint = _lookup(number)
    if action not in REPORTER_ACTIONS:
        abort(404)
    form = _form_of(action)()
    if _hidden(complaint):  # the access ended on a confidential case (or no such case): the code form
        form.validate()
        flash(_("Enter your private reply code first."), "danger")
        return _not_public_page(canonical, typed=(action, form))
    if not _has_code(complaint):
        return _refused(complaint, action, form, _("Enter your private reply code first."), 403)
    if not form.validate_on_submit():
        return _refused(complaint, action, form, _("Please correct the fields marked below."), 400)
    kwargs = {"rating": form.rating.data, "feedback": form.feedback.data} if action == "confirm" \
        else {"text": form.text.data}
    try:
        deliver(lifecycle.perform(action, complaint.id, lifecycle.REPORTER, **kwargs))
    except DomainError as exc:
        db.session.expire_all()  # the page shows the case as it is now
        return _refused(complaint, action, form, str(exc.message), exc.status_code)
    flash(_("Thank you. Your response has been recorded."), "success")
    return redirect(url_for("public.case_status", number=complaint.tracking_number))


def _refused(complaint, action, form, message, status):
    """The tracking page again after a refused reporter form: the message, and what was typed."""
    flash(message, "danger")
    return never_stored(_case_page(complaint, typed=(action, form))), status


def refused_before_the_view(code, message):
    """A reporter's form refused before its view ran (an expired form token, too many requests):
    the tracking page with the message and what was typed, as any refusal. None for any other
    request, or when the page cannot be shown (no such case): the usual error page answers."""
    if request.method != "POST" or request.endpoint != "public.reporter_action":
        return None
    args = request.view_args or {}
    action = args.get("action")
    canonical = normalise_tracking_number(args.get("number") or "")
    complaint = db.session.execute(select(Complaint).where(Complaint.tracking_number == canonical)) \
        .scalar_one_or_none() if canonical else None
    if canonical is None or action not in REPORTER_ACTIONS:
        return None
    form = _form_of(action)()  # what was typed, and a fresh form token to send it again
    form.validate()  # the field errors next to the boxes, if any
    flash(message, "danger")
    if _hidden(complaint):  # no such case, or confidential without the code: the same page for both
        return _not_public_page(canonical, typed=(action, form), status=code)
    return never_stored(_case_page(complaint, typed=(action, form))), code


# --- the public list --------------------------------------------------------------


def _refused_list_args(args, jump):
    """What the visitor asked for that the list cannot use, said on the page (a 400), never
    dropped silently: the list would otherwise look filtered when it is not."""
    refused = []
    if (args.get("tanggal") or "").strip() and jump is None:
        refused.append(_("\"%(value)s\" is not a date. Choose a day, month and year; the newest reports are shown.",
                         value=args["tanggal"][:40]))
    for name in ("dari", "sampai"):
        if (args.get(name) or "").strip() and periods.parse_loose_month(args[name]) is None:
            refused.append(_("\"%(value)s\" is not a month (for example 2026-01); that filter is left out.",
                             value=args[name][:40]))
    return refused


@public_bp.route("/laporan")
@reads_only
@public_cache
def public_list():
    args = request.args
    criteria = public_list_rules.PublicSearch.from_args(args)
    size = int(args["n"]) if args.get("n") in ("20", "50", "100") else public_list_rules.PAGE_SIZE
    jump = public_list_rules.jump_date(args.get("tanggal"))
    refused = _refused_list_args(args, jump)
    page, total = public_list_rules.seek(
        criteria, size, before=paging.decode_cursor(args.get("sebelum")),
        after=paging.decode_cursor(args.get("sesudah")), until=jump[1] if jump else None)

    def page_url(**cursor):
        params = {k: v for k, v in args.items() if k not in ("sebelum", "sesudah", "tanggal", "hal")}
        return url_for("public.public_list", **params, **cursor)

    points = [{**point, "url": url_for("public.public_detail", number=point["number"])}
              for point in public_list_rules.map_points(criteria)]

    return render_template(
        "public/list.html", rows=page.rows, total=total,
        more_than=paging.COUNT_CAP if total > paging.COUNT_CAP else None,
        q=criteria.text, filters=criteria.filters, args=args, jump=jump[0] if jump else "",
        prev_url=page_url(sesudah=page.newer) if page.newer else None,
        next_url=page_url(sebelum=page.older) if page.older else None,
        first_url=page_url() if (page.newer or args.get("sebelum") or args.get("sesudah") or jump) else None,
        categories=_options(Category, Category.name), agencies=_options(Agency, Agency.name),
        districts=_districts(), statuses=[(s, STATUS_LABELS[s]) for s in access.PUBLIC_STATUSES],
        points=points, map_settings=map_settings(), refused_args=refused,
    ), (400 if refused else 200)


@public_bp.route("/laporan/<number>")
@limiter.limit(_track_limit)
@reads_only
@public_cache
def public_detail(number):
    complaint = _find(number)
    if not access.publicly_listed(complaint):
        abort(404)
    return render_template("public/detail.html", complaint=complaint,
                           location=public_list_rules.public_location(complaint),
                           reporter_name=access.public_reporter_name(complaint),
                           timeline=lifecycle.public_timeline(complaint.id))


# --- transparency ---------------------------------------------------------------------


SLA_ROWS = (
    ("verification", _l("Verified on time")),
    ("follow_up", _l("First follow-up on time")),
    ("resolution", _l("Resolved on time")),
)


def _conditional(etag, last_modified, public):
    """304 when the client (or a shared cache) already holds this version of the page."""
    from flask import make_response

    if request.if_none_match and request.if_none_match.contains(etag):
        response = make_response("", 304)
    elif not request.if_none_match and request.if_modified_since and \
            last_modified.replace(microsecond=0) <= request.if_modified_since.replace(tzinfo=None):
        response = make_response("", 304)
    else:
        return None
    return _cache_headers(response, etag, last_modified, public)


def _cache_headers(response, etag, last_modified, public):
    import datetime

    response.set_etag(etag)
    response.last_modified = last_modified.replace(tzinfo=datetime.timezone.utc)
    response.cache_control.no_cache = None
    response.cache_control.max_age = 0
    response.cache_control.must_revalidate = True
    if public:
        response.cache_control.public = True
    else:
        response.cache_control.private = True
    response.vary.update(("Cookie", "Accept-Language"))
    return response


@public_bp.route("/transparansi")
@reads_only
def transparency():
    import hashlib

    from flask import make_response
    from flask_babel import get_locale
    from flask_login import current_user

    from app import reports, stats
    from app.clock import utcnow

    now = utcnow()  # one clock for the whole page
    asked = (request.args.get("periode") or "").strip()
    period = periods.parse(asked) if asked else None
    refused = [] if period is not None or not asked else [
        _("\"%(value)s\" is not a period. Choose a month, quarter or year from the list; this month is shown.",
          value=asked[:40])]
    period = period or periods.current_month(now)
    start, end = period.bounds()
    min_cases = current_app.config.get("REPORT_RANKING_MIN_CASES", 5)
    stamp, last_modified = stats.figures_stamp(now)
    viewer = current_user.get_id() if current_user.is_authenticated else "-"
    etag = hashlib.sha1(f"{stamp}|{period.value}|{min_cases}|{get_locale()}|{viewer}".encode()).hexdigest()
    public = viewer == "-"
    not_modified = None if refused else _conditional(etag, last_modified, public)
    if not_modified is not None:
        return not_modified

    kpi = stats.public_kpis(start, end, ranking_min_cases=min_cases, now=now, stamp=stamp)
    trend = stats.received_trend(period)

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
    archive = [{"period": row.period, "label": periods.label_of(row.period)} for row in reports.published_reports()]
    response = make_response(render_template(
        "public/transparency.html", kpi=kpi, period={"value": period.value, "label": period.label()},
        period_options=periods.recent_choices(now), charts=charts, archive=archive, ranking_min=min_cases,
        sla_rows=SLA_ROWS, as_of=now, refused_args=refused))
    if refused:
        response.status_code = 400  # not cached: the address names no period
        return response
    return _cache_headers(response, etag, last_modified, public)


@public_bp.route("/transparansi/<period>.<fmt>")
def transparency_file(period, fmt):
    from flask import send_file
    import io

    from app import reports

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


# --- for crawlers and browsers --------------------------------------------------------


def _crawlable():
    """The pages a search engine may read: the home page, the report form, the public reports, the
    transparency pages (with their published files), the privacy page and the static files. Anything
    else (the tracking pages, which name a case; the receipt; the staff area; the API and the
    channels) is left out by ``Disallow: /``, so robots.txt names no path but the public ones."""
    return [url_for("PublicIndexView.index") + "$", url_for("public.submit") + "$",
            url_for("public.public_list"), url_for("public.transparency"), url_for("public.privacy"),
            url_for("static", filename="")]


@public_bp.route("/robots.txt")
def robots_txt():
    from flask import Response

    lines = ["User-agent: *"] + [f"Allow: {path}" for path in _crawlable()] + ["Disallow: /"]
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 24 * 3600
    return response


@public_bp.route("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page links: the site's SVG icon."""
    from flask import send_from_directory

    return send_from_directory(current_app.static_folder, "img/favicon.svg", mimetype="image/svg+xml",
                               max_age=24 * 3600)
