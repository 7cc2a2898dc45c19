"""Every action on an issue, whichever way it was asked for (button, command or reply).

Each re-reads the actor's rights on the server; state changes are conditional updates, so of two leaders
acting at once one wins and the other is told."""

from __future__ import annotations

from typing import Any

from bot.core.buttons import IssueAction, IssueButton, encode
from bot.core.messages import Attachment, Choice, Outgoing
from bot.core.texts import t
from handlers import access
from handlers.context import Context
from handlers.filing import deadlines
from handlers.leaders.notices import held_until, notify, notify_reporters, send_cards
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit


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


async def check(ctx: Context, issue: iss.Issue, action: str) -> bool:
    if not await access.can(ctx.tx, ctx.settings, ctx.member, issue, action):
        ctx.reply(ctx.t("issue.not_found", number=issue.id))
        return False
    states = access.LEADER_ACTIONS.get(action) or access.ASSIGNEE_ACTIONS.get(action, ())
    if issue.state not in states:
        ctx.reply(ctx.t("act.not_allowed", number=issue.id, state=ctx.t(f"state.{issue.state}")))
        return False
    return True


async def acknowledge(ctx: Context, issue: iss.Issue) -> None:
    if not await check(ctx, issue, "ack"):
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
        await notify_reporters(ctx, issue, "notice.acknowledged")


async def assign(ctx: Context, issue: iss.Issue, assignee_id: int, agency: str = "") -> None:
    if not await check(ctx, issue, "assign"):
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
        await notify_reporters(ctx, issue, "notice.assigned")


def _confirm_sent(ctx: Context, issue: iss.Issue, key: str, count: int) -> None:
    """Tell the leader who was told: "sent", or "will go at 07:00" while quiet hours hold the notices."""
    held = held_until(ctx) if count else ""
    if held:
        ctx.reply(ctx.t(f"{key}_held", number=issue.id, count=count, time=held), issue_id=issue.id)
    else:
        ctx.reply(ctx.t(key, number=issue.id, count=count), issue_id=issue.id)


async def resolve(ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]]) -> None:
    if not await check(ctx, issue, "resolve"):
        return
    entry = await _change_state(
        ctx, issue, "resolve", "resolved", body=text, shared=True, resolution=text, resolved_at=ctx.now
    )
    if entry is None:
        return
    for a in attachments:
        await iss.add_attachment(ctx.tx, issue.id, ctx.now, entry_id=entry, **a)
    evidence = [Attachment(**a) for a in attachments if a.get("file_ref")]
    count = await notify_reporters(ctx, issue, "notice.resolved", attachments=evidence, resolution=text)
    _confirm_sent(ctx, issue, "act.resolved", count)


async def comment(
    ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]], *, shared: bool
) -> None:
    action = "update" if shared else "comment"
    if not await check(ctx, issue, action):
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
    count = await notify_reporters(ctx, issue, "notice.update", attachments=evidence, text=text)
    _confirm_sent(ctx, issue, "act.updated", count)


async def progress(ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]]) -> None:
    if not await check(ctx, issue, "progress"):
        return
    entry = await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "progress", actor_id=ctx.member.id, body=text
    )
    for a in attachments:
        await iss.add_attachment(ctx.tx, issue.id, ctx.now, entry_id=entry, **a)
    ctx.reply(ctx.t("act.progress_noted", number=issue.id), issue_id=issue.id)


async def propose(ctx: Context, issue: iss.Issue, text: str, attachments: list[dict[str, Any]]) -> None:
    if not await check(ctx, issue, "propose"):
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
            urgent=issue.severity == "urgent", protect_content=access.protected(ctx.settings, issue),
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
            protect_content=access.protected(ctx.settings, issue),
        )
    ctx.reply(ctx.t("act.sent_back", number=issue.id), issue_id=issue.id)


async def reopen(ctx: Context, issue: iss.Issue, reason: str) -> None:
    if not await check(ctx, issue, "reopen"):
        return
    # fresh deadlines from the reopening, by severity as at filing; escalation (keyed on the deadline) starts over
    ack_due, handle_due = deadlines(ctx.settings, ctx.calendar, issue.severity, ctx.now)
    changed = await _change_state(
        ctx, issue, "reopen", "reopened", body=reason, shared=True, closed_at=None, resolved_at=None,
        ack_due_at=ack_due, handle_due_at=handle_due,
    )  # fmt: skip
    if changed is None:
        return
    ctx.reply(ctx.t("act.reopened", number=issue.id), issue_id=issue.id)


async def close_without_action(ctx: Context, issue: iss.Issue, reason: str) -> None:
    if not await check(ctx, issue, "close"):
        return
    if (
        await _change_state(
            ctx, issue, "close", "closed_without_action", body=reason, shared=True, closed_at=ctx.now
        )
        is None
    ):
        return
    await notify_reporters(ctx, issue, "notice.closed_without_action", reason=reason)
    ctx.reply(ctx.t("act.closed", number=issue.id), issue_id=issue.id)


async def mark_duplicate(ctx: Context, issue: iss.Issue, target_number: int) -> None:
    if not await check(ctx, issue, "dup"):
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
    seen: set[int] = {issue.id}
    current: iss.Issue | None = target
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
                 lambda lang: t(lang, "notice.duplicate", number=issue.id, target=target.id), issue_id=target.id,
                 protect_content=access.protected(ctx.settings, issue))  # fmt: skip
    ctx.reply(ctx.t("act.duplicate", number=issue.id, target=target.id), issue_id=issue.id)


async def move(ctx: Context, issue: iss.Issue, unit_id: int) -> None:
    if not await check(ctx, issue, "move"):
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
