"""The briefing report as an editable DOCX (python-docx), in the party's or the state's document layout.

- ``party`` (Hướng dẫn 36-HD/VPTW): "ĐẢNG CỘNG SẢN VIỆT NAM" top right with a rule under it, the committee's
  name top left with "*" and "Số …-BC/…" under it, place and date under the party's name.
- ``state`` (Nghị định 30/2020/NĐ-CP): the national name "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do -
  Hạnh phúc" top right, the issuing body top left with "Số: …/BC-…".

Both on A4 in Times New Roman, margins 25/25/35/15 mm (top/bottom/left/right), page numbers centred at the top
from the second page (a PAGE field in the header; the first page has its own, empty header).
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.core.texts import t
from bot.exports.charts import Chart
from bot.exports.model import MOODS, Pack
from bot.exports.safe import clean

LAYOUTS = ("party", "state")
FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
TEXT_WIDTH_MM = 160  # A4 less 35 mm and 15 mm
MAX_TABLE_ROWS = 30
MAX_LIST = 10


@dataclass(frozen=True)
class DocxOptions:
    layout: str = "party"  # "party" | "state"
    committee_name: str = ""  # top left; lines separated by "\n"; empty: the unit's name
    place: str = ""  # "<place>, ngày … tháng … năm …"
    number_prefix: str = ""  # "Số …-BC/<prefix>" (party) or "Số: …/BC-<prefix>" (state)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout {self.layout!r}: expected party or state")


def options_from_settings(settings: Any) -> DocxOptions:
    """The ``[briefing]`` config section when there is one, else the defaults."""
    b = getattr(settings, "briefing", None)
    if b is None:
        return DocxOptions()
    return DocxOptions(
        layout=getattr(b, "layout", "party"),
        committee_name=getattr(b, "committee_name", ""),
        place=getattr(b, "place", ""),
        number_prefix=getattr(b, "number_prefix", ""),
    )


def date_line(place: str, when: datetime, lang: str) -> str:
    """ "Hàm Thuận Bắc, ngày 05 tháng 01 năm 2027": a zero before days under 10 and months 1 and 2."""
    day = f"{when.day:02d}"
    month = f"{when.month:02d}" if when.month < 3 else str(when.month)
    return t(lang, "doc.date_line", place=place or "……", day=day, month=month, year=when.year)


# ---------------------------------------------------------------------------------------------- low level


def _fonts(element: Any) -> None:
    """Times New Roman for every script (Word picks the east-Asian or complex-script slot for some letters)."""
    fonts = element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)


def _run(p: Paragraph, text: str, *, bold: bool = False, italic: bool = False, size: float | None = None,
         caps: bool = False) -> Any:  # fmt: skip
    run = p.add_run(clean(text.upper() if caps else text))
    run.bold = bold or None
    run.italic = italic or None
    run.font.name = FONT
    if size:
        run.font.size = Pt(size)
    _fonts(run._r)
    return run


def _para(container: Any, text: str = "", *, align: Any = WD_ALIGN_PARAGRAPH.JUSTIFY, bold: bool = False,
          italic: bool = False, size: float | None = None, indent: bool = False, after: float = 6,
          before: float = 0, caps: bool = False) -> Paragraph:  # fmt: skip
    p = container.add_paragraph()
    p.alignment = align
    f = p.paragraph_format
    f.space_after = Pt(after)
    f.space_before = Pt(before)
    if indent:
        f.first_line_indent = Mm(10)
    if text:
        _run(p, text, bold=bold, italic=italic, size=size, caps=caps)
    return p


def _cell_para(cell: _Cell, text: str, **kw: Any) -> Paragraph:
    """The cell's first (empty) paragraph, then new ones."""
    paragraphs = cell.paragraphs
    p = paragraphs[0] if len(paragraphs) == 1 and not paragraphs[0].runs else cell.add_paragraph()
    p.alignment = kw.pop("align", WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.space_after = Pt(kw.pop("after", 0))
    p.paragraph_format.space_before = Pt(0)
    if text:
        _run(p, text, **kw)
    return p


# what follows w:pBdr in a paragraph's properties (the schema's order; Word refuses other orders)
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
               "w:rPr", "w:sectPr", "w:pPrChange")  # fmt: skip
_AFTER_TBLBORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription")


