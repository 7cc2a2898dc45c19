"""Outbox delivery: reads due rows, paces them below each channel's limits, sends, records the result.

Delivery is at least once. A row is marked sent only after the channel accepted it, so a send that timed
out (the channel may have delivered it) or that a kill cut short is sent again: at most the sends in flight
(``outbox.concurrency``, 4 by default) are sent twice after a kill.
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
from storage.db import Database, Tx

log = logging.getLogger(__name__)

PASS_ROWS = 512  # chat heads read per pass (a pass ends early when new rows are committed)


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
        """Deliver one message; return the channel's message id (an edit: the edited message's; None when
        only buttons came off or a command menu was set)."""
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


@dataclass
class _Mark:
    """An answered send waiting for its sent mark to be committed."""

    row: store.OutboxRow
    out: Outgoing
    message_id: str | None


class OutboxWorker:
    """Background delivery. :meth:`run_once` is one pass and is what tests drive; :meth:`start` loops it.

    At most ``concurrency`` sends are in flight, each row is marked sent in its own short transaction as
    soon as its send is answered (so a kill re-sends only what was in flight), and one pass takes only the
    head row of each chat (so a chat's rows go one after another, in creation order). Chats are taken by
    priority; refusals to strangers also draw on their own small budget, so that a flood of strangers
    cannot hold up the members. A pass stops early when new rows are committed (:meth:`wake`), so that an
    answer to a member does not wait behind a long broadcast pass.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        senders: dict[str, Sender],
        settings: OutboxSettings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        concurrency: int | None = None,
        wakeup_poll_seconds: float = 1.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.senders = senders
        self.settings = settings
        self.monotonic = monotonic
        self.concurrency = max(1, concurrency if concurrency is not None else settings.concurrency)
        self.wakeup_poll_seconds = wakeup_poll_seconds
        self._global = TokenBucket(settings.global_rate, settings.global_burst, stamp=monotonic())
        self._strangers = TokenBucket(settings.stranger_rate, settings.stranger_burst, stamp=monotonic())
        self._chats: dict[tuple[str, str], TokenBucket] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._rng = random.Random()
        self._last_wakeup = 0
        self._answered: list[_Mark] = []
        self.sent_total = 0

    # ------------------------------------------------------------------ lifecycle

    def wake(self) -> None:
        self._wake.set()

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The running delivery task (the supervisor watches it: it must never end on its own)."""
        return self._task

    async def start(self) -> None:
        self._stopping = False
        async with self.db.committed() as reader:
            self._last_wakeup = await store.latest_wakeup(reader)
        self._task = asyncio.create_task(self._run(), name="outbox-worker")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception:  # it died earlier; the supervisor reported it
                pass
            self._task = None

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as group:
            group.create_task(self._loop(), name="outbox-delivery")
            group.create_task(self._watch_wakeups(), name="outbox-wakeups")

    async def _watch_wakeups(self) -> None:
        """Another process (``dlxh jobs run``) adds a row to ``wakeups``; look each second."""
        while not self._stopping:
            await asyncio.sleep(self.wakeup_poll_seconds)
            try:
                async with self.db.committed() as reader:
                    latest = await store.latest_wakeup(reader)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a busy database: look again next second
                log.warning("outbox: could not read wake-ups (%s)", type(exc).__name__)
                continue
            if latest != self._last_wakeup:
                self._last_wakeup = latest
                self.wake()

    async def _loop(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                delay = await self.run_once(interruptible=True)
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

    async def run_once(self, *, interruptible: bool = False) -> float:
        """Send what is due now. Returns how long (seconds) until something may be due: 0 = go again at once.

        ``interruptible``: stop starting sends once more urgent rows were committed (looked for at most every
        quarter second, when woken), so the next pass can take them by priority."""
        now = self.clock.now()
        waits: list[float] = []
        strangers_wait = self._strangers.wait_time(self.monotonic())
        # while the strangers' budget is spent their rows are not even read (a flood of them stays cheap)
        max_priority = store.PRIORITY_STRANGER if strangers_wait <= 0 else store.PRIORITY_STRANGER - 1
        if strangers_wait > 0:
            waits.append(strangers_wait)
        async with self.db.committed() as reader:  # never a row whose transaction may still roll back
            rows = await store.list_due_messages(reader, now, limit=PASS_ROWS, max_priority=max_priority)
        ready = self._ready(rows, waits)
        if ready:
            async with self.db.committed() as reader:
                unreachable = await store.unreachable_among(reader, {(r.channel, r.chat_id) for r in ready})
            checked = self.monotonic()
            newest = max(r.id for r in rows)
            slots = asyncio.Semaphore(self.concurrency)
            async with asyncio.TaskGroup() as group:
                for row in ready:
                    if interruptible and self._wake.is_set() and self.monotonic() - checked >= 0.25:
                        if await self._gives_way(row.priority, newest):
                            break
                        checked = self.monotonic()
                    await slots.acquire()
                    if row.priority >= store.PRIORITY_STRANGER and not await self._stranger_budget():
                        slots.release()
                        continue
                    await self._pace(row)
                    group.create_task(
                        self._deliver_in_slot(row, (row.channel, row.chat_id) in unreachable, slots)
                    )
            return 0.0
        async with self.db.committed() as reader:
            next_time = await store.next_outbox_time(reader, self.clock.now())
        if next_time is not None:
            waits.append(max(0.0, (next_time - self.clock.now()).total_seconds()))
        return min([*waits, 30.0]) if waits else 30.0

    async def _gives_way(self, priority: int, newest: int) -> bool:
        """New rows were committed during a pass: it ends (for the next pass to take them by priority) only when
        one of them is more urgent than what the pass is sending; else it goes on without re-reading its rows."""
        self._wake.clear()
        if priority <= store.PRIORITY_ANSWER:
            return False  # nothing is more urgent than an answer
        async with self.db.committed() as reader:
            return await store.has_newer_due_message(reader, self.clock.now(), priority, newest)

    def _ready(self, rows: list[store.OutboxRow], waits: list[float]) -> list[store.OutboxRow]:
        ready: list[store.OutboxRow] = []
        mono = self.monotonic()
        for row in rows:
            wait = self._chat_bucket(row.channel, row.chat_id).wait_time(mono)
            if wait <= 0 and row.priority >= store.PRIORITY_STRANGER:
                wait = self._strangers.wait_time(mono)
            if wait > 0:
                waits.append(wait)
            else:
                ready.append(row)
        return ready

    async def _stranger_budget(self) -> bool:
        """Take one from the strangers' budget if it has one now (else the row waits for a later pass)."""
        mono = self.monotonic()
        if self._strangers.wait_time(mono) > 0:
            return False
        self._strangers.take(mono)
        return True

    async def _deliver_in_slot(
        self, row: store.OutboxRow, unreachable: bool, slots: asyncio.Semaphore
    ) -> None:
        try:
            await self._deliver(row, unreachable)
        finally:
            slots.release()

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

    async def _deliver(self, row: store.OutboxRow, unreachable: bool) -> None:
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
            await self._mark_sent(row, out, message_id)

    async def _mark_sent(self, row: store.OutboxRow, out: Outgoing, message_id: str | None) -> None:
        """Marked as soon as the send is answered: the mark queues for the database at once (ahead of any
        update that arrives after it, e.g. a reply to this very message). Marks answered meanwhile are written
        by whichever of their transactions comes first; the slot stays taken until this row's mark is
        committed, so a kill repeats at most ``concurrency`` sends."""
        self._answered.append(_Mark(row, out, message_id))
        async with self.db.transaction() as tx:
            batch, self._answered = self._answered, []
            try:
                if batch:
                    await self._write_marks(tx, batch)
            except BaseException:
                self._answered = batch + self._answered  # rolled back: the next transaction writes them
                raise
        self.sent_total += len(batch)

    async def _write_marks(self, tx: Tx, marks: list[_Mark]) -> None:
        now = self.clock.now()
        await store.mark_messages_sent(tx, [(m.row.id, m.message_id) for m in marks], now)
        for m in marks:
            out, row = m.out, m.row
            if m.message_id is not None and (out.issue_id is not None or out.draft_ref or out.issue_ids):
                await store.add_sent_reference(
                    tx, row.channel, row.chat_id, m.message_id, row.id, out.issue_id, out.draft_ref, now,
                    out.issue_ids,
                )  # fmt: skip

    async def _retry(self, row: store.OutboxRow, seconds: float, error: str) -> None:
        when: datetime = self.clock.now() + timedelta(seconds=seconds)
        async with self.db.transaction() as tx:
            await store.mark_message_retry(tx, row.id, when, error)
