"""Reporting periods: ONE home for parsing, bounds and labels.

A period is written as a month ``YYYY-MM``, a quarter ``YYYY-Qn`` or a year ``YYYY``.
Its bounds are [first local midnight, first local midnight after it) in the
installation's time zone, as naive UTC (how instants are stored). Used by the
monthly reports, the public list's month filters and the transparency page.
"""
import datetime
import re
from dataclasses import dataclass

from flask_babel import format_date, gettext as _, lazy_gettext as _l

from app.clock import utcnow
from app.workflow.calendar import current_calendar
from app.workflow.errors import ValidationFailed

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
YEAR_RE = re.compile(r"^(\d{4})$")
# the month filters of the public list also take "2026-1" and a full date "2026-01-15"
LOOSE_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$")
# years a period may name (a government's records; keeps every bound a valid datetime)
MIN_YEAR, MAX_YEAR = 1900, 9998


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "quarter" or "year"
    year: int
    first_month: int
    months: int

    @property
    def value(self):
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{(self.first_month + 2) // 3}"
        return f"{self.year:04d}-{self.first_month:02d}"

    def bounds(self, calendar=None):
        """[start, end) as naive UTC instants, in the installation's time zone."""
        return (calendar or current_calendar()).month_range(self.year, self.first_month, self.months)

    @property
    def first_day(self):
        return datetime.date(self.year, self.first_month, 1)

    def label(self):
        """How a person reads it, in the current locale: "November 2026", "Kuartal 4 2026", "Tahun 2026"."""
        if self.kind == "quarter":
            return _("Quarter %(quarter)d %(year)d", quarter=(self.first_month + 2) // 3, year=self.year)
        if self.kind == "year":
            return _("Year %(year)s", year=self.value)
        return format_date(self.first_day, "MMMM yyyy")

    def month_periods(self):
        """The months the period covers, in order."""
        return [month(*_shift(self.year, self.first_month, i)) for i in range(self.months)]

    def trend_months(self, at_least=6):
        """The months of a trend chart: those of a quarter or year; for a single month,
        the ``at_least`` months ending with it."""
        if self.months > 1:
            return self.month_periods()
        shifted = (_shift(self.year, self.first_month, i - at_least + 1) for i in range(at_least))
        return [month(y, m) for y, m in shifted if y >= MIN_YEAR]  # none before the first year a period may name


def _shift(year, first_month, offset):
    index = year * 12 + (first_month - 1) + offset
    return index // 12, index % 12 + 1


def _check_year(year):
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(year)
    return year


def month(year, number):
    return Period("month", _check_year(year), number, 1)


def quarter(year, number):
    return Period("quarter", _check_year(year), 3 * number - 2, 3)


def year(number):
    return Period("year", _check_year(number), 1, 12)


def parse(text):
    """``"2026-11"``, ``"2026-Q4"`` or ``"2026"`` -> :class:`Period`; None when it is none of them."""
    text = (text or "").strip()
    try:
        found = MONTH_RE.match(text)
        if found:
            return month(int(found.group(1)), int(found.group(2)))
        found = QUARTER_RE.match(text)
        if found:
            return quarter(int(found.group(1)), int(found.group(2)))
        found = YEAR_RE.match(text)
        if found:
            return year(int(found.group(1)))
    except ValueError:
        return None
    return None


def label_of(text):
    """A stored period ("2026-10", "2026-Q4", "2026") as a person reads it ("Oktober 2026"); the
    text itself when it is none of them."""
    period = parse(text)
    return period.label() if period is not None else text


def parse_month(text):
    """A month ``YYYY-MM`` (reports); raises :class:`ValidationFailed` with a clear message."""
    period = parse(text)
    if period is None or period.kind != "month":
        raise ValidationFailed(_l("Choose a month (YYYY-MM)."))
    return period


def parse_loose_month(text):
    """A month from a filter form (``2026-01``, ``2026-1``, ``2026-01-15``); None when invalid."""
    found = LOOSE_MONTH_RE.match((text or "").strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        return None
    try:
        return month(int(found.group(1)), int(found.group(2)))
    except ValueError:
        return None


def current_month(now=None):
    local = current_calendar().to_local(now or utcnow())
    return month(local.year, local.month)


def previous_month(now=None):
    this = current_month(now)
    return month(*_shift(this.year, this.first_month, -1))


def is_future(period, now=None):
    """True when the period starts after today (local)."""
    return period.first_day > current_calendar().local_date(now or utcnow())


def recent_choices(now=None):
    """The periods offered by the transparency page: the last 12 months, then the quarters
    and year of this year and last year (newest first), as (value, label)."""
    this = current_month(now)
    options = [(p.value, p.label()) for p in (month(*_shift(this.year, this.first_month, -i)) for i in range(12))]
    for y in (this.year, this.year - 1):
        for q in (4, 3, 2, 1):
            if y < this.year or 3 * q - 2 <= this.first_month:
                options.append((quarter(y, q).value, quarter(y, q).label()))
        options.append((year(y).value, year(y).label()))
    return options
