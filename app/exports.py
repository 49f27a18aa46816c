"""Staff case exports: XLSX and CSV files of a case list, as the user sees it.

One home for what an export contains and how it is written, used by the web request
(small lists) and by the background job (big ones):

* :func:`list_query` - the cases of a list screen with the filters and order of its URL,
  through the screen's own base filters (the access rule and the queue's clause) for the
  user who asked, so an export never holds a case the user could not open;
* :func:`row_values` - one case as cells: Indonesian labels, local times (the header names
  the zone), numbers as numbers, the reporter's name only where the screens show it and no
  contact data - except in an export *with full contact data*, given a reason: the full phone and
  e-mail for the cases :func:`app.workflow.privacy.export_contact` allows (masked for the others),
  each of them recorded through :func:`app.workflow.privacy.record_export` in the transaction that
  delivers the file. Rows are plain selected columns, not ORM objects: a million rows in seconds;
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
from sqlalchemy import and_, or_, select

from app.clock import utcnow
from app.extensions import db
from app.labels import KIND_LABELS, SLA_STATE_LABELS, STATUS_LABELS
from app.models import CaseExport, CaseExportChunk, Complaint
from app.models.export import CHUNK_BYTES
from app.spreadsheets import safe_cell, safe_row
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


def header(contact=False):
    """The column titles; the contact columns only in an export with full contact data."""
    zone = current_calendar().abbreviation
    return [
        _("Tracking number"), _("Title"), _("Type"), _("Status"), _("Category"), _("Channel"),
        _("Responsible agency"), _("District"), _("Village"),
        _("Received at (%(zone)s)", zone=zone), _("Current deadline (%(zone)s)", zone=zone), _("Deadline status"),
        _("Resolved at (%(zone)s)", zone=zone), _("Rating (1-5)"), _("Latitude"), _("Longitude"),
        _("Anonymous"), _("Confidential"), _("Reporter"),
    ] + ([_("Reporter phone"), _("Reporter email")] if contact else [])


def _local(value, cal):
    """Naive UTC -> naive local time of the installation (the header names the zone)."""
    if value is None:
        return None
    return cal.to_local(value).replace(tzinfo=None)


class _Labels:
    """The words of one export, looked up once per file (not once per cell)."""

    def __init__(self, now=None):
        self.status = {k: str(v) for k, v in STATUS_LABELS.items()}
        self.kind = {k: str(v) for k, v in KIND_LABELS.items()}
        self.sla = {k: str(v) for k, v in SLA_STATE_LABELS.items()}
        self.yes, self.no = _("Yes"), _("No")
        self.now = now or utcnow()
        self.calendar = current_calendar()
        self.horizon = sla.due_soon_horizon(self.now, self.calendar)


class _Reporter:
    __slots__ = ("name", "phone", "email", "nik", "erased_at")

    def __init__(self, name, phone, email, erased_at):
        self.name, self.phone, self.email, self.nik, self.erased_at = name, phone, email, None, erased_at


_CLOCK_COLUMNS = tuple(sorted(set(sla.CLOCK_BY_STATUS.values())))


class _Case:
    """What the rules (:mod:`app.workflow.sla`, the reporter display) read of a selected row."""
    __slots__ = ("status", "is_anonymous", "is_confidential", "reporter") + _CLOCK_COLUMNS

    def __init__(self, status, is_anonymous, is_confidential, dues, reporter):
        self.status, self.is_anonymous, self.is_confidential, self.reporter = \
            status, is_anonymous, is_confidential, reporter
        for column, value in zip(_CLOCK_COLUMNS, dues):
            setattr(self, column, value)


def _columns(contact=False):
    """What a row needs, as plain columns: no ORM objects for a million rows. Contact data (a
    decryption per value) only for an export with full contact data."""
    from sqlalchemy.orm import aliased

    from app.models import Agency, Category, Channel, Reporter

    agency, channel, category, reporter = aliased(Agency), aliased(Channel), aliased(Category), aliased(Reporter)
    columns = [Complaint.id, Complaint.tracking_number, Complaint.title, Complaint.kind, Complaint.status,
               Complaint.district, Complaint.village, Complaint.received_at, Complaint.resolved_at,
               Complaint.rating, Complaint.latitude, Complaint.longitude, Complaint.is_anonymous,
               Complaint.is_confidential, Complaint.reporter_id,
               *[getattr(Complaint, column) for column in _CLOCK_COLUMNS],
               agency.name.label("agency_name"), channel.name.label("channel_name"),
               category.name.label("category_name"), reporter.name.label("reporter_name"),
               reporter.erased_at.label("reporter_erased_at")]
    if contact:
        columns += [reporter.phone.label("reporter_phone"), reporter.email.label("reporter_email")]
    joins = [(agency, agency.id == Complaint.agency_id), (channel, channel.id == Complaint.channel_id),
             (category, category.id == Complaint.category_id), (reporter, reporter.id == Complaint.reporter_id)]
    return columns, joins


def row_values(row, user, words, unmasked=None):
    """One case (a row of :func:`_columns`, unpacked by position: a million rows) as the cells of the file.

    ``unmasked``: None for an ordinary export (the reporter's name as the screen shows it, no contact
    data: masked digits are useless in a spreadsheet, and each one costs a decryption); a list for an
    export with full contact data, which receives the id of every case written unmasked."""
    contact = unmasked is not None
    if contact:
        *row, phone, email = row
    else:
        phone = email = None
    (case_id, number, title, kind, status, district, village, received_at, resolved_at, rating, latitude,
     longitude, anonymous, confidential, reporter_id, *dues, agency_name, channel_name, category_name,
     reporter_name, reporter_erased_at) = row
    case = _Case(status, anonymous, confidential, dues,
                 _Reporter(reporter_name, phone, email, reporter_erased_at) if reporter_id is not None else None)
    identity = reporter_display(user, case)
    if contact:
        full = privacy.export_contact(user, case)
        if full:
            identity = dict(identity, phone=full["phone"], email=full["email"])
            unmasked.append(case_id)
    cal = words.calendar
    deadline = sla.current_deadline(case)
    return [
        number, title, words.kind.get(kind, kind), words.status.get(status, status),
        category_name, channel_name, agency_name, district, village,
        _local(received_at, cal), _local(deadline, cal),
        words.sla[sla.sla_state(case, words.now, cal, horizon=words.horizon)] if deadline else None,
        _local(resolved_at, cal), rating, latitude, longitude,
        words.yes if anonymous else words.no, words.yes if confidential else words.no,
        identity["name"],
    ] + ([identity["phone"] or None, identity["email"] or None] if contact else [])


# --- the cases of a list screen ---------------------------------------------------------


def find_view(view_name):
    """The case list screen named ``view_name`` (only lists of cases are exported)."""
    for view in current_app.appbuilder.baseviews:
        if (type(view).__name__ == view_name and hasattr(view, "export_filters")
                and getattr(getattr(view, "datamodel", None), "obj", None) is Complaint):
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
        value = safe_cell(value)
        kind = type(value)
        if kind is datetime.datetime:  # DATETIME_FORMAT_CSV, without strftime's cost per cell
            return f"{value.day:02d}/{value.month:02d}/{value.year:04d} {value.hour:02d}:{value.minute:02d}"
        if kind is float:
            return repr(value).replace(".", ",")  # Indonesian decimal comma
        return value

    def row(self, values):
        cell = self._cell
        self.writer.writerow([cell(v) for v in values])

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
    ``unmasked``: None for the usual export (no contact data); a list for an export with full
    contact data, which receives the id of every case written with its reporter's full contact
    data (the caller records them with :func:`app.workflow.privacy.record_export`).
    """
    out = _CsvOut(fileobj) if fmt == "csv" else _XlsxOut(fileobj, _("Cases"))
    (out.header if fmt == "xlsx" else out.row)(header(contact=unmasked is not None))
    columns, joins = _columns(contact=unmasked is not None)
    query = query.with_entities(*columns)
    for target, on in joins:
        query = query.outerjoin(target, on)
    statement = query.statement
    count = 0
    try:
        count = _write_rows(out, statement, user, progress, total, deadline, unmasked)
    except BaseException:
        out.abort()
        raise
    out.close()
    return count


