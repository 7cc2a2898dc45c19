"""Wiring: ``build_app(settings)`` assembles every part; ``App.start`` starts them in order, ``stop`` in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.clock import Clock
from bot.config import Settings
from bot.files import FileStore
from bot.outbox import OutboxWorker, Sender
from bot.runtime import Dispatcher, Services
from bot.texts import t
from bot.workcal import WorkCalendar
from handlers import router
from scheduler.jobs import all_jobs
from scheduler.runner import JobRunner
from storage.db import Database
from storage.migrations import migrate

log = logging.getLogger(__name__)


class AlreadyRunning(RuntimeError):
    """Another ``dlxh run`` holds the database."""


class InstanceLock:
    """An OS file lock beside the database; the kernel drops it if the process dies."""

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # held for the life of the process
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            raise AlreadyRunning(f"another dlxh is already running on {self.path.with_suffix('')}") from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def default_commands() -> dict[str, list[tuple[str, str]]]:
    """What a stranger's command menu shows, per language."""
    return {lang: [("start", t(lang, "cmd.start")), ("help", t(lang, "cmd.help"))] for lang in ("vi", "en")}


LEAD_RETRY_SECONDS = 5.0


@dataclass
class App:
    settings: Settings
    services: Services
    worker: OutboxWorker
    runner: JobRunner
    dispatcher: Dispatcher
    channels: list[Any] = field(default_factory=list)
    lock: InstanceLock | None = None
    run_jobs: bool = True
    webhook: Any = None  # a bot.webhook.WebhookServer in webhook mode (see bot.webhook.enable_webhooks)
    sending: asyncio.Task[None] | None = None  # PostgreSQL: waits to be the process that sends the outbox

    async def start(self) -> None:
        # 1. the instance lock: one bot per database
        if self.lock is not None:
            self.lock.acquire()
        # 2. storage: open and migrate
        await self.services.db.connect()
        await migrate(self.services.db)
        # 3. delivery: pending rows from before a restart go out first
        if self.services.db.is_sqlite:
            await self.worker.start()
        else:
            self.sending = asyncio.create_task(self._send_when_leading(), name="outbox-leader")
        # 3b. the webhook server, if any: it answers 503 until a channel is ready, and Telegram retries
        if self.webhook is not None:
            await self.webhook.start()
        # 4. channels: start receiving
        for channel in self.channels:
            await channel.start()
            self.services.bot_usernames[channel.sender.channel] = channel.username
        # 5. the scheduler: catch up once, then on its triggers
        if self.run_jobs:
            await self.runner.start()

    async def _send_when_leading(self) -> None:
        """On PostgreSQL one process at a time sends the outbox: each message goes out once, each chat's in
        order, and one send budget is the whole deployment's. The others wait on the lock and the next one
        takes over when the sender dies. A commit by any process (LISTEN/NOTIFY) wakes the sender."""
        db = self.services.db
        while True:
            try:
                async with db.leadership("outbox"):
                    await self.worker.start()
                    try:
                        async for _ in db.commits():
                            self.worker.wake()
                    finally:
                        await self.worker.stop()
            except Exception:  # the server went away: another process may lead meanwhile; try again
                log.exception("outbox leadership lost; trying again in %.0fs", LEAD_RETRY_SECONDS)
                await asyncio.sleep(LEAD_RETRY_SECONDS)

    async def stop(self) -> None:
        if self.run_jobs:
            await self.runner.stop()
        if self.webhook is not None:
            await self.webhook.stop()  # no request is in the middle of handling when the channels stop
        for channel in reversed(self.channels):
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping channel failed")
        if self.sending is not None:
            self.sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.sending
            self.sending = None
        await self.worker.stop()
        await self.services.db.close()
        if self.lock is not None:
            self.lock.release()


def build_app(
    settings: Settings,
    *,
    clock: Clock,
    telegram_token: str | None = None,
    zalo_token: str | None = None,
    lock: bool = True,
    run_jobs: bool = True,
) -> App:
    """Assemble the app. A channel whose token is None is not run (the caller checked the config).

    ``clock`` is required: the CLI passes ``bot.config.make_clock(settings)``, tests and the sandbox their own."""
    services = Services(
        db=Database(settings.database_target),
        settings=settings,
        clock=clock,
        calendar=WorkCalendar(settings.calendar),
        files=FileStore(settings.files_dir),
    )
    senders: dict[str, Sender] = {}
    worker = OutboxWorker(services.db, clock, senders, settings.outbox)
    on_change = getattr(clock, "on_change", None)
    if on_change is not None:
        on_change(worker.wake)
    dispatcher = Dispatcher(services, router.handle, worker.wake)
    channels: list[Any] = []
    if telegram_token:
        from bot.telegram import TelegramChannel, build_application

        ptb = build_application(
            telegram_token, settings.telegram, send_timeout=settings.outbox.send_timeout_seconds
        )
        channel = TelegramChannel(
            ptb, settings.telegram, dispatcher, services.files, default_commands=default_commands(),
            leader=lambda: services.db.leadership("poll:telegram"),
        )  # fmt: skip
        senders[channel.sender.channel] = channel.sender
        channels.append(channel)
    if zalo_token:
        from bot.zalo import ZaloChannel

        zalo = ZaloChannel(
            zalo_token,
            dispatcher,
            services.files,
            services.db,
            clock,
            base_url=settings.zalo.base_url,
            poll_timeout=settings.zalo.poll_timeout,
            media_base_url=settings.zalo.media_base_url,
            send_timeout=settings.outbox.send_timeout_seconds,
            lang=settings.language,
        )
        senders[zalo.sender.channel] = zalo.sender
        channels.append(zalo)
    from bot.ops import backup_job, privacy_job

    jobs = all_jobs(services, worker)
    backups = settings.backups
    jobs.append(backup_job(backups.keep, backups.folder, hour=backups.hour, minute=backups.minute))
    if settings.privacy.purge:
        jobs.append(privacy_job(settings.privacy.retention_months))
    runner = JobRunner(services, jobs, on_commit=worker.wake)
    return App(
        settings=settings,
        services=services,
        worker=worker,
        runner=runner,
        dispatcher=dispatcher,
        channels=channels,
        # several processes may share one PostgreSQL database; a SQLite file has one owner
        lock=InstanceLock(settings.database_path) if lock and settings.database_url is None else None,
        run_jobs=run_jobs,
    )
