"""The jobs dlxh runs. Each is one pass over durable state, safe to repeat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.messages import Outgoing
from bot.core.texts import t
from bot.runtime import Services, enqueue
from scheduler.announcements import run_announcements
from scheduler.briefings import briefing_job
from scheduler.followups import check_resolutions, follow_up_deadlines, send_digests
from scheduler.groups import send_group_digests
from scheduler.polls import run_polls
from scheduler.prune import prune_job
from scheduler.rounds import run_rounds
from scheduler.runner import Job
from storage.conversations import delete_conversation, list_idle_conversations, mark_conversation_reminded
from storage.members import get_member_by_identity
from storage.outbox import count_outbox


def outbox_catchup(wake: Callable[[], None] | None, every_seconds: int = 60) -> Job:
    """Wake the delivery worker (a safety net for a lost wake-up); without one, report the queue."""

    async def run_due(services: Services, now: datetime) -> str:
        if wake is not None:
            wake()
        counts = await count_outbox(services.db.reader)
        return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "empty"

    return Job("outbox", "delivery catch-up: wake the outbox worker", run_due, every_seconds=every_seconds)


def all_jobs(services: Services, wake_outbox: Callable[[], None] | None) -> list[Job]:
    """The product's jobs; ``wake_outbox`` wakes the delivery worker (the app passes it, jobs never send)."""
    hour, minute = (int(x) for x in services.settings.followups.digest_time.split(":"))
    catchup = services.settings.jobs.outbox_catchup_seconds
    jobs = [
        Job(
            "digests",
            "daily digest (and weekly summary) for each leader",
            send_digests,
            cron={"hour": hour, "minute": minute},
        ),
        Job(
            "group_digests",
            "the daily digest of a unit in its linked leaders' groups",
            send_group_digests,
            cron={"hour": hour, "minute": minute},
        ),
        Job(
            "deadlines",
            "follow up missed deadlines; escalate up the unit tree",
            follow_up_deadlines,
            every_seconds=600,
        ),
        Job(
            "rounds",
            "the periodic round: open and prompt, remind, close and brief",
            run_rounds,
            every_seconds=600,
        ),
        Job(
            "announcements",
            "send announcements at their time to the members not reached yet",
            run_announcements,
            every_seconds=60,
        ),
        Job(
            "polls",
            "quick polls: send to the members, close and send the results",
            run_polls,
            every_seconds=60,
        ),
        Job(
            "resolution_checks",
            "ask reporters whether resolved issues are really resolved",
            check_resolutions,
            cron={"hour": 9, "minute": 0},
        ),
        briefing_job(),
        prune_job(),
        Job(
            "drafts",
            "remind idle report drafts once; discard them after reports.draft_discard_days",
            remind_and_discard_drafts,
            every_seconds=600,
        ),
    ]
    if (
        catchup > 0
    ):  # 0: off (a lost wake-up then waits for the next event; `dlxh jobs run` wakes by database)
        jobs.append(outbox_catchup(wake_outbox, catchup))
    return jobs


DRAFT_FLOWS = ("report", "add")


async def remind_and_discard_drafts(services: Services, now: datetime) -> str:
    """One reminder for an idle draft (never in quiet time); a notice and discard when it is too old."""
    settings = services.settings
    reminded = discarded = 0
    remind_before = now - timedelta(hours=settings.reports.draft_reminder_hours)
    discard_before = now - timedelta(days=settings.reports.draft_discard_days)
    async with services.db.transaction() as tx:
        for conv in await list_idle_conversations(tx, remind_before, DRAFT_FLOWS):
            member = await get_member_by_identity(tx, conv.channel, conv.chat_id)
            lang = member.language if member else settings.language
            assert conv.updated_at is not None
            if conv.updated_at < discard_before:
                await delete_conversation(tx, conv.channel, conv.chat_id)
                text = t(
                    lang,
                    "report.draft_discarded",
                    date=conv.started_at.astimezone(settings.tz).strftime("%d/%m/%Y")
                    if conv.started_at
                    else "?",
                    days=settings.reports.draft_discard_days,
                )
                await enqueue(
                    tx, services, [Outgoing(conv.chat_id, text, channel=conv.channel, proactive=True)], now
                )
                discarded += 1
            elif conv.reminded_at is None and not services.calendar.is_quiet(now):
                await mark_conversation_reminded(tx, conv.channel, conv.chat_id, now)
                text = t(lang, "report.draft_reminder")
                await enqueue(
                    tx, services, [Outgoing(conv.chat_id, text, channel=conv.channel, proactive=True)], now
                )
                reminded += 1
    return f"reminded {reminded}, discarded {discarded}"
