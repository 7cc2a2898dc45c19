"""The pack's text for the chat: the figures, the five most pressing open issues, what is overdue, hot spots."""

from __future__ import annotations

from bot.core.texts import t
from bot.exports.model import Pack

ICONS = {"urgent": "🔴 ", "pressing": "🟠 ", "normal": ""}
TOP = 5
IDS = 10


def _pct(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    text = f"{value:.0f} %"
    return text


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_text(pack: Pack, lang: str) -> str:
    s = pack.stats
    lines = [
        t(lang, "pack.header", period=pack.period.label(lang), unit=pack.scope_name),
        t(lang, "pack.as_of", at=pack.local(pack.as_of).strftime("%H:%M %d/%m/%Y")),
        "",
    ]
    if pack.empty:
        lines += [t(lang, "pack.no_data"), "", t(lang, "pack.attached")]
        return "\n".join(lines)
    p = pack.participation()
    lines += [
        t(lang, "pack.counts", issues=len(pack.issues),
          pressing=sum(1 for f in pack.issues if f.row.severity == "pressing"),
          urgent=sum(1 for f in pack.issues if f.row.severity == "urgent"), reports=pack.reports_total),
        t(lang, "pack.open", open=s.open, overdue=s.overdue, hotspots=len(pack.hotspots()),
          resolved=pack.resolved_in_period),
        t(lang, "pack.on_time", ack=_pct(s.ack_share, lang), ack_on_time=s.ack_on_time, ack_due=s.ack_due,
          handle=_pct(s.handle_share, lang), on_time=s.handle_on_time, due=s.handle_due),
        t(lang, "pack.participation", rate=_pct(p.rate, lang), answered=p.answered, prompted=p.prompted)
        if p.prompted
        else t(lang, "pack.no_round"),
    ]  # fmt: skip
    top = pack.open_pressing(TOP)
    if top:
        lines += ["", t(lang, "pack.top", count=len(top))]
        for f in top:
            i = f.row
            lines.append(
                t(lang, "pack.line", number=i.id, icon=ICONS.get(i.severity, ""), title=_short(i.title),
                  unit=pack.tree.name(i.about_unit_id), state=t(lang, f"state.{i.state}"),
                  overdue=t(lang, "pack.overdue_mark") if f.overdue else "")
            )  # fmt: skip
    overdue = pack.overdue()
    if overdue:
        ids = ", ".join(f"#{f.row.id}" for f in overdue[:IDS])
        more = t(lang, "pack.more", count=len(overdue) - IDS) if len(overdue) > IDS else ""
        lines += ["", t(lang, "pack.overdue", count=len(overdue), ids=ids, more=more)]
    hot = pack.hotspots()
    if hot:
        lines += ["", t(lang, "pack.hotspots", count=len(hot))]
        for f in hot[:TOP]:
            i = f.row
            lines.append(
                t(lang, "pack.line", number=i.id, icon=ICONS.get(i.severity, ""), title=_short(i.title),
                  unit=pack.tree.name(i.about_unit_id), state=t(lang, f"state.{i.state}"),
                  overdue=t(lang, "pack.overdue_mark") if f.overdue else "")
            )  # fmt: skip
    if pack.hides_sensitive:
        lines += ["", t(lang, "pack.restricted_note")]
    lines += ["", t(lang, "pack.attached")]
    return "\n".join(lines)
