"""The leaders' commands and stateless buttons (issue buttons and list pages, see ``bot.core.buttons``)."""

from __future__ import annotations

from bot.core.buttons import Action, IssueButton, ListPage
from handlers import access, flow
from handlers.context import Context
from handlers.leaders import actions as act
from handlers.leaders import evidence, extension
from handlers.leaders.card import show_card, show_more
from handlers.leaders.common import first_number, issue_argument, load_for
from handlers.leaders.lists import show_list
from storage import issues as iss

TEXT_ACTIONS = ("comment", "resolve", "reopen", "close", "dup", "progress", "propose")


async def on_action(ctx: Context, button: Action) -> bool:
    """An issue's buttons, the pages of the lists, and the answers to extension requests; False if the
    button is not ours."""
    if await extension.on_action(ctx, button):
        return True
    if isinstance(button, ListPage):
        if ctx.member.role not in ("leader", "admin"):
            return False
        await show_list(ctx, button.kind, button.page)
        return True
    if not isinstance(button, IssueButton):
        return False
    issue = await load_for(ctx, button.issue_id)
    if issue is not None:
        await _on_issue_button(ctx, issue, button.action, button.page)
    return True


async def _on_issue_button(ctx: Context, issue: iss.Issue, action: str, page: int | None) -> None:
    if action == "card":
        await show_card(ctx, issue)
    elif action == "more":
        await show_more(ctx, issue, page or 1)
    elif action == "ack":
        await act.acknowledge(ctx, issue)
    elif action == "extend":
        await extension.start_request(ctx, issue)
    elif action == "files":
        await evidence.send_evidence(ctx, issue)
    elif action == "confirm":
        if await act.check(ctx, issue, "confirm"):
            await act.confirm_proposal(ctx, issue)
    elif action == "sendback":
        if await act.check(ctx, issue, "confirm"):
            await flow.start(
                ctx, "act", "text", {"action": "sendback", "issue_id": issue.id, "attachments": []}
            )
    elif action in ("assign", "move"):
        if await act.check(ctx, issue, action):
            await flow.start(ctx, "act", action, {"action": action, "issue_id": issue.id, "page": 0})
    elif action in TEXT_ACTIONS:
        if await act.check(ctx, issue, action):
            await flow.start(ctx, "act", "text", {"action": action, "issue_id": issue.id, "attachments": []})
    else:
        ctx.reply(ctx.t("error.bad_button"))


async def _with_issue(ctx: Context, command: str, needs_text: bool) -> tuple[iss.Issue, str] | None:
    args = ctx.incoming.args.strip()
    more = ctx.t("act.usage_dup") if command == "dup" else (ctx.t("act.usage_text") if needs_text else "")
    usage = ctx.t("act.usage", command=command, more=more)
    number = await issue_argument(ctx, args, usage=usage)
    if number is None:
        return None
    rest = args.split(maxsplit=1)[1].strip() if len(args.split(maxsplit=1)) == 2 else ""
    if needs_text and not rest:
        ctx.reply(usage)
        return None
    issue = await load_for(ctx, number)
    return (issue, rest) if issue is not None else None


async def cmd_resolve(ctx: Context) -> None:
    got = await _with_issue(ctx, "resolve", True)
    if got is not None and await act.check(ctx, got[0], "resolve"):
        await flow.start(ctx, "act", "evidence", {"action": "resolve", "issue_id": got[0].id, "text": got[1],
                                                  "attachments": [], "asked_evidence": True})  # fmt: skip


async def cmd_comment(ctx: Context) -> None:
    got = await _with_issue(ctx, "comment", True)
    if got is not None:
        issue, text = got
        if issue.assignee_id == ctx.member.id and not await access.leads(
            ctx.tx, ctx.settings, ctx.member, issue
        ):
            await act.progress(ctx, issue, text, [])
        else:
            await act.comment(ctx, issue, text, [], shared=False)


async def cmd_reopen(ctx: Context) -> None:
    got = await _with_issue(ctx, "reopen", True)
    if got is not None:
        await act.reopen(ctx, got[0], got[1])


async def cmd_dup(ctx: Context) -> None:
    got = await _with_issue(ctx, "dup", True)
    if got is not None:
        target = first_number(got[1])
        if target is None:
            ctx.reply(ctx.t("act.usage", command="dup", more=ctx.t("act.usage_dup")))
            return
        await act.mark_duplicate(ctx, got[0], target)


async def cmd_assign(ctx: Context) -> None:
    got = await _with_issue(ctx, "assign", False)
    if got is not None and await act.check(ctx, got[0], "assign"):
        await flow.start(ctx, "act", "assign", {"action": "assign", "issue_id": got[0].id, "page": 0})
