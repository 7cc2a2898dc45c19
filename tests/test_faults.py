"""Faults in operation through the emulator, the app in this process (issue 17): an unreadable update, a
stranger flood, what a failing handler logs, pruning, and what the supervisor does when a task dies."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import build_app
from bot.core.clock import ManualClock, TickingClock
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from bot.lifecycle import EXIT_OK, EXIT_REFUSED, EXIT_TASK_DIED, Backoff, ChannelRefused, supervise
from bot.runtime import Dispatcher
from handlers import router
from scheduler.prune import prune
from storage.updates import is_update_processed
from tests.conftest import PINNED, make_settings
from tests.e2e import running
from tests.seed import invite_code, seed_units
from tests.test_e2e_faults import free_port

MARKER = "MARKER-7f3a-noi-dung-bao-cao"


def bad_message(user_id: int, **extra: object) -> dict[str, object]:
    """A private message this PTB cannot read: no ``date`` (what a Bot API version skew looks like)."""
    return {"message_id": 9001, "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ai"}, "text": MARKER, **extra}  # fmt: skip


async def test_an_unreadable_update_between_two_good_ones_is_skipped_once(
    tmp_path: Path, emu: TelegramEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(tmp_path, emu) as app:
        first, second = emu.user(901, "Một"), emu.user(902, "Hai")
        with caplog.at_level(logging.INFO):
            await first.send_text("xin chào")
            bad = emu.inject_update("message", bad_message(903))
            poll = emu.inject_update("message", {**{k: v for k, v in bad_message(904).items() if k != "text"}, "date": 1_700_000_000,
                "poll": {"id": "p", "question": MARKER, "options": [], "total_voter_count": 0, "is_closed": False,
                         "is_anonymous": True, "type": "regular", "allows_multiple_answers": False}})  # fmt: skip
            await second.send_text("xin chào")
            assert (await first.next_message()).text == t("vi", "stranger.refuse")
            assert (await second.next_message()).text == t("vi", "stranger.refuse")
        assert emu.confirmed(bad) and emu.confirmed(poll) and emu.pending_updates() == 0
        for update_id in (bad, poll):
            assert await is_update_processed(app.services.db.reader, "telegram", str(update_id))
        skipped = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
        assert skipped == [
            f"telegram: update {bad} (message/text) could not be read (KeyError); recorded, confirmed and skipped",
            f"telegram: update {poll} (message/poll) could not be read (TypeError); recorded, confirmed and skipped",
        ]
        assert MARKER not in caplog.text


async def test_a_failing_handler_logs_ids_never_the_text(
    tmp_path: Path, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(tmp_path, emu) as app:
        await seed_units(app.services.db, PINNED)
        code = await invite_code(app.services.db, app.settings, PINNED, "X01", "member", "Nguyễn Văn Tên")
        lan = emu.user(101, "Lan")
        await lan.send_text(f"/start {code}")
        await lan.next_message()

        async def broken(ctx: object) -> None:
            raise RuntimeError("boom")

        monkeypatch.setitem(router.COMMANDS, "me", broken)
        with caplog.at_level(
            logging.INFO
        ):  # what dlxh run writes (it keeps the libraries' chatter to warnings)
            await lan.send_text(f"/me {MARKER}")
            assert (await lan.next_message()).text == t("vi", "error.internal")
            # and a failure outside the handlers (PTB's error handler): the update's id, not its body
            original = Dispatcher.handle

            async def explode(self: Dispatcher, incoming: object) -> bool:
                raise RuntimeError("storage down")

            monkeypatch.setattr(Dispatcher, "handle", explode)
            await lan.send_text(f"Báo cáo: {MARKER}, gia đình ông Nguyễn Văn Tên, 0912345678")
            await emu.wait_calls("getUpdates", emu.calls["getUpdates"] + 2, timeout=10)
            monkeypatch.setattr(Dispatcher, "handle", original)
        lines = caplog.text
        assert "handler failed: channel=telegram chat=101" in lines and "RuntimeError: boom" in lines
        assert "error while handling Telegram update" in lines and "RuntimeError: storage down" in lines
        assert MARKER not in lines and "0912345678" not in lines and "Nguyễn Văn Tên" not in lines


async def test_a_stranger_flood_does_not_hold_up_a_member(tmp_path: Path, emu: TelegramEmulator) -> None:
    clock = ManualClock(PINNED)
    # Telegram's pace; strangers at 1/s (the default is 2/s) so that the bound holds on a machine 2x slower
    limits = {
        "global_rate": 25.0,
        "global_burst": 30,
        "chat_rate": 1.0,
        "chat_burst": 5,
        "stranger_rate": 1.0,
    }
    async with running(tmp_path, emu, clock=clock, outbox=limits) as app:
        await seed_units(app.services.db, PINNED)
        code = await invite_code(app.services.db, app.settings, PINNED, "X01", "member", "Nguyễn Thị Lan")
        lan = emu.user(101, "Lan")
        await lan.send_text(f"/start {code}")
        await lan.next_message()
        strangers = [emu.user(100_000 + i, f"Lạ {i}") for i in range(2000)]
        for s in strangers:
            await s.send_text("xin chào")
        await lan.send_text("/me")
        card = await lan.next_message(timeout=120)
        refused_before = sum(len(emu.transcript(s.chat_id)) for s in strangers)
        assert card.text is not None and "Nguyễn Thị Lan" in card.text
        assert refused_before < 100, f"the member's answer came after {refused_before} refusals"
        # a second message within the hour: silence (one refusal per account per hour)
        for s in strangers[:50]:
            await s.send_text("alo?")
        await lan.send_text("/me")
        await lan.next_message(timeout=60)  # handled after the 50: their turn has come and gone
        rows = await app.services.db.reader.fetchall(
            "SELECT chat_id, COUNT(*) FROM outbox WHERE CAST(chat_id AS INTEGER) >= 100000 GROUP BY chat_id"
        )
        assert len(rows) == 2000 and all(count == 1 for _, count in rows)
        # the pruning job, a month on: processed ids, refusals and (once delivered) the rows go
        later = PINNED + timedelta(days=31)
        counted = await prune(app.services, later, dry_run=True)
        assert counted.processed_updates >= 2050 and counted.stranger_refusals == 2000
        assert (await app.runner.run("prune", later)).startswith(
            f"removed {counted.processed_updates} processed"
        )
        assert await app.services.db.reader.fetchval("SELECT COUNT(*) FROM stranger_refusals") == 0
        assert await app.services.db.reader.fetchval("SELECT COUNT(*) FROM processed_updates") == 0
        again = await prune(app.services, later, dry_run=True)
        assert (again.processed_updates, again.stranger_refusals) == (0, 0)


async def test_delivered_rows_and_old_wrong_codes_are_pruned(tmp_path: Path, emu: TelegramEmulator) -> None:
    clock = ManualClock(PINNED)
    async with running(tmp_path, emu, clock=clock) as app:
        await seed_units(app.services.db, PINNED)
        guesser = emu.user(555, "Đoán")
        await guesser.send_text("/start AAAA-BBBB-CCCC")
        await guesser.next_message()
        assert await app.services.db.reader.fetchval("SELECT COUNT(*) FROM invite_failures") == 1
        day = await prune(app.services, PINNED + timedelta(days=2), dry_run=True)
        assert (day.invite_failures, day.outbox_rows) == (1, 0)  # a delivered row stays 30 days
        month = await prune(app.services, PINNED + timedelta(days=31))
        assert month.outbox_rows >= 1 and month.invite_failures == 1
        assert await app.services.db.reader.fetchval("SELECT COUNT(*) FROM outbox") == 0


async def test_the_supervisor_exits_1_when_a_task_dies_and_2_when_a_token_is_refused() -> None:
    async def dies() -> None:
        raise RuntimeError("crash")

    async def refused() -> None:
        raise ChannelRefused("telegram", "the environment variable DLXH_TELEGRAM_TOKEN", "401 on getMe")

    async def returns() -> None:
        return None

    async def forever() -> None:
        await asyncio.Event().wait()

    for body, expected in ((dies, EXIT_TASK_DIED), (refused, EXIT_REFUSED), (returns, EXIT_TASK_DIED)):
        task, idle = asyncio.create_task(body()), asyncio.create_task(forever())
        assert await asyncio.wait_for(supervise([idle, task], asyncio.Event()), 5) == expected
        idle.cancel()
    stop = asyncio.Event()
    stop.set()
    idle = asyncio.create_task(forever())
    assert await supervise([idle], stop) == EXIT_OK
    idle.cancel()


class LineCounter(logging.Handler):
    """Counts log lines containing ``text``; :meth:`wait_for` waits (bounded) until there are ``n``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.count = 0
        self.changed = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.count += 1
            self.changed.set()

    async def wait_for(self, n: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self.count < n:
                self.changed.clear()
                await self.changed.wait()


def zalo_settings(tmp_path: Path, base_url: str) -> object:
    return make_settings(
        tmp_path, telegram={"enabled": False}, zalo={"enabled": True, "base_url": base_url, "poll_timeout": 1}
    )


async def test_zalo_waits_for_its_server_then_serves_and_a_refused_token_stops_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    zemu = ZaloEmulator(port=port)
    settings = zalo_settings(tmp_path / "a", f"http://127.0.0.1:{port}")
    app = build_app(settings, clock=TickingClock(PINNED), zalo_token=zemu.token, run_jobs=False)  # type: ignore[arg-type]
    [zalo] = app.channels
    zalo.backoff = Backoff(first=0.05, cap=0.2)
    attempts = LineCounter("zalo: start-up attempt")
    logging.getLogger("bot.zalo").addHandler(attempts)
    with caplog.at_level(logging.INFO):
        await app.start()
        try:
            await attempts.wait_for(3, timeout=15)
            assert app.status.state_of("zalo") == "waiting" and all(
                not t.done() for t in app.background_tasks()
            )
            async with zemu:
                tu = zemu.user("7f3a", "Tư")
                await tu.send_text("xin chào")
                assert (await tu.next_message(timeout=30)).text == t("vi", "stranger.refuse@zalo")
            assert app.status.state_of("zalo") in ("running", "waiting")
        finally:
            await app.stop()
            logging.getLogger("bot.zalo").removeHandler(attempts)
    assert not any(r.exc_info for r in caplog.records if "start-up attempt" in r.getMessage())

    async with ZaloEmulator() as other:
        wrong = build_app(
            zalo_settings(tmp_path / "b", other.base_url), clock=TickingClock(PINNED), zalo_token="1:WRONG",
            run_jobs=False,
        )  # type: ignore[arg-type]  # fmt: skip
        await wrong.start()
        try:
            code = await asyncio.wait_for(supervise(wrong.background_tasks(), asyncio.Event()), 30)
        finally:
            await wrong.stop()
        assert code == EXIT_REFUSED and wrong.status.state_of("zalo") == "refused"
