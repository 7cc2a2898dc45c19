"""The pack's tables, once: each sheet of the XLSX is also one CSV file.

:func:`build_sheets` lists them; each sheet is built by its own function from the pack and a :class:`Words`
(the language's headers and labels, with the names and labels a big sheet repeats looked up once each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.texts import t
from bot.exports.model import MOODS, Pack
from bot.exports.polls import MIN_ANSWERS, PollFigures
from bot.exports.xlsx import Column


@dataclass(frozen=True)
class Sheet:
    key: str  # ASCII, for the CSV file's name
    title: str  # the tab's name
    columns: list[Column]
    rows: Callable[[], Iterable[list[Any]]]  # called once per file written: the reports are streamed
    count: int | None = None  # how many rows to expect (for progress), when known


def pct(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


class Words:
    """The texts of one pack's sheets in one language; what a row repeats is looked up once."""

    def __init__(self, pack: Pack, lang: str) -> None:
        self.pack, self.lang = pack, lang
        self.tz = pack.settings.tz
        self._units: dict[int | None, str] = {}
        self._members: dict[int | None, str] = {}
        self._categories: dict[str, str] = {}
        self._sectors: dict[str, str] = {}
        self._labels: dict[str, str] = {}
        self.yes_text, self.no_text = t(lang, "xlsx.yes"), t(lang, "xlsx.no")

    def h(self, key: str) -> str:
        return t(self.lang, f"xlsx.{key}")

    def local(self, when: datetime | None) -> datetime | None:
        return when.astimezone(self.tz) if when is not None else None

    def yes(self, flag: bool) -> str:
        return self.yes_text if flag else self.no_text

    def timely(self, flag: bool | None) -> str:
        if flag is None:
            return t(self.lang, "xlsx.not_due")
        return t(self.lang, "xlsx.on_time") if flag else t(self.lang, "xlsx.late")

    def unit(self, unit_id: int | None) -> str:
        name = self._units.get(unit_id)
        if name is None:
            name = self._units[unit_id] = self.pack.tree.name(unit_id)
        return name

    def member(self, member_id: int | None) -> str:
        name = self._members.get(member_id)
        if name is None:
            name = self._members[member_id] = self.pack.member_name(member_id)
        return name

    def category(self, code: str) -> str:
        text = self._categories.get(code)
        if text is None:
            text = self._categories[code] = self.pack.category_label(code, self.lang)
        return text

    def sector(self, category: str) -> str:
        """The sector of a category, in words."""
        text = self._sectors.get(category)
        if text is None:
            sector = self.pack.sector_of(category)
            text = self._sectors[category] = self.pack.sector_label(sector, self.lang)
        return text

    def label(self, key: str) -> str:
        """A catalog text, or the code itself when the catalog has none (a value from an older version)."""
        text = self._labels.get(key)
        if text is None:
            try:
                text = t(self.lang, key)
            except KeyError:
                text = key.split(".", 1)[-1]
            self._labels[key] = text
        return text


def build_sheets(pack: Pack, lang: str) -> list[Sheet]:
    w = Words(pack, lang)
    return [make(pack, w) for make in SHEETS]


def summary_sheet(pack: Pack, w: Words) -> Sheet:
    h, lang = w.h, w.lang

    def rows() -> Iterator[list[Any]]:
        s = pack.stats
        p = pack.participation()
        yield [h("sum.period"), pack.period.label(lang)]
        yield [h("sum.unit"), pack.scope_name]
        yield [h("sum.as_of"), pack.local(pack.as_of).strftime("%d/%m/%Y %H:%M")]
        if pack.empty:
            yield [h("sum.note"), t(lang, "pack.no_data")]
        yield [h("sum.issues"), len(pack.issues)]
        yield [h("sum.pressing"), sum(1 for f in pack.issues if f.row.severity == "pressing")]
        yield [h("sum.urgent"), sum(1 for f in pack.issues if f.row.severity == "urgent")]
        yield [h("sum.reports"), pack.reports_total]
        yield [h("sum.reporters"), pack.reporters()]
        yield [h("sum.open"), s.open]
        yield [h("sum.overdue"), s.overdue]
        yield [h("sum.hotspots"), len(pack.hotspots())]
        yield [h("sum.resolved_in_period"), pack.resolved_in_period]
        yield [h("sum.ack_share"), pct(s.ack_share)]
        yield [h("sum.ack_counts"), f"{s.ack_on_time}/{s.ack_due}"]
        yield [h("sum.handle_share"), pct(s.handle_share)]
        yield [h("sum.handle_counts"), f"{s.handle_on_time}/{s.handle_due}"]
        yield [h("sum.handle_late"), s.handle_late]
        yield [h("sum.median_ack"), s.median_ack_days]
        yield [h("sum.mean_ack"), s.mean_ack_days]
        yield [h("sum.median_handle"), s.median_handle_days]
        yield [h("sum.mean_handle"), s.mean_handle_days]
        yield [h("sum.reopened"), s.reopened]
        yield [h("sum.reopened_share"), pct(s.reopened_share)]
        yield [h("sum.rounds"), pack.round_names(lang)]
        yield [h("sum.participation"), pct(p.rate)]
        yield [h("sum.participation_counts"), f"{p.answered}/{p.prompted}"]
        if pack.hides_sensitive:
            yield [h("sum.note"), t(lang, "pack.restricted_note")]

    columns = [Column(h("sum.label"), 52), Column(h("sum.value"), 30, "float")]
    return Sheet("summary", h("sheet.summary"), columns, rows)


