"""The transactional outbox: every outgoing message is a row written in the transaction that produced it.

Rows of one chat are delivered in id order. ``not_before`` is the earliest retry time (it blocks the rows
behind it, to keep the order); ``hold_until`` holds a proactive message through quiet hours without
blocking the urgent ones behind it. ``priority`` orders the chats (the head row of each chat): answers
to members and urgent alerts (0) before bulk broadcasts (1) before refusals to strangers (2); within one
chat creation order always holds.

``wakeups`` lets another process (``dlxh jobs run`` beside ``dlxh run``) tell the running worker that rows
are waiting: a plain table polled by id, portable to PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts

PENDING = "pending"
SENT = "sent"
FAILED = "failed"
UNREACHABLE = "unreachable"

PRIORITY_ANSWER = 0  # answers to members, urgent alerts
PRIORITY_BULK = 1  # proactive broadcasts: round prompts, digests, reminders
PRIORITY_STRANGER = 2  # refusals to people without a membership


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel: str
    chat_id: str
    payload: str
    status: str
    attempts: int
    not_before: datetime
    hold_until: datetime | None
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    message_id: str | None
    priority: int = PRIORITY_ANSWER

    @classmethod
    def from_row(cls, row: Any) -> OutboxRow:
        nb, ca = from_ts(row["not_before"]), from_ts(row["created_at"])
        assert nb is not None and ca is not None
        return cls(
            row["id"],
            row["channel"],
            row["chat_id"],
            row["payload"],
            row["status"],
            row["attempts"],
            nb,
            from_ts(row["hold_until"]),
            ca,
            from_ts(row["sent_at"]),
            row["last_error"],
            row["message_id"],
            row["priority"],
        )


async def enqueue_message(
    tx: Tx,
    channel: str,
    chat_id: str,
    payload: str,
    now: datetime,
    hold_until: datetime | None = None,
    priority: int = PRIORITY_ANSWER,
) -> int:
    return await tx.insert(
        "INSERT INTO outbox (channel, chat_id, payload, status, attempts, not_before, hold_until, created_at,"
        " priority) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)",
        (
            channel,
            chat_id,
            payload,
            PENDING,
            ts(now),
            ts(hold_until) if hold_until else None,
            ts(now),
            priority,
        ),
    )


_HEADS = (
    " FROM outbox o WHERE o.status = 'pending' AND (o.hold_until IS NULL OR o.hold_until <= ?)"
    " AND o.id = (SELECT MIN(p.id) FROM outbox p WHERE p.status = 'pending' AND p.channel = o.channel"
    " AND p.chat_id = o.chat_id AND (p.hold_until IS NULL OR p.hold_until <= ?))"
)


async def list_due_messages(
    tx: Tx, now: datetime, limit: int = 200, *, max_priority: int | None = None
) -> list[OutboxRow]:
    """The first deliverable row of each chat whose time has come: by priority, then oldest first.

    ``max_priority``: only rows of this priority or a more urgent one (the worker leaves the strangers'
    rows out while their budget is spent, without reading them)."""
    rows = await tx.fetchall(
        "SELECT o.*"
        + _HEADS
        + " AND o.not_before <= ? AND o.priority <= ? ORDER BY o.priority, o.id LIMIT ?",
        (ts(now), ts(now), ts(now), PRIORITY_STRANGER if max_priority is None else max_priority, limit),
    )
    return [OutboxRow.from_row(r) for r in rows]


async def has_newer_due_message(tx: Tx, now: datetime, above_priority: int, after_id: int) -> bool:
    """Whether a row more urgent than ``above_priority`` (a smaller number) came due after row ``after_id``
    was read: the worker's long pass then gives way to it."""
    found = await tx.fetchval(
        "SELECT 1 FROM outbox WHERE status = 'pending' AND priority < ? AND id > ? AND not_before <= ?"
        " AND (hold_until IS NULL OR hold_until <= ?) LIMIT 1",
        (above_priority, after_id, ts(now), ts(now)),
    )
    return found is not None


async def next_outbox_time(tx: Tx, now: datetime) -> datetime | None:
    """When the worker should look again: the earliest retry time among chat heads, or the end of a hold."""
    retry = await tx.fetchval(
        "SELECT MIN(o.not_before)" + _HEADS + " AND o.not_before > ?", (ts(now), ts(now), ts(now))
    )
    hold = await tx.fetchval(
        "SELECT MIN(hold_until) FROM outbox WHERE status = 'pending' AND hold_until > ?", (ts(now),)
    )
    times = [t for t in (from_ts(retry), from_ts(hold)) if t is not None]
    return min(times) if times else None


async def mark_message_sent(tx: Tx, row_id: int, now: datetime, message_id: str | None) -> None:
    await tx.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
        (ts(now), message_id, row_id),
    )


