"""Announcements (orientation notices): a leader's guided message to the members of their subtree.

``/announce`` asks for the audience (everyone, one unit's subtree, or one sector), the text (a photo or a
document may come with it), and when to send it (now, or at a typed time); proactive messages wait out quiet
hours in the outbox. Each member gets a "read" button (``a:ann:<id>:r``). ``/announce N`` shows delivered
and read counts by unit, with a button to remind those who have not read it (``a:ann:<id>:m``). Every tap is
checked on the server: the reader must be a recipient, the reminder's sender a leader over the announcement.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.buttons import Action, AnnouncementAct, AnnouncementButton, encode
from bot.core.config import Settings
from bot.core.messages import Attachment, Choice, Outgoing
from bot.core.texts import t
from handlers import flow
from handlers.attachments import attachment_dicts
from handlers.briefing import scope_unit
from handlers.choose import fold, match_option
from handlers.context import Context
from handlers.drafts import AnnounceDraft, draft_of
from handlers.numbers import looks_like_number, parse_issue_number
from handlers.when import parse_moment
from storage import announcements as an
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.conversations import Conversation
from storage.db import Tx

ROLES = ("leader", "admin")
TEXT_LIMIT = 3000
PREVIEW = 80
BATCH = 500
UNIT_CHOICES = 40
MEDIA_KINDS = ("photo", "document")
LATEST_DAYS = 60


def fmt_time(settings: Settings, when: datetime) -> str:
    return when.astimezone(settings.tz).strftime("%H:%M %d/%m/%Y")


def preview(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= PREVIEW else line[: PREVIEW - 1] + "…"


def read_choices(lang: str, ann: an.Announcement) -> list[list[Choice]]:
    return [[Choice(t(lang, "ann.read_button"), an.read_button_data(ann.id))]]


async def may_view(tx: Tx, member: mem.Member, ann: an.Announcement) -> bool:
    """Counts and reminders are for the leaders of the sender's unit or a unit above it (and admins)."""
    if not member.active:
        return False
    if member.role == "admin":
        return True
    return member.role == "leader" and ann.unit_id in await un.list_subtree_ids(tx, member.unit_id)


def member_message(target: an.Target, ann: an.Announcement, unit: str, *, reminder: bool = False) -> Outgoing:
    """The announcement (with its photo or document), or a reminder of it (the text alone)."""
    attachments = [Attachment(**ann.attachment)] if ann.attachment and not reminder else []
    key = "ann.reminder" if reminder else "ann.message"
    return Outgoing(
        target.chat_id,
        t(target.language, key, unit=unit, text=ann.text),
        choices=read_choices(target.language, ann),
        attachments=attachments,
        channel=target.channel,
        proactive=True,  # bulk: quiet hours wait, and (issue 17) sent after alerts and answers
    )


async def send_batch(tx: Tx, settings: Settings, ann: an.Announcement, now: datetime) -> list[Outgoing]:
    """The announcement to the next members it has not been queued for (recorded in ``tx``)."""
    targets = await an.list_unqueued_targets(tx, ann, BATCH)
    if not targets:
        return []
    unit = await un.get_unit(tx, ann.unit_id)
    name = unit.name if unit else "?"
    await an.add_recipients(tx, ann.id, targets, now)
    return [member_message(x, ann, name) for x in targets]


# ---------------------------------------------------------------------------------------------- /announce


async def cmd_announce(ctx: Context) -> None:
    if ctx.member.role not in ROLES:
        ctx.reply(ctx.t("error.unknown_command", command="announce"))
        return
    arg = ctx.incoming.args.strip()
    if not arg:
        unit_id = await scope_unit(ctx.tx, ctx.member)
        await flow.start(ctx, "announce", "audience", AnnounceDraft(unit_id=unit_id))
        return
    number = parse_issue_number(arg)
    if number is None and not looks_like_number(arg):
        ctx.reply(ctx.t("ann.usage"))
        return
    ann = await an.get_announcement(ctx.tx, number) if number is not None else None
    if ann is None or not await may_view(ctx.tx, ctx.member, ann):
        ctx.reply(ctx.t("ann.not_found", id=arg.removeprefix("#")[:20]))
        return
    await show_counts(ctx, ann)


