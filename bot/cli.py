"""The ``dlxh`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.config import ConfigError, Settings, load_settings, make_clock
from bot.dbcopy import add_parser as add_db_parser
from bot.dbcopy import cmd_db
from bot.exports.cli import add_parser as add_export_parser
from bot.lifecycle import ChannelRefused, supervise
from bot.ops.audit import add_parser as add_audit_parser
from bot.ops.audit import cmd_audit
from bot.sandbox import add_parser as add_sandbox_parser
from bot.sandbox import cmd_sandbox

EXIT_USAGE = 2
#: The scheduled jobs' names, for ``dlxh jobs run NAME`` (tests/test_cli_help.py checks them against the
#: jobs build_app registers).
JOB_NAMES = tuple(
    "digests deadlines rounds announcements polls resolution_checks briefings outbox prune drafts backup"
    " privacy".split()
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dlxh", description="dlxh: the public-opinion group's chatbot")
    p.add_argument(
        "--config",
        metavar="FILE",
        help="TOML config file (default: $DLXH_CONFIG, else ./config.toml, else built-in)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")

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
    demo = sub.add_parser(
        "demo",
        help="a scripted exchange against the built-in emulator, printed as a transcript",
        description="Play a short story (joining, an urgent report, the leader's answer, a round) with the "
        "real bot against the built-in Telegram emulator on a temporary database, printing each line as "
        "it happens. No token, no network.",
    )
    demo.add_argument("--keep", metavar="DIR", help="keep the demo's database in DIR")
    add_sandbox_parser(sub)
    add_export_parser(sub)
    sub.add_parser(
        "migrate",
        help="create or upgrade the database",
        description="Create the database if it is missing and apply every schema migration it lacks.",
    )
    add_db_parser(sub)
    _add_jobs(sub)
    _add_units(sub)
    _add_members(sub)
    _add_operations(sub)
    _add_invite(sub)
    add_audit_parser(sub)
    return p


def _add_jobs(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``dlxh jobs list|run NAME``."""
    jobs = sub.add_parser(
        "jobs",
        help="scheduled jobs: list them, or run one now",
        description="List the scheduled jobs or run one pass of one now.",
    ).add_subparsers(dest="jobs_command", required=True)
    jobs.add_parser(
        "list", help="each job with its last and next run", description="Each job with its last and next run."
    )
    jr = jobs.add_parser(
        "run",
        help="run one pass of a job now",
        description=f"Run one pass of a job now (safe to repeat). Jobs: {', '.join(JOB_NAMES)}.",
    )
    jr.add_argument("name", metavar="NAME", help=f"the job: {', '.join(JOB_NAMES)}")
    jr.add_argument("--now", help="pretend it is this ISO time (e.g. 2026-12-01T07:00+07:00)")


