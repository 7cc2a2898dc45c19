"""``dlxh doctor``: healthy against the emulator; each broken thing named, with how to fix it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import TEST_START_VARIABLE
from bot.emulator import TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from bot.ops.backup import backup
from bot.ops.doctor import Check, cli_doctor, doctor, doctor_main, format_checks
from storage import groups as gs
from storage import units as un
from storage.db import Database
from tests.conftest import PINNED, make_settings
from tests.e2e import emulator_settings, running
from tests.seed import seed_units

NOW = PINNED


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator() as e:
        yield e


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_healthy_against_the_emulator(
    tmp_path: Path, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DLXH_TELEGRAM_TOKEN", emu.token)
    settings = emulator_settings(tmp_path, emu)
    await (await Database.open(settings.database_target)).close()
    await (await Database.open(settings.database_path)).close()  # the backup's file (SQLite's own check)
    await backup(settings.database_path, settings.files_dir, tmp_path / "backups" / "first")
    checks = await doctor(settings, timeout=2, backup_folder=tmp_path / "backups")
    assert [c.name for c in checks] == [
        "config", "telegram token", "database", "running bot", "file store", "disk space", "time", "holidays",
        "backups",
    ]  # fmt: skip
    assert all(c.ok for c in checks), format_checks(checks)
    found = by_name(checks)
    assert found["telegram token"].message == "the bot is @dlxh_test_bot"
    assert "schema v" in found["database"].message and "(current)" in found["database"].message
    assert "within" in found["time"].message  # compared with the emulator's Date header
    assert found["holidays"].message.startswith("official calendar; ")
    assert emu.token not in format_checks(checks)
    assert await cli_doctor(settings) == 0
    assert capsys.readouterr().out.rstrip().endswith("all checks passed")


@pytest.mark.sqlite_only  # a missing database file; file backups
async def test_a_wrong_token_a_missing_database_and_an_old_backup_are_named(
    tmp_path: Path, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLXH_TELEGRAM_TOKEN", "654321:WRONG")
    settings = emulator_settings(tmp_path, emu)
    await (await Database.open(settings.database_path)).close()
    await backup(
        settings.database_path, settings.files_dir, tmp_path / "backups" / "old", now=NOW - timedelta(days=3)
    )
    settings.database_path.unlink()
    checks = by_name(await doctor(settings, timeout=2, backup_folder=tmp_path / "backups", now=NOW))
    token = checks["telegram token"]
    assert not token.ok and token.message == "Telegram refused the token (from DLXH_TELEGRAM_TOKEN)"
    assert "@BotFather" in token.fix and "WRONG" not in token.message + token.fix
    db = checks["database"]
    assert not db.ok and db.message.startswith("no database at") and "dlxh migrate" in db.fix
    assert not checks["backups"].ok and "72 hours old" in checks["backups"].message

    monkeypatch.delenv("DLXH_TELEGRAM_TOKEN")
    missing = by_name(await doctor(settings, timeout=2))["telegram token"]
    assert not missing.ok and missing.message == "no token: DLXH_TELEGRAM_TOKEN is empty"
    assert missing.fix.startswith("export DLXH_TELEGRAM_TOKEN=<token>")
    assert await cli_doctor(settings) == 1


async def test_unreachable_server_newer_database_and_unwritable_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLXH_TELEGRAM_TOKEN", "123456:TOKEN")
    settings = make_settings(tmp_path, telegram={"base_url": "http://127.0.0.1:9/bot"})
    db = await Database.open(settings.database_target)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'x', 'x')"
        )
    await db.close()
    settings.files_dir.parent.mkdir(parents=True, exist_ok=True)
    settings.files_dir.write_text("not a folder")
    checks = by_name(await doctor(settings, timeout=1))
    assert not checks["telegram token"].ok and checks["telegram token"].message.startswith(
        "cannot reach http://127.0.0.1:9"
    )
    assert not checks["database"].ok and "newer than this dlxh" in checks["database"].message
    assert not checks["file store"].ok and "not writable" in checks["file store"].message
    assert checks["time"].ok and checks["time"].message.endswith("not compared with a server")


async def test_a_skewed_clock_and_a_zalo_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with ZaloEmulator() as zemu:
        monkeypatch.setenv("DLXH_ZALO_TOKEN", zemu.token)
        settings = make_settings(
            tmp_path, telegram={"enabled": False}, zalo={"enabled": True, "base_url": zemu.base_url}
        )
        await (await Database.open(settings.database_target)).close()
        checks = by_name(await doctor(settings, timeout=2))
        assert checks["zalo token"].ok and checks["zalo token"].message == "the bot is bot.dlxhtest"
        skewed = by_name(await doctor(settings, timeout=2, now=datetime(2020, 1, 1, tzinfo=UTC)))["time"]
        assert not skewed.ok and "cannot be right" in skewed.message and "set-ntp" in skewed.fix
        monkeypatch.setenv("DLXH_ZALO_TOKEN", "1:WRONG")
        wrong = by_name(await doctor(settings, timeout=2))["zalo token"]
        assert not wrong.ok and wrong.message == "Zalo refused the token"


def test_a_broken_config_is_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[telegram]\npoll_timout = 5\n", encoding="utf-8")
    assert doctor_main(str(config)) == 1
    out = capsys.readouterr().out
    assert (
        f"✘ config: {config}, line 2: unknown key telegram.poll_timout; did you mean telegram.poll_timeout?\n"
        in out
    )
    assert "    fix: correct the key named above" in out and "1 problem(s) found" in out


async def test_a_pinned_test_clock_is_named(
    tmp_path: Path, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLXH_TELEGRAM_TOKEN", emu.token)
    monkeypatch.setenv(TEST_START_VARIABLE, NOW.isoformat())
    checks = by_name(await doctor(emulator_settings(tmp_path, emu), timeout=2))
    assert not checks["clock"].ok
    assert (
        checks["clock"].message
        == f"{TEST_START_VARIABLE} is set: dlxh would run on a test clock, not the real time"
    )
    monkeypatch.delenv(TEST_START_VARIABLE)
    assert "clock" not in by_name(await doctor(emulator_settings(tmp_path, emu), timeout=2))


async def test_the_holidays_of_this_and_next_year_are_listed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, telegram={"enabled": False}, calendar={"holidays": ["2026-12-31"]})
    checks = by_name(await doctor(settings, timeout=1, now=NOW))
    message = checks["holidays"].message
    assert message.startswith(
        "official calendar; 2026: 01/01, 16/02, 17/02, 18/02, 19/02, 20/02, 26/04, 27/04"
    )
    assert "31/08, 01/09, 02/09, 24/11, 31/12; 2027: 01/01, 04/02, 05/02" in message


async def test_quick_doctor_sees_the_running_bot_and_its_channels(
    tmp_path: Path, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DLXH_TELEGRAM_TOKEN", emu.token)
    settings = emulator_settings(tmp_path, emu)
    await (await Database.open(settings.database_target)).close()
    assert await cli_doctor(settings, quick=True) == 1
    assert "no dlxh run is running on this database" in capsys.readouterr().out
    async with running(tmp_path, emu) as app:
        await emu.wait_calls("getUpdates", 1, timeout=10)
        assert app.status.state_of("telegram") == "running"
        assert await cli_doctor(settings, quick=True) == 0
        out = capsys.readouterr().out
        assert "telegram running (@dlxh_test_bot)" in out and emu.token not in out
        app.status.set("telegram", "waiting", "ConnectError: [Errno 111] Connection refused")
        assert await cli_doctor(settings, quick=True) == 1
        assert "telegram waiting (ConnectError" in capsys.readouterr().out


@pytest.mark.sqlite_only  # the check reads the SQLite file (on PostgreSQL, /group status says it)
async def test_a_leaders_group_where_the_bot_is_no_administrator_is_named(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    db = await Database.open(settings.database_target)
    try:
        await seed_units(db, PINNED)
        async with db.transaction() as tx:
            unit = await un.get_unit_by_code(tx, "X01")
            assert unit is not None
            for chat, admin, forum in (("-1001", False, True), ("-1002", True, False)):
                await gs.create_group_link(
                    tx, "telegram", chat, unit.id, PINNED, title="", is_forum=forum, bot_admin=admin,
                    unseen=0, bot_username="b", language="vi", linked_by=None,  # type: ignore[arg-type]
                )  # fmt: skip
    finally:
        await db.close()
    found = by_name(await doctor(settings, timeout=1))["leaders' groups"]
    assert not found.ok and found.message.endswith("the bot is no administrator in: 1")
    assert "Topics off): 2" in found.message and "administrator" in found.fix
