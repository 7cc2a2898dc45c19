"""The daily digest of a unit, in the leaders' groups linked to it (handlers/groups.py).

At digest time on a working day each linked group gets its unit's digest once (recorded on the link in the same
transaction as the message): what a leader of the unit reads in theirs, through the same queries
(``scheduler.followups.digest_for``). While the group may not carry details (anyone but the unit's leaders or
those above is in it, or someone the bot has not seen) it gets only the count and each issue's number and
category. A digest goes at the digests' priority (a proactive bulk message), in the group's general chat."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.enums import Role
from bot.core.messages import Outgoing
from bot.core.texts import t
from bot.core.workcal import parse_hhmm
from bot.runtime import Services, enqueue
from handlers.leaders.groupcast import standing
from scheduler.followups import digest_for, system_context
from storage import groups as gs
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.db import Tx


def unit_reader(link: gs.GroupLink) -> mem.Member:
    """The group as a leader of its unit reads a digest (the sensitive issues about the unit kept out)."""
    return mem.Member(0, "", "", Role.LEADER, link.unit_id, (), link.language, True, None)


async def send_group_digests(services: Services, now: datetime) -> str:
    """One pass: each linked group's digest for today, if it has not had it and there is something to say."""
    settings, cal = services.settings, services.calendar
    local = now.astimezone(settings.tz)
    if not cal.is_working_day(local.date()) or local.time() < parse_hhmm(settings.followups.digest_time):
        return "not digest time"
    today = local.date().isoformat()
    sent = 0
    async with services.db.transaction() as tx:
        ctx = system_context(services, tx, now)
        for link in await gs.list_group_links(tx):
            if not await gs.claim_group_digest(tx, link.id, today):
                continue
            digest = await digest_for(ctx, unit_reader(link), now - timedelta(days=1))
            if digest is None:
                continue
            text, named = digest
            if not (await standing(ctx, link)).clean:
                text = await _short(ctx.tx, services, link, named, local.strftime("%d/%m/%Y"))
            ctx.send(Outgoing(link.chat_id, text, channel=link.channel, issue_ids=named, proactive=True))
            sent += 1
        await enqueue(tx, services, ctx.out, now)
    return f"group digests {sent}"


async def _short(tx: Tx, services: Services, link: gs.GroupLink, named: list[int], date: str) -> str:
    """The digest's short form: how many issues, each by number and category only."""
    lang = link.language
    unit = await un.get_unit(tx, link.unit_id)
    lines = []
    for issue in await iss.get_issues(tx, named):
        category = services.settings.category(issue.category)
        label = category.label(lang) if category else issue.category
        lines.append(t(lang, "group.digest_line", number=issue.id, category=label))
    return t(
        lang,
        "group.digest_short",
        date=date,
        unit=unit.name if unit else "?",
        count=len(named),
        lines="\n".join(lines),
    )
