"""The case lifecycle: one function per transition.

Each transition checks who may do it and from which state, computes the new
deadlines, writes the :class:`ComplaintEvent` and raises a :class:`DomainError`
(with an Indonesian message) when it is not allowed. Views, the API, jobs and
the CLI call :func:`perform` (or the functions below) and never change a case's
status themselves.
"""
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm.exc import StaleDataError

from app.clock import utcnow
from app.extensions import db
from app.models import Agency, Complaint, ComplaintEvent
from app.models.reference import KINDS
from app.workflow import access, notify, regions, rollups
from app.workflow.outcome import Outcome
from app.workflow.sla import sla_for
from app.workflow.calendar import current_calendar
from app.workflow.errors import (
    AlreadyDone,
    Conflict,
    DomainError,
    InvalidTransition,
    NotAllowed,
    ValidationFailed,
)
from app.workflow.numbers import hash_reply_code, new_reply_code, new_tracking_number, whole_number

# --- actors -----------------------------------------------------------------

COORDINATOR = "coordinator"
OPD = "opd"
REPORTER = "reporter"
SYSTEM = "system"


@dataclass
class Actor:
    """Who performs a transition: a staff user, the reporter, or the system."""

    kind: str  # "staff", "reporter" or "system"
    user: object = None
    roles: set = field(default_factory=set)

    @property
    def user_id(self):
        return getattr(self.user, "id", None)


def as_actor(who):
    if isinstance(who, Actor):
        return who
    if who in (REPORTER, SYSTEM):
        return Actor(kind=who)
    return Actor(kind="staff", user=who, roles=access.role_names(who))


def actor_capacities(actor, complaint):
    """The capacities in which ``actor`` may act on ``complaint``."""
    if actor.kind == "reporter":
        return {REPORTER}
    if actor.kind == "system":
        return {SYSTEM}
    caps = set()
    if actor.roles & access.COORDINATING_ROLES:
        caps.add(COORDINATOR)
    if access.ROLE_OPD in actor.roles and access.can_see(actor.user, complaint):
        caps.add(OPD)
    return caps


# --- the transition table ---------------------------------------------------
# name -> (states it may start from, capacities allowed)
ACTIVE = ("dispatched", "in_progress")
NOT_FINAL = ("received", "on_hold", "dispatched", "in_progress", "resolved")
TRANSITIONS = {
    "dispose": (("received",), {COORDINATOR}),
    "hold": (("received",), {COORDINATOR}),
    "complete_hold": (("on_hold",), {REPORTER, COORDINATOR}),
    "archive": (("received", "on_hold"), {COORDINATOR}),
    "forward": (("received", "on_hold"), {COORDINATOR}),
    "redispose": (ACTIVE, {COORDINATOR}),
    "reclassify": (NOT_FINAL, {COORDINATOR}),
    "follow_up": (ACTIVE, {OPD}),
    "internal_note": (NOT_FINAL + ("archived", "forwarded", "closed"), {OPD, COORDINATOR}),
    "resolve": (ACTIVE, {OPD}),
    "return_to_coordinator": (ACTIVE, {OPD}),
    "reporter_reply": (("received", "dispatched", "in_progress", "resolved"), {REPORTER}),
    "confirm": (("resolved",), {REPORTER}),
    "reopen": (("resolved",), {REPORTER}),
    "auto_close": (("resolved",), {SYSTEM}),
    "merge": (("received", "on_hold", "dispatched", "in_progress"), {COORDINATOR}),
    "unmerge": (("archived",), {COORDINATOR}),
}

# The cases a report may be merged into: one still being worked on. Not a merged child, not ended
# (archived, forwarded) and not finished: a *closed* case is worked on by nobody again, and a
# *resolved* one awaits its own reporter's confirmation and closes itself -- the new reporter could
# neither confirm nor reopen it, so their report would be closed unheard. A problem that comes back
# after the work is done is a new case, handled on its own.
MERGE_PARENT_STATUSES = ("received", "on_hold", "dispatched", "in_progress")
FINISHED = ("resolved", "closed")


def merge_parent_clause(child):
    """SQL: the cases ``child`` may be merged into (the rule of :func:`merge`, for the duplicate
    suggestions, so the case page never offers a main report the merge would refuse)."""
    clauses = [Complaint.id != child.id, Complaint.parent_id.is_(None),
               Complaint.status.in_(MERGE_PARENT_STATUSES)]
    if not child.is_confidential:
        clauses.append(Complaint.is_confidential.is_(False))
    return and_(*clauses)

ARCHIVE_REASONS = {
    "wrong_format": _l("Incorrect report format"),
    "too_general": _l("Report too general / unclear"),
    "not_public_service": _l("Not about public services"),
    "sara": _l("Contains SARA content"),
    "duplicate": _l("Duplicate report"),
}

