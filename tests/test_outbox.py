"""The outbox worker, one pass at a time, with a scripted channel and an injected clock."""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.clock import ManualClock
from bot.core.config import OutboxSettings
from bot.core.messages import Attachment, Choice, Outgoing
from bot.outbox import OutboxWorker, SendForbidden, SendPermanent, SendRetryAfter, SendTransient
from bot.runtime import Services, enqueue, expand, split_text
from storage import outbox as store
from storage.db import Database
from tests.conftest import VN


class ScriptedSender:
    """Answers each send from a script of outcomes (None = success), recording what was delivered."""

    channel = "telegram"

    def __init__(self) -> None:
        self.script: deque[Exception | None] = deque()
        self.delivered: list[tuple[str, str]] = []
        self.calls = 0

    async def send(self, out: Outgoing) -> str | None:
        self.calls += 1
        outcome = self.script.popleft() if self.script else None
        if outcome is not None:
            raise outcome
        self.delivered.append((out.chat_id, out.text))
        return str(len(self.delivered))


def make_worker(services: Services, sender: ScriptedSender, **kw: float) -> tuple[OutboxWorker, list[float]]:
    mono = [1000.0]
    settings = OutboxSettings(
        **{"global_rate": 1000, "global_burst": 1000, "chat_rate": 1000, "chat_burst": 1000, **kw}
    )
    worker = OutboxWorker(
        services.db, services.clock, {"telegram": sender}, settings, monotonic=lambda: mono[0]
    )
    return worker, mono


async def put(services: Services, *msgs: Outgoing) -> None:
    async with services.db.transaction() as tx:
        await enqueue(tx, services, list(msgs), services.clock.now())


def msg(chat: str, text: str, **kw: object) -> Outgoing:
    return Outgoing(chat_id=chat, text=text, channel="telegram", **kw)  # type: ignore[arg-type]


async def drain(worker: OutboxWorker, passes: int = 20) -> None:
    for _ in range(passes):
        if await worker.run_once() != 0:
            return


async def test_order_per_chat_survives_retries(services: Services, clock: ManualClock) -> None:
    sender = ScriptedSender()
    worker, _ = make_worker(services, sender)
    await put(services, msg("A", "a1"), msg("A", "a2"), msg("B", "b1"), msg("A", "a3"))
    sender.script.extend([SendTransient("500"), None])  # a1 fails once, b1 succeeds
    await drain(worker)
    assert sender.delivered == [("B", "b1")]  # A waits behind a1's retry, B is not held up
    [a1] = [r for r in await store.list_outbox_after(services.db.reader, 0) if r.payload.find('"a1"') > 0]
    assert a1.status == "pending" and a1.attempts == 1 and a1.not_before > clock.now()
    clock.advance(timedelta(seconds=5))
    await drain(worker)
    assert sender.delivered == [("B", "b1"), ("A", "a1"), ("A", "a2"), ("A", "a3")]


async def test_retry_after_is_stored_on_the_row(services: Services, clock: ManualClock) -> None:
    sender = ScriptedSender()
    worker, _ = make_worker(services, sender)
    await put(services, msg("A", "x"))
    sender.script.append(SendRetryAfter(7))
    await drain(worker)
    [row] = await store.list_outbox_after(services.db.reader, 0)
    assert row.not_before == clock.now() + timedelta(seconds=7)
    clock.advance(timedelta(seconds=6))
    await drain(worker)
    assert sender.delivered == []
    clock.advance(timedelta(seconds=1))
    await drain(worker)
    assert sender.delivered == [("A", "x")]


async def test_forbidden_marks_the_chat_unreachable_and_permanent_errors_do_not_block(
    services: Services, clock: ManualClock
) -> None:
    sender = ScriptedSender()
    worker, _ = make_worker(services, sender)
    await put(services, msg("A", "1"), msg("A", "2"), msg("B", "bad"), msg("B", "good"))
    sender.script.extend([SendForbidden("blocked"), SendPermanent("bad request")])
    await drain(worker)
    assert await store.is_chat_unreachable(services.db.reader, "telegram", "A")
    assert sender.delivered == [("B", "good")]
    counts = await store.count_outbox(services.db.reader)
    assert counts == {"unreachable": 2, "failed": 1, "sent": 1}


