"""Standing tests of the outbox's promises (issue 17; issues 18 and 19 rework the outbox and must keep them):

* at most ``concurrency`` sends in flight, and each row is marked sent as soon as its own send is answered
  (so a kill can repeat only the sends in flight);
* within one chat, creation order always, whatever the priorities;
* chats by priority: answers to members before bulk broadcasts before refusals to strangers.
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.core.config import OutboxSettings
from bot.core.messages import Outgoing
from bot.outbox import OutboxWorker
from bot.runtime import Services, enqueue
from storage import outbox as store
from tests.test_outbox import ScriptedSender, msg, put


class GatedSender(ScriptedSender):
    """Holds every send until the test lets it through; notes the most sends in flight at once."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0
        self.order: list[str] = []
        self.gates: asyncio.Queue[asyncio.Event] = asyncio.Queue()

    async def send(self, out: Outgoing) -> str | None:
        gate = asyncio.Event()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        await self.gates.put(gate)
        try:
            await gate.wait()
        finally:
            self.in_flight -= 1
        self.order.append(f"{out.chat_id}:{out.text}")
        return await super().send(out)


def worker_for(services: Services, sender: ScriptedSender, **kw: float) -> OutboxWorker:
    settings = OutboxSettings(
        **{"global_rate": 1000, "global_burst": 1000, "chat_rate": 1000, "chat_burst": 1000, **kw}  # type: ignore[arg-type]
    )
    return OutboxWorker(services.db, services.clock, {"telegram": sender}, settings)


async def statuses(services: Services) -> dict[str, int]:
    return await store.count_outbox(services.db.reader)


async def test_at_most_concurrency_in_flight_and_each_marked_sent_when_answered(services: Services) -> None:
    await put(services, *(msg(str(100 + i), f"tin {i}") for i in range(10)))
    sender = GatedSender()
    worker = worker_for(services, sender, concurrency=4)
    assert worker.concurrency == 4
    pass_ = asyncio.create_task(worker.run_once())
    gates = [await asyncio.wait_for(sender.gates.get(), 5) for _ in range(4)]
    assert sender.in_flight == 4 and sender.gates.empty()  # the fifth waits for a free slot
    gates[0].set()
    fifth = await asyncio.wait_for(sender.gates.get(), 5)  # a slot freed: the next send starts ...
    # ... and the answered row is already marked sent, while three others are still in flight
    assert (await statuses(services)).get("sent") == 1
    for gate in [*gates[1:], fifth]:
        gate.set()

    async def open_the_rest() -> None:
        while True:
            (await sender.gates.get()).set()

    opener = asyncio.create_task(open_the_rest())
    try:
        await asyncio.wait_for(pass_, 5)
    finally:
        opener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await opener
    assert sender.most_in_flight == 4
    assert await statuses(services) == {"sent": 10}


async def test_one_chat_keeps_creation_order_across_priorities(services: Services) -> None:
    async with services.db.transaction() as tx:
        now = services.clock.now()
        # a stranger's refusal, then that person joins (an answer), then a broadcast: one chat, three priorities
        await enqueue(tx, services, [msg("7", "không")], now, stranger=True)
        await enqueue(tx, services, [msg("7", "chào mừng")], now)
        await enqueue(tx, services, [msg("7", "kỳ lấy ý kiến", proactive=True)], now)
    sender = ScriptedSender()
    worker = worker_for(services, sender)
    for _ in range(5):
        await worker.run_once()
    assert sender.delivered == [("7", "không"), ("7", "chào mừng"), ("7", "kỳ lấy ý kiến")]


