"""Follow-ups end to end through the emulator with an injected clock: escalation two levels up, digests for
two scopes (and acting on one by reply), "Chưa" reopening an issue, a message held until 07:00, a member
who blocked the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tables import Row
from bot.core.texts import t
from bot.emulator import SimUser, TelegramEmulator
from handlers.admin import import_units
from storage import issues as iss
from storage.members import list_members
from tests import e2e
from tests.conftest import VN
from tests.e2e import running

START = datetime(2026, 12, 1, 9, 30, tzinfo=VN)  # a Tuesday morning
TREE = [("T01", "Tỉnh Bình Thuận", ""), ("H01", "Huyện Hàm Thuận Bắc", "T01"),
        ("X11", "Xã Hàm Chính", "H01"), ("X12", "Xã Hàm Hiệp", "H01")]  # fmt: skip


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu, clock=ManualClock(START)) as a:
        rows = [Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True))) for i, u in enumerate(TREE)]
        async with a.services.db.transaction() as tx:
            await import_units(tx, rows, START)
        yield a


def clock_of(app: App) -> ManualClock:
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    return clock


join = partial(e2e.join, at=START, full_name_shown=True)


async def report(user: SimUser, text: str) -> None:
    for action, label in (("text", "/report"), ("tap", "Điện sinh hoạt"), ("tap", "Bỏ qua"), ("press", "Bỏ qua"),
                          ("text", text), ("tap", "Xong"), ("tap", "Bức xúc"), ("tap", "Một vài hộ"),
                          ("tap", "Tự quan sát")):  # fmt: skip
        await (
            user.send_text(label)
            if action == "text"
            else user.tap(label)
            if action == "tap"
            else user.press(label)
        )
        await user.next_messages(2 if action == "press" else 1)
    last = user.messages[-1]
    if "Tạo vụ việc mới" in last.labels():
        await user.tap("Tạo vụ việc mới")
        await user.next_message()
    await user.tap("✔ Gửi báo cáo")
    await user.next_message()


async def test_escalation_digests_reply_and_the_check(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Lan", "X11", "member")
    hoa = await join(app, emu, 102, "Hoa", "X12", "member")
    hung = await join(app, emu, 201, "Hùng", "X11", "leader")
    minh = await join(app, emu, 301, "Minh", "H01", "leader")
    quang = await join(app, emu, 401, "Quang", "T01", "leader")
    await report(lan, "Thôn 1 mất điện")
    await report(hoa, "Xóm 2 mất điện")
    clock = clock_of(app)

    # Wednesday 07:00: each leader's digest holds their own scope only
    clock.set(datetime(2026, 12, 2, 7, 0, tzinfo=VN))
    assert await app.runner.run("digests") == "digests 3, weekly 0"
    d_hung, d_minh = await hung.next_message(), await minh.next_message()
    assert "#1 🟠 Thôn 1 mất điện" in (d_hung.text or "") and "#2" not in (d_hung.text or "")
    assert "#1 🟠 Thôn 1 mất điện" in (d_minh.text or "") and "#2 🟠 Xóm 2 mất điện" in (d_minh.text or "")
    await quang.next_message()

    # the district leader acts on #2 by replying to his digest with its number
    await minh.reply(d_minh, "2: Đề nghị Điện lực Hàm Thuận Bắc kiểm tra ngay")
    offer = await minh.next_message()
    assert offer.text == t("vi", "act.reply_offer", number=2)
    await minh.tap("Ghi chú nội bộ", offer)
    assert (await minh.next_message()).text == t("vi", "act.commented", number=2)

    # #1 is never handled: follow-up, then the district, then the province
    issue = await iss.get_issue(app.services.db.reader, 1)
    assert issue is not None
    clock.set(issue.handle_due_at + timedelta(minutes=5))
    assert await app.runner.run("deadlines") == "ack 2, handle 2, escalated 0"  # #2 was only commented on
    ack, handle = await hung.next_messages(2)
    assert (ack.text or "").startswith("⏰ Vụ việc #1 (Thôn 1 mất điện) đã quá hạn tiếp nhận")
    assert (handle.text or "").startswith("⏰ Vụ việc #1 (Thôn 1 mất điện) đã quá hạn xử lý")
    await minh.next_messages(2)  # the same for #2, owned by the commune of Hàm Hiệp which has no leader
    clock.set(app.services.calendar.add_working_hours(issue.handle_due_at, 16) + timedelta(minutes=5))
    await app.runner.run("deadlines")
    up1 = await minh.next_message()
    assert (up1.text or "").startswith("⬆ Vụ việc #1") and "Huyện Hàm Thuận Bắc" in (up1.text or "")
    assert quang.pending() == []
    clock.set(app.services.calendar.add_working_hours(issue.handle_due_at, 32) + timedelta(minutes=5))
    await app.runner.run("deadlines")
    up2 = await quang.next_message()
    assert (up2.text or "").startswith("⬆ Vụ việc #1") and "Tỉnh Bình Thuận" in (up2.text or "")

    # the commune leader resolves; two weeks on, Lan says "Chưa": it reopens and he is told
    await hung.send_text("/resolve 1 Đã đấu nối lại đường dây")
    await hung.next_message()
    await hung.tap("Không, gửi kết quả luôn")
    await hung.next_message()
    await lan.next_messages(1, timeout=10)  # the outcome (working hours: not held)
    clock.advance(timedelta(days=15))  # a Wednesday morning, two weeks after the resolution
    assert await app.runner.run("resolution_checks") == "asked 1, reminded 0, closed 0"
    ask = await lan.next_message()
    assert ask.labels() == ["Đã giải quyết", "Mới một phần", "Chưa"]
    await lan.tap("Chưa", ask)
    assert (await lan.next_message()).text == t("vi", "check.thanks_reopened", number=1)
    alert = await hung.next_message()
    assert (alert.text or "").startswith(
        t("vi", "check.reopened_alert", number=1, title="Thôn 1 mất điện", answer="Chưa")
    )
    fresh = await iss.get_issue(app.services.db.reader, 1)
    assert fresh is not None and fresh.state == "reopened"


async def test_a_message_held_overnight_goes_out_at_seven(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Lan", "X11", "member")
    hung = await join(app, emu, 201, "Hùng", "X11", "leader")
    await report(lan, "Thôn 1 mất điện")
    clock = clock_of(app)
    issue = await iss.get_issue(app.services.db.reader, 1)
    assert issue is not None
    clock.set(datetime(2026, 12, 2, 22, 0, tzinfo=VN))  # past the acknowledgement deadline, at night
    await app.runner.run("deadlines")
    await hung.send_text("/me")  # the bot still answers at once
    assert ((await hung.next_message()).text or "").startswith("Thông tin của đồng chí")
    assert hung.pending() == []
    clock.set(datetime(2026, 12, 3, 7, 0, tzinfo=VN))
    held = await hung.next_message()
    assert (held.text or "").startswith("⏰ Vụ việc #1 (Thôn 1 mất điện) đã quá hạn tiếp nhận")


async def test_a_member_who_blocked_the_bot_is_marked_unreachable(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Lan", "X11", "member")
    hung = await join(app, emu, 201, "Hùng", "X11", "leader")
    await report(lan, "Thôn 1 mất điện")
    lan.blocked = True
    await hung.send_text("/resolve 1 Đã xong")
    await hung.next_message()
    await hung.tap("Không, gửi kết quả luôn")
    assert (await hung.next_message()).text == t("vi", "act.resolved", number=1, count=1)
    await emu.wait_calls("sendMessage", 1)  # the refused send
    for _ in range(50):
        unreachable = await list_members(app.services.db.reader, unreachable_only=True)
        if unreachable:
            break
        await app.worker.run_once()
    assert [m.name for m in unreachable] == ["Lan"]
