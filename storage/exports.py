"""Reads for the briefing pack and the exports.

Unlike the rest of ``storage/`` these functions are synchronous, over their own read-only connection
(``storage.readonly``, SQLite or PostgreSQL): a pack for a whole province reads hundreds of thousands of rows, and it is built in a worker
thread (``asyncio.to_thread``) or by the operator's ``dlxh export``, never on the bot's event loop and
never through the bot's one connection. :func:`connect_readonly` opens the connection and
:func:`snapshot` starts one read transaction, so every query of a pack sees the same committed state.
Large results are iterators over the cursor: the caller streams them into the file it writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from storage.issues import REPORT_COLUMNS, Issue, Report
from storage.readonly import ReadConnection
from storage.target import PostgresUrl
from storage.timeutil import ts

FETCH = 2000
# a leader took the matter up: the first of these state changes (when there is no acknowledged_at)
FIRST_ACTIONS = ("acknowledged", "assigned", "resolved", "closed_without_action", "duplicate")


def from_ts(value: str | None) -> datetime | None:
    """``storage.timeutil.from_ts`` at C speed (``fromisoformat`` reads the stored "…Z" form since Python 3.11):
    a pack parses about a million timestamps."""
    return None if value is None else datetime.fromisoformat(value)


def connect_readonly(target: Path | str | PostgresUrl) -> ReadConnection:
    """A connection that can only read; on SQLite it waits on a busy writer like the bot does."""
    return ReadConnection(target)


def snapshot(conn: ReadConnection) -> None:
    """Start a read transaction: later queries see one consistent state until :func:`release`."""
    conn.snapshot()


def release(conn: ReadConnection) -> None:
    conn.release()


def has_table(conn: ReadConnection, name: str) -> bool:
    return name in conn.table_names()


@dataclass(frozen=True)
class ExportScope:
    """Which issues a pack covers: those owned in ``owner_unit_ids`` (None: every unit), less the sensitive ones
    the viewer may not see (a leader does not see a sensitive matter about their own unit or one above it,
    unless they lead the owning unit: ``handlers.access.leads``)."""

    owner_unit_ids: tuple[int, ...] | None
    sensitive_categories: tuple[str, ...] = ()
    viewer_unit_id: int | None = None
    viewer_line: tuple[int, ...] = ()  # the viewer's unit and every unit above it

    def where(self, alias: str = "i") -> tuple[str, list[Any]]:
        sql, params = "", list[Any]()
        if self.owner_unit_ids is not None:
            sql += f" AND {alias}.owner_unit_id IN ({_marks(self.owner_unit_ids)})"
            params += list(self.owner_unit_ids)
        if self.sensitive_categories and self.viewer_unit_id is not None and self.viewer_line:
            sql += (
                f" AND NOT ({alias}.category IN ({_marks(self.sensitive_categories)})"
                f" AND {alias}.owner_unit_id <> ? AND {alias}.about_unit_id IN ({_marks(self.viewer_line)}))"
            )
            params += [*self.sensitive_categories, self.viewer_unit_id, *self.viewer_line]
        return sql, params


def _marks(values: tuple[Any, ...] | list[Any]) -> str:
    return ",".join("?" for _ in values) or "NULL"


def _in_units(column: str, unit_ids: tuple[int, ...] | None) -> tuple[str, list[Any]]:
    if unit_ids is None:
        return "", []
    return f" AND {column} IN ({_marks(unit_ids)})", list(unit_ids)


# ---------------------------------------------------------------------------------------------- people


@dataclass(frozen=True)
class UnitRow:
    id: int
    code: str
    name: str
    parent_id: int | None
    active: bool


def load_units(conn: ReadConnection) -> list[UnitRow]:
    rows = conn.execute("SELECT id, code, name, parent_id, active FROM units ORDER BY code").fetchall()
    return [UnitRow(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]


@dataclass(frozen=True)
class MemberRow:
    id: int
    name: str
    role: str
    unit_id: int
    active: bool
    language: str


def load_members(conn: ReadConnection) -> list[MemberRow]:
    rows = conn.execute(
        "SELECT id, name, role, unit_id, active, language FROM members ORDER BY id"
    ).fetchall()
    return [MemberRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


# ---------------------------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class IssueRow(Issue):
    """An issue as the exports read it: every field of :class:`storage.issues.Issue`, plus counts."""

    reports: int  # active (not withdrawn) reports, whenever filed
    reopened: int  # how many times it was reopened
    first_action_at: datetime | None = (
        None  # the first leader's decision (acknowledged, assigned, resolved …)
    )
    original_handle_due_at: datetime | None = None  # before an approved extension (storage.extensions)


_ISSUE_COLUMNS = (
    "i.id, i.title, i.category, i.about_unit_id, i.owner_unit_id, i.severity, i.state, i.place, i.created_by,"
    " i.created_at, i.updated_at, i.ack_due_at, i.handle_due_at, i.acknowledged_at, i.resolved_at, i.closed_at,"
    " i.assignee_id, i.agency, i.duplicate_of, i.resolution, i.original_handle_due_at"
)


def _issue(r: Any) -> IssueRow:
    return IssueRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
        from_ts(r[9]), from_ts(r[10]), from_ts(r[11]), from_ts(r[12]),  # type: ignore[arg-type]
        from_ts(r[13]), from_ts(r[14]), from_ts(r[15]), r[16], r[17], r[18], r[19], r[21], r[22], from_ts(r[23]),
        from_ts(r[20]),
    )  # fmt: skip


def list_issues_created(
    conn: ReadConnection, scope: ExportScope, start: datetime, end: datetime
) -> list[IssueRow]:
    """Issues created in [start, end) within the scope, with their report and reopen counts, by number."""
    where, params = scope.where("i")
    rows = conn.execute(
        f"SELECT {_ISSUE_COLUMNS},"
        " (SELECT COUNT(*) FROM reports r WHERE r.issue_id = i.id AND r.withdrawn_at IS NULL),"
        " (SELECT COUNT(*) FROM thread_entries e WHERE e.issue_id = i.id AND e.kind = 'state'"
        "  AND e.to_state = 'reopened'),"
        " (SELECT MIN(e.at) FROM thread_entries e WHERE e.issue_id = i.id AND e.kind = 'state'"
        f"  AND e.to_state IN ({_marks(FIRST_ACTIONS)}))"
        f" FROM issues i WHERE i.created_at >= ? AND i.created_at < ?{where} ORDER BY i.id",
        (*FIRST_ACTIONS, ts(start), ts(end), *params),
    )
    out: list[IssueRow] = []
    while batch := rows.fetchmany(FETCH):
        out += [_issue(r) for r in batch]
    return out


def list_issue_dates(
    conn: ReadConnection, scope: ExportScope, start: datetime, end: datetime
) -> list[tuple[datetime, datetime | None]]:
    """(created_at, resolved_at) of the issues in the scope created or resolved in [start, end)."""
    where, params = scope.where("i")
    rows = conn.execute(
        "SELECT i.created_at, i.resolved_at FROM issues i WHERE ((i.created_at >= ? AND i.created_at < ?)"
        f" OR (i.resolved_at >= ? AND i.resolved_at < ?)){where}",
        (ts(start), ts(end), ts(start), ts(end), *params),
    ).fetchall()
    return [(from_ts(r[0]), from_ts(r[1])) for r in rows]  # type: ignore[misc]


def list_hotspot_issue_ids(conn: ReadConnection, since: datetime) -> set[int]:
    """Issues that raised a hot-spot alert (the audit log's ``alert.hotspot``) since ``since``."""
    rows = conn.execute(
        "SELECT DISTINCT subject FROM audit_log WHERE action = 'alert.hotspot' AND at >= ?", (ts(since),)
    ).fetchall()
    out = set()
    for (subject,) in rows:
        kind, _, number = (subject or "").partition(":")
        if kind == "issue" and number.isdigit():
            out.add(int(number))
    return out


# ---------------------------------------------------------------------------------------------- reports


#: The exports read the same dataclass as the handlers (slotted: built as fast as a NamedTuple).
ReportRow = Report

_REPORT_SELECT = ", ".join(f"r.{c}" for c in REPORT_COLUMNS)
assert REPORT_COLUMNS[11:] == ("confidential", "id", "issue_id", "created_at", "withdrawn_at")  # iter_reports
_REPORT_FROM = (
    " FROM reports r JOIN issues i ON i.id = r.issue_id WHERE r.created_at >= ? AND r.created_at < ?"
)


def count_reports_by_member(
    conn: ReadConnection, scope: ExportScope, start: datetime, end: datetime
) -> dict[int, int]:
    """Reports filed in [start, end) on issues in the scope, per member (withdrawn ones included)."""
    where, params = scope.where("i")
    rows = conn.execute(
        f"SELECT r.member_id, COUNT(*){_REPORT_FROM}{where} GROUP BY r.member_id",
        (ts(start), ts(end), *params),
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def iter_reports(
    conn: ReadConnection, scope: ExportScope, start: datetime, end: datetime
) -> Iterator[ReportRow]:
    """Reports filed in [start, end) on issues in the scope, oldest first, streamed from the cursor."""
    where, params = scope.where("i")
    cur = conn.execute(
        f"SELECT {_REPORT_SELECT}{_REPORT_FROM}{where} ORDER BY r.created_at, r.id",
        (ts(start), ts(end), *params),
    )
    # a row in REPORT_COLUMNS' order: member_id … citizen, confidential, id, issue_id, created_at, withdrawn_at
    parse, new = datetime.fromisoformat, cast(Callable[..., Report], Report)
    while batch := cur.fetchmany(FETCH):
        for r in batch:
            withdrawn = r[15]
            yield new(
                *r[:11], bool(r[11]), r[12], r[13], parse(r[14]), parse(withdrawn) if withdrawn else None
            )


# ---------------------------------------------------------------------------------------------- rounds


@dataclass(frozen=True)
class RoundRow:
    id: int
    period: str
    opens_at: datetime
    closes_at: datetime
    state: str


@dataclass(frozen=True)
class TopicRow:
    id: int
    round_id: int
    unit_id: int
    text: str


@dataclass(frozen=True)
class RoundMemberRow:
    round_id: int
    member_id: int
    unit_id: int
    prompted_at: datetime | None
    answered_at: datetime | None
    nothing_new: bool
    late: bool


@dataclass(frozen=True)
class AnswerRow:
    id: int
    round_id: int
    member_id: int
    unit_id: int
    kind: str
    topic_id: int | None
    sector: str | None
    value: str
    late: bool
    created_at: datetime


def list_rounds(conn: ReadConnection) -> list[RoundRow]:
    if not has_table(conn, "rounds"):
        return []
    rows = conn.execute("SELECT id, period, opens_at, closes_at, state FROM rounds ORDER BY opens_at, id")
    return [RoundRow(r[0], r[1], from_ts(r[2]), from_ts(r[3]), r[4]) for r in rows]  # type: ignore[arg-type]


def list_round_topics(conn: ReadConnection, round_ids: list[int]) -> list[TopicRow]:
    if not round_ids:
        return []
    rows = conn.execute(
        f"SELECT id, round_id, unit_id, text FROM round_topics WHERE round_id IN ({_marks(round_ids)})"
        " ORDER BY round_id, id",
        round_ids,
    )
    return [TopicRow(*r) for r in rows]


def list_round_members(
    conn: ReadConnection, round_ids: list[int], unit_ids: tuple[int, ...] | None
) -> list[RoundMemberRow]:
    if not round_ids:
        return []
    where, params = _in_units("unit_id", unit_ids)
    rows = conn.execute(
        "SELECT round_id, member_id, unit_id, prompted_at, answered_at, nothing_new, late FROM round_members"
        f" WHERE round_id IN ({_marks(round_ids)}){where} ORDER BY round_id, unit_id, member_id",
        [*round_ids, *params],
    )
    return [
        RoundMemberRow(r[0], r[1], r[2], from_ts(r[3]), from_ts(r[4]), bool(r[5]), bool(r[6])) for r in rows
    ]


def list_round_answers(
    conn: ReadConnection, round_ids: list[int], unit_ids: tuple[int, ...] | None
) -> list[AnswerRow]:
    if not round_ids:
        return []
    where, params = _in_units("unit_id", unit_ids)
    rows = conn.execute(
        "SELECT id, round_id, member_id, unit_id, kind, topic_id, sector, value, late, created_at"
        f" FROM round_answers WHERE round_id IN ({_marks(round_ids)}){where} ORDER BY round_id, id",
        [*round_ids, *params],
    )
    return [
        AnswerRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), from_ts(r[9]))  # type: ignore[arg-type]
        for r in rows
    ]


