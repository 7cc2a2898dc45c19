"""Backups: :func:`backup` copies the database with SQLite's online backup API (safe while the bot runs and
writes) and the content-addressed file store (only files the destination lacks; with ``link_from`` an earlier
backup's identical files are hard-linked instead of copied) into a folder with a ``manifest.json``, written
last: a folder without one is not a complete backup. The helpers here are shared by restore, purge, doctor.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.config import Settings
from bot.ops import pg
from storage import privacy
from storage.backup import DatabaseFileError, copy_database, read_only
from storage.timeutil import from_ts, ts

log = logging.getLogger(__name__)

DATABASE_NAME = "dlxh.sqlite3"
FILES_NAME = "files"
MANIFEST_NAME = "manifest.json"
BACKUP_PREFIX = "dlxh-"
PARTIAL_SUFFIX = ".partial"
COUNTED_TABLES = (
    "units",
    "members",
    "issues",
    "reports",
    "thread_entries",
    "attachments",
    "conversations",
    "outbox",
    "audit_log",
)
_BACKUP_NAME_RE = re.compile(r"^dlxh-\d{4}-\d{2}-\d{2}-\d{6}$")


class OpsError(Exception):
    """An operation refused or failed; the message says why and what to do."""


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def store_files(root: Path) -> list[str]:
    """Relative paths of the finished files in a file store (temporary ``.tmpPID`` files are skipped)."""
    if not root.is_dir():
        return []
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            if ".tmp" in name:
                continue
            out.append(str((Path(dirpath) / name).relative_to(root)))
    return sorted(out)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size
    except OSError:
        return False


def months_before(now: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the 31st becomes the month's last day)."""
    y, m = divmod(now.month - 1 - months, 12)
    year, month = now.year + y, m + 1
    return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class BackupResult:
    path: Path
    created_at: datetime
    database_bytes: int
    schema_version: int
    counts: dict[str, int]
    files_total: int  # files in the backup
    files_copied: int  # of which copied this time
    files_linked: int  # of which hard-linked from an earlier backup
    missing_files: list[str]  # referenced by an attachment but absent from the file store
    seconds: float

    def summary(self) -> str:
        c = self.counts
        text = (
            f"backup {self.path}: database {self.database_bytes / 1e6:.1f} MB (schema v{self.schema_version}; "
            f"{c.get('issues', 0)} issues, {c.get('reports', 0)} reports, "
            f"{c.get('attachments', 0)} attachments), {self.files_total} files "
            f"({self.files_copied} copied, {self.files_linked} linked) in {self.seconds:.1f}s"
        )
        if self.missing_files:
            text += f"; WARNING: {len(self.missing_files)} attachment file(s) missing from the file store"
        return text


def _copy_files(source: Path, target: Path, link_from: Path | None) -> tuple[int, int, int]:
    """Copy the store's files that ``target`` lacks (content-addressed: same name, same bytes)."""
    copied = linked = 0
    names = store_files(source)
    for rel in names:
        dest = target / rel
        src = source / rel
        if _same_file(src, dest):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        earlier = link_from / rel if link_from is not None else None
        if earlier is not None and _same_file(src, earlier):
            try:
                dest.unlink(missing_ok=True)
                os.link(earlier, dest)
                linked += 1
                continue
            except OSError:
                pass  # another file system, or no hard links: copy instead
        tmp = dest.with_name(dest.name + ".part")
        try:
            shutil.copyfile(src, tmp)
        except FileNotFoundError:
            continue  # deleted meanwhile (the privacy purge): the database copy decides what is needed
        os.replace(tmp, dest)
        copied += 1
    return len(names), copied, linked


