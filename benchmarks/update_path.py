"""Update path: members filing complete reports through the emulator, against a bare PTB echo bot.

    .venv/bin/python -m benchmarks.update_path [--members 50] [--reports 2] [--rate 100] [--seconds 20]
                                               [--database postgresql://…] [--processes 1|2]

The bot is ``dlxh run`` itself, in a child process (``python -m bot --config … run``: ``build_app``, real
PTB, long polling over real HTTP, a real SQLite file under ``benchmarks/.cache/update-path/``), talking to
the Telegram emulator in this process, where ``--members`` simulated members (seeded directly in the
database, in ten communes with their leaders) each file ``--reports`` complete reports concurrently: /report,
category, place, location (shared or skipped), description, done, severity, people, source, no citizen,
the similar-issue offer when it comes ("new issue"), confirm. A step's latency is from the member's action
(the update queued at the emulator) to the bot's answer arriving in the chat.

The outbox pacing is made generous for this run (global 10,000/s, 1,000/s per chat): this measures the
update path, not Telegram's limits, which ``benchmarks.broadcast`` measures.

``--database`` runs the bot on PostgreSQL instead of the SQLite file: the URL names a server and a database the
benchmark may drop and create again (``dlxh_bench_update_path`` on that server, never the URL's own database).
``--processes 2`` (PostgreSQL only) starts two ``dlxh run`` processes on that database, as a deployment of two
does: in polling mode one of them polls (an advisory lock; Telegram allows one ``getUpdates`` consumer), and
the outbox's sender is whichever holds its lock (the first started), the other standing by; the CPU per update
is both processes' together, the peak RSS the larger one's.

Anchor, same run, same emulator code, same number of updates: ``benchmarks.echo_bot`` (an Application with
a MessageHandler answering with reply_text, its own updater.start_polling), the same number of members each
sending texts and waiting for the echo.

Phase 1, closed loop: everyone as fast as the bot answers -> throughput (updates/s) of each bot, the ratio
(target >= 0.5), p50/p99 step latency. Phase 2, open loop at a fixed offered load (``--rate`` updates/s for
``--seconds``): p50/p99/max step latency (target p99 <= 50 ms), for both bots.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from benchmarks.harness import CACHE, ROOT, fresh_postgres, header, percentile, table, verdict
from bot.core.clock import TEST_START_VARIABLE
from bot.core.config import parse_settings
from bot.core.texts import t
from bot.emulator import BotMessage, SimUser, TelegramEmulator
from storage import members as mem
from storage import units as un
from storage.db import Database

# the bot runs on a pinned clock (a weekday morning outside a round window), so the rounds job does not prompt
# the simulated members in the middle of their reports whatever the hour of the run
START = datetime(2026, 11, 10, 10, 0, tzinfo=timezone(timedelta(hours=7)))

TIMEOUT = 60.0  # seconds a step may take before the run is declared broken
COMMUNES = 10
PLACES = ["Thôn 1", "Thôn 3, đường ĐT 711", "Ấp Bình An", "Khu phố 4", "Xóm Bàu", "Chợ xã"]
WORDS = ["mất điện", "nước tưới", "ô nhiễm", "đường hỏng", "cá chết", "khói bụi", "tụ tập", "sạt lở",
         "bà con bức xúc", "nhiều hộ ảnh hưởng", "đề nghị kiểm tra", "kéo dài nhiều ngày"]  # fmt: skip


def vi(key: str) -> str:
    return t("vi", key)


# ---------------------------------------------------------------------------------------------- the members


class Reporter:
    """One member filing complete reports, one step (one update) at a time."""

    def __init__(self, user: SimUser, rng: random.Random, categories: list[str]) -> None:
        self.user = user
        self.rng = rng
        self.categories = categories
        self.plan: list[tuple[str, str, int]] = []
        self.i = 0
        self.last: BotMessage | None = None
        self.reports = 0
        self.similar_offers = 0

    @property
    def done(self) -> int:
        return self.reports

    def _new_plan(self) -> None:
        r = self.rng
        words = " ".join(r.sample(WORDS, 4))
        location = (
            ("press", vi("report.share_location"), 2) if r.random() < 0.5 else ("press", vi("report.skip"), 2)
        )
        self.plan = [
            ("text", "/report", 1),
            ("tap", r.choice(self.categories), 1),
            ("text", r.choice(PLACES), 1),
            location,
            ("text", f"{words.capitalize()} từ {r.randint(2, 9)} ngày nay, khoảng {r.randint(5, 90)} hộ.", 1),
            ("tap", vi("report.done"), 1),
            ("tap", vi(r.choice(["severity.normal", "severity.pressing"])), 1),
            ("tap", vi(r.choice(["people.household", "people.hamlet", "people.commune"])), 1),
            ("tap", vi(r.choice(["source.direct", "source.meeting", "source.observed"])), 1),
            ("if offered", vi("report.citizen_none"), 1),  # not asked after "Tự quan sát" (observed)
            ("if offered", vi("report.new_issue"), 1),
            ("tap", vi("report.confirm"), 1),
        ]
        self.i = 0

    async def step(self) -> float:
        """Do the next action and wait for its answer; returns the latency in seconds."""
        if self.i >= len(self.plan):
            self._new_plan()
        kind, arg, n = self.plan[self.i]
        while kind == "if offered":
            offered = self.last is not None and any(arg == label for label in self.last.labels())
            if offered:
                self.similar_offers += arg == vi("report.new_issue")
                kind = "tap"
            else:
                self.i += 1
                kind, arg, n = self.plan[self.i]
        user = self.user
        t0 = time.perf_counter()
        if kind == "text":
            await user.send_text(arg)
        elif kind == "tap":
            await user.tap(arg, self.last)
        else:
            await user.press(arg)
        messages = await user.next_messages(n, timeout=TIMEOUT)
        took = time.perf_counter() - t0
        self.last = messages[-1]
        self.i += 1
        if self.i == len(self.plan):
            if "#" not in (self.last.text or ""):  # "… Vụ việc số #12 …" or "… vào vụ việc #12 …"
                raise RuntimeError(f"{user}: the report was not filed: {self.last.text!r}")
            self.reports += 1
        return took


class Echoer:
    """One person texting the echo bot and waiting for each echo."""

    def __init__(self, user: SimUser, rng: random.Random) -> None:
        self.user = user
        self.rng = rng
        self.sent = 0

    @property
    def done(self) -> int:
        return self.sent

    async def step(self) -> float:
        self.sent += 1
        text = f"{self.sent}: {' '.join(self.rng.sample(WORDS, 3))}"
        t0 = time.perf_counter()
        await self.user.send_text(text)
        answer = await self.user.next_message(timeout=TIMEOUT)
        took = time.perf_counter() - t0
        if answer.text != text:
            raise RuntimeError(f"echo mismatch: {answer.text!r} != {text!r}")
        return took


Stepper = Reporter | Echoer


# ---------------------------------------------------------------------------------------------- the bots


@dataclass
class BotProc:
    """A bot in a child process; its CPU time and peak RSS are read from /proc."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    cpu_start: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "wb")  # the child keeps its own handle
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(self.proc.wait, 20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            await asyncio.to_thread(self.proc.wait, 10)


async def seed(
    data_dir: Path, emu: TelegramEmulator, members: int, database: str | None = None
) -> list[tuple[SimUser, int]]:
    """A province, ten communes, a leader each, a province leader, and the members (as emulator users)."""
    now = START
    db = await Database.open(database or data_dir / "dlxh.sqlite3")
    people: list[tuple[SimUser, int]] = []
    try:
        async with db.transaction() as tx:
            province = await un.create_unit(tx, "T01", "Tỉnh Bình Thuận", None, now)
            communes = [
                await un.create_unit(tx, f"X{c + 1:02d}", f"Xã số {c + 1}", province, now)
                for c in range(COMMUNES)
            ]
            leaders = [("leader", province)] + [("leader", c) for c in communes]
            everyone = leaders + [("member", communes[i % COMMUNES]) for i in range(members)]
            for n, (role, unit) in enumerate(everyone):
                user_id = 1_000 + n
                member = await mem.create_member(tx, f"Người {n}", role, unit, now)
                await mem.add_identity(tx, member, "telegram", str(user_id), str(user_id), now)
                user = emu.user(user_id, f"Người {n}")
                if role == "member":
                    people.append((user, unit))
    finally:
        await db.close()
    return people


def write_config(run_dir: Path, emu: TelegramEmulator, database: str | None = None) -> Path:
    config = run_dir / "config.toml"
    config.write_text(
        f"[general]\ndata_dir = '{run_dir / 'data'}'\n"
        + (f"database = '{database}'\n" if database else "")
        + f"[telegram]\nbase_url = '{emu.base_url}'\nbase_file_url = '{emu.base_file_url}'\npoll_timeout = 10\n"
        "[outbox]\n# generous pacing: this run measures the update path, not Telegram's limits\n"
        "global_rate = 10000.0\nglobal_burst = 10000\nchat_rate = 1000.0\nchat_burst = 1000\n",
        encoding="utf-8",
    )
    parse_settings_check(config)
    return config


def parse_settings_check(config: Path) -> None:
    import tomllib

    parse_settings(tomllib.loads(config.read_text(encoding="utf-8")), base_dir=config.parent)


# ---------------------------------------------------------------------------------------------- the load


@dataclass
class Phase:
    updates: int
    seconds: float
    latencies: list[float]
    missed: int = 0  # open loop: ticks with no idle member to act

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def pct(self, p: float) -> float:
        return percentile(self.latencies, p)


async def closed_loop(steppers: list[Stepper], each: Callable[[Stepper], int]) -> Phase:
    """Every stepper completes ``each(s)`` more units (reports, echoes) as fast as the bot answers."""
    latencies: list[float] = []

    async def run(s: Stepper) -> None:
        goal = s.done + each(s)
        while s.done < goal:
            latencies.append(await s.step())

    t0 = time.perf_counter()
    await asyncio.gather(*(run(s) for s in steppers))
    took = time.perf_counter() - t0
    return Phase(len(latencies), took, latencies)


async def open_loop(steppers: list[Stepper], rate: float, seconds: float) -> Phase:
    """An action every 1/rate seconds, by a member who is not waiting for an answer."""
    loop = asyncio.get_running_loop()
    idle: asyncio.Queue[Stepper] = asyncio.Queue()
    for s in steppers:
        idle.put_nowait(s)
    latencies: list[float] = []
    tasks: set[asyncio.Task[None]] = set()
    missed = 0

    async def act(s: Stepper) -> None:
        latencies.append(await s.step())
        idle.put_nowait(s)

    total = int(rate * seconds)
    start = loop.time()
    for i in range(total):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if idle.empty():
            missed += 1
            continue
        task = asyncio.create_task(act(idle.get_nowait()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    took = loop.time() - start
    return Phase(len(latencies), took, latencies, missed)


async def calls_per_update(emu: TelegramEmulator, fn: Callable[[], Awaitable[Phase]]) -> tuple[Phase, float]:
    before = sum(n for k, n in emu.calls.items() if k != "getUpdates")
    phase = await fn()
    after = sum(n for k, n in emu.calls.items() if k != "getUpdates")
    return phase, (after - before) / max(1, phase.updates)


# ---------------------------------------------------------------------------------------------- the run


@dataclass
class Result:
    name: str
    closed: Phase
    opened: Phase
    calls: float
    cpu_per_update_ms: float
    rss_mb: float


async def run_dlxh(args: argparse.Namespace, run_dir: Path) -> tuple[Result, int, int]:
    async with TelegramEmulator() as emu:
        people = await seed(run_dir / "data", emu, args.members, args.database_url)
        config = write_config(run_dir, emu, args.database_url)
        env = {**os.environ, "DLXH_TELEGRAM_TOKEN": emu.token, TEST_START_VARIABLE: START.isoformat()}
        profile = ["-m", "cProfile", "-o", str(run_dir / "dlxh.prof")] if args.profile else []
        argv = [sys.executable, *profile, "-m", "bot", "--config", str(config), "run"]
        bot = BotProc("dlxh", argv, env, run_dir / "dlxh.log")
        bots = [bot] + [
            BotProc(f"dlxh-{n}", [sys.executable, "-m", "bot", "--config", str(config), "run"], env,
                    run_dir / f"dlxh-{n}.log")
            for n in range(2, args.processes + 1)
        ]  # fmt: skip
        bot.start()
        try:
            await emu.wait_calls("getUpdates", 1, timeout=60)  # the first polls (and holds the outbox's lock)
            started = emu.calls["getMe"]
            for other in bots[1:]:
                other.start()
            await emu.wait_calls("getMe", started + len(bots) - 1, timeout=60)  # the others are up
            rng = random.Random(11)
            categories = [
                c.label("vi") for c in parse_settings({}, base_dir=run_dir).categories if not c.sensitive
            ]
            reporters = [Reporter(user, random.Random(rng.random()), categories) for user, _ in people]
            # warm-up: a first report by a few members (connections, caches), not measured
            await closed_loop(reporters[:5], lambda s: 1)
            cpu0 = sum(b.cpu_seconds() for b in bots)
            closed, calls = await calls_per_update(
                emu, lambda: closed_loop(reporters, lambda s: args.reports)
            )
            cpu = sum(b.cpu_seconds() for b in bots) - cpu0
            opened = await open_loop(reporters, args.rate, args.seconds)
            name = "dlxh (build_app, dlxh run)" + (f" × {len(bots)}" if len(bots) > 1 else "")
            result = Result(name, closed, opened, calls, 1000 * cpu / closed.updates,
                            max(b.peak_rss_mb() for b in bots))  # fmt: skip
            filed = sum(r.reports for r in reporters)
            similar = sum(r.similar_offers for r in reporters)
        finally:
            for b in reversed(bots):
                await b.stop()
    return result, filed, similar


async def run_echo(args: argparse.Namespace, run_dir: Path, updates: int) -> Result:
    async with TelegramEmulator() as emu:
        users = [emu.user(1_000 + n, f"Người {n}") for n in range(args.members)]
        argv = [sys.executable, "-m", "benchmarks.echo_bot", emu.token, emu.base_url, emu.base_file_url]
        bot = BotProc("echo", argv, dict(os.environ), run_dir / "echo.log")
        bot.start()
        try:
            await emu.wait_calls("getUpdates", 1, timeout=60)
            rng = random.Random(12)
            echoers = [Echoer(u, random.Random(rng.random())) for u in users]
            await closed_loop(echoers[:5], lambda s: 12)  # warm-up, not measured
            per_user = [
                updates // len(echoers) + (1 if i < updates % len(echoers) else 0)
                for i in range(len(echoers))
            ]
            plan = dict(zip(map(id, echoers), per_user, strict=True))
            cpu0 = bot.cpu_seconds()
            closed, calls = await calls_per_update(emu, lambda: closed_loop(echoers, lambda s: plan[id(s)]))
            cpu = bot.cpu_seconds() - cpu0
            opened = await open_loop(echoers, args.rate, args.seconds)
            return Result("PTB echo bot (anchor)", closed, opened, calls, 1000 * cpu / closed.updates,
                          bot.peak_rss_mb())  # fmt: skip
        finally:
            await bot.stop()


def package_of(path: str, name: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/")[1].split("/")[0]
    if str(ROOT) in path:
        return "dlxh: " + path.split(str(ROOT) + "/")[1].split("/")[0]
    if path.startswith("<frozen importlib"):
        return "importlib (imports at run time)"
    if "/lib/python3" in path:
        return "stdlib: " + path.split("/lib/python3")[1].split("/", 2)[1].removesuffix(".py")
    return name if path == "~" else path


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


async def main_async(args: argparse.Namespace) -> int:
    run_dir = CACHE / "update-path"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    (run_dir / "data").mkdir(parents=True)
    args.database_url = fresh_postgres(args.database, "dlxh_bench_update_path") if args.database else None
    print(f"{args.members} members in {COMMUNES} communes, {args.reports} complete report(s) each (closed loop), then "
          f"{args.rate:g} updates/s for {args.seconds:g} s (open loop); outbox pacing generous (global 10,000/s, "
          f"chat 1,000/s); bot logs and database in {run_dir}\n", flush=True)  # fmt: skip
    ours, filed, similar = await run_dlxh(args, run_dir)
    print(f"dlxh: {ours.closed.updates} updates in {ours.closed.seconds:.1f} s ({filed} reports filed, "
          f"{similar} similar-issue offers)", flush=True)  # fmt: skip
    echo = await run_echo(args, run_dir, ours.closed.updates)
    print(f"echo: {echo.closed.updates} updates in {echo.closed.seconds:.1f} s\n", flush=True)

    rows = []
    for r in (ours, echo):
        rows.append((r.name, f"{r.closed.rate:.0f}", fmt_ms(r.closed.pct(50)), fmt_ms(r.closed.pct(99)),
                     fmt_ms(r.opened.pct(50)), fmt_ms(r.opened.pct(99)), fmt_ms(max(r.opened.latencies)),
                     f"{r.opened.rate:.0f}" + (f" ({r.opened.missed} missed)" if r.opened.missed else ""),
                     f"{r.calls:.2f}", f"{r.cpu_per_update_ms:.2f}", f"{r.rss_mb:.0f}"))  # fmt: skip
    print(table(rows, ("bot", "closed loop upd/s", "p50 ms", "p99 ms", f"at {args.rate:g}/s p50 ms", "p99 ms",
                       "max ms", "achieved upd/s", "API calls/upd", "bot CPU ms/upd", "bot peak RSS MB")))  # fmt: skip
    ratio = ours.closed.rate / echo.closed.rate
    p99 = ours.opened.pct(99)
    print()
    print(f"throughput ratio dlxh / echo = {ours.closed.rate:.0f} / {echo.closed.rate:.0f} = {ratio:.2f}"
          f"   (target >= 0.5: {verdict(ratio >= 0.5)})")  # fmt: skip
    print(
        f"p99 step latency at {args.rate:g} updates/s = {p99 * 1000:.1f} ms   (target <= 50 ms: {verdict(p99 <= 0.050)})"
    )
    print(f"(p50 at {args.rate:g}/s: dlxh {ours.opened.pct(50) * 1000:.1f} ms, echo {echo.opened.pct(50) * 1000:.1f} ms;"
          f" mean closed-loop step: dlxh {statistics.mean(ours.closed.latencies) * 1000:.1f} ms, "
          f"echo {statistics.mean(echo.closed.latencies) * 1000:.1f} ms)")  # fmt: skip
    if args.profile:
        import pstats

        stats = pstats.Stats(str(run_dir / "dlxh.prof"))
        print("\n## Where the bot process spends (cProfile of its main thread, own time by package)")
        by: dict[str, float] = {}
        for (path, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            by[package_of(path, name)] = by.get(package_of(path, name), 0.0) + own
        total = sum(by.values())
        for key, own in sorted(by.items(), key=lambda kv: -kv[1])[:20]:
            print(f"  {own:6.2f} s {100 * own / total:5.1f} %  {key}")
        print("\n## The same, by function (own time)")
        stats.sort_stats("tottime").print_stats(25)
    return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--members", type=int, default=50, help="simulated members filing at once (default 50)")
    p.add_argument(
        "--reports", type=int, default=2, help="complete reports each in the closed loop (default 2)"
    )
    p.add_argument(
        "--rate", type=float, default=100.0, help="offered load of phase 2, updates/s (default 100)"
    )
    p.add_argument("--seconds", type=float, default=20.0, help="duration of phase 2 (default 20)")
    p.add_argument(
        "--profile", action="store_true", help="run the bot under cProfile and print where it spends"
    )
    p.add_argument("--database", help="a PostgreSQL server's URL (default: a SQLite file)")
    p.add_argument(
        "--processes", type=int, choices=(1, 2), default=1,
        help="2: two dlxh run processes on the database (PostgreSQL only)",
    )  # fmt: skip
    args = p.parse_args()
    if args.processes == 2 and not args.database:
        p.error("--processes 2 needs --database postgresql://…: one process owns a SQLite file")
    header(
        "Update path: complete reports through the emulator vs a bare PTB echo bot", "benchmarks.update_path"
    )
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
