"""Who reads what of an issue: each entry kind × each kind of viewer, through every way of reading it.

One issue (#1, commune X01) collects one entry of every kind, each carrying a unique marker: two reports
(the second by a member who joined from the similar-issue offer), each with a non-confidential citizen
and phone; an addition by each reporter; a leader's internal note and a shared update; an assignment; the
assignee's progress note and proposal; the leader's reason for sending it back; the outcome. Then every
viewer reads it every way they can — /issue 1, /issue_1, the card button, every "more" page, /my and its
thread — and is sent every notice on the way; the markers each one was shown must be exactly those the
table says. The rule under test is ``handlers.access.View``.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import ManualClock
from bot.core.messages import Outgoing
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from handlers.drafts import ReportDraft
from handlers.numbers import parse_count, parse_issue_number
from handlers.report import file_report
from scheduler.followups import check_resolutions
from storage import members as mem
from storage.outbox import add_sent_reference
from tests.conftest import PINNED
from tests.e2e import running
from tests.harness import Harness, Person, labels, person
from tests.seed import invite_code, seed_units

VIEWERS = (
    "reporter",
    "co_reporter",
    "other_member",
    "unit_leader",
    "leader_above",
    "other_leader",
    "admin",
    "assignee",
)
LEADERS = {"unit_leader", "leader_above", "admin"}
EVERYONE_ON_IT = {"reporter", "co_reporter", "assignee", *LEADERS}
WORKERS = {"assignee", *LEADERS}  # the assignee reads what the job needs, never citizens or names

# entry kind -> (marker, who may read it)
TABLE: dict[str, tuple[str, set[str]]] = {
    "report: text": ("LANTEXT", {"reporter", *WORKERS}),
    "report: citizen": ("LANCITIZEN", {"reporter", *LEADERS}),
    "report: citizen's phone": ("0909111222", {"reporter", *LEADERS}),
    "co-report: text": ("NGATEXT", {"co_reporter", *WORKERS}),
    "co-report: citizen": ("NGACITIZEN", {"co_reporter", *LEADERS}),
    "co-report: citizen's phone": ("0909333444", {"co_reporter", *LEADERS}),
    "reporter's name": ("Nguyễn Thị Lan", {"reporter", *LEADERS}),  # her own: the bot greets her by it
    "co-reporter's name": ("Phạm Thị Nga", {"co_reporter", *LEADERS}),
    "addition by the reporter": ("LANADD", {"reporter", *WORKERS}),
    "addition by the co-reporter": ("NGAADD", {"co_reporter", *WORKERS}),
    "internal note": ("INTERNALNOTE", LEADERS),
    "shared update": ("SHAREDUPDATE", EVERYONE_ON_IT),
    "assignment (the assignee's name)": ("Phạm Văn Điện", WORKERS),
    "assignee's progress": ("PROGRESSNOTE", WORKERS),
    "assignee's proposal": ("PROPOSALTEXT", WORKERS),
    "leader's reason for sending it back": ("RETURNREASON", WORKERS),
    "outcome": ("RESOLUTIONTEXT", EVERYONE_ON_IT),
    "leader's name": ("Trần Văn Hùng", LEADERS),
}


async def file_with_citizen(p: Person, description: str, citizen: str, *, join: int | None = None) -> None:
    await p.say("/report")
    await p.tap("Điện sinh hoạt")
    await p.say("Thôn 3")
    await p.say("Bỏ qua")
    await p.say(description)
    await p.tap("Xong")
    await p.tap("Bức xúc")
    await p.tap("Cả thôn, ấp, khu phố")
    await p.tap("Nghe trực tiếp người dân")
    await p.tap("Có, ghi lại")
    await p.say(citizen)
    [nxt] = await p.tap("Không cần")
    if join is not None:
        assert labels(nxt)[0] == t("vi", "report.add_to", number=join), nxt.text
        assert "LANTEXT" not in nxt.text and "LANCITIZEN" not in nxt.text  # the offer: category, place, date
        await p.tap(t("vi", "report.add_to", number=join))
    elif t("vi", "report.new_issue") in labels(nxt):
        await p.tap(t("vi", "report.new_issue"))
    [done] = await p.tap("✔ Gửi báo cáo")
    if join is not None:
        assert done.text == t("vi", "report.added", number=join, reports=2)
    assert done.issue_id is not None


async def build_issue(world: Harness, clock: ManualClock, c: dict[str, Person]) -> None:
    await file_with_citizen(c["reporter"], "Thôn 3 mất điện LANTEXT hai ngày nay", "Bà LANCITIZEN 0909111222")
    await file_with_citizen(
        c["co_reporter"], "Thôn 3 mất điện NGATEXT đã hai ngày", "Ông NGACITIZEN 0909333444", join=1
    )
    await c["reporter"].say("/add 1 LANADD")
    await c["co_reporter"].say("/add 1 NGAADD")
    hung = c["unit_leader"]
    await hung.tap_data("a:iss:ack:1")
    await hung.say("/comment 1 INTERNALNOTE")
    async with world.services.db.transaction() as tx:  # a message about #1 in the leader's chat
        await add_sent_reference(tx, "telegram", hung.user_id, "77", None, 1, "", clock.now())
    await hung.reply("77", "SHAREDUPDATE")
    await hung.tap(t("vi", "act.reply_update"))
    await hung.say("/assign 1")
    await hung.tap("Phạm Văn Điện — Tỉnh Bình Thuận")
    dien = c["assignee"]
    await dien.say("/comment 1 PROGRESSNOTE")
    await dien.tap_data("a:iss:propose:1")
    await dien.say("PROPOSALTEXT")
    await hung.tap_data("a:iss:sendback:1")
    await hung.say("RETURNREASON")
    await hung.say("/resolve 1 RESOLUTIONTEXT")
    await hung.tap(t("vi", "act.evidence_none"))
    clock.advance(timedelta(days=14, hours=1))
    await check_resolutions(world.services, clock.now())  # "is it really resolved?" to each reporter
    await world.collect()


async def read_every_way(p: Person) -> list[Outgoing]:
    """Everything ``p`` can read of issue #1, by command and by button."""
    shown = [*await p.say("/issue 1"), *await p.say("/issue_1"), *await p.tap_data("a:iss:card:1")]
    for page in range(1, 6):
        shown += await p.tap_data(f"a:iss:more:1:{page}")
    shown += await p.say("/my")
    shown += await p.tap_data("a:my:1")
    return shown


