"""Filing a confirmed report: the issue it creates (or the open one it joins), its deadlines and owner, the
report, its attachments, the thread entry and the audit row — one transaction, no messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.config import Settings
from bot.core.workcal import WorkCalendar
from handlers.drafts import ReportDraft
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.db import Tx


@dataclass(frozen=True)
class Filed:
    issue_id: int
    report_id: int
    created: bool
    owner_unit_id: int
    ack_due_at: datetime
    handle_due_at: datetime
    reports: int


def deadlines(
    settings: Settings, calendar: WorkCalendar, severity: str, now: datetime
) -> tuple[datetime, datetime]:
    d = settings.deadlines
    if severity == "urgent":
        return now + timedelta(hours=d.urgent_ack_hours), now + timedelta(hours=d.urgent_handle_hours)
    ack = calendar.add_working_hours(now, d.ack_working_hours)
    days = d.pressing_handle_working_days if severity == "pressing" else d.normal_handle_working_days
    return ack, calendar.add_working_days(now, days)


async def owner_unit(tx: Tx, settings: Settings, about_unit_id: int, category: str) -> int:
    """Who owns an issue: the unit it is about, or for sensitive categories the unit above it."""
    cat = settings.category(category)
    if cat is not None and cat.sensitive:
        ancestors = await un.list_ancestor_ids(tx, about_unit_id)
        return ancestors[0] if ancestors else about_unit_id
    return about_unit_id


def title_of(description: str) -> str:
    first = next((line.strip() for line in description.splitlines() if line.strip()), "")
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


async def file_report(
    tx: Tx,
    settings: Settings,
    calendar: WorkCalendar,
    now: datetime,
    member: mem.Member,
    draft: ReportDraft,
) -> Filed:
    """Create the issue (or add to an open one), the report, its attachments, the thread entry and the audit row."""
    assert draft.unit_id is not None  # the flow asks the unit before the summary
    description = "\n".join(draft.description)
    location = draft.location
    report = iss.NewReport(
        member_id=member.id,
        unit_id=draft.unit_id,
        category=draft.category,
        place=draft.place,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
        description=description,
        severity=draft.severity,
        people=draft.people,
        source=draft.source,
        citizen=draft.citizen,
        confidential=draft.confidential,
    )
    target = await iss.get_issue(tx, draft.add_to) if draft.add_to else None
    if target is not None and (
        target.state not in iss.OPEN_STATES
        or target.about_unit_id != report.unit_id
        or target.category != report.category
    ):
        target = None  # it closed or moved meanwhile: file separately
    created = target is None
    if target is None:
        ack_due, handle_due = deadlines(settings, calendar, report.severity, now)
        owner = await owner_unit(tx, settings, report.unit_id, report.category)
        issue_id = await iss.create_issue(
            tx,
            title=title_of(description),
            category=report.category,
            about_unit_id=report.unit_id,
            owner_unit_id=owner,
            severity=report.severity,
            place=report.place,
            created_by=member.id,
            now=now,
            ack_due_at=ack_due,
            handle_due_at=handle_due,
        )
        issue = await iss.get_issue(tx, issue_id)
        assert issue is not None
    else:
        issue = target
    report_id = await iss.add_report(tx, issue.id, report, now)
    entry_id = await iss.add_thread_entry(
        tx,
        issue.id,
        now,
        "report",
        actor_id=member.id,
        shared=True,
        report_id=report_id,
        to_state=issue.state if created else None,
    )
    for a in draft.attachments:
        await iss.add_attachment(tx, issue.id, now, report_id=report_id, entry_id=entry_id, **a)
    await add_audit(
        tx, now, f"member:{member.id}", "report.file" if created else "report.add", f"issue:{issue.id}",
        report=report_id,
    )  # fmt: skip
    return Filed(
        issue.id,
        report_id,
        created,
        issue.owner_unit_id,
        issue.ack_due_at,
        issue.handle_due_at,
        await iss.count_active_reports(tx, issue.id),
    )
