"""Operations: backups and restore, the privacy retention purge, and ``dlxh doctor``.

* :func:`backup` copies the database with SQLite's online backup API (safe while the bot runs and writes)
  and the content-addressed file store (only files the destination lacks; with ``link_from`` an earlier
  backup's identical files are hard-linked instead of copied) into a folder with a ``manifest.json``,
  written last: a folder without one is not a complete backup.
* :func:`restore` puts a backup into a NEW data folder (it refuses a non-empty one) and checks it: the
  database's integrity, every file an attachment needs, every file's bytes against its name.
* :func:`purge_private_data` applies the retention period of Nghị định 13/2023/NĐ-CP to ended issues.
* :func:`doctor` answers "will the bot run, and if not, why?" one check at a time.

:func:`backup_job` and :func:`privacy_job` wrap the first and third as scheduled jobs.
"""

from __future__ import annotations

import asyncio
import calendar
import contextlib
import email.utils
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiosqlite

from bot import pgops
from bot.clock import TEST_START_VARIABLE
from bot.config import Settings, make_clock
from bot.files import FileStore
from bot.workcal import WorkCalendar
from scheduler.runner import Job
from storage import announcements, polls, privacy
from storage.audit import add_audit
from storage.db import Database, Tx
from storage.outbox import count_outbox
from storage.sqlite import SqliteTx
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
_REF_RE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}(?:\.[a-z0-9.]{0,10})?")
_BACKUP_NAME_RE = re.compile(r"^dlxh-\d{4}-\d{2}-\d{2}-\d{6}$")


class OpsError(Exception):
    """An operation refused or failed; the message says why and what to do."""


# ---------------------------------------------------------------------------------------------- helpers


def _ro_uri(path: Path) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro"


@asynccontextmanager
async def read_only(path: Path) -> AsyncIterator[Tx]:
    """A read-only connection to a database file (nothing is created or changed)."""
    conn = await aiosqlite.connect(_ro_uri(path), uri=True)
    conn.row_factory = aiosqlite.Row
    try:
        yield SqliteTx(conn)
    finally:
        await conn.close()


def _quick_check(conn: sqlite3.Connection) -> str:
    rows = conn.execute("PRAGMA quick_check").fetchall()
    return "; ".join(str(r[0]) for r in rows[:5])


def _known_schema() -> int:
    from storage.migrations import MIGRATIONS

    return max((m.version for m in MIGRATIONS), default=0)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _store_files(root: Path) -> list[str]:
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


# ---------------------------------------------------------------------------------------------- backup


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


def _backup_database(db_path: Path, target: Path) -> int:
    """Online backup of a live database into ``target`` (a single file, rollback-journal mode)."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(_ro_uri(db_path), uri=True, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # one step (pages=-1): a consistent snapshot; in WAL mode the bot keeps writing meanwhile
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
            check = _quick_check(dst)
            if check != "ok":
                raise OpsError(f"the copied database fails its integrity check: {check}")
        finally:
            dst.close()
    finally:
        src.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    return target.stat().st_size


def _copy_files(source: Path, target: Path, link_from: Path | None) -> tuple[int, int, int]:
    """Copy the store's files that ``target`` lacks (content-addressed: same name, same bytes)."""
    copied = linked = 0
    names = _store_files(source)
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
    now = now or datetime.now(UTC)
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
    size = await asyncio.to_thread(_backup_database, db_path, work / DATABASE_NAME)
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
    _fsync_dir(work)
    if work != dest:
        if dest.is_dir():
            dest.rmdir()  # it was empty
        os.replace(work, dest)
        _fsync_dir(dest.parent)
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
                if time.time() - p.stat().st_mtime > 86_400:  # a day old: its backup was killed
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


