"""One-time invites and the throttle on wrong codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts


@dataclass(frozen=True)
class Invite:
    id: int
    code: str
    unit_id: int
    role: str
    name: str
    member_id: int | None
    created_by: str
    expires_at: datetime
    used_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Invite:
        expires = from_ts(row["expires_at"])
        assert expires is not None
        return cls(
            row["id"],
            row["code"],
            row["unit_id"],
            row["role"],
            row["name"],
            row["member_id"],
            row["created_by"],
            expires,
            from_ts(row["used_at"]),
        )


async def create_invite(
    tx: Tx,
    code: str,
    unit_id: int,
    role: str,
    name: str,
    created_by: str,
    now: datetime,
    expires_at: datetime,
    member_id: int | None = None,
) -> int:
    return await tx.insert(
        "INSERT INTO invites (code, unit_id, role, name, member_id, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (code, unit_id, role, name, member_id, created_by, ts(now), ts(expires_at)),
    )


async def get_invite_by_code(tx: Tx, code: str) -> Invite | None:
    row = await tx.fetchone("SELECT * FROM invites WHERE code = ?", (code,))
    return Invite.from_row(row) if row else None


async def use_invite(tx: Tx, invite_id: int, member_id: int, now: datetime) -> bool:
    """Mark used; False if someone used it first."""
    cur = await tx.execute(
        "UPDATE invites SET used_at = ?, used_by = ? WHERE id = ? AND used_at IS NULL",
        (ts(now), member_id, invite_id),
    )
    return cur.rowcount == 1


async def move_invites(tx: Tx, from_unit: int, to_unit: int) -> None:
    await tx.execute(
        "UPDATE invites SET unit_id = ? WHERE unit_id = ? AND used_at IS NULL", (to_unit, from_unit)
    )


async def record_invite_failure(tx: Tx, channel: str, external_id: str, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO invite_failures (channel, external_id, at) VALUES (?, ?, ?)",
        (channel, external_id, ts(now)),
    )


async def count_invite_failures(tx: Tx, channel: str, external_id: str, since: datetime) -> int:
    value = await tx.fetchval(
        "SELECT COUNT(*) FROM invite_failures WHERE channel = ? AND external_id = ? AND at >= ?",
        (channel, external_id, ts(since)),
    )
    return int(value or 0)
