"""``dlxh --help``: every command explains itself (a description on its own --help page) and every argument
has a help line; ``jobs run`` names the jobs there are."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import build_app
from bot.cli import JOB_NAMES, _parser, main
from bot.core.clock import ManualClock
from tests.conftest import VN, make_settings

MORNING = datetime(2026, 11, 10, 10, 0, tzinfo=VN)  # a Tuesday morning, outside a round window


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below ``parser`` (``("members", "replace")`` ...), depth first."""
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.append((*path, name))
                out += _commands(sub, (*path, name))
    return out


def _subparser(path: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = _parser()
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    return capsys.readouterr().out


def test_every_command_and_argument_has_a_help_line() -> None:
    paths = _commands(_parser())
    assert ("members", "replace") in paths and ("sandbox",) in paths and ("export",) in paths
    missing = []
    for path in [(), *paths]:
        parser = _subparser(path)
        if path and not parser.description:
            missing.append(f"dlxh {' '.join(path)}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                missing += [
                    f"dlxh {' '.join(path)} {choice.dest}: no help line"
                    for choice in action._choices_actions
                    if not choice.help
                ]
            elif not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"dlxh {' '.join(path)} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


@pytest.mark.parametrize(
    ("argv", "lines"),
    [
        (("backup",), ["PATH ", "the backup folder"]),
        (("restore",), ["BACKUP ", "NEW_DIR ", "made by dlxh backup"]),
        (("members", "replace"), ["OLD ", "NEW ", "takes over"]),
        (("invite",), ["--unit CODE", "the code of the unit they join"]),
        (("run",), ["Run the bot on every enabled channel"]),
        (("sandbox",), ["--fresh", "start afresh"]),
    ],
)
def test_the_help_pages_name_what_they_ask_for(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], lines: list[str]
) -> None:
    page = " ".join(_help(capsys, *argv).split())  # argparse wraps lines to the terminal's width
    for line in lines:
        assert " ".join(line.split()) in page, (line, page)


def test_jobs_run_lists_the_job_names(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # the list the CLI shows is the list of jobs the bot runs (a job added later must be added there)
    app = build_app(make_settings(tmp_path), clock=ManualClock(MORNING), lock=False, run_jobs=False)
    assert set(JOB_NAMES) == set(app.runner.jobs)
    page = " ".join(_help(capsys, "jobs", "run").split())
    assert all(name in page for name in JOB_NAMES)
    # a misspelt name is refused with the list of the jobs there are, and nothing runs
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[general]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert main(["--config", str(cfg), "jobs", "run", "digest"]) == 1
    err = capsys.readouterr().err
    assert "no job 'digest'" in err and all(name in err for name in JOB_NAMES)