async def show_counts(ctx: Context, ann: an.Announcement) -> None:
    counts = await an.count_by_unit(ctx.tx, ann.id)
    total = sum(c.recipients for c in counts)
    delivered = sum(c.delivered for c in counts)
    read = sum(c.read for c in counts)
    when = fmt_time(ctx.settings, ann.send_at)
    lines = [ctx.t("ann.counts_header", id=ann.id, when=when, text=preview(ann.text))]
    if ann.state == an.SCHEDULED and ann.send_at > ctx.now:
        lines.append(ctx.t("ann.counts_scheduled", when=when))
    lines.append(ctx.t("ann.counts_total", total=total, delivered=delivered, read=read))
    names = {u.id: u.name for u in await un.list_units(ctx.tx, active_only=False)}
    for c in sorted(counts, key=lambda c: names.get(c.unit_id, "")):
        unit = names.get(c.unit_id, "?")
        lines.append(
            ctx.t("ann.counts_unit", unit=unit, total=c.recipients, delivered=c.delivered, read=c.read)
        )
    unread = total - read
    choices = (
        [
            [
                Choice(
                    ctx.t("ann.remind_button", count=unread),
                    encode(AnnouncementButton(ann.id, AnnouncementAct.REMIND)),
                )
            ]
        ]
        if unread
        else []
    )
    ctx.reply("\n".join(lines), choices=choices)


async def _units_below(tx: Tx, root: int) -> list[un.Unit]:
    ids = set(await un.list_subtree_ids(tx, root)) - {root}
    return sorted((u for u in await un.list_units(tx) if u.id in ids), key=lambda u: u.name)


async def _unit_named(tx: Tx, root: int, value: str) -> int | None:
    """A unit below ``root``: a tapped one (its id) or a typed code or name."""
    units = await _units_below(tx, root)
    number = parse_issue_number(value)
    if number is not None:
        return next((u.id for u in units if u.id == number), None)
    typed = fold(value)
    exact = [u.id for u in units if typed in (fold(u.code), fold(u.name))]
    if len(exact) == 1:
        return exact[0]
    m = match_option(value, [u.name for u in units])
    return units[int(m.value)].id if m.value is not None else None


async def _audience_label(ctx: Context, d: AnnounceDraft) -> str:
    if d.sector:
        sector = ctx.settings.sector(d.sector)
        name = (sector.vi if ctx.lang == "vi" else sector.en) if sector else "?"
        return ctx.t("ann.audience_sector", sector=name)
    unit = await un.get_unit(ctx.tx, d.target_unit_id)
    return ctx.t("ann.audience_unit", unit=unit.name if unit else "?")


async def _ask(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, AnnounceDraft)
    step = conv.step
    if step == "audience":
        options = [(ctx.t(f"ann.audience_{key}_option"), key) for key in ("all", "unit", "sector")]
        await flow.ask_options(ctx, conv, ctx.t("ann.ask_audience"), options)
    elif step == "unit":
        units = await _units_below(ctx.tx, d.unit_id)
        options = [(u.name, str(u.id)) for u in units[:UNIT_CHOICES]]
        many = len(units) > UNIT_CHOICES  # the rest are typed (a name or a code)
        text = ctx.t("ann.ask_unit") + ("\n" + ctx.t("ann.ask_unit_typed") if many else "")
        await flow.ask_options(ctx, conv, text, options, columns=2, free_text=many)
    elif step == "sector":
        options = [(s.vi if ctx.lang == "vi" else s.en, s.code) for s in ctx.settings.sectors]
        await flow.ask_options(ctx, conv, ctx.t("ann.ask_sector"), options, columns=2)
    elif step == "text":
        await flow.ask_options(ctx, conv, ctx.t("ann.ask_text", limit=TEXT_LIMIT), [], free_text=True)
    elif step == "when":
        options = [(ctx.t("ann.when_now"), "now")]
        await flow.ask_options(ctx, conv, ctx.t("ann.ask_when"), options, free_text=True)
    elif step == "confirm":
        count = await an.count_audience(ctx.tx, d.target_unit_id, d.sector)
        send_at = datetime.fromisoformat(d.send_at)
        when = ctx.t("ann.when_now") if send_at <= ctx.now else fmt_time(ctx.settings, send_at)
        attached = ctx.t("ann.with_attachment") if d.attachment else ""
        text = ctx.t("ann.preview", audience=await _audience_label(ctx, d), count=count, when=when,
                     text=d.text, attached=attached)  # fmt: skip
        await flow.ask_options(ctx, conv, text, [(ctx.t("ann.send"), "send")])


