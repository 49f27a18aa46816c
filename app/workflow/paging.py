"""Lists that never count or walk the whole table: keyset ("seek") pages and capped counts.

A page of a list sorted by time is found from the last row seen (its time and id), through an
index on ``(time, id)``, never by ``OFFSET``: page 20,000 costs what page 1 costs. Counts are
exact only below :data:`COUNT_CAP`; above it a list says "more than 10,000".
"""
import datetime
from dataclasses import dataclass, field
from typing import Optional

from sqlalchemy import func, literal, select, tuple_

COUNT_CAP = 10_000
_FORMAT = "%Y%m%d%H%M%S%f"


def encode_cursor(moment, row_id):
    return f"{moment.strftime(_FORMAT)}.{int(row_id)}"


def decode_cursor(text):
    """'20260115103000123456.42' -> (datetime, 42), or None when malformed."""
    if not text or len(text) > 40 or "." not in text:
        return None
    stamp, _sep, ident = text.partition(".")
    try:
        moment = datetime.datetime.strptime(stamp, _FORMAT)
        row_id = int(ident)
    except ValueError:
        return None
    if not 0 < row_id < 2**31:
        return None
    return moment, row_id


def capped_count(query, id_column, time_column=None, cap=COUNT_CAP):
    """A statement counting the rows of ``query`` up to ``cap + 1`` (more means "more than cap").

    Ordered by the list's own (time, id) order, so the rows counted are read from the same
    index range the page comes from, never by scanning the table.
    """
    inner = query.with_only_columns(id_column).order_by(None)
    if time_column is not None:
        inner = inner.order_by(time_column.desc(), id_column.desc())
    return select(func.count()).select_from(inner.limit(cap + 1).subquery())


@dataclass
class Page:
    rows: list
    newer: Optional[str] = None   # cursor of the newer neighbour page (``after=``), when there is one
    older: Optional[str] = None   # cursor of the older neighbour page (``before=``), when there is one
    extra: dict = field(default_factory=dict)


def jump_date(text, calendar, newest_first=True):
    """The jump by date of a list sorted by time: '2026-01-15' -> (the day as text, the bound).

    Newest first, the list shows what was received on or before that local day (``until``, the
    end of the day); oldest first, what was received on or after it (``since``, its start).
    Returns None for anything that is not a plausible date.
    """
    try:
        day = datetime.date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None
    if not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 1, 1):
        return None
    if newest_first:
        return day.isoformat(), calendar.end_of_local_day(day)
    return day.isoformat(), calendar.start_of_local_day(day)


def seek_page(session, query, time_column, id_column, size, before=None, after=None, until=None, since=None,
              newest_first=True):
    """One page of ``query`` ordered by (time, id), newest first unless ``newest_first`` is False.

    ``before``: (time, id) of a row -> the rows just older than it (the next page of a newest-first
    list, the previous page of an oldest-first one).
    ``after``: (time, id) of a row -> the rows just newer than it.
    ``until``: a datetime: the newest rows received before it (the jump by date, newest first).
    ``since``: a datetime: the oldest rows received at or after it (the jump by date, oldest first).
    Without any of these: the first page in the list's order.
    The page's rows are in the list's order; ``page.older`` / ``page.newer`` are the cursors of
    its neighbours (as ``before=`` / ``after=``), set only when such rows exist. Reads one index
    range of ``size + 1`` rows, plus an EXISTS probe in the other direction when the page does
    not start at an end of the list.
    """
    # row-value comparisons: one range of the (time, id) index, where an OR would scan and sort
    def older_than(point):
        return tuple_(time_column, id_column) < tuple_(literal(point[0]), literal(point[1]))

    def newer_than(point):
        return tuple_(time_column, id_column) > tuple_(literal(point[0]), literal(point[1]))

    bounded = True
    if before is not None:
        narrowed, descending = query.where(older_than(before)), True
    elif after is not None:
        narrowed, descending = query.where(newer_than(after)), False
    elif until is not None:
        narrowed, descending = query.where(time_column < until), True
    elif since is not None:
        narrowed, descending = query.where(time_column >= since), False
    else:
        narrowed, descending, bounded = query, newest_first, False
    order = (time_column.desc(), id_column.desc()) if descending else (time_column.asc(), id_column.asc())
    rows = session.execute(narrowed.order_by(*order).limit(size + 1)).unique().scalars().all()
    more_ahead = len(rows) > size
    rows = rows[:size]  # nearest the starting point first
    page = Page(list(rows) if descending == newest_first else list(reversed(rows)))
    if not rows:
        return page
    nearest, farthest = _key(rows[0], time_column, id_column), _key(rows[-1], time_column, id_column)
    if more_ahead:  # further in the direction read
        if descending:
            page.older = encode_cursor(*farthest)
        else:
            page.newer = encode_cursor(*farthest)
    if bounded:  # anything on the other side of the starting point?
        behind = newer_than(nearest) if descending else older_than(nearest)
        back = (time_column.asc(), id_column.asc()) if descending else (time_column.desc(), id_column.desc())
        probe = query.with_only_columns(id_column).where(behind).order_by(*back).limit(1)
        if session.execute(probe).first() is not None:
            if descending:
                page.newer = encode_cursor(*nearest)
            else:
                page.older = encode_cursor(*nearest)
    return page


def _key(row, time_column, id_column):
    return getattr(row, time_column.key), getattr(row, id_column.key)
