"""Telegram groups for the channel (bot/telegram.py): member updates as :class:`Incoming` events, what a group
message says (its forum topic, a command and the facts ``/group`` needs from the platform), and each issue's
forum topic when sending (``createForumTopic`` on the first post about an issue, remembered in storage).

In a forum topic every message replies to the topic's header (a service message the bot wrote when it opened the
topic): that is not a reply to a specific message, so it is not reported as one."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.core.clock import Clock
from bot.core.messages import Incoming, Outgoing
from storage import groups as gs
from storage.db import Database

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MEMBER_UPDATES = ["my_chat_member", "chat_member"]


def member_incoming(update: Update) -> Incoming | None:
    """Someone joined or left a group (``chat_member``), or the bot was added, promoted or removed
    (``my_chat_member``)."""
    change = update.my_chat_member or update.chat_member
    if change is None:
        return None
    subject = change.new_chat_member.user
    return Incoming(
        channel=CHANNEL,
        chat_id=str(change.chat.id),
        sender_id=str(change.from_user.id),
        update_key=str(update.update_id),
        kind="member",
        chat_type=change.chat.type,
        chat_forum=bool(change.chat.is_forum),
        subject_id=str(subject.id),
        member_status=change.new_chat_member.status,
        subject_is_bot=update.my_chat_member is not None,
    )


def topic_of(m: Message) -> str:
    """The forum topic a message was written in ("" outside a topic)."""
    return str(m.message_thread_id) if m.is_topic_message and m.message_thread_id else ""


def is_topic_header(m: Message) -> bool:
    """Whether the message replies only to its topic's header (every message in a topic does)."""
    reply = m.reply_to_message
    return bool(m.is_topic_message and reply is not None and reply.message_id == m.message_thread_id)


async def group_facts(bot: Bot, chat_id: int) -> dict[str, Any]:
    """For ``/group``: the bot's status in the group and how many are in it (each left out if unknown)."""
    facts: dict[str, Any] = {}
    try:
        facts["bot_status"] = (await bot.get_chat_member(chat_id, bot.id)).status
        facts["chat_size"] = await bot.get_chat_member_count(chat_id)
    except TelegramError as exc:
        log.info("telegram: could not read group %s (%s)", chat_id, type(exc).__name__)
    return facts


async def group_message(bot: Bot, m: Message, reply_to: str) -> tuple[str, dict[str, Any]]:
    """The kind and fields of a group message's :class:`Incoming`: a command (``/group`` with what the platform
    says of the group), a reply to one of the bot's messages, or talk (which the handlers leave alone)."""
    text = m.text or ""
    fields: dict[str, Any] = {"thread_id": topic_of(m), "chat_forum": bool(m.chat.is_forum)}
    if not text.startswith("/"):
        return "text", {**fields, "text": text, "reply_to": reply_to}
    head, _, args = text[1:].partition(" ")
    command, _, addressee = head.partition("@")
    if addressee and addressee.lower() != (bot.username or "").lower():
        return "text", {**fields, "text": ""}  # another bot's command
    if command.lower() == "group":
        fields.update(await group_facts(bot, m.chat.id))
    return "command", {
        **fields, "text": text, "command": command.lower(), "args": args.strip(), "reply_to": reply_to,
    }  # fmt: skip


class TopicBook:
    """The forum topic a message about an issue goes to: the one already opened, or a new one."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def thread_for(self, bot: Bot, out: Outgoing) -> int | None:
        if out.thread_id:
            return int(out.thread_id)
        if out.topic_issue is None:
            return None
        async with self.db.committed() as reader:
            known = await gs.get_issue_topic(reader, CHANNEL, out.chat_id, out.topic_issue)
        if known is not None:
            return int(known)
        try:
            topic = await bot.create_forum_topic(int(out.chat_id), out.topic_title or f"#{out.topic_issue}")
        except BadRequest as exc:  # not a forum (any more), or the bot lost its rights: the general chat
            log.info("telegram: no topic for issue %s in %s (%s)", out.topic_issue, out.chat_id, exc)
            return None
        async with self.db.transaction() as tx:
            await gs.save_issue_topic(
                tx, CHANNEL, out.chat_id, out.topic_issue, str(topic.message_thread_id), self.clock.now()
            )
        return topic.message_thread_id
