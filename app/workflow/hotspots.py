"""Hotspot alerts: spotting clusters of complaints before they become a crisis.

**Rise** (per category x kecamatan, daily): the cases of the last ``HOTSPOT_WINDOW_DAYS`` (7) days are
compared with the weekly mean of the ``HOTSPOT_BASELINE_WEEKS`` (8) weeks before. Under "nothing
changed" the window's count is Poisson with mean lambda = max(baseline mean, ``HOTSPOT_MIN_BASELINE``)
scaled to the window; a rise is flagged when the count reaches the smallest k with
P(X >= k) <= ``HOTSPOT_P_VALUE`` (0.001), and at least ``HOTSPOT_MIN_COUNT`` (5) cases — so a quiet
place going from 0 to 2 is not an alert. One alert per (category, kecamatan) per window: the
same episode is not raised again while the previous alert is less than a window old.

**Cluster** (new, any category): at least ``HOTSPOT_CLUSTER_MIN`` (5) cases of one category with map
points within ``HOTSPOT_CLUSTER_RADIUS_M`` (300 m) of one of them in the last ``HOTSPOT_CLUSTER_DAYS``
(3) days, unless already covered by a rise alert of the same category and kecamatan, or by a cluster
alert of the same category near the same place in the last days.

Merged duplicates count once (children are excluded). Both queries read only the last
``window + baseline`` days through the received_at index: bounded whatever the table size.
"""
import datetime
import math
from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select, update

from app.clock import utcnow
from app.extensions import db
from app.formats import lapor_datetime
from app.settings import setting as _setting
from app.models import Complaint, HotspotAlert
from app.workflow.duplicates import distance_m
from app.workflow.errors import Conflict

KIND_LABELS = {"rise": _l("Significant rise"), "cluster": _l("New cluster")}




def poisson_tail(k, lam):
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    term = math.exp(-lam)
    below = term
    for i in range(1, k):
        term *= lam / i
        below += term
    return max(0.0, 1.0 - below)


def poisson_threshold(lam, p_value):
    """The smallest count k with P(X >= k) <= p_value."""
    k = int(lam)
    while poisson_tail(k, lam) > p_value:
        k += 1
    return k


def detect(now=None):
    """Raise the new alerts of today; returns them (added to the session, not committed)."""
    now = now or utcnow()
    window = datetime.timedelta(days=_setting("HOTSPOT_WINDOW_DAYS", 7))
    weeks = _setting("HOTSPOT_BASELINE_WEEKS", 8)
    start = now - window
    baseline_start = start - datetime.timedelta(weeks=weeks)
    p_value = float(_setting("HOTSPOT_P_VALUE", 0.001))
    min_count = int(_setting("HOTSPOT_MIN_COUNT", 5))
    min_baseline = float(_setting("HOTSPOT_MIN_BASELINE", 0.5))
    scale = window.total_seconds() / (7 * 86400.0)

    recent = func.sum(case((Complaint.received_at >= start, 1), else_=0))
    rows = db.session.execute(
        select(Complaint.category_id, Complaint.district_code, recent.label("recent"), func.count().label("total"))
        .where(Complaint.received_at >= baseline_start, Complaint.received_at < now,
               Complaint.parent_id.is_(None), Complaint.category_id.is_not(None), Complaint.district_code.is_not(None))
        .group_by(Complaint.category_id, Complaint.district_code)
        .having(recent >= min_count)
    ).all()
    recent_alerts = {(a.kind, a.category_id, a.district_code) for a in db.session.execute(
        select(HotspotAlert).where(HotspotAlert.window_end > now - window)).scalars()}
    alerts, risen = [], set()
    for category_id, district_code, count, total in rows:
        count = int(count)
        weekly = (int(total) - count) / float(weeks)
        lam = max(weekly, min_baseline) * scale
        needed = max(poisson_threshold(lam, p_value), min_count)
        if count < needed:
            continue
        risen.add((category_id, district_code))
        if ("rise", category_id, district_code) in recent_alerts:
            continue
        ids = [r[0] for r in db.session.execute(
            select(Complaint.id).where(Complaint.category_id == category_id, Complaint.district_code == district_code,
                                       Complaint.received_at >= start, Complaint.received_at < now,
                                       Complaint.parent_id.is_(None)).order_by(Complaint.id).limit(500))]
        alerts.append(HotspotAlert(kind="rise", category_id=category_id, district_code=district_code,
                                   window_start=start, window_end=now, case_count=count, baseline=round(weekly * scale, 2),
                                   threshold=needed, case_ids=",".join(map(str, ids)), created_at=now))
    alerts += _clusters(now, risen)
    for alert in alerts:
        db.session.add(alert)
    db.session.flush()
    return alerts


