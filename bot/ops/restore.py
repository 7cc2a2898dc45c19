"""Restore: :func:`restore` puts a backup into a NEW data folder (it refuses a non-empty one) and checks it:
the database's integrity, every file an attachment needs, every file's bytes against its name."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.ops.backup import (
    COUNTED_TABLES,
    DATABASE_NAME,
    FILES_NAME,
    MANIFEST_NAME,
    OpsError,
    fsync_dir,
    read_manifest,
    store_files,
)
from storage import privacy
from storage.backup import DatabaseFileError, known_schema, read_only, verify_database

log = logging.getLogger(__name__)


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
    names = store_files(source)
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
    try:
        await asyncio.to_thread(verify_database, db_file)
    except DatabaseFileError as exc:
        raise OpsError(str(exc)) from exc
    async with read_only(db_file) as tx:
        version = await privacy.schema_version(tx)
    known = known_schema()
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
    fsync_dir(target)
    result = RestoreResult(target, database, version, counts, files, missing, corrupt)
    log.debug("%s", result.summary())
    return result


async def cli_restore(backup_dir: Path, new_data_dir: Path) -> int:
    result = await restore(backup_dir, new_data_dir)
    print(result.summary())
    print(
        f'to run on it: set [general] data_dir = "{result.data_dir}" (and database = "") in the config, '
        "then start dlxh; it migrates the database if it is older"
    )
    return 1 if result.missing_files or result.corrupt_files else 0
