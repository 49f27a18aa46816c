"""The Admin's security screens read as words: no permission name (``can_list``, ``menu_access``), no
view class (``ComplaintView``) anywhere an admin sees who may do what. FAB's raw lists of permission
and view names are not offered (the table is code: app/permissions.py)."""
import re

import pytest

from tests.views.test_raw_values import readable

INTERNAL_NAMES = r"\bcan_\w+|\bmenu_access\b|\b\w+(?:View|Api)\b"
RAW_LISTS = ("/permissions/list/", "/viewmenus/list/", "/permissionviews/list/")


def internal_names_in(body):
    return sorted(set(re.findall(INTERNAL_NAMES, readable(body))))


def security_pages(client):
    """Every page of the Security menu, with the show, edit and add pages its lists link to."""
    home = client.get("/dasbor/").get_data(as_text=True)
    menu = re.search(r'(?s)<div class="navbar-collapse collapse">.*?</header>', home).group(0)
    queue = sorted(set(re.findall(r'href="(/(?:users|roles|groups)/[^"#?]*)"', menu)))
    assert "/roles/list/" in queue and "/users/list/" in queue
    pages, seen = {}, set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        pages[url] = body
        if "/list/" in url:
            queue += sorted(set(re.findall(r'href="(/(?:users|roles|groups)/(?:show|edit)/\d+)"', body)))
            queue += sorted(set(re.findall(r'href="(/(?:users|roles|groups)/add)"', body)))
    return pages


def test_no_security_screen_shows_a_permission_or_view_name(login_as):
    client = login_as("admin")
    pages = security_pages(client)
    assert any(url.startswith("/roles/edit/") for url in pages) and "/roles/add" in pages
    found = {url: names for url, body in pages.items() if (names := internal_names_in(body))}
    assert not found, f"internal names on the security screens: {found}"


def test_the_role_form_offers_each_permission_in_words(login_as):
    client = login_as("admin")
    body = client.get("/roles/add").get_data(as_text=True)
    assert "melihat daftar — Semua laporan" in readable(body)


@pytest.mark.parametrize("url", RAW_LISTS)
def test_the_raw_permission_lists_are_neither_in_the_menu_nor_reachable(login_as, url):
    client = login_as("admin")
    home = client.get("/dasbor/").get_data(as_text=True)
    assert f'href="{url}' not in home
    assert client.get(url).status_code == 404


def test_every_permission_an_admin_can_grant_has_words(ctx):
    from app.accounts import PERMISSION_WORDS, _screen_names
    from app.extensions import appbuilder, db

    screens = _screen_names(appbuilder)
    pairs = [(pvm.view_menu.name, pvm.permission.name)
             for pvm in db.session.query(appbuilder.sm.permissionview_model).all()]
    assert pairs
    unnamed = sorted({view for view, _permission in pairs if view not in screens})
    assert not unnamed, f"screens without a label (SCREEN_WORDS in app/accounts.py): {unnamed}"
    wordless = sorted({permission for _view, permission in pairs if permission not in PERMISSION_WORDS})
    assert not wordless, f"permissions without words (PERMISSION_WORDS in app/accounts.py): {wordless}"


def test_an_upgraded_installation_keeps_no_grant_of_the_screens_no_longer_offered(ctx):
    """A database from before keeps rows like "can_list on PermissionModelView": the Admin role loses them
    (its screen would otherwise list them as "other access")."""
    from app.extensions import appbuilder, db
    from app.security import sync_roles
    from app.workflow.access import ROLE_ADMIN

    sm = appbuilder.sm
    leftover = sm.add_permission_view_menu("can_list", "PermissionModelView")
    sm.add_permission_role(sm.find_role(ROLE_ADMIN), leftover)
    try:
        sync_roles(appbuilder)
        admin = sm.find_role(ROLE_ADMIN)
        assert leftover not in admin.permissions
        assert any(pvm.view_menu.name == "ComplaintView" for pvm in admin.permissions)
    finally:
        sm.del_permission_view_menu("can_list", "PermissionModelView", cascade=True)
        sm.del_view_menu("PermissionModelView")
        db.session.commit()
