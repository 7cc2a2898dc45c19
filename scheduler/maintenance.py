"""Maintenance jobs: the daily backup and the daily privacy retention pass (the work is in ``bot/ops/``)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from bot.ops import pg
from bot.ops.backup import BACKUP_PREFIX, backup, configured_backup_folder, list_backups, prune_backups
from bot.ops.purge import purge_private_data
from bot.runtime import Services
from scheduler.runner import Job

log = logging.getLogger(__name__)


def backup_job(
    keep: int = 7,
    folder: Path | str | None = None,
    *,
    hour: int = 2,
    minute: int = 30,
) -> Job:
    """The daily backup into ``folder`` (else the configured ``[backups] folder``), keeping the last
    ``keep``. At most one a day: a start on a day that already has one (the catch-up run) does nothing."""

    async def run_due(services: Services, now: datetime) -> str:
        settings = services.settings
        if settings.database_url is not None:
            return pg.JOB_NOTE
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


def privacy_job(months: int = 24, *, hour: int = 3, minute: int = 45) -> Job:
    """The daily retention pass (see :func:`purge_private_data`)."""

    async def run_due(services: Services, now: datetime) -> str:
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
