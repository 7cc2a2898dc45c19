"""The briefing pack's figures: loaded once from a read-only connection, computed in plain Python.

Everything here is synchronous and runs in a worker thread (the bot) or in ``dlxh export`` (the operator).
The reports of a period are not held in memory: :meth:`Pack.iter_reports` streams them from the connection
while a sheet is written.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from bot.core.config import Settings
from bot.core.period import Period, month, parse_period
from bot.core.texts import t
from bot.core.workcal import WorkCalendar
from bot.exports.polls import PollFigures, poll_figures
from bot.exports.stream import read_ahead
from storage import exports as ex
from storage.extensions import counted_deadline
from storage.readonly import ReadConnection

OPEN_STATES = ("new", "acknowledged", "assigned", "reopened")
NOT_COUNTED = ("duplicate", "withdrawn")  # merged into another issue, or every report withdrawn
SEVERITY_RANK = {"urgent": 0, "pressing": 1, "normal": 2}
MIN_RANKED = 5  # a unit needs this many issues in the period to be ranked
MOODS = ("stable", "concern", "pressing")

Progress = Callable[[str, int, int], None]
K = TypeVar("K", bound=Hashable)  # what participation is grouped by


def no_progress(stage: str, done: int, total: int) -> None:
    return None


# ---------------------------------------------------------------------------------------------- the tree


class UnitTree:
    def __init__(self, units: list[ex.UnitRow]) -> None:
        self.units = {u.id: u for u in units}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for u in units:
            self.children[u.parent_id if u.parent_id in self.units else None].append(u.id)

    def name(self, unit_id: int | None) -> str:
        u = self.units.get(unit_id) if unit_id is not None else None
        return u.name if u else "?"

    def code(self, unit_id: int | None) -> str:
        u = self.units.get(unit_id) if unit_id is not None else None
        return u.code if u else "?"

    def roots(self) -> list[int]:
        return list(self.children[None])

    def subtree(self, unit_id: int) -> list[int]:
        out, todo, seen = [], [unit_id], set()
        while todo:
            uid = todo.pop()
            if uid in seen:
                continue
            seen.add(uid)
            out.append(uid)
            todo += self.children.get(uid, [])
        return out

    def line(self, unit_id: int) -> list[int]:
        """The unit and every unit above it, nearest first."""
        out: list[int] = []
        current: int | None = unit_id
        while current is not None and current in self.units and current not in out:
            out.append(current)
            current = self.units[current].parent_id
        return out

    def root_of(self, unit_id: int) -> int:
        return self.line(unit_id)[-1]

    def area(self, unit_id: int, scope_id: int | None) -> int:
        """The scope's own unit or the unit directly below it that holds ``unit_id`` (for tables by unit)."""
        line = self.line(unit_id)
        if scope_id is None:
            roots = self.roots()
            if len(roots) != 1:
                return line[-1]
            scope_id = roots[0]
        if scope_id not in line:
            return unit_id
        i = line.index(scope_id)
        return line[i - 1] if i > 0 else scope_id


# ---------------------------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class IssueFacts:
    row: ex.IssueRow
    counted: bool  # in the handling statistics (not a duplicate, not withdrawn)
    first_response_at: datetime | None  # acknowledged (or, without that, the first decision on it)
    handled_at: datetime | None  # resolved or closed
    ack_days: float | None  # working days from creation to first response
    handle_days: float | None  # working days from creation to handled
    ack_on_time: bool | None  # None: not acknowledged and not due yet
    handle_on_time: bool | None  # None: not handled and not due yet
    open: bool
    overdue: bool
    hotspot: bool