async def test_each_entry_kind_reaches_exactly_the_viewers_it_may(world: Harness, clock: ManualClock) -> None:
    c = {
        "reporter": await person(world, "101", "Nguyễn Thị Lan", "X01", "member"),
        "co_reporter": await person(world, "102", "Phạm Thị Nga", "X01", "member"),
        "other_member": await person(world, "103", "Võ Văn Bình", "X01", "member"),
        "unit_leader": await person(world, "201", "Trần Văn Hùng", "X01", "leader"),
        "leader_above": await person(world, "301", "Lê Quang Minh", "T01", "leader"),
        "other_leader": await person(world, "202", "Lý Thị Tâm", "X02", "leader"),
        "admin": await person(world, "1", "Quản trị", "T01", "admin"),
        "assignee": await person(world, "302", "Phạm Văn Điện", "T01", "member"),
    }
    await build_issue(world, clock, c)
    seen: dict[str, str] = {}
    for viewer in VIEWERS:
        notices = "\n".join(m.text for m in world.sent_to(c[viewer].user_id))
        seen[viewer] = notices + "\n".join(m.text for m in await read_every_way(c[viewer]))
    wrong = []
    for kind, (marker, allowed) in TABLE.items():
        for viewer in VIEWERS:
            if (marker in seen[viewer]) != (viewer in allowed):
                wrong.append(
                    f"{kind} ({marker}) {'shown to' if viewer not in allowed else 'hidden from'} {viewer}"
                )
    assert not wrong, "\n".join(wrong)
    # what everyone on it does read: the state and the deadlines
    for viewer in ("reporter", "co_reporter"):
        assert t("vi", "state.resolved") in seen[viewer] or t("vi", "state.closed") in seen[viewer]
        assert "Hạn xử lý" in seen[viewer] or "Hạn" in seen[viewer]
    for viewer in ("other_member", "other_leader"):
        answers = await read_every_way(c[viewer])
        assert {m.text for m in answers if "#1" in m.text} <= {t("vi", "issue.not_found", number=1)}


