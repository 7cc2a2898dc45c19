"""The leaders' side: issue cards, lists, search, and every action on an issue (by button, command or reply).

Every action re-reads the issue and checks the actor's rights on the server; state changes are conditional
updates, so of two leaders acting at once one wins and the other is told.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core.buttons import Action, IssueAction, IssueButton, ListKind, ListPage, encode
from bot.core.messages import Attachment, Choice, Outgoing, attachment_dicts
from bot.core.texts import t
from handlers import access, flow
from handlers.choose import fold
from handlers.context import Context
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.conversations import Conversation, save_conversation
from storage.db import MemoTx
from storage.outbox import list_sent_issue_ids

CARD_ENTRIES = 5
PAGE_ENTRIES = 10
LIST_PAGE = 8
PEOPLE_PAGE = 8
TEXT_LIMIT = 4000
ICONS = {"urgent": "🔴 ", "pressing": "🟠 ", "normal": ""}
BUTTON_ORDER = (
    "ack",
    "assign",
    "comment",
    "resolve",
    "dup",
    "move",
    "close",
    "reopen",
    "progress",
    "propose",
)


def _fmt(ctx: Context, when: datetime) -> str:
    return when.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m/%Y")


def _number(text: str) -> int | None:
    head = text.strip().split(maxsplit=1)[0].lstrip("#") if text.strip() else ""
    return int(head) if head.isdigit() and len(head) < 10 else None


async def load_for(ctx: Context, number: int | None) -> iss.Issue | None:
    """The issue, if the person may see it; otherwise the same 'not found' whether it exists or not."""
    issue = await iss.get_issue(ctx.tx, number) if number is not None else None
    if issue is None or not await access.may_see(ctx.tx, ctx.settings, ctx.member, issue):
        ctx.reply(ctx.t("issue.not_found", number=number if number is not None else "?"))
        return None
    return issue


# ---------------------------------------------------------------------------------------------- the card


async def _who(ctx: Context, member_id: int | None, cache: dict[int, str]) -> str:
    if member_id is None:
        return ctx.t("card.system")
    if member_id not in cache:
        m = await mem.get_member(ctx.tx, member_id)
        cache[member_id] = m.name if m else "?"
    return cache[member_id]


async def _entry_text(
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
            description=_short(r.description, 300),
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
        return f"{base}. {_short(e.body, 300)}" if e.body else base
    if e.kind == "addition":
        return t(lang, "entry.addition", body=_short(e.body, 300))
    if e.kind == "withdrawn":
        return t(lang, "entry.withdrawn")
    return _short(e.body, 300)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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
                who=await _who(ctx, e.actor_id, names),
                text=await _entry_text(ctx, viewer, issue, e, lang),
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
        ack_due=_fmt(ctx, issue.ack_due_at),
        handle_due=_fmt(ctx, issue.handle_due_at),
        overdue=t(lang, "card.overdue") if overdue else "",
        assignee=(assignee.name + (f" ({issue.agency})" if issue.agency else ""))
        if assignee
        else t(lang, "card.none"),
        reports=await iss.count_active_reports(ctx.tx, issue.id),
        entries="\n".join(lines) or t(lang, "my.thread_empty"),
    )
    actions = await access.allowed_actions(ctx.tx, ctx.settings, viewer, issue)
    buttons = [
        Choice(t(lang, f"btn.{a}"), encode(IssueButton(IssueAction(a), issue.id)))
        for a in BUTTON_ORDER
        if a in actions
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if len(entries) > CARD_ENTRIES:
        rows.append([Choice(t(lang, "card.more"), encode(IssueButton(IssueAction.MORE, issue.id, 1)))])
    return Outgoing(
        chat_id="", text=(header + "\n\n" + text) if header else text, choices=rows, issue_id=issue.id
    )


async def show_card(ctx: Context, issue: iss.Issue) -> None:
    card = await card_for(ctx, ctx.member, issue)
    ctx.reply(card.text, choices=card.choices, issue_id=issue.id)


async def cmd_issue(ctx: Context, number: int | None = None) -> None:
    number = number if number is not None else _number(ctx.incoming.args)
    if number is None:
        ctx.reply(ctx.t("act.usage", command="issue", more=""))
        return
    issue = await load_for(ctx, number)
    if issue is not None:
        await show_card(ctx, issue)


async def _more(ctx: Context, issue: iss.Issue, page: int) -> None:
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
            who=await _who(ctx, e.actor_id, names),
            text=await _entry_text(ctx, ctx.member, issue, e, ctx.lang),
        )
        for e in chunk
    ]
    choices = (
        [[Choice(ctx.t("card.more"), encode(IssueButton(IssueAction.MORE, issue.id, page + 1)))]]
        if page < pages
        else []
    )
    ctx.reply(
        ctx.t("card.page", number=issue.id, page=page, pages=pages, entries="\n".join(lines)),
        choices=choices,
        issue_id=issue.id,
    )


# ---------------------------------------------------------------------------------------------- lists


async def _list(ctx: Context, kind: str, page: int) -> None:
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
    choices = [[Choice(_line(ctx, i), encode(IssueButton(IssueAction.CARD, i.id)))] for i in visible]
    nav = []
    if page > 0:
        nav.append(Choice(ctx.t("units.prev"), encode(ListPage(ListKind(kind), page - 1))))
    if page + 1 < pages:
        nav.append(Choice(ctx.t("units.more"), encode(ListPage(ListKind(kind), page + 1))))
    if nav:
        choices.append(nav)
    header = "list.overdue_header" if kind == "overdue" else "list.open_header"
    ctx.reply(ctx.t(header, count=total, page=page + 1, pages=pages), choices=choices)


def _line(ctx: Context, issue: iss.Issue) -> str:
    overdue = issue.state in iss.OPEN_STATES and issue.handle_due_at < ctx.now
    return ctx.t(
        "list.line",
        number=issue.id,
        icon=ICONS.get(issue.severity, ""),
        title=_short(issue.title, 40),
        state=ctx.t(f"state.{issue.state}"),
        overdue=ctx.t("card.overdue") if overdue else "",
    )


async def cmd_open(ctx: Context) -> None:
    await _list(ctx, "open", 0)


async def cmd_overdue(ctx: Context) -> None:
    await _list(ctx, "overdue", 0)


async def cmd_find(ctx: Context) -> None:
    query = fold(ctx.incoming.args)
    if not query:
        ctx.reply(ctx.t("find.usage"))
        return
    units = await access.scope_units(ctx.tx, ctx.member)
    tree = MemoTx(ctx.tx)  # the unit subtrees leads() reads, once for the whole search
    found = []
    for issue, text in await iss.list_issue_texts_in_units(ctx.tx, units):
        if all(word in fold(text) for word in query.split()) and await access.leads(
            tree, ctx.settings, ctx.member, issue
        ):
            found.append(issue)
    choices = [
        [Choice(_line(ctx, i), encode(IssueButton(IssueAction.CARD, i.id)))] for i in found[:LIST_PAGE]
    ]
    ctx.reply(ctx.t("find.header", text=ctx.incoming.args.strip()[:60], count=len(found)), choices=choices)


# ---------------------------------------------------------------------------------------------- notices


async def notify(
    ctx: Context,
    member_ids: list[int],
    build: Callable[[str], str],
    *,
    issue_id: int | None = None,
    attachments: list[Attachment] | None = None,
    urgent: bool = False,
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
            )
        )
        count += 1
    return count


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
        await add_audit(ctx.tx, ctx.now, "system", "alert.hotspot", f"issue:{issue.id}", reports=count)
    elif issue.severity == "urgent" and created:
        await send_cards(ctx, leaders, issue, "alert.urgent", True)
        await add_audit(ctx.tx, ctx.now, "system", "alert.urgent", f"issue:{issue.id}")


# ---------------------------------------------------------------------------------------------- actions


async def _change_state(
    ctx: Context,
    issue: iss.Issue,
    action: str,
    to_state: str,
    *,
    body: str = "",
    shared: bool = False,
    **fields: Any,
) -> int | None:
    """A state change as one conditional update plus its thread entry; None (and the person told) if it lost a race."""
    ok = await iss.update_issue(
        ctx.tx,
        issue.id,
        ctx.now,
        expect_states=access.LEADER_ACTIONS.get(action) or access.ASSIGNEE_ACTIONS[action],
        state=to_state,
        **fields,
    )
    if not ok:
        fresh = await iss.get_issue(ctx.tx, issue.id)
        ctx.reply(
            ctx.t(
                "act.too_late", number=issue.id, state=ctx.t(f"state.{fresh.state if fresh else issue.state}")
            )
        )
        return None
    entry = await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "state", actor_id=ctx.member.id, from_state=issue.state, to_state=to_state,
        body=body, shared=shared,
    )  # fmt: skip
    await add_audit(
        ctx.tx, ctx.now, f"member:{ctx.member.id}", f"issue.{action}", f"issue:{issue.id}", to=to_state
    )
    return entry


async def _check(ctx: Context, issue: iss.Issue, action: str) -> bool:
    if not await access.can(ctx.tx, ctx.settings, ctx.member, issue, action):
        ctx.reply(ctx.t("issue.not_found", number=issue.id))
        return False
    states = access.LEADER_ACTIONS.get(action) or access.ASSIGNEE_ACTIONS.get(action, ())
    if issue.state not in states:
        ctx.reply(ctx.t("act.not_allowed", number=issue.id, state=ctx.t(f"state.{issue.state}")))
        return False
    return True


async def acknowledge(ctx: Context, issue: iss.Issue) -> None:
    if not await _check(ctx, issue, "ack"):
        return
    if (
        await _change_state(
            ctx, issue, "ack", "acknowledged", shared=True, acknowledged_at=issue.acknowledged_at or ctx.now
        )
        is None
    ):
        return
    ctx.reply(ctx.t("act.acknowledged", number=issue.id), issue_id=issue.id)
    if ctx.settings.issues.notify_reporters_on_ack:
        await notify(ctx, await reporters_of(ctx, issue.id),
                     lambda lang: t(lang, "notice.acknowledged", number=issue.id, title=issue.title), issue_id=issue.id)  # fmt: skip


async def assign(ctx: Context, issue: iss.Issue, assignee_id: int, agency: str = "") -> None:
    if not await _check(ctx, issue, "assign"):
        return
    person = await mem.get_member(ctx.tx, assignee_id)
    if (
        person is None
        or not person.active
        or person.unit_id not in await access.assignable_units(ctx.tx, issue)
    ):
        ctx.reply(ctx.t("act.bad_assignee"))
        return
    entry = await _change_state(ctx, issue, "assign", "assigned", body=person.name, shared=True,
                                assignee_id=person.id, agency=agency, acknowledged_at=issue.acknowledged_at or ctx.now)  # fmt: skip
    if entry is None:
        return
    ctx.reply(ctx.t("act.assigned", number=issue.id, name=person.name), issue_id=issue.id)
    fresh = await iss.get_issue(ctx.tx, issue.id)
    assert fresh is not None
    # the assignee of an urgent matter is told at once, quiet hours or not
    await send_cards(
        ctx, [person], fresh, "notice.assigned_to_you", fresh.severity == "urgent", number=issue.id
    )
    if ctx.settings.issues.notify_reporters_on_assign:
        await notify(ctx, await reporters_of(ctx, issue.id),
                     lambda lang: t(lang, "notice.assigned", number=issue.id, title=issue.title), issue_id=issue.id)  # fmt: skip


async def resolve(ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]]) -> None:
    if not await _check(ctx, issue, "resolve"):
        return
    entry = await _change_state(
        ctx, issue, "resolve", "resolved", body=text, shared=True, resolution=text, resolved_at=ctx.now
    )
    if entry is None:
        return
    for a in attachments:
        await iss.add_attachment(ctx.tx, issue.id, ctx.now, entry_id=entry, **a)
    evidence = [Attachment(**a) for a in attachments if a.get("file_ref")]
    count = await notify(
        ctx, await reporters_of(ctx, issue.id),
        lambda lang: t(lang, "notice.resolved", number=issue.id, title=issue.title, resolution=text),
        issue_id=issue.id, attachments=evidence,
    )  # fmt: skip
    ctx.reply(ctx.t("act.resolved", number=issue.id, count=count), issue_id=issue.id)


async def comment(
    ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]], *, shared: bool
) -> None:
    action = "update" if shared else "comment"
    if not await _check(ctx, issue, action):
        return
    entry = await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "comment", actor_id=ctx.member.id, body=text, shared=shared
    )
    for a in attachments:
        await iss.add_attachment(ctx.tx, issue.id, ctx.now, entry_id=entry, **a)
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", f"issue.{action}", f"issue:{issue.id}")
    if not shared:
        ctx.reply(ctx.t("act.commented", number=issue.id), issue_id=issue.id)
        return
    evidence = [Attachment(**a) for a in attachments if a.get("file_ref")]
    count = await notify(ctx, await reporters_of(ctx, issue.id),
                         lambda lang: t(lang, "notice.update", number=issue.id, title=issue.title, text=text),
                         issue_id=issue.id, attachments=evidence)  # fmt: skip
    ctx.reply(ctx.t("act.updated", number=issue.id, count=count), issue_id=issue.id)


async def progress(ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]]) -> None:
    if not await _check(ctx, issue, "progress"):
        return
    entry = await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "progress", actor_id=ctx.member.id, body=text
    )
    for a in attachments:
        await iss.add_attachment(ctx.tx, issue.id, ctx.now, entry_id=entry, **a)
    ctx.reply(ctx.t("act.progress_noted", number=issue.id), issue_id=issue.id)


async def propose(ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]]) -> None:
    if not await _check(ctx, issue, "propose"):
        return
    entry = await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "proposal", actor_id=ctx.member.id, body=text
    )
    for a in attachments:
        await iss.add_attachment(ctx.tx, issue.id, ctx.now, entry_id=entry, **a)
    leaders = [m for m in await access.owning_leaders(ctx.tx, issue.owner_unit_id)
               if await access.leads(ctx.tx, ctx.settings, m, issue)]  # fmt: skip
    for m, ident in await mem.list_member_chats(ctx.tx, [m.id for m in leaders]):
        lang = m.language
        ctx.send(Outgoing(
            chat_id=ident.chat_id, channel=ident.channel, issue_id=issue.id, proactive=True,
            urgent=issue.severity == "urgent",
            text=t(lang, "act.proposal", name=ctx.member.name, number=issue.id, text=text),
            choices=[[Choice(t(lang, "act.confirm_proposal"), encode(IssueButton(IssueAction.CONFIRM, issue.id))),
                      Choice(t(lang, "act.send_back"), encode(IssueButton(IssueAction.SENDBACK, issue.id)))]],
        ))  # fmt: skip
    ctx.reply(ctx.t("act.proposed", number=issue.id), issue_id=issue.id)


async def _pending_proposal(ctx: Context, issue: iss.Issue) -> iss.ThreadEntry | None:
    entries = await iss.list_thread(ctx.tx, issue.id)
    for e in reversed(entries):
        if e.kind in ("proposal_confirmed", "proposal_returned") or (
            e.kind == "state" and e.to_state == "resolved"
        ):
            return None
        if e.kind == "proposal":
            return e
    return None


async def confirm_proposal(ctx: Context, issue: iss.Issue) -> None:
    proposal = await _pending_proposal(ctx, issue)
    if proposal is None:
        ctx.reply(ctx.t("act.no_proposal", number=issue.id))
        return
    files = await iss.list_attachments(ctx.tx, issue.id, entry_id=proposal.id)
    attachments = [
        {
            "kind": f.kind,
            "file_ref": f.file_ref,
            "mime_type": f.mime_type,
            "filename": f.filename,
            "size": f.size,
        }
        for f in files
    ]
    await iss.add_thread_entry(ctx.tx, issue.id, ctx.now, "proposal_confirmed", actor_id=ctx.member.id)
    await resolve(ctx, issue, proposal.body, attachments)


async def send_back(ctx: Context, issue: iss.Issue, reason: str) -> None:
    proposal = await _pending_proposal(ctx, issue)
    if proposal is None:
        ctx.reply(ctx.t("act.no_proposal", number=issue.id))
        return
    await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "proposal_returned", actor_id=ctx.member.id, body=reason
    )
    if proposal.actor_id is not None:
        await notify(
            ctx,
            [proposal.actor_id],
            lambda lang: t(lang, "notice.sent_back", number=issue.id, reason=reason),
            issue_id=issue.id,
        )
    ctx.reply(ctx.t("act.sent_back", number=issue.id), issue_id=issue.id)


async def reopen(ctx: Context, issue: iss.Issue, reason: str) -> None:
    if not await _check(ctx, issue, "reopen"):
        return
    if (
        await _change_state(
            ctx, issue, "reopen", "reopened", body=reason, shared=True, closed_at=None, resolved_at=None
        )
        is None
    ):
        return
    ctx.reply(ctx.t("act.reopened", number=issue.id), issue_id=issue.id)


async def close_without_action(ctx: Context, issue: iss.Issue, reason: str) -> None:
    if not await _check(ctx, issue, "close"):
        return
    if (
        await _change_state(
            ctx, issue, "close", "closed_without_action", body=reason, shared=True, closed_at=ctx.now
        )
        is None
    ):
        return
    await notify(ctx, await reporters_of(ctx, issue.id),
                 lambda lang: t(lang, "notice.closed_without_action", number=issue.id, title=issue.title, reason=reason),
                 issue_id=issue.id)  # fmt: skip
    ctx.reply(ctx.t("act.closed", number=issue.id), issue_id=issue.id)


async def mark_duplicate(ctx: Context, issue: iss.Issue, target_number: int) -> None:
    if not await _check(ctx, issue, "dup"):
        return
    if target_number == issue.id:
        ctx.reply(ctx.t("act.dup_self"))
        return
    target = await iss.get_issue(ctx.tx, target_number)
    if (
        target is None
        or not await access.leads(ctx.tx, ctx.settings, ctx.member, target)
        or target.state in ("duplicate", "closed", "closed_without_action", "withdrawn")
    ):
        ctx.reply(ctx.t("act.dup_target_gone", target=target_number))
        return
    # a chain back to this issue would be a loop
    seen, current = {issue.id}, target
    while current is not None and current.duplicate_of is not None:
        if current.duplicate_of in seen:
            ctx.reply(ctx.t("act.dup_cycle", number=issue.id, target=target.id))
            return
        seen.add(current.id)
        current = await iss.get_issue(ctx.tx, current.duplicate_of)
    if (
        await _change_state(
            ctx, issue, "dup", "duplicate", body=f"#{target.id}", shared=True, duplicate_of=target.id
        )
        is None
    ):
        return
    await notify(ctx, await iss.list_reporter_ids(ctx.tx, issue.id),
                 lambda lang: t(lang, "notice.duplicate", number=issue.id, target=target.id), issue_id=target.id)  # fmt: skip
    ctx.reply(ctx.t("act.duplicate", number=issue.id, target=target.id), issue_id=issue.id)


async def move(ctx: Context, issue: iss.Issue, unit_id: int) -> None:
    if not await _check(ctx, issue, "move"):
        return
    unit = await un.get_unit(ctx.tx, unit_id)
    if unit is None or not unit.active or unit_id not in await access.scope_units(ctx.tx, ctx.member):
        ctx.reply(ctx.t("error.bad_button"))
        return
    ok = await iss.update_issue(
        ctx.tx, issue.id, ctx.now, expect_states=access.LEADER_ACTIONS["move"], owner_unit_id=unit_id
    )
    if not ok:
        ctx.reply(ctx.t("act.too_late", number=issue.id, state=ctx.t(f"state.{issue.state}")))
        return
    old = await un.get_unit(ctx.tx, issue.owner_unit_id)
    await iss.add_thread_entry(ctx.tx, issue.id, ctx.now, "moved", actor_id=ctx.member.id,
                               body=f"{old.name if old else '?'} → {unit.name}")  # fmt: skip
    await add_audit(
        ctx.tx, ctx.now, f"member:{ctx.member.id}", "issue.move", f"issue:{issue.id}", to=unit.code
    )
    ctx.reply(ctx.t("act.moved", number=issue.id, unit=unit.name), issue_id=issue.id)


# ---------------------------------------------------------------------------------------------- buttons


async def on_action(ctx: Context, button: Action) -> bool:
    """An issue's buttons and the pages of the lists; False if the button is not ours."""
    if isinstance(button, ListPage):
        if ctx.member.role not in ("leader", "admin"):
            return False
        await _list(ctx, button.kind, button.page)
        return True
    if not isinstance(button, IssueButton):
        return False
    action, number = button.action, button.issue_id
    issue = await load_for(ctx, number)
    if issue is None:
        return True
    if action == "card":
        await show_card(ctx, issue)
    elif action == "more":
        await _more(ctx, issue, button.page or 1)
    elif action == "ack":
        await acknowledge(ctx, issue)
    elif action == "confirm":
        if await _check(ctx, issue, "confirm"):
            await confirm_proposal(ctx, issue)
    elif action == "sendback":
        if await _check(ctx, issue, "confirm"):
            await flow.start(
                ctx, "act", "text", {"action": "sendback", "issue_id": issue.id, "attachments": []}
            )
    elif action in ("assign", "move"):
        if await _check(ctx, issue, action):
            await flow.start(ctx, "act", action, {"action": action, "issue_id": issue.id, "page": 0})
    elif action in ("comment", "resolve", "reopen", "close", "dup", "progress", "propose"):
        if await _check(ctx, issue, action):
            await flow.start(ctx, "act", "text", {"action": action, "issue_id": issue.id, "attachments": []})
    else:
        ctx.reply(ctx.t("error.bad_button"))
    return True


