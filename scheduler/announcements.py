"""The announcements' job: at its time, send each announcement to every member of its audience not reached yet
(in restart-safe batches; the outbox holds them through quiet hours), then mark it sent, once."""

from __future__ import annotations

from datetime import datetime

from bot.runtime import Services, enqueue
from handlers.announce import send_batch
from storage import announcements as an
from storage.audit import add_audit


async def run_announcements(services: Services, now: datetime) -> str:
    sent = done = 0
    for ann in await an.list_due_announcements(services.db.reader, now):
        while True:
            async with services.db.transaction() as tx:
                fresh = await an.get_announcement(tx, ann.id)
                if fresh is None or fresh.state != an.SCHEDULED:
                    break
                messages = await send_batch(tx, services.settings, fresh, now)
                if not messages:
                    if await an.mark_sent(tx, ann.id, now):
                        await add_audit(
                            tx, now, "system:announcements", "announce.sent", f"announcement:{ann.id}"
                        )
                        done += 1
                    break
                await enqueue(tx, services, messages, now)
            sent += len(messages)
    return f"queued {sent}, completed {done}" if sent or done else "nothing due"
