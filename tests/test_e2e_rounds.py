"""The round end to end through the emulator with an injected clock: a focus topic, 3 of 5 answer (one
"nothing new"), reminders only to the other 2, the board for two scopes, the summary at closing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from tests import e2e
from tests.conftest import VN
from tests.e2e import running
from tests.seed import seed_units

BEFORE = datetime(2026, 11, 25, 10, 0, tzinfo=VN)


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu, clock=ManualClock(BEFORE)) as a:
        await seed_units(a.services.db, BEFORE)
        yield a


join = partial(e2e.join, at=BEFORE, full_name_shown=True)


async def test_a_round_from_topics_to_summary(app: App, emu: TelegramEmulator) -> None:
    members = [await join(app, emu, 100 + i, f"Thành viên {i}", "X01" if i < 3 else "X02") for i in range(5)]
    hung = await join(app, emu, 201, "Hùng", "X01", "leader")
    minh = await join(app, emu, 301, "Minh", "T01", "leader")
    clock = app.services.clock
    assert isinstance(clock, ManualClock)

    await minh.send_text("/topics")
    await minh.next_message()
    await minh.send_text("Giải phóng mặt bằng đường ĐT 711")
    await minh.next_message()
    await minh.tap("Xong")
    assert (await minh.next_message()).text == t("vi", "topics.saved", count=1, period="quý 4/2026")

    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=VN))
    assert await app.runner.run("rounds") == "opened 2026Q4; prompted 5, reminded 0"
    prompts = [await m.next_message() for m in members]
    assert all("Giải phóng mặt bằng đường ĐT 711" in (p.text or "") for p in prompts)

    for m in members[:2]:
        await m.tap("Trả lời ngay")
        await m.next_message()
        await m.send_text("Bà con muốn biết giá đền bù")
        await m.next_message()
        await m.tap("Có băn khoăn")
        await m.next_message()
        await m.send_text("Giá phân bón tăng")
        await m.next_message()
        await m.tap("Không")
        assert (await m.next_message()).text == t("vi", "round.thanks", period="quý 4/2026")
    await members[2].tap("Không có gì mới kỳ này")
    assert (await members[2].next_message()).text == t("vi", "round.thanks_nothing", period="quý 4/2026")

    clock.set(datetime(2026, 12, 17, 9, 0, tzinfo=VN))  # past 80 % of the window: both reminders are due
    assert await app.runner.run("rounds") == "prompted 0, reminded 2"
    for m in members[3:]:
        assert ((await m.next_message()).text or "").startswith("Nhắc đồng chí: kỳ giao ban quý 4/2026")
    assert all(m.pending() == [] for m in members[:3])

    await hung.send_text("/round")
    assert ((await hung.next_message()).text or "").splitlines()[
        0
    ] == "Kỳ giao ban quý 4/2026 (đang mở): 3/3 đã trả lời."
    await minh.send_text("/round")
    board = (await minh.next_message()).text or ""
    assert board.splitlines()[0] == "Kỳ giao ban quý 4/2026 (đang mở): 3/5 đã trả lời."
    assert "  … Chưa trả lời: Thành viên 3, Thành viên 4" in board.splitlines()

    clock.set(datetime(2026, 12, 21, 7, 0, tzinfo=VN))
    assert await app.runner.run("rounds") == "closed 2026Q4"
    summary = (await minh.next_message()).text or ""
    assert summary.startswith(
        "Tổng hợp kỳ giao ban quý 4/2026 — Tỉnh Bình Thuận\nTham gia: 3/5 thành viên (60 %)"
    )
    assert "• Giải phóng mặt bằng đường ĐT 711: 2 ý kiến" in summary
    assert ((await hung.next_message()).text or "").startswith(
        "Tổng hợp kỳ giao ban quý 4/2026 — Xã Hàm Thắng"
    )
