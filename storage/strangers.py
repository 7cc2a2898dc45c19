"""People without a membership: when each was last refused (one refusal an hour), and the invite-code
failures across all accounts (a burst is logged once)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Tx
from storage.timeutil import ts


async def claim_stranger_refusal(
    tx: Tx, channel: str, external_id: str, now: datetime, since: datetime, kind: str = "refuse"
) -> bool:
    """True when this account may be answered with ``kind`` now (not since ``since``); it is then recorded."""
    cur = await tx.execute(
        "INSERT INTO stranger_refusals (channel, external_id, kind, refused_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (channel, external_id, kind) DO UPDATE SET refused_at = excluded.refused_at"
        " WHERE stranger_refusals.refused_at < ?",
        (channel, external_id, kind, ts(now), ts(since)),
    )
    return cur.rowcount == 1


async def delete_stranger_refusals_before(tx: Tx, before: datetime, *, dry_run: bool = False) -> int:
    where = " FROM stranger_refusals WHERE refused_at < ?"
    if dry_run:
        return int(await tx.fetchval("SELECT COUNT(*)" + where, (ts(before),)) or 0)
    cur = await tx.execute("DELETE" + where, (ts(before),))
    return cur.rowcount


async def count_all_invite_failures(tx: Tx, since: datetime) -> int:
    """Wrong invite codes from every account since ``since``."""
    return int(await tx.fetchval("SELECT COUNT(*) FROM invite_failures WHERE at >= ?", (ts(since),)) or 0)


async def delete_invite_failures_before(tx: Tx, before: datetime, *, dry_run: bool = False) -> int:
    where = " FROM invite_failures WHERE at < ?"
    if dry_run:
        return int(await tx.fetchval("SELECT COUNT(*)" + where, (ts(before),)) or 0)
    cur = await tx.execute("DELETE" + where, (ts(before),))
    return cur.rowcount
