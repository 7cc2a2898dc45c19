"""``dlxh backup``, ``restore``, ``privacy purge``, ``doctor``, ``audit``: keeping a deployment well."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.base import CliError, Command, Subparsers
from bot.core.config import Settings
from bot.ops.audit import add_parser as add_audit_parser
from bot.ops.audit import cmd_audit
from bot.ops.backup import OpsError, cli_backup
from bot.ops.purge import cli_privacy_purge
from bot.ops.restore import cli_restore


def add_backup(sub: Subparsers) -> None:
    bk = sub.add_parser(
        "backup",
        help="back up the database and files into a folder (safe while the bot runs)",
        description="Back up the database (a consistent snapshot) and the stored files into a new or "
        "empty folder; safe while the bot runs.",
    )
    bk.add_argument("path", type=Path, metavar="PATH", help="the backup folder (new or empty)")


def add_restore(sub: Subparsers) -> None:
    rs = sub.add_parser(
        "restore",
        help="restore a backup into a NEW data folder",
        description="Restore a backup into a new or empty data folder (never over existing data), checking its "
        "files; then point [general] data_dir at it.",
    )
    rs.add_argument("backup", type=Path, metavar="BACKUP", help="the backup folder (made by dlxh backup)")
    rs.add_argument("new_dir", type=Path, metavar="NEW_DIR", help="the new data folder (new or empty)")


def add_privacy(sub: Subparsers) -> None:
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


def add_doctor(sub: Subparsers) -> None:
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


async def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    try:
        return await cli_backup(settings, args.path)
    except OpsError as exc:
        raise CliError(str(exc)) from exc


async def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    try:
        return await cli_restore(args.backup, args.new_dir)
    except OpsError as exc:
        raise CliError(f"{exc}; nothing was changed") from exc


async def cmd_privacy(settings: Settings, args: argparse.Namespace) -> int:
    months = args.months if args.months is not None else settings.privacy.retention_months
    try:
        return await cli_privacy_purge(settings, months=months, dry_run=args.dry_run)
    except OpsError as exc:
        raise CliError(str(exc)) from exc


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.ops.doctor import doctor_main  # the doctor builds the whole app: heavy

    return doctor_main(args.config, quick=args.quick)


COMMANDS = (
    Command("backup", add_backup, cmd_backup),
    Command("restore", add_restore, cmd_restore),
    Command("privacy", add_privacy, cmd_privacy),
    Command("doctor", add_doctor, run_unconfigured=cmd_doctor),
    Command("audit", add_audit_parser, cmd_audit),
)