def category_sheet(pack: Pack, w: Words) -> Sheet:
    h = w.h

    def rows() -> Iterator[list[Any]]:
        codes = [c.code for c in pack.settings.categories]
        codes += sorted({f.row.category for f in pack.issues} - set(codes))
        for code in codes:
            fs = [f for f in pack.issues if f.row.category == code]
            if not fs:
                continue
            yield [
                w.category(code),
                w.sector(code),
                len(fs),
                sum(1 for f in fs if f.open),
                sum(1 for f in fs if f.row.state in ("resolved", "closed")),
                sum(1 for f in fs if f.row.state == "closed_without_action"),
                sum(1 for f in fs if not f.counted),
                sum(1 for f in fs if f.row.severity == "pressing"),
                sum(1 for f in fs if f.row.severity == "urgent"),
                sum(1 for f in fs if f.overdue),
            ]

    return Sheet("categories", h("sheet.categories"), [
        Column(h("cat.category"), 34), Column(h("cat.sector"), 30), Column(h("cat.total"), 10, "int"),
        Column(h("cat.open"), 10, "int"), Column(h("cat.resolved"), 10, "int"), Column(h("cat.closed"), 12, "int"),
        Column(h("cat.other"), 12, "int"), Column(h("cat.pressing"), 10, "int"), Column(h("cat.urgent"), 10, "int"),
        Column(h("cat.overdue"), 10, "int"),
    ], rows)  # fmt: skip


def issues_sheet(pack: Pack, w: Words) -> Sheet:
    """Every field of every issue."""
    h, local, unit, member = w.h, w.local, w.unit, w.member

    def rows() -> Iterator[list[Any]]:
        for f in pack.issues:
            i = f.row
            yield [
                i.id, i.title, w.category(i.category), w.sector(i.category), unit(i.about_unit_id),
                unit(i.owner_unit_id), w.label(f"severity.{i.severity}"), w.label(f"state.{i.state}"), i.place,
                member(i.created_by), local(i.created_at), local(i.updated_at), local(i.ack_due_at),
                local(i.handle_due_at), local(i.acknowledged_at), local(i.resolved_at), local(i.closed_at),
                member(i.assignee_id), i.agency, i.duplicate_of, i.resolution, i.reports, f.ack_days,
                w.timely(f.ack_on_time) if f.counted else "", f.handle_days,
                w.timely(f.handle_on_time) if f.counted else "", w.yes(f.overdue), i.reopened, w.yes(f.hotspot),
            ]  # fmt: skip

    return Sheet("issues", h("sheet.issues"), [
        Column(h("iss.id"), 7, "int"), Column(h("iss.title"), 40), Column(h("iss.category"), 26),
        Column(h("iss.sector"), 24), Column(h("iss.about"), 22), Column(h("iss.owner"), 22),
        Column(h("iss.severity"), 14), Column(h("iss.state"), 16), Column(h("iss.place"), 18),
        Column(h("iss.created_by"), 20), Column(h("iss.created_at"), 17, "datetime"),
        Column(h("iss.updated_at"), 17, "datetime"), Column(h("iss.ack_due_at"), 17, "datetime"),
        Column(h("iss.handle_due_at"), 17, "datetime"), Column(h("iss.acknowledged_at"), 17, "datetime"),
        Column(h("iss.resolved_at"), 17, "datetime"), Column(h("iss.closed_at"), 17, "datetime"),
        Column(h("iss.assignee"), 20), Column(h("iss.agency"), 20), Column(h("iss.duplicate_of"), 10, "int"),
        Column(h("iss.resolution"), 36), Column(h("iss.reports"), 9, "int"), Column(h("iss.ack_days"), 12, "float"),
        Column(h("iss.ack_on_time"), 13), Column(h("iss.handle_days"), 12, "float"),
        Column(h("iss.handle_on_time"), 13), Column(h("iss.overdue"), 9), Column(h("iss.reopened"), 9, "int"),
        Column(h("iss.hotspot"), 9),
    ], rows, len(pack.issues))  # fmt: skip


