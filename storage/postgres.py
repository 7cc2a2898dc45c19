"""The PostgreSQL backend: psycopg 3 with its async connection pool.

SQLite compares loosely (``'5' = 5``); PostgreSQL does not. So that the storage functions' SQL means the
same on both, Python ints and bools are sent untyped (PostgreSQL infers each parameter's type from the
column it meets, as it does for strings), and ``numeric`` results (``SUM`` of integers) come back as int,
or float when they have a fraction, as SQLite gives them.

Writes: one transaction at a time per process (an asyncio lock, as on SQLite), and one at a time across
processes: every write transaction first takes :data:`WRITER_LOCK` with ``pg_advisory_xact_lock``, the
counterpart of SQLite's ``BEGIN IMMEDIATE``. Each storage function's read-then-write therefore keeps its
meaning with several bot processes on one database. Reads outside a transaction run on a pooled
connection in autocommit mode and see committed rows only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg.adapt import AdaptersMap, Dumper, Loader
from psycopg_pool import AsyncConnectionPool

from storage.dialect import POSTGRES
from storage.target import PostgresUrl
from storage.tx import Cursor, Row, Tx

log = logging.getLogger(__name__)

WRITER_LOCK = 0x646C7868  # "dlxh": the advisory lock every write transaction holds until it ends
# keyed by schema too, so that deployments (or tests) in schemas of one database do not wait on each other
WRITER_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s::int, hashtext(current_schema()))"
COMMITS_CHANNEL = "dlxh_commits"
NOTIFY_SQL = f"NOTIFY {COMMITS_CHANNEL}"
LISTEN_SQL = f"LISTEN {COMMITS_CHANNEL}"
JOB_LOCKS = 0x646C786A  # "dlxj": one session-level advisory lock per job name, while a pass runs
LEADER_LOCKS = 0x646C786C  # "dlxl": one per role only one process may play (the Telegram poller)
TRY_LOCK_SQL = "SELECT pg_try_advisory_lock(%s::int, hashtext(current_schema() || ':' || %s::text))"
UNLOCK_SQL = "SELECT pg_advisory_unlock(%s::int, hashtext(current_schema() || ':' || %s::text))"
LOCK_SQL = "SELECT pg_advisory_lock(%s::int, hashtext(current_schema() || ':' || %s::text))"
POOL_MIN = 1
POOL_MAX = 8
POOL_TIMEOUT_S = 30.0


class PgRow(Sequence[Any]):
    """A result row read by index, by column name, or iterated, like ``sqlite3.Row``."""

    __slots__ = ("_names", "_values")

    def __init__(self, names: dict[str, int], values: Sequence[Any]) -> None:
        self._names = names
        self._values = tuple(values)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._values[self._names[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._names)

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._names, self._values, strict=True))!r})"


def pg_row(cursor: Any) -> Any:
    """psycopg row factory for :class:`PgRow`."""
    names = {c.name: i for i, c in enumerate(cursor.description or ())}

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(names, values)

    return make


class UntypedIntDumper(Dumper):
    """An int sent as an untyped literal: PostgreSQL gives it the type of what it is compared with."""

    def dump(self, obj: Any) -> bytes:
        return str(int(obj)).encode()


class UntypedBoolDumper(Dumper):
    """A bool sent as 1 or 0, as SQLite stores it (the schema's flags are integers)."""

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class NumberLoader(Loader):
    """``numeric`` as int when whole (``SUM`` of integers), else float."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return float(text) if any(c in text for c in ".eEN") else int(text)


def adapters() -> AdaptersMap:
    """The adaptation every connection of the pool uses."""
    ctx = AdaptersMap(psycopg.adapters)
    ctx.register_dumper(int, UntypedIntDumper)
    ctx.register_dumper(bool, UntypedBoolDumper)
    ctx.register_loader("numeric", NumberLoader)
    return ctx


def _query(sql: str, params: Sequence[Any]) -> tuple[str, tuple[Any, ...] | None]:
    """psycopg's form of a statement: without parameters it goes as it is (several statements may then
    share one round trip), with them its ``?`` become ``%s``."""
    if not params:
        return sql, None
    return POSTGRES.sql(sql), tuple(params)


class PgTx(Tx):
    """Statements on one connection: an open transaction."""

    dialect = POSTGRES

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cur = self.conn.cursor()
        await cur.execute(*_query(sql, params))
        return cur

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        params = [tuple(r) for r in rows]
        if not params:
            return 0
        async with self.conn.cursor() as cur:
            await cur.executemany(POSTGRES.sql(sql), params)  # pipelined; rowcount sums the rows
            return max(cur.rowcount, 0)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self.conn.cursor() as cur:
            await cur.execute(*_query(sql, params))
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self.conn.cursor() as cur:
            await cur.execute(*_query(sql, params))
            return list(await cur.fetchall())

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self.conn.cursor() as cur:
            await cur.execute(*_query(POSTGRES.insert_returning_id(sql), params))
            row = await cur.fetchone()
        assert row is not None
        return int(row[0])


class PgReader(Tx):
    """Statements outside a transaction: each on a pooled connection in autocommit mode."""

    dialect = POSTGRES

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self.pool = pool

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        async with self.pool.connection() as conn:
            return await PgTx(conn).execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        async with self.pool.connection() as conn:
            return await PgTx(conn).executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        async with self.pool.connection() as conn:
            return await PgTx(conn).fetchone(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self.pool.connection() as conn:
            return await PgTx(conn).fetchall(sql, params)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self.pool.connection() as conn:
            return await PgTx(conn).insert(sql, params)


async def _fetchval(conn: psycopg.AsyncConnection[Any], sql: str, params: tuple[Any, ...]) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    return None if row is None else row[0]


def connect_kwargs(target: PostgresUrl) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"autocommit": True, "row_factory": pg_row, "context": adapters()}
    if target.password is not None:
        kwargs["password"] = target.password
    return kwargs


class PostgresBackend:
    dialect = POSTGRES

    def __init__(self, target: PostgresUrl, *, min_size: int = POOL_MIN, max_size: int = POOL_MAX) -> None:
        self.target = target
        self.min_size = min_size
        self.max_size = max_size
        self._pool: AsyncConnectionPool[Any] | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            self.target.url,
            kwargs=connect_kwargs(self.target),
            min_size=self.min_size,
            max_size=self.max_size,
            timeout=POOL_TIMEOUT_S,
            open=False,
            name="dlxh",
        )
        await pool.open(wait=True, timeout=POOL_TIMEOUT_S)
        self._pool = pool

    @property
    def is_open(self) -> bool:
        return self._pool is not None

    @property
    def pool(self) -> AsyncConnectionPool[Any]:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    def reader(self) -> Tx:
        return PgReader(self.pool)

    @asynccontextmanager
    async def committed(self) -> AsyncIterator[Tx]:
        # another connection sees committed rows only; the lock keeps SQLite's order within a process
        # (the outbox worker neither reads nor sends while this process has a transaction open)
        async with self._lock:
            yield PgReader(self.pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._lock, self.pool.connection() as conn, conn.transaction():
            await conn.execute(WRITER_LOCK_SQL, (WRITER_LOCK,))
            yield PgTx(conn)
            await conn.execute(NOTIFY_SQL)  # delivered at commit (and only then) to every listener

    async def commits(self) -> AsyncIterator[None]:
        """Once per batch of transactions committed by any process on the database (LISTEN/NOTIFY), on a
        connection of its own; ends when that connection does."""
        conn = await psycopg.AsyncConnection.connect(self.target.url, **connect_kwargs(self.target))
        try:
            await conn.execute(LISTEN_SQL)
            async for _ in conn.notifies():
                yield
        finally:
            await conn.close()

    @asynccontextmanager
    async def exclusive(self, key: str) -> AsyncIterator[bool]:
        """Try to be the only process doing ``key`` (a job's pass): yields whether this one is. The lock is
        released at the end, or by the server if the process dies."""
        async with self.pool.connection() as conn:
            got = bool(await _fetchval(conn, TRY_LOCK_SQL, (JOB_LOCKS, key)))
            try:
                yield got
            finally:
                if got:
                    await _fetchval(conn, UNLOCK_SQL, (JOB_LOCKS, key))

    @asynccontextmanager
    async def leadership(self, key: str) -> AsyncIterator[None]:
        """Wait until this process is the one that plays ``key``, then hold it until the block ends. The
        lock lives on a connection of its own, and the server waits for it: when the leader dies the
        server drops its lock and the next waiting process has it at once."""
        conn = await psycopg.AsyncConnection.connect(self.target.url, **connect_kwargs(self.target))
        try:
            await _fetchval(conn, LOCK_SQL, (LEADER_LOCKS, key))
            log.info("this process leads %s", key)
            yield
        finally:
            await conn.close()

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