async def test_the_latest_internal_note_stays_off_the_reporters_card(world: Harness) -> None:
    """The issue's first finding: the card's latest entries showed a note meant for the leaders only."""
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    await file_with_citizen(lan, "Thôn 3 mất điện", "Bà Tư")
    await hung.say("/comment 1 INTERNALNOTE không gửi người dân")
    [leader_card] = await hung.say("/issue 1")
    assert "INTERNALNOTE" in leader_card.text
    for answer in [
        *await lan.say("/issue 1"),
        *await lan.tap_data("a:iss:more:1:1"),
        *await lan.tap_data("a:my:1"),
    ]:
        assert "INTERNALNOTE" not in answer.text
    [card] = await lan.say("/issue 1")
    assert card.choices == []  # no "more" button for entries she may not read, no leader's buttons


async def test_the_co_reporter_gets_notices_under_a_neutral_title(world: Harness, clock: ManualClock) -> None:
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    nga = await person(world, "102", "Phạm Thị Nga", "X01", "member")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    await file_with_citizen(lan, "Thôn 3 mất điện LANTEXT hai ngày nay", "Bà LANCITIZEN 0909111222")
    await file_with_citizen(nga, "Thôn 3 mất điện NGATEXT đã hai ngày", "Ông NGACITIZEN 0909333444", join=1)
    out = await hung.tap_data("a:iss:ack:1")
    [to_lan] = [m for m in out if m.chat_id == "101"]
    [to_nga] = [m for m in out if m.chat_id == "102"]
    assert "LANTEXT" in to_lan.text  # her own words
    assert to_nga.text == t("vi", "notice.acknowledged", number=1, title="Điện sinh hoạt — Thôn 3")
    [card] = await nga.say("/issue 1")
    assert card.text.startswith("Vụ việc #1: Điện sinh hoạt — Thôn 3")
    assert t("vi", "card.who_you") in card.text and "Phạm Thị Nga" not in card.text


@pytest.mark.parametrize(
    "say",
    [
        "/issue ²",
        "/issue_²",
        "/issue_99999999999999999999",
        "/issue 99999999999999999999",
        "/issue ١٢",
        "/issue １２",
        "/issue 0",
        "/issue #²",
        "/add ² x",
        "/add 99999999999999999999 x",
        "/withdraw ²",
        "/withdraw 99999999999999999999",
        "/comment ² x",
        "/comment 99999999999999999999 x",
    ],
)
async def test_odd_numbers_get_the_polite_no_such_issue(
    world: Harness, say: str, caplog: pytest.LogCaptureFixture
) -> None:
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    for p in (lan, hung):
        out = await p.say(say)
        assert [m.text for m in out] == [t("vi", "issue.not_found", number="?")], (p.name, say)
    for command in ("resolve", "reopen", "dup", "assign"):  # the leaders' own
        if " " not in say:
            break
        out = await hung.say(f"/{command} {say.split(maxsplit=1)[1]}")
        assert [m.text for m in out] == [t("vi", "issue.not_found", number="?")], (command, say)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert "handler failed" not in caplog.text


