"""Deadline extensions (gia hạn): the assignee, or a leader who leads the issue, asks for a later
handling deadline — “Xin gia hạn” on the card, or ``/extend N [dd/mm[/yyyy]] [reason]`` — with a date and a
reason; the owning unit's leaders (the nearest unit up the tree with a leader who leads the issue, the
requester left out) approve or refuse with one tap.

Every decision re-checks on the server who taps: a leader who leads the issue, not the requester; and a
request is decided once (a conditional update: of two leaders tapping at once, one decides and the other is
told). Approved: the handling deadline moves to the end of the working day asked for (office close, 17:00 by
default; a day off moves it to the next working day's close), a thread entry shared with the reporters
records it, the reporters are told “hạn xử lý mới: …”, and the follow-ups and escalation (keyed on the
deadline) start over. Refused: the requester is told; the deadline stays. The handling statistics still
count the deadline before the extension (``storage.extensions``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.core.buttons import Action, ExtensionAnswer, ExtensionButton, encode
from bot.core.messages import Choice, Outgoing
from bot.core.texts import for_channel, t
from handlers import access, flow
from handlers.context import Context
from handlers.drafts import ExtendDraft, draft_of
from handlers.leaders.actions import check
from handlers.leaders.common import fmt_time, issue_argument, load_for
from handlers.leaders.notices import held_until, notify, notify_reporters
from handlers.leaders.refresh import after_conversation, refresh_card, tapped
from storage import extensions as ext
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.conversations import Conversation
from storage.timeutil import from_ts, ts

MAX_DAYS = 90  # the furthest day an extension may reach, from today
REASON_LIMIT = 1000
_DAY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})(?:[/.-]([0-9]{4}))?")


# ---------------------------------------------------------------------------------------------- the date


def parse_day(text: str, today: date) -> date | None:
    """A day typed as dd/mm or dd/mm/yyyy ("." or "-" also separate; ASCII digits only); without a year, the
    next such day from today (this year's, else next year's). None if it is no date."""
    m = _DAY.fullmatch(text.strip())
    if m is None:
        return None
    day, month = int(m[1]), int(m[2])
    year = int(m[3]) if m[3] else today.year
    try:
        when = date(year, month, day)
        if m[3] is None and when < today:
            when = when.replace(year=year + 1)
    except ValueError:  # 31/02, or 29/02 moved to a year without it
        return None
    return when


def deadline_on(ctx: Context, day: date) -> datetime:
    """The end of the working day ``day`` (office close), or of the next working day if ``day`` is off."""
    return ctx.calendar.add_working_days(datetime.combine(day, time(), tzinfo=ctx.settings.tz), 0)


def example_day(ctx: Context, issue: iss.Issue) -> str:
    """A day to show in the examples: a week after the current deadline (or today, if that has passed)."""
    base = max(issue.handle_due_at, ctx.now).astimezone(ctx.settings.tz).date()
    return (base + timedelta(days=7)).strftime("%d/%m")


def new_deadline(ctx: Context, issue: iss.Issue, text: str) -> tuple[datetime | None, str]:
    """The deadline a typed day asks for, or None and the polite reason it cannot be."""
    today = ctx.now.astimezone(ctx.settings.tz).date()
    day = parse_day(text, today)
    if day is None:
        return None, ctx.t("extend.bad_date", text=text.strip()[:40], example=example_day(ctx, issue))
    last = today + timedelta(days=MAX_DAYS)
    if day > last:
        return None, ctx.t("extend.too_late", days=MAX_DAYS, last=last.strftime("%d/%m/%Y"))
    due = deadline_on(ctx, day)
    if due <= max(issue.handle_due_at, ctx.now):
        return None, ctx.t("extend.too_early", due=fmt_time(ctx, issue.handle_due_at))
    return due, ""


# ---------------------------------------------------------------------------------------------- asking


async def cmd_extend(ctx: Context) -> None:
    """``/extend N``, ``/extend N dd/mm`` or ``/extend N dd/mm reason``: what is missing is asked."""
    args = ctx.incoming.args.strip()
    example = (ctx.now + timedelta(days=7)).astimezone(ctx.settings.tz).strftime("%d/%m")
    usage = ctx.t("extend.usage", example=example)
    number = await issue_argument(ctx, args, usage=usage)
    if number is None:
        return
    issue = await load_for(ctx, number)
    if issue is None:
        return
    words = args.split(maxsplit=2)
    await start_request(ctx, issue, words[1] if len(words) > 1 else "", words[2] if len(words) > 2 else "")


async def start_request(
    ctx: Context, issue: iss.Issue, day_text: str = "", reason: str = "", *, card_message: str | None = None
) -> bool:
    """Ask for an extension of ``issue`` (the card's button, whose message is ``card_message``, or /extend
    with what was typed); True if a conversation started to ask what is missing."""
    if not await check(ctx, issue, "extend") or await _pending(ctx, issue):
        return False
    draft = ExtendDraft(issue.id, card_message=card_message)
    if not day_text:
        await flow.start(ctx, "extend", "date", draft)
        return True
    due, problem = new_deadline(ctx, issue, day_text)
    if due is None:
        ctx.reply(problem)
        await flow.start(ctx, "extend", "date", draft)
        return True
    if not reason.strip():
        draft.due = ts(due)
        await flow.start(ctx, "extend", "reason", draft)
        return True
    await submit(ctx, issue, due, reason.strip()[:REASON_LIMIT])
    return False


async def _pending(ctx: Context, issue: iss.Issue) -> bool:
    """A request already waiting for this issue: say so (one at a time)."""
    pending = await ext.get_pending_extension_request(ctx.tx, issue.id)
    if pending is not None:
        ctx.reply(ctx.t("extend.pending", number=issue.id, due=fmt_time(ctx, pending.new_due_at),
                        asked=fmt_time(ctx, pending.requested_at)))  # fmt: skip
    return pending is not None


async def _ask(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, ExtendDraft)
    issue = await iss.get_issue(ctx.tx, d.issue_id)
    assert issue is not None  # an issue is never deleted
    if conv.step == "date":
        prompt = ctx.t("extend.ask_date", number=issue.id, due=fmt_time(ctx, issue.handle_due_at),
                       example=example_day(ctx, issue))  # fmt: skip
    else:
        due = from_ts(d.due)
        assert due is not None
        prompt = ctx.t("extend.ask_reason", due=fmt_time(ctx, due))
    await flow.ask_options(ctx, conv, prompt, [], free_text=True)


async def _answer(ctx: Context, conv: Conversation, value: str) -> None:
    d = draft_of(conv, ExtendDraft)
    issue = await iss.get_issue(ctx.tx, d.issue_id)
    if issue is None or not await access.can(ctx.tx, ctx.settings, ctx.member, issue, "extend"):
        await flow.finish(ctx, conv)
        ctx.reply(ctx.t("issue.not_found", number=d.issue_id))
        return
    if conv.step == "date":
        due, problem = new_deadline(ctx, issue, value)
        if due is None:
            await flow.reask(ctx, conv, problem)
            return
        d.due = ts(due)
        await flow.goto(ctx, conv, "reason")
        return
    reason = value.strip()
    if not reason:
        await flow.reask(ctx, conv, ctx.t("extend.empty_reason"))
        return
    if len(reason) > REASON_LIMIT:
        await flow.reask(ctx, conv, ctx.t("error.too_long", limit=REASON_LIMIT))
        return
    await flow.finish(ctx, conv)
    due = from_ts(d.due)
    assert due is not None
    if await check(ctx, issue, "extend") and not await _pending(ctx, issue):
        await submit(ctx, issue, due, reason)
    await after_conversation(ctx, d.card_message, issue.id)


flow.register(flow.Flow("extend", _ask, _answer))


async def deciders(ctx: Context, issue: iss.Issue, requester_id: int) -> list[mem.Member]:
    """Who decides: the owning unit's leaders who lead the issue, or if it has none (the requester aside), the
    nearest unit's up the tree (as ``access.owning_leaders`` finds them)."""
    for unit_id in [issue.owner_unit_id, *await un.list_ancestor_ids(ctx.tx, issue.owner_unit_id)]:
        found = [m for m in await mem.list_unit_leaders(ctx.tx, unit_id)
                 if m.id != requester_id and await access.leads(ctx.tx, ctx.settings, m, issue)]  # fmt: skip
        if found:
            return found
    return []


