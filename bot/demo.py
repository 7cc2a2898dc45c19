"""``dlxh demo``: the real bot against the built-in emulator, on a temporary database, as a transcript.

The same code as ``dlxh run``: build_app, python-telegram-bot over HTTP, SQLite, the outbox, the jobs. A manual
clock starts on a Monday morning and jumps to the round's opening and closing. Each step waits for the bot's
answer before the next person acts, so the transcript reads in order.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App, build_app
from bot.core.clock import ManualClock
from bot.core.config import parse_settings
from bot.core.tables import Row
from bot.emulator import SimUser, TelegramEmulator
from handlers.admin import import_units
from handlers.people import create_invites
from storage import units as un

DEMO_UNITS = [
    ("BT", "Tỉnh Bình Thuận", ""),
    ("BT-HT", "Xã Hàm Thắng", "BT"),
    ("BT-HL", "Xã Hàm Liêm", "BT"),
]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 30, 9, 0, tzinfo=VN)  # a Monday morning
TIMEOUT = 10.0


async def _say(user: SimUser, text: str, answers: int = 1) -> None:
    await user.send_text(text)
    await user.next_messages(answers, timeout=TIMEOUT)


async def _tap(user: SimUser, label: str, answers: int = 1) -> None:
    await user.tap(label)
    await user.next_messages(answers, timeout=TIMEOUT)


async def _press(user: SimUser, label: str, answers: int = 1) -> None:
    await user.press(label)
    await user.next_messages(answers, timeout=TIMEOUT)


async def run_demo(keep: Path | None = None) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="dlxh-demo-") as tmp:
        base = keep or Path(tmp)
        async with TelegramEmulator(bot_username="dlxh_demo_bot") as emu:
            settings = parse_settings(
                {
                    "general": {"data_dir": str(base / "data")},
                    "telegram": {
                        "base_url": emu.base_url,
                        "base_file_url": emu.base_file_url,
                        "poll_timeout": 1,
                    },
                }
            )
            clock = ManualClock(START)
            app = build_app(settings, telegram_token=emu.token, clock=clock, run_jobs=False)
            await app.start()
            try:
                lines = await _script(app, emu, clock)
            finally:
                await app.stop()
    return lines


class _Transcript:
    """The emulator's two-way log, with the narrator's notes put in where they happened."""

    def __init__(self, emu: TelegramEmulator) -> None:
        self.emu = emu
        self.notes: list[tuple[int, str]] = []

    def note(self, text: str) -> None:
        self.notes.append((len(self.emu.log_lines()), text))

    def lines(self) -> list[str]:
        log = [line for line in self.emu.log_lines()]
        out: list[str] = []
        notes = list(self.notes)
        for i, line in enumerate(log):
            while notes and notes[0][0] == i:
                out += ["", notes.pop(0)[1], ""]
            if not line.startswith("🤖 ✎"):  # edits only take spent buttons off old messages
                out.append(line)
        out += [n for _, n in notes]
        return out


async def _script(app: App, emu: TelegramEmulator, clock: ManualClock) -> list[str]:
    db, settings = app.services.db, app.settings
    story = _Transcript(emu)
    now = clock.now()
    async with db.transaction() as tx:
        rows = [
            Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True)))
            for i, u in enumerate(DEMO_UNITS)
        ]
        await import_units(tx, rows, now, "demo")
        codes = {}
        for key, unit, role, name in (
            ("lan", "BT-HT", "member", "Nguyễn Thị Lan"),
            ("hung", "BT-HT", "leader", "Trần Văn Hùng"),
            ("minh", "BT", "leader", "Lê Quang Minh"),
        ):
            u = await un.get_unit_by_code(tx, unit)
            assert u is not None
            [inv] = await create_invites(
                tx,
                settings,
                now,
                unit_id=u.id,
                role=role,
                name=name,
                created_by="demo",
                bot_username=emu.bot_username,
            )
            codes[key] = inv.code
    story.note("── 1. Joining: an operator imported 3 units and made 3 invites; a stranger is refused ──")
    stranger = emu.user(9001, "Khách")
    await _say(stranger, "Xin chào, tôi muốn xem báo cáo")
    lan, hung, minh = emu.user(1001, "Lan"), emu.user(1002, "Hùng"), emu.user(1003, "Minh")
    for user, key in ((lan, "lan"), (hung, "hung"), (minh, "minh")):
        await _say(user, f"/start {codes[key]}")
        await _say(user, "/me")
    await _say(lan, "/help")

    story.note("── 2. A member files an urgent report: buttons, typing, the location key, a photo ──")
    await _press(lan, "Báo cáo mới")
    await _tap(lan, "Điện sinh hoạt")
    await _say(lan, "Thôn 3, đường ĐT 711")
    await _press(lan, "📍 Gửi vị trí", answers=2)
    await _say(lan, "Thôn 3 mất điện từ sáng qua, khoảng 40 hộ bị ảnh hưởng, bà con tụ tập trước trạm điện.")
    await lan.send_photo(b"\x89PNG\r\n\x1a\ndemo-photo", caption="Cột điện bị đổ")
    await lan.next_message(timeout=TIMEOUT)
    await _tap(lan, "Xong")
    await _tap(lan, "Khẩn cấp — có nguy cơ thành điểm nóng")
    await _tap(lan, "Cả thôn, ấp, khu phố")
    await _tap(lan, "Nghe trực tiếp người dân")
    await _tap(lan, "Không ghi")
    await lan.tap("✔ Gửi báo cáo")
    await lan.next_message(timeout=TIMEOUT)
    alert = await hung.next_message(timeout=TIMEOUT)

    story.note("── 3. The commune's leader acts from the alert: acknowledges, then resolves by replying ──")
    await hung.tap("Tiếp nhận", alert)
    await hung.next_message(timeout=TIMEOUT)
    await lan.next_message(timeout=TIMEOUT)
    await hung.reply(alert, "Đã xử lý xong: Điện lực Hàm Thuận Bắc dựng lại cột, có điện từ 15:00.")
    await hung.next_message(timeout=TIMEOUT)
    await _tap(hung, "Làm kết quả xử lý")
    await hung.tap("Không, gửi kết quả luôn")
    await hung.next_message(timeout=TIMEOUT)
    await lan.next_message(timeout=TIMEOUT)
    await _say(lan, "/my")

    story.note("── 4. The quarterly round: a focus topic, the opening prompt, an answer, the summary ──")
    await _say(minh, "/topics")
    await _say(minh, "Giải phóng mặt bằng đường ĐT 711")
    await _tap(minh, "Xong")
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=VN))
    story.note("⏰ 01/12/2026 08:00 — the round opens")
    await app.runner.run("rounds")
    await lan.next_message(timeout=TIMEOUT)
    await _tap(lan, "Trả lời ngay")
    await _say(lan, "Bà con muốn biết giá đền bù và thời gian giải phóng mặt bằng")
    await _tap(lan, "Có băn khoăn")
    await _say(lan, "Mong điện ổn định trước Tết")
    await _tap(lan, "Không")
    await _say(minh, "/round")
    clock.set(datetime(2026, 12, 21, 7, 0, tzinfo=VN))
    story.note("⏰ 21/12/2026 07:00 — the round has closed; each leader gets the summary of their scope")
    await app.runner.run("rounds")
    await minh.next_message(timeout=TIMEOUT)
    await hung.next_message(timeout=TIMEOUT)
    header = ["dlxh demo — the real bot against the built-in Telegram emulator (no token, no network)"]
    return header + story.lines()
