"""The KPI definitions (docs/kpis.md) on a hand-computed fixture: a dozen cases of June 2021 (WIB)
with known timestamps around a holiday (Tuesday 1 June, Hari Lahir Pancasila) and a hold, seen at a
fixed moment; exact figures from the rollups and from the direct computation, on both databases."""
import datetime

import pytest
from sqlalchemy import delete, select

from app import stats
from app.extensions import db
from app.models import Agency, Holiday, LaporUser
from app.models.login import LoginEvent
from app.workflow import lifecycle
from app.workflow.calendar import current_calendar, invalidate_calendar
from app.workflow.reporters import reporter_from_form
from tests.conftest import WORLD_AGENCIES, WORLD_USERS

HOLIDAY = datetime.date(2021, 6, 1)
WORLD_CODES = {code for code, _name, _level, _parent in WORLD_AGENCIES}
WORLD_USERNAMES = {username for username, _role, _agency in WORLD_USERS}


def wib(month, day, hour, minute=0, year=2021):
    cal = current_calendar()
    return cal.to_utc(datetime.datetime(year, month, day, hour, minute, tzinfo=cal.tz))


def june():
    return current_calendar().month_range(2021, 6)


@pytest.fixture
def june_2021(ctx, world):
    """Cases A..Q (see each comment: deadlines worked out by hand with 1 June as a holiday)."""
    created = db.session.execute(select(Holiday).where(Holiday.date == HOLIDAY)).scalar_one_or_none() is None
    if created:  # other tests may have loaded the national holidays of 2021 already
        db.session.add(Holiday(date=HOLIDAY, name="Hari Lahir Pancasila", kind="national"))
    # only the test world's agencies count (other tests may have added the demo kabupaten's)
    others = [a for a in db.session.execute(select(Agency).where(Agency.active.is_(True))).scalars()
              if a.code not in WORLD_CODES]
    for agency in others:
        agency.active = False
    strangers = [u for u in db.session.execute(select(LaporUser).where(LaporUser.active.is_(True))).scalars()
                 if u.username not in WORLD_USERNAMES]
    for user in strangers:
        user.active = False
    db.session.commit()
    invalidate_calendar()
    coordinator, dinkes, pupr = world.user("koordinator"), world.user("opd_dinkes"), world.user("opd_pupr")
    DINKES, PUPR = world.agency("DINKES"), world.agency("PUPR")

    def case(received, kind="complaint", channel="web", district=None, confidential=False):
        reporter = reporter_from_form("Pelapor Uji", None, "uji@contoh.id", None, True)
        complaint = lifecycle.register(
            title="Laporan uji angka", description="Isi laporan untuk uji definisi angka.", kind=kind,
            channel=world.channel(channel), reporter=reporter, is_confidential=confidential,
            district=district, now=received).complaint
        return complaint

    # received before the period; their steps done in June count in June
    a = case(wib(5, 28, 10))                      # verify due Thu 3 (1 Jun off)
    lifecycle.dispose(a, coordinator, DINKES, now=wib(6, 2, 9))       # on time; first response due Wed 9
    lifecycle.follow_up(a, dinkes, "Ditangani", now=wib(6, 8, 10))   # on time; resolution due Tue 22
    lifecycle.resolve(a, dinkes, "Selesai", now=wib(6, 14, 10))      # on time
    lifecycle.confirm(a, lifecycle.REPORTER, 4, now=wib(6, 15, 9))
    b = case(wib(5, 31, 9))                       # verify due Fri 4
    lifecycle.hold(b, coordinator, "Mohon lengkapi lokasi", now=wib(5, 31, 10))
    lifecycle.complete_hold(b, lifecycle.REPORTER, "Di depan pasar", now=wib(6, 2, 10))  # 1 working day on hold -> Mon 7
    lifecycle.dispose(b, coordinator, PUPR, now=wib(6, 8, 9))         # late; first response due Tue 15, resolution Mon 28
    # received in June (the cohort: 12 cases)
    c = case(wib(6, 2, 8), district="Kota")
    lifecycle.dispose(c, coordinator, DINKES, now=wib(6, 3, 9))       # first response due Thu 10, resolution Wed 23
    lifecycle.follow_up(c, dinkes, "Ditangani", now=wib(6, 4, 8))    # 2 calendar days, 2 working days
    lifecycle.resolve(c, dinkes, "Selesai", now=wib(6, 7, 8))
    lifecycle.confirm(c, lifecycle.REPORTER, 5, now=wib(6, 8, 9))
    d = case(wib(6, 3, 10), channel="whatsapp", district="Kota")
    lifecycle.dispose(d, coordinator, DINKES, now=wib(6, 3, 11))      # first response due Thu 10, resolution Wed 23
    lifecycle.follow_up(d, dinkes, "Ditangani", now=wib(6, 14, 10))  # late: 11 calendar days, 7 working days
    e = case(wib(6, 4, 14), kind="aspiration", channel="sms", district="Desa")  # never verified: due Wed 9
    f = case(wib(6, 7, 9))
    lifecycle.dispose(f, coordinator, PUPR, now=wib(6, 7, 10))        # first response due Mon 14, resolution Fri 25
    lifecycle.resolve(f, pupr, "Selesai", now=wib(6, 8, 9))          # first response = resolution: 1 day
    g = case(wib(6, 8, 10), confidential=True)
    lifecycle.dispose(g, coordinator, DINKES, now=wib(6, 8, 11))      # first response due Tue 15 (none), resolution Mon 28
    h = case(wib(6, 9, 10))                       # verify due Mon 14
    lifecycle.archive(h, coordinator, "too_general", now=wib(6, 10, 10))
    i = case(wib(6, 10, 10))                      # verify due Tue 15
    lifecycle.forward(i, coordinator, "Kantor Pertanahan", now=wib(6, 15, 10))
    j = case(wib(6, 11, 10))                      # verify due Wed 16, but on hold since Fri 11: paused
    lifecycle.hold(j, coordinator, "Mohon lengkapi foto", now=wib(6, 11, 11))
    k = case(wib(6, 14, 10), kind="information")
    lifecycle.dispose(k, coordinator, DINKES, now=wib(6, 14, 11))     # first response due Mon 21, resolution Mon 21
    lifecycle.follow_up(k, dinkes, "Ditangani", now=wib(6, 15, 10))  # 1 day
    case(wib(6, 21, 10))                          # L: verify due Thu 24, not decided yet
    case(wib(6, 23, 9))                           # M: verify due Mon 28
    q = case(wib(6, 1, 0, 30))                    # Q: 00:30 WIB on the holiday = 31 May UTC, still June here
    lifecycle.dispose(q, coordinator, PUPR, now=wib(6, 2, 10))        # verify due Fri 4; resolution due Tue 22
    lifecycle.follow_up(q, pupr, "Ditangani", now=wib(6, 2, 16))     # 1.65 calendar days, 0.67 working days
    db.session.commit()

    # the login history: Dinkes signed in during June; PUPR only failed in June and succeeded in July;
    # RSUD signed in on 31 May 23:00 WIB (still May); the coordinator is not an agency officer
    users = {name: world.user(name).id for name in ("opd_dinkes", "opd_pupr", "opd_rsud", "koordinator")}
    for name, when, success in (("opd_dinkes", wib(6, 10, 8), True), ("opd_pupr", wib(6, 12, 8), False),
                                ("opd_pupr", wib(7, 2, 8), True), ("opd_rsud", wib(5, 31, 23), True),
                                ("koordinator", wib(6, 3, 8), True)):
        db.session.add(LoginEvent(user_id=users[name], username=name, success=success, created_at=when))
    db.session.commit()
    yield
    db.session.rollback()
    db.session.execute(delete(LoginEvent).where(LoginEvent.created_at < datetime.datetime(2022, 1, 1)))
    if created:
        db.session.execute(delete(Holiday).where(Holiday.date == HOLIDAY))
    for agency in others:
        agency.active = True
    for user in strangers:
        user.active = True
    db.session.commit()
    invalidate_calendar()


