"""The periodic round (giao ban): the member's short input, the leaders' focus topics, board and summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.buttons import Action, RoundAnswer, RoundButton, encode
from bot.core.config import Settings
from bot.core.messages import Choice
from bot.core.texts import t
from bot.core.workcal import parse_hhmm
from handlers import access, flow
from handlers.context import Context
from handlers.drafts import RoundDraft, TopicsDraft, draft_of
from handlers.people import role_keyboard
from handlers.report import cmd_report
from storage import members as mem
from storage import rounds as rs
from storage import units as un
from storage.conversations import Conversation
from storage.db import Tx

MOODS = ("stable", "concern", "pressing")
TEXT_LIMIT = 2000
GENERAL = "_general"


@dataclass(frozen=True)
class Window:
    period: str
    opens_at: datetime
    closes_at: datetime
    briefing_at: datetime


def window_for(settings: Settings, day: date) -> Window:
    """The round of the period containing ``day``: quarterly rounds run in the quarter's last month."""
    r = settings.round
    tz = settings.tz
    if r.cadence == "quarterly":
        quarter = (day.month - 1) // 3 + 1
        period, month = f"{day.year}Q{quarter}", quarter * 3
    else:
        period, month = f"{day.year}-{day.month:02d}", day.month
    at = parse_hhmm(r.open_time)
    opens = datetime.combine(date(day.year, month, r.open_day), at, tz)
    closes = datetime.combine(date(day.year, month, r.close_day) + timedelta(days=1), time(0, 0), tz)
    briefing = datetime.combine(date(day.year, month, r.briefing_day), at, tz)
    return Window(period, opens, closes, briefing)


def period_label(lang: str, period: str) -> str:
    if "Q" in period:
        year, quarter = period.split("Q")
        return t(lang, "round.period_quarter", n=quarter, year=year)
    year, month = period.split("-")
    return t(lang, "round.period_month", n=int(month), year=year)


def fmt(settings: Settings, when: datetime) -> str:
    return when.astimezone(settings.tz).strftime("%H:%M %d/%m/%Y")


def last_day(settings: Settings, closes_at: datetime) -> str:
    """The round closes at midnight after its last day: show that day."""
    return (closes_at - timedelta(seconds=1)).astimezone(settings.tz).strftime("%d/%m/%Y")


def period_start(settings: Settings, period: str) -> datetime:
    if "Q" in period:
        year, quarter = (int(x) for x in period.split("Q"))
        return datetime(year, 3 * quarter - 2, 1, tzinfo=settings.tz)
    year, month = (int(x) for x in period.split("-"))
    return datetime(year, month, 1, tzinfo=settings.tz)


async def topics_for(tx: Tx, round_id: int, unit_id: int) -> list[rs.Topic]:
    """Focus topics set by the leaders of the member's unit or of any unit above it."""
    units = [unit_id, *await un.list_ancestor_ids(tx, unit_id)]
    return await rs.list_topics(tx, round_id, units)


def prompt_choices(lang: str, round_id: int) -> list[list[Choice]]:
    return [[Choice(t(lang, "round.start"), encode(RoundButton(RoundAnswer.START, round_id)))],
            [Choice(t(lang, "round.nothing"), encode(RoundButton(RoundAnswer.NONE, round_id)))]]  # fmt: skip


# ---------------------------------------------------------------------------------------------- the member's input


async def on_action(ctx: Context, button: Action) -> bool:
    """The answer to a round's prompt; False if the button is not ours."""
    if not isinstance(button, RoundButton):
        return False
    rnd = await rs.get_round(ctx.tx, button.round_id)
    if rnd is None or rnd.state == "planned":
        ctx.reply(ctx.t("round.unknown"))
        return True
    if button.answer == RoundAnswer.NONE:
        late = rnd.state == "closed"
        await rs.record_answer(
            ctx.tx, rnd.id, ctx.member.id, ctx.member.unit_id, [], ctx.now, nothing_new=True, late=late
        )
        label = period_label(ctx.lang, rnd.period)
        ctx.reply(
            ctx.t("round.closed_late", period=label) if late else ctx.t("round.thanks_nothing", period=label)
        )
        return True
    conv = await flow.current(ctx)
    if conv is not None:
        await flow.reask(ctx, conv, ctx.t("flow.busy"))
        return True
    topics = await topics_for(ctx.tx, rnd.id, ctx.member.unit_id)
    sectors = list(ctx.member.sectors) or [GENERAL]
    steps = [f"topic:{i}" for i in range(len(topics))] + [f"mood:{i}" for i in range(len(sectors))]
    steps += ["concerns", "matter"]
    draft = RoundDraft(rnd.id, [(tp.id, tp.text) for tp in topics], sectors, steps)
    await flow.start(ctx, "round", steps[0], draft)
    return True


