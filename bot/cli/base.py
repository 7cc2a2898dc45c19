"""What every command group of the CLI shares: the ``Command`` record a group registers, the errors that
become exit codes, and the helpers that open the database and read the clock."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from bot.core.config import Settings, make_clock
from storage.db import Database

if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subparsers: TypeAlias = argparse._SubParsersAction

EXIT_USAGE = 2

Handler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


class CliError(Exception):
    """A refusal the operator can act on: printed as ``dlxh: …``, exit code 1."""


@dataclass(frozen=True)
class Command:
    """One ``dlxh NAME …`` command: ``add_parser(sub)`` adds its parser (named ``name``) to the
    subcommands; ``run(settings, args)`` does it. A command that must run even when the config does not
    load (``dlxh doctor``: a broken config is one of its findings) gives ``run_unconfigured(args)`` instead."""

    name: str
    add_parser: Callable[[Subparsers], object]
    run: Handler | None = None
    run_unconfigured: Callable[[argparse.Namespace], int] | None = None


async def with_db(settings: Settings, fn: Callable[[Database], Awaitable[int]]) -> int:
    db = await Database.open(settings.database_target)
    try:
        return await fn(db)
    finally:
        await db.close()


def now(settings: Settings) -> datetime:
    return make_clock(settings).now()
