"""Spreadsheet import: an XLSX or CSV register of cases (telephone log, export of SP4N-LAPOR!...).

1. :func:`start` stores the upload and reads its header row;
2. the coordinator maps columns to case fields (:data:`FIELDS`; a mapping can be saved by name
   and reused);
3. :func:`dry_run` checks every row and reports, row by row, what will be created, what exists
   already (same external reference) and what is wrong;
4. :func:`run_import` (a background job) opens one case per good row through the lifecycle,
   recording each row's external reference in ``inbound_message``: importing the same file again
   creates nothing twice.
"""
import csv
import datetime
import io
import json
import os
import re
import secrets

from babel.numbers import format_decimal
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select, update

from app.channels import intake
from app.clock import utcnow
from app.settings import setting
from app.extensions import db
from app.formats import lapor_datetime
from app.models import Category, Channel, ImportBatch, ImportMapping, InboundMessage
from app.models.reference import KINDS
from app.workflow import lifecycle
from app.workflow.errors import Conflict, DomainError, ValidationFailed
from app.workflow.reference import active_categories_by_key, name_key
from app.workflow.reporters import is_phone

PROVIDER = "import"
MAX_ROWS = 50000
MAX_BYTES = 20 * 1024 * 1024
COMMIT_EVERY = 100

# field -> (label, required)
FIELDS = {
    "external_ref": (_l("External reference (e.g. number in the register)"), True),
    "title": (_l("Title"), False),
    "description": (_l("Description"), True),
    "kind": (_l("Report type"), False),
    "category": (_l("Category"), False),
    "received_at": (_l("Date received"), False),
    "incident_date": (_l("Incident date"), False),
    "district": (_l("District (kecamatan)"), False),
    "village": (_l("Village (kelurahan/desa)"), False),
    "address": (_l("Address"), False),
    "latitude": (_l("Latitude"), False),
    "longitude": (_l("Longitude"), False),
    "reporter_name": (_l("Reporter name"), False),
    "reporter_phone": (_l("Reporter phone"), False),
    "reporter_email": (_l("Reporter e-mail"), False),
    "is_anonymous": (_l("Anonymous (ya/tidak)"), False),
    "is_confidential": (_l("Confidential (ya/tidak)"), False),
}
# header names recognised without a saved mapping (lower case)
GUESSES = {
    "external_ref": ("no", "nomor", "no. laporan", "nomor laporan", "id", "referensi", "tracking id", "ref"),
    "title": ("judul", "judul laporan", "title"),
    "description": ("isi", "isi laporan", "uraian", "deskripsi", "description", "laporan"),
    "kind": ("jenis", "klasifikasi", "jenis laporan", "kind"),
    "category": ("kategori", "category"),
    "received_at": ("tanggal", "tanggal laporan", "tanggal diterima", "received_at"),
    "incident_date": ("tanggal kejadian", "incident_date"),
    "district": ("kecamatan", "district"),
    "village": ("kelurahan", "desa", "kelurahan/desa", "village"),
    "address": ("alamat", "lokasi", "address"),
    "latitude": ("lat", "latitude", "lintang"),
    "longitude": ("long", "lon", "lng", "longitude", "bujur"),
    "reporter_name": ("nama", "nama pelapor", "pelapor"),
    "reporter_phone": ("telepon", "no. hp", "no hp", "hp", "telepon pelapor", "phone"),
    "reporter_email": ("email", "e-mail", "surel", "email pelapor"),
    "is_anonymous": ("anonim", "anonymous"),
    "is_confidential": ("rahasia", "confidential"),
}
KIND_WORDS = {"pengaduan": "complaint", "aspirasi": "aspiration", "permintaan informasi": "information",
              "informasi": "information", **{k: k for k in KINDS}}
