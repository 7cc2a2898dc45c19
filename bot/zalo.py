"""The Zalo channel: a small adapter on httpx for the Zalo Bot API (``bot-api.zaloplatforms.com``).

Zalo differs from Telegram in ways that shape this module:

* ``getUpdates`` returns **one** event per call and has no offset: an event handed out is never handed
  out again. So every event is **stored first** (``inbound_events``, its own transaction) and handled
  from that table; a kill between receipt and handling loses nothing, and what is left unhandled is
  handled at the next start. ``error_code`` 408 (in the body or as the HTTP status) means "nothing
  arrived".
* There are no buttons. Choices become numbered lines under the text and are remembered per chat
  (``chat_choices``); a typed number is turned back into the choice (or, for the main menu, into the
  label's text) by :meth:`ZaloChannel.to_incoming`.
* Answers are ``{"ok": bool, "result": ..., "error_code": ..., "description": ...}``: ``ok`` is checked,
  not only the HTTP status. Send errors are mapped per chat onto the outbox's error classes, so one chat's
  trouble never stalls the others.

Webhooks are supported through :meth:`ZaloChannel.handle_webhook` (the caller owns the HTTP server):
a request without the right ``X-Bot-Api-Secret-Token`` is refused with 403 and nothing is stored.

What was verified against the Zalo Bot API documentation (a Vietnamese copy dated 10/12/2025, and an
open-source client): the base URL and POST-with-JSON form; the ``{ok, result, error_code, description}``
answer; ``getUpdates`` with ``{"timeout": "30"}`` returning one event, 408 when nothing arrived;
``setWebhook(url, secret_token)`` (8-256 characters) echoed in ``X-Bot-Api-Secret-Token``; ``sendMessage`` text
of 1-2000 characters; ``sendPhoto`` by URL with a caption; ``sendChatAction`` typing; ``getMe``; string ids
and ``date`` in milliseconds; webhook bodies sent unwrapped (both shapes are accepted).

Still unverified, so the code accepts several forms: the field names of image and voice events
(``photo_url`` or ``photo``, ``voice_url``); the ``message.voice.received`` event itself; the error a blocked
user produces (403 and the wording are a guess); any 429 behaviour; whether 408 arrives as HTTP 200 with
``ok: false`` or as HTTP 408; what ``getUpdates`` does while a webhook is set; whether a private chat's id always
equals the user's id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from bot.core.clock import Clock
from bot.core.files import FileStore
from bot.core.links import FileLinks
from bot.core.messages import Attachment, Incoming
from bot.lifecycle import Backoff, ChannelRefused, StatusBoard, describe_error
from bot.runtime import Dispatcher
from bot.zalo_api import CHANNEL, DEFAULT_BASE_URL, DEFAULT_RETRY_AFTER, ZaloApi, ZaloApiError, send_error
from bot.zalo_send import KEYBOARD_PREFIX, TEXT_LIMIT, ZaloSender, numbered_block
from storage.db import Database
from storage.inbound import get_chat_choices, list_unhandled_events, mark_event_handled, store_inbound_event

log = logging.getLogger(__name__)

_NUMBER_RE = re.compile(r"^\s*#?\s*(\d{1,3})\s*\.?\s*$")
SECRET_HEADER = "X-Bot-Api-Secret-Token"

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"
EVENT_VOICE = "message.voice.received"
EVENT_UNSUPPORTED = "message.unsupported.received"


# ---------------------------------------------------------------------------------------------- receiving


def unwrap_event(body: Any) -> dict[str, Any] | None:
    """The event in a webhook body or a getUpdates result (``{ok, result: event}`` or the event itself)."""
    if not isinstance(body, dict):
        return None
    inner = body.get("result")
    if "event_name" not in body and isinstance(inner, dict) and "event_name" in inner:
        return inner
    if "event_name" in body or isinstance(body.get("message"), dict):
        return body
    return None


def event_key(event: dict[str, Any]) -> str:
    """The message id; for an event without one, a digest of the event (so a repeat is still one row)."""
    message = event.get("message")
    if isinstance(message, dict) and message.get("message_id") not in (None, ""):
        return str(message["message_id"])
    digest = hashlib.sha256(repr(sorted(_flatten(event))).encode("utf-8")).hexdigest()[:32]
    return f"nomsg:{digest}"


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in _flatten(v, f"{prefix}.{k}")]
    if isinstance(value, list):
        return [kv for i, v in enumerate(value) for kv in _flatten(v, f"{prefix}[{i}]")]
    return [(prefix, repr(value))]


def _first_str(mapping: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):  # e.g. {"url": ...}
            inner = value.get("url")
            if isinstance(inner, str) and inner:
                return inner
    return ""


@dataclass
class ChannelStats:
    """Counters for logs and tests."""

    received: int = 0  # events taken from Zalo (poll or webhook)
    duplicates: int = 0  # of which already stored
    handled: int = 0  # events marked handled
    refused_webhooks: int = 0  # webhook calls without the right secret


class ZaloChannel:
    """Polls (or takes webhooks), stores each event, then converts it and hands it to the dispatcher."""

    def __init__(
        self,
        token: str,
        dispatcher: Dispatcher,
        files: FileStore,
        db: Database,
        clock: Clock,
        *,
        base_url: str = DEFAULT_BASE_URL,
        poll_timeout: int = 30,
        links: FileLinks | None = None,
        tz: tzinfo = UTC,
        webhook_secret: str = "",
        webhook_url: str = "",
        send_timeout: float = 10.0,
        lang: str = "vi",
        min_poll_interval: float = 0.2,
        monotonic: Callable[[], float] = time.monotonic,
        token_source: str = "the configuration",
        status: StatusBoard | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.files = files
        self.db = db
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.min_poll_interval = min_poll_interval
        self.monotonic = monotonic
        self.api = ZaloApi(token, base_url, send_timeout=send_timeout)
        self.sender = ZaloSender(self.api, db, clock, links=links, tz=tz, lang=lang)
        self.username: str = ""
        self.bot_id: str = ""
        self.stats = ChannelStats()
        self.token_source = token_source
        self.status = status or StatusBoard()
        self.backoff = backoff or Backoff()
        self._token_ok = bool(_TOKEN_RE.match(token))
        self._polling = False
        self._poll_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._drain_lock = asyncio.Lock()
        self._handled_changed = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The polling task (connect, then poll): it ends only with an error. None in webhook mode."""
        return self._poll_task if self._polling else None

    async def start(self) -> None:
        """Polling: connect and poll in the background, retrying. Webhook: register now (the caller waits)."""
        if not self._token_ok:
            self.status.set(CHANNEL, "refused", "malformed token", now=self.clock.now())
            raise ChannelRefused(CHANNEL, self.token_source, "malformed token")
        self.api.reopen()
        self._stopping = False
        if self.webhook_url:
            if not self.webhook_secret:
                raise ValueError("a Zalo webhook needs a secret token (8 to 256 characters)")
            try:
                await self._identify()
            except ZaloApiError as exc:
                if exc.has_code(401) or exc.has_code(404):
                    raise ChannelRefused(CHANNEL, self.token_source, f"{exc.error_code} on getMe") from None
                raise
            await self.api.set_webhook(self.webhook_url, self.webhook_secret)
            # events left unhandled before a restart still go first
            self._polling = False
            self._poll_task = asyncio.create_task(self._drain_logged(), name="zalo-drain")
        else:
            self._polling = True
            self.status.set(CHANNEL, "starting", now=self.clock.now())
            self._poll_task = asyncio.create_task(self._run(), name="zalo-poll")

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
        await self.api.aclose()

    async def _identify(self) -> None:
        me = await self.api.get_me()
        self.bot_id = str(me.get("id", ""))
        self.username = str(me.get("account_name") or me.get("username") or me.get("display_name") or "")

    async def _run(self) -> None:
        await self.connect()
        await self._poll()

    async def connect(self) -> None:
        """The first contact (``getMe``, ``deleteWebhook``), retried with capped backoff until it succeeds."""
        self.backoff.reset()
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._identify()
                await self.api.delete_webhook()
                break
            except ZaloApiError as exc:
                if exc.has_code(401) or (exc.has_code(404) and exc.method == "getMe"):
                    self.status.set(CHANNEL, "refused", f"token refused ({exc.method})", now=self.clock.now())
                    raise ChannelRefused(
                        CHANNEL, self.token_source, f"{exc.error_code} on {exc.method}"
                    ) from None
                if exc.has_code(429):
                    wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
                else:
                    wait = self.backoff.next()
                reason = describe_error(exc)
            log.warning("zalo: start-up attempt %d failed (%s); next attempt in %.0fs", attempt, reason, wait)
            self.status.set(CHANNEL, "waiting", reason, now=self.clock.now(), attempts=attempt)
            await asyncio.sleep(wait)
        self.dispatcher.services.bot_usernames[CHANNEL] = self.username
        self.status.set(CHANNEL, "running", self.username, now=self.clock.now(), attempts=attempt)
        log.info("zalo: connected after %d attempt(s); polling", attempt)

    # ------------------------------------------------------------------ polling

    async def _poll(self) -> None:
        # one getUpdates consumer per token: with several processes on PostgreSQL the others wait here
        async with self.db.leadership("poll:zalo"):
            await self._poll_events()

    async def _poll_events(self) -> None:
        await self._drain_logged()  # what a kill left unhandled
        self.backoff.reset()
        while not self._stopping:
            started = self.monotonic()
            try:
                events = await self.api.get_updates(self.poll_timeout)
            except asyncio.CancelledError:
                raise
            except ZaloApiError as exc:
                if exc.has_code(401):
                    self.status.set(CHANNEL, "refused", "token refused (getUpdates)", now=self.clock.now())
                    raise ChannelRefused(CHANNEL, self.token_source, "401 on getUpdates") from None
                if exc.has_code(429):
                    wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
                else:
                    wait = self.backoff.next()
                log.warning("zalo: getUpdates failed (%s); retrying in %.1fs", describe_error(exc), wait)
                self.status.set(CHANNEL, "waiting", describe_error(exc), now=self.clock.now())
                await asyncio.sleep(wait)
                continue
            self.backoff.reset()
            if self.status.state_of(CHANNEL) != "running":
                self.status.set(CHANNEL, "running", self.username, now=self.clock.now())
            if not events and self.monotonic() - started < self.min_poll_interval:
                # a server answering "nothing" at once must not turn this loop into a busy one
                await asyncio.sleep(self.min_poll_interval)
            for event in events:
                try:
                    await self.receive(event)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("zalo event could not be stored or handled (it is retried if stored)")
                    await asyncio.sleep(self.backoff.next())

    async def _drain_logged(self) -> None:
        try:
            await self.drain()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handling stored zalo events failed; they are retried with the next event")

    # ------------------------------------------------------------------ the stored path

    async def receive(self, event: dict[str, Any]) -> bool:
        """Store one event (its own transaction), then handle everything unhandled. False for a duplicate."""
        fresh = await self._store(event)
        await self.drain()
        return fresh

    async def _store(self, event: dict[str, Any]) -> bool:
        key = event_key(event)
        self.stats.received += 1
        async with self.db.transaction() as tx:
            fresh = await store_inbound_event(tx, CHANNEL, key, event, self.clock.now())
        if not fresh:
            self.stats.duplicates += 1
            log.info("zalo event %s received again; ignored", key)
        return fresh

    async def drain(self) -> int:
        """Handle stored events not yet handled, oldest first; returns how many were handled."""
        count = 0
        async with self._drain_lock:
            while True:
                batch = await list_unhandled_events(self.db.reader, CHANNEL, limit=50)
                if not batch:
                    return count
                batch.sort(key=lambda item: _event_date(item[1]))  # stable: receipt order breaks ties
                for key, event in batch:
                    await self._handle_stored(key, event)
                    count += 1

    async def _handle_stored(self, key: str, event: dict[str, Any]) -> None:
        try:
            incoming = await self.to_incoming(event, key)
        except Exception as exc:  # a malformed event must not block the ones behind it
            # id and kind only: the event's body holds names and texts
            log.warning(
                "zalo: event %s (%s) could not be read (%s); recorded, confirmed and skipped",
                key,
                str(event.get("event_name") or "?")[:64],
                type(exc).__name__,
            )
            incoming = None
        if incoming is not None:
            # a failure here (the database) propagates: the event stays unhandled and is retried
            await self.dispatcher.handle(incoming)
        async with self.db.transaction() as tx:
            await mark_event_handled(tx, CHANNEL, key, self.clock.now())
        self.stats.handled += 1
        self._handled_changed.set()
        self._handled_changed = asyncio.Event()

    async def wait_handled(self, count: int, timeout: float = 5.0) -> None:
        """Wait until ``stats.handled >= count`` (tests, the sandbox); TimeoutError after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.stats.handled < count:
            remaining = deadline - loop.time()
            changed = self._handled_changed
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(
                    f"{self.stats.handled} zalo event(s) handled in {timeout:g}s, wanted {count}"
                ) from None

    # ------------------------------------------------------------------ webhook

    async def handle_webhook(self, body: Any, secret_header: str | None) -> int:
        """One webhook call: the HTTP status to answer. 403 (nothing stored) without the right secret."""
        if (
            not self.webhook_secret
            or not secret_header
            or not hmac.compare_digest(secret_header.encode("utf-8"), self.webhook_secret.encode("utf-8"))
        ):
            self.stats.refused_webhooks += 1
            return 403
        event = unwrap_event(body)
        if event is None:
            return 400
        try:
            await self._store(event)
        except Exception:
            log.exception("zalo webhook event could not be stored")
            return 500
        await self._drain_logged()  # stored: whatever happens now, it is handled later at the latest
        return 200

    # ------------------------------------------------------------------ conversion

    async def to_incoming(self, event: dict[str, Any], key: str | None = None) -> Incoming | None:
        """The handler's view of one event; None when there is nobody to answer."""
        message = event.get("message")
        if not isinstance(message, dict):
            return None
        chat: dict[str, Any] = message["chat"] if isinstance(message.get("chat"), dict) else {}
        sender: dict[str, Any] = message["from"] if isinstance(message.get("from"), dict) else {}
        chat_id = str(chat.get("id") or sender.get("id") or "")
        sender_id = str(sender.get("id") or chat.get("id") or "")
        if not chat_id or not sender_id or sender.get("is_bot") is True:
            return None
        base: dict[str, Any] = {
            "channel": CHANNEL,
            "chat_id": chat_id,
            "sender_id": sender_id,
            "update_key": key or event_key(event),
            "chat_type": "group" if str(chat.get("chat_type", "")).upper() == "GROUP" else "private",
            "sender_name": str(
                sender.get("display_name") or sender.get("name") or sender.get("first_name") or ""
            ),
        }
        name = str(event.get("event_name") or "")
        text = message.get("text")
        if name == EVENT_TEXT or (
            name not in (EVENT_IMAGE, EVENT_VOICE, EVENT_STICKER) and isinstance(text, str) and text.strip()
        ):  # an event kind not known here (links?) that carries text is read as text
            return await self._text(base, str(text or ""))
        if name == EVENT_IMAGE:
            url = _first_str(message, "photo_url", "photo", "image_url", "url")
            attachment = await self._download(url, "photo", ".jpg", "image/jpeg", key)
            return Incoming(
                **base, kind="media", text=str(message.get("caption") or ""), attachments=(attachment,)
            )
        if name == EVENT_VOICE:
            url = _first_str(message, "voice_url", "voice", "audio_url", "url")
            attachment = await self._download(url, "voice", ".m4a", "audio/aac", key)
            return Incoming(**base, kind="media", attachments=(attachment,))
        return Incoming(**base, kind="unsupported")  # stickers, unsupported and unknown events

    async def _text(self, base: dict[str, Any], text: str) -> Incoming:
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, args = stripped[1:].partition(" ")
            return Incoming(
                **base, kind="command", text=text, command=head.split("@", 1)[0].lower(), args=args.strip()
            )
        m = _NUMBER_RE.match(text)
        if m:
            choices = await get_chat_choices(self.db.reader, CHANNEL, base["chat_id"])
            n = int(m.group(1))
            if choices and 1 <= n <= len(choices):
                label, data = choices[n - 1]
                if data.startswith(KEYBOARD_PREFIX):
                    return Incoming(**base, kind="text", text=data.removeprefix(KEYBOARD_PREFIX))
                return Incoming(**base, kind="choice", choice=data, text=label)
        return Incoming(**base, kind="text", text=text)

    async def _download(
        self, url: str, kind: Literal["photo", "voice"], suffix: str, mime: str, key: str | None
    ) -> Attachment:
        if not url:
            log.warning("zalo %s event %s has no URL", kind, key)
            return Attachment(kind=kind, file_ref="", mime_type=mime)
        try:
            data, ctype = await self.api.download(url)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            log.warning("could not download zalo %s of event %s: %s", kind, key, exc)
            return Attachment(kind=kind, file_ref="", mime_type=mime)
        path_suffix = urlsplit(url).path.rsplit("/", 1)[-1]
        if "." in path_suffix:
            suffix = "." + path_suffix.rsplit(".", 1)[-1]
        ref = self.files.save(data, suffix)
        return Attachment(kind=kind, file_ref=ref, mime_type=ctype or mime, size=len(data))


def _event_date(event: dict[str, Any]) -> float:
    message = event.get("message")
    if isinstance(message, dict):
        value = message.get("date")
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str) and value.isdigit():
            return float(value)
    return float("inf")  # undated events after dated ones; the sort is stable


_TOKEN_RE = re.compile(r"^[^\s/]+$")


__all__ = [
    "CHANNEL",
    "DEFAULT_BASE_URL",
    "KEYBOARD_PREFIX",
    "SECRET_HEADER",
    "TEXT_LIMIT",
    "ChannelStats",
    "ZaloApi",
    "ZaloApiError",
    "ZaloChannel",
    "ZaloSender",
    "event_key",
    "numbered_block",
    "send_error",
    "unwrap_event",
]
