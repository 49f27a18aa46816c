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
    newer: Optional[str] = None   # cursor for the previous (newer) page, when there is one
    older: Optional[str] = None   # cursor for the next (older) page, when there is one
    extra: dict = field(default_factory=dict)


def seek_page(session, query, time_column, id_column, size, before=None, after=None, until=None):
    """One page of ``query`` newest first.

    ``before``: (time, id) of the last row of the previous page -> the next, older rows.
    ``after``: (time, id) of the first row of the next page -> the previous, newer rows.
    ``until``: a datetime: the newest rows received before it (the jump by date).
    Sends two statements: the page (one row more than shown, to know whether there are more)
    and an EXISTS probe in the other direction.
    """
    # row-value comparisons: one range of the (time, id) index, where an OR would scan and sort
    def older_than(point):
        return tuple_(time_column, id_column) < tuple_(literal(point[0]), literal(point[1]))

    def newer_than(point):
        return tuple_(time_column, id_column) > tuple_(literal(point[0]), literal(point[1]))

    if after is not None:
        rows = session.execute(query.where(newer_than(after))
                               .order_by(time_column.asc(), id_column.asc()).limit(size + 1)).unique().scalars().all()
        more_newer = len(rows) > size
        rows = list(reversed(rows[:size]))
        page = Page(rows)
        if rows:
            page.older = encode_cursor(*_key(rows[-1], time_column, id_column))
            if more_newer:
                page.newer = encode_cursor(*_key(rows[0], time_column, id_column))
        return page
    narrowed = query
    if before is not None:
        narrowed = query.where(older_than(before))
    elif until is not None:
        narrowed = query.where(time_column < until)
    rows = session.execute(narrowed.order_by(time_column.desc(), id_column.desc()).limit(size + 1)).unique().scalars().all()
    more_older = len(rows) > size
    rows = rows[:size]
    page = Page(rows)
    if rows:
        first = _key(rows[0], time_column, id_column)
        if more_older:
            page.older = encode_cursor(*_key(rows[-1], time_column, id_column))
        if before is not None or until is not None:
            probe = query.with_only_columns(id_column).where(newer_than(first)) \
                .order_by(time_column.asc(), id_column.asc()).limit(1)
            if session.execute(probe).first() is not None:
                page.newer = encode_cursor(*first)
    return page


def _key(row, time_column, id_column):
    return getattr(row, time_column.key), getattr(row, id_column.key)
