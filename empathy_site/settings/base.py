"""Settings, read from the environment in this one place.

Embedded mode (no DATABASE_URL): SQLite, Celery eager, a per-checkout secret
key in var/. Anything else (DATABASE_URL set) is treated as a real deployment:
SECRET_KEY must be given, and a malformed value stops start-up.
"""

import re
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
EMBEDDED = not env.str("DATABASE_URL", default="")


def _embedded_secret_key() -> str:
    # Local development only: a random key kept beside the checkout, so no
    # secret is ever written in the source tree.
    VAR_DIR.mkdir(exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DATABASE_URL set the site runs as a deployment "
            "and needs a secret: export SECRET_KEY=<50+ random characters>."
        )
    SECRET_KEY = _embedded_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "django_ratelimit",
    "empathy_site.tenancy",
    "empathy_site.api",
    "empathy_site.sync",
    "interviews",
    "personas",
    "collaboration",
    "interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client address for audit records, so services need no `request` argument.
    "empathy_site.tenancy.audit.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so the transaction it opens wraps only the view.
    "empathy_site.tenancy.middleware.OrganizationMiddleware",
]

ROOT_URLCONF = "empathy_site.urls"
WSGI_APPLICATION = "empathy_site.wsgi.application"
ASGI_APPLICATION = "empathy_site.asgi.application"

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
                "empathy_site.tenancy.context_processors.organization",
            ],
        },
    },
]

if EMBEDDED:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(VAR_DIR / "db.sqlite3")),
        }
    }
else:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The role web and workers run as on PostgreSQL: owns no table, NOSUPERUSER,
# NOBYPASSRLS. Migrations (run as the owner) grant it table privileges.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="empathy_app")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or EMBEDDED
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Recordings, clips and reels: private; players reach them only through signed, expiring URLs.
    "media": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(MEDIA_ROOT)}},
}
# Any S3-compatible object store for recordings when a bucket is named; never public (no ACL, signed reads
# through the app only).
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    STORAGES["media"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": MEDIA_S3_BUCKET,
        "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("MEDIA_S3_REGION", default="") or None,
        "access_key": env.str("MEDIA_S3_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("MEDIA_S3_SECRET_ACCESS_KEY", default="") or None,
        "default_acl": None, "querystring_auth": True, "file_overwrite": False,
    }}

REDIS_URL = env.str("REDIS_URL", default="")

# django-ratelimit 4.1 predates Django's own RedisCache and warns about it; it works (atomic incr).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Embedded mode is one development process, so a process-local cache is shared enough.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]

# Celery. Without a broker, tasks run in-process so `make run` needs nothing.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Both below the visibility timeout, so a task is never redelivered while it runs.
CELERY_TASK_SOFT_TIME_LIMIT = 600
CELERY_TASK_TIME_LIMIT = 660
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "retention-daily": {"task": "interviews.retention_all", "schedule": 24 * 60 * 60},
    "webhooks-sweep": {"task": "sync.webhooks_sweep", "schedule": 30},
    "interviews-stale-claims": {"task": "interviews.stale_claims_sweep", "schedule": 60},
    "sync-prune": {"task": "sync.prune_sweep", "schedule": 60 * 60},
    "media-uploads-sweep": {"task": "interviews.media_uploads_sweep", "schedule": 60 * 60},
}
# Email: EMAIL_URL (smtp://user:password@host:587, submission+tls://…, consolemail://). Unset: printed to the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Groundwork <noreply@groundwork.invalid>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# The site's address as people reach it (https://groundwork.example.org), for links in mails sent by workers.
SITE_URL = env.str("SITE_URL", default="")
# When the daily digest of notifications goes out (beat); each person gets at most one mail per run.
CELERY_BEAT_SCHEDULE["notifications-digest"] = {"task": "tenancy.notification_digest_sweep", "schedule": 24 * 60 * 60}
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60 * 24)

# Only tests deliver to http://127.0.0.1; everywhere else webhooks must be public https.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)


def _int_between(name: str, default: int, low: int, high: int) -> int:
    value = env.int(name, default=default)
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name}={value} must be between {low} and {high}.")
    return value


