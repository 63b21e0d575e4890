"""Dispute Desk settings.

Everything comes from environment variables, parsed strictly. With none set, the desk runs on
the embedded defaults: SQLite and a file-system Celery broker under ``var/``, DEBUG on.
With ``DEBUG=0`` it is production: a real ``SECRET_KEY`` is required and HTTPS is assumed.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from .evidence_storage import s3_evidence_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DESK_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = env_bool("DESK_TESTING", False)

# Keys that are public (shipped in .env.example) and so sign nothing safely.
PLACEHOLDER_SECRET_KEYS = {"change-me-to-a-long-random-string-of-fifty-or-more-characters"}


def secret_key_weakness(key: str) -> str:
    """Why this key must not sign production sessions and reset links, or "" when it will do.
    The length and variety bars are Django's own (security.W009)."""
    if key in PLACEHOLDER_SECRET_KEYS:
        return "it is the placeholder from .env.example"
    if key.startswith("django-insecure-"):
        return "it starts with 'django-insecure-', Django's mark of a development key"
    if len(key) < 50 or len(set(key)) < 5:
        return "it is shorter than 50 characters or has fewer than 5 different ones"
    return ""


SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG=0) refuses to start without one."
        )
    SECRET_KEY = "django-insecure-dispute-desk-development-only"
elif not DEBUG and (weakness := secret_key_weakness(SECRET_KEY)):
    raise ImproperlyConfigured(
        f"SECRET_KEY is not fit for production (DEBUG=0): {weakness}. Generate one with "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))' and put it in .env."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's form templates, for the project's engine (FORM_RENDERER below).
    "django.forms",
    "django_htmx",
    "axes",
    "disputes",
    "evidence",
    "messaging",
    "appeals",
    "backups",
    "connectors",
    "accounts",
    "rest_framework",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "disputes.middleware.UserPreferencesMiddleware",
    "accounts.middleware.SecondFactorEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees the outcome of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "disputes.context_processors.desk",
            ],
        },
    },
]

