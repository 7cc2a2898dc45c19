"""Issues and their threads: one issue per matter, every report, comment and state change appended to it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from bot.core.enums import IssueState
from storage.db import Tx
from storage.timeutil import from_ts, required_ts, ts

OPEN_STATES = ("new", "acknowledged", "assigned", "reopened")


@dataclass(frozen=True)
class Issue:
    id: int
    title: str
    category: str
    about_unit_id: int
    owner_unit_id: int
    severity: str
    state: IssueState
    place: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    ack_due_at: datetime
    handle_due_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    assignee_id: int | None
    agency: str
    duplicate_of: int | None
    resolution: str

    @classmethod
    def from_row(cls, row: Any) -> Issue:
        return cls(
            id=row["id"],
            title=row["title"],
            category=row["category"],
            about_unit_id=row["about_unit_id"],
            owner_unit_id=row["owner_unit_id"],
            severity=row["severity"],
            state=IssueState(row["state"]),
            place=row["place"],
            created_by=row["created_by"],
            created_at=required_ts(row["created_at"]),
            updated_at=required_ts(row["updated_at"]),
            ack_due_at=required_ts(row["ack_due_at"]),
            handle_due_at=required_ts(row["handle_due_at"]),
            acknowledged_at=from_ts(row["acknowledged_at"]),
            resolved_at=from_ts(row["resolved_at"]),
            closed_at=from_ts(row["closed_at"]),
            assignee_id=row["assignee_id"],
            agency=row["agency"],
            duplicate_of=row["duplicate_of"],
            resolution=row["resolution"],
        )


@dataclass(frozen=True)
class ThreadEntry:
    id: int
    issue_id: int
    at: datetime
    actor_id: int | None
    kind: str
    from_state: str | None
    to_state: str | None
    body: str
    shared: bool
    report_id: int | None

    @classmethod
    def from_row(cls, row: Any) -> ThreadEntry:
        at = from_ts(row["at"])
        assert at is not None
        return cls(
            row["id"],
            row["issue_id"],
            at,
            row["actor_id"],
            row["kind"],
            row["from_state"],
            row["to_state"],
            row["body"],
            bool(row["shared"]),
            row["report_id"],
        )


@dataclass(slots=True)
class NewReport:
    """What a member files: a report's own fields, declared once (``Report`` and the exports' rows are this
    plus the ids and times). Slotted and not frozen: an export builds a quarter of a million ``Report``s, and a
    frozen dataclass is built seven times slower."""

    member_id: int
    unit_id: int
    category: str
    place: str
    latitude: float | None
    longitude: float | None
    description: str
    severity: str
    people: str
    source: str
    citizen: str
    confidential: bool


@dataclass(slots=True)
class Report(NewReport):
    """A filed report: the fields of ``NewReport``, its ids and its times."""

    id: int
    issue_id: int
    created_at: datetime
    withdrawn_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Report:
        values = {c: row[c] for c in REPORT_COLUMNS}
        created = from_ts(row["created_at"])
        assert created is not None
        values.update(
            confidential=bool(row["confidential"]),
            created_at=created,
            withdrawn_at=from_ts(row["withdrawn_at"]),
        )
        return cls(**values)


#: The ``reports`` table's columns in ``Report``'s field order (a row read in this order builds a Report).
REPORT_COLUMNS = tuple(f.name for f in fields(Report))


async def create_issue(
    tx: Tx,
    *,
    title: str,
    category: str,
    about_unit_id: int,
    owner_unit_id: int,
    severity: str,
    place: str,
    created_by: int | None,
    now: datetime,
    ack_due_at: datetime,
    handle_due_at: datetime,
) -> int:
    return await tx.insert(
        "INSERT INTO issues (title, category, about_unit_id, owner_unit_id, severity, state, place, created_by,"
        " created_at, updated_at, ack_due_at, handle_due_at) VALUES (?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?)",
        (
            title,
            category,
            about_unit_id,
            owner_unit_id,
            severity,
            place,
            created_by,
            ts(now),
            ts(now),
            ts(ack_due_at),
            ts(handle_due_at),
        ),
    )


async def get_issue(tx: Tx, issue_id: int) -> Issue | None:
    row = await tx.fetchone("SELECT * FROM issues WHERE id = ?", (issue_id,))
    return Issue.from_row(row) if row else None


async def get_issues(tx: Tx, ids: list[int]) -> list[Issue]:
    """These issues in the order of ``ids``, in one query (unknown ids are left out)."""
    if not ids:
        return []
    rows = await tx.fetchall(f"SELECT * FROM issues WHERE id IN ({','.join('?' for _ in ids)})", ids)
    found = {r["id"]: Issue.from_row(r) for r in rows}
    return [found[i] for i in ids if i in found]


async def add_report(tx: Tx, issue_id: int, r: NewReport, now: datetime) -> int:
    return await tx.insert(
        "INSERT INTO reports (issue_id, member_id, unit_id, category, place, latitude, longitude, description,"
        " severity, people, source, citizen, confidential, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            issue_id,
            r.member_id,
            r.unit_id,
            r.category,
            r.place,
            r.latitude,
            r.longitude,
            r.description,
            r.severity,
            r.people,
            r.source,
            r.citizen,
            1 if r.confidential else 0,
            ts(now),
        ),
    )


async def add_thread_entry(
    tx: Tx,
    issue_id: int,
    now: datetime,
    kind: str,
    *,
    actor_id: int | None = None,
    body: str = "",
    shared: bool = False,
    from_state: str | None = None,
    to_state: str | None = None,
    report_id: int | None = None,
) -> int:
    return await tx.insert(
        "INSERT INTO thread_entries (issue_id, at, actor_id, kind, from_state, to_state, body, shared, report_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (issue_id, ts(now), actor_id, kind, from_state, to_state, body, 1 if shared else 0, report_id),
    )


async def add_attachment(
    tx: Tx,
    issue_id: int,
    now: datetime,
    *,
    kind: str,
    file_ref: str,
    mime_type: str = "",
    filename: str = "",
    size: int = 0,
    file_id: str = "",
    report_id: int | None = None,
    entry_id: int | None = None,
) -> int:
    return await tx.insert(
        "INSERT INTO attachments (issue_id, report_id, entry_id, kind, file_ref, mime_type, filename, size,"
        " file_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (issue_id, report_id, entry_id, kind, file_ref, mime_type, filename, size, file_id, ts(now)),
    )


@dataclass(frozen=True)
class StoredAttachment:
    id: int
    issue_id: int
    report_id: int | None
    entry_id: int | None
    kind: str
    file_ref: str
    mime_type: str
    filename: str
    size: int
    file_id: str = ""  # the platform's id of the file (Telegram), "" when unknown


async def list_attachments(
    tx: Tx, issue_id: int, *, report_id: int | None = None, entry_id: int | None = None
) -> list[StoredAttachment]:
    sql = (
        "SELECT id, issue_id, report_id, entry_id, kind, file_ref, mime_type, filename, size, file_id"
        " FROM attachments"
    )
    sql += " WHERE issue_id = ?"
    params: list[Any] = [issue_id]
    if report_id is not None:
        sql += " AND report_id = ?"
        params.append(report_id)
    if entry_id is not None:
        sql += " AND entry_id = ?"
        params.append(entry_id)
    return [StoredAttachment(*r) for r in await tx.fetchall(sql + " ORDER BY id", params)]


async def list_thread(tx: Tx, issue_id: int, *, shared_only: bool = False) -> list[ThreadEntry]:
    sql = "SELECT * FROM thread_entries WHERE issue_id = ?" + (" AND shared = 1" if shared_only else "")
    return [ThreadEntry.from_row(r) for r in await tx.fetchall(sql + " ORDER BY id", (issue_id,))]


async def list_reports(tx: Tx, issue_id: int) -> list[Report]:
    rows = await tx.fetchall("SELECT * FROM reports WHERE issue_id = ? ORDER BY id", (issue_id,))
    return [Report.from_row(r) for r in rows]


async def get_report(tx: Tx, report_id: int) -> Report | None:
    row = await tx.fetchone("SELECT * FROM reports WHERE id = ?", (report_id,))
    return Report.from_row(row) if row else None


async def count_active_reports(tx: Tx, issue_id: int) -> int:
    value = await tx.fetchval(
        "SELECT COUNT(*) FROM reports WHERE issue_id = ? AND withdrawn_at IS NULL", (issue_id,)
    )
    return int(value or 0)


@dataclass(frozen=True)
class MyReportRow:
    report_id: int
    issue_id: int
    category: str
    state: str
    title: str
    created_at: datetime


async def list_member_reports(tx: Tx, member_id: int, *, limit: int, offset: int) -> list[MyReportRow]:
    rows = await tx.fetchall(
        "SELECT r.id, r.issue_id, i.category, i.state, i.title, r.created_at FROM reports r"
        " JOIN issues i ON i.id = r.issue_id WHERE r.member_id = ?"
        " ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?",
        (member_id, limit, offset),
    )
    out = []
    for r in rows:
        created = from_ts(r[5])
        assert created is not None
        out.append(MyReportRow(r[0], r[1], r[2], r[3], r[4], created))
    return out


async def count_member_reports(tx: Tx, member_id: int) -> int:
    return int(await tx.fetchval("SELECT COUNT(*) FROM reports WHERE member_id = ?", (member_id,)) or 0)


@dataclass(frozen=True)
class SimilarCandidate:
    issue_id: int
    place: str
    created_at: datetime
    reports: int
    text: str  # title and report descriptions, for ranking only: never shown to the member


async def list_open_issues_like(
    tx: Tx, unit_id: int, category: str, limit: int = 50
) -> list[SimilarCandidate]:
    """Open issues about this unit in this category, newest first, with their reports' text."""
    placeholders = ",".join("?" for _ in OPEN_STATES)
    rows = await tx.fetchall(
        "SELECT i.id, i.place, i.created_at, i.title,"
        " (SELECT COUNT(*) FROM reports r WHERE r.issue_id = i.id AND r.withdrawn_at IS NULL) AS n"
        f" FROM issues i WHERE i.about_unit_id = ? AND i.category = ? AND i.state IN ({placeholders})"
        " ORDER BY i.created_at DESC LIMIT ?",
        (unit_id, category, *OPEN_STATES, limit),
    )
    texts = await _report_texts(tx, [r[0] for r in rows])
    out = []
    for r in rows:
        created = from_ts(r[2])
        assert created is not None
        body = " ".join([r[3], *texts[r[0]]])
        out.append(SimilarCandidate(r[0], r[1], created, r[4], body))
    return out


