"""Self-service as members would use it: their own phone number, asking to leave and a leader deciding."""

from __future__ import annotations

import pytest

from bot.core.texts import t
from handlers.selfservice import normalise_phone
from storage import issues as iss
from storage import members as mem
from tests.harness import Harness, Person, labels, texts
from tests.seed import invite_code
from tests.test_report import file_by_taps


async def join(world: Harness, user_id: str, name: str, unit: str, role: str = "member") -> Person:
    s = world.services
    code = await invite_code(s.db, s.settings, s.clock.now(), unit, role, name)
    p = world.person(user_id, name)
    await p.say(f"/start {code}")
    await world.collect()
    return p


async def member_of(world: Harness, user_id: str) -> mem.Member:
    m = await mem.get_member_by_identity(world.services.db.reader, "telegram", user_id)
    assert m is not None
    return m


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0905 123 456", "0905123456"),
        ("0905.123.456", "0905123456"),
        ("+84 905 123 456", "0905123456"),
        ("84905123456", "0905123456"),
        ("(+84) 327-888-999", "0327888999"),
        ("0123 456 789", None),  # old 11-digit-era prefix: not a mobile number today
        ("0905 123 45", None),
        ("0905 123 4567", None),
        ("090５123456", None),  # a full-width digit
        ("số của tôi", None),
    ],
)
def test_phone_numbers_are_vietnamese_mobiles_stored_in_national_form(typed: str, stored: str | None) -> None:
    assert normalise_phone(typed) == stored


async def test_a_member_sets_and_corrects_their_phone(world: Harness) -> None:
    lan = await join(world, "101", "Nguyễn Thị Lan", "X01")
    assert texts(await lan.say("/phone")) == [t("vi", "phone.current", phone="(chưa có)")]
    assert texts(await lan.say("/phone 0905 12")) == [t("vi", "phone.bad")]
    assert (await member_of(world, "101")).phone == ""  # a refusal changes nothing
    assert texts(await lan.say("/phone +84 905 123 456")) == [t("vi", "phone.saved", phone="0905 123 456")]
    assert (await member_of(world, "101")).phone == "0905123456"
    [me] = await lan.say("/me")
    assert "0905123456" in me.text
    assert texts(await lan.say("/phone")) == [t("vi", "phone.current", phone="0905 123 456")]


async def test_leaving_waits_for_a_leader_who_approves_and_assignments_return(world: Harness) -> None:
    lan = await join(world, "101", "Nguyễn Thị Lan", "X01")
    hung = await join(world, "201", "Trần Văn Hùng", "X01", "leader")
    other = await join(world, "301", "Lê Quang Minh", "X02", "leader")  # another commune's leader
    await file_by_taps(lan)
    await world.collect()
    async with world.services.db.transaction() as tx:  # #1 is assigned to Lan
        lan_id = (await member_of(world, "101")).id
        await iss.update_issue(tx, 1, world.services.clock.now(), assignee_id=lan_id, state="assigned")
    [sent, ask] = await lan.say("/leave")
    assert sent.text == t("vi", "leave.sent", unit="Xã Hàm Thắng") and sent.chat_id == "101"
    assert ask.chat_id == "201"
    assert ask.text == t("vi", "leave.ask_leader", name="Nguyễn Thị Lan", unit="Xã Hàm Thắng")
    assert labels(ask) == ["Đồng ý", "Không đồng ý"]
    assert (await member_of(world, "101")).active  # nothing changes until a leader decides
    assert texts(await lan.say("/leave")) == [t("vi", "leave.pending", date="01/12/2026")]
    # a leader of another commune and the member herself cannot decide, even with the button's data
    data = ask.choices[0][0].data
    assert texts(await other.tap_data(data)) == [t("vi", "error.bad_button")]
    assert texts(await lan.tap_data(data)) == [t("vi", "error.bad_button")]
    assert texts(await hung.tap_data("a:lv:yes:²")) == [t("vi", "error.bad_button")]
    assert (await member_of(world, "101")).active
    done = await hung.tap("Đồng ý")
    assert [(m.chat_id, m.text) for m in done] == [
        ("101", t("vi", "leave.approved_member")),
        ("201", t("vi", "leave.approved_leader", name="Nguyễn Thị Lan")),
    ]
    assert not (await member_of(world, "101")).active
    issue = await iss.get_issue(world.services.db.reader, 1)
    assert issue is not None and issue.assignee_id is None and issue.state == "acknowledged"
    assert texts(await hung.tap("Đồng ý")) == [t("vi", "leave.decided", name="Nguyễn Thị Lan")]  # once


async def test_a_refused_request_keeps_the_member(world: Harness) -> None:
    lan = await join(world, "101", "Nguyễn Thị Lan", "X01")
    hung = await join(world, "201", "Trần Văn Hùng", "X01", "leader")
    await lan.say("/leave")
    done = await hung.tap("Không đồng ý")
    assert [(m.chat_id, m.text) for m in done] == [
        ("101", t("vi", "leave.refused_member")),
        ("201", t("vi", "leave.refused_leader", name="Nguyễn Thị Lan")),
    ]
    assert (await member_of(world, "101")).active
    [sent, _ask] = await lan.say("/leave")  # she may ask again later
    assert sent.text == t("vi", "leave.sent", unit="Xã Hàm Thắng")


async def test_with_no_leader_above_the_request_is_not_sent(world: Harness) -> None:
    minh = await join(world, "301", "Lê Quang Minh", "T01", "leader")  # the province's only leader
    assert texts(await minh.say("/leave")) == [t("vi", "leave.no_leader")]


async def test_a_leader_invites_members_into_their_own_subtree_only(world: Harness) -> None:
    minh = await join(world, "301", "Lê Quang Minh", "T01", "leader")  # the province
    [ask_unit] = await minh.say("/invite")
    assert ask_unit.text == t("vi", "invite.ask_unit")
    assert labels(ask_unit) == ["Tỉnh Bình Thuận", "Xã Hàm Thắng", "Xã Hàm Liêm", "✖ Hủy"]
    [ask_name] = await minh.tap("Xã Hàm Liêm")  # no role question: a leader invites members
    assert ask_name.text == t("vi", "invite.ask_name")
    [created] = await minh.say("Võ Thị Hoa")
    assert created.text.startswith("Đã tạo mã mời cho Võ Thị Hoa (thành viên, Xã Hàm Liêm).\nMã: ")

    hung = await join(world, "201", "Trần Văn Hùng", "X01", "leader")  # a commune
    [ask_unit] = await hung.say("/invite")
    assert labels(ask_unit) == ["Xã Hàm Thắng", "✖ Hủy"]  # not the province, not the other commune
    forged = (
        ask_unit.choices[0][0].data.rsplit(":", 1)[0]
        + ":"
        + str(await world.services.db.reader.fetchval("SELECT id FROM units WHERE code = 'X02'"))
    )
    [refused] = await hung.tap_data(forged)
    assert refused.text.startswith(t("vi", "error.bad_button"))
    lan = await join(world, "101", "Nguyễn Thị Lan", "X01")
    assert texts(await lan.say("/invite")) == [t("vi", "error.unknown_command", command="invite")]
