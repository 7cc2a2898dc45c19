"""Where the database is: a SQLite file path or a PostgreSQL URL (the password kept out of sight).

``[general] database`` may name a PostgreSQL server without a password (``postgresql://dlxh@db:5432/dlxh``);
one with a password is refused, with a hint. The password comes, first to last, from ``DLXH_DATABASE_URL``
(which overrides the setting as a whole and may carry it), from the file ``DLXH_DATABASE_PASSWORD_FILE``
names, or from libpq's own ``~/.pgpass`` (``PGPASSFILE``), which psycopg reads by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")


def is_postgres_url(value: str) -> bool:
    return urlsplit(value).scheme in SCHEMES


@dataclass(frozen=True)
class PostgresUrl:
    """A libpq URL; ``password`` (from a file) is added at connect time and never printed."""

    url: str
    password: str | None = field(default=None, repr=False, compare=False)

    def redacted(self) -> str:
        """The URL with any password replaced by ``***``, for logs and messages."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = f"{parts.username or ''}:***@{parts.hostname or ''}"
        if parts.port is not None:
            netloc += f":{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def __str__(self) -> str:
        return self.redacted()

    def __repr__(self) -> str:
        return f"PostgresUrl({self.redacted()!r})"


def parse_target(target: Path | str | PostgresUrl) -> Path | PostgresUrl:
    if isinstance(target, PostgresUrl | Path):
        return target
    if is_postgres_url(target):
        return PostgresUrl(target)
    if target.startswith("sqlite:///"):
        return Path(target.removeprefix("sqlite:///"))
    return Path(target)


URL_ENV = "DLXH_DATABASE_URL"
PASSWORD_FILE_ENV = "DLXH_DATABASE_PASSWORD_FILE"
HINT = (
    f"leave the password out of the config file: put the whole URL in the environment variable {URL_ENV}, "
    f"the password in a file named by {PASSWORD_FILE_ENV}, or a line in ~/.pgpass"
)


def postgres_url(configured: str, env: Mapping[str, str]) -> PostgresUrl | None:
    """The PostgreSQL database to use, or None for SQLite. Raises ValueError with a message for people."""
    override = env.get(URL_ENV, "").strip()
    if override:
        if not is_postgres_url(override):
            raise ValueError(f"{URL_ENV}: expected a postgresql://user@host:port/database URL")
        return _with_password_file(PostgresUrl(override), env)
    if not is_postgres_url(configured):
        return None
    if urlsplit(configured).password is not None:
        raise ValueError(f"general.database: the URL carries a password; {HINT}")
    return _with_password_file(PostgresUrl(configured), env)


def _with_password_file(url: PostgresUrl, env: Mapping[str, str]) -> PostgresUrl:
    name = env.get(PASSWORD_FILE_ENV, "").strip()
    if not name or urlsplit(url.url).password is not None:
        return url
    try:
        password = Path(name).expanduser().read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"{PASSWORD_FILE_ENV}: cannot read {name}: {exc.strerror}") from exc
    return PostgresUrl(url.url, password=password)
