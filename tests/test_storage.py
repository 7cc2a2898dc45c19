"""Storage: migrations (including upgrading an old file), transactions, idempotent update ids."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.audit import add_audit
from storage.conversations import Conversation, get_conversation, save_conversation
from storage.db import Database
from storage.migrations import MIGRATIONS, current_version, migrate
from storage.outbox import list_due_messages
from storage.timeutil import ts
from storage.updates import record_processed_update

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


async def test_fresh_database_has_every_migration_and_pragmas(db: Database) -> None:
    assert await current_version(db) == MIGRATIONS[-1].version
    if db.is_sqlite:
        assert await db.reader.fetchval("PRAGMA foreign_keys") == 1
        assert await db.reader.fetchval("PRAGMA journal_mode") == "wal"
    else:  # identity columns, 64-bit integers, double precision
        kinds = {
            (r[0], r[1]): r[2]
            for r in await db.reader.fetchall(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema()"
            )
        }
        assert kinds[("issues", "id")] == kinds[("issues", "about_unit_id")] == "bigint"
        assert kinds[("reports", "latitude")] == "double precision"
    rows = await db.reader.fetchall("SELECT version, description FROM schema_version ORDER BY version")
    assert [r[0] for r in rows] == [m.version for m in MIGRATIONS]
    assert all(r[1] for r in rows)


async def test_upgrade_of_a_database_made_by_the_first_migration_keeps_its_data(
    empty_target: Path | str,
) -> None:
    path = empty_target
    old = await Database.open(path, migrate=False)
    await migrate(old, migrations=MIGRATIONS[:1])
    assert await current_version(old) == 1
    async with old.transaction() as tx:
        await save_conversation(tx, Conversation("telegram", "42", "invite", "role", {"unit_id": 3}), NOW)
        await tx.execute(  # as v1 wrote it (today's enqueue_message writes columns added later)
            "INSERT INTO outbox (channel, chat_id, payload, status, attempts, not_before, created_at)"
            " VALUES ('telegram', '42', ?, 'pending', 0, ?, ?)",
            ('{"chat_id": "42", "text": "xin chào"}', ts(NOW), ts(NOW)),
        )
        await record_processed_update(tx, "telegram", "1001", NOW)
    await old.close()

    upgraded = await Database.open(path)
    try:
        assert await current_version(upgraded) == MIGRATIONS[-1].version
        conv = await get_conversation(upgraded.reader, "telegram", "42")
        assert conv is not None and conv.data == {"unit_id": 3} and conv.step == "role"
        assert [r.chat_id for r in await list_due_messages(upgraded.reader, NOW)] == ["42"]
        assert await upgraded.reader.fetchval("SELECT COUNT(*) FROM units") == 0  # v2 tables exist
        # opening again applies nothing
        assert await migrate(upgraded) == []
    finally:
        await upgraded.close()


async def test_upgrade_from_the_previous_version(empty_target: Path | str) -> None:
    old = await Database.open(empty_target, migrate=False)
    try:
        assert await migrate(old, migrations=MIGRATIONS[:-1]) == [m.version for m in MIGRATIONS[:-1]]
        assert await migrate(old) == [MIGRATIONS[-1].version]
        assert await current_version(old) == MIGRATIONS[-1].version
        async with old.transaction() as tx:  # a row id comes back on both engines
            first = await add_audit(tx, NOW, "test", "one")
            second = await add_audit(tx, NOW, "test", "two")
        assert second == first + 1
    finally:
        await old.close()


async def test_a_newer_database_is_refused(empty_target: Path | str) -> None:
    db = await Database.open(empty_target)
    try:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO schema_version VALUES (999, 'future', '2030')")
        with pytest.raises(RuntimeError, match="newer than this program"):
            await migrate(db)
    finally:
        await db.close()


async def test_a_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as tx:
            await record_processed_update(tx, "telegram", "7", NOW)
            _ = 1 / 0
    async with db.transaction() as tx:
        assert await record_processed_update(tx, "telegram", "7", NOW) is True
        assert await record_processed_update(tx, "telegram", "7", NOW) is False


async def test_each_save_moves_the_nonce(db: Database) -> None:
    conv = Conversation("telegram", "1", "language", "choose")
    async with db.transaction() as tx:
        await save_conversation(tx, conv, NOW)
        await save_conversation(tx, conv, NOW)
    stored = await get_conversation(db.reader, "telegram", "1")
    assert stored is not None and stored.nonce == 2
