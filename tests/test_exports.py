"""The briefing pack and the exports, from data made through the real handlers (plus round rows inserted
directly): the XLSX and DOCX read back and checked against the database, confidential sources, formula and
control-character injection, periods, an empty period, the CLI's errors, the two DOCX layouts, the charts'
Vietnamese letters, /briefing and the job that builds and sends the pack."""

from __future__ import annotations

import argparse
import io
import sqlite3
import warnings
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import matplotlib
import openpyxl
import pytest
from docx import Document
from matplotlib import font_manager

from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.period import current_quarter, parse_period
from bot.core.tables import Row
from bot.core.texts import t
from bot.core.workcal import WorkCalendar
from bot.exports import cli as export_cli
from bot.exports.charts import render_charts
from bot.exports.document import DocxOptions, date_line
from bot.exports.model import MIN_RANKED, IssueFacts, issue_facts, load_pack, rank_units, stats_of
from bot.exports.pack import build_pack, write_csvs, write_xlsx
from bot.exports.safe import cell_text
from bot.runtime import Services
from handlers import briefing, people, router
from handlers.admin import import_units
from scheduler import briefings as job
from storage import briefings as br
from storage import exports as ex
from storage import members as mem
from storage import polls as pl
from storage.audit import list_audit
from storage.db import Database
from storage.outbox import list_outbox_after
from storage.timeutil import ts
from tests.conftest import VN
from tests.harness import Harness, Person, person, texts
from tests.test_report import file_by_taps

TREE = [
    ("T01", "Tỉnh Bình Thuận", ""),
    ("H01", "Huyện Hàm Thuận Bắc", "T01"),
    ("X11", "Xã Hàm Chính", "H01"),
    ("X12", "Xã Hàm Hiệp", "H01"),
]
Q4 = parse_period("2026Q4")
SECRET = "Ông Trần Văn Ba, 0905 111 222"
HYPERLINK = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


def register_briefing(monkeypatch: pytest.MonkeyPatch) -> None:
    """/briefing as the lead will wire it: a command for leaders and admins."""
    monkeypatch.setitem(router.COMMANDS, "briefing", briefing.cmd_briefing)
    for role in ("leader", "admin"):
        monkeypatch.setitem(people.ROLE_COMMANDS, role, (*people.ROLE_COMMANDS[role], "briefing"))


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    rows = [Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True))) for i, u in enumerate(TREE)]
    async with services.db.transaction() as tx:
        await import_units(tx, rows, clock.now())
    return Harness(services)


async def confidential_report(p: Person, description: str) -> None:
    await p.say("/report")
    await p.tap("Điện sinh hoạt")
    await p.say("Thôn 7")
    await p.say("Bỏ qua")
    await p.say(description)
    await p.tap("Xong")
    await p.tap("Bình thường")
    await p.tap("Một vài hộ")
    await p.tap("Nghe trực tiếp người dân")
    await p.tap("Có, ghi lại")
    await p.say(SECRET)
    out = await p.tap("Có, giữ bí mật")
    if "Tạo vụ việc mới" in [c.label for m in out for row in m.choices for c in row]:
        await p.tap("Tạo vụ việc mới")
    await p.tap("✔ Gửi báo cáo")


async def sensitive_report(p: Person, description: str) -> None:
    await p.say("/report")
    await p.tap("Nhũng nhiễu, tiêu cực của cán bộ, công chức")
    await p.say("Bỏ qua")
    await p.say("Bỏ qua")
    await p.say(description)
    await p.tap("Xong")
    await p.tap("Bức xúc")
    await p.tap("Một vài hộ")
    await p.tap("Nghe trực tiếp người dân")
    await p.tap("Không ghi")
    await p.tap("✔ Gửi báo cáo")


async def add_round(db: Database, members: dict[str, int], units: dict[str, int]) -> None:
    """A closed round for 2026Q4 with topics, prompts, answers (one late, one missing) and moods."""
    opens, closes = datetime(2026, 11, 20, 8, 0, tzinfo=VN), datetime(2026, 11, 30, 17, 0, tzinfo=VN)
    async with db.transaction() as tx:
        rid = await tx.insert(
            "INSERT INTO rounds (period, opens_at, closes_at, briefing_at, state, opened_at, closed_at)"
            " VALUES ('2026Q4', ?, ?, ?, 'closed', ?, ?)",
            (ts(opens), ts(closes), ts(closes + timedelta(days=3)), ts(opens), ts(closes)),
        )
        topic = await tx.insert(
            "INSERT INTO round_topics (round_id, unit_id, text, created_at) VALUES (?, ?, ?, ?)",
            (rid, units["H01"], "Giá điện và lịch cắt điện mùa khô", ts(opens)),
        )
        for name, unit, answered, late in (("lan", "X11", opens + timedelta(days=1), 0),
                                           ("hoa", "X12", closes + timedelta(days=1), 1),
                                           ("an", "X12", None, 0)):  # fmt: skip
            await tx.execute(
                "INSERT INTO round_members (round_id, member_id, unit_id, prompted_at, answered_at, late)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (rid, members[name], units[unit], ts(opens), ts(answered) if answered else None, late),
            )
        answers = [
            ("lan", "X11", "mood", None, "ha_tang", "pressing", 0),
            ("lan", "X11", "mood", None, "nong_nghiep", "concern", 0),
            ("hoa", "X12", "mood", None, "ha_tang", "stable", 1),
            ("lan", "X11", "concerns", None, None, "Bà con lo tiền điện tăng cao trong mùa khô", 0),
            ("hoa", "X12", "concerns", None, None, "@SUM(1) người dân hỏi về giá điện", 1),
            ("lan", "X11", "topic", topic, None, "Nhiều hộ phản ánh lịch cắt điện không báo trước", 0),
        ]
        for who, unit, kind, topic_id, sector, value, late in answers:
            await tx.execute(
                "INSERT INTO round_answers (round_id, member_id, unit_id, kind, topic_id, sector, value, late,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    rid,
                    members[who],
                    units[unit],
                    kind,
                    topic_id,
                    sector,
                    value,
                    late,
                    ts(opens + timedelta(days=1)),
                ),
            )


