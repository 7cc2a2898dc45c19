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

# Where a test runs the whole app (its jobs catch up at start), unless it names another instant: a Tuesday
# mid-morning in Hanoi — working hours, outside quiet hours (21:00–07:00), no holiday, and outside any round's
# window (the 1st–20th of a quarter's last month). Tests about the hour (a night, a Sunday, Tết, a round's opening)
# set their own instant and say so. No test reads the wall clock for anything the app decides with.
PINNED = datetime(2026, 11, 10, 10, 0, tzinfo=VN)

# The ``clock`` fixture's instant for handler and job tests, which run a job only when they call it: a Tuesday
# mid-morning in working hours (tests that need another instant, as the round tests do, set it).
TUESDAY_MORNING = datetime(2026, 12, 1, 9, 30, tzinfo=VN)


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
    return ManualClock(TUESDAY_MORNING)


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