def backup_job(
    keep: int = 7,
    folder: Path | str | None = None,
    *,
    hour: int = 2,
    minute: int = 30,
) -> Job:
    """The daily backup into ``folder`` (else the configured ``[backups] folder``), keeping the last
    ``keep``. At most one a day: a start on a day that already has one (the catch-up run) does nothing."""

    async def run_due(services: Any, now: datetime) -> str:
        settings = services.settings
        if settings.database_url is not None:
            return pgops.JOB_NOTE
        target = Path(folder) if folder is not None else configured_backup_folder(settings)
        if target is None:
            return "no backup folder configured"
        local = now.astimezone(settings.tz)
        existing = list_backups(target)
        today = f"{BACKUP_PREFIX}{local:%Y-%m-%d}-"
        done = [b for b in existing if b.name.startswith(today)]
        if done:
            removed = prune_backups(target, keep)
            return f"today's backup exists ({done[-1].name}); removed {len(removed)} old"
        dest = target / f"{BACKUP_PREFIX}{local:%Y-%m-%d-%H%M%S}"
        result = await backup(
            settings.database_path,
            settings.files_dir,
            dest,
            link_from=existing[-1] if existing else None,
            now=now,
        )
        removed = prune_backups(target, keep)
        log.info("%s", result.summary())
        text = (
            f"{dest.name}: {result.counts.get('issues', 0)} issues, {result.files_total} files "
            f"({result.files_copied} new); kept {min(len(existing) + 1, keep)}, removed {len(removed)}"
        )
        if result.missing_files:
            text += f"; {len(result.missing_files)} attachment file(s) missing"
        return text

    return Job(
        "backup",
        f"daily backup of the database and files, keeping the last {keep}",
        run_due,
        cron={"hour": hour, "minute": minute},
    )


def configured_backup_folder(settings: Settings) -> Path | None:
    backups = getattr(settings, "backups", None)
    folder = getattr(backups, "folder", None)
    return Path(folder) if folder else None


# ---------------------------------------------------------------------------------------------- restore


@dataclass(frozen=True)
class RestoreResult:
    data_dir: Path
    database: Path
    schema_version: int
    counts: dict[str, int]
    files: int
    missing_files: list[str]
    corrupt_files: list[str]

    def summary(self) -> str:
        c = self.counts
        text = (
            f"restored into {self.data_dir}: schema v{self.schema_version}, {c.get('issues', 0)} issues, "
            f"{c.get('reports', 0)} reports, {c.get('attachments', 0)} attachments, {self.files} files"
        )
        if self.missing_files:
            text += f"; WARNING: {len(self.missing_files)} attachment file(s) missing"
        if self.corrupt_files:
            text += f"; WARNING: {len(self.corrupt_files)} file(s) whose bytes do not match their name"
        return text


def _verify_database(path: Path) -> None:
    conn = sqlite3.connect(_ro_uri(path), uri=True)
    try:
        check = _quick_check(conn)
    except sqlite3.DatabaseError as exc:
        raise OpsError(f"{path} is not a readable SQLite database: {exc}") from exc
    finally:
        conn.close()
    if check != "ok":
        raise OpsError(f"{path} fails its integrity check: {check}")


def _content_ok(path: Path, rel: str) -> bool:
    """A file store name carries the SHA-256 of the bytes: check it."""
    name = Path(rel).name.split(".", 1)[0]
    if not re.fullmatch(r"[0-9a-f]{64}", name):
        return True  # not a content-addressed name: nothing to compare
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == name


def _restore_files(source: Path, target: Path) -> tuple[int, list[str]]:
    names = _store_files(source)
    corrupt = []
    for rel in names:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, dest)
        if not _content_ok(dest, rel):
            corrupt.append(rel)
    return len(names), corrupt


async def restore(backup_dir: Path | str, new_data_dir: Path | str) -> RestoreResult:
    """Restore a backup into ``new_data_dir``, which must not exist or be empty; never over live data."""
    backup_dir, target = Path(backup_dir), Path(new_data_dir)
    manifest = read_manifest(backup_dir)
    db_file = backup_dir / DATABASE_NAME
    if manifest is None or not db_file.is_file():
        raise OpsError(f"{backup_dir} is not a complete dlxh backup (no {MANIFEST_NAME} or {DATABASE_NAME})")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise OpsError(f"{target} exists and is not empty: restore only into a new folder")
    await asyncio.to_thread(_verify_database, db_file)
    async with read_only(db_file) as tx:
        version = await privacy.schema_version(tx)
    known = _known_schema()
    if version > known:
        raise OpsError(
            f"the backup's database is schema v{version}, newer than this dlxh (v{known}): upgrade dlxh"
        )
    target.mkdir(parents=True, exist_ok=True)
    database = target / DATABASE_NAME
    tmp = database.with_name(database.name + ".tmp")
    await asyncio.to_thread(shutil.copyfile, db_file, tmp)
    os.replace(tmp, database)
    files, corrupt = await asyncio.to_thread(_restore_files, backup_dir / FILES_NAME, target / FILES_NAME)
    async with read_only(database) as tx:
        counts = await privacy.count_rows(tx, COUNTED_TABLES)
        refs = await privacy.list_attachment_refs(tx)
    missing = [r for r in refs if not (target / FILES_NAME / r).is_file()]
    _fsync_dir(target)
    result = RestoreResult(target, database, version, counts, files, missing, corrupt)
    log.debug("%s", result.summary())
    return result


