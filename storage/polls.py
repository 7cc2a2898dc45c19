"""Quick polls: the poll, who it went to, one answer per member (changeable until closing), tallies at closing.

Answers are opinions about politics. Nothing here returns who answered what to anyone but the member
themself: the functions a leader's view uses return counts by (unit, choice) only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True)
class Poll:
    id: int
    unit_id: int  # the root of the subtree it went to
    created_by: int
    question: str
    options: tuple[str, ...]
    allow_other: bool
    created_at: datetime
    closes_at: datetime
    state: str
    closed_at: datetime | None
    recipients: int | None  # how many it went to, counted at closing

    @property
    def other_choice(self) -> int:
        """The choice number an "other" answer is stored under (one past the last option)."""
        return len(self.options)

    @classmethod
    def from_row(cls, row: Any) -> Poll:
        created, closes = from_ts(row["created_at"]), from_ts(row["closes_at"])
        assert created is not None and closes is not None
        return cls(
            row["id"],
            row["unit_id"],
            row["created_by"],
            row["question"],
            tuple(json.loads(row["options"])),
            bool(row["allow_other"]),
            created,
            closes,
            row["state"],
            from_ts(row["closed_at"]),
            row["recipients"],
        )


@dataclass(frozen=True)
class Recipient:
    member_id: int
    unit_id: int
    channel: str
    chat_id: str
    language: str


@dataclass(frozen=True)
class Tally:
    unit_id: int
    choice: int
    answers: int


async def create_poll(
    tx: Tx,
    *,
    unit_id: int,
    created_by: int,
    question: str,
    options: list[str],
    allow_other: bool,
    closes_at: datetime,
    now: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO polls (unit_id, created_by, question, options, allow_other, created_at, closes_at, state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'open')",
        (
            unit_id,
            created_by,
            question,
            json.dumps(options, ensure_ascii=False),
            1 if allow_other else 0,
            ts(now),
            ts(closes_at),
        ),
    )


async def get_poll(tx: Tx, poll_id: int) -> Poll | None:
    row = await tx.fetchone("SELECT * FROM polls WHERE id = ?", (poll_id,))
    return Poll.from_row(row) if row else None


async def list_open_polls(tx: Tx) -> list[Poll]:
    rows = await tx.fetchall("SELECT * FROM polls WHERE state = 'open' ORDER BY id")
    return [Poll.from_row(r) for r in rows]


async def list_polls_in_units(tx: Tx, unit_ids: list[int], limit: int = 10) -> list[Poll]:
    """The most recent polls sent to a subtree rooted in one of ``unit_ids``."""
    if not unit_ids:
        return []
    rows = await tx.fetchall(
        f"SELECT * FROM polls WHERE unit_id IN ({','.join('?' for _ in unit_ids)}) ORDER BY id DESC LIMIT ?",
        (*unit_ids, limit),
    )
    return [Poll.from_row(r) for r in rows]


async def close_poll(tx: Tx, poll_id: int, now: datetime) -> bool:
    """Mark the poll closed, counting whom it went to; False if it already was (another pass closed it)."""
    cur = await tx.execute(
        "UPDATE polls SET state = 'closed', closed_at = ?,"
        " recipients = (SELECT COUNT(*) FROM poll_recipients r WHERE r.poll_id = ?)"
        " WHERE id = ? AND state = 'open'",
        (ts(now), poll_id, poll_id),
    )
    return cur.rowcount == 1


async def list_unsent_recipients(tx: Tx, poll_id: int, root_unit: int, limit: int) -> list[Recipient]:
    """Active members (role member) of the poll's subtree with a chat, the poll not sent to them yet."""
    rows = await tx.fetchall(
        "WITH RECURSIVE sub (id) AS (SELECT id FROM units WHERE id = ?"
        " UNION SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id)"
        " SELECT m.id, m.unit_id, i.channel, i.chat_id, m.language FROM members m"
        " JOIN identities i ON i.member_id = m.id"
        " WHERE m.active = 1 AND m.role = 'member' AND m.unit_id IN (SELECT id FROM sub)"
        " AND (m.preferred_channel IS NULL OR m.preferred_channel = i.channel)"
        " AND NOT EXISTS (SELECT 1 FROM poll_recipients r WHERE r.poll_id = ? AND r.member_id = m.id)"
        " ORDER BY m.id LIMIT ?",
        (root_unit, poll_id, limit),
    )
    seen: set[int] = set()
    out = []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append(Recipient(r[0], r[1], r[2], r[3], r[4]))
    return out