async def _answer(ctx: Context, conv: Conversation, value: str) -> None:
    d = draft_of(conv, AnnounceDraft)
    step = conv.step
    if step == "audience":
        if value == "all":
            d.target_unit_id, d.sector = d.unit_id, ""
        await flow.goto(ctx, conv, {"all": "text", "unit": "unit", "sector": "sector"}[value])
    elif step == "unit":
        unit_id = await _unit_named(ctx.tx, d.unit_id, value)
        if unit_id is None:
            await flow.reask(ctx, conv, ctx.t("ann.unknown_unit", text=value.strip()[:80]))
            return
        d.target_unit_id, d.sector = unit_id, ""
        await flow.goto(ctx, conv, "text")
    elif step == "sector":
        d.target_unit_id, d.sector = d.unit_id, value
        await flow.goto(ctx, conv, "text")
    elif step == "text":
        text = value.strip()
        if not text:
            await flow.reask(ctx, conv, ctx.t("error.text_expected"))
        elif len(text) > TEXT_LIMIT:
            await flow.reask(ctx, conv, ctx.t("error.too_long", limit=TEXT_LIMIT))
        else:
            d.text = text
            await flow.goto(ctx, conv, "when")
    elif step == "when":
        when = ctx.now if value == "now" else parse_moment(value, ctx.now, ctx.settings.tz)
        if when is None:
            await flow.reask(ctx, conv, ctx.t("poll.bad_time"))
        elif not ctx.now <= when <= ctx.now + timedelta(days=LATEST_DAYS):
            await flow.reask(ctx, conv, ctx.t("ann.time_out_of_range", days=LATEST_DAYS))
        else:
            d.send_at = when.isoformat()
            await flow.goto(ctx, conv, "confirm")
    elif step == "confirm" and value == "send":
        await _create(ctx, conv)


async def _on_media(ctx: Context, conv: Conversation) -> bool:
    """A photo or a document at the text step goes with the announcement; its caption is the text."""
    inc = ctx.incoming
    media = [a for a in inc.attachments if a.kind in MEDIA_KINDS and a.file_ref]
    if inc.kind != "media" or conv.step != "text" or not media:
        return False
    a = media[0]
    [draft_of(conv, AnnounceDraft).attachment] = attachment_dicts((a,))
    if inc.text.strip():
        await _answer(ctx, conv, inc.text)
        return True
    await flow.reask(ctx, conv, ctx.t("ann.kept_attachment"))
    return True


async def _create(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, AnnounceDraft)
    await flow.finish(ctx, conv)
    root, target, sector = d.unit_id, d.target_unit_id, d.sector
    if target not in await un.list_subtree_ids(ctx.tx, root):
        ctx.reply(ctx.t("error.bad_button"))
        return
    if not await an.count_audience(ctx.tx, target, sector):
        ctx.reply(ctx.t("ann.no_members"))
        return
    send_at = max(ctx.now, datetime.fromisoformat(d.send_at))
    ann_id = await an.create_announcement(
        ctx.tx, unit_id=root, created_by=ctx.member.id, target_unit_id=target, sector=sector,
        text=d.text, attachment=d.attachment or None, send_at=send_at, now=ctx.now,
    )  # fmt: skip
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", "announce.create", f"announcement:{ann_id}",
                    target=target, sector=sector, send_at=send_at.isoformat(),
                    attachment=bool(d.attachment))  # fmt: skip
    ann = await an.get_announcement(ctx.tx, ann_id)
    assert ann is not None
    if send_at > ctx.now:
        ctx.reply(ctx.t("ann.scheduled", id=ann_id, when=fmt_time(ctx.settings, send_at)))
        return
    for msg in await send_batch(ctx.tx, ctx.settings, ann, ctx.now):
        ctx.send(msg)
    quiet = ctx.calendar.is_quiet(ctx.now)
    ctx.reply(ctx.t("ann.queued_quiet" if quiet else "ann.queued", id=ann_id))


flow.register(flow.Flow("announce", _ask, _answer, _on_media))


# ---------------------------------------------------------------------------------------------- taps


async def on_action(ctx: Context, button: Action) -> bool:
    """A member's "read" or a leader's "remind the unread"; False if the button is not ours."""
    if not isinstance(button, AnnouncementButton):
        return False
    ann = await an.get_announcement(ctx.tx, button.announcement_id)
    if ann is None:
        ctx.reply(ctx.t("error.bad_button"))
        return True
    if button.act == AnnouncementAct.READ:
        if not await an.is_recipient(ctx.tx, ann.id, ctx.member.id):
            ctx.reply(ctx.t("error.bad_button"))
            return True
        fresh = await an.mark_read(ctx.tx, ann.id, ctx.member.id, ctx.now)
        ctx.reply(ctx.t("ann.read_thanks" if fresh else "ann.already_read"))
        return True
    if not await may_view(ctx.tx, ctx.member, ann):
        ctx.reply(ctx.t("error.bad_button"))
        return True
    await remind(ctx, ann)
    return True


async def remind(ctx: Context, ann: an.Announcement) -> None:
    """Remind, once more, every recipient who has not tapped "read"."""
    unread = await an.list_unread(ctx.tx, ann.id)
    unit = await un.get_unit(ctx.tx, ann.unit_id)
    name = unit.name if unit else "?"
    for target in unread:
        ctx.send(member_message(target, ann, name, reminder=True))
    await an.mark_reminded(ctx.tx, ann.id, [x.member_id for x in unread], ctx.now)
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", "announce.remind", f"announcement:{ann.id}",
                    count=len(unread))  # fmt: skip
    ctx.reply(ctx.t("ann.reminded", count=len(unread)))