async def _ask(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, RoundDraft)
    step = conv.step
    if step.startswith("topic:"):
        i = int(step.split(":")[1])
        text = ctx.t("round.ask_topic", n=i + 1, count=len(d.topics), topic=d.topics[i][1])
        await flow.ask_options(ctx, conv, text, [(ctx.t("report.skip"), "_skip")], free_text=True)
    elif step.startswith("mood:"):
        code = d.sectors[int(step.split(":")[1])]
        sector = ctx.settings.sector(code)
        name = (
            ctx.t("round.sector_general")
            if sector is None
            else (sector.vi if ctx.lang == "vi" else sector.en)
        )
        options = [(ctx.t(f"mood.{m}"), m) for m in MOODS]
        await flow.ask_options(ctx, conv, ctx.t("round.ask_mood", sector=name), options, columns=3)
    elif step == "concerns":
        await flow.ask_options(
            ctx, conv, ctx.t("round.ask_concerns"), [(ctx.t("report.skip"), "_skip")], free_text=True
        )
    elif step == "matter":
        options = [(ctx.t("round.matter_yes"), "yes"), (ctx.t("round.matter_no"), "no")]
        await flow.ask_options(ctx, conv, ctx.t("round.ask_matter"), options, columns=2)


async def _answer(ctx: Context, conv: Conversation, value: str) -> None:
    d = draft_of(conv, RoundDraft)
    step = conv.step
    if step.startswith("mood:") and value not in MOODS:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    if step in ("concerns",) or step.startswith("topic:"):
        text = "" if value == "_skip" else value.strip()
        if len(text) > TEXT_LIMIT:
            await flow.reask(ctx, conv, ctx.t("error.too_long", limit=TEXT_LIMIT))
            return
        value = text
    if step != "matter":
        d.answers[step] = value
        steps = d.steps
        await flow.goto(ctx, conv, steps[steps.index(step) + 1])
        return
    await _save(ctx, conv)
    if value == "yes":
        await cmd_report(ctx)


async def _save(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, RoundDraft)
    rnd = await rs.get_round(ctx.tx, d.round_id)
    await flow.finish(ctx, conv)
    if rnd is None:
        ctx.reply(ctx.t("round.unknown"))
        return
    answers: list[tuple[str, int | None, str | None, str]] = []
    for i, (topic_id, _) in enumerate(d.topics):
        text = d.answers.get(f"topic:{i}", "")
        if text:
            answers.append(("topic", topic_id, None, text))
    for i, code in enumerate(d.sectors):
        answers.append(("mood", None, None if code == GENERAL else code, d.answers[f"mood:{i}"]))
    if d.answers.get("concerns"):
        answers.append(("concerns", None, None, d.answers["concerns"]))
    late = rnd.state == "closed"
    await rs.record_answer(
        ctx.tx, rnd.id, ctx.member.id, ctx.member.unit_id, answers, ctx.now, nothing_new=False, late=late
    )
    label = period_label(ctx.lang, rnd.period)
    text = ctx.t("round.closed_late", period=label) if late else ctx.t("round.thanks", period=label)
    ctx.reply(text, keyboard=role_keyboard(ctx.member.role, ctx.t))


flow.register(flow.Flow("round", _ask, _answer))


# ---------------------------------------------------------------------------------------------- the board


async def cmd_round(ctx: Context) -> None:
    rnd = await rs.latest_round(ctx.tx)
    if rnd is None:
        ctx.reply(ctx.t("board.none"))
        return
    units = await access.scope_units(ctx.tx, ctx.member) or [ctx.member.unit_id]
    participants = {p.member_id: p for p in await rs.list_participants(ctx.tx, rnd.id, units)}
    members = [m for m in await mem.list_members_in_units(ctx.tx, units) if m.id in participants]
    by_unit: dict[int, list[mem.Member]] = {}
    for m in members:
        by_unit.setdefault(participants[m.id].unit_id, []).append(m)
    answered_total = sum(1 for p in participants.values() if p.answered_at is not None)
    lines = [ctx.t("board.header", period=period_label(ctx.lang, rnd.period), state=ctx.t(f"board.state_{rnd.state}"),
                   answered=answered_total, total=len(participants))]  # fmt: skip
    names = {u.id: u.name for u in await un.list_units(ctx.tx, active_only=False)}
    for unit_id in sorted(by_unit, key=lambda u: names.get(u, "")):
        people = by_unit[unit_id]
        done = [m.name for m in people if participants[m.id].answered_at is not None]
        waiting = [m.name for m in people if participants[m.id].answered_at is None]
        lines += [
            "",
            ctx.t("board.unit", unit=names.get(unit_id, "?"), answered=len(done), total=len(people)),
        ]
        if done:
            lines.append(ctx.t("board.answered", names=", ".join(done)))
        if waiting:
            lines.append(ctx.t("board.waiting", names=", ".join(waiting)))
    ctx.reply("\n".join(lines))


# ---------------------------------------------------------------------------------------------- focus topics


async def next_round(ctx: Context) -> rs.Round:
    """The round leaders can still prepare: this period's if it has not opened yet, else the next period's."""
    local = ctx.now.astimezone(ctx.settings.tz).date()
    w = window_for(ctx.settings, local)
    if ctx.now >= w.opens_at:
        first_of_next = (date(local.year, local.month, 28) + timedelta(days=4)).replace(day=1)
        while window_for(ctx.settings, first_of_next).period == w.period:
            first_of_next = (first_of_next + timedelta(days=32)).replace(day=1)
        w = window_for(ctx.settings, first_of_next)
    return await rs.ensure_round(ctx.tx, w.period, w.opens_at, w.closes_at, w.briefing_at)


