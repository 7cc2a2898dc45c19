"""The chasing jobs: daily digests and weekly summaries, deadline follow-ups and escalation up the tree, and
the reporters' "is it really resolved?" check. Each is one pass over durable state, safe to run twice or
after a gap: what was sent is recorded in the same transaction as the messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.buttons import CheckAnswer, CheckButton, encode
from bot.core.messages import Choice, Outgoing
from bot.core.textfmt import local_time, shorten
from bot.core.texts import t
from bot.core.workcal import parse_hhmm
from bot.runtime import Services, enqueue
from handlers import access, leaders
from handlers.context import Context
from storage import followups as fu
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.db import Tx

DIGEST_LINES = 10


def system_context(services: Services, tx: Tx, now: datetime) -> Context:
    """A handler context for work the scheduler does on nobody's message."""
    return Context.for_system(tx, services.settings, services.calendar, now)


async def _commit(services: Services, ctx: Context) -> None:
    await enqueue(ctx.tx, services, ctx.out, ctx.now)


# ---------------------------------------------------------------------------------------------- digests


def _line(lang: str, issue: iss.Issue) -> str:
    return t(
        lang,
        "digest.line",
        number=issue.id,
        icon=leaders.ICONS.get(issue.severity, ""),
        title=shorten(issue.title, 50),
        state=t(lang, f"state.{issue.state}"),
    )


async def hidden_from(ctx: Context, leader: mem.Member) -> fu.Hidden:
    """What ``access.leads`` keeps from a leader within their subtree, as data the digest's queries apply: the
    sensitive categories about the leader's own unit or one above it (the units whose subtree holds the
    leader's unit), unless the leader's unit owns the issue. An admin sees everything."""
    if leader.role == "admin":
        return fu.Hidden()
    sensitive = tuple(c.code for c in ctx.settings.categories if c.sensitive)
    if not sensitive:
        return fu.Hidden()
    above = [leader.unit_id, *await un.list_ancestor_ids(ctx.tx, leader.unit_id)]
    return fu.Hidden(sensitive, tuple(above), leader.unit_id)


async def digest_for(ctx: Context, leader: mem.Member, since: datetime) -> tuple[str, list[int]] | None:
    """The leader's digest text and the issues it names; None when there is nothing to say."""
    if not leader.active or leader.role not in ("leader", "admin"):
        return None  # access.leads: nobody else leads any issue
    lang = leader.language
    units = await access.scope_units(ctx.tx, leader)
    # A province's digest weighs thousands of issues and names a few dozen: each section is counted and its
    # first lines read by the database, with the issues the leader may not see left out there (hidden_from).
    hidden = await hidden_from(ctx, leader)
    n = DIGEST_LINES
    sections = [
        ("digest.new", await fu.created_section(ctx.tx, units, since, ctx.now, hidden, n)),
        ("digest.overdue", await fu.overdue_section(ctx.tx, units, ctx.now, hidden, n)),
        ("digest.waiting", await fu.waiting_section(ctx.tx, units, hidden, n)),
        ("digest.escalated", await fu.escalated_section(ctx.tx, leader.unit_id, since, units, hidden, n)),
        ("digest.resolved", await fu.resolved_section(ctx.tx, units, since, ctx.now, hidden, n)),
    ]
    if not any(section.count for _, section in sections):
        return None
    shown = await iss.get_issues(ctx.tx, sorted({i for _, section in sections for i in section.ids}))
    issues = {i.id: i for i in shown}
    unit = await un.get_unit(ctx.tx, leader.unit_id)
    local = ctx.now.astimezone(ctx.settings.tz)
    lines = [t(lang, "digest.header", date=local.strftime("%d/%m/%Y"), unit=unit.name if unit else "?")]
    named: list[int] = []
    for key, section in sections:
        if not section.count:
            continue
        lines += ["", t(lang, key, count=section.count)]
        lines += [_line(lang, issues[i]) for i in section.ids]
        if section.count > DIGEST_LINES:
            lines.append(t(lang, "digest.more", count=section.count - DIGEST_LINES))
        named += [i for i in section.ids if i not in named]
    lines += ["", t(lang, "digest.footer")]
    return "\n".join(lines), named


async def weekly_for(ctx: Context, leader: mem.Member, start: datetime) -> str | None:
    lang = leader.language
    units = await access.scope_units(ctx.tx, leader)
    by_category = await fu.count_created_by(ctx.tx, units, start, ctx.now, "category")
    resolved = await fu.list_issues_resolved_between(ctx.tx, units, start, ctx.now)
    if not by_category and not resolved:
        return None
    unit = await un.get_unit(ctx.tx, leader.unit_id)
    tz = ctx.settings.tz
    lines = [
        t(
            lang,
            "weekly.header",
            start=start.astimezone(tz).strftime("%d/%m"),
            end=(ctx.now - timedelta(days=1)).astimezone(tz).strftime("%d/%m/%Y"),
            unit=unit.name if unit else "?",
        )
    ]
    if by_category:
        lines += ["", t(lang, "weekly.by_category")]
        for code, count in by_category:
            cat = ctx.settings.category(code)
            lines.append(t(lang, "weekly.line", name=cat.label(lang) if cat else code, count=count))
        lines += ["", t(lang, "weekly.by_unit")]
        for unit_id, count in await fu.count_created_by(ctx.tx, units, start, ctx.now, "about_unit_id"):
            u = await un.get_unit(ctx.tx, unit_id)
            lines.append(t(lang, "weekly.line", name=u.name if u else "?", count=count))
    on_time = [i for i in resolved if i.resolved_at is not None and i.resolved_at <= i.handle_due_at]
    lines.append("")
    if resolved:
        share = f"{100 * len(on_time) / len(resolved):.0f} %"
        lines.append(t(lang, "weekly.on_time", share=share, on_time=len(on_time), total=len(resolved)))
    else:
        lines.append(t(lang, "weekly.on_time_none"))
    return "\n".join(lines)


