"""Announcements (thông báo, định hướng): the message, its audience, and each member's delivery and read receipt.

"Delivered" is read off the outbox: the member's "Đã đọc" message row was sent (or they have read it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.buttons import AnnouncementAct, AnnouncementButton, encode
from storage.db import Tx
from storage.timeutil import from_ts, ts

SCHEDULED = "scheduled"
SENT = "sent"


@dataclass(frozen=True)
class Announcement:
    id: int
    unit_id: int  # the root of the sender's scope
    created_by: int
    target_unit_id: int  # the subtree it goes to
    sector: str  # "" for every sector
    text: str
    attachment: dict[str, Any] | None  # a bot.core.messages.Attachment as a dict
    send_at: datetime
    created_at: datetime
    state: str
    sent_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Announcement:
        send_at, created = from_ts(row["send_at"]), from_ts(row["created_at"])
        assert send_at is not None and created is not None
        return cls(
            row["id"],
            row["unit_id"],
            row["created_by"],
            row["target_unit_id"],
            row["sector"],
            row["text"],
            json.loads(row["attachment"]) if row["attachment"] else None,
            send_at,
            created,
            row["state"],
            from_ts(row["sent_at"]),
        )


@dataclass(frozen=True)
class Target:
    member_id: int
    unit_id: int
    channel: str
    chat_id: str
    language: str


@dataclass(frozen=True)
class UnitCounts:
    unit_id: int
    recipients: int
    delivered: int
    read: int


async def create_announcement(
    tx: Tx,
    *,
    unit_id: int,
    created_by: int,
    target_unit_id: int,
    sector: str,
    text: str,
    attachment: dict[str, Any] | None,
    send_at: datetime,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO announcements (unit_id, created_by, target_unit_id, sector, text, attachment, send_at,"
        " created_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'scheduled')",
        (
            unit_id,
            created_by,
            target_unit_id,
            sector,
            text,
            json.dumps(attachment, ensure_ascii=False) if attachment else "",
            ts(send_at),
            ts(now),
        ),
    )


async def get_announcement(tx: Tx, announcement_id: int) -> Announcement | None:
    row = await tx.fetchone("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
    return Announcement.from_row(row) if row else None


async def list_due_announcements(tx: Tx, now: datetime) -> list[Announcement]:
    rows = await tx.fetchall(
        "SELECT * FROM announcements WHERE state = 'scheduled' AND send_at <= ? ORDER BY send_at, id",
        (ts(now),),
    )
    return [Announcement.from_row(r) for r in rows]


async def mark_sent(tx: Tx, announcement_id: int, now: datetime) -> bool:
    cur = await tx.execute(
        "UPDATE announcements SET state = 'sent', sent_at = ? WHERE id = ? AND state = 'scheduled'",
        (ts(now), announcement_id),
    )
    return cur.rowcount == 1


_AUDIENCE = (
    "WITH RECURSIVE sub (id) AS (SELECT id FROM units WHERE id = ?"
    " UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)"
    " SELECT m.id, m.unit_id, i.channel, i.chat_id, m.language FROM members m"
    " JOIN identities i ON i.member_id = m.id"
    " WHERE m.active = 1 AND m.role = 'member' AND m.unit_id IN (SELECT id FROM sub)"
    " AND (m.preferred_channel IS NULL OR m.preferred_channel = i.channel)"
)
_IN_SECTOR = " AND (',' || m.sectors || ',') LIKE ?"


def _audience(target_unit_id: int, sector: str) -> tuple[str, tuple[Any, ...]]:
    """The audience query (members of the subtree, of the sector when one is given) and its parameters."""
    if sector:
        return _AUDIENCE + _IN_SECTOR, (target_unit_id, f"%,{sector},%")
    return _AUDIENCE, (target_unit_id,)


def _targets(rows: list[Any]) -> list[Target]:
    seen: set[int] = set()
    out = []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append(Target(r[0], r[1], r[2], r[3], r[4]))
    return out


async def count_audience(tx: Tx, target_unit_id: int, sector: str) -> int:
    """How many members an announcement to this audience would reach now."""
    sql, params = _audience(target_unit_id, sector)
    return len(_targets(await tx.fetchall(sql, params)))


async def list_unqueued_targets(tx: Tx, ann: Announcement, limit: int) -> list[Target]:
    sql, params = _audience(ann.target_unit_id, ann.sector)
    rows = await tx.fetchall(
        sql + " AND NOT EXISTS (SELECT 1 FROM announcement_recipients r"
        " WHERE r.announcement_id = ? AND r.member_id = m.id) ORDER BY m.id LIMIT ?",
        (*params, ann.id, limit),
    )
    return _targets(rows)


async def add_recipients(tx: Tx, announcement_id: int, targets: list[Target], now: datetime) -> None:
    await tx.executemany(
        "INSERT INTO announcement_recipients (announcement_id, member_id, unit_id, channel, chat_id, queued_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (announcement_id, member_id) DO NOTHING",
        [(announcement_id, x.member_id, x.unit_id, x.channel, x.chat_id, ts(now)) for x in targets],
    )


async def is_recipient(tx: Tx, announcement_id: int, member_id: int) -> bool:
    row = await tx.fetchone(
        "SELECT 1 FROM announcement_recipients WHERE announcement_id = ? AND member_id = ?",
        (announcement_id, member_id),
    )
    return row is not None


async def mark_read(tx: Tx, announcement_id: int, member_id: int, now: datetime) -> bool:
    """Record the read receipt; False if it was recorded before."""
    cur = await tx.execute(
        "UPDATE announcement_recipients SET read_at = ? WHERE announcement_id = ? AND member_id = ?"
        " AND read_at IS NULL",
        (ts(now), announcement_id, member_id),
    )
    return cur.rowcount == 1


def read_button_data(announcement_id: int) -> str:
    """The "read" button's data, as the outbox rows carry it (delivered = a sent row with it)."""
    return encode(AnnouncementButton(announcement_id, AnnouncementAct.READ))


