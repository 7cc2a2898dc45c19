"""A streaming XLSX writer: rows go straight into the zip, a sheet at a time, in constant memory.

openpyxl's write-only mode spends about 10-15 µs a cell (33 s for the 250,000 reports of a busy quarter
alone, on the 2-core reference machine); this writer spends under 1.5 µs, so a province's quarter stays
well within its 30 s budget. It writes only what the pack needs: inline strings, numbers, dates with a
dd/mm/yyyy format, a bold header row frozen in place with a filter on it, and column widths. The files
open in Excel, LibreOffice and openpyxl (the tests read every sheet back with openpyxl).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from bot.exports.safe import cell_text, clean

KINDS = ("text", "int", "float", "date", "datetime")
STYLE = {"header": 1, "date": 2, "datetime": 3, "float": 4}
EPOCH = datetime(1899, 12, 30)
MAX_SHEET_NAME = 31
FLUSH_ROWS = 500

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    kind: str = "text"  # text | int | float | date | datetime

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _string(ref: str, value: str, style: int = 0) -> str:
    text = _esc(cell_text(value))
    s = f' s="{style}"' if style else ""
    if text[:1].isspace() or text[-1:].isspace():
        return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t>{text}</t></is></c>'


def _serial(value: datetime | date) -> float:
    if isinstance(value, datetime):
        naive = value.replace(tzinfo=None)
    else:
        naive = datetime(value.year, value.month, value.day)
    return (naive - EPOCH).total_seconds() / 86400


def _cell(ref: str, value: Any, kind: str) -> str:
    if isinstance(value, str):
        return _string(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}"><v>{int(value)}</v></c>'
    if isinstance(value, datetime | date):
        style = STYLE["date"] if kind == "date" else STYLE["datetime"]
        return f'<c r="{ref}" s="{style}"><v>{_serial(value)!r}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}" s="{STYLE["float"]}"><v>{value!r}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return _string(ref, str(value))


NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class XlsxWriter:
    """``add_sheet`` for each sheet, in order, then ``close``. Use as a context manager."""

    def __init__(self, path: Path | str, *, compresslevel: int = 6, creator: str = "dlxh") -> None:
        self.path = Path(path)
        self.zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.sheets: list[tuple[str, int, int]] = []  # name, rows written (with the header), columns
        self.creator = creator

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.zip.close()

    def _name(self, name: str) -> str:
        cleaned = "".join(ch for ch in clean(name) if ch not in "[]:*?/\\").strip("'") or "Sheet"
        cleaned = cleaned[:MAX_SHEET_NAME]
        taken = {n.lower() for n, _, _ in self.sheets}
        candidate, i = cleaned, 2
        while candidate.lower() in taken:
            suffix = f" ({i})"
            candidate = cleaned[: MAX_SHEET_NAME - len(suffix)] + suffix
            i += 1
        return candidate

    def add_sheet(
        self,
        name: str,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        *,
        progress: Progress | None = None,
        every: int = 50_000,
    ) -> int:
        """Write one sheet: the header row (frozen, filtered), then every row. Returns the data rows written."""
        name = self._name(name)
        index = len(self.sheets) + 1
        letters = [column_letter(i) for i in range(len(columns))]
        kinds = [c.kind for c in columns]
        written = 0
        with self.zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as raw:
            cols = "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{c.width:g}" customWidth="1"/>'
                for i, c in enumerate(columns)
            )
            header = "".join(
                _string(f"{letters[i]}1", c.header, STYLE["header"]) for i, c in enumerate(columns)
            )
            raw.write(
                (
                    f"{HEAD}<worksheet {NS}><sheetViews><sheetView workbookViewId=\"0\">"
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
                    f'<row r="1" ht="32" customHeight="1">{header}</row>'
                ).encode()
            )
            buf: list[str] = []
            r = 1
            for row in rows:
                r += 1
                parts = [f'<row r="{r}">']
                for i, value in enumerate(row):
                    if value is None or value == "":
                        continue
                    parts.append(_cell(f"{letters[i]}{r}", value, kinds[i]))
                parts.append("</row>")
                buf.append("".join(parts))
                written += 1
                if len(buf) >= FLUSH_ROWS:
                    raw.write("".join(buf).encode())
                    buf.clear()
                if progress is not None and written % every == 0:
                    progress(written)
            raw.write("".join(buf).encode())
            last = f"{letters[-1]}{max(r, 1)}" if letters else "A1"
            raw.write(
                f'</sheetData><autoFilter ref="A1:{last}"/>'
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                "</worksheet>".encode()
            )
        self.sheets.append((name, r, len(columns)))
        if progress is not None:
            progress(written)
        return written

    def close(self) -> None:
        z = self.zip
        n = len(self.sheets)
        if n == 0:
            raise ValueError("a workbook needs at least one sheet")
        sheets_ct = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml"'
            ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/docProps/core.xml"'
            ' ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f"{sheets_ct}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'{HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
        )
        now = datetime.now().strftime("%Y-%m-%dT%H:%M:%SZ")
        z.writestr(
            "docProps/core.xml",
            f"{HEAD}<cp:coreProperties"
            ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{_esc(clean(self.creator))}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            "</cp:coreProperties>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, n + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{HEAD}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/styles" Target="styles.xml"/></Relationships>',
        )
        sheets = "".join(
            f"<sheet name={quoteattr(name)} sheetId=\"{i}\" r:id=\"rId{i}\"/>"
            for i, (name, _, _) in enumerate(self.sheets, 1)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_esc(_quoted(name))}!$A$1:${column_letter(max(cols, 1) - 1)}${max(rows, 1)}</definedName>"
            for i, (name, rows, cols) in enumerate(self.sheets)
        )
        z.writestr(
            "xl/workbook.xml",
            f"{HEAD}<workbook {NS}><bookViews><workbookView activeTab=\"0\"/></bookViews>"
            f"<sheets>{sheets}</sheets><definedNames>{names}</definedNames></workbook>",
        )
        z.writestr("xl/styles.xml", STYLES)
        z.close()


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


STYLES = (
    f'{HEAD}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/><numFmt numFmtId="166" formatCode="0.0#"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>'
    "</fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="thin"><color rgb="FF8EA9DB"/></bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"'
    ' applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
