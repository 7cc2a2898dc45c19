"""/briefing [period]: a leader (or an admin) asks for the briefing pack; a job builds it and sends it here."""

from __future__ import annotations

from bot.core.period import current_quarter, month, parse_period
from handlers.context import Context
from storage import briefings as br
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.db import Tx

ROLES = ("leader", "admin")


async def scope_unit(tx: Tx, member: mem.Member) -> int:
    """A leader's pack covers their unit's subtree; an admin's the top of the tree."""
    if member.role == "admin":
        above = await un.list_ancestor_ids(tx, member.unit_id)
        return above[-1] if above else member.unit_id
    return member.unit_id


async def cmd_briefing(ctx: Context) -> None:
    member = ctx.member
    if member is None or member.role not in ROLES:
        ctx.reply(ctx.t("error.unknown_command", command="briefing"))
        return
    tz = ctx.settings.tz
    arg = ctx.incoming.args.strip()
    try:
        period = parse_period(arg, tz) if arg else current_quarter(ctx.now, tz)
    except ValueError:
        this = current_quarter(ctx.now, tz)
        local = ctx.now.astimezone(tz)
        ctx.reply(ctx.t("briefing.usage", example=this.key, month=month(local.year, local.month, tz).key))
        return
    if period.start > ctx.now:
        ctx.reply(ctx.t("briefing.future", period=period.label(ctx.lang)))
        return
    unit_id = await scope_unit(ctx.tx, member)
    if await br.find_pending_request(ctx.tx, member.id, unit_id, period.key) is None:
        request = await br.create_request(
            ctx.tx,
            member_id=member.id,
            unit_id=unit_id,
            period=period.key,
            channel=ctx.incoming.channel,
            chat_id=ctx.incoming.chat_id,
            now=ctx.now,
        )
        await add_audit(
            ctx.tx,
            ctx.now,
            f"member:{member.id}",
            "briefing.request",
            f"briefing:{request}",
            period=period.key,
        )
    unit = await un.get_unit(ctx.tx, unit_id)
    ctx.reply(ctx.t("briefing.preparing", period=period.label(ctx.lang), unit=unit.name if unit else "?"))
