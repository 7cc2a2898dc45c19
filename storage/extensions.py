"""Deadline extensions (gia hạn): a request for a later handling deadline, decided once by a leader.

The rule for the statistics: an approved extension moves the deadline people work to (``handle_due_at``,
which the follow-ups and escalation are keyed on), but not the deadline the handling statistics count. The
deadline the issue had before its first approved extension is kept in ``issues.original_handle_due_at``
(NULL while the issue was never extended since it was filed or last reopened: a reopening's fresh deadline
is an original one again, see ``storage.issues.update_issue``); an issue handled after that original
deadline counts as late, however far the extension reached. :func:`counted_deadline` is that rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.issues import OPEN_STATES
from storage.timeutil import from_ts, required_ts, ts

STATES = (
    "pending",
    "approved",
    "refused",
    "lapsed",
)  # lapsed: the issue closed or moved on before a decision


@dataclass(frozen=True)
class ExtensionRequest:
    id: int
    issue_id: int
    requested_by: int
    requested_at: datetime
    old_due_at: datetime  # the handling deadline when it was asked
    new_due_at: datetime  # the deadline asked for
    reason: str
    state: str
    decided_by: int | None
    decided_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> ExtensionRequest:
        return cls(
            id=row["id"],
            issue_id=row["issue_id"],
            requested_by=row["requested_by"],
            requested_at=required_ts(row["requested_at"]),
            old_due_at=required_ts(row["old_due_at"]),
            new_due_at=required_ts(row["new_due_at"]),
            reason=row["reason"],
            state=row["state"],
            decided_by=row["decided_by"],
            decided_at=from_ts(row["decided_at"]),
        )


def counted_deadline(handle_due_at: datetime, original_handle_due_at: datetime | None) -> datetime:
    """The handling deadline the statistics count: the one before any approved extension (module docstring)."""
    return original_handle_due_at if original_handle_due_at is not None else handle_due_at


async def create_extension_request(
    tx: Tx,
    issue_id: int,
    member_id: int,
    now: datetime,
    *,
    old_due_at: datetime,
    new_due_at: datetime,
    reason: str,
) -> int | None:
    """A new pending request; None if the issue already has one waiting."""
    if await get_pending_extension_request(tx, issue_id) is not None:
        return None
    return await tx.insert(
        "INSERT INTO extension_requests (issue_id, requested_by, requested_at, old_due_at, new_due_at, reason,"
        " state) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
        (issue_id, member_id, ts(now), ts(old_due_at), ts(new_due_at), reason),
    )


async def get_extension_request(tx: Tx, request_id: int) -> ExtensionRequest | None:
    row = await tx.fetchone("SELECT * FROM extension_requests WHERE id = ?", (request_id,))
    return ExtensionRequest.from_row(row) if row else None


async def get_pending_extension_request(tx: Tx, issue_id: int) -> ExtensionRequest | None:
    row = await tx.fetchone(
        "SELECT * FROM extension_requests WHERE issue_id = ? AND state = 'pending' ORDER BY id DESC LIMIT 1",
        (issue_id,),
    )
    return ExtensionRequest.from_row(row) if row else None


async def list_extension_requests(tx: Tx, issue_id: int) -> list[ExtensionRequest]:
    rows = await tx.fetchall("SELECT * FROM extension_requests WHERE issue_id = ? ORDER BY id", (issue_id,))
    return [ExtensionRequest.from_row(r) for r in rows]


async def decide_extension_request(
    tx: Tx, request_id: int, leader_id: int | None, outcome: str, now: datetime
) -> bool:
    """Record the one decision (``approved``, ``refused`` or ``lapsed``); False if it was decided already."""
    if outcome not in STATES[1:]:
        raise ValueError(f"not an outcome: {outcome!r}")
    cur = await tx.execute(
        "UPDATE extension_requests SET state = ?, decided_by = ?, decided_at = ? WHERE id = ? AND state = 'pending'",
        (outcome, leader_id, ts(now), request_id),
    )
    return cur.rowcount == 1


async def lapse_approved_request(tx: Tx, request_id: int) -> None:
    """An approval the issue could no longer take (it closed, or its deadline moved past the date meanwhile)."""
    await tx.execute(
        "UPDATE extension_requests SET state = 'lapsed' WHERE id = ? AND state = 'approved'", (request_id,)
    )


async def extend_deadline(tx: Tx, issue_id: int, new_due_at: datetime, now: datetime) -> bool:
    """Move an open issue's handling deadline later, keeping the one before the first extension for the
    statistics; False (nothing changed) if the issue is no longer open or its deadline is not before the new one."""
    cur = await tx.execute(
        "UPDATE issues SET original_handle_due_at = COALESCE(original_handle_due_at, handle_due_at),"
        " handle_due_at = ?, updated_at = ?"
        f" WHERE id = ? AND state IN ({','.join('?' for _ in OPEN_STATES)}) AND handle_due_at < ?",
        (ts(new_due_at), ts(now), issue_id, *OPEN_STATES, ts(new_due_at)),
    )
    return cur.rowcount == 1


async def get_original_deadline(tx: Tx, issue_id: int) -> datetime | None:
    """The deadline before the first approved extension; None if the issue was not extended."""
    return from_ts(await tx.fetchval("SELECT original_handle_due_at FROM issues WHERE id = ?", (issue_id,)))


async def list_original_deadlines(tx: Tx, issue_ids: Sequence[int]) -> dict[int, datetime]:
    """The deadlines before extension of those of these issues that were extended."""
    if not issue_ids:
        return {}
    rows = await tx.fetchall(
        f"SELECT id, original_handle_due_at FROM issues WHERE id IN ({','.join('?' for _ in issue_ids)})"
        " AND original_handle_due_at IS NOT NULL",
        list(issue_ids),
    )
    out: dict[int, datetime] = {}
    for issue_id, value in rows:
        due = from_ts(value)
        if due is not None:
            out[issue_id] = due
    return out
