"""The audit log: who did what to which thing, append-only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> AuditEntry:
        at = from_ts(row["at"])
        assert at is not None
        return cls(row["id"], at, row["actor"], row["action"], row["subject"], json.loads(row["detail"]))


async def add_audit(
    tx: Tx, now: datetime, actor: str, action: str, subject: str | None = None, **detail: Any
) -> int:
    return await tx.insert(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (ts(now), actor, action, subject, json.dumps(detail, ensure_ascii=False, default=str)),
    )


async def list_audit(
    tx: Tx, *, action: str | None = None, since: datetime | None = None, limit: int = 100
) -> list[AuditEntry]:
    """The newest entries first; ``action`` exactly, or ending in ``.*`` for a family (``attachment.*``)."""
    sql, params = "SELECT * FROM audit_log WHERE 1 = 1", list[Any]()
    if action and action.endswith(".*"):
        sql += " AND action LIKE ?"
        params.append(action[:-1] + "%")
    elif action:
        sql += " AND action = ?"
        params.append(action)
    if since is not None:
        sql += " AND at >= ?"
        params.append(ts(since))
    rows = await tx.fetchall(sql + " ORDER BY id DESC LIMIT ?", (*params, limit))
    return [AuditEntry.from_row(r) for r in rows]
