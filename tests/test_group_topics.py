"""Each issue's forum topic in a linked group (bot/telegram_groups.py), over real HTTP against the emulator: the
first post about an issue opens its topic, later posts about it go to the same topic, another issue gets its
own, and a group that is no forum (or where the bot may not manage topics) gets the post in its general chat."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot as PtbBot

from bot.core.clock import ManualClock
from bot.core.messages import Outgoing
from bot.emulator import TelegramEmulator
from bot.telegram_groups import TopicBook
from storage import groups as gs
from storage import issues as iss
from storage.db import Database
from tests.seed import seed_units

FORUM, PLAIN = -1_001_000_000_010, -1_001_000_000_011


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[PtbBot]:
    b = PtbBot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with b:
        yield b


def post(chat: int, issue: int) -> Outgoing:
    return Outgoing(str(chat), "…", channel="telegram", topic_issue=issue, topic_title=f"#{issue} Mất điện")


async def test_one_topic_per_issue(
    db: Database, clock: ManualClock, emu: TelegramEmulator, bot: PtbBot
) -> None:
    units = (await seed_units(db, clock.now())).units
    now = clock.now()
    async with db.transaction() as tx:  # the topics refer to issues
        for _ in range(2):
            await iss.create_issue(
                tx, title="Mất điện", category="dien", about_unit_id=units["X01"], owner_unit_id=units["X01"],
                severity="normal", place="", created_by=None, now=now, ack_due_at=now, handle_due_at=now,
            )  # fmt: skip
    hung = emu.user(11, "Hùng")
    forum, plain = emu.group(FORUM, "Thường trực xã"), emu.group(PLAIN, "Chi bộ")
    forum.enable_topics()
    await forum.add_bot(hung, admin=True)
    await plain.add_bot(hung)
    book = TopicBook(db, clock)
    first = await book.thread_for(bot, post(FORUM, 1))
    again = await book.thread_for(bot, post(FORUM, 1))
    other = await book.thread_for(bot, post(FORUM, 2))
    assert first is not None and first == again and other not in (None, first)
    assert forum.topics == {first: "#1 Mất điện", other: "#2 Mất điện"}
    assert emu.calls["createForumTopic"] == 2
    assert await gs.get_topic_issue(db.reader, "telegram", str(FORUM), str(first)) == 1
    assert await book.thread_for(bot, post(PLAIN, 1)) is None  # no forum: the general chat
    assert await book.thread_for(bot, Outgoing(str(FORUM), "…", thread_id="7")) == 7  # an answer in a topic
