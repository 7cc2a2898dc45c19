"""The digest leaves out, in SQL, exactly the issues ``access.leads`` keeps from a leader: every section, for a
leader at each level, an admin, an inactive leader and a plain member, on a tree with sensitive matters
owned at every level and about units at every level."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from bot.core.clock import ManualClock
from bot.core.tables import Row
from bot.runtime import Services
from handlers import access
from handlers.admin import import_units
from scheduler.followups import DIGEST_LINES, digest_for, hidden_from, system_context
from storage import followups as fu
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.db import Tx
from tests.conftest import VN

TREE = [
    ("T01", "Tỉnh Bình Thuận", ""),
    ("H01", "Huyện Hàm Thuận Bắc", "T01"),
    ("X11", "Xã Hàm Chính", "H01"),
    ("X12", "Xã Hàm Hiệp", "H01"),
    ("H02", "Huyện Bắc Bình", "T01"),
    ("X21", "Xã Phan Hòa", "H02"),
]
SENSITIVE = "nhung_nhieu_can_bo"
NOW = datetime(2026, 11, 10, 10, 0, tzinfo=VN)  # a Tuesday morning
SINCE = NOW - timedelta(days=1)
LIMIT = 3


async def _issues(tx: Tx, codes: dict[str, int], leader_of: dict[str, int]) -> None:
    """Issues in every state a section picks, owned at every level, about every unit, of both kinds."""
    n = 0
    for owner, category in itertools.product(codes, (SENSITIVE, "dien_sinh_hoat")):
        for about in codes.values():  # about any unit: below, above or beside the owner
            for kind in ("new", "overdue", "proposal", "resolved", "old", "escalated"):
                n += 1
                created = NOW - timedelta(hours=2) if kind == "new" else NOW - timedelta(days=9)
                issue_id = await iss.create_issue(
                    tx, title=f"Vụ {n}", category=category, about_unit_id=about, owner_unit_id=codes[owner],
                    severity="normal", place="", created_by=None, now=created,
                    ack_due_at=created + timedelta(days=1), handle_due_at=created + timedelta(days=7),
                )  # fmt: skip
                if kind == "overdue":
                    await iss.update_issue(tx, issue_id, created, state="acknowledged")
                elif kind == "proposal":
                    await iss.update_issue(tx, issue_id, created, state="assigned")
                    await iss.add_thread_entry(tx, issue_id, created, "proposal", body="Đã sửa")
                elif kind == "resolved":
                    await iss.update_issue(
                        tx, issue_id, NOW, state="resolved", resolved_at=NOW - timedelta(hours=1)
                    )
                elif kind == "old":
                    await iss.update_issue(tx, issue_id, created, state="closed")
                else:  # escalated to every unit above the owner, and (wrongly) to one outside its line
                    await iss.update_issue(tx, issue_id, created, state="assigned")
                    targets = [*await un.list_ancestor_ids(tx, codes[owner]), codes["X21"], codes["X11"]]
                    for level, target in enumerate(targets, 1):
                        await fu.record_followup(
                            tx, issue_id, "escalate", level, created + timedelta(days=7), NOW - timedelta(hours=3),
                            target,
                        )  # fmt: skip
    assert n > 100 and leader_of


async def _reference(tx: Tx, services: Services, leader: mem.Member) -> list[fu.Section]:
    """The sections as before: every issue read, then ``access.leads`` asked about each."""
    units = await access.scope_units(tx, leader)
    lists = [
        await fu.list_issues_created_between(tx, units, SINCE, NOW),
        await fu.list_overdue_issues(tx, units, NOW),
        await fu.list_waiting_issues(tx, units),
        await fu.list_escalated_to(tx, leader.unit_id, SINCE),
        await fu.list_issues_resolved_between(tx, units, SINCE, NOW),
    ]
    out = []
    for issues in lists:
        seen = [i.id for i in issues if await access.leads(tx, services.settings, leader, i)]
        out.append(fu.Section(len(seen), seen[:LIMIT]))
    return out


async def _sections(
    tx: Tx, services: Services, leader: mem.Member, hidden: fu.Hidden | None = None, limit: int = LIMIT
) -> list[fu.Section]:
    if hidden is None:
        hidden = await hidden_from(system_context(services, tx, NOW), leader)
    units = await access.scope_units(tx, leader)
    return [
        await fu.created_section(tx, units, SINCE, NOW, hidden, limit),
        await fu.overdue_section(tx, units, NOW, hidden, limit),
        await fu.waiting_section(tx, units, hidden, limit),
        await fu.escalated_section(tx, leader.unit_id, SINCE, units, hidden, limit),
        await fu.resolved_section(tx, units, SINCE, NOW, hidden, limit),
    ]


async def test_the_digest_hides_what_leads_hides(services: Services, clock: ManualClock) -> None:
    clock.set(NOW)
    rows = [Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True))) for i, u in enumerate(TREE)]
    async with services.db.transaction() as tx:
        await import_units(tx, rows, NOW - timedelta(days=30))
        codes = {u.code: u.id for u in await un.list_units(tx)}
        people = {
            code: await mem.create_member(tx, f"Lãnh đạo {code}", "leader", uid, NOW)
            for code, uid in codes.items()
        }
        admin = await mem.create_member(tx, "Quản trị", "admin", codes["T01"], NOW)
        plain = await mem.create_member(tx, "Thành viên", "member", codes["X11"], NOW)
        gone = await mem.create_member(tx, "Đã nghỉ", "leader", codes["H01"], NOW)
        await mem.deactivate_member(tx, gone, NOW)
        await _issues(tx, codes, people)

    async with services.db.transaction() as tx:
        hidden_somewhere = 0
        for member_id in [*people.values(), admin, plain, gone]:
            leader = await mem.get_member(tx, member_id)
            assert leader is not None
            expected = await _reference(tx, services, leader)
            if leader.active and leader.role in ("leader", "admin"):
                got = await _sections(tx, services, leader)
                assert got == expected, leader.name
                everything = await _sections(tx, services, leader, fu.Hidden())
                hidden_somewhere += sum(a.count - b.count for a, b in zip(everything, got, strict=True))
                assert any(s.count > LIMIT for s in got)  # the limit is exercised
            else:
                assert all(s.count == 0 for s in expected)
                assert await digest_for(system_context(services, tx, NOW), leader, SINCE) is None
        assert hidden_somewhere > 0  # the sensitive matters were really left out for someone

        # the digest itself names the first lines of each section, counts the rest
        x11 = await mem.get_member(tx, people["X11"])
        assert x11 is not None
        digest = await digest_for(system_context(services, tx, NOW), x11, SINCE)
        assert digest is not None
        text, named = digest
        sections = await _sections(tx, services, x11, limit=DIGEST_LINES)
        ids = list(dict.fromkeys(i for s in sections for i in s.ids))
        assert named == ids
        assert all(f"#{i} " in text for i in ids)
