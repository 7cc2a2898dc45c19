"""Announcements end to end, over HTTP against both emulators, on a manual clock: a province leader's
announcement to the members of 3 units; delivered and read counts by unit after some taps "Đã đọc" (a tap on
Telegram, a number on Zalo; one member has blocked the bot); a reminder that reaches only those who have not
read it, held through the night; forged taps refused; one unit's announcement with a photo, at a set time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from storage import outbox as ob
from storage.audit import list_audit
from tests import e2e
from tests.conftest import PINNED, VN

NOW = PINNED  # Tuesday 10 November 2026, 10:00 in Hanoi
TEXT = "Đề nghị các đồng chí nắm tình hình dư luận về giá điện, báo cáo trước thứ Sáu."


@pytest.fixture
async def emus() -> AsyncIterator[tuple[TelegramEmulator, ZaloEmulator]]:
    async with TelegramEmulator() as tg, ZaloEmulator() as zl:
        yield tg, zl


@pytest.fixture
async def app(tmp_path: Path, emus: tuple[TelegramEmulator, ZaloEmulator]) -> AsyncIterator[App]:
    async with e2e.running_both(tmp_path, *emus, clock=ManualClock(NOW), seeded_at=NOW) as application:
        yield application


join = partial(e2e.join_either, at=NOW)


async def announce(
    leader: Any, audience: str, *, text: str = TEXT, unit: str = "", when: str = "Gửi ngay"
) -> str:
    await leader.send_text("/announce")
    await leader.next_message()
    await leader.tap(audience)
    await leader.next_message()
    if unit:
        await leader.tap(unit)
        await leader.next_message()
    await leader.send_text(text)
    await leader.next_message()
    if when == "Gửi ngay":
        await leader.tap(when)
    else:
        await leader.send_text(when)
    preview = (await leader.next_message()).text or ""
    await leader.tap("Gửi thông báo")
    return preview + "\n---\n" + ((await leader.next_message()).text or "")


async def test_counts_by_unit_and_a_reminder_only_to_those_who_have_not_read(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    tg, zl = emus
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    minh = await join(app, tg, 301, "Minh", "T01", "leader")
    lan = await join(app, tg, 302, "Lan", "X02", "leader")
    province = await join(app, tg, 100, "Tỉnh 1", "T01")
    x01 = [await join(app, tg, 110 + i, f"Hàm Thắng {i}", "X01") for i in range(2)]
    zalo = await join(app, zl, "z-1", "Tư", "X02")
    blocked = await join(app, tg, 120, "Hàm Liêm", "X02")
    blocked.blocked = True

    done = await announce(minh, "Tất cả thành viên")
    assert "(5 người)" in done and done.endswith(t("vi", "ann.queued", id=1))
    message = t("vi", "ann.message", unit="Tỉnh Bình Thuận", text=TEXT)
    got = [await m.next_message() for m in [province, *x01]]
    assert all(m.text == message and m.labels() == ["✔ Đã đọc"] for m in got)
    zalo_msg = await zalo.next_message(timeout=10)
    assert zalo_msg.body() == message
    assert await app.runner.run("announcements") == "queued 0, completed 1"

    await province.tap("✔ Đã đọc")
    assert (await province.next_message()).text == t("vi", "ann.read_thanks")
    await x01[0].tap("✔ Đã đọc")
    await x01[0].next_message()
    await zalo.send_text(zalo_msg.number_of("✔ Đã đọc"))
    assert (await zalo.next_message(timeout=10)).body() == t("vi", "ann.read_thanks")
    await province.tap_data(got[0].message_id, "a:ann:1:r")  # twice: counted once
    assert (await province.next_message()).text == t("vi", "ann.already_read")

    # forged: a member asks for the reminder, a leader of another unit too, a leader "reads" what never went to him
    for who, data in ((x01[1], "a:ann:1:m"), (lan, "a:ann:1:m"), (minh, "a:ann:1:r"), (x01[1], "a:ann:9:r")):
        await who.tap_data((who.last()).message_id, data)
        assert (await who.next_message()).text == t("vi", "error.bad_button")

    await minh.send_text("/announce 1")
    counts = await minh.next_message()
    lines = (counts.text or "").splitlines()
    assert lines[1] == "Gửi đến 5 người: đã nhận 4, đã đọc 3."
    assert lines[2:] == [
        "• Tỉnh Bình Thuận: đã nhận 1/1, đã đọc 1",
        "• Xã Hàm Liêm: đã nhận 1/2, đã đọc 1",
        "• Xã Hàm Thắng: đã nhận 2/2, đã đọc 1",
    ]
    assert counts.labels() == ["Nhắc người chưa đọc (2)"]
    await lan.send_text("/announce 1")
    assert (await lan.next_message()).text == t("vi", "ann.not_found", id="1")

    clock.set(datetime(2026, 11, 10, 22, 30, tzinfo=VN))  # quiet hours: the reminders wait for the morning
    await minh.tap("Nhắc người chưa đọc (2)")
    assert (await minh.next_message()).text == t("vi", "ann.reminded", count=2)
    async with app.services.db.transaction() as tx:
        held = [r for r in await ob.list_outbox_after(tx, 0) if r.status == ob.PENDING and r.chat_id != "301"]
    assert sorted(r.chat_id for r in held) == [
        "111",
        "120",
    ]  # the two who have not read it (one blocked the bot)
    assert all(r.hold_until == datetime(2026, 11, 11, 7, 0, tzinfo=VN) for r in held)
    with pytest.raises(TimeoutError):
        await x01[1].next_message(timeout=1)
    clock.set(datetime(2026, 11, 11, 7, 0, tzinfo=VN))
    reminder = await x01[1].next_message(timeout=10)
    assert reminder.text == t("vi", "ann.reminder", unit="Tỉnh Bình Thuận", text=TEXT)
    assert province.pending() == [] and x01[0].pending() == [] and zalo.pending() == []
    actions = [e.action for e in await list_audit(app.services.db.reader)]
    assert {"announce.create", "announce.sent", "announce.remind"} <= set(actions)


async def test_one_units_announcement_with_a_photo_at_a_set_time(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    tg, zl = emus
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    minh = await join(app, tg, 301, "Minh", "T01", "leader")
    elsewhere = await join(app, tg, 110, "Hàm Thắng", "X01")
    member = await join(app, tg, 120, "Hàm Liêm", "X02")
    zalo = await join(app, zl, "z-1", "Tư", "X02")

    await minh.send_text("/announce")
    await minh.next_message()
    await minh.tap("Thành viên một đơn vị")
    await minh.next_message()
    await minh.tap("Xã Hàm Liêm")
    await minh.next_message()
    await minh.send_photo(b"\xff\xd8\xff\xe0 poster", caption="Lịch tiếp dân tháng 12")
    await minh.next_message()
    await minh.send_text("07:30 11/11")
    preview = (await minh.next_message()).text or ""
    assert "thành viên của Xã Hàm Liêm (2 người)" in preview and "07:30 11/11/2026" in preview
    await minh.tap("Gửi thông báo")
    assert (await minh.next_message()).text == t("vi", "ann.scheduled", id=1, when="07:30 11/11/2026")

    clock.set(datetime(2026, 11, 11, 7, 29, tzinfo=VN))
    assert await app.runner.run("announcements") == "nothing due"
    clock.set(datetime(2026, 11, 11, 7, 30, tzinfo=VN))
    assert await app.runner.run("announcements") == "queued 2, completed 1"
    photo, text = await member.next_messages(2, timeout=10)
    assert photo.kind == "photo" and photo.file == b"\xff\xd8\xff\xe0 poster"
    assert text.text == t("vi", "ann.message", unit="Tỉnh Bình Thuận", text="Lịch tiếp dân tháng 12")
    note, zalo_text = await zalo.next_messages(2, timeout=10)
    assert note.text == t("vi", "zalo.attachments_note", count=1)
    assert zalo_text.body().startswith("📢 Thông báo của Tỉnh Bình Thuận")
    assert elsewhere.pending() == []
