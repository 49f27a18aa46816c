"""Role x view x permission, over HTTP, written from the role table of docs/domain.md.

* Admin: everything. Koordinator: every case, coordinating work, reference data, monitoring,
  transparency reports. OPD: the cases of their agency (and sub-units), no reference data, no
  monitoring. Pimpinan: read-only (cases, dashboards, reference data, reports). Public: nothing
  behind a login.

Every row below is one permission of one view (or menu entry), the HTTP request that needs it,
and the roles that must get through; every other role must be refused. The table must cover
every menu entry, every permission of our views and APIs, and every permission app/permissions.py
grants: renaming a view class or a menu entry without updating app/permissions.py and this
table fails (in ``sync_roles`` already, and here with the name of what is missing).
"""
import re

import pytest

from app.extensions import appbuilder, db

ADMIN, COORD, OPD, LEADER, PUBLIC = "Admin", "Koordinator", "OPD", "Pimpinan", "Public"
STAFF = {ADMIN, COORD, OPD, LEADER}
CASE_WORKERS = {ADMIN, COORD, OPD}
COORDINATION = {ADMIN, COORD}
READERS = {ADMIN, COORD, LEADER}  # every case / reference data / reports, read
LOGIN = {ADMIN: "admin", COORD: "koordinator", OPD: "opd_dinkes", LEADER: "pimpinan", PUBLIC: None}
MISSING = 999999

# (view menu name, permission, method, url, roles allowed). Placeholders: {case} a case of
# Dinkes (visible to opd_dinkes), {agency} an agency, {me} the logged-in user, {missing} no row.
MATRIX = [
    # --- cases --------------------------------------------------------------------------------
    ("DashboardView", "can_index", "GET", "/dasbor/", STAFF),
    ("ComplaintApi", "can_get", "GET", "/api/v1/complaint/", STAFF),
    ("ComplaintApi", "can_info", "GET", "/api/v1/complaint/_info", STAFF),
    ("ComplaintApi", "can_put", "PUT", "/api/v1/complaint/{missing}", CASE_WORKERS),
    ("ComplaintApi", "can_delete", "DELETE", "/api/v1/complaint/{missing}", {ADMIN}),
    # --- reference data -----------------------------------------------------------------------
    # (rows of AgencyView ... SlaSettingView are added below, one block per view)
    # --- monitoring ---------------------------------------------------------------------------
    ("TransparencyReportView", "can_list", "GET", "/transparencyreportview/list/", READERS),
    ("TransparencyReportView", "can_show", "GET", "/transparencyreportview/show/{missing}", READERS),
    ("TransparencyReportView", "can_download", "GET", "/transparencyreportview/download/{missing}/csv", READERS),
    ("TransparencyReportView", "can_generate", "GET", "/transparencyreportview/generate", COORDINATION),
    ("TransparencyReportView", "can_publish", "POST", "/transparencyreportview/publish/{missing}", COORDINATION),
    ("OutboxView", "can_list", "GET", "/outboxview/list/", COORDINATION),
    ("OutboxView", "can_show", "GET", "/outboxview/show/{missing}", COORDINATION),
    ("OutboxView", "can_retry", "POST", "/outboxview/retry/{missing}", COORDINATION),
    ("ReminderView", "can_list", "GET", "/reminderview/list/", COORDINATION),
    ("ReminderView", "can_show", "GET", "/reminderview/show/{missing}", COORDINATION),
    ("QueueStateView", "can_index", "GET", "/antrean/", COORDINATION),
    # --- hotspot alerts (issue 15): coordinators and Pimpinan read, coordinators acknowledge ----
    ("HotspotView", "can_index", "GET", "/hotspot/", READERS),
    ("HotspotView", "can_show", "GET", "/hotspot/{missing}", READERS),
    ("HotspotView", "can_acknowledge", "POST", "/hotspot/{missing}/acknowledge", COORDINATION),
    # --- intake channels ------------------------------------------------------------------------
    ("ImportView", "can_list", "GET", "/impor/", COORDINATION),
    ("ImportView", "can_add", "POST", "/impor/unggah", COORDINATION),
    ("ImportView", "can_run", "POST", "/impor/{missing}/jalankan", COORDINATION),
    ("ApiKeyView", "can_list", "GET", "/apikeys/", {ADMIN}),
    ("ApiKeyView", "can_add", "POST", "/apikeys/create", {ADMIN}),
    ("ApiKeyView", "can_revoke", "POST", "/apikeys/{missing}/revoke", {ADMIN}),
    # --- every staff member: own notifications, profile, password ------------------------------
    ("NotificationView", "can_list", "GET", "/notifikasi/", STAFF),
    ("NotificationView", "can_read", "POST", "/notifikasi/read-all", STAFF),
    ("LaporUserDBModelView", "can_userinfo", "GET", "/users/userinfo/", STAFF),
    ("LaporUserDBModelView", "userinfoedit", "POST", "/users/action/userinfoedit/{me}", STAFF),
    ("LaporUserDBModelView", "resetmypassword", "POST", "/users/action/resetmypassword/{me}", STAFF),
    ("UserInfoEditView", "can_this_form_get", "GET", "/userinfoeditview/form", STAFF),
    ("UserInfoEditView", "can_this_form_post", "POST", "/userinfoeditview/form", STAFF),
    ("ResetMyPasswordView", "can_this_form_get", "GET", "/resetmypassword/form", STAFF),
    ("ResetMyPasswordView", "can_this_form_post", "POST", "/resetmypassword/form", STAFF),
    # --- administration of users and roles (Admin only) --------------------------------------
    ("LaporUserDBModelView", "can_list", "GET", "/users/list/", {ADMIN}),
    ("LaporUserDBModelView", "can_add", "GET", "/users/add", {ADMIN}),
    ("LaporUserDBModelView", "can_edit", "GET", "/users/edit/{me}", {ADMIN}),
    ("LaporUserDBModelView", "can_show", "GET", "/users/show/{me}", {ADMIN}),
    ("LaporUserDBModelView", "can_delete", "POST", "/users/delete/{missing}", {ADMIN}),
    ("LaporUserDBModelView", "resetpasswords", "POST", "/users/action/resetpasswords/{me}", {ADMIN}),
    ("ResetPasswordView", "can_this_form_get", "GET", "/resetpassword/form?pk={me}", {ADMIN}),
    ("LoginHistoryView", "can_list", "GET", "/loginhistoryview/list/", {ADMIN}),
    ("LoginHistoryView", "can_show", "GET", "/loginhistoryview/show/{missing}", {ADMIN}),
]

