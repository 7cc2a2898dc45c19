"""The ``dlxh`` command line (also ``python -m bot``): it parses arguments and calls functions.

``main.py`` the entry point and the registry of command groups; ``base.py`` what the groups share (the
``Command`` record, ``CliError``, the database helper); one module per group: ``serve.py`` (run, demo,
sandbox, export, migrate, db), ``jobs.py`` (jobs, prune), ``people.py`` (units, members, invite),
``ops.py`` (backup, restore, privacy, doctor, audit)."""

from bot.cli.jobs import JOB_NAMES
from bot.cli.main import COMMANDS, main, parser

_parser = parser  # the name tests/test_cli_help.py knows

__all__ = ["COMMANDS", "JOB_NAMES", "main", "parser"]
