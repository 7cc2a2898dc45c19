"""Broadcast: opening a round for 10,000 members through the emulator, under an enforced send cap.

    .venv/bin/python -m benchmarks.broadcast [--members 10000] [--cap 300] [--burst 5] [--rate 290]
                                             [--order-chats 1000] [--profile] [--database postgresql://…]
                                             [--processes 1|2]

``--database`` runs on PostgreSQL instead: the URL names a server and a database the benchmark may drop
and create again (``dlxh_bench_broadcast`` on that server, never the URL's own database). ``--processes 2``
(PostgreSQL only) starts a second instance of the application in a child process on the same database, as
two deployed processes share one broadcast: this process's instance starts first and holds the outbox's lock
(it sends), the second runs the ``rounds`` job (it prompts); the figures are the same ones.

The emulator runs in a child process (so its HTTP work does not share the bot's core) with
``set_send_cap(--cap, burst=--burst)``: above the cap it answers 429 with retry_after. The bot is the real
application (``build_app``, real PTB, real SQLite file under ``benchmarks/.cache/broadcast/``) in this
process, with a ``ManualClock`` that is set to the round's opening time and then follows real time (so
retry times come due). The outbox is configured just under the cap (``global_rate = --rate``, burst 10;
per chat the defaults, 1/s with a burst of 5). ``--members`` members are created directly in the database
(with Telegram identities whose chats the emulator knows), the ``rounds`` job runs at the opening time, and
``--order-chats`` of the members also get two notices queued right after their prompt, to check the order
per chat under 429s.

Measured: achieved delivery rate / cap (target >= 0.95; from the first to the last delivered message, and
over the middle 80 % of deliveries), lost prompts (target 0; every member exactly one prompt), 429s that were
not retried (target 0: every 429 the emulator sent shows as a retry on its outbox row and the row was
delivered), per-chat order (prompt, notice 1, notice 2), and the time the job itself took.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import shutil
import sys
import time
from datetime import datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from benchmarks.harness import CACHE, fresh_postgres, header, percentile, table, verdict
from bot.app import build_app
from bot.core.clock import ManualClock
from bot.core.config import parse_settings
from bot.core.messages import Outgoing
from bot.emulator import TelegramEmulator
from bot.runtime import enqueue
from handlers.rounds import window_for
from scheduler.rounds import BATCH as PROMPT_BATCH
from storage import members as mem
from storage import units as un
from storage.timeutil import ts

FIRST_ID = 2_000_000
NOTICES = ("Thông báo 1/2: lịch giao ban", "Thông báo 2/2: tài liệu kèm theo")


# ---------------------------------------------------------------------------------------------- the emulator process


class TimedEmulator(TelegramEmulator):
    """The emulator, noting when each message was accepted (CLOCK_MONOTONIC is system-wide on Linux)."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[float] = []

    async def _api_send_message(self, p: Any) -> dict[str, Any]:
        result = await super()._api_send_message(p)
        self.accepted.append(time.monotonic())
        return result


def emulator_process(conn: Connection, members: int, cap: float, burst: int) -> None:
    asyncio.run(_emulator_main(conn, members, cap, burst))


async def _emulator_main(conn: Connection, members: int, cap: float, burst: int) -> None:
    emu = TimedEmulator()
    await emu.start()
    for i in range(members):
        emu.user(FIRST_ID + i, f"Thành viên {i}")
    emu.set_send_cap(cap, burst=burst)
    conn.send({"token": emu.token, "base_url": emu.base_url, "base_file_url": emu.base_file_url})
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "progress":
            conn.send(len(emu.accepted))
        elif command[0] == "report":
            round_data, order_chats = command[1], set(command[2])
            prompts, out_of_order, extra = [], 0, 0

            def is_prompt(m: Any, round_data: str = round_data) -> bool:
                return any(data == round_data for row in m.buttons for _, data in row)

            for i in range(members):
                messages = emu.transcript(FIRST_ID + i)
                prompts.append(sum(1 for m in messages if is_prompt(m)))
                if FIRST_ID + i in order_chats:
                    ok = len(messages) == 3 and is_prompt(messages[0])
                    if not ok or [m.text for m in messages[1:]] != list(NOTICES):
                        out_of_order += 1
                        extra += len(messages) > 3
            conn.send({"prompts": prompts, "out_of_order": out_of_order, "extra": extra,
                       "sent_429": emu.sent_429, "calls": dict(emu.calls), "accepted": emu.accepted})  # fmt: skip
            break
    await emu.stop()


