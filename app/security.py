"""Security: the extended user, its admin screen, and the roles defined in code.

Roles are synchronised by :func:`sync_roles` (run by ``flask lapor init``): each
role gets exactly the permissions written for it in :mod:`app.permissions` (one
explicit table, nothing matched by name), so a fresh install needs no clicking
and a changed table reaches every installation.
"""
import contextlib
import logging
import re

from flask_appbuilder.api import expose
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import ResetPasswordView as FabResetPasswordView
from flask_appbuilder.security.views import UserDBModelView
from flask_appbuilder.security.views import UserGroupModelView as FabUserGroupModelView
from flask_babel import lazy_gettext as _l

from app import permission_cache
from app.api_messages import ApiMessages, jwt_messages
from app.models import LaporUser
from app.redirects import BackToTheList, back_to_the_list
from app.accounts import (
    LAST_ADMIN_MESSAGE,
    PERMISSION_WORDS,
    LaporAuthDBView,
    LaporResetMyPasswordView,
    a_role_is_required,
    assert_officer_has_agency,
    distinct_email,
    distinct_username,
    is_last_active_admin,
    keeps_an_active_admin,
    officer_needs_agency,
    role_model_view,
    _screen_names,
    valid_email,
    valid_username,
)
from app.permissions import ROLE_NAMES, ROLE_PERMISSIONS
from app.workflow.access import ROLE_ADMIN


class _NothingToDelete(logging.Filter):
    """FAB's clean-up tries to delete rows it also finds missing ("Refused to delete, permission
    bulk_dispose does not exist"): a WARNING on every ``flask lapor init`` about nothing at all, which
    taught admins to ignore that log. Real refusals (a row still granted to a role) still show."""

    def filter(self, record):
        message = record.getMessage()
        return not (message.startswith("Refused to delete") and message.endswith("does not exist"))


@contextlib.contextmanager
def _quiet_about_nothing():
    log = logging.getLogger("flask_appbuilder.security.sqla.manager")
    quiet = _NothingToDelete()
    log.addFilter(quiet)
    try:
        yield
    finally:
        log.removeFilter(quiet)


class LaporUserDBModelView(BackToTheList, UserDBModelView):
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
    validators_columns = {**UserDBModelView.validators_columns,
                          "username": [valid_username, distinct_username],
                          "email": [valid_email, distinct_email],
                          "roles": [a_role_is_required, keeps_an_active_admin],
                          "agency": [officer_needs_agency]}

    def pre_add(self, item):
        _trimmed_sign_in(item)
        assert_officer_has_agency(item)
        super().pre_add(item)

    def pre_update(self, item):
        _trimmed_sign_in(item)
        assert_officer_has_agency(item)
        super().pre_update(item)

    def pre_delete(self, item):
        if is_last_active_admin(item):
            raise ValueError(str(LAST_ADMIN_MESSAGE))


def _trimmed_sign_in(user):
    """A user name or e-mail typed with spaces around is kept without them (" siti " could sign in only
    by typing the spaces)."""
    user.username = (user.username or "").strip()
    user.email = (user.email or "").strip()


GROUP_LABELS = {
    "name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
    "users": _l("Users"), "roles": _l("Roles"),
}


def describe_permission_view(pvm):
    """ "can_list on ComplaintView" as a person reads it: "see the list — Semua laporan" (the role form's
    options). The words are those of the role screen (app/accounts.py), the one home of them."""
    from flask import current_app, g, has_request_context

    permission = getattr(pvm.permission, "name", "")
    view = getattr(pvm.view_menu, "name", "")
    screens = g.get("lapor_screen_names") if has_request_context() else None
    if screens is None:  # a role form lists every pair: the menu is walked once per request
        screens = _screen_names(current_app.appbuilder)
        if has_request_context():
            g.lapor_screen_names = screens
    return f"{PERMISSION_WORDS.get(permission, _l('other access'))} — {screens.get(view, _l('Other screens'))}"


def _client_address():
    from flask import has_request_context, request

    return ((request.remote_addr or "")[:64] or None) if has_request_context() else None


