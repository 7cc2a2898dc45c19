"""What every benchmark prints: the machine, the command, then figures and ratios; small statistics helpers."""

from __future__ import annotations

import os
import platform
import resource
import shlex
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def machine() -> dict[str, str]:
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory = f"{mem:.1f} GiB"
    except (ValueError, OSError):
        memory = "?"
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu_model(),
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def command(module: str) -> str:
    args = " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f".venv/bin/python -m {module}" + (f" {args}" if args else "")


def header(title: str, module: str) -> None:
    m = machine()
    print(f"# {title}")
    print(f"machine : {m['cores']} cores, {m['cpu']}, {m['memory']} RAM, {m['os']}")
    print(f"software: Python {m['python']}, SQLite {m['sqlite']}")
    print(f"command : {command(module)}")
    print(f"started : {time.strftime('%Y-%m-%d %H:%M:%S %z')}")
    best, median = calibrate()
    print(f"CPU now : a fixed 2M-addition loop takes {best:.0f} ms best / {median:.0f} ms median of 7")
    print(flush=True)


def calibrate() -> tuple[float, float]:
    """A fixed pure-Python workload, timed: this VM's CPU speed varies by up to 2x from one minute to the
    next, so a figure is comparable only with another taken at a similar calibration."""
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        total = 0
        for k in range(2_000_000):
            total += k
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[0], times[len(times) // 2]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(rows: list[tuple[str, ...]], head: tuple[str, ...]) -> str:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def fresh_postgres(server_url: str, name: str) -> str:
    """Drop and create the database ``name`` on the server of ``server_url``; its URL."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
