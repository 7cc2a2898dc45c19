"""Shared fixtures: a fresh migrated database in tmp_path, settings pointing at it, a clock.

With ``DLXH_TEST_DATABASE_URL`` set (a PostgreSQL server's URL, e.g. from ``python -m tests.pgcluster start``)
every test gets a fresh PostgreSQL database instead, a copy of one migrated once per session: the fixture
sets ``DLXH_DATABASE_URL`` for the test, so every Settings the test parses, and every ``dlxh`` process it
starts, uses that database. Tests that mean nothing there carry ``@pytest.mark.sqlite_only``; the run
prints how many it skipped and fails above :data:`SQLITE_ONLY_LIMIT`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
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
from tests.harness import Harness
from tests.pgcluster import fresh_database
from tests.seed import seed_units

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TEST_DATABASE_ENV = "DLXH_TEST_DATABASE_URL"
SQLITE_ONLY_LIMIT = 15
SKIPPED = pytest.StashKey[int]()


def pg_admin_url() -> str | None:
    """The PostgreSQL server the suite runs on, or None for SQLite."""
    return os.environ.get(TEST_DATABASE_ENV) or None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skipped = 0
    if pg_admin_url() is not None:
        skip = pytest.mark.skip(reason="sqlite_only: means nothing on PostgreSQL")
        for item in items:
            if item.get_closest_marker("sqlite_only") is not None:
                item.add_marker(skip)
                skipped += 1
    config.stash[SKIPPED] = skipped


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if pg_admin_url() is not None:
        skipped = config.stash.get(SKIPPED, 0)
        terminalreporter.write_line(
            f"PostgreSQL run: {skipped} sqlite_only tests skipped (at most {SQLITE_ONLY_LIMIT} allowed)"
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if pg_admin_url() is not None and session.config.stash.get(SKIPPED, 0) > SQLITE_ONLY_LIMIT:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once, that every test's database copies."""
    admin = pg_admin_url()
    assert admin is not None
    with fresh_database(admin) as url:
        asyncio.run(_migrate(url))
        yield url.rsplit("/", 1)[1]


async def _migrate(url: str) -> None:
    await (await Database.open(url)).close()


@pytest.fixture(autouse=True)
def fresh_postgres(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str | None]:
    """On a PostgreSQL run: this test's own database, named in DLXH_DATABASE_URL. Yields its URL (or None)."""
    admin = pg_admin_url()
    if admin is None:
        monkeypatch.delenv("DLXH_DATABASE_URL", raising=False)
        yield None
        return
    with fresh_database(admin, template=request.getfixturevalue("pg_template")) as url:
        monkeypatch.setenv("DLXH_DATABASE_URL", url)
        yield url


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
def empty_target(tmp_path: Path) -> Iterator[Path | str]:
    """Where an empty database can be made: a new SQLite file, or a new empty PostgreSQL database."""
    admin = pg_admin_url()
    if admin is None:
        yield tmp_path / "empty.sqlite3"
        return
    with fresh_database(admin) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(TUESDAY_MORNING)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(settings.database_target)
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


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    """The handlers over a fresh database with the small province → commune tree (``tests.seed``)."""
    await seed_units(services.db, clock.now())
    return Harness(services)