async def ids(db: Database) -> tuple[dict[str, int], dict[str, int]]:
    units = {r[0]: r[1] for r in await db.reader.fetchall("SELECT code, id FROM units")}
    members = {r[0]: r[1] for r in await db.reader.fetchall("SELECT name, id FROM members")}
    return units, members


@pytest.fixture
async def story(world: Harness, services: Services, clock: ManualClock) -> dict[str, Person]:
    """Reports, leaders' actions over a few days, a sensitive matter, a confidential source, a round."""
    c = {
        "lan": await person(world, "101", "Nguyễn Thị Lan", "X11", "member"),
        "hoa": await person(world, "102", "Võ Thị Hoa", "X12", "member"),
        "an": await person(world, "103", "Lê Văn An", "X12", "member"),
        "hung": await person(world, "201", "Trần Văn Hùng", "X11", "leader"),
        "minh": await person(world, "301", "Lê Quang Minh", "H01", "leader"),
        "quang": await person(world, "401", "Phạm Quang", "T01", "admin"),
    }
    await file_by_taps(c["lan"], "Thôn 1 mất điện hai ngày nay, bà con rất bức xúc.")  # 1
    await file_by_taps(c["lan"], HYPERLINK)  # 2
    await file_by_taps(c["hoa"], "Xóm 2 thiếu nước tưới \x07 cho lúa")  # 3
    await confidential_report(c["lan"], "Đường dây điện thôn 7 võng thấp, nguy hiểm")  # 4
    await sensitive_report(c["lan"], "Cán bộ địa chính xã gây khó dễ khi làm sổ đỏ")  # 5 (owned by H01)
    await c["hung"].tap_data("a:iss:ack:1")  # on time
    await c["hung"].say("/resolve 2 Đã kiểm tra, không có sự việc")
    await c["hung"].tap("Không, gửi kết quả luôn")
    await c["hung"].say("/reopen 2 Người dân báo vẫn còn")
    clock.set(datetime(2026, 12, 3, 15, 0, tzinfo=VN))  # two days later: #3 was acknowledged late
    await c["minh"].tap_data("a:iss:ack:3")
    await c["minh"].say("/resolve 3 Đã mở cống cấp nước")
    await c["minh"].tap("Không, gửi kết quả luôn")
    await world.collect()
    units, members = await ids(services.db)
    await add_round(services.db, {"lan": members["Nguyễn Thị Lan"], "hoa": members["Võ Thị Hoa"],
                                  "an": members["Lê Văn An"]}, units)  # fmt: skip
    return c


OPEN: list[sqlite3.Connection] = []


@pytest.fixture(autouse=True)
def _close_pack_connections() -> Any:
    yield
    while OPEN:
        OPEN.pop().close()


def pack_for(services: Services, unit: str | None, restricted: bool, period: Any = Q4) -> Any:
    """A pack read in the test (its read-only connection stays open for the streamed reports)."""
    conn = ex.connect_readonly(services.settings.database_target)
    OPEN.append(conn)
    ex.snapshot(conn)
    scope = None
    if unit is not None:
        scope = conn.execute("SELECT id FROM units WHERE code = ?", (unit,)).fetchone()[0]
    return load_pack(conn, services.settings, services.calendar, period, scope_unit_id=scope,
                     restricted=restricted, as_of=services.clock.now())  # fmt: skip


def read_xlsx(data: bytes | Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data)


def rows_of(wb: openpyxl.Workbook, title: str) -> list[dict[str, Any]]:
    ws = wb[title]
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


def docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def build(services: Services, unit: str | None = None, restricted: bool = False, **kw: Any) -> Any:
    scope = None
    if unit is not None:
        conn = ex.connect_readonly(services.settings.database_target)
        scope = conn.execute("SELECT id FROM units WHERE code = ?", (unit,)).fetchone()[0]
        conn.close()
    return build_pack(
        services.settings.database_target, services.settings, services.calendar, kw.pop("period", Q4),
        scope_unit_id=scope, restricted=restricted, as_of=services.clock.now(), summary_lang="vi",
        files_lang="vi", options=kw.pop("options", DocxOptions()),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------- periods


def test_periods_in_local_time() -> None:
    q = parse_period("2026Q4")
    assert (q.start, q.end) == (datetime(2026, 10, 1, tzinfo=VN), datetime(2027, 1, 1, tzinfo=VN))
    assert (q.label_vi, q.label_en, q.key) == ("quý 4/2026", "Q4 2026", "2026Q4")
    m = parse_period(" 2026-11 ")
    assert (m.start, m.end) == (datetime(2026, 11, 1, tzinfo=VN), datetime(2026, 12, 1, tzinfo=VN))
    assert (m.label_vi, m.label_en) == ("tháng 11/2026", "November 2026")
    assert parse_period("2026-12").end == datetime(2027, 1, 1, tzinfo=VN)
    assert parse_period("2027q1").key == "2027Q1"
    # 17:30 UTC on 31 December is already 1 January in Hanoi: the quarter is taken in local time
    assert current_quarter(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)).key == "2027Q1"
    assert current_quarter(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)).key == "2026Q4"