# Forms render their widgets through the engine above, so a widget may use a template of
# templates/ (disputes.forms.OneLoopSelect); Django's own come from "django.forms". The labels,
# inputs and the one-loop select are written in Python, the same HTML (disputes.form_renderer).
FORM_RENDERER = "disputes.form_renderer.DeskFormRenderer"

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'desk.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that takes the connection and never answers (a host gone, a firewall dropping
    # packets) must not hold a request or a task forever: libpq gives up after this many
    # seconds (it counts anything under 2 as 2).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 10))
    # The desk's statements are small reads and writes through indexes. Once the tables grow,
    # the planner's cost estimates pass the thresholds for compiling a statement (JIT) or for
    # starting parallel workers, and each costs more than the statement: a claim page's SKU
    # record waited 29 ms for two workers to do 1 ms of work, at ten times the bench's data.
    options.setdefault(
        "options", env_str("DATABASE_SESSION_OPTIONS") or "-c jit=off -c max_parallel_workers_per_gather=0"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A file, not memory, so a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-desk.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            # Web, worker and beat write to the same file: take the write lock at BEGIN and
            # wait for it, instead of failing when a read turns into a write.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; on SQLite the key columns suffice.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "desk",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Authentication: login is throttled per user name and client address by django-axes.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Lockouts count per user name and client address. Behind reverse proxies every client shares
# the proxy's address, so anyone could lock anyone out: set TRUSTED_PROXY_COUNT to the number of
# proxies that append to TRUSTED_PROXY_HEADER, and the address is read from there. 0 (the
# default) trusts no header: a forged X-Forwarded-For then changes nothing.
DESK_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if DESK_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {DESK_TRUSTED_PROXY_COUNT}")
DESK_TRUSTED_PROXY_HEADER = "HTTP_" + env_str(
    "TRUSTED_PROXY_HEADER", "X-Forwarded-For"
).strip().upper().replace("-", "_")
AXES_CLIENT_IP_CALLABLE = "disputes.network.client_address"
# Wrong second-factor codes allowed per user within AXES_COOLOFF_TIME (accounts/twofactor.py).
DESK_SECOND_FACTOR_FAILURE_LIMIT = env_int("SECOND_FACTOR_FAILURE_LIMIT", 5)
# Password reset e-mails asked for, per client address and per e-mail address, each hour.
DESK_PASSWORD_RESETS_PER_ADDRESS = env_int("PASSWORD_RESETS_PER_ADDRESS", 5)
DESK_PASSWORD_RESETS_PER_EMAIL = env_int("PASSWORD_RESETS_PER_EMAIL", 3)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "disputes:queue"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: the interface speaks English and Simplified Chinese. Compiled catalogues are
# committed, so no gettext is needed at run time.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Private files (evidence originals) never live under a public URL.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT") or VAR_DIR / "private")
# Evidence files: the local private folder, or an S3-compatible bucket (django-storages) when
# EVIDENCE_S3_BUCKET is set. Objects are private; the desk's download view is the only way in.
EVIDENCE_S3_BUCKET = env_str("EVIDENCE_S3_BUCKET")
if EVIDENCE_S3_BUCKET:
    STORAGES["evidence"] = s3_evidence_storage(
        bucket=EVIDENCE_S3_BUCKET,
        endpoint_url=env_str("EVIDENCE_S3_ENDPOINT_URL") or None,
        region=env_str("EVIDENCE_S3_REGION") or None,
        access_key=env_str("EVIDENCE_S3_ACCESS_KEY_ID") or None,
        secret_key=env_str("EVIDENCE_S3_SECRET_ACCESS_KEY") or None,
        prefix=env_str("EVIDENCE_S3_PREFIX", "evidence"),
    )
else:
    STORAGES["evidence"] = {
        "BACKEND": "evidence.storage.PrivateStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT / "evidence")},
    }
# Behind nginx, set this to an `internal` location that maps onto the private folder (e.g.
# /_evidence/): downloads are then checked by Django and the bytes sent by nginx.
EVIDENCE_X_ACCEL_REDIRECT = env_str("EVIDENCE_X_ACCEL_REDIRECT")
MB = 1024 * 1024
# Upload caps per detected type, in bytes; and the pixel cap for any image (a 12 MP photo is
# 12,000,000; 50 MP leaves room for panoramas, while a decompression bomb claims far more).
EVIDENCE_MAX_BYTES = {
    "image": env_int("EVIDENCE_MAX_IMAGE_MB", 25) * MB,
    "pdf": env_int("EVIDENCE_MAX_PDF_MB", 50) * MB,
    "video": env_int("EVIDENCE_MAX_VIDEO_MB", 500) * MB,
}
EVIDENCE_MAX_PIXELS = env_int("EVIDENCE_MAX_PIXELS", 50_000_000)
# The child process that draws one preview: its address-space cap and its time (processor
# seconds, and the same again as a wall-clock timeout). A file needing more gets no preview.
EVIDENCE_PREVIEW_MEMORY_MB = env_int("EVIDENCE_PREVIEW_MEMORY_MB", 1024)
EVIDENCE_PREVIEW_SECONDS = env_int("EVIDENCE_PREVIEW_SECONDS", 60)
# The evidence upload view stops reading a file whose first bytes the vault would refuse
# (evidence/uploads.py); the handler leaves every other upload to Django's two defaults.
FILE_UPLOAD_HANDLERS = [
    "evidence.uploads.FirstBytesHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Thumbnail tasks go to this Celery queue (tests point it at their own worker).
EVIDENCE_TASK_QUEUE = env_str("EVIDENCE_TASK_QUEUE", "celery")
# Recomputing the open claims of an edited deadline rule goes to this queue (tests: their worker's).
DEADLINE_TASK_QUEUE = env_str("DEADLINE_TASK_QUEUE", "celery")

# Order imports from the page run in the worker (disputes/import_jobs.py). The upload waits in
# this private folder (shared by web and worker, like the evidence folder) until its job ends,
# and at most DESK_IMPORT_KEEP_HOURS; the live counters are small files beside it.
DESK_IMPORT_DIR = Path(env_str("DESK_IMPORT_DIR") or PRIVATE_MEDIA_ROOT / "imports")
DESK_IMPORT_KEEP_HOURS = env_int("DESK_IMPORT_KEEP_HOURS", 24)
# The import task's hard time limit (its soft limit is 30 s earlier): a 100,000-line report
# takes about a minute even at the slowest measured rate, so six minutes leaves room for the
# largest upload (50 MB, some 150,000 lines); it stays under Redis' visibility timeout less the
# longest retry wait (below), so a running import is never handed to a second worker. A job
# still "running" this long past its start has surely lost its worker.
DESK_IMPORT_SECONDS = env_int("DESK_IMPORT_SECONDS", 6 * 60)
if DESK_IMPORT_SECONDS < 60:
    raise ImproperlyConfigured(f"DESK_IMPORT_SECONDS must be 60 or more, not {DESK_IMPORT_SECONDS}")
# Import tasks go to this queue (tests point it at their own worker).
DESK_IMPORT_QUEUE = env_str("DESK_IMPORT_QUEUE", "celery")
# Seconds the import waits after each progress report (every 1,000 rows). 0 in production; the
# browser test sets it so that a few thousand rows take long enough to watch the bar move.
try:
    DESK_IMPORT_PROGRESS_PAUSE = float(env_str("DESK_IMPORT_PROGRESS_PAUSE") or 0)
except ValueError:
    raise ImproperlyConfigured("DESK_IMPORT_PROGRESS_PAUSE must be a number of seconds") from None

# Content Security Policy: scripts only from our own origin or with this response's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Security: production is HTTPS-only. Behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=1 so Django trusts X-Forwarded-Proto.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe the web processes over plain HTTP behind the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
X_FRAME_OPTIONS = "DENY"

# Connection timeout (seconds) for every mail server: the desk's SMTP server (alert e-mail,
# password resets, fingerprint alarms), the relay mailboxes and the stores' own SMTP servers.
# A server that stops answering fails the send.
DESK_MAIL_TIMEOUT = env_int("DESK_MAIL_TIMEOUT", 30)
# The alert e-mail outbox (disputes/outbox.py): one run's hard time limit (a claimed e-mail comes
# back after twice this, when its sender surely stopped), the wait after a failed attempt
# (doubling up to the cap), and how long an alert's e-mail is tried before it is given up.
DESK_OUTBOX_SECONDS = env_int("DESK_OUTBOX_SECONDS", 60)
DESK_MAIL_RETRY_SECONDS = env_int("DESK_MAIL_RETRY_SECONDS", 60)
DESK_MAIL_RETRY_MAX_SECONDS = env_int("DESK_MAIL_RETRY_MAX_SECONDS", 15 * 60)
DESK_ALERT_EMAIL_GIVE_UP_AFTER = timedelta(hours=env_int("DESK_ALERT_EMAIL_GIVE_UP_HOURS", 72))
if DESK_OUTBOX_SECONDS <= DESK_MAIL_TIMEOUT + 5:
    raise ImproperlyConfigured(
        "DESK_OUTBOX_SECONDS must exceed DESK_MAIL_TIMEOUT by more than 5 seconds, "
        f"not {DESK_OUTBOX_SECONDS} against {DESK_MAIL_TIMEOUT}"
    )
# Team chat webhooks (disputes/chat.py): the timeout of each request (connecting, and each
# wait for the answer). A chat outbox run starts no request that could end past its budget.
DESK_CHAT_TIMEOUT = env_int("DESK_CHAT_TIMEOUT", min(10, DESK_MAIL_TIMEOUT))
if DESK_OUTBOX_SECONDS <= DESK_CHAT_TIMEOUT + 5:
    raise ImproperlyConfigured(
        "DESK_OUTBOX_SECONDS must exceed DESK_CHAT_TIMEOUT by more than 5 seconds, "
        f"not {DESK_OUTBOX_SECONDS} against {DESK_CHAT_TIMEOUT}"
    )
# Mail: the console in development; SMTP (EMAIL_HOST, localhost by default) in production.
if env_str("EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": DESK_MAIL_TIMEOUT,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Dispute Desk <desk@localhost>")

# Celery: Redis when REDIS_URL is set, otherwise a file-system broker under var/.
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Redis hands a task that was not acknowledged within this time to another worker: work
    # held by a worker that died (SIGKILL, a lost host) resumes after it. Short is good for
    # that, but it must stay above every task's hard time limit plus its longest retry
    # countdown (a retry waits, unacknowledged, in the worker that will run it), or a task
    # still running, or waiting to, would be handed out twice. The longest now: the mailbox poll
    # (5 minutes, retried after up to 5 more) and the default limit (5 minutes, which is why the
    # nightly re-hash runs in chunks). Mail cannot be lost to a short timeout nor sent twice
    # by it: alert e-mails are an outbox the beat drains, replies are claimed by their row.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 12 * 60}
    if DESK_IMPORT_SECONDS > 7 * 60:
        raise ImproperlyConfigured(
            "DESK_IMPORT_SECONDS must stay under Redis' visibility timeout (12 minutes) less the "
            f"longest retry wait (5 minutes), so at most 420, not {DESK_IMPORT_SECONDS}"
        )
else:
    CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# Redelivery, bounded. A task is acknowledged when it ends, so one whose whole worker is stopped
# mid-way (a deploy, a lost host) runs again; every task is idempotent. It is also acknowledged
# when it fails, hits its time limit or kills its pool process (no "reject on worker lost"):
# a task that crashes its worker must not come back to crash the next one, over and over. The
# sweeps run again each minute anyway and each loop sets its failing items aside.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Every task ends: SoftTimeLimitExceeded is raised in it after the soft limit, the process is
# killed at the hard one. The disputes and messaging tasks set limits of their own; this
# default is for the others. It is kept under the visibility timeout above, so long work
# (the nightly re-hash of every evidence file) runs as a chain of short chunks.
# The most claims one queue CSV holds (the file says so when more match).
QUEUE_CSV_CAP = env_int("QUEUE_CSV_CAP", 20_000)

CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_TIME_LIMIT = 5 * 60
# Where tasks go without a queue of their own (the worker tests give each worker its own).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE") or "celery"
# Mail goes through a queue of its own (config/celery.py routes it), consumed by a worker of its
# own: a mail server that accepts and never answers holds up mail, never the deadline sweeps.
DESK_MAIL_QUEUE = env_str("DESK_MAIL_QUEUE") or "mail"
# Marketplace syncs (connectors) run minutes on end, waiting on the platforms' APIs: on a queue
# of their own, so they never hold up the deadline sweeps on the default queue.
DESK_SYNC_QUEUE = env_str("DESK_SYNC_QUEUE") or "sync"
CELERY_TASK_ROUTES = ["config.celery.route_mail"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# The sweeps expire after a minute: a worker back from a pause runs the latest one, not every
# one beat sent meanwhile (a single sweep catches up on everything missed).
# How often beat sweeps and drains the e-mail outbox (the fault tests shorten both).
DESK_SWEEP_EVERY_SECONDS = env_int("DESK_SWEEP_EVERY_SECONDS", 60)
DESK_OUTBOX_EVERY_SECONDS = env_int("DESK_OUTBOX_EVERY_SECONDS", 30)
# Presence on the claim page (disputes/presence.py): how often each open page says it is still
# there, and how long a silent page still counts as open (three missed polls).
DESK_PRESENCE_POLL_SECONDS = env_int("DESK_PRESENCE_POLL_SECONDS", 5)
DESK_PRESENCE_FRESH_SECONDS = env_int("DESK_PRESENCE_FRESH_SECONDS", 15)
# How often an open page asks for new alerts (desktop notifications, the tab title's count).
DESK_ALERT_POLL_SECONDS = env_int("DESK_ALERT_POLL_SECONDS", 30)
CELERY_BEAT_SCHEDULE = {
    "claim-alert-sweep": {
        "task": "disputes.tasks.sweep_claim_alerts",
        "schedule": float(DESK_SWEEP_EVERY_SECONDS),
        "options": {"expires": DESK_SWEEP_EVERY_SECONDS},
    },
    "reply-alert-sweep": {
        "task": "messaging.tasks.sweep_reply_alerts",
        "schedule": float(DESK_SWEEP_EVERY_SECONDS),
        "options": {"expires": DESK_SWEEP_EVERY_SECONDS},
    },
    # Alert e-mails still owed (disputes/outbox.py): correctness rests on this, not on the
    # task each sweep queues.
    "alert-email-outbox": {
        "task": "disputes.tasks.send_due_alert_emails",
        "schedule": float(DESK_OUTBOX_EVERY_SECONDS),
        "options": {"expires": DESK_OUTBOX_EVERY_SECONDS},
    },
    # Team chat messages still owed (disputes/chat.py), on the mail queue like the e-mails.
    "chat-outbox": {
        "task": "disputes.tasks.send_due_chat_messages",
        "schedule": float(DESK_OUTBOX_EVERY_SECONDS),
        "options": {"expires": DESK_OUTBOX_EVERY_SECONDS},
    },
    # Outgoing webhooks still owed (api/webhooks.py), on the mail queue like the chat messages.
    "webhook-outbox": {
        "task": "api.tasks.send_webhooks",
        "schedule": float(DESK_OUTBOX_EVERY_SECONDS),
        "options": {"expires": DESK_OUTBOX_EVERY_SECONDS},
    },
    # Each person's daily digest at their own local hour (disputes/digest.py), an outbox too.
    "daily-digests": {
        "task": "disputes.tasks.send_daily_digests",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    # Snoozed claims whose time has come: the owner hears of it (disputes/snooze.py); the
    # presence rows of pages that went away without saying so are pruned with it.
    "snooze-reminders": {
        "task": "disputes.tasks.remind_snoozed_claims",
        "schedule": float(DESK_SWEEP_EVERY_SECONDS),
        "options": {"expires": DESK_SWEEP_EVERY_SECONDS},
    },
    # Claims held by someone whose leave has begun are handed on (disputes/team.py).
    "hand-on-leave": {
        "task": "disputes.tasks.hand_on_claims_of_people_on_leave",
        "schedule": 900.0,
        "options": {"expires": 900},
    },
    # Re-hash every evidence original at night and alert the store's managers on a mismatch.
    "evidence-fingerprints": {
        "task": "evidence.tasks.verify_fingerprints",
        "schedule": crontab(hour=3, minute=17),
    },
    # Import jobs whose worker died are marked failed; stored uploads past their time deleted.
    "import-jobs-tidy": {
        "task": "disputes.tasks.tidy_import_jobs",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    "worker-heartbeat": {
        "task": "disputes.tasks.record_heartbeat",
        "schedule": 60.0,
        "kwargs": {"source": "beat"},
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Desk rules that are not per-platform data.
DESK_WORKER_STALE_AFTER = timedelta(minutes=env_int("DESK_WORKER_STALE_MINUTES", 5))
# Each worker writes its own heartbeat this often (config/celery.py); /healthz waits this long for
# the broker.
DESK_HEARTBEAT_SECONDS = env_int("DESK_HEARTBEAT_SECONDS", 60)
DESK_HEALTH_TIMEOUT = env_int("DESK_HEALTH_TIMEOUT_SECONDS", 2)
# A buyer with this many claims across the store's orders is flagged as a repeat complainer.
DESK_REPEAT_COMPLAINER_CLAIMS = env_int("DESK_REPEAT_COMPLAINER_CLAIMS", 3)
# Order Defect Rate: the window and the line above which an account is at risk.
DESK_ODR_WINDOW_DAYS = 60
DESK_ODR_LIMIT_PERCENT = 1
# An overdue claim escalates to the store's managers this long after its due time.
DESK_ESCALATE_AFTER = timedelta(minutes=env_int("DESK_ESCALATE_AFTER_MINUTES", 60))
# Links in e-mails point here.
DESK_BASE_URL = env_str("DESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Messaging. A buyer who has not answered this many of our messages in a row is not chased
# again without a warning (outgoing buyer mail goes through DESK_MAIL_QUEUE, above).
DESK_MESSAGING_UNANSWERED_LIMIT = env_int("DESK_MESSAGING_UNANSWERED_LIMIT", 2)
# A send still "sending" this long after it began lost its worker (far above send_reply's
# hard time limit, so the sender surely stopped): it may be retried by hand.
DESK_MESSAGING_SENDING_STUCK_AFTER = timedelta(minutes=10)
# Relay mail attachments over this size are not taken: the mail waits in the unmatched list
# with the reason.
DESK_MAIL_ATTACHMENT_MAX_BYTES = env_int("DESK_MAIL_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
CELERY_BEAT_SCHEDULE["relay-mail-poll"] = {"task": "messaging.tasks.poll_mailboxes", "schedule": 120.0}

# The appeal PDF's typeface: one that has Latin, Cyrillic and CJK glyphs, read from the system
# (Debian's fonts-noto-cjk by default; index 2 of the collection is Simplified Chinese). When the
# file is missing the PDF falls back to the built-in Helvetica and `manage.py check` warns.
APPEAL_PDF_FONT = env_str("APPEAL_PDF_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
APPEAL_PDF_FONT_BOLD = env_str("APPEAL_PDF_FONT_BOLD", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
APPEAL_PDF_FONT_INDEX = env_int("APPEAL_PDF_FONT_INDEX", 2)

# Marketplace connectors (connectors/). Credentials are sealed with these Fernet keys (the first
# seals, every one opens: put a new key first to rotate). Development generates one key into
# VAR_DIR once; production refuses to start without them.
DESK_CONNECTOR_KEYS = env_list("DESK_CONNECTOR_KEYS")
if not DESK_CONNECTOR_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "DESK_CONNECTOR_KEYS is not set. Production (DEBUG=0) refuses to start without the key that "
        "seals marketplace credentials. Generate one with python -c 'from cryptography.fernet import "
        "Fernet; print(Fernet.generate_key().decode())'"
    )
DESK_CONNECTOR_KEY_FILE = VAR_DIR / "connector-key"
# The longest a connector waits before asking again (Retry-After, backoff); tests shorten it.
DESK_CONNECTOR_MAX_WAIT = float(env_str("DESK_CONNECTOR_MAX_WAIT") or 60)
# Seconds to connect to a platform and to wait for its answer.
DESK_CONNECTOR_CONNECT_TIMEOUT = float(env_str("DESK_CONNECTOR_CONNECT_TIMEOUT") or 10)
DESK_CONNECTOR_READ_TIMEOUT = float(env_str("DESK_CONNECTOR_READ_TIMEOUT") or 60)
# A store's sync stops after this many seconds (Celery's soft limit; the hard one is 30 seconds
# later) and carries on at the next minute from its cursors. With Redis, the hard limit plus the
# longest retry wait of any task (5 minutes) stays under the visibility timeout (12 minutes).
DESK_CONNECTOR_SYNC_SECONDS = env_int("DESK_CONNECTOR_SYNC_SECONDS", 330)
if not 1 <= DESK_CONNECTOR_SYNC_SECONDS <= 385:
    raise ImproperlyConfigured(
        f"DESK_CONNECTOR_SYNC_SECONDS must be from 1 to 385, not {DESK_CONNECTOR_SYNC_SECONDS}"
    )
# How long a sync holds its connection, renewed with each page: a worker that dies mid-sync lets
# go after this. Above the hard limit, so a live sync is never run twice.
DESK_CONNECTOR_LEASE_SECONDS = env_int(
    "DESK_CONNECTOR_LEASE_SECONDS", max(7 * 60, DESK_CONNECTOR_SYNC_SECONDS + 90)
)
# Where each platform's API is, by name, when not where the platform publishes it: "ozon=http://
# 127.0.0.1:8100,amazon_auth=…" (the tests' and the benchmark's local servers).
DESK_CONNECTOR_BASE_URLS = dict(
    item.split("=", 1) for item in env_list("DESK_CONNECTOR_BASE_URLS") if "=" in item
)
# What people ask of a marketplace from a page goes through an outbox (connectors/outbox.py): an
# action the platform keeps failing to answer (out of reach, 5xx, 429) is given up, and shown as
# refused, after this long.
DESK_PLATFORM_ACTION_GIVE_UP_AFTER = timedelta(hours=env_int("DESK_PLATFORM_ACTION_GIVE_UP_HOURS", 24))
CELERY_BEAT_SCHEDULE["platform-action-outbox"] = {
    "task": "connectors.tasks.send_platform_actions",
    "schedule": float(DESK_OUTBOX_EVERY_SECONDS),
    "options": {"expires": DESK_OUTBOX_EVERY_SECONDS},
}
CELERY_BEAT_SCHEDULE["connector-sync"] = {
    "task": "connectors.tasks.sync_due",
    "schedule": 60.0,
    "options": {"expires": 60},
}

# The REST API (api/): bearer tokens only (no session, so no CSRF), JSON only, pages by cursor,
# and so many requests a minute per token (429 with Retry-After past it).
DESK_API_RATE = env_str("DESK_API_RATE", "120/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerToken"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.authentication.PerToken"],
    "DEFAULT_THROTTLE_RATES": {"token": DESK_API_RATE},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ByCursor",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dispute Desk API",
    "DESCRIPTION": "Orders, claims, buyer messages, evidence and appeals of the caller's stores.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ClaimKind": "disputes.models.ClaimKind",
        "ClaimStatus": "disputes.models.ClaimStatus",
        "EvidenceKind": "evidence.models.EvidenceKind",
        "AppealKind": "appeals.models.AppealKind",
    },
}
# Outgoing webhooks (api/webhooks.py): how old a signature's timestamp a receiver should accept.
DESK_WEBHOOK_TOLERANCE = env_int("DESK_WEBHOOK_TOLERANCE", 300)
# Plain http:// webhook addresses (a receiver on a private network, development); else https only.
DESK_WEBHOOK_ALLOW_HTTP = env_bool("DESK_WEBHOOK_ALLOW_HTTP", DEBUG)