async def count_pending_messages(tx: Tx) -> int:
    return int(await tx.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") or 0)


async def mark_messages_sent(tx: Tx, sent: list[tuple[int, str | None]], now: datetime) -> None:
    """Several rows sent, with their channel message ids, in one statement per row of one transaction."""
    await tx.executemany(
        "UPDATE outbox SET status = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
        [(ts(now), message_id, row_id) for row_id, message_id in sent],
    )


async def mark_message_retry(tx: Tx, row_id: int, not_before: datetime, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET not_before = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?",
        (ts(not_before), error[:500], row_id),
    )


async def mark_message_failed(tx: Tx, row_id: int, status: str, error: str) -> None:
    await tx.execute(
        "UPDATE outbox SET status = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?",
        (status, error[:500], row_id),
    )


async def count_outbox(tx: Tx) -> dict[str, int]:
    rows = await tx.fetchall("SELECT status, COUNT(*) FROM outbox GROUP BY status")
    return {r[0]: r[1] for r in rows}


# ---------------------------------------------------------------- sent-message references and unreachable chats


async def add_sent_reference(
    tx: Tx,
    channel: str,
    chat_id: str,
    message_id: str,
    outbox_id: int | None,
    issue_id: int | None,
    draft_ref: str,
    now: datetime,
    issue_ids: list[int] | None = None,
) -> None:
    await tx.execute(
        "INSERT INTO sent_messages (channel, chat_id, message_id, outbox_id, issue_id, draft_ref, sent_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (channel, chat_id, message_id) DO NOTHING",
        (channel, chat_id, message_id, outbox_id, issue_id, draft_ref or None, ts(now)),
    )
    for other in issue_ids or []:
        await tx.execute(
            "INSERT INTO sent_message_issues (channel, chat_id, message_id, issue_id) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (channel, chat_id, message_id, issue_id) DO NOTHING",
            (channel, chat_id, message_id, other),
        )


async def list_sent_issue_ids(tx: Tx, channel: str, chat_id: str, message_id: str) -> list[int]:
    """The issues a bot message was about: one (a card, an alert) or several (a digest)."""
    ref = await get_sent_reference(tx, channel, chat_id, message_id)
    rows = await tx.fetchall(
        "SELECT issue_id FROM sent_message_issues WHERE channel = ? AND chat_id = ? AND message_id = ? ORDER BY issue_id",
        (channel, chat_id, message_id),
    )
    ids = [r[0] for r in rows]
    if ref is not None and ref.issue_id is not None and ref.issue_id not in ids:
        ids.insert(0, ref.issue_id)
    return ids


@dataclass(frozen=True)
class SentReference:
    channel: str
    chat_id: str
    message_id: str
    issue_id: int | None
    draft_ref: str | None


async def get_sent_reference(tx: Tx, channel: str, chat_id: str, message_id: str) -> SentReference | None:
    row = await tx.fetchone(
        "SELECT channel, chat_id, message_id, issue_id, draft_ref FROM sent_messages"
        " WHERE channel = ? AND chat_id = ? AND message_id = ?",
        (channel, chat_id, message_id),
    )
    return SentReference(*row) if row else None


async def mark_chat_unreachable(tx: Tx, channel: str, chat_id: str, now: datetime, reason: str) -> None:
    await tx.execute(
        "INSERT INTO unreachable_chats (channel, chat_id, since, reason) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, chat_id) DO NOTHING",
        (channel, chat_id, ts(now), reason[:200]),
    )


async def clear_chat_unreachable(tx: Tx, channel: str, chat_id: str) -> None:
    await tx.execute("DELETE FROM unreachable_chats WHERE channel = ? AND chat_id = ?", (channel, chat_id))


async def is_chat_unreachable(tx: Tx, channel: str, chat_id: str) -> bool:
    row = await tx.fetchone(
        "SELECT 1 FROM unreachable_chats WHERE channel = ? AND chat_id = ?", (channel, chat_id)
    )
    return row is not None


async def unreachable_among(tx: Tx, chats: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (channel, chat) pairs are marked unreachable, in one query."""
    if not chats:
        return set()
    pairs = sorted(chats)
    rows = await tx.fetchall(
        "SELECT channel, chat_id FROM unreachable_chats WHERE (channel, chat_id) IN (VALUES "
        + ", ".join("(?, ?)" for _ in pairs)
        + ")",
        [v for pair in pairs for v in pair],
    )
    return {(r[0], r[1]) for r in rows}


async def list_unreachable_chats(tx: Tx) -> list[tuple[str, str, datetime, str]]:
    rows = await tx.fetchall("SELECT channel, chat_id, since, reason FROM unreachable_chats ORDER BY since")
    return [(r[0], r[1], from_ts(r[2]), r[3]) for r in rows]  # type: ignore[misc]


async def list_outbox_after(tx: Tx, after_id: int) -> list[OutboxRow]:
    rows = await tx.fetchall("SELECT * FROM outbox WHERE id > ? ORDER BY id", (after_id,))
    return [OutboxRow.from_row(r) for r in rows]


async def delete_finished_messages_before(tx: Tx, before: datetime, *, dry_run: bool = False) -> int:
    """Rows delivered (or given up on) and created before ``before``: their texts need not be kept."""
    where = " FROM outbox WHERE status <> 'pending' AND created_at < ?"
    if dry_run:
        return int(await tx.fetchval("SELECT COUNT(*)" + where, (ts(before),)) or 0)
    cur = await tx.execute("DELETE" + where, (ts(before),))
    return cur.rowcount


# ---------------------------------------------------------------- wake-ups from other processes


async def add_wakeup(tx: Tx, source: str, now: datetime) -> int:
    return await tx.insert("INSERT INTO wakeups (source, created_at) VALUES (?, ?)", (source[:100], ts(now)))


async def latest_wakeup(tx: Tx) -> int:
    return int(await tx.fetchval("SELECT MAX(id) FROM wakeups") or 0)


async def delete_wakeups_before(tx: Tx, before: datetime, *, dry_run: bool = False) -> int:
    """Old wake-ups, always keeping the newest (so that the highest id never goes back)."""
    where = " FROM wakeups WHERE created_at < ? AND id < (SELECT MAX(w.id) FROM wakeups w)"
    if dry_run:
        return int(await tx.fetchval("SELECT COUNT(*)" + where, (ts(before),)) or 0)
    cur = await tx.execute("DELETE" + where, (ts(before),))
    return cur.rowcount
