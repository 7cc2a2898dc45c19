"""The leaders' story end to end: an urgent report at night, the alert, assignment, progress, resolution by
reply, and the outcome with its photo back to the reporter; and a sensitive report kept from its commune."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.emulator import SimUser, TelegramEmulator
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
