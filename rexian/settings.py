"""Rexian settings: read only from the environment (see docs/deploy.md for every variable)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from rexian.privacy.crypto import parse_master_key
from rexian.conf.env import env_bool, env_choice, env_float, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("REXIAN_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("REXIAN_DEBUG", False)
SECRET_KEY = env_secret("REXIAN_SECRET_KEY", required=True)
ALLOWED_HOSTS = env_list("REXIAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("REXIAN_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "import_export",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "rexian.core",
    "rexian.privacy",
    "rexian.units",
    "rexian.catalog",
    "rexian.orders",
    "rexian.demo",
    "rexian.api",
    "rexian.webhooks",
    "rexian.sms",
    "rexian.open311",
    "rexian.portal",
    "rexian.telephony",
    "rexian.analytics",
    "rexian.knowledge",
    "rexian.console",
    "rexian.notifications",
    "rexian.intelligence",
    "rexian.hotspots",
    "rexian.reports",
    "rexian.supervision",
    "rexian.quality",
    "rexian.enterprise",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rexian.console.middleware.UserLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "rexian.console.middleware.MethodNotAllowedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "rexian.urls"
WSGI_APPLICATION = "rexian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rexian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rexian.console.context_processors.console",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# DATABASE_URL selects the database: sqlite:///path or postgres://user@host/db.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'rexian.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("REXIAN_DB_CONN_MAX_AGE", 60, minimum=0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE takes the write
    # lock at BEGIN so two transitions never deadlock upgrading a read lock.
    _db["CONN_MAX_AGE"] = 0 if _db["NAME"] == ":memory:" else _db["CONN_MAX_AGE"]
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
        ),
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db["ENGINE"] = "django.db.backends.postgresql"
else:
    raise ImproperlyConfigured(f"DATABASE_URL uses an unsupported engine: {_db['ENGINE']}.")
if env_bool("REXIAN_TEST_PG_NAME_FROM_URL", False):
    _db["TEST"] = {"NAME": _db["NAME"]}
DATABASES = {"default": _db}

# Streaming replicas of a PostgreSQL primary, comma-separated URLs: the dashboards' and reports' reads go to a
# healthy one (rexian/core/replicas.py, docs/deploy.md "Read replicas"). Each is opened read-only, so a query
# that would write there fails instead of writing; a replica more than REXIAN_REPLICA_MAX_LAG_SECONDS behind, or
# down, is skipped for the primary. In the test run each one mirrors the test database.
READ_REPLICAS: list[str] = []
for _number, _url in enumerate(env_list("REXIAN_REPLICA_DATABASE_URLS"), start=1):
    _replica = dj_database_url.parse(_url, conn_max_age=_db["CONN_MAX_AGE"])
    if _db["ENGINE"] != "django.db.backends.postgresql" or _replica["ENGINE"] != _db["ENGINE"]:
        raise ImproperlyConfigured("REXIAN_REPLICA_DATABASE_URLS: read replicas need PostgreSQL, for the primary "
                                   "(DATABASE_URL) and each replica.")
    _replica["OPTIONS"] = {**_replica.get("OPTIONS", {}), "options": "-c default_transaction_read_only=on"}
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    READ_REPLICAS.append(f"replica_{_number}")
if READ_REPLICAS:
    DATABASE_ROUTERS = ["rexian.core.replicas.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = env_float("REXIAN_REPLICA_MAX_LAG_SECONDS", 30.0, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
_redis_url = env_str("REXIAN_REDIS_URL", "")
if _redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication and sessions ----------------------------------------------
AUTH_USER_MODEL = "units.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("REXIAN_SESSION_AGE_SECONDS", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SECURE_COOKIES = env_bool("REXIAN_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
if env_bool("REXIAN_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "rexian.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"

# --- Language and time ----------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "rexian" / "locale"]
TIME_ZONE = env_str("REXIAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("REXIAN_STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("REXIAN_MEDIA_ROOT", str(DATA_DIR / "media")))
_storage = env_choice("REXIAN_STORAGE", ("local", "s3"), "local")
if _storage == "s3":
    STORAGES_DEFAULT = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("REXIAN_S3_BUCKET"),
            "endpoint_url": env_str("REXIAN_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("REXIAN_S3_REGION", "") or None,
            "access_key": env_secret("REXIAN_S3_ACCESS_KEY", required=True),
            "secret_key": env_secret("REXIAN_S3_SECRET_KEY", required=True),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES_DEFAULT = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": STORAGES_DEFAULT,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
ATTACHMENT_MAX_BYTES = env_int("REXIAN_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Personal data protection ----------------------------------------------------
# The data key encrypts callers' names, phones and ID numbers (see rexian/privacy).
# It is never defaulted: a missing key is a start-up error.
DATA_KEY = env_secret("REXIAN_DATA_KEY", required=True)
DATA_CIPHER = env_choice("REXIAN_DATA_CIPHER", ("aes-gcm", "sm4-gcm"), "aes-gcm")
OLD_DATA_KEYS = env_list("REXIAN_OLD_DATA_KEYS", [])
# The key of the look-up hashes (phone, ID number); defaults to the data key. Keep it when rotating the data key.
LOOKUP_KEY = env_secret("REXIAN_LOOKUP_KEY", required=False)
# A malformed key is a start-up error, not a failure at the first caller's phone number.
for _key in [DATA_KEY, *OLD_DATA_KEYS, *([LOOKUP_KEY] if LOOKUP_KEY else [])]:
    parse_master_key(_key)

# --- Background work ----------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("REXIAN_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
WORKER_SCAN_INTERVAL_SECONDS = env_int("REXIAN_DEADLINE_SCAN_SECONDS", 60, minimum=5)

# --- Text messages to callers (短信, rexian/sms) ---------------------------------------------
# off (default): none; log: written to the log, number masked; http: a signed POST to REXIAN_SMS_URL.
SMS_BACKEND = env_choice("REXIAN_SMS_BACKEND", ("off", "log", "http"), "off")
SMS_URL = env_str("REXIAN_SMS_URL", "")
# on: the gateway posts callers' texts to /sms/inbound/ (signed like ours): 1/2/3 rates the result notice's order
# (短信回访评价), TD opts out (退订), anything else waits in the operators' 短信来信 list. Texts then say so.
SMS_REPLIES = env_bool("REXIAN_SMS_REPLIES", False)
SMS_SECRET = env_secret("REXIAN_SMS_SECRET", required=SMS_BACKEND == "http" or SMS_REPLIES)
if SMS_BACKEND == "http" and not SMS_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("REXIAN_SMS_BACKEND=http needs REXIAN_SMS_URL, an http(s) address of the gateway.")
SMS_SIGN = env_str("REXIAN_SMS_SIGN", "12345热线")  # the centre's registered signature, 【…】 before each text
SMS_PORTAL_URL = env_str("REXIAN_SMS_PORTAL_URL", "")  # where callers track an order, named in the texts
SMS_KINDS = env_list("REXIAN_SMS_KINDS", ["receipt", "result"])
if not set(SMS_KINDS) <= {"receipt", "result"}:
    raise ImproperlyConfigured(f"REXIAN_SMS_KINDS={','.join(SMS_KINDS)!r}: each must be receipt or result.")

# --- Hotline rules ----------------------------------------------------------------------
CALLBACK_MAX_ATTEMPTS = env_int("REXIAN_CALLBACK_MAX_ATTEMPTS", 3, minimum=1)
# 督办 / 批示: working days a unit has to report on an item when the issuer gives no date.
SUPERVISION_REPORT_DAYS = env_int("REXIAN_SUPERVISION_REPORT_DAYS", 3, minimum=1)
# 质检: orders drawn at random from each operator's registrations of a day.
QC_SAMPLE_PER_OPERATOR = env_int("REXIAN_QC_SAMPLE_PER_OPERATOR", 3, minimum=0)
DIRECT_ANSWER_CALLBACK_SAMPLE = env_float("REXIAN_DIRECT_ANSWER_CALLBACK_SAMPLE", 0.1, minimum=0, maximum=1)
DEADLINE_YELLOW_FRACTION = env_float("REXIAN_DEADLINE_YELLOW_FRACTION", 0.2, minimum=0, maximum=1)
ORDER_NUMBER_DIGITS = 6

# --- REST API (owned by rexian/api) ---------------------------------------------------
# The API's views set their own authentication (token, session + CSRF), permissions, JSON
# parsers and error handler (rexian.api.views.ApiView), so DRF's global defaults stay as
# they are for any other app; this only names the OpenAPI generator and describes the document.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rexian API",
    "DESCRIPTION": "热线 Rexian: the staff REST API of the 12345 hotline (see docs/api.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Swagger UI and Redoc from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderStateEnum": "rexian.orders.transitions.State.choices",
        "OrderActionEnum": "rexian.orders.transitions.Action.choices",
        "AssignmentStatusEnum": "rexian.api.schema.ASSIGNMENT_STATUS",
        "AssignmentRoleEnum": "rexian.api.schema.ASSIGNMENT_ROLE",
        "IncomingSmsStatusEnum": "rexian.api.schema.INCOMING_SMS_STATUS",
        "RoleEnum": "rexian.units.models.Role.choices",
        "SupervisionKindEnum": "rexian.supervision.models.Supervision.Kind.choices",
        "SupervisionStatusEnum": "rexian.supervision.models.Supervision.Status.choices",
        "SupervisionStepActionEnum": "rexian.supervision.models.SupervisionStep.Action.choices",
    },
}
# --- end REST API ---------------------------------------------------------------------------

# --- Citizen portal (rexian/portal) and webhooks (rexian/webhooks) -----------------------
PORTAL_SUBMITS_PER_IP_PER_HOUR = env_int("REXIAN_PORTAL_SUBMITS_PER_IP_PER_HOUR", 5, minimum=1)
PORTAL_SUBMITS_PER_PHONE_PER_HOUR = env_int("REXIAN_PORTAL_SUBMITS_PER_PHONE_PER_HOUR", 5, minimum=1)
PORTAL_TRACKS_PER_IP_PER_HOUR = env_int("REXIAN_PORTAL_TRACKS_PER_IP_PER_HOUR", 30, minimum=1)
PORTAL_TRACKS_PER_PHONE_PER_HOUR = env_int("REXIAN_PORTAL_TRACKS_PER_PHONE_PER_HOUR", 10, minimum=1)
PORTAL_PHOTO_MAX_BYTES = env_int("REXIAN_PORTAL_PHOTO_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# Requests from these addresses (the reverse proxy) are identified by its X-Real-IP header.
PORTAL_TRUSTED_PROXIES = env_list("REXIAN_PORTAL_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
# Open311: the jurisdiction_id this server answers for (empty: any).
OPEN311_JURISDICTION_ID = env_str("REXIAN_OPEN311_JURISDICTION_ID", "")
# Webhook URLs may point at private or loopback addresses only when this is on (tests, closed networks).
WEBHOOK_ALLOW_PRIVATE = env_bool("REXIAN_WEBHOOK_ALLOW_PRIVATE", False)

# --- Telephony and staffing (rexian/telephony; docs/telephony.md) ------------------------------
CALL_SHORT_ABANDON_SECONDS = env_float("REXIAN_CALL_SHORT_ABANDON_SECONDS", 5, minimum=0)
CALL_ANSWER_TARGET_SECONDS = env_float("REXIAN_CALL_ANSWER_TARGET_SECONDS", 15, minimum=1)
MISSED_CALL_WINDOW_HOURS = env_int("REXIAN_MISSED_CALL_WINDOW_HOURS", 24, minimum=1)
MISSED_CALL_CALLBACK_MINUTES = env_int("REXIAN_MISSED_CALL_CALLBACK_MINUTES", 30, minimum=1)
CDR_INBOUND_CONTEXTS = env_list("REXIAN_CDR_INBOUND_CONTEXTS", [])
CTI_MAX_EVENTS_PER_REQUEST = env_int("REXIAN_CTI_MAX_EVENTS_PER_REQUEST", 1000, minimum=1)
STAFFING_SHIFT_HOURS = [float(h) for h in env_list("REXIAN_STAFFING_SHIFT_HOURS", ["8"])]
STAFFING_SHIFT_START_EVERY_MINUTES = env_int("REXIAN_STAFFING_SHIFT_START_EVERY_MINUTES", 60, minimum=30)
STAFFING_SHIFT_START_TIMES = env_list("REXIAN_STAFFING_SHIFT_START_TIMES", [])
STAFFING_MIN_REST_HOURS = env_float("REXIAN_STAFFING_MIN_REST_HOURS", 12, minimum=0)
STAFFING_MAX_CONSECUTIVE_DAYS = env_int("REXIAN_STAFFING_MAX_CONSECUTIVE_DAYS", 5, minimum=1)
STAFFING_DAYS_OFF_PER_WEEK = env_int("REXIAN_STAFFING_DAYS_OFF_PER_WEEK", 2, minimum=0)
STAFFING_MAX_HOURS_PER_WEEK = env_float("REXIAN_STAFFING_MAX_HOURS_PER_WEEK", 40, minimum=0)  # 0: no cap
STAFFING_SHRINKAGE = env_float("REXIAN_STAFFING_SHRINKAGE", 0.3, minimum=0, maximum=0.95)
STAFFING_PATIENCE_SECONDS = env_float("REXIAN_STAFFING_PATIENCE_SECONDS", 0, minimum=0) or None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("REXIAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Metrics (rexian/analytics; docs/metrics.md) ----------------------------------------------
# Whether 基本满意 counts as satisfied in 回访满意率 and 满意率 (read at query time: no rebuild needed).
METRICS_BASIC_COUNTS_AS_SATISFIED = env_bool("REXIAN_METRICS_BASIC_COUNTS_AS_SATISFIED", True)
# Weights of the Beijing-style score (综合得分) over 响应率, 解决率 and 满意率 (normalised by their sum).
METRICS_WEIGHT_RESPONSE = env_float("REXIAN_METRICS_WEIGHT_RESPONSE", 0.1, minimum=0)
METRICS_WEIGHT_SOLUTION = env_float("REXIAN_METRICS_WEIGHT_SOLUTION", 0.45, minimum=0)
METRICS_WEIGHT_SATISFACTION = env_float("REXIAN_METRICS_WEIGHT_SATISFACTION", 0.45, minimum=0)
# 重复来电: an order whose caller's phone registered another order within this many days before it.
# Stored in the rollups: run `rexian rollup-rebuild` after changing it.
METRICS_REPEAT_CALL_DAYS = env_int("REXIAN_METRICS_REPEAT_CALL_DAYS", 30, minimum=1)
# The nightly reconciliation recomputes the facts of the orders registered in the last N days (0: off).
METRICS_RECONCILE_DAYS = env_int("REXIAN_METRICS_RECONCILE_DAYS", 60, minimum=0)
# --- end Metrics ------------------------------------------------------------------------------

# --- Notifications (rexian/notifications) -------------------------------------------------------
# Units are told (时限临近) when a deadline of theirs is less than this many hours away.
NOTIFY_DEADLINE_HOURS = env_int("REXIAN_NOTIFY_DEADLINE_HOURS", 2, minimum=1)
# --- end Notifications ------------------------------------------------------------------------

# --- Console ------------------------------------------------------------------------------------
# The most orders one Excel export of the console's search (工单查询导出) holds.
EXPORT_MAX_ROWS = env_int("REXIAN_EXPORT_MAX_ROWS", 10_000, minimum=1)
# --- end Console ----------------------------------------------------------------------------------

# --- Intelligence (rexian/intelligence; docs/intelligence.md) -------------------------------------
# Trained models (versioned files <kind>-v<N>.joblib, the active version recorded in the database) live here;
# `rexian train` (and the nightly job) writes them from the newest REXIAN_TRAIN_MAX_ORDERS orders per model.
INTELLIGENCE_MODEL_DIR = Path(env_str("REXIAN_MODEL_DIR", str(DATA_DIR / "models")))
INTELLIGENCE_TRAIN_MAX_ORDERS = env_int("REXIAN_TRAIN_MAX_ORDERS", 20000, minimum=100)
# 智能派单: an order reaching 待派单 is dispatched automatically when the ranker's top unit reaches this
# confidence; 0 (the default) never dispatches automatically.
AUTO_DISPATCH_CONFIDENCE = env_float("REXIAN_AUTO_DISPATCH_CONFIDENCE", 0.0, minimum=0.0, maximum=1.0)
# --- end Intelligence -----------------------------------------------------------------------------

# --- Hot spots (rexian/hotspots; docs/hotspots.md) ----------------------------------------------
# Surges (激增预警): the count of the latest window against the mean of the same window over the baseline days,
# flagged when at least the minimum count and one-sided Poisson P(X ≥ count | baseline) is below the p-value.
HOTSPOT_SURGE_WINDOW_HOURS = env_int("REXIAN_HOTSPOT_SURGE_WINDOW_HOURS", 24, minimum=1)
if HOTSPOT_SURGE_WINDOW_HOURS > 24:  # the baseline is the same hours on each earlier day
    raise ImproperlyConfigured(f"REXIAN_HOTSPOT_SURGE_WINDOW_HOURS={HOTSPOT_SURGE_WINDOW_HOURS} must be at most 24.")
HOTSPOT_SURGE_BASELINE_DAYS = env_int("REXIAN_HOTSPOT_SURGE_BASELINE_DAYS", 28, minimum=7)
HOTSPOT_SURGE_MIN_COUNT = env_int("REXIAN_HOTSPOT_SURGE_MIN_COUNT", 5, minimum=1)
HOTSPOT_SURGE_P_VALUE = env_float("REXIAN_HOTSPOT_SURGE_P_VALUE", 0.001, minimum=0.0, maximum=1.0)
# Runs kept per window (one an hour): older ones are deleted by the scan.
HOTSPOT_KEEP_RUNS = env_int("REXIAN_HOTSPOT_KEEP_RUNS", 48, minimum=1)
# --- end Hot spots --------------------------------------------------------------------------------
