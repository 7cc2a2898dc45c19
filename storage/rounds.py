"""The periodic round (giao ban): the round rows, focus topics, who was prompted and answered, the answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, required_ts, ts


@dataclass(frozen=True)
class Round:
    id: int
    period: str
    opens_at: datetime
    closes_at: datetime
    briefing_at: datetime
    state: str
    opened_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Round:
        return cls(
            row["id"],
            row["period"],
            required_ts(row["opens_at"]),
            required_ts(row["closes_at"]),
            required_ts(row["briefing_at"]),
            row["state"],
            from_ts(row["opened_at"]),
            from_ts(row["closed_at"]),
        )


@dataclass(frozen=True)
class Topic:
    id: int
    round_id: int
    unit_id: int
    text: str


@dataclass(frozen=True)
class Participant:
    round_id: int
    member_id: int
    unit_id: int
    prompted_at: datetime | None
    reminders: int
    answered_at: datetime | None
    nothing_new: bool
    late: bool

    @classmethod
    def from_row(cls, row: Any) -> Participant:
        return cls(
            row["round_id"],
            row["member_id"],
            row["unit_id"],
            from_ts(row["prompted_at"]),
            row["reminders"],
            from_ts(row["answered_at"]),
            bool(row["nothing_new"]),
            bool(row["late"]),
        )


@dataclass(frozen=True)
class Answer:
    member_id: int
    unit_id: int
    kind: str
    topic_id: int | None
    sector: str | None
    value: str
    late: bool


async def ensure_round(
    tx: Tx, period: str, opens_at: datetime, closes_at: datetime, briefing_at: datetime
) -> Round:
    await tx.execute(
        "INSERT INTO rounds (period, opens_at, closes_at, briefing_at, state) VALUES (?, ?, ?, ?, 'planned')"
        " ON CONFLICT (period) DO NOTHING",
        (period, ts(opens_at), ts(closes_at), ts(briefing_at)),
    )
    row = await tx.fetchone("SELECT * FROM rounds WHERE period = ?", (period,))
    return Round.from_row(row)


async def get_round(tx: Tx, round_id: int) -> Round | None:
    row = await tx.fetchone("SELECT * FROM rounds WHERE id = ?", (round_id,))
    return Round.from_row(row) if row else None


async def list_rounds(tx: Tx, states: tuple[str, ...]) -> list[Round]:
    rows = await tx.fetchall(
        f"SELECT * FROM rounds WHERE state IN ({','.join('?' for _ in states)}) ORDER BY opens_at", states
    )
    return [Round.from_row(r) for r in rows]


async def latest_round(tx: Tx) -> Round | None:
    """The open round, else the most recent closed one, else the next planned one."""
    for sql in (
        "SELECT * FROM rounds WHERE state = 'open' ORDER BY opens_at DESC LIMIT 1",
        "SELECT * FROM rounds WHERE state = 'closed' ORDER BY closes_at DESC LIMIT 1",
        "SELECT * FROM rounds WHERE state = 'planned' ORDER BY opens_at LIMIT 1",
    ):
        row = await tx.fetchone(sql)
        if row:
            return Round.from_row(row)
    return None


async def set_round_state(tx: Tx, round_id: int, state: str, now: datetime, expect: str) -> bool:
    column = {"open": "opened_at", "closed": "closed_at"}[state]
    cur = await tx.execute(
        f"UPDATE rounds SET state = ?, {column} = ? WHERE id = ? AND state = ?",
        (state, ts(now), round_id, expect),
    )
    return cur.rowcount == 1


async def add_topic(tx: Tx, round_id: int, unit_id: int, text: str, member_id: int, now: datetime) -> int:
    return await tx.insert(
        "INSERT INTO round_topics (round_id, unit_id, text, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
        (round_id, unit_id, text, member_id, ts(now)),
    )


async def delete_topics(tx: Tx, round_id: int, unit_id: int) -> None:
    await tx.execute("DELETE FROM round_topics WHERE round_id = ? AND unit_id = ?", (round_id, unit_id))


async def list_topics(tx: Tx, round_id: int, unit_ids: list[int] | None = None) -> list[Topic]:
    sql = "SELECT id, round_id, unit_id, text FROM round_topics WHERE round_id = ?"
    params: list[Any] = [round_id]
    if unit_ids is not None:
        sql += f" AND unit_id IN ({','.join('?' for _ in unit_ids) or 'NULL'})"
        params += unit_ids
    return [Topic(*r) for r in await tx.fetchall(sql + " ORDER BY id", params)]


async def add_participants(tx: Tx, round_id: int, members: list[tuple[int, int]], now: datetime) -> int:
    """Mark (member, unit) pairs as prompted now; members prompted before are left as they are."""
    if not members:
        return 0
    return await tx.executemany(
        "INSERT INTO round_members (round_id, member_id, unit_id, prompted_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (round_id, member_id) DO NOTHING",
        [(round_id, member_id, unit_id, ts(now)) for member_id, unit_id in members],
    )


async def list_unprompted_members(
    tx: Tx, round_id: int, limit: int, *, after: int = 0
) -> list[tuple[int, int, str, str, str]]:
    """Active group members (role member) with a chat, not yet prompted for this round: (id, unit, channel, chat,
    lang), by id from above ``after``. Leaders are not prompted: they receive the summary."""
    rows = await tx.fetchall(
        "SELECT m.id, m.unit_id, i.channel, i.chat_id, m.language FROM members m"
        " JOIN identities i ON i.member_id = m.id"
        " WHERE m.active = 1 AND m.role = 'member' AND (m.preferred_channel IS NULL OR m.preferred_channel = i.channel)"
        " AND m.id > ?"
        " AND NOT EXISTS (SELECT 1 FROM round_members r WHERE r.round_id = ? AND r.member_id = m.id)"
        " ORDER BY m.id LIMIT ?",
        (after, round_id, limit),
    )
    seen: set[int] = set()
    out = []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append((r[0], r[1], r[2], r[3], r[4]))
    return out


async def get_participant(tx: Tx, round_id: int, member_id: int) -> Participant | None:
    row = await tx.fetchone(
        "SELECT * FROM round_members WHERE round_id = ? AND member_id = ?", (round_id, member_id)
    )
    return Participant.from_row(row) if row else None


async def list_participants(tx: Tx, round_id: int, unit_ids: list[int] | None = None) -> list[Participant]:
    sql = "SELECT * FROM round_members WHERE round_id = ?"
    params: list[Any] = [round_id]
    if unit_ids is not None:
        sql += f" AND unit_id IN ({','.join('?' for _ in unit_ids) or 'NULL'})"
        params += unit_ids
    return [Participant.from_row(r) for r in await tx.fetchall(sql + " ORDER BY unit_id, member_id", params)]


async def list_to_remind(tx: Tx, round_id: int, below: int) -> list[tuple[int, str, str, str]]:
    """Active members prompted, not answered, reminded fewer than ``below`` times: (id, channel, chat, lang)."""
    rows = await tx.fetchall(
        "SELECT m.id, i.channel, i.chat_id, m.language FROM round_members r JOIN members m ON m.id = r.member_id"
        " JOIN identities i ON i.member_id = m.id"
        " WHERE r.round_id = ? AND r.answered_at IS NULL AND r.reminders < ? AND m.active = 1"
        " AND (m.preferred_channel IS NULL OR m.preferred_channel = i.channel) ORDER BY m.id",
        (round_id, below),
    )
    seen: set[int] = set()
    out = []
    for r in rows:
        if r[0] not in seen:
            seen.add(r[0])
            out.append((r[0], r[1], r[2], r[3]))
    return out


async def mark_reminded(tx: Tx, round_id: int, member_id: int, reminders: int, now: datetime) -> None:
    await tx.execute(
        "UPDATE round_members SET reminders = ?, reminded_at = ? WHERE round_id = ? AND member_id = ?",
        (reminders, ts(now), round_id, member_id),
    )


async def record_answer(
    tx: Tx,
    round_id: int,
    member_id: int,
    unit_id: int,
    answers: list[tuple[str, int | None, str | None, str]],
    now: datetime,
    *,
    nothing_new: bool,
    late: bool,
) -> None:
    """Replace the member's answers for this round (answers are editable until closing; late ones are kept)."""
    await tx.execute(
        "DELETE FROM round_answers WHERE round_id = ? AND member_id = ? AND late = ?",
        (round_id, member_id, 1 if late else 0),
    )
    for kind, topic_id, sector, value in answers:
        await tx.execute(
            "INSERT INTO round_answers (round_id, member_id, unit_id, kind, topic_id, sector, value, late, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (round_id, member_id, unit_id, kind, topic_id, sector, value, 1 if late else 0, ts(now)),
        )
    await tx.execute(
        "INSERT INTO round_members (round_id, member_id, unit_id) VALUES (?, ?, ?)"
        " ON CONFLICT (round_id, member_id) DO NOTHING",
        (round_id, member_id, unit_id),
    )
    if late:
        await tx.execute(
            "UPDATE round_members SET late = 1, answered_at = COALESCE(answered_at, ?) WHERE round_id = ? AND member_id = ?",
            (ts(now), round_id, member_id),
        )
    else:
        await tx.execute(
            "UPDATE round_members SET answered_at = ?, nothing_new = ?, unit_id = ? WHERE round_id = ? AND member_id = ?",
            (ts(now), 1 if nothing_new else 0, unit_id, round_id, member_id),
        )


async def list_answers(tx: Tx, round_id: int, unit_ids: list[int] | None = None) -> list[Answer]:
    sql = (
        "SELECT member_id, unit_id, kind, topic_id, sector, value, late FROM round_answers WHERE round_id = ?"
    )
    params: list[Any] = [round_id]
    if unit_ids is not None:
        sql += f" AND unit_id IN ({','.join('?' for _ in unit_ids) or 'NULL'})"
        params += unit_ids
    rows = await tx.fetchall(sql + " ORDER BY id", params)
    return [Answer(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]