def _login_method():
    from flask import has_request_context, request

    return "api" if has_request_context() and request.path.startswith("/api/") else "web"


def record_login(user, username, success, now=None):
    """Write one row of the login history (see app/models/login.py and app/workflow/logins.py)."""
    from app.workflow import logins

    logins.record(getattr(user, "id", None), username or getattr(user, "username", "") or "", success,
                  _login_method(), _client_address(), now=now)


class LaporSecurityApi(ApiMessages, SecurityApi):
    """FAB's JWT login, answering 429 with a wait time while brute-force protection refuses it
    (and its refusals in Indonesian, like every API: app/api_messages.py)."""

    @expose("/login", methods=["POST"])
    def login(self):
        from flask import g, request

        g.pop("lapor_login_refused", None)
        body = request.get_json(silent=True)
        if isinstance(body, dict) and "provider" not in body:
            # FAB's schema makes it optional, its code reads it unchecked (a 500 otherwise)
            return self.response(400, message=str(_l("provider is required: \"db\" (user name and password).")))
        response = super().login()
        if response.status_code == 401:  # FAB's "not signed in" answers a wrong name or password
            response = self.response(401, message=str(_l("Wrong user name or password.")))
        if response.status_code == 400:  # FAB answers field errors as a dict: the schema says a string
            message = (response.get_json(silent=True) or {}).get("message")
            if not isinstance(message, str):
                fields = message if isinstance(message, dict) else {}
                text = "; ".join(f"{name}: {' '.join(map(str, errors if isinstance(errors, list) else [errors]))}"
                                 for name, errors in fields.items()) or str(message)
                response = self.response(400, message=text)
        verdict = g.get("lapor_login_refused")
        if verdict is not None:
            response = self.response(429, message=verdict.message)
            response.headers["Retry-After"] = str(verdict.retry_after)
        return response

    login.__doc__ = SecurityApi.login.__doc__


class InvalidatesPermissionCache:
    """Admin screens of users, roles and groups: a change drops every process's permission cache."""

    def post_add(self, item):
        permission_cache.bump()
        super().post_add(item)

    def post_update(self, item):
        permission_cache.bump()
        super().post_update(item)

    def post_delete(self, item):
        permission_cache.bump()
        super().post_delete(item)


class UserGroupModelView(BackToTheList, FabUserGroupModelView):
    """FAB's groups screen; saving returns to its list. (Same class name: same endpoint and permissions.)"""


class ResetPasswordView(FabResetPasswordView):
    """An admin resetting a user's password returns to the users list, as after editing the user.
    (Same class name: same endpoint and permissions.)"""

    def form_post(self, form):
        super().form_post(form)
        return back_to_the_list(self.appbuilder.sm.user_view.endpoint)


def _invalidating(view_class):
    if view_class is None or issubclass(view_class, InvalidatesPermissionCache):
        return view_class
    # same class name: FAB derives the view's permission name and endpoint from it
    return type(view_class.__name__, (InvalidatesPermissionCache, view_class), {})