def reports_sheet(pack: Pack, w: Words) -> Sheet:
    """Streamed from the database; a confidential source is never shown. The quarter of a province has a
    quarter of a million rows: the names and labels come from dictionaries filled on first use."""
    h, tz, yes, no = w.h, w.tz, w.yes_text, w.no_text
    hidden = t(w.lang, "xlsx.confidential")
    members: dict[int | None, str] = {}
    units: dict[int | None, str] = {}
    categories: dict[str, str] = {}
    labels: dict[tuple[str, str], str] = {}

    def named(cache: dict[Any, str], key: Any, look: Callable[[Any], str]) -> str:
        text = cache[key] = look(key)
        return text

    def label(kind: str, code: str) -> str:
        text = labels[kind, code] = w.label(f"{kind}.{code}")
        return text

    def rows() -> Iterator[list[Any]]:
        for r in pack.iter_reports():
            withdrawn = r.withdrawn_at
            yield [
                r.id, r.issue_id, r.created_at.astimezone(tz),
                members.get(r.member_id) or named(members, r.member_id, w.member),
                units.get(r.unit_id) or named(units, r.unit_id, w.unit),
                categories.get(r.category) or named(categories, r.category, w.category),
                r.place, r.latitude, r.longitude, r.description,
                labels.get(("severity", r.severity)) or label("severity", r.severity),
                labels.get(("people", r.people)) or label("people", r.people),
                labels.get(("source", r.source)) or label("source", r.source),
                (hidden if r.confidential else r.citizen) if r.citizen or r.confidential else "",
                yes if r.confidential else no, withdrawn.astimezone(tz) if withdrawn is not None else None,
            ]  # fmt: skip

    return Sheet("reports", h("sheet.reports"), [
        Column(h("rep.id"), 8, "int"), Column(h("rep.issue"), 9, "int"), Column(h("rep.created_at"), 17, "datetime"),
        Column(h("rep.member"), 22), Column(h("rep.unit"), 22), Column(h("rep.category"), 24),
        Column(h("rep.place"), 18), Column(h("rep.latitude"), 10, "float"), Column(h("rep.longitude"), 10, "float"),
        Column(h("rep.description"), 60), Column(h("rep.severity"), 14), Column(h("rep.people"), 20),
        Column(h("rep.source"), 22), Column(h("rep.citizen"), 24), Column(h("rep.confidential"), 10),
        Column(h("rep.withdrawn_at"), 17, "datetime"),
    ], rows, pack.reports_total)  # fmt: skip


def ranking_sheet(pack: Pack, w: Words) -> Sheet:
    """Handling by owning unit, ranked."""
    h = w.h

    def rows() -> Iterator[list[Any]]:
        for r in pack.ranking:
            s = r.stats
            yield [
                r.rank if r.rank is not None else t(w.lang, "xlsx.not_ranked"), pack.tree.code(r.unit_id),
                w.unit(r.unit_id), s.issues, pct(s.ack_share), pct(s.handle_share), s.handle_on_time, s.handle_late,
                s.overdue, s.median_ack_days, s.mean_ack_days, s.median_handle_days, s.mean_handle_days,
                pct(s.reopened_share),
            ]  # fmt: skip

    return Sheet("ranking", h("sheet.ranking"), [
        Column(h("rank.rank"), 12), Column(h("rank.code"), 10), Column(h("rank.unit"), 28),
        Column(h("rank.issues"), 10, "int"), Column(h("rank.ack_share"), 14, "float"),
        Column(h("rank.handle_share"), 14, "float"), Column(h("rank.on_time"), 12, "int"),
        Column(h("rank.late"), 10, "int"), Column(h("rank.overdue"), 10, "int"),
        Column(h("rank.median_ack"), 14, "float"), Column(h("rank.mean_ack"), 14, "float"),
        Column(h("rank.median_handle"), 14, "float"), Column(h("rank.mean_handle"), 14, "float"),
        Column(h("rank.reopened_share"), 12, "float"),
    ], rows)  # fmt: skip