EVENT_LABELS = {
    "received": _l("Case received"),
    "verified": _l("Case verified"),
    "dispatched": _l("Dispatched to agency"),
    "held": _l("On hold: awaiting more information from reporter"),
    "hold_completed": _l("Reporter supplied missing information"),
    "archived": _l("Archived"),
    "forwarded": _l("Forwarded to another agency"),
    "redispatched": _l("Re-dispatched"),
    "reclassified": _l("Classification corrected"),
    "follow_up": _l("Follow-up"),
    "internal_note": _l("Internal note"),
    "resolved": _l("Resolved"),
    "returned": _l("Returned: outside agency's authority"),
    "reporter_reply": _l("Reporter response"),
    "follower_reply": _l("Response from the reporter of a merged report"),
    "confirmed": _l("Confirmed resolved by reporter"),
    "reopened": _l("Reopened: reporter not satisfied"),
    "auto_closed": _l("Closed automatically"),
    "edited": _l("Case data edited"),
    "merged": _l("Merged into another report (duplicate)"),
    "unmerged": _l("Merge undone"),
    "duplicate_added": _l("Duplicate report merged into this case"),
    "duplicate_removed": _l("Duplicate report separated again"),
    "reply_code_reissued": _l("New reply code issued"),
    "identity_erased": _l("Reporter data erased on request"),
    "contact_confirmed": _l("Reporter's contact data confirmed"),
}


def allowed(name, complaint, who):
    """True when ``who`` may perform transition ``name`` on ``complaint`` now."""
    try:
        _guard(name, complaint, as_actor(who))
    except DomainError:
        return False
    return True


def allowed_transitions(complaint, who):
    actor = as_actor(who)
    return [name for name in TRANSITIONS if allowed(name, complaint, actor)]


def _guard(name, complaint, actor, now=None):
    states, capacities = TRANSITIONS[name]
    caps = actor_capacities(actor, complaint)
    if not caps & capacities:
        raise NotAllowed()
    if complaint.status not in states:
        raise InvalidTransition()
    if name == "unmerge" and complaint.parent_id is None:
        raise InvalidTransition()
    if name == "merge" and complaint.duplicate_count:  # its status allows it: say what stands in the way
        raise InvalidTransition(_l("Other reports are merged into this one, so it stays a main report. "
                                   "Undo those merges first to merge it into another report."))
    if name == "reopen" and complaint.auto_close_due and (now or utcnow()) > complaint.auto_close_due:
        # not offered once its time is up (the auto-close job may not have run yet)
        raise InvalidTransition(_l("The deadline of %(days)d working days for reporting dissatisfaction has passed.",
                                   days=sla_for(complaint.kind).auto_close_days))
    if name == "archive" and complaint.duplicate_count:  # its reporters follow it: it is no one's to drop
        raise InvalidTransition(_l("Other reports are merged into this one and their reporters follow it, so it "
                                   "cannot be archived. Undo those merges first to archive it."))
    return caps


# --- helpers ----------------------------------------------------------------


def _resolution_days(complaint, sla):
    if complaint.kind == "complaint" and complaint.needs_inspection:
        return sla.inspection_resolution_days
    return sla.resolution_days


def _event(complaint, actor, kind, *, public_text=None, internal_note=None, is_public=False,
           from_status=None, to_agency_id=None, from_agency_id=None, changes=None, now=None,
           reply_code=None):
    """Write one event and the messages it causes; returns their :class:`Outcome`."""
    event = ComplaintEvent(
        complaint=complaint,
        created_at=now or utcnow(),
        actor_id=actor.user_id,
        actor_kind=actor.kind,
        kind=kind,
        from_status=from_status,
        to_status=complaint.status,
        from_agency_id=from_agency_id,
        to_agency_id=to_agency_id,
        public_text=public_text,
        internal_note=internal_note,
        is_public=is_public,
        changes=json.dumps(changes, default=str, ensure_ascii=False) if changes else None,
    )
    db.session.add(event)
    # messages caused by the event (outbox, in-app notices) join the same transaction;
    # the outbox rows travel back to the caller in the outcome
    outbox = notify.on_event(event, reply_code=reply_code)
    # every event is a change of the case: it moves the version, so a form opened
    # before it is refused as stale rather than acting on an outdated view
    complaint.updated_at = event.created_at
    # the published figures follow in the same transaction (app.workflow.rollups)
    rollups.apply(complaint)
    return Outcome(complaint=complaint, events=[event], outbox=outbox)


MAX_TEXT = 10000  # characters of a case's description or a timeline text
MAX_TITLE = 200  # characters of a case's title (its column)
STAFF_TITLE_MIN = 5  # a title staff type (intake form, correction): a few words, not "-" or "abc"


