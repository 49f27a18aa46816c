"""Generate a large, realistic case load for benchmarks: 1,000,000 cases in minutes.

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/generate.py 1000000
    .venv/bin/python bench/generate.py 100000          # SQLite (DATABASE_URL unset: instance/lapor.db)

Needs a migrated database with the demo reference data (`flask db upgrade`, `flask lapor init`,
`flask lapor seed-demo --cases 0`); `bench/run_all.py` does all of that itself.

How it stays fast and realistic:
- Every case is walked through the lifecycle **in Python, without the ORM**: received -> (tunda ->
  completed) -> disposed (sometimes to the wrong OPD first, returned as *bukan wewenang* and
  disposed again) -> first follow-up -> (internal note) -> final follow-up -> confirmed with a
  rating or auto-closed; or archived / forwarded / left on hold. Each step takes a sampled time;
  the state of the case is whatever step was reached before *now*. Deadlines are the real
  working-day deadlines of the installation's calendar and SLA settings (looked up per local day,
  so the holiday table is honoured). Step durations are mostly well inside their SLA with a late
  tail, which leaves about 5 % of running clocks overdue at the end (the generator prints the
  measured share).
- Cases get explicit ids in ``received_at`` order (inserted in time order); events are inserted in
  ``created_at`` order after them; reporters (85 % of cases) are encrypted rows drawn from a pool of
  pre-encrypted identities (Fernet is the slow part: a returning reporter reuses the same
  ciphertexts and blind indexes, as a real returning reporter would have the same indexes).
- PostgreSQL: ``COPY ... FROM STDIN`` in chunks, events through an UNLOGGED staging table and one
  ``INSERT ... SELECT ... ORDER BY created_at``; the trigram (text-search) indexes are dropped
  before the load and built once after it; then the sequences are moved and ``ANALYZE`` runs.
  SQLite: ``executemany`` in one transaction per chunk.
- No outbox rows or reminders are written (a real import would not send mail for old events), so
  the first reminder sweep afterwards sees the backlog of an import.
- Every case shares the bench reply code ``BENCH-REPLY-CODE`` (only its hash is stored).
"""
import datetime as dt
import io
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import Boolean, DateTime, column, func, select, table, text  # noqa: E402

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
DISTRICTS = {
    "Sukamaju Kota": ["Sukamaju", "Kaum", "Pasarbaru"],
    "Cibeureum": ["Cibeureum Hilir", "Sindangrasa", "Mekarjaya"],
    "Margahayu": ["Margahayu Tengah", "Sukamenak", "Rahayu"],
    "Tanjungsari": ["Tanjungsari", "Gudang", "Jatisari"],
    "Pasirwangi": ["Pasirwangi", "Sarimukti", "Padaawas"],
    "Karangjaya": ["Karangjaya", "Sukajadi", "Cikupa"],
}
# (title, description) samples, reused from the demo so pages look real
FOLLOW_UPS = [
    "Laporan telah diterima dan tim kami akan melakukan pengecekan ke lokasi.",
    "Petugas sudah meninjau lokasi dan penanganan dijadwalkan minggu ini.",
    "Kami sedang berkoordinasi dengan unit terkait untuk penyelesaian.",
]
RESOLUTIONS = [
    "Perbaikan telah selesai dilaksanakan. Terima kasih atas laporannya.",
    "Permasalahan sudah ditangani dan petugas telah diberi pembinaan.",
    "Informasi yang diminta telah kami kirimkan melalui email pelapor.",
]
HOLD_REASON = "Mohon lengkapi lokasi persis dan foto kejadian."
HOLD_DONE = "Lokasi di depan gang samping masjid."
RETURN_REASON = "Bukan kewenangan instansi kami."
NOTE = "Koordinasi internal: anggaran perbaikan dari pos pemeliharaan rutin."
FEEDBACK = "Terima kasih, sudah ditangani."
FORWARD_TO = "Kantor Wilayah BPN Provinsi"
ARCHIVE_REASON = None  # filled from lifecycle.ARCHIVE_REASONS
BENCH_REPLY_CODE = "BENCH-REPLY-CODE"

