"""The leaders' story end to end: an urgent report at night, the alert, assignment, progress, resolution by
reply, and the outcome with its photo back to the reporter; a sensitive report kept from its commune; and the
card after each action: the tapped alert or card edited in place into the current card, with the buttons
still of use (stale and forged taps refused politely)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest

from bot.app import App
from bot.core.buttons import IssueAction, IssueButton, encode
from bot.core.clock import ManualClock
from bot.core.messages import Choice, Outgoing
from bot.core.texts import t
from bot.emulator import BotMessage, SimUser, TelegramEmulator
from bot.telegram import TelegramSender
from storage import issues as iss
from tests import e2e
from tests.conftest import VN
from tests.e2e import running
from tests.seed import seed_units

NIGHT = datetime(2026, 12, 1, 22, 0, tzinfo=VN)
PHOTO = b"\x89PNG\r\n\x1a\nevidence"


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu, clock=ManualClock(NIGHT)) as a:
        await seed_units(a.services.db, NIGHT)
        yield a


join = partial(e2e.join, at=NIGHT)


async def report(lan: SimUser, category: str, text: str, severity: str) -> str:
    for action, label in (("text", "/report"), ("tap", category), ("tap", "Bỏ qua"), ("press", "Bỏ qua"),
                          ("text", text), ("tap", "Xong"), ("tap", severity), ("tap", "Cả thôn, ấp, khu phố"),
                          ("tap", "Nghe trực tiếp người dân"), ("tap", "Không ghi"), ("tap", "✔ Gửi báo cáo")):  # fmt: skip
        if action == "text":
            await lan.send_text(label)
        elif action == "tap":
            await lan.tap(label)
        else:
            await lan.press(label)
        answers = await lan.next_messages(2 if action == "press" else 1)
    return answers[-1].text or ""


async def test_urgent_report_at_night_to_resolution_with_photo(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    tam = await join(app, emu, 202, "Lý Thị Tâm", "X02", "leader")
    dien = await join(app, emu, 302, "Phạm Văn Điện", "T01", "member")

    filed = await report(
        lan,
        "Tệ nạn xã hội",
        "Hai nhóm thanh niên hẹn đánh nhau ở bãi cát thôn 3",
        "Khẩn cấp — có nguy cơ thành điểm nóng",
    )
    assert filed.startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.")
    alert = await hung.next_message()  # 22:00, quiet hours: urgent alerts go out at once
    assert (alert.text or "").startswith(t("vi", "alert.urgent") + "\n\nVụ việc #1: Hai nhóm thanh niên")
    assert alert.labels()[:2] == ["Tiếp nhận", "Giao xử lý"]
    assert [m.text for m in tam.messages][1:] == []  # the other commune's leader heard nothing
    rows = await app.services.db.reader.fetchval("SELECT COUNT(*) FROM outbox WHERE chat_id = '202'")
    assert rows == 2  # her welcome and her command menu only

    await hung.tap("Giao xử lý", alert)
    ask = await hung.next_message()
    assert ask.text == t("vi", "act.ask_assignee", number=1)
    await hung.tap("Phạm Văn Điện — Tỉnh Bình Thuận", ask)
    assert (await hung.next_message()).text == t("vi", "act.assigned", number=1, name="Phạm Văn Điện")
    card = await dien.next_message()
    assert (card.text or "").startswith(t("vi", "notice.assigned_to_you", number=1))

    await dien.reply(card, photo=b"\x89PNG\r\n\x1a\nprogress", caption="Công an xã đã có mặt tại bãi cát")
    offer = await dien.next_message()
    assert offer.labels() == ["Báo tiến độ", "Đề xuất làm kết quả", "✖ Hủy"]
    await dien.tap("Báo tiến độ", offer)
    assert (await dien.next_message()).text == t("vi", "act.progress_noted", number=1)

    await hung.reply(alert, "Đã xử lý xong: hai nhóm đã giải tán, công an xã lập biên bản.")
    offer = await hung.next_message()
    assert offer.labels()[:3] == ["Làm kết quả xử lý", "Ghi chú nội bộ", "Gửi cập nhật cho người báo cáo"]
    await hung.tap("Làm kết quả xử lý", offer)
    assert (await hung.next_message()).text == t("vi", "act.ask_evidence")
    await hung.tap("Gửi kèm ảnh, tài liệu")
    assert (await hung.next_message()).text == t("vi", "act.ask_evidence_files")
    await hung.send_photo(PHOTO)
    ack = await hung.next_message()
    await hung.tap("Xong", ack)
    # at 22:00 the outcome is held for the night, and the leader is told so, not that it was sent
    assert (await hung.next_message()).text == t(
        "vi", "act.resolved_held", number=1, count=1, time="07:00 02/12/2026"
    )
    assert t("vi", "act.resolved_held", number=1, count=1, time="07:00 02/12/2026").endswith(
        "kết quả sẽ gửi tới 1 người báo cáo lúc 07:00 02/12/2026 (giờ nghỉ)."
    )
    # the prompt he tapped last is now the card: resolved, with what may still be done
    now_card = ack.text or ""
    assert now_card.startswith("Vụ việc #1: Hai nhóm thanh niên") and "\nTrạng thái: Đã xử lý\n" in now_card
    # and the progress photo and the resolution's photo on the card's attachments button
    assert ack.labels() == ["Ghi chú", "Mở lại", t("vi", "btn.files", count=2)]
    await hung.reply(ack, "Đề nghị công an xã tiếp tục theo dõi.")  # a card now: a reply to it acts on #1
    offer = await hung.next_message()
    assert offer.text == t("vi", "act.reply_offer", number=1)
    assert offer.labels() == ["Ghi chú nội bộ", "Gửi cập nhật cho người báo cáo", "✖ Hủy"]
    await hung.tap("✖ Hủy", offer)
    assert (await hung.next_message()).text == t("vi", "flow.cancelled")

    # notices to the reporter are not urgent: they wait out the night and go at 07:00, in order
    assert lan.pending() == []
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2026, 12, 2, 7, 0, tzinfo=VN))
    assigned, photo, outcome = await lan.next_messages(3)
    assert assigned.text == t(
        "vi", "notice.assigned", number=1, title="Hai nhóm thanh niên hẹn đánh nhau ở bãi cát thôn 3"
    )
    assert photo.kind == "photo" and photo.file == PHOTO
    assert outcome.text == t(
        "vi", "notice.resolved", number=1, title="Hai nhóm thanh niên hẹn đánh nhau ở bãi cát thôn 3",
        resolution="Đã xử lý xong: hai nhóm đã giải tán, công an xã lập biên bản.",
    )  # fmt: skip
    thread = await iss.list_thread(app.services.db.reader, 1)
    assert [(e.kind, e.to_state) for e in thread] == [
        ("report", "new"), ("state", "assigned"), ("progress", None), ("state", "resolved"),
    ]  # fmt: skip
    assert len(await iss.list_attachments(app.services.db.reader, 1)) == 2  # progress photo, evidence photo


async def test_a_sensitive_report_alerts_the_province_not_the_commune(
    app: App, emu: TelegramEmulator
) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    minh = await join(app, emu, 301, "Lê Quang Minh", "T01", "leader")
    filed = await report(lan, "Nhũng nhiễu, tiêu cực của cán bộ, công chức", "Cán bộ địa chính xã đòi tiền",
                         "Khẩn cấp — có nguy cơ thành điểm nóng")  # fmt: skip
    assert "Lãnh đạo Tỉnh Bình Thuận sẽ xem xét." in filed
    alert = await minh.next_message()
    assert (alert.text or "").startswith(t("vi", "alert.urgent"))
    await hung.send_text("/issue 1")
    assert (await hung.next_message()).text == t("vi", "issue.not_found", number=1)
    await hung.send_text("/open")
    assert (await hung.next_message()).text == t("vi", "list.none")


FIGHT = "Hai nhóm thanh niên hẹn đánh nhau ở bãi cát thôn 3"
FILED = f"• 01/12 22:00 — Nguyễn Thị Lan: Báo cáo (Cả thôn, ấp, khu phố; Nghe trực tiếp người dân): {FIGHT}"
ACKED = "• 01/12 22:00 — Trần Văn Hùng: Chuyển trạng thái: Đã tiếp nhận xử lý"
ASSIGNED = "• 01/12 22:00 — Trần Văn Hùng: Chuyển trạng thái: Đã giao xử lý. Phạm Văn Điện"
RESOLVED = "• 01/12 22:00 — Trần Văn Hùng: Chuyển trạng thái: Đã xử lý. Hai nhóm đã giải tán."
# the buttons of an open issue once it is acknowledged, row after row
WORKING = ["Giao xử lý", "Ghi chú", "Đã xử lý xong", "Trùng vụ việc…", "Chuyển đơn vị", "Đóng không xử lý",
           "Xin gia hạn"]  # fmt: skip


def card_1(state: str, assignee: str, *entries: str) -> str:
    """Issue #1's card as Hùng reads it at 22:00 on 01/12."""
    return "\n".join([
        f"Vụ việc #1: {FIGHT}", "Lĩnh vực: Tệ nạn xã hội", "Nơi xảy ra: Xã Hàm Thắng",
        "Đơn vị phụ trách: Xã Hàm Thắng", "Mức độ: Khẩn cấp — có nguy cơ thành điểm nóng",
        f"Trạng thái: {state}", "Hạn tiếp nhận: 02:00 02/12/2026", "Hạn xử lý: 22:00 02/12/2026",
        f"Người được giao: {assignee}", "Số báo cáo: 1", "", "Diễn biến gần nhất:", *entries,
    ])  # fmt: skip