# ---------------------------------------------------------------------------------------------- the act flow

PROMPTS = {
    "comment": "act.ask_comment",
    "resolve": "act.ask_resolution",
    "reopen": "act.ask_reopen",
    "close": "act.ask_close",
    "dup": "act.ask_dup",
    "progress": "act.ask_progress",
    "propose": "act.ask_proposal",
    "sendback": "act.ask_send_back",
}


async def _act_ask(ctx: Context, conv: Conversation) -> None:
    d = conv.data
    number = d["issue_id"]
    if conv.step == "text":
        await flow.ask_options(ctx, conv, ctx.t(PROMPTS[d["action"]], number=number), [], free_text=True)
    elif conv.step == "evidence":
        options = [(ctx.t("act.evidence_add"), "add"), (ctx.t("act.evidence_none"), "none")]
        await flow.ask_options(ctx, conv, ctx.t("act.ask_evidence"), options)
    elif conv.step == "files":
        await flow.ask_options(
            ctx, conv, ctx.t("act.ask_evidence_files"), [(ctx.t("report.done"), "_done")], free_text=True
        )
    elif conv.step == "reply":
        options = [(ctx.t(f"act.reply_{k}"), k) for k in d["offers"]]
        await flow.ask_options(ctx, conv, ctx.t("act.reply_offer", number=number), options)
    elif conv.step == "which":
        options = [(f"#{i}", str(i)) for i in d["candidates"]]
        await flow.ask_options(ctx, conv, ctx.t("reply.several"), options, columns=4)
    elif conv.step in ("assign", "move"):
        issue = await iss.get_issue(ctx.tx, int(number))
        assert issue is not None
        page = int(d.get("page", 0))
        if conv.step == "assign":
            people = await mem.list_members_in_units(ctx.tx, await access.assignable_units(ctx.tx, issue))
            units = {u.id: u.name for u in await un.list_units(ctx.tx, active_only=False)}
            items = [(f"{p.name} — {units.get(p.unit_id, '?')}", f"m:{p.id}") for p in people]
            prompt = ctx.t("act.ask_assignee", number=number)
        else:
            scope = set(await access.scope_units(ctx.tx, ctx.member))
            items = [
                (u.name, f"u:{u.id}")
                for u in await un.list_units(ctx.tx)
                if u.id in scope and u.id != issue.owner_unit_id
            ]
            prompt = ctx.t("act.ask_move", number=number)
        chunk = items[page * PEOPLE_PAGE : (page + 1) * PEOPLE_PAGE]
        extra = []
        if page > 0:
            extra.append((ctx.t("units.prev"), "_prev"))
        if (page + 1) * PEOPLE_PAGE < len(items):
            extra.append((ctx.t("units.more"), "_next"))
        await flow.ask_options(ctx, conv, prompt, chunk, extra_rows=[extra] if extra else None)