class LaporSecurityManager(SecurityManager):
    user_model = LaporUser
    userdbmodelview = LaporUserDBModelView
    authdbview = LaporAuthDBView
    resetmypasswordview = LaporResetMyPasswordView
    rolemodelview = role_model_view()
    groupmodelview = UserGroupModelView
    resetpasswordview = ResetPasswordView
    security_api = LaporSecurityApi
    # FAB's user statistics chart loads Google Charts from the internet: not on an intranet
    userstatschartview = None

    def __init__(self, appbuilder):
        self.userdbmodelview = _invalidating(self.userdbmodelview)
        self.rolemodelview = _invalidating(self.rolemodelview)
        self.groupmodelview = _invalidating(getattr(self, "groupmodelview", None))
        super().__init__(appbuilder)
        # FAB's security screens get the same safe filters as ours
        from app.interface import LaporInterface

        self.groupmodelview.label_columns = {**GROUP_LABELS, **(self.groupmodelview.label_columns or {})}
        self.permissionview_model.__repr__ = describe_permission_view
        for view in (self.userdbmodelview, self.rolemodelview, self.groupmodelview, self.permissionmodelview,
                     self.viewmenumodelview, self.permissionviewmodelview, self.userstatschartview):
            if view is not None and getattr(view, "datamodel", None) is not None:
                view.datamodel = LaporInterface(view.datamodel.obj)

    # --- sessions end server-side: logout and password change --------------------------
    # The session cookie carries the user's ``session_version``; logout and a password change
    # raise it, so a cookie copied before is refused afterwards (FAB's cookie sessions are
    # otherwise valid until they expire). JWTs carry it too ("sv" claim).
    SESSION_KEY = "_lapor_sv"

    def create_login_manager(self, app):
        manager = super().create_login_manager(app)
        manager.user_loader(self.load_session_user)
        return manager

    def create_jwt_manager(self, app):
        manager = super().create_jwt_manager(app)
        manager.additional_claims_loader(self._jwt_claims)
        return jwt_messages(manager)

    def _jwt_claims(self, identity):
        user = self.get_user_by_id(int(identity)) if str(identity).isdigit() else None
        return {"sv": user.session_version if user is not None else None}

    def load_session_user(self, pk):
        from flask import session

        user = self.load_user(pk)
        if user is None or session.get(self.SESSION_KEY) != user.session_version:
            return None
        return user

    def load_user_jwt(self, jwt_header, jwt_data):
        user = super().load_user_jwt(jwt_header, jwt_data)
        if user is not None and jwt_data.get("sv") != user.session_version:
            from flask import g

            g.pop("user", None)
            return None
        return user

    def on_user_login(self, user):
        if _login_method() == "web":
            from flask import session

            session[self.SESSION_KEY] = user.session_version

    def end_sessions(self, user, keep_current=False):
        """Refuse every session and token ``user`` holds (optionally keeping this request's session)."""
        from flask import has_request_context, session

        user.session_version = (user.session_version or 0) + 1
        from app.extensions import db

        db.session.commit()
        if keep_current and has_request_context():
            session[self.SESSION_KEY] = user.session_version

    def on_user_logout(self, user):
        user = self.get_user_by_id(user.id)
        if user is not None:
            self.end_sessions(user)

    def reset_password(self, userid, password):
        from flask import g

        super().reset_password(userid, password)
        user = self.get_user_by_id(int(userid))
        if user is not None:
            current = getattr(g, "user", None)
            self.end_sessions(user, keep_current=getattr(current, "id", None) == user.id)

    # --- login history and brute-force protection (web form and JWT API) ------------
    # --- permissions from the per-process cache (app/permission_cache.py): no SQL per check -----
    def role_names(self, user):
        if user is None or not getattr(user, "is_authenticated", False):
            return (self.auth_role_public,)
        return permission_cache.user_role_names(self, user)

    def _names_allow(self, names, permission_name, view_name):
        roles = permission_cache.role_permissions(self)
        for name in names:
            if name in self.builtin_roles:
                if any(re.match(v, view_name) and re.match(p, permission_name)
                       for v, p in self.builtin_roles[name]):
                    return True
            elif (permission_name, view_name) in roles.get(name, ()):
                return True
        return False

    def _has_view_access(self, user, permission_name, view_name):
        return self._names_allow(self.role_names(user), permission_name, view_name)

    def is_item_public(self, permission_name, view_name):
        return self._names_allow((self.auth_role_public,), permission_name, view_name)

    def _get_user_permission_view_menus(self, user, permission_name, view_menus_name):
        names = self.role_names(user)
        roles = permission_cache.role_permissions(self)
        granted = {view for name in names for permission, view in roles.get(name, ()) if permission == permission_name}
        for name in names:
            if name in self.builtin_roles:
                granted.update(v for v in (view_menus_name or ())
                               if any(re.match(bv, v) and re.match(bp, permission_name)
                                      for bv, bp in self.builtin_roles[name]))
        if view_menus_name is None:
            return granted
        return granted & set(view_menus_name)

    def get_role_permissions(self, role):
        if role.name in self.builtin_roles:
            return super().get_role_permissions(role)
        return set(permission_cache.role_permissions(self).get(role.name, ()))

    def get_user_permissions(self, user):
        result = set()
        roles = permission_cache.role_permissions(self)
        for name in self.role_names(user):
            if name in self.builtin_roles:
                result.update((p, v) for v, p in self.builtin_roles[name])
            else:
                result.update(roles.get(name, ()))
        return result

    def get_user_by_id(self, pk):
        """The signed-in user with their roles in the same statement (no lazy role load per request)."""
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload

        return self.session.execute(
            select(self.user_model).where(self.user_model.id == pk)
            .options(joinedload(self.user_model.roles))
        ).unique().scalar_one_or_none()

    # every change of users, roles and permissions through the manager drops the cache
    def add_user(self, *args, **kwargs):
        try:
            return super().add_user(*args, **kwargs)
        finally:
            permission_cache.bump()

    def update_user(self, *args, **kwargs):
        try:
            return super().update_user(*args, **kwargs)
        finally:
            permission_cache.bump()

    def add_role(self, *args, **kwargs):
        try:
            return super().add_role(*args, **kwargs)
        finally:
            permission_cache.bump()

    def update_role(self, *args, **kwargs):
        try:
            return super().update_role(*args, **kwargs)
        finally:
            permission_cache.bump()

    def delete_role(self, *args, **kwargs):
        try:
            return super().delete_role(*args, **kwargs)
        finally:
            permission_cache.bump()

    def add_permission_role(self, *args, **kwargs):
        try:
            return super().add_permission_role(*args, **kwargs)
        finally:
            permission_cache.bump()

    def del_permission_role(self, *args, **kwargs):
        try:
            return super().del_permission_role(*args, **kwargs)
        finally:
            permission_cache.bump()

    # --- login history: every attempt, success or failure -------------------------
    def auth_user_db(self, username, password):
        if not username:
            return super().auth_user_db(username, password)
        from flask import flash, g

        from app.workflow import logins

        g.pop("lapor_login_refused", None)
        known = self.find_user(username=username) or self.find_user(email=username)
        verdict = logins.check(getattr(known, "id", None), username, _client_address())
        if not verdict.allowed:
            # refused before the password is looked at; still one more failure in the history
            record_login(known, username, False)
            g.lapor_login_refused = verdict
            if _login_method() == "web":
                flash(verdict.message, "danger")
            return None
        user = super().auth_user_db(username, password)
        record_login(user or known, username, user is not None)
        return user


