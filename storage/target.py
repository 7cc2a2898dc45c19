"""Where the database is (``bot.core.dburl``): a SQLite file path or a PostgreSQL URL."""

from __future__ import annotations

from bot.core.dburl import PostgresUrl, is_postgres_url, parse_target

__all__ = ["PostgresUrl", "is_postgres_url", "parse_target"]
