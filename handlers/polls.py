"""Quick polls (thăm dò nhanh): a leader asks the members of their subtree one question; members tap an answer.

``/poll`` starts the guided set-up (question, 2–6 options, an optional "other", the closing time, a
preview); ``/poll N`` shows poll N's results, counts only. Members answer with ``a:pol:<poll>:<choice>``
buttons (a number on Zalo): every tap is checked on the server (the poll went to this member, it is still
open, the choice exists), and a new answer replaces the old one.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.core.buttons import Action, PollButton
from handlers import flow
from handlers.briefing import scope_unit
from handlers.context import Context
from handlers.drafts import PollDraft, PollOtherDraft, draft_of
from handlers.numbers import looks_like_number, parse_count, parse_issue_number
from handlers.poll_results import (
    LABEL_LIMIT,
    OTHER,
    answer_choices,
    fmt_time,
    option_label,
    results_text,
    send_batch,
)
from handlers.when import parse_moment
from storage import members as mem
from storage import polls as pl
from storage import units as un
from storage.audit import add_audit
from storage.conversations import Conversation
from storage.db import Tx

ROLES = ("leader", "admin")
QUESTION_LIMIT = 300
OPTION_LIMIT = LABEL_LIMIT  # an option is its button's label, whole
OTHER_LIMIT = 300
MIN_OPTIONS, MAX_OPTIONS = 2, 6
CLOSE_AFTER = {
    "h2": timedelta(hours=2),
    "d1": timedelta(days=1),
    "d3": timedelta(days=3),
    "d7": timedelta(days=7),
}
EARLIEST, LATEST = timedelta(minutes=15), timedelta(days=60)


async def may_view(tx: Tx, member: mem.Member, poll: pl.Poll) -> bool:
    """The results are for the leaders of the poll's unit or a unit above it (and admins)."""
    if not member.active:
        return False
    if member.role == "admin":
        return True
    if member.role != "leader":
        return False
    return poll.unit_id in await un.list_subtree_ids(tx, member.unit_id)


# ---------------------------------------------------------------------------------------------- /poll


async def cmd_poll(ctx: Context) -> None:
    if ctx.member.role not in ROLES:
        ctx.reply(ctx.t("error.unknown_command", command="poll"))
        return
    arg = ctx.incoming.args.strip()
    if not arg:
        unit_id = await scope_unit(ctx.tx, ctx.member)
        await flow.start(ctx, "poll", "question", PollDraft(unit_id=unit_id))
        return
    number = parse_issue_number(arg)
    if number is None and not looks_like_number(arg):
        ctx.reply(ctx.t("poll.usage"))
        return
    poll = await pl.get_poll(ctx.tx, number) if number is not None else None
    if poll is None or not await may_view(ctx.tx, ctx.member, poll):
        ctx.reply(ctx.t("poll.not_found", id=arg.removeprefix("#")[:20]))
        return
    ctx.reply(await results_text(ctx.tx, ctx.settings, ctx.lang, poll))


def closes_from(ctx: Context, value: str) -> datetime | None:
    """A closing time: one of the offered choices, or typed as HH:MM dd/mm[/yyyy] (local time)."""
    tz = ctx.settings.tz
    local = ctx.now.astimezone(tz)
    if value in CLOSE_AFTER:
        if value == "h2":
            return ctx.now + CLOSE_AFTER[value]
        return datetime.combine(local.date() + CLOSE_AFTER[value], time(17, 0), tz)
    return parse_moment(value, ctx.now, tz)


async def _ask(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, PollDraft)
    if conv.step == "question":
        await flow.ask_options(ctx, conv, ctx.t("poll.ask_question"), [], free_text=True)
    elif conv.step == "options":
        text = ctx.t("poll.ask_options", min=MIN_OPTIONS, max=MAX_OPTIONS)
        await flow.ask_options(ctx, conv, text, [], free_text=True)
    elif conv.step == "other":
        options = [(ctx.t("poll.other_yes"), "yes"), (ctx.t("poll.other_no"), "no")]
        await flow.ask_options(ctx, conv, ctx.t("poll.ask_other"), options, columns=2)
    elif conv.step == "closes":
        options = [(ctx.t(f"poll.close_{key}"), key) for key in CLOSE_AFTER]
        await flow.ask_options(ctx, conv, ctx.t("poll.ask_closes"), options, columns=2, free_text=True)
    elif conv.step == "confirm":
        unit = await un.get_unit(ctx.tx, d.unit_id)
        lines = [f"{i}. {o}" for i, o in enumerate(d.options, 1)]
        if d.other:
            lines.append(f"{len(lines) + 1}. {ctx.t('poll.other')}")
        text = ctx.t(
            "poll.preview",
            unit=unit.name if unit else "?",
            question=d.question,
            options="\n".join(lines),
            closes=fmt_time(ctx.settings, datetime.fromisoformat(d.closes_at)),
        )
        await flow.ask_options(ctx, conv, text, [(ctx.t("poll.send"), "send")])