async def test_answers_go_before_broadcasts_before_strangers(services: Services) -> None:
    async with services.db.transaction() as tx:
        now = services.clock.now()
        await enqueue(tx, services, [msg(str(300 + i), "lạ") for i in range(3)], now, stranger=True)
        await enqueue(tx, services, [msg(str(200 + i), "kỳ", proactive=True) for i in range(3)], now)
        await enqueue(tx, services, [msg(str(100 + i), "trả lời") for i in range(3)], now)
        await enqueue(tx, services, [msg("150", "khẩn", proactive=True, urgent=True)], now)
    sender = ScriptedSender()
    worker = worker_for(services, sender, concurrency=1)
    await worker.run_once()
    assert [text for _, text in sender.delivered] == ["trả lời"] * 3 + ["khẩn"] + ["kỳ"] * 3 + ["lạ"] * 3


async def test_strangers_draw_on_their_own_small_budget(services: Services) -> None:
    async with services.db.transaction() as tx:
        await enqueue(
            tx, services, [msg(str(300 + i), "lạ") for i in range(20)], services.clock.now(), stranger=True
        )
    sender = ScriptedSender()
    mono = [1000.0]
    settings = OutboxSettings(global_rate=1000, global_burst=1000, chat_rate=1000, chat_burst=1000,
                              stranger_rate=2.0, stranger_burst=5)  # fmt: skip
    worker = OutboxWorker(
        services.db, services.clock, {"telegram": sender}, settings, monotonic=lambda: mono[0]
    )
    await worker.run_once()
    assert len(sender.delivered) == 5  # the burst, then they wait: members' answers are never held up
    wait = await worker.run_once()
    assert len(sender.delivered) == 5 and 0 < wait <= 0.5
    mono[0] += 1.0
    await worker.run_once()
    assert len(sender.delivered) == 7


async def _pass_with_rows_committed_midway(
    services: Services, *, answer: bool
) -> tuple[GatedSender, OutboxWorker]:
    """A pass over six broadcast rows (one send at a time); after the first send, new rows are committed and the
    worker is woken (as the dispatcher does), a second later on the worker's clock."""
    await put(services, *(msg(str(200 + i), "kỳ", proactive=True) for i in range(6)))
    sender = GatedSender()
    mono = [1000.0]
    settings = OutboxSettings(
        global_rate=1000, global_burst=1000, chat_rate=1000, chat_burst=1000, concurrency=1
    )
    worker = OutboxWorker(
        services.db, services.clock, {"telegram": sender}, settings, monotonic=lambda: mono[0]
    )
    pass_ = asyncio.create_task(worker.run_once(interruptible=True))
    first = await asyncio.wait_for(sender.gates.get(), 5)
    await put(services, *(msg(str(300 + i), "kỳ sau", proactive=True) for i in range(3)))
    if answer:
        await put(services, msg("100", "trả lời"))
    worker.wake()
    mono[0] += 1.0
    first.set()

    async def open_the_rest() -> None:
        while True:
            (await sender.gates.get()).set()

    opener = asyncio.create_task(open_the_rest())
    try:
        assert await asyncio.wait_for(pass_, 5) == 0.0
        in_first_pass = len(sender.order)
        await worker.run_once()
    finally:
        opener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await opener
    return sender, in_first_pass


async def test_a_long_pass_is_not_cut_short_by_rows_of_the_same_priority(services: Services) -> None:
    sender, in_first_pass = await _pass_with_rows_committed_midway(services, answer=False)
    # the pass sent all six rows it had read (it did not stop to read them again); the new ones came next
    assert in_first_pass == 6
    assert sender.order == [f"{200 + i}:kỳ" for i in range(6)] + [f"{300 + i}:kỳ sau" for i in range(3)]


async def test_a_long_pass_gives_way_to_an_answer_committed_meanwhile(services: Services) -> None:
    sender, in_first_pass = await _pass_with_rows_committed_midway(services, answer=True)
    # two rows were under way when the answer came; then the answer, then the rest of the broadcast
    assert in_first_pass == 2
    assert sender.order[:3] == ["200:kỳ", "201:kỳ", "100:trả lời"]
    assert sorted(sender.order[3:]) == sorted(
        [f"{202 + i}:kỳ" for i in range(4)] + [f"{300 + i}:kỳ sau" for i in range(3)]
    )