# ---------------------------------------------------------------------------------------------- quick polls


@dataclass(frozen=True)
class PollRow:
    id: int
    unit_id: int  # the root of the subtree it went to
    question: str
    options: tuple[str, ...]
    allow_other: bool
    created_at: datetime
    closes_at: datetime
    state: str
    closed_at: datetime | None
    recipients: int  # how many it went to (counted at closing; so far while open)


def list_polls(
    conn: ReadConnection, start: datetime, end: datetime, unit_ids: tuple[int, ...] | None
) -> list[PollRow]:
    """Polls that were open at some time in [start, end), sent to a subtree rooted in ``unit_ids`` (None: any)."""
    if not has_table(conn, "polls"):
        return []
    where, params = _in_units("p.unit_id", unit_ids)
    rows = conn.execute(
        "SELECT p.id, p.unit_id, p.question, p.options, p.allow_other, p.created_at, p.closes_at, p.state,"
        " p.closed_at, COALESCE(p.recipients,"
        " (SELECT COUNT(*) FROM poll_recipients r WHERE r.poll_id = p.id))"
        " FROM polls p WHERE p.created_at < ? AND (p.state = 'open' OR p.closed_at >= ?)"
        f"{where} ORDER BY p.created_at, p.id",
        [ts(end), ts(start), *params],
    ).fetchall()
    return [_poll(r) for r in rows]


