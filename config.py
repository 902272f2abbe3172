"""Settings read from the environment. One class per way of running the app."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("COALITION_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_count(name: str, default: int) -> int:
    """A whole number from the environment, 0 or more; a clear refusal otherwise."""
    value = os.environ.get(name, str(default)).strip()
    if not value.isdigit():
        raise RuntimeError(f"{name} must be a whole number, 0 or more (got {value!r}).")
    return int(value)


def development_secret_key(instance_dir: Path = INSTANCE_DIR) -> str:
    """Generate a secret once and keep it under instance/, so sessions survive restarts."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written with owner-only permissions: the key signs every session cookie.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _base_url_host(base_url: str) -> str:
    """The host of a BASE_URL (refused unless it is a full http(s) address)."""
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise RuntimeError(
            f"BASE_URL must be a full address like https://coalition.example, not {base_url!r}."
        )
    return parts.hostname


def _trusted_hosts(base_url: str) -> list[str]:
    """BASE_URL's host, and the extra names in TRUSTED_HOSTS (commas or spaces between them)."""
    extra = os.environ.get("TRUSTED_HOSTS", "").replace(",", " ").split()
    hosts = [_base_url_host(base_url)]
    hosts += [host for host in extra if host not in hosts]
    return hosts


class Config:
    """Development defaults: an SQLite file under instance/, a generated secret key."""

    ENV_NAME = "development"
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so long forms do not expire
    BABEL_DEFAULT_LOCALE = "es"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("COALITION_TIMEZONE", "America/Mexico_City")
    LANGUAGES = ("es", "en")
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # No Flask-Login remember cookie is issued any more ("keep me signed in" makes the session
    # cookie itself outlive the browser, see account/views.py::mark_signed_in); these settings
    # name the one an older sign-in may have left, which sign-out deletes.
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # werkzeug's scrypt: memory-hard and needs no extra dependency.
    PASSWORD_HASH_METHOD = "scrypt"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "coalition")
    # Reverse proxies in front of the app that set X-Forwarded-For (appending the address
    # they received from) and X-Forwarded-Proto. 0, the default: the headers are ignored and
    # the client is whoever connects (anyone can send such headers). 1 for the usual single
    # nginx or Caddy; never more than there are: each one trusted lets a client choose its
    # address. The sign-in limits and the audit trail then see each person's own address.
    PROXY_HOPS = _env_count("PROXY_HOPS", 0)
    # SQLite only: seconds a write waits for the database's one write lock, held by another
    # write, before it gives up with a clear 409 (writes hold it for milliseconds).
    SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "10"))
    # Failed sign-ins allowed per account and per client address before a pause.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    # Two-factor sign-in: how long the code step waits after the password, and the wrong
    # codes allowed per account in that step before a pause.
    TWO_FACTOR_PENDING_SECONDS = int(os.environ.get("TWO_FACTOR_PENDING_SECONDS", "300"))
    TWO_FACTOR_LIMIT = os.environ.get("TWO_FACTOR_LIMIT", "5 per 15 minutes")
    # A session ends after this long without a request, or this long after sign-in.
    SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", str(2 * 3600)))
    SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(12 * 3600)))
    # Only a session whose person ticked "keep me signed in" is permanent (a cookie with an
    # expiry, surviving the browser); any other is a browser-session cookie. Either way the
    # timeouts above are enforced server-side (account/sign_in.py).
    PERMANENT_SESSION_LIFETIME = SESSION_ABSOLUTE_TIMEOUT
    # The cookie is re-sent when the session changes (at least once a minute of activity,
    # see auth/login.py), not on every response: signing it each time cost every page.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_DURATION = SESSION_ABSOLUTE_TIMEOUT
    PASSWORD_RESET_MAX_AGE = 3600
    # Reset requests allowed per typed address and per client address (every request counts,
    # whether or not the address has an account).
    # Applications to join (/unete): per address and per e-mail typed (Flask-Limiter), and a
    # cap per e-mail in the database over 24 hours (counted whatever server took them).
    APPLY_LIMIT_PER_ADDRESS = os.environ.get("APPLY_LIMIT_PER_ADDRESS", "10 per hour")
    APPLY_LIMIT_PER_EMAIL = os.environ.get("APPLY_LIMIT_PER_EMAIL", "5 per hour")
    APPLICATIONS_PER_EMAIL_PER_DAY = int(os.environ.get("APPLICATIONS_PER_EMAIL_PER_DAY", "3"))
    FORGOT_PASSWORD_LIMIT_PER_ACCOUNT = os.environ.get(
        "FORGOT_PASSWORD_LIMIT_PER_ACCOUNT", "3 per hour"
    )
    FORGOT_PASSWORD_LIMIT_PER_ADDRESS = os.environ.get(
        "FORGOT_PASSWORD_LIMIT_PER_ADDRESS", "20 per hour"
    )
    # The consultation (issue 16): limits per client address, per participant and per e-mail
    # typed, and the analysis computed in the background above this many votes.
    CONSULTATION_VOTE_LIMIT_PER_ADDRESS = os.environ.get(
        "CONSULTATION_VOTE_LIMIT_PER_ADDRESS", "1200 per minute"
    )
    CONSULTATION_VOTE_LIMIT_PER_PARTICIPANT = os.environ.get(
        "CONSULTATION_VOTE_LIMIT_PER_PARTICIPANT", "60 per minute"
    )
    CONSULTATION_JOIN_LIMIT_PER_ADDRESS = os.environ.get(
        "CONSULTATION_JOIN_LIMIT_PER_ADDRESS", "60 per hour"
    )
    CONSULTATION_EMAIL_LIMIT_PER_EMAIL = os.environ.get(
        "CONSULTATION_EMAIL_LIMIT_PER_EMAIL", "3 per hour"
    )
    CONSULTATION_ANALYSIS = os.environ.get("CONSULTATION_ANALYSIS", "thread")
    CONSULTATION_BACKGROUND_THRESHOLD = int(
        os.environ.get("CONSULTATION_BACKGROUND_THRESHOLD", "200000")
    )
    DUE_SOON_DAYS = 30  # the home page's horizon
    DUE_SOON_NOTICE_DAYS = 3  # a task due this soon puts a notice in its assignee's inbox
    STALE_AFTER_WEEKS = int(os.environ.get("STALE_AFTER_WEEKS", "3"))
    # Every link that leaves the app (e-mail) starts with BASE_URL (core/links.py), never with
    # the request's Host header. Required in production; in development, unset, it is the
    # address the development server listens on (`flask run --port 5101`: port 5101).
    BASE_URL: str | None = None
    # Host names the app answers to; None: any (development). Production: BASE_URL's host and
    # those listed in the TRUSTED_HOSTS environment variable; any other Host gets a 400.
    TRUSTED_HOSTS: list[str] | None = None
    # E-mail is off unless MAIL_ENABLED is set; MAIL_BACKEND "memory" captures (tests).
    MAIL_ENABLED = _env_bool("MAIL_ENABLED", False)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "coalition@example.org")
    # E-mail leaves through the outbox (coalition_app/core/outbox.py) after the commit: "rq"
    # (an `rq worker mail` through Redis; the default when REDIS_URL is set), "thread" (this
    # process, in the background), "inline" (at once, tests) or "command" (only
    # `flask deliver-mail`, e.g. from cron). Failed sends are retried MAIL_MAX_ATTEMPTS times.
    MAIL_DELIVERY = os.environ.get(
        "MAIL_DELIVERY", "rq" if os.environ.get("REDIS_URL") else "thread"
    )
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "6"))
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", "10"))
    REDIS_URL = os.environ.get("REDIS_URL")
    MAIL_QUEUE_URL = os.environ.get("MAIL_QUEUE_URL") or os.environ.get("REDIS_URL")
    # The coalition's day: "today" (due dates, overdue, the network's date) is this zone's.
    COALITION_TIMEZONE = os.environ.get("COALITION_TIMEZONE", "America/Mexico_City")
    # The stakeholder network (coalition_app/services/network_cache.py). A shared Redis cache
    # when a URL is given (else one per process); nodes + edges above which a rebuild runs in
    # the background ("thread", or "rq": an `rq worker network` fed through Redis).
    NETWORK_CACHE_URL = os.environ.get("NETWORK_CACHE_URL") or os.environ.get("REDIS_URL")
    NETWORK_REBUILD = os.environ.get("NETWORK_REBUILD", "thread")
    NETWORK_BACKGROUND_THRESHOLD = int(os.environ.get("NETWORK_BACKGROUND_THRESHOLD", "20000"))
    BETWEENNESS_EXACT_LIMIT = int(os.environ.get("BETWEENNESS_EXACT_LIMIT", "5000"))
    # Above the limit, KADABRA's additive error (coalition_app/network/measures.py).
    BETWEENNESS_ERROR = float(os.environ.get("BETWEENNESS_ERROR", "0.0012"))
    NETWORK_PAIR_LIMIT = int(os.environ.get("NETWORK_PAIR_LIMIT", "100"))
    # Busy pages and their shared parts kept per data version (coalition_app/core/page_cache.py):
    # off in development, so a template edit shows at once (PAGE_CACHE_ENABLED=1 turns it on,
    # read in __init__); on in production. Seconds an entry lives at most (bounds how late a
    # mark derived from the clock shows) and bytes per process.
    PAGE_CACHE_ENABLED = False
    PAGE_CACHE_TTL = int(os.environ.get("PAGE_CACHE_TTL", "300"))
    PAGE_CACHE_MAX_BYTES = int(os.environ.get("PAGE_CACHE_MAX_BYTES", str(32 * 1024 * 1024)))
    # Key sealing two-factor secrets in the database (Fernet: 32 url-safe base64 bytes, e.g.
    # from `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`).
    # Unset, one is derived from SECRET_KEY: then changing SECRET_KEY leaves the sealed
    # secrets unreadable and their owners sign in with recovery codes. Set it in production.
    TWO_FACTOR_KEY = os.environ.get("TWO_FACTOR_KEY")
    # Institutions above which betweenness runs in a second process beside the rest (0: never).
    NETWORK_PARALLEL_ABOVE = int(os.environ.get("NETWORK_PARALLEL_ABOVE", "2000"))
    # Comments (coalition_app/comments): minutes in which their author may still edit one.
    COMMENT_EDIT_MINUTES = _env_count("COMMENT_EDIT_MINUTES", 15)
    # Files on deliverables, tasks and meetings (coalition_app/files): the largest accepted,
    # the types accepted (judged from the content; names in files/types.py: pdf, png, jpeg,
    # docx, xlsx, pptx, odt, csv, txt) and the folder the bytes are kept in, outside static/
    # (served only through the route that asks the policy). Upload requests may be this much
    # larger than MAX_CONTENT_LENGTH, which bounds every other request.
    MAX_UPLOAD_BYTES = _env_count("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    UPLOAD_TYPES = tuple(
        os.environ.get("UPLOAD_TYPES", "pdf,png,jpeg,docx,xlsx,pptx,odt,csv,txt")
        .replace(" ", "")
        .split(",")
    )
    STORAGE_DIR = os.environ.get("STORAGE_DIR", str(INSTANCE_DIR / "files"))

    def __init__(self) -> None:
        # Read at instantiation so the environment of the running process wins.
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or development_secret_key()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'coalition.sqlite3'}"
        )
        self.SQLALCHEMY_ECHO = _env_bool("SQLALCHEMY_ECHO", False)
        self.PAGE_CACHE_ENABLED = _env_bool("PAGE_CACHE_ENABLED", False)
        base_url = os.environ.get("BASE_URL", "").strip()
        if base_url:
            _base_url_host(base_url)
            self.BASE_URL = base_url.rstrip("/")


