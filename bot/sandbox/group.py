"""The sandbox's group phone: the commune's leaders' group (a forum supergroup), linked the way a real one is.

At the first start the commune's leader adds the bot to the group as an administrator, asks for a code in
private (``/group code``) and types ``/group link CODE`` in the group; the province's leader joins it. After a
restart the link stands and the same people are in the group again, but the group's chat starts empty (the
emulator's topics are new: the bot opens new ones). On the page the group is one more phone, whose composer says who is
speaking; the bot's posts show in their topic."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.app import App
from bot.emulator import SimGroup, SimUser, TelegramEmulator
from bot.sandbox.seed import CHANNEL, JOIN_TIMEOUT
from storage import groups as gs

GROUP_ID = -1_009_000_000_001
TITLE = "Thường trực xã Hàm Thắng"
LINKER = 1003  # Trần Văn Hùng, the commune's leader
JOINERS = (1004,)  # Lê Quang Minh, the province's leader
CODE_RE = re.compile(r"/group link ([0-9A-Z]{8})")


async def setup_group(
    app: App, emu: TelegramEmulator, phones: dict[int, SimUser], now: datetime
) -> SimGroup | None:
    """The group, linked to the commune by its leader; None if the sample leader is not there."""
    linker = phones.get(LINKER)
    if linker is None:
        return None
    db = app.services.db
    group = emu.group(GROUP_ID, TITLE)
    group.enable_topics()
    if await gs.get_group_link(db.reader, CHANNEL, str(GROUP_ID)) is not None:
        # linked in an earlier run: the same people in it again; the emulator's topics are new, so are the bot's
        async with db.transaction() as tx:
            await gs.forget_group_chat(tx, CHANNEL, str(GROUP_ID))
        group.statuses[emu.bot_id] = "administrator"
        for user_id in (LINKER, *JOINERS):
            if user_id in phones:
                group.statuses[user_id] = "member"
        return group
    await group.add_bot(linker, admin=True)
    seen = len(linker.messages)
    await linker.send_text("/group code")
    await _wait(linker, seen + 1)
    found = CODE_RE.search(linker.messages[-1].text or "")
    if found is None:
        return group
    before = len(group.messages)
    await group.send_text(linker, f"/group link {found.group(1)}")
    await _wait(group, before + 1)
    for user_id in JOINERS:
        if user_id in phones:
            await group.join(phones[user_id], added_by=linker)
    return group


async def _wait(chat: SimUser | SimGroup, count: int) -> None:
    if len(chat.messages) >= count:
        return
    cursor = len(chat.messages) - len(chat.pending())
    await chat.next_messages(count - cursor, timeout=JOIN_TIMEOUT)


def speakers(group: SimGroup, phones: dict[int, SimUser]) -> list[dict[str, Any]]:
    """The people in the group who can speak there from the page."""
    present = [uid for uid, status in group.statuses.items() if status in gs.PRESENT and uid in phones]
    return [{"id": uid, "name": phones[uid].first_name} for uid in sorted(present)]


async def group_state(
    group: SimGroup, phones: dict[int, SimUser], reader: Any, messages: list[dict[str, Any]]
) -> dict[str, Any]:
    """The group as the page shows a phone: its messages with who wrote each and in which topic."""
    chat = group._chat
    link = await gs.get_group_link(reader, CHANNEL, str(group.id))
    for item in messages:
        raw = chat.raw.get(item["id"], {})
        sender = chat.senders.get(item["id"])
        item["who"] = phones[sender].first_name if sender in phones else ""
        thread = raw.get("message_thread_id")
        item["topic"] = chat.topics.get(thread, "") if thread is not None else ""
        if raw.get("forum_topic_created"):
            item["text"] = "# " + raw["forum_topic_created"]["name"]
        quoted = raw.get("reply_to_message") or {}
        if item.get("reply_to") and quoted.get("forum_topic_created"):  # a message in a topic: its header
            item["reply_to"]["text"] = "# " + quoted["forum_topic_created"]["name"]
    return {
        "id": group.id,
        "group": True,
        "name": group.title,
        "role": "",
        "role_label": "",
        "unit": "",
        "active": link is not None,
        "messages": messages,
        "keyboard": [],
        "commands": [],
        "notices": [],
        "speakers": speakers(group, phones),
    }
