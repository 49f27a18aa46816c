"""The agency hierarchy (Pemda -> OPD -> unit): ONE home for walking it, up and down.

Both walks are single recursive queries bounded in depth (``AGENCY_MAX_DEPTH``), so
a loop left in legacy data (A under B under A) ends after a few steps instead of
running forever; new loops are refused by :func:`assert_valid_parent`.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select

from app.extensions import db
from app.models import Agency
from app.workflow.errors import ValidationFailed

# deeper than any real hierarchy (Pemda, OPD, UPT, kecamatan, kelurahan, ...)
MAX_DEPTH = 12


def _walk(agency_id, downwards, session=None):
    """[(id, depth)] of the agency and its relatives, depth 0 first, each id once."""
    session = session or db.session
    if agency_id is None:
        return []
    tree = select(Agency.id.label("id"), literal(0).label("depth")).where(Agency.id == agency_id) \
        .cte("agency_tree", recursive=True)
    step = (select(Agency.id, tree.c.depth + 1).where(Agency.parent_id == tree.c.id) if downwards else
            select(Agency.parent_id, tree.c.depth + 1).join(tree, Agency.id == tree.c.id)
            .where(Agency.parent_id.is_not(None)))
    tree = tree.union_all(step.where(tree.c.depth < MAX_DEPTH))
    seen, result = set(), []
    for row_id, depth in session.execute(select(tree.c.id, tree.c.depth).order_by(tree.c.depth, tree.c.id)):
        if row_id not in seen:
            seen.add(row_id)
            result.append(row_id)
    return result


def descendant_ids(agency_id, session=None):
    """The agency and all its sub-units (ids; the agency first)."""
    return _walk(agency_id, downwards=True, session=session)


def ancestor_ids(agency_id, session=None):
    """The agency and its parents, nearest first (ids)."""
    return _walk(agency_id, downwards=False, session=session)


def assert_valid_parent(agency_id, parent_id, session=None):
    """Refuse a parent that is the agency itself or one of its sub-units (a loop)."""
    if parent_id is None or agency_id is None:
        return
    if parent_id == agency_id or parent_id in descendant_ids(agency_id, session):
        raise ValidationFailed(_l("An agency cannot be placed under itself or under one of its own sub-units."))
