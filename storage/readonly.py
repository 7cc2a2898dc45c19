"""A synchronous read-only connection for the briefing pack and the exports, on either engine.

A pack for a whole province reads hundreds of thousands of rows in a worker thread: it gets its own
connection (never the bot's), and :meth:`ReadConnection.snapshot` starts one read transaction so that every
query of the pack sees the same committed state (SQLite: a deferred ``BEGIN`` made to read; PostgreSQL:
``REPEATABLE READ READ ONLY``). Statements use ``?`` placeholders as everywhere in ``storage/``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from storage.dialect import POSTGRES, SQLITE, Dialect
from storage.postgres import adapters, pg_row
from storage.sqlite import BUSY_TIMEOUT_MS
from storage.target import PostgresUrl, parse_target


class ReadConnection:
    def __init__(self, target: Path | str | PostgresUrl) -> None:
        parsed = parse_target(target)
        self.dialect: Dialect
        self._sqlite: sqlite3.Connection | None = None
        self._pg: psycopg.Connection[Any] | None = None
        if isinstance(parsed, PostgresUrl):
            self.dialect = POSTGRES
            extra: dict[str, Any] = {} if parsed.password is None else {"password": parsed.password}
            self._pg = psycopg.connect(
                parsed.url, autocommit=True, row_factory=pg_row, context=adapters(), **extra
            )
            self._pg.execute("SET default_transaction_read_only = on")
        else:
            self.dialect = SQLITE
            conn = sqlite3.connect(str(parsed), isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA query_only = ON")
            self._sqlite = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; returns a cursor (``fetchone``, ``fetchall``, ``fetchmany``)."""
        if self._pg is not None:
            return self._pg.execute(POSTGRES.sql(sql), tuple(params)) if params else self._pg.execute(sql)
        assert self._sqlite is not None
        return self._sqlite.execute(sql, params)

    @property
    def in_transaction(self) -> bool:
        if self._pg is not None:
            return self._pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
        assert self._sqlite is not None
        return self._sqlite.in_transaction

    def snapshot(self) -> None:
        if self._pg is not None:
            self._pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return
        self.execute("BEGIN")
        self.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()

    def release(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def table_names(self) -> set[str]:
        return {r[0] for r in self.execute(self.dialect.table_names_sql).fetchall()}

    def close(self) -> None:
        if self._pg is not None:
            self._pg.close()
        if self._sqlite is not None:
            self._sqlite.close()
