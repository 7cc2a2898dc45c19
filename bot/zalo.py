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
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from bot.core.clock import Clock
from bot.core.files import FileStore
from bot.core.messages import Attachment, Incoming, Outgoing
from bot.core.texts import t
from bot.outbox import SendError, SendForbidden, SendPermanent, SendRetryAfter, SendTransient
from bot.runtime import Dispatcher, split_text
from storage.db import Database
from storage.inbound import (
    get_chat_choices,
    list_unhandled_events,
    mark_event_handled,
    save_chat_choices,
    store_inbound_event,
)
from storage.members import get_member_by_identity

log = logging.getLogger(__name__)

CHANNEL = "zalo"
DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
TEXT_LIMIT = 2000
KEYBOARD_PREFIX = "kb:"
DEFAULT_RETRY_AFTER = 5.0
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024
SECRET_HEADER = "X-Bot-Api-Secret-Token"

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"
EVENT_VOICE = "message.voice.received"
EVENT_UNSUPPORTED = "message.unsupported.received"

# Descriptions that mean "this person cannot be reached" (Zalo documents no codes for it; the wording of
# these is a guess, kept broad; HTTP/error_code 403 is the primary signal).
_UNREACHABLE_RE = re.compile(
    r"block|unfollow|not\s+(?:a\s+)?follow|not\s+reachable|unreachable|"
    r"(?:user|chat|recipient)\s+(?:is\s+)?(?:not\s+found|not\s+exist|does\s+not\s+exist|invalid)|"
    r"chặn|không\s+tồn\s+tại",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(r"^\s*#?\s*(\d{1,3})\s*\.?\s*$")


# ---------------------------------------------------------------------------------------------- the API


class ZaloApiError(Exception):
    """A Zalo Bot API call that did not succeed.

    ``status`` is the HTTP status (0 when no answer came: timeout, connection error); ``error_code`` the
    code in the body (or the HTTP status when the body had none); ``network`` is True for timeouts and
    connection errors.
    """

    def __init__(
        self,
        method: str,
        description: str,
        *,
        status: int = 0,
        error_code: int | None = None,
        retry_after: float | None = None,
        network: bool = False,
        timed_out: bool = False,
    ) -> None:
        super().__init__(
            f"{method}: {error_code if error_code is not None else status} {description}".strip()
        )
        self.method = method
        self.description = description
        self.status = status
        self.error_code = error_code
        self.retry_after = retry_after
        self.network = network
        self.timed_out = timed_out

    def has_code(self, code: int) -> bool:
        return self.error_code == code or self.status == code

    @property
    def nothing_arrived(self) -> bool:
        """A long poll that ended without an event (Zalo answers 408)."""
        return self.has_code(408)


class ZaloApi:
    """POSTs JSON to ``{base_url}/bot{token}/{method}`` and returns ``result`` when ``ok`` is true."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        send_timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.send_timeout = send_timeout
        self._own_client = client is None
        self.client = client or _new_client(send_timeout)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    def reopen(self) -> None:
        """A fresh HTTP client after :meth:`aclose` (a channel started again)."""
        if self._own_client and self.client.is_closed:
            self.client = _new_client(self.send_timeout)

    def url(self, method: str) -> str:
        return f"{self.base_url}/bot{self.token}/{method}"

    async def call(
        self, method: str, body: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        if self.client.is_closed:
            raise ZaloApiError(method, "the channel is stopped (HTTP client closed)", network=True)
        try:
            response = await self.client.post(
                self.url(method),
                json=body or {},
                timeout=httpx.Timeout(timeout or self.send_timeout, connect=5.0),
            )
        except httpx.TimeoutException as exc:
            raise ZaloApiError(
                method, f"timed out ({type(exc).__name__})", network=True, timed_out=True
            ) from exc
        except httpx.TransportError as exc:
            raise ZaloApiError(method, f"network error ({type(exc).__name__}: {exc})", network=True) from exc
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ZaloApiError(
                method, _snippet(response.text) or response.reason_phrase, status=status, error_code=status
            )
        code = data.get("error_code")
        if data.get("ok") is True and status < 400:
            return data.get("result")
        params = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
        retry = params.get("retry_after", data.get("retry_after"))
        raise ZaloApiError(
            method,
            str(data.get("description") or data.get("message") or response.reason_phrase or ""),
            status=status,
            error_code=int(code)
            if isinstance(code, int | str) and str(code).lstrip("-").isdigit()
            else status,
            retry_after=float(retry) if isinstance(retry, int | float) else None,
        )

    # ------------------------------------------------------------------ methods

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, timeout: int) -> list[dict[str, Any]]:
        """One long poll: the events it brought (Zalo gives at most one); [] when nothing arrived."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloApiError as exc:
            if exc.nothing_arrived or exc.timed_out:  # our own read timeout ends an idle poll too
                return []
            raise
        if isinstance(result, list):
            return [e for e in result if isinstance(e, dict)]
        if isinstance(result, dict) and result:
            return [result]
        return []

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            body["caption"] = caption
        result = await self.call("sendPhoto", body)
        return result if isinstance(result, dict) else {}

    async def send_sticker(self, chat_id: str, sticker: str) -> dict[str, Any]:
        result = await self.call("sendSticker", {"chat_id": chat_id, "sticker": sticker})
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def download(self, url: str, *, limit: int = MAX_DOWNLOAD_BYTES) -> tuple[bytes, str]:
        """GET a media URL Zalo gave us; returns (bytes, content type)."""
        async with self.client.stream("GET", url, timeout=30.0, follow_redirects=True) as response:
            response.raise_for_status()
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ValueError(f"file over {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("content-type", "").split(";")[0].strip()


def _new_client(send_timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(send_timeout, connect=5.0),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        follow_redirects=False,
    )


def _snippet(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


def send_error(exc: ZaloApiError) -> SendError:
    """The outbox's view of a failed send: retry later, give up on this row, or give up on this chat."""
    if exc.network:
        return SendTransient(str(exc))
    if exc.has_code(429):
        return SendRetryAfter(
            exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER, str(exc)
        )
    if exc.has_code(408) or exc.status >= 500 or (exc.error_code or 0) >= 500:
        return SendTransient(str(exc))
    if exc.has_code(401):  # the bot's token is wrong or revoked: keep the rows for when it is fixed
        return SendTransient(str(exc))
    if exc.has_code(403) or _UNREACHABLE_RE.search(exc.description):
        return SendForbidden(str(exc))
    return SendPermanent(str(exc))


# ---------------------------------------------------------------------------------------------- sending


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
        media_base_url: str = "",
        webhook_secret: str = "",
        webhook_url: str = "",
        send_timeout: float = 10.0,
        lang: str = "vi",
        min_poll_interval: float = 0.2,
        monotonic: Callable[[], float] = time.monotonic,
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
        self.sender = ZaloSender(self.api, db, clock, media_base_url=media_base_url, lang=lang)
        self.username: str = ""
        self.bot_id: str = ""
        self.stats = ChannelStats()
        self._poll_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._drain_lock = asyncio.Lock()
        self._handled_changed = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self.api.reopen()
        me = await self.api.get_me()
        self.bot_id = str(me.get("id", ""))
        self.username = str(me.get("account_name") or me.get("username") or me.get("display_name") or "")
        self._stopping = False
        if self.webhook_url:
            if not self.webhook_secret:
                raise ValueError("a Zalo webhook needs a secret token (8 to 256 characters)")
            await self.api.set_webhook(self.webhook_url, self.webhook_secret)
            # events left unhandled before a restart still go first
            self._poll_task = asyncio.create_task(self._drain_logged(), name="zalo-drain")
        else:
            await self.api.delete_webhook()
            self._poll_task = asyncio.create_task(self._poll(), name="zalo-poll")
        self._poll_task.add_done_callback(_log_task_failure)

    async def stop(self) -> None:
        self._stopping = True
        if self._poll_task is not None:
            self._poll_task.cancel()
            try:
                await self._poll_task
            except asyncio.CancelledError:
                pass
            self._poll_task = None
        await self.api.aclose()

    # ------------------------------------------------------------------ polling

    async def _poll(self) -> None:
        # one getUpdates consumer per token: with several processes on PostgreSQL the others wait here
        async with self.db.leadership("poll:zalo"):
            await self._poll_events()

    async def _poll_events(self) -> None:
        await self._drain_logged()  # what a kill left unhandled
        backoff = 1.0
        while not self._stopping:
            started = self.monotonic()
            try:
                events = await self.api.get_updates(self.poll_timeout)
            except asyncio.CancelledError:
                raise
            except ZaloApiError as exc:
                if exc.has_code(429):
                    wait = exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER
                else:
                    wait, backoff = backoff, min(backoff * 2, 30.0)
                log.warning("zalo getUpdates failed (%s); retrying in %.1fs", exc, wait)
                await asyncio.sleep(wait)
                continue
            backoff = 1.0
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
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 30.0)

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
        except Exception:  # a malformed event must not block the ones behind it
            log.exception("zalo event %s could not be converted; dropped: %r", key, event)
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
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
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


def _log_task_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s failed", task.get_name(), exc_info=task.exception())


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
