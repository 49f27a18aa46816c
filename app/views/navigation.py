"""The staff navigation bar's menu, rendered once per kind of visitor and reused.

Flask-AppBuilder renders the menu on every page: a permission check per entry and a
translation per label, a tenth of a staff list's time. What the menu shows depends only on
who is asking (their roles), the permissions' generation (``app/permission_cache.py``: moved by
``flask lapor init`` and by any change of users, roles or groups), the language, the URL prefix
behind a proxy, and the labels that change with the visitor (``volatile_label``: the
notifications entry carries the user's unread count). Those make the key; the HTML rendered
by FAB's own ``navbar_menu`` markup (``appbuilder/_menu_items.html``) is the value.
"""
import threading

from flask import current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from app import permission_cache

_lock = threading.Lock()
_menus = {}
_volatile = []
MAX_ENTRIES = 512


def volatile_label(function):
    """Declare a menu label that depends on more than the language (e.g. a count): its text becomes
    part of the cache key. Returns a lazy string for ``appbuilder.add_view(label=...)``."""
    from flask_babel import LazyString

    if function not in _volatile:
        _volatile.append(function)
    return LazyString(function)


def menu_key(appbuilder):
    sm = appbuilder.sm
    generation = permission_cache.generation()
    roles = sm.role_names(current_user)
    from flask_babel import get_locale

    return (generation, tuple(roles), str(get_locale() or ""), request.script_root, tuple(str(label()) for label in _volatile))


def navbar_menu():
    """The menu's ``<li>`` entries for the current visitor (Markup), from the cache when it has them."""
    appbuilder = current_app.appbuilder
    key = menu_key(appbuilder)
    html = _menus.get(key)
    if html is None:
        html = Markup(render_template("appbuilder/_menu_items.html", menu=appbuilder.menu))
        with _lock:
            if len(_menus) >= MAX_ENTRIES:
                _menus.clear()
            _menus[key] = html
    return html


def init_app(app):
    app.jinja_env.globals["navbar_menu"] = navbar_menu
    app.jinja_env.globals["language_url"] = language_url
    app.after_request(_back_to_the_page)


def language_url(locale):
    """The language switch of the public pages: back to the same page (its filters, its case) in
    the other language. FAB's switch returns to the last staff screen it saw, for a citizen always
    the home page."""
    from flask import url_for

    here = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return url_for("LocaleView.index", locale=locale, next=here)


def _back_to_the_page(response):
    """After FAB's language switch (it stores the choice), go to the page named by ``next`` when
    it is a page of ours."""
    if request.endpoint == "LocaleView.index" and response.status_code == 302:
        from flask_appbuilder.utils.base import is_safe_redirect_url

        wanted = request.args.get("next", "")
        if wanted.startswith("/") and is_safe_redirect_url(wanted):
            response.headers["Location"] = wanted
    return response
