"""Durable state of the scheduled follow-ups: which digest went to whom, which deadline reminders and
escalations were sent, and the reporters' "is it really resolved?" checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


@dataclass(frozen=True)
class Hidden:
    """Issues of a leader's subtree that the leader does not see (``handlers.access.leads`` in SQL): of one of
    ``categories`` (the sensitive ones), about one of ``about_unit_ids`` (the leader's unit and the units above
    it), unless owned by ``owner_unit_id`` (the leader's own unit). Empty: nothing hidden."""

    categories: tuple[str, ...] = ()
    about_unit_ids: tuple[int, ...] = ()
    owner_unit_id: int = 0

    def clause(self) -> tuple[str, list[Any]]:
        if not self.categories or not self.about_unit_ids:
            return "", []
        return (
            f" AND NOT (i.category IN ({_in(list(self.categories))}) AND i.owner_unit_id <> ?"
            f" AND i.about_unit_id IN ({_in(list(self.about_unit_ids))}))",
            [*self.categories, self.owner_unit_id, *self.about_unit_ids],
        )


@dataclass(frozen=True)
class Section:
    """A digest section: how many issues it holds, and the first few of them (ids, in the section's order)."""

    count: int
    ids: list[int]


@dataclass(frozen=True)
class _Query:
    """A digest section's issues: ``SELECT [DISTINCT] i.… FROM … WHERE …`` then ``ORDER BY …``; read whole
    (``list_*``) or as a count and the first few ids (``*_section``), with the leader's hidden issues left out."""

    distinct: bool
    where: str  # FROM … WHERE …
    order: str  # ORDER BY …
    params: list[Any]


def _created_between(unit_ids: list[int], after: datetime, until: datetime) -> _Query:
    return _Query(
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)}) AND i.created_at > ? AND i.created_at <= ?",
        "ORDER BY i.id",
        [*unit_ids, ts(after), ts(until)],
    )


def _overdue(unit_ids: list[int], now: datetime) -> _Query:
    return _Query(
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)})"
        f" AND i.state IN ({_in(list(OPEN_STATES))}) AND i.handle_due_at < ?",
        "ORDER BY i.handle_due_at, i.id",
        [*unit_ids, *OPEN_STATES, ts(now)],
    )


def _waiting(unit_ids: list[int]) -> _Query:
    return _Query(
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)}) AND (i.state IN ('new', 'reopened')"
        " OR (i.state = 'assigned' AND EXISTS (SELECT 1 FROM thread_entries p WHERE p.issue_id = i.id"
        " AND p.kind = 'proposal' AND NOT EXISTS (SELECT 1 FROM thread_entries d WHERE d.issue_id = i.id"
        " AND d.id > p.id AND d.kind IN ('proposal_confirmed', 'proposal_returned')))))",
        "ORDER BY i.id",
        list(unit_ids),
    )


def _resolved_between(unit_ids: list[int], after: datetime, until: datetime) -> _Query:
    return _Query(
        False,
        f"FROM issues i WHERE i.owner_unit_id IN ({_in(unit_ids)}) AND i.resolved_at > ? AND i.resolved_at <= ?",
        "ORDER BY i.id",
        [*unit_ids, ts(after), ts(until)],
    )


def _escalated_to(unit_id: int, after: datetime, owner_unit_ids: list[int] | None = None) -> _Query:
    owners = "" if owner_unit_ids is None else f" AND i.owner_unit_id IN ({_in(owner_unit_ids)})"
    return _Query(
        True,
        "FROM issues i JOIN followups f ON f.issue_id = i.id"
        f" WHERE f.kind = 'escalate' AND f.unit_id = ? AND f.sent_at > ? AND i.state IN ({_in(list(OPEN_STATES))})"
        + owners,
        "ORDER BY i.id",
        [unit_id, ts(after), *OPEN_STATES, *(owner_unit_ids or [])],
    )


async def _issues(tx: Tx, q: _Query) -> list[Issue]:
    head = "SELECT DISTINCT i.*" if q.distinct else "SELECT i.*"
    rows = await tx.fetchall(f"{head} {q.where} {q.order}", q.params)
    return [Issue.from_row(r) for r in rows]


async def _section(tx: Tx, q: _Query, hidden: Hidden, limit: int) -> Section:
    """The count and the first ``limit`` ids: two queries the database answers from its indexes, however many
    issues the section holds (a province's overdue section holds thousands)."""
    extra, extra_params = hidden.clause()
    params = [*q.params, *extra_params]
    what = "DISTINCT i.id" if q.distinct else "i.id"
    count = await tx.fetchval(f"SELECT COUNT({what}) {q.where}{extra}", params)
    rows = await tx.fetchall(f"SELECT {what} {q.where}{extra} {q.order} LIMIT ?", [*params, limit])
    return Section(int(count or 0), [r[0] for r in rows])


async def list_issues_created_between(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime
) -> list[Issue]:
    return await _issues(tx, _created_between(unit_ids, after, until))


async def created_section(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime, hidden: Hidden, limit: int
) -> Section:
    return await _section(tx, _created_between(unit_ids, after, until), hidden, limit)


async def list_overdue_issues(tx: Tx, unit_ids: list[int], now: datetime) -> list[Issue]:
    return await _issues(tx, _overdue(unit_ids, now))


async def overdue_section(tx: Tx, unit_ids: list[int], now: datetime, hidden: Hidden, limit: int) -> Section:
    return await _section(tx, _overdue(unit_ids, now), hidden, limit)


async def list_waiting_issues(tx: Tx, unit_ids: list[int]) -> list[Issue]:
    """Issues waiting for a leader: not acknowledged yet, reopened, or with a proposed outcome to confirm."""
    return await _issues(tx, _waiting(unit_ids))


async def waiting_section(tx: Tx, unit_ids: list[int], hidden: Hidden, limit: int) -> Section:
    return await _section(tx, _waiting(unit_ids), hidden, limit)


async def list_issues_resolved_between(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime
) -> list[Issue]:
    return await _issues(tx, _resolved_between(unit_ids, after, until))


async def resolved_section(
    tx: Tx, unit_ids: list[int], after: datetime, until: datetime, hidden: Hidden, limit: int
) -> Section:
    return await _section(tx, _resolved_between(unit_ids, after, until), hidden, limit)


async def list_escalated_to(tx: Tx, unit_id: int, after: datetime) -> list[Issue]:
    return await _issues(tx, _escalated_to(unit_id, after))


async def escalated_section(
    tx: Tx, unit_id: int, after: datetime, owner_unit_ids: list[int], hidden: Hidden, limit: int
) -> Section:
    """Open issues escalated to ``unit_id`` since ``after``, of those owned in ``owner_unit_ids``."""
    return await _section(tx, _escalated_to(unit_id, after, owner_unit_ids), hidden, limit)


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
