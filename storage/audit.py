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


async def list_audit(tx: Tx, *, action: str | None = None, limit: int = 100) -> list[AuditEntry]:
    if action:
        rows = await tx.fetchall(
            "SELECT * FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?", (action, limit)
        )
    else:
        rows = await tx.fetchall("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,))
    return [AuditEntry.from_row(r) for r in rows]
