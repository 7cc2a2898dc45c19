"""``dlxh units …``, ``members …``, ``invite``: the unit tree and the people."""

from __future__ import annotations

import argparse
import csv
import logging
from pathlib import Path

from bot.cli.base import CliError, Command, Subparsers, now, with_db
from bot.core.config import Settings
from bot.core.tables import TableError, read_table
from handlers.admin import (
    AdminError,
    ImportedMember,
    deactivate_member,
    import_members,
    import_units,
    merge_units,
    replace_member,
    retire_unit,
)
from handlers.people import create_invites
from storage import members as mem
from storage import units as un
from storage.db import Database


def add_units(sub: Subparsers) -> None:
    """``dlxh units import|merge|retire|list``."""
    units = sub.add_parser(
        "units",
        help="the unit tree: import, merge, retire, list",
        description="Import, merge, retire and list units.",
    ).add_subparsers(dest="units_command", required=True)
    ui = units.add_parser(
        "import",
        help="import or update units from CSV/XLSX (code, name, parent)",
        description="Import or update units from a CSV or XLSX table with the columns code, name, parent "
        "(the parent's code; empty for the top). All rows or none.",
    )
    ui.add_argument("file", type=Path, help="the CSV or XLSX file")
    um = units.add_parser(
        "merge",
        help="merge a unit into another",
        description="Merge a unit into another: its members, invites and child units move there; the old "
        "unit stays in history, retired.",
    )
    um.add_argument("old", metavar="OLD", help="the code of the unit that goes away")
    um.add_argument("--into", required=True, metavar="CODE", help="the code of the unit that takes it in")
    ur = units.add_parser(
        "retire",
        help="retire a unit; its parent takes over",
        description="Retire a unit; its parent takes over its members, invites and child units.",
    )
    ur.add_argument("code", metavar="CODE", help="the code of the unit to retire")
    units.add_parser("list", help="print the tree", description="Print the unit tree with each unit's code.")


def add_members(sub: Subparsers) -> None:
    """``dlxh members import|list|deactivate|replace``."""
    members = sub.add_parser(
        "members",
        help="members: import, list, deactivate, replace",
        description="Import, list, deactivate and replace members.",
    ).add_subparsers(dest="members_command", required=True)
    mi = members.add_parser(
        "import",
        help="import members from CSV/XLSX (name, phone, unit, role, sectors)",
        description="Import members from a CSV or XLSX table (name, phone, unit, role, sectors) and write "
        "a one-time invite link for each.",
    )
    mi.add_argument("file", type=Path, help="the CSV or XLSX file")
    mi.add_argument("--links", type=Path, help="write the invite links CSV here (default: FILE-invites.csv)")
    ml = members.add_parser("list", help="list members", description="List members, with id, role and unit.")
    ml.add_argument("--unit", help="only this unit and the units below it")
    ml.add_argument("--unreachable", action="store_true", help="only members the bot cannot reach")
    md = members.add_parser(
        "deactivate",
        help="deactivate a member",
        description="Deactivate a member: the bot stops talking to them; their open assignments go back "
        "to the unit's leaders.",
    )
    md.add_argument("id", type=int, metavar="ID", help="the member's id (see dlxh members list)")
    mr = members.add_parser(
        "replace",
        help="a successor takes over a member's role",
        description="A successor takes over a member's role, unit, sectors and open assignments; the old "
        "member is deactivated.",
    )
    mr.add_argument("old", type=int, metavar="OLD", help="the id of the member who leaves")
    mr.add_argument("new", type=int, metavar="NEW", help="the id of the member who takes over")


def add_invite(sub: Subparsers) -> None:
    """``dlxh invite --unit CODE --role ROLE``."""
    iv = sub.add_parser(
        "invite",
        help="create one-time invite codes",
        description="Create one-time invite codes (and t.me links) for people to join a unit with a role.",
    )
    iv.add_argument("--unit", required=True, metavar="CODE", help="the code of the unit they join")
    iv.add_argument(
        "--role", required=True, choices=["member", "leader", "admin"], help="the role they join with"
    )
    iv.add_argument("--name", default="", help="the person's full name (shown in the welcome)")
    iv.add_argument("--count", type=int, default=1, help="how many codes (1 to 1000; default: 1)")
    iv.add_argument("--qr", type=Path, metavar="DIR", help="write a QR code PNG per invite into DIR")
    iv.add_argument(
        "--bot-username", default="", help="the bot's @username for links (default: ask Telegram)"
    )


async def cmd_units(settings: Settings, args: argparse.Namespace) -> int:
    async def go(db: Database) -> int:
        try:
            if args.units_command == "import":
                rows = read_table(args.file, ("code", "name", "parent"))
                async with db.transaction() as tx:
                    result = await import_units(tx, rows, now(settings))
                print(f"units: {result.created} created, {result.updated} updated")
            elif args.units_command == "merge":
                async with db.transaction() as tx:
                    moved = await merge_units(tx, args.old, args.into, now(settings))
                print(f"unit {args.old} merged into {args.into}; {moved} member(s) moved")
            elif args.units_command == "retire":
                async with db.transaction() as tx:
                    successor = await retire_unit(tx, args.code, now(settings))
                print(f"unit {args.code} retired; {successor} takes over")
            else:
                _print_tree(await un.list_units(db.reader))
        except (TableError, AdminError) as exc:
            raise CliError(f"{exc}; nothing was changed") from exc
        return 0

    return await with_db(settings, go)