async def _act_answer(ctx: Context, conv: Conversation, value: str) -> None:
    d = conv.data
    if conv.step == "which":
        if not value.isdigit() or int(value) not in d["candidates"]:
            await flow.reask(ctx, conv, ctx.t("error.bad_button"))
            return
        chosen = await iss.get_issue(ctx.tx, int(value))
        offers = await _reply_offers(ctx, chosen) if chosen is not None else []
        if chosen is None or not offers:
            await flow.finish(ctx, conv)
            ctx.reply(ctx.t("issue.not_found", number=value))
            return
        d["issue_id"], d["offers"] = chosen.id, offers
        await flow.goto(ctx, conv, "reply")
        return
    issue = await iss.get_issue(ctx.tx, int(d["issue_id"]))
    if issue is None or not await access.may_see(ctx.tx, ctx.settings, ctx.member, issue):
        await flow.finish(ctx, conv)
        ctx.reply(ctx.t("issue.not_found", number=d["issue_id"]))
        return
    action = d["action"]
    if conv.step in ("assign", "move"):
        if value in ("_prev", "_next"):
            d["page"] = max(0, int(d.get("page", 0)) + (1 if value == "_next" else -1))
            await _act_ask(ctx, conv)
            return
        if not value[2:].isdigit():
            await flow.reask(ctx, conv, ctx.t("error.bad_button"))
            return
        await flow.finish(ctx, conv)
        if conv.step == "assign":
            await assign(ctx, issue, int(value[2:]))
        else:
            await move(ctx, issue, int(value[2:]))
        return
    if conv.step == "text":
        text = value.strip()
        if not text:
            await flow.reask(ctx, conv, ctx.t("act.empty_text"))
            return
        if len(text) > TEXT_LIMIT:
            await flow.reask(ctx, conv, ctx.t("error.too_long", limit=TEXT_LIMIT))
            return
        d["text"] = text
        if action == "resolve" and not d.get("attachments") and not d.get("asked_evidence"):
            d["asked_evidence"] = True
            await flow.goto(ctx, conv, "evidence")
            return
        await flow.finish(ctx, conv)
        await _perform(ctx, issue, action, text, d.get("attachments", []))
    elif conv.step == "evidence":
        if value == "add":
            await flow.goto(ctx, conv, "files")
        else:
            await flow.finish(ctx, conv)
            await _perform(ctx, issue, "resolve", d["text"], d.get("attachments", []))
    elif conv.step == "files":
        if value == "_done":
            await flow.finish(ctx, conv)
            await _perform(ctx, issue, "resolve", d["text"], d.get("attachments", []))
        else:
            await flow.reask(ctx, conv, ctx.t("act.ask_evidence_files"))
    elif conv.step == "reply":
        if value not in d["offers"]:
            await flow.reask(ctx, conv, ctx.t("error.bad_button"))
            return
        d["action"] = {"resolve": "resolve", "internal": "comment", "update": "update", "progress": "progress",
                       "propose": "propose"}[value]  # fmt: skip
        if d["action"] == "resolve" and not d.get("attachments"):
            d["asked_evidence"] = True
            await flow.goto(ctx, conv, "evidence")
            return
        await flow.finish(ctx, conv)
        await _perform(ctx, issue, d["action"], d["text"], d.get("attachments", []))