class ProductionConfig(Config):
    """Production: every secret from the environment, secure cookies."""

    ENV_NAME = "production"
    # The __Host- prefix: browsers keep this cookie only if it is Secure, for Path=/ and with
    # no Domain, so no sibling subdomain can set or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    REMEMBER_COOKIE_SECURE = True
    HSTS_ENABLED = True

    def __init__(self) -> None:
        key = os.environ.get("SECRET_KEY")
        if not key:
            raise RuntimeError(
                "SECRET_KEY must be set in the environment when COALITION_ENV=production."
            )
        self.SECRET_KEY = key
        self.SQLALCHEMY_ECHO = False
        if "DATABASE_URL" not in os.environ:
            raise RuntimeError("DATABASE_URL must be set when COALITION_ENV=production.")
        self.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
        self.PAGE_CACHE_ENABLED = _env_bool("PAGE_CACHE_ENABLED", True)
        base_url = os.environ.get("BASE_URL", "").strip()
        if not base_url:
            raise RuntimeError(
                "BASE_URL must be set when COALITION_ENV=production (the address people use, "
                "e.g. https://coalition.example): every link in e-mail starts with it."
            )
        self.TRUSTED_HOSTS = _trusted_hosts(base_url)
        self.BASE_URL = base_url.rstrip("/")


