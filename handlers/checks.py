"""The reporters' answer to "is it really resolved?", and the admins' list of members the bot cannot reach."""

from __future__ import annotations

from bot.core.buttons import Action, CheckButton
from bot.core.texts import t
from handlers import access, leaders
from handlers.context import Context
from handlers.filing import deadlines
from storage import followups as fu
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.outbox import list_unreachable_chats


async def on_action(ctx: Context, button: Action) -> bool:
    """The answer to a resolution check; False if the button is not ours."""
    if not isinstance(button, CheckButton):
        return False
    issue_id, answer = button.issue_id, button.answer
    issue = await iss.get_issue(ctx.tx, issue_id)
    if issue is None or issue.state != "resolved" or issue.resolved_at is None:
        ctx.reply(ctx.t("check.not_open", number=issue_id))
        return True
    if not await fu.answer_check(ctx.tx, issue.id, ctx.member.id, issue.resolved_at, answer, ctx.now):
        ctx.reply(ctx.t("check.not_open", number=issue_id))  # not asked of this member, or answered already
        return True
    label = t(ctx.settings.language, f"check.{answer}")
    await iss.add_thread_entry(
        ctx.tx,
        issue.id,
        ctx.now,
        "check",
        actor_id=ctx.member.id,
        body=t(ctx.settings.language, "check.entry", answer=label),
    )
    await add_audit(
        ctx.tx, ctx.now, f"member:{ctx.member.id}", "issue.check", f"issue:{issue.id}", answer=answer
    )
    if answer != "resolved":
        # reopened: a fresh handling time from now, by severity as at filing; escalation (keyed on the
        # deadline) starts over with it
        ack_due, handle_due = deadlines(ctx.settings, ctx.calendar, issue.severity, ctx.now)
        await iss.update_issue(
            ctx.tx, issue.id, ctx.now, expect_states=("resolved",), state="reopened", resolved_at=None,
            ack_due_at=ack_due, handle_due_at=handle_due,
        )  # fmt: skip
        await iss.add_thread_entry(
            ctx.tx, issue.id, ctx.now, "state", actor_id=ctx.member.id, from_state="resolved", to_state="reopened",
            body=label, shared=True,
        )  # fmt: skip
        chiefs = [m for m in await access.owning_leaders(ctx.tx, issue.owner_unit_id)
                  if await access.leads(ctx.tx, ctx.settings, m, issue)]  # fmt: skip
        fresh = await iss.get_issue(ctx.tx, issue.id)
        assert fresh is not None
        for chief in chiefs:
            await leaders.send_cards(
                ctx, [chief], fresh, "check.reopened_alert", False,
                number=issue.id, title=issue.title, answer=t(chief.language, f"check.{answer}"),
            )  # fmt: skip
        ctx.reply(ctx.t("check.thanks_reopened", number=issue.id))
        return True
    checks = await fu.list_checks(ctx.tx, issue.id, issue.resolved_at)
    if all(c.answer == "resolved" for c in checks):
        if await iss.update_issue(
            ctx.tx, issue.id, ctx.now, expect_states=("resolved",), state="closed", closed_at=ctx.now
        ):
            await iss.add_thread_entry(
                ctx.tx, issue.id, ctx.now, "state", from_state="resolved", to_state="closed"
            )
        ctx.reply(ctx.t("check.thanks_closed", number=issue.id))
        return True
    ctx.reply(ctx.t("check.thanks"))
    return True


async def cmd_unreachable(ctx: Context) -> None:
    if ctx.member.role != "admin":
        ctx.reply(ctx.t("error.unknown_command", command="unreachable"))
        return
    blocked = {(c, chat): reason for c, chat, _, reason in await list_unreachable_chats(ctx.tx)}
    units = {u.id: u.name for u in await un.list_units(ctx.tx, active_only=False)}
    lines = []
    for m in await mem.list_members(ctx.tx, active_only=True, unreachable_only=True):
        idents = await mem.list_identities(ctx.tx, m.id)
        why = "never_joined" if not idents else "blocked"
        if idents and not any((i.channel, i.chat_id) in blocked for i in idents):
            continue
        lines.append(
            ctx.t(
                "unreachable.line",
                name=m.name,
                unit=units.get(m.unit_id, "?"),
                reason=ctx.t(f"unreachable.{why}"),
            )
        )
    if not lines:
        ctx.reply(ctx.t("unreachable.none"))
        return
    ctx.reply("\n".join([ctx.t("unreachable.header", count=len(lines)), *lines]))