async def submit(ctx: Context, issue: iss.Issue, due: datetime, reason: str) -> None:
    """Record the request and send it to the deciders, each with Approve / Refuse."""
    chats = await mem.list_member_chats(ctx.tx, [m.id for m in await deciders(ctx, issue, ctx.member.id)])
    if not chats:
        ctx.reply(ctx.t("extend.no_leader", number=issue.id))
        return
    request_id = await ext.create_extension_request(
        ctx.tx,
        issue.id,
        ctx.member.id,
        ctx.now,
        old_due_at=issue.handle_due_at,
        new_due_at=due,
        reason=reason,
    )
    if request_id is None:  # asked meanwhile
        await _pending(ctx, issue)
        return
    await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "extension_asked", actor_id=ctx.member.id, body=reason
    )
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", "issue.extend_asked", f"issue:{issue.id}",
                    request=request_id, due=ts(due))  # fmt: skip
    for leader, chat in chats:
        ctx.send(_request_message(ctx, issue, request_id, leader, chat, due, reason))
    held = held_until(ctx) if issue.severity != "urgent" else ""
    key, more = ("extend.sent_held", {"time": held}) if held else ("extend.sent", {})
    ctx.reply(
        ctx.t(key, number=issue.id, due=fmt_time(ctx, due), count=len(chats), **more), issue_id=issue.id
    )


