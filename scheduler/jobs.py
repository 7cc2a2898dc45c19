"""The jobs dlxh runs. Each is one pass over durable state, safe to repeat."""

from __future__ import annotations

from datetime import datetime

from bot.outbox import OutboxWorker
from bot.runtime import Services
from scheduler.runner import Job, keep_since
from storage.outbox import count_outbox
from storage.updates import delete_processed_updates_before


async def cleanup_processed_updates(services: Services, now: datetime) -> str:
    before = keep_since(now, services.settings.jobs.processed_updates_keep_days)
    async with services.db.transaction() as tx:
        removed = await delete_processed_updates_before(tx, before)
    return f"removed {removed}"


def outbox_catchup(worker: OutboxWorker | None) -> Job:
    """Wake the delivery worker (a safety net for a lost wake-up); without one, report the queue."""

    async def run_due(services: Services, now: datetime) -> str:
        if worker is not None:
            worker.wake()
        counts = await count_outbox(services.db.reader)
        return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "empty"

    return Job("outbox", "delivery catch-up: wake the outbox worker", run_due, every_seconds=60)


def all_jobs(services: Services, worker: OutboxWorker | None) -> list[Job]:
    return [
        outbox_catchup(worker),
        Job(
            "cleanup_updates",
            "forget processed update ids older than jobs.processed_updates_keep_days",
            cleanup_processed_updates,
            cron={"hour": 3, "minute": 15},
        ),
    ]
