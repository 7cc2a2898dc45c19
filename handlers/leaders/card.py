"""The issue card, its "more" pages, and /issue N — each as the viewer may read it (``access.View``)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.buttons import IssueAction, IssueButton, encode
from bot.core.messages import Choice, Outgoing
from bot.core.texts import t
from handlers import access
from handlers.context import Context
from handlers.leaders import evidence
from handlers.leaders.common import (
    BUTTON_ORDER,
    CARD_ENTRIES,
    PAGE_ENTRIES,
    WORDED_KINDS,
    fmt_time,
    issue_argument,
    load_for,
    short,
)
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit


@dataclass
class Shown:
    """What a rendered message showed that changes how it is sent."""

    confidential: bool = False  # a confidential source: sent protected (no forwarding, no saving)


async def _report_text(
    ctx: Context, viewer: mem.Member, view: access.View, issue: iss.Issue, r: iss.Report, shown: Shown
) -> str:
    lang = viewer.language
    text = t(
        lang,
        "card.report_entry",
        people=t(lang, f"people.{r.people}"),
        source=t(lang, f"source.{r.source}"),
        description=short(r.description, 300),
    )
    if r.citizen and (view.full or r.id in view.own_reports):  # never another reporter's citizen
        if r.confidential and not await access.sees_confidential(ctx.tx, viewer, issue):
            text += t(lang, "card.citizen_hidden")
        else:
            text += t(lang, "card.citizen", citizen=r.citizen)
            if r.confidential:
                shown.confidential = True
                await add_audit(ctx.tx, ctx.now, f"member:{viewer.id}", "confidential.view", f"report:{r.id}")
    files = await iss.list_attachments(ctx.tx, issue.id, report_id=r.id)
    if files:
        text += t(lang, "card.attachments", count=len(files))
    return text


async def entry_text(
    ctx: Context, viewer: mem.Member, view: access.View, issue: iss.Issue, e: iss.ThreadEntry, shown: Shown
) -> str:
    """One entry the viewer may read (``view.sees_entry``), in their words."""
    lang = viewer.language
    if e.kind == "report" and e.report_id is not None:
        r = await iss.get_report(ctx.tx, e.report_id)
        if r is None or not view.sees_report_text(r):
            return t(lang, "entry.report")
        return await _report_text(ctx, viewer, view, issue, r, shown)
    body = view.entry_body(e)
    if e.kind == "state" and e.to_state:
        base = t(lang, "entry.state", state=t(lang, f"state.{e.to_state}"))
        return f"{base}. {short(body, 300)}" if body else base
    if e.kind == "addition":
        return t(lang, "entry.addition", body=short(body, 300))
    if e.kind == "withdrawn":
        return t(lang, "entry.withdrawn")
    if e.kind in WORDED_KINDS:
        return t(lang, f"entry.{e.kind}", text=short(body, 300))
    return short(body, 300)


async def entry_lines(
    ctx: Context,
    viewer: mem.Member,
    view: access.View,
    issue: iss.Issue,
    entries: list[iss.ThreadEntry],
    shown: Shown,
) -> list[str]:
    lang = viewer.language
    names: dict[int, str] = {}
    lines = []
    for e in entries:
        actor = view.actor(e.actor_id)
        if actor == "name" and e.actor_id is not None:
            if e.actor_id not in names:
                m = await mem.get_member(ctx.tx, e.actor_id)
                names[e.actor_id] = m.name if m else "?"
            who = names[e.actor_id]
        else:
            who = t(lang, "card.system" if actor == "system" else f"card.who_{actor}")
        lines.append(
            t(
                lang,
                "card.entry",
                date=e.at.astimezone(ctx.settings.tz).strftime("%d/%m %H:%M"),
                who=who,
                text=await entry_text(ctx, viewer, view, issue, e, shown),
            )
        )
    return lines


async def _assignee_text(ctx: Context, view: access.View, issue: iss.Issue, lang: str) -> str:
    if issue.assignee_id is None:
        return t(lang, "card.none")
    if not (view.full or view.assignee):
        return t(lang, "card.assigned")  # who and which agency is the leaders' business
    assignee = await mem.get_member(ctx.tx, issue.assignee_id)
    if assignee is None:
        return t(lang, "card.none")
    return assignee.name + (f" ({issue.agency})" if issue.agency else "")


async def card_for(ctx: Context, viewer: mem.Member, issue: iss.Issue, header: str = "") -> Outgoing:
    """The issue card as ``viewer`` may read it, in their language, with the buttons they may use.
    Someone who may not see the issue at all gets the 'not found' text and no buttons."""
    lang = viewer.language
    view = await access.view_of(ctx.tx, ctx.settings, viewer, issue)
    if view is None:
        return Outgoing(chat_id="", text=t(lang, "issue.not_found", number=issue.id))
    about = await un.get_unit(ctx.tx, issue.about_unit_id)
    owner = await un.get_unit(ctx.tx, issue.owner_unit_id)
    entries = view.entries(await iss.list_thread(ctx.tx, issue.id))
    shown = Shown()
    lines = await entry_lines(ctx, viewer, view, issue, entries[-CARD_ENTRIES:], shown)
    category = ctx.settings.category(issue.category)
    overdue = issue.state in iss.OPEN_STATES and issue.handle_due_at < ctx.now
    text = t(
        lang,
        "card.text",
        number=issue.id,
        title=access.title_for(ctx.settings, lang, issue, view),
        category=category.label(lang) if category else issue.category,
        about=about.name if about else "?",
        place=f" — {issue.place}" if issue.place else "",
        owner=owner.name if owner else "?",
        severity=t(lang, f"severity.{issue.severity}"),
        state=t(lang, f"state.{issue.state}"),
        ack_due=fmt_time(ctx, issue.ack_due_at),
        handle_due=fmt_time(ctx, issue.handle_due_at),
        overdue=t(lang, "card.overdue") if overdue else "",
        assignee=await _assignee_text(ctx, view, issue, lang),
        reports=await iss.count_active_reports(ctx.tx, issue.id),
        entries="\n".join(lines) or t(lang, "my.thread_empty"),
    )
    actions = await access.allowed_actions(ctx.tx, ctx.settings, viewer, issue, leading=view.full)
    buttons = [
        Choice(t(lang, f"btn.{a}"), encode(IssueButton(IssueAction(a), issue.id)))
        for a in BUTTON_ORDER
        if a in actions
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if len(entries) > CARD_ENTRIES:
        rows.append([Choice(t(lang, "card.more"), encode(IssueButton(IssueAction.MORE, issue.id, 1)))])
    rows += [row for row in [await evidence.files_row(ctx, viewer, issue, view)] if row]
    return Outgoing(
        chat_id="",
        text=(header + "\n\n" + text) if header else text,
        choices=rows,
        issue_id=issue.id,
        protect_content=access.protected(ctx.settings, issue) or shown.confidential,
    )


async def show_card(ctx: Context, issue: iss.Issue) -> None:
    card = await card_for(ctx, ctx.member, issue)
    msg = ctx.reply(card.text, choices=card.choices, issue_id=card.issue_id)
    msg.protect_content = card.protect_content


async def cmd_issue(ctx: Context, number: int | None = None) -> None:
    """/issue N (and the tap target /issue_N, whose number the router read)."""
    if number is None:
        number = await issue_argument(
            ctx, ctx.incoming.args, usage=ctx.t("act.usage", command="issue", more="")
        )
        if number is None:
            return
    issue = await load_for(ctx, number)
    if issue is not None:
        await show_card(ctx, issue)


async def show_more(ctx: Context, issue: iss.Issue, page: int) -> None:
    view = await access.view_of(ctx.tx, ctx.settings, ctx.member, issue)
    if view is None:
        ctx.reply(ctx.t("issue.not_found", number=issue.id))
        return
    entries = view.entries(await iss.list_thread(ctx.tx, issue.id))
    pages = max(1, (len(entries) + PAGE_ENTRIES - 1) // PAGE_ENTRIES)
    page = max(1, min(page, pages))
    chunk = entries[(page - 1) * PAGE_ENTRIES : page * PAGE_ENTRIES]
    shown = Shown()
    lines = await entry_lines(ctx, ctx.member, view, issue, chunk, shown)
    choices = (
        [[Choice(ctx.t("card.more"), encode(IssueButton(IssueAction.MORE, issue.id, page + 1)))]]
        if page < pages
        else []
    )
    msg = ctx.reply(
        ctx.t("card.page", number=issue.id, page=page, pages=pages, entries="\n".join(lines)),
        choices=choices,
        issue_id=issue.id,
    )
    msg.protect_content = access.protected(ctx.settings, issue) or shown.confidential