async def _perform(
    ctx: Context, issue: iss.Issue, action: str, text: str, attachments: list[dict[str, Any]]
) -> None:
    if action == "resolve":
        await resolve(ctx, issue, text, attachments)
    elif action == "comment":
        await comment(ctx, issue, text, attachments, shared=False)
    elif action == "update":
        await comment(ctx, issue, text, attachments, shared=True)
    elif action == "reopen":
        await reopen(ctx, issue, text)
    elif action == "close":
        await close_without_action(ctx, issue, text)
    elif action == "progress":
        await progress(ctx, issue, text, attachments)
    elif action == "propose":
        await propose(ctx, issue, text, attachments)
    elif action == "sendback":
        await send_back(ctx, issue, text)
    elif action == "dup":
        target = _number(text)
        if target is None:
            ctx.reply(ctx.t("act.usage", command="dup", more=ctx.t("act.usage_dup")))
            return
        await mark_duplicate(ctx, issue, target)


async def _act_media(ctx: Context, conv: Conversation) -> bool:
    inc = ctx.incoming
    if inc.kind != "media":
        return False
    conv.data.setdefault("attachments", []).extend(attachment_dicts(inc.attachments))
    if conv.step == "files":
        group = inc.media_group
        groups = conv.data.setdefault("groups", [])
        await save_conversation(ctx.tx, conv, ctx.now, bump=False)
        if group and group in groups:
            return True
        if group:
            groups.append(group)
            await save_conversation(ctx.tx, conv, ctx.now, bump=False)
        ctx.reply(
            ctx.t("report.noted_media", count=len(conv.data["attachments"])),
            choices=flow.render_choices(conv),
        )
        return True
    if conv.step == "text" and inc.text.strip():
        await _act_answer(ctx, conv, inc.text)
        return True
    await flow.reask(ctx, conv, ctx.t("report.kept_media"))
    return True


