"""What the JSON API says when it refuses a request: in the reader's language (Flask-Babel, like
every screen) and in the shape Flask-AppBuilder documents, ``{"message": ...}``.

Flask-AppBuilder answers its refusals in English ("Not found", "Forbidden", "Not authorized"),
passes marshmallow's field errors through as they are ("Not a valid number.", "Unknown field."),
flask-jwt-extended answers a bad token with ``{"msg": "Not enough segments"}``, and a database
error reached the client with its SQL. The one home of these words:

* :class:`ApiMessages`, mixed into every API class (the case API, the security API, the menu
  API, the OpenAPI document): FAB's ``response_400`` ... ``response_500`` in Indonesian;
  marshmallow's messages (per field, in a 422) read through :func:`translated`;
* :func:`jwt_messages`, the token refusals of flask-jwt-extended, set up by the security manager.
"""
import logging
import re

from flask_babel import gettext as _, lazy_gettext as _l

log = logging.getLogger(__name__)

# marshmallow's (and FAB's) English messages, with their placeholders -> ours
_KNOWN = [
    ("Missing data for required field.", _l("This field is required.")),
    ("Field may not be null.", _l("This field may not be empty (null).")),
    ("Invalid value.", _l("Invalid value.")),
    ("Unknown field.", _l("Unknown field: it cannot be changed through the API.")),
    ("Invalid input type.", _l("The data must be a JSON object.")),
    ("Invalid type.", _l("The value has the wrong type.")),
    ("Not a valid string.", _l("Must be text.")),
    ("Not a valid utf-8 string.", _l("Must be UTF-8 text.")),
    ("Not a valid integer.", _l("Must be a whole number.")),
    ("Not a valid number.", _l("Must be a number.")),
    ("Number too large.", _l("The number is too large.")),
    ("Special numeric values (nan or infinity) are not permitted.",
     _l("Must be a number (NaN and infinity are not allowed).")),
    ("Not a valid boolean.", _l("Must be true or false.")),
    ("Not a valid date.", _l("Must be a date (yyyy-mm-dd).")),
    ("Not a valid datetime.", _l("Must be a date and time in ISO 8601, e.g. 2026-01-31T09:00:00+07:00.")),
    ("Not a valid {awareness} datetime.",
     _l("Must be a date and time in ISO 8601, e.g. 2026-01-31T09:00:00+07:00.")),
    ("Not a valid time.", _l("Must be a time (hh:mm).")),
    ("Not a valid list.", _l("Must be a list.")),
    ("Not a valid mapping type.", _l("Must be a JSON object.")),
    ("Not a valid email address.", _l("Invalid email address.")),
    ("Not a valid URL.", _l("Must be a web address (URL).")),
    ("Longer than maximum length {max}.", _l("At most %(max)s characters.")),
    ("Shorter than minimum length {min}.", _l("At least %(min)s characters.")),
    ("Length must be between {min} and {max}.", _l("Must be %(min)s to %(max)s characters.")),
    ("Length must be {equal}.", _l("Must be exactly %(equal)s characters.")),
    ("Must be one of: {choices}.", _l("Must be one of: %(choices)s.")),
    ("Must be greater than or equal to {min} and less than or equal to {max}.",
     _l("Must be from %(min)s to %(max)s.")),
    # FAB's own words
    ("Request is not JSON", _l("The request body must be a JSON object.")),
    ("Request payload is not JSON", _l("The request body must be a JSON object.")),
    ("Alternative authentication provider is not allowed", _l("must be \"db\" (user name and password).")),
    ("Not a valid rison/json argument", _l("The q argument must be a Rison object, e.g. (page:0,page_size:25).")),
    ("Not a valid rison argument", _l("The q argument must be a Rison object, e.g. (page:0,page_size:25).")),
    ("Not a valid rison schema {detail}", _l("The q argument must be a Rison object, e.g. (page:0,page_size:25).")),
    ("Arguments are not correct", _l("Invalid request.")),
    ("Filter column: {col} not allowed to filter", _l("The list cannot be filtered by %(col)s.")),
    ("Filter operation: {opr} not allowed on column: {col}",
     _l("The filter operation %(opr)s cannot be used on %(col)s.")),
    ("Filter value of column: {col} is not a date and time",
     _l("The filter value for %(col)s must be a date and time, e.g. 2026-01-31 or 2026-01-31T09:00:00+07:00.")),
    ("Filter value of column: {col} is not a date", _l("The filter value for %(col)s must be a date, e.g. 2026-01-31.")),
    ("Filter value of column: {col} is not a whole number", _l("The filter value for %(col)s must be a whole number.")),
    ("Filter value of column: {col} is not a number", _l("The filter value for %(col)s must be a number.")),
    ("Filter value of column: {col} is not a known id",
     _l("The filter value for %(col)s must be the ID of an existing record (a whole number).")),
    ("Invalid order by column: {column}", _l("The list cannot be ordered by %(column)s.")),
    ("Could not process entity", _l("The data could not be processed.")),
]


