"""Conversation state per chat: which flow and step a person is in, with the draft so far."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts


@dataclass
class Conversation:
    channel: str
    chat_id: str
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    nonce: int = 0
    started_at: datetime | None = None
    updated_at: datetime | None = None
    reminded_at: datetime | None = None
    # the flow's typed draft while a handler works on it (handlers/drafts.py); written into ``data`` before
    # every save, never stored itself
    draft: object | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: Any) -> Conversation:
        return cls(
            channel=row["channel"],
            chat_id=row["chat_id"],
            flow=row["flow"],
            step=row["step"],
            data=json.loads(row["data"]),
            nonce=row["nonce"],
            started_at=from_ts(row["started_at"]),
            updated_at=from_ts(row["updated_at"]),
            reminded_at=from_ts(row["reminded_at"]),
        )


async def get_conversation(tx: Tx, channel: str, chat_id: str) -> Conversation | None:
    row = await tx.fetchone(
        "SELECT * FROM conversations WHERE channel = ? AND chat_id = ?", (channel, chat_id)
    )
    return Conversation.from_row(row) if row else None


async def save_conversation(tx: Tx, conv: Conversation, now: datetime, *, bump: bool = True) -> None:
    """Insert or update. A save that asks something new moves the nonce on, so choices shown before it go
    stale; ``bump=False`` keeps them valid (more text or photos for the same step)."""
    if bump:
        conv.nonce += 1
    conv.updated_at = now
    if conv.started_at is None:
        conv.started_at = now
    await tx.execute(
        "INSERT INTO conversations (channel, chat_id, flow, step, data, nonce, started_at, updated_at, reminded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
        " ON CONFLICT (channel, chat_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
        " data = excluded.data, nonce = excluded.nonce, updated_at = excluded.updated_at, reminded_at = NULL",
        (
            conv.channel,
            conv.chat_id,
            conv.flow,
            conv.step,
            json.dumps(conv.data, ensure_ascii=False),
            conv.nonce,
            ts(conv.started_at),
            ts(now),
        ),
    )


async def delete_conversation(tx: Tx, channel: str, chat_id: str) -> None:
    await tx.execute("DELETE FROM conversations WHERE channel = ? AND chat_id = ?", (channel, chat_id))


async def list_idle_conversations(tx: Tx, idle_since: datetime, flows: tuple[str, ...]) -> list[Conversation]:
    placeholders = ",".join("?" for _ in flows)
    rows = await tx.fetchall(
        f"SELECT * FROM conversations WHERE updated_at < ? AND flow IN ({placeholders}) ORDER BY updated_at",
        (ts(idle_since), *flows),
    )
    return [Conversation.from_row(r) for r in rows]


async def mark_conversation_reminded(tx: Tx, channel: str, chat_id: str, now: datetime) -> None:
    await tx.execute(
        "UPDATE conversations SET reminded_at = ? WHERE channel = ? AND chat_id = ?",
        (ts(now), channel, chat_id),
    )