async def _report_texts(tx: Tx, issue_ids: list[int]) -> dict[int, list[str]]:
    """Each issue's reports as "description place", in report order: one query for all the issues."""
    texts: dict[int, list[str]] = {i: [] for i in issue_ids}
    if issue_ids:
        rows = await tx.fetchall(
            f"SELECT issue_id, description, place FROM reports WHERE issue_id IN ({','.join('?' for _ in issue_ids)})"
            " ORDER BY issue_id, id",
            issue_ids,
        )
        for issue_id, description, place in rows:
            texts[issue_id].append(f"{description} {place}")
    return texts


async def mark_report_withdrawn(tx: Tx, report_id: int, now: datetime) -> None:
    await tx.execute("UPDATE reports SET withdrawn_at = ? WHERE id = ?", (ts(now), report_id))


async def set_issue_state(
    tx: Tx, issue_id: int, state: str, now: datetime, *, expect: str | None = None
) -> bool:
    """Change the state; with ``expect``, only if the issue is still in that state (one of two racers wins)."""
    if expect is None:
        cur = await tx.execute(
            "UPDATE issues SET state = ?, updated_at = ? WHERE id = ?", (state, ts(now), issue_id)
        )
    else:
        cur = await tx.execute(
            "UPDATE issues SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
            (state, ts(now), issue_id, expect),
        )
    return cur.rowcount == 1


