"""Deadline extensions (gia hạn): asked by the assignee or a leader, approved or refused once by a leader who
leads the issue; the deadline, the thread, the reporters' notice and the follow-ups follow; the handling
statistics still count the original deadline."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.messages import Outgoing
from bot.core.tables import Row
from bot.core.texts import t
from bot.core.workcal import WorkCalendar
from bot.exports.model import issue_facts, stats_of
from bot.runtime import Services
from handlers.admin import import_units
from handlers.leaders.extension import parse_day
from scheduler.followups import follow_up_deadlines, system_context, weekly_for
from storage import exports as ex
from storage import extensions as ext
from storage import issues as iss
from storage import members as mem
from storage.readonly import ReadConnection
from tests.conftest import VN
from tests.harness import Harness, Person, labels, texts
from tests.test_followups import TREE, person
from tests.test_report import file_by_taps


@pytest.fixture
async def world(services: Services, clock: ManualClock) -> Harness:
    rows = [Row(i + 2, dict(zip(("code", "name", "parent"), u, strict=True))) for i, u in enumerate(TREE)]
    async with services.db.transaction() as tx:
        await import_units(tx, rows, clock.now())
    return Harness(services)


@pytest.fixture
async def cast(world: Harness) -> dict[str, Person]:
    """Lan reports in Hàm Chính; Hùng and Tâm lead it, Điện (a member there) is assigned the issue; Hoa leads
    the next commune, Minh the district."""
    people = {
        "lan": await person(world, "101", "Lan", "X11", "member"),
        "dien": await person(world, "102", "Điện", "X11", "member"),
        "hung": await person(world, "201", "Hùng", "X11", "leader"),
        "tam": await person(world, "202", "Tâm", "X11", "leader"),
        "hoa": await person(world, "203", "Hoa", "X12", "leader"),
        "minh": await person(world, "301", "Minh", "H01", "leader"),
    }
    await file_by_taps(people["lan"], "Thôn 1 mất điện")
    await people["hung"].tap_data("a:iss:assign:1")
    await people["hung"].tap("Điện — Xã Hàm Chính")
    await world.collect()
    return people


async def issue_1(services: Services) -> iss.Issue:
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None
    return issue


def local_day(when: datetime, days: int = 0) -> date:
    return when.astimezone(VN).date() + timedelta(days=days)


def end_of(services: Services, day: date) -> datetime:
    return services.calendar.add_working_days(datetime.combine(day, time(), tzinfo=VN), 0)


def shown(when: datetime) -> str:
    return when.astimezone(VN).strftime("%H:%M %d/%m/%Y")


async def ask(p: Person, day: date, reason: str = "Chờ điện lực cấp vật tư") -> list[Outgoing]:
    """The assignee's way: the button on the card, the date, the reason; what the reason sent."""
    [card] = await p.say("/issue 1")
    assert "Xin gia hạn" in labels(card)
    [ask_date] = await p.tap("Xin gia hạn")
    assert ask_date.text.startswith("Xin gia hạn vụ việc #1. Hạn xử lý hiện tại:")
    [ask_reason] = await p.say(day.strftime("%d/%m/%Y"))
    assert ask_reason.text.startswith("Hạn đề nghị:")
    return await p.say(reason)