# ---------------------------------------------------------------------------------------------- privacy


@dataclass(frozen=True)
class PurgeResult:
    months: int
    cutoff: datetime
    dry_run: bool
    issues: int  # ended issues older than the cutoff
    citizens: int  # reports whose citizen details were (or would be) cleared
    attachments: int  # attachment rows whose file was (or would be) let go
    files: int  # files deleted (or that would be)
    messages: int  # delivered outbox rows deleted
    events: int  # handled inbound events deleted
    orphans: int = 0  # unreferenced files deleted (files nothing names, older than the grace period)
    poll_answers: int = 0  # answers (who chose what) of polls closed before the cutoff; their tallies stay
    read_receipts: int = 0  # per-member delivery and read rows of announcements sent before the cutoff

    def summary(self) -> str:
        verb = "would clear" if self.dry_run else "cleared"
        return (
            f"privacy ({self.months} month(s), before {self.cutoff:%d/%m/%Y}): {self.issues} ended issue(s); "
            f"{verb} {self.citizens} citizen detail(s), {self.attachments} attachment(s) / {self.files} file(s), "
            f"{self.messages} old delivered message(s), {self.events} handled inbound event(s)"
            + (f", {self.orphans} unreferenced file(s)" if self.orphans else "")
            + f", {self.poll_answers} poll answer(s), {self.read_receipts} announcement receipt(s)"
        )


ORPHAN_GRACE = timedelta(days=30)


async def purge_private_data(
    db: Database,
    files: FileStore,
    now: datetime,
    *,
    months: int = 24,
    dry_run: bool = False,
    actor: str = "system:privacy",
    sweep_orphans: bool = True,
) -> PurgeResult:
    """Anonymise citizen sources and delete attachment files of issues ended ``months`` ago.

    One transaction clears the rows and writes the audit entry; the files go after it commits (a file
    still named by anything — another attachment, a pending message, a draft — stays). A kill between
    the two leaves files nothing names; the orphan sweep of a later run removes them.
    """
    if months < 1:
        raise OpsError("the retention period must be at least one month")
    cutoff = months_before(now, months)
    refs: list[str] = []
    if dry_run:
        tx = db.reader
        ids = await privacy.list_expired_issue_ids(tx, cutoff)
        citizens = await privacy.count_citizen_details(tx, ids)
        attachments = await privacy.list_attachment_files(tx, ids)
        distinct = sorted({ref for _, ref in attachments})
        files_count = 0
        for ref in distinct:
            if not await privacy.file_ref_in_use(tx, ref, ignore_issue_ids=ids) and _exists(files, ref):
                files_count += 1
        messages = await privacy.count_delivered_messages_before(tx, cutoff)
        events = await privacy.count_handled_events_before(tx, cutoff)
        orphans = len(await _orphans(db, files, now)) if sweep_orphans else 0
        answers = await polls.count_answers_closed_before(tx, cutoff)
        receipts = await announcements.count_receipts_before(tx, cutoff)
        return PurgeResult(
            months, cutoff, True, len(ids), citizens, len(attachments), files_count, messages, events, orphans,
            answers, receipts,
        )  # fmt: skip
    async with db.transaction() as tx:
        ids = await privacy.list_expired_issue_ids(tx, cutoff)
        citizens = await privacy.clear_citizen_details(tx, ids)
        attachments = await privacy.list_attachment_files(tx, ids)
        await privacy.clear_attachment_files(tx, [a for a, _ in attachments])
        refs = sorted({ref for _, ref in attachments})
        messages = await privacy.delete_delivered_messages_before(tx, cutoff)
        events = await privacy.delete_handled_events_before(tx, cutoff)
        answers = await polls.delete_answers_closed_before(tx, cutoff)
        receipts = await announcements.delete_receipts_before(tx, cutoff)
        await add_audit(
            tx, now, actor, "privacy.purge", None,
            months=months, cutoff=ts(cutoff), issues=len(ids), citizens=citizens,
            attachments=len(attachments), files=len(refs), messages=messages, events=events,
            poll_answers=answers, read_receipts=receipts,
        )  # fmt: skip
    deleted = 0
    for ref in refs:
        if await privacy.file_ref_in_use(db.reader, ref):
            continue
        if _delete(files, ref):
            deleted += 1
    orphans = 0
    if sweep_orphans:
        for ref in await _orphans(db, files, now):
            if _delete(files, ref):
                orphans += 1
    result = PurgeResult(
        months, cutoff, False, len(ids), citizens, len(attachments), deleted, messages, events, orphans,
        answers, receipts,
    )  # fmt: skip
    log.debug("%s", result.summary())
    return result


