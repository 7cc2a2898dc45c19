"""One story on both channels, from the same handlers: a member reports, a leader resolves by command, the
reporter hears the outcome. Parametrised over Telegram and Zalo, plus a mixed case (member on Zalo, leader on
Telegram) and linking one membership across both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.core.clock import TickingClock
from bot.core.texts import for_channel, t
from bot.emulator import TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from storage import issues as iss
from storage import members as mem
from tests.conftest import PINNED
from tests.e2e import emulator_settings
from tests.seed import invite_code, seed_units

NOW = PINNED


class Phone:
    """A person on either messenger: buttons are tapped on Telegram, numbers typed on Zalo."""

    def __init__(self, user: Any, channel: str) -> None:
        self.user, self.channel = user, channel

    async def say(self, text: str) -> None:
        await self.user.send_text(text)

    async def choose(self, label: str) -> None:
        if self.channel == "telegram":
            await self.user.tap(label)
        else:
            last = next(m for m in reversed(self.user.messages) if m.options())
            await self.user.send_text(last.number_of(label))

    async def next(self, n: int = 1) -> str:
        msgs = await self.user.next_messages(n, timeout=10)
        last = msgs[-1]
        return last.text if self.channel == "telegram" else last.body()


@pytest.fixture
async def emus() -> AsyncIterator[tuple[TelegramEmulator, ZaloEmulator]]:
    async with TelegramEmulator() as tg, ZaloEmulator() as zl:
        yield tg, zl


@pytest.fixture
async def app(tmp_path: Path, emus: tuple[TelegramEmulator, ZaloEmulator]) -> AsyncIterator[App]:
    tg, zl = emus
    settings = emulator_settings(
        tmp_path, tg, zalo={"enabled": True, "base_url": zl.base_url, "poll_timeout": 1}
    )
    application = build_app(
        settings, clock=TickingClock(PINNED), telegram_token=tg.token, zalo_token=zl.token
    )
    await application.start()
    try:
        await seed_units(application.services.db, NOW)
        yield application
    finally:
        await application.stop()


async def join(app: App, emus: tuple[TelegramEmulator, ZaloEmulator], channel: str, uid: int, name: str,
               unit: str, role: str) -> Phone:  # fmt: skip
    code = await invite_code(app.services.db, app.settings, NOW, unit, role, name)
    tg, zl = emus
    if channel == "telegram":
        phone = Phone(tg.user(uid, name), channel)
        await phone.say(f"/start {code}")
    else:
        phone = Phone(zl.user(str(uid), name), channel)
        await phone.say(code)  # Zalo has no deep links: the code is the first message
    assert (await phone.next()).startswith(f"Chào mừng đồng chí {name}!")
    return phone


def worded(lan: Phone, key: str) -> str:
    """The text of ``key`` as this phone's channel words it (Zalo: no buttons to tap, no replies)."""
    return t("vi", for_channel(key, lan.channel))


async def file_report(lan: Phone) -> str:
    await lan.say("/report")
    assert await lan.next() == t("vi", "report.ask_category")
    await lan.choose("Điện sinh hoạt")
    assert await lan.next() == worded(lan, "report.ask_place")
    await lan.choose("Bỏ qua")
    if lan.channel == "telegram":  # only Telegram can share a location
        assert await lan.next() == t("vi", "report.ask_location")
        await lan.say("Bỏ qua")
        await lan.next()
    assert await lan.next() == worded(lan, "report.ask_describe")
    await lan.say("Thôn 3 mất điện hai ngày")
    assert await lan.next() == worded(lan, "report.noted")
    await lan.choose("Xong")
    await lan.next()
    await lan.choose("Bức xúc")
    await lan.next()
    await lan.choose("Cả thôn, ấp, khu phố")
    await lan.next()
    await lan.choose("Nghe trực tiếp người dân")
    await lan.next()
    await lan.choose("Không ghi")
    assert (await lan.next()).startswith("Bước 7/7.")
    await lan.choose("✔ Gửi báo cáo")
    return await lan.next()


async def resolve(hung: Phone) -> None:
    await hung.say("/resolve 1 Điện lực đã thay dây, có điện lại từ 15:00")
    assert await hung.next() == t("vi", "act.ask_evidence")
    await hung.choose("Không, gửi kết quả luôn")
    assert await hung.next() == t("vi", "act.resolved", number=1, count=1)


OUTCOME = t("vi", "notice.resolved", number=1, title="Thôn 3 mất điện hai ngày",
            resolution="Điện lực đã thay dây, có điện lại từ 15:00")  # fmt: skip


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_the_story_on_each_channel(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator], channel: str
) -> None:
    lan = await join(app, emus, channel, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emus, channel, 201, "Trần Văn Hùng", "X01", "leader")
    filed = await file_report(lan)
    assert filed.startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.")
    await resolve(hung)
    assert await lan.next() == OUTCOME
    issue = await iss.get_issue(app.services.db.reader, 1)
    assert issue is not None and issue.state == "resolved"