# ---------------------------------------------------------------------------------------------- a second instance


def instance_process(conn: Connection, raw: dict[str, Any], base_dir: str, token: str, opening: str) -> None:
    asyncio.run(_instance_main(conn, raw, base_dir, token, datetime.fromisoformat(opening)))


async def _instance_main(
    conn: Connection, raw: dict[str, Any], base_dir: str, token: str, opening: datetime
) -> None:
    """Another process of the same deployment: started after the first (which sends), it runs the job."""
    settings = parse_settings(raw, base_dir=Path(base_dir))
    clock = ManualClock(opening)
    app = build_app(settings, telegram_token=token, clock=clock, run_jobs=False)
    await app.start()
    loop = asyncio.get_running_loop()
    conn.send("ready")
    try:
        await loop.run_in_executor(None, conn.recv)  # "job"
        start_mono, ticking = time.monotonic(), True

        async def tick() -> None:
            while ticking:
                await asyncio.sleep(0.02)
                clock.set(opening + timedelta(seconds=time.monotonic() - start_mono))

        ticker = asyncio.create_task(tick())
        try:
            t_job = time.perf_counter()
            result = await app.runner.run("rounds", opening)
            conn.send((result, time.perf_counter() - t_job, time.monotonic()))
        finally:
            ticking = False
            await ticker
        await loop.run_in_executor(None, conn.recv)  # "stop"
    finally:
        await app.stop()
    conn.send("stopped")


# ---------------------------------------------------------------------------------------------- the run


async def run(args: argparse.Namespace) -> int:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=emulator_process, args=(child, args.members, args.cap, args.burst), daemon=True)
    proc.start()
    try:
        return await _run(args, parent)
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.terminate()


async def _run(args: argparse.Namespace, conn: Connection) -> int:
    loop = asyncio.get_running_loop()
    emu = await loop.run_in_executor(None, conn.recv)
    run_dir = CACHE / "broadcast"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    raw = {
        "general": {"data_dir": str(run_dir / "data")},
        "telegram": {"base_url": emu["base_url"], "base_file_url": emu["base_file_url"], "poll_timeout": 10},
        "outbox": {"global_rate": args.rate, "global_burst": 10, "chat_rate": 1.0, "chat_burst": 5},
    }
    if args.database:
        raw["general"]["database"] = fresh_postgres(args.database, "dlxh_bench_broadcast")
    settings = parse_settings(raw, base_dir=run_dir)
    opening = window_for(settings, datetime(2026, 12, 1).date()).opens_at
    clock = ManualClock(opening - timedelta(days=3))
    app = build_app(settings, telegram_token=emu["token"], clock=clock, run_jobs=False)
    await app.start()
    second = None
    try:
        if args.processes == 2:
            for _ in range(600):  # this instance holds the outbox's lock before the second starts
                if app.worker._task is not None:
                    break
                await asyncio.sleep(0.05)
            second = Second(raw, run_dir, emu["token"], opening)
            await second.start()
        return await _broadcast(args, app, clock, opening, conn, second)
    finally:
        if app.worker._task is not None or app.sending is not None:  # not stopped yet (an error on the way)
            await app.stop()
        if second is not None:
            await second.stop()


class Second:
    """The second instance, in a child process (its own interpreter, its own connections and locks)."""

    def __init__(self, raw: dict[str, Any], run_dir: Path, token: str, opening: datetime) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=instance_process, args=(child, raw, str(run_dir), token, opening.isoformat()), daemon=True
        )
        self.running = False

    async def start(self) -> None:
        self.proc.start()
        assert await self.recv() == "ready"
        self.running = True

    async def recv(self) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, self.conn.recv)

    async def run_job(self) -> tuple[str, float, float]:
        self.conn.send("job")
        return await self.recv()  # type: ignore[no-any-return]

    async def stop(self) -> None:
        if self.running:
            self.running = False
            self.conn.send("stop")
            await self.recv()
        await asyncio.to_thread(self.proc.join, 30)
        if self.proc.is_alive():
            self.proc.terminate()


