"""XLSX sheets through openpyxl's write-only mode: rows stream to disk a sheet at a time, in constant memory.

Each sheet gets a bold header row frozen in place with a filter on it, column widths, dates shown as
dd/mm/yyyy, and text made safe (``bot.exports.safe``: never a formula, nothing XML forbids). Only date and
decimal cells carry a number format (a styled cell costs openpyxl several times a plain one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bot.exports.safe import cell_text, clean

KINDS = ("text", "int", "float", "date", "datetime")
MAX_SHEET_NAME = 31
MAX_ROWS = 1_048_576  # Excel's last row
FORMATS = {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm", "float": "0.0#"}
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
HEADER_BORDER = Border(bottom=Side(style="thin", color="FF8EA9DB"))
HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)

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
    return get_column_letter(index + 1)


class XlsxWriter:
    """``add_sheet`` for each sheet, in order, then ``close``. Use as a context manager."""

    def __init__(self, path: Path | str, *, creator: str = "dlxh") -> None:
        self.path = Path(path)
        self.book = Workbook(write_only=True)
        self.book.properties.creator = clean(creator)
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
        ws = self.book.create_sheet(name)
        for i, c in enumerate(columns):
            ws.column_dimensions[column_letter(i)].width = c.width
        ws.freeze_panes = "A2"
        header = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=cell_text(c.header))
            cell.font, cell.fill, cell.border, cell.alignment = (
                HEADER_FONT,
                HEADER_FILL,
                HEADER_BORDER,
                HEADER_ALIGN,
            )
            header.append(cell)
        ws.append(header)
        formats = [FORMATS.get(c.kind) for c in columns]
        written = 0
        for row in rows:
            if written + 2 > MAX_ROWS:
                raise ValueError(
                    f"sheet {name!r}: more rows than a spreadsheet holds ({MAX_ROWS:,}); export CSV"
                )
            out: list[Any] = []
            for i, value in enumerate(row):
                if isinstance(value, str):
                    out.append(cell_text(value) if value else None)
                elif isinstance(value, datetime | date | float) and not isinstance(value, bool):
                    if isinstance(value, datetime) and value.tzinfo is not None:
                        value = value.replace(tzinfo=None)
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = formats[i] or FORMATS["date" if isinstance(value, date) else "float"]
                    out.append(cell)
                else:
                    out.append(value)
            ws.append(out)
            written += 1
            if progress is not None and written % every == 0:
                progress(written)
        last = f"{column_letter(max(len(columns), 1) - 1)}{written + 1}"
        ws.auto_filter.ref = f"A1:{last}"
        self.sheets.append((name, written + 1, len(columns)))
        if progress is not None:
            progress(written)
        return written

    def close(self) -> None:
        if not self.sheets:
            raise ValueError("a workbook needs at least one sheet")
        self.book.save(self.path)
