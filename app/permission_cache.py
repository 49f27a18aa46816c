"""Roles' permissions loaded once per process and reused: no permission SQL on a page.

Flask-AppBuilder asks the database on every ``has_access`` / menu check (a 5-table
``EXISTS`` per check, a dozen per page). The security manager (``app/security.py``)
answers them from this cache instead:

- ``role -> {(permission, view)}`` for every role, loaded in ONE query the first time a
  process needs it (the permissions synchronised into the database by ``flask lapor init``);
- ``user id -> role names`` (roles given directly and through groups), one query per user
  and generation.

Both are dropped when the **generation** moves. ``bump()`` moves it: ``flask lapor init``
(``sync_roles``), and every change of users, roles or groups through the admin screens or
the security manager. The generation is shared by every process: a Redis key when
``REDIS_URL`` is set (a GET per request, no SQL), and a stamp file in the instance folder in
any case (the fallback when Redis is down, and the only store of the embedded mode).
"""
import os
import threading
import time

from flask import current_app, has_app_context, has_request_context, request

REDIS_KEY = "lapor:permissions:generation"
STAMP_FILE = "permissions.generation"

_lock = threading.Lock()
_state = {"generation": None, "roles": None, "users": {}}
_redis_down_until = [0.0]


def _stamp_path(app):
    return os.path.join(app.instance_path, STAMP_FILE)


def _redis(app):
    if not app.config.get("REDIS_URL") or time.monotonic() < _redis_down_until[0]:
        return None
    from app.jobs.queue import redis_connection

    return redis_connection(app)


def current_generation(app=None):
    """The shared generation: Redis when configured, else (or when Redis fails) the stamp file."""
    app = app or current_app
    conn = _redis(app)
    if conn is not None:
        import redis

        try:
            value = conn.get(REDIS_KEY)
            return "r" + (value.decode() if value else "0")
        except redis.RedisError:
            _redis_down_until[0] = time.monotonic() + 15
    try:
        return "f" + str(os.stat(_stamp_path(app)).st_mtime_ns)
    except OSError:
        return "f0"


def bump(app=None):
    """Invalidate every process's cache (roles or users changed)."""
    app = app or (current_app._get_current_object() if has_app_context() else None)
    with _lock:
        _state.update(generation=None, roles=None, users={})
    if app is not None:
        publish(app)


def publish(app):
    """Move the shared generation (what any process changing roles does)."""
    conn = _redis(app)
    if conn is not None:
        import redis

        try:
            conn.incr(REDIS_KEY)
        except redis.RedisError:
            _redis_down_until[0] = time.monotonic() + 15
    path = _stamp_path(app)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a"):
        pass
    now = time.time_ns()
    try:
        stat = os.stat(path)
        os.utime(path, ns=(now, max(now, stat.st_mtime_ns + 1)))
    except OSError:
        pass


def _fresh():
    """Drop the cache when the generation moved; checked once per request."""
    in_request = has_request_context()
    if in_request and getattr(request, "_lapor_permissions_checked", False):
        return
    generation = current_generation()
    with _lock:
        if _state["generation"] != generation:
            _state.update(generation=generation, roles=None, users={})
    if in_request:
        request._lapor_permissions_checked = True


def generation():
    """The generation this process's cache belongs to (checked once per request)."""
    _fresh()
    return _state["generation"]


def _load_roles(sm):
    from sqlalchemy import select

    role, pvm = sm.role_model, sm.permissionview_model
    assoc = role.permissions.property.secondary
    rows = sm.session.execute(
        select(role.name, sm.permission_model.name, sm.viewmenu_model.name)
        .select_from(role)
        .outerjoin(assoc, assoc.c.role_id == role.id)
        .outerjoin(pvm, pvm.id == assoc.c.permission_view_id)
        .outerjoin(sm.permission_model, sm.permission_model.id == pvm.permission_id)
        .outerjoin(sm.viewmenu_model, sm.viewmenu_model.id == pvm.view_menu_id)
    ).all()
    roles = {}
    for role_name, permission, view in rows:
        found = roles.setdefault(role_name, set())
        if permission and view:
            found.add((permission, view))
    return {name: frozenset(perms) for name, perms in roles.items()}


def role_permissions(sm):
    """{role name: frozenset((permission, view))} for every role (one query per generation)."""
    _fresh()
    roles = _state["roles"]
    if roles is None:
        roles = _load_roles(sm)
        with _lock:
            _state["roles"] = roles
    return roles


def user_role_names(sm, user):
    """Names of the user's roles, direct and through groups (one query per user and generation)."""
    _fresh()
    user_id = getattr(user, "id", None)
    if user_id is None:
        return tuple(role.name for role in sm.get_user_roles(user))
    found = _state["users"].get(user_id)
    if found is None:
        from sqlalchemy import select, union

        user_model, role_model = sm.user_model, sm.role_model
        user_roles = user_model.roles.property.secondary
        query = select(role_model.name).join(user_roles, user_roles.c.role_id == role_model.id) \
            .where(user_roles.c.user_id == user_id)
        groups = getattr(user_model, "groups", None)
        if groups is not None and getattr(sm, "group_model", None) is not None:
            user_groups = user_model.groups.property.secondary
            group_roles = sm.group_model.roles.property.secondary
            query = union(query, select(role_model.name)
                          .join(group_roles, group_roles.c.role_id == role_model.id)
                          .join(user_groups, user_groups.c.group_id == group_roles.c.group_id)
                          .where(user_groups.c.user_id == user_id))
        found = tuple(sorted(set(sm.session.execute(query).scalars())))
        with _lock:
            _state["users"][user_id] = found
    return found
