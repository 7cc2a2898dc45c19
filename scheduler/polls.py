"""The quick polls' job: send each open poll to the members it has not reached yet (in restart-safe batches),
and at its closing time close it, keep its tallies by unit and send the results to its unit's leaders."""

from __future__ import annotations

from datetime import datetime

from bot.core.messages import Outgoing
from bot.runtime import Services, enqueue
from handlers.poll_results import results_text, send_batch
from storage import members as mem
from storage import polls as pl


async def run_polls(services: Services, now: datetime) -> str:
    sent = closed = 0
    for poll in await pl.list_open_polls(services.db.reader):
        if now >= poll.closes_at:
            closed += await _close(services, poll, now)
            continue
        while True:
            async with services.db.transaction() as tx:
                fresh = await pl.get_poll(tx, poll.id)
                if fresh is None or fresh.state != pl.OPEN:
                    break
                messages = await send_batch(tx, services.settings, fresh, now)
                await enqueue(tx, services, messages, now)
            if not messages:
                break
            sent += len(messages)
    return f"sent {sent}, closed {closed}" if sent or closed else "nothing due"


async def _close(services: Services, poll: pl.Poll, now: datetime) -> int:
    """Close the poll and send its results, in one transaction; nothing if another pass closed it first."""
    async with services.db.transaction() as tx:
        if not await pl.close_poll(tx, poll.id, now):
            return 0
        await pl.save_tallies(tx, poll.id, await pl.count_answers(tx, poll.id))
        closed = await pl.get_poll(tx, poll.id)
        assert closed is not None
        leaders = [m.id for m in await mem.list_unit_leaders(tx, poll.unit_id)]
        if poll.created_by not in leaders:
            leaders.append(poll.created_by)
        messages = []
        for member, ident in await mem.list_member_chats(tx, leaders):
            text = await results_text(tx, services.settings, member.language, closed)
            messages.append(Outgoing(ident.chat_id, text, channel=ident.channel, proactive=True))
        await enqueue(tx, services, messages, now)
    return 1
