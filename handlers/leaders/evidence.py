"""Evidence to leaders: the photos, voice messages, documents and locations members attached to an issue.

* :func:`visible_evidence` — what one person may receive of an issue's files, by the card's rule
  (``access.View``) applied to each file: a report's files go with its text (``sees_report_text``), an
  entry's with the entry (``sees_entry``); a confidential source's files only to the owning unit's leaders
  (``access.sees_confidential``) and to the reporter who filed them; withdrawn reports and files the
  retention purge cleared send nothing.
* :func:`files_row` — the card's button "see the attachments (N)" (``a:iss:files:<id>``), N as the viewer may
  receive them; none when there is nothing.
* :func:`send_evidence` — the button's answer: the files (photos as albums of up to 10, the others one by
  one, then the location pins), re-checked on the server for the person who tapped it, recorded in the
  audit log (``attachment.open``; ``confidential.view`` for a confidential source's files).
* :func:`send_alert_evidence` — what an urgent or hot-spot alert carries after its card: the newest
  report's photos (an album when several) and its location pin.

Sensitive categories and confidential sources go out protected (Telegram's ``protect_content``); on Zalo the
sender gives no link for those (see ``bot.zalo_send``). The messages go through the outbox like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.buttons import IssueAction, IssueButton, encode
from bot.core.messages import Attachment, Choice, Outgoing
from bot.core.texts import for_channel, t
from handlers import access
from handlers.context import Context
from storage import issues as iss
from storage import members as mem
from storage.audit import add_audit

ALBUM_LIMIT = 10  # Telegram's sendMediaGroup takes 2 to 10 items
LINK_CHANNELS = ("zalo",)  # channels that take files only as links: every file in one message


@dataclass
class Evidence:
    """What one person may receive of an issue's evidence."""

    files: list[iss.StoredAttachment] = field(default_factory=list)
    locations: dict[int, tuple[float, float]] = field(default_factory=dict)  # by report id
    protected: bool = False  # a sensitive category, or a confidential source among them
    confidential_reports: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.files) + len(self.locations)


def _sendable(a: iss.StoredAttachment) -> bool:
    return bool(a.file_ref or a.file_id) and a.kind != "sticker"


async def visible_evidence(
    ctx: Context, viewer: mem.Member, issue: iss.Issue, view: access.View | None = None
) -> Evidence:
    """The issue's files and locations ``viewer`` may receive (nothing if they may not see the issue)."""
    view = view or await access.view_of(ctx.tx, ctx.settings, viewer, issue)
    out = Evidence(protected=access.protected(ctx.settings, issue))
    if view is None:
        return out
    reports = {r.id: r for r in await iss.list_reports(ctx.tx, issue.id)}
    entries = {e.id: e for e in await iss.list_thread(ctx.tx, issue.id)}
    confidential_ok = await access.sees_confidential(ctx.tx, viewer, issue)
    allowed: dict[int, bool] = {}
    for rid, r in reports.items():
        own = r.member_id == viewer.id
        allowed[rid] = (
            r.withdrawn_at is None
            and view.sees_report_text(r)
            and (not r.confidential or confidential_ok or own)
        )
        if allowed[rid] and r.latitude is not None and r.longitude is not None:
            out.locations[rid] = (r.latitude, r.longitude)
        if allowed[rid] and r.confidential:
            out.confidential_reports.append(rid)
            out.protected = True
    for a in await iss.list_attachments(ctx.tx, issue.id):
        if not _sendable(a):
            continue
        if a.report_id is not None:
            if allowed.get(a.report_id, False):
                out.files.append(a)
        elif a.entry_id is not None and a.entry_id in entries and view.sees_entry(entries[a.entry_id]):
            out.files.append(a)
    return out


async def files_row(ctx: Context, viewer: mem.Member, issue: iss.Issue, view: access.View) -> list[Choice]:
    """The card's "see the attachments (N)" button, or nothing when ``viewer`` may receive none."""
    evidence = await visible_evidence(ctx, viewer, issue, view)
    if not evidence.count:
        return []
    label = t(viewer.language, "btn.files", count=evidence.count)
    return [Choice(label, encode(IssueButton(IssueAction.FILES, issue.id)))]


