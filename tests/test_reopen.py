"""A reopened issue gets a fresh deadline: it is not overdue at once, and escalation starts over."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.tables import Row
from bot.runtime import Services
from handlers.admin import import_units
from handlers.filing import deadlines
from scheduler.followups import check_resolutions, follow_up_deadlines
from storage import issues as iss
from tests.harness import Harness
from tests.test_followups import TREE, person
from tests.test_report import file_by_taps


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    rows = [Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True))) for i, u in enumerate(TREE)]
    async with services.db.transaction() as tx:
        await import_units(tx, rows, clock.now())
    return Harness(services)


async def test_a_reporter_saying_not_yet_reopens_with_a_fresh_deadline_and_no_escalation(
    world: Harness,
    services: Services,
    clock: ManualClock,
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    hung = await person(world, "201", "Hùng", "X11", "leader")
    await person(world, "301", "Minh", "H01", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")
    await hung.say("/resolve 1 Đã thay dây")
    await hung.tap("Không, gửi kết quả luôn")
    clock.advance(timedelta(days=14, hours=1))  # long past the first deadline
    assert await check_resolutions(services, clock.now()) == "asked 1, reminded 0, closed 0"
    await world.collect()
    await a.tap("Chưa")
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.state == "reopened"
    ack_due, handle_due = deadlines(services.settings, services.calendar, issue.severity, clock.now())
    assert (issue.ack_due_at, issue.handle_due_at) == (ack_due, handle_due) and handle_due > clock.now()
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 0, escalated 0"
    await world.collect()
    # the fresh deadlines are followed up like a new issue's: acknowledging again, then handling
    clock.set(ack_due + timedelta(minutes=1))
    assert await follow_up_deadlines(services, clock.now()) == "ack 1, handle 0, escalated 0"
    clock.set(handle_due + timedelta(minutes=1))
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 1, escalated 0"


async def test_a_leader_reopening_gives_fresh_deadlines(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    hung = await person(world, "201", "Hùng", "X11", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")
    await hung.say("/resolve 1 Đã thay dây")
    await hung.tap("Không, gửi kết quả luôn")
    clock.advance(timedelta(days=20))
    await hung.say("/reopen 1 Người dân báo lại vẫn mất điện")
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.state == "reopened"
    assert (issue.ack_due_at, issue.handle_due_at) == deadlines(
        services.settings, services.calendar, issue.severity, clock.now()
    )
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 0, escalated 0"
