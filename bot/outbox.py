"""Outbox delivery: reads due rows, paces them below each channel's limits, sends, records the result.

Delivery is at least once. A row is marked sent only after the channel accepted it, so a send that timed
out (the channel may have delivered it) or that a kill cut short is sent again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.clock import Clock
from bot.core.config import OutboxSettings
from bot.core.messages import Outgoing
from storage import outbox as store
from storage.db import Database

log = logging.getLogger(__name__)


class SendError(Exception):
    """Base of the errors a channel sender raises."""


class SendRetryAfter(SendError):
    def __init__(self, seconds: float, message: str = "") -> None:
        super().__init__(message or f"retry after {seconds}s")
        self.seconds = seconds


class SendTransient(SendError):
    """A 5xx, a timeout or a network fault: try again with backoff."""


class SendForbidden(SendError):
    """The person blocked the bot, or the chat is gone."""


class SendPermanent(SendError):
    """The channel refused this message for good (bad request)."""


class Sender(Protocol):
    channel: str

    async def send(self, out: Outgoing) -> str | None:
        """Deliver one message; return the channel's message id (None for an edit)."""
        ...


@dataclass
class TokenBucket:
    """Allows ``rate`` events a second on average, ``burst`` at once; times are monotonic seconds."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def _refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1


class OutboxWorker:
    """Background delivery. :meth:`run_once` is one pass and is what tests drive; :meth:`start` loops it."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        senders: dict[str, Sender],
        settings: OutboxSettings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        concurrency: int = 16,
    ) -> None:
        self.db = db
        self.clock = clock
        self.senders = senders
        self.settings = settings
        self.monotonic = monotonic
        self.concurrency = concurrency
        self._global = TokenBucket(settings.global_rate, settings.global_burst, stamp=monotonic())
        self._chats: dict[tuple[str, str], TokenBucket] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._rng = random.Random()
        self.sent_total = 0

    # ------------------------------------------------------------------ lifecycle

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name="outbox-worker")
        self._task.add_done_callback(self._on_done)

    def _on_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox worker died", exc_info=task.exception())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                delay = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox pass failed; retrying shortly")
                delay = 1.0
            if delay == 0:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass

    # ------------------------------------------------------------------ one pass

    async def run_once(self) -> float:
        """Send what is due now. Returns how long (seconds) until something may be due: 0 = go again at once."""
        now = self.clock.now()
        async with self.db.committed() as reader:  # never a row whose transaction may still roll back
            rows = await store.list_due_messages(reader, now, limit=max(50, self.concurrency * 32))
        ready: list[store.OutboxRow] = []
        waits: list[float] = []
        mono = self.monotonic()
        for row in rows:
            wait = self._chat_bucket(row.channel, row.chat_id).wait_time(mono)
            if wait > 0:
                waits.append(wait)
            else:
                ready.append(row)
        if ready:
            async with self.db.committed() as reader:
                unreachable = await store.unreachable_among(reader, {(r.channel, r.chat_id) for r in ready})
            sem = asyncio.Semaphore(self.concurrency)
            sent: list[tuple[store.OutboxRow, Outgoing, str | None]] = []

            async def one(r: store.OutboxRow) -> None:
                async with sem:
                    await self._deliver(r, (r.channel, r.chat_id) in unreachable, sent)

            try:
                await asyncio.gather(*(one(r) for r in ready))
            finally:
                # what the channel accepted is recorded in one transaction for the pass: a send slot is free as
                # soon as its HTTP call is answered, and a long transaction elsewhere (a job prompting thousands)
                # holds up only this write, not the sends; a kill before it means a resend (at least once)
                await self._mark_sent(sent)
            return 0.0
        async with self.db.committed() as reader:
            next_time = await store.next_outbox_time(reader, self.clock.now())
        if next_time is not None:
            waits.append(max(0.0, (next_time - self.clock.now()).total_seconds()))
        return min([*waits, 30.0]) if waits else 30.0

    def _chat_bucket(self, channel: str, chat_id: str) -> TokenBucket:
        key = (channel, chat_id)
        bucket = self._chats.get(key)
        if bucket is None:
            bucket = self._chats[key] = TokenBucket(
                self.settings.chat_rate, self.settings.chat_burst, stamp=self.monotonic()
            )
        return bucket

    async def _pace(self, row: store.OutboxRow) -> None:
        while True:
            mono = self.monotonic()
            wait = self._global.wait_time(mono)
            if wait <= 0:
                self._global.take(mono)
                self._chat_bucket(row.channel, row.chat_id).take(mono)
                return
            await asyncio.sleep(wait)

    async def _deliver(
        self,
        row: store.OutboxRow,
        unreachable: bool,
        sent: list[tuple[store.OutboxRow, Outgoing, str | None]],
    ) -> None:
        if unreachable:
            async with self.db.transaction() as tx:
                await store.mark_message_failed(tx, row.id, store.UNREACHABLE, "chat marked unreachable")
            return
        sender = self.senders.get(row.channel)
        if sender is None:
            log.warning("outbox row %s: no sender for channel %s (kept pending)", row.id, row.channel)
            async with self.db.transaction() as tx:
                await store.mark_message_retry(
                    tx, row.id, self.clock.now() + timedelta(seconds=60), f"channel {row.channel} not running"
                )
            return
        out = Outgoing.from_json(row.payload)
        await self._pace(row)
        try:
            message_id = await asyncio.wait_for(
                sender.send(out), timeout=self.settings.send_timeout_seconds * 2
            )
        except SendRetryAfter as exc:
            await self._retry(row, max(exc.seconds, 0.5), str(exc))
        except (SendTransient, TimeoutError) as exc:
            backoff = min(self.settings.max_backoff_seconds, 2 ** min(row.attempts, 10)) * (
                0.5 + self._rng.random() / 2
            )
            await self._retry(row, backoff, f"transient: {exc!r}")
        except SendForbidden as exc:
            log.info("chat %s/%s unreachable: %s", row.channel, row.chat_id, exc)
            async with self.db.transaction() as tx:
                await store.mark_message_failed(tx, row.id, store.UNREACHABLE, str(exc))
                await store.mark_chat_unreachable(tx, row.channel, row.chat_id, self.clock.now(), str(exc))
        except SendPermanent as exc:
            log.error("outbox row %s refused for good by %s: %s", row.id, row.channel, exc)
            async with self.db.transaction() as tx:
                await store.mark_message_failed(tx, row.id, store.FAILED, str(exc))
        except Exception as exc:
            log.exception("outbox row %s: unexpected error while sending", row.id)
            await self._retry(
                row, min(self.settings.max_backoff_seconds, 2 ** min(row.attempts, 10)), repr(exc)
            )
        else:
            sent.append((row, out, message_id))

    async def _mark_sent(self, sent: list[tuple[store.OutboxRow, Outgoing, str | None]]) -> None:
        if not sent:
            return
        now = self.clock.now()
        async with self.db.transaction() as tx:
            await store.mark_messages_sent(tx, [(row.id, message_id) for row, _, message_id in sent], now)
            for row, out, message_id in sent:
                if message_id is not None and (out.issue_id is not None or out.draft_ref or out.issue_ids):
                    await store.add_sent_reference(
                        tx,
                        row.channel,
                        row.chat_id,
                        message_id,
                        row.id,
                        out.issue_id,
                        out.draft_ref,
                        now,
                        out.issue_ids,
                    )
        self.sent_total += len(sent)

    async def _retry(self, row: store.OutboxRow, seconds: float, error: str) -> None:
        when: datetime = self.clock.now() + timedelta(seconds=seconds)
        async with self.db.transaction() as tx:
            await store.mark_message_retry(tx, row.id, when, error)
