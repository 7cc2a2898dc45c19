"""``dlxh run``, ``demo``, ``sandbox``, ``export``, ``migrate``, ``db``: running the bot and its database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from bot.cli.base import EXIT_USAGE, CliError, Command, Subparsers
from bot.core.config import Settings, make_clock
from bot.dbcopy import add_parser as add_db_parser
from bot.dbcopy import cmd_db
from bot.exports.cli import add_parser as add_export_parser
from bot.exports.cli import cmd_export
from bot.lifecycle import ChannelRefused, supervise
from bot.sandbox import add_parser as add_sandbox_parser
from bot.sandbox import cmd_sandbox
from storage.db import Database
from storage.migrations import current_version


def add_run(sub: Subparsers) -> None:
    run = sub.add_parser(
        "run",
        help="run the bot on every configured channel",
        description="Run the bot on every enabled channel (Telegram, Zalo) until Ctrl+C or SIGTERM: "
        "long polling by default, webhooks with --webhook. Tokens come from the environment variables "
        "or files named in the config; one bot per database.",
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook ([webhook] in the config), not polling",
    )


def add_demo(sub: Subparsers) -> None:
    demo = sub.add_parser(
        "demo",
        help="a scripted exchange against the built-in emulator, printed as a transcript",
        description="Play a short story (joining, an urgent report, the leader's answer, a round) with the "
        "real bot against the built-in Telegram emulator on a temporary database, printing each line as "
        "it happens. No token, no network.",
    )
    demo.add_argument("--keep", metavar="DIR", help="keep the demo's database in DIR")


def add_migrate(sub: Subparsers) -> None:
    sub.add_parser(
        "migrate",
        help="create or upgrade the database",
        description="Create the database if it is missing and apply every schema migration it lacks.",
    )


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import AlreadyRunning, build_app, channel_tokens, webhook_secret  # the whole app: heavy

    telegram_token, zalo_token = channel_tokens(settings)
    if args.webhook or settings.webhook.enabled:
        app = build_app(
            settings,
            clock=make_clock(settings),
            mode="webhook",
            telegram_token=telegram_token,
            zalo_token=zalo_token,
            webhook_secret=webhook_secret(settings),
        )
    else:
        app = build_app(
            settings, clock=make_clock(settings), telegram_token=telegram_token, zalo_token=zalo_token
        )
    stop = asyncio.Event()  # a SIGTERM while starting stops the bot cleanly once it has started
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        try:
            await app.start()
        except AlreadyRunning as exc:
            raise CliError(str(exc)) from exc
        except ChannelRefused as exc:
            print(f"dlxh: {exc}", file=sys.stderr)
            return EXIT_USAGE
        logging.getLogger("dlxh").info(
            "dlxh is running (database %s); Ctrl+C stops it", settings.database_target
        )
        # exit 1 when a background task dies (systemd restarts it), 2 when a channel's token is refused
        return await supervise(app.background_tasks(), stop)
    finally:
        await app.stop()


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import cmd_demo as run_demo  # the emulator and the whole app: heavy

    return await run_demo(settings, args)


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    db = await Database.open(settings.database_target)
    try:
        print(f"database {settings.database_target} at schema v{await current_version(db)}")
    finally:
        await db.close()
    return 0


COMMANDS = (
    Command("run", add_run, cmd_run),
    Command("demo", add_demo, cmd_demo),
    Command("sandbox", add_sandbox_parser, cmd_sandbox),
    Command("export", add_export_parser, cmd_export),
    Command("migrate", add_migrate, cmd_migrate),
    Command("db", add_db_parser, cmd_db),
)