def title_from(description):
    """The title of a case that came without one (a WhatsApp or SMS message, a register row): the
    start of its description, on one line."""
    first = " ".join((description or "").split())
    return (first[:77] + "...") if len(first) > 80 else first


def _require_text(text, message):
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(message)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_l("Text too long (maximum 10,000 characters)."))
    return text


def check_incident_date(incident_date, now=None):
    """An incident date is a day that has begun where the case happened: never in the future."""
    if incident_date is not None and incident_date > current_calendar().local_date(now or utcnow()):
        raise ValidationFailed(_l("The date of the incident cannot be in the future."))
    return incident_date


def _agency(agency_or_id):
    if agency_or_id is None or agency_or_id == "":
        raise ValidationFailed(_l("Choose the target agency."))
    agency = agency_or_id if isinstance(agency_or_id, Agency) else db.session.get(Agency, int(agency_or_id))
    if agency is None or not agency.active:
        raise ValidationFailed(_l("Target agency not found or inactive."))
    return agency


def _location(details):
    """Location columns from a picked kelurahan (``region_code``) or free text, coordinates checked."""
    try:
        fields = regions.location_fields(details.pop("region_code", None), details.pop("district", None),
                                         details.pop("village", None))
    except ValueError:
        raise ValidationFailed(_l("Choose a kelurahan/desa from the list."))
    fields["latitude"], fields["longitude"] = _point(details.pop("latitude", None), details.pop("longitude", None))
    return fields


def _point(latitude, longitude):
    """(latitude, longitude) as numbers inside Indonesia, or (None, None) when both are empty."""
    if (latitude in (None, "")) != (longitude in (None, "")):
        raise ValidationFailed(_l("The map point is incomplete: it needs both the latitude and the longitude. "
                                  "Choose the point on the map again, or leave it empty."))
    try:
        return regions.check_coordinates(latitude, longitude) or (None, None)
    except (TypeError, ValueError):
        raise ValidationFailed(_l("The map point must be inside Indonesia."))


# --- creation ---------------------------------------------------------------


def register(*, title, description, kind, channel, who=REPORTER, reporter=None,
             category=None, target_agency=None, agency=None, is_anonymous=False,
             is_confidential=False, needs_inspection=False, now=None, note=None, **details):
    """Create a new case in state *received*; returns its :class:`Outcome` (the case, its
    event, the outbox ids once flushed, and the one-time ``reply_code``). ``note`` is an
    internal note on the "received" event, for the coordinator who verifies the case.
    A reporter whose ``contact_unconfirmed`` is set (contact data that may not be the writer's)
    gets no "received" message (no tracking number, no reply code) nor any later one (notify).

    Staff entering a case on a reporter's behalf pass ``who=user``; an OPD user
    may only create cases for their own agency (or its units).
    """
    actor = as_actor(who)
    now = now or utcnow()
    if kind not in KINDS:
        raise ValidationFailed(_l("Unknown case type."))
    title = _require_text(title, _l("Case title is required."))
    description = _require_text(description, _l("Case description is required."))
    details.update(_location(details))
    check_incident_date(details.get("incident_date"), now=utcnow())  # an intake may be backdated, not the incident
    if actor.kind == "staff":
        if not (actor.roles & (access.COORDINATING_ROLES | {access.ROLE_OPD})):
            raise NotAllowed()
        agency_id = getattr(agency, "id", agency)
        if access.is_opd(actor.user):
            agency_id = agency_id or actor.user.agency_id
            if not access.can_assign_agency(actor.user, agency_id):
                raise NotAllowed(_l("You can only create cases for your own agency."))
        agency = db.session.get(Agency, agency_id) if agency_id else None
    else:
        agency = None
    reply_code = new_reply_code()
    complaint = Complaint(
        tracking_number=new_tracking_number(),
        reply_code_hash=hash_reply_code(reply_code),
        kind=kind,
        title=title,
        description=description,
        channel=channel,
        reporter=reporter,
        category=category,
        target_agency=target_agency,
        agency=agency,
        is_anonymous=bool(is_anonymous),
        is_confidential=bool(is_confidential),
        needs_inspection=bool(needs_inspection),
        status="received",
        received_at=now,
        created_by_id=actor.user_id,
        **details,
    )
    sla = sla_for(kind)
    complaint.verification_due = current_calendar().deadline(now, sla.verify_days)
    db.session.add(complaint)
    # the code is not stored in clear: notify sends it to the reporter once (encrypted in the outbox)
    outcome = _event(complaint, actor, "received", is_public=True, now=now, public_text=None,
                     internal_note=note or None, to_agency_id=getattr(agency, "id", None), reply_code=reply_code)
    db.session.flush()
    outcome.reply_code = reply_code
    return outcome