YES = {"ya", "y", "yes", "true", "1", "benar"}
NO = {"tidak", "t", "no", "false", "0", "", "salah"}
# dates as registers kept by Indonesian offices write them: day first (24/11/2026, 24-11-2026,
# 24.11.2026, 24/11/26), ISO (2026-11-24, 2026/11/24), the month in words (24 November 2026,
# 1 Mei 2026, 17 Agt 2026, 24-Nov-2026), an optional weekday in front ("Senin, 24 November 2026")
# and an optional time with a colon or a dot (14:30, 14.30, 14.30.15, "pukul 14.30 WIB")
MONTH_WORDS = {
    **dict.fromkeys(("januari", "jan", "january"), 1), **dict.fromkeys(("februari", "pebruari", "feb", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3), **dict.fromkeys(("april", "apr"), 4), **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6), **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9), **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11), **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
_WEEKDAY = r"(?:(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday|thursday|friday|saturday|sunday),?\s+)?"
_TIME = r"(?:(?:\s+|t|,\s*)(?:pukul\s+|jam\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?(?:\s*(?:wib|wita|wit))?)?"
DATE_PATTERNS = tuple(re.compile("^" + _WEEKDAY + date + _TIME + "$") for date in (
    r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})",
    r"(?P<day>\d{1,2})([-/.])(?P<month>\d{1,2})\2(?P<year>\d{4}|\d{2})",
    r"(?P<day>\d{1,2})[-\s]+(?P<month_word>[a-z]+)\.?[-\s]+(?P<year>\d{4})",
))


# --- reading files -------------------------------------------------------------------------------


