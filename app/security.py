"""Security: the extended user, its admin screen, and the roles defined in code.

Roles are synchronised by :func:`sync_roles` (run by ``flask lapor init``):
each role gets exactly the permissions its rules below match, so a fresh
install needs no clicking and a changed rule reaches every installation.
"""
import re

from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.models import LaporUser
from app.accounts import LaporAuthDBView, LaporResetMyPasswordView, role_model_view
from app.workflow.access import (
    ROLE_ADMIN,
    ROLE_COORDINATOR,
    ROLE_LEADER,
    ROLE_OPD,
    ROLE_PUBLIC,
)

SELF_SERVICE = [
    (r"LaporUserDBModelView", r"can_userinfo|resetmypassword|userinfoedit"),
    (r"ResetMyPasswordView|UserInfoEditView", r"can_this_form_(get|post)"),
    (r"LocaleView", r"can_index"),
]
CASE_VIEWS = r"ComplaintView"
REFERENCE_VIEWS = r"(Agency|Category|Channel|Holiday|SlaSetting)View"


CASE_MENUS = r"Cases|Dashboard|All cases|Queues"
CASE_READ = r"can_(list|show|export)"
CASE_WORK = r"can_(list|show|add|edit|export|act)"
REFERENCE_MENUS = r"Reference|Agencies|Categories|Channels|Holidays|Service levels"
# background jobs (app/views/admin/jobs.py); everyone on staff reads their own notifications
MONITORING_MENUS = r"Monitoring|Transparency reports|Reminders|Outbox|Queue state"
OWN_NOTIFICATIONS = [(r"NotificationView", r"can_(list|read)"), (r"Notifications", r"menu_access")]

# (view regex, permission regex) rules per role; Admin gets everything.
ROLE_RULES = {
    ROLE_COORDINATOR: SELF_SERVICE + [
        (CASE_VIEWS, CASE_WORK),
        (r"Queue(ToVerify|Returned|Overdue)View", CASE_WORK),
        (r"To verify|Returned by OPD|Overdue", r"menu_access"),
        (r"ComplaintApi", r"can_(get|info|put)"),
        (REFERENCE_VIEWS, r"can_(list|show|add|edit|delete)"),
        (r"DashboardView", r"can_index"),
        (CASE_MENUS + "|" + REFERENCE_MENUS, r"menu_access"),
        (r"TransparencyReportView", r"can_(list|show|download|generate|publish)"),
        (r"OutboxView", r"can_(list|show|retry)"),
        (r"ReminderView", r"can_(list|show)"),
        (r"QueueStateView", r"can_index"),
        (MONITORING_MENUS, r"menu_access"),
    ] + OWN_NOTIFICATIONS,
    ROLE_OPD: SELF_SERVICE + [
        (CASE_VIEWS, CASE_WORK),
        (r"Queue(ToFollowUp|AwaitingReporter|Overdue)View", CASE_WORK),
        (r"To follow up|Awaiting reporter|Overdue", r"menu_access"),
        (r"ComplaintApi", r"can_(get|info|put)"),
        (r"DashboardView", r"can_index"),
        (CASE_MENUS, r"menu_access"),
    ] + OWN_NOTIFICATIONS,
    ROLE_LEADER: SELF_SERVICE + [
        (CASE_VIEWS, CASE_READ),
        (r"QueueOverdueView", CASE_READ),
        (r"Overdue", r"menu_access"),
        (r"ComplaintApi", r"can_(get|info)"),
        (REFERENCE_VIEWS, r"can_(list|show)"),
        (r"DashboardView", r"can_index"),
        (CASE_MENUS + "|" + REFERENCE_MENUS, r"menu_access"),
        (r"TransparencyReportView", r"can_(list|show|download)"),
        (r"Monitoring|Transparency reports", r"menu_access"),
    ] + OWN_NOTIFICATIONS,
    ROLE_PUBLIC: [],
}
ROLE_NAMES = [ROLE_ADMIN, ROLE_COORDINATOR, ROLE_OPD, ROLE_LEADER, ROLE_PUBLIC]


def role_matches(role, view_name, permission_name):
    return any(
        re.fullmatch(v, view_name) and re.fullmatch(p, permission_name)
        for v, p in ROLE_RULES.get(role, [])
    )