async def cmd_topics(ctx: Context) -> None:
    if ctx.member.role not in ("leader", "admin"):
        ctx.reply(ctx.t("topics.leaders_only"))
        return
    rnd = await next_round(ctx)
    await flow.start(ctx, "topics", "edit", TopicsDraft(rnd.id, rnd.period))


async def _topics_ask(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, TopicsDraft)
    unit = await un.get_unit(ctx.tx, ctx.member.unit_id)
    current = await rs.list_topics(ctx.tx, d.round_id, [ctx.member.unit_id])
    lines = [ctx.t("topics.header", period=period_label(ctx.lang, d.period), unit=unit.name if unit else "?")]
    lines += [f"{i}. {tp.text}" for i, tp in enumerate(current, 1)] or [ctx.t("topics.none")]
    lines += ["", ctx.t("topics.ask")]
    options = [(ctx.t("report.done"), "_done"), (ctx.t("topics.clear"), "_clear")]
    await flow.ask_options(ctx, conv, "\n".join(lines), options, columns=2, free_text=True)


async def _topics_answer(ctx: Context, conv: Conversation, value: str) -> None:
    d = draft_of(conv, TopicsDraft)
    rnd = await rs.get_round(ctx.tx, d.round_id)
    if rnd is None or rnd.state != "planned":
        await flow.finish(ctx, conv)
        ctx.reply(ctx.t("topics.locked", period=period_label(ctx.lang, d.period)))
        return
    if value == "_clear":
        await rs.delete_topics(ctx.tx, rnd.id, ctx.member.unit_id)
        await _topics_ask(ctx, conv)
        return
    if value == "_done":
        await flow.finish(ctx, conv)
        count = len(await rs.list_topics(ctx.tx, rnd.id, [ctx.member.unit_id]))
        ctx.reply(ctx.t("topics.saved", count=count, period=period_label(ctx.lang, rnd.period)))
        return
    for line in value.splitlines():
        text = " ".join(line.split()).lstrip("-•").strip()
        if text:
            await rs.add_topic(ctx.tx, rnd.id, ctx.member.unit_id, text[:300], ctx.member.id, ctx.now)
    await _topics_ask(ctx, conv)


flow.register(flow.Flow("topics", _topics_ask, _topics_answer))


# ---------------------------------------------------------------------------------------------- the summary


async def summary_for(ctx: Context, leader: mem.Member, rnd: rs.Round, new_issues: int) -> str:
    """The round's summary for one leader's scope, in their language."""
    lang = leader.language
    units = await access.scope_units(ctx.tx, leader)
    names = {u.id: u.name for u in await un.list_units(ctx.tx, active_only=False)}
    participants = await rs.list_participants(ctx.tx, rnd.id, units)
    answers = [a for a in await rs.list_answers(ctx.tx, rnd.id, units) if not a.late]
    answered = [p for p in participants if p.answered_at is not None and not p.late]
    share = f"{100 * len(answered) / len(participants):.0f} %" if participants else "0 %"
    lines = [
        t(lang, "summary.header", period=period_label(lang, rnd.period), unit=names.get(leader.unit_id, "?")),
        t(lang, "summary.participation", answered=len(answered), total=len(participants), share=share,
          nothing=sum(1 for p in answered if p.nothing_new)),
    ]  # fmt: skip
    moods: dict[str | None, Counter[str]] = {}
    for a in answers:
        if a.kind == "mood":
            moods.setdefault(a.sector, Counter())[a.value] += 1
    if moods:
        lines += ["", t(lang, "summary.moods")]
        for code, counter in sorted(moods.items(), key=lambda x: x[0] or ""):
            sector = ctx.settings.sector(code) if code else None
            label = (
                t(lang, "round.sector_general")
                if sector is None
                else (sector.vi if lang == "vi" else sector.en)
            )
            lines.append(t(lang, "summary.mood_line", sector=label, **{m: counter.get(m, 0) for m in MOODS}))
    concerns = [a for a in answers if a.kind == "concerns"]
    if concerns:
        lines += ["", t(lang, "summary.concerns")]
        lines += [
            t(lang, "summary.concern_line", unit=names.get(a.unit_id, "?"), text=a.value[:300])
            for a in concerns
        ]
    topics = await rs.list_topics(ctx.tx, rnd.id)
    topic_answers = [a for a in answers if a.kind == "topic"]
    if topics and topic_answers:
        lines += ["", t(lang, "summary.topics")]
        for tp in topics:
            mine = [a for a in topic_answers if a.topic_id == tp.id]
            if mine:
                lines.append(t(lang, "summary.topic_line", topic=tp.text, count=len(mine)))
                lines += [
                    t(lang, "summary.topic_answer", unit=names.get(a.unit_id, "?"), text=a.value[:300])
                    for a in mine
                ]
    lines += ["", t(lang, "summary.issues", count=new_issues)]
    return "\n".join(lines)
