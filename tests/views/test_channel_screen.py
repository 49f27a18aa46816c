"""The channel screen: intake finds its channels by their codes ("web" for the public form,
"whatsapp", "sms", "email", the import's), so a built-in channel keeps its code and is never
deleted (renamed, the public form answered every report with a server error); and no second
channel reads like another one (" WEB ", "situs web") or is made of spaces only."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Channel
from app.workflow.defaults import CHANNELS
from tests.conftest import visible_text
from tests.views.test_public import submit


WEB_ID = []


def web():
    db.session.expire_all()
    return db.session.get(Channel, WEB_ID[0])


@pytest.fixture
def new_channels(world):
    WEB_ID[:] = [db.session.execute(select(Channel.id).where(Channel.code == "web")).scalar_one()]
    yield
    db.session.rollback()
    db.session.query(Channel).filter(Channel.id.not_in([db.session.execute(
        select(Channel.id).where(Channel.code == code)).scalar() or WEB_ID[0] for code, _name in CHANNELS])
    ).delete(synchronize_session=False)
    channel = web()
    channel.code, channel.name = "web", "Situs web"
    db.session.commit()


def test_a_built_in_channel_keeps_its_code_and_the_public_form_keeps_working(login_as, new_channels):
    client = login_as("koordinator")
    channel = web()
    response = client.post(f"/channelview/edit/{channel.id}", data={"code": "situs", "name": "Portal web",
                                                                       "active": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kode kanal bawaan tidak dapat diubah" in visible_text(page) and '"web"' in visible_text(page)
    assert 'value="situs"' in page and 'value="Portal web"' in page  # what was typed stays
    assert web().code == "web"
    response = client.post(f"/channelview/edit/{channel.id}", data={"code": "web", "name": "Portal web",
                                                                       "active": "y"})
    assert response.status_code == 302
    assert db.session.get(Channel, channel.id).name == "Portal web"  # its name may change

    client.get("/logout/")
    response = submit(client)
    assert response.status_code == 302 and "/lapor/terkirim" in response.headers["Location"]


def test_a_built_in_channel_is_never_deleted_even_unused(login_as, new_channels):
    client = login_as("koordinator")
    channel = web()  # the test world has no case on it
    response = client.post(f"/channelview/delete/{channel.id}", follow_redirects=True)
    assert "Ini kanal bawaan" in visible_text(response.get_data(as_text=True))
    assert db.session.get(Channel, channel.id) is not None


@pytest.mark.parametrize("code, name, message", [
    (" WEB ", "Radio", "Kanal \"web\" sudah ada"),
    ("radio", "situs  WEB", "Kanal \"Situs web\" sudah ada"),
    ("radio", "Situs web", "Kanal \"Situs web\" sudah ada"),  # the very same name (no unique column catches it)
    ("   ", "Radio", "Kolom ini wajib diisi."),
    ("radio", "   ", "Kolom ini wajib diisi."),
])
def test_a_channel_that_reads_like_another_or_is_blank_is_refused_with_the_input_kept(
        login_as, new_channels, code, name, message):
    client = login_as("koordinator")
    before = db.session.query(Channel).count()
    response = client.post("/channelview/add", data={"code": code, "name": name, "active": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in visible_text(page)
    assert f'value="{name}"' in page
    assert db.session.query(Channel).count() == before


def test_a_new_channel_is_saved_without_spaces_around(login_as, new_channels):
    response = login_as("koordinator").post("/channelview/add", data={"code": " radio ", "name": " Radio Sumedang ",
                                                                       "active": "y"})
    assert response.status_code == 302
    saved = db.session.execute(select(Channel).where(Channel.code == "radio")).scalar_one()
    assert saved.name == "Radio Sumedang"
