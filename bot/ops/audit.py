"""``dlxh audit [--since DATE] [--action NAME] [--limit N]``: the audit log, newest first.

One line per entry: its id, local time, who (``member:12``, ``system``, ``cli``), what (``attachment.open``,
``confidential.view``, ``export.write`` …), about what (``issue:7``) and, of its details, only numbers (ids
and counts): names, phone numbers and texts some entries keep are never printed.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, time
from typing import Any, TextIO

from bot.core.config import Settings
from storage.audit import AuditEntry, list_audit
from storage.db import Database

DEFAULT_LIMIT = 50
MAX_LIMIT = 100_000


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "audit",
        help="list the audit log: who opened a confidential source, an attachment, an export …",
        description="List the audit log, newest first: who opened a confidential source, an attachment or an "
        "export, and every recorded action (ids and kinds only).",
    )
    p.add_argument("--since", metavar="DATE", help="from this day on (dd/mm/yyyy or yyyy-mm-dd, local time)")
    p.add_argument(
        "--action", metavar="NAME", help="only this action, or a family like attachment.* (default: all)"
    )
    p.add_argument(
        "--limit", type=int, default=DEFAULT_LIMIT, help=f"at most N lines (default: {DEFAULT_LIMIT})"
    )
    return p


def parse_day(text: str, settings: Settings) -> datetime:
    """The start of the day ``text`` names (dd/mm/yyyy or yyyy-mm-dd) in local time; ValueError otherwise."""
    text = text.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return datetime.combine(day, time(0, 0), tzinfo=settings.tz)
    raise ValueError(f"--since {text!r}: expected a date like 01/12/2026 or 2026-12-01")


def _numbers(detail: dict[str, Any]) -> str:
    """The details that are numbers or lists of numbers (ids, counts), as ``key=value``."""
    shown = []
    for key, value in sorted(detail.items()):
        if isinstance(value, bool):
            continue
        if isinstance(value, int) or (
            isinstance(value, list)
            and value
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            shown.append(f"{key}={value if isinstance(value, int) else ','.join(map(str, value))}")
    return " ".join(shown)


def format_entry(entry: AuditEntry, settings: Settings) -> str:
    when = entry.at.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M:%S")
    parts = [f"#{entry.id}", when, entry.actor, entry.action, entry.subject or "-", _numbers(entry.detail)]
    return "  ".join(p for p in parts if p)


async def cmd_audit(settings: Settings, args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    stream = out if out is not None else sys.stdout
    if not 1 <= args.limit <= MAX_LIMIT:
        print(f"dlxh audit: --limit must be 1 to {MAX_LIMIT}")
        return 2
    try:
        since = parse_day(args.since, settings) if args.since else None
    except ValueError as exc:
        print(f"dlxh audit: {exc}")
        return 2
    db = await Database.open(settings.database_target)
    try:
        entries = await list_audit(db.reader, action=args.action or None, since=since, limit=args.limit)
    finally:
        await db.close()
    for entry in entries:
        stream.write(format_entry(entry, settings) + "\n")
    if not entries:
        stream.write("dlxh audit: no entries\n")
    return 0
