"""Staff case exports: XLSX and CSV files of a case list, as the user sees it.

One home for what an export contains and how it is written, used by the web request
(small lists) and by the background job (big ones):

* :func:`list_query` - the cases of a list screen with the filters and order of its URL,
  through the screen's own base filters (the access rule and the queue's clause) for the
  user who asked, so an export never holds a case the user could not open;
* :func:`row_values` - one case as cells: Indonesian labels, local times (the header names
  the zone), numbers as numbers, the reporter's identity only where the screens show it
  (contact data masked, or - in an export *with full contact data*, given a reason - in full
  for the cases :func:`app.workflow.privacy.export_contact` allows, each of them recorded
  through :func:`app.workflow.privacy.record_export` in the transaction that delivers the file);
* :func:`write` - the whole file (XLSX through openpyxl's write-only mode, or CSV in UTF-8
  with BOM and ``;`` separators, Indonesian decimal commas) over a server-side cursor
  (``yield_per``), every text cell through :func:`app.spreadsheets.safe_row`;
* :func:`start_job` / :func:`run_job` - the background export: a ``CaseExport`` row, a job
  on the same queue as the reports, progress for the progress bar, the finished file kept
  until it expires; on any failure the row says *failed* and holds no file.

This module reads the registered list screen from ``appbuilder`` at run time to reuse its
filters; it imports no view module.
"""
import csv
import datetime
import io
import json
import logging
import secrets
import tempfile
import time

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.extensions import db
from app.labels import KIND_LABELS, SLA_STATE_LABELS, STATUS_LABELS, label
from app.models import CaseExport, Complaint
from app.spreadsheets import safe_row
from app.workflow import privacy, sla
from app.workflow.calendar import current_calendar
from app.workflow.reporters import reporter_display

log = logging.getLogger(__name__)

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DATETIME_FORMAT_XLSX = "dd/mm/yyyy hh:mm"
DATETIME_FORMAT_CSV = "%d/%m/%Y %H:%M"
CHUNK_ROWS = 500


class TooSlow(Exception):
    """Building the file in the request would pass ``EXPORT_SYNC_SECONDS``."""


# --- what a row holds -----------------------------------------------------------------


def header():
    zone = current_calendar().abbreviation
    return [
        _("Tracking number"), _("Title"), _("Type"), _("Status"), _("Category"), _("Channel"),
        _("Responsible agency"), _("District"), _("Village"),
        _("Received at (%(zone)s)", zone=zone), _("Current deadline (%(zone)s)", zone=zone), _("Deadline status"),
        _("Resolved at (%(zone)s)", zone=zone), _("Rating (1-5)"), _("Latitude"), _("Longitude"),
        _("Anonymous"), _("Confidential"), _("Reporter"), _("Reporter phone"), _("Reporter email"),
    ]


def _local(value, cal):
    """Naive UTC -> naive local time of the installation (the header names the zone)."""
    if value is None:
        return None
    return cal.to_local(value).replace(tzinfo=None)


def _yes_no(value):
    return _("Yes") if value else _("No")


def row_values(complaint, user, cal, contact=None):
    """``contact``: the full phone/e-mail to write instead of the masked ones (see :func:`write`)."""
    identity = reporter_display(user, complaint)
    if contact:
        identity = dict(identity, phone=contact["phone"], email=contact["email"])
    return [
        complaint.tracking_number, complaint.title, label(KIND_LABELS, complaint.kind),
        label(STATUS_LABELS, complaint.status),
        complaint.category.name if complaint.category else None,
        complaint.channel.name if complaint.channel else None,
        complaint.agency.name if complaint.agency else None,
        complaint.district, complaint.village,
        _local(complaint.received_at, cal), _local(sla.current_deadline(complaint), cal),
        str(label(SLA_STATE_LABELS, sla.sla_state(complaint))) if sla.current_deadline(complaint) else None,
        _local(complaint.resolved_at, cal), complaint.rating, complaint.latitude, complaint.longitude,
        _yes_no(complaint.is_anonymous), _yes_no(complaint.is_confidential),
        identity["name"], identity["phone"] or None, identity["email"] or None,
    ]


# --- the cases of a list screen ---------------------------------------------------------


def find_view(view_name):
    for view in current_app.appbuilder.baseviews:
        if type(view).__name__ == view_name and hasattr(view, "export_filters"):
            return view
    return None