class LaporUserDBModelView(UserDBModelView):
    list_columns = ["first_name", "last_name", "username", "email", "agency", "active", "roles"]
    show_fieldsets = [
        (_l("User Data"), {"fields": ["username", "active", "roles", "agency", "login_count"]}),
        (_l("Personal Data"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (_l("Audit"), {"fields": ["last_login", "fail_login_count", "created_on", "created_by", "changed_on", "changed_by"], "expanded": False}),
    ]
    add_columns = ["first_name", "last_name", "username", "active", "email", "roles", "agency", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "active", "email", "roles", "agency"]
    search_columns = ["first_name", "last_name", "username", "email", "active", "roles", "agency"]
    label_columns = {**UserDBModelView.label_columns, "agency": _l("Agency")}
    description_columns = {"agency": _l("Required for agency officers: they can see cases belonging to this agency and its sub-units.")}


GROUP_LABELS = {
    "name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
    "users": _l("Users"), "roles": _l("Roles"),
}
PERMISSION_LABELS = {
    "can_list": _l("view the list"), "can_show": _l("view details"), "can_add": _l("add"),
    "can_edit": _l("edit"), "can_delete": _l("delete"), "can_export": _l("export"),
    "can_act": _l("run case actions"), "menu_access": _l("menu access"), "can_get": _l("read (API)"),
    "can_put": _l("change (API)"), "can_post": _l("create (API)"), "can_info": _l("metadata (API)"),
    "can_index": _l("open the page"), "can_this_form_get": _l("open the form"),
    "can_this_form_post": _l("submit the form"), "can_userinfo": _l("view own profile"),
    "resetmypassword": _l("change own password"), "resetpasswords": _l("reset passwords"),
    "userinfoedit": _l("edit own profile"), "can_download": _l("download"),
}


def describe_permission_view(pvm):
    """ "can_list on Dashboard" as a person reads it: "view the list — Dasbor"."""
    from flask import current_app

    permission = getattr(pvm.permission, "name", "")
    view = getattr(pvm.view_menu, "name", "")
    item = current_app.appbuilder.menu.find(view) if current_app else None
    view_label = str(item.label) if item is not None and item.label else view
    return f"{PERMISSION_LABELS.get(permission, permission)} — {view_label}"


def _client_address():
    from flask import has_request_context, request

    return (request.remote_addr or "")[:64] or None if has_request_context() else None


def _login_method():
    from flask import has_request_context, request

    return "api" if has_request_context() and request.path.startswith("/api/") else "web"


def record_login(user, username, success, now=None):
    """Write one row of the login history (see app/models/login.py)."""
    from app.clock import utcnow
    from app.extensions import db
    from app.models import LoginEvent

    db.session.add(LoginEvent(
        user_id=getattr(user, "id", None), username=(username or getattr(user, "username", "") or "")[:100],
        success=bool(success), method=_login_method(), address=_client_address(), created_at=now or utcnow(),
    ))
    db.session.commit()


class LaporSecurityManager(SecurityManager):
    user_model = LaporUser
    userdbmodelview = LaporUserDBModelView
    authdbview = LaporAuthDBView
    resetmypasswordview = LaporResetMyPasswordView
    rolemodelview = role_model_view()
    # FAB's user statistics chart loads Google Charts from the internet: not on an intranet
    userstatschartview = None

    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        # FAB's security screens get the same safe filters as ours
        from app.interface import LaporInterface

        self.groupmodelview.label_columns = {**GROUP_LABELS, **(self.groupmodelview.label_columns or {})}
        self.permissionview_model.__repr__ = describe_permission_view
        for view in (self.userdbmodelview, self.rolemodelview, self.groupmodelview, self.permissionmodelview,
                     self.viewmenumodelview, self.permissionviewmodelview, self.userstatschartview):
            if view is not None and getattr(view, "datamodel", None) is not None:
                view.datamodel = LaporInterface(view.datamodel.obj)

    # --- login history: every attempt, success or failure -------------------------
    def auth_user_db(self, username, password):
        user = super().auth_user_db(username, password)
        if username:
            known = user or self.find_user(username=username) or self.find_user(email=username)
            record_login(known, username, user is not None)
        return user


def sync_roles(appbuilder):
    """Create the permission/view rows of every registered view, then give each role its set."""
    sm = appbuilder.sm
    for name in ROLE_NAMES:
        if sm.find_role(name) is None:
            sm.add_role(name)
    appbuilder.add_permissions(update_perms=True)
    all_pvms = appbuilder.session.query(sm.permissionview_model).all()
    for name in ROLE_NAMES:
        role = sm.find_role(name)
        if name == ROLE_ADMIN:
            wanted = list(all_pvms)
        else:
            wanted = [
                pvm for pvm in all_pvms
                if pvm.permission and pvm.view_menu
                and role_matches(name, pvm.view_menu.name, pvm.permission.name)
            ]
        role.permissions = wanted
    appbuilder.session.commit()
