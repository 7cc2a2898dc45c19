"""The Telegram channel: python-telegram-bot as transport only.

Inbound: our own long-polling loop asks ``getUpdates`` and hands each update to PTB's ``Application``
(``process_update``), whose single handler converts it to an :class:`Incoming` and calls the dispatcher.
The next ``getUpdates`` confirms an update only after it was committed, so a kill never loses one;
a redelivered update is recognised by its id and skipped. The updates of a batch are read one by one
from the raw answer: one that this PTB cannot read (a Bot API version skew) is logged by id and kind,
recorded as processed, confirmed and skipped, and the others are handled. A batch's chats are handled at
once, each chat's updates in order (:mod:`bot.telegram_batch`); a tapped button's callback query is answered
while its update is handled (a supervised :class:`bot.lifecycle.TaskSet`).

Start-up: :meth:`TelegramChannel.start` returns at once; the channel's task retries its first contact
(``getMe``, ``deleteWebhook``, the menus) with capped exponential backoff and one log line per attempt,
while the rest of the app runs. A token Telegram refuses (401/404) or that is malformed raises
:class:`bot.lifecycle.ChannelRefused` (``dlxh run`` exits 2).

Outbound: :class:`bot.telegram_send.TelegramSender` renders :class:`Outgoing` rows for the outbox worker, which paces and
retries; PTB's own rate limiter is not used.
"""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from telegram import (
    Audio,
    BotCommand,
    BotCommandScopeDefault,
    Document,
    Message,
    PhotoSize,
    ReplyParameters,
    Update,
    Video,
    Voice,
)
from telegram.error import (
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.core.config import TelegramSettings
from bot.core.files import FileStore
from bot.core.messages import Attachment, Incoming
from bot.lifecycle import Backoff, ChannelRefused, StatusBoard, TaskSet, describe_error
from bot.runtime import Dispatcher
from bot.telegram_batch import handle_batch
from bot.telegram_groups import (
    MEMBER_UPDATES,
    TopicBook,
    group_message,
    is_topic_header,
    member_incoming,
    topic_of,
)
from bot.telegram_http import AiohttpRequest
from bot.telegram_send import CALLBACK_DATA_LIMIT, TelegramSender, retry_seconds
from storage.updates import record_processed_update

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", *MEMBER_UPDATES]
TOKEN_RE = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
RAW_CALLS_WARNING = r"Please use 'Bot\.(getUpdates|sendMessage|editMessageReplyMarkup|answerCallbackQuery)'"


def build_application(token: str, settings: TelegramSettings, *, send_timeout: float = 10.0) -> Application:
    """A PTB Application pointed at ``settings.base_url``, without its updater or rate limiter."""
    # aiohttp under PTB (bot/telegram_http.py): a fraction of the default httpx stack's CPU per call
    request = AiohttpRequest(
        connection_pool_size=32, read_timeout=send_timeout, write_timeout=send_timeout, connect_timeout=5.0
    )
    poll_request = AiohttpRequest(
        connection_pool_size=2, read_timeout=settings.poll_timeout + 10, connect_timeout=5.0
    )
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .request(request)
        .get_updates_request(poll_request)
        .updater(None)
        .concurrent_updates(False)
        .build()
    )