def _attachment(a: iss.StoredAttachment) -> Attachment:
    return Attachment(
        kind=a.kind,  # type: ignore[arg-type]  # stored kinds are Attachment kinds
        file_ref=a.file_ref,
        mime_type=a.mime_type,
        filename=a.filename,
        size=a.size,
        file_id=a.file_id,
    )


def evidence_messages(chat_id: str, channel: str, evidence: Evidence, *, caption: str = "") -> list[Outgoing]:
    """The messages that carry ``evidence``: photos in albums of up to 10, each other file alone, then the
    pins; on a channel of links, every file in one message. ``caption`` rides on the first file."""
    files = [_attachment(a) for a in evidence.files]
    if channel in LINK_CHANNELS:
        groups = [files] if files else []
    else:
        photos = [f for f in files if f.kind == "photo"]
        groups = [photos[i : i + ALBUM_LIMIT] for i in range(0, len(photos), ALBUM_LIMIT)]
        groups += [[f] for f in files if f.kind != "photo"]
    out = [
        Outgoing(
            chat_id=chat_id,
            channel=channel,
            attachments=group,
            album=True,
            protect_content=evidence.protected,
        )
        for group in groups
    ]
    if out and caption:
        out[0].text = caption
    for latitude, longitude in evidence.locations.values():
        out.append(
            Outgoing(
                chat_id=chat_id,
                channel=channel,
                location=(latitude, longitude),
                protect_content=evidence.protected,
            )
        )
    return out


async def _audit_opening(ctx: Context, viewer: mem.Member, issue: iss.Issue, evidence: Evidence) -> None:
    actor = f"member:{viewer.id}"
    await add_audit(ctx.tx, ctx.now, actor, "attachment.open", f"issue:{issue.id}",
                    attachments=[a.id for a in evidence.files], locations=len(evidence.locations))  # fmt: skip
    for rid in evidence.confidential_reports:
        await add_audit(ctx.tx, ctx.now, actor, "confidential.view", f"report:{rid}", via="attachments")


async def send_evidence(ctx: Context, issue: iss.Issue) -> None:
    """The answer to "see the attachments": the files the person who tapped may receive, re-checked here."""
    evidence = await visible_evidence(ctx, ctx.member, issue)
    if not evidence.count:
        ctx.reply(ctx.t("evidence.none", number=issue.id))
        return
    header = ctx.reply(ctx.t("evidence.header", number=issue.id, count=evidence.count), issue_id=issue.id)
    header.protect_content = evidence.protected
    for msg in evidence_messages(ctx.incoming.chat_id, ctx.incoming.channel, evidence):
        msg.issue_id = issue.id
        ctx.send(msg)
    await _audit_opening(ctx, ctx.member, issue, evidence)


async def send_alert_evidence(ctx: Context, leaders: list[mem.Member], issue: iss.Issue) -> int:
    """After an alert's card: the newest report's photos and location pin to each leader who may receive
    them; returns how many messages were queued."""
    reports = [r for r in await iss.list_reports(ctx.tx, issue.id) if r.withdrawn_at is None]
    if not reports:
        return 0
    newest = reports[-1]
    chats = {m.id: ident for m, ident in await mem.list_member_chats(ctx.tx, [m.id for m in leaders])}
    count = 0
    for leader in leaders:
        ident = chats.get(leader.id)
        if ident is None:
            continue
        visible = await visible_evidence(ctx, leader, issue)
        mine = Evidence(
            files=[a for a in visible.files if a.report_id == newest.id and a.kind == "photo"],
            locations={r: pin for r, pin in visible.locations.items() if r == newest.id},
            protected=visible.protected,
        )
        caption = t(leader.language, for_channel("evidence.alert_caption", ident.channel), number=issue.id)
        for msg in evidence_messages(
            ident.chat_id, ident.channel, mine, caption=caption if mine.files else ""
        ):
            msg.issue_id, msg.proactive, msg.urgent = issue.id, True, True
            ctx.send(msg)
            count += 1
    return count