# shares, in percent of all cases
P_ARCHIVE, P_FORWARD, P_HOLD, P_HOLD_ABANDONED, P_WRONG_AGENCY = 5.0, 3.0, 10.0, 25.0, 6.0
# probability that a step overruns its SLA (the "late tail"); tuned for ~5 % of running clocks overdue
P_LATE = 0.022
HOUR = dt.timedelta(hours=1)

COMPLAINT_COLUMNS = (
    "id", "tracking_number", "reply_code_hash", "kind", "needs_inspection", "title", "description",
    "category_id", "channel_id", "address", "district", "village", "incident_date", "reporter_id",
    "is_anonymous", "is_confidential", "status", "agency_id", "target_agency_id", "forwarded_to",
    "archive_reason", "received_at", "verified_at", "dispatched_at", "first_response_at", "resolved_at",
    "closed_at", "on_hold_since", "verification_due", "first_response_due", "resolution_due",
    "auto_close_due", "rating", "feedback", "created_by_id", "updated_at", "version",
)
EVENT_COLUMNS = (
    "complaint_id", "created_at", "actor_id", "actor_kind", "kind", "from_status", "to_status",
    "from_agency_id", "to_agency_id", "public_text", "internal_note", "is_public",
)
REPORTER_COLUMNS = (
    "id", "name", "phone", "email", "nik", "email_index", "phone_index", "nik_index", "consent_at",
    "created_at",
)
DATETIME_COLUMNS = {"received_at", "verified_at", "dispatched_at", "first_response_at", "resolved_at",
                    "closed_at", "on_hold_since", "verification_due", "first_response_due",
                    "resolution_due", "auto_close_due", "updated_at", "created_at", "consent_at"}
BOOLEAN_COLUMNS = {"needs_inspection", "is_anonymous", "is_confidential", "is_public"}


def _typed(name):
    if name in DATETIME_COLUMNS:
        return column(name, DateTime)
    if name in BOOLEAN_COLUMNS:
        return column(name, Boolean)
    if name == "incident_date":
        from sqlalchemy import Date

        return column(name, Date)
    return column(name)


class World:
    """Reference data and the working-day deadlines, looked up once per (local day, n)."""

    def __init__(self, session, rng):
        from app.models import Agency, Category, Channel, LaporUser, SlaSetting
        from app.workflow import lifecycle
        from app.workflow.calendar import current_calendar

        self.cal = current_calendar()
        self.offset = self.cal.to_local(dt.datetime(2024, 1, 1)).utcoffset()
        agencies = list(session.execute(select(Agency).where(Agency.active.is_(True))).scalars())
        self.agencies = [a for a in agencies if a.level != "pemda"]
        if not self.agencies:
            raise SystemExit("no agencies: run `flask lapor seed-demo --cases 0` first")
        by_id = {a.id: a for a in agencies}
        users = list(session.execute(select(LaporUser)).scalars())
        role_of = {u.id: {r.name for r in u.roles} for u in users}
        self.coordinator_id = next((u.id for u in users if "Koordinator" in role_of[u.id]), None)
        officer_by_agency = {}
        for u in users:
            if u.agency_id and "OPD" in role_of[u.id]:
                officer_by_agency.setdefault(u.agency_id, u.id)
        # an agency without its own officer is served by the nearest ancestor's officer
        self.officer = {}
        for a in self.agencies:
            node, seen = a, 0
            while node is not None and node.id not in officer_by_agency and seen < 10:
                node, seen = by_id.get(node.parent_id), seen + 1
            self.officer[a.id] = officer_by_agency.get(node.id) if node is not None else None
        categories = list(session.execute(select(Category).where(Category.active.is_(True))).scalars())
        # most cases go to the category's suggested agency (or one of its units)
        children = {}
        for a in self.agencies:
            if a.parent_id:
                children.setdefault(a.parent_id, []).append(a.id)
        self.categories = []
        for c in categories:
            target = c.suggested_agency_id or rng.choice(self.agencies).id
            self.categories.append((c.id, c.name, [target] * 3 + children.get(target, [])))
        if not self.categories:
            self.categories = [(None, "", [a.id]) for a in self.agencies]
        self.channels = [c.id for c in session.execute(select(Channel).order_by(Channel.id)).scalars()]
        self.sla = {}
        for kind in ("complaint", "aspiration", "information"):
            s = lifecycle.sla_for(kind, session)
            self.sla[kind] = (s.verify_days, s.first_response_days, s.resolution_days,
                              s.inspection_resolution_days, s.auto_close_days)
        self.archive_reasons = list(lifecycle.ARCHIVE_REASONS)
        self.archive_texts = {k: str(v) for k, v in lifecycle.ARCHIVE_REASONS.items()}
        self._deadlines = {}

    def local_day(self, moment):
        return (moment + self.offset).date()

    def deadline(self, moment, n):
        key = (self.local_day(moment), n)
        found = self._deadlines.get(key)
        if found is None:
            found = self._deadlines[key] = self.cal.end_of_local_day(self.cal.add_working_days_to_date(key[0], n))
        return found

    def shift(self, deadline, paused_from, paused_until):
        return self.cal.shift_for_pause(deadline, paused_from, paused_until)


