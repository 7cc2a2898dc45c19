"""The leaders' lists: /open and /overdue, each line a button to the card (/find is ``find.py``)."""

from __future__ import annotations

from bot.core.buttons import IssueAction, IssueButton, ListKind, ListPage, encode
from bot.core.messages import Choice
from handlers import access
from handlers.context import Context
from handlers.leaders.common import LIST_PAGE, issue_line
from storage import issues as iss


async def show_list(ctx: Context, kind: str, page: int) -> None:
    units = await access.scope_units(ctx.tx, ctx.member)
    overdue_at = ctx.now if kind == "overdue" else None
    total = await iss.count_issues_in_units(ctx.tx, units, overdue_at=overdue_at)
    if total == 0:
        ctx.reply(ctx.t("list.none"))
        return
    pages = (total + LIST_PAGE - 1) // LIST_PAGE
    page = max(0, min(page, pages - 1))
    rows = await iss.list_issues_in_units(
        ctx.tx, units, overdue_at=overdue_at, limit=LIST_PAGE, offset=page * LIST_PAGE
    )
    visible = [i for i in rows if await access.leads(ctx.tx, ctx.settings, ctx.member, i)]
    choices = [[Choice(issue_line(ctx, i), encode(IssueButton(IssueAction.CARD, i.id)))] for i in visible]
    nav = []
    if page > 0:
        nav.append(Choice(ctx.t("units.prev"), encode(ListPage(ListKind(kind), page - 1))))
    if page + 1 < pages:
        nav.append(Choice(ctx.t("units.more"), encode(ListPage(ListKind(kind), page + 1))))
    if nav:
        choices.append(nav)
    header = "list.overdue_header" if kind == "overdue" else "list.open_header"
    ctx.reply(ctx.t(header, count=total, page=page + 1, pages=pages), choices=choices)


async def cmd_open(ctx: Context) -> None:
    await show_list(ctx, "open", 0)


async def cmd_overdue(ctx: Context) -> None:
    await show_list(ctx, "overdue", 0)
