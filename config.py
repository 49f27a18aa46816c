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


def _env_optional_bool(name):
    """True/False when the variable is set, None (= decide at run time) when it is not."""
    if os.environ.get(name) is None:
        return None
    return _env_bool(name)


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
    # earlier SECRET_KEYs after a rotation, comma-separated: Flask (>= 3.1) still accepts sessions
    # signed with them, and app.crypto still recognises the e-mail reply tokens made with them;
    # everything new is signed with SECRET_KEY
    SECRET_KEY_FALLBACKS = [key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",")
                            if key.strip()]
    # Fernet key(s) for personal data; comma-separated for key rotation
    # (the first encrypts, all decrypt).
    PII_KEY = os.environ.get("PII_KEY") or _instance_secret("pii_key", _fernet_key)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {}
    # a pooled connection idle longer than this is checked (SELECT 1) before use (app/database.py)
    DATABASE_PING_IDLE_SECONDS = float(os.environ.get("DATABASE_PING_IDLE_SECONDS", "10"))
    REDIS_URL = os.environ.get("REDIS_URL") or None
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Jakarta")
    PORT = int(os.environ.get("PORT", "5000"))
    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "lapor2026")
    UPLOAD_FOLDER = os.environ.get(
        "UPLOAD_FOLDER", os.path.join(INSTANCE_DIR, "uploads")
    )
    # attachments (app/workflow/attachments.py): each file up to ATTACHMENT_MAX_BYTES (phones take
    # large photos), images downscaled to ATTACHMENT_MAX_PIXELS on the long side and re-encoded
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))
    ATTACHMENT_MAX_PIXELS = int(os.environ.get("ATTACHMENT_MAX_PIXELS", "2560"))
    # a whole request: 5 files of ATTACHMENT_MAX_BYTES plus the form's text
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(5 * ATTACHMENT_MAX_BYTES + 2 * 1024 * 1024)))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    INSTALLATION_NAME = os.environ.get("INSTALLATION_NAME", "Pemerintah Kabupaten Contoh")
    # shown in the public pages' footer and on the privacy page
    INSTALLATION_ADDRESS = os.environ.get("INSTALLATION_ADDRESS", "Jl. Merdeka 1, Kota Contoh")
    INSTALLATION_PHONE = os.environ.get("INSTALLATION_PHONE", "(0260) 123456")
    INSTALLATION_EMAIL = os.environ.get("INSTALLATION_EMAIL", "pengaduan@contoh.go.id")
    # who answers questions and erasure requests about personal data (UU PDP); defaults to the above
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "")

    # --- mail -------------------------------------------------------------
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "lapor@localhost")

    # --- background jobs (app/jobs; see the jobs section of the README) ------------
    # REDIS_URL unset = embedded mode: an in-process queue, worker thread and scheduler
    # thread, started on the first request (never in tests unless a test asks).
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "lapor")
    # embedded mode: start the worker/scheduler threads on the first request
    # (unset = yes, except when TESTING)
    JOBS_EMBEDDED_AUTOSTART = _env_optional_bool("JOBS_EMBEDDED_AUTOSTART")
    JOBS_SCHEDULER_TICK_SECONDS = float(os.environ.get("JOBS_SCHEDULER_TICK_SECONDS", "30"))
    JOBS_RUN_RETENTION_DAYS = int(os.environ.get("JOBS_RUN_RETENTION_DAYS", "14"))
    # after a failed enqueue, don't try Redis again from web requests for this long
    JOBS_REDIS_RETRY_SECONDS = float(os.environ.get("JOBS_REDIS_RETRY_SECONDS", "15"))
    # a failed (or abandoned: worker killed) sweep/report job is retried after these waits
    JOBS_RETRY_INTERVALS = os.environ.get("JOBS_RETRY_INTERVALS", "10,60,300")

    # reminders and escalation
    REMINDER_INTERVAL_MINUTES = int(os.environ.get("REMINDER_INTERVAL_MINUTES", "15"))
    REMINDER_BATCH_SIZE = int(os.environ.get("REMINDER_BATCH_SIZE", "500"))
    # deadlines older than this are not reminded about any more (bounds the sweep)
    REMINDER_MAX_AGE_DAYS = int(os.environ.get("REMINDER_MAX_AGE_DAYS", "90"))
    # overdue by more than this many working days -> Pimpinan are told too
    ESCALATION_WORKING_DAYS = int(os.environ.get("ESCALATION_WORKING_DAYS", "3"))
    # "immediate" (a message per reminder) or "digest" (one message a day per person)
    REMINDER_DELIVERY = os.environ.get("REMINDER_DELIVERY", "immediate")
    REMINDER_DIGEST_HOUR = int(os.environ.get("REMINDER_DIGEST_HOUR", "7"))  # local time
    AUTO_CLOSE_INTERVAL_MINUTES = int(os.environ.get("AUTO_CLOSE_INTERVAL_MINUTES", "60"))

    # monthly transparency report: built on this day/hour (local time) for the previous month
    REPORT_MONTHLY_DAY = int(os.environ.get("REPORT_MONTHLY_DAY", "1"))
    REPORT_MONTHLY_HOUR = int(os.environ.get("REPORT_MONTHLY_HOUR", "1"))
    REPORT_RANKING_MIN_CASES = int(os.environ.get("REPORT_RANKING_MIN_CASES", "5"))

    # staff case exports (XLSX/CSV of a list): above this many rows, or when building the
    # file in the request would take longer than EXPORT_SYNC_SECONDS (keep it well below the
    # web server's worker timeout), the file is built by a background job instead
    EXPORT_SYNC_MAX_ROWS = int(os.environ.get("EXPORT_SYNC_MAX_ROWS", "5000"))
    EXPORT_SYNC_SECONDS = float(os.environ.get("EXPORT_SYNC_SECONDS", "15"))
    EXPORT_JOB_TIMEOUT = int(os.environ.get("EXPORT_JOB_TIMEOUT", "3600"))
    # a finished background export can be downloaded for this many hours
    EXPORT_TTL_HOURS = float(os.environ.get("EXPORT_TTL_HOURS", "24"))

    # notifications
    NOTIFY_REPORTER_CHANNELS = os.environ.get("NOTIFY_REPORTER_CHANNELS", "email,whatsapp")
    NOTIFY_STAFF_EMAIL = _env_bool("NOTIFY_STAFF_EMAIL", True)
    # "smtp" or "log" (write to the log only); default smtp when MAIL_SERVER is set
    NOTIFY_EMAIL_TRANSPORT = os.environ.get(
        "NOTIFY_EMAIL_TRANSPORT", "smtp" if os.environ.get("MAIL_SERVER") else "log"
    )
    NOTIFY_SMTP_TIMEOUT = float(os.environ.get("NOTIFY_SMTP_TIMEOUT", "30"))
    # WhatsApp/SMS gateway: JSON POST with a bearer token (unset = log only)
    NOTIFY_GATEWAY_URL = os.environ.get("NOTIFY_GATEWAY_URL") or None
    NOTIFY_GATEWAY_TOKEN = os.environ.get("NOTIFY_GATEWAY_TOKEN") or None
    # shape of outbound WhatsApp messages: generic | cloud_api | waha | gowa (SMS: always generic)
    NOTIFY_GATEWAY_PROVIDER = os.environ.get("NOTIFY_GATEWAY_PROVIDER", "generic")
    NOTIFY_SMS_GATEWAY_URL = os.environ.get("NOTIFY_SMS_GATEWAY_URL") or None
    WAHA_SESSION = os.environ.get("WAHA_SESSION", "default")
    NOTIFY_GATEWAY_TIMEOUT = float(os.environ.get("NOTIFY_GATEWAY_TIMEOUT", "10"))
    NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "6"))
    # waits before attempt 2, 3, ... (seconds); the last value repeats
    NOTIFY_BACKOFF_SECONDS = os.environ.get("NOTIFY_BACKOFF_SECONDS", "60,300,900,3600,10800")
    # a message being sent is reserved this long; after that a crashed attempt is retried
    NOTIFY_LEASE_SECONDS = int(os.environ.get("NOTIFY_LEASE_SECONDS", "300"))
    NOTIFY_SWEEP_SECONDS = int(os.environ.get("NOTIFY_SWEEP_SECONDS", "60"))
    # events recorded with an older timestamp (imports, demo data) notify nobody
    NOTIFY_MAX_EVENT_AGE_HOURS = float(os.environ.get("NOTIFY_MAX_EVENT_AGE_HOURS", "24"))

    # --- intake channels (app/channels; see the README) -----------------------------
    # Open311 GeoReport v2: jurisdiction served (empty = the host name of the request)
    OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "")
    OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "")
    OPEN311_KEY_SERVICE = os.environ.get("OPEN311_KEY_SERVICE", "")
    # reads of the Open311 API, per address (POSTs have each key's own limit)
    OPEN311_RATE_LIMIT = os.environ.get("OPEN311_RATE_LIMIT", "120 per minute")
    # the same POST sent again by the same key within this many minutes (a retry after a lost answer)
    # is answered with the case it opened, not a second case (0 = never)
    OPEN311_REPEAT_MINUTES = int(os.environ.get("OPEN311_REPEAT_MINUTES", "10"))
    # inbound WhatsApp/SMS webhooks: one HMAC secret per provider (unset = that webhook refuses all)
    WEBHOOK_SECRET_CLOUD_API = os.environ.get("WEBHOOK_SECRET_CLOUD_API", "")
    WEBHOOK_SECRET_WAHA = os.environ.get("WEBHOOK_SECRET_WAHA", "")
    WEBHOOK_SECRET_GOWA = os.environ.get("WEBHOOK_SECRET_GOWA", "")
    WEBHOOK_SECRET_SMS = os.environ.get("WEBHOOK_SECRET_SMS", "")
    WHATSAPP_CLOUD_VERIFY_TOKEN = os.environ.get("WHATSAPP_CLOUD_VERIFY_TOKEN", "")
    # the WhatsApp gateway (WAHA / go-whatsapp server, or the Graph API base for the Cloud API):
    # media of inbound messages are fetched only from this host and INBOUND_MEDIA_HOSTS
    WHATSAPP_GATEWAY_URL = os.environ.get("WHATSAPP_GATEWAY_URL", "")
    INBOUND_MEDIA_HOSTS = os.environ.get("INBOUND_MEDIA_HOSTS", "")
    # e-mail to case: the mailbox read every INBOUND_IMAP_INTERVAL_MINUTES (unset host = off)
    INBOUND_IMAP_HOST = os.environ.get("INBOUND_IMAP_HOST", "")
    INBOUND_IMAP_PORT = int(os.environ.get("INBOUND_IMAP_PORT", "993"))
    INBOUND_IMAP_SSL = _env_bool("INBOUND_IMAP_SSL", True)
    INBOUND_IMAP_STARTTLS = _env_bool("INBOUND_IMAP_STARTTLS", False)
    INBOUND_IMAP_USER = os.environ.get("INBOUND_IMAP_USER", "")
    INBOUND_IMAP_PASSWORD = os.environ.get("INBOUND_IMAP_PASSWORD", "")
    INBOUND_IMAP_FOLDER = os.environ.get("INBOUND_IMAP_FOLDER", "INBOX")
    INBOUND_IMAP_PROCESSED_FOLDER = os.environ.get("INBOUND_IMAP_PROCESSED_FOLDER", "Diproses")
    INBOUND_IMAP_INTERVAL_MINUTES = int(os.environ.get("INBOUND_IMAP_INTERVAL_MINUTES", "5"))
    INBOUND_IMAP_BATCH = int(os.environ.get("INBOUND_IMAP_BATCH", "50"))
    INBOUND_IMAP_TIMEOUT = float(os.environ.get("INBOUND_IMAP_TIMEOUT", "30"))
    INBOUND_IMAP_ENABLED = bool(os.environ.get("INBOUND_IMAP_HOST"))
    # authserv-id of the receiving mail server whose Authentication-Results (dmarc / spf+dkim pass)
    # confirm a reply's sender; empty = only the reply token of our own mails confirms it
    INBOUND_EMAIL_AUTHSERV_ID = os.environ.get("INBOUND_EMAIL_AUTHSERV_ID", "")

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
    FAB_BASE_TEMPLATE = "lapor_base.html"
    FAB_API_SWAGGER_UI = False
    FAB_ADD_SECURITY_API = False
    # FAB's menu API (/api/v1/menu/) is not served: the staff navigation is rendered on the server
    # and no screen or script reads it, so no role is given it (tests/views/test_permission_matrix.py)
    FAB_ADD_MENU_API = False
    # FAB's read-only lists of raw permission and view names ("Base Permissions", "Views/Menus",
    # "Permission on Views/Menus") are not offered: who may do what is the table in app/permissions.py,
    # and each role's screen shows it in words (app/accounts.py describe_role_permissions)
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_API_MAX_PAGE_SIZE = 100
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    # Redis down: limits go on in this process's memory (reported by /health), never a 500
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # staff sign-in protection (app/workflow/logins.py; README: Configuration)
    LOGIN_WINDOW_MINUTES = int(os.environ.get("LOGIN_WINDOW_MINUTES", "15"))
    LOGIN_DELAY_AFTER = int(os.environ.get("LOGIN_DELAY_AFTER", "3"))
    LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "60"))
    LOGIN_LOCK_AFTER = int(os.environ.get("LOGIN_LOCK_AFTER", "10"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    LOGIN_ADDRESS_LOCK_AFTER = int(os.environ.get("LOGIN_ADDRESS_LOCK_AFTER", "30"))
    LOGIN_TRUSTED_DAYS = int(os.environ.get("LOGIN_TRUSTED_DAYS", "30"))
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    PUBLIC_SUBMIT_RATE_LIMIT = os.environ.get("PUBLIC_SUBMIT_RATE_LIMIT", "10 per hour")
    KPI_CACHE_SECONDS = int(os.environ.get("KPI_CACHE_SECONDS", "300"))
    # public list and detail pages: ETag/Last-Modified, 304, shared cache for this long (0 = off)
    PUBLIC_CACHE_SECONDS = int(os.environ.get("PUBLIC_CACHE_SECONDS", "30"))
    # how long a worker trusts the public pages' version (the newest case event) before reading it again
    PUBLIC_VERSION_SECONDS = float(os.environ.get("PUBLIC_VERSION_SECONDS", "1"))
    # filter-widget and form choices (agencies, categories, channels) reused per process
    CHOICES_CACHE_SECONDS = int(os.environ.get("CHOICES_CACHE_SECONDS", "60"))
    PUBLIC_CODE_RATE_LIMIT = os.environ.get("PUBLIC_CODE_RATE_LIMIT", "20 per hour")
    # tracking-number lookups per address (the /lacak form and /lacak/<number>, every method)
    PUBLIC_TRACK_RATE_LIMIT = os.environ.get("PUBLIC_TRACK_RATE_LIMIT", "60 per minute")
    # a case's reply code locks after this many wrong attempts (a coordinator issues a new one)
    REPLY_CODE_MAX_FAILURES = int(os.environ.get("REPLY_CODE_MAX_FAILURES", "10"))
    # how long a correct reply code keeps the reporter's browser session on the case
    REPLY_ACCESS_MINUTES = int(os.environ.get("REPLY_ACCESS_MINUTES", "30"))
    # how long the browser that sent the report form sees the reply code again when it sends the
    # same form again (the first answer lost); the code is kept encrypted that long (daily clean-up)
    REPLY_CODE_RESEND_MINUTES = int(os.environ.get("REPLY_CODE_RESEND_MINUTES", "30"))

    # --- personal data (UU PDP 27/2022) -----------------------------------------
    # sent messages lose their recipient address after this many days (daily job)
    OUTBOX_RECIPIENT_RETENTION_DAYS = int(os.environ.get("OUTBOX_RECIPIENT_RETENTION_DAYS", "30"))
    # erase the reporter identity of cases closed more than this many days ago; 0 = never (default)
    IDENTITY_RETENTION_DAYS = int(os.environ.get("IDENTITY_RETENTION_DAYS", "0"))
    PRIVACY_RETENTION_HOUR = int(os.environ.get("PRIVACY_RETENTION_HOUR", "2"))  # local hour of the daily job

    # --- regions, map, duplicates, hotspots (issue 15) ----------------------------
    # the installation's kabupaten/kota (Kemendagri code); the demo is Kabupaten Sumedang
    REGION_CODE = os.environ.get("REGION_CODE", "32.11")
    # map tiles, e.g. an intranet tile server; empty = offline outline of the kecamatan only
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
    DUPLICATE_WINDOW_DAYS = int(os.environ.get("DUPLICATE_WINDOW_DAYS", "30"))
    DUPLICATE_DISTANCE_M = int(os.environ.get("DUPLICATE_DISTANCE_M", "500"))
    DUPLICATE_MIN_SIMILARITY = float(os.environ.get("DUPLICATE_MIN_SIMILARITY", "0.15"))
    DUPLICATE_MAX_SUGGESTIONS = int(os.environ.get("DUPLICATE_MAX_SUGGESTIONS", "5"))
    HOTSPOT_WINDOW_DAYS = int(os.environ.get("HOTSPOT_WINDOW_DAYS", "7"))
    HOTSPOT_BASELINE_WEEKS = int(os.environ.get("HOTSPOT_BASELINE_WEEKS", "8"))
    HOTSPOT_MIN_COUNT = int(os.environ.get("HOTSPOT_MIN_COUNT", "5"))
    HOTSPOT_P_VALUE = float(os.environ.get("HOTSPOT_P_VALUE", "0.001"))
    HOTSPOT_MIN_BASELINE = float(os.environ.get("HOTSPOT_MIN_BASELINE", "0.5"))
    HOTSPOT_CLUSTER_MIN = int(os.environ.get("HOTSPOT_CLUSTER_MIN", "5"))
    HOTSPOT_CLUSTER_RADIUS_M = int(os.environ.get("HOTSPOT_CLUSTER_RADIUS_M", "300"))
    HOTSPOT_CLUSTER_DAYS = int(os.environ.get("HOTSPOT_CLUSTER_DAYS", "3"))
    HOTSPOT_HOUR = int(os.environ.get("HOTSPOT_HOUR", "6"))  # local time of the daily job

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

    # --- web security (app/views/headers.py, app/security.py) -----------------------------
    # "https" in production behind TLS: secure cookies and HSTS follow
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", PREFERRED_URL_SCHEME == "https")
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    # number of reverse proxies in front of the app whose X-Forwarded-For/-Proto is trusted
    # (nginx alone = 1); 0 = none: the headers are ignored
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # password policy (app/passwords.py) on every form that sets a password, and the CLI
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    # FAB_PASSWORD_COMPLEXITY_VALIDATOR = app.passwords.fab_validator (set by create_app)
    # extra sources for the Content-Security-Policy (space-separated), e.g. a map tile server
    CSP_IMG_SOURCES = os.environ.get("CSP_IMG_SOURCES", "")
    CSP_CONNECT_SOURCES = os.environ.get("CSP_CONNECT_SOURCES", "")