def _clusters(now, risen):
    days = _setting("HOTSPOT_CLUSTER_DAYS", 3)
    radius = float(_setting("HOTSPOT_CLUSTER_RADIUS_M", 300))
    minimum = int(_setting("HOTSPOT_CLUSTER_MIN", 5))
    start = now - datetime.timedelta(days=days)
    points = defaultdict(list)
    for row in db.session.execute(
            select(Complaint.id, Complaint.category_id, Complaint.district_code, Complaint.latitude, Complaint.longitude)
            .where(Complaint.received_at >= start, Complaint.received_at < now, Complaint.parent_id.is_(None),
                   Complaint.category_id.is_not(None), Complaint.latitude.is_not(None), Complaint.longitude.is_not(None))
            .limit(50000)):
        points[row.category_id].append(row)
    earlier = db.session.execute(select(HotspotAlert).where(
        HotspotAlert.kind == "cluster", HotspotAlert.window_end > start)).scalars().all()
    found = []
    cell = radius / 111320.0
    for category_id, rows in points.items():
        if len(rows) < minimum:
            continue
        grid = defaultdict(list)
        for r in rows:
            grid[(int(r.latitude // cell), int(r.longitude // cell))].append(r)

        def neighbours(r):
            gy, gx = int(r.latitude // cell), int(r.longitude // cell)
            return [o for dy in (-1, 0, 1) for dx in (-1, 0, 1) for o in grid.get((gy + dy, gx + dx), ())
                    if distance_m(r.latitude, r.longitude, o.latitude, o.longitude) <= radius]

        taken = set()
        for centre in sorted(rows, key=lambda r: -len(neighbours(r))):
            members = [o for o in neighbours(centre) if o.id not in taken]
            if len(members) < minimum:
                continue
            taken.update(o.id for o in members)
            districts = defaultdict(int)
            for o in members:
                districts[o.district_code] += 1
            district = max(districts, key=districts.get)
            if (category_id, district) in risen:
                continue  # already told as a rise in that kecamatan
            if any(a.category_id == category_id and a.latitude is not None and
                   distance_m(a.latitude, a.longitude, centre.latitude, centre.longitude) <= radius for a in earlier):
                continue
            found.append(HotspotAlert(
                kind="cluster", category_id=category_id, district_code=district, window_start=start, window_end=now,
                case_count=len(members), latitude=centre.latitude, longitude=centre.longitude, radius_m=int(radius),
                case_ids=",".join(str(o.id) for o in sorted(members, key=lambda o: o.id)), created_at=now))
    return found


def run_daily(now=None):
    """The daily job: detect, and write the e-mail digest of the new alerts. Returns an
    :class:`Outcome` (counts["alerts"], the digest's outbox rows); the caller commits, then delivers."""
    from app.workflow.outcome import Outcome

    alerts = detect(now=now)
    return Outcome(counts={"alerts": len(alerts)}, outbox=queue_digest(alerts, now=now))


def open_alerts(limit=20):
    return db.session.execute(select(HotspotAlert).where(HotspotAlert.acknowledged_at.is_(None))
                              .order_by(HotspotAlert.created_at.desc()).limit(limit)).scalars().all()


class AlreadyAcknowledged(Conflict):
    """Another coordinator acknowledged the alert first (both had the page open): who, when and
    what they wrote; the text of the one who came second is not saved."""

    def __init__(self, alert):
        from flask_babel import gettext as _

        self.alert = alert
        by = alert.acknowledged_by.get_full_name() if alert.acknowledged_by is not None else _("another coordinator")
        super().__init__(_("This alert was already acknowledged by %(name)s on %(time)s. Your text was not saved: "
                           "it is shown below so you can copy it.", name=by, time=lapor_datetime(alert.acknowledged_at)))


def acknowledge(alert, user, action_taken, now=None):
    """A coordinator records the action taken (a proactive fix, listed in the monthly report).

    Once only: the first of two coordinators acknowledging the same alert wins (a conditional
    update: the second one, even at the same moment, gets :class:`AlreadyAcknowledged`)."""
    from app.workflow import access
    from app.workflow.errors import NotAllowed, ValidationFailed

    if not (access.role_names(user) & access.COORDINATING_ROLES):
        raise NotAllowed()
    text = (action_taken or "").strip()
    if not text:
        raise ValidationFailed(_l("Describe the action taken."))
    if len(text) > 5000:
        raise ValidationFailed(_l("Text too long (maximum 5,000 characters)."))
    recorded = db.session.execute(
        update(HotspotAlert).where(HotspotAlert.id == alert.id, HotspotAlert.acknowledged_at.is_(None))
        .values(acknowledged_at=now or utcnow(), acknowledged_by_id=user.id, action_taken=text)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(alert)
    if not recorded:
        raise AlreadyAcknowledged(alert)


def actions_in(start, end):
    """Acknowledged alerts of a period with the action taken, for the monthly report."""
    return db.session.execute(select(HotspotAlert).where(
        and_(HotspotAlert.acknowledged_at >= start, HotspotAlert.acknowledged_at < end))
        .order_by(HotspotAlert.acknowledged_at)).scalars().all()


def case_ids(alert):
    return [int(x) for x in (alert.case_ids or "").split(",") if x]


def queue_digest(alerts, now=None):
    """One e-mail per coordinator and Pimpinan listing the new alerts (outbox, delivered by the job)."""
    from flask_babel import force_locale, format_decimal, gettext as _

    from app.workflow import notify

    if not alerts:
        return []
    recipients = notify.Recipients()
    users = notify._unique(recipients.coordinators() + recipients.leaders())
    rows = []
    with force_locale(notify._locale()):
        lines = []
        for a in alerts:
            place = a.district.name if a.district is not None else "-"
            category = a.category.name if a.category is not None else "-"
            lines.append(_("%(kind)s: %(category)s in Kec. %(place)s, %(count)s cases (expected %(expected)s)",
                           kind=KIND_LABELS[a.kind], category=category, place=place,
                           count=a.case_count,
                           expected=format_decimal(a.baseline, "#,##0.#") if a.baseline is not None else "-"))
        subject = _("Hotspot alerts: %(count)s new", count=len(alerts))
        url = notify._base_url()
        body = "\n".join(f"- {line}" for line in lines)
        if url:
            body += "\n\n" + _("See them on the map: %(url)s", url=f"{url}/hotspot/")
        for user in users:
            if user.email:
                rows.append(notify._add_outbox("email", "hotspot", user.email, subject, body, user=user, now=now))
    for a in alerts:
        a.digest_sent_at = now or utcnow()
    return rows
