"""The job runner: named one-pass jobs ``run_due(services, now)``, recorded in the job ledger.

Each job works from state in the database and is safe to run twice or after a gap: it does what is due
at ``now`` and marks it done in the same transaction. APScheduler only decides *when* to call; at start
every job runs once, so whatever came due while the bot was down is caught up exactly once. With several
processes on one PostgreSQL database each pass holds the job's advisory lock
(:meth:`storage.db.Database.exclusive`): a process that finds it taken skips that pass, and the pass that
runs sees what the one before it marked done.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.runtime import Services
from storage.jobs import list_jobs, record_job_run

log = logging.getLogger(__name__)

RunDue = Callable[[Services, datetime], Awaitable[str]]
SKIPPED = "skipped: another process is running this job"


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run_due: RunDue
    every_seconds: int | None = None  # an interval job ...
    cron: dict[str, Any] | None = None  # ... or a cron job (APScheduler CronTrigger fields, local time)

    def trigger(self, timezone: str) -> Any:
        if self.cron is not None:
            return CronTrigger(timezone=timezone, **self.cron)
        return IntervalTrigger(seconds=self.every_seconds or 60, timezone=timezone)

    def next_after(self, now: datetime, timezone: str) -> datetime | None:
        return self.trigger(timezone).get_next_fire_time(None, now)


class JobRunner:
    def __init__(
        self, services: Services, jobs: list[Job], on_commit: Callable[[], None] | None = None
    ) -> None:
        self.services = services
        self.jobs = {job.name: job for job in jobs}
        self.on_commit = on_commit  # wakes the outbox worker: what a job queued goes out at once
        self._scheduler: AsyncIOScheduler | None = None

    async def run(self, name: str, now: datetime | None = None) -> str:
        """Run one pass of a job now; a failure is logged and recorded, never raised."""
        job = self.jobs[name]
        now = now or self.services.clock.now()
        result: str | None = None
        error: str | None = None
        async with self.services.db.exclusive(f"job:{name}") as alone:
            if not alone:
                log.info("job %s: another process is running it; this pass is skipped", name)
                return SKIPPED
            try:
                result = await job.run_due(self.services, now)
            except Exception as exc:
                log.exception("job %s failed at %s", name, now.isoformat())
                error = repr(exc)[:500]
            async with self.services.db.transaction() as tx:
                await record_job_run(
                    tx, name, now, result, error, job.next_after(now, self.services.settings.timezone)
                )
        if self.on_commit is not None:
            self.on_commit()
        return f"error: {error}" if error is not None else result or ""

    async def run_all(self, now: datetime | None = None) -> dict[str, str]:
        return {name: await self.run(name, now) for name in self.jobs}

    async def start(self) -> None:
        """Catch up once, then let APScheduler trigger each job."""
        await self.run_all()
        scheduler = AsyncIOScheduler(timezone=self.services.settings.timezone)
        for job in self.jobs.values():
            scheduler.add_job(
                self.run,
                job.trigger(self.services.settings.timezone),
                args=[job.name],
                id=job.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=3600,
            )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    async def ledger(self) -> list[tuple[Job, Any]]:
        records = {r.name: r for r in await list_jobs(self.services.db.reader)}
        return [(job, records.get(job.name)) for job in self.jobs.values()]


def keep_since(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
