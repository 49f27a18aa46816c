"""The Open311 GeoReport v2 server, ``/open311/v2/`` (JSON and XML).

Reading is open to anyone (like the public list); filing a request needs an API key
(``flask lapor api-key create NAME`` or the admin screen). Every rule (what is public,
who the reporter is, which states exist) comes from ``app.workflow``: this module only
maps GeoReport's names onto ours.

Privacy: a confidential case never appears; no reporter identity (name, contact, device,
account) is ever in a response; the private reply code is never in a response.
"""
import datetime
import logging
import secrets

from flask import Blueprint, current_app, request, url_for
from flask_babel import force_locale, gettext as _
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload

from app.channels import intake
from app.channels.open311.encode import errors, respond
from app.clock import utcnow
from app.settings import setting
from app.extensions import db, limiter
from app.formats import UNENCODED_PLUS
from app.labels import KIND_LABELS, STATUS_LABELS
from app.models import Category, Complaint, ComplaintEvent, InboundMessage
from app.models.reference import KINDS
from app.workflow import access, apikeys, attachments, lifecycle, public_list, sla
from app.workflow.calendar import current_calendar
from app.workflow.errors import DomainError
from app.workflow.numbers import whole_number

log = logging.getLogger(__name__)

open311_bp = Blueprint("open311", __name__)
FMT = "<any(xml, json):fmt>"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime.datetime(2026, 11, 24, 0, 0, 0)  # last change of this API's shape (UTC)
PROVIDER = "open311"

# our states -> GeoReport's two
OPEN = ("received", "on_hold", "dispatched", "in_progress")
CLOSED = ("resolved", "closed", "archived", "forwarded")
# events whose public text is the agency's answer (never the reporter's own words)
ANSWER_EVENTS = ("held", "dispatched", "follow_up", "resolved", "archived", "forwarded")
MAX_REQUESTS, DEFAULT_DAYS = 1000, 90
MAX_DESCRIPTION, MAX_TITLE = lifecycle.MAX_TEXT, lifecycle.MAX_TITLE
BOOLEAN_VALUES = {"ya": True, "true": True, "1": True, "tidak": False, "false": False, "0": False}


class Open311Error(Exception):
    def __init__(self, status, description):
        super().__init__(description)
        self.status, self.description = status, description


def _fmt():
    if request.view_args and "fmt" in request.view_args:
        return request.view_args["fmt"]
    return "json" if request.path.endswith(".json") else "xml"  # no route matched: the path's suffix


def error_document(status, description):
    """Any error under ``/open311/`` in the spec's ``errors`` format (registered by the views)."""
    return errors(_fmt(), status, description)


@open311_bp.errorhandler(Open311Error)
def _open311_error(exc):
    return errors(_fmt(), exc.status, exc.description)


@open311_bp.errorhandler(DomainError)
def _domain_error(exc):
    return errors(_fmt(), exc.status_code if exc.status_code in (400, 403, 404) else 400, exc.message)


def _read_limit():
    return setting("OPEN311_RATE_LIMIT") or "120 per minute"


# every read is limited per address (tracking numbers must not be enumerated)
_limited = limiter.limit(_read_limit, methods=["GET"])


@open311_bp.before_request
def _jurisdiction():
    wanted = (request.values.get("jurisdiction_id") or "").strip()
    if wanted and wanted != jurisdiction_id():
        raise Open311Error(404, _("jurisdiction_id %(id)s not found; this server serves %(ours)s.",
                                  id=wanted[:100], ours=jurisdiction_id()))


def jurisdiction_id():
    configured = setting("OPEN311_JURISDICTION_ID")
    if configured:
        return configured
    return request.host.split(":")[0]


def _is_test_endpoint():
    return request.blueprint == "open311_test"


# --- discovery and services ------------------------------------------------------------


