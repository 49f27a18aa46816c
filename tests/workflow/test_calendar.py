"""Working-day deadlines, table-driven (in the spirit of osTicket's SLA tests).

A deadline is the end (23:59:59 local) of the N-th working day after the day of the
event; holidays come from the ``holidays`` package (national and cuti bersama), as the
installation loads them, plus local days staff add.
"""
import datetime as dt

import pytest

from app.workflow.calendar import WorkingCalendar


def indonesian_days_off(*years):
    import holidays

    days = set()
    for category in ("public", "government"):
        days |= set(holidays.country_holidays("ID", years=list(years), categories=(category,)))
    return days


HOLIDAYS = indonesian_days_off(2026, 2027)


def local(y, m, d, hh=0, mm=0, tz="Asia/Jakarta"):
    """A local wall-clock moment as the naive UTC the database stores."""
    cal = WorkingCalendar((), tz)
    return cal.to_utc(dt.datetime(y, m, d, hh, mm, tzinfo=cal.tz))


def end_of(y, m, d, tz="Asia/Jakarta"):
    return local(y, m, d, 23, 59, tz) + dt.timedelta(seconds=59, microseconds=999999)


DEADLINES = [
    # (case, start (local), working days, tz, expected due day (local))
    ("plain week", (2026, 11, 23, 9, 0), 3, "Asia/Jakarta", (2026, 11, 26)),
    ("Friday afternoon before the Pancasila Monday", (2026, 5, 29, 15, 30), 3, "Asia/Jakarta", (2026, 6, 4)),
    ("received on a Saturday", (2026, 11, 21, 10, 0), 1, "Asia/Jakarta", (2026, 11, 23)),
    ("across Nyepi and Idul Fitri with cuti bersama", (2026, 3, 17, 10, 0), 3, "Asia/Jakarta", (2026, 3, 27)),
    ("Idul Fitri, five working days", (2026, 3, 16, 8, 0), 5, "Asia/Jakarta", (2026, 3, 30)),
    ("across Christmas and cuti bersama", (2026, 12, 23, 11, 0), 3, "Asia/Jakarta", (2026, 12, 30)),
    ("across the year end and Isra Mi'raj 2027", (2026, 12, 30, 14, 0), 3, "Asia/Jakarta", (2027, 1, 6)),
    ("ten working days to auto-close", (2026, 11, 23, 9, 0), 10, "Asia/Jakarta", (2026, 12, 7)),
    ("sixty working days (inspection)", (2026, 1, 5, 9, 0), 60, "Asia/Jakarta", (2026, 4, 10)),
    ("WITA installation", (2026, 11, 23, 9, 0), 1, "Asia/Makassar", (2026, 11, 24)),
]


@pytest.mark.parametrize("case,start,days,tz,due", DEADLINES, ids=[row[0] for row in DEADLINES])
def test_deadline_table(case, start, days, tz, due):
    cal = WorkingCalendar(HOLIDAYS, tz)
    assert cal.deadline(local(*start, tz=tz), days) == end_of(*due, tz=tz)


def test_same_moment_differs_between_wib_and_wit():
    moment = dt.datetime(2026, 11, 23, 16, 30)  # UTC: Monday 23.30 WIB, Tuesday 01.30 WIT
    wib = WorkingCalendar(HOLIDAYS, "Asia/Jakarta")
    wit = WorkingCalendar(HOLIDAYS, "Asia/Jayapura")
    assert wib.local_date(moment) == dt.date(2026, 11, 23)
    assert wit.local_date(moment) == dt.date(2026, 11, 24)
    assert wib.deadline(moment, 1) == end_of(2026, 11, 24, "Asia/Jakarta") == dt.datetime(2026, 11, 24, 16, 59, 59, 999999)
    assert wit.deadline(moment, 1) == end_of(2026, 11, 25, "Asia/Jayapura") == dt.datetime(2026, 11, 25, 14, 59, 59, 999999)
    assert (wib.abbreviation, wit.abbreviation) == ("WIB", "WIT")