def _identity_pool(size, rng):
    """Pre-encrypted reporter identities: (name, phone, email, nik, email_ix, phone_ix, nik_ix)."""
    from app.crypto import blind_index, encrypt

    first = ["Budi", "Siti", "Agus", "Dewi", "Rina", "Asep", "Yanti", "Hendra", "Nur", "Eko", "Wati", "Dedi",
             "Lestari", "Joko", "Ratna", "Ujang", "Euis", "Rudi", "Fitri", "Bambang"]
    last = ["Santoso", "Rahmawati", "Hidayat", "Lestari", "Saputra", "Nurhayati", "Kurniawan", "Wijaya",
            "Suryana", "Permana", "Sari", "Gunawan"]
    pool = []
    for i in range(size):
        f, la = rng.choice(first), rng.choice(last)
        phone = f"08{rng.randrange(11, 99)}{rng.randrange(10**7, 10**8)}"
        email = f"{f.lower()}.{la.lower()}{i}@contoh.id" if rng.random() < 0.6 else None
        nik = f"32{rng.randrange(10**13, 10**14)}" if rng.random() < 0.3 else None
        pool.append((encrypt(f"{f} {la}"), encrypt(phone), encrypt(email), encrypt(nik),
                     blind_index(email), blind_index(phone), blind_index(nik)))
    return pool


def _tracking_numbers(rng, taken):
    from app.workflow.numbers import _check_symbol

    choice = rng.choice
    while True:
        body = "".join([choice(ALPHABET) for _ in range(8)])
        number = f"{body[:4]}-{body[4:]}-{_check_symbol(body)}"
        if number not in taken:
            taken.add(number)
            yield number


def _step_hours(rng, sla_days, fast=(0.05, 0.9)):
    """Hours a step takes: mostly well inside its SLA (in calendar time), sometimes late."""
    budget = sla_days * 24.0  # calendar hours of the SLA, a lower bound of its working-day length
    if rng.random() < P_LATE:
        return budget * rng.uniform(1.6, 4.0)
    return budget * rng.uniform(*fast)