flow.register(flow.Flow("act", _act_ask, _act_answer, _act_media))


# ---------------------------------------------------------------------------------------------- commands


async def _with_issue(ctx: Context, command: str, needs_text: bool) -> tuple[iss.Issue, str] | None:
    args = ctx.incoming.args.strip()
    number = _number(args)
    rest = args.split(maxsplit=1)[1].strip() if len(args.split(maxsplit=1)) == 2 else ""
    if number is None or (needs_text and not rest):
        more = ctx.t("act.usage_dup") if command == "dup" else (ctx.t("act.usage_text") if needs_text else "")
        ctx.reply(ctx.t("act.usage", command=command, more=more))
        return None
    issue = await load_for(ctx, number)
    return (issue, rest) if issue is not None else None


async def cmd_resolve(ctx: Context) -> None:
    got = await _with_issue(ctx, "resolve", True)
    if got is not None and await _check(ctx, got[0], "resolve"):
        await flow.start(ctx, "act", "evidence", {"action": "resolve", "issue_id": got[0].id, "text": got[1],
                                                  "attachments": [], "asked_evidence": True})  # fmt: skip


async def cmd_comment(ctx: Context) -> None:
    got = await _with_issue(ctx, "comment", True)
    if got is not None:
        issue, text = got
        if issue.assignee_id == ctx.member.id and not await access.leads(
            ctx.tx, ctx.settings, ctx.member, issue
        ):
            await progress(ctx, issue, text, [])
        else:
            await comment(ctx, issue, text, [], shared=False)


