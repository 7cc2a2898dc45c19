"""Wiring, in one place: ``build_app(settings, mode=...)`` assembles every part for polling or webhook mode;
``App.start`` starts them in order, ``stop`` in reverse. The CLI, the demo, the sandbox and the tests all
build the app here."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from bot.channel import Channel
from bot.core.clock import Clock
from bot.core.config import ConfigError, Settings
from bot.core.files import FileStore
from bot.core.links import FileLinks
from bot.core.texts import t
from bot.core.workcal import WorkCalendar
from bot.lifecycle import StatusBoard, status_path, token_source
from bot.outbox import OutboxWorker, Sender
from bot.runtime import Dispatcher, Services
from bot.telegram import TelegramChannel, build_application
from bot.webhook import WebhookServer, webhook_channels
from bot.zalo import ZaloChannel
from handlers import router
from scheduler.jobs import all_jobs
from scheduler.maintenance import backup_job, privacy_job
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
    channels: list[Channel] = field(default_factory=list)
    lock: InstanceLock | None = None
    run_jobs: bool = True
    webhook: WebhookServer | None = None  # in webhook mode: the server in front of the channels
    sending: asyncio.Task[None] | None = None  # PostgreSQL: waits to be the process that sends the outbox
    status: StatusBoard = field(default_factory=StatusBoard)

    def background_tasks(self) -> list[asyncio.Task[None]]:
        """The tasks that must run as long as the app does (``bot.lifecycle.supervise`` watches them)."""
        parts: list[object] = [self.worker, *self.channels]
        tasks = [t for t in (getattr(p, "task", None) for p in parts) if t is not None]
        return tasks if self.sending is None else [*tasks, self.sending]

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
            await channel.start()  # a polling channel connects in the background, retrying (bot.lifecycle)
            if channel.username:
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


Mode = Literal["polling", "webhook"]


def _secret(value: str | None, env: str, file: str, what: str) -> str:
    if value:
        return value
    where = f" or the file {file}" if file else ""
    raise ConfigError(f"config: {what}: set the environment variable {env}{where}")


def channel_tokens(settings: Settings) -> tuple[str | None, str | None]:
    """The Telegram and Zalo tokens of the enabled channels; a :class:`ConfigError` when one is missing."""
    tokens: list[str | None] = []
    for name, channel in (("telegram", settings.telegram), ("zalo", settings.zalo)):
        if not channel.enabled:
            tokens.append(None)
            continue
        what = f"the {name} channel is enabled but no token is set"
        tokens.append(_secret(channel.token(), channel.token_env, channel.token_file, what))
    if tokens == [None, None]:
        raise ConfigError(
            "config: no channel is enabled: set [telegram] or [zalo] enabled = true and a token"
        )
    return tokens[0], tokens[1]


def webhook_secret(settings: Settings) -> str:
    """The webhook secret; a :class:`ConfigError` when it is missing."""
    wh = settings.webhook
    return _secret(wh.secret(), wh.secret_env, wh.secret_file, "webhook mode needs a secret")


def _channels(
    services: Services,
    dispatcher: Dispatcher,
    telegram_token: str | None,
    zalo_token: str | None,
    status: StatusBoard,
) -> list[Channel]:
    settings, channels = services.settings, list[Channel]()
    if telegram_token:
        ptb = build_application(
            telegram_token, settings.telegram, send_timeout=settings.outbox.send_timeout_seconds
        )
        channels.append(
            TelegramChannel(
                ptb,
                settings.telegram,
                dispatcher,
                services.files,
                default_commands=default_commands(),
                leader=lambda: services.db.leadership("poll:telegram"),
                token_source=token_source(settings.telegram.token_env, settings.telegram.token_file),
                status=status,
            )
        )
    if zalo_token:
        channels.append(
            ZaloChannel(
                zalo_token,
                dispatcher,
                services.files,
                services.db,
                services.clock,
                base_url=settings.zalo.base_url,
                poll_timeout=settings.zalo.poll_timeout,
                links=file_links(settings),
                tz=settings.tz,
                send_timeout=settings.outbox.send_timeout_seconds,
                lang=settings.language,
                token_source=token_source(settings.zalo.token_env, settings.zalo.token_file),
                status=status,
            )
        )
    return channels


def file_links(settings: Settings) -> FileLinks | None:
    """The signer of Zalo's links to evidence, when ``webhook.public_url`` and the link secret are set; else
    None (Zalo gets a note saying where to see the files)."""
    secret = settings.zalo.link_secret()
    if not secret or not settings.webhook.public_url:
        return None
    base = settings.webhook.public_url.rstrip("/") + settings.zalo.files_path
    try:
        return FileLinks(secret.encode(), base, settings.zalo.link_hours)
    except ValueError as exc:
        raise ConfigError(f"config: {settings.zalo.link_secret_env}: {exc}") from None


def _file_server(
    settings: Settings, services: Services, server: WebhookServer | None
) -> WebhookServer | None:
    """The HTTP server that answers Zalo's signed links: the webhook server, or one of its own in polling
    mode; None without links."""
    if settings.zalo.media_base_url:
        log.warning(
            "config: zalo.media_base_url is deprecated and ignored (it exposed the file store by public, "
            "permanent links); Zalo now gets signed links that expire: set webhook.public_url and %s",
            settings.zalo.link_secret_env,
        )
    links = file_links(settings)
    if links is None:
        return server
    if server is None:
        server = WebhookServer(settings.webhook.listen_host, settings.webhook.listen_port)
    try:
        server.serve_files(settings.zalo.files_path, links, services.files, services.clock)
    except ValueError as exc:
        raise ConfigError(f"config: zalo.files_path: {exc}") from None
    return server


def _webhook_mode(
    settings: Settings, channels: list[Channel], secret: str
) -> tuple[list[Channel], WebhookServer]:
    wh = settings.webhook
    if not wh.public_url:
        raise ConfigError("config: missing key webhook.public_url: expected an https:// URL")
    try:
        return webhook_channels(
            channels,
            public_url=wh.public_url,
            secret=secret,
            host=wh.listen_host,
            port=wh.listen_port,
            telegram_path=wh.telegram_path,
            zalo_path=wh.zalo_path,
        )
    except ValueError as exc:
        raise ConfigError(f"config: webhook: {exc}") from exc


def build_app(
    settings: Settings,
    *,
    clock: Clock,
    mode: Mode = "polling",
    telegram_token: str | None = None,
    zalo_token: str | None = None,
    webhook_secret: str | None = None,
    lock: bool = True,
    run_jobs: bool = True,
) -> App:
    """Assemble the app. A channel whose token is None is not run (see :func:`channel_tokens`); in
    ``mode="webhook"`` the channels are told about updates by one server (``webhook_secret`` required).

    ``clock`` is required: the CLI passes ``bot.core.config.make_clock(settings)``, tests and the sandbox their own."""
    services = Services(
        db=Database(settings.database_target),
        settings=settings,
        clock=clock,
        calendar=WorkCalendar(settings.calendar),
        files=FileStore(settings.files_dir),
    )
    status = StatusBoard(status_path(settings.database_path) if lock else None)
    worker = OutboxWorker(services.db, clock, {}, settings.outbox)
    on_change = getattr(clock, "on_change", None)
    if on_change is not None:
        on_change(worker.wake)
    dispatcher = Dispatcher(services, router.handle, worker.wake)
    channels = _channels(services, dispatcher, telegram_token, zalo_token, status)
    server: WebhookServer | None = None
    if mode == "webhook":
        if not webhook_secret:
            raise ConfigError("config: webhook mode needs a secret")
        channels, server = _webhook_mode(settings, channels, webhook_secret)
    if zalo_token:
        server = _file_server(settings, services, server)
    senders: dict[str, Sender] = {c.sender.channel: c.sender for c in channels}
    worker.senders.update(senders)
    jobs = all_jobs(services, worker.wake)
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
        webhook=server,
        status=status,
    )