def _request_message(
    ctx: Context,
    issue: iss.Issue,
    request_id: int,
    leader: mem.Member,
    chat: mem.Identity,
    due: datetime,
    reason: str,
) -> Outgoing:
    """The request as one decider reads it, in their language and their channel's wording."""
    lang = leader.language
    text = t(
        lang,
        for_channel("extend.ask_leader", chat.channel),
        number=issue.id,
        title=issue.title,  # they lead the issue: the title is theirs to read
        name=ctx.member.name,
        old_due=fmt_time(ctx, issue.handle_due_at),
        new_due=fmt_time(ctx, due),
        reason=reason,
    )
    answers = [(ExtensionAnswer.APPROVE, "extend.approve"), (ExtensionAnswer.REFUSE, "extend.refuse")]
    buttons = [Choice(t(lang, key), encode(ExtensionButton(answer, request_id))) for answer, key in answers]
    return Outgoing(
        chat_id=chat.chat_id,
        channel=chat.channel,
        text=text,
        choices=[buttons],
        issue_id=issue.id,
        proactive=True,
        urgent=issue.severity == "urgent",
        protect_content=access.protected(ctx.settings, issue),
    )


# ---------------------------------------------------------------------------------------------- deciding


async def on_action(ctx: Context, button: Action) -> bool:
    """A leader's Approve / Refuse; False if the button is not ours."""
    if not isinstance(button, ExtensionButton):
        return False
    request = await ext.get_extension_request(ctx.tx, button.request_id)
    issue = await iss.get_issue(ctx.tx, request.issue_id) if request is not None else None
    if request is None or issue is None or not await access.leads(ctx.tx, ctx.settings, ctx.member, issue):
        ctx.reply(ctx.t("error.bad_button"))  # forged, or not theirs to decide: nothing said about the issue
        return True
    if request.requested_by == ctx.member.id:
        ctx.reply(ctx.t("extend.own_request"))
        return True
    await _decide(ctx, issue, request, button.answer == ExtensionAnswer.APPROVE)
    await refresh_card(ctx, issue.id, tapped(ctx))  # the request becomes the card, decided or not
    return True


async def _decide(ctx: Context, issue: iss.Issue, request: ext.ExtensionRequest, approve: bool) -> None:
    """Decide the request once: of two leaders tapping at once, one decides and the other is told."""
    applies = issue.state in iss.OPEN_STATES and request.new_due_at > issue.handle_due_at
    outcome = "refused" if not approve else ("approved" if applies else "lapsed")
    if request.state != "pending" or not await ext.decide_extension_request(
        ctx.tx, request.id, ctx.member.id, outcome, ctx.now
    ):
        fresh = await ext.get_extension_request(ctx.tx, request.id)
        state = fresh.state if fresh is not None else request.state
        ctx.reply(ctx.t("extend.decided", number=issue.id, outcome=ctx.t(f"extend.outcome.{state}")))
        return
    if outcome == "refused":
        await _refused(ctx, issue, request)
    elif outcome == "approved" and await ext.extend_deadline(ctx.tx, issue.id, request.new_due_at, ctx.now):
        await _approved(ctx, issue, request)
    else:  # the issue closed, or its deadline moved past the date asked, before the decision
        await ext.lapse_approved_request(ctx.tx, request.id)
        fresh_issue = await iss.get_issue(ctx.tx, issue.id) or issue
        ctx.reply(ctx.t("extend.lapsed", number=issue.id, state=ctx.t(f"state.{fresh_issue.state}"),
                        due=fmt_time(ctx, fresh_issue.handle_due_at)))  # fmt: skip


async def _approved(ctx: Context, issue: iss.Issue, request: ext.ExtensionRequest) -> None:
    due = fmt_time(ctx, request.new_due_at)
    await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "extension", actor_id=ctx.member.id, body=due, shared=True
    )
    await add_audit(
        ctx.tx, ctx.now, f"member:{ctx.member.id}", "issue.extend", f"issue:{issue.id}",
        request=request.id, due=ts(request.new_due_at), before=ts(issue.handle_due_at),
    )  # fmt: skip
    protect = access.protected(ctx.settings, issue)
    await notify(
        ctx,
        [request.requested_by],
        lambda lang: t(lang, "extend.approved_member", number=issue.id, due=due),
        issue_id=issue.id,
        protect_content=protect,
    )
    count = await notify_reporters(ctx, issue, "notice.extended", due=due)
    held = held_until(ctx)
    if held:
        ctx.reply(ctx.t("extend.approved_leader_held", number=issue.id, due=due, count=count, time=held),
                  issue_id=issue.id)  # fmt: skip
    else:
        ctx.reply(ctx.t("extend.approved_leader", number=issue.id, due=due, count=count), issue_id=issue.id)


async def _refused(ctx: Context, issue: iss.Issue, request: ext.ExtensionRequest) -> None:
    asked, due = fmt_time(ctx, request.new_due_at), fmt_time(ctx, issue.handle_due_at)
    await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "extension_refused", actor_id=ctx.member.id, body=asked
    )
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", "issue.extend_refused", f"issue:{issue.id}",
                    request=request.id)  # fmt: skip
    await notify(
        ctx,
        [request.requested_by],
        lambda lang: t(lang, "extend.refused_member", number=issue.id, asked=asked, due=due),
        issue_id=issue.id,
        protect_content=access.protected(ctx.settings, issue),
    )
    ctx.reply(ctx.t("extend.refused_leader", number=issue.id, due=due), issue_id=issue.id)
