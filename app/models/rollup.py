"""Rollups of the published figures (transparency, home page, dashboards, ranking, monthly report).

``CaseRollup`` holds one row per local day x agency x category x kind x channel x district with
counts and sums (grain "A"), plus the same measures projected on one dimension at a time (grains
"g" day x agency, "c" day x category, "k" day x kind, "h" day x channel, "d" day x district), so a
page reads a few thousand small rows for a year instead of the detailed ones; each measure is attributed to the day it belongs to (receipt day for the
cohort measures, completion day for finished steps, deadline day for steps still running),
so a period's figure is a SUM over the period's days. ``ResponseHistogram`` counts response
times per receipt day in tenths of a day, so medians are exact at that resolution.
Maintained by ``app.workflow.rollups`` in the transaction of each lifecycle event; rebuilt by
``flask lapor rebuild-rollups``. "None" dimensions are stored as 0 / "" (primary key).
"""
import datetime

from flask_appbuilder import Model
from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

# the measures of a CaseRollup row (all additive integers)
ROLLUP_MEASURES = (
    "received", "confidential",
    "st_received", "st_on_hold", "st_archived", "st_forwarded",
    "st_dispatched", "st_in_progress", "st_resolved", "st_closed",
    # cases with a first response: count, calendar seconds, working-day seconds (receipt -> first response)
    "resp_n", "resp_seconds", "resp_work_seconds",
    # cases still waiting for a first response: count and the sum of their receipt instants (epoch seconds)
    "waiting", "waiting_since",
    "rating_n", "rating_sum",
    # the three clocks: steps done (on the day done), of which on time; steps not done (on their deadline day)
    "ver_done", "ver_on_time", "ver_pending",
    "fr_done", "fr_on_time", "fr_pending",
    "res_done", "res_on_time", "res_pending",
    # the running clock of an open case (as in the overdue queue), on its deadline day
    "running_due",
)
BIG = {"resp_seconds", "resp_work_seconds", "waiting_since"}
ROLLUP_DIMENSIONS = ("grain", "day", "agency_id", "category_id", "kind", "channel_id", "district")
# grain -> the dimensions kept (the others hold 0 / "")
GRAINS = {
    "A": ("agency_id", "category_id", "kind", "channel_id", "district"),
    "g": ("agency_id",),
    "c": ("category_id",),
    "k": ("kind",),
    "h": ("channel_id",),
    "d": ("district",),
}


class CaseRollup(Model):
    __tablename__ = "case_rollup"
    __table_args__ = (Index("ix_case_rollup_grain_agency_day", "grain", "agency_id", "day"),)

    grain: Mapped[str] = mapped_column(String(1), primary_key=True)
    day: Mapped[datetime.date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(100), primary_key=True)

    for _name in ROLLUP_MEASURES:
        locals()[_name] = mapped_column(BigInteger if _name in BIG else Integer, nullable=False, default=0,
                                        server_default="0")
    del _name


class ResponseHistogram(Model):
    """Cases received on ``day`` whose first response took ``tenths`` tenths of a (calendar "c" or
    working "w") day: the median of a period is read from the summed counts."""

    __tablename__ = "response_histogram"

    day: Mapped[datetime.date] = mapped_column(Date, primary_key=True)
    measure: Mapped[str] = mapped_column(String(1), primary_key=True)
    tenths: Mapped[int] = mapped_column(Integer, primary_key=True)
    cases: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
