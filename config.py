"""Every setting comes from the environment, with safe local defaults.

Secrets are never hard-coded: when SECRET_KEY / PII_KEY are not set, a key is
generated once and kept under ``instance/`` (fine for a local try-out; set them
explicitly in production).
"""
import os
import secrets

from flask_appbuilder.const import AUTH_DB

BASE_DIR = os.path.abspath(os.path.dirname(__file__))
INSTANCE_DIR = os.environ.get("INSTANCE_DIR", os.path.join(BASE_DIR, "instance"))


def _env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _instance_secret(name, generator):
    """Read a secret from instance/<name>, creating it once if absent."""
    os.makedirs(INSTANCE_DIR, exist_ok=True)
    path = os.path.join(INSTANCE_DIR, name)
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(generator())
    with open(path) as fh:
        return fh.read().strip()


def _fernet_key():
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def _database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        os.makedirs(INSTANCE_DIR, exist_ok=True)
        return "sqlite:///" + os.path.join(INSTANCE_DIR, "lapor.db")
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url[len("postgres://"):]
    return url


class Config:
    # --- core -----------------------------------------------------------
    SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret(
        "secret_key", lambda: secrets.token_hex(32)
    )
    # Fernet key(s) for personal data; comma-separated for key rotation
    # (the first encrypts, all decrypt).
    PII_KEY = os.environ.get("PII_KEY") or _instance_secret("pii_key", _fernet_key)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Jakarta")
    PORT = int(os.environ.get("PORT", "5000"))
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "lapor2026")
    UPLOAD_FOLDER = os.environ.get(
        "UPLOAD_FOLDER", os.path.join(INSTANCE_DIR, "uploads")
    )
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(30 * 1024 * 1024)))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    INSTALLATION_NAME = os.environ.get("INSTALLATION_NAME", "Pemerintah Kabupaten Contoh")

    # --- mail -------------------------------------------------------------
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "lapor@localhost")

    # --- Flask-AppBuilder -------------------------------------------------
    APP_NAME = os.environ.get("APP_NAME", "LAPOR! Kabupaten")
    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    # Roles are defined in code (app/security.py) and synchronised by
    # ``flask lapor init``; FAB must not create tables (Alembic owns the schema).
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.LaporSecurityManager"
    FAB_API_SWAGGER_UI = False
    FAB_ADD_SECURITY_API = False
    FAB_API_MAX_PAGE_SIZE = 100
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    PUBLIC_SUBMIT_RATE_LIMIT = os.environ.get("PUBLIC_SUBMIT_RATE_LIMIT", "10 per hour")
    PUBLIC_CODE_RATE_LIMIT = os.environ.get("PUBLIC_CODE_RATE_LIMIT", "20 per hour")

    # --- i18n ---------------------------------------------------------------
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Jakarta")
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
    LANGUAGES = {
        "id": {"flag": "id", "name": "Bahasa Indonesia"},
        "en": {"flag": "gb", "name": "English"},
    }

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
