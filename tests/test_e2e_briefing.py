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
from storage import members as mem
from storage import polls as pl
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


async def some_polls(app: App, leader: str) -> dict[str, int]:
    """Quick polls about the quarter: one of the district's, closed (8 answers of 9 asked: 6 in Hàm Chính, 2 in
    Hàm Hiệp); one of Hàm Hiệp's, still open, 3 answers; one of the province's and one closed in Q3 (not in)."""
    db = app.services.db
    async with db.transaction() as tx:
        units = {
            u: await tx.fetchval("SELECT id FROM units WHERE code = ?", (u,))
            for u in ("T01", "H01", "X11", "X12")
        }
        creator = await tx.fetchval("SELECT id FROM members WHERE name = ?", (leader,))
        members = {u: [await mem.create_member(tx, f"Người {u} {i}", "member", units[u], START) for i in range(6)]
                   for u in ("X11", "X12")}  # fmt: skip

        async def poll(unit: str, opened: datetime, closes: datetime, answers: dict[str, list[int]]) -> int:
            pid = await pl.create_poll(
                tx, unit_id=units[unit], created_by=creator, question=f"Câu hỏi của {unit} {opened:%d/%m}?",
                options=["Đồng ý", "Chưa đồng ý", "Chưa nắm được"], allow_other=True, closes_at=closes, now=opened,
            )  # fmt: skip
            asked = [
                (m, units[u]) for u in ("X11", "X12") for m in members[u][: max(len(answers.get(u, [])), 1)]
            ]
            await pl.add_recipients(tx, pid, [*asked, (members["X12"][5], units["X12"])], opened)
            for u, choices in answers.items():
                for m, choice in zip(members[u], choices, strict=False):
                    other = "Cần họp dân" if choice == 3 else ""
                    await pl.record_answer(tx, pid, m, units[u], choice, other, opened + timedelta(hours=1))
            if closes <= START:
                await pl.close_poll(tx, pid, closes)
                await pl.save_tallies(tx, pid, await pl.count_answers(tx, pid))
            return pid

        week_ago = START - timedelta(days=7)
        ids = {
            "district": await poll("H01", week_ago, START - timedelta(days=5), {"X11": [0, 0, 0, 1, 1, 3], "X12": [0, 1]}),
            "commune": await poll("X12", START - timedelta(days=1), START + timedelta(days=1), {"X12": [0, 1, 1]}),
            "province": await poll("T01", week_ago, START - timedelta(days=5), {"X11": [0, 0, 0, 0, 0]}),
            "q3": await poll("H01", datetime(2026, 9, 1, 8, tzinfo=VN), datetime(2026, 9, 5, 17, tzinfo=VN), {"X11": [1] * 5}),
        }  # fmt: skip
    return ids


async def test_the_pack_carries_the_quick_polls_counts_only(app: App, emu: TelegramEmulator) -> None:
    minh = await join(app, emu, 301, "Minh", "H01", "leader")
    ids = await some_polls(app, "Minh")
    await minh.send_text("/briefing 2026Q4")
    await minh.next_message()
    assert await app.runner.run("briefings") == "built 1, failed 0, skipped 0"
    got = await minh.next_messages(4)  # no issue, no round: the summary, the polls' chart, the two files
    assert [m.kind for m in got] == ["text", "photo", "document", "document"]
    assert (got[1].file or b"").startswith(b"\x89PNG")  # without the polls this period has no chart at all

    wb = openpyxl.load_workbook(io.BytesIO(got[2].file or b""))
    rows = list(wb["Thăm dò nhanh"].iter_rows(values_only=True))
    assert rows[0] == ("Số", "Câu hỏi", "Trạng thái", "Bắt đầu", "Kết thúc", "Đơn vị", "Phương án", "Số trả lời",
                       "Tỷ lệ (%)", "Số được hỏi")  # fmt: skip
    assert {r[0] for r in rows[1:]} == {ids["district"], ids["commune"]}  # not the province's, not Q3's
    district = [(r[5], r[6], r[7], r[8], r[9]) for r in rows[1:] if r[0] == ids["district"]]
    assert district == [
        ("Toàn bộ", "Đã trả lời", 8, 88.9, 9),
        ("Toàn bộ", "Đồng ý", 4, 50.0, None),
        ("Toàn bộ", "Chưa đồng ý", 3, 37.5, None),
        ("Toàn bộ", "Chưa nắm được", 0, 0.0, None),
        ("Toàn bộ", "Khác", 1, 12.5, None),
        # Hàm Hiệp's 2 answers are counted in the district's own row: a unit with fewer than 5 never shows
        ("Huyện Hàm Thuận Bắc", "Đồng ý", 1, 50.0, None),
        ("Huyện Hàm Thuận Bắc", "Chưa đồng ý", 1, 50.0, None),
        ("Huyện Hàm Thuận Bắc", "Chưa nắm được", 0, 0.0, None),
        ("Huyện Hàm Thuận Bắc", "Khác", 0, 0.0, None),
        ("Xã Hàm Chính", "Đồng ý", 3, 50.0, None),
        ("Xã Hàm Chính", "Chưa đồng ý", 2, 33.3, None),
        ("Xã Hàm Chính", "Chưa nắm được", 0, 0.0, None),
        ("Xã Hàm Chính", "Khác", 1, 16.7, None),
    ]
    commune = [(r[2], r[5], r[6], r[7], r[9]) for r in rows[1:] if r[0] == ids["commune"]]
    assert commune == [
        ("Đang diễn ra", "Toàn bộ", "Đã trả lời", 3, 5),
        ("Đang diễn ra", "Toàn bộ", "Dưới 5 trả lời: không nêu kết quả theo phương án", None, None),
    ]
    cells = {str(c) for r in rows for c in r if c is not None}
    assert not any("Người" in c or "Cần họp dân" in c for c in cells)  # never who answered, nor free text
    doc = Document(io.BytesIO(got[3].file or b""))
    assert len(doc.inline_shapes) == 1  # the polls' chart in the report too
