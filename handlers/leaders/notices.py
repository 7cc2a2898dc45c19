"""Proactive messages about an issue: notices to members, cards to leaders, alerts when a report is filed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.core.messages import Attachment, Outgoing
from bot.core.texts import t
from handlers import access
from handlers.context import Context
from handlers.leaders import evidence
from handlers.leaders.card import card_for
from handlers.leaders.groupcast import post_to_groups
from storage import issues as iss
from storage import members as mem
from storage.audit import add_audit


async def notify(
    ctx: Context,
    member_ids: list[int],
    build: Callable[[str], str],
    *,
    issue_id: int | None = None,
    attachments: list[Attachment] | None = None,
    urgent: bool = False,
    protect_content: bool = False,
) -> int:
    """Send a proactive message to members, each in their own language; returns how many were reachable."""
    count = 0
    for m, ident in await mem.list_member_chats(ctx.tx, sorted(set(member_ids))):
        ctx.send(
            Outgoing(
                chat_id=ident.chat_id,
                channel=ident.channel,
                text=build(m.language),
                issue_id=issue_id,
                attachments=list(attachments or []),
                proactive=True,
                urgent=urgent,
                protect_content=protect_content,
            )
        )
        count += 1
    return count


async def notify_reporters(
    ctx: Context,
    issue: iss.Issue,
    key: str,
    *,
    attachments: list[Attachment] | None = None,
    **fields: Any,
) -> int:
    """Tell everyone who reported the issue (or one merged into it) what the leaders shared: ``key`` with the
    issue's number and its title as each of them may read it (``access.title_for``); returns how many were
    reachable."""
    count = 0
    for m, ident in await mem.list_member_chats(ctx.tx, await reporters_of(ctx, issue.id)):
        title = await access.member_title(ctx.tx, ctx.settings, m, issue)
        ctx.send(
            Outgoing(
                chat_id=ident.chat_id,
                channel=ident.channel,
                text=t(m.language, key, number=issue.id, title=title, **fields),
                issue_id=issue.id,
                attachments=list(attachments or []),
                proactive=True,
                protect_content=access.protected(ctx.settings, issue),
            )
        )
        count += 1
    return count


def held_until(ctx: Context) -> str:
    """When notices sent now will leave ("07:00 02/12/2026"), if quiet hours hold them; "" if they go at once."""
    if not ctx.calendar.is_quiet(ctx.now):
        return ""
    return ctx.calendar.next_non_quiet(ctx.now).astimezone(ctx.settings.tz).strftime("%H:%M %d/%m/%Y")


async def reporters_of(ctx: Context, issue_id: int) -> list[int]:
    """Everyone who reported this issue or an issue merged into it as a duplicate."""
    ids = await iss.list_reporter_ids(ctx.tx, issue_id)
    for dup in await iss.list_duplicates_of(ctx.tx, issue_id):
        ids += await iss.list_reporter_ids(ctx.tx, dup)
    return sorted(set(ids))


async def send_cards(
    ctx: Context, members: list[mem.Member], issue: iss.Issue, header_key: str, urgent: bool, **fields: Any
) -> int:
    count = 0
    chats = {m.id: ident for m, ident in await mem.list_member_chats(ctx.tx, [m.id for m in members])}
    for m in members:
        ident = chats.get(m.id)
        if ident is None:
            continue
        card = await card_for(ctx, m, issue, header=t(m.language, header_key, **fields))
        card.chat_id, card.channel, card.proactive, card.urgent = ident.chat_id, ident.channel, True, urgent
        ctx.send(card)
        count += 1
    return count


async def alert_on_filing(ctx: Context, issue_id: int, created: bool) -> None:
    """Urgent reports and hot spots alert the owning leaders at once, quiet hours or not."""
    issue = await iss.get_issue(ctx.tx, issue_id)
    if issue is None:
        return
    cfg = ctx.settings.issues
    since = ctx.now - timedelta(days=cfg.hotspot_days)
    on_issue = await iss.count_recent_reports(ctx.tx, since=since, issue_id=issue.id)
    in_area = await iss.count_recent_reports(
        ctx.tx, since=since, unit_id=issue.about_unit_id, category=issue.category
    )
    leaders = [m for m in await access.owning_leaders(ctx.tx, issue.owner_unit_id)
               if await access.leads(ctx.tx, ctx.settings, m, issue)]  # fmt: skip
    if cfg.hotspot_reports in (on_issue, in_area):
        count = max(on_issue, in_area)
        await send_cards(ctx, leaders, issue, "alert.hotspot", True, count=count, days=cfg.hotspot_days)
        await evidence.send_alert_evidence(ctx, leaders, issue)
        await post_to_groups(ctx, issue, "alert.hotspot", True, count=count, days=cfg.hotspot_days)
        await add_audit(ctx.tx, ctx.now, "system", "alert.hotspot", f"issue:{issue.id}", reports=count)
    elif issue.severity == "urgent" and created:
        await send_cards(ctx, leaders, issue, "alert.urgent", True)
        await evidence.send_alert_evidence(ctx, leaders, issue)
        await post_to_groups(ctx, issue, "alert.urgent", True)
        await add_audit(ctx.tx, ctx.now, "system", "alert.urgent", f"issue:{issue.id}")