def moods_sheet(pack: Pack, w: Words) -> Sheet:
    """The rounds' moods by sector and unit."""
    h = w.h

    def rows() -> Iterator[list[Any]]:
        for (round_id, unit_id, sector), counts in sorted(
            pack.moods().items(), key=lambda kv: (kv[0][0], pack.tree.code(kv[0][1]), kv[0][2])
        ):
            yield [
                pack.round_label(round_id), w.unit(unit_id), pack.sector_label(sector, w.lang),
                *(counts.get(m, 0) for m in MOODS), sum(counts.values()),
            ]  # fmt: skip

    return Sheet("moods", h("sheet.moods"), [
        Column(h("mood.round"), 10), Column(h("mood.unit"), 26), Column(h("mood.sector"), 30),
        Column(h("mood.stable"), 11, "int"), Column(h("mood.concern"), 11, "int"),
        Column(h("mood.pressing"), 11, "int"), Column(h("mood.total"), 11, "int"),
    ], rows)  # fmt: skip


def concerns_sheet(pack: Pack, w: Words) -> Sheet:
    h = w.h

    def rows() -> Iterator[list[Any]]:
        for a in pack.concerns():
            yield [pack.round_label(a.round_id), w.unit(a.unit_id), w.member(a.member_id), a.value,
                   w.local(a.created_at), w.yes(a.late)]  # fmt: skip

    return Sheet("concerns", h("sheet.concerns"), [
        Column(h("con.round"), 10), Column(h("con.unit"), 26), Column(h("con.member"), 22),
        Column(h("con.text"), 70), Column(h("con.at"), 17, "datetime"), Column(h("con.late"), 10),
    ], rows)  # fmt: skip


def topics_sheet(pack: Pack, w: Words) -> Sheet:
    """The rounds' focus topics and their answers; a topic nobody answered still gets its row."""
    h, unit = w.h, w.unit
    topics = {tp.id: tp for tp in pack.topics}

    def rows() -> Iterator[list[Any]]:
        answered: set[int] = set()
        for a in pack.topic_answers():
            tp = topics.get(a.topic_id or 0)
            if tp is None:
                continue
            answered.add(tp.id)
            yield [pack.round_label(a.round_id), tp.text, unit(tp.unit_id), unit(a.unit_id),
                   w.member(a.member_id), a.value, w.local(a.created_at), w.yes(a.late)]  # fmt: skip
        for tp in pack.topics:
            if tp.id not in answered:
                yield [pack.round_label(tp.round_id), tp.text, unit(tp.unit_id), "", "", "", None, ""]

    return Sheet("topics", h("sheet.topics"), [
        Column(h("top.round"), 10), Column(h("top.topic"), 40), Column(h("top.set_by"), 24),
        Column(h("top.unit"), 24), Column(h("top.member"), 22), Column(h("top.answer"), 60),
        Column(h("top.at"), 17, "datetime"), Column(h("top.late"), 10),
    ], rows)  # fmt: skip


def participation_units_sheet(pack: Pack, w: Words) -> Sheet:
    h = w.h

    def rows() -> Iterator[list[Any]]:
        by = pack.participation_by(lambda rm: (rm.round_id, rm.unit_id))
        for round_id, unit_id in sorted(by, key=lambda k: (k[0], pack.tree.code(k[1]))):
            p = by[(round_id, unit_id)]
            yield [pack.round_label(round_id), pack.tree.code(unit_id), w.unit(unit_id), p.prompted, p.answered,
                   p.on_time, p.late, p.nothing_new, pct(p.rate)]  # fmt: skip

    return Sheet("participation_units", h("sheet.participation_units"), [
        Column(h("pu.round"), 10), Column(h("pu.code"), 10), Column(h("pu.unit"), 28),
        Column(h("pu.prompted"), 11, "int"), Column(h("pu.answered"), 11, "int"), Column(h("pu.on_time"), 11, "int"),
        Column(h("pu.late"), 10, "int"), Column(h("pu.nothing_new"), 13, "int"), Column(h("pu.rate"), 12, "float"),
    ], rows)  # fmt: skip


