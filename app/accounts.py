"""Staff accounts (the security layer, beside app/security.py): sign-in that lands on the work screen, and changing one's own password.

* :class:`LaporAuthDBView` - after login a user lands on the page they asked for (a deep link
  followed while logged out) or on their dashboard; an empty ``next`` is no "invalid redirect".
* :class:`LaporResetMyPasswordView` - every role changes its own password with the current one
  and the strength rule (``FAB_PASSWORD_COMPLEXITY_VALIDATOR`` = :func:`password_strength`,
  which FAB also applies to the admin's user forms).
* the own-profile form (FAB's ``UserInfoEdit``) refuses names longer than their columns, as the
  admin's user form does, instead of passing them to the database.
"""
from flask import current_app, flash, g, redirect, request, url_for
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.security.forms import LoginForm_db, ResetPasswordForm, UserInfoEdit
from flask_appbuilder.security.views import AuthDBView, ResetMyPasswordView
from flask_appbuilder.utils.base import is_safe_redirect_url
from flask_appbuilder.views import expose
from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from flask_login import login_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from app import passwords
from app.extensions import db
from app.models import LaporUser
from app.models.user import Role
from app.workflow.access import ROLE_ADMIN, ROLE_OPD


# a staff sign-in name: 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or
# digit ("opd_dinkes", "siti.rahma"); no spaces, no markup, nothing that reads differently elsewhere
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$"
USERNAME_MESSAGE = _l("A user name has 3 to 64 letters, digits, dots (.), dashes (-) or underscores (_), "
                      "and starts with a letter or digit, e.g. siti.rahma.")


def username_is_valid(username):
    import re

    return re.fullmatch(USERNAME_PATTERN, username or "") is not None


def valid_username(form, field):
    """The user forms' check of :data:`USERNAME_PATTERN`."""
    if field.data and not username_is_valid(field.data.strip()):
        raise ValidationError(str(USERNAME_MESSAGE))


def username_taken_by(username, excluding_id=None):
    """The other account that signs in with ``username``. Sign-in finds a user by name without regard
    to capitals (FAB's ``AUTH_USERNAME_CI``) and spaces around: "ADMIN" beside "admin" left neither able
    to sign in (FAB finds two and signs in nobody), so such a second name is never given."""
    return _account_with(LaporUser.username, username, excluding_id)


def distinct_username(form, field):
    """Form validator (username): no other account signs in with the same name (:func:`username_taken_by`).
    The very same spelling is FAB's own "already exists" message, not said twice."""
    editing = getattr(form, "_id", None)  # set by FAB on the edit form only
    other = username_taken_by(field.data, excluding_id=int(editing) if str(editing or "").isdigit() else None)
    if other is not None and other.username != field.data:
        raise ValidationError(_("Another account already signs in as \"%(name)s\" (user names are compared without "
                                "regard to capitals): choose another user name.", name=other.username))


def password_strength(password, username=None):
    """The strength rule of every password set through a form: the one policy of app/passwords.py
    (length, not the username, not a common password), raised with its Indonesian reasons."""
    from app.passwords import _username_in_request, problems

    found = problems(password or "", username or _username_in_request())
    if found:
        raise PasswordComplexityValidationError(" ".join(found))


def landing_url():
    """Where a signed-in staff member starts: their dashboard (counts and work queues)."""
    return url_for("DashboardView.index")


class LaporAuthDBView(AuthDBView):
    @expose("/login/", methods=["GET", "POST"])
    def login(self):
        wanted = request.args.get("next", "")
        next_url = wanted if wanted and is_safe_redirect_url(wanted) else None
        if g.user is not None and g.user.is_authenticated:
            return redirect(next_url or landing_url())
        form = LoginForm_db()
        if form.validate_on_submit():
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                flash(as_unicode(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url) if next_url
                                else self.appbuilder.get_url_for_login)
            login_user(user, remember=False)
            return redirect(next_url or landing_url())
        return self.render_template(self.login_template, title=self.title, form=form, appbuilder=self.appbuilder)


class OwnPasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     widget=BS3PasswordFieldWidget())


# field order on the page: current, new, confirm
OwnPasswordForm.current_password.creation_counter = 0
# FAB's help text says "this application does not check this for you": it does (app/passwords.py),
# and the field says what it checks (own password and an admin resetting a user's password alike)
ResetPasswordForm.password.kwargs["description"] = LazyString(lambda: passwords.policy())
# FAB's own-profile form checks only that the names are there: a longer name than the column went to
# the database (kept whole by SQLite, a 500 on PostgreSQL); refused on the form like the admin's user form
for _name in ("first_name", "last_name"):
    getattr(UserInfoEdit, _name).kwargs["validators"] = [
        DataRequired(), Length(max=LaporUser.__table__.c[_name].type.length)]


class LaporResetMyPasswordView(ResetMyPasswordView):
    """Changing one's own password asks for the current one first."""

    class_permission_name = "ResetMyPasswordView"  # same permission rows as FAB's view
    form = OwnPasswordForm
    form_title = _l("Change my password")
    message = _l("Your password has been changed. Use the new one from your next sign-in.")

    def _again(self, form):
        widgets = self._get_edit_widget(form=form)
        return self.render_template(self.form_template, title=self.form_title, widgets=widgets,
                                    appbuilder=self.appbuilder)

    def form_post(self, form):
        user = self.appbuilder.sm.get_user_by_id(g.user.id)
        if not check_password_hash(user.password or "", form.current_password.data or ""):
            form.current_password.errors = list(form.current_password.errors) + [_("The current password is not correct.")]
            return self._again(form)
        if check_password_hash(user.password or "", form.password.data or ""):
            form.password.errors = list(form.password.errors) + [_("Choose a password different from the current one.")]
            return self._again(form)
        self.appbuilder.sm.reset_password(user.id, form.password.data)
        flash(str(self.message), "success")
        return None


# --- the roles screen: what each role may do, in words, grouped by screen ----------------------

# what a permission lets a person do, by permission name (the screen is named separately)
PERMISSION_WORDS = {
    "can_list": _l("see the list"), "can_show": _l("open the details"), "can_add": _l("add new entries"),
    "can_edit": _l("change entries"), "can_delete": _l("delete entries"), "can_export": _l("export to XLSX/CSV"),
    "can_act": _l("take actions on cases (dispatch, follow up, archive...)"), "menu_access": _l("see it in the menu"),
    "can_get": _l("read through the API"), "can_put": _l("change through the API"), "can_post": _l("create through the API"),
    "can_delete_api": _l("delete through the API"), "can_info": _l("read the API's field list"),
    "can_index": _l("open the page"), "can_this_form_get": _l("open the form"), "can_this_form_post": _l("send the form"),
    "can_userinfo": _l("see own profile"), "resetmypassword": _l("change own password"),
    "resetpasswords": _l("reset other users' passwords"), "userinfoedit": _l("edit own profile"),
    "can_download": _l("download files"), "can_generate": _l("generate reports"), "can_publish": _l("publish and withdraw reports"),
    "can_retry": _l("send failed messages again"), "can_read": _l("mark as read"), "copyrole": _l("copy roles"),
    "can_acknowledge": _l("acknowledge hotspots"), "can_run": _l("run imports"), "can_revoke": _l("revoke API keys"),
}
# screens that have no menu entry of their own
SCREEN_WORDS = {
    "LaporUserDBModelView": _l("Users and own profile"), "UserInfoEditView": _l("Edit own profile"),
    "ResetMyPasswordView": _l("Change own password"), "ResetPasswordView": _l("Reset a user's password"),
    "ComplaintApi": _l("Case API"), "LocaleView": _l("Language choice"), "RoleModelView": _l("Roles"),
    "NotificationView": _l("Notifications"), "UtilView": _l("Utilities"), "MenuApi": _l("Navigation menu (API)"),
}


