"""The briefing-pack job: build each requested pack off the event loop and send it to whoever asked.

One pass takes the pending requests, builds each pack in a worker thread (its own read-only connection, one
consistent snapshot), stores the files in the file store, then in one transaction queues the messages and
marks the request done. A request is only ever delivered once: the "done" mark is conditional, so a second
runner (``dlxh jobs run briefings`` beside the bot) that built the same pack sends nothing. A pack that cannot
be built is marked failed, logged, and the leader is told politely.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime

from bot.core.messages import Attachment, Outgoing
from bot.core.period import Period, parse_period
from bot.core.texts import t
from bot.exports.pack import DOCX_MIME, PNG_MIME, XLSX_MIME, BuiltPack, build_pack
from bot.runtime import Services, enqueue
from scheduler.runner import Job
from storage import briefings as br
from storage import members as mem
from storage import units as un
from storage.db import Tx

log = logging.getLogger(__name__)

BATCH = 50  # requests looked at per pass ...
BUDGET_SECONDS = 45.0  # ... and no new pack started after this long: the rest wait for the next minute


def briefing_job() -> Job:
    return Job(
        "briefings",
        "build the briefing packs leaders asked for (or a round's close queued) and send them",
        run_due,
        every_seconds=60,
    )


async def request_round_packs(tx: Tx, round_id: int, now: datetime) -> int:
    """At a round's close: queue a pack of the round's period for every active leader, once each."""
    period = await br.get_round_period(tx, round_id)
    if period is None:
        return 0
    queued = 0
    seen: set[int] = set()
    for leader, ident in await mem.list_promptable_members(tx):
        if leader.role != "leader" or leader.id in seen:
            continue
        seen.add(leader.id)
        if await br.has_round_request(tx, leader.id, period):
            continue
        await br.create_request(
            tx, member_id=leader.id, unit_id=leader.unit_id, period=period, channel=ident.channel,
            chat_id=ident.chat_id, now=now, reason="round",
        )  # fmt: skip
        queued += 1
    return queued


def _store(services: Services, built: BuiltPack) -> list[Outgoing]:
    """Save the files (in the worker thread) and describe the messages; the chat fields are filled in later."""
    photos = []
    for chart in built.charts:
        ref = services.files.save(chart.png, ".png")
        photos.append(Attachment("photo", ref, PNG_MIME, f"{built.stem}-{chart.key}.png", len(chart.png)))
    xlsx = Attachment("document", services.files.save(built.xlsx, ".xlsx"), XLSX_MIME, f"{built.stem}.xlsx",
                      len(built.xlsx))  # fmt: skip
    docx = Attachment("document", services.files.save(built.docx, ".docx"), DOCX_MIME, f"{built.stem}.docx",
                      len(built.docx))  # fmt: skip
    return [
        Outgoing(chat_id="", text=built.summary),
        *(Outgoing(chat_id="", attachments=[photo]) for photo in photos),
        Outgoing(chat_id="", attachments=[xlsx, docx]),
    ]


async def _fail(
    services: Services, req: br.BriefingRequest, now: datetime, error: str, text: str | None
) -> None:
    async with services.db.transaction() as tx:
        if await br.mark_request_failed(tx, req.id, now, error) and text:
            msg = Outgoing(req.chat_id, text, channel=req.channel, proactive=req.reason != "command")
            await enqueue(tx, services, [msg], now)


async def _build_one(services: Services, req: br.BriefingRequest, now: datetime) -> str:
    reader = services.db.reader
    settings = services.settings
    member = await mem.get_member(reader, req.member_id)
    if member is None or not member.active or member.role not in ("leader", "admin"):
        await _fail(services, req, now, "the requester is no longer an active leader", None)
        return "skipped"
    lang = member.language
    try:
        period: Period = parse_period(req.period, settings.tz)
    except ValueError as exc:
        await _fail(services, req, now, str(exc), t(lang, "briefing.failed", period=req.period))
        return "failed"
    scope = req.unit_id
    if member.role == "leader" and scope not in await un.list_subtree_ids(reader, member.unit_id):
        scope = member.unit_id  # moved since asking: their scope now
    from bot.exports.document import options_from_settings  # matplotlib and python-docx: only when needed

    try:
        built = await asyncio.to_thread(
            build_pack, services.db.target, settings, services.calendar, period, scope_unit_id=scope,
            restricted=member.role == "leader", as_of=now, summary_lang=lang, files_lang=settings.language,
            options=options_from_settings(settings),
        )  # fmt: skip
        messages = await asyncio.to_thread(_store, services, built)
    except Exception as exc:
        log.exception("briefing pack %d (%s, unit %d) failed", req.id, req.period, scope)
        await _fail(services, req, now, repr(exc), t(lang, "briefing.failed", period=period.label(lang)))
        return "failed"
    for msg in messages:
        msg.chat_id, msg.channel, msg.proactive = req.chat_id, req.channel, req.reason != "command"
    async with services.db.transaction() as tx:
        if not await br.mark_request_done(tx, req.id, now):
            return "skipped"  # another runner delivered it meanwhile
        await enqueue(tx, services, messages, now)
    return "built"


async def run_due(services: Services, now: datetime) -> str:
    done: dict[str, int] = {"built": 0, "failed": 0, "skipped": 0}
    started = time.monotonic()
    for req in await br.list_pending_requests(services.db.reader, BATCH):
        if time.monotonic() - started > BUDGET_SECONDS:
            break
        done[await _build_one(services, req, now)] += 1
    return ", ".join(f"{k} {v}" for k, v in done.items())