def _write_rows(out, statement, user, progress, total, deadline, unmasked):
    count = 0
    words = _Labels()
    # a server-side cursor on PostgreSQL (stream_results), fetched CHUNK_ROWS at a time; plain
    # rows, not ORM objects, so memory stays flat and a million rows take seconds, not minutes
    for row in db.session.execute(statement, execution_options={"yield_per": CHUNK_ROWS}):
        out.row(row_values(row, user, words, unmasked))
        count += 1
        if count % CHUNK_ROWS == 0:
            if deadline is not None and time.monotonic() >= deadline:
                raise TooSlow()
            if progress and total:
                progress(min(99, int(count * 100 / total)))
    if deadline is not None and time.monotonic() >= deadline:
        raise TooSlow()
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
            size = _store(export_id, buffer)
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
    export.size = size
    export.row_count = count
    export.filename = filename(export.fmt, now)
    export.finished_at = now
    export.expires_at = now + datetime.timedelta(hours=current_app.config["EXPORT_TTL_HOURS"])
    export.status = "ready"
    db.session.commit()
    return count


def _store(export_id, fileobj):
    """Copy the finished file into the database chunk by chunk (the caller commits: all or nothing)."""
    size = 0
    for seq in range(10 ** 6):
        data = fileobj.read(CHUNK_BYTES)
        if not data:
            break
        db.session.execute(db.insert(CaseExportChunk).values(export_id=export_id, seq=seq, data=data))
        size += len(data)
    return size


def stored_chunks(export_id):
    """The stored file of an export, one chunk (one indexed statement) at a time."""
    for seq in range(10 ** 6):
        data = db.session.execute(select(CaseExportChunk.data).where(
            CaseExportChunk.export_id == export_id, CaseExportChunk.seq == seq)).scalar()
        if data is None:
            break
        yield bytes(data)


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
    gone = or_(CaseExport.expires_at < now,
               and_(CaseExport.status == "failed", CaseExport.created_at < now - datetime.timedelta(days=7)))
    db.session.execute(db.delete(CaseExportChunk).where(
        CaseExportChunk.export_id.in_(select(CaseExport.id).where(gone))))
    result = db.session.execute(db.delete(CaseExport).where(gone))
    db.session.commit()
    return result.rowcount