async def backup(
    db_path: Path | str,
    files_dir: Path | str,
    dest: Path | str,
    *,
    link_from: Path | str | None = None,
    now: datetime | None = None,
) -> BackupResult:
    """Back up the database and the file store into the folder ``dest`` while the bot runs.

    A new ``dest`` is built as ``dest.partial`` and renamed when complete. An existing backup folder is
    refreshed in place (the database replaced, missing files added). ``link_from`` (an earlier backup)
    lends its identical files as hard links.
    """
    started = time.monotonic()
    now = now or datetime.now(UTC)  # wall-clock ok: a backup's name and record, not a decision
    db_path, files_dir, dest = Path(db_path), Path(files_dir), Path(dest)
    earlier = Path(link_from) / FILES_NAME if link_from is not None else None
    if not db_path.is_file():
        raise OpsError(f"no database at {db_path}: nothing to back up")
    if dest.exists() and not dest.is_dir():
        raise OpsError(f"{dest} exists and is not a folder")
    in_place = dest.is_dir() and any(dest.iterdir())
    if in_place and not (dest / MANIFEST_NAME).is_file():
        raise OpsError(f"{dest} is not empty and is not a dlxh backup; choose a new or empty folder")
    work = dest if in_place else dest.with_name(dest.name + PARTIAL_SUFFIX)
    work.mkdir(parents=True, exist_ok=True)
    (work / MANIFEST_NAME).unlink(missing_ok=True)  # incomplete until the manifest is written again

    # the database first: every file it names was saved before the transaction that named it committed
    try:
        size = await asyncio.to_thread(copy_database, db_path, work / DATABASE_NAME)
    except DatabaseFileError as exc:
        raise OpsError(str(exc)) from exc
    total, copied, linked = await asyncio.to_thread(_copy_files, files_dir, work / FILES_NAME, earlier)
    async with read_only(work / DATABASE_NAME) as tx:
        version = await privacy.schema_version(tx)
        counts = await privacy.count_rows(tx, COUNTED_TABLES)
        refs = await privacy.list_attachment_refs(tx)
    missing = [r for r in refs if not (work / FILES_NAME / r).is_file()]
    if missing:
        log.warning(
            "backup: %d attachment file(s) missing from the file store, e.g. %s", len(missing), missing[0]
        )
    manifest = {
        "format": 1,
        "created_at": ts(now),
        "database": DATABASE_NAME,
        "database_bytes": size,
        "schema_version": version,
        "counts": counts,
        "files": total,
        "missing_files": missing,
        "source": str(db_path.resolve()),
    }
    tmp = work / (MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, work / MANIFEST_NAME)
    fsync_dir(work)
    if work != dest:
        if dest.is_dir():
            dest.rmdir()  # it was empty
        os.replace(work, dest)
        fsync_dir(dest.parent)
    result = BackupResult(
        path=dest,
        created_at=now,
        database_bytes=size,
        schema_version=version,
        counts=counts,
        files_total=total,
        files_copied=copied,
        files_linked=linked,
        missing_files=missing,
        seconds=time.monotonic() - started,
    )
    log.debug("%s", result.summary())
    return result


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """A backup folder's manifest, or None when the folder is not a complete backup."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def list_backups(folder: Path) -> list[Path]:
    """The complete scheduled backups in ``folder`` (``dlxh-YYYY-MM-DD-HHMMSS``), oldest first."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and _BACKUP_NAME_RE.match(p.name) and (p / MANIFEST_NAME).is_file()
    )


def prune_backups(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete backups (and abandoned partial ones); returns what went."""
    removed = []
    complete = list_backups(folder)
    for old in complete[: max(0, len(complete) - max(1, keep))]:
        shutil.rmtree(old)
        removed.append(old)
    if folder.is_dir():
        for p in folder.iterdir():
            stem = p.name.removesuffix(PARTIAL_SUFFIX)
            if p.name.endswith(PARTIAL_SUFFIX) and _BACKUP_NAME_RE.match(stem) and p.is_dir():
                if time.time() - p.stat().st_mtime > 86_400:  # wall-clock ok: file times are the kernel's
                    shutil.rmtree(p)
                    removed.append(p)
    return removed


def newest_backup_time(folder: Path) -> tuple[Path, datetime] | None:
    """The newest complete backup in ``folder`` (scheduled or by hand) and when it was made."""
    if not folder.is_dir():
        return None
    best: tuple[Path, datetime] | None = None
    for p in folder.iterdir():
        manifest = read_manifest(p) if p.is_dir() else None
        if manifest is None:
            continue
        try:
            made = from_ts(str(manifest.get("created_at")))
        except ValueError:
            continue
        if made is not None and (best is None or made > best[1]):
            best = (p, made)
    return best


def configured_backup_folder(settings: Settings) -> Path | None:
    backups = getattr(settings, "backups", None)
    folder = getattr(backups, "folder", None)
    return Path(folder) if folder else None


async def cli_backup(settings: Settings, dest: Path) -> int:
    if settings.database_url is not None:
        done, message = await pg.dump(settings.database_url, dest)
        print(message)
        return 0 if done else 1
    result = await backup(settings.database_path, settings.files_dir, dest)
    print(result.summary())
    return 0