async def count_leader_entries(tx: Tx, issue_id: int, reporter_ids: list[int]) -> int:
    """Thread entries by anyone other than the reporters (a leader acted)."""
    placeholders = ",".join("?" for _ in reporter_ids) or "NULL"
    value = await tx.fetchval(
        f"SELECT COUNT(*) FROM thread_entries WHERE issue_id = ? AND actor_id IS NOT NULL"
        f" AND actor_id NOT IN ({placeholders})",
        (issue_id, *reporter_ids),
    )
    return int(value or 0)


ISSUE_FIELDS = (
    "state",
    "category",
    "severity",
    "owner_unit_id",
    "assignee_id",
    "agency",
    "duplicate_of",
    "resolution",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "ack_due_at",
    "handle_due_at",
)


async def update_issue(
    tx: Tx, issue_id: int, now: datetime, *, expect_states: tuple[str, ...] | None = None, **fields: Any
) -> bool:
    """Set fields; with ``expect_states``, only if the issue is in one of them (of two racers, one wins).

    A new ``handle_due_at`` set here (a reopening's) is an original deadline again: the one kept from before
    an extension is cleared (only ``storage.extensions.extend_deadline`` moves a deadline and keeps it)."""
    unknown = set(fields) - set(ISSUE_FIELDS)
    if unknown:
        raise ValueError(f"not issue fields: {sorted(unknown)}")
    sets: list[str] = ["updated_at = ?"]
    if "handle_due_at" in fields:
        sets.append("original_handle_due_at = NULL")
    params: list[Any] = [ts(now)]
    for key, value in fields.items():
        sets.append(f"{key} = ?")
        params.append(ts(value) if isinstance(value, datetime) else value)
    sql = f"UPDATE issues SET {', '.join(sets)} WHERE id = ?"
    params.append(issue_id)
    if expect_states is not None:
        sql += f" AND state IN ({','.join('?' for _ in expect_states)})"
        params.extend(expect_states)
    cur = await tx.execute(sql, params)
    return cur.rowcount == 1


