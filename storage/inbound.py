"""Inbound events stored before handling, for channels that cannot redeliver (Zalo), and the last
choices shown in a chat, for channels that have no buttons (a typed number picks one)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import ts


async def store_inbound_event(
    tx: Tx, channel: str, event_key: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Keep the raw event; False if it was stored before (a duplicate)."""
    cur = await tx.execute(
        "INSERT INTO inbound_events (channel, event_key, payload, received_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, event_key) DO NOTHING",
        (channel, event_key, json.dumps(payload, ensure_ascii=False), ts(now)),
    )
    return cur.rowcount == 1


async def list_unhandled_events(tx: Tx, channel: str, limit: int = 100) -> list[tuple[str, dict[str, Any]]]:
    rows = await tx.fetchall(
        "SELECT event_key, payload FROM inbound_events WHERE channel = ? AND handled_at IS NULL"
        " ORDER BY received_at, event_key LIMIT ?",
        (channel, limit),
    )
    return [(r[0], json.loads(r[1])) for r in rows]


async def mark_event_handled(tx: Tx, channel: str, event_key: str, now: datetime) -> None:
    await tx.execute(
        "UPDATE inbound_events SET handled_at = ? WHERE channel = ? AND event_key = ?",
        (ts(now), channel, event_key),
    )


async def save_chat_choices(
    tx: Tx, channel: str, chat_id: str, choices: list[tuple[str, str]], now: datetime
) -> None:
    """Remember the (label, data) pairs last shown in a chat, numbered from 1 in this order."""
    await tx.execute(
        "INSERT INTO chat_choices (channel, chat_id, choices, shown_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, chat_id) DO UPDATE SET choices = excluded.choices, shown_at = excluded.shown_at",
        (channel, chat_id, json.dumps(choices, ensure_ascii=False), ts(now)),
    )


async def get_chat_choices(tx: Tx, channel: str, chat_id: str) -> list[tuple[str, str]]:
    value = await tx.fetchval(
        "SELECT choices FROM chat_choices WHERE channel = ? AND chat_id = ?", (channel, chat_id)
    )
    return [tuple(c) for c in json.loads(value)] if value else []  # type: ignore[misc]
