"""Building the briefing pack: open a read-only snapshot, load the figures, write the files.

Synchronous on purpose: the bot calls :func:`build_pack` through ``asyncio.to_thread`` and ``dlxh export`` calls
the writers directly, so no pack is ever built on the event loop.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.config import Settings
from bot.core.period import Period
from bot.core.workcal import WorkCalendar
from bot.exports.csvout import write_csv
from bot.exports.model import Pack, Progress, load_pack, no_progress
from bot.exports.sheets import build_sheets
from bot.exports.summary import summary_text
from bot.exports.xlsx import XlsxWriter
from storage import exports as ex
from storage.target import PostgresUrl

if TYPE_CHECKING:  # matplotlib and python-docx load only when a pack with charts is built
    from bot.exports.charts import Chart
    from bot.exports.document import DocxOptions

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG_MIME = "image/png"


def file_stem(period: Period, scope_code: str) -> str:
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", scope_code).strip("-") or "unit"
    return f"dlxh-{period.key}-{code}"


def write_xlsx(pack: Pack, path: Path, lang: str, progress: Progress = no_progress) -> dict[str, int]:
    """Every sheet into one workbook; returns the rows written per sheet."""
    counts = {}
    with XlsxWriter(path) as w:
        for sheet in build_sheets(pack, lang):
            total = sheet.count or 0

            def step(done: int, key: str = sheet.key, total: int = total) -> None:
                progress(key, done, total)

            counts[sheet.key] = w.add_sheet(sheet.title, sheet.columns, sheet.rows(), progress=step)
    return counts


def write_csvs(
    pack: Pack, folder: Path, stem: str, lang: str, progress: Progress = no_progress
) -> list[Path]:
    out = []
    for sheet in build_sheets(pack, lang):
        path = folder / f"{stem}-{sheet.key}.csv"
        total = sheet.count or 0

        def step(done: int, key: str = sheet.key, total: int = total) -> None:
            progress(key, done, total)

        write_csv(path, sheet, step)
        out.append(path)
    return out


@dataclass(frozen=True)
class BuiltPack:
    period: Period
    scope_name: str
    stem: str
    summary: str
    charts: list[Chart]
    xlsx: bytes
    docx: bytes


def build_pack(
    db_path: Path | str | PostgresUrl,
    settings: Settings,
    calendar: WorkCalendar,
    period: Period,
    *,
    scope_unit_id: int | None,
    restricted: bool,
    as_of: datetime,
    summary_lang: str,
    files_lang: str,
    options: DocxOptions,
    progress: Callable[[str, int, int], None] = no_progress,
) -> BuiltPack:
    """Everything a leader receives, from one consistent snapshot of the database."""
    from bot.exports.charts import render_charts
    from bot.exports.document import build_docx

    conn = ex.connect_readonly(db_path)
    try:
        ex.snapshot(conn)
        pack = load_pack(
            conn, settings, calendar, period, scope_unit_id=scope_unit_id, restricted=restricted, as_of=as_of,
            progress=progress,
        )  # fmt: skip
        summary = summary_text(pack, summary_lang)
        charts = render_charts(pack, files_lang)
        with tempfile.TemporaryDirectory(prefix="dlxh-pack-") as tmp:
            path = Path(tmp) / "pack.xlsx"
            write_xlsx(pack, path, files_lang, progress)
            xlsx = path.read_bytes()
        docx = build_docx(pack, {c.key: c for c in charts}, options, files_lang)
        return BuiltPack(
            period, pack.scope_name, file_stem(period, pack.scope_code), summary, charts, xlsx, docx
        )
    finally:
        ex.release(conn)
        conn.close()
