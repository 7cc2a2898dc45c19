"""Power cuts under load: ``dlxh run`` in a child process, killed with SIGKILL at random moments while
several members file reports through the emulator, and started again each time.

Checked at the end: every report a member saw confirmed is in the database exactly once and nothing else
is; every draft cut by a kill was carried on and filed (no conversation is left open); every outbox row
was delivered, in order per chat, and the only extra messages are repeats of a message just before
(at-least-once delivery, README "How it works").

CI: ~300 updates and 5 kills; ``DLXH_FULL=1``: ~1,000 updates and 20 kills.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import string
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.core.texts import t
from bot.emulator import BotMessage, SimUser, TelegramEmulator
from storage.db import Database
from tests.conftest import PINNED
from tests.e2e import ROOT, BotProcess
from tests.seed import invite_code, seed_units

FULL = os.environ.get("DLXH_FULL") == "1"
UPDATES = 1000 if FULL else 300
KILLS = 20 if FULL else 5
MEMBERS = 12 if FULL else 8
SEED = int(os.environ.get("DLXH_SEED", "20261201"))
REPLY_TIMEOUT = 45.0
NOW = PINNED
CATEGORIES = ["Nước sản xuất", "Điện sinh hoạt", "Ô nhiễm môi trường", "An toàn giao thông"]
UPDATES_PER_REPORT = 11


def vi(key: str) -> str:
    return t("vi", key)


def first_line(key: str) -> str:
    return vi(key).split("\n", 1)[0]


class Counter:
    """Updates the members sent; the killer waits on it."""

    def __init__(self) -> None:
        self.n = 0
        self._changed = asyncio.Event()

    def bump(self) -> None:
        self.n += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def reach(self, n: int, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.n < n:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"the members sent {self.n} updates, the killer waited for {n}")
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                continue


class CrashBot(BotProcess):
    """``dlxh run`` with generous pacing (the test measures safety, not throttling); stderr kept."""

    def __init__(self, tmp_path: Path, emu: TelegramEmulator) -> None:
        super().__init__(tmp_path, emu)
        self.config.write_text(
            f"[general]\ndata_dir = '{self.settings.data_dir}'\n"
            f"[telegram]\nbase_url = '{emu.base_url}'\nbase_file_url = '{emu.base_file_url}'\npoll_timeout = 1\n"
            "[outbox]\nglobal_rate = 500.0\nglobal_burst = 500\nchat_rate = 200.0\nchat_burst = 200\n"
            "send_timeout_seconds = 5.0\nmax_backoff_seconds = 1.0\n",
            encoding="utf-8",
        )
        self.log = tmp_path / "bot.log"
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with open(self.log, "ab") as fh:
            fh.write(f"\n===== start {self.starts} =====\n".encode())
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=fh,
            )

    def tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"


@dataclass
class Killer:
    bot: CrashBot
    emu: TelegramEmulator
    counter: Counter
    rng: random.Random
    kills: int = 0
    log: list[str] = field(default_factory=list)

    async def run(self, points: list[int]) -> None:
        for point in points:
            if self.rng.random() < 0.5:
                await self.counter.reach(point, timeout=600)
                how = f"after update {self.counter.n}"
            else:  # in the middle of delivery: a few sends after the members reached the point
                await self.counter.reach(point, timeout=600)
                target = self.emu.calls["sendMessage"] + self.rng.randint(1, 6)
                await self.emu.wait_calls("sendMessage", target, timeout=600)
                how = f"at send {self.emu.calls['sendMessage']} (update {self.counter.n})"
            await self.bot.kill()
            self.kills += 1
            self.log.append(f"kill {self.kills} {how}")
            self.bot.start()


@dataclass
class Member:
    user: SimUser
    name: str
    code: str
    counter: Counter
    killer: Killer
    rng: random.Random
    seen: list[str] = field(default_factory=list)  # every bot message text, in order
    skipped: list[str] = field(default_factory=list)  # messages that were not the awaited answer
    filed: dict[int, str] = field(default_factory=dict)  # issue number -> description
    started: int = 0  # drafts begun
    interrupted: int = 0  # drafts during which the bot was killed

    async def send(self, text: str) -> None:
        self.counter.bump()
        await self.user.send_text(text)

    async def tap(self, label: str, message: BotMessage) -> None:
        self.counter.bump()
        await self.user.tap(label, message)

    async def wait(self, accept: str | tuple[str, ...]) -> BotMessage:
        """The next message starting with ``accept``; anything before it is noted as skipped."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + REPLY_TIMEOUT
        while True:
            remaining = deadline - loop.time()
            msg = await self.user.next_message(timeout=max(0.1, remaining))
            text = msg.text or ""
            if text.startswith(accept):
                self.seen.append(text)
                return msg
            self.skipped.append(text)
            self.seen.append(text)

    async def join(self) -> None:
        await self.send(f"/start {self.code}")
        await self.wait(f"Chào mừng đồng chí {self.name}!")

    async def report(self) -> None:
        self.started += 1
        kills_before = self.killer.kills
        description = "".join(self.rng.choice(string.ascii_lowercase) for _ in range(24))
        await self.send("/report")
        msg = await self.wait(vi("report.ask_category"))
        await self.tap(self.rng.choice(CATEGORIES), msg)
        msg = await self.wait(vi("report.ask_place"))
        await self.tap(vi("report.skip"), msg)
        await self.wait(first_line("report.ask_location"))
        await self.send(vi("report.skip"))  # the reply keyboard's "Bỏ qua", typed
        await self.wait(vi("report.ask_describe"))
        await self.send(description)
        msg = await self.wait(vi("report.noted"))
        await self.tap(vi("report.done"), msg)
        msg = await self.wait(vi("report.ask_severity"))
        for answer, nxt in (
            (vi("severity.pressing"), vi("report.ask_people")),
            (vi("people.household"), vi("report.ask_source")),
            (vi("source.direct"), vi("report.ask_citizen_q")),
        ):
            await self.tap(answer, msg)
            msg = await self.wait(nxt)
        await self.tap(vi("report.citizen_none"), msg)
        summary_head, similar_head = "Bước 7/7.", vi("report.similar").split("\n", 1)[0]
        msg = await self.wait((summary_head, similar_head))
        if msg.text and msg.text.startswith(similar_head):
            await self.tap(vi("report.new_issue"), msg)
            msg = await self.wait(summary_head)
        await self.tap(vi("report.confirm"), msg)
        filed = await self.wait("Đã tiếp nhận báo cáo. Vụ việc số #")
        number = int((filed.text or "").split("#", 1)[1].split(".", 1)[0])
        assert number not in self.filed, f"{self.name}: issue #{number} confirmed twice"
        self.filed[number] = description
        if self.killer.kills != kills_before:
            self.interrupted += 1

    async def run(self, budget: int) -> None:
        await self.join()
        while self.counter.n + UPDATES_PER_REPORT <= budget:
            await self.report()
        await self.send("/help")  # a barrier: everything before it in this chat was delivered
        await self.wait("Hướng dẫn sử dụng (")


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(seed=SEED) as e:
        yield e


