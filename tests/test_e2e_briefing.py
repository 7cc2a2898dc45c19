"""/briefing end to end through the emulator: a district leader asks for the quarter's pack and receives the
summary, the charts as photos, and the XLSX and DOCX as documents that open."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.tables import Row
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from handlers import briefing, people, router
from handlers.admin import import_units
from scheduler.briefings import briefing_job
from storage.timeutil import ts
from tests import e2e
from tests.conftest import VN
from tests.e2e import running
from tests.test_e2e_followups import report

START = datetime(2026, 12, 1, 9, 30, tzinfo=VN)  # a Tuesday morning
TREE = [("T01", "Tỉnh Bình Thuận", ""), ("H01", "Huyện Hàm Thuận Bắc", "T01"),
        ("X11", "Xã Hàm Chính", "H01"), ("X12", "Xã Hàm Hiệp", "H01")]  # fmt: skip


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[App]:
    # the command and the job as the lead will wire them
    monkeypatch.setitem(router.COMMANDS, "briefing", briefing.cmd_briefing)
    for role in ("leader", "admin"):
        monkeypatch.setitem(people.ROLE_COMMANDS, role, (*people.ROLE_COMMANDS[role], "briefing"))
    async with running(tmp_path, emu, clock=ManualClock(START)) as a:
        job = briefing_job()
        a.runner.jobs[job.name] = job
        rows = [Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True))) for i, u in enumerate(TREE)]
        async with a.services.db.transaction() as tx:
            await import_units(tx, rows, START)
        yield a


join = partial(e2e.join, at=START, full_name_shown=True)


async def a_round(app: App) -> None:
    """The quarter's round (the round job made it at start): two members asked, one answered."""
    db = app.services.db
    opens = START - timedelta(days=10)
    async with db.transaction() as tx:
        rid = await tx.fetchval("SELECT id FROM rounds WHERE period = '2026Q4'")
        if rid is None:
            rid = await tx.insert(
                "INSERT INTO rounds (period, opens_at, closes_at, briefing_at) VALUES ('2026Q4', ?, ?, ?)",
                (ts(opens), ts(opens + timedelta(days=20)), ts(opens + timedelta(days=25))),
            )
        for name, unit, answered in (("Lan", "X11", True), ("Hoa", "X12", False)):
            member = await tx.fetchval("SELECT id FROM members WHERE name = ?", (name,))
            unit_id = await tx.fetchval("SELECT id FROM units WHERE code = ?", (unit,))
            await tx.execute(
                "INSERT INTO round_members (round_id, member_id, unit_id, prompted_at, answered_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (round_id, member_id) DO UPDATE"
                " SET prompted_at = excluded.prompted_at, answered_at = excluded.answered_at",
                (rid, member, unit_id, ts(opens), ts(opens + timedelta(days=1)) if answered else None),
            )
            if answered:
                await tx.execute(
                    "INSERT INTO round_answers (round_id, member_id, unit_id, kind, sector, value, created_at)"
                    " VALUES (?, ?, ?, 'mood', 'ha_tang', 'pressing', ?)",
                    (rid, member, unit_id, ts(opens + timedelta(days=1))),
                )


async def test_a_leader_asks_for_the_quarter_and_receives_the_pack(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Lan", "X11", "member")
    hoa = await join(app, emu, 102, "Hoa", "X12", "member")
    await report(lan, "Thôn 1 mất điện hai ngày")
    await report(hoa, "Xóm 2 thiếu nước tưới cho lúa")
    await a_round(app)
    minh = await join(app, emu, 301, "Minh", "H01", "leader")

    await minh.send_text("/briefing 2026Q9")
    assert (await minh.next_message()).text == t("vi", "briefing.usage", example="2026Q4", month="2026-12")
    await minh.send_text("/briefing 2026Q4")
    assert (await minh.next_message()).text == t(
        "vi", "briefing.preparing", period="quý 4/2026", unit="Huyện Hàm Thuận Bắc"
    )

    assert await app.runner.run("briefings") == "built 1, failed 0, skipped 0"
    got = await minh.next_messages(7)
    assert [m.kind for m in got] == ["text", "photo", "photo", "photo", "photo", "document", "document"]
    summary = got[0].text or ""
    assert summary.startswith("📊 Tình hình dư luận xã hội quý 4/2026 — Huyện Hàm Thuận Bắc")
    assert "Vụ việc mới: 2 (bức xúc 2, khẩn cấp 0); báo cáo của thành viên: 2." in summary
    assert "Tỷ lệ thành viên trả lời đợt lấy ý kiến: 50 % (1/2)." in summary
    assert all((m.file or b"").startswith(b"\x89PNG") for m in got[1:5])

    xlsx, docx = got[5], got[6]
    assert (xlsx.filename, docx.filename) == ("dlxh-2026Q4-H01.xlsx", "dlxh-2026Q4-H01.docx")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.file or b""))
    issues = list(wb["Vụ việc"].iter_rows(values_only=True))
    assert [r[1] for r in issues[1:]] == ["Thôn 1 mất điện hai ngày", "Xóm 2 thiếu nước tưới cho lúa"]
    doc = Document(io.BytesIO(docx.file or b""))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Tình hình dư luận xã hội quý 4/2026" in text
    assert len(doc.inline_shapes) == 4

    # delivered once: another pass finds nothing to do
    assert await app.runner.run("briefings") == "built 0, failed 0, skipped 0"
    assert minh.pending() == []