# --- coordinator ------------------------------------------------------------


# Verification is not a step of its own: a coordinator verifies a case by deciding it —
# dispatching it to an agency, archiving or forwarding it (putting it on hold pauses the
# verification clock while the reporter completes it). Until then its status is *received*
# ("Belum terverifikasi") and it sits in the verification queue; the timeline shows the
# decision. ``verified_at`` is stamped by the dispatch (the verification-and-dispatch clock
# of the KPIs); archiving and forwarding end the case instead (``closed_at``).


def _verified(complaint, now):
    if not complaint.verified_at:
        complaint.verified_at = now


def dispose(complaint, who, agency, note=None, public_text=None, now=None):
    """Verify (if not yet) and dispose to an OPD: received -> dispatched."""
    actor = as_actor(who)
    _guard("dispose", complaint, actor)
    agency = _agency(agency)
    now = now or utcnow()
    previous = complaint.status
    from_agency = complaint.agency_id
    _verified(complaint, now)
    complaint.agency = agency
    complaint.status = "dispatched"
    complaint.dispatched_at = now
    _start_response_clocks(complaint, now)
    return _event(complaint, actor, "dispatched", is_public=True, public_text=public_text,
           internal_note=note, from_status=previous, from_agency_id=from_agency,
           to_agency_id=agency.id, now=now)


# the deadlines that run in each open status: verification until the case is dispatched, first
# response and resolution while an agency works on it
RUNNING_DEADLINES = {
    "received": ("verification_due",),
    "on_hold": ("verification_due",),
    "dispatched": ("first_response_due", "resolution_due"),
    "in_progress": ("first_response_due", "resolution_due"),
}
# a step already done keeps the deadline it was measured by (its on-time figure is history)
STEP_DONE = {"first_response_due": "first_response_at", "resolution_due": "resolved_at"}


def _pause_clocks(complaint, status, paused_from, paused_until):
    """A pause (on hold, merged as a duplicate) moves every deadline running in ``status`` by the
    working days it lasted; the KPIs and SLA badges read the moved deadlines."""
    if paused_from is None:
        return
    cal = current_calendar()
    for column in RUNNING_DEADLINES.get(status, ()):
        done = STEP_DONE.get(column)
        if done is None or getattr(complaint, done) is None:
            setattr(complaint, column, cal.shift_for_pause(getattr(complaint, column), paused_from, paused_until))


def _start_response_clocks(complaint, now):
    sla = sla_for(complaint.kind)
    cal = current_calendar()
    complaint.first_response_due = cal.deadline(now, sla.first_response_days)
    complaint.resolution_due = cal.deadline(now, _resolution_days(complaint, sla))


def hold(complaint, who, reason, now=None):
    actor = as_actor(who)
    _guard("hold", complaint, actor)
    reason = _require_text(reason, _l("Describe what the reporter needs to provide."))
    now = now or utcnow()
    complaint.status = "on_hold"
    complaint.on_hold_since = now
    return _event(complaint, actor, "held", is_public=True, public_text=reason,
           from_status="received", now=now)


def complete_hold(complaint, who, text, now=None):
    """The reporter completes a case on hold: back to *received*, clock resumes."""
    actor = as_actor(who)
    _guard("complete_hold", complaint, actor)
    text = _require_text(text, _l("Enter the requested additional information."))
    now = now or utcnow()
    _pause_clocks(complaint, "on_hold", complaint.on_hold_since, now)
    complaint.on_hold_since = None
    complaint.status = "received"
    return _event(complaint, actor, "hold_completed", is_public=True, public_text=text,
           from_status="on_hold", now=now)


def archive(complaint, who, reason, note=None, now=None):
    actor = as_actor(who)
    _guard("archive", complaint, actor)
    if reason not in ARCHIVE_REASONS:
        raise ValidationFailed(_l("Choose an archive reason."))
    now = now or utcnow()
    previous = complaint.status
    complaint.status = "archived"
    complaint.archive_reason = reason
    complaint.closed_at = now
    complaint.on_hold_since = None
    return _event(complaint, actor, "archived", is_public=True,
           public_text=str(ARCHIVE_REASONS[reason]), internal_note=note,
           from_status=previous, now=now)


def forward(complaint, who, institution, note=None, now=None):
    actor = as_actor(who)
    _guard("forward", complaint, actor)
    institution = _require_text(institution, _l("Enter the agency receiving the forwarded case."))
    if len(institution) > 200:  # the length of Complaint.forwarded_to: refused, never cut
        raise ValidationFailed(_l("The name of the receiving agency may be at most 200 characters."))
    now = now or utcnow()
    previous = complaint.status
    complaint.status = "forwarded"
    complaint.forwarded_to = institution
    complaint.closed_at = now
    complaint.on_hold_since = None
    return _event(complaint, actor, "forwarded", is_public=True, public_text=institution,
           internal_note=note, from_status=previous, now=now)