async def count_by_unit(tx: Tx, announcement_id: int) -> list[UnitCounts]:
    """Recipients, delivered and read by unit; delivered is a sent outbox row carrying the read button."""
    pattern = f'%"{read_button_data(announcement_id)}"%'
    rows = await tx.fetchall(
        "SELECT r.unit_id, COUNT(*),"
        " SUM(CASE WHEN r.read_at IS NOT NULL OR EXISTS (SELECT 1 FROM outbox o WHERE o.channel = r.channel"
        " AND o.chat_id = r.chat_id AND o.status = 'sent' AND o.payload LIKE ?) THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN r.read_at IS NOT NULL THEN 1 ELSE 0 END)"
        " FROM announcement_recipients r WHERE r.announcement_id = ? GROUP BY r.unit_id ORDER BY r.unit_id",
        (pattern, announcement_id),
    )
    return [UnitCounts(r[0], r[1], int(r[2] or 0), int(r[3] or 0)) for r in rows]


async def list_unread(tx: Tx, announcement_id: int) -> list[Target]:
    """Recipients who have not tapped "Đã đọc", with their language (for a reminder)."""
    rows = await tx.fetchall(
        "SELECT r.member_id, r.unit_id, r.channel, r.chat_id, m.language FROM announcement_recipients r"
        " JOIN members m ON m.id = r.member_id"
        " WHERE r.announcement_id = ? AND r.read_at IS NULL AND m.active = 1 ORDER BY r.member_id",
        (announcement_id,),
    )
    return _targets(rows)


async def mark_reminded(tx: Tx, announcement_id: int, member_ids: list[int], now: datetime) -> None:
    await tx.executemany(
        "UPDATE announcement_recipients SET reminders = reminders + 1, reminded_at = ?"
        " WHERE announcement_id = ? AND member_id = ?",
        [(ts(now), announcement_id, member_id) for member_id in member_ids],
    )


# ---------------------------------------------------------------------------------------------- retention


async def count_receipts_before(tx: Tx, before: datetime) -> int:
    """Per-member delivery and read rows of announcements sent before ``before``."""
    return int(
        await tx.fetchval(
            "SELECT COUNT(*) FROM announcement_recipients r JOIN announcements a ON a.id = r.announcement_id"
            " WHERE a.state = 'sent' AND a.sent_at < ?",
            (ts(before),),
        )
        or 0
    )


async def delete_receipts_before(tx: Tx, before: datetime) -> int:
    cur = await tx.execute(
        "DELETE FROM announcement_recipients WHERE announcement_id IN"
        " (SELECT id FROM announcements WHERE state = 'sent' AND sent_at < ?)",
        (ts(before),),
    )
    return max(cur.rowcount, 0)
