"""The periodic round through the handlers and one-pass jobs with an injected clock."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.core.clock import ManualClock
from bot.core.config import ConfigError, parse_settings
from bot.core.texts import t
from bot.runtime import Services
from handlers.rounds import window_for
from scheduler import rounds as job
from storage import members as mem
from storage import rounds as rs
from tests.conftest import VN
from tests.harness import Harness, Person, labels, texts
from tests.seed import invite_code, seed_units
from tests.test_report import file_by_taps

BEFORE = datetime(2026, 11, 25, 10, 0, tzinfo=VN)
OPENS = datetime(2026, 12, 1, 8, 0, tzinfo=VN)


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    clock.set(BEFORE)
    await seed_units(services.db, clock.now())
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


def test_window_and_config_checks() -> None:
    s = parse_settings({})
    w = window_for(s, datetime(2026, 11, 5).date())
    assert (w.period, w.opens_at, w.closes_at) == ("2026Q4", OPENS, datetime(2026, 12, 21, 0, 0, tzinfo=VN))
    monthly = parse_settings({"round": {"cadence": "monthly"}})
    assert window_for(monthly, datetime(2026, 11, 5).date()).period == "2026-11"
    with pytest.raises(ConfigError, match=r"round\.close_day"):
        parse_settings({"round": {"open_day": 20, "close_day": 10}})
    with pytest.raises(ConfigError, match=r"round\.briefing_day"):
        parse_settings({"round": {"close_day": 25, "briefing_day": 21}})
    with pytest.raises(ConfigError, match=r"round\.open_day"):
        parse_settings({"round": {"open_day": 31}})


async def test_a_whole_round(world: Harness, services: Services, clock: ManualClock) -> None:
    members = [
        await person(world, f"10{i}", f"Thành viên {i}", "X01" if i < 3 else "X02", sectors=("nong_nghiep",))
        for i in range(5)
    ]
    hung = await person(world, "201", "Hùng", "X01", "leader")
    minh = await person(world, "301", "Minh", "T01", "leader")
    await world.collect()
    # before it opens, the provincial leader sets a focus topic
    await minh.say("/topics")
    await minh.say("Giải phóng mặt bằng đường ĐT 711")
    [saved] = await minh.tap("Xong")
    assert saved.text == t("vi", "topics.saved", count=1, period="quý 4/2026")
    clock.set(OPENS)
    assert await job.run_rounds(services, clock.now()) == "opened 2026Q4; prompted 5, reminded 0"
    prompts = await world.collect()
    assert sorted(p.chat_id for p in prompts) == ["100", "101", "102", "103", "104"]  # members, not leaders
    assert "Giải phóng mặt bằng đường ĐT 711" in prompts[0].text
    assert labels(prompts[0]) == ["Trả lời ngay", "Không có gì mới kỳ này"]
    assert await job.run_rounds(services, clock.now()) == "nothing due"  # safe to run twice
    # three answer: two in full, one "nothing new"
    for p in members[:2]:
        [ask] = await p.tap("Trả lời ngay")
        assert ask.text.startswith("Định hướng nắm bắt (1/1): Giải phóng mặt bằng")
        [mood] = await p.say(f"Người dân {p.name} lo giá đền bù thấp")
        assert mood.text == t("vi", "round.ask_mood", sector="Nông nghiệp, thủy lợi")
        await p.tap("Bức xúc")
        await p.say("Thiếu nước tưới vụ đông xuân")
        [done] = await p.tap("Không")
        assert done.text == t("vi", "round.thanks", period="quý 4/2026")
    [nothing] = await members[2].tap("Không có gì mới kỳ này")
    assert nothing.text == t("vi", "round.thanks_nothing", period="quý 4/2026")
    # reminders at 50 % reach only the two who have not answered; none on a Sunday
    clock.set(datetime(2026, 12, 13, 10, 0, tzinfo=VN))
    assert await job.run_rounds(services, clock.now()) == "nothing due"
    clock.set(datetime(2026, 12, 14, 10, 0, tzinfo=VN))
    assert await job.run_rounds(services, clock.now()) == "prompted 0, reminded 2"
    assert sorted(o.chat_id for o in await world.collect()) == ["103", "104"]
    assert await job.run_rounds(services, clock.now()) == "nothing due"
    # the board, for the commune leader and for the province
    [board] = await hung.say("/round")
    assert board.text.splitlines() == [
        "Kỳ giao ban quý 4/2026 (đang mở): 3/3 đã trả lời.",
        "",
        "Xã Hàm Thắng: 3/3",
        "  ✔ Đã trả lời: Thành viên 0, Thành viên 1, Thành viên 2",
    ]
    [board] = await minh.say("/round")
    assert board.text.splitlines()[0] == "Kỳ giao ban quý 4/2026 (đang mở): 3/5 đã trả lời."
    assert "  … Chưa trả lời: Thành viên 3, Thành viên 4" in board.text.splitlines()
    # closing: each leader gets the summary of their scope
    await file_by_taps(members[3], "Xóm 2 mất điện")
    await world.collect()
    clock.set(datetime(2026, 12, 21, 0, 5, tzinfo=VN))
    assert await job.run_rounds(services, clock.now()) == "closed 2026Q4"
    out = await world.collect()
    [to_minh] = [o for o in out if o.chat_id == "301"]
    assert to_minh.text.splitlines()[:2] == [
        "Tổng hợp kỳ giao ban quý 4/2026 — Tỉnh Bình Thuận",
        "Tham gia: 3/5 thành viên (60 %), trong đó 1 báo “không có gì mới”.",
    ]
    assert "• Nông nghiệp, thủy lợi: ổn định 0, băn khoăn 0, bức xúc 2" in to_minh.text
    assert "• (Xã Hàm Thắng) Thiếu nước tưới vụ đông xuân" in to_minh.text
    assert "• Giải phóng mặt bằng đường ĐT 711: 2 ý kiến" in to_minh.text
    assert to_minh.text.endswith("Vụ việc mới trong kỳ: 1")
    # an answer after closing is kept as a late entry
    [late] = await members[4].tap("Không có gì mới kỳ này")
    assert late.text == t("vi", "round.closed_late", period="quý 4/2026")
    rnd = await rs.latest_round(services.db.reader)
    assert rnd is not None and rnd.state == "closed"
    participant = await rs.get_participant(services.db.reader, rnd.id, 5)
    assert participant is not None and participant.late


async def test_no_sectors_one_general_question_and_topics_locked_once_open(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    lan = await person(world, "101", "Lan", "X01")
    minh = await person(world, "301", "Minh", "T01", "leader")
    clock.set(OPENS)
    await job.run_rounds(services, clock.now())
    await world.collect()
    [ask] = await lan.tap("Trả lời ngay")
    assert ask.text == t("vi", "round.ask_mood", sector="chung (tất cả lĩnh vực)")
    await lan.tap("Ổn định")
    await lan.tap("Bỏ qua")
    [done] = await lan.tap("Không")
    assert done.text == t("vi", "round.thanks", period="quý 4/2026")
    # the open round's topics are locked: /topics prepares the next period's round
    [edit] = await minh.say("/topics")
    assert edit.text.startswith("Định hướng nắm bắt kỳ quý 1/2027 của Tỉnh Bình Thuận:")


async def test_a_member_moved_mid_round_counts_where_they_are_now(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    lan = await person(world, "101", "Lan", "X01")
    clock.set(OPENS)
    await job.run_rounds(services, clock.now())
    await world.collect()
    member = await mem.get_member_by_identity(services.db.reader, "telegram", "101")
    assert member is not None
    async with services.db.transaction() as tx:
        await mem.set_member_unit(tx, member.id, 3)  # to Xã Hàm Liêm
    await lan.tap("Trả lời ngay")
    await lan.tap("Có băn khoăn")
    await lan.say("Lo ngại ô nhiễm từ trại heo")
    await lan.tap("Không")
    rnd = await rs.latest_round(services.db.reader)
    assert rnd is not None
    [p] = await rs.list_participants(services.db.reader, rnd.id)
    assert p.unit_id == 3
    assert {a.unit_id for a in await rs.list_answers(services.db.reader, rnd.id)} == {3}


async def test_a_crash_during_the_opening_broadcast_prompts_everyone_exactly_once(
    world: Harness, services: Services, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(7):
        await person(world, f"10{i}", f"TV {i}", "X01")
    await world.collect()
    monkeypatch.setattr(job, "BATCH", 3)
    real_enqueue = job.enqueue
    calls = {"n": 0}

    async def dying(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return await real_enqueue(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(job, "enqueue", dying)
    clock.set(OPENS)
    with pytest.raises(RuntimeError):
        await job.run_rounds(services, clock.now())
    monkeypatch.setattr(job, "enqueue", real_enqueue)
    assert await job.run_rounds(services, clock.now()) == "prompted 4, reminded 0"
    prompts = [o.chat_id for o in await world.collect()]
    assert sorted(prompts) == [f"10{i}" for i in range(7)]
    assert texts(await world.person("100", "TV 0").say("/me"))  # still answering


async def test_a_round_whose_window_passed_before_the_first_start_closes_without_a_summary(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    # the bot is installed on 22/12, after the quarter's window (1–20/12): nobody was ever prompted
    await person(world, "100", "Thành viên", "X01")
    await person(world, "201", "Hùng", "X01", "leader")
    await world.collect()
    clock.set(datetime(2026, 12, 22, 9, 0, tzinfo=VN))
    assert await job.run_rounds(services, clock.now()) == "closed 2026Q4 (nobody was prompted)"
    assert await world.collect() == []
    assert [r.period for r in await rs.list_rounds(services.db.reader, ("closed",))] == ["2026Q4"]
    assert await job.run_rounds(services, clock.now()) == "nothing due"  # and it stays closed, once