async def send_digests(services: Services, now: datetime) -> str:
    """At digest time on a working day: one digest per leader with something to say, once a day."""
    settings, cal = services.settings, services.calendar
    local = now.astimezone(settings.tz)
    if not cal.is_working_day(local.date()) or local.time() < parse_hhmm(settings.followups.digest_time):
        return "not digest time"
    today = local.date().isoformat()
    first_working_day = not any(
        cal.is_working_day(local.date() - timedelta(days=d)) for d in range(1, local.weekday() + 1)
    )
    sent = weekly = 0
    async with services.db.transaction() as tx:
        ctx = system_context(services, tx, now)
        for leader, ident in await mem.list_promptable_members(tx):
            if leader.role != "leader":
                continue
            if await fu.record_digest(tx, leader.id, "daily", today, now):
                since = await _previous(tx, leader.id, "daily", now - timedelta(days=1), today)
                digest = await digest_for(ctx, leader, since)
                if digest is not None:
                    text, named = digest
                    ctx.send(
                        Outgoing(ident.chat_id, text, channel=ident.channel, issue_ids=named, proactive=True)
                    )
                    sent += 1
            if settings.followups.weekly_summary and first_working_day:
                week = f"{local.isocalendar().year}-W{local.isocalendar().week:02d}"
                if await fu.record_digest(tx, leader.id, "weekly", week, now):
                    weekly_text = await weekly_for(ctx, leader, now - timedelta(days=7))
                    if weekly_text is not None:
                        ctx.send(Outgoing(ident.chat_id, weekly_text, channel=ident.channel, proactive=True))
                        weekly += 1
        await _commit(services, ctx)
    return f"digests {sent}, weekly {weekly}"


async def _previous(tx: Tx, member_id: int, kind: str, default: datetime, current: str) -> datetime:
    """When the previous digest went (the one before today's record), else ``default``."""
    previous = await fu.previous_digest_at(tx, member_id, kind, current)
    return previous or default


# ---------------------------------------------------------------------------------------------- deadlines


def _escalation_delay(services: Services, issue: iss.Issue) -> tuple[bool, float]:
    f = services.settings.followups
    if issue.severity == "urgent":
        return False, f.urgent_escalation_delay_hours
    return True, f.escalation_delay_working_hours


def _after(services: Services, issue: iss.Issue, start: datetime, levels: int) -> datetime:
    working, hours = _escalation_delay(services, issue)
    if working:
        return services.calendar.add_working_hours(start, hours * levels)
    return start + timedelta(hours=hours * levels)


async def follow_up_deadlines(services: Services, now: datetime) -> str:
    """Reminders for missed deadlines, then escalation one level up per delay, each recorded once."""
    ack = handle = escalated = 0
    async with services.db.transaction() as tx:
        ctx = system_context(services, tx, now)
        for issue in await fu.list_ack_overdue(tx, now):
            if await fu.record_followup(tx, issue.id, "ack", 0, issue.ack_due_at, now):
                people = await _owning_leaders(ctx, issue)
                await leaders.notify(
                    ctx, [m.id for m in people], _overdue_text(ctx, issue, "followup.ack_overdue", issue.ack_due_at),
                    issue_id=issue.id, urgent=issue.severity == "urgent",
                )  # fmt: skip
                ack += 1
        for issue in await fu.list_handle_overdue(tx, now):
            if await fu.record_followup(tx, issue.id, "handle", 0, issue.handle_due_at, now):
                targets = (
                    [issue.assignee_id]
                    if issue.assignee_id
                    else [m.id for m in await _owning_leaders(ctx, issue)]
                )
                await leaders.notify(
                    ctx, [x for x in targets if x is not None],
                    _overdue_text(ctx, issue, "followup.handle_overdue", issue.handle_due_at),
                    issue_id=issue.id, urgent=issue.severity == "urgent",
                )  # fmt: skip
                handle += 1
                continue
            escalated += await _escalate(services, ctx, issue)
        await _commit(services, ctx)
    return f"ack {ack}, handle {handle}, escalated {escalated}"


def _overdue_text(ctx: Context, issue: iss.Issue, key: str, due: datetime) -> Callable[[str], str]:
    """The overdue notice about ``issue`` in a given language."""
    when = local_time(due, ctx.settings.tz)
    return lambda lang: t(lang, key, number=issue.id, title=issue.title, due=when)