class CaseMaker:
    def __init__(self, world, rng, now, reply_hash, pool, titles):
        self.w, self.rng, self.now = world, rng, now
        self.reply_hash, self.pool, self.titles = reply_hash, pool, titles

    def make(self, case_id, number, received, reporter_id):
        """One case and its events; returns (case row dict, [event tuples])."""
        w, rng, now = self.w, self.rng, self.now
        category_id, category_name, targets = rng.choice(w.categories)
        kind = "information" if category_name == "Informasi Publik" else rng.choice(
            ("complaint",) * 7 + ("aspiration", "aspiration", "information"))
        verify_days, fr_days, res_days, insp_days, close_days = w.sla[kind]
        inspection = kind == "complaint" and rng.random() < 0.1
        title, description = rng.choice(self.titles.get(category_name) or self.titles["*"])
        district = rng.choice(tuple(DISTRICTS))
        channel_id = rng.choice(w.channels)
        c = {
            "id": case_id, "tracking_number": number, "reply_code_hash": self.reply_hash, "kind": kind,
            "needs_inspection": inspection, "title": title, "description": description,
            "category_id": category_id, "channel_id": channel_id,
            "address": f"Jl. {rng.choice(('Merdeka', 'Siliwangi', 'Ahmad Yani', 'Sudirman', 'Pahlawan'))} No. {rng.randrange(1, 200)}",
            "district": district, "village": rng.choice(DISTRICTS[district]),
            "incident_date": (received - dt.timedelta(days=rng.randrange(0, 5))).date(),
            "reporter_id": reporter_id, "is_anonymous": rng.random() < 0.15,
            "is_confidential": rng.random() < 0.08, "status": "received", "agency_id": None,
            "target_agency_id": None, "forwarded_to": None, "archive_reason": None,
            "received_at": received, "verified_at": None, "dispatched_at": None, "first_response_at": None,
            "resolved_at": None, "closed_at": None, "on_hold_since": None,
            "verification_due": w.deadline(received, verify_days), "first_response_due": None,
            "resolution_due": None, "auto_close_due": None, "rating": None, "feedback": None,
            "created_by_id": None, "updated_at": received, "version": 1,
        }
        events = []
        coord = w.coordinator_id

        def event(at, actor_id, actor_kind, kind_, from_status, to_status, public_text=None, note=None,
                  is_public=True, from_agency=None, to_agency=None):
            events.append((case_id, at, actor_id, actor_kind, kind_, from_status, to_status, from_agency,
                           to_agency, public_text, note, is_public))
            c["updated_at"] = at
            c["version"] += 1

        event(received, None, "reporter", "received", None, "received")
        c["version"] = 1
        t = received
        roll = rng.random() * 100
        # terminal decisions by the coordinator before disposition
        if roll < P_ARCHIVE + P_FORWARD:
            t += HOUR * rng.uniform(2, verify_days * 24 * 0.6)
            if t >= now:
                return c, events
            if roll < P_ARCHIVE:
                reason = rng.choice(w.archive_reasons)
                c.update(status="archived", archive_reason=reason, closed_at=t)
                event(t, coord, "staff", "archived", "received", "archived", w.archive_texts[reason])
            else:
                c.update(status="forwarded", forwarded_to=FORWARD_TO, closed_at=t)
                event(t, coord, "staff", "forwarded", "received", "forwarded", FORWARD_TO,
                      "Kewenangan instansi vertikal.")
            return c, events
        if rng.random() * 100 < P_HOLD:
            hold_at = t + HOUR * rng.uniform(1, 20)
            if hold_at >= now:
                return c, events
            c.update(status="on_hold", on_hold_since=hold_at)
            event(hold_at, coord, "staff", "held", "received", "on_hold", HOLD_REASON)
            if rng.random() * 100 < P_HOLD_ABANDONED:
                return c, events
            back = hold_at + HOUR * rng.uniform(4, 72)
            if back >= now:
                return c, events
            c["verification_due"] = w.shift(c["verification_due"], hold_at, back)
            c.update(status="received", on_hold_since=None)
            event(back, None, "reporter", "hold_completed", "on_hold", "received", HOLD_DONE)
            t = back
        agency = rng.choice(rng.choice(w.categories)[2] if rng.random() < 0.1 else targets)
        # verification and disposition
        t += HOUR * _step_hours(rng, verify_days)
        if t >= now:
            return c, events
        if rng.random() * 100 < P_WRONG_AGENCY:
            wrong = rng.choice(w.agencies).id
            if wrong != agency:
                c.update(status="dispatched", agency_id=wrong, verified_at=t, dispatched_at=t,
                         first_response_due=w.deadline(t, fr_days),
                         resolution_due=w.deadline(t, insp_days if inspection else res_days))
                event(t, coord, "staff", "dispatched", "received", "dispatched", to_agency=wrong)
                t += HOUR * rng.uniform(2, 40)
                if t >= now:
                    return c, events
                c.update(status="received", agency_id=None, first_response_due=None, resolution_due=None,
                         verification_due=w.deadline(t, verify_days))
                event(t, w.officer.get(wrong), "staff", "returned", "dispatched", "received",
                      note=RETURN_REASON, is_public=False, from_agency=wrong)
                t += HOUR * rng.uniform(1, 24)
                if t >= now:
                    return c, events
        c.update(status="dispatched", agency_id=agency, dispatched_at=t,
                 first_response_due=w.deadline(t, fr_days),
                 resolution_due=w.deadline(t, insp_days if inspection else res_days))
        if c["verified_at"] is None:
            c["verified_at"] = t
        event(t, coord, "staff", "dispatched", "received", "dispatched", to_agency=agency)
        officer = w.officer.get(agency)
        dispatched = t
        # first follow-up
        t += HOUR * _step_hours(rng, fr_days)
        if t >= now:
            return c, events
        c.update(status="in_progress", first_response_at=t)
        event(t, officer, "staff", "follow_up", "dispatched", "in_progress", rng.choice(FOLLOW_UPS))
        if rng.random() < 0.3:
            t += HOUR * rng.uniform(1, 48)
            if t >= now:
                return c, events
            event(t, officer, "staff", "internal_note", "in_progress", "in_progress", note=NOTE, is_public=False)
        # final follow-up (the resolution clock runs from disposition)
        done = dispatched + HOUR * _step_hours(rng, insp_days if inspection else res_days, (0.3, 0.9))
        t = max(t + HOUR * rng.uniform(1, 24), done)
        if t >= now:
            return c, events
        c.update(status="resolved", resolved_at=t, auto_close_due=w.deadline(t, close_days))
        event(t, officer, "staff", "resolved", "in_progress", "resolved", rng.choice(RESOLUTIONS))
        if rng.random() < 0.6:
            t += HOUR * rng.uniform(2, 24 * 8)
            if t >= now or t > c["auto_close_due"]:
                return c, events
            rating = rng.choice((3, 4, 4, 5, 5, 5, 2))
            c.update(status="closed", closed_at=t, rating=rating, feedback=FEEDBACK)
            event(t, None, "reporter", "confirmed", "resolved", "closed", FEEDBACK)
        else:
            t = c["auto_close_due"] + dt.timedelta(minutes=5)
            if t >= now:
                return c, events
            c.update(status="closed", closed_at=t)
            event(t, None, "system", "auto_closed", "resolved", "closed")
        return c, events