NOW = (6, 23, 10)  # Wednesday 23 June 2021, 10:00 WIB

EXPECTED_JUNE = {
    "received": 12,                     # C D E F G H I J K L M Q
    "followed_up": 5,                   # C D F K Q
    "pct_followed_up": 41.7,
    "finished": 2,                      # C closed, F resolved
    "pct_finished": 16.7,
    "in_process": 4,                    # G dispatched; D K Q in progress
    "pct_in_process": 33.3,
    "response_count": 5,
    # calendar days C 2, D 11, F 1, K 1, Q 1.65 -> 287,640 s on average
    "response_days_avg": 3.33,
    "response_days_median": 1.6,        # tenths 10 10 16 20 110
    # working days C 2, D 7, F 1, K 1, Q 0.67 (the holiday does not count)
    "response_working_days_avg": 2.33,
    "response_working_days_median": 1.0,
    "waiting": 4,                       # E L M received, G dispatched (J on hold, H I decided)
    "waiting_age_days_avg": 8.97,       # 18.83 + 15 + 2 + 0.04 days / 4
    "waiting_oldest_day": "2021-06-04",
    # verification (deciding the case): done A B C D F G H I K Q (B late: the hold moved its deadline by
    # ONE working day because 1 June is a holiday), plus E late and still not decided; J paused; L not due yet
    "verification_done": 10, "verification_on_time": 9, "verification_late_open": 1,
    "verification_sla_pct": 81.8,
    # first response: done A C D F K Q (D late), plus B and G past their deadline (Tue 15) with none
    "follow_up_done": 6, "follow_up_on_time": 5, "follow_up_late_open": 2,
    "follow_up_sla_pct": 62.5,
    # resolution: done A C F on time; K (Mon 21) and Q (Tue 22) past deadline and open; D's is today
    "resolution_done": 3, "resolution_on_time": 3, "resolution_late_open": 2,
    "resolution_sla_pct": 60.0,
    "overdue_open_now": 5,              # E (verification), B G (first response), K Q (resolution)
    "rating_avg": 5.0,                  # C (A is May's)
    "rating_count": 1,
    "confidential": 1,                  # G
    "agencies_total": 4,                # Diskominfo, Dinkes, RSUD, PUPR
    "agencies_connected": 3,            # Dinkes, RSUD, PUPR have an OPD officer
    "pct_connected": 75.0,
    "agencies_active": 1,               # only Dinkes signed in during June
    "pct_active": 25.0,
}
EXPECTED_RANKING = [  # ranked with at least 2 cases
    {"rank": 1, "agency": "Dinas PUPR", "cases": 2,          # F Q
     "follow_up_sla_pct": 66.7,                              # F Q on time, B late and open
     "response_working_days_avg": 0.83},                     # (1 + 0.67) / 2
    {"rank": 2, "agency": "Dinas Kesehatan", "cases": 4,     # C D G K
     "follow_up_sla_pct": 60.0,                              # A C K on time, D late, G late and open
     "response_working_days_avg": 3.33},                     # (2 + 7 + 1) / 3
]


