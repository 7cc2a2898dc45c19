"""The update path: one incoming event -> one transaction (state, processed id, outbox rows) -> wake delivery."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.core.clock import Clock
from bot.core.config import LANGUAGES, Settings
from bot.core.files import FileStore
from bot.core.messages import Incoming, Outgoing
from bot.core.texts import t
from bot.core.workcal import WorkCalendar
from handlers.context import Context
from storage import outbox as outbox_store
from storage.db import Database, Tx
from storage.members import get_member_by_identity
from storage.updates import record_processed_update

log = logging.getLogger(__name__)

TEXT_LIMITS = {"telegram": 4096, "zalo": 2000}
CAPTION_LIMIT = 1024  # Telegram's caption of a photo, a file, an album's first item

Handler = Callable[[Context], Awaitable[None]]


@dataclass
class Services:
    """Everything a handler or job may use, passed explicitly."""

    db: Database
    settings: Settings
    clock: Clock
    calendar: WorkCalendar
    files: FileStore
    bot_usernames: dict[str, str] = field(default_factory=dict)


def split_text(text: str, limit: int) -> list[str]:
    """Split on line boundaries so that every part fits ``limit``; a longer line is cut at a space."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            head, line = line[:cut], line[cut:].lstrip(" ")
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit]]


def expand(msg: Outgoing) -> list[Outgoing]:
    """One outbox row per channel call: each attachment alone, then the text (split) with the choices on the last
    part; an album (``msg.album``) is one row, its text the caption."""
    limit = TEXT_LIMITS.get(msg.channel, 4096)
    rows: list[Outgoing] = []
    if msg.edit_of and (msg.attachments or len(split_text(msg.text, limit)) > 1):
        # one message cannot become several: its buttons come off and the rest goes anew
        rows.append(Outgoing(chat_id=msg.chat_id, clear_choices_of=msg.edit_of, channel=msg.channel))
        msg = replace(msg, edit_of="")
    if msg.album and msg.attachments and len(msg.text) <= CAPTION_LIMIT:  # one call, the text its caption
        return [*rows, replace(msg, choices=[], keyboard=None, remove_keyboard=False)]
    rows += [
        replace(msg, text="", choices=[], keyboard=None, remove_keyboard=False, attachments=[a])
        for a in msg.attachments
    ]
    if msg.text or not msg.attachments or msg.clear_choices_of or msg.commands is not None:
        parts = split_text(msg.text, limit) if msg.text else [""]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            rows.append(
                replace(
                    msg,
                    text=part,
                    attachments=[],
                    choices=msg.choices if last else [],
                    keyboard=msg.keyboard if last else None,
                    remove_keyboard=msg.remove_keyboard if last else False,
                )
            )
    return rows


def priority_of(msg: Outgoing, *, stranger: bool = False) -> int:
    """Answers to members and urgent alerts first, then bulk broadcasts, then refusals to strangers."""
    if stranger:
        return outbox_store.PRIORITY_STRANGER
    if msg.proactive and not msg.urgent:
        return outbox_store.PRIORITY_BULK
    return outbox_store.PRIORITY_ANSWER


async def enqueue(
    tx: Tx, services: Services, messages: list[Outgoing], now: datetime, *, stranger: bool = False
) -> int:
    """Write the messages as outbox rows (inside the caller's transaction); proactive ones wait out quiet time.

    ``stranger``: answers to someone without a membership (they go after everyone else's)."""
    count = 0
    for msg in messages:
        hold: datetime | None = None
        if msg.proactive and not msg.urgent and services.calendar.is_quiet(now):
            hold = services.calendar.next_non_quiet(now)
        priority = priority_of(msg, stranger=stranger)
        for row in expand(msg):
            await outbox_store.enqueue_message(
                tx, row.channel, row.chat_id, row.to_json(), now, hold, priority
            )
            count += 1
    return count


class Dispatcher:
    """Handles one incoming event at a time, exactly once per update key."""

    def __init__(self, services: Services, handler: Handler, on_commit: Callable[[], None]) -> None:
        self.services = services
        self.handler = handler
        self.on_commit = on_commit

    async def handle(self, incoming: Incoming) -> bool:
        """Returns False when the update had been handled before (nothing done)."""
        services = self.services
        now = services.clock.now()
        try:
            async with services.db.transaction() as tx:
                if not await record_processed_update(tx, incoming.channel, incoming.update_key, now):
                    return False
                await outbox_store.clear_chat_unreachable(tx, incoming.channel, incoming.chat_id)
                ctx = Context(
                    tx=tx,
                    settings=services.settings,
                    calendar=services.calendar,
                    now=now,
                    incoming=incoming,
                    lang=_language(services.settings, incoming),
                    bot_username=services.bot_usernames.get(incoming.channel, ""),
                )
                await self.handler(ctx)
                for msg in ctx.out:
                    msg.channel = msg.channel or incoming.channel
                await enqueue(tx, services, ctx.out, now, stranger=ctx.member is None)
        except Exception:
            # ids only: never the text, the choice's value or the sender's name (the traceback stays)
            log.exception(
                "handler failed: channel=%s chat=%s sender=%s update=%s kind=%s command=%r",
                incoming.channel,
                incoming.chat_id,
                incoming.sender_id,
                incoming.update_key,
                incoming.kind,
                incoming.command[:32] if incoming.command.isascii() else "?",
            )
            async with services.db.transaction() as tx:
                if not await record_processed_update(tx, incoming.channel, incoming.update_key, now):
                    return False
                member = await get_member_by_identity(tx, incoming.channel, incoming.sender_id)
                lang = _language(services.settings, incoming, member.language if member else "")
                apology = Outgoing(
                    chat_id=incoming.chat_id,
                    text=t(lang, "error.internal"),
                    channel=incoming.channel,
                )
                await enqueue(tx, services, [apology], now)
        self.on_commit()
        return True


def _language(settings: Settings, incoming: Incoming, member_language: str = "") -> str:
    """The person's language: their membership's, else their app's when dlxh speaks it, else the default."""
    if member_language in LANGUAGES:
        return member_language
    code = incoming.language_code.split("-", 1)[0].lower()
    return code if code in LANGUAGES else settings.language