async def urgent_alert(app: App, emu: TelegramEmulator) -> tuple[SimUser, SimUser, BotMessage]:
    """Lan files an urgent report at 22:00; Hùng, the commune's leader, is alerted at once."""
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    await report(lan, "Tệ nạn xã hội", FIGHT, "Khẩn cấp — có nguy cơ thành điểm nóng")
    alert = await hung.next_message()
    assert alert.text == t("vi", "alert.urgent") + "\n\n" + card_1("Mới tiếp nhận", "(chưa có)", FILED)
    assert alert.labels() == ["Tiếp nhận", *WORKING]
    return lan, hung, alert


async def test_acknowledging_an_alert_turns_it_into_the_card_that_still_offers_assign_and_resolve(
    app: App, emu: TelegramEmulator
) -> None:
    _, hung, alert = await urgent_alert(app, emu)
    await hung.tap("Tiếp nhận", alert)
    assert (await hung.next_message()).text == t("vi", "act.acknowledged", number=1)
    await emu.wait_calls("editMessageText")
    # the alert itself is now the card: the new state, the history line, the buttons still of use
    assert alert.text == card_1("Đã tiếp nhận xử lý", "(chưa có)", FILED, ACKED)
    assert alert.labels() == WORKING
    assert alert.edits == 1 and hung.pending() == []  # edited in place, no second card


