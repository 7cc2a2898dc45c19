"""Groups in the Telegram emulator: who is in a group (``chat_member`` and ``my_chat_member`` updates when people
join or leave and when the bot is added, promoted or removed), and forum topics (``createForumTopic``, messages
carrying ``message_thread_id``; a message in a topic that replies to nothing else replies to the topic's header,
as on Telegram).

The Bot API methods here are registered on :class:`~bot.emulator.telegram.TelegramEmulator` by
:func:`group_api`; the people's side is :class:`~bot.emulator.chats.SimGroup`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.emulator.chats import SimGroup, SimUser, _Chat
    from bot.emulator.telegram import TelegramEmulator, _Params

__all__ = ["group_api", "member_json", "topic_fields"]

ICON_COLOR = 7322096
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "can_manage_chat": True,
    "can_change_info": True,
    "can_delete_messages": True,
    "can_invite_users": True,
    "can_restrict_members": True,
    "can_pin_messages": True,
    "can_manage_topics": True,
    "can_promote_members": False,
    "can_manage_video_chats": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "is_anonymous": False,
}

Raise = Callable[[int, str], Exception]


def member_json(user: dict[str, Any], status: str) -> dict[str, Any]:
    """A ChatMember object: ``status`` is creator, administrator, member, left or kicked."""
    out: dict[str, Any] = {"user": user, "status": status}
    if status == "administrator":
        out.update(ADMIN_RIGHTS)
    if status == "kicked":
        out["until_date"] = 0
    return out


def topic_fields(chat: _Chat, thread: int | None, error: Raise) -> dict[str, Any]:
    """The fields a message sent to topic ``thread`` carries (nothing outside a topic); 400 for an unknown one."""
    if thread is None:
        return {}
    if not chat.json.get("is_forum") or thread not in chat.topics:
        raise error(400, "Bad Request: message thread not found")
    return {"message_thread_id": thread, "is_topic_message": True}


def member_update(
    emu: TelegramEmulator, group: SimGroup, actor: SimUser, subject: dict[str, Any], old: str, new: str
) -> dict[str, Any]:
    """A ChatMemberUpdated object."""
    return {
        "chat": dict(group._chat.json),
        "from": actor.user_json(),
        "date": int(emu._now()),
        "old_chat_member": member_json(subject, old),
        "new_chat_member": member_json(subject, new),
    }


def group_api(emu: TelegramEmulator, error: Raise) -> dict[str, Callable[[_Params], Awaitable[Any]]]:
    """The group and topic methods of the Bot API, bound to ``emu``."""

    def group_of(p: _Params) -> SimGroup:
        raw = p.text("chat_id") or ""
        group = emu._groups.get(int(raw)) if raw.lstrip("-").isdigit() else None
        if group is None or group.status_of(emu.bot_id) in ("left", "kicked"):
            raise error(400, "Bad Request: chat not found")
        return group

    async def get_chat(p: _Params) -> dict[str, Any]:
        group = group_of(p)
        return {**group._chat.json, "accent_color_id": 0, "max_reaction_count": 11}

    async def get_chat_member(p: _Params) -> dict[str, Any]:
        group = group_of(p)
        user_id = p.integer("user_id")
        if user_id is None:
            raise error(400, "Bad Request: user_id is empty")
        if user_id == emu.bot_id:
            return member_json(emu._bot_json(), group.status_of(user_id))
        user = emu._users.get(user_id)
        if user is None:
            raise error(400, "Bad Request: user not found")
        return member_json(user.user_json(), group.status_of(user_id))

    async def get_chat_administrators(p: _Params) -> list[dict[str, Any]]:
        group = group_of(p)
        out = []
        for user_id, status in group.statuses.items():
            if status in ("creator", "administrator"):
                user = emu._bot_json() if user_id == emu.bot_id else emu._users[user_id].user_json()
                out.append(member_json(user, status))
        return out

    async def get_chat_member_count(p: _Params) -> int:
        group = group_of(p)
        return sum(1 for s in group.statuses.values() if s in ("creator", "administrator", "member"))

    async def create_forum_topic(p: _Params) -> dict[str, Any]:
        group = group_of(p)
        name = p.text("name") or ""
        if not 1 <= len(name) <= 128:
            raise error(400, "Bad Request: TOPIC_NAME_INVALID")
        if not group._chat.json.get("is_forum"):
            raise error(400, "Bad Request: the chat is not a forum")
        if group.status_of(emu.bot_id) != "administrator":
            raise error(400, "Bad Request: not enough rights to create a topic")
        return group._open_topic(name)

    async def close_forum_topic(p: _Params) -> bool:
        group = group_of(p)
        if p.integer("message_thread_id") not in group._chat.topics:
            raise error(400, "Bad Request: TOPIC_ID_INVALID")
        return True

    return {
        "getChat": get_chat,
        "getChatMember": get_chat_member,
        "getChatAdministrators": get_chat_administrators,
        "getChatMemberCount": get_chat_member_count,
        "createForumTopic": create_forum_topic,
        "closeForumTopic": close_forum_topic,
        "reopenForumTopic": close_forum_topic,
    }


def header_message(emu: TelegramEmulator, chat: _Chat, thread: int, name: str) -> dict[str, Any]:
    """The service message that opens a topic (its id is the topic's message_thread_id)."""
    return {
        "message_id": thread,
        "from": emu._bot_json(),
        "chat": dict(chat.json),
        "date": int(emu._now()),
        "message_thread_id": thread,
        "is_topic_message": True,
        "forum_topic_created": {"name": name, "icon_color": ICON_COLOR},
    }
