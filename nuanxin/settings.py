"""One settings module, driven by NUANXIN_* environment variables.

Defaults suit a laptop: DEBUG on, SQLite (WAL) under var/. Production sets
NUANXIN_DEBUG=0, NUANXIN_SECRET_KEY, NUANXIN_ALLOWED_HOSTS and usually
NUANXIN_DATABASE_URL; `nuanxin check --deploy` is then clean.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("NUANXIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("NUANXIN_DEBUG", True)
# `nuanxin demo` serves with DEBUG off, as production does (the site's own error pages,
# no tracebacks), but over plain http on 127.0.0.1 with a key of its own in var/.
DEMO = env_bool("NUANXIN_DEMO", False)
# A production secret key signs sessions, password-reset links and CSRF tokens: a
# short or repetitive one can be guessed offline from a single signed cookie.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_DISTINCT = 10
_DEVELOPMENT_KEY = "insecure-development-key-nuanxin-only-for-local-use"  # noqa: S105


def weak_secret_key(key: str) -> str:
    """Why `key` is too weak for production, or "" when it will do."""
    if not key:
        return "NUANXIN_SECRET_KEY must be set when NUANXIN_DEBUG is off"
    if key == _DEVELOPMENT_KEY or key.startswith("django-insecure"):
        return "NUANXIN_SECRET_KEY is a development key"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return (
            f"NUANXIN_SECRET_KEY has {len(key)} characters; "
            f"production needs at least {SECRET_KEY_MIN_LENGTH}"
        )
    if len(set(key)) < SECRET_KEY_MIN_DISTINCT:
        return (
            f"NUANXIN_SECRET_KEY uses only {len(set(key))} distinct characters; "
            f"production needs at least {SECRET_KEY_MIN_DISTINCT}"
        )
    return ""


def demo_secret_key(path: Path) -> str:
    """The demo's own random key, made once and kept beside its database."""
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.getenv("NUANXIN_SECRET_KEY", "")
if DEMO and not SECRET_KEY:
    SECRET_KEY = demo_secret_key(VAR_DIR / "demo-secret-key")
if not DEBUG and (problem := weak_secret_key(SECRET_KEY)):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"{problem}. Generate one with: "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if not SECRET_KEY:
    SECRET_KEY = _DEVELOPMENT_KEY

ALLOWED_HOSTS = os.getenv("NUANXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("NUANXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "ninja",  # serves the API docs' Swagger UI from vendored static files, not a CDN
    "nuanxin.core",
    "nuanxin.regions",
    "nuanxin.accounts",
    "nuanxin.audit",
    "nuanxin.registry",
    "nuanxin.ledgers",
    "nuanxin.visits",
    "nuanxin.directory",
    "nuanxin.casework",
    "nuanxin.oversight",
    "nuanxin.care",
    "nuanxin.dashboard",
    "nuanxin.api",
    "nuanxin.demo",
    "nuanxin.notices",
    "nuanxin.campaigns",
    "nuanxin.mapchange",
    *["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"],  # 2nd factor
]