async def add_recipients(tx: Tx, poll_id: int, members: list[tuple[int, int]], now: datetime) -> None:
    """Record (member, unit) pairs as sent the poll now; a pair recorded before stays as it was."""
    await tx.executemany(
        "INSERT INTO poll_recipients (poll_id, member_id, unit_id, sent_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (poll_id, member_id) DO NOTHING",
        [(poll_id, member_id, unit_id, ts(now)) for member_id, unit_id in members],
    )


async def get_recipient_unit(tx: Tx, poll_id: int, member_id: int) -> int | None:
    """The unit a member was counted in when the poll went to them; None if it never did."""
    return await tx.fetchval(
        "SELECT unit_id FROM poll_recipients WHERE poll_id = ? AND member_id = ?", (poll_id, member_id)
    )


async def count_recipients(tx: Tx, poll_id: int) -> int:
    return int(await tx.fetchval("SELECT COUNT(*) FROM poll_recipients WHERE poll_id = ?", (poll_id,)) or 0)


async def record_answer(
    tx: Tx, poll_id: int, member_id: int, unit_id: int, choice: int, other_text: str, now: datetime
) -> None:
    """The member's one answer: a new one replaces the old (counted once)."""
    await tx.execute(
        "INSERT INTO poll_answers (poll_id, member_id, unit_id, choice, other_text, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (poll_id, member_id) DO UPDATE SET choice = excluded.choice,"
        " other_text = excluded.other_text, answered_at = excluded.answered_at,"
        " changes = poll_answers.changes + 1",
        (poll_id, member_id, unit_id, choice, other_text, ts(now)),
    )


async def get_own_choice(tx: Tx, poll_id: int, member_id: int) -> int | None:
    """The member's own current choice (shown to them alone)."""
    return await tx.fetchval(
        "SELECT choice FROM poll_answers WHERE poll_id = ? AND member_id = ?", (poll_id, member_id)
    )


async def count_answers(tx: Tx, poll_id: int) -> list[Tally]:
    """Live counts by (unit, choice) from the answers."""
    rows = await tx.fetchall(
        "SELECT unit_id, choice, COUNT(*) FROM poll_answers WHERE poll_id = ?"
        " GROUP BY unit_id, choice ORDER BY unit_id, choice",
        (poll_id,),
    )
    return [Tally(r[0], r[1], r[2]) for r in rows]


async def save_tallies(tx: Tx, poll_id: int, tallies: list[Tally]) -> None:
    await tx.executemany(
        "INSERT INTO poll_tallies (poll_id, unit_id, choice, answers) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (poll_id, unit_id, choice) DO UPDATE SET answers = excluded.answers",
        [(poll_id, x.unit_id, x.choice, x.answers) for x in tallies],
    )


async def list_tallies(tx: Tx, poll_id: int) -> list[Tally]:
    rows = await tx.fetchall(
        "SELECT unit_id, choice, answers FROM poll_tallies WHERE poll_id = ? ORDER BY unit_id, choice",
        (poll_id,),
    )
    return [Tally(r[0], r[1], r[2]) for r in rows]


async def list_other_texts(tx: Tx, poll_id: int) -> list[str]:
    """The free-text "other" answers, without who or which unit, in alphabetical order."""
    rows = await tx.fetchall(
        "SELECT other_text FROM poll_answers WHERE poll_id = ? AND other_text <> '' ORDER BY other_text",
        (poll_id,),
    )
    return [r[0] for r in rows]


# ---------------------------------------------------------------------------------------------- retention


async def count_answers_closed_before(tx: Tx, before: datetime) -> int:
    """Answers (with who gave them) of polls closed before ``before``: their tallies are kept."""
    return int(
        await tx.fetchval(
            "SELECT COUNT(*) FROM poll_answers a JOIN polls p ON p.id = a.poll_id"
            " WHERE p.state = 'closed' AND p.closed_at < ?",
            (ts(before),),
        )
        or 0
    )


async def delete_answers_closed_before(tx: Tx, before: datetime) -> int:
    closed = "SELECT id FROM polls WHERE state = 'closed' AND closed_at < ?"
    cur = await tx.execute(f"DELETE FROM poll_answers WHERE poll_id IN ({closed})", (ts(before),))
    await tx.execute(f"DELETE FROM poll_recipients WHERE poll_id IN ({closed})", (ts(before),))
    return max(cur.rowcount, 0)