async def cmd_reopen(ctx: Context) -> None:
    got = await _with_issue(ctx, "reopen", True)
    if got is not None:
        await reopen(ctx, got[0], got[1])


async def cmd_dup(ctx: Context) -> None:
    got = await _with_issue(ctx, "dup", True)
    if got is not None:
        target = _number(got[1])
        if target is None:
            ctx.reply(ctx.t("act.usage", command="dup", more=ctx.t("act.usage_dup")))
            return
        await mark_duplicate(ctx, got[0], target)


async def cmd_assign(ctx: Context) -> None:
    got = await _with_issue(ctx, "assign", False)
    if got is not None and await _check(ctx, got[0], "assign"):
        await flow.start(ctx, "act", "assign", {"action": "assign", "issue_id": got[0].id, "page": 0})


# ---------------------------------------------------------------------------------------------- replies


def _split_number(text: str) -> tuple[int | None, str]:
    """A leading issue number, as in "12: text" or "#12 text" -> (12, "text"); none -> (None, text)."""
    head, _, rest = text.strip().partition(" ")
    head = head.rstrip(":.,").lstrip("#")
    if head.isdigit() and len(head) < 10:
        return int(head), rest.strip().lstrip(":").strip()
    if ":" in text:
        left, _, right = text.partition(":")
        if left.strip().lstrip("#").isdigit():
            return int(left.strip().lstrip("#")), right.strip()
    return None, text.strip()