@pytest.mark.parametrize(
    "bad", ["2026Q5", "Q1", "2026-13", "abc", "", "2026-00", "2026Q0", "26Q1", "2026-1-1"]
)
def test_malformed_periods_are_refused_clearly(bad: str) -> None:
    with pytest.raises(ValueError, match=r"expected a quarter like 2026Q4 or a month like 2026-11"):
        parse_period(bad)


def test_dates_in_the_documents_follow_the_decree() -> None:
    assert (
        date_line("Hàm Thuận Bắc", datetime(2027, 1, 5), "vi") == "Hàm Thuận Bắc, ngày 05 tháng 01 năm 2027"
    )
    assert date_line("Phan Thiết", datetime(2026, 12, 15), "vi") == "Phan Thiết, ngày 15 tháng 12 năm 2026"
    assert date_line("", datetime(2026, 3, 9), "vi") == "……, ngày 09 tháng 3 năm 2026"


# ---------------------------------------------------------------------------------------------- statistics


def _row(n: int, owner: int, created: datetime, **kw: Any) -> ex.IssueRow:
    base: dict[str, Any] = dict(
        id=n, title=f"#{n}", category="dien_sinh_hoat", about_unit_id=owner, owner_unit_id=owner,
        severity="pressing", state="new", place="", created_by=None, created_at=created, updated_at=created,
        ack_due_at=created + timedelta(days=1), handle_due_at=created + timedelta(days=7), acknowledged_at=None,
        resolved_at=None, closed_at=None, assignee_id=None, agency="", duplicate_of=None, resolution="", reports=1,
        reopened=0,
    )  # fmt: skip
    base.update(kw)
    return ex.IssueRow(**base)


def test_handling_statistics_and_ranking(settings: Settings) -> None:
    cal = WorkCalendar(settings.calendar)
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=VN)
    as_of = datetime(2026, 11, 30, 9, 0, tzinfo=VN)
    rows = [
        # unit 1: five issues, 4 handled on time, one handled late and reopened once
        *(
            _row(
                i,
                1,
                monday,
                state="resolved",
                acknowledged_at=monday + timedelta(hours=2),
                resolved_at=monday + timedelta(days=2),
            )
            for i in range(1, 5)
        ),
        _row(
            5,
            1,
            monday,
            state="resolved",
            acknowledged_at=monday + timedelta(days=3),
            resolved_at=monday + timedelta(days=9),
            reopened=1,
        ),
        # unit 2: five issues, all still open and overdue; one duplicate that does not count
        *(_row(i, 2, monday) for i in range(6, 11)),
        _row(11, 2, monday, state="duplicate"),
        # unit 3: four issues only: not ranked
        *(
            _row(
                i,
                3,
                monday,
                state="closed",
                resolved_at=monday + timedelta(hours=5),
                closed_at=monday + timedelta(days=20),
            )
            for i in range(12, 16)
        ),
    ]
    facts = [issue_facts(r, cal, as_of, set()) for r in rows]
    s = stats_of(facts)
    assert s.issues == 14  # the duplicate is not counted
    assert (s.ack_on_time, s.ack_due) == (4 + 4, 14)  # unit 3 was handled (so taken up) within a day
    assert (s.handle_on_time, s.handle_due) == (8, 14)
    assert s.overdue == 5 and s.reopened == 1
    assert s.reopened_share == pytest.approx(100 / 14)
    # Monday 08:00 to Wednesday 08:00 is two working days; to 13:00 the same day 3.5 office hours of 7.5
    first = next(f for f in facts if f.row.id == 1)
    assert first.handle_days == 2.0 and first.ack_on_time is True and first.handle_on_time is True
    assert next(f for f in facts if f.row.id == 12).handle_days == round(3.5 / 7.5, 2)
    assert s.median_handle_days == 2.0
    ranking = rank_units(facts)
    assert [(r.unit_id, r.rank) for r in ranking] == [(1, 1), (2, 2), (3, None)]
    assert ranking[0].stats.handle_share == 80.0 and ranking[1].stats.handle_share == 0.0
    assert MIN_RANKED == 5
    # not yet due: neither on time nor late
    fresh = issue_facts(_row(99, 1, as_of - timedelta(hours=1)), cal, as_of, set())
    assert (fresh.ack_on_time, fresh.handle_on_time, fresh.overdue) == (None, None, False)
    assert isinstance(fresh, IssueFacts)


# ---------------------------------------------------------------------------------------------- the pack


