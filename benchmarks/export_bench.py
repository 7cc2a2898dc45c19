"""Export benchmark: a province's whole-tree XLSX for one busy quarter.

    .venv/bin/python benchmarks/export_bench.py

The database (about 100 communes; 200,000 issues and 1,000,000 reports over 2026, of which 50,000 issues and
250,000 reports in 2026Q4) is generated once with ``executemany`` and cached in ``benchmarks/.cache/``. The export
itself runs in a child process exactly as ``dlxh export --period 2026Q4 --format xlsx --out DIR`` does
(``bot.exports.cli.cmd_export``), so the peak RSS printed (``resource.getrusage``) is the exporting process's
own. Targets: ≤ 30 s and ≤ 500 MB on the 2-core reference machine.

``--sample DIR`` writes a small district's pack instead (XLSX, DOCX, charts): the pictures in ``docs/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.harness import calibrate  # noqa: E402  (the script runs by path: its root is put first)

CACHE = ROOT / "benchmarks" / ".cache"
VERSION = 1
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026
TARGET_SECONDS = 30
TARGET_MB = 500
QUIET_CALIBRATION_MS = 53  # the calibration loop's best on this VM when idle (benchmarks/RESULTS.md)

BASES = ["Hàm Chính", "Hàm Hiệp", "Hàm Liêm", "Hàm Thắng", "Hàm Trí", "Hàm Phú", "Hàm Đức", "Thuận Hòa",
         "Thuận Minh", "Hồng Sơn", "Hồng Liêm", "Đa Mi", "La Dạ", "Đông Giang", "Đông Tiến", "Phú Long",
         "Ma Lâm", "Tân Lập", "Tân Thuận", "Tân Thành", "Mương Mán", "Hàm Mỹ", "Hàm Kiệm", "Hàm Cường",
         "Hàm Minh"]  # fmt: skip
SUFFIXES = ["", " Bắc", " Nam", " Đông"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Huỳnh"]
MIDDLE = ["Văn", "Thị", "Minh", "Quang", "Thanh", "Hữu", "Ngọc"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Quân", "Tâm", "Vy", "Yến"]
CATEGORIES = [("nuoc_san_xuat", "ha_tang"), ("dien_sinh_hoat", "ha_tang"), ("o_nhiem_moi_truong", "x"),
              ("khai_thac_khoang_san", "x"), ("te_nan_xa_hoi", "x"), ("an_toan_giao_thong", "x"),
              ("nhung_nhieu_can_bo", "x"), ("khac", "x")]  # fmt: skip
WEIGHTS = [18, 22, 14, 6, 10, 14, 4, 12]
PHRASES = [
    "Bà con thôn {n} phản ánh mất điện kéo dài, ảnh hưởng sinh hoạt và sản xuất.",
    "Kênh mương nội đồng bị bồi lấp, thiếu nước tưới cho khoảng {n} ha lúa.",
    "Xe tải chở cát chạy tốc độ cao qua khu dân cư, người dân lo ngại mất an toàn.",
    "Mùi hôi từ trại chăn nuôi gần khu phố {n} làm người dân bức xúc.",
    "Tụ điểm thanh niên tụ tập khuya, nghi có sử dụng ma túy ở xóm {n}.",
    "Người dân chờ lâu khi làm thủ tục đất đai, đề nghị công khai thời hạn giải quyết.",
    "Đường liên thôn xuống cấp, nhiều ổ gà, trời mưa ngập sâu.",
    "Khai thác cát trái phép ban đêm trên sông, gây sạt lở bờ.",
]
SOURCES = ["direct", "meeting", "social", "petition", "observed"]
PEOPLE = ["household", "hamlet", "commune", "wider"]


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _issue_rows(
    rng: random.Random, reporters: dict[int, list[int]], communes: int, issues: int, quarter_issues: int
) -> Iterator[tuple[object, ...]]:
    """The issues over 2026, the last ``quarter_issues`` of them in Q4."""
    q4_start = datetime(YEAR, 10, 1, tzinfo=TZ)
    year_start = datetime(YEAR, 1, 1, tzinfo=TZ)
    now = datetime(YEAR, 12, 20, 10, 0, tzinfo=TZ)

    for n in range(1, issues + 1):
        in_q4 = n > issues - quarter_issues
        lo, hi = (q4_start, now) if in_q4 else (year_start, q4_start)
        at = lo + timedelta(seconds=rng.randrange(int((hi - lo).total_seconds())))
        cat = rng.choices(CATEGORIES, WEIGHTS)[0][0]
        about = rng.randrange(2, communes + 2)
        owner = 1 if cat == "nhung_nhieu_can_bo" else about
        severity = rng.choices(["normal", "pressing", "urgent"], [60, 35, 5])[0]
        ack_due, handle_due = at + timedelta(hours=20), at + timedelta(days=7)
        age = (now - at).days
        r = rng.random()
        acked = at + timedelta(hours=rng.choice([1, 3, 6, 15, 30, 50])) if r < 0.9 else None
        resolved = (at + timedelta(days=rng.choice([1, 2, 3, 5, 6, 9, 14]))) if (acked and r < 0.75) else None
        if resolved and resolved > now:
            resolved = None
        state = "resolved" if resolved else ("acknowledged" if acked and acked < now else "new")
        if resolved and age > 30:
            state = "closed"
        if r > 0.97:
            state = "duplicate"
        yield (n, f"{PHRASES[n % len(PHRASES)].format(n=n % 9 + 1)[:80]}", cat, about, owner, severity, state,
               f"Thôn {n % 12 + 1}", rng.choice(reporters[about]), _ts(at), _ts(resolved or acked or at),
               _ts(ack_due), _ts(handle_due), _ts(acked) if acked else None, _ts(resolved) if resolved else None,
               _ts(resolved + timedelta(days=14)) if state == "closed" and resolved else None)  # fmt: skip


def _report_rows(
    rng: random.Random, issue_list: list[Any], reporters: dict[int, list[int]], reports_per_issue: int
) -> Iterator[tuple[object, ...]]:
    rid = 0
    for n, unit, cat, severity, at, _, _ in issue_list:
        base = datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        for k in range(reports_per_issue):
            rid += 1
            secret = rng.random() < 0.05
            when = base + timedelta(minutes=37 * k)
            yield (rid, n, rng.choice(reporters[unit]), unit, cat, f"Thôn {rid % 12 + 1}",
                   PHRASES[rid % len(PHRASES)].format(n=rid % 9 + 1) + f" Ghi nhận lần {k + 1}.", severity,
                   rng.choice(PEOPLE), rng.choice(SOURCES), _name(rng) + ", 09xx xxx xxx" if secret else "",
                   1 if secret else 0, _ts(when))  # fmt: skip


def _entries(issue_list: list[Any]) -> Iterator[tuple[object, ...]]:
    for n, _, _, _, _, acked, resolved in issue_list:
        if acked:
            yield (n, acked, "state", "new", "acknowledged")
        if resolved:
            yield (n, resolved, "state", "acknowledged", "resolved")
            if n % 31 == 0:
                yield (n, resolved, "state", "resolved", "reopened")


def _rounds(conn: sqlite3.Connection, rng: random.Random, members: list[tuple[int, int, str]]) -> None:
    """A closed round each quarter, with who was prompted and answered, and their answers."""
    for q in range(1, 5):
        opens = datetime(YEAR, 3 * q, 1, 8, tzinfo=TZ)
        closes = datetime(YEAR, 3 * q, 21, tzinfo=TZ)
        rid = conn.execute(
            "INSERT INTO rounds (period, opens_at, closes_at, briefing_at, state) VALUES (?, ?, ?, ?, 'closed')",
            (f"{YEAR}Q{q}", _ts(opens), _ts(closes), _ts(closes + timedelta(days=4))),
        ).lastrowid
        topic = conn.execute(
            "INSERT INTO round_topics (round_id, unit_id, text, created_at) VALUES (?, 1, ?, ?)",
            (rid, "Giá điện, lịch cắt điện mùa khô", _ts(opens)),
        ).lastrowid
        rm, answers = [], []
        for m, unit, role in members:
            if role != "member":
                continue
            r = rng.random()
            answered = opens + timedelta(days=rng.randrange(1, 25)) if r < 0.85 else None
            late = 1 if answered and answered > closes else 0
            rm.append(
                (rid, m, unit, _ts(opens), _ts(answered) if answered else None, 1 if r < 0.1 else 0, late)
            )
            if answered and r >= 0.1:
                for sector in ("ha_tang", "nong_nghiep"):
                    answers.append((rid, m, unit, "mood", None, sector,
                                    rng.choices(["stable", "concern", "pressing"], [60, 30, 10])[0], late, _ts(answered)))  # fmt: skip
                if r < 0.5:
                    answers.append((rid, m, unit, "concerns", None, None, PHRASES[m % len(PHRASES)].format(n=3), late, _ts(answered)))  # fmt: skip
                if r < 0.3:
                    answers.append((rid, m, unit, "topic", topic, None, "Người dân lo giá điện tăng", late, _ts(answered)))  # fmt: skip
        conn.executemany(
            "INSERT INTO round_members (round_id, member_id, unit_id, prompted_at, answered_at, nothing_new, late)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            rm,
        )
        conn.executemany(
            "INSERT INTO round_answers (round_id, member_id, unit_id, kind, topic_id, sector, value, late, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            answers,
        )


def generate(
    path: Path, *, communes: int, issues: int, quarter_issues: int, reports_per_issue: int, seed: int = 7
) -> None:
    """A migrated database holding a province with ``communes`` communes and synthetic activity over 2026."""
    if path.exists():
        path.unlink()
    asyncio.run(_migrate(path))
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    created = _ts(datetime(YEAR, 1, 1, tzinfo=TZ))
    names = [f"Xã {b}{s}" for s in SUFFIXES for b in BASES][:communes]
    conn.execute("INSERT INTO units (id, code, name, parent_id, created_at, updated_at) VALUES (1, 'T01', ?, NULL, ?, ?)",
                 ("Tỉnh Bình Thuận", created, created))  # fmt: skip
    conn.executemany(
        "INSERT INTO units (id, code, name, parent_id, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?)",
        [(i + 2, f"X{i + 1:03d}", names[i], created, created) for i in range(communes)],
    )
    members: list[tuple[int, int, str]] = []  # id, unit, role
    mid = 0
    for unit in range(1, communes + 2):
        for k in range(3 if unit == 1 else 13):
            mid += 1
            members.append((mid, unit, "leader" if k == 0 else "member"))
    conn.executemany(
        "INSERT INTO members (id, name, role, unit_id, created_at) VALUES (?, ?, ?, ?, ?)",
        [(m, _name(rng), role, unit, created) for m, unit, role in members],
    )
    reporters: dict[int, list[int]] = {}
    for m, unit, role in members:
        if role == "member":
            reporters.setdefault(unit, []).append(m)

    conn.executemany(
        "INSERT INTO issues (id, title, category, about_unit_id, owner_unit_id, severity, state, place, created_by,"
        " created_at, updated_at, ack_due_at, handle_due_at, acknowledged_at, resolved_at, closed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _issue_rows(rng, reporters, communes, issues, quarter_issues),
    )
    rows = conn.execute(
        "SELECT id, about_unit_id, category, severity, created_at, acknowledged_at, resolved_at FROM issues"
    )
    issue_list = rows.fetchall()

    conn.executemany(
        "INSERT INTO reports (id, issue_id, member_id, unit_id, category, place, description, severity, people,"
        " source, citizen, confidential, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        _report_rows(rng, issue_list, reporters, reports_per_issue),
    )

    conn.executemany(
        "INSERT INTO thread_entries (issue_id, at, kind, from_state, to_state) VALUES (?, ?, ?, ?, ?)",
        _entries(issue_list),
    )
    conn.executemany(
        "INSERT INTO audit_log (at, actor, action, subject) VALUES (?, 'system', 'alert.hotspot', ?)",
        [(at, f"issue:{n}") for n, _, _, _, at, _, _ in issue_list if n % 97 == 0],
    )
    _rounds(conn, rng, members)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def cached_database() -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"export-bench-v{VERSION}.sqlite3"
    if not path.exists():
        print(f"generating {path.name} (once; cached) …", file=sys.stderr, flush=True)
        started = time.monotonic()
        tmp = path.with_name(path.name + ".tmp")
        generate(tmp, communes=100, issues=200_000, quarter_issues=50_000, reports_per_issue=5)
        for suffix in ("-wal", "-shm"):
            Path(str(tmp) + suffix).unlink(missing_ok=True)
        os.replace(tmp, path)
        print(f"generated in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    asyncio.run(
        _migrate(path)
    )  # a cached file generated before a later migration gets it, as dlxh migrate does
    return path


async def _migrate(path: Path) -> None:
    from storage.db import Database

    db = await Database.open(path)
    await db.close()


def _settings(db: Path, data: Path) -> object:
    from bot.core.config import parse_settings

    return parse_settings({"general": {"database": str(db), "data_dir": str(data)}}, base_dir=data)


def child(db: Path, out: Path, fmt: str) -> None:
    """The export as ``dlxh export`` runs it, then this process's own time and peak RSS as JSON."""
    from bot.exports import cli

    parser = argparse.ArgumentParser(prog="dlxh")
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["export", "--period", f"{YEAR}Q4", "--format", fmt, "--out", str(out)])
    started = time.perf_counter()
    code = asyncio.run(cli.cmd_export(_settings(db, out), args))  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    print(
        json.dumps(
            {
                "code": code,
                "seconds": elapsed,
                "cpu_seconds": usage.ru_utime + usage.ru_stime,
                "peak_mb": peak,
            }
        )
    )


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(
            next(
                x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")
            ).split()[1]
        )
        mem = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def sample(folder: Path) -> None:
    """A small district's pack (12 communes, 2,400 issues) for the pictures in docs/."""
    from bot.core.period import parse_period
    from bot.core.workcal import WorkCalendar
    from bot.exports.charts import render_charts
    from bot.exports.document import DocxOptions, build_docx
    from bot.exports.model import load_pack
    from bot.exports.pack import write_xlsx
    from storage import exports as ex

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "sample.sqlite3"
    generate(db, communes=12, issues=2_400, quarter_issues=600, reports_per_issue=2)
    settings = _settings(db, folder)
    conn = ex.connect_readonly(db)
    ex.snapshot(conn)
    pack = load_pack(conn, settings, WorkCalendar(settings.calendar), parse_period(f"{YEAR}Q4"),  # type: ignore[attr-defined]
                     scope_unit_id=1, restricted=False, as_of=datetime(YEAR, 12, 20, 10, tzinfo=TZ))  # fmt: skip
    charts = render_charts(pack, "vi")
    for c in charts:
        (folder / f"{c.key}.png").write_bytes(c.png)
    options = DocxOptions("party", "Đảng bộ tỉnh Bình Thuận\nTỉnh ủy Bình Thuận", "Phan Thiết", "TU")
    (folder / "briefing.docx").write_bytes(build_docx(pack, {c.key: c for c in charts}, options))
    state = DocxOptions("state", "UBND tỉnh Bình Thuận\nỦy ban nhân dân tỉnh", "Phan Thiết", "UBND")
    (folder / "briefing-state.docx").write_bytes(build_docx(pack, {c.key: c for c in charts}, state))
    write_xlsx(pack, folder / "briefing.xlsx", "vi")
    print(f"wrote {folder}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--child", nargs=3, metavar=("DB", "OUT", "FORMAT"), help=argparse.SUPPRESS)
    p.add_argument("--format", default="xlsx", choices=["xlsx", "csv", "docx", "all"])
    p.add_argument(
        "--sample", type=Path, metavar="DIR", help="write a small district's pack into DIR instead"
    )
    args = p.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), args.child[2])
        return 0
    if args.sample:
        sample(args.sample)
        return 0
    db = cached_database()
    conn = sqlite3.connect(db)
    counts = {
        "issues": conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0],
        "reports": conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0],
        "communes": conn.execute("SELECT COUNT(*) FROM units WHERE parent_id IS NOT NULL").fetchone()[0],
        "q4_issues": conn.execute(
            "SELECT COUNT(*) FROM issues WHERE created_at >= ?", (_ts(datetime(YEAR, 10, 1, tzinfo=TZ)),)
        ).fetchone()[0],
        "q4_reports": conn.execute(
            "SELECT COUNT(*) FROM reports WHERE created_at >= ?", (_ts(datetime(YEAR, 10, 1, tzinfo=TZ)),)
        ).fetchone()[0],
    }
    conn.close()
    best, median = calibrate()
    with tempfile.TemporaryDirectory(prefix="dlxh-bench-") as tmp:
        out = Path(tmp)
        command = f"dlxh export --period {YEAR}Q4 --format {args.format} --out {out}"
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(db), str(out), args.format],
            capture_output=True, text=True, check=False, cwd=ROOT,
        )  # fmt: skip
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 1
        after = calibrate()
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        files = sorted(out.iterdir())
        size = sum(f.stat().st_size for f in files)
        print(f"machine:  {machine()}")
        print(
            f"CPU:      a fixed 2M-addition loop takes {best:.0f} ms best / {median:.0f} ms median of 7 "
            f"(before the export), {after[0]:.0f} / {after[1]:.0f} ms after; compare runs of similar figures"
        )
        print(f"database: {db.relative_to(ROOT)} ({db.stat().st_size / 1e6:.0f} MB): {counts['communes']} communes, "
              f"{counts['issues']:,} issues, {counts['reports']:,} reports; 2026Q4: {counts['q4_issues']:,} issues, "
              f"{counts['q4_reports']:,} reports")  # fmt: skip
        print(f"command:  {command}   (bot.exports.cli.cmd_export in a child process)")
        print(f"time:     {result['seconds']:.1f} s   (target ≤ {TARGET_SECONDS} s)")
        print(
            f"CPU time: {result['cpu_seconds']:.1f} s   (user + system of the exporting process, start-up included;"
            " steadier than the time when other work shares the cores)"
        )
        low, high = sorted(result["cpu_seconds"] * QUIET_CALIBRATION_MS / c for c in (best, after[0]))
        print(
            f"quiet:    {low:.1f}–{high:.1f} s   (the CPU time scaled to an idle VM's calibration of "
            f"{QUIET_CALIBRATION_MS} ms, by the best before and after: an estimate of the time on a quiet machine)"
        )
        print(f"peak RSS: {result['peak_mb']:.0f} MB   (target ≤ {TARGET_MB} MB; the exporting process)")
        for f in files:
            print(f"file:     {f.name}  {f.stat().st_size / 1e6:.1f} MB")
        print(f"total:    {size / 1e6:.1f} MB in {len(files)} file(s)")
        ok = result["code"] == 0 and result["seconds"] <= TARGET_SECONDS and result["peak_mb"] <= TARGET_MB
        print("result:   " + ("within the targets" if ok else "OVER A TARGET"))
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
