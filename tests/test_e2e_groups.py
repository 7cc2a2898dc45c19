"""A unit's leaders' group end to end, over real HTTP against the emulator: a forum group linked to a commune with
a one-time code; an urgent report opens the issue's topic; a non-leader in the group taps a button and nothing
changes; a leader resolves the issue from its topic by reply; a non-leader joining switches posts to the short
form (and the leaders are told why); a sensitive report never reaches the implicated commune's group; a group the
bot was removed from is unlinked."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import pytest

from bot.app import App
from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.emulator import BotMessage, SimGroup, SimUser, TelegramEmulator
from bot.ops.purge import purge_private_data
from bot.runtime import enqueue
from handlers.context import SYSTEM, Context
from handlers.drafts import ReportDraft
from handlers.filing import file_report
from handlers.leaders import alert_on_filing
from storage import groups as gs
from storage import issues as iss
from storage import members as mem
from tests import e2e
from tests.conftest import PINNED, VN
from tests.e2e import running
from tests.seed import seed_units
from tests.test_e2e_leaders import report

FORUM = -1_001_000_000_001  # supergroups
PROVINCE_GROUP = -1_001_000_000_002
URGENT = "Khẩn cấp — có nguy cơ thành điểm nóng"
FIGHT = "Hai nhóm thanh niên hẹn đánh nhau ở bãi cát thôn 3 sau trận bóng chiều nay"


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu, clock=ManualClock(PINNED)) as a:
        await seed_units(a.services.db, PINNED)
        yield a


join = partial(e2e.join, at=PINNED)


async def link_group(leader: SimUser, group: SimGroup, *, lang: str = "vi") -> str:
    """The leader gets a code in private and types it in the group; returns the bot's answer there."""
    await leader.send_text("/group code")
    answer = (await leader.next_message()).text or ""
    found = re.search(r"/group link ([0-9A-Z]{8})", answer)
    assert found, answer
    await group.send_text(leader, f"/group link {found.group(1)}")
    return (await group.next_message()).text or ""


async def tap_answer(
    emu: TelegramEmulator, group: SimGroup, who: SimUser, label: str, message: BotMessage
) -> str:
    """``who`` taps ``label`` in the group; the text the bot answered the tap with."""
    before = emu.calls["answerCallbackQuery"]
    await group.tap(who, label, message)
    await emu.wait_calls("answerCallbackQuery", before + 1)
    return emu.answered_callbacks[-1]["text"] or ""


