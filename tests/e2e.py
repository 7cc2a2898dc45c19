"""Running the real application against the emulator, as ``dlxh run`` does."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import App, build_app
from bot.core.clock import TEST_START_VARIABLE, Clock, TickingClock
from bot.emulator import SimUser, TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from tests.conftest import PINNED, make_settings
from tests.seed import invite_code, seed_units

ROOT = Path(__file__).resolve().parent.parent


def emulator_settings(tmp_path: Path, emu: TelegramEmulator, **overrides: Any) -> Any:
    tg = {"base_url": emu.base_url, "base_file_url": emu.base_file_url, "poll_timeout": 1}
    return make_settings(tmp_path, telegram=tg, **overrides)


async def join(
    app: App,
    emu: TelegramEmulator,
    user_id: int,
    name: str,
    unit: str = "X01",
    role: str = "member",
    *,
    at: datetime,
    full_name_shown: bool = False,
) -> SimUser:
    """``name`` joins ``unit`` as ``role`` with an invite code made ``at`` that instant, and is welcomed (the
    welcome is checked and read). On Telegram they show as their name's last word (or the whole name).

    A test file binds its instant once: ``join = partial(e2e.join, at=START)``."""
    code = await invite_code(app.services.db, app.settings, at, unit, role, name)
    user = emu.user(user_id, name if full_name_shown else name.split()[-1])
    await user.send_text(f"/start {code}")
    welcome = await user.next_message()
    assert (welcome.text or "").startswith(f"Chào mừng đồng chí {name}!"), welcome.text
    return user


async def join_either(
    app: App, emu: Any, user_id: int | str, name: str, unit: str, role: str = "member", *, at: datetime
) -> Any:
    """``name`` joins ``unit`` as ``role`` on either emulator (``/start CODE`` on Telegram, the bare code on Zalo)
    with an invite made ``at`` that instant; the welcome is read."""
    code = await invite_code(app.services.db, app.settings, at, unit, role, name)
    user = emu.user(user_id, name)
    await user.send_text(f"/start {code}" if isinstance(emu, TelegramEmulator) else code)
    await user.next_message(timeout=10)
    return user


@asynccontextmanager
async def running_both(
    tmp_path: Path, tg: TelegramEmulator, zl: ZaloEmulator, *, clock: Clock, seeded_at: datetime
) -> AsyncIterator[App]:
    """The app in this process on both emulators (Telegram and Zalo), on ``clock``, the small unit tree seeded."""
    zalo = {"enabled": True, "base_url": zl.base_url, "poll_timeout": 1}
    settings = emulator_settings(tmp_path, tg, zalo=zalo)
    app = build_app(settings, clock=clock, telegram_token=tg.token, zalo_token=zl.token)
    await app.start()
    try:
        await seed_units(app.services.db, seeded_at)
        yield app
    finally:
        await app.stop()


def process_env(start: datetime = PINNED, **variables: str) -> dict[str, str]:
    """The environment of a ``dlxh`` child process: ours, its clock pinned to start at ``start``, ``variables``."""
    return {**os.environ, TEST_START_VARIABLE: start.isoformat(), **variables}


@asynccontextmanager
async def running(
    tmp_path: Path, emu: TelegramEmulator, *, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[App]:
    """The app in this process; on ``clock``, or by default a clock that starts at ``PINNED`` and ticks."""
    app = build_app(
        emulator_settings(tmp_path, emu, **overrides),
        telegram_token=emu.token,
        clock=clock or TickingClock(PINNED),
    )
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


class BotProcess:
    """``dlxh run`` in a child process against the emulator, to kill it like a power cut would.

    Its clock starts at ``start`` (``PINNED`` by default) and ticks, through the test-only start variable."""

    def __init__(self, tmp_path: Path, emu: TelegramEmulator, *, start: datetime = PINNED) -> None:
        self.settings = emulator_settings(tmp_path, emu)
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f"[general]\ndata_dir = '{self.settings.data_dir}'\n"
            f"[telegram]\nbase_url = '{emu.base_url}'\nbase_file_url = '{emu.base_file_url}'\npoll_timeout = 1\n"
            "[outbox]\nchat_rate = 100.0\nchat_burst = 100\n",
            encoding="utf-8",
        )
        self.env = process_env(start, DLXH_TELEGRAM_TOKEN=emu.token)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(self.proc.wait, 10)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(self.proc.wait, 15)
