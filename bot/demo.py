"""``dlxh demo``: the real bot against the built-in emulator, on a temporary database, as a transcript.

The same code as ``dlxh run``: build_app, python-telegram-bot over HTTP, SQLite, the outbox, the jobs. A manual
clock starts on a Monday morning and jumps to the round's opening and closing. Each step waits for the bot's
answer before the next person acts, so the transcript reads in order, and each line is written (and flushed)
as it happens: the story in four scenes (:data:`SCENES`) takes about half a minute. A reader that stops
early (``dlxh demo | head``) ends the demo quietly.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.app import App, build_app
from bot.core.clock import ManualClock
from bot.core.config import parse_settings
from bot.core.tables import Row
from bot.emulator import BotMessage, SimUser, TelegramEmulator
from handlers.admin import import_units
from handlers.people import create_invites
from storage import units as un

if TYPE_CHECKING:
    from bot.core.config import Settings

DEMO_UNITS = [
    ("BT", "Tỉnh Bình Thuận", ""),
    ("BT-HT", "Xã Hàm Thắng", "BT"),
    ("BT-HL", "Xã Hàm Liêm", "BT"),
]
DEMO_PEOPLE = [
    ("lan", "BT-HT", "member", "Nguyễn Thị Lan"),
    ("hung", "BT-HT", "leader", "Trần Văn Hùng"),
    ("minh", "BT", "leader", "Lê Quang Minh"),
]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 11, 30, 9, 0, tzinfo=VN)  # a Monday morning
TIMEOUT = 10.0
HEADER = (
    "dlxh demo — the real bot against the built-in Telegram emulator (no token, no network): "
    "a story in 4 scenes, each line as it happens (about half a minute)"
)

__all__ = ["HEADER", "SCENES", "cmd_demo", "run_demo"]


def _print_line(line: str) -> None:
    print(line, flush=True)


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """``dlxh demo``: stream the transcript to stdout; a closed pipe ends it quietly (exit 0)."""
    if not args.verbose:
        logging.getLogger().setLevel(logging.WARNING)
    try:
        await run_demo(_print_line, Path(args.keep) if args.keep else None)
    except BrokenPipeError:
        # the reader left (``| head``): nothing more to say, and nothing for Python to flush at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return 0


async def run_demo(write: Callable[[str], None], keep: Path | None = None) -> None:
    """Play the story, giving each transcript line to ``write`` as it happens (the header first)."""
    write(HEADER)
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
                story = _Story(app, emu, clock, _Transcript(emu, write))
                for scene in SCENES:
                    await scene(story)
                story.transcript.flush()
            finally:
                await app.stop()


class _Transcript:
    """The emulator's two-way log, written line by line as it grows, with the narrator's notes put in
    where they happen."""

    def __init__(self, emu: TelegramEmulator, write: Callable[[str], None]) -> None:
        self.emu = emu
        self.write = write
        self.done = 0  # log lines already written

    def flush(self) -> None:
        log = self.emu.log_lines()
        for line in log[self.done :]:
            if not line.startswith("🤖 ✎"):  # edits (spent buttons off, a card refreshed) are no new messages
                self.write(line)
        self.done = len(log)

    def note(self, text: str) -> None:
        self.flush()
        for line in ("", text, ""):
            self.write(line)


@dataclass
class _Story:
    """What the scenes share: the bot, the emulator, the clock, the transcript and the people."""

    app: App
    emu: TelegramEmulator
    clock: ManualClock
    transcript: _Transcript
    codes: dict[str, str] | None = None
    alert: BotMessage | None = None  # the leader's alert about the report, which scene 3 acts from

    def note(self, text: str) -> None:
        self.transcript.note(text)

    def person(self, user_id: int, name: str) -> SimUser:
        return self.emu.user(user_id, name)

    async def answers(self, user: SimUser, n: int = 1) -> list[BotMessage]:
        """Wait for the bot's next ``n`` messages to ``user``, then write what happened."""
        got = await user.next_messages(n, timeout=TIMEOUT)
        self.transcript.flush()
        return got

    async def say(self, user: SimUser, text: str, answers: int = 1) -> None:
        await user.send_text(text)
        await self.answers(user, answers)

    async def tap(self, user: SimUser, label: str, answers: int = 1) -> None:
        await user.tap(label)
        await self.answers(user, answers)

    async def press(self, user: SimUser, label: str, answers: int = 1) -> None:
        await user.press(label)
        await self.answers(user, answers)