async def _reply_offers(ctx: Context, issue: iss.Issue) -> list[str]:
    offers = []
    if await access.leads(ctx.tx, ctx.settings, ctx.member, issue):
        if issue.state in access.LEADER_ACTIONS["resolve"]:
            offers.append("resolve")
        if issue.state in access.LEADER_ACTIONS["comment"]:
            offers += ["internal", "update"]
    elif issue.assignee_id == ctx.member.id and issue.state in access.ASSIGNEE_ACTIONS["progress"]:
        offers += ["progress", "propose"]
    return offers


async def on_reply(ctx: Context) -> bool:
    """A leader's or assignee's reply to a message about an issue: offer what to do with it. A reply to a
    message about several issues (a digest) names one by its number, or is asked which."""
    inc = ctx.incoming
    ids = await list_sent_issue_ids(ctx.tx, inc.channel, inc.chat_id, inc.reply_to)
    if not ids:
        return False
    text, attachments = inc.text.strip(), attachment_dicts(inc.attachments)
    if len(ids) > 1:
        number, rest = _split_number(text)
        if number is not None and number in ids:
            ids, text = [number], rest
    if len(ids) > 1:
        if ctx.member.role not in ("leader", "admin"):
            return False
        data = {
            "action": "reply",
            "issue_id": ids[0],
            "candidates": ids,
            "text": text,
            "attachments": attachments,
        }
        await flow.start(ctx, "act", "which", data)
        return True
    issue = await iss.get_issue(ctx.tx, ids[0])
    if issue is None:
        return False
    offers = await _reply_offers(ctx, issue)
    if not offers or (not text and not attachments):
        return False
    data = {
        "action": "reply",
        "issue_id": issue.id,
        "text": text,
        "attachments": attachments,
        "offers": offers,
    }
    await flow.start(ctx, "act", "reply", data)
    return True