async def test_the_xlsx_figures_match_the_database(story: dict[str, Person], services: Services) -> None:
    built = build(services)  # the whole tree, as an admin sees it
    wb = read_xlsx(built.xlsx)
    assert wb.sheetnames == [
        "Tổng hợp", "Theo lĩnh vực", "Vụ việc", "Báo cáo", "Xếp hạng đơn vị", "Tâm trạng", "Ý kiến, kiến nghị",
        "Chủ đề định hướng", "Tham gia theo đơn vị", "Tham gia theo thành viên", "Hoạt động thành viên",
        "Thăm dò nhanh",
    ]  # fmt: skip
    for ws in wb:  # a frozen header row with a filter on it, and set widths
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        assert all(ws.column_dimensions[c].width >= 6 for c in "AB")
    db = ex.connect_readonly(services.settings.database_target)
    issues = db.execute(
        "SELECT id, state, created_at, acknowledged_at, ack_due_at, resolved_at, handle_due_at,"
        " (SELECT COUNT(*) FROM reports r WHERE r.issue_id = i.id AND r.withdrawn_at IS NULL) FROM issues i ORDER BY id"
    ).fetchall()
    sheet = rows_of(wb, "Vụ việc")
    assert [r["Số"] for r in sheet] == [i[0] for i in issues] == [1, 2, 3, 4, 5]
    for row, (_, state, created, acked, ack_due, resolved, handle_due, reports) in zip(
        sheet, issues, strict=True
    ):
        assert row["Trạng thái"] == t("vi", f"state.{state}")
        assert row["Số báo cáo"] == reports
        local = datetime.fromisoformat(created).astimezone(VN).replace(tzinfo=None)
        assert abs((row["Ngày báo cáo"] - local).total_seconds()) < 1
        if acked:
            assert row["Tiếp nhận"] == ("Đúng hạn" if acked <= ack_due else "Trễ hạn")
        if resolved:
            assert row["Xử lý"] == ("Đúng hạn" if resolved <= handle_due else "Trễ hạn")
    by_number = {r["Số"]: r for r in sheet}
    assert by_number[1]["Tiếp nhận"] == "Đúng hạn" and by_number[3]["Tiếp nhận"] == "Trễ hạn"
    assert by_number[3]["Xử lý"] == "Đúng hạn" and by_number[2]["Số lần mở lại"] == 1
    assert by_number[2]["Trạng thái"] == "Mở lại"
    assert by_number[5]["Đơn vị chủ trì"] == "Huyện Hàm Thuận Bắc"  # the sensitive matter, under its owner
    assert by_number[5]["Địa bàn (đơn vị)"] == "Xã Hàm Chính"
    # dates are real dates shown dd/mm/yyyy
    cell = wb["Vụ việc"]["K2"]
    assert isinstance(cell.value, datetime) and cell.number_format == "dd/mm/yyyy hh:mm"
    assert cell.value.strftime("%d/%m/%Y") == "01/12/2026"

    reports = rows_of(wb, "Báo cáo")
    assert len(reports) == db.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 5
    summary = {r["Chỉ tiêu"]: r["Giá trị"] for r in rows_of(wb, "Tổng hợp")}
    assert summary["Kỳ báo cáo"] == "quý 4/2026" and summary["Đơn vị"] == "Tỉnh Bình Thuận"
    assert summary["Vụ việc mới trong kỳ"] == 5
    assert summary["Báo cáo của thành viên trong kỳ"] == 5
    assert summary["Thành viên đã gửi báo cáo"] == 2
    # taken up: acknowledged, or else the first leader's decision on it, against the deadline
    first = db.execute(
        "SELECT COALESCE(acknowledged_at, (SELECT MIN(at) FROM thread_entries e WHERE e.issue_id = i.id"
        " AND e.kind = 'state' AND e.to_state IN ('acknowledged', 'assigned', 'resolved')), resolved_at), ack_due_at"
        " FROM issues i"
    ).fetchall()
    now = ts(services.clock.now())
    due = [(f, d) for f, d in first if f is not None or d < now]
    on_time = sum(1 for f, d in due if f is not None and f <= d)
    assert summary["Tiếp nhận đúng hạn / đã đến hạn"] == f"{on_time}/{len(due)}" == "2/5"
    assert summary["Tỷ lệ tiếp nhận đúng hạn (%)"] == 40.0
    assert summary["Xử lý đúng hạn / đã đến hạn"] == "1/1"  # #3; #2 was reopened, the rest are not due yet
    assert summary["Vụ việc phải mở lại"] == 1
    assert summary["Đợt lấy ý kiến trong kỳ"] == "quý 4/2026"
    assert summary["Đã trả lời / được hỏi"] == "2/3"
    assert summary["Tỷ lệ thành viên trả lời (%)"] == pytest.approx(66.7)

    ranking = rows_of(wb, "Xếp hạng đơn vị")
    assert {r["Mã đơn vị"]: r["Số vụ việc"] for r in ranking} == {"X11": 3, "X12": 1, "H01": 1}
    assert all(r["Xếp hạng"] == "Chưa xếp hạng" for r in ranking)  # nobody has five issues

    moods = rows_of(wb, "Tâm trạng")
    x11_power = next(
        r for r in moods if r["Đơn vị"] == "Xã Hàm Chính" and r["Lĩnh vực"] == "Hạ tầng, điện, giao thông"
    )
    assert (x11_power["Bức xúc"], x11_power["Ổn định"], x11_power["Số ý kiến"]) == (1, 0, 1)
    topics = rows_of(wb, "Chủ đề định hướng")
    assert topics[0]["Chủ đề định hướng"] == "Giá điện và lịch cắt điện mùa khô"
    assert (
        topics[0]["Đơn vị đặt chủ đề"] == "Huyện Hàm Thuận Bắc"
        and topics[0]["Thành viên"] == "Nguyễn Thị Lan"
    )
    pu = {r["Mã đơn vị"]: r for r in rows_of(wb, "Tham gia theo đơn vị")}
    assert (pu["X12"]["Được hỏi"], pu["X12"]["Đã trả lời"], pu["X12"]["Muộn"]) == (2, 1, 1)
    pm = {r["Thành viên"]: r["Tình trạng"] for r in rows_of(wb, "Tham gia theo thành viên")}
    assert pm == {"Nguyễn Thị Lan": "Đúng hạn", "Võ Thị Hoa": "Trễ hạn", "Lê Văn An": "Chưa trả lời"}
    activity = {r["Họ và tên"]: r for r in rows_of(wb, "Hoạt động thành viên")}
    lan_reports = db.execute(
        "SELECT COUNT(*) FROM reports r JOIN members m ON m.id = r.member_id WHERE m.name = 'Nguyễn Thị Lan'"
    ).fetchone()[0]
    assert activity["Nguyễn Thị Lan"]["Báo cáo đã gửi"] == lan_reports == 4
    assert (activity["Nguyễn Thị Lan"]["Đợt đã trả lời"], activity["Nguyễn Thị Lan"]["Trả lời đúng hạn"]) == (
        1,
        1,
    )
    assert (activity["Võ Thị Hoa"]["Đợt đã trả lời"], activity["Võ Thị Hoa"]["Trả lời đúng hạn"]) == (1, 0)
    db.close()