def _folder():
    folder = os.path.join(setting("UPLOAD_FOLDER"), "imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def path_of(batch):
    return os.path.join(_folder(), batch.stored_name)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return intake.clean(str(value)).strip()  # no NUL: the mapping form and PostgreSQL refuse it


def _decode(raw):
    """The text of a CSV: UTF-16 when it starts with its byte-order mark (Excel's "Unicode Text",
    tab-separated), else UTF-8 (with or without BOM), else Windows-1252 (Excel's "CSV" on Windows)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def read_rows(path):
    """(headers, [row values...]) of the first sheet / the CSV, every cell as text or date."""
    if path.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise ValidationFailed(_l("The file cannot be read as an XLSX workbook.")) from None
        try:
            sheet = book.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            headers = []
            for row in rows:  # the first row that is not empty holds the headers (a title row above: none)
                headers = [str(_cell(v)) for v in row]
                if any(headers):
                    break
            else:
                headers = []
            data = []
            for row in rows:
                values = [_cell(v) for v in row]
                if any(v not in ("", None) for v in values):
                    data.append(values)
                if len(data) > MAX_ROWS:
                    break
        finally:
            book.close()
    else:
        with open(path, "rb") as fh:
            raw = fh.read()
        text = _decode(raw)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:  # e.g. a first row longer than the sample: the header row tells
            header = text.split("\n", 1)[0]
            dialect = csv.excel_tab if header.count("\t") > max(header.count(";"), header.count(",")) else csv.excel
            if dialect is csv.excel and header.count(";") > header.count(","):
                dialect = type("semicolons", (csv.excel,), {"delimiter": ";"})
        # one cell may hold the whole file (a long description): the check of the row names it
        csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        try:
            headers = next((row for row in ([_cell(h) for h in r] for r in reader) if any(row)), [])
            data = [[_cell(c) for c in row] for row in reader if any(_cell(c) for c in row)]
        except csv.Error:
            raise ValidationFailed(_l("The file cannot be read as CSV (row %(row)d).", row=reader.line_num)) from None
    headers = [h or _("Column %(n)d", n=i + 1) for i, h in enumerate(headers)]
    if not headers:
        raise ValidationFailed(_l("The file has no header row."))
    if len(data) > MAX_ROWS:
        raise ValidationFailed(_l("The file has more than %(count)d rows; split it into smaller files.", count=MAX_ROWS))
    return headers, data


def start(upload, channel_code, user=None):
    """Store an uploaded XLSX/CSV as a new batch; returns it (with its headers read)."""
    name = os.path.basename(getattr(upload, "filename", "") or "")[:255]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ("xlsx", "csv"):
        raise ValidationFailed(_l("Upload an XLSX or CSV file."))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_l("The file is larger than 20 MB."))
    if not data:
        raise ValidationFailed(_l("The file is empty."))
    channel = db.session.execute(select(Channel).where(Channel.code == channel_code)).scalar_one_or_none()
    if channel is None:
        raise ValidationFailed(_l("Choose the channel the cases came from."))
    stored = f"{secrets.token_hex(16)}.{ext}"
    path = os.path.join(_folder(), stored)
    with open(path, "xb") as fh:
        fh.write(data)
    try:
        headers, rows = read_rows(path)
    except DomainError:
        os.remove(path)
        raise
    batch = ImportBatch(filename=name, stored_name=stored, channel=channel, status="uploaded",
                        mapping=json.dumps({}), total_rows=len(rows), created_by_id=getattr(user, "id", None),
                        created_at=utcnow())
    db.session.add(batch)
    db.session.flush()
    return batch, headers


def guess_mapping(headers):
    lowered = {h.strip().lower(): h for h in headers}
    mapping = {}
    for field, names in GUESSES.items():
        for name in names:
            if name in lowered:
                mapping[field] = lowered[name]
                break
    return mapping


def saved_mappings():
    return db.session.execute(select(ImportMapping).order_by(ImportMapping.name)).scalars().all()


def set_mapping(batch, mapping, headers, save_as=None):
    """Check and keep the column mapping of ``batch`` (and save it for reuse under ``save_as``)."""
    mapping = {f: c for f, c in mapping.items() if f in FIELDS and c}
    unknown = [c for c in mapping.values() if c not in headers]
    if unknown:
        raise ValidationFailed(_l("Column %(name)s is not in the file.", name=unknown[0]))
    missing = [str(FIELDS[f][0]) for f, (_label, required) in FIELDS.items() if required and f not in mapping]
    if missing:
        raise ValidationFailed(_l("Choose the column of: %(fields)s.", fields=", ".join(missing)))
    batch.mapping = json.dumps(mapping, ensure_ascii=False)
    save_as = (save_as or "").strip()[:100]
    if save_as:
        row = db.session.execute(select(ImportMapping).where(ImportMapping.name == save_as)).scalar_one_or_none()
        if row is None:
            row = ImportMapping(name=save_as, created_at=utcnow())
            db.session.add(row)
        row.mapping = batch.mapping
    return mapping


# --- checking rows -----------------------------------------------------------------------------------


def _parse_date(value):
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    text = " ".join(str(value or "").lower().split())
    for pattern in DATE_PATTERNS:
        found = pattern.match(text)
        if found is None:
            continue
        parts = found.groupdict()
        month = MONTH_WORDS.get(parts["month_word"]) if parts.get("month_word") else int(parts["month"])
        year = int(parts["year"]) + (2000 if len(parts["year"]) == 2 else 0)
        try:
            return datetime.datetime(year, month or 0, int(parts["day"]), int(parts["hour"] or 0),
                                     int(parts["minute"] or 0), int(parts["second"] or 0))
        except ValueError:  # 31/02, month 13, hour 25, an unknown month word: not a date
            return None
    return _parse_instant(str(value or "").strip())


def _parse_instant(text):
    """ISO 8601 with an offset as another system exports it (``2026-11-20T09:15:00+07:00``, ``...Z``),
    read by the one reading of such times (:func:`app.formats.parse_instant`): the local time of this
    installation it names (naive, as every other date of the sheet), or None."""
    from app.formats import parse_instant
    from app.workflow.calendar import current_calendar

    try:
        moment = parse_instant(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # without an offset the patterns above read it
    calendar = current_calendar()
    try:
        return calendar.to_local(calendar.utc_of(moment)).replace(tzinfo=None)
    except OverflowError:
        return None


class Lookups:
    def __init__(self):
        # {name key: [ids]}: matched case and spacing aside, like the category form compares names
        self.categories = active_categories_by_key()


def check_row(values, index_of, lookups, now):
    """(case data, errors) of one row; errors are Indonesian sentences naming the column."""
    def get(field):
        i = index_of.get(field)
        return values[i] if i is not None and i < len(values) else ""

    errors, data = [], {}
    ref = str(get("external_ref") or "").strip()
    if not ref:
        errors.append(_("the external reference is empty"))
    elif len(ref) > 200:
        errors.append(_("the external reference is longer than 200 characters"))
    data["external_ref"] = ref
    description = str(get("description") or "").strip()
    if not description:
        errors.append(_("the description is empty"))
    elif len(description) > lifecycle.MAX_TEXT:  # refused, never cut: the rest of the text would be lost
        errors.append(_("the description is longer than %(count)s characters",
                        count=format_decimal(lifecycle.MAX_TEXT, locale=get_locale())))
    data["description"] = description
    data["title"] = str(get("title") or "").strip()
    if len(data["title"]) > lifecycle.MAX_TITLE:  # refused, never cut
        errors.append(_("the title is longer than %(count)s characters", count=lifecycle.MAX_TITLE))
    kind_text = str(get("kind") or "").strip().lower()
    data["kind"] = KIND_WORDS.get(kind_text, "complaint" if not kind_text else None)
    if data["kind"] is None:
        errors.append(_("unknown report type \"%(value)s\" (pengaduan, aspirasi, permintaan informasi)", value=kind_text[:40]))
    category_text = str(get("category") or "").strip()
    data["category_id"] = None
    if category_text:
        found = lookups.categories.get(name_key(category_text), [])
        data["category_id"] = found[0] if len(found) == 1 else None
        if not found:
            errors.append(_("unknown category \"%(value)s\"", value=category_text[:60]))
        elif len(found) > 1:
            errors.append(_("the category \"%(value)s\" matches more than one active category: give them "
                            "distinct names on the category screen", value=category_text[:60]))
    for field in ("received_at", "incident_date"):
        raw = get(field)
        parsed = _parse_date(raw) if raw not in ("", None) else None
        if raw not in ("", None) and parsed is None:
            errors.append(_("%(field)s \"%(value)s\" is not a date (YYYY-MM-DD or DD/MM/YYYY)",
                            field=str(FIELDS[field][0]).lower(), value=str(raw)[:30]))
        elif parsed is not None and parsed > now + datetime.timedelta(days=1):
            errors.append(_("%(field)s is in the future", field=str(FIELDS[field][0]).lower()))
        data[field] = parsed
    for field, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        raw = str(get(field) or "").strip().replace(",", ".")
        data[field] = None
        if raw:
            try:
                data[field] = float(raw)
                if not low <= data[field] <= high:
                    raise ValueError
            except ValueError:
                errors.append(_("%(field)s is not a valid coordinate", field=str(FIELDS[field][0]).lower()))
    for field in ("district", "village"):
        data[field] = str(get(field) or "").strip()[:100] or None
    data["address"] = str(get("address") or "").strip()[:300] or None
    for field in ("is_anonymous", "is_confidential"):
        raw = str(get(field) or "").strip().lower()
        if raw in YES:
            data[field] = True
        elif raw in NO:
            data[field] = False
        else:
            errors.append(_("%(field)s must be ya or tidak", field=str(FIELDS[field][0]).split(" (")[0].lower()))
    email = str(get("reporter_email") or "").strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors.append(_("the reporter's e-mail is not valid"))  # the value itself is not repeated
    phone = str(get("reporter_phone") or "").strip()
    if phone and not is_phone(phone):  # the one phone rule of every channel
        errors.append(_("the reporter's phone number is not valid"))
    data["reporter"] = {"name": str(get("reporter_name") or "").strip()[:200] or None,
                        "phone": phone or None, "email": email or None}
    return data, errors


def _existing_refs(channel_code, refs):
    keys = [f"{channel_code}:{r}" for r in refs if r]
    found = set()
    for start in range(0, len(keys), 500):
        found.update(db.session.execute(select(InboundMessage.external_id).where(
            InboundMessage.provider == PROVIDER, InboundMessage.external_id.in_(keys[start:start + 500]))).scalars())
    return {k.split(":", 1)[1] for k in found}


def _plan(batch, now=None):
    """Yield (row number, data, errors, exists) for every row of the file."""
    now = now or utcnow()
    headers, rows = read_rows(path_of(batch))
    mapping = json.loads(batch.mapping or "{}")
    index_of = {field: headers.index(column) for field, column in mapping.items() if column in headers}
    lookups = Lookups()
    checked = [check_row(values, index_of, lookups, now) for values in rows]
    existing = _existing_refs(batch.channel.code, [data["external_ref"] for data, _errors in checked])
    first_seen = {}
    for number, (data, errors) in enumerate(checked, start=2):  # row 1 holds the headers
        ref = data["external_ref"]
        if ref:
            if ref in first_seen:
                errors.append(_("the external reference %(ref)s is also on row %(row)d", ref=ref[:40], row=first_seen[ref]))
            else:
                first_seen[ref] = number
        yield number, data, errors, ref in existing


def dry_run(batch, now=None):
    """Check every row; keeps the report on the batch and returns it."""
    report = {"rows": 0, "create": 0, "existing": 0, "errors": [], "preview": []}
    for number, data, errors, exists in _plan(batch, now):
        report["rows"] += 1
        if errors:
            report["errors"].append({"row": number, "errors": errors})
        elif exists:
            report["existing"] += 1
        else:
            report["create"] += 1
            if len(report["preview"]) < 10:
                report["preview"].append({"row": number, "ref": data["external_ref"],
                                          "title": data["title"] or lifecycle.title_from(data["description"]),
                                          "kind": data["kind"]})
    batch.total_rows = report["rows"]
    batch.error_count = len(report["errors"])
    batch.existing_count = report["existing"]
    batch.report = json.dumps(report, ensure_ascii=False, default=str)
    batch.status = "checked"
    return report


# --- importing ----------------------------------------------------------------------------------------


def run_import(batch_id, progress=None, now=None, deliver=None):
    """Create a case per good, new row; returns {"created", "existing", "errors"}. Resumable: rows
    already imported (by reference) are skipped, so a retried job creates nothing twice."""
    from app.models import LaporUser

    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise ValueError(f"import batch {batch_id} not found")
    user = db.session.get(LaporUser, batch.created_by_id) if batch.created_by_id else None
    who = user if user is not None else lifecycle.SYSTEM
    batch.status, batch.processed_rows, batch.created_count = "running", 0, 0
    db.session.commit()
    channel = batch.channel
    counts = {"created": 0, "existing": 0, "errors": 0}
    plan = list(_plan(batch, now))
    total = len(plan) or 1
    processed = 0
    for first in range(0, len(plan), COMMIT_EVERY):
        chunk = plan[first:first + COMMIT_EVERY]
        todo = []
        for _number, data, row_errors, exists in chunk:
            if row_errors:
                counts["errors"] += 1
            elif exists:
                counts["existing"] += 1
            else:
                todo.append(data)
        outbox_ids = _import_chunk(batch, channel, todo, who, counts)
        if deliver is not None and outbox_ids:
            deliver(outbox_ids)  # receipts of recent cases (old dates notify nobody)
        processed += len(chunk)
        batch.processed_rows, batch.created_count = processed, counts["created"]
        db.session.commit()
        if progress:
            progress(int(processed * 100 / total))
    created, existing, errors = counts["created"], counts["existing"], counts["errors"]
    batch.processed_rows, batch.created_count = processed, created
    batch.existing_count, batch.error_count = existing, errors
    batch.status, batch.finished_at = "done", utcnow()
    db.session.commit()
    discard_file(batch)  # the file holds personal data: not kept once imported
    return {"created": created, "existing": existing, "errors": errors}


def _import_chunk(batch, channel, rows, who, counts):
    """One transaction for the chunk; if any row fails (a rule refused it, or another import
    committed the same reference meanwhile), the chunk is redone one row per transaction.
    Returns the ids of the messages written (to queue after the commit)."""
    from sqlalchemy.exc import IntegrityError

    try:
        outcomes = [_create(batch, channel, data, who) for data in rows]
        db.session.commit()
        counts["created"] += len(rows)
        return [i for outcome in outcomes for i in outcome.outbox_ids]
    except (DomainError, IntegrityError):
        db.session.rollback()
    ids = []
    for data in rows:
        try:
            outcome = _create(batch, channel, data, who)
            db.session.commit()
            counts["created"] += 1
            ids += outcome.outbox_ids
        except IntegrityError:
            db.session.rollback()
            counts["existing"] += 1
        except DomainError:
            db.session.rollback()
            counts["errors"] += 1
    return ids


def _create(batch, channel, data, who):
    reporter_data = data["reporter"]
    reporter = intake.make_reporter(**reporter_data) if any(reporter_data.values()) else None
    if reporter is not None:
        reporter.consent_at = None  # identity from a register: no online consent was given
    received_at = data["received_at"]
    if received_at is not None:  # a local date and time of the installation -> stored UTC (the calendar's one rule)
        from app.workflow.calendar import current_calendar

        received_at = current_calendar().utc_of(received_at)
    outcome = lifecycle.register(
        who=who, title=data["title"] or lifecycle.title_from(data["description"]), description=data["description"],
        kind=data["kind"], channel=channel, reporter=reporter, category=db.session.get(Category, data["category_id"]) if data["category_id"] else None,
        is_anonymous=data["is_anonymous"], is_confidential=data["is_confidential"],
        district=data["district"], village=data["village"], address=data["address"],
        latitude=data["latitude"], longitude=data["longitude"],
        incident_date=data["incident_date"].date() if data["incident_date"] else None,
        now=received_at)
    db.session.add(InboundMessage(provider=PROVIDER, external_id=f"{channel.code}:{data['external_ref']}"[:255],
                                  outcome="case", complaint=outcome.complaint, import_batch_id=batch.id,
                                  created_at=utcnow()))
    db.session.flush()
    return outcome


def claim_for_run(batch):
    """The checked batch moves to "queued" once: of two clicks on "run" (or two coordinators), one
    passes; the other gets :class:`Conflict` saying what happened to this import already."""
    claimed = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "checked")
        .values(status="queued").execution_options(synchronize_session=False)).rowcount
    db.session.refresh(batch)
    if not claimed:
        raise Conflict(_run_refusal(batch))


def release_claim(batch):
    """The queue refused the job: the batch can be run again."""
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "queued")
                       .values(status="checked").execution_options(synchronize_session=False))
    db.session.refresh(batch)


def _run_refusal(batch):
    """Why "run" does nothing for this batch, in the words of what already happened to it."""
    if batch.status == "queued":
        return _("This import is already waiting in the queue; it was not queued a second time. "
                 "Its result appears on this page when it is done.")
    if batch.status == "running":
        return _("This import is already running (%(done)s of %(total)s rows); it was not started a second time.",
                 done=batch.processed_rows or 0, total=batch.total_rows or 0)
    if batch.status == "done":
        return _("This import was already run on %(time)s; its result: %(created)s new cases, %(existing)s "
                 "already imported before, %(errors)s rows with errors. Nothing was imported twice.",
                 time=lapor_datetime(batch.finished_at), created=batch.created_count or 0,
                 existing=batch.existing_count or 0, errors=batch.error_count or 0)
    if batch.status == "failed":
        return _("This import was already run and stopped with an error; it was not run again. Upload the file "
                 "again to retry: rows already imported are skipped.")
    return _("Map the columns and check the file first.")


def mark_queued(batch, job_id):
    """The job's id (the batch was claimed before: its status is not touched, the job may already run)."""
    db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id).values(job_id=job_id)
                       .execution_options(synchronize_session=False))
    db.session.refresh(batch)


def mark_failed(batch_id):
    db.session.rollback()
    batch = db.session.get(ImportBatch, batch_id)
    if batch is not None:
        batch.status = "failed"
        db.session.commit()


def discard_file(batch):
    try:
        os.remove(path_of(batch))
    except OSError:
        pass
