"""Reading CSV (UTF-8, with or without BOM) and XLSX files into rows of named columns."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path


class TableError(ValueError):
    """A file that cannot be read as a table; the message names the row."""


@dataclass(frozen=True)
class Row:
    number: int  # 1-based line/row number in the file, header = 1
    values: dict[str, str]

    def get(self, key: str) -> str:
        return (self.values.get(key) or "").strip()


def read_table(path: Path, required: tuple[str, ...]) -> list[Row]:
    if not path.is_file():
        raise TableError(f"{path}: file not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _read_xlsx(path)
    else:
        rows = _read_csv(path)
    if not rows:
        raise TableError(f"{path}: the file is empty")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise TableError(
            f"{path}: row 1: missing column(s) {', '.join(missing)} (found: {', '.join(header)})"
        )
    out = []
    for i, cells in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in cells):
            continue
        values = {
            h: str(cells[j]).strip() if j < len(cells) and cells[j] is not None else ""
            for j, h in enumerate(header)
        }
        out.append(Row(i, values))
    return out


def _read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TableError(
            f"{path}: row {line}: not UTF-8 text (byte {exc.start}); save the file as CSV UTF-8"
        ) from exc
    sample = text[:2048]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"{path}: not a readable XLSX file ({exc})") from exc
    try:
        ws = wb.worksheets[0]
        return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
