"""A local Zalo Bot API emulator, served over real HTTP with aiohttp (127.0.0.1, a free port).

Point a Zalo Bot API client at ``emu.base_url`` (it appends ``/bot<TOKEN>/<method>`` as the real
``https://bot-api.zaloplatforms.com`` expects) and use ``emu.token``. The emulator plays Zalo's servers
*and* the people talking to the bot:

* ``emu.user("u1", "Lan")`` gives a :class:`ZaloSimUser` (a private chat, chat id == user id). Its
  ``send_text``, ``send_image``, ``send_voice``, ``send_sticker`` and ``send_unsupported`` queue events
  the bot receives through ``getUpdates`` — **one event per call**, as Zalo does, with no offset: an event
  handed out is gone (``emu.redeliver(message_id)`` hands it out again, as a duplicate). A long poll with
  nothing to give ends with ``error_code`` 408 after the requested ``timeout``.
* Images and voice notes are served by the emulator itself (``/media/...``); their URL is in the event.
* What the bot sends is recorded per chat (``user.next_message()``, ``user.messages``) and in a readable
  two-way log (``emu.log_lines()``).
* Faults: random 500s and 429s on sending methods (:class:`ZaloFaults`), one-off ``ok: false`` answers
  with a chosen ``error_code`` (``emu.fail_next``), ``always_408`` polling, and users who blocked the bot
  (``user.blocked = True``: sends answer ``ok: false``, ``error_code`` 403).

Shapes follow the public Zalo Bot API documentation where it says something (ids are strings, ``date``
is in milliseconds, ``sendMessage`` text is 1–2000 characters, answers are ``{ok, result | error_code,
description}``); the error codes and descriptions for blocked users, rate limits and webhook conflicts are
not documented and are this emulator's assumptions. Randomness comes from ``random.Random(seed)``. The
emulator imports nothing from the rest of the project.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.emulator.server import ChatLog, ChatReader, EmulatorServer

__all__ = ["SENDING_METHODS", "ZaloBotMessage", "ZaloEmulator", "ZaloFaults", "ZaloSimUser"]

#: The methods random faults apply to by default.
SENDING_METHODS: frozenset[str] = frozenset({"sendMessage", "sendPhoto", "sendSticker"})
TEXT_LIMIT = 2000


@dataclass
class ZaloFaults:
    """Injected failures; mutable while the emulator runs.

    Each call of a method in ``methods`` draws one random number: below ``share_500`` it answers HTTP
    500 (nothing delivered), then ``share_429`` answers 429 with ``parameters.retry_after``. With
    ``always_408`` every ``getUpdates`` waits its timeout and answers 408 even when events are queued.
    ``timeout_http_status`` is the HTTP status of a 408 answer (200 with ``ok: false`` by default;
    408 to test a client that must read the status too).
    """

    share_500: float = 0.0
    share_429: float = 0.0
    retry_after: int = 1
    always_408: bool = False
    timeout_http_status: int = 200
    methods: frozenset[str] = SENDING_METHODS


@dataclass
class ZaloBotMessage:
    """One message the bot sent to a chat."""

    message_id: str
    chat_id: str
    kind: str  # "text" | "photo" | "sticker"
    text: str  # the text, or the photo's caption
    date: int  # milliseconds
    photo_url: str = ""
    sticker: str = ""

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    def options(self) -> list[str]:
        """The labels of the trailing numbered lines (``1. label`` ... to the end), in order."""
        lines = self.lines
        for start in range(len(lines) - 1, -1, -1):
            if not lines[start].startswith("1. "):
                continue
            tail = lines[start:]
            if all(line.startswith(f"{k}. ") for k, line in enumerate(tail, 1)):
                return [line.partition(". ")[2] for line in tail]
            return []
        return []

    def number_of(self, label: str) -> str:
        """The number to type for ``label`` (LookupError if it is not offered)."""
        options = self.options()
        if label not in options:
            raise LookupError(f"{label!r} is not among the numbered options {options} of:\n{self.text}")
        return str(options.index(label) + 1)

    def body(self) -> str:
        """The text without the trailing numbered block and its header line."""
        n = len(self.options())
        if not n:
            return self.text
        return "\n".join(self.lines[: -(n + 1)]).rstrip("\n")


class _ApiError(Exception):
    def __init__(
        self,
        code: int,
        description: str,
        *,
        http_status: int | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.http_status = http_status if http_status is not None else code
        self.parameters = parameters


@dataclass
class _Failure:
    error_code: int
    description: str
    http_status: int
    parameters: dict[str, Any] | None = None


@dataclass
class _Media:
    data: bytes
    content_type: str


class _Chat(ChatLog[ZaloBotMessage]):
    def __init__(self, chat_id: str, name: str) -> None:
        super().__init__(name)
        self.id = chat_id

    def where(self) -> str:
        return f"{self.name} ({self.id})"

    def recent_lines(self, n: int = 6) -> str:
        return super().recent_lines(n)

    def line(self, m: ZaloBotMessage) -> str:
        return f"   [{m.kind}] {m.text!r}"


class ZaloSimUser(ChatReader[ZaloBotMessage]):
    """A person in a private chat with the bot (chat id == user id); reading what the bot sent is
    ``ChatReader``'s."""

    def __init__(self, emu: ZaloEmulator, chat: _Chat, user_id: str, display_name: str) -> None:
        self._emu = emu
        self._chat: _Chat = chat
        self.id = user_id
        self.display_name = display_name
        self.blocked: bool = False  # True: every send to this chat answers ok:false, error_code 403

    def __repr__(self) -> str:
        return f"ZaloSimUser({self.id!r}, {self.display_name!r})"

    @property
    def chat_id(self) -> str:
        return self._chat.id

    def user_json(self) -> dict[str, Any]:
        return {"id": self.id, "display_name": self.display_name, "is_bot": False}

    # ------------------------------------------------------------------ actions -> events

    async def send_text(self, text: str) -> str:
        """A text message (commands are plain text on Zalo); returns its message_id."""
        if not text:
            raise ValueError("Zalo does not send empty messages")
        return self._emu._event(
            self, "message.text.received", {"text": text}, f"👤 {self.display_name}: {text}"
        )

    async def send_image(self, data: bytes, *, caption: str = "", content_type: str = "image/jpeg") -> str:
        """A photo; the bytes are served by the emulator at the URL put in the event."""
        url = self._emu._store_media(data, content_type, ".jpg" if content_type == "image/jpeg" else "")
        fields: dict[str, Any] = {"photo_url": url}
        if caption:
            fields["caption"] = caption
        line = f"👤 {self.display_name} gửi ảnh" + (f": {caption}" if caption else "")
        return self._emu._event(self, "message.image.received", fields, line)

    async def send_voice(self, data: bytes, *, content_type: str = "audio/aac") -> str:
        """A voice note, served like images."""
        url = self._emu._store_media(data, content_type, ".m4a")
        line = f"👤 {self.display_name} gửi tin nhắn thoại"
        return self._emu._event(self, "message.voice.received", {"voice_url": url}, line)

    async def send_sticker(self, sticker: str = "bfe458bf64fa8da4d4eb") -> str:
        """A sticker (its id and a preview URL)."""
        url = self._emu._store_media(b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", ".webp")
        line = f"👤 {self.display_name} gửi nhãn dán"
        return self._emu._event(self, "message.sticker.received", {"sticker": sticker, "url": url}, line)

    async def send_unsupported(self, with_message: bool = True) -> str:
        """``message.unsupported.received``; without a message (as Zalo sends for protected accounts) it
        carries no chat at all. Returns the message_id, or "" when there is no message."""
        if not with_message:
            line = f"👤 {self.display_name} gửi loại tin không hỗ trợ (không kèm tin nhắn)"
            self._emu._enqueue({"event_name": "message.unsupported.received"}, line)
            return ""
        line = f"👤 {self.display_name} gửi loại tin không hỗ trợ"
        return self._emu._event(self, "message.unsupported.received", {}, line)


class ZaloEmulator(EmulatorServer):
    """Zalo's Bot API servers plus the people on the other side, in one process."""

    def __init__(
        self,
        token: str = "1459232241454765289:TEST-ZALO-TOKEN",
        *,
        account_name: str = "bot.dlxhtest",
        display_name: str = "DLXH Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        now_ms: Callable[[], int] | None = None,
    ) -> None:
        self.token = token
        self.account_name = account_name
        self.display_name = display_name
        self.bot_id = token.split(":", 1)[0]
        self.host = host
        self.port = port
        self.faults = ZaloFaults()
        self.calls: collections.Counter[str] = collections.Counter()
        self.events_sent = 0  # events handed to the bot by getUpdates
        self.sent_429 = 0
        self.webhook_url = ""
        self.webhook_secret = ""
        self.chat_actions: list[tuple[str, str]] = []
        self._now_ms = now_ms or (lambda: int(time.time() * 1000))
        self._last_date = 0
        self._rng = random.Random(seed)
        self._id_rng = random.Random(f"ids:{seed}")
        self._users: dict[str, ZaloSimUser] = {}
        self._chats: dict[str, _Chat] = {}
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._history: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, list[_Failure]] = {}
        self._media: dict[str, _Media] = {}
        self._log: list[str] = []
        self._updates_event = asyncio.Event()
        self._calls_event = asyncio.Event()
        self._stop_event = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._handlers: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
            "getMe": self._api_get_me,
            "getUpdates": self._api_get_updates,
            "setWebhook": self._api_set_webhook,
            "deleteWebhook": self._api_delete_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "sendMessage": self._api_send_message,
            "sendPhoto": self._api_send_photo,
            "sendSticker": self._api_send_sticker,
            "sendChatAction": self._api_send_chat_action,
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """What the client prefixes to ``/bot<TOKEN>/<method>``."""
        return f"http://{self._address()}"

    def _address(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("start() the emulator first: the port is chosen when it binds")
        return f"{self.host}:{self._bound_port}"

    # ------------------------------------------------------------------ people, faults, inspection

    def user(self, user_id: str, display_name: str) -> ZaloSimUser:
        """The person ``user_id`` and their private chat with the bot (same object on repeat calls)."""
        if user_id in self._users:
            return self._users[user_id]
        if not user_id:
            raise ValueError("user ids are non-empty strings")
        chat = _Chat(user_id, display_name)
        self._chats[user_id] = chat
        user = ZaloSimUser(self, chat, user_id, display_name)
        self._users[user_id] = user
        return user

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str = "",
        *,
        http_status: int = 200,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` answer ``{"ok": false, "error_code": ...}`` (HTTP
        ``http_status``, 200 by default as Zalo does for many errors) and deliver nothing."""
        params = {"retry_after": retry_after} if retry_after is not None else None
        failure = _Failure(error_code, description or f"Error {error_code}", http_status, params)
        self._failures.setdefault(method, []).extend([failure] * times)

    def redeliver(self, message_id: str) -> None:
        """Hand an already-sent event out again (a duplicate delivery)."""
        if message_id not in self._history:
            raise LookupError(f"event {message_id!r} was never sent")
        self._queue.append(copy.deepcopy(self._history[message_id]))
        self._log.append(f"↺ gửi lại sự kiện {message_id}")
        self._wake_pollers()

    def pending_events(self) -> int:
        """Events queued and not yet handed to the bot."""
        return len(self._queue)

    def transcript(self, chat_id: str) -> list[ZaloBotMessage]:
        chat = self._chats.get(chat_id)
        return list(chat.bot_messages) if chat else []

    def log_lines(self) -> list[str]:
        """A readable transcript of both directions, all chats, in order."""
        return list(self._log)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``calls[method] >= count`` (a call counts once its body was read)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.calls[method] < count:
            remaining = deadline - loop.time()
            event = self._calls_event
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                raise TimeoutError(
                    f"{method} was called {self.calls[method]} time(s) in {timeout:g}s, wanted {count}"
                ) from None

    # ------------------------------------------------------------------ events (user side)

    def _new_id(self) -> str:
        return "".join(self._id_rng.choice("0123456789abcdef") for _ in range(20))

    def _date(self) -> int:
        self._last_date = max(self._now_ms(), self._last_date + 1)
        return self._last_date

    def _event(self, user: ZaloSimUser, event_name: str, fields: dict[str, Any], line: str) -> str:
        mid = self._new_id()
        message = {
            "from": user.user_json(),
            "chat": {"id": user.chat_id, "chat_type": "PRIVATE"},
            "message_id": mid,
            "date": self._date(),
            **fields,
        }
        event = {"event_name": event_name, "message": message}
        self._history[mid] = event
        self._enqueue(event, line)
        return mid

    def _enqueue(self, event: dict[str, Any], line: str) -> None:
        self._queue.append(copy.deepcopy(event))
        self._log.append(line)
        self._wake_pollers()

    def _wake_pollers(self) -> None:
        self._updates_event.set()
        self._updates_event = asyncio.Event()

    def _store_media(self, data: bytes, content_type: str, suffix: str) -> str:
        key = self._new_id() + suffix
        self._media[key] = _Media(data, content_type)
        return f"{self.base_url}/media/{key}"

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/media/"):
            media = self._media.get(path.removeprefix("/media/"))
            if media is None:
                return web.Response(status=404, text="Not Found")
            return web.Response(body=media.data, headers={"Content-Type": media.content_type})
        if not path.startswith("/bot"):
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        handler = self._handlers.get(method)
        if handler is None:
            self._count(method)
            return _json({"ok": False, "error_code": 404, "description": "Method not found"}, 404)
        try:
            params = await _read_params(request)
            self._count(method)
            self._roll_faults(method)
            result = await handler(params)
        except _ApiError as err:
            if not (method == "getUpdates" and err.code == 408):
                self._log.append(f"⚠️ {method} → {err.code} {err.description}")
            body: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            return _json(body, err.http_status)
        return _json({"ok": True, "result": result})

    def _count(self, method: str) -> None:
        self.calls[method] += 1
        self._calls_event.set()
        self._calls_event = asyncio.Event()

    def _roll_faults(self, method: str) -> None:
        queued = self._failures.get(method)
        if queued:
            f = queued.pop(0)
            raise _ApiError(f.error_code, f.description, http_status=f.http_status, parameters=f.parameters)
        faults = self.faults
        if method not in faults.methods:
            return
        r = self._rng.random()
        if r < faults.share_500:
            raise _ApiError(500, "Internal Server Error")
        if r < faults.share_500 + faults.share_429:
            retry = max(1, int(faults.retry_after))
            self.sent_429 += 1
            raise _ApiError(429, "Too Many Requests", parameters={"retry_after": retry})

    # ------------------------------------------------------------------ methods

    async def _api_get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "account_name": self.account_name,
            "account_type": "BASIC",
            "can_join_groups": False,
            "display_name": self.display_name,
        }

    async def _api_get_updates(self, p: dict[str, Any]) -> dict[str, Any]:
        if self.webhook_url:
            raise _ApiError(400, "Webhook is active: use deleteWebhook before getUpdates")
        try:
            timeout = max(0.0, float(p.get("timeout", 30) or 0))
        except (TypeError, ValueError):
            raise _ApiError(400, "timeout must be a number of seconds") from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._queue and not self.faults.always_408:
                event = self._queue.popleft()
                self.events_sent += 1
                return event
            remaining = deadline - loop.time()
            if self._closing or remaining <= 0:
                raise _ApiError(408, "Request timeout", http_status=self.faults.timeout_http_status)
            wakeup = self._updates_event
            try:
                await asyncio.wait_for(wakeup.wait(), remaining)
            except TimeoutError:
                continue

    async def _api_set_webhook(self, p: dict[str, Any]) -> dict[str, Any]:
        url = str(p.get("url") or "")
        secret = str(p.get("secret_token") or "")
        if not url.startswith("https://"):
            raise _ApiError(400, "url must be an HTTPS URL")
        if not 8 <= len(secret) <= 256:
            raise _ApiError(400, "secret_token must be 8 to 256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        return {"url": url, "updated_at": self._now_ms()}

    async def _api_delete_webhook(self, p: dict[str, Any]) -> dict[str, Any]:
        self.webhook_url = self.webhook_secret = ""
        return {"url": "", "updated_at": self._now_ms()}

    async def _api_get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url, "updated_at": self._now_ms()}

    def _target(self, p: dict[str, Any]) -> tuple[_Chat, ZaloSimUser]:
        chat_id = str(p.get("chat_id") or "")
        if not chat_id:
            raise _ApiError(400, "chat_id is required")
        user = self._users.get(chat_id)
        if user is None:
            raise _ApiError(400, "User not found")
        if user.blocked:
            raise _ApiError(403, "User has blocked the bot or is not reachable")
        return self._chats[chat_id], user

    def _record(self, chat: _Chat, kind: str, text: str, **extra: str) -> dict[str, Any]:
        msg = ZaloBotMessage(self._new_id(), chat.id, kind, text, self._date(), **extra)
        chat.bot_messages.append(msg)
        label = {"photo": "[ảnh] ", "sticker": "[nhãn dán] "}.get(kind, "")
        first, *more = f"🤖 → {chat.name}: {label}{text}".rstrip().split("\n")
        self._log.append("\n".join([first, *(f"   {ln}" if ln else "" for ln in more)]))
        chat.notify()
        return {"message_id": msg.message_id, "date": msg.date}

    async def _api_send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, _ = self._target(p)
        text = p.get("text")
        if not isinstance(text, str) or not text:
            raise _ApiError(400, "text is required")
        if len(text) > TEXT_LIMIT:
            raise _ApiError(400, f"text must be 1 to {TEXT_LIMIT} characters")
        return self._record(chat, "text", text)

    async def _api_send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, _ = self._target(p)
        photo = p.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise _ApiError(400, "photo must be an image URL")
        caption = p.get("caption") or ""
        if not isinstance(caption, str) or len(caption) > TEXT_LIMIT:
            raise _ApiError(400, f"caption must be at most {TEXT_LIMIT} characters")
        return self._record(chat, "photo", caption, photo_url=photo)

    async def _api_send_sticker(self, p: dict[str, Any]) -> dict[str, Any]:
        chat, _ = self._target(p)
        sticker = p.get("sticker")
        if not isinstance(sticker, str) or not sticker:
            raise _ApiError(400, "sticker is required")
        return self._record(chat, "sticker", "", sticker=sticker)

    async def _api_send_chat_action(self, p: dict[str, Any]) -> bool:
        chat, _ = self._target(p)
        action = str(p.get("action") or "")
        if action not in ("typing", "upload_photo"):
            raise _ApiError(400, "action must be typing or upload_photo")
        self.chat_actions.append((chat.id, action))
        return True


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise _ApiError(400, "can't parse JSON request body") from None
            if isinstance(body, dict):
                params.update(body)
    return params


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )
