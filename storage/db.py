"""The database connection: one aiosqlite connection, one writer at a time.

All writes go through :meth:`Database.transaction`, which takes an asyncio lock and issues
``BEGIN IMMEDIATE`` so that a second process (``dlxh jobs run`` beside ``dlxh run``) waits on the
busy timeout instead of failing half-way. Reads outside a transaction use the same connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


class Tx:
    """A handle on an open transaction (or on the connection, for reads)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Cursor:
        return await self.conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self.conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        async with self.conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        cur = await self.conn.execute(sql, params)
        rowid = cur.lastrowid
        await cur.close()
        assert rowid is not None
        return rowid


class MemoTx(Tx):
    """Reads through an open transaction, each distinct query run once and its answer remembered.

    For one short pass that asks the same small questions again and again while nothing it reads can
    change (the unit tree, while one digest checks who may see each issue). Writes are not remembered.
    """

    def __init__(self, tx: Tx) -> None:
        super().__init__(tx.conn)
        self._rows: dict[tuple[str, tuple[Any, ...]], list[aiosqlite.Row]] = {}
        self._row: dict[tuple[str, tuple[Any, ...]], aiosqlite.Row | None] = {}

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        key = (sql, tuple(params))
        if key not in self._rows:
            self._rows[key] = await super().fetchall(sql, params)
        return list(self._rows[key])

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> aiosqlite.Row | None:
        key = (sql, tuple(params))
        if key not in self._row:
            self._row[key] = await super().fetchone(sql, params)
        return self._row[key]


class Database:
    """Owns the connection. Open with :meth:`open` (runs migrations), close with :meth:`close`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path | str, *, migrate: bool = True) -> Database:
        db = cls(path)
        await db.connect()
        if migrate:
            from storage.migrations import migrate as run_migrations

            await run_migrations(db)
        return db

    async def connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        self._conn = conn

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @property
    def reader(self) -> Tx:
        """Read-only access outside a transaction."""
        return Tx(self.conn)

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[Tx]:
        """Reads that must see committed state only: waits for any open transaction on this connection to
        end (the outbox worker must never send a row whose transaction could still roll back)."""
        async with self._lock:
            yield Tx(self.conn)

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One write transaction; commits on success, rolls back on any exception."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