def _add_units(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def _add_members(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def _add_operations(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``dlxh backup``, ``restore``, ``privacy purge``, ``doctor``."""
    bk = sub.add_parser(
        "backup",
        help="back up the database and files into a folder (safe while the bot runs)",
        description="Back up the database (a consistent snapshot) and the stored files into a new or "
        "empty folder; safe while the bot runs.",
    )
    bk.add_argument("path", type=Path, metavar="PATH", help="the backup folder (new or empty)")
    rs = sub.add_parser(
        "restore",
        help="restore a backup into a NEW data folder",
        description="Restore a backup into a new or empty data folder (never over existing data), checking its "
        "files; then point [general] data_dir at it.",
    )
    rs.add_argument("backup", type=Path, metavar="BACKUP", help="the backup folder (made by dlxh backup)")
    rs.add_argument("new_dir", type=Path, metavar="NEW_DIR", help="the new data folder (new or empty)")
    pv = sub.add_parser(
        "privacy",
        help="personal-data retention (Nghị định 13/2023/NĐ-CP)",
        description="Personal-data retention (Nghị định 13/2023/NĐ-CP).",
    ).add_subparsers(dest="privacy_command", required=True)
    pp = pv.add_parser(
        "purge",
        help="anonymise sources and delete files of issues that ended long ago",
        description="Anonymise citizen sources and delete the files of issues that ended longer ago "
        "than the retention period.",
    )
    pp.add_argument("--dry-run", action="store_true", help="only count what would be cleared")
    pp.add_argument("--months", type=int, help="retention in months (default: privacy.retention_months)")
    dr = sub.add_parser(
        "doctor",
        help="check the config, tokens, database, files, disk, clock and backups",
        description="Check the config, tokens, database, files, disk space, clock and backups; one line "
        "per finding, with how to fix it.",
    )
    dr.add_argument(
        "--quick",
        action="store_true",
        help="only the config, the database and the running bot (a health check)",
    )
    pr = sub.add_parser(
        "prune",
        help="delete old processed update ids, delivered messages, refusals, wake-ups",
        description="Delete what is kept only for a while: processed update ids, delivered messages, wrong "
        "invite codes, strangers' refusals and wake-ups (the prune job does it every night).",
    )
    pr.add_argument("--dry-run", action="store_true", help="only count what would be deleted")


def _add_invite(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "apscheduler", "telegram", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "doctor":  # a broken config is one of its findings, not a reason to stop
        from bot.ops.doctor import doctor_main

        return doctor_main(args.config, quick=args.quick)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    handler = COMMANDS[args.command]
    try:
        return asyncio.run(handler(settings, args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except CliError as exc:
        print(f"dlxh: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


class CliError(Exception):
    pass


async def _with_db(settings: Settings, fn: Callable[[Any], Awaitable[int]]) -> int:
    from storage.db import Database

    db = await Database.open(settings.database_target)
    try:
        return await fn(db)
    finally:
        await db.close()


def _now(settings: Settings) -> datetime:
    return make_clock(settings).now()


# ---------------------------------------------------------------------------------------------- run


async def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import AlreadyRunning, build_app, channel_tokens, webhook_secret

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
    from bot.demo import cmd_demo as run_demo

    return await run_demo(settings, args)


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import Database
    from storage.migrations import current_version

    db = await Database.open(settings.database_target)
    try:
        print(f"database {settings.database_target} at schema v{await current_version(db)}")
    finally:
        await db.close()
    return 0


# ---------------------------------------------------------------------------------------------- jobs


async def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app

    app = build_app(settings, clock=make_clock(settings), lock=False, run_jobs=False)
    await app.services.db.connect()
    from storage.migrations import migrate

    await migrate(app.services.db)
    try:
        if args.jobs_command == "list":
            tz = settings.tz
            for job, rec in await app.runner.ledger():
                last = (
                    rec.last_run_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
                    if rec and rec.last_run_at
                    else "-"
                )
                nxt = job.next_after(_now(settings), settings.timezone)
                nxt_s = nxt.astimezone(tz).strftime("%d/%m/%Y %H:%M") if nxt else "-"
                result = "-"
                if rec is not None:
                    result = f"error: {rec.last_error}" if rec.last_error else (rec.last_result or "-")
                print(f"{job.name:18} next {nxt_s:16}  last {last:16}  {result}  — {job.description}")
            return 0
        if args.name not in app.runner.jobs:
            raise CliError(f"no job {args.name!r}; jobs: {', '.join(app.runner.jobs)}")
        now = datetime.fromisoformat(args.now) if args.now else _now(settings)
        if now.tzinfo is None:
            now = now.replace(tzinfo=settings.tz)
        result = await app.runner.run(args.name, now)
        from storage.outbox import add_wakeup

        async with (
            app.services.db.transaction() as tx
        ):  # a running bot sends what the job queued within a second
            await add_wakeup(tx, f"jobs run {args.name}", _now(settings))
        print(f"{args.name}: {result}")
        return 1 if result.startswith("error:") else 0
    finally:
        await app.services.db.close()


# ---------------------------------------------------------------------------------------------- units


async def cmd_units(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.tables import TableError, read_table
    from handlers.admin import AdminError, import_units, merge_units, retire_unit
    from storage import units as un

    async def go(db: Any) -> int:
        try:
            if args.units_command == "import":
                rows = read_table(args.file, ("code", "name", "parent"))
                async with db.transaction() as tx:
                    result = await import_units(tx, rows, _now(settings))
                print(f"units: {result.created} created, {result.updated} updated")
            elif args.units_command == "merge":
                async with db.transaction() as tx:
                    moved = await merge_units(tx, args.old, args.into, _now(settings))
                print(f"unit {args.old} merged into {args.into}; {moved} member(s) moved")
            elif args.units_command == "retire":
                async with db.transaction() as tx:
                    successor = await retire_unit(tx, args.code, _now(settings))
                print(f"unit {args.code} retired; {successor} takes over")
            else:
                units = await un.list_units(db.reader)
                by_parent: dict[int | None, list[un.Unit]] = {}
                for u in units:
                    by_parent.setdefault(u.parent_id, []).append(u)

                def show(parent: int | None, depth: int) -> None:
                    for u in by_parent.get(parent, []):
                        print(f"{'  ' * depth}{u.code}  {u.name}")
                        show(u.id, depth + 1)

                show(None, 0)
        except (TableError, AdminError) as exc:
            raise CliError(f"{exc}; nothing was changed") from exc
        return 0

    return await _with_db(settings, go)


# ---------------------------------------------------------------------------------------------- members


async def cmd_members(settings: Settings, args: argparse.Namespace) -> int:
    from bot.core.tables import TableError, read_table
    from handlers.admin import AdminError, deactivate_member, import_members, replace_member
    from storage import members as mem
    from storage import units as un

    async def go(db: Any) -> int:
        try:
            if args.members_command == "import":
                rows = read_table(args.file, ("name", "unit"))
                username = await _bot_username(settings, "")
                async with db.transaction() as tx:
                    imported = await import_members(tx, settings, rows, _now(settings), username)
                out = args.links or args.file.with_name(args.file.stem + "-invites.csv")
                with open(out, "w", encoding="utf-8-sig", newline="") as fh:
                    w = csv.writer(fh)
                    w.writerow(["id", "name", "phone", "unit", "role", "code", "link", "expires"])
                    for row in imported:
                        w.writerow(
                            [
                                row.member_id,
                                row.name,
                                row.phone,
                                row.unit_code,
                                row.role,
                                row.invite.code,
                                row.invite.link,
                                row.invite.expires_at.astimezone(settings.tz).strftime("%d/%m/%Y"),
                            ]
                        )
                print(f"members: {len(imported)} imported; invite links in {out}")
            elif args.members_command == "list":
                unit_ids = None
                if args.unit:
                    unit = await un.get_unit_by_code(db.reader, args.unit)
                    if unit is None:
                        raise AdminError(f"unit {args.unit} does not exist")
                    unit_ids = await un.list_subtree_ids(db.reader, unit.id)
                units = {u.id: u for u in await un.list_units(db.reader, active_only=False)}
                for m in await mem.list_members(
                    db.reader, unit_ids=unit_ids, unreachable_only=args.unreachable
                ):
                    state = "active" if m.active else "inactive"
                    print(
                        f"{m.id:5}  {m.name:30}  {m.role:7}  {units[m.unit_id].code:12}  {m.phone:12}  {state}"
                    )
            elif args.members_command == "deactivate":
                async with db.transaction() as tx:
                    m = await deactivate_member(tx, args.id, _now(settings))
                print(f"member {m.id} ({m.name}) deactivated")
            elif args.members_command == "replace":
                async with db.transaction() as tx:
                    await replace_member(tx, args.old, args.new, _now(settings))
                print(f"member {args.new} takes over from member {args.old}")
        except (TableError, AdminError) as exc:
            raise CliError(f"{exc}; nothing was changed") from exc
        return 0

    return await _with_db(settings, go)


async def _bot_username(settings: Settings, given: str) -> str:
    """The bot's username for invite links: given, else asked of Telegram if a token is set, else empty."""
    if given:
        return given.lstrip("@")
    token = settings.telegram.token() if settings.telegram.enabled else None
    if not token:
        return ""
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(token, base_url=settings.telegram.base_url) as bot:
            return bot.username or ""
    except TelegramError as exc:
        logging.getLogger("dlxh").warning("could not ask Telegram for the bot's username: %s", exc)
        return ""


async def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    from handlers.people import create_invites
    from storage import units as un

    if not 1 <= args.count <= 1000:
        raise CliError("--count must be between 1 and 1000")
    username = await _bot_username(settings, args.bot_username)

    async def go(db: Any) -> int:
        unit = await un.get_unit_by_code(db.reader, args.unit)
        if unit is None or not unit.active:
            raise CliError(f"unit {args.unit} does not exist; nothing was changed")
        async with db.transaction() as tx:
            created = await create_invites(
                tx,
                settings,
                _now(settings),
                unit_id=unit.id,
                role=args.role,
                name=args.name,
                count=args.count,
                created_by="cli",
                bot_username=username,
            )
        if args.qr:
            import segno

            args.qr.mkdir(parents=True, exist_ok=True)
        for c in created:
            print(f"{c.code}  {c.link}  (valid until {c.expires_at.astimezone(settings.tz):%d/%m/%Y})")
            if args.qr:
                segno.make(c.link, error="m").save(args.qr / f"invite-{c.code}.png", scale=8, border=4)
        if args.qr:
            print(f"{len(created)} QR code(s) written to {args.qr}")
        return 0

    return await _with_db(settings, go)


# ---------------------------------------------------------------------------------------------- operations


async def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.backup import OpsError, cli_backup

    try:
        return await cli_backup(settings, args.path)
    except OpsError as exc:
        raise CliError(str(exc)) from exc


async def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.backup import OpsError
    from bot.ops.restore import cli_restore

    try:
        return await cli_restore(args.backup, args.new_dir)
    except OpsError as exc:
        raise CliError(f"{exc}; nothing was changed") from exc


async def cmd_privacy(settings: Settings, args: argparse.Namespace) -> int:
    from bot.ops.backup import OpsError
    from bot.ops.purge import cli_privacy_purge

    months = args.months if args.months is not None else settings.privacy.retention_months
    try:
        return await cli_privacy_purge(settings, months=months, dry_run=args.dry_run)
    except OpsError as exc:
        raise CliError(str(exc)) from exc


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.exports.cli import cmd_export as run_export

    return await run_export(settings, args)


async def cmd_prune(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app
    from scheduler.prune import prune

    app = build_app(settings, clock=make_clock(settings), lock=False, run_jobs=False)
    await app.services.db.connect()
    from storage.migrations import migrate

    try:
        await migrate(app.services.db)
        result = await prune(app.services, _now(settings), dry_run=args.dry_run)
    finally:
        await app.services.db.close()
    print(result.summary())
    return 0


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]] = {
    "run": cmd_run,
    "demo": cmd_demo,
    "sandbox": cmd_sandbox,
    "export": cmd_export,
    "migrate": cmd_migrate,
    "db": cmd_db,
    "jobs": cmd_jobs,
    "units": cmd_units,
    "members": cmd_members,
    "invite": cmd_invite,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "privacy": cmd_privacy,
    "prune": cmd_prune,
    "audit": cmd_audit,
}