async def test_assign_then_resolve_from_the_card_refresh_it_in_place(app: App, emu: TelegramEmulator) -> None:
    dien = await join(app, emu, 302, "Phạm Văn Điện", "T01", "member")
    _, hung, alert = await urgent_alert(app, emu)
    await hung.tap("Giao xử lý", alert)
    ask = await hung.next_message()
    assert ask.text == t("vi", "act.ask_assignee", number=1)
    assert alert.labels() == ["Tiếp nhận", *WORKING]  # while she chooses, the alert keeps its buttons
    await hung.tap("Phạm Văn Điện — Tỉnh Bình Thuận", ask)
    assert (await hung.next_message()).text == t("vi", "act.assigned", number=1, name="Phạm Văn Điện")
    await emu.wait_calls("editMessageText")
    assert alert.text == card_1("Đã giao xử lý", "Phạm Văn Điện", FILED, ASSIGNED)
    assert alert.labels() == WORKING and ask.labels() == []  # the spent prompt has no buttons left
    to_dien = await dien.next_message()
    assert (to_dien.text or "").startswith(t("vi", "notice.assigned_to_you", number=1) + "\n\nVụ việc #1: ")

    await hung.tap("Đã xử lý xong", alert)
    assert (await hung.next_message()).text == t("vi", "act.ask_resolution", number=1)
    await hung.send_text("Hai nhóm đã giải tán.")
    evidence = await hung.next_message()
    assert evidence.text == t("vi", "act.ask_evidence")
    await hung.tap("Không, gửi kết quả luôn", evidence)
    assert (await hung.next_message()).text == t(
        "vi", "act.resolved_held", number=1, count=1, time="07:00 02/12/2026"
    )
    await emu.wait_calls("editMessageText", 2)
    assert alert.text == card_1("Đã xử lý", "Phạm Văn Điện", FILED, ASSIGNED, RESOLVED)
    assert alert.labels() == ["Ghi chú", "Mở lại"] and alert.edits == 2
    assert hung.pending() == []


