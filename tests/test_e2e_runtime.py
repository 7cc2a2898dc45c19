"""The runtime end to end: real PTB over HTTP against the emulator, real SQLite on disk.

Each test reads as a conversation: what a person did, and exactly what they saw.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import pytest

from bot.app import AlreadyRunning, App
from bot.core.clock import TickingClock
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from handlers import router
from storage.db import Database
from storage.members import set_member_language
from tests import e2e
from tests.conftest import PINNED
from tests.e2e import emulator_settings, process_env, running
from tests.seed import invite_code, seed_units

ROOT = Path(__file__).resolve().parent.parent
NOW = PINNED


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu) as a:
        await seed_units(a.services.db, NOW)
        yield a


join = partial(e2e.join, at=NOW)


async def test_menus_strangers_see_only_start_and_help(app: App, emu: TelegramEmulator) -> None:
    assert [c for c, _ in emu.commands_for(None)] == ["start", "help"]
    assert [c for c, _ in emu.commands_for(None, "en")] == ["start", "help"]
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")
    await emu.wait_calls("setMyCommands", 3)
    assert [c for c, _ in emu.commands_for({"type": "chat", "chat_id": lan.chat_id})] == [
        "start", "report", "my", "add", "withdraw", "practice", "issue", "comment", "extend", "help", "me", "phone", "leave", "link", "channel", "language", "cancel",
    ]  # fmt: skip


async def test_bad_inputs_get_polite_answers_and_change_nothing(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")

    await lan.send_text("/baocao")
    assert (await lan.next_message()).text == t("vi", "error.unknown_command", command="baocao")

    await lan.send_text("x" * 10_000)
    assert (await lan.next_message()).text == t("vi", "error.not_understood")

    await lan.send_sticker()
    assert (await lan.next_message()).text == t("vi", "error.unsupported")

    await lan.send_document(b"%PDF-1.4 demo", filename="don.pdf")
    assert (await lan.next_message()).text == t("vi", "error.not_expected_media")

    await lan.send_text("/language")
    ask = await lan.next_message()
    assert ask.labels() == ["Tiếng Việt", "English", "✖ Hủy"]
    await lan.send_text("tiếng Pháp")  # text where a button is expected
    reask = await lan.next_message()
    assert reask.text == t("vi", "error.choose_again") + "\n\n" + t("vi", "language.ask")
    assert reask.labels() == ask.labels()
    nonce = reask.buttons[0][0][1].split(":")[0]
    await lan.tap_data(reask.message_id, f"{nonce}:make-me-admin")  # forged data on a live message
    forged = await lan.next_message()
    assert forged.text is not None and forged.text.startswith(t("vi", "error.bad_button"))
    await lan.tap("English", ask)  # the step's first prompt: re-asking kept its buttons live
    assert (await lan.next_message()).text == "Switched to English."
    await lan.tap("Tiếng Việt", forged)  # a button of a conversation that is over
    stale = await lan.next_message()
    assert stale.text == t("en", "error.stale_button")
    # every tapped message lost its buttons
    assert ask.buttons == [] and reask.buttons == [] and forged.buttons == []

    await lan.send_text("/me")
    me = await lan.next_message()
    await lan.edit_text(me.message_id - 1, "/me edited")  # the person's own /me message
    assert (await lan.next_message()).text == t("en", "error.edited")


async def test_a_group_not_linked_gets_no_answer_and_stores_nothing(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")
    group = emu.group(-5001, "Chi bộ ấp 3")
    await group.send_text(lan, "/start ABCDEFGHJK")
    await group.send_text(lan, "Chào cả nhóm")
    await lan.send_text("/me")  # handled after the group's messages: by then they were answered, or not
    await lan.next_message()
    assert group.messages == []
    db = app.services.db
    assert await db.reader.fetchval("SELECT COUNT(*) FROM outbox WHERE chat_id = '-5001'") == 0
    assert await db.reader.fetchval("SELECT COUNT(*) FROM group_people") == 0
    assert await db.reader.fetchval("SELECT COUNT(*) FROM invite_failures") == 0
    assert await db.reader.fetchval("SELECT COUNT(*) FROM conversations") == 0


async def test_an_update_delivered_twice_is_handled_once(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")
    update_id = await lan.send_text("/me")
    first = await lan.next_message()
    emu.redeliver(update_id)
    await lan.send_text("/help")
    after = await lan.next_message()
    assert after.text is not None and after.text.startswith("Hướng dẫn sử dụng")
    assert [m.text for m in lan.messages].count(first.text) == 1


async def test_a_failing_handler_apologises_logs_and_keeps_running(
    app: App, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")

    async def broken(ctx: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(router.COMMANDS, "me", broken)
    with caplog.at_level(logging.ERROR):
        await lan.send_text("/me")
        assert (await lan.next_message()).text == t("vi", "error.internal")
    record = next(r for r in caplog.records if "handler failed" in r.getMessage())
    assert "chat=101" in record.getMessage() and "command='me'" in record.getMessage()
    assert record.exc_info is not None
    monkeypatch.undo()
    await lan.send_text("/me")
    assert "Nguyễn Thị Lan" in ((await lan.next_message()).text or "")


async def test_the_apology_is_in_the_persons_language(
    app: App, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member who chose English, and a stranger whose Telegram speaks English, are apologised to in English."""
    lan = await join(app, emu, 101, "Nguyễn Thị Lan")
    member_id = await app.services.db.reader.fetchval(
        "SELECT member_id FROM identities WHERE external_id = '101'"
    )
    async with app.services.db.transaction() as tx:
        await set_member_language(tx, int(member_id), "en")

    async def broken(ctx: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(router.COMMANDS, "me", broken)
    await lan.send_text("/me")
    assert (await lan.next_message()).text == t("en", "error.internal")
    monkeypatch.setattr(router, "handle", broken)
    monkeypatch.setattr(app.dispatcher, "handler", broken)
    stranger = emu.user(202, "Smith", language_code="en")
    await stranger.send_text("hello")
    assert (await stranger.next_message()).text == t("en", "error.internal")
    vietnamese = emu.user(203, "Hùng")
    await vietnamese.send_text("xin chào")
    assert (await vietnamese.next_message()).text == t("vi", "error.internal")


async def test_faults_every_reply_arrives_in_order(tmp_path: Path, emu: TelegramEmulator) -> None:
    """20 % of sends fail (429 with retry_after, 500, or an answer slower than the client waits)."""
    overrides = {
        "max_backoff_seconds": 0.3,
        "send_timeout_seconds": 0.5,
        "global_rate": 100,
        "global_burst": 100,
    }
    async with running(tmp_path, emu, outbox=overrides) as app:
        await seed_units(app.services.db, NOW)
        users = [await join(app, emu, 200 + i, f"Người {i}") for i in range(3)]
        emu.faults.share_429 = 0.1
        emu.faults.share_500 = 0.1
        emu.faults.share_slow = 0.05
        emu.faults.slow_seconds = 1.2
        emu.faults.retry_after = 1
        words = ["/me", "/help", "/language", "/cancel", "/me", "/help", "/me", "/help"]
        for u in users:
            for word in words:
                await u.send_text(word)
        for u in users:
            got: list[str] = []
            while len(got) < len(words):
                text = (await u.next_message(timeout=30)).text or ""
                if not got or text != got[-1]:  # a timed-out send may arrive twice (at least once)
                    got.append(text)
            assert [g.split("\n")[0][:12] for g in got] == [
                "Thông tin củ", "Hướng dẫn sử", "Đồng chí chọ", "Đã hủy. Đồng",
                "Thông tin củ", "Hướng dẫn sử", "Thông tin củ", "Hướng dẫn sử",
            ]  # fmt: skip
        delivered = sum(len(emu.transcript(u.chat_id)) for u in users)
        assert emu.calls["sendMessage"] > delivered  # some sends were refused (429/500) and retried


@pytest.mark.sqlite_only  # several processes share one PostgreSQL database
async def test_a_second_instance_on_the_same_database_refuses(
    app: App, tmp_path: Path, emu: TelegramEmulator
) -> None:
    from bot.app import build_app

    other = build_app(emulator_settings(tmp_path, emu), clock=TickingClock(PINNED), telegram_token=emu.token)
    with pytest.raises(AlreadyRunning):
        await other.start()


async def test_sigkill_after_handling_before_sending_still_delivers(
    tmp_path: Path, emu: TelegramEmulator
) -> None:
    settings = emulator_settings(tmp_path, emu)
    db = await Database.open(settings.database_target)
    await seed_units(db, NOW)
    code = await invite_code(db, settings, NOW, "X01", "member", "Nguyễn Thị Lan")
    await db.close()
    config = tmp_path / "config.toml"
    config.write_text(
        f"[general]\ndata_dir = '{settings.data_dir}'\n"
        f"[telegram]\nbase_url = '{emu.base_url}'\nbase_file_url = '{emu.base_file_url}'\npoll_timeout = 1\n",
        encoding="utf-8",
    )
    env = process_env(DLXH_TELEGRAM_TOKEN=emu.token)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "--config", str(config), "run"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    lan = emu.user(101, "Lan")
    emu.faults.share_500 = 1.0  # Telegram refuses every send: the reply stays in the outbox
    proc = start()
    try:
        await lan.send_text(f"/start {code}")
        await emu.wait_calls("sendMessage", 1, timeout=30)  # handled, committed, first send refused
        proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(proc.wait, 10)
        emu.faults.share_500 = 0.0
        proc = start()
        welcome = await lan.next_message(timeout=30)
        assert welcome.text is not None and welcome.text.startswith("Chào mừng đồng chí Nguyễn Thị Lan!")
        await lan.send_text("/me")
        assert ((await lan.next_message(timeout=30)).text or "").startswith("Thông tin của đồng chí")
        assert [m.text for m in lan.messages].count(welcome.text) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 15)
