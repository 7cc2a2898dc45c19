"""Where the database is: a SQLite file path or a PostgreSQL URL (the password kept out of sight)."""

from __future__ import annotations

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
