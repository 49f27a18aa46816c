"""Staff accounts (the security layer, beside app/security.py): sign-in that lands on the work screen, and changing one's own password.

* :class:`LaporAuthDBView` - after login a user lands on the page they asked for (a deep link
  followed while logged out) or on their dashboard; an empty ``next`` is no "invalid redirect".
* :class:`LaporResetMyPasswordView` - every role changes its own password with the current one
  and the strength rule (``FAB_PASSWORD_COMPLEXITY_VALIDATOR`` = :func:`password_strength`,
  which FAB also applies to the admin's user forms).
"""
from flask import current_app, flash, g, redirect, request, url_for
from flask_appbuilder._compat import as_unicode
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.security.forms import LoginForm_db, ResetPasswordForm
from flask_appbuilder.security.views import AuthDBView, ResetMyPasswordView
from flask_appbuilder.utils.base import is_safe_redirect_url
from flask_appbuilder.views import expose
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import login_user
from werkzeug.security import check_password_hash
from wtforms import PasswordField
from wtforms.validators import DataRequired

MIN_LENGTH = 10
COMMON = {"password", "passw0rd", "rahasia", "admin", "lapor", "qwerty", "12345678", "indonesia"}


def password_strength(password):
    """The strength rule of every password set through a form (raises with an Indonesian reason)."""
    password = password or ""
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        raise PasswordComplexityValidationError(_("At least %(n)d characters.", n=MIN_LENGTH))
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        raise PasswordComplexityValidationError(_("Use both letters and digits."))
    if len(set(password)) < 5 or any(word in lowered for word in COMMON):
        raise PasswordComplexityValidationError(_("This password is too easy to guess."))


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
