"""Durable state of the scheduled follow-ups: which digest went to whom, which deadline reminders and
escalations were sent, and the reporters' "is it really resolved?" checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from storage.db import Tx
from storage.issues import OPEN_STATES, Issue
from storage.timeutil import from_ts, ts

# ---------------------------------------------------------------------------------------------- digests


async def record_digest(tx: Tx, member_id: int, kind: str, period: str, now: datetime) -> bool:
    """Mark the digest of ``period`` (a date, a week) as sent; False if it already was."""
    cur = await tx.execute(
        "INSERT INTO digests (member_id, kind, period, sent_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (member_id, kind, period) DO NOTHING",
        (member_id, kind, period, ts(now)),
    )
    return cur.rowcount == 1


async def previous_digest_at(tx: Tx, member_id: int, kind: str, current_period: str) -> datetime | None:
    value = await tx.fetchval(
        "SELECT MAX(sent_at) FROM digests WHERE member_id = ? AND kind = ? AND period <> ?",
        (member_id, kind, current_period),
    )
    return from_ts(value)


def _in(ids: Sequence[object]) -> str:
    return ",".join("?" for _ in ids) or "NULL"


class IssueKey(NamedTuple):
    """What a visibility check needs of an issue (with ``access.leads``), without loading all of it.
    ``key[1:]`` is the part the check depends on."""

    id: int
    owner_unit_id: int
    about_unit_id: int
    category: str


# The digest's sections as (DISTINCT?, FROM ... ORDER BY ..., params): read either whole (``list_*``) or as keys
# (``list_*_keys``), which a province's digest needs for thousands of issues of which it names ten.
_Query = tuple[bool, str, list[Any]]


def _created_between(unit_ids: list[int], after: datetime, until: datetime) -> _Query:
    return (
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)}) AND i.created_at > ? AND i.created_at <= ?"
        " ORDER BY i.id",
        [*unit_ids, ts(after), ts(until)],
    )


def _overdue(unit_ids: list[int], now: datetime) -> _Query:
    return (
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)})"
        f" AND i.state IN ({_in(list(OPEN_STATES))}) AND i.handle_due_at < ? ORDER BY i.handle_due_at, i.id",
        [*unit_ids, *OPEN_STATES, ts(now)],
    )


def _waiting(unit_ids: list[int]) -> _Query:
    return (
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)}) AND (i.state IN ('new', 'reopened')"
        " OR (i.state = 'assigned' AND EXISTS (SELECT 1 FROM thread_entries p WHERE p.issue_id = i.id"
        " AND p.kind = 'proposal' AND NOT EXISTS (SELECT 1 FROM thread_entries d WHERE d.issue_id = i.id"
        " AND d.id > p.id AND d.kind IN ('proposal_confirmed', 'proposal_returned')))))"
        " ORDER BY i.id",
        list(unit_ids),
    )


def _resolved_between(unit_ids: list[int], after: datetime, until: datetime) -> _Query:
    return (
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)}) AND i.resolved_at > ? AND i.resolved_at <= ?"
        " ORDER BY i.id",
        [*unit_ids, ts(after), ts(until)],
    )


def _escalated_to(unit_id: int, after: datetime) -> _Query:
    return (
        True,
        "FROM issues i JOIN followups f ON f.issue_id = i.id"
        f" WHERE f.kind = 'escalate' AND f.unit_id = ? AND f.sent_at > ? AND i.state IN ({_in(list(OPEN_STATES))})"
        " ORDER BY i.id",
        [unit_id, ts(after), *OPEN_STATES],
    )


async def _issues(tx: Tx, query: _Query) -> list[Issue]:
    distinct, tail, params = query
    rows = await tx.fetchall(("SELECT DISTINCT i.* " if distinct else "SELECT i.* ") + tail, params)
    return [Issue.from_row(r) for r in rows]


async def _keys(tx: Tx, query: _Query) -> list[IssueKey]:
    distinct, tail, params = query
    head = "SELECT DISTINCT" if distinct else "SELECT"
    rows = await tx.fetchall(f"{head} i.id, i.owner_unit_id, i.about_unit_id, i.category {tail}", params)
    return [IssueKey(*r) for r in rows]


async def list_issues_created_between(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime
) -> list[Issue]:
    return await _issues(tx, _created_between(unit_ids, after, until))


async def list_issue_keys_created_between(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime
) -> list[IssueKey]:
    return await _keys(tx, _created_between(unit_ids, after, until))


async def list_overdue_issue_keys(tx: Tx, unit_ids: list[int], now: datetime) -> list[IssueKey]:
    return await _keys(tx, _overdue(unit_ids, now))


async def list_waiting_issue_keys(tx: Tx, unit_ids: list[int]) -> list[IssueKey]:
    return await _keys(tx, _waiting(unit_ids))


async def list_issues_resolved_between(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime
) -> list[Issue]:
    return await _issues(tx, _resolved_between(unit_ids, after, until))


async def list_issue_keys_resolved_between(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime
) -> list[IssueKey]:
    return await _keys(tx, _resolved_between(unit_ids, after, until))


async def list_escalated_keys(tx: Tx, unit_id: int, after: datetime) -> list[IssueKey]:
    return await _keys(tx, _escalated_to(unit_id, after))


# ---------------------------------------------------------------------------------------------- deadlines


async def list_ack_overdue(tx: Tx, now: datetime) -> list[Issue]:
    rows = await tx.fetchall(
        "SELECT * FROM issues WHERE state IN ('new', 'reopened') AND acknowledged_at IS NULL AND ack_due_at < ?"
        " ORDER BY id",
        (ts(now),),
    )
    return [Issue.from_row(r) for r in rows]


async def list_handle_overdue(tx: Tx, now: datetime) -> list[Issue]:
    rows = await tx.fetchall(
        f"SELECT * FROM issues WHERE state IN ({_in(list(OPEN_STATES))}) AND handle_due_at < ? ORDER BY id",
        (*OPEN_STATES, ts(now)),
    )
    return [Issue.from_row(r) for r in rows]


async def record_followup(
    tx: Tx, issue_id: int, kind: str, level: int, due_at: datetime, now: datetime, unit_id: int | None = None
) -> bool:
    """Mark a follow-up as sent; False if it already was (the job is safe to run twice)."""
    cur = await tx.execute(
        "INSERT INTO followups (issue_id, kind, level, due_at, unit_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (issue_id, kind, level, due_at) DO NOTHING",
        (issue_id, kind, level, ts(due_at), unit_id, ts(now)),
    )
    return cur.rowcount == 1


async def last_escalation(tx: Tx, issue_id: int, due_at: datetime) -> tuple[int, datetime] | None:
    """The highest escalation level reached for this deadline, and when."""
    row = await tx.fetchone(
        "SELECT level, sent_at FROM followups WHERE issue_id = ? AND kind = 'escalate' AND due_at = ?"
        " ORDER BY level DESC LIMIT 1",
        (issue_id, ts(due_at)),
    )
    if row is None:
        return None
    sent = from_ts(row[1])
    assert sent is not None
    return row[0], sent


# ---------------------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    issue_id: int
    member_id: int
    resolved_at: datetime
    asked_at: datetime
    reminded_at: datetime | None
    answer: str | None

    @classmethod
    def from_row(cls, row: Any) -> Check:
        resolved, asked = from_ts(row["resolved_at"]), from_ts(row["asked_at"])
        assert resolved is not None and asked is not None
        return cls(
            row["issue_id"], row["member_id"], resolved, asked, from_ts(row["reminded_at"]), row["answer"]
        )


async def list_resolved_unchecked(tx: Tx, resolved_before: datetime) -> list[Issue]:
    """Resolved issues old enough to ask about, whose current resolution has not been asked about yet."""
    rows = await tx.fetchall(
        "SELECT * FROM issues i WHERE i.state = 'resolved' AND i.resolved_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM resolution_checks c WHERE c.issue_id = i.id AND c.resolved_at = i.resolved_at)"
        " ORDER BY i.id",
        (ts(resolved_before),),
    )
    return [Issue.from_row(r) for r in rows]


async def create_check(tx: Tx, issue_id: int, member_id: int, resolved_at: datetime, now: datetime) -> None:
    await tx.execute(
        "INSERT INTO resolution_checks (issue_id, member_id, resolved_at, asked_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (issue_id, member_id, resolved_at) DO NOTHING",
        (issue_id, member_id, ts(resolved_at), ts(now)),
    )


async def list_checks(tx: Tx, issue_id: int, resolved_at: datetime) -> list[Check]:
    rows = await tx.fetchall(
        "SELECT * FROM resolution_checks WHERE issue_id = ? AND resolved_at = ? ORDER BY member_id",
        (issue_id, ts(resolved_at)),
    )
    return [Check.from_row(r) for r in rows]


async def list_open_checks(tx: Tx) -> list[tuple[Check, Issue]]:
    """Checks on issues still resolved (not yet closed or reopened)."""
    rows = await tx.fetchall(
        "SELECT c.issue_id AS c_issue, c.member_id, c.resolved_at AS c_resolved, c.asked_at, c.reminded_at, c.answer,"
        " i.* FROM resolution_checks c JOIN issues i ON i.id = c.issue_id"
        " WHERE i.state = 'resolved' AND c.resolved_at = i.resolved_at ORDER BY c.issue_id, c.member_id"
    )
    out = []
    for r in rows:
        resolved, asked = from_ts(r["c_resolved"]), from_ts(r["asked_at"])
        assert resolved is not None and asked is not None
        check = Check(r["c_issue"], r["member_id"], resolved, asked, from_ts(r["reminded_at"]), r["answer"])
        out.append((check, Issue.from_row(r)))
    return out


async def mark_check_reminded(tx: Tx, check: Check, now: datetime) -> None:
    await tx.execute(
        "UPDATE resolution_checks SET reminded_at = ? WHERE issue_id = ? AND member_id = ? AND resolved_at = ?",
        (ts(now), check.issue_id, check.member_id, ts(check.resolved_at)),
    )


async def answer_check(
    tx: Tx, issue_id: int, member_id: int, resolved_at: datetime, answer: str, now: datetime
) -> bool:
    """Record an answer once; False if there is no such open question or it was answered already."""
    cur = await tx.execute(
        "UPDATE resolution_checks SET answer = ?, answered_at = ? WHERE issue_id = ? AND member_id = ?"
        " AND resolved_at = ? AND answer IS NULL",
        (answer, ts(now), issue_id, member_id, ts(resolved_at)),
    )
    return cur.rowcount == 1


# ---------------------------------------------------------------------------------------------- weekly


async def count_created_by(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime, column: str
) -> list[tuple[Any, int]]:
    if column not in ("category", "about_unit_id"):
        raise ValueError(column)
    rows = await tx.fetchall(
        f"SELECT {column}, COUNT(*) FROM issues WHERE owner_unit_id IN ({_in(unit_ids)})"
        f" AND created_at > ? AND created_at <= ? GROUP BY {column} ORDER BY COUNT(*) DESC, {column}",
        (*unit_ids, ts(after), ts(until)),
    )
    return [(r[0], r[1]) for r in rows]