def list_query(view_name, arguments, user):
    """The ORM query of screen ``view_name`` for ``user`` with its URL ``arguments``
    (filters ``_flt_*``, order ``_oc_*``/``_od_*``), unpaginated, in a stable order."""
    from flask_appbuilder.urltools import get_filter_args, get_order_args
    from urllib.parse import urlencode

    view = find_view(view_name)
    if view is None:
        raise LookupError(view_name)
    with current_app.test_request_context("/?" + urlencode(arguments)):
        # the screen's base filters apply the access rule to the current user: that is
        # the user who asked, whether we run in their request or in a job
        g._login_user = user
        filters = view.export_filters()
        get_filter_args(filters)
        order_column, order_direction = get_order_args().get(view.__class__.__name__, ("", ""))
        if order_column not in (view.order_columns or []):
            order_column, order_direction = view.base_order or ("received_at", "desc")
        joined = view._base_filters.get_joined_filters(filters)
        query = view.datamodel.apply_all(db.session.query(Complaint), joined, order_column, order_direction)
    return query.order_by(Complaint.id.desc() if order_direction == "desc" else Complaint.id)


def count_capped(query, cap):
    """How many rows ``query`` has, counting no further than ``cap + 1``."""
    inner = query.order_by(None).with_entities(Complaint.id).limit(cap + 1).subquery()
    return db.session.execute(select(db.func.count()).select_from(inner)).scalar_one()


# --- writing --------------------------------------------------------------------------------


class _CsvOut:
    def __init__(self, fileobj):
        self.text = io.TextIOWrapper(fileobj, encoding="utf-8-sig", newline="", write_through=False)
        self.writer = csv.writer(self.text, delimiter=";", quoting=csv.QUOTE_MINIMAL)

    @staticmethod
    def _cell(value):
        if isinstance(value, datetime.datetime):
            return value.strftime(DATETIME_FORMAT_CSV)
        if isinstance(value, float):
            return repr(value).replace(".", ",")  # Indonesian decimal comma
        return value

    def row(self, values):
        self.writer.writerow([self._cell(v) for v in safe_row(values)])

    def close(self):
        self.text.flush()
        self.text.detach()

    def abort(self):
        self.text.detach()


class _XlsxOut:
    def __init__(self, fileobj, title):
        from openpyxl import Workbook

        self.fileobj = fileobj
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title=title[:31])

    def row(self, values):
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for value in safe_row(values):
            if isinstance(value, datetime.datetime):
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.number_format = DATETIME_FORMAT_XLSX
                cells.append(cell)
            else:
                cells.append(value if value != "" else None)
        self.sheet.append(cells)

    def header(self, values):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        cells = []
        for value in safe_row(values):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.font = Font(bold=True)
            cells.append(cell)
        self.sheet.append(cells)

    def close(self):
        self.book.save(self.fileobj)

    def abort(self):
        """Stop writing: finish the sheet's temporary file and remove it."""
        import os

        try:
            self.sheet.close()
            os.remove(self.sheet._writer.out)
        except Exception:  # best effort: nothing of it is sent anywhere
            pass


def write(fmt, query, user, fileobj, progress=None, total=None, deadline=None, unmasked=None):
    """Write the whole export of ``query`` to ``fileobj``; returns the number of case rows.

    ``deadline`` (a ``time.monotonic()`` value): raise :class:`TooSlow` once passed.
    ``progress(percent)`` is called every few hundred rows when ``total`` is known.
    ``unmasked``: None for the usual (masked) export; a list for an export with full contact
    data, which receives the id of every case written with its reporter's full contact data
    (the caller records them with :func:`app.workflow.privacy.record_export`).
    """
    cal = current_calendar()
    out = _CsvOut(fileobj) if fmt == "csv" else _XlsxOut(fileobj, _("Cases"))
    (out.header if fmt == "xlsx" else out.row)(header())
    statement = query.statement.options(
        joinedload(Complaint.agency), joinedload(Complaint.channel), joinedload(Complaint.category),
        joinedload(Complaint.reporter),
    )
    count = 0
    try:
        count = _write_rows(out, statement, user, cal, progress, total, deadline, unmasked)
    except BaseException:
        out.abort()
        raise
    out.close()
    return count


def _write_rows(out, statement, user, cal, progress, total, deadline, unmasked):
    count = 0
    # a server-side cursor on PostgreSQL (stream_results), fetched CHUNK_ROWS at a time
    for complaint in db.session.execute(statement, execution_options={"yield_per": CHUNK_ROWS}).scalars():
        contact = privacy.export_contact(user, complaint) if unmasked is not None else None
        out.row(row_values(complaint, user, cal, contact))
        if contact:
            unmasked.append(complaint.id)
        count += 1
        if deadline is not None and time.monotonic() >= deadline:
            raise TooSlow()
        # keep the session's memory flat over a million rows
        db.session.expunge(complaint)
        if complaint.reporter is not None:
            db.session.expunge(complaint.reporter)
        if count % CHUNK_ROWS == 0:
            if progress and total:
                progress(min(99, int(count * 100 / total)))
    return count


