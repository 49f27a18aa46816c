"""Category hierarchy on the screen: a category placed under itself or under one of its own
sub-categories is refused in the form, next to the field, with the input kept (it was a "database
error" and a redirect for itself, and an accepted loop for a sub-category)."""
import pytest

from app.extensions import db
from app.models import Category
from tests.conftest import visible_text

MESSAGE = "Kategori tidak dapat ditempatkan di bawah dirinya sendiri atau di bawah salah satu subkategorinya."


@pytest.fixture
def roads(world):
    roads = Category(name="Jalan dan Jembatan", active=True)
    db.session.add(roads)
    db.session.flush()
    potholes = Category(name="Jalan Berlubang", parent_id=roads.id, active=True)
    db.session.add(potholes)
    db.session.commit()
    yield roads, potholes
    db.session.rollback()
    ids = (roads.id, potholes.id)
    db.session.query(Category).filter(Category.id.in_(ids)).update({"parent_id": None})
    db.session.query(Category).filter(Category.id.in_(ids)).delete()
    db.session.commit()


def test_the_category_form_refuses_a_loop_and_keeps_the_input(login_as, roads):
    roads, potholes = roads
    client = login_as("koordinator")
    for parent in (roads.id, potholes.id):  # itself, then its own sub-category
        response = client.post(f"/categoryview/edit/{roads.id}", data={
            "name": "Jalan, Jembatan dan Trotoar", "parent": str(parent), "description": "Ruas jalan kabupaten"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and MESSAGE in visible_text(page)
        assert "Jalan, Jembatan dan Trotoar" in page and "Ruas jalan kabupaten" in page
        db.session.expire_all()
        assert db.session.get(Category, roads.id).parent_id is None
        assert db.session.get(Category, roads.id).name == "Jalan dan Jembatan"


def test_a_sub_category_still_moves_under_another_category(login_as, roads):
    roads, potholes = roads
    response = login_as("koordinator").post(f"/categoryview/edit/{potholes.id}", data={
        "name": "Jalan Berlubang", "parent": "", "description": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Category, potholes.id).parent_id is None
