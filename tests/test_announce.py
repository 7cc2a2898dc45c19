"""Announcements through the handlers and the one-pass job: a sector's audience, bad input answered politely
with nothing created, the job completes once, read receipts and the purge's retention."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.ops.purge import purge_private_data
from bot.runtime import Services
from handlers import announce
from scheduler.announcements import run_announcements
from storage import announcements as an
from storage import members as mem
from tests.conftest import VN
from tests.harness import Harness, Person, labels
from tests.seed import invite_code, seed_units

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=VN)


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    clock.set(NOW)
    await seed_units(services.db, NOW)
    return Harness(services)


async def person(
    world: Harness, user_id: str, name: str, unit: str, role: str = "member", sectors: tuple[str, ...] = ()
) -> Person:
    s = world.services
    code = await invite_code(s.db, s.settings, s.clock.now(), unit, role, name)
    p = world.person(user_id, name)
    await p.say(f"/start {code}")
    if sectors:
        member = await mem.get_member_by_identity(s.db.reader, "telegram", user_id)
        assert member is not None
        async with s.db.transaction() as tx:
            await mem.update_member_role(tx, member.id, role, member.unit_id, sectors)
    return p


async def test_a_sector_audience_and_polite_refusals(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    minh = await person(world, "301", "Minh", "T01", "leader")
    farmer = await person(world, "101", "Nông", "X01", sectors=("nong_nghiep",))
    await person(world, "102", "Điện", "X02", sectors=("ha_tang",))
    member = await person(world, "103", "Thường", "X02")
    [msg] = await member.say("/announce")
    assert msg.text == t("vi", "error.unknown_command", command="announce")
    await minh.say("/announce")
    await minh.tap("Thành viên một lĩnh vực")
    await minh.tap("Nông nghiệp, thủy lợi")
    [msg] = await minh.say("x" * 3001)
    assert msg.text.startswith(t("vi", "error.too_long", limit=3000))
    [msg] = await minh.send_media("voice")
    assert msg.text.startswith(t("vi", "error.text_expected"))
    await minh.say("Lịch tưới vụ Đông Xuân")
    for bad, key in (("chiều mai", "poll.bad_time"), ("08:00 10/11/2026", "ann.time_out_of_range")):
        [msg] = await minh.say(bad)
        assert msg.text.startswith(t("vi", key, days=60)), bad
    [preview] = await minh.say("Gửi ngay")
    assert "thành viên lĩnh vực Nông nghiệp, thủy lợi (1 người)" in preview.text
    out = await minh.tap("Gửi thông báo")
    assert [o.chat_id for o in out if o.chat_id != "301"] == ["101"]
    assert await run_announcements(services, clock.now()) == "queued 0, completed 1"
    assert await run_announcements(services, clock.now()) == "nothing due"
    await farmer.tap("✔ Đã đọc")
    async with services.db.transaction() as tx:
        [counts] = await an.count_by_unit(tx, 1)
    assert (counts.recipients, counts.read) == (1, 1)
    await minh.say("/announce")
    await minh.tap("Tất cả thành viên")
    await minh.say("Không ai nhận")
    await minh.tap("✖ Hủy")
    async with services.db.transaction() as tx:
        assert await an.get_announcement(tx, 2) is None


async def test_the_privacy_purge_forgets_read_receipts(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    minh = await person(world, "301", "Minh", "T01", "leader")
    member = await person(world, "101", "Nông", "X01")
    await minh.say("/announce")
    await minh.tap("Tất cả thành viên")
    await minh.say("Họp tổ sáng thứ Bảy")
    await minh.tap("Gửi ngay")
    await minh.tap("Gửi thông báo")
    await member.tap("✔ Đã đọc")
    assert await run_announcements(services, clock.now()) == "queued 0, completed 1"
    later = clock.now() + timedelta(days=24 * 31)
    dry = await purge_private_data(services.db, services.files, later, months=24, dry_run=True)
    assert dry.read_receipts == 1
    recent = await purge_private_data(services.db, services.files, clock.now(), months=24)
    assert recent.read_receipts == 0
    done = await purge_private_data(services.db, services.files, later, months=24)
    assert done.read_receipts == 1
    async with services.db.transaction() as tx:
        assert await an.count_by_unit(tx, 1) == []
        assert await an.get_announcement(tx, 1) is not None  # what was announced stays on record


async def test_a_unit_beyond_the_listed_ones_is_typed(
    world: Harness, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(announce, "UNIT_CHOICES", 1)
    minh = await person(world, "301", "Minh", "T01", "leader")
    await person(world, "101", "Thắng", "X01")
    await person(world, "102", "Liêm", "X02")
    await minh.say("/announce")
    [ask] = await minh.tap("Thành viên một đơn vị")
    assert labels(ask)[0] == "Xã Hàm Liêm" and "Xã Hàm Thắng" not in labels(ask)
    [msg] = await minh.say("Xã Không Có")
    assert msg.text.startswith(t("vi", "ann.unknown_unit", text="Xã Không Có"))
    await minh.say("ham thang")  # accents optional
    await minh.say("Thông báo riêng cho xã")
    [preview] = await minh.tap("Gửi ngay")
    assert "thành viên của Xã Hàm Thắng (1 người)" in preview.text
    out = await minh.tap("Gửi thông báo")
    assert [o.chat_id for o in out if o.chat_id != "301"] == ["101"]
