"""The public list of reports (``/laporan``): which filters exist and the query they make.

Only what :func:`app.workflow.access.public_cases_clause` allows is ever listed; the
filters narrow it. The view reads the request and renders; the rule lives here.
"""
import math
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Complaint
from app.models.reference import KINDS
from app.workflow import access, periods
from app.workflow.numbers import normalise_tracking_number, whole_number

PAGE_SIZE = 20
MAP_POINTS = 500
MAX_PAGE_DIGITS = 6


@dataclass
class PublicSearch:
    """The filters of the public list, as typed by a visitor (all optional)."""

    kind: str = None
    status: str = None
    category_id: int = None
    agency_id: int = None
    district: str = None
    received_from: periods.Period = None  # a month: from its first day
    received_until: periods.Period = None  # a month: up to its last day
    text: str = ""

    @classmethod
    def from_args(cls, args):
        """From the query string (``jenis``, ``status``, ``kategori``, ``instansi``, ``kecamatan``,
        ``dari``, ``sampai``, ``q``); anything invalid is ignored, never an error."""
        search = cls()
        if args.get("jenis") in KINDS:
            search.kind = args["jenis"]
        if args.get("status") in access.PUBLIC_STATUSES:
            search.status = args["status"]
        # ids, never numbers past the column's range (a 30-digit "id" is ignored, not a 500)
        if whole_number(args.get("kategori")) is not None:
            search.category_id = whole_number(args["kategori"])
        if whole_number(args.get("instansi")) is not None:
            search.agency_id = whole_number(args["instansi"])
        if args.get("kecamatan"):
            search.district = args["kecamatan"][:13]  # the kecamatan's Kemendagri code
        search.received_from = periods.parse_loose_month(args.get("dari"))
        search.received_until = periods.parse_loose_month(args.get("sampai"))
        search.text = (args.get("q") or "").strip()[:100]
        return search

    @property
    def filters(self):
        """The active choice filters, keyed as in the query string (for the form)."""
        values = {"jenis": self.kind, "status": self.status, "kategori": self.category_id,
                  "instansi": self.agency_id, "kecamatan": self.district}
        return {key: value for key, value in values.items() if value is not None}

    def query(self):
        """SELECT of the public cases matching the filters (no order, no paging)."""
        query = select(Complaint).where(access.public_cases_clause())
        if self.kind:
            query = query.where(Complaint.kind == self.kind)
        if self.status:
            query = query.where(Complaint.status == self.status)
        if self.category_id is not None:
            query = query.where(Complaint.category_id == self.category_id)
        if self.agency_id is not None:
            query = query.where(Complaint.agency_id == self.agency_id)
        if self.district:
            query = query.where(Complaint.district_code == self.district)
        if self.received_from is not None:
            query = query.where(Complaint.received_at >= self.received_from.bounds()[0])
        if self.received_until is not None:
            query = query.where(Complaint.received_at < self.received_until.bounds()[1])
        if self.text:
            like = f"%{self.text}%"
            query = query.where(or_(Complaint.title.ilike(like), Complaint.description.ilike(like),
                                    Complaint.tracking_number == (normalise_tracking_number(self.text) or "")))
        return query


@dataclass
class Page:
    rows: list
    total: int
    number: int
    pages: int


def page_number(text):
    """``hal`` from the query string: a positive number, 1 when absent or absurd."""
    return whole_number(text, MAX_PAGE_DIGITS) or 1


def search(criteria, number=1, page_size=PAGE_SIZE):
    """One page of the public list, newest first (the page number is clamped to what exists)."""
    query = criteria.query()
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    pages = max(1, math.ceil(total / page_size))
    number = min(max(number, 1), pages)
    rows = db.session.execute(
        query.options(joinedload(Complaint.agency), joinedload(Complaint.category))
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(page_size).offset((number - 1) * page_size)
    ).scalars().all()
    return Page(rows=rows, total=total, number=number, pages=pages)


def jump_date(text):
    """The jump by date of the list: '2026-01-15' -> (the text, naive UTC end of that local day)."""
    from app.workflow import paging
    from app.workflow.calendar import current_calendar

    return paging.jump_date(text, current_calendar())


def seek(criteria, page_size=PAGE_SIZE, before=None, after=None, until=None):
    """One keyset page of the public list, newest first, and the count capped at 10,000.

    ``before`` / ``after``: (time, id) cursors of the neighbouring pages; ``until``: the jump by
    date. Reads an index range of the page's size, however deep the page (see ``paging``).
    Returns ``(paging.Page, capped total)``.
    """
    from app.workflow import paging

    query = criteria.query()
    total = db.session.execute(paging.capped_count(query, Complaint.id, Complaint.received_at)).scalar()
    page = paging.seek_page(
        db.session, query.options(joinedload(Complaint.agency), joinedload(Complaint.category)),
        Complaint.received_at, Complaint.id, page_size, before=before, after=after, until=until)
    return page, total


def map_points(criteria, limit=MAP_POINTS):
    """The most recent matching reports with their public map point (:func:`public_point`):
    [{"lat", "lon", "number", "title"}]."""
    rows = db.session.execute(
        criteria.query().with_only_columns(Complaint.tracking_number, Complaint.title, Complaint.latitude,
                                           Complaint.longitude)
        .where(Complaint.latitude.is_not(None), Complaint.longitude.is_not(None))
        .order_by(Complaint.received_at.desc()).limit(limit))
    points = ((public_point(r.latitude, r.longitude), r) for r in rows)
    return [{"lat": lat, "lon": lon, "number": r.tracking_number, "title": r.title} for (lat, lon), r in points]


@dataclass(frozen=True)
class PublicLocation:
    """Where a case is, as the public may know it: the kelurahan/desa (official name), the
    kecamatan and the map point rounded by :func:`public_point`. Never the street address or
    landmark the reporter typed (it can be a house, a neighbour's name, a phone number)."""

    village: str = None
    district: str = None
    latitude: float = None
    longitude: float = None

    @property
    def label(self):
        """"Kelurahan, Kecamatan" (either alone when only one is known), or None."""
        return ", ".join(part for part in (self.village, self.district) if part) or None


def public_location(complaint):
    """The one rule of which location fields of a case are public (the report page, the map,
    Open311): nothing for a case the public list does not show (``access.publicly_listed``)."""
    if not access.publicly_listed(complaint):
        return PublicLocation()
    latitude, longitude = public_point(complaint.latitude, complaint.longitude)
    village = complaint.region.name if complaint.region is not None else None
    return PublicLocation(village, complaint.district, latitude, longitude)


def public_point(latitude, longitude):
    """A case's map point as every public answer gives it (map, Open311): rounded to about
    100 m, so it shows where a problem is, not whose house it is. ``(None, None)`` without one."""
    if latitude is None or longitude is None:
        return None, None
    return round(latitude, 3), round(longitude, 3)
