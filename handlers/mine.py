"""The member's own view: /my with each issue's shared thread, adding to an own issue, withdrawing."""

from __future__ import annotations

from bot.core.buttons import Action, MyIssue, MyPage, encode
from bot.core.messages import Choice
from handlers import access, flow
from handlers.attachments import attachment_dicts
from handlers.context import Context
from handlers.drafts import AddDraft, draft_of
from handlers.numbers import looks_like_number, parse_issue_number
from handlers.report import ENDED_STATES
from storage import issues as iss
from storage import units as un
from storage.audit import add_audit
from storage.conversations import Conversation
from storage.outbox import get_sent_reference

PAGE = 5
THREAD_SHOWN = 10


async def _number_or_answer(ctx: Context, usage_key: str) -> int | None:
    """The issue number the command starts with; else its usage (nothing given) or "no such issue"."""
    words = ctx.incoming.args.split(maxsplit=1)
    if not words:
        ctx.reply(ctx.t(usage_key))
        return None
    number = parse_issue_number(words[0])
    if number is None:
        ctx.reply(ctx.t("issue.not_found", number="?") if looks_like_number(words[0]) else ctx.t(usage_key))
    return number


async def may_follow(ctx: Context, issue: iss.Issue) -> bool:
    """A member adds to an issue they reported (even if withdrawn) or are assigned to."""
    view = await access.view_of(ctx.tx, ctx.settings, ctx.member, issue)
    if view is None:
        return False
    if view.full:  # a leader who also reported it (a full view does not look that up)
        return view.assignee or any(
            r.member_id == ctx.member.id for r in await iss.list_reports(ctx.tx, issue.id)
        )
    return view.assignee or view.reporter


async def cmd_my(ctx: Context, page: int = 0) -> None:
    total = await iss.count_member_reports(ctx.tx, ctx.member.id)
    if total == 0:
        ctx.reply(ctx.t("my.none"))
        return
    pages = (total + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    rows = await iss.list_member_reports(ctx.tx, ctx.member.id, limit=PAGE, offset=page * PAGE)
    choices = []
    for r in rows:
        cat = ctx.settings.category(r.category)
        label = ctx.t(
            "my.line",
            number=r.issue_id,
            category=cat.label(ctx.lang) if cat else r.category,
            state=ctx.t(f"state.{r.state}"),
        )
        choices.append([Choice(label, encode(MyIssue(r.issue_id)))])
    nav = []
    if page > 0:
        nav.append(Choice(ctx.t("units.prev"), encode(MyPage(page - 1))))
    if page + 1 < pages:
        nav.append(Choice(ctx.t("units.more"), encode(MyPage(page + 1))))
    if nav:
        choices.append(nav)
    ctx.reply(ctx.t("my.header", page=page + 1, pages=pages), choices=choices)


async def show_thread(ctx: Context, issue_id: int) -> None:
    """The issue's thread as the member may read it (``access.View``), the latest entries first shown last."""
    issue = await iss.get_issue(ctx.tx, issue_id)
    view = await access.view_of(ctx.tx, ctx.settings, ctx.member, issue) if issue is not None else None
    if issue is None or view is None:
        ctx.reply(ctx.t("issue.not_found", number=issue_id))
        return
    entries = view.entries(await iss.list_thread(ctx.tx, issue.id))
    unit = await un.get_unit(ctx.tx, issue.about_unit_id)
    cat = ctx.settings.category(issue.category)
    lines = [
        ctx.t(
            "my.thread_header",
            number=issue.id,
            title=access.title_for(ctx.settings, ctx.lang, issue, view),
            category=cat.label(ctx.lang) if cat else issue.category,
            unit=unit.name if unit else "?",
            state=ctx.t(f"state.{issue.state}"),
        ),
        "",
    ]
    tz = ctx.settings.tz
    shown = entries[-THREAD_SHOWN:]
    for e in shown:
        lines.append(
            ctx.t(
                "my.thread_line",
                date=e.at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                text=describe_entry(ctx, e, view),
            )
        )
    if not shown:
        lines.append(ctx.t("my.thread_empty"))
    msg = ctx.reply("\n".join(lines), issue_id=issue.id)
    msg.protect_content = access.protected(ctx.settings, issue)  # the thread never shows a citizen


def describe_entry(ctx: Context, e: iss.ThreadEntry, view: access.View) -> str:
    body = view.entry_body(e)
    if e.kind == "report":
        return ctx.t("entry.report")
    if e.kind == "addition":
        return ctx.t("entry.addition", body=body[:300])
    if e.kind == "withdrawn":
        return ctx.t("entry.withdrawn")
    if e.kind == "state" and e.to_state:
        text = ctx.t("entry.state", state=ctx.t(f"state.{e.to_state}"))
        return f"{text}. {body}" if body else text
    if e.kind == "extension":  # the new deadline, shared with the reporters
        return ctx.t("entry.extension", text=body[:300])
    return ctx.t("entry.comment", body=body[:500])


async def on_action(ctx: Context, button: Action) -> bool:
    """Stateless buttons of the member's view; False if the button is not ours."""
    if isinstance(button, MyIssue):
        await show_thread(ctx, button.issue_id)
        return True
    if isinstance(button, MyPage):
        await cmd_my(ctx, button.page)
        return True
    return False


# ---------------------------------------------------------------------------------------------- adding


async def _addable(ctx: Context, issue_id: int) -> iss.Issue | None:
    issue = await iss.get_issue(ctx.tx, issue_id)
    if issue is None or not await may_follow(ctx, issue):
        ctx.reply(ctx.t("issue.not_found", number=issue_id))
        return None
    if issue.state in ENDED_STATES:
        ctx.reply(ctx.t("issue.closed_for_additions", number=issue.id, state=ctx.t(f"state.{issue.state}")))
        return None
    return issue


async def add_to_issue(
    ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, object]]
) -> None:
    entry = await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "addition", actor_id=ctx.member.id, body=text, shared=True
    )
    for a in attachments:
        await iss.add_attachment(ctx.tx, issue.id, ctx.now, entry_id=entry, **a)  # type: ignore[arg-type]
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", "issue.add", f"issue:{issue.id}")
    ctx.reply(ctx.t("add.done", number=issue.id), issue_id=issue.id)