def issue_facts(row: ex.IssueRow, cal: WorkCalendar, as_of: datetime, hotspots: set[int]) -> IssueFacts:
    """One issue's facts as of ``as_of``. Handled on time means by the ORIGINAL handling deadline (the one
    set at filing or reopening): an approved extension (gia hạn) moves the deadline the issue is followed up
    by, and whether it is overdue now, but an issue handled after its original deadline counts as late
    (``storage.extensions.counted_deadline``)."""
    counted = row.state not in NOT_COUNTED
    handle_due = counted_deadline(row.handle_due_at, row.original_handle_due_at)
    is_open = row.state in OPEN_STATES
    handled = None if is_open else (row.resolved_at or row.closed_at)
    first = row.acknowledged_at or row.first_action_at or handled
    ack_days = round(cal.working_days_between(row.created_at, first), 2) if first else None
    handle_days = round(cal.working_days_between(row.created_at, handled), 2) if handled else None
    if first is not None:
        ack_ok: bool | None = first <= row.ack_due_at
    else:
        ack_ok = False if as_of > row.ack_due_at else None
    if handled is not None:
        handle_ok: bool | None = handled <= handle_due
    else:
        handle_ok = False if (is_open and as_of > handle_due) else None
    return IssueFacts(
        row=row,
        counted=counted,
        first_response_at=first,
        handled_at=handled,
        ack_days=ack_days,
        handle_days=handle_days,
        ack_on_time=ack_ok if counted else None,
        handle_on_time=handle_ok if counted else None,
        open=is_open,
        overdue=is_open and row.handle_due_at < as_of,
        hotspot=row.id in hotspots or row.severity == "urgent",
    )


@dataclass
class Stats:
    issues: int = 0  # counted issues
    ack_due: int = 0  # acknowledged, or not and past the deadline
    ack_on_time: int = 0
    handle_due: int = 0  # handled, or not and past the deadline
    handle_on_time: int = 0
    handled: int = 0
    open: int = 0
    overdue: int = 0
    reopened: int = 0  # issues reopened at least once
    ack_days: list[float] = field(default_factory=list)
    handle_days: list[float] = field(default_factory=list)

    @property
    def handle_late(self) -> int:
        return self.handle_due - self.handle_on_time

    @property
    def ack_late(self) -> int:
        return self.ack_due - self.ack_on_time

    @property
    def ack_share(self) -> float | None:
        return 100 * self.ack_on_time / self.ack_due if self.ack_due else None

    @property
    def handle_share(self) -> float | None:
        return 100 * self.handle_on_time / self.handle_due if self.handle_due else None

    @property
    def reopened_share(self) -> float | None:
        return 100 * self.reopened / self.issues if self.issues else None

    @property
    def median_ack_days(self) -> float | None:
        return round(statistics.median(self.ack_days), 2) if self.ack_days else None

    @property
    def mean_ack_days(self) -> float | None:
        return round(statistics.fmean(self.ack_days), 2) if self.ack_days else None

    @property
    def median_handle_days(self) -> float | None:
        return round(statistics.median(self.handle_days), 2) if self.handle_days else None

    @property
    def mean_handle_days(self) -> float | None:
        return round(statistics.fmean(self.handle_days), 2) if self.handle_days else None


def stats_of(facts: Iterable[IssueFacts]) -> Stats:
    s = Stats()
    for f in facts:
        if not f.counted:
            continue
        s.issues += 1
        if f.ack_on_time is not None:
            s.ack_due += 1
            s.ack_on_time += f.ack_on_time
        if f.handle_on_time is not None:
            s.handle_due += 1
            s.handle_on_time += f.handle_on_time
        s.handled += f.handled_at is not None
        s.open += f.open
        s.overdue += f.overdue
        s.reopened += f.row.reopened > 0
        if f.ack_days is not None:
            s.ack_days.append(f.ack_days)
        if f.handle_days is not None:
            s.handle_days.append(f.handle_days)
    return s


@dataclass(frozen=True)
class UnitRank:
    unit_id: int
    stats: Stats
    rank: int | None  # None: fewer than MIN_RANKED issues


def rank_units(facts: list[IssueFacts]) -> list[UnitRank]:
    """Owning units by share handled on time, then acknowledged on time, then median days to handle."""
    by_unit: dict[int, list[IssueFacts]] = defaultdict(list)
    for f in facts:
        if f.counted:
            by_unit[f.row.owner_unit_id].append(f)
    all_stats = {uid: stats_of(fs) for uid, fs in by_unit.items()}

    def key(uid: int) -> tuple[float, float, float, int]:
        s = all_stats[uid]
        return (
            -(s.handle_share if s.handle_share is not None else -1),
            -(s.ack_share if s.ack_share is not None else -1),
            s.median_handle_days if s.median_handle_days is not None else float("inf"),
            uid,
        )

    ranked = sorted((u for u, s in all_stats.items() if s.issues >= MIN_RANKED), key=key)
    rest = sorted((u for u, s in all_stats.items() if s.issues < MIN_RANKED), key=key)
    return [UnitRank(u, all_stats[u], i + 1) for i, u in enumerate(ranked)] + [
        UnitRank(u, all_stats[u], None) for u in rest
    ]