async def test_forum_group_of_a_commune(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    forum = emu.group(FORUM, "Thường trực xã Hàm Thắng")
    forum.enable_topics()
    await forum.add_bot(hung, admin=True)
    linked = await link_group(hung, forum)
    assert linked.startswith(t("vi", "group.linked"))
    assert t("vi", "group.topics_on") in linked and t("vi", "group.details_full") in linked

    # an urgent report: the leader's alert in private, and in the group a topic of its own with the card
    await report(lan, "Tệ nạn xã hội", FIGHT, URGENT)
    assert (await hung.next_message()).text.startswith(t("vi", "alert.urgent"))
    card = await forum.next_message()
    assert (card.text or "").startswith(t("vi", "alert.urgent") + "\n\nVụ việc #1: Hai nhóm thanh niên")
    [(thread, name)] = forum.topics.items()
    assert card.thread_id == thread
    assert name.startswith("#1 Hai nhóm thanh niên hẹn") and len(name) <= 128
    assert card.labels()[:2] == [t("vi", "btn.ack"), t("vi", "btn.assign")]

    # ordinary talk in the topic is no action: the bot stays silent
    await forum.send_text(hung, "Đồng chí nào đang ở gần bãi cát?", topic=thread)
    # a non-leader in the group taps a button: a polite answer, nothing changes
    await forum.join(lan, added_by=hung)
    short = await hung.next_message()
    assert short.text == t("vi", "group.now_short", number=1, unit="Xã Hàm Thắng",
                           reasons=t("vi", "group.reason_others", count=1))  # fmt: skip
    assert await tap_answer(emu, forum, lan, t("vi", "btn.ack"), card) == t("vi", "group.not_leader_tap")
    issue = await iss.get_issue(app.services.db.reader, 1)
    assert issue is not None and issue.state == "new"
    # while she is in the group a leader is asked to act in private, and nothing changes either
    assert await tap_answer(emu, forum, hung, t("vi", "btn.ack"), card) == t("vi", "group.use_private")
    assert (await iss.get_issue(app.services.db.reader, 1)).state == "new"  # type: ignore[union-attr]

    await forum.leave(lan)
    assert (await hung.next_message()).text == t("vi", "group.now_full", number=1, unit="Xã Hàm Thắng")
    # the leader resolves it from the topic by replying to the card
    await forum.reply(hung, card, "Đã xử lý xong: hai nhóm đã giải tán.")
    offer = await forum.next_message()
    assert offer.thread_id == thread
    assert offer.labels()[0] == t("vi", "act.reply_resolve")
    await forum.tap(hung, t("vi", "act.reply_resolve"), offer)
    ask = await forum.next_message()
    assert ask.text == t("vi", "act.ask_evidence") and ask.thread_id == thread
    await forum.tap(hung, t("vi", "act.evidence_none"), ask)
    done = await forum.next_message()
    assert done.thread_id == thread and "#1" in (done.text or "")
    issue = await iss.get_issue(app.services.db.reader, 1)
    assert issue is not None and issue.state == "resolved"
    assert issue.resolution == "Đã xử lý xong: hai nhóm đã giải tán."
    assert [m.text for m in forum.pending()] == []  # the talk in the topic got no answer
    assert (await lan.next_message()).text == t("vi", "notice.resolved", number=1, title=FIGHT,
                                                resolution="Đã xử lý xong: hai nhóm đã giải tán.")  # fmt: skip

    # a non-leader joins: the next post carries only the number, the category and a private-chat link
    await forum.join(lan, added_by=hung)
    await hung.next_message()  # told why again
    await report(lan, "Tệ nạn xã hội", "Thanh niên tụ tập đua xe ở đường ven biển", URGENT)
    await hung.next_message()
    post = await forum.next_message()
    assert post.text == t(
        "vi", "group.short", header=t("vi", "alert.urgent"), number=2, category="Tệ nạn xã hội"
    )
    assert "đua xe" not in (post.text or "") and post.protected
    assert post.labels() == [t("vi", "group.open_private")]
    [[button]] = forum._chat.raw[post.message_id]["reply_markup"]["inline_keyboard"]
    assert button["url"] == "https://t.me/dlxh_test_bot?start=issue_2"
    await hung.send_text("/start issue_2")  # what the link opens: the card, in private, as he may read it
    assert (await hung.next_message()).text.startswith("Vụ việc #2: Thanh niên tụ tập đua xe")
    assert len(forum.topics) == 2  # its own topic too


async def test_a_sensitive_report_never_reaches_the_communes_group(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    minh = await join(app, emu, 301, "Lê Quang Minh", "T01", "leader")
    commune = emu.group(FORUM, "Thường trực xã Hàm Thắng")
    commune.enable_topics()
    await commune.add_bot(hung, admin=True)
    await link_group(hung, commune)
    province = emu.group(PROVINCE_GROUP, "Thường trực tỉnh")
    await province.add_bot(minh, admin=True)
    status = await link_group(minh, province)
    assert t("vi", "group.topics_need_forum") in status  # a supergroup, not a forum

    await report(lan, "Nhũng nhiễu, tiêu cực của cán bộ, công chức", "Cán bộ địa chính xã đòi tiền", URGENT)
    await minh.next_message()
    card = await province.next_message()  # the province owns it and is not implicated: the card
    assert (card.text or "").startswith(t("vi", "alert.urgent")) and card.thread_id is None and card.protected
    # a plain urgent report afterwards reaches the commune's group: so the sensitive one was kept from it
    await report(lan, "Tệ nạn xã hội", FIGHT, URGENT)
    await hung.next_message()
    post = await commune.next_message()
    assert "#2" in (post.text or "")
    assert [m.text for m in commune.messages if "#1" in (m.text or "")] == []
    assert all("#1" not in name for name in commune.topics.values())

    # the bot removed from the province's group: the link is dropped and its leader told in private
    await province.remove_bot(minh)
    assert (await minh.next_message()).text == t("vi", "group.removed", number=2, unit="Tỉnh Bình Thuận")
    assert await gs.get_group_link(app.services.db.reader, "telegram", str(PROVINCE_GROUP)) is None


async def test_linking_is_refused_politely(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    group = emu.group(FORUM, "Nhóm")
    await group.add_bot(hung)
    await group.send_text(hung, "/group link ABCDEFGH")
    assert (await group.next_message()).text == t("vi", "group.bad_code")
    await hung.send_text("/group code")
    code = re.search(r"/group link ([0-9A-Z]{8})", (await hung.next_message()).text or "")
    assert code
    await group.send_text(lan, f"/group link {code.group(1)}")  # a member: silence, nothing linked
    await group.send_text(hung, "/group status")
    assert (await group.next_message()).text == t("vi", "group.not_linked")
    assert await gs.get_group_link(app.services.db.reader, "telegram", str(FORUM)) is None

    # the code still works for a leader; unlinked, the group is forgotten by the privacy purge (and its dry run)
    await group.send_text(hung, f"/group link {code.group(1)}")
    linked = (await group.next_message()).text or ""
    assert linked.startswith(t("vi", "group.linked")) and t("vi", "group.reason_not_admin") in linked
    reasons = t("vi", "group.reason_not_admin")  # the bot is told who joins only as an administrator
    told = t("vi", "group.now_short", number=1, unit="Xã Hàm Thắng", reasons=reasons)
    assert (await hung.next_message()).text == told
    await group.promote_bot(hung)
    assert (await hung.next_message()).text == t("vi", "group.now_full", number=1, unit="Xã Hàm Thắng")
    await group.send_text(hung, "/group unlink")
    assert (await group.next_message()).text == t("vi", "group.unlinked", number=1)
    assert await gs.get_group_link(app.services.db.reader, "telegram", str(FORUM)) is None
    db, files = app.services.db, app.services.files
    later = PINNED + timedelta(days=25 * 31)
    dry = await purge_private_data(db, files, later, months=24, dry_run=True)
    assert dry.group_links == 2 and "2 group link record(s)" in dry.summary()  # the link and its code
    assert (await purge_private_data(db, files, PINNED, months=24)).group_links == 0
    assert (await purge_private_data(db, files, later, months=24)).group_links == 2
    assert await db.reader.fetchval("SELECT COUNT(*) FROM group_links") == 0


async def test_the_daily_digest_in_the_group_in_english_then_short(app: App, emu: TelegramEmulator) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    await hung.send_text("/language")
    await hung.tap("English", await hung.next_message())
    assert (await hung.next_message()).text == t("en", "language.done")
    group = emu.group(FORUM, "Standing committee")
    await group.add_bot(hung, admin=True)
    linked = await link_group(hung, group)
    assert linked.startswith(t("en", "group.linked")) and t("en", "group.topics_need_forum") in linked
    await report(lan, "Tệ nạn xã hội", FIGHT, "Bình thường")  # no alert: the digest names it
    clock = app.services.clock
    assert isinstance(clock, ManualClock)
    clock.set(datetime(2026, 11, 11, 7, 0, tzinfo=VN))  # Wednesday, digest time
    assert await app.runner.run("group_digests") == "group digests 1"
    assert await app.runner.run("group_digests") == "group digests 0"  # once a day
    digest = await group.next_message()
    assert "#1" in (digest.text or "") and "Hai nhóm thanh niên" in (digest.text or "")
    # a non-leader in the group: tomorrow's digest names each issue by number and category only
    await group.join(lan, added_by=hung)
    assert (await hung.next_message()).text == t("en", "group.now_short", number=1, unit="Xã Hàm Thắng",
                                                 reasons=t("en", "group.reason_others", count=1))  # fmt: skip
    clock.set(datetime(2026, 11, 12, 7, 0, tzinfo=VN))
    assert await app.runner.run("group_digests") == "group digests 1"
    short = await group.next_message()
    assert short.text == t("en", "group.digest_short", date="12/11/2026", unit="Xã Hàm Thắng", count=1,
                           lines=t("en", "group.digest_line", number=1, category="Social evils"))  # fmt: skip


async def test_a_confidential_source_never_reaches_the_group(app: App, emu: TelegramEmulator) -> None:
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    forum = emu.group(FORUM, "Thường trực xã Hàm Thắng")
    forum.enable_topics()
    await forum.add_bot(hung, admin=True)
    await link_group(hung, forum)
    s = app.services
    async with s.db.transaction() as tx:
        leader = await mem.get_member_by_identity(tx, "telegram", "201")
        assert leader is not None
        draft = {"category": "te_nan_xa_hoi", "unit_id": leader.unit_id, "description": [FIGHT],
                 "severity": "urgent", "people": "household", "source": "direct",
                 "citizen": "Ông Tư, 0912345678", "confidential": True}  # fmt: skip
        filed = await file_report(tx, s.settings, s.calendar, s.clock.now(), leader, ReportDraft(**draft))
        ctx = Context(tx=tx, settings=s.settings, calendar=s.calendar, now=s.clock.now(), incoming=SYSTEM)
        await alert_on_filing(ctx, filed.issue_id, True)
        await enqueue(tx, s, ctx.out, ctx.now)
    app.worker.wake()
    alert = await hung.next_message()  # the owning unit's leader reads the source, in private, protected
    assert "Ông Tư" in (alert.text or "") and alert.protected
    card = await forum.next_message()
    assert "Ông Tư" not in (card.text or "") and "0912345678" not in (card.text or "")
    assert t("vi", "card.citizen_hidden").strip() in (card.text or "")
    # acknowledged from the group: the card is refreshed in place as the group reads it, not as he does
    assert await tap_answer(emu, forum, hung, t("vi", "btn.ack"), card) == ""
    await emu.wait_calls("editMessageText", 1)
    refreshed = forum._chat.by_id[card.message_id]
    assert refreshed.edits == 1 and t("vi", "state.acknowledged") in (refreshed.text or "")
    assert "Ông Tư" not in (refreshed.text or "") and t("vi", "card.citizen_hidden").strip() in (
        refreshed.text or ""
    )
