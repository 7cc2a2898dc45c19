"""``dlxh demo``: the real bot against the built-in emulator, on a temporary database, as a transcript.

Each step waits for the bot's answer before the next person acts, so the transcript reads in order.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build_app
from bot.config import parse_settings
from bot.emulator import SimUser, TelegramEmulator
from bot.tables import Row
from handlers.admin import import_units
from handlers.people import create_invites
from storage import units as un

DEMO_UNITS = [
    ("BT", "Tỉnh Bình Thuận", ""),
    ("BT-HT", "Xã Hàm Thắng", "BT"),
    ("BT-HL", "Xã Hàm Liêm", "BT"),
]

TIMEOUT = 10.0


async def _say(user: SimUser, text: str, answers: int = 1) -> None:
    await user.send_text(text)
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
            app = build_app(settings, telegram_token=emu.token)
            await app.start()
            try:
                lines = await _script(app, emu)
            finally:
                await app.stop()
    return lines


async def _script(app: object, emu: TelegramEmulator) -> list[str]:
    from bot.app import App

    assert isinstance(app, App)
    db, settings = app.services.db, app.settings
    now = datetime.now(UTC)
    header = ["dlxh demo — the real bot against the built-in Telegram emulator", ""]
    async with db.transaction() as tx:
        await import_units(
            tx,
            [
                Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True)))
                for i, u in enumerate(DEMO_UNITS)
            ],
            now,
            "demo",
        )
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
    header.append(
        "Operator: imported 3 units (Tỉnh Bình Thuận → Xã Hàm Thắng, Xã Hàm Liêm) and made 3 invites."
    )
    header.append("")

    stranger = emu.user(9001, "Khách")
    await _say(stranger, "Xin chào, tôi muốn xem báo cáo")

    lan = emu.user(1001, "Lan")
    hung = emu.user(1002, "Hùng")
    minh = emu.user(1003, "Minh")
    for user, key in ((lan, "lan"), (hung, "hung"), (minh, "minh")):
        await _say(user, f"/start {codes[key]}")
        await _say(user, "/help")
        await _say(user, "/me")

    # a member files a report: buttons, typing, the location key, a photo
    await _press(lan, "Báo cáo mới")
    await _tap(lan, "Điện sinh hoạt")
    await _say(lan, "Thôn 3, đường ĐT 711")
    await _press(lan, "📍 Gửi vị trí", answers=2)
    await _say(lan, "Thôn 3 mất điện từ sáng qua, khoảng 40 hộ bị ảnh hưởng, bà con rất bức xúc.")
    await lan.send_photo(b"\x89PNG\r\n\x1a\ndemo", caption="Cột điện bị đổ")
    await lan.next_message(timeout=TIMEOUT)
    await _tap(lan, "Xong")
    await _tap(lan, "Bức xúc")
    await _tap(lan, "Cả thôn, ấp, khu phố")
    await _tap(lan, "Nghe trực tiếp người dân")
    await _tap(lan, "Không ghi")
    await _tap(lan, "✔ Gửi báo cáo")
    await _say(lan, "/my")
    # edits only take spent buttons off old messages: leave them out of the transcript
    return header + [line for line in emu.log_lines() if not line.startswith("🤖 ✎")]


async def _tap(user: SimUser, label: str, answers: int = 1) -> None:
    await user.tap(label)
    await user.next_messages(answers, timeout=TIMEOUT)


async def _press(user: SimUser, label: str, answers: int = 1) -> None:
    await user.press(label)
    await user.next_messages(answers, timeout=TIMEOUT)
