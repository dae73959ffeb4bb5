"""NeuroReview settings. Everything that differs between the demo, CI and production comes from
the environment: DATABASE_URL (SQLite in var/ when unset), REDIS_URL (broker, results and channel
layer; a filesystem broker when unset), DJANGO_SECRET_KEY, DJANGO_DEBUG, DJANGO_ALLOWED_HOSTS,
NEUROREVIEW_VAR_DIR (data, media and the generated secret key), NEUROREVIEW_MEDIA_ROOT."""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("NEUROREVIEW_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated once per installation, kept out of git."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "daphne",
    "neuroreview.admin_site.NeuroReviewAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "guardian",
    "axes",
    "channels",
    # one app per concern, listed from the bottom layer up (ARCHITECTURE.md)
    "reviewer.core",
    "reviewer.cases",
    "reviewer.preprocessing",
    "segmentation",
    "reviewer.alarms",
    "reviewer.viewer",
    "reviewer.grading",
    "reviewer.datasets",
    "reviewer.studies",
    "reviewer.validation",
    "reviewer.pacs",
    "reviewer.imports",
    "reviewer.reports",
    "reviewer.exports",
    "reviewer.worklist",
    "segmentation.research",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "neuroreview.database_outage.DatabaseOutage",  # 503 + Retry-After while the database is down
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "neuroreview.request_checks.RequestChecks",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login with 429
]

