"""Sending on Zalo: one outbox row as Zalo calls; choices and the main menu become numbered lines that are
remembered per chat (Zalo has no buttons)."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.clock import Clock
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
        media_base_url: str = "",
        lang: str = "vi",
    ) -> None:
        self.api = api
        self.db = db
        self.clock = clock
        self.media_base_url = media_base_url
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
        att = out.attachments[0]
        caption = out.text[:TEXT_LIMIT] if out.text else ""
        if self.media_base_url and att.kind == "photo" and att.file_ref:
            result = await self.api.send_photo(out.chat_id, self.media_url(att.file_ref), caption)
        else:
            note = t(lang, "zalo.attachments_note", count=1)
            result = await self.api.send_message(out.chat_id, f"{caption}\n\n{note}" if caption else note)
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

    def media_url(self, file_ref: str) -> str:
        return self.media_base_url.rstrip("/") + "/" + file_ref.lstrip("/")

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
