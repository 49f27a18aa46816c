"""Domain errors carry an Indonesian (translatable) message for the user."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule refused an operation; ``message`` is shown to the user."""

    status_code = 400
    default_message = _l("Operation not allowed.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    status_code = 403
    default_message = _l("You are not authorized to perform this action.")


class InvalidTransition(DomainError):
    status_code = 409
    default_message = _l("This action cannot be performed in the case's current status.")


class Conflict(DomainError):
    status_code = 409
    default_message = _l(
        "This case was just changed by another officer. Reload the page and try again."
    )


class AlreadyDone(Conflict):
    """The same action by the same officer was just recorded (a form sent twice): nothing to do."""

    default_message = _l("This action was already recorded (the form was sent twice); it was not done again.")


class ValidationFailed(DomainError):
    status_code = 400
    default_message = _l("The submitted data is invalid.")
