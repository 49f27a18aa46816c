"""Every role reaches its profile and changes its own password (current one + strength rule)."""
import pytest

from tests.conftest import PASSWORD, visible_text

NEW = "Sandi-Baru-2026x"


@pytest.fixture
def restore_password(app, world):
    changed = []
    yield changed.append
    from app.extensions import appbuilder

    for username in changed:
        appbuilder.sm.reset_password(world.user(username).id, PASSWORD)


def sign_in(client, username, password):
    client.get("/logout/")
    response = client.post("/login/", data={"username": username, "password": password})
    return response.status_code == 302 and "/login" not in response.headers["Location"]


@pytest.mark.parametrize("username", ["koordinator", "opd_dinkes", "pimpinan"])
def test_each_role_changes_its_own_password(client, restore_password, world, username):
    assert sign_in(client, username, PASSWORD)
    restore_password(username)
    profile = client.get("/users/userinfo/")
    assert profile.status_code == 200
    assert "resetmypassword" in profile.get_data(as_text=True)  # the profile's "change my password" action
    action = client.post(f"/users/action/resetmypassword/{world.user(username).id}")
    assert action.status_code == 302 and action.headers["Location"].endswith("/resetmypassword/form")
    form = client.get("/resetmypassword/form")
    assert form.status_code == 200 and 'name="current_password"' in form.get_data(as_text=True)

    wrong = client.post("/resetmypassword/form", data={"current_password": "salah-sekali-1", "password": NEW, "conf_password": NEW})
    assert "Kata sandi saat ini tidak benar." in visible_text(wrong.get_data(as_text=True))
    weak = client.post("/resetmypassword/form", data={"current_password": PASSWORD, "password": "pendek1", "conf_password": "pendek1"})
    assert "paling sedikit 10 karakter" in visible_text(weak.get_data(as_text=True)).lower()
    assert sign_in(client, username, PASSWORD)  # nothing changed yet

    done = client.post("/resetmypassword/form", data={"current_password": PASSWORD, "password": NEW, "conf_password": NEW})
    assert done.status_code == 302
    assert not sign_in(client, username, PASSWORD)
    assert sign_in(client, username, NEW)


def test_admin_resets_and_deactivates_accounts(client, restore_password, world):
    assert sign_in(client, "admin", PASSWORD)
    officer = world.user("opd_pupr")
    restore_password("opd_pupr")
    response = client.post(f"/resetpassword/form?pk={officer.id}", data={"password": NEW, "conf_password": NEW})
    assert response.status_code == 302
    assert sign_in(client, "opd_pupr", NEW)
    from app.extensions import db

    officer.active = False
    db.session.commit()
    try:
        assert not sign_in(client, "opd_pupr", NEW)
    finally:
        officer.active = True
        db.session.commit()


def test_the_roles_screen_says_in_words_what_each_role_may_do(client, world):
    from app.extensions import appbuilder

    assert sign_in(client, "admin", PASSWORD)
    listing = client.get("/roles/list/")
    assert listing.status_code == 200
    role = appbuilder.sm.find_role("Koordinator")
    page = client.get(f"/roles/show/{role.id}")
    assert page.status_code == 200
    text = visible_text(page.get_data(as_text=True))
    assert "Semua laporan" in text and "ekspor ke XLSX/CSV" in text and "ubah kata sandi sendiri" in text
    for raw in ("can_", "menu_access", "ModelView", "QueueOverdueView", "this_form"):
        assert raw not in text and raw not in visible_text(listing.get_data(as_text=True))
    assert sign_in(client, "koordinator", PASSWORD)
    assert client.get(f"/roles/show/{role.id}").status_code in (302, 403)  # not for non-admin eyes


def test_the_roles_search_names_its_columns_in_indonesian(client, world):
    import re

    assert sign_in(client, "admin", PASSWORD)
    page = client.get("/roles/list/").get_data(as_text=True)
    offered = re.findall(r'<a href="#" name="(\w+)" class="filter">\s*([^<]*?)\s*</a>', page)
    assert dict(offered) == {"name": "Nama", "permissions": "Hak Akses", "user": "Pengguna", "groups": "Grup"}