async def _prepare(story: _Story) -> None:
    """What an operator does before anyone joins: import the units, make one invite per person."""
    db, settings, emu = story.app.services.db, story.app.settings, story.emu
    now = story.clock.now()
    async with db.transaction() as tx:
        rows = [
            Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True)))
            for i, u in enumerate(DEMO_UNITS)
        ]
        await import_units(tx, rows, now, "demo")
        codes = {}
        for key, unit, role, name in DEMO_PEOPLE:
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
    story.codes = codes


async def scene_joining(story: _Story) -> None:
    await _prepare(story)
    story.note("── 1. Joining: an operator imported 3 units and made 3 invites; a stranger is refused ──")
    assert story.codes is not None
    await story.say(story.person(9001, "Khách"), "Xin chào, tôi muốn xem báo cáo")
    for user_id, name, key in ((1001, "Lan", "lan"), (1002, "Hùng", "hung"), (1003, "Minh", "minh")):
        user = story.person(user_id, name)
        await story.say(user, f"/start {story.codes[key]}")
        await story.say(user, "/me")
    await story.say(story.person(1001, "Lan"), "/help")


async def scene_report(story: _Story) -> None:
    story.note("── 2. A member files an urgent report: buttons, typing, the location key, a photo ──")
    lan = story.person(1001, "Lan")
    await story.press(lan, "Báo cáo mới")
    await story.tap(lan, "Điện sinh hoạt")
    await story.say(lan, "Thôn 3, đường ĐT 711")
    await story.press(lan, "📍 Gửi vị trí", answers=2)
    await story.say(
        lan, "Thôn 3 mất điện từ sáng qua, khoảng 40 hộ bị ảnh hưởng, bà con tụ tập trước trạm điện."
    )
    await lan.send_photo(b"\x89PNG\r\n\x1a\ndemo-photo", caption="Cột điện bị đổ")
    await story.answers(lan)
    await story.tap(lan, "Xong")
    await story.tap(lan, "Khẩn cấp — có nguy cơ thành điểm nóng")
    await story.tap(lan, "Cả thôn, ấp, khu phố")
    await story.tap(lan, "Nghe trực tiếp người dân")
    await story.tap(lan, "Không ghi")
    await story.tap(lan, "✔ Gửi báo cáo")
    # the alert, then the report's photo and its location pin
    story.alert, _photo, _pin = await story.answers(story.person(1002, "Hùng"), 3)


async def scene_leader(story: _Story) -> None:
    story.note("── 3. The commune's leader acts from the alert: acknowledges, then resolves by replying ──")
    lan, hung = story.person(1001, "Lan"), story.person(1002, "Hùng")
    alert = story.alert
    assert alert is not None
    await hung.tap("Tiếp nhận", alert)
    await story.answers(hung)
    await story.answers(lan)
    await hung.reply(alert, "Đã xử lý xong: Điện lực Hàm Thuận Bắc dựng lại cột, có điện từ 15:00.")
    await story.answers(hung)
    await story.tap(hung, "Làm kết quả xử lý")
    await story.tap(hung, "Không, gửi kết quả luôn")
    await story.answers(lan)
    await story.say(lan, "/my")


async def scene_round(story: _Story) -> None:
    story.note("── 4. The quarterly round: a focus topic, the opening prompt, an answer, the summary ──")
    lan, hung, minh = story.person(1001, "Lan"), story.person(1002, "Hùng"), story.person(1003, "Minh")
    await story.say(minh, "/topics")
    await story.say(minh, "Giải phóng mặt bằng đường ĐT 711")
    await story.tap(minh, "Xong")
    story.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=VN))
    story.note("⏰ 01/12/2026 08:00 — the round opens")
    await story.app.runner.run("rounds")
    await story.answers(lan)
    await story.tap(lan, "Trả lời ngay")
    await story.say(lan, "Bà con muốn biết giá đền bù và thời gian giải phóng mặt bằng")
    await story.tap(lan, "Có băn khoăn")
    await story.say(lan, "Mong điện ổn định trước Tết")
    await story.tap(lan, "Không")
    await story.say(minh, "/round")
    story.clock.set(datetime(2026, 12, 21, 7, 0, tzinfo=VN))
    story.note("⏰ 21/12/2026 07:00 — the round has closed; each leader gets the summary of their scope")
    await story.app.runner.run("rounds")
    await story.answers(minh)
    await story.answers(hung)


#: The story, scene by scene; each waits for the bot's answers, so the transcript reads in order.
SCENES: list[Callable[[_Story], Awaitable[None]]] = [scene_joining, scene_report, scene_leader, scene_round]