def pressing_order(f: IssueFacts) -> tuple[int, int, int, datetime]:
    """Most pressing first: severity, overdue, more reports, older."""
    return (SEVERITY_RANK.get(f.row.severity, 3), 0 if f.overdue else 1, -f.row.reports, f.row.created_at)


# ---------------------------------------------------------------------------------------------- rounds


@dataclass
class Participation:
    prompted: int = 0
    answered: int = 0
    on_time: int = 0
    nothing_new: int = 0

    @property
    def late(self) -> int:
        return self.answered - self.on_time

    @property
    def rate(self) -> float | None:
        return 100 * self.answered / self.prompted if self.prompted else None

    def add(self, rm: ex.RoundMemberRow) -> None:
        if rm.prompted_at is None and rm.answered_at is None:
            return
        self.prompted += 1
        if rm.answered_at is not None:
            self.answered += 1
            self.on_time += not rm.late
            self.nothing_new += rm.nothing_new


@dataclass(frozen=True)
class MemberActivity:
    member: ex.MemberRow
    reports: int
    rounds_prompted: int
    rounds_answered: int
    answered_on_time: int


# ---------------------------------------------------------------------------------------------- the pack


@dataclass
class Pack:
    settings: Settings
    period: Period
    as_of: datetime
    tree: UnitTree
    scope_unit_id: int | None  # None: every unit
    scope: ex.ExportScope
    restricted: bool  # a leader's view: the sensitive matters of their own unit left out
    members: dict[int, ex.MemberRow]
    issues: list[IssueFacts]
    stats: Stats
    ranking: list[UnitRank]
    reports_total: int
    reports_by_member: dict[int, int]
    resolved_in_period: int
    monthly: list[tuple[Period, int, int]]  # month, new, resolved
    rounds: list[ex.RoundRow]
    topics: list[ex.TopicRow]
    round_members: list[ex.RoundMemberRow]
    answers: list[ex.AnswerRow]
    conn: ReadConnection | None = None
    polls: list[PollFigures] = field(default_factory=list)  # the quick polls open at some time in the period

    # -- names

    @property
    def scope_name(self) -> str:
        if self.scope_unit_id is not None:
            return self.tree.name(self.scope_unit_id)
        return ", ".join(self.tree.name(r) for r in self.tree.roots())

    @property
    def scope_code(self) -> str:
        return self.tree.code(self.scope_unit_id) if self.scope_unit_id is not None else "ALL"

    def member_name(self, member_id: int | None) -> str:
        if member_id is None:
            return ""
        m = self.members.get(member_id)
        return m.name if m else f"#{member_id}"

    def category_label(self, code: str, lang: str) -> str:
        c = self.settings.category(code)
        return c.label(lang) if c else code

    def sector_of(self, category: str) -> str:
        c = self.settings.category(category)
        return c.sector if c else ""

    def sector_label(self, code: str | None, lang: str) -> str:
        """A sector's name; no sector is the round's general mood (all sectors)."""
        if not code:
            text = t(lang, "round.sector_general")
            return text[:1].upper() + text[1:]
        s = self.settings.sector(code)
        if s is None:
            return code
        return s.vi if lang == "vi" else s.en

    def local(self, when: datetime) -> datetime:
        return when.astimezone(self.settings.tz)

    @property
    def hides_sensitive(self) -> bool:
        """A leader's pack below the top: the sensitive matters about their own unit may be left out."""
        if not self.restricted or self.scope_unit_id is None:
            return False
        unit = self.tree.units.get(self.scope_unit_id)
        return (
            unit is not None
            and unit.parent_id is not None
            and any(c.sensitive for c in self.settings.categories)
        )

    # -- derived figures

    @property
    def empty(self) -> bool:
        return (
            not self.issues and not self.reports_total and not self.round_members and not self.answers
            and not self.polls
        )  # fmt: skip

    @property
    def counted(self) -> list[IssueFacts]:
        return [f for f in self.issues if f.counted]

    def open_pressing(self, limit: int | None = None) -> list[IssueFacts]:
        rows = sorted((f for f in self.issues if f.open and f.counted), key=pressing_order)
        return rows[:limit] if limit is not None else rows

    def overdue(self) -> list[IssueFacts]:
        return sorted((f for f in self.issues if f.overdue), key=lambda f: (f.row.handle_due_at, f.row.id))

    def hotspots(self) -> list[IssueFacts]:
        return sorted((f for f in self.issues if f.hotspot and f.counted), key=pressing_order)

    def reporters(self) -> int:
        return sum(1 for n in self.reports_by_member.values() if n)

    def participation(self) -> Participation:
        p = Participation()
        for rm in self.round_members:
            p.add(rm)
        return p

    def participation_by(self, key: Callable[[ex.RoundMemberRow], K]) -> dict[K, Participation]:
        out: dict[K, Participation] = defaultdict(Participation)
        for rm in self.round_members:
            out[key(rm)].add(rm)
        return out

    def area(self, unit_id: int) -> int:
        return self.tree.area(unit_id, self.scope_unit_id)

    def moods(self) -> dict[tuple[int, int, str], Counter[str]]:
        """(round, unit, sector) -> counts of stable / concern / pressing."""
        out: dict[tuple[int, int, str], Counter[str]] = defaultdict(Counter)
        for a in self.answers:
            if a.kind == "mood":
                out[(a.round_id, a.unit_id, a.sector or "")][a.value] += 1
        return out

    def moods_by_sector(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = defaultdict(Counter)
        for a in self.answers:
            if a.kind == "mood":
                out[a.sector or ""][a.value] += 1
        return out

    def concerns(self) -> list[ex.AnswerRow]:
        return [a for a in self.answers if a.kind == "concerns" and a.value.strip()]

    def topic_answers(self) -> list[ex.AnswerRow]:
        return [a for a in self.answers if a.kind == "topic"]

    def member_activity(self) -> list[MemberActivity]:
        in_scope = set(self.scope_units())
        prompted: Counter[int] = Counter()
        answered: Counter[int] = Counter()
        on_time: Counter[int] = Counter()
        for rm in self.round_members:
            if rm.prompted_at is not None or rm.answered_at is not None:
                prompted[rm.member_id] += 1
            if rm.answered_at is not None:
                answered[rm.member_id] += 1
                on_time[rm.member_id] += not rm.late
        ids = {m.id for m in self.members.values() if m.unit_id in in_scope and m.active}
        ids |= set(prompted) | {m for m, n in self.reports_by_member.items() if n}
        out = [
            MemberActivity(
                self.members[i], self.reports_by_member.get(i, 0), prompted[i], answered[i], on_time[i]
            )
            for i in ids
            if i in self.members
        ]
        return sorted(out, key=lambda a: (self.tree.code(a.member.unit_id), a.member.name, a.member.id))

    def scope_units(self) -> list[int]:
        if self.scope_unit_id is None:
            return list(self.tree.units)
        return self.tree.subtree(self.scope_unit_id)

    def iter_reports(self) -> Iterator[ex.ReportRow]:
        assert self.conn is not None, "the pack's connection is closed"
        return read_ahead(ex.iter_reports(self.conn, self.scope, self.period.start, self.period.end))

    def round_label(self, round_id: int) -> str:
        r = next((r for r in self.rounds if r.id == round_id), None)
        return r.period if r else str(round_id)

    def round_names(self, lang: str) -> str:
        """The rounds in words: "quý 4/2026", or "tháng 10/2026, tháng 11/2026"."""
        return ", ".join(parse_period(r.period, self.settings.tz).label(lang) for r in self.rounds)


def make_scope(
    settings: Settings, tree: UnitTree, scope_unit_id: int | None, restricted: bool
) -> ex.ExportScope:
    if scope_unit_id is None:
        return ex.ExportScope(None)
    subtree = tree.subtree(scope_unit_id)
    owners = None if len(subtree) == len(tree.units) else tuple(sorted(subtree))
    if not restricted:
        return ex.ExportScope(owners)
    sensitive = tuple(c.code for c in settings.categories if c.sensitive)
    return ex.ExportScope(owners, sensitive, scope_unit_id, tuple(tree.line(scope_unit_id)))


def _monthly(
    conn: ReadConnection, settings: Settings, scope: ex.ExportScope, period: Period
) -> tuple[list[tuple[Period, int, int]], int]:
    """New and resolved per month (the period's months, and at least the two before it for comparison), and
    how many were resolved within the period."""
    months = [month(y, m, settings.tz) for y, m in period.months()]
    while len(months) < 3:
        first = months[0].start - timedelta(days=1)
        months.insert(0, month(first.year, first.month, settings.tz))
    dates = ex.list_issue_dates(conn, scope, months[0].start, months[-1].end)
    monthly = [
        (
            m,
            sum(1 for c, _ in dates if m.contains(c)),
            sum(1 for _, r in dates if r is not None and m.contains(r)),
        )
        for m in months
    ]
    return monthly, sum(1 for _, r in dates if r is not None and period.contains(r))


def load_pack(
    conn: ReadConnection,
    settings: Settings,
    calendar: WorkCalendar,
    period: Period,
    *,
    scope_unit_id: int | None,
    restricted: bool,
    as_of: datetime,
    progress: Progress = no_progress,
) -> Pack:
    """Read everything the pack shows except the reports' rows (streamed later), inside one snapshot the
    caller has opened with :func:`storage.exports.snapshot`."""
    tree = UnitTree(ex.load_units(conn))
    if scope_unit_id is not None and scope_unit_id not in tree.units:
        raise ValueError(f"no unit with id {scope_unit_id}")
    scope = make_scope(settings, tree, scope_unit_id, restricted)
    members = {m.id: m for m in ex.load_members(conn)}
    progress("issues", 0, 0)
    rows = ex.list_issues_created(conn, scope, period.start, period.end)
    hotspots = ex.list_hotspot_issue_ids(conn, period.start)
    facts = []
    for i, row in enumerate(rows, 1):
        facts.append(issue_facts(row, calendar, as_of, hotspots))
        if i % 10_000 == 0:
            progress("issues", i, len(rows))
    progress("issues", len(rows), len(rows))
    reports_by_member = ex.count_reports_by_member(conn, scope, period.start, period.end)

    monthly, resolved_in_period = _monthly(conn, settings, scope, period)

    rounds = []
    for r in ex.list_rounds(conn):
        try:
            rp = parse_period(r.period, settings.tz)
        except ValueError:
            continue
        if period.start <= rp.start < period.end:
            rounds.append(r)
    round_ids = [r.id for r in rounds]
    unit_filter = None if scope.owner_unit_ids is None else tuple(tree.subtree(scope_unit_id or 0))
    topics_units = set(tree.subtree(scope_unit_id)) | set(tree.line(scope_unit_id)) if scope_unit_id else None
    topics = [
        t for t in ex.list_round_topics(conn, round_ids) if topics_units is None or t.unit_id in topics_units
    ]
    polls = ex.list_polls(conn, period.start, period.end, scope.owner_unit_ids)
    parents = {u.id: u.parent_id for u in tree.units.values()}
    poll_counts = poll_figures(polls, ex.list_poll_counts(conn, polls), tree.subtree, parents)
    return Pack(
        settings=settings,
        period=period,
        as_of=as_of,
        tree=tree,
        scope_unit_id=scope_unit_id,
        scope=scope,
        restricted=restricted,
        members=members,
        issues=facts,
        stats=stats_of(facts),
        ranking=rank_units(facts),
        reports_total=sum(reports_by_member.values()),
        reports_by_member=reports_by_member,
        resolved_in_period=resolved_in_period,
        monthly=monthly,
        rounds=rounds,
        topics=topics,
        round_members=ex.list_round_members(conn, round_ids, unit_filter),
        answers=ex.list_round_answers(conn, round_ids, unit_filter),
        conn=conn,
        polls=poll_counts,
    )
