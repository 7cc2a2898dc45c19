"""Members' requests to leave the group: nothing changes until a leader of their unit decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts


@dataclass(frozen=True)
class LeaveRequest:
    id: int
    member_id: int
    requested_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    outcome: str  # "" while pending, then "approved" or "refused"

    @classmethod
    def from_row(cls, row: Any) -> LeaveRequest:
        requested = from_ts(row["requested_at"])
        assert requested is not None
        return cls(
            row["id"],
            row["member_id"],
            requested,
            from_ts(row["decided_at"]),
            row["decided_by"],
            row["outcome"],
        )


async def create_leave_request(tx: Tx, member_id: int, now: datetime) -> int | None:
    """A new pending request; None if the member already has one waiting."""
    if await get_pending_leave_request(tx, member_id) is not None:
        return None
    return await tx.insert(
        "INSERT INTO leave_requests (member_id, requested_at, outcome) VALUES (?, ?, '')",
        (member_id, ts(now)),
    )


async def get_leave_request(tx: Tx, request_id: int) -> LeaveRequest | None:
    row = await tx.fetchone("SELECT * FROM leave_requests WHERE id = ?", (request_id,))
    return LeaveRequest.from_row(row) if row else None


async def get_pending_leave_request(tx: Tx, member_id: int) -> LeaveRequest | None:
    row = await tx.fetchone(
        "SELECT * FROM leave_requests WHERE member_id = ? AND decided_at IS NULL ORDER BY id DESC LIMIT 1",
        (member_id,),
    )
    return LeaveRequest.from_row(row) if row else None


async def decide_leave_request(tx: Tx, request_id: int, leader_id: int, outcome: str, now: datetime) -> bool:
    """Record the decision; False if another leader decided first (the request is no longer pending)."""
    cur = await tx.execute(
        "UPDATE leave_requests SET decided_at = ?, decided_by = ?, outcome = ? WHERE id = ? AND decided_at IS NULL",
        (ts(now), leader_id, outcome, request_id),
    )
    return cur.rowcount == 1