def _pattern(english):
    parts = re.split(r"\{(\w+)\}", english)
    return re.compile("^" + "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                                    for i, p in enumerate(parts)) + "$")


_PATTERNS = [(_pattern(english), ours) for english, ours in _KNOWN]


def translated(message):
    """A message of marshmallow or FAB (a string, or a dict/list of them per field) in our words;
    anything else (our own, already translated) unchanged."""
    if isinstance(message, dict):
        return {key: translated(value) for key, value in message.items()}
    if isinstance(message, (list, tuple)):
        return [translated(value) for value in message]
    if isinstance(message, str):
        if message.startswith("Database exception occurred"):
            # never the database's text (SQL, and its parameters may be personal data), not even in the log
            log.warning("API: a change was refused by the database")
            return _("The data could not be saved. Check the values and try again.")
        for pattern, ours in _PATTERNS:
            found = pattern.match(message)
            if found:
                return str(ours) % found.groupdict() if found.groupdict() else str(ours)
    return message


def not_authorized():
    return _("Not signed in, or the token is not valid. Sign in through /api/v1/security/login.")


class ApiMessages:
    """FAB's JSON refusals in Indonesian, same status codes, same ``{"message": ...}`` shape."""

    def response_400(self, message=None):
        return self.response(400, message=translated(message) if message else _("Invalid request."))

    def response_401(self):
        return self.response(401, message=not_authorized())

    def response_403(self):
        return self.response(403, message=_("You do not have access to this resource."))

    def response_404(self):
        return self.response(404, message=_("The page or data you are looking for was not found."))

    def response_422(self, message=None):
        return self.response(422, message=translated(message) if message else _("The data could not be processed."))

    def response_500(self, message=None):
        # FAB passes "Fatal error" (or a stack trace when FAB_API_SHOW_STACKTRACE): neither is for a client
        return self.response(500, message=_("A server error occurred. Please try again later."))


def jwt_messages(manager):
    """flask-jwt-extended's refusals of a token, as the API's other refusals: ``{"message": ...}``,
    Indonesian, and never the library's reason (``Not enough segments``) in English."""
    from flask import jsonify

    def answer(status, message):
        return jsonify({"message": message}), status

    manager.unauthorized_loader(lambda reason: answer(401, not_authorized()))
    manager.invalid_token_loader(lambda reason: answer(401, not_authorized()))
    manager.expired_token_loader(lambda header, data: answer(401, _("The token has expired. Sign in again.")))
    manager.revoked_token_loader(lambda header, data: answer(401, not_authorized()))
    manager.user_lookup_error_loader(lambda header, data: answer(401, not_authorized()))
    manager.token_verification_failed_loader(lambda header, data: answer(401, not_authorized()))
    manager.needs_fresh_token_loader(lambda header, data: answer(401, _("Sign in again to do this.")))
    return manager
