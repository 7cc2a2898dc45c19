"""Whole-file work on an SQLite database for backups, restores and ``dlxh doctor``: a read-only connection,
the online backup API, the integrity check. The only place outside the connection code that opens one."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import aiosqlite

from storage.db import Tx
from storage.migrations import MIGRATIONS
from storage.sqlite import SqliteTx

DatabaseError = sqlite3.Error


class DatabaseFileError(Exception):
    """A database file is unreadable or fails its integrity check; the message says which."""


def _ro_uri(path: Path) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro"


@asynccontextmanager
async def read_only(path: Path) -> AsyncIterator[Tx]:
    """A read-only connection to a database file (nothing is created or changed)."""
    conn = await aiosqlite.connect(_ro_uri(path), uri=True)
    conn.row_factory = aiosqlite.Row
    try:
        yield SqliteTx(conn)
    finally:
        await conn.close()


def _quick_check(conn: sqlite3.Connection) -> str:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    return "; ".join(str(r[0]) for r in rows[:5])


def known_schema() -> int:
    """The newest schema version this code knows."""
    return max((m.version for m in MIGRATIONS), default=0)


def copy_database(db_path: Path, target: Path) -> int:
    """Online backup of a live database into ``target`` (a single file, rollback-journal mode); its size."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(_ro_uri(db_path), uri=True, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # one step (pages=-1): a consistent snapshot; in WAL mode the bot keeps writing meanwhile
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            check = _quick_check(dst)
            if check != "ok":
                raise DatabaseFileError(f"the copied database fails its integrity check: {check}")
        finally:
            dst.close()
    finally:
        src.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target.stat().st_size


def verify_database(path: Path) -> None:
    """Raise :class:`DatabaseFileError` unless ``path`` is a readable database passing its quick check."""
    conn = sqlite3.connect(_ro_uri(path), uri=True)
    try:
        check = _quick_check(conn)
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"{path} is not a readable SQLite database: {exc}") from exc
    finally:
        conn.close()
    if check != "ok":
        raise DatabaseFileError(f"{path} fails its integrity check: {check}")
