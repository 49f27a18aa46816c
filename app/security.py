"""Security: the extended user, its admin screen, and the roles defined in code.

Roles are synchronised by :func:`sync_roles` (run by ``flask lapor init``): each
role gets exactly the permissions written for it in :mod:`app.permissions` (one
explicit table, nothing matched by name), so a fresh install needs no clicking
and a changed table reaches every installation.
"""
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.models import LaporUser
from app.permissions import ROLE_NAMES, ROLE_PERMISSIONS
from app.workflow.access import ROLE_ADMIN


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


class UndeclaredPermission(RuntimeError):
    """app/permissions.py names a view, menu entry or permission that is not registered."""


def sync_roles(appbuilder):
    """Create the permission/view rows of every registered view, then give each role its set
    from :data:`app.permissions.ROLE_PERMISSIONS` (Admin: everything).

    Raises :class:`UndeclaredPermission` when the table names something no registered
    view provides (a view class or menu entry renamed without updating the table).
    """
    sm = appbuilder.sm
    for name in ROLE_NAMES:
        if sm.find_role(name) is None:
            sm.add_role(name)
    appbuilder.add_permissions(update_perms=True)
    by_pair = {
        (pvm.view_menu.name, pvm.permission.name): pvm
        for pvm in appbuilder.session.query(sm.permissionview_model).all()
        if pvm.permission and pvm.view_menu
    }
    missing = sorted(
        f"{role}: {permission} on {view}"
        for role, table in ROLE_PERMISSIONS.items()
        for view, permissions in table.items() for permission in permissions
        if (view, permission) not in by_pair
    )
    if missing:
        appbuilder.session.rollback()
        raise UndeclaredPermission(
            "app/permissions.py grants permissions that no registered view or menu entry provides "
            "(renamed or removed?): " + "; ".join(missing))
    for name in ROLE_NAMES:
        role = sm.find_role(name)
        if name == ROLE_ADMIN:
            role.permissions = sorted(by_pair.values(), key=lambda pvm: pvm.id)
        else:
            table = ROLE_PERMISSIONS.get(name, {})
            role.permissions = [by_pair[(view, permission)]
                                for view, permissions in table.items() for permission in permissions]
    appbuilder.session.commit()
