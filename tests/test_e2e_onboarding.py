"""Onboarding end to end: invite → join → /me for each role, strangers, merges and deactivation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from handlers.admin import deactivate_member, merge_units
from storage import members as mem
from tests.conftest import PINNED
from tests.e2e import running
from tests.seed import invite_code, seed_units

NOW = PINNED


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu) as a:
        await seed_units(a.services.db, NOW)
        yield a


@pytest.mark.parametrize(
    ("role", "unit", "unit_name", "role_vi"),
    [
        ("member", "X01", "Xã Hàm Thắng", "thành viên"),
        ("leader", "X02", "Xã Hàm Liêm", "lãnh đạo"),
        ("admin", "T01", "Tỉnh Bình Thuận", "quản trị viên"),
    ],
)
async def test_invite_join_me_for_each_role(
    app: App, emu: TelegramEmulator, role: str, unit: str, unit_name: str, role_vi: str
) -> None:
    code = await invite_code(app.services.db, app.settings, NOW, unit, role, "Phạm Văn Tư")
    tu = emu.user(301, "Tư")
    await tu.send_text(f"/start {code}")
    welcome = await tu.next_message()
    assert welcome.text == t(
        "vi",
        "invite.welcome",
        name="Phạm Văn Tư",
        role=role_vi,
        unit=unit_name,
        abilities=t("vi", f"abilities.{role}"),
    )
    assert welcome.keyboard == [
        *([[("Vụ việc đang mở", False), ("Vụ việc quá hạn", False)]] if role != "member" else []),
        [("Báo cáo mới", False), ("Báo cáo của tôi", False)],
        [("Hướng dẫn", False), ("Thông tin của tôi", False)],
        *([[("Mời thành viên", False)]] if role == "admin" else []),
    ]
    await tu.press("Thông tin của tôi")
    me = await tu.next_message()
    assert me.text == (
        f"Thông tin của đồng chí:\nHọ tên: Phạm Văn Tư\nĐơn vị: {unit_name}\nVai trò: {role_vi}\n"
        "Lĩnh vực theo dõi: (chưa có)\nĐiện thoại: (chưa có)\nNgôn ngữ: Tiếng Việt"
    )


async def test_stranger_gets_the_refusal_only(app: App, emu: TelegramEmulator) -> None:
    stranger = emu.user(999, "Lạ")
    for text in ("/start", "/me", "báo cáo", "/start SAI-MA-MOI"):
        await stranger.send_text(text)
    got = [m.text for m in await stranger.next_messages(2)]
    # one refusal an hour, then silence; a code is still answered (and comes after, in order)
    assert got == [t("vi", "stranger.refuse"), t("vi", "invite.bad_code")]
    assert all(m.keyboard is None and m.buttons == [] for m in stranger.messages)
    english = emu.user(998, "Tom", language_code="en")
    await english.send_text("hello")
    assert (await english.next_message()).text == t("en", "stranger.refuse")


async def test_a_unit_merge_moves_a_member(app: App, emu: TelegramEmulator) -> None:
    code = await invite_code(app.services.db, app.settings, NOW, "X02", "member", "Võ Thị Hoa")
    hoa = emu.user(302, "Hoa")
    await hoa.send_text(f"/start {code}")
    await hoa.next_message()
    async with app.services.db.transaction() as tx:
        moved = await merge_units(tx, "X02", "X01", NOW)
    assert moved == 1
    await hoa.send_text("/me")
    assert "Đơn vị: Xã Hàm Thắng" in ((await hoa.next_message()).text or "")


async def test_deactivation_stops_prompts_and_the_member_is_told(app: App, emu: TelegramEmulator) -> None:
    code = await invite_code(app.services.db, app.settings, NOW, "X01", "member", "Đỗ Văn Nam")
    nam = emu.user(303, "Nam")
    await nam.send_text(f"/start {code}")
    await nam.next_message()
    member = await mem.get_member_by_identity(app.services.db.reader, "telegram", "303")
    assert member is not None
    assert [m.id for m, _ in await mem.list_promptable_members(app.services.db.reader)] == [member.id]
    async with app.services.db.transaction() as tx:
        await deactivate_member(tx, member.id, NOW)
    assert await mem.list_promptable_members(app.services.db.reader) == []
    await nam.send_text("/me")
    assert (await nam.next_message()).text == t("vi", "member.inactive")
