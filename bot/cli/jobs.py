"""``dlxh jobs list|run NAME`` and ``dlxh prune``: the scheduled jobs, one pass at a time."""

from __future__ import annotations

import argparse
from datetime import datetime

from bot.cli.base import CliError, Command, Subparsers, now
from bot.core.config import Settings, make_clock
from scheduler.prune import prune
from storage.migrations import migrate
from storage.outbox import add_wakeup

#: The scheduled jobs' names, for ``dlxh jobs run NAME`` (tests/test_cli_help.py checks them against the
#: jobs build_app registers).
JOB_NAMES = tuple(
    "digests group_digests deadlines rounds announcements polls resolution_checks briefings outbox prune drafts"
    " backup privacy".split()
)


def add_jobs(sub: Subparsers) -> None:
    jobs = sub.add_parser(
        "jobs",
        help="scheduled jobs: list them, or run one now",
        description="List the scheduled jobs or run one pass of one now.",
    ).add_subparsers(dest="jobs_command", required=True)
    jobs.add_parser(
        "list", help="each job with its last and next run", description="Each job with its last and next run."
    )
    jr = jobs.add_parser(
        "run",
        help="run one pass of a job now",
        description=f"Run one pass of a job now (safe to repeat). Jobs: {', '.join(JOB_NAMES)}.",
    )
    jr.add_argument("name", metavar="NAME", help=f"the job: {', '.join(JOB_NAMES)}")
    jr.add_argument("--now", help="pretend it is this ISO time (e.g. 2026-12-01T07:00+07:00)")


def add_prune(sub: Subparsers) -> None:
    pr = sub.add_parser(
        "prune",
        help="delete old processed update ids, delivered messages, refusals, wake-ups",
        description="Delete what is kept only for a while: processed update ids, delivered messages, wrong "
        "invite codes, strangers' refusals and wake-ups (the prune job does it every night).",
    )
    pr.add_argument("--dry-run", action="store_true", help="only count what would be deleted")


async def cmd_jobs(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app  # the whole app: heavy

    app = build_app(settings, clock=make_clock(settings), lock=False, run_jobs=False)
    await app.services.db.connect()
    await migrate(app.services.db)
    try:
        if args.jobs_command == "list":
            tz = settings.tz
            for job, rec in await app.runner.ledger():
                last = (
                    rec.last_run_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")
                    if rec and rec.last_run_at
                    else "-"
                )
                nxt = job.next_after(now(settings), settings.timezone)
                nxt_s = nxt.astimezone(tz).strftime("%d/%m/%Y %H:%M") if nxt else "-"
                result = "-"
                if rec is not None:
                    result = f"error: {rec.last_error}" if rec.last_error else (rec.last_result or "-")
                print(f"{job.name:18} next {nxt_s:16}  last {last:16}  {result}  — {job.description}")
            return 0
        if args.name not in app.runner.jobs:
            raise CliError(f"no job {args.name!r}; jobs: {', '.join(app.runner.jobs)}")
        at = datetime.fromisoformat(args.now) if args.now else now(settings)
        if at.tzinfo is None:
            at = at.replace(tzinfo=settings.tz)
        result = await app.runner.run(args.name, at)
        async with (
            app.services.db.transaction() as tx
        ):  # a running bot sends what the job queued within a second
            await add_wakeup(tx, f"jobs run {args.name}", now(settings))
        print(f"{args.name}: {result}")
        return 1 if result.startswith("error:") else 0
    finally:
        await app.services.db.close()


async def cmd_prune(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import build_app  # the whole app: heavy

    app = build_app(settings, clock=make_clock(settings), lock=False, run_jobs=False)
    await app.services.db.connect()
    try:
        await migrate(app.services.db)
        result = await prune(app.services, now(settings), dry_run=args.dry_run)
    finally:
        await app.services.db.close()
    print(result.summary())
    return 0


COMMANDS = (Command("jobs", add_jobs, cmd_jobs), Command("prune", add_prune, cmd_prune))
