"""The clocks: a test's pinned start that ticks, honoured only against a loopback emulator."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.clock import (
    TEST_START_VARIABLE,
    ManualClock,
    PinnedClockRefused,
    SystemClock,
    TickingClock,
    clock_from_environment,
)
from bot.core.config import ConfigError, make_clock
from tests.conftest import PINNED, make_settings
from tests.e2e import ROOT

LOOPBACK = ["http://127.0.0.1:40001/bot", "http://localhost:40002", "http://[::1]:40003/bot"]


def test_a_ticking_clock_starts_at_its_instant_and_moves_with_the_monotonic_clock() -> None:
    ticks = iter([100.0, 100.0, 102.5])
    clock = TickingClock(PINNED, monotonic=lambda: next(ticks))
    assert clock.now() == PINNED.astimezone(UTC)
    assert clock.now() == PINNED + timedelta(seconds=2.5)
    with pytest.raises(ValueError):
        TickingClock(datetime(2026, 11, 10, 10, 0))


def test_the_start_variable_is_honoured_only_against_loopback_emulators() -> None:
    assert isinstance(clock_from_environment({}, ["https://api.telegram.org/bot"]), SystemClock)
    env = {TEST_START_VARIABLE: "2026-11-10T10:00:00+07:00"}
    clock = clock_from_environment(env, LOOPBACK)
    assert isinstance(clock, TickingClock) and abs(clock.now() - PINNED) < timedelta(seconds=5)
    with pytest.raises(PinnedClockRefused, match=r"loopback emulator only.*api\.telegram\.org"):
        clock_from_environment(env, [LOOPBACK[0], "https://api.telegram.org/bot"])
    for bad in ("tomorrow", "2026-11-10T10:00:00"):  # not an instant; no offset
        with pytest.raises(PinnedClockRefused, match=TEST_START_VARIABLE):
            clock_from_environment({TEST_START_VARIABLE: bad}, LOOPBACK)


def test_make_clock_turns_a_refusal_into_a_config_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)  # the real Telegram URL
    with pytest.raises(ConfigError, match=r"^config: DLXH_TEST_START_AT is for tests"):
        make_clock(settings, {TEST_START_VARIABLE: PINNED.isoformat()})
    assert isinstance(make_clock(settings, {}), SystemClock)


def test_run_refuses_a_pinned_clock_against_the_real_telegram(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[general]\ndata_dir = '{tmp_path / 'data'}'\n", encoding="utf-8")
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DLXH_TELEGRAM_TOKEN": "123456:ABC",
        TEST_START_VARIABLE: PINNED.isoformat(),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(cfg), "run"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "config: DLXH_TEST_START_AT is for tests against a loopback emulator only; unset it "
        "(a channel points at api.telegram.org)"
    ]
    assert not (tmp_path / "data" / "dlxh.sqlite3").exists()


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(PINNED)
    seen: list[datetime] = []
    clock.on_change(lambda: seen.append(clock.now()))
    assert clock.now() == clock.now() == PINNED
    clock.advance(minutes=5)
    assert seen == [PINNED + timedelta(minutes=5)]
