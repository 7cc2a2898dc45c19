"""The sandbox's own data folder: which settings point at it, its saved clock, and starting it afresh.

The folder holds the sandbox database, the files the bot stored, the saved clock, the phones' chat history
(:mod:`bot.sandbox.history`) and scheduled backups. It is never the production folder
(:func:`sandbox_settings` refuses), and :func:`wipe` removes only what the sandbox itself puts there, so a
``--data-dir`` that holds other things keeps them.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bot.core.config import Settings
from bot.sandbox.history import HISTORY_DIR

log = logging.getLogger(__name__)

CLOCK_FILE = "clock.txt"
BACKUPS_DIR = "backups"
#: Marks a folder as the sandbox's own (written on its first start); :func:`wipe` needs it.
MARKER = ".dlxh-sandbox"
#: What the SQLite database leaves beside its file (write-ahead log, shared memory, rollback journal, lock).
_DB_SIDECARS = ("-wal", "-shm", "-journal", ".lock")

__all__ = ["CLOCK_FILE", "SandboxError", "claim", "read_clock", "sandbox_settings", "wipe", "write_clock"]


class SandboxError(RuntimeError):
    """The sandbox cannot run as asked (e.g. it would use the production database)."""


def _same_path(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def sandbox_settings(settings: Settings, data_dir: str | Path | None = None) -> Settings:
    """The production settings with the sandbox's own data folder (default ``<data_dir>/sandbox``), its
    own database and backups in it; Zalo off. Refuses (:class:`SandboxError`) to share the production
    database or files."""
    if data_dir is None or str(data_dir) == "":
        base = settings.data_dir / "sandbox"
    else:
        base = Path(data_dir).expanduser()
    base = base if base.is_absolute() else Path.cwd() / base
    backups = settings.backups
    if backups.folder is not None:  # never the production backups: rotation there would delete real ones
        backups = replace(backups, folder=base / BACKUPS_DIR)
    sandbox = replace(
        settings,
        data_dir=base,
        database=None,
        database_url=None,  # the sandbox stays on its own SQLite file, even beside a PostgreSQL deployment
        zalo=replace(settings.zalo, enabled=False),
        backups=backups,
    )
    if _same_path(sandbox.database_path, settings.database_path):
        raise SandboxError(
            f"refusing to run the sandbox on the production database: the sandbox database "
            f"{sandbox.database_path} is the configured database {settings.database_path}; "
            f"give the sandbox another --data-dir"
        )
    if _same_path(sandbox.files_dir, settings.files_dir):
        raise SandboxError(
            f"refusing to run the sandbox in the production data folder: the sandbox files "
            f"{sandbox.files_dir} are the configured files {settings.files_dir}; give the sandbox another --data-dir"
        )
    return sandbox


def _own_names(settings: Settings) -> set[str]:
    db = settings.database_path.name
    names = {db, *(db + s for s in _DB_SIDECARS), settings.files_dir.name, CLOCK_FILE, HISTORY_DIR}
    return names | {BACKUPS_DIR, MARKER}


def claim(settings: Settings) -> None:
    """Make the sandbox's folder (on first use) and mark it as the sandbox's own. Refuses
    (:class:`SandboxError`) a folder that already holds other things: starting afresh deletes what the
    sandbox keeps there, and must never touch anything else."""
    folder = settings.data_dir
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / MARKER
    if marker.exists():
        return
    strangers = sorted(p.name for p in folder.iterdir() if p.name not in _own_names(settings))
    if strangers:
        shown = ", ".join(strangers[:5]) + (", …" if len(strangers) > 5 else "")
        raise SandboxError(
            f"refusing to use {folder} as the sandbox folder: it holds other things ({shown}); "
            f"give the sandbox an empty folder or its own with --data-dir"
        )
    marker.write_text("the dlxh sandbox's own folder: `dlxh sandbox --fresh` empties it\n", encoding="utf-8")


def read_clock(folder: Path, now: datetime) -> datetime:
    """``now``, or the time an earlier run had reached if that is later: sandbox time never runs back."""
    try:
        saved = datetime.fromisoformat((folder / CLOCK_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return now
    return max(now, saved.astimezone(UTC)) if saved.tzinfo is not None else now


def write_clock(folder: Path, when: datetime) -> None:
    try:
        (folder / CLOCK_FILE).write_text(when.isoformat(), encoding="utf-8")
    except OSError:
        log.warning("could not save the sandbox clock in %s", folder)


def wipe(settings: Settings) -> list[Path]:
    """Delete what the sandbox keeps in its folder (database, files, clock, chat history, backups) and
    return what was removed. Call it only while no bot has the database open; refuses
    (:class:`SandboxError`) a folder :func:`claim` did not mark."""
    folder = settings.data_dir
    if not folder.exists():
        return []
    if not (folder / MARKER).exists():
        raise SandboxError(f"refusing to empty {folder}: it is not marked as a sandbox folder")
    db = settings.database_path
    targets = [db, *(db.with_name(db.name + s) for s in _DB_SIDECARS)]
    targets += [settings.files_dir, folder / CLOCK_FILE, folder / HISTORY_DIR, folder / BACKUPS_DIR]
    removed = []
    for path in targets:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        else:
            continue
        removed.append(path)
    return removed