@open311_bp.route(f"/discovery.{FMT}")
@_limited
def discovery(fmt):
    base = (setting("PUBLIC_BASE_URL") or request.url_root).rstrip("/")
    endpoints = []
    for kind, blueprint in (("production", "open311"), ("test", "open311_test")):
        path = url_for(f"{blueprint}.discovery", fmt="xml").rsplit("/", 1)[0] + "/"
        endpoints.append({"specification": SPECIFICATION, "url": base + path, "changeset": CHANGESET,
                          "type": kind, "formats": ["text/xml", "application/json"]})
    with force_locale("id"):
        document = {
            "changeset": CHANGESET,
            "contact": setting("OPEN311_CONTACT") or _(
                "%(installation)s, complaint service coordinator", installation=setting("INSTALLATION_NAME")),
            "key_service": setting("OPEN311_KEY_SERVICE") or _(
                "API keys are issued by the portal administrator (Admin menu, API keys)."),
            "endpoints": endpoints,
        }
    return respond(fmt, "discovery", document)


def _categories():
    return db.session.execute(
        select(Category).where(Category.active.is_(True)).options(joinedload(Category.parent))
        .order_by(Category.name)).scalars().all()


def _category(service_code):
    number = whole_number(service_code)
    if number is None:
        return None
    category = db.session.get(Category, number)
    return category if category is not None and category.active else None


@open311_bp.route(f"/services.{FMT}")
@_limited
def services(fmt):
    items = []
    for category in _categories():
        group = category.parent.name if category.parent is not None else _("General")
        items.append({"service_code": str(category.id), "service_name": category.name,
                      "description": category.description or category.name, "metadata": True,
                      "type": "realtime", "keywords": ", ".join([category.name, group]), "group": group})
    return respond(fmt, "services", items)


def _attributes():
    from app.workflow import regions

    with force_locale("id"):
        yes_no = [{"key": "ya", "name": _("Yes")}, {"key": "tidak", "name": _("No")}]
        return [
            {"variable": True, "code": "judul", "datatype": "string", "required": False,
             "datatype_description": _("At most 200 characters"), "order": 1,
             "description": _("Title of the report (taken from the description when empty)"), "values": []},
            {"variable": True, "code": "jenis", "datatype": "singlevaluelist", "required": False,
             "datatype_description": None, "order": 2, "description": _("Type of report"),
             "values": [{"key": kind, "name": str(KIND_LABELS[kind])} for kind in KINDS]},
            {"variable": True, "code": "kecamatan", "datatype": "singlevaluelist", "required": False,
             "datatype_description": None, "order": 3, "description": _("District (kecamatan)"),
             "values": [{"key": name, "name": name} for _code, name in regions.kecamatan_list()]},
            {"variable": True, "code": "anonim", "datatype": "singlevaluelist", "required": False,
             "datatype_description": None, "order": 4,
             "description": _("Anonymous: the reporter's identity is hidden from everyone except the coordinators"),
             "values": yes_no},
            {"variable": True, "code": "rahasia", "datatype": "singlevaluelist", "required": False,
             "datatype_description": None, "order": 5,
             "description": _("Confidential: the report itself is not published"), "values": yes_no},
        ]


