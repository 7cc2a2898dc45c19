"""Retention of personal data (Nghị định 13/2023/NĐ-CP): the queries behind ``dlxh privacy purge``.

An issue that has ended (closed, closed without action, duplicate, withdrawn) longer ago than the
retention period keeps its history, but loses the personal details it no longer needs: the citizen named
as a source on its reports, and the files (photos, voice, documents) attached to it. Delivered copies of
old messages and handled inbound events, which repeat what people said, are deleted after the same period.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import ts

ENDED_STATES = ("closed", "closed_without_action", "duplicate", "withdrawn")
_CHUNK = 400  # host parameters per statement, well below SQLite's limit


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _marks(n: int) -> str:
    return ",".join("?" for _ in range(n))


async def list_expired_issue_ids(tx: Tx, before: datetime) -> list[int]:
    """Issues that ended before ``before`` (closed_at, else the last change, counts as the end)."""
    rows = await tx.fetchall(
        f"SELECT id FROM issues WHERE state IN ({_marks(len(ENDED_STATES))})"
        " AND COALESCE(closed_at, updated_at) < ? ORDER BY id",
        (*ENDED_STATES, ts(before)),
    )
    return [r[0] for r in rows]


async def count_citizen_details(tx: Tx, issue_ids: Sequence[int]) -> int:
    total = 0
    for chunk in _chunks(issue_ids):
        total += int(
            await tx.fetchval(
                f"SELECT COUNT(*) FROM reports WHERE citizen <> '' AND issue_id IN ({_marks(len(chunk))})",
                tuple(chunk),
            )
            or 0
        )
    return total


async def clear_citizen_details(tx: Tx, issue_ids: Sequence[int]) -> int:
    """The citizen named as a source becomes empty; whether the source was confidential is kept."""
    total = 0
    for chunk in _chunks(issue_ids):
        cur = await tx.execute(
            f"UPDATE reports SET citizen = '' WHERE citizen <> '' AND issue_id IN ({_marks(len(chunk))})",
            tuple(chunk),
        )
        total += max(cur.rowcount, 0)
    return total


async def list_attachment_files(tx: Tx, issue_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(attachment id, file reference) of the issues' attachments that still have a file."""
    out: list[tuple[int, str]] = []
    for chunk in _chunks(issue_ids):
        rows = await tx.fetchall(
            f"SELECT id, file_ref FROM attachments WHERE file_ref <> '' AND issue_id IN ({_marks(len(chunk))})"
            " ORDER BY id",
            tuple(chunk),
        )
        out += [(r[0], r[1]) for r in rows]
    return out


async def clear_attachment_files(tx: Tx, attachment_ids: Sequence[int]) -> int:
    """The rows stay (an attachment existed, its kind and size); the file reference and name go."""
    total = 0
    for chunk in _chunks(attachment_ids):
        cur = await tx.execute(
            f"UPDATE attachments SET file_ref = '', filename = '', file_id = '' WHERE id IN ({_marks(len(chunk))})",
            tuple(chunk),
        )
        total += max(cur.rowcount, 0)
    return total


async def file_ref_in_use(tx: Tx, ref: str, *, ignore_issue_ids: Sequence[int] = ()) -> bool:
    """Whether anything still needs the file: an attachment (outside ``ignore_issue_ids``), a message not
    yet delivered, or a conversation in progress (a draft's photos)."""
    rows = await tx.fetchall("SELECT issue_id FROM attachments WHERE file_ref = ?", (ref,))
    ignored = set(ignore_issue_ids)
    if any(r[0] not in ignored for r in rows):
        return True
    pattern = f"%{ref}%"
    if await tx.fetchone("SELECT 1 FROM outbox WHERE status = 'pending' AND payload LIKE ?", (pattern,)):
        return True
    return await tx.fetchone("SELECT 1 FROM conversations WHERE data LIKE ?", (pattern,)) is not None


async def list_attachment_refs(tx: Tx) -> list[str]:
    """Every file reference an attachment row still holds (a backup must carry these files)."""
    rows = await tx.fetchall(
        "SELECT DISTINCT file_ref FROM attachments WHERE file_ref <> '' ORDER BY file_ref"
    )
    return [r[0] for r in rows]


async def list_referenced_texts(tx: Tx) -> list[str]:
    """Every stored text that may name a file: attachment references, pending messages, conversations,
    announcements (a reminder sends no file, but the announcement's record keeps it)."""
    out = await list_attachment_refs(tx)
    out += [r[0] for r in await tx.fetchall("SELECT attachment FROM announcements WHERE attachment <> ''")]
    out += [r[0] for r in await tx.fetchall("SELECT payload FROM outbox WHERE status = 'pending'")]
    out += [r[0] for r in await tx.fetchall("SELECT data FROM conversations")]
    return out


async def count_delivered_messages_before(tx: Tx, before: datetime) -> int:
    return int(
        await tx.fetchval(
            "SELECT COUNT(*) FROM outbox WHERE status <> 'pending' AND created_at < ?", (ts(before),)
        )
        or 0
    )


async def delete_delivered_messages_before(tx: Tx, before: datetime) -> int:
    """Old outbox rows that are done with (sent, failed, unreachable): copies of what was said."""
    cur = await tx.execute("DELETE FROM outbox WHERE status <> 'pending' AND created_at < ?", (ts(before),))
    return max(cur.rowcount, 0)


async def count_handled_events_before(tx: Tx, before: datetime) -> int:
    return int(
        await tx.fetchval(
            "SELECT COUNT(*) FROM inbound_events WHERE handled_at IS NOT NULL AND handled_at < ?",
            (ts(before),),
        )
        or 0
    )


async def delete_handled_events_before(tx: Tx, before: datetime) -> int:
    """Raw inbound events (Zalo) already handled: the text people sent, kept only for redelivery."""
    cur = await tx.execute(
        "DELETE FROM inbound_events WHERE handled_at IS NOT NULL AND handled_at < ?", (ts(before),)
    )
    return max(cur.rowcount, 0)


async def count_rows(tx: Tx, tables: Sequence[str]) -> dict[str, int]:
    """Row counts of the named tables that exist (for backup manifests and checks)."""
    existing = await tx.table_names()
    out: dict[str, Any] = {}
    for table in tables:
        if table in existing and table.isidentifier():
            out[table] = int(await tx.fetchval(f"SELECT COUNT(*) FROM {table}") or 0)
    return out


async def schema_version(tx: Tx) -> int:
    """The schema version recorded in a database (0 when it has none), without creating anything."""
    if "schema_version" not in await tx.table_names():
        return 0
    return int(await tx.fetchval("SELECT MAX(version) FROM schema_version") or 0)
