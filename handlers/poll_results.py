"""Quick polls, the parts a job shares with the chat: the poll as a member sees it, and its results by unit.

Results are counts only. A unit with fewer than :data:`MIN_ANSWERS` answers is counted into its parent unit
(and so on up to the poll's own unit), so that no small group's answers can be told apart; below that
number in all, the results show only how many answered.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.core.buttons import PollButton, encode
from bot.core.config import Settings
from bot.core.messages import Choice, Outgoing
from bot.core.texts import t
from storage import polls as pl
from storage import units as un
from storage.db import Tx

MIN_ANSWERS = 5
BATCH = 500
LABEL_LIMIT = 60
OTHER = "o"


def fmt_time(settings: Settings, when: datetime) -> str:
    return when.astimezone(settings.tz).strftime("%H:%M %d/%m/%Y")


def option_label(lang: str, poll: pl.Poll, choice: int) -> str:
    if choice == poll.other_choice:
        return t(lang, "poll.other")
    return poll.options[choice]


def answer_choices(lang: str, poll: pl.Poll) -> list[list[Choice]]:
    """One button per option (a number on Zalo); "other" last when the poll allows it."""
    rows = [
        [Choice(text[:LABEL_LIMIT], encode(PollButton(poll.id, str(i))))]
        for i, text in enumerate(poll.options)
    ]
    if poll.allow_other:
        rows.append([Choice(t(lang, "poll.other_button"), encode(PollButton(poll.id, OTHER)))])
    return rows


def member_text(settings: Settings, lang: str, poll: pl.Poll, unit_name: str) -> str:
    return t(
        lang,
        "poll.prompt",
        unit=unit_name,
        question=poll.question,
        closes=fmt_time(settings, poll.closes_at),
    )


async def send_batch(tx: Tx, settings: Settings, poll: pl.Poll, now: datetime) -> list[Outgoing]:
    """The poll's messages to the next members it has not gone to (recorded as sent in ``tx``)."""
    batch = await pl.list_unsent_recipients(tx, poll.id, poll.unit_id, BATCH)
    if not batch:
        return []
    unit = await un.get_unit(tx, poll.unit_id)
    name = unit.name if unit else "?"
    out = [
        Outgoing(
            r.chat_id,
            member_text(settings, r.language, poll, name),
            choices=answer_choices(r.language, poll),
            channel=r.channel,
            proactive=True,  # bulk: quiet hours wait, and (issue 17) sent after alerts and answers
        )
        for r in batch
    ]
    await pl.add_recipients(tx, poll.id, [(r.member_id, r.unit_id) for r in batch], now)
    return out


def roll_up(
    counts: dict[int, Counter[int]], parents: dict[int, int | None], root: int
) -> dict[int, Counter[int]]:
    """Merge every unit with fewer than MIN_ANSWERS answers (its own and those merged into it) into its parent,
    deepest first, up to ``root``; a unit outside the tree counts at the root."""

    def depth(unit: int) -> int:
        d, seen = 0, {unit}
        while unit != root and parents.get(unit) is not None:
            unit = parents[unit] or root
            if unit in seen:
                break
            seen.add(unit)
            d += 1
        return d

    merged: dict[int, Counter[int]] = {u: Counter(c) for u, c in counts.items() if sum(c.values())}
    for unit in sorted(set(parents) | set(merged), key=depth, reverse=True):
        if unit == root or unit not in merged or sum(merged[unit].values()) >= MIN_ANSWERS:
            continue
        parent = parents.get(unit)
        target = parent if parent is not None and parent in parents else root
        merged.setdefault(target, Counter()).update(merged.pop(unit))
    return merged


async def tallies(tx: Tx, poll: pl.Poll) -> list[pl.Tally]:
    """Live counts while the poll is open; the counts kept at closing after it."""
    if poll.state == pl.CLOSED:
        return await pl.list_tallies(tx, poll.id)
    return await pl.count_answers(tx, poll.id)


async def results_text(tx: Tx, settings: Settings, lang: str, poll: pl.Poll) -> str:
    rows = await tallies(tx, poll)
    total = sum(r.answers for r in rows)
    sent = poll.recipients if poll.recipients is not None else await pl.count_recipients(tx, poll.id)
    state = t(lang, f"poll.state_{poll.state}")
    lines = [
        t(lang, "poll.results_header", id=poll.id, question=poll.question),
        t(lang, "poll.results_state", state=state, closes=fmt_time(settings, poll.closes_at),
          answered=total, total=sent),
    ]  # fmt: skip
    if total < MIN_ANSWERS:
        lines += ["", t(lang, "poll.too_few", min=MIN_ANSWERS)]
        return "\n".join(lines)
    by_choice: Counter[int] = Counter()
    counts: dict[int, Counter[int]] = {}
    for r in rows:
        by_choice[r.choice] += r.answers
        counts.setdefault(r.unit_id, Counter())[r.choice] += r.answers
    choices = list(range(len(poll.options))) + ([poll.other_choice] if poll.allow_other else [])
    lines.append("")
    for c in choices:
        share = f"{100 * by_choice[c] / total:.0f} %"
        label = option_label(lang, poll, c)
        lines.append(t(lang, "poll.option_line", n=c + 1, option=label, count=by_choice[c], share=share))
    subtree = await un.list_subtree_ids(tx, poll.unit_id)
    units = {u.id: u for u in await un.list_units(tx, active_only=False)}
    parents = {u: units[u].parent_id if u in units else None for u in subtree}
    merged = roll_up(counts, parents, poll.unit_id)
    lines += ["", t(lang, "poll.by_unit", min=MIN_ANSWERS)]
    for unit_id in sorted(merged, key=lambda u: (u != poll.unit_id, units[u].name if u in units else "")):
        unit_counts = merged[unit_id]
        parts = " · ".join(f"{n + 1}: {unit_counts[n]}" for n in choices)
        name = units[unit_id].name if unit_id in units else "?"
        lines.append(t(lang, "poll.unit_line", unit=name, total=sum(unit_counts.values()), counts=parts))
    others = await pl.list_other_texts(tx, poll.id) if poll.allow_other else []
    if others:
        lines += ["", t(lang, "poll.others")]
        lines += [f"– {text}" for text in others[:30]]
    lines += ["", t(lang, "poll.privacy_note")]
    return "\n".join(lines)
