"""``dlxh db copy --from sqlite:///… --to postgresql://…``: move a deployment to PostgreSQL.

Both databases are brought to the current schema, then every table is copied (``storage.copy``) in one
transaction on the target, and the row counts of each table compared. Run it again after an interruption:
rows already copied are left alone. Stop the bot first (the copy reads a snapshot of the source).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from storage import copy as cp
from storage.db import Database
from storage.target import PostgresUrl, parse_target


@dataclass(frozen=True)
class CopyResult:
    counts: dict[str, tuple[int, int]]  # table: (source rows, target rows)
    inserted: int

    @property
    def equal(self) -> bool:
        return all(a == b for a, b in self.counts.values())

    def lines(self) -> list[str]:
        out = [f"{t}: {a} → {b}{'' if a == b else '  DIFFERENT'}" for t, (a, b) in self.counts.items()]
        verdict = "every table has the same row count" if self.equal else "row counts differ"
        return [*out, f"{self.inserted} rows inserted; {verdict}"]


async def copy_database(source: str | PostgresUrl, target: str | PostgresUrl) -> CopyResult:
    src_target = parse_target(source)
    if isinstance(src_target, PostgresUrl):
        raise ValueError("--from must be a SQLite database (sqlite:///path or a file path)")
    if not src_target.is_file():
        raise ValueError(f"--from: no database at {src_target}")
    src = await Database.open(src_target)
    try:
        dst = await Database.open(target)
        try:
            return await _copy(src, dst)
        finally:
            await dst.close()
    finally:
        await src.close()


async def _copy(src: Database, dst: Database) -> CopyResult:
    inserted = 0
    counts: dict[str, tuple[int, int]] = {}
    async with src.transaction() as s:  # a snapshot of the source while the target is written
        plans = await cp.plan_tables(s)
        async with dst.transaction() as d:
            for plan in plans:
                inserted += await cp.copy_table(s, d, plan)
                await cp.continue_identity(d, plan)
        for plan in plans:
            counts[plan.name] = (
                await cp.count_table(s, plan.name),
                await cp.count_table(dst.reader, plan.name),
            )
    return CopyResult(counts, inserted)


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "db",
        help="the database: copy a deployment to PostgreSQL",
        description="Move a deployment's database: dlxh db copy --from sqlite:///… --to postgresql://…",
    )
    dbs = p.add_subparsers(dest="db_command", required=True)
    c = dbs.add_parser(
        "copy",
        help="copy every table from a SQLite database into another database",
        description="Copy every table from a SQLite database into a PostgreSQL one (both brought to the current"
        " schema first), then compare the row counts of each table. Safe to run again.",
    )
    c.add_argument("--from", dest="source", required=True, help="sqlite:///path/to/dlxh.sqlite3 (or a path)")
    c.add_argument(
        "--to", dest="target", help="postgresql://user@host:port/db (default: DLXH_DATABASE_URL / the config)"
    )
    return p


async def cmd_db(settings: Any, args: argparse.Namespace) -> int:
    target = args.target or settings.database_url
    if target is None:
        print("dlxh db copy: give --to postgresql://… (or set DLXH_DATABASE_URL)")
        return 2
    try:
        result = await copy_database(args.source, target)
    except ValueError as exc:
        print(f"dlxh db copy: {exc}")
        return 2
    print("\n".join(result.lines()))
    return 0 if result.equal else 1
