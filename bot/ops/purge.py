"""The privacy retention purge: :func:`purge_private_data` applies the retention period of
Nghị định 13/2023/NĐ-CP to ended issues."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.config import Settings, make_clock
from bot.core.files import FileStore
from bot.ops.backup import OpsError, months_before, store_files
from storage import announcements, groups, polls, privacy
from storage.audit import add_audit
from storage.db import Database
from storage.timeutil import ts

_REF_RE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}(?:\.[a-z0-9.]{0,10})?")

log = logging.getLogger(__name__)


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
    group_links: int = (
        0  # leaders' groups unlinked before the cutoff, their old codes and who was seen in them
    )

    def summary(self) -> str:
        verb = "would clear" if self.dry_run else "cleared"
        return (
            f"privacy ({self.months} month(s), before {self.cutoff:%d/%m/%Y}): {self.issues} ended issue(s); "
            f"{verb} {self.citizens} citizen detail(s), {self.attachments} attachment(s) / {self.files} file(s), "
            f"{self.messages} old delivered message(s), {self.events} handled inbound event(s)"
            + (f", {self.orphans} unreferenced file(s)" if self.orphans else "")
            + f", {self.poll_answers} poll answer(s), {self.read_receipts} announcement receipt(s)"
            + f", {self.group_links} group link record(s)"
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
        links = await groups.count_ended_links_before(tx, cutoff)
        return PurgeResult(
            months, cutoff, True, len(ids), citizens, len(attachments), files_count, messages, events, orphans,
            answers, receipts, links,
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
        links = await groups.delete_ended_links_before(tx, cutoff)
        await add_audit(
            tx, now, actor, "privacy.purge", None,
            months=months, cutoff=ts(cutoff), issues=len(ids), citizens=citizens,
            attachments=len(attachments), files=len(refs), messages=messages, events=events,
            poll_answers=answers, read_receipts=receipts, group_links=links,
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
        answers, receipts, links,
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
    limit = (now - ORPHAN_GRACE).timestamp()  # the app's clock (the system's in production)
    out = []
    for rel in store_files(files.root):
        if rel in named or not _REF_RE.fullmatch(rel):
            continue
        try:
            if (files.root / rel).stat().st_mtime < limit:
                out.append(rel)
        except OSError:
            continue
    return out


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