# the case screen and its work queues: same permissions, each queue for the roles that work it
CASE_SCREENS = {
    # view class: (route base, roles that work it, roles that only read it)
    "ComplaintView": ("/complaintview", CASE_WORKERS, {LEADER}),
    "QueueToVerifyView": ("/queuetoverifyview", COORDINATION, set()),
    "QueueReturnedView": ("/queuereturnedview", COORDINATION, set()),
    "QueueToFollowUpView": ("/queuetofollowupview", {ADMIN, OPD}, set()),
    "QueueAwaitingReporterView": ("/queueawaitingreporterview", {ADMIN, OPD}, set()),
    "QueueOverdueView": ("/queueoverdueview", CASE_WORKERS, {LEADER}),
    "QueueUnmappedLocationView": ("/queueunmappedlocationview", COORDINATION, set()),
}
for _view, (_base, _work, _read) in CASE_SCREENS.items():
    MATRIX += [
        (_view, "can_list", "GET", f"{_base}/list/", _work | _read),
        (_view, "can_show", "GET", f"{_base}/show/{{case}}", _work | _read),
        (_view, "can_export", "GET", f"{_base}/export.csv", _work | _read),
        (_view, "can_add", "GET", f"{_base}/add", _work),
        (_view, "can_edit", "GET", f"{_base}/edit/{{case}}", _work),
        (_view, "can_act", "POST", f"{_base}/transition/{{missing}}/internal_note", _work),
        (_view, "can_delete", "POST", f"{_base}/delete/{{missing}}", {ADMIN}),
    ]

REFERENCE_SCREENS = {
    "AgencyView": "/agencyview", "CategoryView": "/categoryview", "ChannelView": "/channelview",
    "HolidayView": "/holidayview", "SlaSettingView": "/slasettingview",
}
for _view, _base in REFERENCE_SCREENS.items():
    MATRIX += [
        (_view, "can_list", "GET", f"{_base}/list/", READERS),
        (_view, "can_show", "GET", f"{_base}/show/{{missing}}", READERS),
        (_view, "can_add", "GET", f"{_base}/add", COORDINATION),
        (_view, "can_edit", "GET", f"{_base}/edit/{{missing}}", COORDINATION),
        (_view, "can_delete", "POST", f"{_base}/delete/{{missing}}", COORDINATION),
    ]

