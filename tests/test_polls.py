"""Quick polls through the handlers and the one-pass job: the set-up refuses bad input politely and changes
nothing, the roll-up of small units, the job sends in batches once and closes once, the privacy purge."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.ops.purge import purge_private_data
from bot.runtime import Services
from handlers import poll_results
from handlers.poll_results import roll_up
from scheduler.polls import run_polls
from storage import polls as pl
from tests.conftest import VN
from tests.harness import Harness, Person, labels
from tests.seed import invite_code, seed_units

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=VN)


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    clock.set(NOW)
    await seed_units(services.db, NOW)
    return Harness(services)


async def person(world: Harness, user_id: str, name: str, unit: str, role: str = "member") -> Person:
    s = world.services
    code = await invite_code(s.db, s.settings, s.clock.now(), unit, role, name)
    p = world.person(user_id, name)
    await p.say(f"/start {code}")
    return p


def test_roll_up_merges_small_units_deepest_first() -> None:
    # 1 province > 2 district > 3, 4 communes; 5 another district with enough answers
    parents: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: 2, 5: 1}
    counts = {3: Counter({0: 3}), 4: Counter({1: 1}), 2: Counter({0: 0}), 5: Counter({0: 4, 1: 2})}
    merged = roll_up(counts, parents, root=1)
    # communes 3 and 4 (4 answers together) go into district 2, still below 5: into the province
    assert merged == {1: Counter({0: 3, 1: 1}), 5: Counter({0: 4, 1: 2})}
    enough = roll_up({3: Counter({0: 5}), 4: Counter({1: 2})}, parents, root=1)
    assert enough == {3: Counter({0: 5}), 1: Counter({1: 2})}
    assert roll_up({}, parents, root=1) == {}


async def test_set_up_refuses_bad_input_and_creates_nothing(world: Harness) -> None:
    minh = await person(world, "301", "Minh", "T01", "leader")
    await person(world, "101", "Thắng", "X01")
    await minh.say("/poll")
    [msg] = await minh.say("x" * 301)
    assert msg.text.startswith(t("vi", "error.too_long", limit=300))
    await minh.say("Có nên tổ chức đối thoại?")
    for bad in ("Chỉ một phương án", "A\nB\nC\nD\nE\nF\nG", "Có\ncó"):
        [msg] = await minh.say(bad)
        assert msg.text.startswith(t("vi", "poll.bad_options", min=2, max=6))
    await minh.say("Có\nKhông")
    await minh.tap("Không")
    for bad, key in (("mai", "poll.bad_time"), ("10:05 10/11", "poll.time_out_of_range"),
                     ("31:00 40/13", "poll.bad_time"), ("17:00 10/03/2027", "poll.time_out_of_range")):  # fmt: skip
        [msg] = await minh.say(bad)
        assert msg.text.startswith(t("vi", key)), bad
    [preview] = await minh.say("16:30 12/11")
    assert "16:30 12/11/2026" in preview.text and labels(preview)[0] == "Gửi thăm dò"
    await minh.tap("✖ Hủy")
    async with world.services.db.transaction() as tx:
        assert await pl.list_open_polls(tx) == []
    member = await person(world, "102", "Liêm", "X02")
    [msg] = await member.say("/poll")
    assert msg.text == t("vi", "error.unknown_command", command="poll")
    [msg] = await minh.say("/poll abc")
    assert msg.text == t("vi", "poll.usage")
    for odd in ("²", "#99999999999999999999", "0"):
        [msg] = await minh.say(f"/poll {odd}")
        assert msg.text == t("vi", "poll.not_found", id=odd.removeprefix("#")), odd
    for data in ("a:pol:²:0", "a:pol:1:²", "a:pol::0"):
        [msg] = await member.tap_data(data)
        assert msg.text == t("vi", "error.bad_button"), data


async def test_the_job_sends_in_batches_once_and_closes_once(
    world: Harness, services: Services, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poll_results, "BATCH", 2)
    minh = await person(world, "301", "Minh", "T01", "leader")
    members = [await person(world, str(100 + i), f"TV {i}", "X01") for i in range(5)]
    await minh.say("/poll")
    await minh.say("Câu hỏi?")
    await minh.say("Có\nKhông")
    await minh.tap("Không")
    await minh.tap("Sau 2 giờ")
    out = await minh.tap("Gửi thăm dò")
    assert out[-1].text.startswith("Đã bắt đầu gửi thăm dò số 1 (2 thành viên đầu tiên")
    assert await run_polls(services, clock.now()) == "sent 3, closed 0"
    assert await run_polls(services, clock.now()) == "nothing due"
    await world.collect()
    prompts = [sum("Câu hỏi?" in o.text for o in world.sent_to(m.user_id)) for m in members]
    assert prompts == [1, 1, 1, 1, 1]  # each member once, across the handler's batch and the job's
    clock.advance(timedelta(hours=2))
    assert await run_polls(services, clock.now()) == "sent 0, closed 1"
    assert await run_polls(services, clock.now()) == "nothing due"
    results = [o for o in await world.collect() if o.chat_id == "301"]
    assert len(results) == 1 and "Đã trả lời: 0/5" in results[0].text


async def test_the_privacy_purge_forgets_who_answered_and_keeps_the_tallies(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    minh = await person(world, "301", "Minh", "T01", "leader")
    members = [await person(world, str(100 + i), f"TV {i}", "X01") for i in range(5)]
    await minh.say("/poll")
    await minh.say("Câu hỏi?")
    await minh.say("Có\nKhông")
    await minh.tap("Không")
    await minh.tap("Sau 2 giờ")
    await minh.tap("Gửi thăm dò")
    for m in members:
        await m.tap("Có")
    clock.advance(timedelta(hours=2))
    assert await run_polls(services, clock.now()) == "sent 0, closed 1"
    later = clock.now() + timedelta(days=24 * 31)
    dry = await purge_private_data(services.db, services.files, later, months=24, dry_run=True)
    assert dry.poll_answers == 5 and "would clear" in dry.summary() and "5 poll answer(s)" in dry.summary()
    async with services.db.transaction() as tx:
        assert await pl.get_own_choice(tx, 1, 2) is not None  # the dry run changed nothing
    done = await purge_private_data(services.db, services.files, later, months=24)
    assert done.poll_answers == 5
    async with services.db.transaction() as tx:
        assert await pl.count_answers(tx, 1) == []
        assert sum(x.answers for x in await pl.list_tallies(tx, 1)) == 5
    results = (await minh.say("/poll 1"))[-1]
    assert "Đã trả lời: 5/5" in results.text and "1. Có: 5 (100 %)" in results.text


async def test_an_english_speaking_member_reads_the_poll_in_english(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    minh = await person(world, "301", "Minh", "T01", "leader")
    member = await person(world, "101", "Anna", "X01")
    await member.say("/language")
    await member.tap("English")
    await minh.say("/poll")
    await minh.say("Câu hỏi?")
    await minh.say("Có\nKhông")
    await minh.tap("Có")
    await minh.tap("Sau 2 giờ")
    await minh.tap("Gửi thăm dò")
    [prompt] = [o for o in world.sent_to("101") if "Câu hỏi?" in o.text]
    closes = "12:00 10/11/2026"
    assert prompt.text == t("en", "poll.prompt", unit="Tỉnh Bình Thuận", question="Câu hỏi?", closes=closes)
    assert labels(prompt) == ["Có", "Không", "Other (in my own words)"]
    [asked] = await member.tap("Other (in my own words)")
    assert asked.text == t("en", "poll.ask_other_text", limit=300)
    [recorded] = await member.say("Cần thêm thông tin")
    assert recorded.text == t("en", "poll.recorded", option="Cần thêm thông tin", closes=closes)


async def test_at_night_a_poll_must_close_after_the_morning(world: Harness, clock: ManualClock) -> None:
    minh = await person(world, "301", "Minh", "T01", "leader")
    await person(world, "101", "Thắng", "X01")
    clock.set(datetime(2026, 11, 10, 22, 30, tzinfo=VN))
    await minh.say("/poll")
    await minh.say("Câu hỏi?")
    await minh.say("Có\nKhông")
    await minh.tap("Không")
    [msg] = await minh.tap("Sau 2 giờ")
    assert msg.text.startswith(t("vi", "poll.closes_before_morning", morning="07:00 11/11/2026"))
    [preview] = await minh.tap("17:00 ngày mai")
    assert "17:00 11/11/2026" in preview.text