async def test_the_docx_report_carries_the_figures(story: dict[str, Person], services: Services) -> None:
    built = build(services, "H01", restricted=True)
    doc = Document(io.BytesIO(built.docx))
    text = docx_text(built.docx)
    assert "BÁO CÁO" in text and "Tình hình dư luận xã hội quý 4/2026" in text
    assert "đã gửi 5 báo cáo (2 thành viên tham gia báo cáo), phản ánh 5 vụ việc" in text
    assert "Đợt lấy ý kiến quý 4/2026: 2/3 thành viên được hỏi đã trả lời (tỷ lệ 66,7 %)" in text
    for heading in ("I. TÌNH HÌNH TƯ TƯỞNG", "II. NHỮNG VẤN ĐỀ NỔI CỘM", "III. KẾT QUẢ TIẾP NHẬN, GIẢI QUYẾT",
                    "IV. KIẾN NGHỊ, ĐỀ XUẤT", "V. ĐỊNH HƯỚNG NẮM BẮT DƯ LUẬN XÃ HỘI KỲ TỚI"):  # fmt: skip
        assert heading in text
    assert t("vi", "doc.recommendations_placeholder") in text  # an editable placeholder
    assert "Tiếp tục nắm bắt dư luận về: Giá điện và lịch cắt điện mùa khô." in text
    assert "Bà con lo tiền điện tăng cao trong mùa khô" in text
    assert len(doc.inline_shapes) == len(built.charts) >= 4  # the charts, embedded
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == [
        25,
        25,
        35,
        15,
    ]
    assert doc.styles["Normal"].font.name == "Times New Roman"


async def test_confidential_sources_are_never_written(
    story: dict[str, Person], services: Services, tmp_path: Path
) -> None:
    built = build(services)
    reports = rows_of(read_xlsx(built.xlsx), "Báo cáo")
    secret_row = next(r for r in reports if r["Giữ bí mật"] == "Có")
    assert secret_row["Người dân cung cấp thông tin"] == "(giữ bí mật)"
    pack = pack_for(services, None, False)
    write_csvs(pack, tmp_path, "x", "vi")
    everything = [
        zipfile.ZipFile(io.BytesIO(built.xlsx)).read(n)
        for n in zipfile.ZipFile(io.BytesIO(built.xlsx)).namelist()
    ]
    everything += [p.read_bytes() for p in tmp_path.glob("*.csv")]
    everything += [zipfile.ZipFile(io.BytesIO(built.docx)).read("word/document.xml"), built.summary.encode()]
    assert not any(SECRET.encode() in blob or b"0905 111 222" in blob for blob in everything)
    assert "(giữ bí mật)" in (tmp_path / "x-reports.csv").read_text(encoding="utf-8-sig")


