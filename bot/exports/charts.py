"""The pack's charts as PNG (matplotlib, Agg, no pyplot: safe in a worker thread).

Every text is set in DejaVu Sans, which ships with matplotlib and has every Vietnamese letter; a test draws
each chart with font fallback disabled and checks that no glyph is missing.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.core.texts import t
from bot.exports.model import OPEN_STATES, Pack

FONT = "DejaVu Sans"
DPI = 110
MAX_BARS = 20
MAX_POLLS = 6  # panels in the polls' chart
LABEL_CHARS = 30
COLORS = {
    "open": "#e8a33d",
    "handled": "#3b8b5a",
    "closed": "#8c8c8c",
    "other": "#c9c9c9",
    "normal": "#7fa7d6",
    "pressing": "#e8a33d",
    "urgent": "#c8403a",
    "new": "#4a78b5",
    "resolved": "#3b8b5a",
    "on_time": "#3b8b5a",
    "late": "#e8a33d",
    "missing": "#d9d9d9",
    "ack": "#7fa7d6",
    "handle": "#3b8b5a",
}


@dataclass(frozen=True)
class Chart:
    key: str  # ASCII, for file names
    title: str
    png: bytes


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` cut to ``limit`` characters at a word boundary (mid-word only for one very long word)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    head = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return (head if len(head) >= limit // 2 else cut).rstrip(" ,;:-–") + "…"


def _figure(bars: float, horizontal: bool = True) -> Figure:
    height = 1.6 + 0.38 * bars if horizontal else 4.6
    fig = Figure(figsize=(9, max(3.2, min(height, 11))), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def _style(ax: Axes, title: str, xlabel: str = "", ylabel: str = "") -> None:
    ax.set_title(title, fontfamily=FONT, fontsize=13, fontweight="bold", loc="left")
    if xlabel:
        ax.set_xlabel(xlabel, fontfamily=FONT, fontsize=10)
    if ylabel:
        ax.set_ylabel(ylabel, fontfamily=FONT, fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontfamily(FONT)


def _legend_below(fig: Figure, ax: Axes, ncol: int) -> None:
    """The legend centred under the plot, clear of the axis label, whatever the figure's height."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(
        handles, labels, prop={"family": FONT, "size": 9}, ncol=ncol, frameon=False, loc="lower center"
    )
    fig.tight_layout(rect=(0, 0.4 / fig.get_figheight(), 1, 1))


def hbar_figure(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[float], str]],
    xlabel: str,
    legend: bool = True,
) -> Figure:
    """Stacked horizontal bars of counts: one bar per label, one colour per series."""
    fig = _figure(len(labels))
    ax = fig.add_subplot()
    positions = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    for name, values, color in series:
        bars = ax.barh(positions, values, left=left, color=color, label=name, height=0.7)
        left = [a + b for a, b in zip(left, values, strict=True)]
        del bars
    ax.set_yticks(positions, labels=[short_label(x) for x in labels], fontfamily=FONT, fontsize=9)
    for pos, total in zip(positions, left, strict=True):
        if total:
            ax.text(total, pos, f" {total:g}", va="center", fontfamily=FONT, fontsize=8)
    ax.set_xlim(0, max([*left, 1]) * 1.12)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts of issues: whole numbers only
    _style(ax, title, xlabel)
    if legend:
        _legend_below(fig, ax, len(series))  # outside the plot: it never covers a bar
    else:
        fig.tight_layout()
    return fig


def chart_by_category(pack: Pack, lang: str) -> Chart | None:
    if not pack.issues:
        return None
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for f in pack.issues:
        s = f.row.state
        g = "open" if s in OPEN_STATES else "handled" if s in ("resolved", "closed") else (
            "closed" if s == "closed_without_action" else "other")  # fmt: skip
        groups[f.row.category][g] += 1
    codes = sorted(groups, key=lambda c: -sum(groups[c].values()))
    title = t(lang, "chart.by_category")
    series = [
        (t(lang, f"chart.state_{g}"), [float(groups[c][g]) for c in codes], COLORS[g])
        for g in ("open", "handled", "closed", "other")
        if any(groups[c][g] for c in codes)
    ]
    png = _png(
        hbar_figure(title, [pack.category_label(c, lang) for c in codes], series, t(lang, "chart.issues"))
    )
    return Chart("by-category", title, png)


