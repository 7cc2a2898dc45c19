"""Pruning: what the bot keeps only for a while, deleted in one pass (and counted first with a dry run).

* processed update ids after ``jobs.processed_updates_keep_days`` (a redelivery comes within minutes);
* outbox rows delivered or given up on after ``outbox.keep_sent_days`` (they carry the message texts);
* wrong invite codes after a day (the throttle looks back one hour) and strangers' refusals after a day
  (one refusal an hour);
* wake-ups from other processes after a day (the newest is kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime import Services
from scheduler.runner import Job
from storage.outbox import delete_finished_messages_before, delete_wakeups_before
from storage.strangers import delete_invite_failures_before, delete_stranger_refusals_before
from storage.updates import delete_processed_updates_before

SHORT_LIVED = timedelta(days=1)


@dataclass(frozen=True)
class PruneResult:
    dry_run: bool
    processed_updates: int
    outbox_rows: int
    invite_failures: int
    stranger_refusals: int
    wakeups: int

    def summary(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        return (
            f"{verb} {self.processed_updates} processed update id(s), {self.outbox_rows} delivered message(s),"
            f" {self.invite_failures} wrong invite code(s), {self.stranger_refusals} stranger refusal(s),"
            f" {self.wakeups} wake-up(s)"
        )


async def prune(services: Services, now: datetime, *, dry_run: bool = False) -> PruneResult:
    """One pass, one transaction; with ``dry_run`` only counts."""
    settings = services.settings
    day_ago = now - SHORT_LIVED
    async with services.db.transaction() as tx:
        result = PruneResult(
            dry_run=dry_run,
            processed_updates=await delete_processed_updates_before(
                tx, now - timedelta(days=settings.jobs.processed_updates_keep_days), dry_run=dry_run
            ),
            outbox_rows=await delete_finished_messages_before(
                tx, now - timedelta(days=settings.outbox.keep_sent_days), dry_run=dry_run
            ),
            invite_failures=await delete_invite_failures_before(tx, day_ago, dry_run=dry_run),
            stranger_refusals=await delete_stranger_refusals_before(tx, day_ago, dry_run=dry_run),
            wakeups=await delete_wakeups_before(tx, day_ago, dry_run=dry_run),
        )
    return result


async def run_prune(services: Services, now: datetime) -> str:
    return (await prune(services, now)).summary()


def prune_job() -> Job:
    return Job(
        "prune",
        "delete old processed update ids, delivered messages, wrong invite codes, refusals and wake-ups",
        run_prune,
        cron={"hour": 3, "minute": 15},
    )