MIDDLEWARE = [
    # First: the audit trail and the lockout see the client's address behind nginx.
    "nuanxin.core.proxy.ForwardedForMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, but an unchanged session is written once a minute, not on every page.
    "nuanxin.core.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "nuanxin.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A query string that cannot be read is a 400 page naming the parameter, never a 500.
    "nuanxin.core.params.ParametersMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nuanxin.urls"
WSGI_APPLICATION = "nuanxin.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "nuanxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nuanxin.accounts.context_processors.memberships",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, PostgreSQL by URL -------------------
DATABASE_URL = os.getenv("NUANXIN_DATABASE_URL", "")
VAR_DIR.mkdir(parents=True, exist_ok=True)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("NUANXIN_SQLITE_PATH", str(VAR_DIR / "nuanxin.sqlite3")),
            "OPTIONS": {
                # WAL lets the web server read while the task worker writes.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Sharded by district with Citus (docs/scaling.md): the access gate adds an equality on
# the district column when a user's regions lie in one district, so their queries go to
# one shard. Off on a single server, where the range scan alone is what the indexes serve.
DISTRICT_ROUTING = env_bool("NUANXIN_DISTRICT_ROUTING", False)

# --- Background work: Django Tasks on the database --------------------------
TASKS = {
    "default": {
        "BACKEND": os.getenv("NUANXIN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- The notice outbox (nuanxin.notices): console, file or a signed webhook ---
NOTICES = {
    "BACKEND": os.getenv("NUANXIN_NOTICE_BACKEND", "console"),
    "FILE_PATH": os.getenv("NUANXIN_NOTICE_FILE", ""),
    "WEBHOOK_URL": os.getenv("NUANXIN_NOTICE_WEBHOOK_URL", ""),
    "WEBHOOK_SECRET": os.getenv("NUANXIN_NOTICE_WEBHOOK_SECRET", ""),
    "MAX_TRIES": int(os.getenv("NUANXIN_NOTICE_MAX_TRIES", "5")),
    "BACKOFF_SECONDS": int(os.getenv("NUANXIN_NOTICE_BACKOFF_SECONDS", "60")),
}

# --- Authentication and sessions --------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Peers whose X-Forwarded-For names the client (nginx on this machine: 127.0.0.1,::1).
TRUSTED_PROXIES = [
    a.strip() for a in os.getenv("NUANXIN_TRUSTED_PROXIES", "").split(",") if a.strip()
]
# Lockout (docs/security.md): five failures lock a user name *from that address*
# only, so nobody elsewhere can lock a colleague out; many failures from one
# address, whatever the names, lock the address (accounts/lockout.py adds that
# second, higher limit to django-axes' combination parameter).
AXES_FAILURE_LIMIT = int(os.getenv("NUANXIN_LOGIN_FAILURE_LIMIT", "5"))
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.getenv("NUANXIN_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "nuanxin.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "nuanxin.accounts.lockout.locked_out_response"
# Tries while locked do not push the end of the lock back: the page's "try again
# after" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The second factor (accounts/otp.py): the name authenticator apps show for it.
OTP_TOTP_ISSUER = "Nuanxin"
# The admin never shows a device's secret or recovery codes once made: a superuser
# could otherwise copy someone's authenticator.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# API tokens end after this many days unless made for fewer (at most the maximum).
API_TOKEN_DAYS = int(os.getenv("NUANXIN_TOKEN_DAYS", "90"))
API_TOKEN_MAX_DAYS = 365
# A shared office PC logs out after a working day of inactivity, and when closed.
SESSION_COOKIE_AGE = int(os.getenv("NUANXIN_SESSION_SECONDS", str(8 * 3600)))
# The idle limit moves on with each request; `core.sessions` writes an unchanged
# session back only when its stored expiry is a minute or more behind.
SESSION_ENGINE = "nuanxin.core.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Internationalisation: Chinese first, English when asked ----------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "nuanxin" / "locale"]
TIME_ZONE = os.getenv("NUANXIN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# The demo serves static files straight from the apps, with no collectstatic step.
WHITENOISE_USE_FINDERS = DEBUG or DEMO

# --- Security in production -------------------------------------------------
if not DEBUG and not DEMO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("NUANXIN_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.getenv("NUANXIN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Content security policy: scripts only from our own static files (no inline script, no
# eval), nothing framed, forms posted only here. Inline style attributes stay allowed:
# htmx and Bootstrap set some, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# The audit log is kept at least this long (DESIGN §3.3).
AUDIT_RETENTION_DAYS = int(os.getenv("NUANXIN_AUDIT_RETENTION_DAYS", "200"))

# Ledger uploads and imports (ledgers/pipeline/limits.py): a file over one of
# these is refused before it is read, with the limit named. The uncompressed
# limit is what keeps an import under 1 GiB: the workbook reader holds a whole
# sheet in memory, at about 1.7 times its XML.
_MB = 1024 * 1024
LEDGER_MAX_BYTES = int(os.getenv("NUANXIN_UPLOAD_MAX_MB", "50")) * _MB
LEDGER_MAX_ROWS = int(os.getenv("NUANXIN_IMPORT_MAX_ROWS", "1100000"))
LEDGER_MAX_UNCOMPRESSED_BYTES = int(os.getenv("NUANXIN_UPLOAD_MAX_UNCOMPRESSED_MB", "300")) * _MB
LEDGER_MAX_COMPRESSION_RATIO = int(os.getenv("NUANXIN_UPLOAD_MAX_COMPRESSION_RATIO", "100"))
LEDGER_MAX_SHARED_STRINGS_BYTES = (
    int(os.getenv("NUANXIN_UPLOAD_MAX_SHARED_STRINGS_MB", "100")) * _MB
)
LEDGER_MAX_CELL_CHARS = int(os.getenv("NUANXIN_IMPORT_MAX_CELL_CHARS", "32767"))
LEDGER_MAX_SHEET_CELLS = int(os.getenv("NUANXIN_IMPORT_MAX_SHEET_CELLS", "10000000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("NUANXIN_LOG_LEVEL", "WARNING")},
}
