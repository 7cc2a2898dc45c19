"""``dlxh db copy``: the demo's SQLite database into another database (PostgreSQL on a PostgreSQL run)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.dbcopy import copy_database
from bot.demo import run_demo
from bot.emulator import TelegramEmulator
from storage.audit import add_audit
from storage.db import Database
from tests.e2e import running

NOW = datetime(2026, 11, 10, 3, 0, tzinfo=UTC)


async def test_copy_of_the_demo_database_keeps_every_row_and_the_bot_runs_on_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_postgres: str | None, emu: TelegramEmulator
) -> None:
    monkeypatch.delenv("DLXH_DATABASE_URL", raising=False)  # the demo writes its own SQLite file
    await run_demo(lambda _line: None, tmp_path / "demo")
    source = tmp_path / "demo" / "data" / "dlxh.sqlite3"
    target: str | Path = fresh_postgres or tmp_path / "copy.sqlite3"

    first = await copy_database(f"sqlite:///{source}", str(target))
    assert first.equal, first.lines()
    for table in ("units", "members", "issues", "reports", "outbox", "audit_log", "thread_entries"):
        assert first.counts[table][0] > 0, table
    assert first.inserted == sum(a for a, _ in first.counts.values())
    again = await copy_database(str(source), str(target))  # idempotent
    assert again.equal and again.inserted == 0

    db = await Database.open(target)
    try:
        async with db.transaction() as tx:
            new_id = await add_audit(tx, NOW, "test", "after the copy")
        assert new_id == first.counts["audit_log"][1] + 1  # ids continue after the copied ones
    finally:
        await db.close()

    if fresh_postgres is not None:
        monkeypatch.setenv("DLXH_DATABASE_URL", fresh_postgres)
    general = {"data_dir": str(tmp_path / "data"), "database": "" if fresh_postgres else str(target)}
    emu._next_update_id = 1_000_000  # the copy remembers the demo's update ids as handled
    async with running(tmp_path, emu, general=general):
        user = emu.user(777, "Người lạ")
        await user.send_text("/start")
        assert await user.next_message(timeout=15)


async def test_copy_refuses_a_missing_source(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no database"):
        await copy_database(str(tmp_path / "nothing.sqlite3"), str(tmp_path / "x.sqlite3"))