def _screen_names(appbuilder):
    """{view class name or menu name: the screen's label as the menu shows it}."""
    names = {}

    def walk(items):
        for item in items:
            label = str(item.label or item.name)
            names.setdefault(item.name, label)
            if getattr(item, "baseview", None) is not None:
                names.setdefault(type(item.baseview).__name__, label)
            walk(getattr(item, "childs", None) or [])

    walk(appbuilder.menu.get_list())
    for name, label in SCREEN_WORDS.items():
        names.setdefault(name, str(label))
    return names


def describe_role_permissions(permission_views, appbuilder=None):
    """[(screen label, [what the role may do there, ...]), ...] sorted by screen."""
    appbuilder = appbuilder or current_app.appbuilder
    screens = _screen_names(appbuilder)
    grouped = {}
    for pvm in permission_views:
        view = getattr(pvm.view_menu, "name", "")
        permission = getattr(pvm.permission, "name", "")
        words = PERMISSION_WORDS.get(permission)
        screen = screens.get(view)
        if words is None or screen is None:
            words, screen = words or _("other access"), screen or _("Other screens")
        grouped.setdefault(screen, []).append(str(words))
    return sorted((screen, sorted(set(items))) for screen, items in grouped.items())


def _permissions_html(permission_views):
    from markupsafe import Markup, escape

    groups = describe_role_permissions(permission_views or [])
    if not groups:
        return Markup('<p class="text-muted">{}</p>').format(_("This role may do nothing on the staff screens."))
    parts = [Markup('<dl class="role-permissions">')]
    for screen, items in groups:
        parts.append(Markup("<dt>{}</dt><dd>{}</dd>").format(screen, Markup(", ").join(escape(i) for i in items)))
    parts.append(Markup("</dl>"))
    return Markup("").join(parts)


def role_model_view():
    """FAB's role screen, described in words (built lazily: FAB's security views need the app)."""
    from flask_appbuilder.security.views import RoleModelView
    from flask_appbuilder.widgets import ListWidget, ShowWidget

    from app.redirects import BackToTheList

    class LaporRoleModelView(BackToTheList, RoleModelView):
        class_permission_name = "RoleModelView"  # same permission rows as FAB's screen
        list_widget = ListWidget
        show_widget = ShowWidget
        list_columns = ["name", "permissions"]
        # every column the search offers (FAB also offers the role's users and groups) in words
        label_columns = {"name": _l("Name"), "permissions": _l("Permissions"), "user": _l("Users"),
                         "groups": _l("Groups")}
        formatters_columns = {"permissions": lambda pvms: Markup_summary(pvms)}
        show_columns = ["name", "permissions"]
        description_columns = {"permissions": _l("What people with this role may do, screen by screen.")}

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.show_formatters = {"permissions": _permissions_html}

        def _get_show_widget(self, pk, item, **kwargs):
            saved = self.formatters_columns
            self.formatters_columns = {**saved, **self.show_formatters}
            try:
                return super()._get_show_widget(pk, item, **kwargs)
            finally:
                self.formatters_columns = saved

    return LaporRoleModelView


def Markup_summary(pvms):
    """The list column: the screens the role reaches, by name."""
    groups = describe_role_permissions(pvms or [])
    if not groups:
        return _("No access to staff screens")
    return _("%(count)d screens: %(names)s", count=len(groups), names=", ".join(screen for screen, _items in groups[:6])
             + (" …" if len(groups) > 6 else ""))


# --- the accounts screen's rules (Admin editing users) ---------------------------------------
def other_active_admins(user_id):
    """How many active accounts other than ``user_id`` hold the Admin role."""
    return db.session.execute(
        select(func.count(LaporUser.id.distinct())).join(LaporUser.roles)
        .where(Role.name == ROLE_ADMIN, LaporUser.active.is_(True), LaporUser.id != user_id)).scalar()


