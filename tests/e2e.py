"""Running the real application against the emulator, as ``dlxh run`` does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import App, build_app
from bot.clock import Clock
from bot.emulator import TelegramEmulator
from tests.conftest import make_settings


def emulator_settings(tmp_path: Path, emu: TelegramEmulator, **overrides: Any) -> Any:
    tg = {"base_url": emu.base_url, "base_file_url": emu.base_file_url, "poll_timeout": 1}
    return make_settings(tmp_path, telegram=tg, **overrides)


@asynccontextmanager
async def running(
    tmp_path: Path, emu: TelegramEmulator, *, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[App]:
    app = build_app(emulator_settings(tmp_path, emu, **overrides), telegram_token=emu.token, clock=clock)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()
