"""Numbered schema migrations: ``upgrade_vN(tx)`` steps, one transaction each, recorded in ``schema_version``.

Never edit a released step; add a new one. One list serves SQLite and PostgreSQL: write a step's DDL in
SQLite's words that PostgreSQL also reads (``INTEGER PRIMARY KEY`` row ids, ``INTEGER``, ``REAL``, ``TEXT``,
``ON CONFLICT``, no SQLite functions); every ``CREATE``/``ALTER`` a step executes (with :func:`_run` or
``tx.execute``) goes through the dialect (``storage.dialect``: identity columns, ``BIGINT``, ``DOUBLE
PRECISION``). Where the engines really differ, branch on ``tx.dialect.name`` inside the step. Several processes may start at once: each step re-reads the version inside its own
transaction (which holds the writer lock) and is skipped if another process applied it first.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from storage.migration_groups import upgrade_v16
from storage.migration_steps import (
    upgrade_v1,
    upgrade_v2,
    upgrade_v3,
    upgrade_v4,
    upgrade_v5,
    upgrade_v6,
    upgrade_v7,
    upgrade_v8,
    upgrade_v9,
    upgrade_v10,
    upgrade_v11,
    upgrade_v12,
    upgrade_v13,
    upgrade_v14,
    upgrade_v15,
)
from storage.timeutil import ts
from storage.tx import MigrationTx, Tx

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    upgrade: Callable[[Tx], Awaitable[None]]


class Migratable(Protocol):
    """What :func:`migrate` needs of a ``storage.db.Database``."""

    @property
    def reader(self) -> Tx: ...

    def transaction(self) -> AbstractAsyncContextManager[Tx]: ...


MIGRATIONS: list[Migration] = [
    Migration(
        1, "runtime: conversations, processed updates, outbox, sent messages, audit log, jobs", upgrade_v1
    ),
    Migration(2, "people: units, members, channel identities, invites", upgrade_v2),
    Migration(
        3, "channels without redelivery or buttons: stored inbound events, last choices shown", upgrade_v3
    ),
    Migration(4, "issues: issues, reports, thread entries, attachments", upgrade_v4),
    Migration(
        5,
        "follow-ups: digests, deadline follow-ups, resolution checks, messages about several issues",
        upgrade_v5,
    ),
    Migration(
        6, "the periodic round: rounds, focus topics, who was prompted and answered, answers", upgrade_v6
    ),
    Migration(7, "briefing packs: requests waiting to be built and sent", upgrade_v7),
    Migration(
        8,
        "indexes for a province's scale: issue keys by owner and state, issues by owner and creation or"
        " resolution, duplicates, thread entries by kind, escalations by unit, recent reports by unit and"
        " category",
        upgrade_v8,
    ),
    Migration(9, "members' requests to leave the group", upgrade_v9),
    Migration(
        10,
        "quick polls: polls, their recipients, one answer per member, tallies by unit at closing",
        upgrade_v10,
    ),
    Migration(
        11,
        "announcements: the message, its audience and time, each member's delivery, read receipt and reminders",
        upgrade_v11,
    ),
    Migration(12, "exports: reports by when they were filed", upgrade_v12),
    Migration(
        13,
        "faults in operation: outbox priority, wake-ups from other processes, strangers' refusals, pruning"
        " indexes",
        upgrade_v13,
    ),
    Migration(
        14,
        "deadline extensions: requests and their decision, each issue's handling deadline before extension",
        upgrade_v14,
    ),
    Migration(15, "evidence to leaders: each attachment's platform file id", upgrade_v15),
    Migration(
        16, "leaders' groups: link codes, links, the people seen in a group, issue topics", upgrade_v16
    ),
]


SCHEMA_VERSION_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


async def current_version(db: Migratable) -> int:
    async with db.transaction() as tx:
        await tx.execute(tx.dialect.ddl(SCHEMA_VERSION_DDL))
        value = await tx.fetchval("SELECT MAX(version) FROM schema_version")
    return int(value or 0)


async def migrate(db: Migratable, *, migrations: list[Migration] | None = None) -> list[int]:
    """Apply every step above the database's version, each in its own transaction."""
    steps = MIGRATIONS if migrations is None else migrations
    applied: list[int] = []
    version = await current_version(db)
    known = max((m.version for m in MIGRATIONS), default=0)
    if version > known:
        raise RuntimeError(f"database schema v{version} is newer than this program (v{known}): upgrade dlxh")
    for step in steps:
        if step.version <= version:
            continue
        async with db.transaction() as tx:
            if int(await tx.fetchval("SELECT MAX(version) FROM schema_version") or 0) >= step.version:
                continue  # another process applied it meanwhile
            await step.upgrade(MigrationTx(tx))
            await tx.execute(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                (step.version, step.description, ts(datetime.now(UTC))),
            )
        log.info("migrated database to v%d: %s", step.version, step.description)
        applied.append(step.version)
    return applied