def redispose(complaint, who, agency, note=None, now=None):
    actor = as_actor(who)
    _guard("redispose", complaint, actor)
    agency = _agency(agency)
    if agency.id == complaint.agency_id:
        raise ValidationFailed(_l("The case is already with that agency."))
    now = now or utcnow()
    previous, from_agency = complaint.status, complaint.agency_id
    complaint.agency = agency
    complaint.status = "dispatched"
    complaint.dispatched_at = now
    complaint.first_response_at = None
    _start_response_clocks(complaint, now)
    return _event(complaint, actor, "redispatched", is_public=True, internal_note=note,
           from_status=previous, from_agency_id=from_agency, to_agency_id=agency.id, now=now)


RECLASSIFIABLE = ("kind", "category_id", "is_anonymous", "is_confidential", "title", "needs_inspection")


def reclassify(complaint, who, now=None, **changes):
    """Correct kind, category, anonymity, confidentiality or title (audited)."""
    actor = as_actor(who)
    _guard("reclassify", complaint, actor)
    unknown = set(changes) - set(RECLASSIFIABLE)
    if unknown:
        raise ValidationFailed()
    if "kind" in changes and changes["kind"] not in KINDS:
        raise ValidationFailed(_l("Unknown case type."))
    if "title" in changes:
        changes["title"] = _require_text(changes["title"], _l("Case title is required."))
        if len(changes["title"]) > MAX_TITLE:  # the length of Complaint.title: refused, never cut
            raise ValidationFailed(_l("The case title may be at most 200 characters."))
        if len(changes["title"]) < STAFF_TITLE_MIN and changes["title"] != complaint.title:
            raise ValidationFailed(_l("The case title must be at least %(count)d characters.", count=STAFF_TITLE_MIN))
    diff = {}
    for name, value in changes.items():
        before = getattr(complaint, name)
        if before != value:
            diff[name] = [before, value]
            setattr(complaint, name, value)
    if not diff:
        return Outcome(complaint=complaint)
    now = now or utcnow()
    return _event(complaint, actor, "reclassified", from_status=complaint.status, changes=diff, now=now)


def audit_form_edit(complaint, who, fields, now=None):
    """Record the pending (unflushed) changes of ``fields`` on ``complaint`` as an event, once
    they pass the case's rules, as on intake (raises :class:`ValidationFailed`): a map point
    inside Indonesia, an incident date not in the future. Every edit form calls it (screens, API)."""
    from sqlalchemy import inspect

    state = inspect(complaint)
    if state.attrs.latitude.history.has_changes() or state.attrs.longitude.history.has_changes():
        complaint.latitude, complaint.longitude = _point(complaint.latitude, complaint.longitude)
    if state.attrs.incident_date.history.has_changes():
        check_incident_date(complaint.incident_date, now=now)
    diff = {}
    for name in fields:
        if name not in state.attrs:
            continue
        history = state.attrs[name].history
        if history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before != after:
                diff[name] = [before, after]
    record_edit(complaint, who, diff, now=now)
    return diff


def record_edit(complaint, who, diff, now=None):
    """Audit an edit of case fields made through a form: {field: [before, after]}."""
    if not diff:
        return Outcome(complaint=complaint)
    return _event(complaint, as_actor(who), "edited", from_status=complaint.status, changes=diff, now=now)


# --- OPD --------------------------------------------------------------------


def follow_up(complaint, who, text, now=None):
    actor = as_actor(who)
    _guard("follow_up", complaint, actor)
    text = _require_text(text, _l("Enter the follow-up."))
    now = now or utcnow()
    previous = complaint.status
    complaint.status = "in_progress"
    if complaint.first_response_at is None:
        complaint.first_response_at = now
    return _event(complaint, actor, "follow_up", is_public=True, public_text=text,
                  from_status=previous, now=now)


def internal_note(complaint, who, text, now=None):
    actor = as_actor(who)
    _guard("internal_note", complaint, actor)
    text = _require_text(text, _l("Enter a note."))
    return _event(complaint, actor, "internal_note", is_public=False, internal_note=text,
                  from_status=complaint.status, now=now)


def resolve(complaint, who, text, now=None):
    actor = as_actor(who)
    _guard("resolve", complaint, actor)
    text = _require_text(text, _l("Enter the final follow-up."))
    now = now or utcnow()
    previous = complaint.status
    if complaint.first_response_at is None:
        complaint.first_response_at = now
    complaint.status = "resolved"
    complaint.resolved_at = now
    complaint.auto_close_due = current_calendar().deadline(now, sla_for(complaint.kind).auto_close_days)
    return _event(complaint, actor, "resolved", is_public=True, public_text=text,
                  from_status=previous, now=now)


