"""The job ledger: each scheduled job's last and next run, and how it went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts


@dataclass(frozen=True)
class JobRecord:
    name: str
    last_run_at: datetime | None
    last_result: str | None
    last_error: str | None
    next_run_at: datetime | None
    runs: int

    @classmethod
    def from_row(cls, row: Any) -> JobRecord:
        return cls(
            row["name"],
            from_ts(row["last_run_at"]),
            row["last_result"],
            row["last_error"],
            from_ts(row["next_run_at"]),
            row["runs"],
        )


async def get_job(tx: Tx, name: str) -> JobRecord | None:
    row = await tx.fetchone("SELECT * FROM jobs WHERE name = ?", (name,))
    return JobRecord.from_row(row) if row else None


async def list_jobs(tx: Tx) -> list[JobRecord]:
    return [JobRecord.from_row(r) for r in await tx.fetchall("SELECT * FROM jobs ORDER BY name")]


async def record_job_run(
    tx: Tx, name: str, now: datetime, result: str | None, error: str | None, next_run_at: datetime | None
) -> None:
    await tx.execute(
        "INSERT INTO jobs (name, last_run_at, last_result, last_error, next_run_at, runs)"
        " VALUES (?, ?, ?, ?, ?, 1)"
        " ON CONFLICT (name) DO UPDATE SET last_run_at = excluded.last_run_at,"
        " last_result = excluded.last_result, last_error = excluded.last_error,"
        " next_run_at = excluded.next_run_at, runs = jobs.runs + 1",
        (name, ts(now), result, error, ts(next_run_at) if next_run_at else None),
    )
