"""The staff menu is rendered once per kind of visitor (app/views/navigation.py) and never goes stale:
a change of permissions, of the unread count or of the language shows on the next page."""
import re

from app.extensions import db


def menu_links(page):
    """The menu entries' targets of a staff page (the navbar's left-hand list)."""
    menu = page.split('<ul class="nav navbar-nav">', 1)[1].split("</ul>\n", 1)[0]
    return set(re.findall(r'href="(/[^"#]*)"', menu))


def test_each_role_sees_its_own_menu_from_the_same_process(login_as):
    coordinator = menu_links(login_as("koordinator").get("/dasbor/").get_data(as_text=True))
    officer = menu_links(login_as("opd_dinkes").get("/dasbor/").get_data(as_text=True))
    assert "/users/list/" not in coordinator | officer  # user accounts are the admin's
    assert "/agencyview/list/" in coordinator
    assert "/agencyview/list/" not in officer
    admin = menu_links(login_as("admin").get("/dasbor/").get_data(as_text=True))
    assert "/users/list/" in admin


def test_a_permission_taken_away_leaves_the_cached_menu_at_once(login_as, ctx):
    from app.extensions import appbuilder

    sm = appbuilder.sm
    client = login_as("koordinator")
    assert "/holidayview/list/" in menu_links(client.get("/dasbor/").get_data(as_text=True))
    role = sm.find_role("Koordinator")
    pvm = sm.find_permission_view_menu("menu_access", "Holidays")
    assert pvm is not None and pvm in role.permissions
    sm.del_permission_role(role, pvm)
    try:
        assert "/holidayview/list/" not in menu_links(client.get("/dasbor/").get_data(as_text=True))
    finally:
        sm.add_permission_role(role, pvm)
    assert "/holidayview/list/" in menu_links(client.get("/dasbor/").get_data(as_text=True))


def test_the_unread_count_in_the_menu_follows_new_notifications(login_as, world, jobs):
    from app.models import Notification

    client = login_as("opd_pupr")
    user = world.user("opd_pupr")
    assert "Notifikasi (" not in client.get("/dasbor/").get_data(as_text=True)
    db.session.add(Notification(user_id=user.id, topic="reminder", text="Pengingat uji"))
    db.session.commit()
    assert "Notifikasi (1)" in client.get("/dasbor/").get_data(as_text=True)
    db.session.execute(Notification.__table__.delete().where(Notification.user_id == user.id))
    db.session.commit()
    assert "Notifikasi (" not in client.get("/dasbor/").get_data(as_text=True)


def test_the_menu_follows_the_language(login_as):
    client = login_as("koordinator")
    assert "Semua laporan" in client.get("/dasbor/").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/dasbor/").get_data(as_text=True)
    assert "All Cases" in english and "Semua laporan" not in english
    client.get("/lang/id")
    assert "Semua laporan" in client.get("/dasbor/").get_data(as_text=True)


def test_list_rows_link_to_their_own_case(login_as, make_case):
    """The row buttons are rendered once and given each row's key: every row's show and edit
    links carry the key of the case in that row."""
    for _ in range(3):
        make_case(agency="DINKES", status="dispatched")
    page = login_as("koordinator").get("/complaintview/list/").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    checked = 0
    for row in rows:
        key = re.search(r'name="rowid" value="(\d+)"', row)
        if not key:
            continue
        targets = re.findall(r'href="/complaintview/(show|edit)/(\d+)', row)
        assert targets and {pk for _, pk in targets} == {key.group(1)}, row
        checked += 1
    assert checked >= 3


def test_the_menu_is_not_checked_entry_by_entry_on_every_page(login_as, monkeypatch):
    """Rendering FAB's menu asks the security manager once per entry; the cached menu does not."""
    from app.extensions import appbuilder

    client = login_as("koordinator")
    assert client.get("/dasbor/").status_code == 200
    checks = []
    original = appbuilder.sm.has_access

    def counting(permission_name, view_name):
        checks.append((permission_name, view_name))
        return original(permission_name, view_name)

    monkeypatch.setattr(appbuilder.sm, "has_access", counting)
    page = client.get("/dasbor/").get_data(as_text=True)
    assert "/complaintview/list/" in menu_links(page)
    assert [check for check in checks if check[0] == "menu_access"] == []
