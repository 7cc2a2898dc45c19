"""One ``getUpdates`` answer, handled chat by chat at once (issue 21).

The updates of one chat are handled one after another, in their order; different chats' updates at the same
time (their transactions still take turns on the database's one writer, while their HTTP calls and database
hand-offs overlap). The offset returned confirms the whole batch, and the polling loop asks for it only with
the next ``getUpdates``, after every update of the batch was handled and committed: a kill loses none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

HandleOne = Callable[[Any, int | None], Awaitable[int | None]]  # (raw update, offset) -> the offset after it


async def handle_batch(raw: list[Any], offset: int | None, one: HandleOne) -> int | None:
    """Hand each raw update to ``one``; returns the offset that confirms them all."""
    lanes: dict[str, list[Any]] = {}
    for item in raw:
        lanes.setdefault(lane_of(item), []).append(item)
    if len(lanes) <= 1:
        for item in raw:
            offset = await one(item, offset)
        return offset
    ends: list[int | None] = []

    async def lane(items: list[Any]) -> None:
        end: int | None = None
        for item in items:
            end = await one(item, end)
        ends.append(end)

    async with asyncio.TaskGroup() as group:
        for key, items in lanes.items():
            group.create_task(lane(items), name=f"telegram-update-lane-{key}")
    confirmed = [end for end in ends if end is not None]
    return max(confirmed) if confirmed else offset


def lane_of(raw: Any) -> str:
    """The chat a raw update belongs to (its updates are handled in order); an update without one is alone."""
    if isinstance(raw, dict):
        body = next((v for k, v in raw.items() if k != "update_id"), None)
        if isinstance(body, dict):
            inner = body.get("message")  # a callback query's: the tapped message
            holder: dict[str, Any] = inner if isinstance(inner, dict) else body
            chat = holder.get("chat")
            if isinstance(chat, dict) and chat.get("id") is not None:
                return f"chat:{chat['id']}"
            sender = body.get("from")
            if isinstance(sender, dict) and sender.get("id") is not None:
                return f"user:{sender['id']}"
    return f"update:{id(raw)}"
