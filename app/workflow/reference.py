"""Rules for reference data: rows that cases depend on are deactivated, not deleted."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from app.extensions import db
from app.models import Agency, Category, Complaint, LaporUser
from app.workflow.errors import DomainError


def _used(query):
    return db.session.execute(select(exists(query))).scalar()


def assert_agency_deletable(agency):
    if _used(select(Complaint.id).where(or_(Complaint.agency_id == agency.id, Complaint.target_agency_id == agency.id))) \
            or _used(select(LaporUser.id).where(LaporUser.agency_id == agency.id)) \
            or _used(select(Agency.id).where(Agency.parent_id == agency.id)):
        raise DomainError(_l("This agency is still used by cases, users or other units; deactivate it instead."))


def assert_category_deletable(category):
    if _used(select(Complaint.id).where(Complaint.category_id == category.id)) \
            or _used(select(Category.id).where(Category.parent_id == category.id)):
        raise DomainError(_l("This category is still in use; deactivate it instead."))


def assert_valid_category_parent(category_id, parent_id):
    """Refuse a parent category that is the category itself or one of its sub-categories (a loop:
    the database refused the first, the second made the category its own ancestor)."""
    if parent_id is None or category_id is None:
        return
    seen = set()
    while parent_id is not None and parent_id not in seen:
        if parent_id == category_id:
            raise DomainError(_l("A category cannot be placed under itself or under one of its own sub-categories."))
        seen.add(parent_id)
        parent_id = db.session.execute(select(Category.parent_id).where(Category.id == parent_id)).scalar()


def assert_channel_deletable(channel):
    if _used(select(Complaint.id).where(Complaint.channel_id == channel.id)):
        raise DomainError(_l("This channel is still used by cases; deactivate it instead."))


# --- category names: one reading for the category form and the spreadsheet import -------------
def category_key(name):
    """How a category name is compared: case and spacing aside ("Jalan  Rusak " = "jalan rusak")."""
    return " ".join(str(name or "").split()).casefold()


def categories_named(name, excluding_id=None):
    """The categories (active or not) whose name reads as ``name`` (:func:`category_key`)."""
    key = category_key(name)
    if not key:
        return []
    return [category for category in db.session.execute(select(Category).order_by(Category.id)).scalars()
            if category.id != excluding_id and category_key(category.name) == key]


def active_categories_by_key():
    """{name key: [category ids]} of the active categories (more than one id: an ambiguous name,
    possible in data from before names were kept distinct)."""
    found = {}
    for cid, name in db.session.execute(select(Category.id, Category.name).where(Category.active.is_(True))
                                        .order_by(Category.id)):
        found.setdefault(category_key(name), []).append(cid)
    return found