@pytest.mark.parametrize("compute", [stats.period_kpis, stats.direct_period_kpis], ids=["rollups", "direct"])
def test_june_figures_are_exactly_the_hand_computed_ones(june_2021, compute):
    start, end = june()
    data = compute(start, end, now=wib(*NOW), ranking_min_cases=2)
    assert data["summary"] == EXPECTED_JUNE
    assert data["ranking"] == EXPECTED_RANKING
    assert data["by_status"] == {"received": 3, "on_hold": 1, "archived": 1, "forwarded": 1, "dispatched": 1,
                                 "in_progress": 3, "resolved": 1, "closed": 1}
    assert data["breakdowns"]["kind"] == [["complaint", 10], ["aspiration", 1], ["information", 1]]
    assert data["breakdowns"]["channel"] == [["Situs web", 10], ["SMS 1708", 1], ["WhatsApp", 1]]
    assert data["breakdowns"]["agency"] == [[None, 6], ["Dinas Kesehatan", 4], ["Dinas PUPR", 2]]
    # typed kecamatan names that match no official region (none are loaded here) count as unknown
    assert data["breakdowns"]["district"] == [[None, 12]]
    assert data["breakdowns"]["category"] == [[None, 12]]
    assert data["empty"] is False
    # with the usual minimum of 5 cases nobody is ranked (tiny samples never win)
    assert compute(start, end, now=wib(*NOW))["ranking"] == []


@pytest.mark.parametrize("compute", [stats.period_kpis, stats.direct_period_kpis], ids=["rollups", "direct"])
def test_open_steps_become_late_with_time_alone(june_2021, compute):
    """No event between the two readings: the late-and-open steps grow because days pass."""
    start, end = june()
    later = compute(start, end, now=wib(7, 15, 10), ranking_min_cases=2)["summary"]
    # L (due Thu 24) and M (due Mon 28) are now late too; J stays paused
    assert (later["verification_done"], later["verification_late_open"], later["verification_sla_pct"]) == (10, 3, 69.2)
    assert (later["follow_up_late_open"], later["follow_up_sla_pct"]) == (2, 62.5)
    # D (Wed 23), B and G (Mon 28) joined K and Q
    assert (later["resolution_late_open"], later["resolution_sla_pct"]) == (5, 37.5)
    assert later["overdue_open_now"] == 8  # E L M, B G, D K Q
    assert later["waiting_age_days_avg"] == 30.97  # each of the four waited 22 days more
    # the same moment seen on the due day itself: D's deadline (Wed 23, 23:59) has not passed yet
    same_day = compute(start, end, now=wib(6, 23, 23, 59), ranking_min_cases=2)["summary"]
    assert same_day["resolution_late_open"] == 2


@pytest.mark.parametrize("compute", [stats.period_kpis, stats.direct_period_kpis], ids=["rollups", "direct"])
def test_an_empty_period_says_so_and_never_divides_by_zero(june_2021, compute):
    start, end = current_calendar().month_range(2020, 5)
    data = compute(start, end, now=wib(*NOW))
    summary = data["summary"]
    assert data["empty"] is True and data["ranking"] == [] and data["by_status"] == {}
    assert summary["received"] == 0 and summary["waiting"] == 0
    for key in ("pct_followed_up", "pct_finished", "pct_in_process", "response_days_avg", "response_days_median",
                "response_working_days_avg", "response_working_days_median", "waiting_age_days_avg",
                "verification_sla_pct", "follow_up_sla_pct", "resolution_sla_pct", "rating_avg"):
        assert summary[key] is None, key
    assert (summary["agencies_active"], summary["pct_active"]) == (0, 0.0)  # nobody signed in in May 2020


def test_the_transparency_page_shows_the_definitions_and_empty_periods(june_2021, client):
    body = client.get("/transparansi?periode=2021-06").get_data(as_text=True)
    assert body.count('class="kpi-how"') >= 12
    assert "terlambat dan belum selesai" in body  # SLA definition counts open-and-late steps
    assert "riwayat masuk" in body  # keaktifan from the login history
    empty = client.get("/transparansi?periode=2020-05").get_data(as_text=True)
    assert 'id="kpi-empty-period"' in empty and "belum ada laporan" in empty
    assert "-%" not in empty and "-%" not in body
