"""Django settings. Everything comes from the environment, with safe embedded defaults:

- ``INNOPOINTS_DATA_DIR`` (default ``./var``): the SQLite database, uploads, the secret key;
- ``DATABASE_URL``: e.g. ``postgres://user@127.0.0.1:5432/innopoints``; default SQLite;
- ``INNOPOINTS_SECRET_KEY``: else generated once into the data directory (never in the repo);
- ``INNOPOINTS_DEBUG``: ``1`` in development only;
- ``INNOPOINTS_ALLOWED_HOSTS``: comma-separated; default localhost;
- ``INNOPOINTS_OIDC_*``: single sign-on through OpenID Connect (docs/sso.md).

The full table (read replica, broker, mail, HTTPS, logs, gunicorn) is in docs/deployment.md.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy

from innopoints.accounts.sso_settings import BACKEND as OIDC_BACKEND
from innopoints.accounts.sso_settings import oidc_settings

DATA_DIR = Path(os.environ.get("INNOPOINTS_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    from_env = os.environ.get("INNOPOINTS_SECRET_KEY")
    if from_env:
        return from_env
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("INNOPOINTS_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("INNOPOINTS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("INNOPOINTS_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "ninja",  # its Swagger UI assets come from the static files (no CDN)
    "django.forms",  # the form renderer below finds Django's widget templates
    "django_tables2",  # list pages: sortable, paged tables (site/listing.py)
    "django_filters",  # list pages: the filter bar
    "innopoints.core",  # background work, task queue, bulk writing (docs/architecture.md)
    "innopoints.site",  # the frame: base template, error pages, menu (core/menu.py)
    "innopoints.registry",
    "innopoints.collection",
    "innopoints.scoring",
    "innopoints.analysis",
    "innopoints.accounts",
    "innopoints.applications",
    "innopoints.lending",  # applications for financing: the state machine from 提交 to 结清
    "innopoints.programmes",  # risk-compensation pools, subsidies, awards: the ledgers
    "innopoints.targets",  # targets per division and year, the financing funnel
    "innopoints.portals",
    "innopoints.onboarding",  # enterprise self-registration (企业自助注册) and its review
    "innopoints.audit",
    "innopoints.api",
    "innopoints.ops",
    "innopoints.jobs",  # migration history only: its models moved home, tables kept
]

# forms drawn the design system's way: label, widget with its unit, help, errors by the field
FORM_RENDERER = "innopoints.site.forms.SiteFormRenderer"
DJANGO_TABLES2_TEMPLATE = "site/tables/table.html"
# every filter bar's empty choice reads 全部 (All), not django-filter's "---------"
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("全部")

MIDDLEWARE = [
    "innopoints.ops.middleware.RequestIdMiddleware",
    # /healthz and /readyz, before the host check and the HTTPS redirect (ops/health.py)
    "innopoints.ops.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # static files from the app itself (no CDN, no separate file server needed)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "innopoints.accounts.middleware.SessionRefreshMiddleware",
    "innopoints.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy; Cache-Control: no-store for signed-in users (site/headers.py)
    "innopoints.site.headers.SecurityHeadersMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # last, as django-axes asks: it turns a locked-out sign-in into its lockout response
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "innopoints.site.urls"
WSGI_APPLICATION = "innopoints.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "innopoints.site.context.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'innopoints.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# a read replica for reports and statistics (core/routers.py), when one is configured
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["innopoints.core.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# the source language is Chinese (msgids); English from src/innopoints/locale/en (django.po)
LOCALE_PATHS = [Path(__file__).resolve().parents[1] / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

ROOT_DIR = Path(__file__).resolve().parents[3]
ASSETS_DIR = Path(os.environ.get("INNOPOINTS_ASSETS_DIR", ROOT_DIR / "node_modules"))
# ECharts from the npm package, only the one file the pages load (ops/assets.py)
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "innopoints.ops.assets.VendorFinder",
]
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("INNOPOINTS_STATIC_ROOT", DATA_DIR / "static"))
# production (DEBUG off): hashed, compressed names written by `innopoints manage collectstatic`
# and served for a year by whitenoise from STATIC_ROOT; development and the tests
# (INNOPOINTS_STATIC_MANIFEST=0): the files straight from the apps
STATIC_MANIFEST = not DEBUG and os.environ.get("INNOPOINTS_STATIC_MANIFEST", "1") == "1"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
if not STATIC_MANIFEST:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks there too
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"

# Institution API (/api/v1/, docs/api.md): requests per token and minute; token lifetime
INNOPOINTS_API_RATE_LIMIT = int(os.environ.get("INNOPOINTS_API_RATE_LIMIT", "120"))
INNOPOINTS_API_TOKEN_DAYS = int(os.environ.get("INNOPOINTS_API_TOKEN_DAYS", "365"))

# Imports: the largest file accepted (a province's yearly file for one source is a few MB).
INNOPOINTS_MAX_IMPORT_BYTES = int(os.environ.get("INNOPOINTS_MAX_IMPORT_BYTES", str(30 * 2**20)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 2**20

# Accounts: sign-in throttled by django-axes (per user name and address, and per address),
# rules for objects.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("INNOPOINTS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# and per address, any user names (password spraying), with a higher limit (accounts/throttle.py)
AXES_HANDLER = "innopoints.accounts.throttle.AddressThrottledHandler"
INNOPOINTS_LOGIN_ADDRESS_FAILURE_LIMIT = int(
    os.environ.get("INNOPOINTS_LOGIN_ADDRESS_FAILURE_LIMIT", "20")
)
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("INNOPOINTS_PROXY_COUNT", "0"))
# behind a load balancer (INNOPOINTS_PROXY_COUNT ≥ 1) the audit log takes the client's address
# from X-Forwarded-For; otherwise that header is the client's word and is ignored
INNOPOINTS_TRUST_X_FORWARDED_FOR = AXES_IPWARE_PROXY_COUNT > 0
# Enterprise self-registration (onboarding/flow.py): attempts per address and per credit code
# within an hour, the e-mailed code's lifetime in minutes and its wrong tries
INNOPOINTS_REGISTRATION_LIMIT_PER_ADDRESS = int(
    os.environ.get("INNOPOINTS_REGISTRATION_LIMIT_PER_ADDRESS", "10")
)
INNOPOINTS_REGISTRATION_LIMIT_PER_CODE = int(
    os.environ.get("INNOPOINTS_REGISTRATION_LIMIT_PER_CODE", "5")
)
INNOPOINTS_REGISTRATION_CODE_MINUTES = 15
INNOPOINTS_REGISTRATION_CODE_ATTEMPTS = 5
# Single sign-on through OpenID Connect when INNOPOINTS_OIDC_ISSUER and INNOPOINTS_OIDC_CLIENT_ID
# are set (docs/sso.md); without them, local accounts only
_OIDC = oidc_settings(os.environ)
globals().update(_OIDC)
if _OIDC["INNOPOINTS_OIDC_ENABLED"]:
    AUTHENTICATION_BACKENDS.append(OIDC_BACKEND)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portals:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# invitation and password links: one use (the token hashes the password), valid three days
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Mail: SMTP when INNOPOINTS_EMAIL_HOST is set; otherwise files in the data directory
if os.environ.get("INNOPOINTS_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["INNOPOINTS_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("INNOPOINTS_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("INNOPOINTS_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("INNOPOINTS_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = os.environ.get("INNOPOINTS_EMAIL_TLS", "0") == "1"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("INNOPOINTS_EMAIL_FROM", "innopoints@localhost")

SESSION_COOKIE_AGE = int(os.environ.get("INNOPOINTS_SESSION_SECONDS", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# idle expiry: the session's expiry moves forward at most every 5 minutes (not a write per page)
SESSION_REFRESH_SECONDS = 300
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG and os.environ.get("INNOPOINTS_HTTPS", "1") == "1":
    # production behind HTTPS: cookies only over TLS, HSTS; INNOPOINTS_HTTPS=0 for a plain-HTTP
    # intranet or the local demo
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("INNOPOINTS_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("INNOPOINTS_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# an intranet host is never submitted to the browsers' public HSTS preload list
SILENCED_SYSTEM_CHECKS = [
    "security.W021",
    # deliberate choices of an installation, e.g. plain HTTP on an intranet:
    # INNOPOINTS_SILENCED_CHECKS=security.W004,security.W008,security.W012,security.W016
    *(c.strip() for c in os.environ.get("INNOPOINTS_SILENCED_CHECKS", "").split(",") if c.strip()),
]

# Logs: one JSON object per line on stderr (INNOPOINTS_LOG_FORMAT=text for people), each
# with the request id of the request being served (ops/logs.py)
LOG_FORMAT = os.environ.get("INNOPOINTS_LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "innopoints.ops.logs.RequestIdFilter"},
        # a 4xx (403, 404, 400) is one line, without the traceback of the exception behind it
        "client_errors": {"()": "innopoints.ops.logs.ClientErrorFilter"},
    },
    "formatters": {
        "json": {"()": "innopoints.ops.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "client_errors"],
            "formatter": "text" if LOG_FORMAT == "text" else "json",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("INNOPOINTS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["client_errors"]},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Background jobs: Celery on Redis when a broker is configured, else in-process threads.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING above (JSON)
INNOPOINTS_JOBS_IN_BACKGROUND = True
# Work split over workers, faults (docs/scale-out-and-faults.md): a task whose worker process
# dies is delivered again (acknowledged late, rejected on worker loss); Redis redelivers a task
# of a worker that vanished after the visibility timeout, which must exceed the longest task.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("INNOPOINTS_QUEUE", "celery")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("INNOPOINTS_VISIBILITY_TIMEOUT", "7200"))
}
# files the workers hand each other (run parts, uploads, PDF batches): shared by all machines
INNOPOINTS_SHARED_DIR = Path(os.environ.get("INNOPOINTS_SHARED_DIR", DATA_DIR / "shared"))
# periodic jobs (celery beat, ops/schedule.py) at INNOPOINTS_NIGHTLY_HOUR in the platform's zone
CELERY_TIMEZONE = TIME_ZONE
# Fonts a PDF (一企一档) needs: check-deploy looks for them (fontconfig family name)
INNOPOINTS_PDF_FONT = os.environ.get("INNOPOINTS_PDF_FONT", "Noto Sans CJK SC")
# the TrueType copy of that font the PDFs embed (analysis/pdf_fonts.py), made once per machine
INNOPOINTS_FONT_CACHE = Path(
    os.environ.get(
        "INNOPOINTS_FONT_CACHE",
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "innopoints" / "fonts",
    )
)