def return_to_coordinator(complaint, who, reason, now=None):
    """*Bukan wewenang*: the OPD sends the case back to the coordinator."""
    actor = as_actor(who)
    _guard("return_to_coordinator", complaint, actor)
    reason = _require_text(reason, _l("Explain why this is outside your agency's authority."))
    now = now or utcnow()
    previous, from_agency = complaint.status, complaint.agency_id
    complaint.status = "received"
    complaint.agency = None
    complaint.first_response_due = None
    complaint.resolution_due = None
    complaint.verification_due = current_calendar().deadline(now, sla_for(complaint.kind).verify_days)
    return _event(complaint, actor, "returned", is_public=False, internal_note=reason,
           from_status=previous, from_agency_id=from_agency, now=now)


# --- reporter ---------------------------------------------------------------


def reporter_reply(complaint, who, text, now=None):
    actor = as_actor(who)
    _guard("reporter_reply", complaint, actor)
    text = _require_text(text, _l("Enter your response."))
    return _event(complaint, actor, "reporter_reply", is_public=True, public_text=text,
                  from_status=complaint.status, now=now)


def follower_reply(child, text, now=None):
    """The reporter of ``child``, a duplicate merged into another report, answers: it lands on the
    main report, where the case is handled and whose updates they receive (see :func:`merge`: the
    main report stands for all its reporters; the child is archived and takes no reply).

    Staff read it on the main report's timeline, naming the duplicate; it is not public: the main
    report's tracking page and its own reporter do not show another citizen's words. It changes no
    status (a hold waits for the main report's reporter; rating and reopening are theirs too)."""
    parent = child.parent
    if parent is None or parent.status not in NOT_FINAL:
        raise InvalidTransition()
    text = _require_text(text, _l("Enter your response."))
    note = str(_l("Reply from the reporter of merged report %(number)s:", number=child.tracking_number))
    return _event(parent, as_actor(REPORTER), "follower_reply", internal_note=note + "\n" + text,
                  from_status=parent.status, now=now)


def confirm(complaint, who, rating, feedback=None, now=None):
    actor = as_actor(who)
    _guard("confirm", complaint, actor)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationFailed(_l("Give a rating from 1 to 5."))
    now = now or utcnow()
    complaint.rating = rating
    complaint.feedback = (feedback or "").strip()[:5000] or None
    complaint.status = "closed"
    complaint.closed_at = now
    return _event(complaint, actor, "confirmed", is_public=True,
                  public_text=complaint.feedback, from_status="resolved", now=now)


def reopen(complaint, who, text, now=None):
    actor = as_actor(who)
    now = now or utcnow()
    _guard("reopen", complaint, actor, now)
    text = _require_text(text, _l("Explain why you are not satisfied."))
    complaint.status = "in_progress"
    complaint.resolved_at = None
    complaint.auto_close_due = None
    sla = sla_for(complaint.kind)
    complaint.resolution_due = current_calendar().deadline(now, sla.first_response_days)
    return _event(complaint, actor, "reopened", is_public=True, public_text=text,
                  from_status="resolved", now=now)


# --- system -----------------------------------------------------------------


def auto_close(complaint, who=SYSTEM, now=None):
    actor = as_actor(who)
    _guard("auto_close", complaint, actor)
    now = now or utcnow()
    if complaint.auto_close_due is None or complaint.auto_close_due > now:
        raise InvalidTransition()
    complaint.status = "closed"
    complaint.closed_at = now
    return _event(complaint, actor, "auto_closed", is_public=True, from_status="resolved", now=now)


# --- duplicates ---------------------------------------------------------------


def _find_case(reference):
    if isinstance(reference, Complaint):
        return reference
    from app.workflow.numbers import normalise_tracking_number

    text = str(reference or "").strip()
    number = normalise_tracking_number(text)
    if number:
        return db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one_or_none()
    case_id = whole_number(text)
    return db.session.get(Complaint, case_id) if case_id is not None else None


