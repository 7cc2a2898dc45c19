"""Quick polls end to end, over HTTP against both emulators, on a manual clock: a province leader sets up a poll,
members answer by tap (Telegram) and by number (Zalo), one changes the answer (counted once), one answers
"other"; forged and stale buttons change nothing; live results and the results by unit at closing, where a
unit with fewer than 5 answers counts in the unit above it; the leader of another unit cannot see it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from storage import polls as pl
from tests import e2e
from tests.conftest import PINNED

NOW = PINNED  # Tuesday 10:00 in Hanoi
CLOSES = "17:00 11/11/2026"  # "17:00 tomorrow"


@pytest.fixture
async def emus() -> AsyncIterator[tuple[TelegramEmulator, ZaloEmulator]]:
    async with TelegramEmulator() as tg, ZaloEmulator() as zl:
        yield tg, zl


@pytest.fixture
async def app(tmp_path: Path, emus: tuple[TelegramEmulator, ZaloEmulator]) -> AsyncIterator[App]:
    async with e2e.running_both(tmp_path, *emus, clock=ManualClock(NOW), seeded_at=NOW) as application:
        yield application


join = partial(e2e.join_either, at=NOW)


async def create_poll(leader: Any) -> str:
    await leader.send_text("/poll")
    assert (await leader.next_message()).text == t("vi", "poll.ask_question")
    await leader.send_text("Đồng chí đánh giá thế nào về phương án bồi thường đường ĐT 711?")
    await leader.next_message()
    await leader.send_text("Hợp lý\nChưa hợp lý\nChưa nắm được")
    await leader.next_message()
    await leader.tap("Có")
    await leader.next_message()
    await leader.tap("17:00 ngày mai")
    preview = await leader.next_message()
    assert "3. Chưa nắm được\n4. Khác" in (preview.text or "") and CLOSES in (preview.text or "")
    await leader.tap("Gửi thăm dò")
    return (await leader.next_message()).text or ""


async def test_a_poll_from_set_up_to_results_by_unit(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    tg, zl = emus
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    minh = await join(app, tg, 301, "Minh", "T01", "leader")
    lan = await join(app, tg, 302, "Lan", "X02", "leader")
    x01 = [await join(app, tg, 100 + i, f"Hàm Thắng {i}", "X01") for i in range(5)]
    zalo_member = await join(app, zl, "z-1", "Tư", "X01")
    x02 = [await join(app, tg, 200 + i, f"Hàm Liêm {i}", "X02") for i in range(2)]

    sent = await create_poll(minh)
    assert sent == t("vi", "poll.sent", id=1, count=8, closes=CLOSES)
    prompts = [await m.next_message() for m in x01 + x02]
    assert all(
        p.labels() == ["Hợp lý", "Chưa hợp lý", "Chưa nắm được", "Khác (ghi ý kiến riêng)"] for p in prompts
    )
    assert "Thăm dò nhanh của Tỉnh Bình Thuận" in (prompts[0].text or "")
    zalo_prompt = await zalo_member.next_message(timeout=10)
    assert zalo_prompt.options()[1] == "Chưa hợp lý"

    # taps: three "Hợp lý", one changes "Hợp lý" -> "Chưa hợp lý" (counted once), one "Chưa nắm được"
    for m, label in zip(x01, ["Hợp lý", "Hợp lý", "Hợp lý", "Chưa hợp lý", "Chưa nắm được"], strict=True):
        await m.tap(label)
        recorded = await m.next_message()
        assert recorded.text == t("vi", "poll.recorded", option=label, closes=CLOSES)
    await x01[0].tap("Chưa hợp lý")
    assert (await x01[0].next_message()).text == t("vi", "poll.recorded", option="Chưa hợp lý", closes=CLOSES)
    # a number on Zalo
    await zalo_member.send_text(zalo_prompt.number_of("Chưa hợp lý"))
    assert (await zalo_member.next_message(timeout=10)).body() == t(
        "vi", "poll.recorded", option="Chưa hợp lý", closes=CLOSES
    )
    # "other" in one's own words, and a plain answer, in the small unit
    await x02[0].tap("Khác (ghi ý kiến riêng)")
    await x02[0].next_message()
    await x02[0].send_text("Cần họp dân để giải thích")
    assert (await x02[0].next_message()).text == t(
        "vi", "poll.recorded", option="Cần họp dân để giải thích", closes=CLOSES
    )
    await x02[1].tap("Hợp lý")
    await x02[1].next_message()

    # forged buttons: a choice that does not exist, a poll that does not exist, a poll that never went to them
    for who, data in (
        (x01[1], "a:pol:1:7"),
        (x01[1], "a:pol:99:0"),
        (minh, "a:pol:1:0"),
        (x01[1], "a:pol:1:-1"),
    ):
        await who.tap_data(prompts[1].message_id if who is x01[1] else (who.last()).message_id, data)
        assert (await who.next_message()).text == t("vi", "error.bad_button")

    live = (await _ask(minh, "/poll 1")).splitlines()
    assert live[1] == "Đang diễn ra (kết thúc 17:00 11/11/2026). Đã trả lời: 8/8."
    assert "1. Hợp lý: 3 (38 %)" in live and "2. Chưa hợp lý: 3 (38 %)" in live
    assert "Khác" in "\n".join(live) and "Cần họp dân để giải thích" in live[-3]
    assert await _ask(lan, "/poll 1") == t("vi", "poll.not_found", id="1")
    assert await _ask(x01[2], "/poll 1") == t("vi", "error.unknown_command", command="poll")

    clock.set(datetime(2026, 11, 11, 17, 0, tzinfo=NOW.tzinfo))
    assert await app.runner.run("polls") == "sent 0, closed 1"
    results = ((await minh.next_message()).text or "").splitlines()
    assert results[1] == "Đã kết thúc (kết thúc 17:00 11/11/2026). Đã trả lời: 8/8."
    assert (
        "• Tỉnh Bình Thuận (2): 1: 1 · 2: 0 · 3: 0 · 4: 1" in results
    )  # Hàm Liêm's 2 answers, counted above
    assert "• Xã Hàm Thắng (6): 1: 2 · 2: 3 · 3: 1 · 4: 0" in results
    assert not any("Hàm Liêm" in line for line in results)
    assert await app.runner.run("polls") == "nothing due"  # closed once

    # stale: the poll has closed
    await x01[4].tap("Hợp lý")
    assert (await x01[4].next_message()).text == t("vi", "poll.closed", closes=CLOSES)
    async with app.services.db.transaction() as tx:
        tallies = await pl.list_tallies(tx, 1)
    assert sum(x.answers for x in tallies) == 8


async def test_a_poll_sent_at_night_waits_for_the_morning(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    tg, _ = emus
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    minh = await join(app, tg, 301, "Minh", "T01", "leader")
    member = await join(app, tg, 100, "Hàm Thắng", "X01")
    clock.set(datetime(2026, 11, 10, 22, 30, tzinfo=NOW.tzinfo))
    assert (await create_poll(minh)).startswith("Đã gửi thăm dò số 1 đến 1 thành viên")
    with pytest.raises(TimeoutError):
        await member.next_message(timeout=1.5)
    clock.set(datetime(2026, 11, 11, 7, 0, tzinfo=NOW.tzinfo) + timedelta(minutes=1))
    assert "Thăm dò nhanh" in ((await member.next_message(timeout=10)).text or "")


async def _ask(user: Any, text: str) -> str:
    await user.send_text(text)
    return (await user.next_message()).text or ""
