"""Locale-aware formats (app/formats.py): the times of list rows, case pages and timelines are written
without Babel's pattern machinery (a list formats several times per row), and must read exactly as Babel's."""
import datetime as dt

import pytest
from flask_babel import force_locale, format_datetime, refresh

from app.formats import lapor_datetime, lapor_datetime_short, lapor_day_short

# UTC instants around local midnight, month and year ends, a leap day, single-digit days and hours
MOMENTS = [dt.datetime(2026, 11, 23, 7, 5), dt.datetime(2026, 12, 31, 16, 59), dt.datetime(2026, 12, 31, 17, 0),
           dt.datetime(2028, 2, 28, 17, 30), dt.datetime(2027, 5, 31, 23, 59, 59), dt.datetime(2027, 1, 1, 0, 0)]
MOMENTS += [dt.datetime(2026, month, 1, 2, 3) + dt.timedelta(hours=7 * month) for month in range(1, 13)]


def babel_short(moment):
    nbsp = "\u00a0"
    day = format_datetime(moment, "d MMM yyyy").replace(" ", nbsp)
    return f"{day} {format_datetime(moment, 'HH.mm')}"


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_list_time_reads_as_babel_writes_it(ctx, language):
    with ctx.test_request_context(), force_locale(language):
        for moment in MOMENTS + [moment + dt.timedelta(days=day) for day in range(7) for moment in MOMENTS[:1]]:
            assert lapor_day_short(moment) == format_datetime(moment, "d MMM yyyy")
            assert lapor_datetime(moment) == format_datetime(moment, "EEEE, d MMMM yyyy HH.mm") + " WIB"
            assert lapor_datetime_short(moment) == babel_short(moment) + "\u00a0WIB"
        aware = dt.datetime(2026, 11, 23, 7, 5, tzinfo=dt.timezone.utc)
        assert lapor_datetime_short(aware) == lapor_datetime_short(dt.datetime(2026, 11, 23, 7, 5))


def test_a_list_time_is_in_the_installations_zone(ctx, monkeypatch):
    moment = dt.datetime(2026, 12, 31, 16, 30)  # 23.30 WIB, 00.30 WITA, 01.30 WIT the next day
    for zone, label, expected in (("Asia/Jakarta", "WIB", "31 Des 2026 23.30"),
                                  ("Asia/Makassar", "WITA", "1 Jan 2027 00.30"),
                                  ("Asia/Jayapura", "WIT", "1 Jan 2027 01.30")):
        monkeypatch.setitem(ctx.config, "TIMEZONE", zone)
        monkeypatch.setattr(ctx.extensions["babel"], "default_timezone", zone)
        with ctx.test_request_context(), force_locale("id"):
            refresh()  # the zone of this test's context, not the one Flask-Babel kept from before
            assert lapor_datetime_short(moment) == babel_short(moment) + "\u00a0" + label
            assert lapor_datetime_short(moment).replace("\u00a0", " ") == f"{expected} {label}"
            assert lapor_day_short(moment) == expected.rsplit(" ", 1)[0]
            assert lapor_datetime(moment) == format_datetime(moment, "EEEE, d MMMM yyyy HH.mm") + " " + label


def test_a_day_without_a_time_is_left_to_babel(ctx):
    with ctx.test_request_context(), force_locale("id"):
        assert lapor_datetime(dt.datetime(2026, 11, 23, 7, 5)) == "Senin, 23 November 2026 14.05 WIB"
        assert lapor_datetime(None) == "-"
        assert lapor_day_short(dt.date(2026, 11, 3)) == "3 Nov 2026"
        assert lapor_datetime_short(None) == "-"