async def cmd_add(ctx: Context) -> None:
    number = await _number_or_answer(ctx, "add.usage")
    if number is None:
        return
    issue = await _addable(ctx, number)
    if issue is None:
        return
    rest = ctx.incoming.args.strip().split(maxsplit=1)
    if len(rest) == 2 and rest[1].strip():
        await add_to_issue(ctx, issue, rest[1].strip(), [])
        return
    await flow.start(ctx, "add", "collect", AddDraft(issue_id=issue.id))


async def on_reply(ctx: Context) -> bool:
    """A reply to a bot message about an issue adds to it; False if the replied message is about no issue."""
    inc = ctx.incoming
    ref = await get_sent_reference(ctx.tx, inc.channel, inc.chat_id, inc.reply_to)
    if ref is None or ref.issue_id is None:
        return False
    issue = await _addable(ctx, ref.issue_id)
    if issue is not None:
        await add_to_issue(ctx, issue, inc.text.strip(), attachment_dicts(inc.attachments))
    return True


async def _add_ask(ctx: Context, conv: Conversation) -> None:
    await flow.ask_options(
        ctx,
        conv,
        ctx.t("add.ask", number=draft_of(conv, AddDraft).issue_id),
        [(ctx.t("report.done"), "_done")],
        free_text=True,
    )


async def _add_answer(ctx: Context, conv: Conversation, value: str) -> None:
    d = draft_of(conv, AddDraft)
    if value != "_done":
        if value.strip():
            d.text.append(value.strip())
        await flow.save(ctx, conv, bump=False)
        ctx.reply(ctx.t("report.noted"), choices=flow.render_choices(conv))
        return
    await flow.finish(ctx, conv)
    if not d.text and not d.attachments:
        ctx.reply(ctx.t("add.nothing"))
        return
    issue = await _addable(ctx, d.issue_id)
    if issue is not None:
        await add_to_issue(ctx, issue, "\n".join(d.text), d.attachments)


async def _add_media(ctx: Context, conv: Conversation) -> bool:
    inc = ctx.incoming
    if inc.kind != "media":
        return False
    d = draft_of(conv, AddDraft)
    d.attachments += attachment_dicts(inc.attachments)
    if inc.text.strip():
        d.text.append(inc.text.strip())
    await flow.save(ctx, conv, bump=False)
    if not inc.media_group or inc.media_group not in d.groups:
        if inc.media_group:
            d.groups.append(inc.media_group)
            await flow.save(ctx, conv, bump=False)
        ctx.reply(
            ctx.t("report.noted_media", count=len(d.attachments)),
            choices=flow.render_choices(conv),
        )
    return True


flow.register(flow.Flow("add", _add_ask, _add_answer, _add_media))


# ---------------------------------------------------------------------------------------------- withdrawing


async def cmd_withdraw(ctx: Context) -> None:
    number = await _number_or_answer(ctx, "withdraw.usage")
    if number is None:
        return
    issue = await iss.get_issue(ctx.tx, number)
    reports = await iss.list_reports(ctx.tx, number) if issue else []
    mine = [r for r in reports if r.member_id == ctx.member.id and r.withdrawn_at is None]
    if issue is None or not mine:
        ctx.reply(ctx.t("issue.not_found", number=number))
        return
    window = ctx.settings.reports.withdraw_window_hours
    reporters = [r.member_id for r in reports]
    acted = await iss.count_leader_entries(ctx.tx, issue.id, reporters)
    report = mine[-1]
    if acted or issue.state != "new" or (ctx.now - report.created_at).total_seconds() > window * 3600:
        ctx.reply(ctx.t("withdraw.too_late", number=issue.id, hours=int(window)))
        return
    await iss.mark_report_withdrawn(ctx.tx, report.id, ctx.now)
    await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "withdrawn", actor_id=ctx.member.id, shared=True, report_id=report.id
    )
    if await iss.count_active_reports(ctx.tx, issue.id) == 0:
        await iss.set_issue_state(ctx.tx, issue.id, "withdrawn", ctx.now)
        await iss.add_thread_entry(
            ctx.tx,
            issue.id,
            ctx.now,
            "state",
            actor_id=ctx.member.id,
            from_state=issue.state,
            to_state="withdrawn",
        )
    await add_audit(
        ctx.tx, ctx.now, f"member:{ctx.member.id}", "report.withdraw", f"issue:{issue.id}", report=report.id
    )
    ctx.reply(ctx.t("withdraw.done", number=issue.id))
