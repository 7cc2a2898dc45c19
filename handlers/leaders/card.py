"""The issue card, its "more" pages, and /issue N."""

from __future__ import annotations

from bot.texts import t
from handlers import access
from handlers.context import Context
from handlers.leaders.common import (
    BUTTON_ORDER,
    CARD_ENTRIES,
    PAGE_ENTRIES,
    first_number,
    fmt_time,
    load_for,
    short,
    who,
)
from handlers.model import Choice, Outgoing
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit


async def entry_text(
    ctx: Context, viewer: mem.Member, issue: iss.Issue, e: iss.ThreadEntry, lang: str
) -> str:
    if e.kind == "report" and e.report_id is not None:
        r = await iss.get_report(ctx.tx, e.report_id)
        if r is None:
            return ""
        text = t(
            lang,
            "card.report_entry",
            people=t(lang, f"people.{r.people}"),
            source=t(lang, f"source.{r.source}"),
            description=short(r.description, 300),
        )
        if r.citizen:
            if r.confidential and not await access.sees_confidential(ctx.tx, viewer, issue):
                text += t(lang, "card.citizen_hidden")
            else:
                text += t(lang, "card.citizen", citizen=r.citizen)
                if r.confidential:
                    await add_audit(
                        ctx.tx, ctx.now, f"member:{viewer.id}", "confidential.view", f"report:{r.id}"
                    )
        files = await iss.list_attachments(ctx.tx, issue.id, report_id=r.id)
        if files:
            text += t(lang, "card.attachments", count=len(files))
        return text
    if e.kind == "state" and e.to_state:
        base = t(lang, "entry.state", state=t(lang, f"state.{e.to_state}"))
        return f"{base}. {short(e.body, 300)}" if e.body else base
    if e.kind == "addition":
        return t(lang, "entry.addition", body=short(e.body, 300))
    if e.kind == "withdrawn":
        return t(lang, "entry.withdrawn")
    return short(e.body, 300)


async def card_for(ctx: Context, viewer: mem.Member, issue: iss.Issue, header: str = "") -> Outgoing:
    """The issue card as ``viewer`` sees it, in their language, with the buttons they may use."""
    lang = viewer.language
    about = await un.get_unit(ctx.tx, issue.about_unit_id)
    owner = await un.get_unit(ctx.tx, issue.owner_unit_id)
    assignee = await mem.get_member(ctx.tx, issue.assignee_id) if issue.assignee_id else None
    entries = await iss.list_thread(ctx.tx, issue.id)
    names: dict[int, str] = {}
    lines = []
    for e in entries[-CARD_ENTRIES:]:
        lines.append(
            t(
                lang,
                "card.entry",
                date=e.at.astimezone(ctx.settings.tz).strftime("%d/%m %H:%M"),
                who=await who(ctx, e.actor_id, names),
                text=await entry_text(ctx, viewer, issue, e, lang),
            )
        )
    category = ctx.settings.category(issue.category)
    overdue = issue.state in iss.OPEN_STATES and issue.handle_due_at < ctx.now
    text = t(
        lang,
        "card.text",
        number=issue.id,
        title=issue.title,
        category=category.label(lang) if category else issue.category,
        about=about.name if about else "?",
        place=f" — {issue.place}" if issue.place else "",
        owner=owner.name if owner else "?",
        severity=t(lang, f"severity.{issue.severity}"),
        state=t(lang, f"state.{issue.state}"),
        ack_due=fmt_time(ctx, issue.ack_due_at),
        handle_due=fmt_time(ctx, issue.handle_due_at),
        overdue=t(lang, "card.overdue") if overdue else "",
        assignee=(assignee.name + (f" ({issue.agency})" if issue.agency else ""))
        if assignee
        else t(lang, "card.none"),
        reports=await iss.count_active_reports(ctx.tx, issue.id),
        entries="\n".join(lines) or t(lang, "my.thread_empty"),
    )
    actions = await access.allowed_actions(ctx.tx, ctx.settings, viewer, issue)
    buttons = [Choice(t(lang, f"btn.{a}"), f"a:iss:{a}:{issue.id}") for a in BUTTON_ORDER if a in actions]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if len(entries) > CARD_ENTRIES:
        rows.append([Choice(t(lang, "card.more"), f"a:iss:more:{issue.id}:1")])
    return Outgoing(
        chat_id="", text=(header + "\n\n" + text) if header else text, choices=rows, issue_id=issue.id
    )


async def show_card(ctx: Context, issue: iss.Issue) -> None:
    card = await card_for(ctx, ctx.member, issue)
    ctx.reply(card.text, choices=card.choices, issue_id=issue.id)


async def cmd_issue(ctx: Context, number: int | None = None) -> None:
    number = number if number is not None else first_number(ctx.incoming.args)
    if number is None:
        ctx.reply(ctx.t("act.usage", command="issue", more=""))
        return
    issue = await load_for(ctx, number)
    if issue is not None:
        await show_card(ctx, issue)


async def show_more(ctx: Context, issue: iss.Issue, page: int) -> None:
    entries = await iss.list_thread(
        ctx.tx, issue.id, shared_only=not await access.leads(ctx.tx, ctx.settings, ctx.member, issue)
    )
    pages = max(1, (len(entries) + PAGE_ENTRIES - 1) // PAGE_ENTRIES)
    page = max(1, min(page, pages))
    chunk = entries[(page - 1) * PAGE_ENTRIES : page * PAGE_ENTRIES]
    names: dict[int, str] = {}
    lines = [
        ctx.t(
            "card.entry",
            date=e.at.astimezone(ctx.settings.tz).strftime("%d/%m %H:%M"),
            who=await who(ctx, e.actor_id, names),
            text=await entry_text(ctx, ctx.member, issue, e, ctx.lang),
        )
        for e in chunk
    ]
    choices = [[Choice(ctx.t("card.more"), f"a:iss:more:{issue.id}:{page + 1}")]] if page < pages else []
    ctx.reply(
        ctx.t("card.page", number=issue.id, page=page, pages=pages, entries="\n".join(lines)),
        choices=choices,
        issue_id=issue.id,
    )
