"""The Telegram channel's handling of one ``getUpdates`` batch (issue 21): different chats at once, each chat's
updates in order, and the offset that confirms the batch asked only once every update of it was handled."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.lifecycle import TaskSet
from bot.telegram_batch import handle_batch, lane_of


def text_update(update_id: int, chat: int) -> dict[str, Any]:
    sender = {"id": chat, "is_bot": False, "first_name": "A"}
    message = {"message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"}, "from": sender}
    return {"update_id": update_id, "message": {**message, "text": f"tin {update_id}"}}


def tap_update(update_id: int, chat: int) -> dict[str, Any]:
    sender = {"id": chat, "is_bot": False, "first_name": "A"}
    message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}}
    query = {"id": str(update_id), "from": sender, "chat_instance": "x", "message": message, "data": "c1:x"}
    return {"update_id": update_id, "callback_query": query}


def test_an_update_belongs_to_its_chat() -> None:
    assert lane_of(text_update(1, 7)) == lane_of(tap_update(2, 7)) == "chat:7"
    assert lane_of(text_update(3, 8)) == "chat:8"
    odd = {"update_id": 4, "poll": {"id": "p"}}
    assert lane_of(odd) != lane_of({"update_id": 5, "poll": {"id": "p"}})  # no chat: each alone


async def test_chats_are_handled_at_once_each_in_order_and_the_batch_confirmed_after_all() -> None:
    started: list[int] = []
    finished: list[int] = []
    slow, two_done = asyncio.Event(), asyncio.Event()

    async def one(item: Any, offset: int | None) -> int | None:
        update_id = int(item["update_id"])
        started.append(update_id)
        if update_id == 10:  # chat 7's first update takes long
            await slow.wait()
        finished.append(update_id)
        if len(finished) == 2:
            two_done.set()
        return update_id + 1

    batch = [text_update(10, 7), text_update(11, 8), text_update(12, 7), text_update(13, 9)]
    handling = asyncio.create_task(handle_batch(batch, None, one))
    await asyncio.wait_for(two_done.wait(), 5)  # chats 8 and 9 are done while chat 7's first is under way
    assert sorted(finished) == [11, 13] and 12 not in started and not handling.done()
    slow.set()
    assert await asyncio.wait_for(handling, 5) == 14  # the whole batch, confirmed after its last update
    assert finished.index(10) < finished.index(12)  # chat 7 in order


async def test_one_chat_alone_is_handled_in_order_and_an_empty_batch_keeps_the_offset() -> None:
    seen: list[int] = []

    async def one(item: Any, offset: int | None) -> int | None:
        seen.append(int(item["update_id"]))
        return int(item["update_id"]) + 1

    assert await handle_batch([text_update(5, 7), tap_update(6, 7)], 3, one) == 7 and seen == [5, 6]
    assert await handle_batch([], 7, one) == 7


async def test_side_tasks_are_owned_a_failure_is_logged_and_close_waits_then_cancels(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = TaskSet("answers")
    done, stuck = asyncio.Event(), asyncio.Event()

    async def quick() -> None:
        done.set()

    async def failing() -> None:
        raise RuntimeError("boom")

    async def hanging() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stuck.set()

    tasks.start(quick(), name="quick")
    tasks.start(failing(), name="failing")
    tasks.start(hanging(), name="hanging")
    await asyncio.wait_for(done.wait(), 5)
    await tasks.close(timeout=0.01)
    assert stuck.is_set() and len(tasks) == 0  # the one still running was cancelled and awaited
    assert any("answers: failing failed" in r.getMessage() for r in caplog.records)
