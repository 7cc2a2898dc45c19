"""Backups and checks of a PostgreSQL database (``dlxh backup`` and ``dlxh doctor`` when one is configured).

A PostgreSQL server has its own tools: ``pg_dump`` for a logical copy, base backups with WAL archiving for
point-in-time recovery (OPERATIONS.md). ``dlxh backup`` calls ``pg_dump`` when it is installed and says so
when it is not; the daily backup job leaves the database to the server's own backups.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from storage import privacy
from storage.db import Database
from storage.postgres import PostgresBackend
from storage.target import PostgresUrl

PG_BINDIRS = ("/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin")
JOB_NOTE = "PostgreSQL: the database is left to pg_dump and the server's own backups (OPERATIONS.md)"


@dataclass(frozen=True)
class PgFinding:
    ok: bool
    detail: str
    fix: str = ""


def find_pg_dump() -> str | None:
    found = shutil.which("pg_dump")
    if found:
        return found
    return next((str(Path(d) / "pg_dump") for d in PG_BINDIRS if (Path(d) / "pg_dump").exists()), None)


async def dump(target: PostgresUrl, dest: Path) -> tuple[bool, str]:
    """``pg_dump --format=custom`` of the database into ``dest/dlxh.pgdump``; (done, what to tell people)."""
    pg_dump = find_pg_dump()
    advice = (
        "a PostgreSQL database is backed up by the server's tools: pg_dump for a copy, pg_basebackup with WAL"
        " archiving for point-in-time recovery (see OPERATIONS.md); back up the file store too"
    )
    if pg_dump is None:
        return False, f"pg_dump is not installed here; {advice}"
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / "dlxh.pgdump"
    env = dict(os.environ)
    if target.password is not None:
        env["PGPASSWORD"] = target.password
    proc = await asyncio.create_subprocess_exec(
        pg_dump, "--format=custom", f"--file={out}", target.url,
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await proc.communicate()
    if proc.returncode != 0:
        return False, f"pg_dump failed: {err.decode(errors='replace').strip()[:300]}"
    return True, f"pg_dump wrote {out} ({out.stat().st_size} bytes); restore with pg_restore. {advice}"


async def check(target: PostgresUrl, known_schema: int) -> PgFinding:
    """The server answers, the schema's version, the pool: for ``dlxh doctor``."""
    try:
        db = await Database.open(target, migrate=False)
    except Exception as exc:  # the driver's errors, a refused connection, the pool's timeout: all a finding
        return PgFinding(
            False, f"{target} cannot be reached: {str(exc).strip()[:200]}",
            "check that the server runs and the URL, the user and the password (DLXH_DATABASE_URL,"
            " DLXH_DATABASE_PASSWORD_FILE or ~/.pgpass)",
        )  # fmt: skip
    try:
        reader = db.reader
        server = str(await reader.fetchval("SHOW server_version"))
        version = await privacy.schema_version(reader)
        counts = await privacy.count_rows(reader, ("members", "issues", "outbox"))
        stats: dict[str, int] = db.backend.pool.get_stats() if isinstance(db.backend, PostgresBackend) else {}
    finally:
        await db.close()
    if version > known_schema:
        return PgFinding(
            False, f"schema v{version} is newer than this dlxh (v{known_schema})",
            "install the dlxh version that wrote it (or newer); a database is never downgraded",
        )  # fmt: skip
    if version < known_schema:
        return PgFinding(
            False, f"schema v{version}, this dlxh expects v{known_schema}: migrations are pending",
            "run `dlxh migrate` (after a pg_dump); dlxh run also migrates at start",
        )  # fmt: skip
    pool = f"pool {stats.get('pool_size', 0)}/{stats.get('pool_max', 0)} connections"
    return PgFinding(
        True,
        f"PostgreSQL {server} at {target}, schema v{version} (current), {pool}; "
        f"{counts.get('members', 0)} members, {counts.get('issues', 0)} issues",
    )