@pytest.mark.parametrize(
    "data",
    [
        "a:iss:card:²",
        "a:iss:card:99999999999999999999",
        "a:iss:more:²:1",
        "a:iss:resolve:١",
        "a:my:²",
        "a:my:99999999999999999999",
        "a:chk:²:resolved",
    ],
)
async def test_odd_numbers_in_buttons_get_the_polite_no_such_issue(
    world: Harness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    out = await hung.tap_data(data)
    assert [m.text for m in out] == [t("vi", "issue.not_found", number="?")]
    assert "handler failed" not in caplog.text
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize(
    "data", ["a:lst:open:²", "a:myp:²", "a:rnd:start:²", "c²:1", "c99999999999999999999:1"]
)
async def test_odd_numbers_in_other_buttons_are_refused_politely(
    world: Harness, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    out = await hung.tap_data(data)
    assert len(out) == 1 and out[0].text in (t("vi", "error.bad_button"), t("vi", "error.stale_button"))
    assert "handler failed" not in caplog.text


async def test_sensitive_and_confidential_matters_go_out_protected(world: Harness) -> None:
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    minh = await person(world, "301", "Lê Quang Minh", "T01", "leader")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    await lan.say("/report")
    await lan.tap("Nhũng nhiễu, tiêu cực của cán bộ, công chức")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Cán bộ địa chính đòi tiền")
    await lan.tap("Xong")
    await lan.tap("Bức xúc")
    await lan.tap("Một vài hộ")
    await lan.tap("Nghe trực tiếp người dân")
    await lan.tap("Không ghi")
    await lan.tap("✔ Gửi báo cáo")
    [card] = await minh.say("/issue 1")
    assert card.protect_content
    [thread] = await lan.tap_data("a:my:1")
    assert thread.protect_content
    # an ordinary matter with an ordinary source is not
    await file_with_citizen(lan, "Thôn 3 mất điện", "Bà Tư")
    [plain] = await hung.say("/issue 2")
    assert not plain.protect_content
    # the same with a confidential source: its card is protected for the leader who reads the source
    await lan.say("/report")
    await lan.tap("Điện sinh hoạt")
    await lan.say("Thôn 5")
    await lan.say("Bỏ qua")
    await lan.say("Trạm biến áp hỏng")
    await lan.tap("Xong")
    await lan.tap("Bức xúc")
    await lan.tap("Cả thôn, ấp, khu phố")
    await lan.tap("Nghe trực tiếp người dân")
    await lan.tap("Có, ghi lại")
    await lan.say("Ông Năm")
    [summary] = await lan.tap("Có, giữ bí mật")
    assert summary.protect_content
    await lan.tap("✔ Gửi báo cáo")
    [secret] = await hung.say("/issue 3")
    assert secret.protect_content and "Ông Năm" in secret.text


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1", 1),
        ("#12", 12),
        (" 12 ", 12),
        ("007", 7),
        (str(2**53), 2**53),
        (str(2**53 + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-1", None),
        ("+1", None),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("𝟙", None),
        ("1_000", None),
        ("1e3", None),
        ("12a", None),
        ("", None),
        ("#", None),
        ("##1", None),
    ],
)
def test_issue_numbers_are_ascii_digits_in_range(text: str, number: int | None) -> None:
    assert parse_issue_number(text) == number
    assert parse_count("0") == 0 and parse_count("²") is None and parse_count(str(2**53 + 1)) is None


async def test_protected_messages_reach_telegram_protected(tmp_path: Path, emu: TelegramEmulator) -> None:
    """Over real HTTP: the Telegram sender passes protect_content, and only for the messages that need it."""
    async with running(tmp_path, emu) as app:
        s = app.services
        await seed_units(s.db, PINNED)
        code = await invite_code(s.db, s.settings, PINNED, "T01", "leader", "Lê Quang Minh")
        minh = emu.user(301, "Minh")
        await minh.send_text(f"/start {code}")
        await minh.next_message()
        async with s.db.transaction() as tx:
            leader = await mem.get_member_by_identity(tx, "telegram", "301")
            assert leader is not None
            for category in ("nhung_nhieu_can_bo", "dien_sinh_hoat"):
                draft = {"category": category, "unit_id": leader.unit_id, "description": ["Vụ việc"],
                         "severity": "normal", "people": "household", "source": "direct"}  # fmt: skip
                await file_report(tx, s.settings, s.calendar, s.clock.now(), leader, ReportDraft(**draft))
        await minh.send_text("/issue 1")
        sensitive = await minh.next_message()
        await minh.send_text("/issue 2")
        ordinary = await minh.next_message()
        assert sensitive.text is not None and sensitive.text.startswith("Vụ việc #1")
        assert sensitive.protected and not ordinary.protected
