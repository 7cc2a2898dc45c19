"""/find with filters: typed in one line on either channel, or picked step by step; they combine."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.runtime import Services
from storage import issues as iss
from tests.harness import Harness, Person, labels
from tests.seed import invite_code
from tests.test_report import file_by_taps


async def join(world: Harness, user_id: str, name: str, unit: str, role: str) -> Person:
    s = world.services
    code = await invite_code(s.db, s.settings, s.clock.now(), unit, role, name)
    p = world.person(user_id, name)
    await p.say(f"/start {code}")
    return p


async def file_other(p: Person, description: str) -> None:
    """A report in 'Ô nhiễm môi trường' (the default helper files 'Điện sinh hoạt')."""
    await p.say("/report")
    await p.tap("Ô nhiễm môi trường")
    await p.say("Bỏ qua")
    await p.say("Bỏ qua")
    await p.say(description)
    await p.tap("Xong")
    await p.tap("Bình thường")
    await p.tap("Một vài hộ")
    [summary] = await p.tap("Tự quan sát")
    if "Tạo vụ việc mới" in labels(summary):
        await p.tap("Tạo vụ việc mới")
    await p.tap("✔ Gửi báo cáo")


@pytest.fixture
async def leader(world: Harness, services: Services, clock: ManualClock) -> Person:
    lan = await join(world, "101", "Lan", "X01", "member")
    hoa = await join(world, "102", "Hoa", "X02", "member")
    minh = await join(world, "301", "Minh", "T01", "leader")  # the province: sees both communes
    await file_by_taps(lan, "Thôn 3 mất điện hai ngày")  # #1, Xã Hàm Thắng, electricity
    clock.advance(timedelta(days=40))
    await file_other(lan, "Khói nhà máy gạch ở thôn 3")  # #2, Xã Hàm Thắng, environment
    await file_by_taps(hoa, "Xóm 2 mất điện cả tuần")  # #3, Xã Hàm Liêm, electricity
    async with services.db.transaction() as tx:
        await iss.update_issue(tx, 3, clock.now(), state="resolved", resolved_at=clock.now())
    await world.collect()
    return minh


def found(msgs: list) -> list[int]:  # type: ignore[type-arg]
    [result] = msgs
    return [int(label.split(" ", 1)[0].lstrip("#")) for label in labels(result)]


async def test_typed_filters_combine(leader: Person) -> None:
    assert found(await leader.say("/find mất điện")) == [3, 1]
    assert found(await leader.say("/find mất điện tt: đang xử lý")) == [1]
    assert found(await leader.say("/find lv: điện sinh hoạt dv: X02")) == [3]
    assert found(await leader.say("/find thon 3 lv: o nhiem moi truong")) == [2]  # accents optional
    assert found(await leader.say("/find tg: 30")) == [3, 2]  # filed in the last 30 days
    assert found(await leader.say("/find mất điện tg: 30 tt: đã xử lý")) == [3]
    [header] = await leader.say("/find mất điện tt: đang xử lý")
    assert header.text == t("vi", "find.header", text="mất điện · Đang xử lý", count=1)


async def test_a_filter_that_names_nothing_gets_a_polite_answer(leader: Person) -> None:
    [answer] = await leader.say("/find điện dv: Xã Không Có")
    assert answer.text == t("vi", "find.bad_unit", value="Xã Không Có") + "\n" + t("vi", "find.usage")
    [answer] = await leader.say("/find tg: hôm qua")
    assert answer.text.startswith(t("vi", "find.bad_period", value="hôm qua"))


async def test_the_picker_by_taps(leader: Person) -> None:
    [menu] = await leader.say("/find")
    assert menu.text == t("vi", "find.menu")
    assert labels(menu) == [
        "Lĩnh vực: Tất cả", "Đơn vị: Tất cả", "Trạng thái: Tất cả", "Thời gian: Tất cả", "🔎 Tìm", "✖ Hủy",
    ]  # fmt: skip
    await leader.tap("Lĩnh vực: Tất cả")
    [menu] = await leader.tap("Điện sinh hoạt")
    assert labels(menu)[0] == "Lĩnh vực: Điện sinh hoạt"
    await leader.tap("Trạng thái: Tất cả")
    [menu] = await leader.tap("Đang xử lý")
    assert labels(menu)[2] == "Trạng thái: Đang xử lý"
    assert found(await leader.tap("🔎 Tìm")) == [1]


async def test_typed_words_in_the_picker_search_with_the_filters_chosen(leader: Person) -> None:
    await leader.say("/find")
    await leader.tap("Đơn vị: Tất cả")
    await leader.tap("Xã Hàm Thắng")
    assert found(await leader.say("khói")) == [2]


async def test_a_commune_leader_finds_only_their_commune(world: Harness, leader: Person) -> None:
    hung = await join(world, "201", "Hùng", "X01", "leader")
    assert found(await hung.say("/find mất điện")) == [1]
    [menu] = await hung.say("/find")
    assert "Đơn vị: Tất cả" not in labels(menu)  # one unit in scope: no unit filter
