"""``key_lines``: each key of a config file and the line it is on, so that an error can name the line."""

from __future__ import annotations

from pathlib import Path

from bot.core.config import key_lines

ROOT = Path(__file__).resolve().parent.parent


def test_keys_map_to_their_lines() -> None:
    text = 'language = "vi"\n\n[general]\ntimezone = "Asia/Ho_Chi_Minh"  # = not a key\n[[sectors]]\ncode = "a"\n[[sectors]]\ncode = "b"\n'
    assert key_lines(text) == {
        "language": 1, "general": 3, "general.timezone": 4, "sectors": 5, "sectors.code": 6,
    }  # fmt: skip


def test_every_key_of_the_example_config_has_a_line() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    lines = key_lines(text)
    assert lines and all(text.splitlines()[n - 1].strip() for n in lines.values())
    assert "general.timezone" in lines or "general" in lines
