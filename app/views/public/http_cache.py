"""Public pages as HTTP caches like them: ETag / Last-Modified, 304, and a short shared cache.

The version of everything public is the newest case event: every change a visitor could see
(a new public case, a status change, a published answer) writes one. One indexed statement
(``max(id)`` of the timeline, read at most once a second per process) tells whether a page changed; a conditional request then gets
``304 Not Modified`` without rendering, and an unconditional one is served from the shared cache
(Flask-Caching on Redis when ``REDIS_URL`` is set, in-process otherwise) for
``PUBLIC_CACHE_SECONDS``. A new event changes the key, so nothing stale is ever served.
"""
import functools
import hashlib
import time

from flask import current_app, make_response, request, session
from sqlalchemy import select

from app.extensions import db

_local = {}


_seen = {}


def _version():
    """The newest event (id, time), read at most once per ``PUBLIC_VERSION_SECONDS`` per process:
    a cache hit then needs no database at all; another worker's change shows within that time."""
    seconds = float(current_app.config.get("PUBLIC_VERSION_SECONDS", 1))
    if seconds > 0:
        hit = _seen.get(current_app.name)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    value = _read_version()
    if seconds > 0:
        _seen[current_app.name] = (time.monotonic() + seconds, value)
    return value


def _read_version():
    from app.models import ComplaintEvent

    row = db.session.execute(
        select(ComplaintEvent.id, ComplaintEvent.created_at).order_by(ComplaintEvent.id.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, None)


def _shared_cache():
    import app.extensions as extensions

    return getattr(extensions, "cache", None)


def _get(key):
    cache = _shared_cache()
    if cache is not None:
        try:
            return cache.get(key)
        except Exception:  # the cache is an optimisation: a Redis outage means rendering again
            return None
    hit = _local.get(key)
    return hit[1] if hit and hit[0] > time.monotonic() else None


def _set(key, value, ttl):
    cache = _shared_cache()
    if cache is not None:
        try:
            cache.set(key, value, timeout=ttl)
        except Exception:
            pass
        return
    if len(_local) > 256:
        _local.clear()
    _local[key] = (time.monotonic() + ttl, value)


TOKEN_MARK = "\x00lapor-form-token\x00"


def _signed_in():
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)


def never_stored(response):
    """A page meant for one visitor only (the receipt with the reply code, the reporter's own case
    page, a refused form showing the personal data typed into it): no browser cache, proxy or
    shared cache may keep a copy (``Cache-Control: no-store, private``), so the next person at a
    shared computer (a warnet, a service counter) cannot bring it back."""
    response = make_response(response)
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


def public_cache(view=None, *, with_form_token=False):
    """Decorator of a public GET view whose page is the same for every visitor.

    ``with_form_token``: the page holds forms whose CSRF token is each visitor's own (the tracking
    page's reply-code form). The shared copy is stored with a mark where the token was and gets the
    visitor's token put back on every hit; such a page is never stored by browsers or proxies and
    has no ETag (a copy kept by the browser would carry an old token).
    """
    if view is None:
        return functools.partial(public_cache, with_form_token=with_form_token)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        ttl = int(current_app.config.get("PUBLIC_CACHE_SECONDS", 30))
        if ttl <= 0 or request.method != "GET" or session.get("_flashes"):
            return view(*args, **kwargs)
        from flask_babel import get_locale

        event_id, changed_at = _version()
        locale = str(get_locale() or "")
        # a signed-in officer's page differs (the layout links the staff area): a copy of its own,
        # never handed to citizens, and never stored by a shared proxy
        staff = _signed_in()
        digest = hashlib.sha1(
            f"{event_id}|{changed_at}|{locale}|{'staff' if staff else '-'}|{request.full_path}".encode()
        ).hexdigest()[:20]
        etag = f"lapor-{digest}"
        if not with_form_token and request.if_none_match.contains_weak(etag):
            response = make_response("", 304)
        else:
            key = f"lapor:page:{digest}"
            body = _get(key)
            if body is None:
                result = view(*args, **kwargs)
                response = make_response(result)
                if response.status_code != 200:
                    return response
                body = response.get_data(as_text=True)
                if with_form_token:
                    from flask_wtf.csrf import generate_csrf

                    body = body.replace(generate_csrf(), TOKEN_MARK)
                _set(key, body, ttl)
            else:
                response = make_response(body)
            if with_form_token:
                from flask_wtf.csrf import generate_csrf

                response.set_data(body.replace(TOKEN_MARK, generate_csrf()))
        if with_form_token:
            response.cache_control.no_store = True
            response.cache_control.private = True
            return response
        response.set_etag(etag, weak=True)
        if changed_at is not None:
            response.last_modified = changed_at.replace(microsecond=0)
        if staff:
            response.cache_control.private = True
        else:
            response.cache_control.public = True
        response.cache_control.max_age = ttl
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
        return response

    return wrapper