def _titles():
    """(title, description) samples per category name, from the demo; "*" holds them all."""
    from app.demo import CATEGORIES

    titles = {name: samples for name, _agency, samples in CATEGORIES}
    titles["*"] = [s for samples in list(titles.values()) for s in samples]
    return titles


# --- writers ---------------------------------------------------------------------


def _pg_value(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class PostgresWriter:
    def __init__(self, connection):
        self.conn = connection  # a DBAPI (psycopg2) connection
        cur = self.conn.cursor()
        # the rows are consistent by construction: skip the per-row foreign-key triggers when we
        # may (a superuser, as on a bench machine); otherwise they run, only slower
        self.replica = False
        try:
            cur.execute("SAVEPOINT replica")
            cur.execute("SET session_replication_role = replica")
            cur.execute("RELEASE SAVEPOINT replica")
            self.replica = True
        except Exception:
            cur.execute("ROLLBACK TO SAVEPOINT replica")
        # the text-search (trigram) indexes are built once after the load, not row by row during it
        from app.models.complaint import TEXT_SEARCH_INDEXES

        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'complaint' "
                    "AND indexname = ANY(%s)", (list(TEXT_SEARCH_INDEXES),))
        self.rebuild = cur.fetchall()
        for name, _definition in self.rebuild:
            cur.execute(f"DROP INDEX {name}")
        cur.execute("DROP TABLE IF EXISTS bench_event_stage")
        cur.execute("CREATE UNLOGGED TABLE bench_event_stage (LIKE complaint_event INCLUDING DEFAULTS)")
        cur.execute("ALTER TABLE bench_event_stage DROP COLUMN id")

    def _copy(self, table_name, columns, rows):
        buf = io.StringIO()
        write = buf.write
        for row in rows:
            write("\t".join([_pg_value(v) for v in row]))
            write("\n")
        buf.seek(0)
        self.conn.cursor().copy_expert(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN", buf)

    def chunk(self, reporters, cases, events):
        self._copy("reporter", REPORTER_COLUMNS, reporters)
        self._copy("complaint", COMPLAINT_COLUMNS, ([c[k] for k in COMPLAINT_COLUMNS] for c in cases))
        self._copy("bench_event_stage", EVENT_COLUMNS, events)
        self.conn.commit()

    def finish(self):
        cur = self.conn.cursor()
        cols = ", ".join(EVENT_COLUMNS)
        cur.execute(f"INSERT INTO complaint_event ({cols}) SELECT {cols} FROM bench_event_stage "
                    "ORDER BY created_at, complaint_id")
        cur.execute("DROP TABLE bench_event_stage")
        for _name, definition in self.rebuild:
            cur.execute(definition)
        if self.replica:
            cur.execute("SET session_replication_role = DEFAULT")
        for name in ("complaint", "reporter", "complaint_event"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {name}))")
        self.conn.commit()
        self.conn.autocommit = True
        for name in ("complaint", "reporter", "complaint_event"):
            cur.execute(f"VACUUM ANALYZE {name}")
        self.conn.autocommit = False