PAUSES = [
    # (case, deadline day, paused from (local), paused until (local), shifted deadline day)
    ("hold over a weekend costs one working day", (2026, 11, 25), (2026, 11, 20, 10, 0), (2026, 11, 23, 10, 0), (2026, 11, 26)),
    ("hold within one day costs nothing", (2026, 11, 25), (2026, 11, 23, 9, 0), (2026, 11, 23, 15, 0), (2026, 11, 25)),
    ("hold Saturday to Sunday costs nothing", (2026, 11, 25), (2026, 11, 21, 9, 0), (2026, 11, 22, 15, 0), (2026, 11, 25)),
    ("three working days on hold", (2026, 11, 25), (2026, 11, 23, 9, 0), (2026, 11, 26, 9, 0), (2026, 11, 30)),
    ("hold across Nyepi and Idul Fitri", (2026, 3, 17), (2026, 3, 16, 9, 0), (2026, 3, 26, 9, 0), (2026, 3, 27)),
]


@pytest.mark.parametrize("case,due,start,end,shifted", PAUSES, ids=[row[0] for row in PAUSES])
def test_hold_pause_shifts_the_deadline(case, due, start, end, shifted):
    cal = WorkingCalendar(HOLIDAYS, "Asia/Jakarta")
    assert cal.shift_for_pause(end_of(*due), local(*start), local(*end)) == end_of(*shifted)


def test_local_holiday_added_by_staff_moves_deadlines(ctx):
    from app.extensions import db
    from app.models import Holiday
    from app.workflow.calendar import current_calendar, invalidate_calendar

    start = local(2026, 11, 23, 9, 0)
    invalidate_calendar()
    assert current_calendar().deadline(start, 3) == end_of(2026, 11, 26)
    db.session.add(Holiday(date=dt.date(2026, 11, 25), name="Hari Jadi Kabupaten", kind="local"))
    db.session.commit()
    try:
        invalidate_calendar()
        assert current_calendar().deadline(start, 3) == end_of(2026, 11, 27)
    finally:
        db.session.query(Holiday).filter_by(name="Hari Jadi Kabupaten").delete()
        db.session.commit()
        invalidate_calendar()


def test_elapsed_working_days_skip_weekends():
    cal = WorkingCalendar(HOLIDAYS, "Asia/Jakarta")
    # Friday 12.00 -> Monday 12.00 local: half of Friday + half of Monday
    assert cal.elapsed_working_days(local(2026, 11, 20, 12), local(2026, 11, 23, 12)) == pytest.approx(1.0)


def test_the_holidays_are_read_once_per_process_and_again_after_any_change(app, ctx):
    """The holiday days are kept per process (a staff page needs them on every view): a change
    through the ORM, a bulk delete, or another process's change (the shared generation moved) is
    seen by the next calendar without anyone invalidating it by hand."""
    from sqlalchemy import delete, event

    from app import permission_cache
    from app.extensions import db
    from app.models import Holiday
    from app.workflow.calendar import current_calendar

    day = dt.date(2026, 11, 25)
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)

    def calendar_of_a_new_request():
        with app.app_context(), app.test_request_context():  # a new ``g``: nothing kept per request
            statements.clear()
            holidays = current_calendar().holidays
            return day in holidays, sum("FROM holiday" in s for s in statements)

    try:
        calendar_of_a_new_request()
        assert calendar_of_a_new_request() == (False, 0)  # kept: no statement
        db.session.add(Holiday(date=day, name="Hari Jadi Kabupaten", kind="local"))
        db.session.commit()
        assert calendar_of_a_new_request() == (True, 1)
        assert calendar_of_a_new_request() == (True, 0)
        db.session.execute(delete(Holiday).where(Holiday.date == day))
        db.session.commit()
        assert calendar_of_a_new_request() == (False, 1)
        # another process changed them (here: a table-level insert the ORM does not watch) and
        # moved the shared generation
        db.session.execute(Holiday.__table__.insert().values(date=day, name="Hari Jadi Kabupaten", kind="local"))
        db.session.commit()
        permission_cache.publish(app)
        assert calendar_of_a_new_request() == (True, 1)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
        db.session.rollback()
        db.session.execute(delete(Holiday).where(Holiday.date == day))
        db.session.commit()
