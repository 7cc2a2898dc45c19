"""The operator's side of issue 12 once wired: config keys, the scheduled jobs, and the commands
``dlxh backup / restore / privacy purge / doctor / run --webhook``.

Each test is skipped until the wiring it needs (bot/config.py, bot/app.py, bot/cli.py) is in place.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import bot.cli
import bot.core.config
from bot.core.clock import TickingClock
from bot.core.config import ConfigError, parse_settings
from bot.emulator import TelegramEmulator
from storage.db import Database
from tests.conftest import PINNED, make_settings
from tests.e2e import ROOT, process_env

WIRED_CONFIG = hasattr(bot.core.config, "BackupSettings")
WIRED_CLI = WIRED_CONFIG and "backup" in getattr(bot.cli, "COMMANDS", {})
needs_config = pytest.mark.skipif(
    not WIRED_CONFIG, reason="the [backups]/[privacy]/[webhook] config is not wired yet"
)
needs_cli = pytest.mark.skipif(
    not WIRED_CLI, reason="the backup/restore/privacy/doctor commands are not wired yet"
)


@needs_config
def test_the_new_config_keys_and_their_errors(tmp_path: Path) -> None:
    s = parse_settings({}, base_dir=tmp_path)
    assert (s.backups.folder, s.backups.keep, s.backups.hour) == (None, 7, 2)  # type: ignore[attr-defined]
    assert (s.privacy.retention_months, s.privacy.purge) == (24, True)  # type: ignore[attr-defined]
    assert not s.webhook.enabled and s.webhook.listen_port == 8443  # type: ignore[attr-defined]
    s = parse_settings(
        {"backups": {"folder": "bk", "keep": 3}, "webhook": {"enabled": True, "public_url": "https://b.vn"}},
        base_dir=tmp_path,
    )
    assert s.backups.folder == tmp_path / "bk" and s.backups.keep == 3  # type: ignore[attr-defined]
    for raw, message in (
        ({"backups": {"hour": 24}}, "backups.hour = 24"),
        ({"backups": {"kept": 3}}, "unknown key backups.kept"),
        ({"privacy": {"retention_months": 0}}, "privacy.retention_months = 0"),
        ({"webhook": {"enabled": True}}, "webhook.public_url"),
        ({"webhook": {"public_url": "http://b.vn"}}, "expected an https:// URL"),
        ({"webhook": {"zalo_path": "/telegram"}}, "webhook.zalo_path"),
    ):
        with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("/", "/")):
            parse_settings(raw, base_dir=tmp_path)


@needs_config
def test_the_app_registers_the_backup_and_privacy_jobs(tmp_path: Path) -> None:
    from bot.app import build_app

    app = build_app(
        make_settings(tmp_path, privacy={"retention_months": 12}),
        clock=TickingClock(PINNED),
        lock=False,
        run_jobs=False,
    )
    assert {"backup", "privacy"} <= set(app.runner.jobs)
    assert "12 months" in app.runner.jobs["privacy"].description
    off = build_app(
        make_settings(tmp_path, privacy={"purge": False}),
        clock=TickingClock(PINNED),
        lock=False,
        run_jobs=False,
    )
    assert "privacy" not in off.runner.jobs


def dlxh(config: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=ROOT, env=env or dict(os.environ), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.sqlite_only  # a file backup and restore; PostgreSQL: test_pg_backup_calls_pg_dump
@needs_cli
def test_backup_restore_and_purge_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[general]\ndata_dir = 'data'\n[telegram]\nenabled = false\n[zalo]\nenabled = true\n")
    asyncio.run(_make_db(tmp_path / "data" / "dlxh.sqlite3"))
    done = dlxh(config, "backup", str(tmp_path / "b1"))
    assert done.returncode == 0 and done.stdout.startswith(f"backup {tmp_path / 'b1'}: database")
    again = dlxh(config, "restore", str(tmp_path / "b1"), str(tmp_path / "data"))
    assert (
        again.returncode == 1
        and "exists and is not empty" in again.stderr
        and "nothing was changed" in again.stderr
    )
    ok = dlxh(config, "restore", str(tmp_path / "b1"), str(tmp_path / "restored"))
    assert ok.returncode == 0 and (tmp_path / "restored" / "dlxh.sqlite3").is_file()
    dry = dlxh(config, "privacy", "purge", "--dry-run")
    assert (
        dry.returncode == 0
        and dry.stdout.startswith("privacy (24 month(s), before")
        and "would clear" in dry.stdout
    )
    bad = dlxh(config, "privacy", "purge", "--months", "0")
    assert bad.returncode == 1 and "at least one month" in bad.stderr


async def _make_db(path: Path) -> None:
    await (await Database.open(path)).close()


@needs_cli
def test_doctor_reports_a_broken_config_with_exit_code_1(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[general]\ntimezone = 'Mars/Base'\n")
    done = dlxh(config, "doctor")
    assert (
        done.returncode == 1 and f"✘ config: {config}, line 2: general.timezone = 'Mars/Base'" in done.stdout
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@needs_cli
async def test_run_webhook_serves_telegram_through_the_configured_port(tmp_path: Path) -> None:
    async with TelegramEmulator() as emu:
        port = _free_port()
        config = tmp_path / "config.toml"
        config.write_text(
            f"[general]\ndata_dir = '{tmp_path / 'data'}'\n"
            f"[telegram]\nbase_url = '{emu.base_url}'\nbase_file_url = '{emu.base_file_url}'\npoll_timeout = 1\n"
            f"[webhook]\npublic_url = 'https://bot.example.vn'\nlisten_port = {port}\n",
            encoding="utf-8",
        )
        secret = "w" * 32
        env = process_env(DLXH_TELEGRAM_TOKEN=emu.token, DLXH_WEBHOOK_SECRET=secret)
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run", "--webhook",
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await emu.wait_calls(
                "setWebhook", 1, timeout=30
            )  # the server listens before the channel registers
            assert emu.webhook_url == "https://bot.example.vn/telegram"
            stranger = emu.user(777, "Ai")
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1, "date": int(PINNED.timestamp()), "text": "xin chào",
                    "chat": {"id": 777, "type": "private", "first_name": "Ai"},
                    "from": {"id": 777, "is_bot": False, "first_name": "Ai"},
                },
            }  # fmt: skip
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient() as http:
                assert (await http.post(url, json=update)).status_code == 403
                answer = await http.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
                assert answer.status_code == 200
            assert (await stranger.next_message(timeout=10)).text.startswith("Xin chào.")
            assert emu.calls["getUpdates"] == 0
        finally:
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(proc.wait(), 15) == 0