def merge(complaint, who, parent, note=None, now=None):
    """Close ``complaint`` as a duplicate (child) of ``parent``.

    The child is archived with reason "duplicate" and linked; its reporter is told the parent's
    number once and from then on hears of the parent's public updates (notify); the parent counts
    one more citizen. Public pages and KPIs count the parent only. Undone by :func:`unmerge`.
    """
    actor = as_actor(who)
    _guard("merge", complaint, actor)
    now = now or utcnow()
    parent = _find_case(parent)
    if parent is None or not access.can_see(actor.user, parent):
        raise ValidationFailed(_l("The main report was not found."))
    if parent.id == complaint.id:
        raise ValidationFailed(_l("A report cannot be merged into itself."))
    if parent.parent_id is None and parent.status in FINISHED:
        raise ValidationFailed(_l("Report %(number)s has already been completed, so nobody works on it any more. "
                                  "Handle this report on its own: a problem that comes back is a new case.",
                                  number=parent.tracking_number))
    if parent.parent_id is not None or parent.status not in MERGE_PARENT_STATUSES:
        raise ValidationFailed(_l("The main report must be an active report that is not itself a duplicate."))
    if parent.is_confidential and not complaint.is_confidential:
        raise ValidationFailed(_l("A public report cannot be merged into a confidential one."))
    previous = complaint.status
    if previous == "on_hold":  # the hold so far is a pause (the time merged is one too: see unmerge)
        _pause_clocks(complaint, previous, complaint.on_hold_since, now)
    complaint.status_before_merge = previous
    complaint.status = "archived"
    complaint.archive_reason = "duplicate"
    complaint.parent_id = parent.id
    complaint.parent = parent
    complaint.merged_at = now
    complaint.closed_at = now
    complaint.on_hold_since = None
    parent.duplicate_count = (parent.duplicate_count or 0) + 1
    outcome = _event(complaint, actor, "merged", is_public=True, from_status=previous, now=now, internal_note=note,
                     public_text=str(_l("This report is handled together with report %(number)s. You will be "
                                        "informed of its progress.", number=parent.tracking_number)))
    return outcome.add(_event(parent, actor, "duplicate_added", now=now,
                              internal_note=f"{complaint.tracking_number}" + (f": {note}" if note else "")))


def unmerge(complaint, who, note=None, now=None):
    """Undo a merge: the child gets back its own status and is public again as before.

    The time it spent merged counts like a pause: the deadlines running in its restored status move
    by the working days between the merge and now (a case merged for two weeks does not come back late).
    """
    actor = as_actor(who)
    _guard("unmerge", complaint, actor)
    now = now or utcnow()
    parent = db.session.get(Complaint, complaint.parent_id)
    restored = complaint.status_before_merge or "received"
    _pause_clocks(complaint, restored, complaint.merged_at, now)
    complaint.status = restored
    complaint.archive_reason = None
    complaint.parent_id = None
    complaint.parent = None
    complaint.merged_at = None
    complaint.closed_at = None
    complaint.status_before_merge = None
    if restored == "on_hold":
        complaint.on_hold_since = now
    outcome = _event(complaint, actor, "unmerged", is_public=True, from_status="archived", now=now,
                     internal_note=note, public_text=str(_l("This report is handled on its own again.")))
    if parent is not None:
        parent.duplicate_count = max(0, (parent.duplicate_count or 0) - 1)
        outcome.add(_event(parent, actor, "duplicate_removed", now=now,
                           internal_note=f"{complaint.tracking_number}" + (f": {note}" if note else "")))
    return outcome


# --- reading the timeline ---------------------------------------------------


_PUBLIC_TIMELINE = []  # the statement, built once (its SQL and cache key are reused by every page view)


def _public_timeline_statement():
    if not _PUBLIC_TIMELINE:
        from app.models import Attachment

        complaint_id = bindparam("complaint_id")
        _PUBLIC_TIMELINE.append(
            select(ComplaintEvent.id, ComplaintEvent.created_at, ComplaintEvent.kind, ComplaintEvent.to_status,
                   ComplaintEvent.public_text, ComplaintEvent.actor_kind, Attachment.id.label("attachment_id"))
            .outerjoin(Attachment, and_(Attachment.event_id == ComplaintEvent.id,
                                        Attachment.complaint_id == complaint_id, Attachment.is_public.is_(True)))
            .where(ComplaintEvent.complaint_id == complaint_id, ComplaintEvent.is_public.is_(True))
            .order_by(ComplaintEvent.id, Attachment.id))
    return _PUBLIC_TIMELINE[0]


def public_timeline(complaint_id):
    """The events the public may read: public ones, without internal notes or actors.

    Each entry lists the ids of the files staff attached to it *and marked public*
    (e.g. a photo of the repair); other attachments never reach the public."""
    # one statement: the public events with their public files (a page view is two look-ups)
    rows = db.session.execute(_public_timeline_statement(), {"complaint_id": complaint_id}).all()
    timeline, by_event = [], {}
    for r in rows:
        entry = by_event.get(r.id)
        if entry is None:
            entry = by_event[r.id] = {
                "at": r.created_at, "kind": r.kind, "label": EVENT_LABELS.get(r.kind, r.kind), "status": r.to_status,
                "text": r.public_text, "by_reporter": r.actor_kind == "reporter", "photos": []}
            timeline.append(entry)
        if r.attachment_id is not None:
            entry["photos"].append(r.attachment_id)
    return timeline