# menu entries and categories (the names given to add_view): who sees them in the navigation
MENU = {
    "Cases": STAFF, "Dashboard": STAFF, "All cases": STAFF,
    "Queues": STAFF, "To verify": COORDINATION, "Returned by OPD": COORDINATION,
    "To follow up": {ADMIN, OPD}, "Awaiting reporter": {ADMIN, OPD}, "Overdue": STAFF,
    "Unmapped locations": COORDINATION, "Hotspots": READERS,
    "Reference": READERS, "Agencies": READERS, "Categories": READERS, "Channels": READERS,
    "Holidays": READERS, "Service levels": READERS,
    "Monitoring": READERS, "Transparency reports": READERS, "Reminders": COORDINATION,
    "Outbox": COORDINATION, "Queue state": COORDINATION,
    "Notifications": STAFF,
    "Intake": COORDINATION, "Spreadsheet import": COORDINATION, "API keys": {ADMIN},
    "Security": {ADMIN}, "Login history": {ADMIN}, "List Users": {ADMIN}, "List Roles": {ADMIN}, "List Groups": {ADMIN},
}

# what Flask-AppBuilder can serve but this installation does not register, so no role reaches it:
# the menu API (the navigation is rendered on the server, no screen or script reads the API)
NOT_SERVED = {"MenuApi": ("GET", "/api/v1/menu/")}

# permissions of FAB's own security screens that only Admin has and that are not probed one by
# one (their menu entries are, above); anything else of ours must have a MATRIX row
FAB_ADMIN_SCREENS = {"RoleModelView", "UserGroupModelView", "ResetPasswordView", "LaporUserDBModelView"}


def _menu_items():
    """(name, url or None for a category, icon, category name) of every menu entry registered."""
    from flask import current_app

    with current_app.test_request_context():
        return _walk_menu()


def _walk_menu():
    result = []
    for item in appbuilder.menu.get_list():
        if item.childs:
            result.append((item.name, None, item.icon, None))
            result += [(child.name, child.get_url(), child.icon, item.name)
                       for child in item.childs if child.name != "-"]
        else:
            result.append((item.name, item.get_url(), item.icon, None))
    return result


def _all_pairs():
    from app.security import LaporSecurityManager  # noqa: F401

    sm = appbuilder.sm
    return {(pvm.view_menu.name, pvm.permission.name)
            for pvm in db.session.query(sm.permissionview_model).all() if pvm.permission and pvm.view_menu}


# --- the table is complete -------------------------------------------------------------------


def test_every_menu_entry_is_in_the_matrix(ctx):
    registered = {name for name, _url, _icon, _cat in _menu_items()}
    missing = sorted(registered - set(MENU))
    assert not missing, (f"menu entries {missing} are not in MENU of {__file__}: add each with the roles "
                         "that must see it (and to app/permissions.py)")
    stale = sorted(set(MENU) - registered)
    assert not stale, (f"MENU of {__file__} names {stale}, which no longer exist in the navigation "
                       "(renamed in app/views/__init__.py?): update app/permissions.py and this table")


def test_every_permission_of_our_views_and_every_grant_is_probed(ctx):
    from app.permissions import ROLE_PERMISSIONS

    probed = {(view, permission) for view, permission, *_ in MATRIX} | {(name, "menu_access") for name in MENU}
    registered = _all_pairs()
    ours = {(view, permission) for view, permission in registered
            if permission != "menu_access" and view not in FAB_ADMIN_SCREENS}
    missing = sorted(f"{permission} on {view}" for view, permission in ours - probed)
    assert not missing, (f"no row in MATRIX of {__file__} for: {missing}. Add one per permission "
                         "(the request that needs it and the roles that must get through)")
    granted = {(view, permission) for table in ROLE_PERMISSIONS.values()
               for view, permissions in table.items() for permission in permissions}
    unprobed = sorted(f"{permission} on {view}" for view, permission in granted - probed)
    assert not unprobed, f"app/permissions.py grants {unprobed} but MATRIX of {__file__} never checks them"
    stale = sorted(f"{permission} on {view}" for view, permission in probed - registered)
    assert not stale, (f"MATRIX of {__file__} names {stale}, which no registered view provides "
                       "(a class or menu entry renamed?): update app/permissions.py and this table")