async def test_asked_and_approved_moves_the_deadline_tells_the_reporters_and_restarts_escalation(
    world: Harness, cast: dict[str, Person], services: Services, clock: ManualClock
) -> None:
    before = await issue_1(services)
    day = local_day(before.handle_due_at, 7)
    new_due = end_of(services, day)
    assert new_due.astimezone(VN).time() == time(17, 0)
    out = await ask(cast["dien"], day)
    sent = [o.text for o in out if o.chat_id == "102"]
    assert sent == [t("vi", "extend.sent", number=1, due=shown(new_due), count=2)]
    asked = {o.chat_id: o for o in out if o.text.startswith("⏳ Đề nghị gia hạn vụ việc #1")}
    assert set(asked) == {"201", "202"}  # the commune's leaders; not the district, not the next commune
    assert labels(asked["201"]) == ["Đồng ý gia hạn", "Không đồng ý"]
    assert "Chờ điện lực cấp vật tư" in asked["201"].text and shown(new_due) in asked["201"].text
    assert (await issue_1(services)).handle_due_at == before.handle_due_at  # nothing moves until decided
    # the card she asked from is refreshed in place: the request in its history
    asked_card = world.edits_in("102")[-1]
    assert asked_card.text.startswith("Vụ việc #1: Thôn 1 mất điện\n")
    assert asked_card.text.endswith("— Đồng chí: Xin gia hạn xử lý. Lý do: Chờ điện lực cấp vật tư")

    out = await cast["hung"].tap("Đồng ý gia hạn")
    after = await issue_1(services)
    assert after.handle_due_at == new_due
    assert await ext.get_original_deadline(services.db.reader, 1) == before.handle_due_at
    to_lan = [o for o in out if o.chat_id == "101"]
    assert [o.text for o in to_lan] == [
        t("vi", "notice.extended", number=1, title="Thôn 1 mất điện", due=shown(new_due))
    ]
    assert "hạn xử lý mới: " + shown(new_due) in to_lan[0].text
    assert [o.text for o in out if o.chat_id == "102"] == [
        t("vi", "extend.approved_member", number=1, due=shown(new_due))
    ]
    assert [o.text for o in out if o.chat_id == "201"] == [
        t("vi", "extend.approved_leader", number=1, due=shown(new_due), count=1)
    ]
    # the request Hùng tapped is now the card: the new deadline, the decision, the buttons still of use
    decided = world.edits_in("201")[-1]
    assert decided.edit_of == "1" and f"\nHạn xử lý: {shown(new_due)}\n" in decided.text
    assert decided.text.endswith("— Hùng: " + t("vi", "entry.extension", text=shown(new_due)))
    assert labels(decided) == ["Giao xử lý", "Ghi chú", "Đã xử lý xong", "Trùng vụ việc…", "Chuyển đơn vị",
                               "Đóng không xử lý", "Xin gia hạn"]  # fmt: skip
    # the thread: the reporters read the new deadline, never the reason
    [my_thread] = await cast["lan"].tap_data("a:my:1")
    assert t("vi", "entry.extension", text=shown(new_due)) in my_thread.text
    assert "Chờ điện lực" not in my_thread.text
    [card] = await cast["hung"].say("/issue 1")
    assert (
        "Chờ điện lực cấp vật tư" in card.text and shown(new_due) in card.text and "QUÁ HẠN" not in card.text
    )

    # past the old deadline (and when escalation would have begun), still before the new one: nothing
    clock.set(before.handle_due_at + timedelta(days=3))
    assert clock.now() < new_due
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 0, escalated 0"
    clock.set(new_due + timedelta(minutes=1))  # the new deadline is followed up as the old one was
    assert await follow_up_deadlines(services, clock.now()) == "ack 0, handle 1, escalated 0"


async def test_asked_by_a_leader_in_one_line_and_refused(
    world: Harness, cast: dict[str, Person], services: Services, clock: ManualClock
) -> None:
    before = await issue_1(services)
    day = local_day(before.handle_due_at, 10)
    out = await cast["hung"].say(f"/extend 1 {day:%d/%m} Chờ kinh phí của huyện")
    asked = {o.chat_id: o for o in out if o.text.startswith("⏳ Đề nghị gia hạn vụ việc #1")}
    assert set(asked) == {"202"}  # the requester does not decide his own request
    assert texts(await cast["hung"].tap_data(asked["202"].choices[0][0].data)) == [
        t("vi", "extend.own_request")
    ]

    out = await cast["tam"].tap("Không đồng ý")
    assert (await issue_1(services)).handle_due_at == before.handle_due_at
    assert await ext.get_original_deadline(services.db.reader, 1) is None
    due, asked_for = shown(before.handle_due_at), shown(end_of(services, day))
    assert [o.text for o in out if o.chat_id == "201"] == [
        t("vi", "extend.refused_member", number=1, asked=asked_for, due=due)
    ]
    assert [o.text for o in out if o.chat_id == "202"] == [
        t("vi", "extend.refused_leader", number=1, due=due)
    ]
    assert [o for o in out if o.chat_id == "101"] == []  # nothing changed for the reporters
    [request] = await ext.list_extension_requests(services.db.reader, 1)
    assert (request.state, request.decided_by) == ("refused", 4)
    # the old deadline holds: past it, the follow-up comes as before
    clock.set(before.handle_due_at + timedelta(minutes=1))
    assert "handle 1" in await follow_up_deadlines(services, clock.now())


