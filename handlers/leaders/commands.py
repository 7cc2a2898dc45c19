"""The leaders' commands and stateless buttons (issue buttons and list pages, see ``bot.core.buttons``)."""

from __future__ import annotations

from bot.core.buttons import Action, IssueButton, ListPage
from handlers import access, flow
from handlers.context import Context
from handlers.drafts import ActDraft
from handlers.leaders import actions as act
from handlers.leaders import evidence, extension
from handlers.leaders.card import show_card, show_more
from handlers.leaders.common import first_number, issue_argument, load_for
from handlers.leaders.lists import show_list
from handlers.leaders.refresh import keep_buttons, refresh_card, tapped
from storage import issues as iss

TEXT_ACTIONS = ("comment", "resolve", "reopen", "close", "dup", "progress", "propose", "sendback")
BUTTON_ACTIONS = ("ack", "extend", "confirm", "assign", "move", *TEXT_ACTIONS)


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
    """An issue's button. An action done at once ends with the tapped message edited into the current card
    (refused or not: the card shows where the issue stands); one that asks first (a text, an assignee)
    leaves the tapped message's buttons live and refreshes the card when it completes."""
    if action == "card":
        await show_card(ctx, issue)
    elif action == "more":
        await show_more(ctx, issue, page or 1)
    elif action == "files":
        await evidence.send_evidence(ctx, issue)
        keep_buttons(ctx)  # the tapped card stays as it is, its buttons live
    elif action not in BUTTON_ACTIONS:
        ctx.reply(ctx.t("error.bad_button"))
    elif await _start_or_act(ctx, issue, action):
        keep_buttons(ctx)
    elif issue.assignee_id == ctx.member.id or await access.leads(ctx.tx, ctx.settings, ctx.member, issue):
        await refresh_card(ctx, issue.id, tapped(ctx))  # not for a reporter told "not found" by a forged tap


async def _start_or_act(ctx: Context, issue: iss.Issue, action: str) -> bool:
    """Do the button's action, or start the conversation it needs; True if a conversation started."""
    if action == "ack":
        await act.acknowledge(ctx, issue)
        return False
    if action == "extend":
        return await extension.start_request(ctx, issue, card_message=tapped(ctx))
    if action == "confirm":
        if await act.check(ctx, issue, "confirm"):
            await act.confirm_proposal(ctx, issue)
        return False
    check_as = "confirm" if action == "sendback" else action
    if not await act.check(ctx, issue, check_as):
        return False
    draft = ActDraft(action, issue.id, card_message=tapped(ctx))
    await flow.start(ctx, "act", action if action in ("assign", "move") else "text", draft)
    return True


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
        draft = ActDraft("resolve", got[0].id, got[1], asked_evidence=True)
        await flow.start(ctx, "act", "evidence", draft)


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
        await flow.start(ctx, "act", "assign", ActDraft("assign", got[0].id))
