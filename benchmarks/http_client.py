"""The HTTP client under PTB: client-side CPU per Bot API call, PTB's default httpx stack vs aiohttp.

    .venv/bin/python -m benchmarks.http_client [--calls 3000] [--rounds 3]

The emulator runs in a child process; this process sends ``--calls`` ``sendMessage`` calls through PTB's
``Bot.do_api_request`` (4 in flight, as the outbox does) with ``telegram.request.HTTPXRequest`` (what PTB
ships, and what dlxh used before issue 21) and with ``bot.telegram_http.AiohttpRequest`` (what dlxh uses now),
alternately, ``--rounds`` times each; it prints this process's CPU time per call (``time.process_time``).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
import warnings
from multiprocessing.connection import Connection

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from benchmarks.harness import header
from bot.emulator import TelegramEmulator
from bot.telegram_http import AiohttpRequest

CHAT = 1001


def serve(conn: Connection) -> None:
    async def main() -> None:
        async with TelegramEmulator() as emu:
            emu.user(CHAT, "A")
            conn.send((emu.token, emu.base_url, emu.base_file_url))
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    asyncio.run(main())


async def cpu_per_call(request: BaseRequest, where: tuple[str, str, str], calls: int) -> float:
    token, base_url, base_file_url = where
    bot = Bot(token, base_url=base_url, base_file_url=base_file_url, request=request)
    async with bot:
        slots = asyncio.Semaphore(4)

        async def one(i: int) -> None:
            async with slots:
                await bot.do_api_request("sendMessage", api_kwargs={"chat_id": CHAT, "text": f"tin {i}"})

        await asyncio.gather(*(one(i) for i in range(100)))  # warm-up: connections open
        cpu0 = time.process_time()
        await asyncio.gather(*(one(i) for i in range(calls)))
        return 1000 * (time.process_time() - cpu0) / calls


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=3000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    header("HTTP client under PTB: client CPU per Bot API call", "benchmarks.http_client")
    warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'")
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(child,), daemon=True)
    proc.start()
    try:
        where = parent.recv()
        figures: dict[str, list[float]] = {"httpx (PTB default)": [], "aiohttp (dlxh)": []}
        for _ in range(args.rounds):
            figures["httpx (PTB default)"].append(
                asyncio.run(cpu_per_call(HTTPXRequest(connection_pool_size=32), where, args.calls))
            )
            figures["aiohttp (dlxh)"].append(
                asyncio.run(cpu_per_call(AiohttpRequest(connection_pool_size=32), where, args.calls))
            )
        for name, values in figures.items():
            runs = ", ".join(f"{v:.3f}" for v in values)
            print(f"{name:20} {statistics.median(values):.3f} ms CPU per call (median; runs: {runs})")
        ratio = statistics.median(figures["aiohttp (dlxh)"]) / statistics.median(
            figures["httpx (PTB default)"]
        )
        print(f"aiohttp / httpx CPU per call = {ratio:.2f}")
    finally:
        parent.send("stop")
        proc.join(timeout=10)


if __name__ == "__main__":
    main()
