"""The entry point of every event: who is this, what are they in the middle of, what did they ask."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.buttons import Action, UnreadableIssue, decode
from bot.core.messages import Outgoing
from bot.core.texts import all_labels
from handlers import (
    announce,
    briefing,
    checks,
    flow,
    groups,
    leaders,
    mine,
    onboarding,
    polls,
    report,
    rounds,
    selfservice,
)
from handlers.choose import fold
from handlers.context import Context
from handlers.numbers import looks_like_number, parse_issue_number
from handlers.people import MENU_COMMANDS, ROLE_COMMANDS
from storage.members import get_member_by_identity

Command = Callable[[Context], Awaitable[None]]

COMMANDS: dict[str, Command] = {
    "start": onboarding.cmd_start,
    "help": onboarding.cmd_help,
    "me": onboarding.cmd_me,
    "language": onboarding.cmd_language,
    "invite": onboarding.cmd_invite,
    "report": report.cmd_report,
    "practice": report.cmd_practice,
    "my": mine.cmd_my,
    "add": mine.cmd_add,
    "withdraw": mine.cmd_withdraw,
    "issue": leaders.cmd_issue,
    "open": leaders.cmd_open,
    "overdue": leaders.cmd_overdue,
    "find": leaders.cmd_find,
    "resolve": leaders.cmd_resolve,
    "assign": leaders.cmd_assign,
    "comment": leaders.cmd_comment,
    "reopen": leaders.cmd_reopen,
    "dup": leaders.cmd_dup,
    "extend": leaders.cmd_extend,
    "unreachable": checks.cmd_unreachable,
    "round": rounds.cmd_round,
    "topics": rounds.cmd_topics,
    "link": onboarding.cmd_link,
    "channel": onboarding.cmd_channel,
    "briefing": briefing.cmd_briefing,
    "phone": selfservice.cmd_phone,
    "leave": selfservice.cmd_leave,
    "poll": polls.cmd_poll,
    "announce": announce.cmd_announce,
    "group": groups.cmd_group,
}
# commands that make sense in the middle of a conversation (the others ask to finish or /cancel it first)
MID_FLOW = {
    "start",
    "help",
    "me",
    "my",
    "report",
    "practice",
    "issue",
    "open",
    "overdue",
    "find",
    "round",
    "briefing",
}


async def handle(ctx: Context) -> None:
    inc = ctx.incoming
    if inc.chat_type != "private":
        await groups.handle(ctx, COMMANDS)  # a unit's leaders' group; silent for anyone else
        return
    member = await get_member_by_identity(ctx.tx, inc.channel, inc.sender_id)
    if member is not None:
        ctx.member = member
        ctx.lang = member.language
    if inc.kind == "choice" and inc.source_message:
        # the tapped message's buttons are spent, whatever the outcome
        ctx.send(Outgoing(chat_id=inc.chat_id, clear_choices_of=inc.source_message, channel=inc.channel))
    if inc.kind == "edited":
        ctx.reply(ctx.t("error.edited"))
        return
    if member is None:
        await onboarding.stranger(ctx)
        return
    if not member.active:
        ctx.reply(ctx.t("member.inactive"))
        return
    if inc.kind == "command":
        await _command(ctx)
        return
    if inc.kind == "choice" and inc.choice.startswith("a:"):
        button = decode(inc.choice)
        if isinstance(button, UnreadableIssue):
            ctx.reply(ctx.t("issue.not_found", number="?"))
            return
        handled = isinstance(button, Action) and (
            await mine.on_action(ctx, button)
            or await leaders.on_action(ctx, button)
            or await checks.on_action(ctx, button)
            or await rounds.on_action(ctx, button)
            or await selfservice.on_action(ctx, button)
            or await polls.on_action(ctx, button)
            or await announce.on_action(ctx, button)
        )
        if not handled:
            ctx.reply(ctx.t("error.bad_button"))
        return
    conv = await flow.current(ctx)
    if (
        inc.reply_to
        and inc.kind in ("text", "media")
        and (conv is None or conv.flow not in ("report", "add", "act"))
    ):
        if await leaders.on_reply(ctx) or await mine.on_reply(ctx):
            return
        if conv is None:
            ctx.reply(ctx.t("reply.no_issue"))
            return
    if conv is not None:
        command = _menu_command(inc.text) if inc.kind == "text" else None
        if command is not None and command in ROLE_COMMANDS[member.role]:
            # a main-menu button pressed mid-conversation is that command, not an answer to the step
            if command in MID_FLOW:
                await COMMANDS[command](ctx)
            else:
                await flow.reask(ctx, conv, ctx.t("flow.busy"))
            return
        await flow.on_event(ctx, conv)
        return
    if inc.kind == "choice":
        ctx.reply(ctx.t("error.stale_button"))
        return
    if inc.kind == "text":
        command = _menu_command(inc.text)
        if command is not None and command in ROLE_COMMANDS[member.role]:
            await COMMANDS[command](ctx)
            return
        ctx.reply(ctx.t("error.not_understood"))
        return
    if inc.kind in ("media", "location"):
        ctx.reply(ctx.t("error.not_expected_media"))
        return
    ctx.reply(ctx.t("error.unsupported"))


async def _command(ctx: Context) -> None:
    inc = ctx.incoming
    member = ctx.member
    if inc.command == "cancel":
        conv = await flow.current(ctx)
        if conv is None:
            ctx.reply(ctx.t("flow.nothing_to_cancel"))
        else:
            await flow.cancel(ctx, conv)
        return
    if inc.command.startswith("issue_") and looks_like_number(inc.command[6:]):  # the tap target /issue_12
        number = parse_issue_number(inc.command[6:])
        if number is None:
            ctx.reply(ctx.t("issue.not_found", number="?"))
        else:
            await leaders.cmd_issue(ctx, number)
        return
    handler = COMMANDS.get(inc.command)
    if handler is None or inc.command not in ROLE_COMMANDS[member.role]:
        ctx.reply(ctx.t("error.unknown_command", command=inc.command[:32]))
        return
    if inc.command not in MID_FLOW:
        conv = await flow.current(ctx)
        if conv is not None:
            await flow.reask(ctx, conv, ctx.t("flow.busy"))
            return
    await handler(ctx)


def _menu_command(text: str) -> str | None:
    typed = fold(text)
    for key, command in MENU_COMMANDS.items():
        if typed in {fold(label) for label in all_labels(key)}:
            return command
    return None
