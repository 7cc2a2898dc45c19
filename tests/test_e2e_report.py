"""Filing reports end to end through the emulator: taps, typing, albums, adding, kills, practice, withdraw."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest

from bot.app import App
from bot.core.texts import t
from bot.emulator import SimUser, TelegramEmulator
from storage import issues as iss
from storage.db import Database
from tests import e2e
from tests.conftest import PINNED
from tests.e2e import BotProcess, running
from tests.seed import invite_code, seed_units

NOW = PINNED
PNG = b"\x89PNG\r\n\x1a\n" + b"demo-photo-%d"


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu) as a:
        await seed_units(a.services.db, NOW)
        yield a


join = partial(e2e.join, at=NOW)


async def step(user: SimUser, action: str, label: str = "", n: int = 1) -> str:
    """One action, then the text of the last of the ``n`` answers it brings."""
    if action == "tap":
        await user.tap(label)
    elif action == "press":
        await user.press(label)
    else:
        await user.send_text(label)
    return (await user.next_messages(n))[-1].text or ""


async def test_full_report_by_taps(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")
    assert await step(lan, "press", "Báo cáo mới") == t("vi", "report.ask_category")
    assert await step(lan, "tap", "Điện sinh hoạt") == t("vi", "report.ask_place")
    assert await step(lan, "text", "Thôn 3, đường ĐT 711") == t("vi", "report.ask_location")
    await lan.press("📍 Gửi vị trí")
    saved, describe = await lan.next_messages(2)
    assert saved.text == t("vi", "report.location_saved")
    assert saved.keyboard is not None and saved.keyboard[0][0] == (
        "Báo cáo mới",
        False,
    )  # the main menu is back
    assert describe.text == t("vi", "report.ask_describe")
    assert await step(lan, "text", "Thôn 3 mất điện từ sáng qua, 40 hộ ảnh hưởng.") == t("vi", "report.noted")
    assert await step(lan, "tap", "Xong") == t("vi", "report.ask_severity")
    await step(lan, "tap", "Khẩn cấp — có nguy cơ thành điểm nóng")
    await step(lan, "tap", "Cả thôn, ấp, khu phố")
    await step(lan, "tap", "Tại cuộc họp, hội nghị")
    summary = await step(lan, "tap", "Không ghi")
    assert "Vị trí: đã gửi" in summary and "Mức độ: Khẩn cấp" in summary
    filed = await step(lan, "tap", "✔ Gửi báo cáo")
    assert filed.startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.\nLãnh đạo Xã Hàm Thắng sẽ xem xét.")
    [report] = await iss.list_reports(app.services.db.reader, 1)
    assert (report.latitude, report.longitude) == (21.0285, 105.8542)
    # every tapped message lost its buttons
    assert all(m.buttons == [] for m in lan.messages if m.text and m.text.startswith("Bước 1/7"))


async def test_typing_only_without_accents(app: App, emu: TelegramEmulator) -> None:
    hoa = await join(app, emu, 102, "Võ Thị Hoa")
    for text in ("/report", "o nhiem", "bo qua", "bo qua", "Ca chet tren song Cai", "xong", "binh thuong", "mot vai ho",
                 "tu quan sat", "khong"):  # fmt: skip
        await step(
            hoa,
            "text",
            text,
            n=2 if text == "bo qua" and hoa.messages[-1].text == t("vi", "report.ask_location") else 1,
        )
    filed = await step(hoa, "text", "gui")
    assert filed.startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.")
    issue = await iss.get_issue(app.services.db.reader, 1)
    assert (
        issue is not None
        and issue.category == "o_nhiem_moi_truong"
        and issue.title == "Ca chet tren song Cai"
    )


async def test_an_album_is_one_answer_and_the_bytes_are_kept(app: App, emu: TelegramEmulator) -> None:
    nam = await join(app, emu, 103, "Đỗ Văn Nam")
    await step(nam, "text", "/report")
    await step(nam, "tap", "Khai thác khoáng sản trái phép")
    await step(nam, "tap", "Bỏ qua")
    await nam.press("Bỏ qua")
    await nam.next_messages(2)
    photos = [PNG % i for i in range(10)]
    await nam.send_album(photos, caption="Tàu hút cát trái phép ban đêm")
    ack = await nam.next_message()
    assert ack.text == t("vi", "report.noted_media", count=1)
    await nam.tap("Xong", ack)
    assert (await nam.next_message()).text == t("vi", "report.ask_severity")
    assert not nam.pending()  # one acknowledgement for ten photos
    await step(nam, "tap", "Bức xúc")
    await step(nam, "tap", "Cả xã, phường")
    summary = await step(nam, "tap", "Tự quan sát")  # seen by the member: no citizen question
    assert "Tệp đính kèm: 10" in summary
    await step(nam, "tap", "✔ Gửi báo cáo")
    atts = await iss.list_attachments(app.services.db.reader, 1)
    assert sorted(app.services.files.read(a.file_ref) for a in atts) == sorted(photos)


async def test_a_report_added_to_an_existing_issue_and_a_reply_adds_to_it(
    app: App, emu: TelegramEmulator
) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")
    hoa = await join(app, emu, 102, "Võ Thị Hoa")
    for user, words in ((lan, "Thôn 3 mất điện hai ngày"), (hoa, "Thôn 3 mất điện đã hai ngày rồi")):
        await step(user, "text", "/report")
        await step(user, "tap", "Điện sinh hoạt")
        await step(user, "text", "Thôn 3")
        await user.press("Bỏ qua")
        await user.next_messages(2)
        await step(user, "text", words)
        await step(user, "tap", "Xong")
        await step(user, "tap", "Bức xúc")
        await step(user, "tap", "Cả thôn, ấp, khu phố")
        offer = await step(user, "tap", "Nghe trực tiếp người dân")
        assert offer == t("vi", "report.ask_citizen_q")
        nxt = await step(user, "tap", "Không ghi")
        if user is hoa:
            assert nxt.startswith("Có vụ việc đang mở có thể là cùng sự việc:\n#1 — Điện sinh hoạt, Thôn 3")
            await step(user, "tap", "Bổ sung vào #1")
        filed = await step(user, "tap", "✔ Gửi báo cáo")
    assert filed == t("vi", "report.added", number=1, reports=2)
    confirmation = hoa.messages[-1]
    await hoa.reply(confirmation, "Chiều nay vẫn chưa có điện", photo=None)
    assert (await hoa.next_message()).text == t("vi", "add.done", number=1)
    await hoa.reply(confirmation, photo=PNG % 99, caption="Ảnh trạm biến áp")
    assert (await hoa.next_message()).text == t("vi", "add.done", number=1)
    kinds = [e.kind for e in await iss.list_thread(app.services.db.reader, 1)]
    assert kinds == ["report", "report", "addition", "addition"]
    assert len(await iss.list_attachments(app.services.db.reader, 1)) == 1


async def test_practice_files_nothing_and_withdraw(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")
    assert await step(lan, "text", "/practice", n=2) == "[LUYỆN TẬP] " + t("vi", "report.ask_category")
    await step(lan, "tap", "Khác")
    await step(lan, "tap", "Bỏ qua")
    await lan.press("Bỏ qua")
    await lan.next_messages(2)
    await step(lan, "text", "Bài tập")
    await step(lan, "tap", "Xong")
    await step(lan, "tap", "Bình thường")
    await step(lan, "tap", "Một vài hộ")
    await step(lan, "tap", "Tự quan sát")
    assert await step(lan, "tap", "✔ Gửi báo cáo") == t("vi", "report.practice_done")
    assert await app.services.db.reader.fetchval("SELECT COUNT(*) FROM issues") == 0
    await step(lan, "text", "/report")
    await step(lan, "tap", "Khác")
    await step(lan, "tap", "Bỏ qua")
    await lan.press("Bỏ qua")
    await lan.next_messages(2)
    await step(lan, "text", "Gửi nhầm")
    await step(lan, "tap", "Xong")
    await step(lan, "tap", "Bình thường")
    await step(lan, "tap", "Một vài hộ")
    await step(lan, "tap", "Tự quan sát")
    await step(lan, "tap", "✔ Gửi báo cáo")
    assert await step(lan, "text", "/withdraw 1") == t("vi", "withdraw.done", number=1)
    mine = await step(lan, "text", "/my")
    assert mine == t("vi", "my.header", page=1, pages=1)
    assert lan.messages[-1].labels() == ["#1 Khác — Đã rút"]


async def test_a_kill_mid_draft_resumes_where_the_member_was(tmp_path: Path, emu: TelegramEmulator) -> None:
    bot = BotProcess(tmp_path, emu)
    db = await Database.open(bot.settings.database_target)
    await seed_units(db, NOW)
    code = await invite_code(db, bot.settings, NOW, "X01", "member", "Nguyễn Thị Lan")
    await db.close()
    lan = emu.user(101, "Lan")
    bot.start()
    try:
        await lan.send_text(f"/start {code}")
        await lan.next_message(timeout=30)
        await step(lan, "text", "/report")
        await step(lan, "tap", "Tệ nạn xã hội")
        await step(lan, "text", "Xóm Bàu")
        await bot.kill()
        bot.start()
        await lan.press("Bỏ qua")  # the location question, answered after the restart
        seen = [(await lan.next_message(timeout=30)).text]
        while seen[-1] != t("vi", "report.ask_describe") and len(seen) < 4:
            seen.append((await lan.next_message(timeout=30)).text)
        # the question sent just before the kill may come again (delivery is at least once)
        assert seen[-2:] == [t("vi", "report.location_skipped"), t("vi", "report.ask_describe")]
        assert set(seen[:-2]) <= {t("vi", "report.ask_location")}
        await step(lan, "text", "Tụ tập đánh bạc ban đêm")
        await step(lan, "tap", "Xong")
        await step(lan, "tap", "Bức xúc")
        await step(lan, "tap", "Một vài hộ")
        summary = await step(lan, "tap", "Tự quan sát")
        assert "Địa điểm: Xóm Bàu" in summary and "Lĩnh vực: Tệ nạn xã hội" in summary
    finally:
        await bot.stop()
