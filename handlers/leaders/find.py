"""``/find``: words and filters — category, unit, state, period — typed in one line, or picked step by step.

Typed (both channels): ``/find <words> lv: <category> dv: <unit> tt: <state> tg: 2026-11``; the keys are
``lv`` (category), ``dv`` (unit), ``tt`` (state), ``tg`` (period), the Vietnamese initials, or ``cat``/``unit``/
``state``/``period``; accents and case optional (the words people type are in the catalogs' find.usage). ``/find`` alone opens the picker (buttons on Telegram, numbers on Zalo).
Every result is still checked with ``access.leads``: a filter never widens what a leader may see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.buttons import IssueAction, IssueButton, encode
from bot.core.messages import Choice
from bot.core.period import parse_period
from handlers import access, flow
from handlers.choose import fold, match_option
from handlers.context import Context
from handlers.drafts import FindDraft, draft_of
from handlers.leaders.common import LIST_PAGE, issue_line
from handlers.numbers import parse_count
from storage import issues as iss
from storage import units as un
from storage.conversations import Conversation
from storage.db import MemoTx

STATE_GROUPS = {
    "open": iss.OPEN_STATES,
    "resolved": ("resolved",),
    "closed": ("closed", "closed_without_action", "duplicate", "withdrawn"),
}
# what people type for each state group (folded), besides the group's own label
STATE_WORDS = {
    "open": ("mo", "dang", "dang xu ly", "chua xong", "open"),
    "resolved": ("xong", "da xu ly", "resolved", "done"),
    "closed": ("dong", "da dong", "closed"),
}
PERIODS = ("7", "30", "90")  # the picker's "last N days"
_KEYS = {"lv": "category", "cat": "category", "dv": "unit", "unit": "unit", "tt": "state", "state": "state"}
_KEYS |= {"tg": "period", "period": "period"}
_TOKEN = re.compile(r"(?<![\w])(lv|dv|tt|tg|cat|unit|state|period)\s*:", re.IGNORECASE)


@dataclass
class FindQuery:
    text: str = ""  # the words as typed; each must appear (accents and case aside)
    category: str = ""  # a category code
    unit_id: int | None = None  # issues about this unit or a unit below it
    state: str = ""  # a key of STATE_GROUPS
    period: str = ""  # "2026-11", "2026Q4" or a number of days ("30")

    @property
    def words(self) -> list[str]:
        return fold(self.text).split()

    def is_empty(self) -> bool:
        return not (self.words or self.category or self.unit_id or self.state or self.period)


class BadFilter(ValueError):
    """A filter's value names nothing: the message key and its fields for the person."""

    def __init__(self, key: str, **fields: str) -> None:
        super().__init__(key)
        self.key, self.fields = key, fields


async def parse_query(ctx: Context, text: str, units: list[un.Unit]) -> FindQuery:
    """Words and ``key: value`` filters of a typed ``/find``; :class:`BadFilter` names a value that fits nothing."""
    parts = _TOKEN.split(text)
    query = FindQuery(text=" ".join(parts[0].split()))
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        kind, raw = _KEYS[key.lower()], value.strip()
        if kind == "category":
            query.category = _category(ctx, raw)
        elif kind == "unit":
            query.unit_id = _unit(units, raw)
        elif kind == "state":
            query.state = _state(ctx, raw)
        else:
            query.period = _period(ctx, raw)
    return query


def _category(ctx: Context, raw: str) -> str:
    cats = ctx.settings.categories
    if raw in {c.code for c in cats}:
        return raw
    m = match_option(raw, [c.label(ctx.lang) for c in cats])
    if m.value is None:
        raise BadFilter("find.bad_category", value=raw[:40])
    return cats[int(m.value)].code


def _unit(units: list[un.Unit], raw: str) -> int:
    for u in units:
        if u.code.lower() == raw.lower():
            return u.id
    m = match_option(raw, [u.name for u in units])
    if m.value is None:
        raise BadFilter("find.bad_unit", value=raw[:40])
    return units[int(m.value)].id


