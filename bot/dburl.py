"""``[general] database`` as a PostgreSQL URL, and where its password may come from.

The config file names the server without a password (``postgresql://dlxh@db.example:5432/dlxh``); one
with a password is refused, with a hint. The password comes, first to last, from ``DLXH_DATABASE_URL``
(which overrides the setting as a whole and may carry it), from the file ``DLXH_DATABASE_PASSWORD_FILE``
names, or from libpq's own ``~/.pgpass`` (``PGPASSFILE``), which psycopg reads by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from storage.target import PostgresUrl, is_postgres_url

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
