"""Django settings, read from the environment with embedded defaults.

| variable | default |
|---|---|
| DATABASE_URL | sqlite:///var/db.sqlite3 |
| REDIS_URL | the private Redis of the run command, redis://127.0.0.1:$TUTOR_REDIS_PORT/0 |
| SECRET_KEY | generated once into the untracked file .secret_key |
| ALLOWED_HOSTS | localhost,127.0.0.1,[::1] (comma-separated) |
| DEBUG | off (set DEBUG=1 to turn on) |
| EMAIL_URL-free: EMAIL_BACKEND | console backend |
| TUTOR_ENGINE | local (TUTOR_ENGINE=none: no model) |
| TUTOR_MODEL_PATH | the built-in tutor model, inference/tutor_model |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TUTOR_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "channels",
    # The project's start-up (the Celery app, database connections after a fork): config/apps.py.
    "config",
    "tutor",
    "curriculum",
    "inference",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The language: the signed-in user's choice, else the language cookie, else the browser's.
    "tutor.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tutor.middleware.StaffOnlyAdminMiddleware",
    "tutor.middleware.SecurityHeadersMiddleware",
    "tutor.middleware.OverloadMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "tutor.context_processors.roles",
                "tutor.context_processors.js_strings",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
# PostgreSQL: a bounded connection pool per process (psycopg_pool), so a burst of requests
# queues for a connection (up to DATABASE_POOL_TIMEOUT s, then a retryable 503) instead of
# opening one connection per request in flight until the server refuses ("too many clients").
# Size it so that (web processes + workers) x DATABASE_POOL_SIZE stays under max_connections.
DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "8"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_SIZE:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while the other writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Tests use a file, not shared-cache memory: its table locks ignore the busy timeout when
    # worker threads write concurrently, and a live server in another process must see it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}

AUTH_USER_MODEL = "tutor.User"
# Ours decides password log-ins (tutor/auth.py); Django's stays for sessions made with it.
AUTHENTICATION_BACKENDS = [
    "tutor.auth.PoolFriendlyModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "tutor@localhost")

LANGUAGE_CODE = "en"
# The interface languages (docs/i18n.md). Course content is shown as its author wrote it.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the source folders when collectstatic has not run (development, tests).
WHITENOISE_USE_FINDERS = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")
X_FRAME_OPTIONS = "DENY"
# Behind HTTPS (SECURE_COOKIES=1) also redirect plain HTTP and send HSTS; each can be set
# on its own. /healthz stays reachable over plain HTTP for the container healthcheck.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", env_bool("SECURE_COOKIES"))
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("SECURE_HSTS_SECONDS", "31536000" if env_bool("SECURE_COOKIES") else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload directive does nothing until the domain is submitted to the browsers' list.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", env_bool("SECURE_COOKIES"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The TLS proxy in front says the original scheme and the client address; trust those
# headers only when such a proxy is really there.
if env_bool("TRUST_X_FORWARDED_PROTO", env_bool("SECURE_COOKIES")):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR")
# Scripts, styles, fonts and images from our own origin only (KaTeX and MathLive are served
# from static/vendor/). The admin keeps inline styles its templates use.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-elem 'self'; "
    "style-src-attr 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; media-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Abuse limits (tutor/throttle.py), counted in the shared cache -------------------------
TUTOR_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("TUTOR_LOGIN_FAILURES_PER_ACCOUNT", "5"))
TUTOR_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("TUTOR_LOGIN_FAILURES_PER_ADDRESS", "30"))
TUTOR_JOIN_FAILURES_PER_HOUR = int(os.environ.get("TUTOR_JOIN_FAILURES_PER_HOUR", "10"))
# A whole class may sign up from one school address: generous by default.
TUTOR_SIGNUPS_PER_HOUR_PER_ADDRESS = int(os.environ.get("TUTOR_SIGNUPS_PER_HOUR_PER_ADDRESS", "60"))

# --- Redis: broker, channel layer, streams -------------------------------------------------
TUTOR_REDIS_PORT = int(os.environ.get("TUTOR_REDIS_PORT", "6399"))
REDIS_URL = os.environ.get("REDIS_URL", f"redis://127.0.0.1:{TUTOR_REDIS_PORT}/0")

# The cache is shared by every web process (throttling counters live there).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tutor",
        "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
    }
}

# Connections per web process for the channel layer (one is held by its blocking receive).
CHANNEL_LAYER_POOL_SIZE = int(os.environ.get("CHANNEL_LAYER_POOL_SIZE", "32"))
CHANNEL_LAYER_POOL_TIMEOUT = float(os.environ.get("CHANNEL_LAYER_POOL_TIMEOUT", "10"))
# Websockets one user may hold open at once (all web processes together); more are closed
# with code 4429 and a reason.
TUTOR_MAX_SOCKETS_PER_USER = int(os.environ.get("TUTOR_MAX_SOCKETS_PER_USER", "20"))

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "config.channel_layer.BoundedRedisChannelLayer",
        "CONFIG": {
            # redis-py 8 defaults socket_timeout to 5 s, which breaks the layer's blocking
            # BZPOPMIN and drops idle websockets (channels_redis#422): keep it unbounded.
            "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
            "capacity": 1000,
            "expiry": 60,
        },
    }
}

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"inference.tasks.*": {"queue": "gpu"}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# redis-py 8's 5 s default socket timeout is shorter than the broker's blocking reads.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_timeout": 30}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_timeout": 30}
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "tutor.tasks.clear_expired_sessions", "schedule": 24 * 3600},
    "refit-adaptive-model": {"task": "tutor.tasks.refit_adaptive_model", "schedule": 24 * 3600},
    # Fails generations whose worker vanished (no heartbeat) so the student is told and can
    # retry: heartbeat expiry (3 periods, 15 s) + this period stays under 30 s.
    "sweep-stranded-generations": {
        "task": "inference.sweep_stranded",
        "schedule": float(os.environ.get("TUTOR_SWEEP_SECONDS", "5")),
        "options": {"queue": "default", "expires": 30},
    },
}

# Seconds between worker heartbeats written to Redis; /healthz calls a worker alive when its
# heartbeat is younger than three periods.
TUTOR_WORKER_HEARTBEAT_SECONDS = float(os.environ.get("TUTOR_WORKER_HEARTBEAT_SECONDS", "5"))

# --- The tutor -----------------------------------------------------------------------------
# The built-in tutor model ships with the project (docs/tutor-model.md); it is the default engine.
# TUTOR_ENGINE=none turns the model off (the written hints still work).
BUILTIN_TUTOR_MODEL = BASE_DIR / "inference" / "tutor_model"
TUTOR_ENGINE = os.environ.get("TUTOR_ENGINE", "local").strip()
if TUTOR_ENGINE.lower() == "none":
    TUTOR_ENGINE = ""
TUTOR_MODEL_PATH = os.environ.get("TUTOR_MODEL_PATH", "") or (
    str(BUILTIN_TUTOR_MODEL) if TUTOR_ENGINE == "local" else ""
)
TUTOR_REMOTE_URL = os.environ.get("TUTOR_REMOTE_URL", "")
TUTOR_REMOTE_MODEL = os.environ.get("TUTOR_REMOTE_MODEL", "phi-4-mini-flash-reasoning")
TUTOR_REMOTE_API_KEY = os.environ.get("TUTOR_REMOTE_API_KEY", "")
TUTOR_DEVICE = os.environ.get("TUTOR_DEVICE", "")
TUTOR_MAX_BATCH_SIZE = int(os.environ.get("TUTOR_MAX_BATCH_SIZE", "32"))
# CPU threads for the local engine's PyTorch (unset: PyTorch's default).
TUTOR_TORCH_THREADS = int(os.environ.get("TUTOR_TORCH_THREADS", "0")) or None
TUTOR_MAX_NEW_TOKENS = int(os.environ.get("TUTOR_MAX_NEW_TOKENS", "2048"))
TUTOR_TEMPERATURE = float(os.environ.get("TUTOR_TEMPERATURE", "0.6"))
# Explanations a student may ask for per hour, and seconds without any open websocket after
# which a running generation is cancelled.
TUTOR_EXPLANATIONS_PER_HOUR = int(os.environ.get("TUTOR_EXPLANATIONS_PER_HOUR", "30"))
TUTOR_UNWATCHED_CANCEL_SECONDS = int(os.environ.get("TUTOR_UNWATCHED_CANCEL_SECONDS", "30"))
# A generation still queued after this long is failed by the sweeper (its task was lost, e.g.
# in a Redis restart without persistence); the student gets a Retry button.
TUTOR_QUEUE_TIMEOUT_SECONDS = int(os.environ.get("TUTOR_QUEUE_TIMEOUT_SECONDS", "600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