@open311_bp.route(f"/services/<service_code>.{FMT}")
@_limited
def service_definition(service_code, fmt):
    category = _category(service_code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found.", code=service_code[:20]))
    return respond(fmt, "service_definition", {"service_code": str(category.id), "attributes": _attributes()})


# --- API keys ---------------------------------------------------------------------------


@open311_bp.before_request
def _no_key_in_the_address():
    """An ``api_key`` belongs in the POST body (GeoReport v2): one in the query string is written
    to every access log and proxy log on the way, so it is refused, on every route, and the
    refusal never logs it."""
    if "api_key" in request.args:
        log.warning("open311 %s %s: api_key sent in the query string, refused", request.method, request.path)
        raise Open311Error(400, _("api_key must be sent in the POST body, never in the address (query string): "
                                  "addresses are written to logs. Consider this key exposed and ask for a new one."))


def _authenticate():
    """The active key sent in the POST body (403 otherwise), counted against its rate limit."""
    if not request.form and request.mimetype != "application/x-www-form-urlencoded" and request.get_data(cache=True):
        # GeoReport v2 sends its arguments as a form; a JSON body read as one has no api_key at all
        raise Open311Error(400, _("Send the arguments as a form (Content-Type: application/x-www-form-urlencoded "
                                  "or multipart/form-data), as GeoReport v2 specifies, not as %(type)s.",
                                  type=request.mimetype or "text"))
    key = apikeys.find_active(request.form.get("api_key"))
    if key is None:
        raise Open311Error(403, _("api_key missing, invalid or revoked."))
    if limiter.enabled and setting("RATELIMIT_ENABLED", True):
        from limits import parse

        if not limiter.limiter.hit(parse(key.rate_limit), PROVIDER, str(key.id)):
            raise Open311Error(429, _("Too many requests with this api_key (limit %(limit)s).", limit=key.rate_limit))
    apikeys.record_use(key)
    log.info("open311 %s %s by api key %s (#%s)", request.method, request.path, key.prefix, key.id)
    return key


@open311_bp.errorhandler(429)
def _too_many(exc):
    return errors(_fmt(), 429, _("Too many requests. Please try again later."))


# --- POST a request ------------------------------------------------------------------------


def _number(name, low, high):
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a number.", name=name)) from None
    if not low <= value <= high or value != value:
        raise Open311Error(400, _("%(name)s is out of range.", name=name))
    return value


ATTRIBUTE_CODES = ("judul", "jenis", "kecamatan", "anonim", "rahasia")  # the codes _attributes() lists


def _attribute(code):
    return (request.form.get(f"attribute[{code}]") or "").strip()


def _no_unknown_attributes():
    """An ``attribute[...]`` the service definition does not list is refused, never dropped in
    silence (the client believes it was recorded): the message names it and where the list is."""
    for key in request.form:
        if key.startswith("attribute[") and key[len("attribute["):-1] not in ATTRIBUTE_CODES:
            raise Open311Error(400, _("%(name)s is not an attribute of this service; services/%(code)s lists them.",
                                      name=key[:60], code=(request.form.get("service_code") or "")[:20]))


def _flag(code):
    raw = _attribute(code).lower()
    if not raw:
        return False
    if raw not in BOOLEAN_VALUES:
        raise Open311Error(400, _("attribute[%(code)s] must be \"ya\" or \"tidak\".", code=code))
    return BOOLEAN_VALUES[raw]


def _media_url():
    url = (request.form.get("media_url") or "").strip()
    if not url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise Open311Error(400, _("media_url must be an http(s) address of at most 500 characters."))
    return url  # kept as a link for staff; the server never fetches it


def _parse_post():
    service_code = (request.form.get("service_code") or "").strip()
    if not service_code:
        raise Open311Error(400, _("service_code is required."))
    category = _category(service_code)
    if category is None:
        raise Open311Error(404, _("service_code %(code)s not found.", code=service_code[:20]))
    _no_unknown_attributes()
    lat, lon = _number("lat", -90, 90), _number("long", -180, 180)
    address = _text("address_string", 300)
    address_id = _text("address_id", 100)
    if (lat is None) != (lon is None):
        raise Open311Error(400, _("lat and long must be sent together."))
    if lat is None and not address and not address_id:
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    description = (request.form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, _("description is required."))
    # refused, never cut: the client keeps the whole text and can shorten it
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description may be at most %(count)s characters.", count=MAX_DESCRIPTION))
    if len(_attribute("judul")) > MAX_TITLE:
        raise Open311Error(400, _("attribute[judul] may be at most %(count)s characters.", count=MAX_TITLE))
    kind = _attribute("jenis") or "complaint"
    if kind not in KINDS:
        raise Open311Error(400, _("attribute[jenis] must be one of: %(values)s.", values=", ".join(KINDS)))
    if not address and address_id:
        address = _("Address id %(id)s", id=address_id)
    name = " ".join(p for p in (_text("first_name", 200), _text("last_name", 200)) if p)
    if len(name) > 200:
        raise Open311Error(400, _("first_name and last_name may be at most %(count)s characters together.", count=200))
    return dict(category=category, latitude=lat, longitude=lon, address=address or None,
                description=description, title=_attribute("judul"), kind=kind,
                district=_kecamatan(), is_anonymous=_flag("anonim"),
                is_confidential=_flag("rahasia"), media_url=_media_url(),
                reporter=dict(name=name or None, email=_text("email", 200) or None, phone=_phone()))


def _text(name, limit):
    """A text argument, refused when longer than we keep (never cut: the client keeps it whole)."""
    value = (request.form.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error(400, _("%(name)s may be at most %(count)s characters.", name=name, count=limit))
    return value


def _kecamatan():
    """``attribute[kecamatan]``: one of the values its service definition lists (a singlevaluelist),
    read without regard to case; another value is refused with the place to find the list."""
    from app.workflow import regions

    raw = _attribute("kecamatan")
    if not raw:
        return None
    names = {name.casefold(): name for _code, name in regions.kecamatan_list()}
    if raw.casefold() not in names:
        raise Open311Error(400, _("attribute[kecamatan] must be one of the values listed by services/%(code)s "
                                  "(the kecamatan of this installation).", code=request.form.get("service_code")))
    return names[raw.casefold()]


def _phone():
    """The reporter's number, where the receipt and updates go: refused when it is no phone number
    (as on the web form), never cut."""
    from app.workflow.reporters import is_phone

    phone = (request.form.get("phone") or "").strip()
    if phone and not is_phone(phone):
        raise Open311Error(400, _("phone is not a valid phone number, e.g. 0812 3456 7890."))
    return phone or None


@open311_bp.route(f"/requests.{FMT}", methods=["POST"])
def create_request(fmt):
    key = _authenticate()
    data = _parse_post()
    account_id = (request.form.get("account_id") or "").strip()[:100] or None
    if _is_test_endpoint():
        db.session.commit()  # the key's use is counted; nothing else is written
        with force_locale("id"):
            notice = _("Test endpoint: the request is valid and was not stored.")
        return respond(fmt, "service_requests", [{"token": None, "service_notice": notice, "account_id": account_id}])
    who = data.pop("reporter")
    fingerprint = _fingerprint(key)
    # _authenticate's use counter (an UPDATE of the key's row, committed with the case) makes a second
    # POST of the same client wait here until the first is committed: the same request sent twice at
    # once finds the first's case below instead of opening a second (keep the counter before this)
    earlier = intake.repeated(PROVIDER, fingerprint, key, current_app.config.get("OPEN311_REPEAT_MINUTES", 10))
    if earlier is not None:
        # the same request again (a retry after a lost answer): its case, not a second one
        db.session.commit()  # the key's use is counted
        return _created(fmt, earlier.complaint, earlier.external_id, account_id)
    written = []
    try:
        from app.workflow.reporters import reporter_from_form

        from app.workflow.reporters import is_email

        if who["email"] and not is_email(who["email"]):
            raise Open311Error(400, _("email is not a valid e-mail address."))
        reporter = reporter_from_form(who["name"], who["phone"], who["email"], None, True)
        outcome, written = intake.open_case(key.channel, reporter=reporter, **data)
        complaint = outcome.complaint
        token = secrets.token_urlsafe(16)
        intake.record(PROVIDER, token, "case", complaint=complaint, api_key=key).sender = fingerprint
        db.session.commit()
    except Exception:
        db.session.rollback()
        attachments.discard(written)
        raise
    from app.jobs.queue import deliver

    deliver(outcome)  # the reporter's receipt (tracking number, private code) by e-mail/WhatsApp
    return _created(fmt, complaint, token, account_id)


def _created(fmt, complaint, token, account_id):
    with force_locale("id"):
        notice = _("Received. It will be verified within the service deadline; follow it with the tracking number.")
    return respond(fmt, "service_requests", [{
        "service_request_id": complaint.tracking_number, "token": token,
        "service_notice": notice, "account_id": account_id}])


def _fingerprint(key):
    """A keyed hash of everything the client sent but its key: the same request sent again has the
    same one (never stored readable: it holds the reporter's contact data)."""
    import json

    from app.crypto import blind_index

    sent = sorted((name, value) for name, value in request.form.items(multi=True) if name != "api_key")
    return blind_index(f"open311:{key.id}:" + json.dumps(sent, ensure_ascii=False))


# --- reading requests ---------------------------------------------------------------------------


def _status_of(complaint):
    return "open" if complaint.status in OPEN else "closed"


def _latest_answers(ids):
    """{case id: latest public answer text} in one query."""
    if not ids:
        return {}
    latest = (select(func.max(ComplaintEvent.id).label("id"))
              .where(ComplaintEvent.complaint_id.in_(ids), ComplaintEvent.is_public.is_(True),
                     ComplaintEvent.kind.in_(ANSWER_EVENTS), ComplaintEvent.public_text.is_not(None))
              .group_by(ComplaintEvent.complaint_id)).subquery()
    rows = db.session.execute(select(ComplaintEvent.complaint_id, ComplaintEvent.public_text)
                              .join(latest, latest.c.id == ComplaintEvent.id))
    return {row.complaint_id: row.public_text for row in rows}


def _record(complaint, answers):
    """One service request; never the reporter's identity, never a confidential case.

    What the reporter wrote (description, media) is published only for a case the public list
    shows (``access.publicly_listed``: verified, not merged); any other case found by its number
    shows what its tracking page shows: status, agency, dates, answers. The location is what the
    report page shows (``public_list.public_location``): kelurahan and kecamatan as the
    ``address``, the rounded point; never the street address the reporter typed."""
    category = complaint.category
    listed = access.publicly_listed(complaint)
    place = public_list.public_location(complaint)
    return {
        "service_request_id": complaint.tracking_number,
        "status": _status_of(complaint),
        "status_notes": answers.get(complaint.id),
        "service_name": category.name if category is not None else None,
        "service_code": str(category.id) if category is not None else None,
        "description": complaint.description if listed else None,
        "agency_responsible": complaint.agency.name if complaint.agency is not None else None,
        "service_notice": str(STATUS_LABELS.get(complaint.status, "")),
        "requested_datetime": complaint.received_at,
        "updated_datetime": complaint.updated_at,
        "expected_datetime": sla.current_deadline(complaint),
        "address": place.label,
        "address_id": None,
        "zipcode": None,
        "lat": place.latitude,
        "long": place.longitude,
        "media_url": complaint.media_url if listed else None,
    }


def _records(complaints):
    answers = _latest_answers([c.id for c in complaints])
    with force_locale("id"):
        return [_record(c, answers) for c in complaints]


def _query():
    return select(Complaint).options(joinedload(Complaint.category), joinedload(Complaint.agency),
                                     joinedload(Complaint.region))


def _date_arg(name):
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    # "+07:00" sent without encoding arrives as " 07:00": read the space as the "+" only there
    raw = UNENCODED_PLUS.sub(r"\1+\2", raw)
    try:
        value = datetime.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, _("%(name)s must be an ISO 8601 date and time, e.g. 2026-01-31T00:00:00+07:00.",
                                  name=name)) from None
    try:
        return current_calendar().utc_of(value)  # no offset: local time
    except OverflowError:  # 9999-12-31T23:59:59-12:00 is after the last instant a date can hold in UTC
        raise Open311Error(400, _("%(name)s is outside the dates this server can read (years 1 to 9999).",
                                  name=name)) from None


@open311_bp.route(f"/requests.{FMT}", methods=["GET"])
@_limited
def list_requests(fmt):
    asked = (request.args.get("service_request_id") or "").strip()
    ids = [part.strip() for part in asked.split(",") if part.strip()]
    if asked and not ids:  # ",,,": ids were meant, none was given; not a request for the default listing
        raise Open311Error(400, _("service_request_id must name at least one tracking number (separated by commas)."))
    if ids:
        # the spec: with service_request_id every other filter is ignored; tracking by number
        # shows any non-confidential case (like the public tracking page)
        from app.workflow.numbers import normalise_tracking_number

        numbers = [n for n in (normalise_tracking_number(i) for i in ids[:MAX_REQUESTS]) if n]
        rows = db.session.execute(_query().where(Complaint.tracking_number.in_(numbers),
                                                 Complaint.is_confidential.is_(False))).scalars().all()
        order = {n: i for i, n in enumerate(numbers)}
        return respond(fmt, "service_requests", _records(sorted(rows, key=lambda c: order[c.tracking_number])))
    start, end = _date_arg("start_date"), _date_arg("end_date")
    if start and end and start > end:
        raise Open311Error(400, _("start_date must not be after end_date."))
    end = end or utcnow()
    start = start or end - datetime.timedelta(days=DEFAULT_DAYS)
    clauses = [access.public_cases_clause(), Complaint.received_at >= start, Complaint.received_at <= end]
    codes = [c.strip() for c in (request.args.get("service_code") or "").split(",") if c.strip()]
    if codes:
        numbers = [whole_number(c) for c in codes]
        if None in numbers:
            raise Open311Error(400, _("service_code must be codes from services."))
        clauses.append(Complaint.category_id.in_(numbers))
    statuses = [s.strip().lower() for s in (request.args.get("status") or "").split(",") if s.strip()]
    if statuses:
        if set(statuses) - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        states = [s for name in set(statuses) for s in (OPEN if name == "open" else CLOSED)]
        clauses.append(Complaint.status.in_(states))
    rows = db.session.execute(_query().where(and_(*clauses))
                              .order_by(Complaint.received_at.desc(), Complaint.id.desc())
                              .limit(MAX_REQUESTS)).scalars().all()
    return respond(fmt, "service_requests", _records(rows))


@open311_bp.route(f"/requests/<service_request_id>.{FMT}")
@_limited
def show_request(service_request_id, fmt):
    complaint = _trackable(service_request_id)
    return respond(fmt, "service_requests", _records([complaint]))


def _trackable(number):
    from app.workflow.numbers import normalise_tracking_number

    canonical = normalise_tracking_number(number)
    complaint = None
    if canonical:
        complaint = db.session.execute(_query().where(Complaint.tracking_number == canonical)).scalar_one_or_none()
    if complaint is None or not access.trackable_without_code(complaint):
        raise Open311Error(404, _("service_request_id %(id)s not found.", id=(number or "")[:20]))
    return complaint


@open311_bp.route(f"/tokens/<token>.{FMT}")
@_limited
def token(token, fmt):
    row = db.session.execute(
        select(InboundMessage).where(InboundMessage.provider == PROVIDER, InboundMessage.external_id == token[:255])
        .options(joinedload(InboundMessage.complaint))).scalar_one_or_none()
    if row is None or row.complaint is None or not access.trackable_without_code(row.complaint):
        raise Open311Error(404, _("token %(token)s not found.", token=token[:40]))
    return respond(fmt, "service_requests", [{"service_request_id": row.complaint.tracking_number, "token": token}])


@open311_bp.route("/<path:anything>", methods=["GET", "POST"])
def not_found(anything):
    return errors(_fmt(), 404, _("Unknown Open311 resource. See discovery.xml."))


def register(app):
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    app.register_blueprint(open311_bp, url_prefix="/open311/test/v2", name="open311_test")
