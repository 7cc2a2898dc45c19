"""``dlxh``'s entry point: the global options, every group's commands, and the exit codes.

A command group is a module of this package with ``COMMANDS``, a tuple of ``base.Command`` (its name, the
function that adds its parser, the function that runs it). Registering a new group is two lines here: its
import and its place in ``GROUPS``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.cli import jobs, ops, people, serve
from bot.cli.base import EXIT_USAGE, CliError, Command
from bot.core.config import ConfigError, load_settings

GROUPS: tuple[tuple[Command, ...], ...] = (serve.COMMANDS, jobs.COMMANDS, people.COMMANDS, ops.COMMANDS)
COMMANDS: dict[str, Command] = {c.name: c for group in GROUPS for c in group}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dlxh", description="dlxh: the public-opinion group's chatbot")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="TOML config file (default: $DLXH_CONFIG, else ./config.toml, else built-in)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for command in COMMANDS.values():
        command.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "apscheduler", "telegram", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    command = COMMANDS[args.command]
    if command.run_unconfigured is not None:
        return command.run_unconfigured(args)
    assert command.run is not None
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(command.run(settings, args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except CliError as exc:
        print(f"dlxh: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