def filename(fmt, now=None):
    local = _local(now or utcnow(), current_calendar())
    return f"kasus-{local:%Y%m%d-%H%M}.{fmt}"


def build_in_request(fmt, query, user, seconds, contact_reason=None, address=None):
    """The file as bytes, or :class:`TooSlow` when it takes longer than ``seconds``.

    ``contact_reason`` (already checked with :func:`app.workflow.privacy.export_reason`): an
    export with full contact data; its access rows are added to the session (the caller
    commits them before sending the file)."""
    unmasked = [] if contact_reason is not None else None
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as buffer:
        write(fmt, query, user, buffer, deadline=time.monotonic() + seconds, unmasked=unmasked)
        buffer.seek(0)
        content = buffer.read()
    if unmasked:
        privacy.record_export(user, unmasked, contact_reason, address=address)
    return content


# --- the background job ----------------------------------------------------------------------


def start_job(fmt, view_name, arguments, user, contact_reason=None, address=None):
    """Record the export and queue its job; returns the ``CaseExport`` (``job_id`` None when
    the queue is unavailable: the row is then marked failed). ``contact_reason``: an export
    with full contact data (see :func:`build_in_request`), recorded when the file is made."""
    from app.jobs import queue

    export = CaseExport(user_id=user.id, fmt=fmt, view_name=view_name, arguments=json.dumps(arguments),
                        status="queued", token=secrets.token_urlsafe(32), created_at=utcnow(),
                        contact_reason=contact_reason, contact_address=address)
    db.session.add(export)
    db.session.commit()
    job_id = queue.enqueue("app.jobs.tasks.build_export", export.id, retry=None,
                           timeout=current_app.config["EXPORT_JOB_TIMEOUT"], from_request=True)
    if job_id is None:
        export.status = "failed"
        export.error = "queue unavailable"
    else:
        export.job_id = job_id
    db.session.commit()
    return export


def run_job(export_id, progress=None):
    """Build export ``export_id`` (inside a job); complete and *ready*, or *failed* with no file."""
    export = db.session.get(CaseExport, export_id)
    if export is None or export.status not in ("queued", "running"):
        return None
    export.status = "running"
    db.session.commit()
    user = export.user
    try:
        query = list_query(export.view_name, [tuple(pair) for pair in json.loads(export.arguments)], user)
        total = query.order_by(None).count()
        reason, address = export.contact_reason, export.contact_address
        unmasked = [] if reason is not None else None
        with tempfile.TemporaryFile() as buffer:
            count = write(export.fmt, query, user, buffer, progress=progress, total=total, unmasked=unmasked)
            buffer.seek(0)
            content = buffer.read()
    except Exception as exc:
        db.session.rollback()
        export = db.session.get(CaseExport, export_id)
        export.status = "failed"
        export.error = f"{exc.__class__.__name__}: {exc}"[:2000]
        export.finished_at = utcnow()
        db.session.commit()
        log.exception("export %s failed", export_id)
        raise
    export = db.session.get(CaseExport, export_id)
    now = utcnow()
    if unmasked:
        # the access rows and the finished file: one transaction
        privacy.record_export(user, unmasked, reason, address=address, now=now)
    export.content = content
    export.row_count = count
    export.filename = filename(export.fmt, now)
    export.finished_at = now
    export.expires_at = now + datetime.timedelta(hours=current_app.config["EXPORT_TTL_HOURS"])
    export.status = "ready"
    db.session.commit()
    return count


def mark_failed_if_lost(export, job_status):
    """The queue says the job failed (killed, timed out) while the row still says running."""
    if export.status in ("queued", "running") and job_status in ("failed", "unknown"):
        export.status = "failed"
        export.error = export.error or f"job {job_status}"
        export.finished_at = utcnow()
        db.session.commit()


def purge_expired(now=None):
    """Forget finished exports past their expiry (their files are large)."""
    now = now or utcnow()
    result = db.session.execute(db.delete(CaseExport).where(CaseExport.expires_at < now))
    stale = db.session.execute(db.delete(CaseExport).where(
        CaseExport.status == "failed", CaseExport.created_at < now - datetime.timedelta(days=7)))
    db.session.commit()
    return result.rowcount + stale.rowcount
