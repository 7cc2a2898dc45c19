"""Follow-ups on a schedule, one pass at a time with an injected clock: digests, deadlines and escalation,
the "really resolved?" check, catch-up after downtime."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.messages import Outgoing
from bot.core.tables import Row
from bot.core.texts import t
from bot.runtime import Services
from handlers.admin import import_units
from scheduler.followups import check_resolutions, follow_up_deadlines, send_digests
from storage import issues as iss
from storage.outbox import list_outbox_after, mark_chat_unreachable
from tests.conftest import VN
from tests.harness import Harness, labels, person, texts
from tests.seed import invite_code
from tests.test_report import file_by_taps

TREE = [
    ("T01", "Tỉnh Bình Thuận", ""),
    ("H01", "Huyện Hàm Thuận Bắc", "T01"),
    ("X11", "Xã Hàm Chính", "H01"),
    ("X12", "Xã Hàm Hiệp", "H01"),
]


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    rows = [Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True))) for i, u in enumerate(TREE)]
    async with services.db.transaction() as tx:
        await import_units(tx, rows, clock.now())
    return Harness(services)


def to(msgs: list[Outgoing], chat: str) -> list[Outgoing]:
    return [m for m in msgs if m.chat_id == chat and not m.clear_choices_of and m.commands is None]


async def test_digest_lists_the_right_issues_for_each_scope(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    b = await person(world, "102", "Hoa", "X12", "member")
    await person(world, "201", "Hùng", "X11", "leader")
    await person(world, "301", "Minh", "H01", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")
    await file_by_taps(b, "Xóm 2 thiếu nước tưới")
    await world.collect()
    clock.set(datetime(2026, 12, 2, 7, 0, tzinfo=VN))  # Wednesday 07:00
    assert await send_digests(services, clock.now()) == "digests 2, weekly 0"
    out = await world.collect()
    [hung] = to(out, "201")
    assert hung.text.startswith("Tổng hợp hằng ngày 02/12/2026 — Xã Hàm Chính")
    assert "#1 🟠 Thôn 1 mất điện — Mới tiếp nhận /issue_1" in hung.text and "#2" not in hung.text
    assert hung.issue_ids == [1]
    [minh] = to(out, "301")
    assert "#1 🟠 Thôn 1 mất điện" in minh.text and "#2 🟠 Xóm 2 thiếu nước tưới" in minh.text
    assert minh.issue_ids == [1, 2]
    assert to(out, "101") == []  # members get no digest
    # once a day, however often the job runs
    assert await send_digests(services, clock.now() + timedelta(hours=2)) == "digests 0, weekly 0"
    # nothing new, nothing overdue, nothing waiting: no message
    async with services.db.transaction() as tx:
        await iss.update_issue(tx, 1, clock.now(), state="closed")
        await iss.update_issue(tx, 2, clock.now(), state="closed")
    clock.set(datetime(2026, 12, 3, 7, 0, tzinfo=VN))
    assert await send_digests(services, clock.now()) == "digests 0, weekly 0"


async def test_a_missed_digest_goes_out_once_at_start_and_weekly_on_monday(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    await person(world, "201", "Hùng", "X11", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")
    await world.collect()
    clock.set(datetime(2026, 12, 7, 9, 45, tzinfo=VN))  # Monday: the bot was down over the weekend
    assert await send_digests(services, clock.now()) == "digests 1, weekly 1"
    assert await send_digests(services, clock.now()) == "digests 0, weekly 0"
    out = to(await world.collect(), "201")
    assert len(out) == 2
    assert out[1].text.splitlines()[0] == "Tổng hợp tuần 30/11 – 06/12/2026 — Xã Hàm Chính"
    assert "• Điện sinh hoạt: 1" in out[1].text and "• Xã Hàm Chính: 1" in out[1].text
    # a Saturday is no digest day
    clock.set(datetime(2026, 12, 12, 8, 0, tzinfo=VN))
    assert await send_digests(services, clock.now()) == "not digest time"


async def test_overdue_follow_up_then_escalation_one_level_then_another(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    await person(world, "201", "Hùng", "X11", "leader")
    await person(world, "301", "Minh", "H01", "leader")
    await person(world, "401", "Quang", "T01", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")  # pressing: handle within 5 working days
    await world.collect()
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None
    clock.set(issue.ack_due_at + timedelta(minutes=1))
    assert await follow_up_deadlines(services, clock.now()) == "ack 1, handle 0, escalated 0"
    assert texts(to(await world.collect(), "201"))[0].startswith("⏰ Vụ việc #1")
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 0, escalated 0"
    clock.set(issue.handle_due_at + timedelta(minutes=1))
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 1, escalated 0"
    await world.collect()
    # 16 working hours later: the district's leaders
    clock.set(services.calendar.add_working_hours(issue.handle_due_at, 16) + timedelta(minutes=1))
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 0, escalated 1"
    out = await world.collect()
    [minh] = to(out, "301")
    assert minh.text.startswith("⬆ Vụ việc #1 (Thôn 1 mất điện) quá hạn xử lý từ")
    assert "Huyện Hàm Thuận Bắc" in minh.text.split("\n\n")[0] and minh.issue_id == 1
    assert to(out, "401") == []
    # the clock jumps five days (a weekend counts no working hours): one more level, not several at once
    clock.advance(timedelta(days=5))
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 0, escalated 1"
    assert [m.chat_id for m in to(await world.collect(), "401")] == ["401"]
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 0, escalated 0"  # the top
    kinds = [e.kind for e in await iss.list_thread(services.db.reader, 1)]
    assert kinds.count("escalated") == 2
    # the escalated issue is in the district leader's next digest
    clock.set(datetime(2026, 12, 16, 7, 0, tzinfo=VN))
    await send_digests(services, clock.now())
    [digest] = to(await world.collect(), "301")
    assert t("vi", "digest.overdue", count=1) in digest.text


async def test_really_resolved_check_not_yet_reopens_and_alerts(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    hung = await person(world, "201", "Hùng", "X11", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")
    await hung.say("/resolve 1 Đã thay dây")
    await hung.tap("Không, gửi kết quả luôn")
    await world.collect()
    clock.advance(timedelta(days=13))
    assert await check_resolutions(services, clock.now()) == "asked 0, reminded 0, closed 0"
    clock.advance(timedelta(days=1, hours=1))
    assert await check_resolutions(services, clock.now()) == "asked 1, reminded 0, closed 0"
    [ask] = to(await world.collect(), "101")
    assert labels(ask) == ["Đã giải quyết", "Mới một phần", "Chưa"]
    out = await a.tap("Chưa")
    assert texts(to(out, "101")) == [t("vi", "check.thanks_reopened", number=1)]
    [alert] = to(out, "201")
    assert alert.text.startswith(
        t("vi", "check.reopened_alert", number=1, title="Thôn 1 mất điện", answer="Chưa")
    )
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.state == "reopened"
    assert texts(await a.tap_data("a:chk:1:resolved")) == [
        t("vi", "check.not_open", number=1)
    ]  # a double tap


async def test_resolved_answer_closes_and_silence_closes_at_the_end(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    hung = await person(world, "201", "Hùng", "X11", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")
    await file_by_taps(a, "Đường liên xã sạt lở")
    for n in (1, 2):
        await hung.say(f"/resolve {n} Xong")
        await hung.tap("Không, gửi kết quả luôn")
    clock.advance(timedelta(days=14, hours=1))
    await check_resolutions(services, clock.now())
    await world.collect()
    assert texts(await a.tap_data("a:chk:1:resolved")) == [t("vi", "check.thanks_closed", number=1)]
    clock.advance(timedelta(days=7))
    assert await check_resolutions(services, clock.now()) == "asked 0, reminded 1, closed 0"
    assert texts(to(await world.collect(), "101"))[0].startswith("Nhắc lại: vụ việc #2")
    clock.advance(timedelta(days=7))
    assert await check_resolutions(services, clock.now()) == "asked 0, reminded 0, closed 1"
    states = [(await iss.get_issue(services.db.reader, n)).state for n in (1, 2)]  # type: ignore[union-attr]
    assert states == ["closed", "closed"]
    assert to(await world.collect(), "101") == []  # closing is silent


async def test_followups_in_quiet_hours_are_held_until_morning(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    a = await person(world, "101", "Lan", "X11", "member")
    await person(world, "201", "Hùng", "X11", "leader")
    await file_by_taps(a, "Thôn 1 mất điện")
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None
    clock.set(datetime(2026, 12, 2, 22, 30, tzinfo=VN))
    await follow_up_deadlines(services, clock.now())
    rows = [r for r in await list_outbox_after(services.db.reader, 0) if r.chat_id == "201"]
    assert rows[-1].hold_until == datetime(2026, 12, 3, 7, 0, tzinfo=VN)


async def test_unreachable_members_for_admins(world: Harness, services: Services, clock: ManualClock) -> None:
    admin = await person(world, "1", "Quản trị", "T01", "admin")
    await person(world, "101", "Lan", "X11", "member")
    await invite_code(services.db, services.settings, clock.now(), "X12", "member", "Chưa vào")
    async with services.db.transaction() as tx:
        from storage import members as mem

        await mem.create_member(tx, "Bình", "member", 3, clock.now())
        await mark_chat_unreachable(
            tx, "telegram", "101", clock.now(), "Forbidden: bot was blocked by the user"
        )
    [listing] = await admin.say("/unreachable")
    assert listing.text.splitlines() == [
        "Thành viên không liên lạc được (2):",
        "• Bình — Xã Hàm Chính (chưa tham gia)",
        "• Lan — Xã Hàm Chính (đã chặn bot)",
    ]