def _exists(files: FileStore, ref: str) -> bool:
    try:
        return files.path(ref).is_file()
    except ValueError:
        return False


def _delete(files: FileStore, ref: str) -> bool:
    try:
        path = files.path(ref)
    except ValueError:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


async def _orphans(db: Database, files: FileStore, now: datetime) -> list[str]:
    """Files older than :data:`ORPHAN_GRACE` at ``now`` that no attachment, pending message or draft names."""
    texts = await privacy.list_referenced_texts(db.reader)
    named = {m.group(0) for text in texts for m in _REF_RE.finditer(text)}
    limit = (now - ORPHAN_GRACE).timestamp()  # the app's clock (the system's in production), not time.time()
    out = []
    for rel in _store_files(files.root):
        if rel in named or not _REF_RE.fullmatch(rel):
            continue
        try:
            if (files.root / rel).stat().st_mtime < limit:
                out.append(rel)
        except OSError:
            continue
    return out


def privacy_job(months: int = 24, *, hour: int = 3, minute: int = 45) -> Job:
    """The daily retention pass (see :func:`purge_private_data`)."""

    async def run_due(services: Any, now: datetime) -> str:
        result = await purge_private_data(services.db, services.files, now, months=months)
        counts = (result.citizens, result.files, result.messages, result.events, result.orphans)
        if any(counts) or result.poll_answers or result.read_receipts:
            log.info("%s", result.summary())
        return result.summary()

    return Job(
        "privacy",
        f"anonymise sources and delete files of issues ended over {months} months ago",
        run_due,
        cron={"hour": hour, "minute": minute},
    )


# ---------------------------------------------------------------------------------------------- doctor


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    fix: str = ""


LOW_DISK_BYTES = 1 << 30
CLOCK_SKEW_SECONDS = 120.0
BACKUP_MAX_AGE = timedelta(hours=36)


async def doctor(
    settings: Settings,
    *,
    timeout: float = 5.0,
    backup_folder: Path | None = None,
    now: datetime | None = None,
) -> list[Check]:
    """Every check, in order; a check that cannot run says so instead of raising."""
    checks: list[Check] = [_check_config(settings)]
    if os.environ.get(TEST_START_VARIABLE, "").strip():
        test_clock = f"{TEST_START_VARIABLE} is set: dlxh would run on a test clock, not the real time"
        fix = f"unset {TEST_START_VARIABLE} (it is for end-to-end tests against an emulator only)"
        checks.append(Check("clock", False, test_clock, fix))
    server_dates: list[tuple[str, datetime, float]] = []
    if settings.telegram.enabled:
        checks.append(await _check_telegram(settings, timeout))
        date = await _server_date(settings.telegram.base_url, timeout)
        if date is not None:
            server_dates.append(("Telegram", *date))
    if settings.zalo.enabled:
        checks.append(await _check_zalo(settings, timeout))
        date = await _server_date(settings.zalo.base_url, timeout)
        if date is not None:
            server_dates.append(("Zalo", *date))
    checks.append(await _check_database(settings))
    checks.append(_check_files(settings))
    checks.append(_check_disk(settings))
    checks.append(_check_time(settings, server_dates, now))
    checks.append(_check_holidays(settings, now))
    checks.append(_check_backups(settings, backup_folder, now))
    return checks


