"""The database: SQLite (embedded, the default) or PostgreSQL, behind one interface.

Every storage function takes a :class:`Tx` and writes its SQL once, with ``?`` placeholders, in the part of
SQL both engines share. What differs lives in a :class:`~storage.dialect.Dialect` (placeholders, identity
columns, the catalog) and in the two backends:

- SQLite: one aiosqlite connection, one writer at a time. :meth:`Database.transaction` takes an asyncio lock
  and issues ``BEGIN IMMEDIATE``, so that a second process (``dlxh jobs run`` beside ``dlxh run``) waits on
  the busy timeout instead of failing half-way. Reads outside a transaction use the same connection.
- PostgreSQL (``storage.postgres``): a psycopg connection pool; a write transaction also takes one
  transaction-level advisory lock, so writers queue across processes as they do on SQLite and every
  read-then-write in ``storage/`` keeps the meaning it has there. Reads outside a transaction take a
  pooled connection of their own and see committed rows only.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from storage.dialect import Dialect
from storage.migrations import migrate as run_migrations
from storage.postgres import PostgresBackend
from storage.sqlite import BUSY_TIMEOUT_MS, SqliteBackend
from storage.target import PostgresUrl, parse_target
from storage.tx import MemoTx, Row, Tx

__all__ = ["BUSY_TIMEOUT_MS", "Database", "MemoTx", "Row", "Tx"]

log = logging.getLogger(__name__)


class Backend(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    @property
    def is_open(self) -> bool: ...

    def reader(self) -> Tx: ...

    def committed(self) -> AbstractAsyncContextManager[Tx]: ...

    def transaction(self) -> AbstractAsyncContextManager[Tx]: ...

    def exclusive(self, key: str) -> AbstractAsyncContextManager[bool]: ...

    def leadership(self, key: str) -> AbstractAsyncContextManager[None]: ...

    def commits(self) -> AsyncIterator[None]: ...


def _backend(target: Path | str | PostgresUrl) -> Backend:
    parsed = parse_target(target)
    if isinstance(parsed, PostgresUrl):
        return PostgresBackend(parsed)
    return SqliteBackend(parsed)


class Database:
    """Owns the connection(s). Open with :meth:`open` (runs migrations), close with :meth:`close`.

    ``target`` is a SQLite file path, or a PostgreSQL URL (a :class:`~storage.target.PostgresUrl`, or a
    ``postgresql://`` string).
    """

    def __init__(self, target: Path | str | PostgresUrl) -> None:
        self.target = parse_target(target)
        self.backend: Backend = _backend(self.target)

    @property
    def dialect(self) -> Dialect:
        return self.backend.dialect

    @property
    def path(self) -> Path:
        """The SQLite file (only SQLite has one)."""
        if not isinstance(self.target, Path):
            raise RuntimeError("a PostgreSQL database has no file")
        return self.target

    @property
    def is_sqlite(self) -> bool:
        return isinstance(self.target, Path)

    @classmethod
    async def open(cls, target: Path | str | PostgresUrl, *, migrate: bool = True) -> Database:
        db = cls(target)
        await db.connect()
        if migrate:
            await run_migrations(db)
        return db

    async def connect(self) -> None:
        await self.backend.connect()

    @property
    def reader(self) -> Tx:
        """Read-only access outside a transaction."""
        if not self.backend.is_open:
            raise RuntimeError("database is not open")
        return self.backend.reader()

    def committed(self) -> AbstractAsyncContextManager[Tx]:
        """Reads that must see committed state only (the outbox worker must never send a row whose
        transaction could still roll back): on SQLite, waits for any open transaction on the connection."""
        return self.backend.committed()

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction; commits on success, rolls back on any exception."""
        return self.backend.transaction()

    def exclusive(self, key: str) -> AbstractAsyncContextManager[bool]:
        """Whether this process alone does ``key`` now (e.g. ``job:digest``); on PostgreSQL an advisory lock
        that another process holding it makes False. SQLite has one process per file: always True."""
        return self.backend.exclusive(key)

    def leadership(self, key: str) -> AbstractAsyncContextManager[None]:
        """Wait to be the one process that plays ``key`` (polling ``getUpdates``), and hold it for the
        block; another process takes over when this one dies. Immediate on SQLite."""
        return self.backend.leadership(key)

    def commits(self) -> AsyncIterator[None]:
        """Yields whenever any process committed a write (PostgreSQL; on SQLite it never yields)."""
        return self.backend.commits()

    async def close(self) -> None:
        await self.backend.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
