"""Every test starts in the fixed world, whatever ran before it (the tests of this file run in order:
the first leaves the demo kabupaten and more behind, the second must not see any of it)."""
import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Agency, ApiClientKey, Category, Holiday, LaporUser
from tests.conftest import WORLD_AGENCIES, WORLD_USERS

LEFT_HOLIDAY = datetime.date(2026, 8, 18)  # a Tuesday, no national holiday


def test_a_test_that_seeds_the_demo_and_adds_reference_rows_leaves_them(ctx, world):
    from app.demo import seed_demo

    seed_demo(count=8)
    db.session.add(Holiday(date=LEFT_HOLIDAY, name="Hari jadi uji", kind="local"))
    db.session.add(ApiClientKey(name="Kunci uji", prefix="uji12345", key_hash="x" * 64, channel=world.channel()))
    db.session.commit()
    assert world.agency("DISHUB") and world.user("pimpinan").agency_id == world.agency("SETDA").id


def test_the_next_test_finds_only_the_fixed_world(ctx, world):
    agencies = {a.code: (a.name, a.parent.code if a.parent else None) for a in db.session.execute(select(Agency)).scalars()}
    assert agencies == {code: (name, parent) for code, name, _level, parent in WORLD_AGENCIES}
    users = {u.username: (u.roles[0].name, u.agency_id) for u in db.session.execute(select(LaporUser)).scalars()}
    assert users == {name: (role, world.agency(code).id if code else None) for name, role, code in WORLD_USERS}
    assert db.session.execute(select(Category)).first() is None
    assert db.session.execute(select(ApiClientKey)).first() is None
    assert db.session.execute(select(Holiday).where(Holiday.date == LEFT_HOLIDAY)).first() is None