async def test_a_forged_or_other_units_decision_is_refused(
    world: Harness, cast: dict[str, Person], services: Services
) -> None:
    before = await issue_1(services)
    await ask(cast["dien"], local_day(before.handle_due_at, 5))
    await world.collect()
    bad = [t("vi", "error.bad_button")]
    assert texts(await cast["hoa"].tap_data("a:ext:yes:1")) == bad  # the next commune's leader
    assert texts(await cast["lan"].tap_data("a:ext:yes:1")) == bad  # a reporter
    assert texts(await cast["dien"].tap_data("a:ext:yes:1")) == bad  # the assignee who asked
    assert texts(await cast["hung"].tap_data("a:ext:yes:99")) == bad  # no such request
    assert texts(await cast["hung"].tap_data("a:ext:maybe:1")) == bad  # no such answer
    assert texts(await cast["hung"].tap_data("a:ext:yes:²")) == bad
    assert (await issue_1(services)).handle_due_at == before.handle_due_at
    [request] = await ext.list_extension_requests(services.db.reader, 1)
    assert request.state == "pending"
    # a leader above who leads the issue may decide (the district)
    await cast["minh"].tap_data("a:ext:yes:1")
    assert (await issue_1(services)).handle_due_at == end_of(services, local_day(before.handle_due_at, 5))


async def test_a_bad_date_is_politely_refused_and_changes_nothing(
    world: Harness, cast: dict[str, Person], services: Services, clock: ManualClock
) -> None:
    issue = await issue_1(services)
    due = shown(issue.handle_due_at)
    [refused, ask_again] = await cast["hung"].say("/extend 1 31/02 vì sao")
    assert refused.text.startswith(t("vi", "extend.bad_date", text="31/02", example="x").split("“")[0])
    assert "“31/02”" in refused.text
    assert ask_again.text.startswith("Xin gia hạn vụ việc #1")
    [early] = await cast["hung"].say(f"{local_day(issue.handle_due_at, -1):%d/%m}")
    assert early.text.startswith(t("vi", "extend.too_early", due=due))
    last = local_day(clock.now(), 90)
    [late] = await cast["hung"].say(f"{local_day(clock.now(), 91):%d/%m/%Y}")
    assert late.text.startswith(t("vi", "extend.too_late", days=90, last=f"{last:%d/%m/%Y}"))
    [unread] = await cast["hung"].say("tuần sau")
    assert "“tuần sau”" in unread.text
    assert await ext.list_extension_requests(services.db.reader, 1) == []
    assert (await issue_1(services)).handle_due_at == issue.handle_due_at
    # a reporter who is neither assignee nor leader cannot ask at all
    assert texts(await cast["lan"].say("/extend 1")) == [t("vi", "issue.not_found", number=1)]
    # the same in English
    async with services.db.transaction() as tx:
        hung = await mem.get_member_by_identity(tx, "telegram", "201")
        assert hung is not None
        await mem.set_member_language(tx, hung.id, "en")
    [en] = await cast["hung"].say("99/99")
    assert en.text.startswith("The date “99/99” could not be read.")


async def test_a_double_decision_is_answered_once(
    world: Harness, cast: dict[str, Person], services: Services
) -> None:
    before = await issue_1(services)
    day = local_day(before.handle_due_at, 7)
    await ask(cast["dien"], day)
    await world.collect()
    first = await cast["hung"].tap("Đồng ý gia hạn")
    assert any(o.chat_id == "101" for o in first)
    decided = [t("vi", "extend.decided", number=1, outcome=t("vi", "extend.outcome.approved"))]
    assert texts(await cast["tam"].tap("Đồng ý gia hạn")) == decided
    assert texts(await cast["tam"].tap("Không đồng ý")) == decided
    assert texts(await cast["hung"].tap("Không đồng ý")) == decided
    assert (await issue_1(services)).handle_due_at == end_of(services, day)
    thread = await iss.list_thread(services.db.reader, 1)
    assert [e.kind for e in thread].count("extension") == 1
    assert len([o for o in world.rows if o.chat_id == "101" and "hạn xử lý mới" in o.text]) == 1
    # one request at a time: a second is refused while one waits, and may be asked once decided
    later = local_day(end_of(services, day), 3)
    await cast["dien"].say(f"/extend 1 {later:%d/%m} Thêm thời gian")
    second = await ext.get_pending_extension_request(services.db.reader, 1)
    assert second is not None
    pending = await cast["dien"].say(f"/extend 1 {later:%d/%m} Lần nữa")
    assert texts(pending)[0].startswith("Vụ việc #1 đã có đề nghị gia hạn đến")


