"""Settings for the Productivity Programme portal: one file, driven by the environment.

Every variable is listed in README.md ("Configuration") and `.env.example`.
Unset `DATABASE_URL` means the embedded SQLite database; unset
`CELERY_BROKER_URL` means tasks run in-process after commit. With
`DJANGO_DEBUG` off (the default) the portal refuses to start without
`DJANGO_SECRET_KEY` and turns on every HTTPS protection that
`manage.py check --deploy` asks for.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from productivity.env import (
    broker_url,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin with the two-factor site as admin.site (programmes/twofactor).
    "programmes.twofactor.admin_apps.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # PostgreSQL's index expressions (trigram indexes: savings.models); on
    # SQLite it does nothing.
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_forms_gds",
    # Sign-in throttling: failed attempts and lockouts, listed in the admin.
    "axes",
    "django_ratelimit",
    "auditlog",
    # Two factors (docs/security.md): app codes (TOTP) and backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # In layer order, lowest first (docs/architecture.md): `load_demo` loads
    # each app's demo data in this order.
    "programmes",
    "programmes.notices",
    "savings",
    "applications",
    "programmes.returns",
    "programmes.payments",
    "programmes.ope",
    "programmes.experts",
    "programmes.asce",
    "programmes.growth",
    "programmes.procurement",
    "programmes.public",
    "programmes.board",
    "programmes.twofactor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified when the session's OTP device still exists
    # (django-otp's, checking the device keys read with the user: no query).
    "programmes.signedin.SignedInOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: signing out at the session's limit says why.
    "programmes.middleware.SessionLimitsMiddleware",
    "programmes.middleware.PrivatePagesMiddleware",
    # After authentication: records the signed-in user and "through what"
    # (page, admin, bulk action) on every audit entry.
    "programmes.audit.AuditMiddleware",
    # With DEBUG on, "Page not found" as in production, not the URL list.
    "programmes.middleware.NotFoundPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout into the response.
    "axes.middleware.AxesMiddleware",
]
# Benchmarks only (benchmarks/load.py): each response says the CPU time its
# request took in this process (productivity/benchcpu.py). Off by default.
if env_bool("BENCH_CPU_HEADER", False):
    MIDDLEWARE.insert(0, "productivity.benchcpu.CPUTimeMiddleware")

ROOT_URLCONF = "productivity.urls"
WSGI_APPLICATION = "productivity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "programmes.context_processors.service",
            ],
            # The admin home's health summary: composed where the layers are
            # wired, so the core's templates load it without importing upward.
            "libraries": {"health": "productivity.health"},
        },
    },
]

DATABASES = {"default": database_from_url("DATABASE_URL", BASE_DIR / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "programmes.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "signed_out"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in (right password or not) while locked out.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, whose get_user reads each request's user with
    # its groups and confirmed devices in one query (programmes/signedin.py).
    "programmes.signedin.SignedInUserBackend",
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for one hour
# An invitation's one-time link to set a password works for this many days
# (programmes/accounts.py; docs/security.md, "Invitations").
INVITATION_DAYS = env_int("DJANGO_INVITATION_DAYS", 7, minimum=1)

# Sign-in throttling (django-axes; docs/security.md). Five failures lock the
# username, and separately the IP address, for the cool-off; the sign-in page
# says when to try again; an officer lifts a lockout by deleting its access
# attempt in the admin.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DJANGO_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# Failures while locked out do not push the cool-off further back, so the
# time the page gives is the time it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "programmes.middleware.lockout_response"
# The form field usernames arrive in (both sign-in forms call it username).
AXES_USERNAME_FORM_FIELD = "username"

# Password reset emails (django-ratelimit; docs/security.md): per address
# asked for and per client, whether or not the address has an account.
PASSWORD_RESET_RATE_PER_ADDRESS = "3/h"  # noqa: S105 (a rate, not a password)
PASSWORD_RESET_RATE_PER_CLIENT = "20/h"  # noqa: S105

# The cache: Redis when DJANGO_CACHE_URL names one (a live service: the
# throttle's counts are shared by every web process); otherwise memory in the
# one process (`make demo`, tests). django-ratelimit refuses a per-process
# cache (E003) and does not list Django's own Redis backend (W001), which
# does increment atomically; both checks are silenced for those reasons.
# The Redis backend is Django's, made to survive Redis being down
# (programmes/cache.py): pages compute what they would have cached, the
# password-reset throttle refuses with a message, /healthz says so.
CACHE_URL = env_str("DJANGO_CACHE_URL")
CACHES = {
    "default": (
        {
            "BACKEND": "programmes.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "productivity",
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not CACHE_URL:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")

# Sessions: end after DJANGO_SESSION_IDLE_MINUTES without a request and,
# whatever the activity, DJANGO_SESSION_MAX_HOURS after signing in
# (programmes.middleware.SessionLimitsMiddleware). The middleware renews the
# session at most once a minute rather than SESSION_SAVE_EVERY_REQUEST, which
# would write the session row on every page view.
SESSION_IDLE_MINUTES = env_int("DJANGO_SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_MAX_HOURS = env_int("DJANGO_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# With a Redis cache, sessions are read from it and written through to the
# database (`cached_db`): no session query on a page, and the rows stay the
# record that ending a user's sessions reads (programmes.accounts.
# user_sessions_end deletes each through the engine, cache copy included); a
# Redis restart signs nobody out. Without one (`make demo`, tests) the cache
# is each process's memory, which another process's sign-out would not
# reach: sessions stay in the database alone. docs/security.md, "Sessions".
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_URL
    else "django.contrib.sessions.backends.db"
)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# static/ holds our own committed files (icons); assets-build/ is what
# `npm run build` writes (compiled SCSS, GOV.UK Frontend's JS), never committed.
STATICFILES_DIRS = [BASE_DIR / "static", BASE_DIR / "assets-build"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
    },
}
# Supporting documents are private: stored outside anything served as static
# or media, and handed out only by views that check access.
PRIVATE_STORAGE_ROOT = Path(env_str("PRIVATE_STORAGE_ROOT", str(BASE_DIR / "private-uploads")))
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# Retention (applications.retention, docs/security.md): bids declined or
# withdrawn more than this many years ago lose their personal data.
RETENTION_YEARS = env_int("DJANGO_RETENTION_YEARS", 6, minimum=1)
# Zip-bomb guards for DOCX, XLSX and ODT uploads (programmes/documents.py).
DOCUMENT_MAX_UNCOMPRESSED_BYTES = env_int(
    "DOCUMENT_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024, minimum=1
)
DOCUMENT_MAX_COMPRESSION_RATIO = env_int("DOCUMENT_MAX_COMPRESSION_RATIO", 100, minimum=1)

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# HTTPS: on whenever DEBUG is off, unless a deployment behind plain HTTP says
# otherwise with DJANGO_HTTPS=false (the test suite does, to use the test client).
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# A load balancer probes /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address that sign-in throttling counts. Behind our proxy it is the
# right-most X-Forwarded-For entry, the one the proxy appended (anything left
# of it came from the client and may be forged); otherwise the header is never
# read, so a client cannot pick a fresh address for each guess.
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if BEHIND_PROXY else ("REMOTE_ADDR",)
)

# Content Security Policy (django-csp; docs/security.md). Scripts only from
# our own origin or carrying the page's nonce; no inline script otherwise.
# Styles allow inline: the board's pygal charts are SVGs with <style> inside.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
# Seconds before a mail server that does not answer counts as a failed send
# (the notice is then tried again): without it a hung server hangs the worker.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "productivity@example.org")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where pages that say "contact the Productivity Programme team" send people.
CONTACT_EMAIL = env_str("DJANGO_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)

# Celery. Unset CELERY_BROKER_URL: tasks run in-process (eagerly), still only
# after the transaction that queued them commits. Set: Redis carries them to
# `celery worker`.
CELERY_BROKER_URL = broker_url("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = broker_url("CELERY_RESULT_BACKEND")
CELERY_RESULT_EXPIRES = timedelta(hours=1)
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# Queues by kind of work (docs/worker.md, "Queues"), each read by its own
# worker, so that a mail server that never answers or a burst of PDF prints
# holds only its own workers' slots and never delays the rollups.
# CELERY_QUEUE is the prefix: productivity.rollups, productivity.notices...
QUEUE_PREFIX = env_str("CELERY_QUEUE", "productivity")
WORKER_QUEUES = {
    kind: f"{QUEUE_PREFIX}.{kind}" for kind in ("rollups", "notices", "printing", "housekeeping")
}
CELERY_TASK_DEFAULT_QUEUE = WORKER_QUEUES["housekeeping"]
# By task name, so that a task keeps its queue when its module moves (the
# notices and printing becoming core services): exact names first, then the
# first pattern that matches, in this order; anything else is housekeeping
# (heartbeat, retention, the nightly recompute, which must not hold the
# rollups' slot for minutes at 02:30).
CELERY_TASK_ROUTES = {
    "savings.tasks.rollups_recompute_all": {"queue": WORKER_QUEUES["housekeeping"]},
    # Email: notices (applications.tasks.notice_send, notices_sweep, and
    # *.notices.tasks.* after the move) and savings returns' reminders.
    "*notice*": {"queue": WORKER_QUEUES["notices"]},
    "*reminder*": {"queue": WORKER_QUEUES["notices"]},
    "*.returns.tasks.*": {"queue": WORKER_QUEUES["notices"]},
    # Headless Chromium: board papers and panel packs.
    "*print*": {"queue": WORKER_QUEUES["printing"]},
    # The rollups' drain and sweep.
    "savings.tasks.*": {"queue": WORKER_QUEUES["rollups"]},
    "*rollup*": {"queue": WORKER_QUEUES["rollups"]},
}
# Tasks are idempotent recomputes, so redelivery after a crash is safe:
# acknowledge only once done, and hand back a task whose worker died.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# Redis hands an unacknowledged task to another worker after this long; it
# must exceed the hard time limit or a long task would run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# One beat at a time: a beat schedules only while it holds a lock in the
# broker's Redis, refreshed while it is alive (programmes/beat.py).
CELERY_BEAT_SCHEDULER = "programmes.beat:LockedScheduler"
CELERY_BEAT_SCHEDULE: dict = {
    # Rollups (docs/savings.md): drain markers left behind, e.g. by saves made
    # while the broker was unreachable; and rebuild everything nightly.
    "rollups-sweep": {"task": "savings.tasks.rollups_sweep", "schedule": timedelta(minutes=1)},
    "rollups-recompute-all": {
        "task": "savings.tasks.rollups_recompute_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # Savings returns (docs/savings.md): reminders before the due date and
    # overdue notices after it, once a day in the morning.
    "return-reminders": {
        "task": "programmes.returns.tasks.return_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    # Email notices (docs/worker.md): send those whose task was lost.
    "notices-sweep": {
        "task": "programmes.notices.tasks.notices_sweep",
        "schedule": timedelta(minutes=1),
    },
    # Retention (docs/security.md): monthly, at a quiet hour, after the
    # nightly rollup rebuild has finished.
    "retention-anonymise": {
        "task": "applications.tasks.retention_anonymise",
        "schedule": crontab(day_of_month=1, hour=3, minute=30),
    },
    # Open data (docs/open-data.md): build the 360Giving files if a change
    # whose task was lost, or a new day (the package's issued date), left
    # them behind; a no-op otherwise.
    "open-data-sweep": {
        "task": "programmes.board.tasks.open_data_prepare",
        "schedule": timedelta(minutes=1),
    },
    # Expired sessions (docs/security.md, "Sessions"): Django leaves their
    # rows behind; cleared nightly, after the rollup rebuild.
    "sessions-clear": {
        "task": "programmes.tasks.sessions_clear",
        "schedule": crontab(hour=3, minute=0),
    },
    # The worker's heartbeat, which /healthz and the admin home report.
    "worker-heartbeat": {
        "task": "programmes.tasks.worker_heartbeat",
        "schedule": timedelta(seconds=30),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

SERVICE_NAME = "Productivity Programme"
# The name authenticator apps show next to the account.
OTP_TOTP_ISSUER = SERVICE_NAME
# Nobody reads an officer's authenticator secret in the admin, superusers
# included: the device pages show no key and no QR code (issue 25).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Open data (360Giving). Grant identifiers start with our registered prefix.
OPEN_DATA_PREFIX = env_str("OPEN_DATA_PREFIX", "360G-lgaproductivity-")
if not OPEN_DATA_PREFIX.startswith("360G-"):
    raise ImproperlyConfigured(f"OPEN_DATA_PREFIX must start with 360G-, not {OPEN_DATA_PREFIX!r}.")
OPEN_DATA_FUNDER_ID = env_str("OPEN_DATA_FUNDER_ID", f"{OPEN_DATA_PREFIX}LGA")
OPEN_DATA_FUNDER_NAME = "Local Government Association"
# Each grant's dataSource: where the data comes from. Set it to the portal's
# /open-data/ page on a live service; by default the LGA's website (the
# standard allows "an organisation website").
OPEN_DATA_SOURCE_URL = env_str("OPEN_DATA_SOURCE_URL", "https://www.local.gov.uk/")
