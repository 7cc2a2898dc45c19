"""Briefing-pack requests: a leader's ``/briefing``, or the close of a round, queues one; a job builds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts


@dataclass(frozen=True)
class BriefingRequest:
    id: int
    member_id: int
    unit_id: int
    period: str
    channel: str
    chat_id: str
    reason: str  # "command" | "round"
    requested_at: datetime
    state: str  # "pending" | "done" | "failed"
    done_at: datetime | None
    error: str | None

    @classmethod
    def from_row(cls, row: Any) -> BriefingRequest:
        requested = from_ts(row["requested_at"])
        assert requested is not None
        return cls(
            row["id"],
            row["member_id"],
            row["unit_id"],
            row["period"],
            row["channel"],
            row["chat_id"],
            row["reason"],
            requested,
            row["state"],
            from_ts(row["done_at"]),
            row["error"],
        )


async def create_request(
    tx: Tx,
    *,
    member_id: int,
    unit_id: int,
    period: str,
    channel: str,
    chat_id: str,
    now: datetime,
    reason: str = "command",
) -> int:
    return await tx.insert(
        "INSERT INTO briefing_requests (member_id, unit_id, period, channel, chat_id, reason, requested_at, state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
        (member_id, unit_id, period, channel, chat_id, reason, ts(now)),
    )


async def find_pending_request(tx: Tx, member_id: int, unit_id: int, period: str) -> BriefingRequest | None:
    row = await tx.fetchone(
        "SELECT * FROM briefing_requests WHERE state = 'pending' AND member_id = ? AND unit_id = ? AND period = ?"
        " ORDER BY id LIMIT 1",
        (member_id, unit_id, period),
    )
    return BriefingRequest.from_row(row) if row else None


async def has_round_request(tx: Tx, member_id: int, period: str) -> bool:
    row = await tx.fetchone(
        "SELECT 1 FROM briefing_requests WHERE member_id = ? AND period = ? AND reason = 'round'",
        (member_id, period),
    )
    return row is not None


async def list_pending_requests(tx: Tx, limit: int = 10) -> list[BriefingRequest]:
    rows = await tx.fetchall(
        "SELECT * FROM briefing_requests WHERE state = 'pending' ORDER BY id LIMIT ?", (limit,)
    )
    return [BriefingRequest.from_row(r) for r in rows]


async def mark_request_done(tx: Tx, request_id: int, now: datetime) -> bool:
    """True if this call finished it (it was still pending): of two builders, one delivers."""
    cur = await tx.execute(
        "UPDATE briefing_requests SET state = 'done', done_at = ?, error = NULL WHERE id = ? AND state = 'pending'",
        (ts(now), request_id),
    )
    return cur.rowcount == 1


async def mark_request_failed(tx: Tx, request_id: int, now: datetime, error: str) -> bool:
    cur = await tx.execute(
        "UPDATE briefing_requests SET state = 'failed', done_at = ?, error = ? WHERE id = ? AND state = 'pending'",
        (ts(now), error[:1000], request_id),
    )
    return cur.rowcount == 1


async def get_round_period(tx: Tx, round_id: int) -> str | None:
    return await tx.fetchval("SELECT period FROM rounds WHERE id = ?", (round_id,))