async def test_member_on_zalo_leader_on_telegram(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    lan = await join(app, emus, "zalo", 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emus, "telegram", 201, "Trần Văn Hùng", "X01", "leader")
    await file_report(lan)
    await resolve(hung)
    assert await lan.next() == OUTCOME


async def test_link_both_channels_and_choose_where_notices_go(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    tg_lan = await join(app, emus, "telegram", 101, "Nguyễn Thị Lan", "X01", "member")
    await tg_lan.say("/channel")
    assert await tg_lan.next() == t("vi", "channel.only_one")
    await tg_lan.say("/link")
    text = await tg_lan.next()
    code = text.split("Mã liên kết của đồng chí: ")[1].split("\n")[0]
    zl_lan = Phone(emus[1].user("9001", "Lan Zalo"), "zalo")
    await zl_lan.say(code)
    assert await zl_lan.next() == t("vi", "link.done", name="Nguyễn Thị Lan", unit="Xã Hàm Thắng")
    member = await mem.get_member_by_identity(app.services.db.reader, "zalo", "9001")
    assert member is not None and member.name == "Nguyễn Thị Lan"
    assert len(await mem.list_members(app.services.db.reader)) == 1  # one membership, two identities
    await zl_lan.say("/channel")
    await zl_lan.next()
    await zl_lan.choose("Zalo")
    assert await zl_lan.next() == t("vi", "channel.done", channel="Zalo")
    # a notice now goes to Zalo only: her report filed on Telegram is resolved
    hung = await join(app, emus, "telegram", 201, "Trần Văn Hùng", "X01", "leader")
    await file_report(tg_lan)
    await resolve(hung)
    assert await zl_lan.next() == OUTCOME
    assert tg_lan.user.pending() == []


def zalo_card(state: str, *entries: str) -> str:
    """Issue #1's card as a leader reads it on Zalo, the numbered options left out (``body()``)."""
    return "\n".join([
        "Vụ việc #1: Thôn 3 mất điện hai ngày", "Lĩnh vực: Điện sinh hoạt", "Nơi xảy ra: Xã Hàm Thắng",
        "Đơn vị phụ trách: Xã Hàm Thắng", "Mức độ: Bức xúc", f"Trạng thái: {state}",
        "Hạn tiếp nhận: 10:30 11/11/2026", "Hạn xử lý: 17:00 17/11/2026", "Người được giao: (chưa có)",
        "Số báo cáo: 1", "", "Diễn biến gần nhất:",
        "• 10/11 10:00 — Nguyễn Thị Lan: Báo cáo (Cả thôn, ấp, khu phố; Nghe trực tiếp người dân): "
        "Thôn 3 mất điện hai ngày", *entries,
    ])  # fmt: skip


async def test_a_zalo_leader_gets_the_refreshed_card_anew_with_its_numbers(
    app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    lan = await join(app, emus, "telegram", 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emus, "zalo", 201, "Trần Văn Hùng", "X01", "leader")
    await file_report(lan)
    await hung.say("/issue 1")
    [card] = await hung.user.next_messages(1)
    assert card.body() == zalo_card("Mới tiếp nhận") and card.options()[:3] == [
        "Tiếp nhận", "Giao xử lý", "Ghi chú",
    ]  # fmt: skip
    await hung.choose("Tiếp nhận")  # "1": Zalo cannot edit, so the card comes again, numbered anew
    done, fresh = await hung.user.next_messages(2)
    assert done.text == t("vi", "act.acknowledged", number=1)
    acked = "• 10/11 10:00 — Trần Văn Hùng: Chuyển trạng thái: Đã tiếp nhận xử lý"
    assert fresh.body() == zalo_card("Đã tiếp nhận xử lý", acked)
    assert fresh.options() == ["Giao xử lý", "Ghi chú", "Đã xử lý xong", "Trùng vụ việc…", "Chuyển đơn vị",
                               "Đóng không xử lý", "Xin gia hạn"]  # fmt: skip
    await hung.choose("Đã xử lý xong")  # a prompt follows; its numbers, not a card's, are the ones in force
    [ask] = await hung.user.next_messages(1)
    assert ask.body() == t("vi", "act.ask_resolution", number=1) and ask.options() == ["✖ Hủy"]
    await hung.say("Điện lực đã thay dây")
    assert await hung.next() == t("vi", "act.ask_evidence")
    await hung.choose("Không, gửi kết quả luôn")
    done, fresh = await hung.user.next_messages(2)
    assert done.text == t("vi", "act.resolved", number=1, count=1)
    resolved = "• 10/11 10:00 — Trần Văn Hùng: Chuyển trạng thái: Đã xử lý. Điện lực đã thay dây"
    assert fresh.body() == zalo_card("Đã xử lý", acked, resolved)
    assert fresh.options() == ["Ghi chú", "Mở lại"]
    assert await lan.next(2) == t(
        "vi", "notice.resolved", number=1, title="Thôn 3 mất điện hai ngày", resolution="Điện lực đã thay dây"
    )  # fmt: skip (after "acknowledged")
