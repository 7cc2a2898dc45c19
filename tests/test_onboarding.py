"""Onboarding through the handlers alone (no channel): strangers, codes, /help, /me, /language, /invite."""

from __future__ import annotations

from datetime import timedelta

from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.runtime import Services
from storage import members as mem
from storage.audit import list_audit
from tests.harness import Harness, labels, texts
from tests.seed import invite_code


async def test_stranger_is_refused_once_an_hour_and_nothing_is_stored(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    stranger = world.person("900", "Người lạ")
    for text in ("xin chào", "/me", "/report", "/help", "/help"):
        await stranger.say(text)
    # one refusal and one help an hour, then silence (a flood of strangers costs one message each)
    assert texts(world.sent_to("900")) == [t("vi", "stranger.refuse"), t("vi", "help.stranger")]
    clock.advance(timedelta(minutes=61))
    await stranger.say("xin chào")
    assert texts(world.sent_to("900"))[-1] == t("vi", "stranger.refuse")
    assert len(world.sent_to("900")) == 3
    assert await mem.list_members(services.db.reader) == []


async def test_join_greets_by_name_with_unit_and_menu(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    code = await invite_code(services.db, services.settings, clock.now(), "X01", "member", "Nguyễn Thị Lan")
    lan = world.person("101", "Lan")
    [welcome] = await lan.say(f"/start {code}")
    assert welcome.text == t(
        "vi",
        "invite.welcome",
        name="Nguyễn Thị Lan",
        role="thành viên",
        unit="Xã Hàm Thắng",
        abilities=t("vi", "abilities.member"),
    )
    assert welcome.keyboard is not None and [[b.label for b in row] for row in welcome.keyboard] == [
        ["Báo cáo mới", "Báo cáo của tôi"],
        ["Hướng dẫn", "Thông tin của tôi"],
    ]
    commands = [o.commands for o in world.rows if o.commands is not None]
    assert commands and [c for c, _ in commands[-1]] == [
        "start", "report", "my", "add", "withdraw", "practice", "issue", "comment", "extend", "help", "me", "phone", "leave", "link", "channel", "language", "cancel",
    ]  # fmt: skip
    [me] = await lan.say("/me")
    assert "Nguyễn Thị Lan" in me.text and "Xã Hàm Thắng" in me.text and "thành viên" in me.text
    # the reply-keyboard button does the same as the command
    [me2] = await lan.say("Thông tin của tôi")
    assert me2.text == me.text


async def test_codes_are_one_time_expire_and_ignore_case(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    code = await invite_code(services.db, services.settings, clock.now(), "X01", "member")
    a, b = world.person("1", "A"), world.person("2", "B")
    [ok] = await a.say(f"/start {code.lower()}")
    assert ok.text.startswith("Chào mừng đồng chí")
    assert texts(await b.say(f"/start {code}")) == [t("vi", "invite.used")]
    # a member sending a code is told they are already in; the code is untouched
    code2 = await invite_code(services.db, services.settings, clock.now(), "X01", "member")
    [already] = await a.say(f"/start {code2}")
    assert already.text == t("vi", "invite.already_member", name="A", unit="Xã Hàm Thắng")
    clock.advance(timedelta(days=15))
    assert texts(await b.say(f"/start {code2}")) == [t("vi", "invite.expired")]


async def test_guessing_is_throttled_for_an_hour(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    good = await invite_code(services.db, services.settings, clock.now(), "X01", "member")
    guesser = world.person("66", "Đoán mò")
    for i in range(5):
        assert texts(await guesser.say(f"/start WRONG{i}")) == [t("vi", "invite.bad_code")]
    assert texts(await guesser.say(f"/start {good}")) == [t("vi", "invite.throttled")]
    clock.advance(timedelta(minutes=61))
    [ok] = await guesser.say(f"/start {good}")
    assert ok.text.startswith("Chào mừng")


async def test_language_switch_changes_texts_and_menu(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    code = await invite_code(services.db, services.settings, clock.now(), "X02", "leader", "Trần Văn Hùng")
    hung = world.person("7", "Hùng")
    await hung.say(f"/start {code}")
    [ask] = await hung.say("/language")
    assert labels(ask) == ["Tiếng Việt", "English", "✖ Hủy"]
    [done] = await hung.tap("English")
    assert done.text == "Switched to English."
    [helped] = await hung.say("/help")
    guide, commands = helped.text.split("\n\n", 1)
    assert guide == "How to use the bot (leader):\n" + t("en", "guide.leader")  # plain words, then commands
    assert commands.startswith("/start — ")


async def test_admin_invites_from_the_chat_by_typing_and_tapping(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    code = await invite_code(services.db, services.settings, clock.now(), "T01", "admin", "Quản trị")
    admin = world.person("1", "QT")
    await admin.say(f"/start {code}")
    [ask_unit] = await admin.say("/invite")
    assert labels(ask_unit) == ["Tỉnh Bình Thuận", "Xã Hàm Thắng", "Xã Hàm Liêm", "✖ Hủy"]
    [ask_role] = await admin.say("ham thang")  # typed, accentless
    assert labels(ask_role) == ["thành viên", "lãnh đạo", "quản trị viên", "« Quay lại", "✖ Hủy"]
    [again] = await admin.say("xyz")  # neither a number nor a label
    assert again.text.startswith(t("vi", "error.choose_again"))
    [back] = await admin.tap("« Quay lại")
    assert labels(back)[:3] == ["Tỉnh Bình Thuận", "Xã Hàm Thắng", "Xã Hàm Liêm"]
    await admin.say("2")
    await admin.tap("thành viên")
    [created] = await admin.say("Lê Thị Mai")
    assert "Lê Thị Mai" in created.text and "https://t.me/dlxh_test_bot?start=" in created.text
    new_code = created.text.split("Mã: ")[1].split("\n")[0]
    mai = world.person("55", "Mai")
    [welcome] = await mai.say(f"/start {new_code}")
    assert "Lê Thị Mai" in welcome.text and "Xã Hàm Thắng" in welcome.text
    assert [e.action for e in await list_audit(services.db.reader)][:2] == ["invite.join", "invite.create"]


async def test_stale_and_forged_buttons_change_nothing(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    code = await invite_code(services.db, services.settings, clock.now(), "T01", "admin")
    admin = world.person("1", "QT")
    await admin.say(f"/start {code}")
    [first] = await admin.say("/invite")
    stale = first.choices[0][0].data
    await admin.tap("Xã Hàm Liêm")
    [resp] = await admin.tap_data(stale)
    assert resp.text.startswith(t("vi", "error.stale_button"))
    assert labels(resp)[0] == "thành viên"  # still at the role step
    nonce = resp.choices[0][0].data.split(":")[0]  # the live role step's own nonce
    [forged] = await admin.tap_data(f"{nonce}:admin-of-everything")
    assert forged.text.startswith(t("vi", "error.bad_button"))


async def test_member_cannot_use_admin_commands_and_inactive_member_is_told(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    code = await invite_code(services.db, services.settings, clock.now(), "X01", "member")
    m = world.person("3", "M")
    await m.say(f"/start {code}")
    assert texts(await m.say("/invite")) == [t("vi", "error.unknown_command", command="invite")]
    member = await mem.get_member_by_identity(services.db.reader, "telegram", "3")
    assert member is not None
    async with services.db.transaction() as tx:
        await mem.deactivate_member(tx, member.id, clock.now())
    assert texts(await m.say("/me")) == [t("vi", "member.inactive")]
    promptable = await mem.list_promptable_members(services.db.reader)
    assert [p.id for p, _ in promptable] == []
