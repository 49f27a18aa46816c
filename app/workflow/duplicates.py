"""Likely duplicates of a case, for the coordinator at verification.

Candidates: same category, received within ``DUPLICATE_WINDOW_DAYS`` of the case, cases the case may
be merged into (``lifecycle.merge_parent_clause``: still being worked on, not themselves merged
children, not confidential for a public case), and nearby: same kelurahan/desa or a map point within
``DUPLICATE_DISTANCE_M``. Two candidate queries, each bounded by an index and a row limit: the
same kelurahan through (region_code, category, received_at), and map points in the kecamatan
around the point (those whose centre is within reach) through (category, kecamatan, received_at); text similarity is then measured on the few rows left:
PostgreSQL ``pg_trgm`` similarity of title + start of the description, on SQLite the Jaccard
overlap of word trigrams computed in Python. Ranked by a score that adds text similarity,
place and closeness in time; every suggestion says why it was suggested.
"""
import datetime
import math
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, func, literal, select

from app.extensions import db
from app.settings import setting as _setting
from app.models import Complaint
from app.workflow.lifecycle import merge_parent_clause

CANDIDATE_LIMIT = 200
TEXT_CHARS = 400


@dataclass
class Suggestion:
    complaint: Complaint
    score: float
    similarity: float
    distance_m: float = None
    same_village: bool = False
    days_apart: float = 0.0
    reasons: list = field(default_factory=list)




def distance_m(lat1, lon1, lat2, lon2):
    """Great-circle distance in metres (haversine)."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


_WORD = re.compile(r"[a-z0-9]+")


def _trigrams(text):
    grams = set()
    for word in _WORD.findall((text or "").lower()):
        padded = f"  {word} "
        grams.update(padded[i:i + 3] for i in range(len(padded) - 2))
    return grams


def text_similarity(a, b):
    """pg_trgm-like similarity in Python: shared trigrams / all trigrams (0..1)."""
    ga, gb = _trigrams(a), _trigrams(b)
    return len(ga & gb) / len(ga | gb) if ga and gb else 0.0


def _text(title, description):
    return f"{title or ''} {(description or '')[:TEXT_CHARS]}"


# a point within the distance of a kecamatan's border is within this distance of its centre
# (kecamatan are at most ~25 km across); used to pick the kecamatan whose cases are checked
KECAMATAN_REACH_M = 12500


def _districts_near(complaint, radius):
    from app.workflow import regions

    points = regions.kecamatan_points()
    if not points:
        return None  # no kecamatan centres known: the map box alone bounds the query
    near = [code for code, (lat, lon) in points.items()
            if distance_m(complaint.latitude, complaint.longitude, lat, lon) <= KECAMATAN_REACH_M + radius]
    if complaint.district_code and complaint.district_code not in near:
        near.append(complaint.district_code)
    return near


def suggest(complaint, limit=None, now=None):
    """Ranked :class:`Suggestion` list for ``complaint`` (at most ``DUPLICATE_MAX_SUGGESTIONS``)."""
    if complaint.category_id is None:
        return []
    limit = limit or _setting("DUPLICATE_MAX_SUGGESTIONS", 5)
    window = datetime.timedelta(days=_setting("DUPLICATE_WINDOW_DAYS", 30))
    radius = float(_setting("DUPLICATE_DISTANCE_M", 500))
    min_similarity = float(_setting("DUPLICATE_MIN_SIMILARITY", 0.15))
    near = []
    if complaint.region_code:
        near.append(Complaint.region_code == complaint.region_code)
    has_point = complaint.latitude is not None and complaint.longitude is not None
    if has_point:
        dlat = radius / 111320.0
        dlon = radius / (111320.0 * max(0.1, math.cos(math.radians(complaint.latitude))))
        near.append(and_(Complaint.latitude.between(complaint.latitude - dlat, complaint.latitude + dlat),
                         Complaint.longitude.between(complaint.longitude - dlon, complaint.longitude + dlon)))
    if not near:
        return []
    postgres = db.session.get_bind().dialect.name == "postgresql"
    mine = _text(complaint.title, complaint.description)
    columns = [Complaint.id, Complaint.tracking_number, Complaint.title, Complaint.received_at,
               Complaint.region_code, Complaint.latitude, Complaint.longitude]
    if postgres:
        theirs = func.concat(Complaint.title, literal(" "), func.left(Complaint.description, TEXT_CHARS))
        columns.append(func.similarity(theirs, mine).label("similarity"))
    else:
        columns.append(Complaint.description)
    start, end = complaint.received_at - window, complaint.received_at + window
    common = [
        Complaint.category_id == complaint.category_id,
        Complaint.received_at >= start, Complaint.received_at <= end,
        merge_parent_clause(complaint),  # only main reports the merge accepts
    ]
    # two index-bounded candidate sets: the same kelurahan (region, category, received_at) and map
    # points nearby in the kecamatan around the point (category, kecamatan, received_at)
    queries = []
    if complaint.region_code:
        queries.append(select(*columns).where(Complaint.region_code == complaint.region_code, *common))
    if has_point:
        districts = _districts_near(complaint, radius)
        where = [near[-1], *common] + ([Complaint.district_code.in_(districts)] if districts is not None else [])
        queries.append(select(*columns).where(*where))
    rows = {}
    for query in queries:
        if postgres:
            query = query.order_by(columns[-1].desc())
        for row in db.session.execute(query.limit(CANDIDATE_LIMIT)).all():
            rows[row.id] = row
    rows = list(rows.values())
    suggestions = []
    for row in rows:
        similarity = float(row.similarity) if postgres else text_similarity(mine, _text(row.title, row.description))
        same_village = bool(complaint.region_code and row.region_code == complaint.region_code)
        dist = (distance_m(complaint.latitude, complaint.longitude, row.latitude, row.longitude)
                if has_point and row.latitude is not None and row.longitude is not None else None)
        if not same_village and (dist is None or dist > radius):
            continue
        if similarity < min_similarity:
            continue
        days = abs((row.received_at - complaint.received_at).total_seconds()) / 86400.0
        place = 1.0 if same_village else 0.0
        if dist is not None:
            place = max(place, 1.0 - dist / radius)
        score = 0.6 * similarity + 0.25 * place + 0.15 * max(0.0, 1.0 - days / window.days)
        reasons = [("category", None)]
        if same_village:
            reasons.append(("same_village", None))
        if dist is not None and dist <= radius:
            reasons.append(("distance", round(dist)))
        reasons.append(("similarity", round(similarity * 100)))
        reasons.append(("days", round(days, 1)))
        suggestions.append(Suggestion(row.id, score, similarity, dist, same_village, days, reasons))
    suggestions.sort(key=lambda s: (-s.score, s.complaint))
    suggestions = suggestions[:limit]
    cases = {c.id: c for c in db.session.execute(
        select(Complaint).where(Complaint.id.in_([s.complaint for s in suggestions]))).scalars()}
    for s in suggestions:
        s.complaint = cases[s.complaint]
    return suggestions