def test_the_password_fields_say_what_the_policy_checks(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_MIN_LENGTH", 12)
    assert sign_in(client, "admin", PASSWORD)
    for url in ("/resetmypassword/form", f"/resetpassword/form?pk={world.user('opd_dinkes').id}"):
        text = visible_text(client.get(url).get_data(as_text=True))
        assert "tidak memeriksa" not in text  # FAB's "this application does not check this for you"
        assert "Paling sedikit 12 karakter; tidak memuat nama pengguna" in text, url


def _user_form(user, **changes):
    data = {"first_name": user.first_name, "last_name": user.last_name, "username": user.username,
            "email": user.email, "active": "y", "roles": [r.id for r in user.roles],
            "agency": user.agency_id or "__None"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_only_active_admin_cannot_lose_the_role_be_deactivated_or_deleted(client, world):
    from app.extensions import appbuilder, db

    assert sign_in(client, "admin", PASSWORD)
    admin = world.user("admin")
    leader_role = appbuilder.sm.find_role("Pimpinan").id
    for changes in ({"roles": [leader_role]}, {"active": None}):
        response = client.post(f"/users/edit/{admin.id}", data=_user_form(admin, **changes))
        assert "Ini satu-satunya admin yang aktif" in visible_text(response.get_data(as_text=True)), changes
    response = client.post(f"/users/delete/{admin.id}", follow_redirects=True)
    assert "Ini satu-satunya admin yang aktif" in visible_text(response.get_data(as_text=True))
    db.session.expire_all()
    admin = world.user("admin")
    assert admin.active and [r.name for r in admin.roles] == ["Admin"]


def test_an_opd_officer_needs_an_agency(client, world):
    from app.extensions import db

    assert sign_in(client, "admin", PASSWORD)
    officer = world.user("opd_pupr")
    response = client.post(f"/users/edit/{officer.id}", data=_user_form(officer, agency="__None"))
    assert "Pilih instansi petugas ini" in visible_text(response.get_data(as_text=True))
    db.session.expire_all()
    assert world.user("opd_pupr").agency_id is not None
    response = client.post(f"/users/edit/{officer.id}", data=_user_form(world.user("opd_pupr")))  # with its agency
    assert response.status_code == 302


def test_account_times_read_as_local_times_not_iso(client, world):
    import datetime

    from app.extensions import db

    officer = world.user("opd_pupr")
    officer.created_on = datetime.datetime(2026, 11, 24, 2, 30, 15, 123456)  # UTC, as stored
    officer.changed_on = datetime.datetime(2026, 11, 24, 3, 5)
    db.session.commit()
    assert sign_in(client, "admin", PASSWORD)
    text = visible_text(client.get(f"/users/show/{officer.id}").get_data(as_text=True)).replace("\u00a0", " ")
    assert "24 Nov 2026 09.30 WIB" in text and "24 Nov 2026 10.05 WIB" in text
    assert "2026-11-24" not in text and "02:30" not in text


def test_a_user_saved_without_a_role_is_told_to_choose_one(client, world):
    assert sign_in(client, "admin", PASSWORD)
    response = client.post("/users/add", data={
        "first_name": "Siti", "last_name": "Rahma", "username": "siti.rahma", "email": "siti@contoh.go.id",
        "active": "y", "password": NEW, "conf_password": NEW})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pilih paling sedikit satu peran." in visible_text(page)
    assert 'value="siti.rahma"' in page and 'value="Siti"' in page  # what was typed stays
    officer = world.user("opd_pupr")
    response = client.post(f"/users/edit/{officer.id}", data={
        "first_name": officer.first_name, "last_name": officer.last_name, "username": officer.username,
        "email": officer.email, "active": "y", "agency": officer.agency_id})
    assert response.status_code == 200
    assert "Pilih paling sedikit satu peran." in visible_text(response.get_data(as_text=True))


def test_own_profile_refuses_a_name_longer_than_its_column_and_keeps_it(login_as, world):
    client = login_as("opd_dinkes")
    long_name = "Siti Nurhaliza binti Abdurrahman Wahid Kusumawardhani Prawiranegara"
    assert len(long_name) > 64
    response = client.post("/userinfoeditview/form", data={"first_name": long_name, "last_name": "Dinkes"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kolom ini paling banyak berisi 64 karakter." in visible_text(page)
    assert f'value="{long_name}"' in page
    from app.extensions import db

    db.session.expire_all()
    assert world.user("opd_dinkes").first_name != long_name


TAKEN = "Akun lain sudah masuk dengan nama \"{}\""


def test_a_user_name_another_account_has_in_other_capitals_is_refused_and_the_input_kept(client, world):
    """Sign-in finds a user by name without regard to capitals: a new "ADMIN" beside "admin" left neither
    able to sign in (the only administrator locked out). Refused next to the field, what was typed kept;
    a name typed with spaces around is saved without them, so it signs in as typed."""
    from app.extensions import appbuilder, db

    assert sign_in(client, "admin", PASSWORD)
    form = {"first_name": "Siti", "last_name": "Rahma", "email": "siti@contoh.go.id", "active": "y",
            "roles": [appbuilder.sm.find_role("Koordinator").id], "agency": "__None",
            "password": NEW, "conf_password": NEW}
    for typed, taken in (("ADMIN", "admin"), ("Opd_Dinkes", "opd_dinkes"), (" admin ", "admin")):
        response = client.post("/users/add", data={**form, "username": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, typed
        assert TAKEN.format(taken) in visible_text(page), typed
        assert f'value="{typed}"' in page and 'value="Siti"' in page
    officer = world.user("opd_pupr")
    response = client.post(f"/users/edit/{officer.id}", data=_user_form(officer, username="OPD_DINKES"))
    assert TAKEN.format("opd_dinkes") in visible_text(response.get_data(as_text=True))
    assert sign_in(client, "admin", PASSWORD) and sign_in(client, "opd_dinkes", PASSWORD)

    assert sign_in(client, "admin", PASSWORD)
    response = client.post("/users/add", data={**form, "username": " siti.rahma ", "email": " siti@contoh.go.id "})
    assert response.status_code == 302
    created = world.user("siti.rahma")
    try:
        assert (created.username, created.email) == ("siti.rahma", "siti@contoh.go.id")
        assert sign_in(client, "siti.rahma", NEW)
    finally:
        created.roles = []
        db.session.delete(created)
        db.session.commit()


@pytest.mark.parametrize("agency", ["", "__None", None])
def test_an_opd_officer_gets_an_agency_whatever_the_form_sends_for_it(client, world, agency):
    """The browser sends "__None" for no agency; a hand-made form sent "" or left the field out, and FAB's
    own check of an optional field wiped the message and saved an OPD officer who sees nothing."""
    from app.extensions import appbuilder, db

    assert sign_in(client, "admin", PASSWORD)
    form = {"first_name": "Rina", "last_name": "Dishub", "username": "rina.dishub", "email": "rina@contoh.go.id",
            "active": "y", "roles": [appbuilder.sm.find_role("OPD").id], "password": NEW, "conf_password": NEW,
            "agency": agency}
    response = client.post("/users/add", data={k: v for k, v in form.items() if v is not None})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pilih instansi petugas ini" in visible_text(page) and 'value="rina.dishub"' in page
    assert world.user("rina.dishub") is None

    officer = world.user("opd_pupr")
    response = client.post(f"/users/edit/{officer.id}", data=_user_form(officer, agency=agency))
    assert "Pilih instansi petugas ini" in visible_text(response.get_data(as_text=True))
    db.session.expire_all()
    assert world.user("opd_pupr").agency_id == world.agency("PUPR").id


def test_an_e_mail_another_account_has_in_other_capitals_is_refused_and_the_input_kept(client, world):
    """"RINA@…" beside "rina@…" is one mailbox: password resets and notices would reach two accounts."""
    from app.extensions import appbuilder

    assert sign_in(client, "admin", PASSWORD)
    form = {"first_name": "Rina", "last_name": "Uji", "username": "rina.uji", "active": "y",
            "roles": [appbuilder.sm.find_role("Pimpinan").id], "agency": "__None", "password": NEW,
            "conf_password": NEW}
    for typed in ("OPD_DINKES@uji.go.id", " opd_dinkes@UJI.go.id ", "bukan-email"):
        response = client.post("/users/add", data={**form, "email": typed})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, typed
        text = visible_text(page)
        assert ("Alamat e-mail ini sudah dipakai akun lain." in text if "@" in typed
                else "bukan-email bukan alamat e-mail yang valid." in text), typed
        assert f'value="{typed}"' in page
    assert world.user("rina.uji") is None
    officer = world.user("opd_pupr")
    response = client.post(f"/users/edit/{officer.id}", data=_user_form(officer, email="Opd_Dinkes@uji.go.id"))
    assert "Alamat e-mail ini sudah dipakai akun lain." in visible_text(response.get_data(as_text=True))
    response = client.post(f"/users/edit/{officer.id}", data=_user_form(officer, email="OPD_PUPR@uji.go.id"))
    assert response.status_code == 302  # its own address in other capitals
    client.post(f"/users/edit/{officer.id}", data=_user_form(officer, email="opd_pupr@uji.go.id"))


def test_saving_a_user_or_a_role_returns_to_its_list_and_a_case_edit_to_the_case(login_as, world, make_case):
    """FAB sent a save back through the page history every tab shares: an edit opened from a link
    landed on "/", one with another screen opened meanwhile on that screen."""
    from tests.conftest import as_seen

    admin = login_as("admin")
    user = world.user("pimpinan")
    admin.get("/users/list/?_oc_LaporUserDBModelView=username&_od_LaporUserDBModelView=asc")
    admin.get(f"/users/edit/{user.id}")
    admin.get("/holidayview/list/")  # another tab
    response = admin.post(f"/users/edit/{user.id}", data={
        "first_name": user.first_name, "last_name": user.last_name, "username": user.username,
        "email": user.email, "active": "y", "roles": [r.id for r in user.roles]})
    assert response.status_code == 302, visible_text(response.get_data(as_text=True))[:500]
    assert response.headers["Location"].endswith(
        "/users/list/?_oc_LaporUserDBModelView=username&_od_LaporUserDBModelView=asc")
    role = user.roles[0]
    response = admin.post(f"/roles/edit/{role.id}", data={
        "name": role.name, "permissions": [p.id for p in role.permissions]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/roles/list/")

    case = make_case(status="dispatched", agency="DINKES")
    officer = login_as("opd_dinkes")
    officer.get("/notifikasi/")  # nothing of the case in the history
    response = officer.post(f"/complaintview/edit/{case.id}", data=as_seen(case.id, {"address": "Jl. Kenanga 3"}))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/complaintview/show/{case.id}")


def test_saving_a_group_or_a_users_password_returns_to_its_list_and_a_refused_case_delete_to_the_queue(
        login_as, world, restore_password, make_case):
    """The groups screen and the admin's password reset still went through FAB's shared page history."""
    from app.extensions import appbuilder, db

    admin = login_as("admin")
    response = admin.post("/groups/add", data={"name": "Tim Uji Kembali", "label": "Tim uji"})  # no page before it
    assert response.status_code == 302 and response.headers["Location"].endswith("/groups/list/")
    group = db.session.query(appbuilder.sm.group_model).filter_by(name="Tim Uji Kembali").one()
    try:
        admin.get("/groups/list/?_oc_UserGroupModelView=name&_od_UserGroupModelView=desc")
        admin.get(f"/groups/edit/{group.id}")
        admin.get("/holidayview/list/")  # another tab
        response = admin.post(f"/groups/edit/{group.id}", data={"name": "Tim Uji Kembali", "label": "Tim uji 2"})
        assert response.status_code == 302 and response.headers["Location"].endswith(
            "/groups/list/?_oc_UserGroupModelView=name&_od_UserGroupModelView=desc")
    finally:
        response = admin.post(f"/groups/delete/{group.id}")
        assert response.headers["Location"].endswith("/groups/list/?_oc_UserGroupModelView=name&_od_UserGroupModelView=desc")

    officer = world.user("opd_pupr")
    restore_password("opd_pupr")
    admin.get("/users/list/?_flt_0_username=opd")
    admin.get(f"/users/show/{officer.id}")
    admin.get(f"/resetpassword/form?pk={officer.id}")
    admin.get("/channelview/list/")  # another tab
    response = admin.post(f"/resetpassword/form?pk={officer.id}", data={"password": NEW, "conf_password": NEW})
    assert response.status_code == 302 and response.headers["Location"].endswith("/users/list/?_flt_0_username=opd")

    case = make_case()
    admin.get("/queuetoverifyview/list/")
    admin.get(f"/queuetoverifyview/show/{case.id}")
    admin.get("/holidayview/list/")  # another tab
    response = admin.post(f"/queuetoverifyview/delete/{case.id}")  # cases are archived, never deleted
    assert response.status_code == 302 and response.headers["Location"].endswith("/queuetoverifyview/list/")
    assert "Laporan tidak dapat dihapus" in visible_text(admin.get(response.headers["Location"]).get_data(as_text=True))