async def test_formulas_and_control_characters_are_written_as_plain_text(
    story: dict[str, Person], services: Services, tmp_path: Path
) -> None:
    built = build(services)
    wb = read_xlsx(built.xlsx)
    reports = {r["Vụ việc số"]: r for r in rows_of(wb, "Báo cáo")}
    assert reports[2]["Nội dung phản ánh"] == "'" + HYPERLINK
    assert reports[3]["Nội dung phản ánh"] == "Xóm 2 thiếu nước tưới  cho lúa"  # the bell is gone
    concerns = rows_of(wb, "Ý kiến, kiến nghị")
    assert "'@SUM(1) người dân hỏi về giá điện" in [r["Ý kiến, kiến nghị"] for r in concerns]
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    with zipfile.ZipFile(io.BytesIO(built.xlsx)) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist())
    pack = pack_for(services, None, False)
    write_csvs(pack, tmp_path, "x", "vi")
    raw = (tmp_path / "x-reports.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    text = raw.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil.example/x"",""Bấm vào đây"")"' in text
    assert "\x07" not in text and "\x07" not in docx_text(built.docx)
    assert "'@SUM(1)" in (tmp_path / "x-concerns.csv").read_text(encoding="utf-8-sig")
    assert cell_text("-1+2") == "'-1+2" and cell_text("+84 905") == "'+84 905" and cell_text("a=b") == "a=b"


async def test_a_leader_sees_their_subtree_without_their_own_sensitive_matters(
    story: dict[str, Person], services: Services
) -> None:
    commune = pack_for(services, "X11", restricted=True)
    assert [f.row.id for f in commune.issues] == [1, 2, 4]  # #3 is another commune's, #5 is sensitive
    assert commune.reports_total == 3
    district = pack_for(services, "H01", restricted=True)
    assert [f.row.id for f in district.issues] == [1, 2, 3, 4, 5]  # H01 owns #5: its leader sees it
    # statistics count the sensitive matter under its owner, the district
    assert {district.tree.code(r.unit_id): r.stats.issues for r in district.ranking} == {
        "X11": 3,
        "X12": 1,
        "H01": 1,
    }
    built = build(services, "X11", restricted=True)
    assert "nhạy cảm" in built.summary
    assert "sổ đỏ" not in built.summary and "sổ đỏ" not in docx_text(built.docx)


async def test_an_empty_period_says_so_with_every_header(world: Harness, services: Services) -> None:
    built = build(services, period=parse_period("2025Q1"))
    wb = read_xlsx(built.xlsx)
    assert len(wb.sheetnames) == 12
    for ws in wb:
        header = next(ws.iter_rows(values_only=True))
        assert all(header) and len(header) >= 2
    assert rows_of(wb, "Vụ việc") == [] and rows_of(wb, "Báo cáo") == []
    summary = {r["Chỉ tiêu"]: r["Giá trị"] for r in rows_of(wb, "Tổng hợp")}
    assert summary["Ghi chú"] == t("vi", "pack.no_data") and summary["Vụ việc mới trong kỳ"] == 0
    assert t("vi", "pack.no_data") in built.summary
    text = docx_text(built.docx)
    assert t("vi", "pack.no_data") in text and "Tình hình dư luận xã hội quý 1/2025" in text
    assert "Lĩnh vực" in text and "Hạng" in text  # the tables keep their headers
    assert built.charts == []


# ---------------------------------------------------------------------------------------------- layouts


async def test_party_and_state_layouts(world: Harness, services: Services) -> None:
    party = build(
        services,
        options=DocxOptions("party", "Đảng bộ tỉnh Bình Thuận\nTỉnh ủy Bình Thuận", "Phan Thiết", "TU"),
    )
    doc = Document(io.BytesIO(party.docx))
    head = [c.text for c in doc.tables[0].rows[0].cells]
    assert head[0].split("\n") == ["ĐẢNG BỘ TỈNH BÌNH THUẬN", "TỈNH ỦY BÌNH THUẬN", "*", "Số      -BC/TU"]
    assert head[1].split("\n")[0] == "ĐẢNG CỘNG SẢN VIỆT NAM"
    assert head[1].split("\n")[-1] == "Phan Thiết, ngày 01 tháng 12 năm 2026"
    rule = doc.tables[0].rows[0].cells[1].paragraphs[1]._p.xml
    assert "<w:pBdr>" in rule and 'w:val="single"' in rule  # the rule under the party's name
    state = build(
        services,
        options=DocxOptions(
            "state", "UBND tỉnh Bình Thuận\nỦy ban nhân dân huyện Hàm Thuận Bắc", "Hàm Thuận Bắc", "UBND"
        ),
    )
    doc2 = Document(io.BytesIO(state.docx))
    head2 = [c.text for c in doc2.tables[0].rows[0].cells]
    assert head2[1].split("\n")[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert head2[0].split("\n")[-1] == "Số:      /BC-UBND"
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in docx_text(state.docx)
    for d in (doc, doc2):
        sec = d.sections[0]
        assert sec.different_first_page_header_footer
        assert sec._sectPr.xpath("./w:titlePg")
        header_xml = sec.header._element.xml
        assert 'w:fldCharType="begin"' in header_xml and 'w:fldCharType="end"' in header_xml
        assert '<w:instrText xml:space="preserve"> PAGE </w:instrText>' in header_xml
        assert sec.header.paragraphs[0].alignment == 1  # centred
        assert "PAGE" not in sec.first_page_header._element.xml  # nothing on the first page
        assert [
            round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)
        ] == [25, 25, 35, 15]
    with pytest.raises(ValueError, match="party or state"):
        DocxOptions("other")


# ---------------------------------------------------------------------------------------------- charts


async def test_charts_render_vietnamese_without_missing_glyphs(
    story: dict[str, Person], services: Services
) -> None:
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False)
    assert Path(path).name == "DejaVuSans.ttf"
    pack = pack_for(services, None, False)
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"], "font.sans-serif": ["DejaVu Sans"]}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charts = render_charts(pack, "vi")
    assert [c.key for c in charts] == ["by-category", "by-unit", "new-resolved", "participation"]
    assert not [w for w in caught if "Glyph" in str(w.message) or "findfont" in str(w.message)]
    assert all(c.png.startswith(b"\x89PNG") for c in charts)
    assert charts[1].title == "Vụ việc theo đơn vị và mức độ"


