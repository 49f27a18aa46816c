"""Generate a large, realistic case load for benchmarks (bulk SQL inserts, not the ORM).

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/generate.py 200000

Needs a migrated database with the demo reference data (`flask db upgrade`,
`flask lapor init`, `flask lapor seed-demo --cases 0`). Statuses, deadlines and
agencies are spread like the demo; about 1 case in 20 is overdue.
"""
import datetime as dt
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, select  # noqa: E402

STATES = [("received", 8), ("on_hold", 3), ("archived", 5), ("forwarded", 2), ("dispatched", 10),
          ("in_progress", 15), ("resolved", 10), ("closed", 47)]
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def generate(count, batch=5000, seed=7):
    from app.extensions import db
    from app.models import Agency, Category, Channel, Complaint, ComplaintEvent
    from app.workflow.numbers import _check_symbol

    rng = random.Random(seed)
    agencies = list(db.session.execute(select(Agency.id).where(Agency.level != "pemda")).scalars())
    categories = list(db.session.execute(select(Category.id)).scalars())
    channels = list(db.session.execute(select(Channel.id)).scalars())
    districts = ["Sukamaju Kota", "Cibeureum", "Margahayu", "Tanjungsari", "Pasirwangi", "Karangjaya"]
    states = [s for s, share in STATES for _ in range(share)]
    now = dt.datetime.utcnow()
    started = time.perf_counter()
    made = 0
    while made < count:
        rows, events = [], []
        for _ in range(min(batch, count - made)):
            body = "".join(rng.choice(ALPHABET) for _ in range(8))
            received = now - dt.timedelta(days=rng.uniform(0, 365))
            status = rng.choice(states)
            late = rng.random() < 0.05
            row = {
                "tracking_number": f"{body[:4]}-{body[4:]}-{_check_symbol(body)}",
                "kind": rng.choice(["complaint"] * 7 + ["aspiration", "information"]),
                "title": "Laporan uji beban " + body, "description": "Uraian laporan untuk uji beban. " * 3,
                "category_id": rng.choice(categories), "channel_id": rng.choice(channels),
                "district": rng.choice(districts), "status": status, "received_at": received,
                "verification_due": received + dt.timedelta(days=3 if not late else -1), "is_anonymous": False,
                "is_confidential": rng.random() < 0.05, "needs_inspection": False, "version": 1,
                "updated_at": received,
            }
            if status in ("dispatched", "in_progress", "resolved", "closed"):
                row["agency_id"] = rng.choice(agencies)
                row["verified_at"] = row["dispatched_at"] = received + dt.timedelta(hours=rng.uniform(2, 60))
                row["first_response_due"] = (now - dt.timedelta(days=1)) if late else row["dispatched_at"] + dt.timedelta(days=7)
                row["resolution_due"] = row["dispatched_at"] + dt.timedelta(days=20)
            if status in ("in_progress", "resolved", "closed"):
                row["first_response_at"] = row["dispatched_at"] + dt.timedelta(hours=rng.uniform(3, 120))
            if status in ("resolved", "closed"):
                row["resolved_at"] = row["first_response_at"] + dt.timedelta(days=rng.uniform(1, 15))
                row["auto_close_due"] = row["resolved_at"] + dt.timedelta(days=14)
            if status == "closed":
                row["closed_at"] = row["resolved_at"] + dt.timedelta(days=rng.uniform(1, 10))
                row["rating"] = rng.choice([3, 4, 4, 5, 5])
            rows.append(row)
        ids = db.session.execute(insert(Complaint).returning(Complaint.id), rows).scalars().all()
        for case_id, row in zip(ids, rows):
            events.append({"complaint_id": case_id, "created_at": row["received_at"], "actor_kind": "reporter",
                           "kind": "received", "to_status": "received", "is_public": True})
            if row.get("dispatched_at"):
                events.append({"complaint_id": case_id, "created_at": row["dispatched_at"], "actor_kind": "staff",
                               "kind": "dispatched", "from_status": "received", "to_status": "dispatched",
                               "to_agency_id": row["agency_id"], "is_public": True})
        db.session.execute(insert(ComplaintEvent), events)
        db.session.commit()
        made += len(rows)
        print(f"  {made:>9,} cases  ({made / (time.perf_counter() - started):,.0f}/s)", flush=True)
    return made


if __name__ == "__main__":
    from app import create_app

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    application = create_app()
    with application.app_context():
        generate(count)
