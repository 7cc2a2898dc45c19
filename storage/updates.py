"""Processed update ids: an update seen twice is handled once."""

from __future__ import annotations

from datetime import datetime

from storage.db import Tx
from storage.timeutil import ts


async def is_update_processed(tx: Tx, channel: str, update_key: str) -> bool:
    row = await tx.fetchone(
        "SELECT 1 FROM processed_updates WHERE channel = ? AND update_key = ?", (channel, update_key)
    )
    return row is not None


async def record_processed_update(tx: Tx, channel: str, update_key: str, now: datetime) -> bool:
    """Record the update; False if it was already there (then the caller must not handle it)."""
    cur = await tx.execute(
        "INSERT INTO processed_updates (channel, update_key, processed_at) VALUES (?, ?, ?)"
        " ON CONFLICT (channel, update_key) DO NOTHING",
        (channel, update_key, ts(now)),
    )
    return cur.rowcount == 1


async def delete_processed_updates_before(tx: Tx, before: datetime, *, dry_run: bool = False) -> int:
    if dry_run:
        value = await tx.fetchval(
            "SELECT COUNT(*) FROM processed_updates WHERE processed_at < ?", (ts(before),)
        )
        return int(value or 0)
    cur = await tx.execute("DELETE FROM processed_updates WHERE processed_at < ?", (ts(before),))
    return cur.rowcount
