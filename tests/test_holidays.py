"""Holidays that hold in real use: with none configured, Vietnam's official calendar still moves deadlines."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.config import parse_settings
from bot.runtime import Services
from storage import issues as iss
from tests.conftest import VN
from tests.harness import Harness
from tests.seed import seed_units
from tests.test_report import file_by_taps, member


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    clock.set(datetime(2027, 1, 29, 9, 30, tzinfo=VN))  # the Friday a week before Tết Đinh Mùi
    await seed_units(services.db, clock.now())
    return Harness(services)


def test_the_default_config_uses_the_official_calendar() -> None:
    calendar = parse_settings({}).calendar
    assert calendar.official_holidays and not calendar.holidays and not calendar.not_holidays
    assert not parse_settings({"calendar": {"official_holidays": False}}).calendar.official_holidays


async def test_a_report_filed_the_friday_before_tet_is_due_after_the_holiday(
    world: Harness, services: Services
) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await file_by_taps(lan)
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.handle_due_at is not None
    # 5 working days: Mon 1, Tue 2, Wed 3 Feb, then (04–10/02 off) Thu 11 and Fri 12 Feb
    assert issue.handle_due_at.astimezone(VN) == datetime(2027, 2, 12, 17, 0, tzinfo=VN)