# Total time one delivery attempt may take (connect, TLS, send, answer), however the receiver dribbles.
WEBHOOK_SEND_DEADLINE_SECONDS = _int_between("WEBHOOK_SEND_DEADLINE_SECONDS", 10, 1, 300)
# A claim older than this is a dead worker's and is taken over; keep it above the send deadline.
WEBHOOK_CLAIM_TIMEOUT_SECONDS = _int_between("WEBHOOK_CLAIM_TIMEOUT_SECONDS", 30, 1, 3600)
# Webhook events (payloads quote participants), their deliveries and attempt logs are deleted after this.
WEBHOOK_EVENT_RETENTION_DAYS = _int_between("WEBHOOK_EVENT_RETENTION_DAYS", 30, 1, 3650)
# Idempotency-Key replay window; the stored responses are deleted once it has passed.
IDEMPOTENCY_KEY_TTL_HOURS = _int_between("IDEMPOTENCY_KEY_TTL_HOURS", 24, 1, 24 * 30)
# An interview claimed longer ago than this by a worker that no longer holds it (killed mid-task)
# is re-queued by the beat sweep, and may be reprocessed by hand.
INTERVIEW_CLAIM_TIMEOUT_SECONDS = _int_between("INTERVIEW_CLAIM_TIMEOUT_SECONDS", 600, 10, 24 * 60 * 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "empathy_site.api.authentication.ApiKeyAuthentication",
        "empathy_site.api.authentication.SessionAuthentication",
    ],
    # Deny by default: every view states what it allows.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in, JSON out: one representation per body, so a generated client sends nested fields whole.
    # Uploads take multipart instead, on their own actions (parser_classes there).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "empathy_site.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "empathy_site.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "empathy_site.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Empathy repository API",
    "DESCRIPTION": "Interviews, evidence, personas and messages of one organisation. "
    "Authenticate with `Authorization: Bearer <api key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "DEFAULT_GENERATOR_CLASS": "empathy_site.api.base.SchemaGenerator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default, kept
        # The webhook event catalogue: a WebhookEvent_<event> component per event (OpenAPI 3.0 has no webhooks).
        "empathy_site.sync.api.webhook_schema.add_webhook_event_components",
    ],
    "ENUM_NAME_OVERRIDES": {
        "InterviewStatusEnum": "interviews.models.transcripts.Interview.Status",
        "PersonaStatusEnum": "personas.models.personas.Persona.Status",
        "MessageStatusEnum": "personas.models.messages.Message.Status",
        "CommentTargetTypeEnum": "collaboration.models.COMMENT_TARGET_CHOICES",
        "MemoTargetTypeEnum": "collaboration.models.MEMO_TARGET_CHOICES",
        "ClaimKindEnum": "personas.models.personas.Claim.Kind",
        "QuestionKindEnum": "personas.models.outcomes.ExerciseQuestion.Kind",
        "JobStatusEnum": "interop.models.jobs.JobStatus",
    },
}

# django-csp 4: no inline script anywhere; HTMX is told not to inject styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# API calls per key (or signed-in person) before 429.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="1200/min")


def _rate(name: str, default: str) -> str:
    value = env.str(name, default=default)
    if not re.fullmatch(r"[1-9][0-9]*/([1-9][0-9]*)?[smhd][a-z]*", value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate: write <count>/<period>, e.g. 10/m (s, m, h or d).")
    return value


# Sign-in attempts allowed per (account, client address): stops guessing at one
# account without locking its owner out from anywhere else.
LOGIN_RATE_LIMIT = _rate("LOGIN_RATE_LIMIT", "10/m")
# Sign-in attempts allowed per client address, whatever the account: higher, since
# a whole office can share one address.
LOGIN_ADDRESS_RATE_LIMIT = _rate("LOGIN_ADDRESS_RATE_LIMIT", "100/m")
# How many reverse proxies in front of the site append to X-Forwarded-For. 0 (the
# default) ignores the header: the client address is the connecting one.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if not 0 <= TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} must be between 0 and 10.")

# Limits on uploaded transcripts.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
UPLOAD_MAX_FILES = env.int("UPLOAD_MAX_FILES", default=20)
DOCX_MAX_UNCOMPRESSED_BYTES = env.int("DOCX_MAX_UNCOMPRESSED_BYTES", default=50 * 1024 * 1024)
DOCX_MAX_COMPRESSION_RATIO = env.int("DOCX_MAX_COMPRESSION_RATIO", default=100)
# Research exchange (interop): REFI-QDA projects and codebooks. Zip members are checked like DOCX (ratio above).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=500 * 1024 * 1024)
IMPORT_MAX_ZIP_MEMBERS = env.int("IMPORT_MAX_ZIP_MEMBERS", default=20000)
# A whole-project export (or the backup) of more utterances than this is built by a background job, not the request.
EXPORT_BACKGROUND_UTTERANCES = _int_between("EXPORT_BACKGROUND_UTTERANCES", 20000, 0, 10**9)
# Recordings (audio and video beside transcripts).
MEDIA_UPLOAD_MAX_BYTES = _int_between("MEDIA_UPLOAD_MAX_BYTES", 2 * 1024 * 1024 * 1024, 1024, 100 * 1024 ** 3)
# Where chunked (resumable) recording uploads wait until completed: a local directory every web server of the
# site shares (one volume), whatever the media storage is; one subdirectory per organisation.
MEDIA_UPLOAD_DIR = env.path("MEDIA_UPLOAD_DIR", default=str(VAR_DIR / "uploads"))
# How long a signed media URL (API `url`, the player) works.
MEDIA_URL_MAX_AGE_SECONDS = _int_between("MEDIA_URL_MAX_AGE_SECONDS", 600, 1, 7 * 24 * 60 * 60)
FFMPEG_BINARY = env.str("FFMPEG_BINARY", default="ffmpeg")
FFPROBE_BINARY = env.str("FFPROBE_BINARY", default="ffprobe")
MEDIA_TITLE_FONT = env.str("MEDIA_TITLE_FONT", default="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

if not DEBUG and not EMBEDDED:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