async def test_the_polls_chart_and_sheet_in_both_languages(
    world: Harness, services: Services, clock: ManualClock, tmp_path: Path
) -> None:
    """A closed poll of the district, 7 answers in one commune: its panel drawn without a missing glyph, its
    sheet in English; a second poll with 2 answers gets no panel."""
    now = clock.now()
    async with services.db.transaction() as tx:
        unit = {c: await tx.fetchval("SELECT id FROM units WHERE code = ?", (c,)) for c in ("H01", "X11")}
        leader = await mem.create_member(tx, "Lãnh đạo", "leader", unit["H01"], now)
        for question, choices in (("Đồng chí đánh giá việc nạo vét kênh Ấp Bắc thế nào?", [0, 0, 1, 1, 1, 2, 3]),
                                  ("Lịch họp dân?", [0, 1])):  # fmt: skip
            pid = await pl.create_poll(tx, unit_id=unit["H01"], created_by=leader, question=question,
                                       options=["Tốt", "Chưa tốt", "Chưa rõ"], allow_other=True,
                                       closes_at=now + timedelta(hours=3), now=now)  # fmt: skip
            for i, choice in enumerate(choices):
                m = await mem.create_member(tx, f"Người {pid}.{i}", "member", unit["X11"], now)
                await pl.add_recipients(tx, pid, [(m, unit["X11"])], now)
                await pl.record_answer(tx, pid, m, unit["X11"], choice, "", now)
            await pl.close_poll(tx, pid, now + timedelta(hours=3))
            await pl.save_tallies(tx, pid, await pl.count_answers(tx, pid))
    pack = pack_for(services, "H01", True)
    assert [f.total for f in pack.polls] == [7, 2]
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"], "font.sans-serif": ["DejaVu Sans"]}):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charts = {lang: render_charts(pack, lang) for lang in ("vi", "en")}
    assert not [w for w in caught if "Glyph" in str(w.message) or "findfont" in str(w.message)]
    assert [c.key for c in charts["vi"]] == [c.key for c in charts["en"]] == ["polls"]
    assert (charts["vi"][0].title, charts["en"][0].title) == ("Kết quả thăm dò nhanh", "Quick poll results")
    write_xlsx(pack, tmp_path / "en.xlsx", "en")
    rows = rows_of(read_xlsx(tmp_path / "en.xlsx"), "Quick polls")
    first = [
        (r["Unit"], r["Answer"], r["Answers"], r["Share (%)"], r["Asked"]) for r in rows if r["No."] == 1
    ]
    assert first == [
        ("All", "Answered", 7, 100.0, 7), ("All", "Tốt", 2, 28.6, None), ("All", "Chưa tốt", 3, 42.9, None),
        ("All", "Chưa rõ", 1, 14.3, None), ("All", "Other", 1, 14.3, None),
        ("Xã Hàm Chính", "Tốt", 2, 28.6, None), ("Xã Hàm Chính", "Chưa tốt", 3, 42.9, None),
        ("Xã Hàm Chính", "Chưa rõ", 1, 14.3, None), ("Xã Hàm Chính", "Other", 1, 14.3, None),
    ]  # fmt: skip
    assert [r["Answer"] for r in rows if r["No."] == 2] == [
        "Answered",
        "Fewer than 5 answers: no results by answer",
    ]


# ---------------------------------------------------------------------------------------------- the CLI


def _args(tmp_path: Path, **kw: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dlxh")
    export_cli.add_parser(parser.add_subparsers(dest="command"))
    argv = ["export", "--period", kw.pop("period", "2026Q4"), "--out", str(kw.pop("out", tmp_path / "out"))]
    for key, value in kw.items():
        argv += [f"--{key}", value]
    return parser.parse_args(argv)


async def test_cli_export_writes_every_format(
    story: dict[str, Person], services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = await export_cli.cmd_export(services.settings, _args(tmp_path, format="all", unit="h01"))
    assert code == 0
    out = tmp_path / "out"
    names = sorted(p.name for p in out.iterdir())
    assert "dlxh-2026Q4-H01.xlsx" in names and "dlxh-2026Q4-H01.docx" in names
    assert "dlxh-2026Q4-H01-reports.csv" in names and "dlxh-2026Q4-H01-by-category.png" in names
    assert len(rows_of(read_xlsx(out / "dlxh-2026Q4-H01.xlsx"), "Vụ việc")) == 5
    assert (out / "dlxh-2026Q4-H01-issues.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "dlxh-2026Q4-H01.xlsx" in capsys.readouterr().out
    [opened] = await list_audit(services.db.reader, action="export.write")  # who exported, on record
    assert (opened.actor, opened.subject, opened.detail["files"]) == ("cli", "period:2026Q4", len(names))


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"unit": "X99"}, "dlxh export: no unit with code 'X99' (see dlxh units list)\n"),
        (
            {"period": "2026Q5"},
            "dlxh export: period '2026Q5': the quarter must be 1 to 4 (expected a quarter like 2026Q4 or a month like 2026-11)\n",
        ),
    ],
)
async def test_cli_export_errors_are_one_line(
    world: Harness, services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str], kw: dict[str, str],
    message: str,
) -> None:  # fmt: skip
    assert await export_cli.cmd_export(services.settings, _args(tmp_path, **kw)) == 1
    assert capsys.readouterr().err == message


