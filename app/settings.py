"""One way to read a setting of the running installation (``config.py`` + environment)."""
from flask import current_app


def setting(name, default=None):
    """``app.config[name]``, or ``default`` when it is not set."""
    return current_app.config.get(name, default)
