"""Telegram's outbound side: :class:`TelegramSender` renders one outbox row (an :class:`Outgoing`) as Bot API
calls — a text, a file (by its Telegram ``file_id`` where one is stored, else the stored bytes), an album, a
map pin, or an edit of the tapped message into the current card — and maps Telegram's errors onto the outbox's
send errors (temporary, retry-after, forbidden, permanent). The outbox worker paces and retries; PTB's own rate
limiter is not used. The channel itself (updates in, the polling loop) is :mod:`bot.telegram`."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application

from bot.core.files import FileStore
from bot.core.messages import Attachment, Outgoing
from bot.outbox import SendForbidden, SendPermanent, SendRetryAfter, SendTransient
from bot.telegram_groups import (
    TopicBook,
)

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CALLBACK_DATA_LIMIT = 64  # bytes of callback data Telegram accepts on a button


def retry_seconds(exc: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (PTB 22 gives an int or a timedelta)."""
    with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta; both are handled
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramSender:
    """Renders one outbox row as one Bot API call."""

    channel = CHANNEL

    def __init__(self, app: Application, files: FileStore, topics: TopicBook | None = None) -> None:
        self.bot = app.bot
        self.files = files
        self.topics = topics  # a group's forum topic per issue (bot/telegram_groups.py)

    async def send(self, out: Outgoing) -> str | None:
        try:
            return await self._send(out)
        except RetryAfter as exc:
            raise SendRetryAfter(retry_seconds(exc), str(exc)) from exc
        except Forbidden as exc:
            raise SendForbidden(str(exc)) from exc
        except BadRequest as exc:
            text = str(exc).lower()
            if "chat not found" in text:
                raise SendForbidden(str(exc)) from exc
            raise SendPermanent(str(exc)) from exc
        except (TimedOut, NetworkError) as exc:
            raise SendTransient(str(exc)) from exc
        except TelegramError as exc:
            raise SendTransient(str(exc)) from exc

    async def _send(self, out: Outgoing) -> str | None:
        chat_id = int(out.chat_id)
        if out.commands is not None:
            await self.bot.set_my_commands(
                [BotCommand(c, d) for c, d in out.commands], scope=BotCommandScopeChat(chat_id)
            )
            return None
        if out.clear_choices_of:
            try:
                # no reply_markup: the buttons are removed
                await self._call(
                    "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": int(out.clear_choices_of)}
                )
            except BadRequest as exc:
                if "not modified" not in str(exc).lower() and "not found" not in str(exc).lower():
                    raise
            return None
        if out.answer_callback:  # a tapped button in a group, answered by the handler
            await self.bot.answer_callback_query(out.answer_callback, text=out.text or None)
            return None
        markup = self._markup(out)
        if out.edit_of and await self._edit(chat_id, int(out.edit_of), out.text, markup):
            return out.edit_of  # now about the issue too: a reply to it acts on it
        protect = out.protect_content or None  # None: the parameter is left out, as before
        thread = await self.topics.thread_for(self.bot, out) if self.topics else None  # a group's topic
        if out.location is not None:
            msg = await self.bot.send_location(
                chat_id, out.location[0], out.location[1], reply_markup=markup, protect_content=protect,
                message_thread_id=thread,
            )  # fmt: skip
        elif len(out.attachments) > 1:
            return await self._send_album(chat_id, out, protect, thread)
        elif out.attachments:
            msg = await self._send_file(chat_id, out.attachments[0], out.text, markup, protect, thread)
        else:
            return await self._send_text(chat_id, out.text, markup, protect, thread)
        return str(msg.message_id)

    async def _send_text(
        self, chat_id: int, text: str, markup: Any, protect: bool | None, thread: int | None = None
    ) -> str | None:
        """The common case, read as plain JSON: no ``Message`` built from the answer (only its id is kept)."""
        kwargs: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if thread is not None:  # a leaders' group's forum topic
            kwargs["message_thread_id"] = thread
        if markup is not None:
            kwargs["reply_markup"] = markup
        if protect:
            kwargs["protect_content"] = True
        result = await self._call("sendMessage", kwargs)
        return str(result["message_id"]) if isinstance(result, dict) else None

    async def _call(self, endpoint: str, kwargs: dict[str, Any]) -> Any:
        """One Bot API call whose answer is read as plain JSON: PTB's request machinery (errors, retry-after,
        timeouts) without building objects nobody reads."""
        return await self.bot.do_api_request(endpoint, api_kwargs=kwargs)

    def _media(self, att: Attachment) -> Any:
        """What a send call takes for the file: Telegram's own ``file_id`` when stored, else the bytes."""
        return att.file_id or self.files.read(att.file_ref)

    async def _send_file(
        self,
        chat_id: int,
        att: Attachment,
        caption: str,
        markup: Any,
        protect: bool | None,
        thread: int | None = None,
    ) -> Message:
        try:
            return await self._send_one(chat_id, att, self._media(att), caption, markup, protect, thread)
        except BadRequest as exc:  # a file id this bot no longer knows: upload the stored bytes instead
            if not att.file_id or not att.file_ref or "file" not in str(exc).lower():
                raise
            log.info("telegram: a stored file id was refused; sending the bytes instead")
            data = self.files.read(att.file_ref)
            return await self._send_one(chat_id, att, data, caption, markup, protect, thread)

    async def _send_one(
        self,
        chat_id: int,
        att: Attachment,
        media: Any,
        caption: str,
        markup: Any,
        protect: bool | None,
        thread: int | None = None,
    ) -> Message:
        common: dict[str, Any] = {
            "caption": caption or None,
            "reply_markup": markup,
            "protect_content": protect,
            "message_thread_id": thread,  # a leaders' group's forum topic (None: the chat itself)
        }
        if att.kind == "photo":
            return await self.bot.send_photo(chat_id, photo=media, **common)
        if att.kind == "voice":
            return await self.bot.send_voice(chat_id, voice=media, **common)
        filename = (att.filename or "file") if isinstance(media, bytes) else None
        return await self.bot.send_document(chat_id, document=media, filename=filename, **common)

    async def _send_album(
        self, chat_id: int, out: Outgoing, protect: bool | None, thread: int | None = None
    ) -> str | None:
        """Several photos (2 to 10) as one album; the caption rides on the first. An album has no buttons."""
        try:
            return await self._album(chat_id, out, protect, thread, by_id=True)
        except BadRequest as exc:  # a file id this bot no longer knows: upload the stored bytes instead
            if "file" not in str(exc).lower() or not all(a.file_ref for a in out.attachments):
                raise
            log.info("telegram: a stored file id of an album was refused; sending the bytes instead")
            return await self._album(chat_id, out, protect, thread, by_id=False)

    async def _album(
        self, chat_id: int, out: Outgoing, protect: bool | None, thread: int | None, *, by_id: bool
    ) -> str | None:
        items: list[InputMediaPhoto | InputMediaDocument] = []
        for i, att in enumerate(out.attachments[:10]):
            caption = (out.text or None) if i == 0 else None
            media = self._media(att) if by_id else self.files.read(att.file_ref)
            if att.kind == "photo":
                items.append(InputMediaPhoto(media, caption=caption))
            else:
                items.append(InputMediaDocument(media, caption=caption, filename=att.filename or None))
        messages = await self.bot.send_media_group(
            chat_id, items, protect_content=protect, message_thread_id=thread
        )
        return str(messages[0].message_id) if messages else None

    async def _edit(self, chat_id: int, message_id: int, text: str, markup: Any) -> bool:
        """Replace an earlier message's text and buttons; False if it cannot be (gone, or a photo's
        caption): then its buttons are taken off, best effort, and the caller sends the text anew."""
        try:
            await self.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return True
            try:
                await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
            except BadRequest:
                pass  # gone, or already without buttons: the new message is what counts
            return False
        return True

    @staticmethod
    def _markup(out: Outgoing) -> Any:
        if out.choices:
            rows = []
            for row in out.choices:
                buttons = []
                for c in row:
                    if len(c.data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
                        raise SendPermanent(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {c.data!r}")
                    if c.url:
                        buttons.append(InlineKeyboardButton(c.label, url=c.url))
                        continue
                    buttons.append(InlineKeyboardButton(c.label, callback_data=c.data))
                rows.append(buttons)
            return InlineKeyboardMarkup(rows)
        if out.keyboard:
            return ReplyKeyboardMarkup(
                [
                    [KeyboardButton(b.label, request_location=b.location or None) for b in row]
                    for row in out.keyboard
                ],
                resize_keyboard=True,
                is_persistent=True,
            )
        if out.remove_keyboard:
            return ReplyKeyboardRemove()
        return None
