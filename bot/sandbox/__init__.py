"""``dlxh sandbox``: try the whole bot offline in a browser (see :mod:`bot.sandbox.server`).

This module stays light (the CLI imports it for every command); the server is imported when it runs.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.config import Settings

__all__ = ["add_parser", "cmd_sandbox", "run_sandbox"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``dlxh sandbox [--host H] [--port P] [--data-dir DIR] [--fresh]`` to the CLI's subcommands."""
    p = sub.add_parser(
        "sandbox",
        help="try the bot offline in a browser: the real bot, simulated phones, a clock you move",
        description="Run the real bot against the built-in Telegram emulator on a separate sandbox "
        "database and serve a page with several simulated phones and a clock you can move forward. "
        "A restarted sandbox carries on where it stopped (the database, the clock, the phones' chats); "
        '--fresh, or the page\'s "start afresh" button, empties it.',
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve the page on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port to serve the page on (default: 8080)")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="the sandbox's own data folder (default: the configured data_dir/sandbox): an empty folder or "
        "one the sandbox made; never the production one",
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="start afresh: empty the sandbox's database, chats and clock, then seed the sample people again",
    )


async def run_sandbox(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    data_dir: str | Path | None = None,
    fresh: bool = False,
) -> None:
    """Run the sandbox until cancelled (see :func:`bot.sandbox.server.run_sandbox`)."""
    from bot.sandbox.server import run_sandbox as run

    await run(settings, host=host, port=port, data_dir=data_dir, fresh=fresh)


async def cmd_sandbox(settings: Settings, args: argparse.Namespace) -> int:
    """``dlxh sandbox``: serve the page until SIGINT or SIGTERM."""
    from bot.app import AlreadyRunning
    from bot.sandbox.server import SandboxError
    from bot.sandbox.server import run_sandbox as run

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run(
            settings, host=args.host, port=args.port, data_dir=args.data_dir, stop=stop, fresh=args.fresh
        )
    except (SandboxError, AlreadyRunning) as exc:
        print(f"dlxh: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the port is taken, the address is wrong ...
        print(f"dlxh: sandbox: {exc}", file=sys.stderr)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return 0