class TestConfig(Config):
    """Tests: a database given by TEST_DATABASE_URL (or a temporary SQLite), fast hashing."""

    __test__ = False  # not a pytest test class, despite its name
    ENV_NAME = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    # Low-cost hashing keeps the suite fast; production keeps scrypt's defaults.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Whatever the environment says: a test about a proxy sets it.
    PROXY_HOPS = 0
    SECRET_KEY = "test-secret-key"
    # Links in the suite's e-mail; a test about the development default sets it to None.
    BASE_URL = "http://127.0.0.1:5000"
    # Tests read e-mail from a captured outbox; nothing ever reaches a real server.
    MAIL_ENABLED = True
    MAIL_BACKEND = "memory"
    MAIL_DELIVERY = "inline"
    # Each test app gets its own in-memory network cache, even where Redis is configured.
    NETWORK_CACHE_URL = None
    NETWORK_REBUILD = "thread"
    # On, as in production, whatever the environment says: the suite exercises the cache the
    # servers run, and its freshness tests (tests/core/test_page_cache_freshness.py) need it.
    # A test about rendering without it sets app.config["PAGE_CACHE_ENABLED"] = False.
    PAGE_CACHE_ENABLED = True

    def __init__(self, database_url: str | None = None) -> None:
        self.SQLALCHEMY_ECHO = False
        # Uploaded files of the suite go to a folder of their own (made at the first upload),
        # never the instance's.
        self.STORAGE_DIR = str(
            Path(tempfile.gettempdir()) / f"coalition-files-{secrets.token_hex(8)}"
        )
        self.SQLALCHEMY_DATABASE_URI = database_url or os.environ.get(
            "TEST_DATABASE_URL", "sqlite://"
        )


def config_from_environment() -> Config:
    """Pick the configuration named by COALITION_ENV (development by default)."""
    name = os.environ.get("COALITION_ENV", "development").lower()
    if name == "production":
        return ProductionConfig()
    if name in {"test", "testing"}:
        return TestConfig()
    return Config()
