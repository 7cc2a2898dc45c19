"""The handle every storage function takes: one open transaction, or the database for reads outside one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from storage.dialect import SQLITE, Dialect

Row = Any  # aiosqlite.Row or storage.postgres.PgRow: both read by index, by name, and iterate


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...


class Tx:
    """A handle on an open transaction (or on the database, for reads outside one)."""

    dialect: Dialect = SQLITE

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        raise NotImplementedError

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        """Run one statement per row; return the rows changed in all."""
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def fetchval(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """An ``INSERT`` into a table with an ``id`` row id; returns the new row's id."""
        raise NotImplementedError

    async def table_names(self) -> set[str]:
        """The tables of the database (the schema's, on PostgreSQL)."""
        return {r[0] for r in await self.fetchall(self.dialect.table_names_sql)}


class MemoTx(Tx):
    """Reads through an open transaction, each distinct query run once and its answer remembered.

    For one short pass that asks the same small questions again and again while nothing it reads can
    change (the unit tree, while one digest checks who may see each issue). Writes are not remembered.
    """

    def __init__(self, tx: Tx) -> None:
        self.inner = tx
        self.dialect = tx.dialect
        self._rows: dict[tuple[str, tuple[Any, ...]], list[Row]] = {}
        self._row: dict[tuple[str, tuple[Any, ...]], Row | None] = {}

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return await self.inner.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return await self.inner.executemany(sql, rows)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.inner.insert(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        key = (sql, tuple(params))
        if key not in self._rows:
            self._rows[key] = await self.inner.fetchall(sql, params)
        return list(self._rows[key])

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        key = (sql, tuple(params))
        if key not in self._row:
            self._row[key] = await self.inner.fetchone(sql, params)
        return self._row[key]


class MigrationTx(Tx):
    """What a step gets: its ``CREATE``/``ALTER`` statements go out in the engine's DDL (storage.dialect),
    however the step runs them."""

    def __init__(self, tx: Tx) -> None:
        self.inner = tx
        self.dialect = tx.dialect

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        return await self.inner.execute(self.dialect.ddl(sql), params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return await self.inner.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        return await self.inner.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return await self.inner.fetchall(sql, params)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        return await self.inner.insert(sql, params)
