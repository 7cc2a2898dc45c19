"""Quick polls in the briefing pack: each poll open at some time in the period, its counts by option and by unit.

Counts only, never who answered what (``storage.exports.list_poll_counts`` reads no member). The rule is the
chat's (``handlers.poll_results``): a unit with fewer than ``MIN_ANSWERS`` answers is counted into its parent
unit, up to the poll's own unit; a poll with fewer than that many answers in all shows only how many answered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.texts import t
from handlers.poll_results import MIN_ANSWERS, roll_up
from storage import exports as ex


@dataclass(frozen=True)
class PollFigures:
    poll: ex.PollRow
    by_choice: Counter[int]
    by_unit: dict[int, Counter[int]]  # small units already counted into their parents

    @property
    def total(self) -> int:
        return sum(self.by_choice.values())

    @property
    def shown(self) -> bool:
        """Enough answers for the counts by option to be shown at all."""
        return self.total >= MIN_ANSWERS

    @property
    def choices(self) -> list[int]:
        """The options' numbers, "other" last when the poll allows it."""
        other = [len(self.poll.options)] if self.poll.allow_other else []
        return list(range(len(self.poll.options))) + other

    def label(self, choice: int, lang: str) -> str:
        if choice >= len(self.poll.options):
            return t(lang, "poll.other")
        return self.poll.options[choice]


def poll_figures(
    polls: list[ex.PollRow],
    counts: list[tuple[int, int, int, int]],
    subtree: Callable[[int], list[int]],
    parents: dict[int, int | None],
) -> list[PollFigures]:
    """Each poll's counts, by option and by unit after folding the small units into their parents."""
    by_poll: dict[int, dict[int, Counter[int]]] = defaultdict(dict)
    for poll_id, unit_id, choice, answers in counts:
        by_poll[poll_id].setdefault(unit_id, Counter())[choice] += answers
    out = []
    for poll in polls:
        units = by_poll.get(poll.id, {})
        by_choice: Counter[int] = Counter()
        for c in units.values():
            by_choice.update(c)
        tree = {u: parents.get(u) for u in subtree(poll.unit_id)} if poll.unit_id in parents else {}
        merged = roll_up(units, tree, poll.unit_id) if sum(by_choice.values()) >= MIN_ANSWERS else {}
        out.append(PollFigures(poll, by_choice, merged))
    return out