def _state(ctx: Context, raw: str) -> str:
    typed = fold(raw)
    for group, words in STATE_WORDS.items():
        if typed in words or typed == fold(ctx.t(f"find.state_{group}")):
            return group
    raise BadFilter("find.bad_state", value=raw[:40])


def _period(ctx: Context, raw: str) -> str:
    days = parse_count(raw.split()[0]) if raw.split() else None
    if days is not None and days <= 3660:
        return str(days)
    try:
        parse_period(raw, ctx.settings.tz)
    except ValueError:
        raise BadFilter("find.bad_period", value=raw[:40]) from None
    return raw.strip().upper()


def _since_until(ctx: Context, period: str) -> tuple[datetime | None, datetime | None]:
    if not period:
        return None, None
    if period.isdigit():
        return ctx.now - timedelta(days=int(period)), None
    p = parse_period(period, ctx.settings.tz)
    return p.start, p.end


async def search(ctx: Context, query: FindQuery) -> list[iss.Issue]:
    """The issues the leader may see that match every word and filter, newest first."""
    units = await access.scope_units(ctx.tx, ctx.member)
    within = set(await un.list_subtree_ids(ctx.tx, query.unit_id)) if query.unit_id else None
    states = STATE_GROUPS.get(query.state)
    since, until = _since_until(ctx, query.period)
    tree = MemoTx(ctx.tx)  # the unit subtrees leads() reads, once for the whole search
    found = []
    for issue, text in await iss.list_issue_texts_in_units(ctx.tx, units):
        if (
            (query.category and issue.category != query.category)
            or (
                within is not None and issue.about_unit_id not in within and issue.owner_unit_id not in within
            )
            or (states is not None and issue.state not in states)
            or (since is not None and issue.created_at < since)
            or (until is not None and issue.created_at >= until)
        ):
            continue
        folded = fold(text)
        if all(word in folded for word in query.words) and await access.leads(
            tree, ctx.settings, ctx.member, issue
        ):
            found.append(issue)
    return found


async def show_results(ctx: Context, query: FindQuery, units: list[un.Unit]) -> None:
    found = await search(ctx, query)
    choices = [
        [Choice(issue_line(ctx, i), encode(IssueButton(IssueAction.CARD, i.id)))] for i in found[:LIST_PAGE]
    ]
    ctx.reply(ctx.t("find.header", text=describe(ctx, query, units), count=len(found)), choices=choices)


def describe(ctx: Context, query: FindQuery, units: list[un.Unit]) -> str:
    """The search in words, for the results' header: the words, then each filter's label, joined by " · "."""
    names = {u.id: u.name for u in units}
    parts = [query.text] if query.text else []
    cat = ctx.settings.category(query.category) if query.category else None
    if cat is not None:
        parts.append(cat.label(ctx.lang))
    if query.unit_id:
        parts.append(names.get(query.unit_id, "?"))
    if query.state:
        parts.append(ctx.t(f"find.state_{query.state}"))
    if query.period:
        parts.append(ctx.t("find.last_days", days=query.period) if query.period.isdigit() else query.period)
    return " · ".join(parts)[:80]


async def _scope_units(ctx: Context) -> list[un.Unit]:
    scope = set(await access.scope_units(ctx.tx, ctx.member))
    return [u for u in await un.list_units(ctx.tx) if u.id in scope]


async def cmd_find(ctx: Context) -> None:
    units = await _scope_units(ctx)
    if not ctx.incoming.args.strip():
        conv = await flow.current(ctx)
        if conv is not None:  # the picker is a conversation: it must not replace a draft in progress
            await flow.reask(ctx, conv, ctx.t("flow.busy"))
            return
        await flow.start(ctx, "find", "menu", FindDraft())
        return
    try:
        query = await parse_query(ctx, ctx.incoming.args, units)
    except BadFilter as exc:
        ctx.reply(ctx.t(exc.key, **exc.fields) + "\n" + ctx.t("find.usage"))
        return
    if query.is_empty():
        ctx.reply(ctx.t("find.usage"))
        return
    await show_results(ctx, query, units)