def test_what_is_not_served_has_no_permission_of_any_role(ctx):
    from app.permissions import ROLE_PERMISSIONS

    registered = {view for view, _permission in _all_pairs()}
    granted = {view for table in ROLE_PERMISSIONS.values() for view in table}
    assert not set(NOT_SERVED) & registered and not set(NOT_SERVED) & granted


# --- and holds over HTTP ---------------------------------------------------------------------


def _denied(response):
    """FAB refuses with 401/403, by sending to the login page, or (list actions) back with a flash."""
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "")
    return response.status_code == 302 and "/login" in location


def _refused_action(response):
    """FAB's single-row actions refuse by redirecting back instead of to the action's target."""
    location = response.headers.get("Location", "")
    return _denied(response) or (response.status_code == 302 and "form" not in location)


@pytest.fixture
def case(make_case):
    return make_case(agency="DINKES", status="dispatched", reporter=False)


@pytest.mark.parametrize("role", [ADMIN, COORD, OPD, LEADER, PUBLIC])
def test_each_role_reaches_exactly_its_views_over_http(role, app, client, login_as, case, world):
    if LOGIN[role]:
        login_as(LOGIN[role])
    me = world.user(LOGIN[role] or "admin").id
    values = {"case": case.id, "missing": MISSING, "me": me, "agency": world.agency("DINKES").id}
    wrong = []
    for view, permission, method, url, allowed in MATRIX:
        url = url.format(**values)
        kwargs = {"json": {}} if url.startswith("/api/") and method in ("PUT", "POST") else {}
        response = client.open(url, method=method, **kwargs)
        response.get_data()  # streamed responses (CSV exports) run to the end
        response.close()
        refused = _refused_action(response) if "/action/" in url else _denied(response)
        if response.status_code >= 500:
            wrong.append(f"{method} {url} ({permission} on {view}): {response.status_code}")
        elif (role in allowed) == refused:
            expected = "allowed" if role in allowed else "refused"
            wrong.append(f"{method} {url} ({permission} on {view}): expected {expected}, "
                         f"got {response.status_code} {response.headers.get('Location', '')}")
    for view, (method, url) in NOT_SERVED.items():
        response = client.open(url, method=method)
        if response.status_code != 404:
            wrong.append(f"{method} {url} ({view}, not served): expected 404, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", [ADMIN, COORD, OPD, LEADER, PUBLIC])
def test_each_role_sees_exactly_its_menu_entries_and_can_open_them(role, app, client, login_as, case):
    if LOGIN[role]:
        login_as(LOGIN[role])
    # the staff navigation bar (the public pages have their own light layout without it)
    page = client.get("/dasbor/" if LOGIN[role] else "/login/").get_data(as_text=True)
    navbar_hrefs = set(re.findall(r'<a tabindex="-1" href="([^"]+)"', page))
    category_icons = set(re.findall(r'<a class="dropdown-toggle"[^>]*>\s*<i class="fa (fa-[\w-]+)"', page))
    wrong = []
    for name, url, icon, _category in _menu_items():
        should = role in MENU[name]
        shown = icon in category_icons if url is None else url in navbar_hrefs
        if shown != should:
            wrong.append(f"menu entry {name!r}: expected {'shown' if should else 'hidden'}")
        if url is not None:
            response = client.get(url)
            if response.status_code >= 500 or _denied(response) == should:
                wrong.append(f"menu entry {name!r} ({url}): expected {'allowed' if should else 'refused'}, "
                             f"got {response.status_code}")
            elif should and response.status_code != 200:
                wrong.append(f"menu entry {name!r} ({url}): expected 200, got {response.status_code}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_a_view_taken_out_leaves_no_permission_behind(ctx):
    """An installation upgraded from a version that served a view (the menu API, FAB's raw
    permission screens) keeps its rows until ``flask lapor init`` runs ``sync_roles``: then they
    go, with every grant of them, and the admin's role form no longer lists them."""
    from app.security import sync_roles

    sm = appbuilder.sm
    stale = sm.add_permission_view_menu("can_get", "MenuApi")
    for name in (ADMIN, COORD):
        sm.add_permission_role(sm.find_role(name), stale)
    db.session.commit()
    assert ("MenuApi", "can_get") in _all_pairs()
    sync_roles(appbuilder)
    assert "MenuApi" not in {view for view, _permission in _all_pairs()}
    for name in (ADMIN, COORD):
        assert "MenuApi" not in {pvm.view_menu.name for pvm in sm.find_role(name).permissions}
