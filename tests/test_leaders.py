"""The leaders' side through the handlers alone: who sees what, acting on issues, and every refusal."""

from __future__ import annotations

from datetime import datetime

from bot.core.clock import ManualClock
from bot.core.messages import Outgoing
from bot.core.texts import t
from bot.runtime import Services
from storage import issues as iss
from storage import members as mem
from storage.outbox import add_sent_reference
from tests.conftest import VN
from tests.harness import Harness, Person, labels, person, texts
from tests.test_report import file_by_taps


async def cast(world: Harness) -> dict[str, Person]:
    return {
        "lan": await person(world, "101", "Nguyễn Thị Lan", "X01", "member"),
        "hung": await person(world, "201", "Trần Văn Hùng", "X01", "leader"),
        "tam": await person(world, "202", "Lý Thị Tâm", "X02", "leader"),
        "minh": await person(world, "301", "Lê Quang Minh", "T01", "leader"),
        "dien": await person(world, "302", "Phạm Văn Điện", "T01", "member"),
    }


async def ref(world: Harness, chat: str, message_id: str, issue_id: int) -> None:
    async with world.services.db.transaction() as tx:
        await add_sent_reference(
            tx, "telegram", chat, message_id, None, issue_id, "", world.services.clock.now()
        )


async def test_a_leader_of_another_commune_can_neither_read_nor_act(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"])
    not_found = t("vi", "issue.not_found", number=1)
    assert texts(await c["tam"].say("/issue 1")) == [not_found]
    assert texts(await c["tam"].say("/issue_1")) == [not_found]
    assert texts(await c["tam"].say("/issue 999")) == [t("vi", "issue.not_found", number=999)]  # same answer
    assert texts(await c["tam"].tap_data("a:iss:resolve:1")) == [not_found]
    assert texts(await c["tam"].tap_data("a:iss:card:1")) == [not_found]
    assert texts(await c["tam"].say("/resolve 1 xong rồi")) == [not_found]
    # a reply to a message that was about issue 1, but in someone else's chat (forwarded): no reference here
    await ref(world, "201", "77", 1)
    assert texts(await c["tam"].reply("77", "đã xử lý")) == [t("vi", "reply.no_issue")]
    [open_list] = await c["tam"].say("/open")
    assert open_list.text == t("vi", "list.none")
    # the commune's own leader and the provincial leader do see it
    [card] = await c["hung"].say("/issue 1")
    assert card.text.startswith("Vụ việc #1: Thôn 3 mất điện") and card.issue_id == 1
    assert labels(card) == [
        "Tiếp nhận",
        "Giao xử lý",
        "Ghi chú",
        "Đã xử lý xong",
        "Trùng vụ việc…",
        "Chuyển đơn vị",
        "Đóng không xử lý",
        "Xin gia hạn",
    ]
    [minh_list] = await c["minh"].say("/open")
    assert labels(minh_list) == ["#1 🟠 Thôn 3 mất điện hai ngày nay, bà con rấ… — Mới tiếp nhận"]
    # a member who did not report it sees nothing either
    assert texts(await c["dien"].say("/issue 1")) == [not_found]


async def test_a_sensitive_report_is_hidden_from_its_communes_leaders(
    world: Harness, services: Services
) -> None:
    c = await cast(world)
    lan = c["lan"]
    await lan.say("/report")
    await lan.tap("Nhũng nhiễu, tiêu cực của cán bộ, công chức")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Cán bộ xã đòi tiền khi làm sổ đỏ")
    await lan.tap("Xong")
    await lan.tap("Bức xúc")
    await lan.tap("Một vài hộ")
    await lan.tap("Nghe trực tiếp người dân")
    await lan.tap("Có, ghi lại")
    await lan.say("Bà Năm, 0909 000 111")
    await lan.tap("Có, giữ bí mật")
    await lan.tap("✔ Gửi báo cáo")
    assert texts(await c["hung"].say("/issue 1")) == [t("vi", "issue.not_found", number=1)]
    assert texts(await c["hung"].say("/find sổ đỏ")) == [t("vi", "find.header", text="sổ đỏ", count=0)]
    [card] = await c["minh"].say("/issue 1")
    assert "Bà Năm, 0909 000 111" in card.text  # the owning unit's leader sees the source ...
    [found] = await c["minh"].say("/find so do")
    assert labels(found) == ["#1 🟠 Cán bộ xã đòi tiền khi làm sổ đỏ — Mới tiếp nhận"]
    views = await services.db.reader.fetchval(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'confidential.view'"
    )
    assert views == 1  # ... and that he saw it is on record


async def test_acknowledge_double_tap_and_reporter_notice(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"])
    out = await c["hung"].tap_data("a:iss:ack:1")
    assert out[0].text == t("vi", "act.acknowledged", number=1)
    notice = [o for o in out if o.chat_id == "101"]
    assert [o.text for o in notice] == [
        t("vi", "notice.acknowledged", number=1, title="Thôn 3 mất điện hai ngày nay, bà con rất bức xúc.")
    ]
    assert texts(await c["hung"].tap_data("a:iss:ack:1")) == [
        t("vi", "act.not_allowed", number=1, state="Đã tiếp nhận xử lý")
    ]


async def test_assign_progress_propose_confirm_and_resolve_notice(world: Harness, services: Services) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"])
    [ask] = await c["hung"].tap_data("a:iss:assign:1")
    assert ask.text == t("vi", "act.ask_assignee", number=1)
    assert "Phạm Văn Điện — Tỉnh Bình Thuận" in labels(ask)
    assert "Lý Thị Tâm — Xã Hàm Liêm" not in labels(ask)  # not in the owner's subtree or above it
    out = await c["hung"].tap("Phạm Văn Điện — Tỉnh Bình Thuận")
    assert out[0].text == t("vi", "act.assigned", number=1, name="Phạm Văn Điện")
    to_dien = [o for o in out if o.chat_id == "302"]
    assert to_dien[0].text.startswith(t("vi", "notice.assigned_to_you", number=1))
    assert labels(to_dien[0]) == ["Báo tiến độ", "Đề xuất kết quả", "Xin gia hạn"]
    await c["dien"].tap_data("a:iss:progress:1")
    [noted] = await c["dien"].say("Đã cử tổ kỹ thuật xuống kiểm tra")
    assert noted.text == t("vi", "act.progress_noted", number=1)
    await c["dien"].tap_data("a:iss:propose:1")
    out = await c["dien"].say("Đã thay máy biến áp, có điện lại từ 15:00")
    assert [o.text for o in out if o.chat_id == "302"] == [t("vi", "act.proposed", number=1)]
    [to_hung] = [o for o in out if o.chat_id == "201"]
    assert labels(to_hung) == ["Xác nhận kết quả", "Trả lại"]
    out = await c["hung"].tap("Xác nhận kết quả")
    assert out[-1].text == t("vi", "act.resolved", number=1, count=1)
    [to_lan] = [o for o in out if o.chat_id == "101"]
    assert to_lan.text == t(
        "vi", "notice.resolved", number=1, title="Thôn 3 mất điện hai ngày nay, bà con rất bức xúc.",
        resolution="Đã thay máy biến áp, có điện lại từ 15:00",
    )  # fmt: skip
    kinds = [(e.kind, e.to_state) for e in await iss.list_thread(services.db.reader, 1)]
    assert kinds == [
        ("report", "new"), ("state", "assigned"), ("progress", None), ("proposal", None),
        ("proposal_confirmed", None), ("state", "resolved"),
    ]  # fmt: skip


async def test_resolving_asks_once_for_evidence_and_refuses_empty_text(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"])
    assert texts(await c["hung"].say("/resolve 1")) == [
        t("vi", "act.usage", command="resolve", more=" nội dung")
    ]
    [ask] = await c["hung"].tap_data("a:iss:resolve:1")
    assert ask.text == t("vi", "act.ask_resolution", number=1)
    [empty] = await c["hung"].say("   ")
    assert empty.text.startswith(t("vi", "act.empty_text"))
    [evidence] = await c["hung"].say("Đã sửa xong đường dây")
    assert evidence.text == t("vi", "act.ask_evidence")
    await c["hung"].tap("Gửi kèm ảnh, tài liệu")
    await c["hung"].send_media("photo", file_ref="cc/evidence.jpg")
    out = await c["hung"].tap("Xong")
    photo, text = [o for o in out if o.chat_id == "101"]  # the evidence, then the outcome
    assert [a.file_ref for a in photo.attachments] == ["cc/evidence.jpg"]
    assert text.text.endswith("Kết quả: Đã sửa xong đường dây") and text.issue_id == 1


async def test_two_leaders_resolving_at_once_one_wins(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"])
    await c["hung"].tap_data("a:iss:resolve:1")
    await c["hung"].say("Đã xử lý theo cách A")
    await c["minh"].say("/resolve 1 Đã xử lý theo cách B")
    out = await c["minh"].tap("Không, gửi kết quả luôn")
    assert out[-1].text == t("vi", "act.resolved", number=1, count=1)
    [late] = await c["hung"].tap("Không, gửi kết quả luôn")
    assert late.text == t("vi", "act.not_allowed", number=1, state="Đã xử lý")


async def test_duplicates_cycles_closed_issues_and_bad_assignees(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"], "Thôn 3 mất điện")
    await file_by_taps(c["lan"], "Thôn 5 ngập nước do mất điện trạm bơm")
    hung = c["hung"]
    assert texts(await hung.say("/dup 1 1")) == [t("vi", "act.dup_self")]
    assert texts(await hung.say("/dup 1 99")) == [t("vi", "act.dup_target_gone", target=99)]
    out = await hung.say("/dup 2 1")
    assert [o.text for o in out if o.chat_id == "201"] == [t("vi", "act.duplicate", number=2, target=1)]
    assert [o.text for o in out if o.chat_id == "101"] == [t("vi", "notice.duplicate", number=2, target=1)]
    assert texts(await hung.say("/dup 1 2")) == [t("vi", "act.dup_target_gone", target=2)]  # a merged issue
    assert texts(await hung.say("/comment 2 thêm")) == [
        t("vi", "act.not_allowed", number=2, state="Trùng vụ việc khác")
    ]
    await hung.tap_data("a:iss:assign:1")
    [bad] = await hung.tap_data("c99:m:202")  # a stale/forged person button
    assert bad.text.startswith(t("vi", "error.stale_button"))
    await hung.say("/cancel")
    # the resolution of #1 reaches the reporter of the merged #2 too
    await hung.say("/resolve 1 Đã khôi phục điện")
    out = await hung.tap("Không, gửi kết quả luôn")
    assert out[-1].text == t("vi", "act.resolved", number=1, count=1)


async def test_reply_to_an_alert_offers_resolve_internal_or_update(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    c = await cast(world)
    clock.set(datetime(2026, 12, 1, 22, 0, tzinfo=VN))
    lan = c["lan"]
    await lan.say("/report")
    await lan.tap("Tệ nạn xã hội")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Hai nhóm thanh niên hẹn đánh nhau tối nay")
    await lan.tap("Xong")
    await lan.tap("Khẩn cấp — có nguy cơ thành điểm nóng")
    await lan.tap("Cả thôn, ấp, khu phố")
    await lan.tap("Mạng xã hội")
    await lan.tap("Không ghi")
    out = await lan.tap("✔ Gửi báo cáo")
    alerts = [o for o in out if o.chat_id != "101"]
    assert [o.chat_id for o in alerts] == ["201"]  # the commune's leader, not Tâm of the other commune
    assert alerts[0].urgent and alerts[0].text.startswith(t("vi", "alert.urgent"))
    await ref(world, "201", "500", 1)
    [offer] = await c["hung"].reply("500", "Đã báo công an xã có mặt")
    assert offer.text == t("vi", "act.reply_offer", number=1)
    assert labels(offer) == ["Làm kết quả xử lý", "Ghi chú nội bộ", "Gửi cập nhật cho người báo cáo", "✖ Hủy"]
    out = await c["hung"].tap("Gửi cập nhật cho người báo cáo")
    assert [o.chat_id for o in out] == ["201", "101"] or [o.chat_id for o in out][:2] == ["101", "201"]
    assert texts([o for o in out if o.chat_id == "101"]) == [
        t(
            "vi",
            "notice.update",
            number=1,
            title="Hai nhóm thanh niên hẹn đánh nhau tối nay",
            text="Đã báo công an xã có mặt",
        )
    ]


async def test_hot_spot_alerts_once_when_the_threshold_is_crossed(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"], "Thôn 3 mất điện")
    hoa = await person(world, "103", "Võ Thị Hoa", "X01", "member")
    await file_by_taps(hoa, "Thôn 4 cũng mất điện")
    out = await file_by_taps(c["lan"], "Thôn 6 mất điện cả ngày")
    alerts = [o for o in out if isinstance(o, Outgoing) and o.chat_id == "201"]
    assert alerts and alerts[0].text.startswith(t("vi", "alert.hotspot", count=3, days=7))


async def test_assigning_outside_the_allowed_units_is_refused(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"])
    [ask] = await c["hung"].tap_data("a:iss:assign:1")
    nonce = ask.choices[0][0].data.split(":")[0]
    tam = await mem.get_member_by_identity(world.services.db.reader, "telegram", "202")
    assert tam is not None
    # Tâm leads another commune: she is not among the options, so the forged choice is refused
    [refused] = await c["hung"].tap_data(f"{nonce}:m:{tam.id}")
    assert refused.text.startswith(t("vi", "error.bad_button"))
    issue = await iss.get_issue(world.services.db.reader, 1)
    assert issue is not None and issue.assignee_id is None


async def test_deactivation_and_replacement_move_open_assignments(world: Harness, services: Services) -> None:
    from handlers.admin import deactivate_member, replace_member

    c = await cast(world)
    await file_by_taps(c["lan"], "Thôn 3 mất điện")
    await file_by_taps(c["lan"], "Đường liên xã sạt lở nặng")
    dien = await mem.get_member_by_identity(services.db.reader, "telegram", "302")
    minh = await mem.get_member_by_identity(services.db.reader, "telegram", "301")
    assert dien is not None and minh is not None
    for n in (1, 2):
        await c["hung"].tap_data(f"a:iss:assign:{n}")
        await c["hung"].tap("Phạm Văn Điện — Tỉnh Bình Thuận")
    now = services.clock.now()
    async with services.db.transaction() as tx:
        await replace_member(tx, dien.id, minh.id, now)
    assert [(await iss.get_issue(services.db.reader, n)).assignee_id for n in (1, 2)] == [minh.id, minh.id]  # type: ignore[union-attr]
    async with services.db.transaction() as tx:
        await deactivate_member(tx, minh.id, now)
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.assignee_id is None and issue.state == "acknowledged"
    assert [e.kind for e in await iss.list_thread(services.db.reader, 1)][-2:] == ["reassigned", "unassigned"]


def last_card(world: Harness, chat: str) -> Outgoing:
    """The latest message edited in ``chat``: the card refreshed in place (the harness taps message "1")."""
    edit = world.edits_in(chat)[-1]
    assert edit.edit_of == "1" and edit.text.startswith("Vụ việc #1: ") and edit.issue_id == 1
    return edit


async def test_each_action_from_the_card_ends_with_the_card_refreshed(world: Harness) -> None:
    c = await cast(world)
    await file_by_taps(c["lan"])
    hung, dien = c["hung"], c["dien"]
    await hung.say("/issue 1")
    assert world.edits_in("201") == []
    await hung.tap("Ghi chú")
    assert world.edits_in("201") == []  # asking for the text: the card keeps its buttons, unchanged
    assert texts(await hung.say("Cần kiểm tra trạm biến áp")) == [t("vi", "act.commented", number=1)]
    card = last_card(world, "201")
    assert (
        card.text.endswith("— Trần Văn Hùng: Cần kiểm tra trạm biến áp")
        and "Trạng thái: Mới tiếp nhận" in card.text
    )
    assert labels(card)[0] == "Tiếp nhận"

    # the assignee's proposal, confirmed from the message that carried it: that message becomes the card
    await hung.tap_data("a:iss:assign:1")
    await hung.tap("Phạm Văn Điện — Tỉnh Bình Thuận")
    await dien.tap_data("a:iss:propose:1")
    await dien.say("Đã thay máy biến áp")
    assert "\nTrạng thái: Đã giao xử lý\n" in last_card(world, "302").text  # hers, refreshed too
    assert labels(last_card(world, "302")) == ["Báo tiến độ", "Đề xuất kết quả", "Xin gia hạn"]
    assert texts(await hung.tap("Xác nhận kết quả"))[-1] == t("vi", "act.resolved", number=1, count=1)
    card = last_card(world, "201")
    assert "\nTrạng thái: Đã xử lý\n" in card.text
    assert "— Trần Văn Hùng: Xác nhận kết quả xử lý do cán bộ được giao đề xuất.\n" in card.text
    assert not any(line.endswith(": ") for line in card.text.splitlines())  # no entry without words
    assert labels(card) == ["Ghi chú", "Mở lại", "Xem thêm diễn biến"]  # over five entries now

    await hung.tap("Mở lại")
    assert texts(await hung.say("Chiều nay lại mất điện")) == [t("vi", "act.reopened", number=1)]
    card = last_card(world, "201")
    assert "\nTrạng thái: Mở lại\n" in card.text and card.text.endswith("Mở lại. Chiều nay lại mất điện")
    assert labels(card) == ["Tiếp nhận", "Giao xử lý", "Ghi chú", "Đã xử lý xong", "Trùng vụ việc…",
                            "Chuyển đơn vị", "Đóng không xử lý", "Xin gia hạn", "Xem thêm diễn biến"]  # fmt: skip
    # by command, no card was tapped: the answers say what happened, no card is sent or edited
    edits = len(world.edits_in("201"))
    assert texts(await hung.say("/comment 1 Đã báo điện lực")) == [t("vi", "act.commented", number=1)]
    assert len(world.edits_in("201")) == edits