async def test_cli_export_refuses_a_folder_it_cannot_write(
    world: Harness, services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert await export_cli.cmd_export(services.settings, _args(tmp_path, out=blocker)) == 1
    assert capsys.readouterr().err == f"dlxh export: cannot write to {blocker}: it is a file, not a folder\n"
    assert await export_cli.cmd_export(services.settings, _args(tmp_path, out=blocker / "sub")) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dlxh export: cannot write to {blocker / 'sub'}: ") and err.count("\n") == 1


async def test_cli_export_progress_for_big_sheets(
    story: dict[str, Person], services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_cli, "PROGRESS_FROM", 1)
    err = io.StringIO()
    export_cli.run_export(services.settings, _args(tmp_path), stderr=err)
    assert "dlxh export: reports 5/5 (100 %)" in err.getvalue()


# ---------------------------------------------------------------------------------------------- /briefing


async def outbox(services: Services, after: int = 0) -> list[Any]:
    from bot.core.messages import Outgoing

    return [Outgoing.from_json(r.payload) for r in await list_outbox_after(services.db.reader, after)]


async def test_briefing_command_records_a_request_and_the_job_sends_the_pack(
    story: dict[str, Person], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_briefing(monkeypatch)
    minh, lan = story["minh"], story["lan"]
    assert texts(await minh.say("/briefing 2026Q5")) == [
        t("vi", "briefing.usage", example="2026Q4", month="2026-12")
    ]
    assert texts(await minh.say("/briefing 2027-05")) == [t("vi", "briefing.future", period="tháng 5/2027")]
    assert texts(await lan.say("/briefing")) == [t("vi", "error.unknown_command", command="briefing")]
    [ok] = await minh.say("/briefing")  # the current quarter
    assert ok.text == t("vi", "briefing.preparing", period="quý 4/2026", unit="Huyện Hàm Thuận Bắc")
    await minh.say("/briefing 2026Q4")  # asked twice: one request
    [req] = await br.list_pending_requests(services.db.reader)
    assert (req.period, req.chat_id, req.reason) == ("2026Q4", "301", "command")
    last = (await services.db.reader.fetchval("SELECT MAX(id) FROM outbox")) or 0
    assert await job.run_due(services, services.clock.now()) == "built 1, failed 0, skipped 0"
    sent = [m for m in await outbox(services, last) if m.chat_id == "301"]
    assert sent[0].text.startswith("📊 Tình hình dư luận xã hội quý 4/2026 — Huyện Hàm Thuận Bắc")
    assert "Vụ việc mới: 5 (bức xúc 4, khẩn cấp 0); báo cáo của thành viên: 5." in sent[0].text
    photos = [m.attachments[0] for m in sent if m.attachments and m.attachments[0].kind == "photo"]
    docs = [m.attachments[0] for m in sent if m.attachments and m.attachments[0].kind == "document"]
    assert len(photos) >= 4 and [d.filename for d in docs] == ["dlxh-2026Q4-H01.xlsx", "dlxh-2026Q4-H01.docx"]
    assert read_xlsx(services.files.read(docs[0].file_ref))["Vụ việc"].max_row == 6
    assert "quý 4/2026" in docx_text(services.files.read(docs[1].file_ref))
    assert not any(m.proactive for m in sent)  # the answer to a command
    assert await br.list_pending_requests(services.db.reader) == []
    assert await job.run_due(services, services.clock.now()) == "built 0, failed 0, skipped 0"


async def test_a_failing_pack_is_marked_and_the_leader_told(
    story: dict[str, Person],
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    register_briefing(monkeypatch)
    await story["hung"].say("/briefing 2026-11")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(job, "build_pack", broken)
    last = (await services.db.reader.fetchval("SELECT MAX(id) FROM outbox")) or 0
    assert await job.run_due(services, services.clock.now()) == "built 0, failed 1, skipped 0"
    assert [m.text for m in await outbox(services, last)] == [
        t("vi", "briefing.failed", period="tháng 11/2026")
    ]
    row = await services.db.reader.fetchone("SELECT state, error FROM briefing_requests")
    assert row is not None and row[0] == "failed" and "disk full" in row[1]
    assert "briefing pack 1 (2026-11, unit" in caplog.text


async def test_round_close_queues_a_pack_for_every_leader_once(
    story: dict[str, Person], services: Services
) -> None:
    async with services.db.transaction() as tx:
        rid = await tx.fetchval("SELECT id FROM rounds")
        assert await job.request_round_packs(tx, rid, services.clock.now()) == 2  # Hùng and Minh
        assert await job.request_round_packs(tx, rid, services.clock.now()) == 0
    pending = await br.list_pending_requests(services.db.reader)
    assert sorted((r.chat_id, r.period, r.reason) for r in pending) == [
        ("201", "2026Q4", "round"),
        ("301", "2026Q4", "round"),
    ]
    last = (await services.db.reader.fetchval("SELECT MAX(id) FROM outbox")) or 0
    assert await job.run_due(services, services.clock.now()) == "built 2, failed 0, skipped 0"
    sent = await outbox(services, last)
    assert {m.chat_id for m in sent} == {"201", "301"} and all(m.proactive for m in sent)
    hung_docs = [
        m.attachments[0].filename
        for m in sent
        if m.chat_id == "201" and m.attachments and m.attachments[0].kind == "document"
    ]
    assert hung_docs == ["dlxh-2026Q4-X11.xlsx", "dlxh-2026Q4-X11.docx"]


async def test_xlsx_streams_the_reports(story: dict[str, Person], services: Services, tmp_path: Path) -> None:
    pack = pack_for(services, None, False)
    counts = write_xlsx(pack, tmp_path / "a.xlsx", "en")
    assert counts["reports"] == 5 and counts["issues"] == 5
    wb = read_xlsx(tmp_path / "a.xlsx")
    assert wb.sheetnames[:4] == ["Summary", "By category", "Issues", "Reports"]
    assert rows_of(wb, "Reports")[0]["Citizen who told"] in (None, "(confidential)")


def test_docx_options_come_from_the_briefing_section_when_there_is_one(settings: Settings) -> None:
    from types import SimpleNamespace

    from bot.exports.document import options_from_settings

    assert options_from_settings(settings) == DocxOptions()  # until [briefing] is wired: the defaults
    configured = SimpleNamespace(
        briefing=SimpleNamespace(
            layout="state", committee_name="UBND HUYỆN X", place="X", number_prefix="UBND"
        )
    )
    assert options_from_settings(configured) == DocxOptions("state", "UBND HUYỆN X", "X", "UBND")
