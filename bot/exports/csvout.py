"""A sheet as CSV: UTF-8 with a byte-order mark (so Excel reads the Vietnamese letters), dates dd/mm/yyyy,
and text that a spreadsheet would run written as text (``bot.exports.safe``)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.exports.safe import cell_text
from bot.exports.sheets import Sheet


def _value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return cell_text(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if kind == "date" else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def write_csv(
    path: Path, sheet: Sheet, progress: Callable[[int], None] | None = None, every: int = 50_000
) -> int:
    kinds = [c.kind for c in sheet.columns]
    written = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([cell_text(c.header) for c in sheet.columns])
        for row in sheet.rows():
            writer.writerow([_value(v, k) for v, k in zip(row, kinds, strict=True)])
            written += 1
            if progress is not None and written % every == 0:
                progress(written)
    if progress is not None:
        progress(written)
    return written