async def test_proactive_messages_wait_out_quiet_hours_but_urgent_ones_do_not(
    services: Services, clock: ManualClock
) -> None:
    clock.set(datetime(2026, 12, 1, 22, 0, tzinfo=VN))  # Tuesday night
    sender = ScriptedSender()
    worker, _ = make_worker(services, sender)
    await put(
        services,
        msg("L", "digest", proactive=True),
        msg("L", "ALERT", proactive=True, urgent=True),
        msg("L", "reply"),
    )
    await drain(worker)
    assert sender.delivered == [("L", "ALERT"), ("L", "reply")]
    wait = await worker.run_once()
    assert 0 < wait <= 30
    clock.set(datetime(2026, 12, 2, 7, 0, tzinfo=VN))
    await drain(worker)
    assert sender.delivered[-1] == ("L", "digest")


async def test_pacing_per_chat_and_overall(services: Services, clock: ManualClock) -> None:
    sender = ScriptedSender()
    worker, mono = make_worker(
        services, sender, chat_rate=1.0, chat_burst=2, global_rate=1000, global_burst=1000
    )
    await put(services, *[msg("A", f"a{i}") for i in range(4)], msg("B", "b0"))
    await drain(worker)
    assert [t for _, t in sender.delivered] == ["b0", "a0", "a1"] or [t for _, t in sender.delivered] == [
        "a0",
        "b0",
        "a1",
    ]
    wait = await worker.run_once()
    assert 0.9 <= wait <= 1.0  # the next token for chat A
    mono[0] += 1.0
    await drain(worker)
    assert [t for c, t in sender.delivered if c == "A"] == ["a0", "a1", "a2"]


async def test_long_text_is_split_on_lines_and_attachments_go_first(services: Services, db: Database) -> None:
    lines = [f"dòng {i} " + "x" * 90 for i in range(100)]
    parts = split_text("\n".join(lines), 4096)
    assert all(len(p) <= 4096 for p in parts) and "\n".join(parts) == "\n".join(lines)
    one_line = "y" * 9000
    assert [len(p) for p in split_text(one_line, 4096)] == [4096, 4096, 808]
    att = Attachment(kind="photo", file_ref="aa/bb.jpg")
    await put(services, msg("A", "\n".join(lines), choices=[[Choice("OK", "c1:ok")]], attachments=[att]))
    rows = [Outgoing.from_json(r.payload) for r in await store.list_outbox_after(db.reader, 0)]
    assert rows[0].attachments == [att] and rows[0].text == ""
    assert [bool(r.choices) for r in rows[1:]] == [False] * (len(rows) - 2) + [True]


def test_an_edit_stays_one_message_or_goes_anew_when_it_cannot() -> None:
    card = Outgoing(chat_id="A", text="Vụ việc #1", choices=[[Choice("OK", "c1:ok")]], edit_of="7")
    assert expand(card) == [card]
    long = replace(card, text="\n".join("x" * 90 for _ in range(60)))  # over 4096: two messages
    clear, *parts = expand(long)
    assert clear == Outgoing(chat_id="A", clear_choices_of="7")  # the old message's buttons come off
    assert len(parts) == 2 and all(not p.edit_of for p in parts) and parts[-1].choices == card.choices


async def test_rows_of_an_open_transaction_are_never_sent(services: Services, clock: ManualClock) -> None:
    """The worker shares the connection with writers: it must wait for their commit, and skip a rollback."""
    import asyncio

    sender = ScriptedSender()
    worker, _ = make_worker(services, sender)
    entered, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        try:
            async with services.db.transaction() as tx:
                await enqueue(tx, services, [msg("A", "never")], clock.now())
                entered.set()
                await release.wait()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    task = asyncio.create_task(writer())
    await entered.wait()
    passing = asyncio.create_task(worker.run_once())
    await asyncio.sleep(0)  # let the pass start and wait for the writer
    release.set()
    await task
    await passing
    assert sender.delivered == []
