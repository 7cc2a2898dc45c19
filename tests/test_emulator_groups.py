"""Groups in the Telegram emulator, driven by real python-telegram-bot over real HTTP: joins and leaves as
``chat_member`` updates (only when asked for), the bot added, promoted and removed as ``my_chat_member``, forum
topics (created only in a forum by an administrator bot; messages in a topic reply to its header)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot as PtbBot
from telegram import ChatMember
from telegram.error import BadRequest, Forbidden

from bot.emulator import TelegramEmulator

GROUP = -1_001_234_567_890  # a supergroup id


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(seed=3) as e:
        yield e


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[PtbBot]:
    b = PtbBot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with b:
        yield b


async def test_joins_and_the_bots_own_membership(emu: TelegramEmulator, bot: PtbBot) -> None:
    hung, lan = emu.user(11, "Hùng"), emu.user(12, "Lan")
    group = emu.group(GROUP, "Thường trực xã")
    await group.add_bot(hung)
    await group.join(lan, added_by=hung)
    # by default Telegram does not deliver chat_member: only my_chat_member arrives
    [added] = await bot.get_updates(timeout=0)
    assert (
        added.my_chat_member is not None and added.my_chat_member.new_chat_member.status == ChatMember.MEMBER
    )
    assert added.my_chat_member.from_user.id == 11
    await group.leave(lan)
    updates = await bot.get_updates(offset=added.update_id + 1, timeout=0, allowed_updates=["chat_member"])
    assert [
        (u.chat_member.new_chat_member.user.id, u.chat_member.new_chat_member.status) for u in updates
    ] == [(12, ChatMember.LEFT)]
    assert updates[0].chat_member.old_chat_member.status == ChatMember.MEMBER
    await group.join(lan)
    [joined] = await bot.get_updates(
        offset=updates[-1].update_id + 1, timeout=0, allowed_updates=["chat_member"]
    )
    assert joined.chat_member.new_chat_member.status == ChatMember.MEMBER
    assert (await bot.get_chat_member(GROUP, 12)).status == ChatMember.MEMBER
    assert (await bot.get_chat_member_count(GROUP)) == 3  # the bot, Hùng (who added it) and Lan
    assert [m.user.id for m in await bot.get_chat_administrators(GROUP)] == []
    await group.promote_bot(hung)
    assert [m.user.id for m in await bot.get_chat_administrators(GROUP)] == [emu.bot_id]
    await group.remove_bot(hung)
    with pytest.raises(Forbidden, match=r"(?i)kicked"):
        await bot.send_message(GROUP, "còn ai không?")


async def test_forum_topics(emu: TelegramEmulator, bot: PtbBot) -> None:
    hung = emu.user(11, "Hùng")
    group = emu.group(GROUP, "Thường trực xã")
    with pytest.raises(BadRequest, match=r"(?i)not a forum"):
        await bot.create_forum_topic(GROUP, "#12 Mất nước")
    group.enable_topics()
    assert (await bot.get_chat(GROUP)).is_forum is True
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.create_forum_topic(GROUP, "#12 Mất nước")
    await group.promote_bot(hung)
    topic = await bot.create_forum_topic(GROUP, "#12 Mất nước")
    assert group.topics == {topic.message_thread_id: "#12 Mất nước"}
    sent = await bot.send_message(GROUP, "Vụ việc #12: khẩn", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id and sent.is_topic_message
    assert sent.reply_to_message is not None and sent.reply_to_message.forum_topic_created is not None
    [alert] = group.topic_messages(topic.message_thread_id)
    assert alert.text == "Vụ việc #12: khẩn" and alert.reply_to_message_id is None
    with pytest.raises(BadRequest, match=r"(?i)thread not found"):
        await bot.send_message(GROUP, "lạc", message_thread_id=999)

    await group.send_text(hung, "bàn chuyện khác", topic=topic.message_thread_id)
    await group.reply(hung, alert, "Đã giải quyết")
    talk, reply = [u.message for u in await bot.get_updates(timeout=0) if u.message is not None]
    assert talk.message_thread_id == topic.message_thread_id and talk.reply_to_message.forum_topic_created
    assert reply.message_thread_id == topic.message_thread_id
    assert (
        reply.reply_to_message.message_id == sent.message_id
        and reply.reply_to_message.forum_topic_created is None
    )


def test_only_a_supergroup_can_be_a_forum(emu: TelegramEmulator) -> None:
    with pytest.raises(ValueError, match="supergroup"):
        emu.group(-100300, "Tổ 5").enable_topics()