async def test_the_statistics_count_the_original_deadline(
    world: Harness, cast: dict[str, Person], services: Services, clock: ManualClock
) -> None:
    before = await issue_1(services)
    day = local_day(before.handle_due_at, 7)
    await ask(cast["dien"], day)
    await cast["hung"].tap("Đồng ý gia hạn")
    clock.set(before.handle_due_at + timedelta(days=2))  # after the original deadline, within the extension
    await cast["hung"].say("/resolve 1 Đã thay dây")
    await cast["hung"].tap("Không, gửi kết quả luôn")
    resolved = await issue_1(services)
    assert (
        resolved.state == "resolved" and before.handle_due_at < resolved.resolved_at <= resolved.handle_due_at
    )
    conn = ReadConnection(services.settings.database_target)  # either engine
    try:
        rows = ex.list_issues_created(
            conn, ex.ExportScope(None), clock.now() - timedelta(days=30), clock.now() + timedelta(days=1)
        )
    finally:
        conn.close()
    [row] = rows
    assert row.original_handle_due_at == before.handle_due_at and row.handle_due_at == end_of(services, day)
    facts = issue_facts(row, WorkCalendar(services.settings.calendar), clock.now(), set())
    assert facts.handle_on_time is False  # late by the original deadline, though within the extension
    stats = stats_of([facts])
    assert (stats.handle_due, stats.handle_on_time, stats.handle_late) == (1, 0, 1)
    # the weekly summary counts it the same way
    async with services.db.transaction() as tx:
        minh = await mem.get_member_by_identity(tx, "telegram", "301")
        assert minh is not None
        weekly = await weekly_for(
            system_context(services, tx, clock.now()), minh, clock.now() - timedelta(days=7)
        )
    assert weekly is not None and t("vi", "weekly.on_time", share="0 %", on_time=0, total=1) in weekly
    # reopening gives an original deadline again: the one kept from before the extension is dropped
    await cast["hung"].say("/reopen 1 Người dân báo lại")
    assert await ext.get_original_deadline(services.db.reader, 1) is None


def test_typed_days() -> None:
    today = date(2026, 12, 1)
    assert parse_day("20/12", today) == date(2026, 12, 20)
    assert parse_day("5/1", today) == date(2027, 1, 5)  # without a year: the next such day
    assert parse_day("05.01.2027", today) == date(2027, 1, 5)
    assert parse_day(" 1-12 ", today) == date(2026, 12, 1)
    for bad in ("31/02", "29/02", "20/12/26", "２０/12", "20/12 17:00", "", "mai", "12"):
        assert parse_day(bad, today) is None, bad


async def test_a_zalo_leader_reads_the_request_without_telegram_gestures(
    world: Harness, cast: dict[str, Person], services: Services, clock: ManualClock
) -> None:
    async with services.db.transaction() as tx:
        tam = await mem.get_member_by_identity(tx, "telegram", "202")
        assert tam is not None
        await mem.add_identity(tx, tam.id, "zalo", "z-202", "z-202", clock.now())
        await mem.set_preferred_channel(tx, tam.id, "zalo")
    before = await issue_1(services)
    out = await ask(cast["dien"], local_day(before.handle_due_at, 7))
    [on_zalo] = [o for o in out if o.chat_id == "z-202"]
    assert on_zalo.channel == "zalo" and "bấm" not in on_zalo.text
    assert on_zalo.text.endswith("Đồng chí trả lời bằng số thứ tự của lựa chọn bên dưới.")
    assert labels(on_zalo) == ["Đồng ý gia hạn", "Không đồng ý"]
    [on_telegram] = [o for o in out if o.chat_id == "201"]
    assert "Đồng chí bấm “Đồng ý gia hạn” hoặc “Không đồng ý”." in on_telegram.text