async def _owning_leaders(ctx: Context, issue: iss.Issue) -> list[mem.Member]:
    return [m for m in await access.owning_leaders(ctx.tx, issue.owner_unit_id)
            if await access.leads(ctx.tx, ctx.settings, m, issue)]  # fmt: skip


async def _escalate(services: Services, ctx: Context, issue: iss.Issue) -> int:
    """At most one level a pass: the unit above the last one reached, once its delay has passed."""
    last = await fu.last_escalation(ctx.tx, issue.id, issue.handle_due_at)
    level = (last[0] if last else 0) + 1
    if ctx.now < _after(services, issue, issue.handle_due_at, level):
        return 0
    ancestors = await un.list_ancestor_ids(ctx.tx, issue.owner_unit_id)
    if level > len(ancestors):
        return 0  # already at the top
    target = await un.get_unit(ctx.tx, ancestors[level - 1])
    assert target is not None
    if not await fu.record_followup(
        ctx.tx, issue.id, "escalate", level, issue.handle_due_at, ctx.now, target.id
    ):
        return 0
    await iss.add_thread_entry(
        ctx.tx, issue.id, ctx.now, "escalated",
        body=t(ctx.settings.language, "followup.escalated_entry", unit=target.name),
    )  # fmt: skip
    await add_audit(
        ctx.tx, ctx.now, "system", "issue.escalate", f"issue:{issue.id}", level=level, unit=target.code
    )
    chiefs = await mem.list_unit_leaders(ctx.tx, target.id)
    await leaders.send_cards(
        ctx, chiefs, issue, "followup.escalated", issue.severity == "urgent",
        number=issue.id, title=issue.title, due=local_time(issue.handle_due_at, ctx.settings.tz), unit=target.name,
    )  # fmt: skip
    return 1


# ---------------------------------------------------------------------------------------------- checks


def check_choices(lang: str, issue_id: int) -> list[list[Choice]]:
    return [[Choice(t(lang, f"check.{a}"), encode(CheckButton(issue_id, a))) for a in CheckAnswer]]


async def check_resolutions(services: Services, now: datetime) -> str:
    """Ask every reporter whether a resolved issue is really resolved; remind once; close at the window's end."""
    f = services.settings.followups
    asked = reminded = closed = 0
    async with services.db.transaction() as tx:
        ctx = system_context(services, tx, now)
        for issue in await fu.list_resolved_unchecked(tx, now - timedelta(days=f.resolution_check_days)):
            assert issue.resolved_at is not None
            chats = await mem.list_member_chats(tx, await leaders.reporters_of(ctx, issue.id))
            if not chats:  # nobody left to ask: the resolution stands
                if await iss.update_issue(
                    tx, issue.id, now, expect_states=("resolved",), state="closed", closed_at=now
                ):
                    await iss.add_thread_entry(
                        tx, issue.id, now, "state", from_state="resolved", to_state="closed"
                    )
                    closed += 1
                continue
            for m, ident in chats:
                await fu.create_check(tx, issue.id, m.id, issue.resolved_at, now)
                ctx.send(Outgoing(
                    ident.chat_id, channel=ident.channel, proactive=True, issue_id=issue.id,
                    text=t(m.language, "check.ask", number=issue.id, resolution=issue.resolution,
                           title=await access.member_title(tx, services.settings, m, issue),
                           date=issue.resolved_at.astimezone(services.settings.tz).strftime("%d/%m/%Y")),
                    choices=check_choices(m.language, issue.id),
                ))  # fmt: skip
                asked += 1
        by_issue: dict[int, list[fu.Check]] = {}
        issues: dict[int, iss.Issue] = {}
        for check, issue in await fu.list_open_checks(tx):
            by_issue.setdefault(issue.id, []).append(check)
            issues[issue.id] = issue
        for issue_id, checks in by_issue.items():
            issue = issues[issue_id]
            first_asked = min(c.asked_at for c in checks)
            if now >= first_asked + timedelta(days=f.resolution_window_days):
                if await iss.update_issue(
                    tx, issue.id, now, expect_states=("resolved",), state="closed", closed_at=now
                ):
                    await iss.add_thread_entry(
                        tx, issue.id, now, "state", from_state="resolved", to_state="closed"
                    )
                    closed += 1
                continue
            for check in checks:
                if (
                    check.answer is None
                    and check.reminded_at is None
                    and now >= check.asked_at + timedelta(days=f.resolution_reminder_days)
                ):
                    await fu.mark_check_reminded(tx, check, now)
                    for m, ident in await mem.list_member_chats(tx, [check.member_id]):
                        ctx.send(Outgoing(
                            ident.chat_id, channel=ident.channel, proactive=True, issue_id=issue.id,
                            text=t(m.language, "check.reminder", number=issue.id,
                                   title=await access.member_title(tx, services.settings, m, issue)),
                            choices=check_choices(m.language, issue.id),
                        ))  # fmt: skip
                        reminded += 1
        await _commit(services, ctx)
    return f"asked {asked}, reminded {reminded}, closed {closed}"