async def _answer(ctx: Context, conv: Conversation, value: str) -> None:
    d = draft_of(conv, PollDraft)
    step = conv.step
    if step == "question":
        text = " ".join(value.split())
        if not text:
            await flow.reask(ctx, conv, ctx.t("error.text_expected"))
        elif len(text) > QUESTION_LIMIT:
            await flow.reask(ctx, conv, ctx.t("error.too_long", limit=QUESTION_LIMIT))
        else:
            d.question = text
            await flow.goto(ctx, conv, "options")
    elif step == "options":
        options = [" ".join(line.split()).lstrip("-•").strip() for line in value.splitlines()]
        options = [o for o in options if o]
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS or len({o.casefold() for o in options}) < len(
            options
        ):
            await flow.reask(ctx, conv, ctx.t("poll.bad_options", min=MIN_OPTIONS, max=MAX_OPTIONS))
        elif any(len(o) > OPTION_LIMIT for o in options):
            await flow.reask(ctx, conv, ctx.t("error.too_long", limit=OPTION_LIMIT))
        else:
            d.options = options
            await flow.goto(ctx, conv, "other")
    elif step == "other":
        d.other = value == "yes"
        await flow.goto(ctx, conv, "closes")
    elif step == "closes":
        when = closes_from(ctx, value.strip())
        if when is None:
            await flow.reask(ctx, conv, ctx.t("poll.bad_time"))
        elif not ctx.now + EARLIEST <= when <= ctx.now + LATEST:
            await flow.reask(ctx, conv, ctx.t("poll.time_out_of_range"))
        elif when <= ctx.calendar.next_non_quiet(ctx.now) + EARLIEST:
            morning = fmt_time(ctx.settings, ctx.calendar.next_non_quiet(ctx.now))
            await flow.reask(ctx, conv, ctx.t("poll.closes_before_morning", morning=morning))
        else:
            d.closes_at = when.isoformat()
            await flow.goto(ctx, conv, "confirm")
    elif step == "confirm" and value == "send":
        await _create(ctx, conv)


async def _create(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, PollDraft)
    await flow.finish(ctx, conv)
    unit_id = d.unit_id
    if not await pl.list_unsent_recipients(ctx.tx, 0, unit_id, 1):  # poll 0 never exists: anyone eligible?
        ctx.reply(ctx.t("poll.no_members"))
        return
    poll_id = await pl.create_poll(
        ctx.tx,
        unit_id=unit_id,
        created_by=ctx.member.id,
        question=d.question,
        options=list(d.options),
        allow_other=d.other,
        closes_at=datetime.fromisoformat(d.closes_at),
        now=ctx.now,
    )
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", "poll.create", f"poll:{poll_id}",
                    unit=unit_id, options=len(d.options), other=d.other, closes=d.closes_at)  # fmt: skip
    poll = await pl.get_poll(ctx.tx, poll_id)
    assert poll is not None
    messages = await send_batch(ctx.tx, ctx.settings, poll, ctx.now)
    for msg in messages:
        ctx.send(msg)
    more = bool(await pl.list_unsent_recipients(ctx.tx, poll.id, poll.unit_id, 1))
    key = "poll.sent_more" if more else "poll.sent"
    ctx.reply(ctx.t(key, id=poll.id, count=len(messages), closes=fmt_time(ctx.settings, poll.closes_at)))


flow.register(flow.Flow("poll", _ask, _answer))


# ---------------------------------------------------------------------------------------------- the member's answer


async def on_action(ctx: Context, button: Action) -> bool:
    """A member's answer to a poll; False if the button is not ours."""
    if not isinstance(button, PollButton):
        return False
    poll_id, raw = button.poll_id, button.choice
    poll = await pl.get_poll(ctx.tx, poll_id)
    unit_id = await pl.get_recipient_unit(ctx.tx, poll.id, ctx.member.id) if poll else None
    if poll is None or unit_id is None:
        ctx.reply(ctx.t("error.bad_button"))
        return True
    if poll.state != pl.OPEN or ctx.now >= poll.closes_at:
        ctx.reply(ctx.t("poll.closed", closes=fmt_time(ctx.settings, poll.closes_at)))
        return True
    if raw == OTHER and poll.allow_other:
        conv = await flow.current(ctx)
        if conv is not None:
            await flow.reask(ctx, conv, ctx.t("flow.busy"))
            return True
        await flow.start(ctx, "poll_other", "text", PollOtherDraft(poll.id))
        return True
    choice = parse_count(raw)
    if choice is None or choice >= len(poll.options):
        ctx.reply(ctx.t("error.bad_button"))
        return True
    await _record(ctx, poll, unit_id, choice, "")
    return True


async def _record(ctx: Context, poll: pl.Poll, unit_id: int, choice: int, other: str) -> None:
    await pl.record_answer(ctx.tx, poll.id, ctx.member.id, unit_id, choice, other, ctx.now)
    label = other if other else option_label(ctx.lang, poll, choice)
    ctx.reply(
        ctx.t("poll.recorded", option=label[:OTHER_LIMIT], closes=fmt_time(ctx.settings, poll.closes_at)),
        choices=answer_choices(ctx.lang, poll),
    )


async def _other_ask(ctx: Context, conv: Conversation) -> None:
    await flow.ask_options(ctx, conv, ctx.t("poll.ask_other_text", limit=OTHER_LIMIT), [], free_text=True)


async def _other_answer(ctx: Context, conv: Conversation, value: str) -> None:
    text = " ".join(value.split())
    if not text:
        await flow.reask(ctx, conv, ctx.t("error.text_expected"))
        return
    if len(text) > OTHER_LIMIT:
        await flow.reask(ctx, conv, ctx.t("error.too_long", limit=OTHER_LIMIT))
        return
    await flow.finish(ctx, conv)
    poll = await pl.get_poll(ctx.tx, draft_of(conv, PollOtherDraft).poll_id)
    unit_id = await pl.get_recipient_unit(ctx.tx, poll.id, ctx.member.id) if poll else None
    if poll is None or unit_id is None:
        ctx.reply(ctx.t("error.bad_button"))
        return
    if poll.state != pl.OPEN or ctx.now >= poll.closes_at:
        ctx.reply(ctx.t("poll.closed", closes=fmt_time(ctx.settings, poll.closes_at)))
        return
    await _record(ctx, poll, unit_id, poll.other_choice, text)


flow.register(flow.Flow("poll_other", _other_ask, _other_answer))
