"""Config: the example file loads; every kind of mistake names its key and exits 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_example_config_loads_with_domain_defaults() -> None:
    s = load_settings(ROOT / "config.example.toml")
    assert s.timezone == "Asia/Ho_Chi_Minh" and s.language == "vi"
    assert [c.code for c in s.categories][:2] == ["nuoc_san_xuat", "dien_sinh_hoat"]
    assert s.category("dien_sinh_hoat").vi == "Điện sinh hoạt"  # type: ignore[union-attr]
    assert [c.code for c in s.categories if c.sensitive] == ["nhung_nhieu_can_bo"]
    assert all(s.sector(c.sector) is not None for c in s.categories)
    assert s.data_dir == ROOT / "data"
    assert s.calendar.office_hours[0][0].hour == 7


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[general]\ntimezone = 'Mars/Olympus'\n", "general.timezone"),
        ("[general]\nlanguage = 'fr'\n", "general.language"),
        ("[telegram]\ntokn = 'x'\n", "unknown key telegram.tokn"),
        ("[outbox]\nchat_rate = -1\n", "outbox.chat_rate"),
        ("[outbox]\nchat_rate = 'fast'\n", "outbox.chat_rate"),
        ("[calendar]\nwork_days = ['monday']\n", "calendar.work_days"),
        ("[calendar]\noffice_hours = ['17:00-07:30']\n", "calendar.office_hours"),
        ("[calendar]\nquiet_hours = '9pm'\n", "calendar.quiet_hours"),
        ("[calendar]\nholidays = ['2026-13-01']\n", "calendar.holidays"),
        ("[[categories]]\ncode = 'x'\nvi = 'X'\n", "missing key categories[0].sector"),
        ("[[categories]]\ncode = 'x'\nvi = 'X'\nsector = 'nope'\n", "categories[0].sector"),
        ("[[sectors]]\nvi = 'A'\n", "missing key sectors[0].code"),
        ("colour = 'red'\n", "unknown section colour"),
        ("[general\n", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(path)
    assert main(["--config", str(path), "migrate"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_run_without_token_exits_2_naming_the_variable(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[general]\ndata_dir = '{tmp_path / 'data'}'\n", encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(cfg), "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "DLXH_TELEGRAM_TOKEN" in proc.stderr
    assert not (tmp_path / "data" / "dlxh.sqlite3").exists()  # it started nothing