def _rule(cell: _Cell, width_mm: float, cell_mm: float) -> None:
    """A thin rule ``width_mm`` long, centred in a cell ``cell_mm`` wide: the bottom border of a paragraph of its
    own (so the text above keeps the cell's whole width)."""
    p = _cell_para(cell, "")
    side = max(0.0, (cell_mm - 4 - width_mm) / 2)
    f = p.paragraph_format
    f.left_indent, f.right_indent = Mm(side), Mm(side)
    f.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    p._p.get_or_add_pPr().insert_element_before(borders, *_AFTER_PBDR)
    run = p.add_run("")
    run.font.size = Pt(2)


def text_width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    """About how wide Times New Roman text is (within some 5 %, for capitals and Vietnamese lower case)."""
    em = sum(0.66 if ch.isupper() else 0.25 if ch == " " else 0.45 for ch in text) / max(len(text), 1)
    em *= 1.05 if bold else 1
    return len(text) * size_pt * em * 0.3528


def add_page_field(p: Paragraph) -> None:
    """A PAGE field (begin, instruction, separate, a result Word recomputes, end), in Times New Roman."""

    def fld(kind: str) -> Any:
        run = p.add_run()
        _fonts(run._r)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        return run

    fld("begin")
    run = p.add_run()
    _fonts(run._r)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    run._r.append(instr)
    fld("separate")
    _run(p, "2")
    fld("end")


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.insert_element_before(borders, *_AFTER_TBLBORDERS)


def _widths(table: Table, widths_mm: list[float]) -> None:
    """Fixed column widths, in the grid (LibreOffice reads these) and on every cell (Word reads those)."""
    table.autofit = False
    width = table._tbl.tblPr.find(qn("w:tblW"))
    if width is not None:
        width.set(qn("w:type"), "dxa")
        width.set(qn("w:w"), str(Mm(sum(widths_mm)).twips))
    for column, w in zip(table.columns, widths_mm, strict=False):
        column.width = Mm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(w)


# ---------------------------------------------------------------------------------------------- the layouts


def _setup(doc: DocumentType) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(25), Mm(25)
    sec.left_margin, sec.right_margin = Mm(35), Mm(15)
    sec.header_distance, sec.footer_distance = Mm(12), Mm(12)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _fonts(normal.element)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    # page numbers: centred at the top from page 2; the first page's header stays empty
    sec.different_first_page_header_footer = True
    header = sec.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_page_field(p)
    first = sec.first_page_header
    first.is_linked_to_previous = False


def _committee_lines(pack: Pack, options: DocxOptions) -> list[str]:
    """The configured committee for the top unit's pack; a lower unit's pack names that unit."""
    top = len(pack.tree.roots()) == 1 and pack.scope_unit_id in (None, pack.tree.roots()[0])
    if options.committee_name.strip() and top:
        return [line.strip() for line in options.committee_name.splitlines() if line.strip()]
    return [pack.scope_name]


def _header_party(doc: DocumentType, pack: Pack, options: DocxOptions, lang: str, issued: datetime) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [72, 88])
    left, right = table.rows[0].cells
    lines = _committee_lines(pack, options)
    for line in lines[:-1]:
        _cell_para(left, line, size=13, caps=True)
    _cell_para(left, lines[-1], size=13, bold=True, caps=True)
    _cell_para(left, "*", size=13)
    prefix = options.number_prefix or "……"
    _cell_para(left, t(lang, "doc.number_party", prefix=prefix), size=13)
    party = t(lang, "doc.party_name")
    _cell_para(right, party, size=15, bold=True, caps=True)
    _rule(right, text_width_mm(party.upper(), 15, True), 88)
    _cell_para(right, "", size=6)
    _cell_para(right, date_line(options.place, issued, lang), italic=True, size=14)


def _header_state(doc: DocumentType, pack: Pack, options: DocxOptions, lang: str, issued: datetime) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [64, 96])
    left, right = table.rows[0].cells
    lines = _committee_lines(pack, options)
    for line in lines[:-1]:
        _cell_para(left, line, size=12, caps=True)
    body = lines[-1]
    _cell_para(left, body, size=13, bold=True, caps=True)
    _rule(left, min(text_width_mm(body.upper(), 13, True), 60) / 2.5, 64)
    _cell_para(left, "", size=6)
    prefix = options.number_prefix or "……"
    _cell_para(left, t(lang, "doc.number_state", prefix=prefix), size=13)
    _cell_para(right, t(lang, "doc.state_name"), size=12, bold=True, caps=True)
    motto = t(lang, "doc.state_motto")
    _cell_para(right, motto, size=13, bold=True)
    _rule(right, text_width_mm(motto, 13, True), 96)
    _cell_para(right, "", size=6)
    _cell_para(right, date_line(options.place, issued, lang), italic=True, size=14)


# ---------------------------------------------------------------------------------------------- the body