async def _broadcast(
    args: argparse.Namespace, app: Any, clock: ManualClock, opening: datetime, conn: Connection,
    second: Second | None = None,
) -> int:  # fmt: skip
    loop = asyncio.get_running_loop()
    db = app.services.db
    now = clock.now()
    t0 = time.perf_counter()
    async with db.transaction() as tx:
        province = await un.create_unit(tx, "T01", "Tỉnh Bình Thuận", None, now)
        communes = [await un.create_unit(tx, f"X{c:03d}", f"Xã số {c}", province, now) for c in range(1, 101)]
        rows = [(f"Thành viên {i}", "member", communes[i % 100], 1, ts(now)) for i in range(args.members)]
        await tx.executemany(
            "INSERT INTO members (name, role, unit_id, active, created_at) VALUES (?, ?, ?, ?, ?)", rows
        )
        ids = [r[0] for r in await tx.fetchall("SELECT id FROM members ORDER BY id")]
        await tx.executemany(
            "INSERT INTO identities (channel, external_id, member_id, chat_id, created_at) VALUES (?, ?, ?, ?, ?)",
            [("telegram", str(FIRST_ID + i), m, str(FIRST_ID + i), ts(now)) for i, m in enumerate(ids)],
        )
    seeded = time.perf_counter() - t0
    members = await mem.list_promptable_members(db.reader)
    print(f"seeded {len(members):,} members with Telegram identities in {seeded:.1f} s", flush=True)

    # the clock: the opening time, then real time from there on (retry times must come due)
    clock.set(opening)
    start_mono = time.monotonic()
    ticking = True

    async def tick() -> None:
        while ticking:
            await asyncio.sleep(0.02)
            clock.set(opening + timedelta(seconds=time.monotonic() - start_mono))

    ticker = asyncio.create_task(tick())
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        if second is None:
            t_job = time.perf_counter()
            result = await app.runner.run("rounds", opening)
            job_s = time.perf_counter() - t_job
            job_end = time.monotonic()
        else:  # the other process prompts; this one sends
            result, job_s, job_end = await second.run_job()
        print(f"rounds job at {opening.isoformat()}: {result!r} in {job_s:.1f} s", flush=True)
        order_chats = [
            FIRST_ID + i for i in range(0, args.members, max(1, args.members // max(1, args.order_chats)))
        ][: args.order_chats]
        async with db.transaction() as tx:
            notices = [
                Outgoing(str(c), text, channel="telegram", proactive=True)
                for c in order_chats
                for text in NOTICES
            ]
            await enqueue(tx, app.services, notices, clock.now())
        app.worker.wake()
        total = len(members) + len(order_chats) * len(NOTICES)
        deadline = time.monotonic() + max(120.0, 4 * total / args.cap)
        while True:
            counts = await db.reader.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            by = {r[0]: r[1] for r in counts}
            if not by.get("pending"):
                break
            if time.monotonic() > deadline:
                print(f"gave up waiting: {by}")
                break
            await asyncio.sleep(0.25)
    finally:
        ticking = False
        await ticker
        if profiler is not None:
            profiler.disable()
    round_id = await db.reader.fetchval("SELECT id FROM rounds WHERE state = 'open'")
    attempts = await db.reader.fetchall(
        "SELECT status, COUNT(*), SUM(attempts - 1) FROM outbox GROUP BY status"
    )
    await app.stop()  # before the emulator goes away
    if second is not None:
        await second.stop()
    conn.send(("report", f"a:rnd:start:{round_id}", order_chats))
    report = await loop.run_in_executor(None, conn.recv)

    accepted = sorted(report["accepted"])
    first, last = accepted[0], accepted[-1]
    overall = (len(accepted) - 1) / (last - first)
    lo, hi = percentile(accepted, 10), percentile(accepted, 90)
    middle = sum(1 for a in accepted if lo <= a <= hi)
    steady = (middle - 1) / (hi - lo)
    after = [a for a in accepted if a >= job_end]
    after_rate = (len(after) - 1) / (after[-1] - after[0]) if len(after) > 1 else float("nan")
    during = [a for a in accepted if a < job_end]
    during_rate = (len(during) - 1) / (during[-1] - during[0]) if len(during) > 1 else float("nan")
    prompts = report["prompts"]
    lost = sum(1 for n in prompts if n == 0)
    doubled = sum(1 for n in prompts if n > 1)
    retries = sum(r[2] or 0 for r in attempts)
    statuses = {r[0]: r[1] for r in attempts}
    unhandled = report["sent_429"] - retries
    not_sent = sum(n for s, n in statuses.items() if s != "sent")

    print()
    rows = [
        ("messages delivered", f"{len(accepted):,}", f"{len(members):,} prompts + {len(order_chats) * 2:,} notices", ""),
        ("achieved rate, first to last delivery", f"{overall:.1f}/s", f"{overall / args.cap:.3f} of cap {args.cap:g}/s",
         verdict(overall / args.cap >= 0.95)),
        ("achieved rate, middle 80 % of deliveries", f"{steady:.1f}/s", f"{steady / args.cap:.3f} of cap", ""),
        ("  while the rounds job was still prompting", f"{during_rate:.1f}/s",
         f"{during_rate / args.cap:.3f} of cap ({len(during):,} messages)", ""),
        ("  once the job had finished", f"{after_rate:.1f}/s", f"{after_rate / args.cap:.3f} of cap "
         f"({len(after):,} messages)", ""),
        ("delivery time", f"{last - first:.1f} s", f"outbox global_rate {args.rate:g}/s", ""),
        ("members without a prompt (lost)", str(lost), "target 0", verdict(lost == 0)),
        ("members with more than one prompt", str(doubled), "at least once: duplicates only after a timeout", ""),
        ("429 answers from the emulator", str(report["sent_429"]), f"burst {args.burst}", ""),
        ("retries recorded on outbox rows", str(retries), "each 429 -> one retry", ""),
        ("429s not retried / rows not sent", f"{unhandled} / {not_sent}", "target 0 / 0", verdict(unhandled <= 0 and not_sent == 0)),
        (f"chats out of order (of {len(order_chats)})", str(report["out_of_order"]), "prompt, notice 1, notice 2",
         verdict(report["out_of_order"] == 0)),
        (f"rounds job (prompting, in batches of {PROMPT_BATCH})", f"{job_s:.1f} s", str(result), ""),
    ]  # fmt: skip
    print(table(rows, ("what", "figure", "detail", "target")))
    if profiler is not None:
        import pstats

        print("\n## Where the bot's process spent (cProfile, own time)")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=10_000)
    p.add_argument(
        "--cap", type=float, default=300.0, help="the emulator's send cap, messages/s (default 300)"
    )
    p.add_argument(
        "--burst", type=int, default=5, help="the emulator's burst (default 5: below the outbox's 10)"
    )
    p.add_argument("--rate", type=float, default=290.0, help="the outbox's global_rate (default 290)")
    p.add_argument(
        "--order-chats", type=int, default=1000, help="members who also get two notices (default 1000)"
    )
    p.add_argument("--database", help="a PostgreSQL server's URL (default: a SQLite file)")
    p.add_argument(
        "--processes", type=int, choices=(1, 2), default=1,
        help="2: a second instance in a child process runs the job while this one sends (PostgreSQL only)",
    )  # fmt: skip
    p.add_argument("--profile", action="store_true", help="cProfile the bot's side and print where it spends")
    args = p.parse_args()
    if args.processes == 2 and not args.database:
        p.error("--processes 2 needs --database postgresql://…: one process owns a SQLite file")
    header("Broadcast: opening a round for every member under a send cap", "benchmarks.broadcast")
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
