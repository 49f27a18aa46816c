"""Who may do what: ONE explicit table, role -> view (or API) class -> permission names.

``flask lapor init`` (:func:`app.security.sync_roles`) gives every role exactly the
permissions written here; Admin gets every permission of the installation.
Nothing is matched by pattern: a view or menu entry that is renamed without
updating this table makes ``sync_roles`` fail with a message naming the missing
entry, and ``tests/views/test_permission_matrix.py`` checks every entry over HTTP.

Keys are Flask-AppBuilder "view menu" names:

* a view or API **class name** (``ComplaintView``, ``ComplaintApi``) with its
  permissions (``can_list``, ``can_act``, ...; FAB names them ``can_<name>`` after
  ``base_permissions``/``method_permission_name``);
* a **menu entry** or **menu category** (the ``name`` given to ``add_view`` in
  ``app/views/__init__.py``, not its translated label) with ``menu_access``.

Adding a screen: register it in ``app/views``, add one line per role below, and one
row to ``MATRIX`` in the matrix test (its failure message says which is missing).
"""
from app.workflow.access import ROLE_ADMIN, ROLE_COORDINATOR, ROLE_LEADER, ROLE_OPD, ROLE_PUBLIC

MENU = ("menu_access",)

# --- permission sets used by several roles -------------------------------------------
CASE_WORK = ("can_list", "can_show", "can_add", "can_edit", "can_export", "can_act")
CASE_READ = ("can_list", "can_show", "can_export")
REFERENCE_MANAGE = ("can_list", "can_show", "can_add", "can_edit", "can_delete")
REFERENCE_READ = ("can_list", "can_show")

# every staff member: own profile, own password, own notifications
SELF_SERVICE = {
    "LaporUserDBModelView": ("can_userinfo", "userinfoedit", "resetmypassword"),
    "UserInfoEditView": ("can_this_form_get", "can_this_form_post"),
    "ResetMyPasswordView": ("can_this_form_get", "can_this_form_post"),
    "NotificationView": ("can_list", "can_read"),
    "Notifications": MENU,
}

REFERENCE_VIEWS = ("AgencyView", "CategoryView", "ChannelView", "HolidayView", "SlaSettingView")
REFERENCE_MENUS = ("Reference", "Agencies", "Categories", "Channels", "Holidays", "Service levels")


def _each(names, permissions):
    return {name: permissions for name in names}


ROLE_PERMISSIONS = {
    # Koordinator: every case, every coordinating transition, reference data, monitoring
    ROLE_COORDINATOR: {
        **SELF_SERVICE,
        "ComplaintView": CASE_WORK,
        "QueueToVerifyView": CASE_WORK,
        "QueueReturnedView": CASE_WORK,
        "QueueOverdueView": CASE_WORK,
        "QueueUnmappedLocationView": CASE_WORK,
        "ComplaintApi": ("can_get", "can_info", "can_put"),
        "DashboardView": ("can_index",),
        "HotspotView": ("can_index", "can_show", "can_acknowledge"),
        **_each(REFERENCE_VIEWS, REFERENCE_MANAGE),
        "TransparencyReportView": ("can_list", "can_show", "can_download", "can_generate", "can_publish"),
        "OutboxView": ("can_list", "can_show", "can_retry"),
        "ReminderView": ("can_list", "can_show"),
        "QueueStateView": ("can_index",),
        **_each(("Cases", "Dashboard", "All cases", "Queues", "To verify", "Returned by OPD", "Overdue",
                 "Unmapped locations", "Hotspots")
                + REFERENCE_MENUS
                + ("Monitoring", "Transparency reports", "Reminders", "Outbox", "Queue state"), MENU),
        # intake channels: spreadsheet import (Open311 API keys are the Admin's)
        "ImportView": ("can_list", "can_add", "can_run"),
        **_each(("Intake", "Spreadsheet import"), MENU),
    },
    # OPD: the cases of their agency and its sub-units (the access rule narrows every list)
    ROLE_OPD: {
        **SELF_SERVICE,
        "ComplaintView": CASE_WORK,
        "QueueToFollowUpView": CASE_WORK,
        "QueueAwaitingReporterView": CASE_WORK,
        "QueueOverdueView": CASE_WORK,
        "ComplaintApi": ("can_get", "can_info", "can_put"),
        "DashboardView": ("can_index",),
        **_each(("Cases", "Dashboard", "All cases", "Queues", "To follow up", "Awaiting reporter", "Overdue"), MENU),
    },
    # Pimpinan: read-only, every case and dashboard (identity masking is the access rule's)
    ROLE_LEADER: {
        **SELF_SERVICE,
        "ComplaintView": CASE_READ,
        "QueueOverdueView": CASE_READ,
        "ComplaintApi": ("can_get", "can_info"),
        "DashboardView": ("can_index",),
        "HotspotView": ("can_index", "can_show"),
        **_each(REFERENCE_VIEWS, REFERENCE_READ),
        "TransparencyReportView": ("can_list", "can_show", "can_download"),
        **_each(("Cases", "Dashboard", "All cases", "Queues", "Overdue", "Hotspots") + REFERENCE_MENUS
                + ("Monitoring", "Transparency reports"), MENU),
    },
    # not logged in: only the public pages (plain Flask views, no FAB permission)
    ROLE_PUBLIC: {},
}

# Admin is not in the table: it receives every permission of every registered view.
ROLE_NAMES = [ROLE_ADMIN, ROLE_COORDINATOR, ROLE_OPD, ROLE_LEADER, ROLE_PUBLIC]


def declared(role):
    """The (view menu name, permission name) pairs ``role`` is given, as a set."""
    return {(view, permission)
            for view, permissions in ROLE_PERMISSIONS.get(role, {}).items() for permission in permissions}