def _print_tree(units: list[un.Unit]) -> None:
    by_parent: dict[int | None, list[un.Unit]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)

    def show(parent: int | None, depth: int) -> None:
        for u in by_parent.get(parent, []):
            print(f"{'  ' * depth}{u.code}  {u.name}")
            show(u.id, depth + 1)

    show(None, 0)


async def cmd_members(settings: Settings, args: argparse.Namespace) -> int:
    async def go(db: Database) -> int:
        try:
            if args.members_command == "import":
                rows = read_table(args.file, ("name", "unit"))
                username = await _bot_username(settings, "")
                async with db.transaction() as tx:
                    imported = await import_members(tx, settings, rows, now(settings), username)
                out = args.links or args.file.with_name(args.file.stem + "-invites.csv")
                _write_links(settings, out, imported)
                print(f"members: {len(imported)} imported; invite links in {out}")
            elif args.members_command == "list":
                await _list_members(db, args.unit, args.unreachable)
            elif args.members_command == "deactivate":
                async with db.transaction() as tx:
                    m = await deactivate_member(tx, args.id, now(settings))
                print(f"member {m.id} ({m.name}) deactivated")
            elif args.members_command == "replace":
                async with db.transaction() as tx:
                    await replace_member(tx, args.old, args.new, now(settings))
                print(f"member {args.new} takes over from member {args.old}")
        except (TableError, AdminError) as exc:
            raise CliError(f"{exc}; nothing was changed") from exc
        return 0

    return await with_db(settings, go)


def _write_links(settings: Settings, out: Path, imported: list[ImportedMember]) -> None:
    with open(out, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "phone", "unit", "role", "code", "link", "expires"])
        for row in imported:
            expires = row.invite.expires_at.astimezone(settings.tz).strftime("%d/%m/%Y")
            w.writerow(
                [row.member_id, row.name, row.phone, row.unit_code, row.role, row.invite.code,
                 row.invite.link, expires]
            )  # fmt: skip


async def _list_members(db: Database, unit_code: str | None, unreachable: bool) -> None:
    unit_ids = None
    if unit_code:
        unit = await un.get_unit_by_code(db.reader, unit_code)
        if unit is None:
            raise AdminError(f"unit {unit_code} does not exist")
        unit_ids = await un.list_subtree_ids(db.reader, unit.id)
    units = {u.id: u for u in await un.list_units(db.reader, active_only=False)}
    for m in await mem.list_members(db.reader, unit_ids=unit_ids, unreachable_only=unreachable):
        state = "active" if m.active else "inactive"
        print(f"{m.id:5}  {m.name:30}  {m.role:7}  {units[m.unit_id].code:12}  {m.phone:12}  {state}")


async def _bot_username(settings: Settings, given: str) -> str:
    """The bot's username for invite links: given, else asked of Telegram if a token is set, else empty."""
    if given:
        return given.lstrip("@")
    token = settings.telegram.token() if settings.telegram.enabled else None
    if not token:
        return ""
    from telegram import Bot  # python-telegram-bot: heavy, and needed only here
    from telegram.error import TelegramError

    try:
        async with Bot(token, base_url=settings.telegram.base_url) as bot:
            return bot.username or ""
    except TelegramError as exc:
        logging.getLogger("dlxh").warning("could not ask Telegram for the bot's username: %s", exc)
        return ""


async def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    if not 1 <= args.count <= 1000:
        raise CliError("--count must be between 1 and 1000")
    username = await _bot_username(settings, args.bot_username)

    async def go(db: Database) -> int:
        unit = await un.get_unit_by_code(db.reader, args.unit)
        if unit is None or not unit.active:
            raise CliError(f"unit {args.unit} does not exist; nothing was changed")
        async with db.transaction() as tx:
            created = await create_invites(
                tx,
                settings,
                now(settings),
                unit_id=unit.id,
                role=args.role,
                name=args.name,
                count=args.count,
                created_by="cli",
                bot_username=username,
            )
        if args.qr:
            import segno  # QR codes: only for --qr

            args.qr.mkdir(parents=True, exist_ok=True)
        for c in created:
            print(f"{c.code}  {c.link}  (valid until {c.expires_at.astimezone(settings.tz):%d/%m/%Y})")
            if args.qr:
                segno.make(c.link, error="m").save(args.qr / f"invite-{c.code}.png", scale=8, border=4)
        if args.qr:
            print(f"{len(created)} QR code(s) written to {args.qr}")
        return 0

    return await with_db(settings, go)


COMMANDS = (
    Command("units", add_units, cmd_units),
    Command("members", add_members, cmd_members),
    Command("invite", add_invite, cmd_invite),
)
