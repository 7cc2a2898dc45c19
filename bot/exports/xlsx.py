"""XLSX sheets through XlsxWriter in ``constant_memory`` mode: each row goes to disk as soon as the next one
starts, so a sheet of millions of cells is written in constant memory.

Each sheet gets a bold header row frozen in place with a filter on it, column widths, dates shown as
dd/mm/yyyy, and text made safe (``bot.exports.safe``: never a formula, nothing XML forbids). Text is written
with ``write_string`` only, so nothing is ever read as a formula, a number or a link. Only date and decimal
cells carry a number format. One type check per cell picks the writer; the text of repeated values (names,
labels) is made safe once per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from bot.exports.safe import cell_text, clean

KINDS = ("text", "int", "float", "date", "datetime")
MAX_SHEET_NAME = 31
MAX_ROWS = 1_048_576  # Excel's last row
FORMATS = {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm", "float": "0.0#"}
HEADER = {
    "bold": True,
    "bg_color": "#DDEBF7",
    "bottom": 1,
    "bottom_color": "#8EA9DB",
    "valign": "vcenter",
    "text_wrap": True,
}
# a date-time is a number of days since 30/12/1899 shown with a date format (what write_datetime writes, computed
# here in two C-level steps; before 01/03/1900 Excel's phantom 29/02/1900 makes it differ: left to the library)
EXCEL_EPOCH = datetime(1899, 12, 30)
FIRST_PLAIN_DAY = datetime(1900, 3, 1)
ONE_DAY = timedelta(days=1)
SAFE_CACHE = 50_000  # distinct short texts remembered per sheet (names, labels, places)
SHORT = 64  # longer texts (descriptions) are made safe each time: they rarely repeat

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    kind: str = "text"  # text | int | float | date | datetime

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def sheet_text(value: str) -> str:
    """``cell_text``, and never what XlsxWriter's constant_memory mode copies into the sheet's XML unescaped
    (text starting with ``<r>`` and ending with ``</r>``, taken for a rich string): that too gets the apostrophe."""
    text = cell_text(value)
    if text.startswith("<r>") and text.endswith("</r>"):
        text = "'" + text
    return text


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    return xl_col_to_name(index)


class XlsxWriter:
    """``add_sheet`` for each sheet, in order, then ``close``. Use as a context manager."""

    def __init__(self, path: Path | str, *, creator: str = "dlxh") -> None:
        self.path = Path(path)
        self.book = xlsxwriter.Workbook(
            str(self.path),
            {
                "constant_memory": True,
                "remove_timezone": True,  # local times are passed aware; the cell shows the wall clock
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.book.set_properties({"author": clean(creator)})
        self.header = self.book.add_format(HEADER)
        self.formats = {kind: self.book.add_format({"num_format": f}) for kind, f in FORMATS.items()}
        self.sheets: list[tuple[str, int, int]] = []  # name, rows written (with the header), columns

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()

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
        ws = self.book.add_worksheet(name)
        for i, c in enumerate(columns):
            ws.set_column(i, i, c.width)
        ws.freeze_panes(1, 0)
        for i, c in enumerate(columns):
            ws.write_string(0, i, sheet_text(c.header), self.header)
        written = self._rows(ws, columns, rows, progress, every)
        ws.autofilter(0, 0, written, max(len(columns), 1) - 1)
        self.sheets.append((name, written + 1, len(columns)))
        if progress is not None:
            progress(written)
        return written

    def _rows(
        self,
        ws: Any,
        columns: Sequence[Column],
        rows: Iterable[Sequence[Any]],
        progress: Progress | None,
        every: int,
    ) -> int:
        # the writers without the decorator that reads "A1"-style cell names: our cells are always (row, column),
        # and the decorator is about a fifth of a cell's cost (the public methods where a version lacks them)
        write_string = getattr(ws, "_write_string", ws.write_string)
        write_number = getattr(ws, "_write_number", ws.write_number)
        write_datetime = ws.write_datetime
        # as before: a column's own format, else the value's (a date's, a decimal's)
        dates = [self.formats.get(c.kind) or self.formats["date"] for c in columns]
        floats = [self.formats.get(c.kind) or self.formats["float"] for c in columns]
        write_boolean = ws.write_boolean
        safe: dict[str, str] = {}
        r = 0
        for row in rows:
            r += 1
            if r >= MAX_ROWS:
                raise ValueError(f"more rows than a spreadsheet holds ({MAX_ROWS:,}); export CSV")
            for c, value in enumerate(row):
                kind = type(value)
                if kind is str:
                    if not value:
                        continue
                    if len(value) > SHORT:
                        write_string(r, c, sheet_text(value))
                        continue
                    text = safe.get(value)
                    if text is None:
                        text = sheet_text(value)
                        if len(safe) < SAFE_CACHE:
                            safe[value] = text
                    write_string(r, c, text)
                elif kind is int:
                    write_number(r, c, value)
                elif kind is datetime:
                    wall = value.replace(tzinfo=None)  # a local time: the cell shows its wall clock
                    if wall >= FIRST_PLAIN_DAY:
                        write_number(r, c, (wall - EXCEL_EPOCH) / ONE_DAY, dates[c])
                    else:
                        write_datetime(r, c, wall, dates[c])
                elif value is None:
                    continue
                elif kind is float:
                    write_number(r, c, value, floats[c])
                elif kind is bool:
                    write_boolean(r, c, value)
                elif kind is date:
                    write_datetime(r, c, value, dates[c])
                else:
                    write_string(r, c, sheet_text(str(value)))
            if progress is not None and r % every == 0:
                progress(r)
        return r

    def close(self) -> None:
        if not self.sheets:
            raise ValueError("a workbook needs at least one sheet")
        self.book.close()
