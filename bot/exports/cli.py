"""``dlxh export``: a period's briefing pack as files, for the office (XLSX, CSV, DOCX, charts).

    dlxh export --period 2026Q4|2026-11 [--unit CODE] [--format xlsx|csv|docx|all] [--out DIR]

Without ``--unit`` the pack covers the whole tree and every matter. With ``--unit`` it covers that unit and
the units below it as the unit's own leaders see them: sensitive matters about the unit itself, which the unit
above follows, are left out. Confidential sources are never written. A problem (bad period, unknown unit,
a folder that cannot be written) exits 1 with one line on stderr; progress goes to stderr as well.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO

from bot.core.config import Settings, make_clock
from bot.core.period import parse_period
from bot.core.workcal import WorkCalendar
from bot.exports.model import load_pack
from bot.exports.pack import file_stem, write_csvs, write_xlsx
from storage import exports as ex
from storage.audit import add_audit
from storage.db import Database

FORMATS = ("xlsx", "csv", "docx", "all")
LAYOUTS = (
    "party",
    "state",
)  # bot.exports.document.LAYOUTS (not imported here: matplotlib loads only for a DOCX)
PROGRESS_FROM = 20_000  # rows: smaller sheets are written without progress lines


class ExportError(Exception):
    """One line for the operator."""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        "export",
        help="write a period's briefing pack as files: XLSX, CSV (UTF-8), DOCX, charts",
        description="Write a period's briefing pack as files (--format xlsx, csv, docx or all), for the "
        "whole tree or for one unit and the units below it.",
    )
    p.add_argument("--period", required=True, help="a quarter like 2026Q4 or a month like 2026-11")
    p.add_argument("--unit", help="only this unit and the units below it (default: the whole tree)")
    p.add_argument("--format", choices=FORMATS, default="xlsx", help="what to write (default: xlsx)")
    p.add_argument("--out", type=Path, default=Path("."), help="the folder to write into (default: here)")
    p.add_argument(
        "--layout", choices=LAYOUTS, help="the DOCX layout (default: [briefing] layout, else party)"
    )
    return p


class _Progress:
    """One line per 50,000 rows of a big sheet, on stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if max(done, total) < PROGRESS_FROM or done == 0:
            return
        share = f" ({100 * done / total:.0f} %)" if total else ""
        print(f"dlxh export: {stage} {done:,}/{total:,}{share} — {time.monotonic() - self.started:.1f} s",
              file=self.stream, flush=True)  # fmt: skip


def _check_out(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"cannot write to {folder}: it is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dlxh-write-test-"):
            pass
    except OSError as exc:
        raise ExportError(f"cannot write to {folder}: {exc.strerror or exc}") from exc


def run_export(settings: Settings, args: argparse.Namespace, *, stderr: TextIO | None = None) -> list[Path]:
    """Synchronous: reads through its own read-only connection and writes the files; returns their paths."""
    err = stderr or sys.stderr
    try:
        period = parse_period(args.period, settings.tz)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    fmt = args.format or "xlsx"
    out: Path = args.out
    db_path = settings.database_target
    if isinstance(db_path, Path) and not db_path.is_file():
        raise ExportError(
            f"no database at {db_path}: check [general] data_dir or database, or run dlxh migrate"
        )
    _check_out(out)
    conn = ex.connect_readonly(db_path)
    try:
        if not ex.has_table(conn, "issues"):
            raise ExportError(f"the database at {db_path} has no issues yet: run dlxh migrate first")
        ex.snapshot(conn)
        units = ex.load_units(conn)
        scope_id: int | None = None
        if args.unit:
            unit = next((u for u in units if u.code.lower() == args.unit.strip().lower()), None)
            if unit is None:
                raise ExportError(f"no unit with code {args.unit!r} (see dlxh units list)")
            scope_id = unit.id
        else:
            roots = [u.id for u in units if u.parent_id is None]
            scope_id = roots[0] if len(roots) == 1 else None
        progress = _Progress(err)
        pack = load_pack(
            conn, settings, WorkCalendar(settings.calendar), period, scope_unit_id=scope_id,
            restricted=bool(args.unit), as_of=make_clock(settings).now(), progress=progress,
        )  # fmt: skip
        stem = file_stem(period, pack.scope_code)
        lang = settings.language
        written: list[Path] = []
        if fmt in ("xlsx", "all"):
            path = out / f"{stem}.xlsx"
            tmp = path.with_name(path.name + ".part")
            try:
                write_xlsx(pack, tmp, lang, progress)
            except ValueError as exc:  # more rows than a spreadsheet holds
                tmp.unlink(missing_ok=True)
                raise ExportError(str(exc)) from exc
            os.replace(tmp, path)
            written.append(path)
        if fmt in ("csv", "all"):
            written += write_csvs(pack, out, stem, lang, progress)
        if fmt in ("docx", "all"):
            from bot.exports.charts import render_charts
            from bot.exports.document import DocxOptions, build_docx, options_from_settings

            options = options_from_settings(settings)
            if getattr(args, "layout", None):
                options = DocxOptions(
                    args.layout, options.committee_name, options.place, options.number_prefix
                )
            charts = render_charts(pack, lang)
            path = out / f"{stem}.docx"
            path.write_bytes(build_docx(pack, {c.key: c for c in charts}, options, lang))
            written.append(path)
            if fmt == "all":
                for chart in charts:
                    png = out / f"{stem}-{chart.key}.png"
                    png.write_bytes(chart.png)
                    written.append(png)
        return written
    finally:
        ex.release(conn)
        conn.close()


async def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        written = await asyncio.to_thread(run_export, settings, args)
    except ExportError as exc:
        print(f"dlxh export: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"dlxh export: cannot write the files: {exc.strerror or exc}", file=sys.stderr)
        return 1
    await _audit_export(settings, args, len(written))
    for path in written:
        print(f"{path}  ({path.stat().st_size:,} bytes)")
    print(f"dlxh export: {len(written)} file(s) in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


async def _audit_export(settings: Settings, args: argparse.Namespace, files: int) -> None:
    """An export opens every report of a period: recorded in the audit log (``dlxh audit`` lists it)."""
    db = await Database.open(settings.database_target)
    try:
        async with db.transaction() as tx:
            await add_audit(tx, make_clock(settings).now(), "cli", "export.write", f"period:{args.period}",
                            files=files, unit=args.unit or "", format=args.format or "xlsx")  # fmt: skip
    finally:
        await db.close()
