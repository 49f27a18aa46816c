"""THE access rule: which cases a user may see or touch, and whose identity they may see.

Every route (list, show, edit, delete, actions, create, API, exports, dashboard
counts) and every job goes through :func:`case_scope_clause` /
:func:`visible_cases` / :func:`can_see`; nothing else decides visibility. Screens
and the API apply it through the FAB adapter in ``app/views/filters.py``.
"""
from flask import g, has_request_context
from sqlalchemy import and_, false, select, true

from app.models import Complaint
from app.workflow import agencies

ROLE_ADMIN = "Admin"
ROLE_COORDINATOR = "Koordinator"
ROLE_OPD = "OPD"
ROLE_LEADER = "Pimpinan"
ROLE_PUBLIC = "Public"

ALL_CASES_ROLES = {ROLE_ADMIN, ROLE_COORDINATOR, ROLE_LEADER}
COORDINATING_ROLES = {ROLE_ADMIN, ROLE_COORDINATOR}
IDENTITY_ROLES = {ROLE_ADMIN, ROLE_COORDINATOR}


def role_names(user):
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return {role.name for role in user.roles}


def is_coordinator(user):
    return bool(role_names(user) & COORDINATING_ROLES)


def is_opd(user):
    names = role_names(user)
    return ROLE_OPD in names and not (names & ALL_CASES_ROLES)


def agency_scope(user, session=None):
    """None = every case; otherwise the list of agency ids whose cases the user may see."""
    names = role_names(user)
    if names & ALL_CASES_ROLES:
        return None
    if ROLE_OPD in names and getattr(user, "agency_id", None):
        cache_key = ("lapor_scope", user.id, user.agency_id)
        if has_request_context() and g.get("lapor_scope_key") == cache_key:
            return g.lapor_scope
        scope = agencies.descendant_ids(user.agency_id, session)
        if has_request_context():
            g.lapor_scope_key, g.lapor_scope = cache_key, scope
        return scope
    return []


def case_scope_clause(user, session=None):
    scope = agency_scope(user, session)
    if scope is None:
        return true()
    if not scope:
        return false()
    return Complaint.agency_id.in_(scope)


def visible_cases(user, session=None):
    """A SELECT of the cases ``user`` may see; add filters, order, limit to it."""
    return select(Complaint).where(case_scope_clause(user, session))


def can_see(user, complaint, session=None):
    scope = agency_scope(user, session)
    return scope is None or (complaint.agency_id is not None and complaint.agency_id in scope)


def can_assign_agency(user, agency_id, session=None):
    """May ``user`` put a case under ``agency_id`` (create or edit)?"""
    scope = agency_scope(user, session)
    if scope is None:
        return True
    return agency_id is not None and agency_id in scope


def identity_visible(user, complaint):
    """Reporter identity: Admin/Koordinator always; OPD/Pimpinan never for anonim or rahasia."""
    if role_names(user) & IDENTITY_ROLES:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return not (complaint.is_anonymous or complaint.is_confidential)


# --- the public -------------------------------------------------------------
# A case is on the public pages when a coordinator has verified it (``verified_at``: verify, or
# dispose, which verifies), it is not confidential, and it is in one of these states. Received,
# on-hold and archived cases never are; a forwarded case only if it was verified before it was
# forwarded (forwarding alone publishes nothing: the same rule as every other case).
PUBLIC_STATUSES = ("dispatched", "in_progress", "resolved", "closed", "forwarded")


def public_cases_clause():
    # verified first (forwarded included); a merged duplicate (child) is never listed: the public sees the parent
    return and_(Complaint.is_confidential.is_(False), Complaint.status.in_(PUBLIC_STATUSES),
                Complaint.verified_at.is_not(None), Complaint.parent_id.is_(None))


def publicly_listed(complaint):
    return (not complaint.is_confidential and complaint.status in PUBLIC_STATUSES
            and complaint.verified_at is not None and complaint.parent_id is None)


def trackable_without_code(complaint):
    """Anyone with the number may follow a case, except a confidential one (code needed)."""
    return not complaint.is_confidential


def public_reporter_name(complaint):
    """What the public pages may say about the reporter: a name, never contact data."""
    # decided from the case's own columns first: the reporter's row (personal data, decrypted) is
    # read only when the reporter chose to show the name
    if complaint.is_anonymous or complaint.is_confidential or complaint.reporter_id is None:
        return None
    if not complaint.show_reporter_name:
        return None  # the name is shown only when the reporter explicitly chose it (off by default)
    if complaint.reporter is None or complaint.reporter.erased_at:
        return None
    return complaint.reporter.name