def is_last_active_admin(user):
    return (user is not None and user.active and any(role.name == ROLE_ADMIN for role in user.roles)
            and other_active_admins(user.id) == 0)


LAST_ADMIN_MESSAGE = _l("This is the only active administrator: give another account the Admin role first, "
                        "otherwise nobody could manage users and settings any more.")


def a_role_is_required(form, field):
    """Form validator (roles): a user has at least one role. (FAB's own check also reads a "groups"
    field, which these forms do not have: a user saved without a role was a 500.)"""
    if not field.data:
        raise ValidationError(_l("Choose at least one role."))


def keeps_an_active_admin(form, field):
    """Form validator (roles): the last active administrator keeps the Admin role and stays active."""
    user_id = getattr(form, "_id", None)  # set by FAB on the edit form only
    user = db.session.get(LaporUser, int(user_id)) if str(user_id or "").isdigit() else None
    if not is_last_active_admin(user):
        return
    stays_admin = any(getattr(role, "name", None) == ROLE_ADMIN for role in (field.data or []))
    stays_active = bool(form.active.data) if hasattr(form, "active") else True
    if not (stays_admin and stays_active):
        raise ValidationError(LAST_ADMIN_MESSAGE)


OFFICER_AGENCY_MESSAGE = _l("Choose the officer's agency: an OPD officer sees only the cases of their agency.")


def officer_without_agency(roles, agency):
    """True for an OPD officer with no agency (they would see nothing, and their agency's cases would
    reach nobody)."""
    return agency is None and any(getattr(r, "name", None) == ROLE_OPD for r in roles or [])


def officer_needs_agency(form, field):
    """Form validator (agency): an OPD officer belongs to an agency, whatever the form sends for it (the
    browser's "__None", an empty value or nothing). It stops the field's checks: FAB's ``Optional`` that
    follows would otherwise wipe the message for an empty or missing value and let the form through."""
    roles = getattr(form, "roles", None)
    if roles is not None and officer_without_agency(roles.data, field.data):
        raise StopValidation(str(OFFICER_AGENCY_MESSAGE))


def assert_officer_has_agency(user):
    """The same rule where a user is saved (a form sent without its agency field)."""
    if officer_without_agency(user.roles, user.agency or user.agency_id):
        raise ValueError(str(OFFICER_AGENCY_MESSAGE))


def email_taken_by(email, excluding_id=None):
    """The other account with ``email``, capitals and spaces around aside: "RINA@…" beside "rina@…" is
    the same mailbox, and password resets and notices would go to two accounts at once."""
    return _account_with(LaporUser.email, email, excluding_id)


def _account_with(column, value, excluding_id=None):
    """The first other account whose ``column`` equals ``value``, capitals and spaces around aside."""
    key = (value or "").strip().lower()
    if not key:
        return None
    query = select(LaporUser).where(func.lower(func.trim(column)) == key)
    if excluding_id is not None:
        query = query.where(LaporUser.id != excluding_id)
    return db.session.execute(query.order_by(LaporUser.id).limit(1)).scalar()


def valid_email(form, field):
    """Form validator (email): an address mail can reach (the one check, ``reporters.is_email``)."""
    from app.workflow.reporters import is_email

    if field.data and field.data.strip() and not is_email(field.data.strip()):
        raise ValidationError(_("%(email)s is not a valid e-mail address.", email=field.data.strip()))


def distinct_email(form, field):
    """Form validator (email): no other account has the same address (:func:`email_taken_by`). The very
    same spelling is FAB's own "already exists" message, not said twice."""
    editing = getattr(form, "_id", None)  # set by FAB on the edit form only
    other = email_taken_by(field.data, excluding_id=int(editing) if str(editing or "").isdigit() else None)
    if other is not None and other.email != field.data:
        raise ValidationError(_("Another account already uses this e-mail address."))
