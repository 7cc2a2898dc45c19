"""The privacy retention purge (Nghị định 13/2023/NĐ-CP): what an ended issue keeps after N months."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.clock import ManualClock
from bot.core.messages import Attachment, Outgoing
from bot.ops.backup import months_before
from bot.ops.purge import purge_private_data
from bot.runtime import Services
from handlers.drafts import ReportDraft
from handlers.report import file_report
from scheduler.maintenance import privacy_job
from storage import issues as iss
from storage import members as mem
from storage.audit import list_audit
from storage.outbox import enqueue_message, mark_message_sent
from tests.conftest import VN
from tests.seed import seed_units

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=VN)


@dataclass
class World:
    services: Services
    member: mem.Member
    refs: dict[str, str]


async def make_world(services: Services) -> World:
    seeded = await seed_units(services.db, NOW)
    async with services.db.transaction() as tx:
        member_id = await mem.create_member(tx, "Nguyễn Thị Lan", "member", seeded.units["X01"], NOW)
        member = await mem.get_member(tx, member_id)
    assert member is not None
    files = services.files
    refs = {name: files.save(f"bytes of {name}".encode(), ".jpg") for name in ("a", "b", "c", "d", "shared")}
    return World(services, member, refs)


async def issue(
    w: World, text: str, *, citizen: str, photos: list[str], state: str, ended: datetime | None,
    updated: datetime, category: str = "nuoc_san_xuat",
) -> int:  # fmt: skip
    s = w.services
    draft = {
        "category": category,
        "unit_id": w.member.unit_id,
        "description": [text],
        "severity": "normal",
        "people": "household",
        "source": "direct",
        "citizen": citizen,
        "confidential": bool(citizen),
        "attachments": [
            {
                "kind": "photo",
                "file_ref": w.refs[p],
                "mime_type": "image/jpeg",
                "filename": f"{p}.jpg",
                "size": 9,
            }
            for p in photos
        ],
    }
    async with s.db.transaction() as tx:
        filed = await file_report(
            tx, s.settings, s.calendar, updated - timedelta(days=30), w.member, ReportDraft(**draft)
        )
        if state != "new":
            await iss.update_issue(tx, filed.issue_id, updated, state=state, closed_at=ended)
    return filed.issue_id


async def test_months_before_is_calendar_aware() -> None:
    assert months_before(NOW, 24) == datetime(2024, 12, 1, 9, 30, tzinfo=VN)
    assert months_before(datetime(2026, 3, 31, tzinfo=VN), 1) == datetime(2026, 2, 28, tzinfo=VN)
    assert months_before(datetime(2026, 1, 15, tzinfo=VN), 13) == datetime(2024, 12, 15, tzinfo=VN)


async def test_ended_issues_lose_citizen_details_and_files_after_the_retention_period(
    services: Services, clock: ManualClock
) -> None:
    w = await make_world(services)
    db, files = services.db, services.files
    old, recent = NOW - timedelta(days=25 * 31), NOW - timedelta(days=23 * 30)
    closed_old = await issue(w, "Mương vỡ", citizen="Bà Lê Thị Mai", photos=["a", "shared"], state="closed",
                             ended=old, updated=old)  # fmt: skip
    closed_recent = await issue(w, "Cột điện", citizen="Ông Tư", photos=["b", "shared"],
                                state="closed_without_action", ended=recent, updated=recent)  # fmt: skip
    open_old = await issue(w, "Khói nhà máy", citizen="Ông Ba", photos=["c"], state="new", ended=None,
                           updated=old)  # fmt: skip
    dup_old = await issue(w, "Mương vỡ lần 2", citizen="Chị Hoa", photos=["d"], state="duplicate", ended=None,
                          updated=old)  # fmt: skip
    # a message still waiting to be sent needs file d; an old delivered message and an old pending one
    async with db.transaction() as tx:
        waiting = Outgoing("101", "ảnh", attachments=[Attachment("photo", w.refs["d"])], channel="telegram")
        await enqueue_message(tx, "telegram", "101", waiting.to_json(), old)
        sent_old = await enqueue_message(
            tx, "telegram", "101", Outgoing("101", "Bà Lê Thị Mai").to_json(), old
        )
        await mark_message_sent(tx, sent_old, old, "5")
        sent_new = await enqueue_message(tx, "telegram", "101", Outgoing("101", "mới").to_json(), recent)
        await mark_message_sent(tx, sent_new, recent, "6")
    orphan = files.save(b"a photo a stranger sent, never kept", ".jpg")
    fresh_orphan = files.save(b"sent a minute ago, its transaction not yet committed", ".jpg")
    old_time = NOW.timestamp() - 40 * 86_400  # forty days before the purge's clock
    os.utime(files.path(orphan), (old_time, old_time))

    async def state() -> tuple[object, ...]:
        reports = {
            i: await iss.list_reports(db.reader, i) for i in (closed_old, closed_recent, open_old, dup_old)
        }
        atts = {
            i: await iss.list_attachments(db.reader, i)
            for i in (closed_old, closed_recent, open_old, dup_old)
        }
        outbox = await db.reader.fetchval("SELECT COUNT(*) FROM outbox")
        present = sorted(p.name for p in files.root.rglob("*.jpg"))
        return reports, atts, outbox, present

    before = await state()
    dry = await purge_private_data(db, files, NOW, months=24, dry_run=True)
    assert await state() == before  # a dry run only counts
    assert await list_audit(db.reader, action="privacy.purge") == []
    assert (dry.issues, dry.citizens, dry.attachments, dry.files, dry.messages, dry.orphans) == (
        2,
        2,
        3,
        1,
        1,
        1,
    )

    done = await purge_private_data(db, files, NOW, months=24)
    assert (done.issues, done.citizens, done.attachments, done.files, done.messages, done.orphans) == (
        dry.issues, dry.citizens, dry.attachments, dry.files, dry.messages, dry.orphans,
    )  # fmt: skip

    reports = {
        i: (await iss.list_reports(db.reader, i))[0] for i in (closed_old, closed_recent, open_old, dup_old)
    }
    assert [(reports[i].citizen, reports[i].confidential) for i in (closed_old, dup_old)] == [("", True)] * 2
    assert reports[closed_recent].citizen == "Ông Tư" and reports[open_old].citizen == "Ông Ba"
    assert reports[closed_old].description == "Mương vỡ"  # the history stays
    gone = await iss.list_attachments(db.reader, closed_old)
    assert [(a.kind, a.file_ref, a.filename, a.size) for a in gone] == [("photo", "", "", 9)] * 2
    assert [a.file_ref for a in await iss.list_attachments(db.reader, dup_old)] == [""]
    assert not files.path(w.refs["a"]).exists()  # only the purged issue had it
    assert files.path(w.refs["shared"]).exists()  # the recent issue still has it
    assert files.path(w.refs["d"]).exists()  # a message waiting to be sent still needs it
    assert files.path(w.refs["b"]).exists() and files.path(w.refs["c"]).exists()
    assert not files.path(orphan).exists() and files.path(fresh_orphan).exists()
    statuses = [r[0] for r in await db.reader.fetchall("SELECT status FROM outbox ORDER BY id")]
    assert statuses == ["pending", "sent"]  # the old delivered copy went; the pending and recent stay

    [audit] = await list_audit(db.reader, action="privacy.purge")
    assert audit.actor == "system:privacy"
    assert audit.detail["citizens"] == 2 and audit.detail["issues"] == 2 and audit.detail["months"] == 24

    again = await purge_private_data(db, files, NOW, months=24)  # nothing left to do
    assert (again.citizens, again.attachments, again.files, again.messages, again.orphans) == (0, 0, 0, 0, 0)
    assert again.issues == 2


async def test_the_privacy_job_runs_the_purge_with_its_period(services: Services, clock: ManualClock) -> None:
    w = await make_world(services)
    old = NOW - timedelta(days=8 * 31)
    closed = await issue(
        w, "Rác thải", citizen="Ông Năm", photos=["a"], state="withdrawn", ended=old, updated=old
    )
    job = privacy_job(6)
    assert job.name == "privacy" and job.cron == {"hour": 3, "minute": 45}
    summary = await job.run_due(services, NOW)
    assert summary.startswith("privacy (6 month(s), before 01/06/2026): 1 ended issue(s); cleared 1 citizen")
    assert (await iss.list_reports(services.db.reader, closed))[0].citizen == ""
    longer = await privacy_job(24).run_due(services, NOW)
    assert longer.startswith("privacy (24 month(s), before 01/12/2024): 0 ended issue(s); cleared 0 citizen")