def collapse(texts: list[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        if not out or out[-1] != text:
            out.append(text)
    return out


async def test_sigkill_at_random_moments_loses_and_duplicates_no_report(
    tmp_path: Path, emu: TelegramEmulator
) -> None:
    started = time.monotonic()
    rng = random.Random(SEED)
    bot = CrashBot(tmp_path, emu)
    db = await Database.open(bot.settings.database_target)
    await seed_units(db, NOW)
    names = [f"Thành viên {i:02d}" for i in range(MEMBERS)]
    codes = [
        await invite_code(db, bot.settings, NOW, ("X01", "X02")[i % 2], "member", n)
        for i, n in enumerate(names)
    ]
    await db.close()

    counter = Counter()
    killer = Killer(bot, emu, counter, random.Random(rng.random()))
    members = [
        Member(emu.user(1000 + i, name), name, code, counter, killer, random.Random(rng.random()))
        for i, (name, code) in enumerate(zip(names, codes, strict=True))
    ]
    points = sorted(rng.sample(range(15, UPDATES - 30), KILLS))
    bot.start()
    kill_task = asyncio.create_task(killer.run(points))
    try:
        runs = asyncio.gather(*(m.run(UPDATES) for m in members))
        done, _ = await asyncio.wait({runs, kill_task}, return_when=asyncio.FIRST_EXCEPTION)
        if kill_task in done and kill_task.exception() is not None:
            runs.cancel()
            raise kill_task.exception()  # type: ignore[misc]
        await runs
        await asyncio.wait_for(kill_task, 5)
    except BaseException as exc:
        kill_task.cancel()
        raise AssertionError(f"{exc!r}\nkills: {killer.log}\nbot log:\n{bot.tail()}") from exc
    finally:
        await bot.stop()

    db = await Database.open(bot.settings.database_target)
    try:
        reader = db.reader
        # 1. reports: exactly what the members saw confirmed, each once
        for i, m in enumerate(members):
            rows = await reader.fetchall(
                "SELECT r.issue_id, r.description FROM reports r JOIN members p ON p.id = r.member_id"
                " WHERE p.name = ? ORDER BY r.id",
                (m.name,),
            )
            assert {r[0]: r[1] for r in rows} == m.filed, f"member {i}"
            assert len(rows) == len(m.filed)
        confirmed = sum(len(m.filed) for m in members)
        assert await reader.fetchval("SELECT COUNT(*) FROM issues") == confirmed
        assert await reader.fetchval("SELECT COUNT(*) FROM reports") == confirmed
        # 2. drafts: every one carried on to the end
        assert await reader.fetchval("SELECT COUNT(*) FROM conversations") == 0
        interrupted = sum(m.interrupted for m in members)
        assert interrupted >= 1
        # 3. delivery: every row sent, in order; extra messages only as repeats of the one before
        statuses = await reader.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
        assert {s: n for s, n in statuses} == {"sent": sum(n for _, n in statuses)}
        repeats = 0
        for m in members:
            payloads = [
                json.loads(r[0])
                for r in await reader.fetchall(
                    "SELECT payload FROM outbox WHERE chat_id = ? ORDER BY id", (str(m.user.chat_id),)
                )
            ]
            expected = [p["text"] for p in payloads if p.get("text") and not p.get("clear_choices_of")]
            got = [bm.text or "" for bm in emu.transcript(m.user.chat_id)]
            assert collapse(got) == collapse(expected), f"{m.name}: delivered messages differ from the outbox"
            repeats += len(got) - len(expected)
            side = {vi("report.location_skipped")}
            for text in m.skipped:
                assert text in side or m.seen.count(text) > 1, f"{m.name}: unexpected message {text[:80]!r}"
        assert 0 <= repeats <= KILLS * MEMBERS
    finally:
        await db.close()

    elapsed = time.monotonic() - started
    assert killer.kills == KILLS and bot.starts == KILLS + 1
    print(
        f"\ncrash safety: {counter.n} updates, {KILLS} SIGKILLs ({'; '.join(killer.log)}), "
        f"{confirmed} reports confirmed and stored once, {interrupted} interrupted drafts resumed, "
        f"{repeats} repeated message(s), {elapsed:.1f}s"
    )