def chart_by_unit(pack: Pack, lang: str) -> Chart | None:
    if not pack.issues:
        return None
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for f in pack.issues:
        counts[pack.area(f.row.about_unit_id)][f.row.severity] += 1
    units = sorted(counts, key=lambda u: (-sum(counts[u].values()), pack.tree.code(u)))
    title = t(lang, "chart.by_unit")
    if len(units) > MAX_BARS:
        title = t(lang, "chart.by_unit_top", count=MAX_BARS, total=len(units))
        units = units[:MAX_BARS]
    series = [
        (t(lang, f"severity.{sev}").split(" — ")[0], [float(counts[u][sev]) for u in units], COLORS[sev])
        for sev in ("normal", "pressing", "urgent")
        if any(counts[u][sev] for u in units)
    ]
    png = _png(hbar_figure(title, [pack.tree.name(u) for u in units], series, t(lang, "chart.issues")))
    return Chart("by-unit", title, png)


def chart_new_resolved(pack: Pack, lang: str) -> Chart | None:
    if not any(new or resolved for _, new, resolved in pack.monthly):
        return None
    fig = _figure(0, horizontal=False)
    ax = fig.add_subplot()
    xs = list(range(len(pack.monthly)))
    width = 0.38
    new = [n for _, n, _ in pack.monthly]
    resolved = [r for _, _, r in pack.monthly]
    b1 = ax.bar([x - width / 2 for x in xs], new, width, color=COLORS["new"], label=t(lang, "chart.new"))
    b2 = ax.bar(
        [x + width / 2 for x in xs],
        resolved,
        width,
        color=COLORS["resolved"],
        label=t(lang, "chart.resolved"),
    )
    for bars in (b1, b2):
        ax.bar_label(bars, fontfamily=FONT, fontsize=8, padding=2)
    months = [m.label(lang) for m, _, _ in pack.monthly]
    ax.set_xticks(xs, labels=[x[:1].upper() + x[1:] for x in months], fontfamily=FONT, fontsize=9)
    ax.set_ylim(0, max([*new, *resolved, 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    title = t(lang, "chart.new_resolved")
    _style(ax, title, "", t(lang, "chart.issues"))
    _legend_below(fig, ax, 2)
    return Chart("new-resolved", title, _png(fig))


def chart_participation(pack: Pack, lang: str) -> Chart | None:
    by = pack.participation_by(lambda rm: pack.area(rm.unit_id))
    by = {k: v for k, v in by.items() if v.prompted}
    if not by:
        return None
    units = sorted(by, key=lambda u: (by[u].rate or 0, pack.tree.code(u)))
    title = t(lang, "chart.participation")
    if len(units) > MAX_BARS:
        title = t(lang, "chart.participation_lowest", count=MAX_BARS, total=len(units))
        units = units[:MAX_BARS]
    units = units[::-1]  # the lowest at the top

    def share(n: int, u: int) -> float:
        return round(100 * n / by[u].prompted, 1)

    series = [
        (t(lang, "chart.on_time"), [share(by[u].on_time, u) for u in units], COLORS["on_time"]),
        (t(lang, "chart.late"), [share(by[u].late, u) for u in units], COLORS["late"]),
        (
            t(lang, "chart.not_answered"),
            [share(by[u].prompted - by[u].answered, u) for u in units],
            COLORS["missing"],
        ),
    ]
    fig = _figure(len(units))
    ax = fig.add_subplot()
    positions = list(range(len(units)))
    left = [0.0] * len(units)
    for name, values, color in series:
        ax.barh(positions, values, left=left, color=color, label=name, height=0.7)
        left = [a + b for a, b in zip(left, values, strict=True)]
    for pos, u in zip(positions, units, strict=True):
        rate = by[u].rate or 0
        ax.text(101, pos, f"{rate:.0f} %", va="center", fontfamily=FONT, fontsize=8)
    ax.set_yticks(
        positions, labels=[short_label(pack.tree.name(u)) for u in units], fontfamily=FONT, fontsize=9
    )
    ax.set_xlim(0, 112)
    _style(ax, title, t(lang, "chart.percent_prompted"))
    _legend_below(fig, ax, 3)
    return Chart("participation", title, _png(fig))


def chart_on_time(pack: Pack, lang: str) -> Chart | None:
    ranked = [r for r in pack.ranking if r.rank is not None]
    if not ranked:
        return None
    title = t(lang, "chart.on_time_by_unit")
    if len(ranked) > MAX_BARS:
        title = t(lang, "chart.on_time_lowest", count=MAX_BARS, total=len(ranked))
        ranked = ranked[-MAX_BARS:]
    ranked = ranked[::-1]  # the best at the top
    fig = _figure(len(ranked) * 1.5)  # two bars a unit
    ax = fig.add_subplot()
    positions = list(range(len(ranked)))
    h = 0.38
    ack = [r.stats.ack_share or 0 for r in ranked]
    handle = [r.stats.handle_share or 0 for r in ranked]
    b1 = ax.barh(
        [p + h / 2 for p in positions], ack, h, color=COLORS["ack"], label=t(lang, "chart.ack_on_time")
    )
    b2 = ax.barh(
        [p - h / 2 for p in positions],
        handle,
        h,
        color=COLORS["handle"],
        label=t(lang, "chart.handle_on_time"),
    )
    for bars in (b1, b2):
        ax.bar_label(bars, labels=[f" {v.get_width():.0f} %" for v in bars], fontfamily=FONT, fontsize=8)
    labels = [f"{r.rank}. {short_label(pack.tree.name(r.unit_id), 26)}" for r in ranked]
    ax.set_yticks(positions, labels=labels, fontfamily=FONT, fontsize=9)
    ax.set_xlim(0, 115)
    _style(ax, title, t(lang, "chart.percent"))
    _legend_below(fig, ax, 2)
    return Chart("on-time", title, _png(fig))


def chart_polls(pack: Pack, lang: str) -> Chart | None:
    """One panel per quick poll with enough answers (the latest MAX_POLLS): answers by option."""
    shown = [f for f in pack.polls if f.shown]
    if not shown:
        return None
    title = t(lang, "chart.polls")
    if len(shown) > MAX_POLLS:
        title = t(lang, "chart.polls_latest", count=MAX_POLLS, total=len(shown))
        shown = shown[-MAX_POLLS:]
    heights = [1.0 + 0.38 * len(f.choices) for f in shown]
    fig = Figure(figsize=(9, min(sum(heights) + 0.8, 16)), dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(shown), 1, squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, f in zip((row[0] for row in axes), shown, strict=True):
        labels = [short_label(f.label(c, lang), 40) for c in f.choices]
        values = [f.by_choice[c] for c in f.choices]
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, values, color=COLORS["new"], height=0.7)
        for pos, n in zip(positions, values, strict=True):
            ax.text(n, pos, f" {n} ({100 * n / f.total:.0f} %)", va="center", fontfamily=FONT, fontsize=8)
        ax.set_yticks(positions, labels=labels, fontfamily=FONT, fontsize=9)
        ax.set_xlim(0, max([*values, 1]) * 1.25)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        heading = t(lang, "chart.poll_title", id=f.poll.id, question=short_label(f.poll.question, 60),
                    answered=f.total)  # fmt: skip
        ax.set_title(heading, fontfamily=FONT, fontsize=10, loc="left")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for label in ax.get_xticklabels():
            label.set_fontfamily(FONT)
    fig.suptitle(title, fontfamily=FONT, fontsize=13, fontweight="bold", x=0.01, ha="left")
    fig.tight_layout()
    return Chart("polls", title, _png(fig))


def render_charts(pack: Pack, lang: str) -> list[Chart]:
    out = []
    makers = (
        chart_by_category,
        chart_by_unit,
        chart_new_resolved,
        chart_participation,
        chart_on_time,
        chart_polls,
    )
    for make in makers:
        chart = make(pack, lang)
        if chart is not None:
            out.append(chart)
    return out