ROOT_URLCONF = "neuroreview.urls"
ASGI_APPLICATION = "neuroreview.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        # Closed after each request: under ASGI every request runs in a thread of its own, so a
        # connection kept for that thread is never used again (Django: no persistent connections
        # under ASGI). Kept for 60 s, those of 50 readers filled all 100 that PostgreSQL allows
        # (reviewer.worklist.load_bench).
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web and worker processes share one SQLite file: wait for locks, don't fail.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out login goes no further
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object; pages require login
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Password guessing (django-axes): after AXES_FAILURE_LIMIT failures for one username, or from
# one address, logins and token requests are refused, even with the right password, until the
# cool-off ends or a data steward lifts the lockout (admin: Axes, access attempts). The cool-off
# keeps a guesser from locking a reader out for good.
AXES_FAILURE_LIMIT = int(os.environ.get("NEUROREVIEW_LOGIN_FAILURES", 5))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# API tokens live this long after issue, and die when their user logs out (reviewer.core.tokens)
NEUROREVIEW_TOKEN_LIFETIME = datetime.timedelta(
    hours=float(os.environ.get("NEUROREVIEW_TOKEN_HOURS", 12))
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the frontend reads it for fetch() POSTs
# Behind HTTPS (DJANGO_SECURE_COOKIES=1): cookies only over HTTPS, and browsers told to use
# nothing else for a year (HSTS)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "") == "1"
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, workers and sockets from this site only.
# Cornerstone3D compiles its WebAssembly codecs ('wasm-unsafe-eval', not 'unsafe-eval') and runs
# decoders in workers; canvases become blob: and data: images; styles stay inline-capable for
# the libraries that set element styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "worker-src": ["'self'", "blob:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],  # CSP 3: 'self' includes this host's ws: and wss:
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise expects it even when serving through finders
MEDIA_ROOT = Path(os.environ.get("NEUROREVIEW_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"  # never served directly: images go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve static/ without collectstatic in the demo and tests
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "reviewer.core.tokens.ExpiringTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "neuroreview.api_schema.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NeuroReview API",
    "DESCRIPTION": "Review of AI segmentations of brain MRI: cases, imports, exports.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # One name per choice set that several components share (the generated frontend types
    # name them), instead of drf-spectacular's hash-suffixed names on a collision.
    "ENUM_NAME_OVERRIDES": {
        "ModelVersionKindEnum": "segmentation.models.ModelVersion.Kind",
        "SegmentationLabelSchemeEnum": "segmentation.models.LabelSchemeChoices",
        "AlarmKindEnum": "reviewer.alarms.models.Alarm.Kind",
        "TargetEnum": "segmentation.models.TargetChoices",
        "DiagnosisEnum": "reviewer.grading.models.Diagnosis",
        "SentResultStatusEnum": "reviewer.pacs.models.SentResult.Status",
        "GateDecisionEnum": "reviewer.validation.gate.Decision",
        "DecisionEnum": "reviewer.grading.models.LesionVerdict.Decision",
    },
}

# Work: Redis when REDIS_URL is set (CI, production); otherwise a broker in files under var/, so
# the demo runs a real worker process with no external service.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # a worker on several queues empties them in the order it names them (celery.QUEUES)
        "queue_order_strategy": "priority",
        # A job taken by a worker that died (acks late) goes back to its queue this long after
        # it was taken. Longer than the longest task, or a running job is handed out twice.
        "visibility_timeout": int(os.environ.get("NEUROREVIEW_BROKER_VISIBILITY_S", 3600)),
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Job progress and the viewer's summaries ride out a Redis restart (about 4 s of
            # retries) rather than fail the job that writes them.
            "OPTIONS": {"retry": Retry(ExponentialBackoff(cap=1, base=0.1), retries=6)},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Longer than the layer's 5 s blocking poll: redis-py 8's default read timeout of
            # 5 s dropped every socket idle for 5 s (django/channels_redis#422).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "results", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
    # Shared by the web and worker processes (job progress); LocMemCache would not be.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 3600

# Imports: limits on uploaded zips (a decompression bomb is refused before it fills the disk).
NEUROREVIEW_IMPORT_MAX_BYTES = int(os.environ.get("NEUROREVIEW_IMPORT_MAX_BYTES", 8 * 1024**3))
NEUROREVIEW_UPLOAD_DIR = VAR_DIR / "uploads"
# Segmentation jobs one user may have queued or running at once (segmentation.inference_jobs)
NEUROREVIEW_WAITING_JOBS_PER_USER = int(os.environ.get("NEUROREVIEW_WAITING_JOBS_PER_USER", 20))
# Any request body, refused with 413 while it streams (neuroreview.body_limit)
NEUROREVIEW_UPLOAD_MAX_BYTES = int(os.environ.get("NEUROREVIEW_UPLOAD_MAX_BYTES", 4 * 1024**3))
NEUROREVIEW_FLOW_DIR = VAR_DIR / "flows"  # the flow player's frames, by key (a cache)
# Research export bundles (zips) the workers write and their download links serve
NEUROREVIEW_EXPORT_DIR = Path(os.environ.get("NEUROREVIEW_EXPORT_DIR", VAR_DIR / "exports"))
# Seconds an export's download link stays valid after its bundle is made (24 h)
NEUROREVIEW_EXPORT_LINK_MAX_AGE_S = int(
    os.environ.get("NEUROREVIEW_EXPORT_LINK_MAX_AGE_S", 24 * 3600)
)
# Seconds added to reader studies' clock, read from this file (reviewer.studies.clock): only a
# test that plays a washout through a running server sets it.
NEUROREVIEW_STUDY_CLOCK_FILE = os.environ.get("NEUROREVIEW_STUDY_CLOCK_FILE", "")
# The grid (mm) clinical exams are resampled onto before any model sees them: BraTS's 1 mm.
# Models trained on another grid (the tests' 2 mm cohort) need theirs.
NEUROREVIEW_PREPARED_SPACING_MM = float(os.environ.get("NEUROREVIEW_PREPARED_SPACING_MM", 1.0))

# Components smaller than this (mL) are counted and listed on request, not lesions to review,
# per label scheme (segmentation.segmentations). Glioma: 0.1 mL, a sphere 5.8 mm across, far
# below RANO's measurable 10 mm and above the one-voxel specks of a noisy model. A binary lesion
# map (MS, microbleeds): 3 mm³, below both the 12 mm³ of a new MS lesion (ms-workflows.md
# A-SEG-03) and a 2 mm microbleed (4.2 mm³, R-CMB-08). A scheme left out lists every component.
NEUROREVIEW_MINIMUM_LESION_ML = {"brats2020": 0.1, "brats2023": 0.1, "lesion": 0.003}

# The scale segmentations are graded on: "ease" (acceptable + 1–5) or "four_level" (I–IV)
# (reviewer.grading.scales; a scale per study comes with the studies).
NEUROREVIEW_GRADING_SCALE = os.environ.get("NEUROREVIEW_GRADING_SCALE", "ease")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("NEUROREVIEW_LOG_LEVEL", "INFO")},
}

# The false discovery rate at which a quality feature's correlation with performance is called
# significant in a validation run's evaluation (Benjamini-Hochberg; the evaluation paper: 0.25).
NEUROREVIEW_QUALITY_ALPHA = float(os.environ.get("NEUROREVIEW_QUALITY_ALPHA", "0.25"))