def format_checks(checks: list[Check]) -> str:
    lines = []
    for c in checks:
        lines.append(f"{'✔' if c.ok else '✘'} {c.name}: {c.message}")
        if not c.ok and c.fix:
            lines.append(f"    fix: {c.fix}")
    problems = sum(1 for c in checks if not c.ok)
    lines.append("all checks passed" if problems == 0 else f"{problems} problem(s) found")
    return "\n".join(lines)


def _check_config(settings: Settings) -> Check:
    where = str(settings.source) if settings.source else "built-in defaults (no config file found)"
    channels = [
        n for n, on in (("telegram", settings.telegram.enabled), ("zalo", settings.zalo.enabled)) if on
    ]
    if not channels:
        return Check(
            "config", False, f"{where}: no channel is enabled", "set [telegram] enabled = true (or [zalo])"
        )
    return Check("config", True, f"{where}; channels: {', '.join(channels)}; data in {settings.data_dir}")


def _missing_token_fix(env: str, file: str) -> str:
    where = f" or put it in {file}" if file else " or set token_file to a file holding it"
    return f"export {env}=<token>{where}"


async def _check_telegram(settings: Settings, timeout: float) -> Check:
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
    from telegram.request import HTTPXRequest

    tg = settings.telegram
    token = tg.token()
    if not token:
        return Check(
            "telegram token",
            False,
            f"no token: {tg.token_env} is empty",
            _missing_token_fix(tg.token_env, tg.token_file),
        )

    def request() -> HTTPXRequest:
        return HTTPXRequest(
            connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout, pool_timeout=timeout
        )

    try:
        async with asyncio.timeout(timeout * 2):
            bot = Bot(
                token,
                base_url=tg.base_url,
                base_file_url=tg.base_file_url,
                request=request(),
                get_updates_request=request(),
            )
            async with bot:
                name = bot.username
    except InvalidToken:
        return Check(
            "telegram token",
            False,
            f"Telegram refused the token (from {tg.token_env or tg.token_file})",
            "copy the token again from @BotFather (/mybots → API Token); a revoked token must be replaced",
        )
    except (TimedOut, TimeoutError):
        return Check(
            "telegram token", False, f"no answer from {_origin(tg.base_url)} within {timeout:g}s",
            "check the network, DNS and any proxy or firewall between this machine and Telegram",
        )  # fmt: skip
    except NetworkError as exc:
        return Check(
            "telegram token", False, f"cannot reach {_origin(tg.base_url)}: {_clean(str(exc), token)}",
            "check the network, DNS and any proxy or firewall between this machine and Telegram",
        )  # fmt: skip
    except TelegramError as exc:
        return Check("telegram token", False, f"getMe failed: {_clean(str(exc), token)}", "see the message")
    return Check("telegram token", True, f"the bot is @{name}")


async def _check_zalo(settings: Settings, timeout: float) -> Check:
    from bot.zalo import ZaloApi, ZaloApiError

    zl = settings.zalo
    token = zl.token()
    if not token:
        return Check(
            "zalo token",
            False,
            f"no token: {zl.token_env} is empty",
            _missing_token_fix(zl.token_env, zl.token_file),
        )
    api = ZaloApi(token, zl.base_url, send_timeout=timeout)
    try:
        me = await asyncio.wait_for(api.get_me(), timeout * 2)
    except ZaloApiError as exc:
        if exc.network:
            return Check(
                "zalo token", False, f"cannot reach {_origin(zl.base_url)}: {_clean(exc.description, token)}",
                "check the network, DNS and any proxy or firewall between this machine and Zalo",
            )  # fmt: skip
        if exc.has_code(401) or exc.has_code(403) or exc.has_code(404):
            return Check(
                "zalo token", False, "Zalo refused the token",
                "copy the token again from the Zalo Bot Platform (Zalo Bot Creator); a revoked token must be replaced",
            )  # fmt: skip
        return Check("zalo token", False, f"getMe failed: {_clean(str(exc), token)}", "see the message")
    except TimeoutError:
        return Check(
            "zalo token", False, f"no answer from {_origin(zl.base_url)} within {timeout:g}s",
            "check the network, DNS and any proxy or firewall between this machine and Zalo",
        )  # fmt: skip
    finally:
        await api.aclose()
    name = me.get("account_name") or me.get("display_name") or me.get("id") or "?"
    return Check("zalo token", True, f"the bot is {name}")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _clean(text: str, token: str) -> str:
    """Never print a token."""
    return text.replace(token, "<token>") if token else text