class UndeclaredPermission(RuntimeError):
    """app/permissions.py names a view, menu entry or permission that is not registered."""


def sync_roles(appbuilder):
    """Create the permission/view rows of every registered view (and remove those of views no
    longer registered), then give each role its set from :data:`app.permissions.ROLE_PERMISSIONS`
    (Admin: everything).

    Raises :class:`UndeclaredPermission` when the table names something no registered
    view provides (a view class or menu entry renamed without updating the table).
    """
    sm = appbuilder.sm
    for name in ROLE_NAMES:
        if sm.find_role(name) is None:
            sm.add_role(name)
    appbuilder.add_permissions(update_perms=True)
    # rows of views no longer registered (a screen or API taken out, a class renamed) go with
    # their grants: an admin never sees, and no role keeps, a permission for nothing
    with _quiet_about_nothing():
        appbuilder.security_cleanup()
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
            # every permission of a registered view or menu entry (the rows of screens no longer
            # offered, e.g. FAB's raw permission lists, were removed above)
            role.permissions = sorted(by_pair.values(), key=lambda pvm: pvm.id)
        else:
            table = ROLE_PERMISSIONS.get(name, {})
            role.permissions = [by_pair[(view, permission)]
                                for view, permissions in table.items() for permission in permissions]
    appbuilder.session.commit()
    permission_cache.bump()
