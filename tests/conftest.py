"""Shared fixtures: a fresh migrated database in tmp_path, settings pointing at it, a clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.clock import ManualClock
from bot.core.config import Settings, parse_settings
from bot.core.files import FileStore
from bot.core.workcal import WorkCalendar
from bot.emulator import TelegramEmulator
from bot.runtime import Services
from storage.db import Database

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    raw: dict[str, object] = {
        "general": {"data_dir": str(tmp_path / "data")},
        "outbox": {"global_rate": 1000, "global_burst": 1000, "chat_rate": 1000, "chat_burst": 1000},
    }
    raw.update(overrides)
    return parse_settings(raw, base_dir=tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    # a Tuesday, mid-morning, Hanoi time
    return ManualClock(datetime(2026, 12, 1, 9, 30, tzinfo=VN))


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(settings.database_path)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def services(db: Database, settings: Settings, clock: ManualClock) -> Services:
    return Services(
        db=db,
        settings=settings,
        clock=clock,
        calendar=WorkCalendar(settings.calendar),
        files=FileStore(settings.files_dir),
        bot_usernames={"telegram": "dlxh_test_bot"},
    )


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    """A Telegram Bot API emulator on a free loopback port."""
    async with TelegramEmulator() as e:
        yield e