# ---------------------------------------------------------------------------------------------- the picker


def _draft(conv: Conversation) -> FindQuery:
    d = draft_of(conv, FindDraft)
    return FindQuery(text=d.text, category=d.category, unit_id=d.unit_id, state=d.state, period=d.period)


async def _ask(ctx: Context, conv: Conversation) -> None:
    q = _draft(conv)
    units = await _scope_units(ctx)
    every = ctx.t("find.any")
    if conv.step == "menu":
        cat = ctx.settings.category(q.category) if q.category else None
        options = [
            (ctx.t("find.pick_category", value=cat.label(ctx.lang) if cat else every), "category"),
            (ctx.t("find.pick_state", value=ctx.t(f"find.state_{q.state}") if q.state else every), "state"),
            (
                ctx.t("find.pick_period", value=describe(ctx, FindQuery(period=q.period), units) or every),
                "period",
            ),
            ("🔎 " + ctx.t("find.go"), "go"),
        ]
        if len(units) > 1:
            unit = next((u.name for u in units if u.id == q.unit_id), every)
            options.insert(1, (ctx.t("find.pick_unit", value=unit), "unit"))
        await flow.ask_options(ctx, conv, ctx.t("find.menu"), options, free_text=True, back=False)
    elif conv.step == "category":
        cats = [(c.label(ctx.lang), c.code) for c in ctx.settings.categories]
        await flow.ask_options(ctx, conv, ctx.t("find.ask_category"), [(every, "_any"), *cats])
    elif conv.step == "unit":
        options = [(every, "_any")] + [(u.name, str(u.id)) for u in units[:30]]
        await flow.ask_options(ctx, conv, ctx.t("find.ask_unit"), options)
    elif conv.step == "state":
        states = [(ctx.t(f"find.state_{g}"), g) for g in STATE_GROUPS]
        await flow.ask_options(ctx, conv, ctx.t("find.ask_state"), [(every, "_any"), *states], columns=2)
    elif conv.step == "period":
        days = [(ctx.t("find.last_days", days=d), d) for d in PERIODS]
        await flow.ask_options(ctx, conv, ctx.t("find.ask_period"), [(every, "_any"), *days], columns=2)


async def _answer(ctx: Context, conv: Conversation, value: str) -> None:
    if ctx.member.role not in ("leader", "admin"):  # demoted mid-flow
        await flow.finish(ctx, conv)
        ctx.reply(ctx.t("error.bad_button"))
        return
    units = await _scope_units(ctx)
    if conv.step == "menu":
        if value == "go" or value not in ("category", "unit", "state", "period"):
            if value != "go":  # typed words: search with them and the filters chosen
                draft_of(conv, FindDraft).text = " ".join(value.split())
            query = _draft(conv)
            await flow.finish(ctx, conv)
            await show_results(ctx, query, units)
            return
        await flow.goto(ctx, conv, value)
        return
    allowed = {
        "category": {c.code for c in ctx.settings.categories},
        "unit": {str(u.id) for u in units},
        "state": set(STATE_GROUPS),
        "period": set(PERIODS),
    }[conv.step]
    if value != "_any" and value not in allowed:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    d, picked = draft_of(conv, FindDraft), "" if value == "_any" else value
    if conv.step == "unit":
        d.unit_id = int(picked) if picked else None
    elif conv.step == "category":
        d.category = picked
    elif conv.step == "state":
        d.state = picked
    else:
        d.period = picked
    await flow.goto(ctx, conv, "menu")


flow.register(flow.Flow("find", _ask, _answer))
