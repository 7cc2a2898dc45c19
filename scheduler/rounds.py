"""The round's job: plan the period's round, open it and prompt every member (in batches, restart-safe),
remind only those who have not answered at 50 % and 80 % of the window, close it and brief the leaders."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.core.messages import Outgoing
from bot.core.texts import t
from bot.runtime import Services, enqueue
from handlers import access
from handlers.rounds import (
    last_day,
    period_label,
    period_start,
    prompt_choices,
    summary_for,
    topics_for,
    window_for,
)
from scheduler.briefings import request_round_packs
from scheduler.followups import system_context
from storage import followups as fu
from storage import members as mem
from storage import rounds as rs

BATCH = 50  # members prompted per transaction (short: the outbox shares the database)
REMINDER_MARKS = (0.5, 0.8)


async def run_rounds(services: Services, now: datetime) -> str:
    settings = services.settings
    w = window_for(settings, now.astimezone(settings.tz).date())
    async with services.db.transaction() as tx:
        await rs.ensure_round(tx, w.period, w.opens_at, w.closes_at, w.briefing_at)
    done: list[str] = []
    for rnd in await rs.list_rounds(services.db.reader, ("planned", "open")):
        if rnd.state == "planned" and rnd.opens_at <= now < rnd.closes_at:
            async with services.db.transaction() as tx:
                await rs.set_round_state(tx, rnd.id, "open", now, expect="planned")
            rnd = await rs.get_round(services.db.reader, rnd.id) or rnd
            done.append(f"opened {rnd.period}")
        if rnd.state == "open" and now < rnd.closes_at:
            prompted = await _prompt(services, rnd, now)
            reminded = await _remind(services, rnd, now)
            if prompted or reminded:
                done.append(f"prompted {prompted}, reminded {reminded}")
        if rnd.state in ("open", "planned") and now >= rnd.closes_at:
            briefed = await _close(services, rnd, now)
            done.append(f"closed {rnd.period}" if briefed else f"closed {rnd.period} (nobody was prompted)")
    return "; ".join(done) or "nothing due"


async def _prompt(services: Services, rnd: rs.Round, now: datetime) -> int:
    """Prompt members not prompted yet, a small batch per transaction: a restart skips no one and repeats no one
    (a member is prompted in the transaction that records them as a participant), and the outbox's reads and
    sent marks, which share the database, wait at most one short batch (not a long write transaction)."""
    total = 0
    after = 0  # the batches walk the members by id; a restart begins again at 0 and skips the prompted ones
    topics_of: dict[int, str] = {}  # the focus topics of a unit, joined (the same for all its members)
    while True:
        async with services.db.transaction() as tx:
            batch = await rs.list_unprompted_members(tx, rnd.id, BATCH, after=after)
            if not batch:
                return total
            messages = []
            for _member, unit_id, channel, chat_id, lang in batch:
                if unit_id not in topics_of:
                    topics_of[unit_id] = "; ".join(tp.text for tp in await topics_for(tx, rnd.id, unit_id))
                topics = topics_of[unit_id]
                extra = t(lang, "round.prompt_topics", topics=topics) if topics else ""
                text = t(lang, "round.prompt", period=period_label(lang, rnd.period),
                         closes=last_day(services.settings, rnd.closes_at), topics=extra)  # fmt: skip
                messages.append(Outgoing(chat_id, text, channel=channel, proactive=True,
                                         choices=prompt_choices(lang, rnd.id)))  # fmt: skip
            await rs.add_participants(tx, rnd.id, [(m, u) for m, u, *_ in batch], now)
            await enqueue(tx, services, messages, now)
            total += len(batch)
            after = batch[-1][0]
        await asyncio.sleep(0)  # let the outbox's passes in between the batches


async def _remind(services: Services, rnd: rs.Round, now: datetime) -> int:
    if not services.calendar.is_working_day(now.astimezone(services.settings.tz).date()):
        return 0  # no reminders on days off and holidays
    window = rnd.closes_at - rnd.opens_at
    due = sum(1 for mark in REMINDER_MARKS if now >= rnd.opens_at + window * mark)
    if due == 0:
        return 0
    count = 0
    async with services.db.transaction() as tx:
        messages = []
        for member_id, channel, chat_id, lang in await rs.list_to_remind(tx, rnd.id, due):
            await rs.mark_reminded(tx, rnd.id, member_id, due, now)
            text = t(
                lang,
                "round.reminder",
                period=period_label(lang, rnd.period),
                closes=last_day(services.settings, rnd.closes_at),
            )
            messages.append(
                Outgoing(chat_id, text, channel=channel, proactive=True, choices=prompt_choices(lang, rnd.id))
            )
            count += 1
        await enqueue(tx, services, messages, now)
    return count


async def _close(services: Services, rnd: rs.Round, now: datetime) -> bool:
    """Close the round; brief the leaders (summary, packs) only if anyone was prompted: a round that never opened
    (the bot started after its window) closes quietly instead of reporting 0/0 members."""
    async with services.db.transaction() as tx:
        if not await rs.set_round_state(tx, rnd.id, "closed", now, expect=rnd.state):
            return False
        if not await rs.list_participants(tx, rnd.id):
            return False
        ctx = system_context(services, tx, now)
        start = period_start(services.settings, rnd.period)
        for leader, ident in await mem.list_promptable_members(tx):
            if leader.role != "leader":
                continue
            units = await access.scope_units(tx, leader)
            issues = [i for i in await fu.list_issues_created_between(tx, units, start, rnd.closes_at)
                      if await access.leads(tx, services.settings, leader, i)]  # fmt: skip
            text = await summary_for(ctx, leader, rnd, len(issues))
            ctx.send(Outgoing(ident.chat_id, text, channel=ident.channel, proactive=True))
        await enqueue(tx, services, ctx.out, now)
        await request_round_packs(tx, rnd.id, now)  # each leader's briefing pack follows the summary
    return True
