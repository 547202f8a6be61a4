"""Settings from the environment, with safe defaults for a laptop or a county office PC."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    path = Path(os.environ.get("SANQU_INSTANCE", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    def __init__(self) -> None:
        instance = _instance_dir()
        self.INSTANCE_PATH = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'sanqu.db'}"
        self.QUESTIONNAIRE_DIR = os.environ.get("QUESTIONNAIRE_DIR", str(ROOT / "questionnaires"))
        # A submission is a few KB; 1 MB leaves room for long free text and refuses abuse.
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))
        # A gzip body (tablets on a weak link) may inflate to this much, no more (zip bombs)
        self.MAX_INFLATED_LENGTH = int(os.environ.get("MAX_INFLATED_LENGTH", 8 * 1024 * 1024))
        # Submissions in one POST /api/v1/submissions/batch
        self.BATCH_MAX_ITEMS = int(os.environ.get("BATCH_MAX_ITEMS", 100))
        self.SESSION_COOKIE_HTTPONLY = True
        # Pages, scripts and styles go compressed (brotli, else gzip) to tablets on a weak
        # signal; replies under 500 bytes (every submission's) are not worth the CPU.
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        self.COMPRESS_BR_LEVEL = 5
        self.COMPRESS_MIN_SIZE = 500
        self.COMPRESS_STREAMS = False
        self.COMPRESS_MIMETYPES = ["text/html", "text/css", "text/javascript", "application/javascript", "application/json"]
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Served over HTTPS (PREFERRED_URL_SCHEME=https, or SESSION_COOKIE_SECURE=1): cookies
        # go only over HTTPS.  Plain HTTP stays possible for a county office PC on its own LAN.
        self.PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
        self.SESSION_COOKIE_SECURE = os.environ.get(
            "SESSION_COOKIE_SECURE", "1" if self.PREFERRED_URL_SCHEME == "https" else "0") == "1"
        # Over HTTPS the name carries the __Host- prefix (ASVS 3.4.4): the browser then refuses
        # the cookie unless Secure, for the whole host (no Domain) and Path=/, so a sibling
        # subdomain cannot plant or overwrite it.  Plain HTTP cannot use the prefix.
        self.SESSION_COOKIE_NAME = "__Host-session" if self.SESSION_COOKIE_SECURE else "session"
        self.SESSION_COOKIE_PATH = "/"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # Behind a reverse proxy (nginx): how many proxies set X-Forwarded-For/-Proto/-Host, so
        # that rate limits see the client's address and Secure cookies see HTTPS.  0: none.
        self.PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
        # ... and the addresses those headers are taken from (the proxy's own; a client that
        # reaches the app directly keeps its address whatever it forwards)
        # ("unix": the proxy connects over a Unix socket, as deploy/ sets it up)
        self.TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "127.0.0.1,::1,unix")
        # Staff sessions (seconds): idle and absolute timeouts.  Tablets sync with device tokens,
        # not with this session, so a timeout never stops a sync.
        self.SESSION_IDLE_TIMEOUT = int(os.environ.get("SESSION_IDLE_TIMEOUT", 30 * 60))
        self.SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", 12 * 3600))
        # Failed logins (auth/lockout.py, counted in the database so every worker sees them):
        # a name locks after LOGIN_LOCKOUT_FAILURES in LOGIN_LOCKOUT_WINDOW seconds, an address
        # after LOGIN_LIMIT_PER_ADDRESS; each lock lasts the window, then twice as long each
        # time, up to LOGIN_LOCKOUT_MAX seconds.
        self.LOGIN_LOCKOUT_FAILURES = int(os.environ.get("LOGIN_LOCKOUT_FAILURES", 10))
        self.LOGIN_LOCKOUT_WINDOW = int(os.environ.get("LOGIN_LOCKOUT_WINDOW", 15 * 60))
        self.LOGIN_LOCKOUT_MAX = int(os.environ.get("LOGIN_LOCKOUT_MAX", 4 * 3600))
        self.LOGIN_LIMIT_PER_ADDRESS = int(os.environ.get("LOGIN_LIMIT_PER_ADDRESS", 30))
        # Tablets' device tokens: at most this many live per user, each ending this many days
        # after its last use (weeks without signal must not strand a queue)
        self.DEVICE_TOKENS_PER_USER = int(os.environ.get("DEVICE_TOKENS_PER_USER", 10))
        self.DEVICE_TOKEN_IDLE_DAYS = int(os.environ.get("DEVICE_TOKEN_IDLE_DAYS", 30))
        # Roles that must log in with a second factor (TOTP); the others may choose it.
        self.MFA_REQUIRED_ROLES = tuple(
            r.strip() for r in os.environ.get("MFA_REQUIRED_ROLES", "admin,county").split(",") if r.strip())
        # How long after the right password the second factor may be given (seconds)
        self.MFA_PENDING_SECONDS = int(os.environ.get("MFA_PENDING_SECONDS", 5 * 60))
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.BABEL_DEFAULT_LOCALE = "zh"
        self.LANGUAGES = ["zh", "en"]
        self.WTF_CSRF_TIME_LIMIT = 3600
        self.SQLALCHEMY_ENGINE_OPTIONS: dict = {}
        # Database outages (seconds): a request gives up and answers 503 with Retry-After
        # instead of hanging.  Connecting (PostgreSQL), waiting for a pooled connection, one
        # statement (PostgreSQL; not for commands run by hand), waiting for a lock (SQLite's
        # busy timeout, PostgreSQL's lock_timeout).
        self.DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", 5))
        self.DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT", 10))
        self.DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", 30))
        self.DATABASE_BUSY_TIMEOUT = float(os.environ.get("DATABASE_BUSY_TIMEOUT", 10))
        # Days a tablet keeps what it delivered, to send again whatever a restore took back
        self.TABLET_KEEP_DAYS = int(os.environ.get("TABLET_KEEP_DAYS", 60))
        # What a 503 tells clients (tablets back off at least this long)
        self.RETRY_AFTER_SECONDS = int(os.environ.get("RETRY_AFTER_SECONDS", 30))
        # PIPL: days free-text answers are kept (the report worker purges daily; `flask
        # purge-free-text` by hand); unset keeps them
        retention = os.environ.get("FREE_TEXT_RETENTION_DAYS", "").strip()
        self.FREE_TEXT_RETENTION_DAYS = int(retention) if retention else None

        # Report builds (run by `flask --app wsgi worker`): the time limit of one attempt, how
        # many more attempts after a crash or a time-out, and the pause before each
        self.REPORT_TIME_LIMIT = float(os.environ.get("REPORT_TIME_LIMIT", 600))
        self.REPORT_RETRIES = int(os.environ.get("REPORT_RETRIES", 1))
        self.REPORT_RETRY_DELAY = int(os.environ.get("REPORT_RETRY_DELAY", 30))
        # The function that makes one report's file, PDF or Word (module:function; tests name their own)
        self.REPORT_BUILDER = os.environ.get("REPORT_BUILDER", "survey_app.reports.build:report_file")
        # XLSX exports of more responses than this are written by the worker, not inside the
        # request (about 2,700 rows/s: 20,000 rows take 7 s); the finished file is kept this many
        # hours, in the database in pieces of this size
        self.EXPORT_BACKGROUND_ROWS = int(os.environ.get("EXPORT_BACKGROUND_ROWS", 20000))
        self.EXPORT_KEEP_HOURS = float(os.environ.get("EXPORT_KEEP_HOURS", 24))
        self.EXPORT_PIECE_BYTES = int(os.environ.get("EXPORT_PIECE_BYTES", 1024 * 1024))
        # Findings snapshots (analysis/snapshots.py): from this many responses on, the pages', the
        # stats API's and the reports' expensive figures are kept with the state of the data they
        # came from; a page may show a snapshot of older data this many seconds after it was
        # computed (saying from when) while the worker computes it again; 0: never
        self.SNAPSHOT_RESPONSES = int(os.environ.get("SNAPSHOT_RESPONSES", 50000))
        self.SNAPSHOT_STALE_SECONDS = float(os.environ.get("SNAPSHOT_STALE_SECONDS", 600))
        # how often the worker computes again the snapshots people read whose data has changed
        self.SNAPSHOT_REFRESH_SECONDS = float(os.environ.get("SNAPSHOT_REFRESH_SECONDS", 60))
        # Who issues the assessment reports: printed on every report's cover
        self.REPORT_ISSUER = os.environ.get("REPORT_ISSUER", "湖南省民政厅 三区计划项目办")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
