"""Sending on Zalo: one outbox row as Zalo calls; choices and the main menu become numbered lines that are
remembered per chat (Zalo has no buttons)."""

from __future__ import annotations

import logging
from datetime import UTC, tzinfo
from typing import Any

from bot.core.clock import Clock
from bot.core.links import FileLinks
from bot.core.messages import Outgoing
from bot.core.texts import t
from bot.runtime import split_text
from bot.zalo_api import CHANNEL, ZaloApi, ZaloApiError, send_error
from storage.db import Database
from storage.inbound import save_chat_choices
from storage.members import get_member_by_identity

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000
KEYBOARD_PREFIX = "kb:"


def numbered_block(header: str, labels: list[str]) -> str:
    """``header`` then ``1. label`` lines."""
    return "\n".join([header, *(f"{i}. {label}" for i, label in enumerate(labels, 1))])


class ZaloSender:
    """Renders one outbox row as Zalo calls; choices and the main menu become numbered lines."""

    channel = CHANNEL

    def __init__(
        self,
        api: ZaloApi,
        db: Database,
        clock: Clock,
        *,
        links: FileLinks | None = None,
        tz: tzinfo = UTC,
        lang: str = "vi",
    ) -> None:
        self.api = api
        self.db = db
        self.clock = clock
        self.links = links  # signed, expiring links to the file store; None: a note instead of files
        self.tz = tz
        self.lang = lang

    async def send(self, out: Outgoing) -> str | None:
        try:
            return await self._send(out)
        except ZaloApiError as exc:
            raise send_error(exc) from exc

    async def language_of(self, chat_id: str) -> str:
        """The language of the member of this private chat (chat id == user id on Zalo), else the default."""
        try:
            member = await get_member_by_identity(self.db.reader, CHANNEL, chat_id)
        except Exception:  # the language is a nicety; never fail a send over it
            log.debug("could not look up the language of zalo chat %s", chat_id, exc_info=True)
            return self.lang
        return member.language if member is not None and member.language else self.lang

    async def _send(self, out: Outgoing) -> str | None:
        if out.commands is not None or out.clear_choices_of:
            return None  # Zalo has no command menus and no buttons to clear
        lang = await self.language_of(out.chat_id)
        if out.location is not None:
            return await self._send_location(out.chat_id, out.location, lang, protected=out.protect_content)
        if out.attachments:
            return await self._send_attachment(out, lang)
        text, pairs = self.render(out, lang)
        if not text.strip():
            return None
        message_id: str | None = None
        for part in self.parts(out.text, text):
            result = await self.api.send_message(out.chat_id, part)
            message_id = _str_or_none(result.get("message_id")) or message_id
        if pairs is not None:
            async with self.db.transaction() as tx:
                await save_chat_choices(tx, CHANNEL, out.chat_id, pairs, self.clock.now())
        return message_id

    async def _send_attachment(self, out: Outgoing, lang: str) -> str | None:
        """Photos by a signed link Zalo downloads, other files as link lines; no links at all for a protected
        message (a sensitive matter, a confidential source) or without link settings: the note instead."""
        caption = out.text[:TEXT_LIMIT] if out.text else ""
        files = [a for a in out.attachments if a.file_ref]
        if self.links is None or out.protect_content or not files:
            note = t(lang, "zalo.attachments_note", count=len(out.attachments))
            result = await self.api.send_message(out.chat_id, f"{caption}\n\n{note}" if caption else note)
            return _str_or_none(result.get("message_id"))
        now = self.clock.now()
        message_id: str | None = None
        for photo in [a for a in files if a.kind == "photo"]:  # Zalo downloads and shows each photo
            result = await self.api.send_photo(out.chat_id, self.links.url(photo.file_ref, now), caption)
            message_id, caption = message_id or _str_or_none(result.get("message_id")), ""
        others = [a for a in files if a.kind != "photo"]
        if not others:
            return message_id
        until = self.links.expires_at(now).astimezone(self.tz).strftime("%H:%M %d/%m/%Y")
        lines = [t(lang, "zalo.links", count=len(others), until=until)]
        for i, a in enumerate(others, 1):
            kind = t(lang, f"evidence.kind.{a.kind}")
            lines.append(t(lang, "zalo.link_line", number=i, kind=kind, url=self.links.url(a.file_ref, now)))
        body = "\n".join(([caption, ""] if caption else []) + lines)
        for part in split_text(body, TEXT_LIMIT):
            result = await self.api.send_message(out.chat_id, part)
            message_id = message_id or _str_or_none(result.get("message_id"))
        return message_id

    async def _send_location(
        self, chat_id: str, pin: tuple[float, float], lang: str, *, protected: bool
    ) -> str | None:
        """Zalo has no map pins: the coordinates, and a map link unless the matter is protected."""
        lat, lon = f"{pin[0]:.6f}", f"{pin[1]:.6f}"
        if protected:
            text = t(lang, "zalo.location_plain", latitude=lat, longitude=lon)
        else:
            url = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
            text = t(lang, "zalo.location", latitude=lat, longitude=lon, url=url)
        result = await self.api.send_message(chat_id, text)
        return _str_or_none(result.get("message_id"))

    @staticmethod
    def parts(body: str, full: str) -> list[str]:
        """The messages to send: ``full`` at once when it fits, else the body and the numbered block apart."""
        if len(full) <= TEXT_LIMIT:
            return [full]
        block = full[len(body) :].lstrip("\n") if body.strip() and full.startswith(body) else ""
        if not block:
            return split_text(full, TEXT_LIMIT)
        return [*split_text(body, TEXT_LIMIT), *split_text(block, TEXT_LIMIT)]

    @staticmethod
    def render(out: Outgoing, lang: str) -> tuple[str, list[tuple[str, str]] | None]:
        """The text to send and the (label, data) pairs to remember (None: leave what is remembered)."""
        text = out.text
        pairs: list[tuple[str, str]] | None = None
        header = ""
        if out.choices:
            pairs = [(c.label, c.data) for row in out.choices for c in row]
            header = t(lang, "zalo.choose_number")
        elif out.keyboard:
            pairs = [(b.label, KEYBOARD_PREFIX + b.label) for row in out.keyboard for b in row]
            header = t(lang, "zalo.menu")
        elif out.remove_keyboard:
            pairs = []  # the menu is gone: a number no longer means anything
        if pairs:
            block = numbered_block(header, [label for label, _ in pairs])
            text = f"{text}\n\n{block}" if text.strip() else block
        return text, pairs


def _str_or_none(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
