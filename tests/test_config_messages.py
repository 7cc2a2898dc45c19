"""Config mistakes as an IT officer makes them: each gets one line naming the file, the line and the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_settings
from bot.ops.doctor import doctor, doctor_main
from tests.conftest import make_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problem(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert len(str(caught.value).splitlines()) == 1
    return caught.value


def test_a_bad_value_names_the_file_the_line_and_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[general]\nlanguage = 'vi'\n\n[calendar]\nholidays = ['2026-13-01']\n")
    err = problem(path)
    assert str(err) == (
        f"config: {path}, line 5: calendar.holidays = '2026-13-01': expected dates like \"2027-02-05\""
    )
    assert err.key == "calendar.holidays"


def test_a_misspelt_section_or_key_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "[general]\nlanguage = 'vi'\n[telegrm]\nenabled = true\n")
    assert str(problem(path)) == f"config: {path}, line 3: unknown section telegrm; did you mean telegram?"
    path = write(tmp_path, "[outbox]\nchat_rte = 2.0\n")
    assert (
        str(problem(path))
        == f"config: {path}, line 2: unknown key outbox.chat_rte; did you mean outbox.chat_rate?"
    )
    path = write(tmp_path, "[outbox]\nzzz = 2.0\n")  # nothing close: the keys there are
    assert str(problem(path)).startswith(f"config: {path}, line 2: unknown key outbox.zzz: expected one of ")


def test_a_token_in_the_file_says_where_it_belongs(tmp_path: Path) -> None:
    path = write(tmp_path, "[telegram]\ntoken = '123456:ABC-not-here'\n")
    message = str(problem(path))
    assert message == (
        f"config: {path}, line 2: telegram.token is not read from the config file, which others may see: put it "
        "in the environment variable DLXH_TELEGRAM_TOKEN, or in a file readable only by the bot's user named by "
        "telegram.token_file"
    )
    assert "123456:ABC" not in message  # the token itself is never repeated


def test_syntax_errors_and_missing_files_get_a_fix_without_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write(tmp_path, "[general\n")
    assert doctor_main(str(broken)) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"✘ config: {broken} is not valid TOML: ")  # one prefix, not "config: config:"
    assert (
        out[1]
        == "    fix: correct the TOML at the line named (quotes around text, [section] headers, key = value)"
    )
    assert doctor_main(str(tmp_path / "nowhere.toml")) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"✘ config: file {tmp_path / 'nowhere.toml'} not found"
    assert out[1].startswith("    fix: copy config.example.toml to config.toml")


async def test_a_token_file_others_can_read_is_named(tmp_path: Path) -> None:
    token_file = tmp_path / "telegram.token"
    token_file.write_text("123456:ABC\n", encoding="utf-8")
    os.chmod(token_file, 0o644)
    settings = make_settings(
        tmp_path, telegram={"base_url": "http://127.0.0.1:9/bot", "token_file": str(token_file)}
    )
    found = {c.name: c for c in await doctor(settings, timeout=1)}
    check = found["telegram token file"]
    assert (
        not check.ok
        and check.message == f"{token_file} can be read by other users of this machine (mode -rw-r--r--)"
    )
    assert check.fix == f"chmod 600 {token_file} (and chown it to the bot's user)"
    os.chmod(token_file, 0o600)
    assert "telegram token file" not in {c.name for c in await doctor(settings, timeout=1)}