def participation_members_sheet(pack: Pack, w: Words) -> Sheet:
    h = w.h

    def rows() -> Iterator[list[Any]]:
        for rm in pack.round_members:
            if rm.prompted_at is None and rm.answered_at is None:
                continue
            status = t(w.lang, "xlsx.not_answered") if rm.answered_at is None else w.timely(not rm.late)
            yield [pack.round_label(rm.round_id), rm.member_id, w.member(rm.member_id), w.unit(rm.unit_id),
                   w.local(rm.prompted_at), w.local(rm.answered_at), status, w.yes(rm.nothing_new)]  # fmt: skip

    return Sheet("participation_members", h("sheet.participation_members"), [
        Column(h("pm.round"), 10), Column(h("pm.member_id"), 9, "int"), Column(h("pm.member"), 24),
        Column(h("pm.unit"), 26), Column(h("pm.prompted_at"), 17, "datetime"),
        Column(h("pm.answered_at"), 17, "datetime"), Column(h("pm.status"), 16), Column(h("pm.nothing_new"), 13),
    ], rows)  # fmt: skip


def activity_sheet(pack: Pack, w: Words) -> Sheet:
    """Member activity, for the stipend."""
    h = w.h

    def rows() -> Iterator[list[Any]]:
        for a in pack.member_activity():
            m = a.member
            yield [m.id, m.name, pack.tree.code(m.unit_id), w.unit(m.unit_id), w.label(f"role.{m.role}"),
                   w.yes(m.active), a.reports, a.rounds_prompted, a.rounds_answered, a.answered_on_time]  # fmt: skip

    return Sheet("member_activity", h("sheet.member_activity"), [
        Column(h("act.id"), 9, "int"), Column(h("act.name"), 26), Column(h("act.code"), 10),
        Column(h("act.unit"), 26), Column(h("act.role"), 14), Column(h("act.active"), 11),
        Column(h("act.reports"), 12, "int"), Column(h("act.prompted"), 12, "int"),
        Column(h("act.answered"), 12, "int"), Column(h("act.on_time"), 14, "int"),
    ], rows)  # fmt: skip


def _poll_rows(pack: Pack, w: Words, f: PollFigures) -> Iterator[list[Any]]:
    """One poll: the answered count, then each option overall, then each option by unit (small units folded)."""
    p, lang = f.poll, w.lang
    base = [p.id, p.question, t(lang, f"poll.state_{p.state}"), w.local(p.created_at), w.local(p.closes_at)]
    everyone = w.h("poll.everyone")
    rate = pct(100 * f.total / p.recipients) if p.recipients else None
    yield [*base, everyone, w.h("poll.answered"), f.total, rate, p.recipients]
    if not f.shown:
        yield [*base, everyone, t(lang, "xlsx.poll.too_few", min=MIN_ANSWERS), None, None, None]
        return
    for c in f.choices:
        yield [*base, everyone, f.label(c, lang), f.by_choice[c], pct(100 * f.by_choice[c] / f.total), None]
    for unit_id in sorted(f.by_unit, key=lambda u: (u != p.unit_id, w.unit(u))):
        counts = f.by_unit[unit_id]
        total = sum(counts.values())
        for c in f.choices:
            yield [*base, w.unit(unit_id), f.label(c, lang), counts[c], pct(100 * counts[c] / total), None]


def polls_sheet(pack: Pack, w: Words) -> Sheet:
    """The quick polls open at some time in the period: counts by option and by unit, never who chose what."""
    h = w.h

    def rows() -> Iterator[list[Any]]:
        for f in pack.polls:
            yield from _poll_rows(pack, w, f)

    return Sheet("polls", h("sheet.polls"), [
        Column(h("poll.number"), 8, "int"), Column(h("poll.question"), 44), Column(h("poll.state"), 14),
        Column(h("poll.opened"), 17, "datetime"), Column(h("poll.closes"), 17, "datetime"),
        Column(h("poll.unit"), 26), Column(h("poll.option"), 34), Column(h("poll.answers"), 11, "int"),
        Column(h("poll.share"), 11, "float"), Column(h("poll.sent"), 11, "int"),
    ], rows)  # fmt: skip


SHEETS: tuple[Callable[[Pack, Words], Sheet], ...] = (
    summary_sheet,
    category_sheet,
    issues_sheet,
    reports_sheet,
    ranking_sheet,
    moods_sheet,
    concerns_sheet,
    topics_sheet,
    participation_units_sheet,
    participation_members_sheet,
    activity_sheet,
    polls_sheet,
)