class SqliteWriter:
    def __init__(self, session):
        self.session = session
        self.events = []
        self.tables = {
            name: table(name, *[_typed(col) for col in cols])
            for name, cols in (("reporter", REPORTER_COLUMNS), ("complaint", COMPLAINT_COLUMNS),
                               ("complaint_event", EVENT_COLUMNS))
        }

    def chunk(self, reporters, cases, events):
        conn = self.session.connection()
        if reporters:
            conn.execute(self.tables["reporter"].insert(), [dict(zip(REPORTER_COLUMNS, r)) for r in reporters])
        conn.execute(self.tables["complaint"].insert(), cases)
        self.events.extend(events)
        self.session.commit()

    def finish(self):
        self.events.sort(key=lambda e: (e[1], e[0]))
        conn = self.session.connection()
        step = 50000
        for i in range(0, len(self.events), step):
            conn.execute(self.tables["complaint_event"].insert(),
                         [dict(zip(EVENT_COLUMNS, e)) for e in self.events[i:i + step]])
        self.session.commit()
        conn = self.session.connection()
        conn.exec_driver_sql("ANALYZE")
        self.session.commit()


# --- the generator ------------------------------------------------------------------


def generate(count, seed=7, now=None, days=365, chunk=50000, quiet=False):
    """Add ``count`` cases received over the last ``days`` days (in time order). Returns a summary."""
    from app.clock import utcnow
    from app.extensions import db
    from app.models import Complaint, Reporter
    from app.workflow.numbers import hash_reply_code

    session = db.session
    rng = random.Random(seed)
    now = now or utcnow()
    world = World(session, rng)
    pool = _identity_pool(min(5000, max(50, count // 100)), rng)
    maker = CaseMaker(world, rng, now, hash_reply_code(BENCH_REPLY_CODE), pool, _titles())
    taken = set(session.execute(select(Complaint.tracking_number)).scalars())
    numbers = _tracking_numbers(rng, taken)
    next_case = (session.execute(select(func.max(Complaint.id))).scalar() or 0) + 1
    next_reporter = (session.execute(select(func.max(Reporter.id))).scalar() or 0) + 1
    oldest = session.execute(select(func.min(Complaint.received_at))).scalar()
    # new cases go before the existing ones if any exist, so that ids still follow time
    end = min(now, oldest) if oldest else now
    start = end - dt.timedelta(days=days)
    span = (end - start).total_seconds()
    if session.get_bind().dialect.name == "postgresql":
        session.commit()
        raw = session.connection().connection.dbapi_connection
        writer = PostgresWriter(raw)
    else:
        writer = SqliteWriter(session)
    started = time.perf_counter()
    made = events_made = 0
    statuses = {}
    while made < count:
        reporters, cases, events = [], [], []
        for i in range(made, min(count, made + chunk)):
            # the arrival rate grows over the period (twice as many cases a day at the end as at
            # the start, as a portal gains users): inverse CDF of a density rising from 1 to 2
            u = (i + rng.random()) / count
            received = start + dt.timedelta(seconds=span * ((1 + 3 * u) ** 0.5 - 1))
            reporter_id = None
            if rng.random() < 0.85:
                ident = rng.choice(pool)
                reporter_id = next_reporter
                next_reporter += 1
                reporters.append((reporter_id,) + ident + (received, received))
            case, case_events = maker.make(next_case, next(numbers), received, reporter_id)
            next_case += 1
            cases.append(case)
            events.extend(case_events)
            statuses[case["status"]] = statuses.get(case["status"], 0) + 1
        writer.chunk(reporters, cases, events)
        made += len(cases)
        events_made += len(events)
        if not quiet:
            print(f"  {made:>9,} cases, {events_made:>10,} events  "
                  f"({made / (time.perf_counter() - started):,.0f} cases/s)", flush=True)
    writer.finish()
    session.commit()
    seconds = time.perf_counter() - started
    summary = {"cases": made, "events": events_made, "seconds": round(seconds, 1), "statuses": statuses,
               "running_overdue_share": running_overdue_share(now)}
    if not quiet:
        print(f"generated {made:,} cases and {events_made:,} events in {seconds:.0f} s; "
              f"running clocks overdue: {summary['running_overdue_share']:.1%}")
    return summary


def running_overdue_share(now):
    """Share of running clocks (received, dispatched, in progress) that are past their deadline."""
    from app.extensions import db
    from app.workflow.sla import CLOCK_BY_STATUS

    total = overdue = 0
    for status, column_name in CLOCK_BY_STATUS.items():
        row = db.session.execute(text(
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE {column_name} < :now) FROM complaint WHERE status = :s"
            if db.engine.dialect.name == "postgresql" else
            f"SELECT COUNT(*), SUM(CASE WHEN {column_name} < :now THEN 1 ELSE 0 END) FROM complaint WHERE status = :s"
        ), {"now": now, "s": status}).one()
        total += row[0] or 0
        overdue += row[1] or 0
    return overdue / total if total else 0.0


def rebuild_rollups(application):
    """Recompute derived tables (KPI rollups) when the installation has the command."""
    from app.cli import lapor_cli as lapor

    if "rebuild-rollups" in getattr(lapor, "commands", {}):
        result = application.test_cli_runner().invoke(args=["lapor", "rebuild-rollups"])
        print(result.output.strip())


if __name__ == "__main__":
    from app import create_app

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    application = create_app()
    with application.app_context():
        generate(count)
        rebuild_rollups(application)