def _poll(r: Any) -> PollRow:
    created, closes = from_ts(r[5]), from_ts(r[6])
    assert created is not None and closes is not None
    options = tuple(json.loads(r[3]))
    return PollRow(
        r[0], r[1], r[2], options, bool(r[4]), created, closes, r[7], from_ts(r[8]), int(r[9] or 0)
    )


def list_poll_counts(conn: ReadConnection, polls: list[PollRow]) -> list[tuple[int, int, int, int]]:
    """(poll, unit, choice, answers): the counts kept at closing for a closed poll, live counts for an open one.
    Counts only: never who answered what."""
    closed = [p.id for p in polls if p.state == "closed"]
    live = [p.id for p in polls if p.state != "closed"]
    out: list[tuple[int, int, int, int]] = []
    if closed:
        rows = conn.execute(
            f"SELECT poll_id, unit_id, choice, answers FROM poll_tallies WHERE poll_id IN ({_marks(closed)})"
            " ORDER BY poll_id, unit_id, choice",
            closed,
        )
        out += [(r[0], r[1], r[2], r[3]) for r in rows]
    if live:
        rows = conn.execute(
            f"SELECT poll_id, unit_id, choice, COUNT(*) FROM poll_answers WHERE poll_id IN ({_marks(live)})"
            " GROUP BY poll_id, unit_id, choice ORDER BY poll_id, unit_id, choice",
            live,
        )
        out += [(r[0], r[1], r[2], r[3]) for r in rows]
    return out