def _pct(value: float | None) -> str:
    return f"{value:.1f} %".replace(".", ",") if value is not None else "—"


def _num(value: float | None) -> str:
    return f"{value:.1f}".replace(".", ",") if value is not None else "—"


def _table(doc: DocumentType, headers: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell_para(cell, text, bold=True, size=TABLE_PT)
    for row in rows:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, row, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT if i == 0 or (isinstance(value, str) and not _numeric(value)) else (
                WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
            _cell_para(cell, str(value), size=TABLE_PT, align=align)
    _widths(table, widths)
    # the header row repeats on every page
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    _para(doc, "", after=2)
    return table


def _numeric(text: str) -> bool:
    return bool(text) and all(ch.isdigit() or ch in " ,.%—/" for ch in text)


def _picture(doc: DocumentType, chart: Chart | None, number: int, lang: str) -> int:
    if chart is None:
        return number
    p = _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, after=2)
    p.add_run().add_picture(io.BytesIO(chart.png), width=Mm(150))
    _para(doc, t(lang, "doc.figure", number=number, title=chart.title), align=WD_ALIGN_PARAGRAPH.CENTER,
          italic=True, size=12, after=8)  # fmt: skip
    return number + 1


def _heading(doc: DocumentType, text: str, level: int = 1) -> None:
    p = _para(doc, text, bold=True, size=BODY_PT, align=WD_ALIGN_PARAGRAPH.JUSTIFY, before=6 if level == 1 else 3,
              indent=True, caps=level == 1)  # fmt: skip
    p.paragraph_format.keep_with_next = True


def _bullet(doc: DocumentType, text: str) -> None:
    _para(doc, f"- {text}", indent=True)


def _placeholder(doc: DocumentType, text: str) -> None:
    p = _para(doc, indent=True)
    run = _run(p, text, italic=True)
    run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _issue_line(pack: Pack, f: Any, lang: str) -> str:
    i = f.row
    return t(
        lang,
        "doc.issue_line",
        number=i.id,
        title=i.title,
        unit=pack.tree.name(i.about_unit_id),
        category=pack.category_label(i.category, lang),
        severity=t(lang, f"severity.{i.severity}").split(" — ")[0],
        reports=i.reports,
        state=t(lang, f"state.{i.state}"),
        overdue=t(lang, "doc.overdue_mark") if f.overdue else "",
    )


def build_docx(
    pack: Pack,
    charts: dict[str, Chart],
    options: DocxOptions,
    lang: str = "vi",
    *,
    issued: datetime | None = None,
) -> bytes:
    """The briefing report: header, title, sections I–V with their tables and figures, recipients and signature."""
    issued_local = pack.local(issued or pack.as_of)
    doc = Document()
    _setup(doc)
    (_header_party if options.layout == "party" else _header_state)(doc, pack, options, lang, issued_local)
    _title(doc, pack, lang)
    figure = _situation(doc, pack, lang)
    figure = _sectors(doc, pack, charts, figure, lang)
    figure = _units(doc, pack, charts, figure, lang)
    _pressing(doc, pack, lang)
    _handling(doc, pack, charts, figure, lang)
    _focus(doc, pack, lang)
    _signature(doc, pack, options, lang)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _title(doc: DocumentType, pack: Pack, lang: str) -> None:
    _para(doc, "", after=6)
    _para(doc, t(lang, "doc.title"), align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=15, after=0)
    _para(doc, t(lang, "doc.subtitle", period=pack.period.label(lang)), align=WD_ALIGN_PARAGRAPH.CENTER,
          bold=True, size=14, after=0)  # fmt: skip
    _para(doc, "-----", align=WD_ALIGN_PARAGRAPH.CENTER, after=10)
    _para(doc, t(lang, "doc.intro", unit=pack.scope_name, period=pack.period.label(lang),
                 as_of=pack.local(pack.as_of).strftime("%d/%m/%Y")), indent=True)  # fmt: skip
    if pack.hides_sensitive:
        _para(doc, t(lang, "pack.restricted_note"), indent=True, italic=True, size=12)


def _situation(doc: DocumentType, pack: Pack, lang: str) -> int:
    """I. the situation: the overview. Returns the number of the next figure."""
    p = pack.participation()
    _heading(doc, t(lang, "doc.s1"))
    _heading(doc, t(lang, "doc.s1_overview"), 2)
    if pack.empty:
        _para(doc, t(lang, "pack.no_data"), indent=True)
    pressing = sum(1 for f in pack.issues if f.row.severity == "pressing")
    urgent = sum(1 for f in pack.issues if f.row.severity == "urgent")
    _para(doc, t(lang, "doc.overview", reports=pack.reports_total, reporters=pack.reporters(),
                 issues=len(pack.issues), pressing=pressing, urgent=urgent), indent=True)  # fmt: skip
    if pack.rounds:
        _para(doc, t(lang, "doc.round_overview", rounds=pack.round_names(lang),
                     answered=p.answered, prompted=p.prompted, rate=_pct(p.rate)), indent=True)  # fmt: skip
    else:
        _para(doc, t(lang, "doc.no_round"), indent=True)

    return 1


def _sectors(doc: DocumentType, pack: Pack, charts: dict[str, Chart], figure: int, lang: str) -> int:
    """I. the people's mood and pressing needs by sector, and their concerns."""
    _heading(doc, t(lang, "doc.s1_sectors"), 2)
    by_sector_issues: Counter[str] = Counter()
    by_sector_pressing: Counter[str] = Counter()
    for f in pack.issues:
        sector = pack.sector_of(f.row.category)
        by_sector_issues[sector] += 1
        by_sector_pressing[sector] += f.row.severity in ("pressing", "urgent")
    moods = pack.moods_by_sector()
    rows = []
    for sec in pack.settings.sectors:
        m = moods.get(sec.code, Counter())
        if by_sector_issues[sec.code] or sum(m.values()):
            rows.append([sec.vi if lang == "vi" else sec.en, by_sector_issues[sec.code], by_sector_pressing[sec.code],
                         *(m.get(x, 0) for x in MOODS)])  # fmt: skip
    general = moods.get("", Counter())
    if sum(general.values()):
        rows.append([pack.sector_label(None, lang), "—", "—", *(general.get(x, 0) for x in MOODS)])
    _table(doc, [t(lang, "doc.col_sector"), t(lang, "doc.col_issues"), t(lang, "doc.col_pressing"),
                 t(lang, "doc.col_stable"), t(lang, "doc.col_concern"), t(lang, "doc.col_mood_pressing")],
           rows, [50, 20, 24, 22, 22, 22])  # fmt: skip
    worried = [sec for sec in pack.settings.sectors if moods.get(sec.code, Counter()).get("pressing", 0)]
    if worried:
        names = ", ".join((sec.vi if lang == "vi" else sec.en).lower() for sec in worried)
        _para(doc, t(lang, "doc.sectors_pressing", sectors=names), indent=True)
    figure = _picture(doc, charts.get("by-category"), figure, lang)
    concerns = pack.concerns()
    if concerns:
        _para(doc, t(lang, "doc.concerns", count=len(concerns)), indent=True)
        for a in concerns[:MAX_LIST]:
            _bullet(doc, f"{pack.tree.name(a.unit_id)}: {a.value.strip()}")
    figure = _picture(doc, charts.get("polls"), figure, lang)  # the quick polls: opinion sounded out
    return figure


def _units(doc: DocumentType, pack: Pack, charts: dict[str, Chart], figure: int, lang: str) -> int:
    """I. by unit: issues, pressing, open, overdue, participation."""
    _heading(doc, t(lang, "doc.s1_units"), 2)
    per_unit: dict[int, list[Any]] = defaultdict(list)
    for f in pack.issues:
        per_unit[pack.area(f.row.about_unit_id)].append(f)
    part = pack.participation_by(lambda rm: pack.area(rm.unit_id))
    units = sorted(set(per_unit) | {u for u in part if isinstance(u, int)},
                   key=lambda u: (-len(per_unit.get(u, [])), pack.tree.code(u)))  # fmt: skip
    unit_rows = []
    for u in units[:MAX_TABLE_ROWS]:
        fs = per_unit.get(u, [])
        unit_rows.append([pack.tree.name(u), len(fs), sum(1 for f in fs if f.row.severity != "normal"),
                          sum(1 for f in fs if f.open), sum(1 for f in fs if f.overdue),
                          _pct(part[u].rate) if u in part else "—"])  # fmt: skip
    _table(doc, [t(lang, "doc.col_unit"), t(lang, "doc.col_issues"), t(lang, "doc.col_pressing"),
                 t(lang, "doc.col_open"), t(lang, "doc.col_overdue"), t(lang, "doc.col_participation")],
           unit_rows, [52, 20, 24, 20, 20, 24])  # fmt: skip
    if len(units) > MAX_TABLE_ROWS:
        _para(doc, t(lang, "doc.more_in_xlsx", count=len(units) - MAX_TABLE_ROWS), italic=True, size=12)
    figure = _picture(doc, charts.get("by-unit"), figure, lang)
    figure = _picture(doc, charts.get("participation"), figure, lang)

    return figure


def _pressing(doc: DocumentType, pack: Pack, lang: str) -> None:
    """II. pressing matters and hot spots."""
    _heading(doc, t(lang, "doc.s2"))
    hot = pack.hotspots()
    pressing_open = [f for f in pack.open_pressing() if f.row.severity != "normal" and not f.hotspot]
    if not hot and not pressing_open:
        _para(doc, t(lang, "doc.no_hotspots"), indent=True)
    if hot:
        _para(doc, t(lang, "doc.hotspots", count=len(hot)), indent=True)
        for f in hot[:MAX_LIST]:
            _bullet(doc, _issue_line(pack, f, lang))
    if pressing_open:
        _para(doc, t(lang, "doc.pressing_open", count=len(pressing_open)), indent=True)
        for f in pressing_open[:MAX_LIST]:
            _bullet(doc, _issue_line(pack, f, lang))


def _handling(doc: DocumentType, pack: Pack, charts: dict[str, Chart], figure: int, lang: str) -> int:
    """III. results of handling, the ranking."""
    s = pack.stats
    _heading(doc, t(lang, "doc.s3"))
    _para(doc, t(lang, "doc.handling", due=s.handle_due, on_time=s.handle_on_time, share=_pct(s.handle_share),
                 late=s.handle_late, overdue=s.overdue, ack_share=_pct(s.ack_share), ack_on_time=s.ack_on_time,
                 ack_due=s.ack_due, median=_num(s.median_handle_days), mean=_num(s.mean_handle_days),
                 reopened=s.reopened, reopened_share=_pct(s.reopened_share)), indent=True)  # fmt: skip
    ranked = [r for r in pack.ranking if r.rank is not None]
    _para(doc, t(lang, "doc.ranking", minimum=5), indent=True)
    _table(doc, [t(lang, "doc.col_rank"), t(lang, "doc.col_unit"), t(lang, "doc.col_issues"),
                 t(lang, "doc.col_ack_share"), t(lang, "doc.col_handle_share"), t(lang, "doc.col_overdue"),
                 t(lang, "doc.col_reopened")],
           [[r.rank, pack.tree.name(r.unit_id), r.stats.issues, _pct(r.stats.ack_share),
             _pct(r.stats.handle_share), r.stats.overdue, r.stats.reopened] for r in ranked[:MAX_TABLE_ROWS]],
           [14, 46, 18, 22, 22, 18, 20])  # fmt: skip
    if len(ranked) > MAX_TABLE_ROWS:
        _para(doc, t(lang, "doc.more_in_xlsx", count=len(ranked) - MAX_TABLE_ROWS), italic=True, size=12)
    figure = _picture(doc, charts.get("new-resolved"), figure, lang)
    figure = _picture(doc, charts.get("on-time"), figure, lang)

    return figure


def _focus(doc: DocumentType, pack: Pack, lang: str) -> None:
    """IV. recommendations (for the committee to write) and V. focus for the next period."""
    s = pack.stats
    _heading(doc, t(lang, "doc.s4"))
    _placeholder(doc, t(lang, "doc.recommendations_placeholder"))

    # V. focus for the next period
    _heading(doc, t(lang, "doc.s5"))
    still_open = [f for f in pack.issues if f.open and f.counted]
    if still_open:
        _bullet(doc, t(lang, "doc.focus_open", count=len(still_open), overdue=s.overdue))
    for tp in pack.topics[:MAX_LIST]:
        _bullet(doc, t(lang, "doc.focus_topic", text=tp.text))
    _placeholder(doc, t(lang, "doc.focus_placeholder"))


def _signature(doc: DocumentType, pack: Pack, options: DocxOptions, lang: str) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [80, 80])
    left, right = table.rows[0].cells
    _cell_para(
        left, t(lang, "doc.recipients"), bold=True, italic=True, size=12, align=WD_ALIGN_PARAGRAPH.LEFT
    )
    for line in t(lang, "doc.recipients_lines").split("\n"):
        _cell_para(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for line in t(lang, f"doc.sign_{options.layout}").split("\n"):
        _cell_para(right, line, bold=True, size=14)
    for _ in range(3):
        _cell_para(right, "", size=14)
    _cell_para(right, t(lang, "doc.signer"), bold=True, size=14)
    _para(doc, "", after=4)
    _para(doc, t(lang, "doc.generated", at=pack.local(pack.as_of).strftime("%H:%M %d/%m/%Y")), italic=True,
          size=10, align=WD_ALIGN_PARAGRAPH.LEFT)  # fmt: skip
