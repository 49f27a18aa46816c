"""The agency hierarchy: one helper walks it up and down, refuses loops, and survives legacy ones."""
import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Agency
from app.workflow import agencies
from app.workflow.errors import ValidationFailed


@pytest.fixture
def legacy_loop(world):
    """Dinkes placed under its own unit RSUD, written straight into the table (as old data may be)."""
    dinkes, rsud, pemda = world.agency("DINKES"), world.agency("RSUD"), world.agency("PEMDA")
    db.session.execute(update(Agency).where(Agency.id == dinkes.id).values(parent_id=rsud.id))
    db.session.commit()
    yield dinkes, rsud
    db.session.rollback()
    db.session.execute(update(Agency).where(Agency.id == dinkes.id).values(parent_id=pemda.id))
    db.session.commit()
    db.session.expire_all()


def test_descendants_and_ancestors(world):
    ids = {code: world.agency(code).id for code in ("PEMDA", "DINKES", "RSUD", "PUPR", "DISKOMINFO")}
    # (other tests may add agencies: only the fixed world's relations are asserted)
    under_dinkes = agencies.descendant_ids(ids["DINKES"])
    assert under_dinkes[:2] == [ids["DINKES"], ids["RSUD"]] and len(set(under_dinkes)) == len(under_dinkes)
    assert ids["PUPR"] not in under_dinkes and ids["PEMDA"] not in under_dinkes
    assert set(ids.values()) <= set(agencies.descendant_ids(ids["PEMDA"]))
    assert agencies.ancestor_ids(ids["RSUD"]) == [ids["RSUD"], ids["DINKES"], ids["PEMDA"]]
    assert agencies.ancestor_ids(ids["PEMDA"]) == [ids["PEMDA"]]
    assert agencies.descendant_ids(None) == [] and agencies.ancestor_ids(None) == []


def test_a_parent_that_is_the_agency_itself_or_one_of_its_units_is_refused(world):
    from flask_babel import force_locale

    dinkes, rsud, pupr = world.agency("DINKES"), world.agency("RSUD"), world.agency("PUPR")
    for parent in (dinkes, rsud):
        with force_locale("id"), pytest.raises(ValidationFailed) as refused:
            agencies.assert_valid_parent(dinkes.id, parent.id)
        assert str(refused.value.message) == \
            "Instansi tidak dapat ditempatkan di bawah dirinya sendiri atau di bawah salah satu sub-unitnya."
    agencies.assert_valid_parent(rsud.id, pupr.id)  # moving a unit elsewhere is fine
    agencies.assert_valid_parent(dinkes.id, None)


def test_a_legacy_loop_ends_each_walk_with_every_agency_once(legacy_loop):
    dinkes, rsud = legacy_loop
    under_dinkes = agencies.descendant_ids(dinkes.id)
    assert under_dinkes[:2] == [dinkes.id, rsud.id] and len(set(under_dinkes)) == len(under_dinkes)
    assert agencies.ancestor_ids(rsud.id) == [rsud.id, dinkes.id]
    assert agencies.ancestor_ids(dinkes.id) == [dinkes.id, rsud.id]