def public_attachment(complaint, attachment_id):
    """A file of ``complaint`` the public may see (marked public, on a public event), or None."""
    from app.models import Attachment

    return db.session.execute(
        select(Attachment).join(ComplaintEvent, ComplaintEvent.id == Attachment.event_id)
        .where(Attachment.id == attachment_id, Attachment.complaint_id == complaint.id,
               Attachment.is_public.is_(True), ComplaintEvent.is_public.is_(True))
    ).scalar_one_or_none()


# --- running a transition as one unit of work --------------------------------

OPERATIONS = {
    "dispose": dispose,
    "hold": hold,
    "complete_hold": complete_hold,
    "archive": archive,
    "forward": forward,
    "redispose": redispose,
    "reclassify": reclassify,
    "follow_up": follow_up,
    "internal_note": internal_note,
    "resolve": resolve,
    "return_to_coordinator": return_to_coordinator,
    "reporter_reply": reporter_reply,
    "confirm": confirm,
    "reopen": reopen,
    "auto_close": auto_close,
    "merge": merge,
    "unmerge": unmerge,
}


def load_for_update(complaint_id):
    """Load a case locking its row (PostgreSQL) so concurrent transitions serialise."""
    return db.session.execute(
        select(Complaint).where(Complaint.id == complaint_id).with_for_update()
    ).scalar_one_or_none()


# the event each staff operation writes (to recognise the same action sent twice)
EVENT_KINDS = {
    "dispose": "dispatched", "hold": "held", "complete_hold": "hold_completed", "archive": "archived",
    "forward": "forwarded", "redispose": "redispatched", "reclassify": "reclassified", "follow_up": "follow_up",
    "internal_note": "internal_note", "resolve": "resolved", "return_to_coordinator": "returned",
    "reopen": "reopened", "merge": "merged", "unmerge": "unmerged",
}


def _repeats_last_action(complaint, operation, who, expected_version, kwargs):
    """Whether the case's latest change, made after the version the officer saw, is this very
    action, sent by them with the same content (the first of two sendings of one form succeeded;
    a transition may move the version more than once, so the last event decides, not the count)."""
    seen = whole_number(str(expected_version))
    user_id = getattr(who, "id", None)
    if seen is None or user_id is None or seen >= complaint.version or operation not in EVENT_KINDS:
        return False
    last = db.session.execute(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                              .order_by(ComplaintEvent.id.desc()).limit(1)).scalar_one_or_none()
    if last is None or last.actor_id != user_id or last.kind != EVENT_KINDS[operation]:
        return False
    recorded = {str(v).strip() for v in (last.public_text, last.internal_note, last.to_agency_id, last.changes)
                if v not in (None, "")}
    recorded |= {code for code, label in ARCHIVE_REASONS.items() if str(label) == last.public_text}
    for key, value in kwargs.items():
        value = getattr(value, "id", value)
        if key == "now" or value in (None, "") or not isinstance(value, (str, int)):
            continue
        if key == "parent":  # a merge names its main report as typed (number or id): the same case?
            found = _find_case(value)
            if found is None or found.id != complaint.parent_id:
                return False
            continue
        text = str(value).strip()
        if text and text not in recorded:
            return False
    return True


def perform(operation, complaint_id, who, expected_version=None, **kwargs):
    """Run one transition in its own transaction (staff user, REPORTER or SYSTEM).

    Locks the row, checks the version the user saw (optimistic lock), applies the
    transition and commits; on any domain error nothing is changed. Returns the
    transition's :class:`Outcome`: the caller queues ``outcome.outbox_ids`` for
    delivery (``app.jobs.queue.deliver``), the commit having happened.
    ``expected_version=None`` means "not checked" (jobs, the reporter's own page); a staff form
    passes what it sent, so a missing version (``""``) is refused like a stale one.
    """
    func = OPERATIONS[operation]
    try:
        complaint = load_for_update(complaint_id)
        if complaint is None or (
            getattr(who, "is_authenticated", False) and not access.can_see(who, complaint)
        ):
            raise NotAllowed(_l("Case not found."))
        if expected_version is not None and str(expected_version) != str(complaint.version):
            if _repeats_last_action(complaint, operation, who, expected_version, kwargs):
                raise AlreadyDone()  # a double click: done once, not refused as someone else's change
            raise Conflict()  # also a forged, non-numeric version: never a 500
        outcome = func(complaint, who, **kwargs)
        db.session.commit()
        return outcome
    except StaleDataError:
        db.session.rollback()
        raise Conflict()
    except Exception:
        db.session.rollback()
        raise