async def test_a_stale_copy_and_a_forged_tap_are_refused_politely(app: App, emu: TelegramEmulator) -> None:
    tam = await join(app, emu, 202, "Lý Thị Tâm", "X02", "leader")
    lan, hung, alert = await urgent_alert(app, emu)
    await hung.send_text("/issue 1")
    copy = await hung.next_message()  # a second copy of the card, opened before acting on the alert
    assert copy.text == card_1("Mới tiếp nhận", "(chưa có)", FILED)
    assert copy.labels() == ["Tiếp nhận", *WORKING]
    await hung.tap("Tiếp nhận", alert)
    assert (await hung.next_message()).text == t("vi", "act.acknowledged", number=1)

    await hung.tap("Tiếp nhận", copy)  # stale: refused, and the copy shows where the issue stands now
    assert (await hung.next_message()).text == t(
        "vi", "act.not_allowed", number=1, state="Đã tiếp nhận xử lý"
    )
    await emu.wait_calls("editMessageText", 2)
    assert copy.text == alert.text == card_1("Đã tiếp nhận xử lý", "(chưa có)", FILED, ACKED)
    assert copy.labels() == WORKING

    # another commune's leader forges the button: "not found", nothing shown, nothing changed
    welcome = tam.last()
    assert welcome is not None
    await tam.tap_data(welcome.message_id, encode(IssueButton(IssueAction.ACK, 1)))
    assert (await tam.next_message()).text == t("vi", "issue.not_found", number=1)
    assert (welcome.text or "").startswith("Chào mừng đồng chí Lý Thị Tâm!") and welcome.edits == 0
    # the reporter forges it on her own issue: the same "not found", and no card of it
    filed = lan.last()
    assert filed is not None
    await lan.tap_data(filed.message_id, encode(IssueButton(IssueAction.ACK, 1)))
    assert (await lan.next_message()).text == t("vi", "issue.not_found", number=1)
    assert (filed.text or "").startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.") and filed.edits == 0
    assert emu.calls["editMessageText"] == 2
    thread = await iss.list_thread(app.services.db.reader, 1)
    assert [(e.kind, e.to_state) for e in thread] == [("report", "new"), ("state", "acknowledged")]


async def test_a_message_that_cannot_be_edited_gets_the_card_anew(app: App, emu: TelegramEmulator) -> None:
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    sender = app.worker.senders["telegram"]
    assert isinstance(sender, TelegramSender)
    buttons = [[Choice("Tiếp nhận", encode(IssueButton(IssueAction.ACK, 1)))]]
    first = await sender.send(Outgoing(chat_id="201", text="Vụ việc #1", choices=buttons))
    assert first is not None
    [shown] = await hung.next_messages(1)
    # the same text and buttons again: Telegram says "not modified", which is no failure and no new message
    same = Outgoing(chat_id="201", text="Vụ việc #1", choices=buttons, edit_of=first)
    assert await sender.send(same) == first
    assert hung.pending() == [] and shown.edits == 0
    assert await sender.bot.delete_message(201, int(first))  # gone meanwhile
    again = await sender.send(
        Outgoing(chat_id="201", text="Vụ việc #1 (mới)", choices=buttons, edit_of=first)
    )
    assert again is not None and again != first
    [fresh] = await hung.next_messages(1)
    assert fresh.text == "Vụ việc #1 (mới)" and fresh.labels() == ["Tiếp nhận"]
