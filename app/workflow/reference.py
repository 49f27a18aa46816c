"""Rules for reference data: rows that cases depend on are deactivated, not deleted."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from app.extensions import db
from app.models import Agency, Category, Channel, Complaint, LaporUser
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


def built_in_channel_codes():
    """The codes intake finds its channels by (the public form "web", WhatsApp, SMS, e-mail, the import...)."""
    from app.workflow.defaults import CHANNELS

    return {code for code, _name in CHANNELS}


def assert_channel_deletable(channel):
    if channel.code in built_in_channel_codes():
        raise DomainError(_l("This is a built-in channel: intake records cases with it, so it cannot be deleted."))
    if _used(select(Complaint.id).where(Complaint.channel_id == channel.id)):
        raise DomainError(_l("This channel is still used by cases; deactivate it instead."))


def assert_channel_code_kept(channel_id, code):
    """The code of a built-in channel never changes: intake looks the channel up by it (renamed, the
    public form could record no case at all). Its name may change."""
    if channel_id is None:
        return
    with db.session.no_autoflush:  # the stored code, not a pending change of it
        current = db.session.execute(select(Channel.code).where(Channel.id == channel_id)).scalar()
    if current in built_in_channel_codes() and (code or "").strip() != current:
        raise DomainError(_l("The code of a built-in channel cannot be changed: intake finds the channel by "
                             "\"%(code)s\". Change its name instead.", code=current))


def rows_reading(model, column, text, excluding_id=None):
    """The rows of ``model`` (active or not) whose ``column`` reads as ``text`` (:func:`name_key`): two
    agencies, categories or channels that read the same cannot be told apart on the forms, the lists
    and the spreadsheet import."""
    key = name_key(text)
    if not key:
        return []
    return [row for row in db.session.execute(select(model).order_by(model.id)).scalars()
            if row.id != excluding_id and name_key(getattr(row, column)) == key]


def channels_reading(column, text, excluding_id=None):
    """The channels whose ``column`` ("code" or "name") reads as ``text``."""
    return rows_reading(Channel, column, text, excluding_id)


def agencies_reading(column, text, excluding_id=None):
    """The agencies whose ``column`` ("code" or "name") reads as ``text``: "dinkes" or " DINKES " beside
    "DINKES" would be a second Dinas Kesehatan on the dispose form."""
    return rows_reading(Agency, column, text, excluding_id)


def trimmed(text):
    """A typed reference value as it is stored: without spaces around; empty is None."""
    text = (text or "").strip()
    return text or None


# --- names of reference rows: one reading for the forms and the spreadsheet import -------------
def name_key(name):
    """How a reference name or code is compared: case and spacing aside ("Jalan  Rusak " = "jalan rusak")."""
    return " ".join(str(name or "").split()).casefold()


def categories_named(name, excluding_id=None):
    """The categories (active or not) whose name reads as ``name`` (:func:`name_key`)."""
    return rows_reading(Category, "name", name, excluding_id)


def active_categories_by_key():
    """{name key: [category ids]} of the active categories (more than one id: an ambiguous name,
    possible in data from before names were kept distinct)."""
    found = {}
    for cid, name in db.session.execute(select(Category.id, Category.name).where(Category.active.is_(True))
                                        .order_by(Category.id)):
        found.setdefault(name_key(name), []).append(cid)
    return found
