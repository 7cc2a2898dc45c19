"""``dlxh demo`` streams its transcript: a header first, each line as it happens, and a reader that leaves
early (``| head``) ends it quietly with exit 0. Runs the real CLI in a subprocess, over a real pipe."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bot.demo import HEADER
from storage import rounds as rnd
from storage.db import Database

TIMEOUT = 60.0


def _env() -> dict[str, str]:
    """No config of the developer's, and stdout buffered as usual: the demo must flush each line itself."""
    return {k: v for k, v in os.environ.items() if not k.startswith("DLXH_") and k != "PYTHONUNBUFFERED"}


async def test_the_first_scene_is_read_before_the_last_is_written(tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    read_end, write_end = os.pipe()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", "--keep", str(keep),
        stdout=write_end, stderr=asyncio.subprocess.PIPE, cwd=tmp_path, env=_env(),
    )  # fmt: skip
    os.close(write_end)
    lines: list[str] = []
    with os.fdopen(read_end, "r", encoding="utf-8") as stream:
        while not lines or not lines[-1].startswith("── 2."):
            line = await asyncio.wait_for(asyncio.to_thread(stream.readline), TIMEOUT)
            assert line, f"the demo ended before its second scene: {lines}"
            lines.append(line.rstrip("\n"))
    # the reader is gone while the demo is in its second scene: it stops there, quietly
    stderr = await asyncio.wait_for(proc.stderr.read(), TIMEOUT) if proc.stderr else b""
    assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0, stderr
    assert b"Traceback" not in stderr and b"BrokenPipe" not in stderr, stderr
    assert lines[0] == HEADER
    assert "── 1. Joining" in lines[2] and any(line.startswith("👤 Khách: ") for line in lines)
    assert any(line.startswith("🤖 → Lan: Chào mừng đồng chí Nguyễn Thị Lan!") for line in lines)
    # ... so the last scene (the round) was never played, let alone written
    db = await Database.open(keep / "data" / "dlxh.sqlite3")
    try:
        assert await rnd.get_round(db.reader, 1) is None
    finally:
        await db.close()


def test_a_closed_pipe_ends_the_demo_quietly(tmp_path: Path) -> None:
    result = subprocess.run(
        ["bash", "-c", f"set -o pipefail; '{sys.executable}' -m bot demo | head -3"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == HEADER and len(result.stdout.splitlines()) == 3
    assert "Traceback" not in result.stderr and "Error" not in result.stderr, result.stderr