async def _server_date(base_url: str, timeout: float) -> tuple[datetime, float] | None:
    """(the server's Date header, our clock's offset from it in seconds), or None if nothing answered."""
    import httpx

    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.head(_origin(base_url) + "/")
    except (httpx.HTTPError, ValueError):
        return None
    header = response.headers.get("date")
    if not header:
        return None
    try:
        server = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=UTC)
    return server, (datetime.now(UTC) - server).total_seconds()


async def _check_database(settings: Settings) -> Check:
    if settings.database_url is not None:
        found = await pgops.check(settings.database_url, _known_schema())
        return Check("database", found.ok, found.detail, found.fix)
    path = settings.database_path
    if not path.is_file():
        return Check(
            "database", False, f"no database at {path}",
            "run `dlxh migrate` to create it (dlxh run creates it too), or fix general.data_dir / general.database",
        )  # fmt: skip
    try:
        await asyncio.to_thread(_verify_database, path)
        async with read_only(path) as tx:
            version = await privacy.schema_version(tx)
            counts = await privacy.count_rows(tx, ("members", "issues", "outbox"))
            pending = (await count_outbox(tx)).get("pending", 0) if "outbox" in counts else 0
    except (OpsError, sqlite3.Error, OSError) as exc:
        return Check(
            "database", False, f"{path} cannot be read: {exc}",
            "check the file's owner and permissions; restore the newest backup if it is damaged (dlxh restore)",
        )  # fmt: skip
    known = _known_schema()
    if version > known:
        return Check(
            "database", False, f"schema v{version} is newer than this dlxh (v{known})",
            "install the dlxh version that wrote it (or newer); a database is never downgraded",
        )  # fmt: skip
    if version < known:
        return Check(
            "database", False, f"schema v{version}, this dlxh expects v{known}: migrations are pending",
            "run `dlxh migrate` (a backup first: dlxh backup PATH); dlxh run also migrates at start",
        )  # fmt: skip
    return Check(
        "database",
        True,
        f"{path} schema v{version} (current); {counts.get('members', 0)} members, "
        f"{counts.get('issues', 0)} issues, {pending} message(s) waiting to be sent",
    )


def _check_files(settings: Settings) -> Check:
    root = settings.files_dir
    probe = root / f".doctor-{os.getpid()}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return Check(
            "file store", False, f"{root} is not writable: {exc.strerror or exc}",
            f"give the bot's user write access: chown -R <bot user> {root}",
        )  # fmt: skip
    return Check("file store", True, f"{root} is writable")


def _check_disk(settings: Settings) -> Check:
    probe = settings.data_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError as exc:
        return Check("disk space", False, f"cannot read free space of {probe}: {exc}", "check the folder")
    gib = free / (1 << 30)
    if free < LOW_DISK_BYTES:
        return Check(
            "disk space", False, f"only {gib:.2f} GiB free under {probe}",
            "free space (old backups, logs: journalctl --vacuum-size=200M) or move data_dir to a larger disk",
        )  # fmt: skip
    return Check("disk space", True, f"{gib:.1f} GiB free under {probe}")