class TelegramChannel:
    """Owns the PTB Application: converts updates, polls, and answers callback queries."""

    def __init__(
        self,
        app: Application,
        settings: TelegramSettings,
        dispatcher: Dispatcher,
        files: FileStore,
        *,
        default_commands: dict[str, list[tuple[str, str]]] | None = None,
        leader: Callable[[], AbstractAsyncContextManager[None]] = nullcontext,
        token_source: str = "the configuration",
        status: StatusBoard | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.app = app
        self.leader = leader  # held while polling (storage.db.Database.leadership)
        self.settings = settings
        self.dispatcher = dispatcher
        self.files = files
        self.default_commands = default_commands or {}
        self.token_source = token_source
        self.status = status or StatusBoard()
        self.backoff = backoff or Backoff()
        self.sender = TelegramSender(app, files, TopicBook(dispatcher.services.db, dispatcher.services.clock))
        self.username: str = ""
        self._poll_task: asyncio.Task[None] | None = None
        self._answers = TaskSet("telegram: callback answers")  # answered while their update is handled
        self._stopping = False
        # the error handler comes first: anything PTB catches is logged with the update's id
        app.add_error_handler(self._on_error)
        app.add_handler(TypeHandler(Update, self._on_update))
        # these are asked through do_api_request (raw JSON: updates read one by one, answers not built into
        # objects nobody reads), which warns that PTB has a method for them
        warnings.filterwarnings("ignore", message=RAW_CALLS_WARNING, category=PTBUserWarning)

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The channel's task (connect, then poll): it ends only with an error."""
        return self._poll_task

    async def start(self) -> None:
        """Start connecting and polling in the background; a malformed token is refused at once."""
        if not TOKEN_RE.match(self.app.bot.token):
            self.status.set(CHANNEL, "refused", "malformed token", now=self._now())
            raise ChannelRefused(CHANNEL, self.token_source, "malformed token")
        self._stopping = False
        self.status.set(CHANNEL, "starting", now=self._now())
        self._poll_task = asyncio.create_task(self._run(), name="telegram-poll")

    async def stop(self) -> None:
        self._stopping = True
        if self._poll_task is not None:
            self._poll_task.cancel()
            try:
                await self._poll_task
            except asyncio.CancelledError:
                pass
            except Exception:  # it died earlier; the supervisor reported it
                pass
            self._poll_task = None
        await self._answers.close()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    def _now(self) -> Any:
        return self.dispatcher.services.clock.now()

    async def _run(self) -> None:
        await self.connect()
        await self._poll()

    async def connect(self) -> None:
        """The first contact, retried until it succeeds: ``getMe``, ``deleteWebhook``, the default menus."""
        self.backoff.reset()
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._first_contact()
                break
            except InvalidToken:
                self.status.set(CHANNEL, "refused", "token refused (401/404 on getMe)", now=self._now())
                raise ChannelRefused(CHANNEL, self.token_source, "401/404 on getMe") from None
            except RetryAfter as exc:
                wait, reason = retry_seconds(exc), "flood control"
            except TelegramError as exc:
                wait, reason = self.backoff.next(), describe_error(exc)
            log.warning(
                "telegram: start-up attempt %d failed (%s); next attempt in %.0fs", attempt, reason, wait
            )
            self.status.set(CHANNEL, "waiting", reason, now=self._now(), attempts=attempt)
            await asyncio.sleep(wait)
        self.username = self.app.bot.username or ""
        self.dispatcher.services.bot_usernames[CHANNEL] = self.username
        self.status.set(CHANNEL, "running", f"@{self.username}", now=self._now(), attempts=attempt)
        log.info("telegram: connected as @%s after %d attempt(s); polling", self.username, attempt)

    async def _first_contact(self) -> None:
        await self.app.initialize()  # getMe; a failed attempt leaves it uninitialised, so it is tried again
        await self.app.bot.delete_webhook(drop_pending_updates=False)
        for lang, commands in self.default_commands.items():
            await self.app.bot.set_my_commands(
                [BotCommand(c, d) for c, d in commands],
                scope=BotCommandScopeDefault(),
                language_code=None if lang == "vi" else lang,
            )
        if not self.app.running:
            await self.app.start()

    async def _poll(self) -> None:
        # one getUpdates consumer per token: with several processes on PostgreSQL the others wait here
        async with self.leader():
            await self._poll_updates()

    async def _poll_updates(self) -> None:
        offset: int | None = None
        self.backoff.reset()
        while not self._stopping:
            try:
                raw = await self._get_updates(offset)
                self.backoff.reset()
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                self.status.set(CHANNEL, "refused", "token refused (401/404 on getUpdates)", now=self._now())
                raise ChannelRefused(CHANNEL, self.token_source, "401/404 on getUpdates") from None
            except RetryAfter as exc:
                await asyncio.sleep(retry_seconds(exc))
                continue
            except TelegramError as exc:
                wait = self.backoff.next()
                log.warning("telegram: getUpdates failed (%s); retrying in %.0fs", describe_error(exc), wait)
                self.status.set(CHANNEL, "waiting", describe_error(exc), now=self._now())
                await asyncio.sleep(wait)
                continue
            if self.status.state_of(CHANNEL) != "running":
                self.status.set(CHANNEL, "running", f"@{self.username}", now=self._now())
            offset = await handle_batch(raw, offset, self._one)

    async def _get_updates(self, offset: int | None) -> list[Any]:
        kwargs: dict[str, Any] = {"timeout": self.settings.poll_timeout, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            kwargs["offset"] = offset
        result = await self.app.bot.do_api_request(
            "getUpdates", api_kwargs=kwargs, read_timeout=self.settings.poll_timeout + 10
        )
        return result if isinstance(result, list) else []

    async def _one(self, item: Any, offset: int | None) -> int | None:
        """Handle one raw update; returns the offset that confirms it."""
        update_id = item.get("update_id") if isinstance(item, dict) else None
        if not isinstance(update_id, int):
            log.warning("telegram: an update without an id was skipped")
            return offset
        try:
            update = Update.de_json(item, self.app.bot)
        except Exception as exc:
            await self._skip_unreadable(update_id, _kind_of(item), exc)
            return update_id + 1
        # handled and committed before the next getUpdates confirms it
        await self.app.process_update(update)
        return update_id + 1

    async def _skip_unreadable(self, update_id: int, kind: str, exc: Exception) -> None:
        log.warning(
            "telegram: update %s (%s) could not be read (%s); recorded, confirmed and skipped",
            update_id,
            kind,
            type(exc).__name__,
        )
        services = self.dispatcher.services
        async with services.db.transaction() as tx:
            await record_processed_update(tx, CHANNEL, str(update_id), services.clock.now())

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # ids only: an update's body holds names, report texts and citizens' contacts
        if isinstance(update, Update):
            what = f"update {update.update_id} ({_kind_of(update.to_dict())})"
        else:
            what = type(update).__name__
        log.error("error while handling Telegram %s", what, exc_info=context.error)

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = await self.to_incoming(update)
        if incoming is None:
            return
        # the tap's spinner stops while the update is handled (in a group the handler answers, politely if refused)
        if update.callback_query is not None and incoming.chat_type == "private":
            self._answers.start(
                self._answer(update.callback_query.id), name=f"telegram-answer-{update.update_id}"
            )
        await self.dispatcher.handle(incoming)

    async def _answer(self, query_id: str) -> None:
        try:
            await self.app.bot.do_api_request(
                "answerCallbackQuery", api_kwargs={"callback_query_id": query_id}
            )
        except TelegramError as exc:  # an old query cannot be answered; nothing is lost
            log.info("answerCallbackQuery failed: %s", describe_error(exc))

    # ------------------------------------------------------------------ conversion

    async def to_incoming(self, update: Update) -> Incoming | None:
        key = str(update.update_id)
        if update.my_chat_member is not None or update.chat_member is not None:
            return member_incoming(update)
        if update.callback_query is not None:
            q = update.callback_query
            msg = q.message
            if msg is None or q.data is None:
                return None
            return Incoming(
                channel=CHANNEL,
                chat_id=str(msg.chat.id),
                sender_id=str(q.from_user.id),
                update_key=key,
                kind="choice",
                choice=q.data[:CALLBACK_DATA_LIMIT],
                source_message=str(msg.message_id),
                chat_type=msg.chat.type,
                thread_id=topic_of(msg) if isinstance(msg, Message) else "",
                callback_id=q.id,
                sender_name=q.from_user.full_name,
                language_code=q.from_user.language_code or "",
            )
        m: Message | None
        if update.edited_message is not None:
            m = update.edited_message
            return self._base(m, key, "edited", text=m.text or m.caption or "")
        m = update.message
        if m is None or m.from_user is None:
            return None
        reply_to = ""
        if m.reply_to_message is not None and m.reply_to_message.from_user is not None:
            if m.reply_to_message.from_user.id == self.app.bot.id:
                reply_to = str(m.reply_to_message.message_id)
        if m.chat.type != "private":
            kind, fields = await group_message(self.app.bot, m, "" if is_topic_header(m) else reply_to)
            return self._base(m, key, kind, **fields)
        if m.text is not None:
            text = m.text
            if text.startswith("/"):
                head, _, args = text[1:].partition(" ")
                command = head.split("@", 1)[0].lower()
                return self._base(
                    m, key, "command", text=text, command=command, args=args.strip(), reply_to=reply_to
                )
            return self._base(m, key, "text", text=text, reply_to=reply_to)
        if m.location is not None:
            return self._base(
                m, key, "location", location=(m.location.latitude, m.location.longitude), reply_to=reply_to
            )
        attachment = None if m.sticker is not None else await self._download(m)
        if attachment is not None:
            return self._base(
                m,
                key,
                "media",
                text=m.caption or "",
                attachments=(attachment,),
                media_group=m.media_group_id or "",
                reply_to=reply_to,
            )
        return self._base(m, key, "unsupported", reply_to=reply_to)

    def _base(self, m: Message, key: str, kind: Any, **fields: Any) -> Incoming:
        user = m.from_user
        assert user is not None
        return Incoming(
            channel=CHANNEL,
            chat_id=str(m.chat.id),
            sender_id=str(user.id),
            update_key=key,
            kind=kind,
            chat_type=m.chat.type,
            sender_name=user.full_name,
            language_code=user.language_code or "",
            **fields,
        )

    async def _download(self, m: Message) -> Attachment | None:
        file: PhotoSize | Voice | Document | Video | Audio
        if m.photo:
            kind, file, mime, name, suffix = "photo", m.photo[-1], "image/jpeg", "", ".jpg"
        elif m.voice is not None:
            kind, file, mime, name, suffix = "voice", m.voice, m.voice.mime_type or "audio/ogg", "", ".ogg"
        elif m.document is not None:
            name = m.document.file_name or ""
            kind, file, mime = "document", m.document, m.document.mime_type or ""
            suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        elif m.video is not None:
            kind, file, mime, name, suffix = "video", m.video, m.video.mime_type or "video/mp4", "", ".mp4"
        elif m.audio is not None:
            kind, file, mime, name, suffix = "voice", m.audio, m.audio.mime_type or "", "", ""
        else:
            return None
        try:
            handle = await file.get_file()
            data = bytes(await handle.download_as_bytearray())
        except TelegramError as exc:
            log.warning("could not download %s from message %s: %s", kind, m.message_id, exc)
            return Attachment(kind=kind, file_ref="", mime_type=mime, filename=name)  # type: ignore[arg-type]
        ref = self.files.save(data, suffix)
        return Attachment(
            kind=kind,  # type: ignore[arg-type]
            file_ref=ref,
            mime_type=mime,
            filename=name,
            size=len(data),
            file_id=file.file_id,
        )


def _kind_of(raw: Any) -> str:
    """The kind of a raw update (``message``, ``callback_query`` …), and of its message's content."""
    if not isinstance(raw, dict):
        return "?"
    kind = next((k for k in raw if k != "update_id"), "?")
    body = raw.get(kind)
    if isinstance(body, dict) and kind in ("message", "edited_message"):
        content = next(
            (k for k in ("text", "poll", "photo", "document", "voice", "location", "sticker") if k in body),
            "",
        )
        return f"{kind}/{content}" if content else kind
    return kind


__all__ = ["CHANNEL", "ReplyParameters", "TelegramChannel", "TelegramSender", "build_application"]