async def list_reporter_ids(tx: Tx, issue_id: int) -> list[int]:
    rows = await tx.fetchall(
        "SELECT DISTINCT member_id FROM reports WHERE issue_id = ? AND withdrawn_at IS NULL ORDER BY member_id",
        (issue_id,),
    )
    return [r[0] for r in rows]


async def count_recent_reports(
    tx: Tx,
    *,
    since: datetime,
    issue_id: int | None = None,
    unit_id: int | None = None,
    category: str | None = None,
) -> int:
    sql = "SELECT COUNT(*) FROM reports WHERE created_at >= ? AND withdrawn_at IS NULL"
    params: list[Any] = [ts(since)]
    if issue_id is not None:
        sql += " AND issue_id = ?"
        params.append(issue_id)
    if unit_id is not None:
        sql += " AND unit_id = ?"
        params.append(unit_id)
    if category is not None:
        sql += " AND category = ?"
        params.append(category)
    return int(await tx.fetchval(sql, params) or 0)


async def list_issues_in_units(
    tx: Tx,
    unit_ids: list[int],
    *,
    states: tuple[str, ...] = OPEN_STATES,
    overdue_at: datetime | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[Issue]:
    """Issues owned by these units, overdue first then by deadline."""
    if not unit_ids:
        return []
    sql = (
        f"SELECT * FROM issues WHERE owner_unit_id IN ({','.join('?' for _ in unit_ids)})"
        f" AND state IN ({','.join('?' for _ in states)})"
    )
    params: list[Any] = [*unit_ids, *states]
    if overdue_at is not None:
        sql += " AND handle_due_at < ?"
        params.append(ts(overdue_at))
    sql += " ORDER BY handle_due_at, id LIMIT ? OFFSET ?"
    params += [limit, offset]
    return [Issue.from_row(r) for r in await tx.fetchall(sql, params)]


async def count_issues_in_units(
    tx: Tx, unit_ids: list[int], *, states: tuple[str, ...] = OPEN_STATES, overdue_at: datetime | None = None
) -> int:
    if not unit_ids:
        return 0
    sql = (
        f"SELECT COUNT(*) FROM issues WHERE owner_unit_id IN ({','.join('?' for _ in unit_ids)})"
        f" AND state IN ({','.join('?' for _ in states)})"
    )
    params: list[Any] = [*unit_ids, *states]
    if overdue_at is not None:
        sql += " AND handle_due_at < ?"
        params.append(ts(overdue_at))
    return int(await tx.fetchval(sql, params) or 0)


async def list_issue_texts_in_units(
    tx: Tx, unit_ids: list[int], limit: int = 2000
) -> list[tuple[Issue, str]]:
    """Issues owned by these units with their reports' text, newest first (for accent-insensitive search)."""
    if not unit_ids:
        return []
    rows = await tx.fetchall(
        f"SELECT * FROM issues WHERE owner_unit_id IN ({','.join('?' for _ in unit_ids)})"
        " ORDER BY id DESC LIMIT ?",
        (*unit_ids, limit),
    )
    issues = [Issue.from_row(r) for r in rows]
    texts = await _report_texts(tx, [i.id for i in issues])
    return [(i, " ".join([i.title, i.place, *texts[i.id]])) for i in issues]


async def list_duplicates_of(tx: Tx, issue_id: int) -> list[int]:
    rows = await tx.fetchall("SELECT id FROM issues WHERE duplicate_of = ? ORDER BY id", (issue_id,))
    return [r[0] for r in rows]


async def list_open_assignments(tx: Tx, member_id: int) -> list[Issue]:
    rows = await tx.fetchall(
        f"SELECT * FROM issues WHERE assignee_id = ? AND state IN ({','.join('?' for _ in OPEN_STATES)}) ORDER BY id",
        (member_id, *OPEN_STATES),
    )
    return [Issue.from_row(r) for r in rows]