def _check_time(
    settings: Settings, server_dates: list[tuple[str, datetime, float]], now: datetime | None
) -> Check:
    try:
        tz = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Check(
            "time", False, f"time zone {settings.timezone!r} is unknown",
            "set general.timezone to an IANA name like Asia/Ho_Chi_Minh; install tzdata if none is known",
        )  # fmt: skip
    current = now or datetime.now(UTC)
    local = current.astimezone(tz)
    if current.year < 2025 or current.year > 2100:
        return Check(
            "time", False, f"the clock says {local:%d/%m/%Y %H:%M}, which cannot be right",
            "set the clock and keep it synchronised: timedatectl set-ntp true",
        )  # fmt: skip
    for server, _date, offset in server_dates:
        if abs(offset) > CLOCK_SKEW_SECONDS:
            return Check(
                "time", False,
                f"the clock is {abs(offset):.0f}s {'ahead of' if offset > 0 else 'behind'} {server}'s",
                "keep the clock synchronised: timedatectl set-ntp true (or install chrony)",
            )  # fmt: skip
    compared = (
        f"; within {max(abs(o) for _, _, o in server_dates):.0f}s of {', '.join(s for s, _, _ in server_dates)}"
        if server_dates
        else "; not compared with a server"
    )
    return Check("time", True, f"{settings.timezone}, now {local:%H:%M %d/%m/%Y}{compared}")


def _check_holidays(settings: Settings, now: datetime | None) -> Check:
    """This year's and next year's days off, for the office to compare with the government's announcement."""
    year = (now or datetime.now(UTC)).astimezone(settings.tz).year
    calendar = WorkCalendar(settings.calendar)
    years = [
        f"{y}: " + ", ".join(d.strftime("%d/%m") for d in calendar.holidays_of(y)) for y in (year, year + 1)
    ]
    source = "official calendar" if settings.calendar.official_holidays else "configured dates only"
    return Check("holidays", True, f"{source}; " + "; ".join(years))


def _check_backups(settings: Settings, folder: Path | None, now: datetime | None) -> Check:
    folder = folder or configured_backup_folder(settings)
    if folder is None:
        return Check("backups", True, "no backup folder configured (scheduled backups are off)")
    newest = newest_backup_time(folder)
    if newest is None:
        return Check(
            "backups", False, f"no complete backup in {folder}",
            f"run `dlxh backup {folder / 'first'}` now; the daily job keeps them from then on",
        )  # fmt: skip
    path, made = newest
    age = (now or datetime.now(UTC)) - made
    hours = age.total_seconds() / 3600
    if age > BACKUP_MAX_AGE:
        return Check(
            "backups", False, f"the newest backup ({path.name}) is {hours:.0f} hours old",
            "check `dlxh jobs list` for the backup job's last error, and that the bot is running",
        )  # fmt: skip
    return Check("backups", True, f"newest {path.name}, {hours:.1f} hours old")


# ---------------------------------------------------------------------------------------------- CLI helpers


async def cli_backup(settings: Settings, dest: Path) -> int:
    if settings.database_url is not None:
        done, message = await pgops.dump(settings.database_url, dest)
        print(message)
        return 0 if done else 1
    result = await backup(settings.database_path, settings.files_dir, dest)
    print(result.summary())
    return 0


async def cli_restore(backup_dir: Path, new_data_dir: Path) -> int:
    result = await restore(backup_dir, new_data_dir)
    print(result.summary())
    print(
        f'to run on it: set [general] data_dir = "{result.data_dir}" (and database = "") in the config, '
        "then start dlxh; it migrates the database if it is older"
    )
    return 1 if result.missing_files or result.corrupt_files else 0


async def cli_privacy_purge(settings: Settings, *, months: int, dry_run: bool) -> int:
    db = await Database.open(settings.database_target)
    try:
        result = await purge_private_data(
            db, FileStore(settings.files_dir), make_clock(settings).now(), months=months, dry_run=dry_run,
            actor="cli",
        )  # fmt: skip
    finally:
        await db.close()
    print(result.summary())
    return 0


async def cli_doctor(settings: Settings) -> int:
    checks = await doctor(settings)
    print(format_checks(checks))
    return 0 if all(c.ok for c in checks) else 1


def doctor_main(config: str | None) -> int:
    """``dlxh doctor``, loading the config itself so that a broken config is one of the findings."""
    from bot.config import ConfigError, load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        print(format_checks([Check("config", False, str(exc), "correct the key named above")]))
        return 1
    return asyncio.run(cli_doctor(settings))


__all__ = [
    "BackupResult",
    "Check",
    "OpsError",
    "PurgeResult",
    "RestoreResult",
    "backup",
    "backup_job",
    "doctor",
    "doctor_main",
    "format_checks",
    "list_backups",
    "months_before",
    "privacy_job",
    "prune_backups",
    "purge_private_data",
    "restore",
]
