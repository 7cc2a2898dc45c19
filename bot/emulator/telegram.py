"""A local Telegram Bot API emulator, served over real HTTP with aiohttp.

python-telegram-bot (or any Bot API client) runs against it unchanged: point
``ApplicationBuilder().base_url(emu.base_url).base_file_url(emu.base_file_url)`` at it. The
emulator plays Telegram's servers *and* the people talking to the bot:

* ``emu.user(id, "Lan")`` gives a :class:`SimUser` in a private chat; its methods (``send_text``,
  ``tap``, ``press``, ``reply``, ``send_photo`` ...) queue updates that the bot receives through
  ``getUpdates`` long polling, with offset confirmation and ``redeliver`` for replaying an update
  a crashed bot never confirmed.
* Whatever the bot sends is recorded as :class:`BotMessage` objects per chat
  (``user.next_message()``, ``emu.transcript(chat_id)``) and in a readable two-way log
  (``emu.log_lines()``).
* Requests are checked the way Telegram checks them (empty / too long text, parse_mode markup,
  callback_data over 64 bytes, unknown chat, "message is not modified", double-answered callback
  queries ...) and answered with Telegram's error shapes and HTTP statuses.
* Groups (``emu.group(id, title)``, :class:`SimGroup`): people join and leave (``chat_member``), the bot is
  added, promoted or removed (``my_chat_member``), and a supergroup can be a forum with topics
  (``createForumTopic``, ``message_thread_id``); see :mod:`bot.emulator.groups`.
* Failures can be injected: random 500s, 429s and slow answers (:class:`Faults`), a token-bucket
  send cap (``set_send_cap``) and users who blocked the bot (``user.blocked = True``).

Randomness comes from ``random.Random(seed)`` so a run is reproducible. The emulator is a
standalone component: it imports nothing from the rest of the project.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import json
import math
import mimetypes
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.emulator.chats import BotMessage, SimGroup, SimUser, _Chat, text_entities
from bot.emulator.formatting import EntityParseError, parse_text
from bot.emulator.groups import group_api, topic_fields
from bot.emulator.server import EmulatorServer

__all__ = [
    "SENDING_METHODS",
    "BotMessage",
    "Faults",
    "SimGroup",
    "SimUser",
    "TelegramEmulator",
    "commands_key",
]

#: The methods faults apply to by default.
SENDING_METHODS: frozenset[str] = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendLocation",
        "editMessageText",
        "editMessageReplyMarkup",
    }
)
#: Update types delivered when the bot never named any (Telegram's default).
_DEFAULT_ALLOWED = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "my_chat_member",
        "poll",
        "poll_answer",
        "pre_checkout_query",
        "shipping_query",
        "chat_join_request",
    }
)
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "copy_text",
)
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_KIND_NAMES = {"photo": "Photo", "document": "Document", "voice": "Voice", "video": "Video", "audio": "Audio"}
_KIND_LABELS = {
    "photo": "ảnh",
    "document": "tệp",
    "voice": "thoại",
    "video": "video",
    "audio": "âm thanh",
    "location": "vị trí",
}


@dataclass
class Faults:
    """Injected failures; mutable while the emulator runs.

    Each call of a method in ``methods`` draws one random number: below ``share_500`` it answers
    500 (nothing is delivered), then ``share_429`` answers 429 with ``retry_after`` (nothing is
    delivered), then ``share_slow`` delivers the message but holds the answer ``slow_seconds``.
    """

    share_429: float = 0.0
    share_500: float = 0.0
    share_slow: float = 0.0
    slow_seconds: float = 0.0
    retry_after: int = 1
    methods: frozenset[str] = SENDING_METHODS


def commands_key(scope: dict[str, Any] | None = None, language_code: str | None = None) -> str:
    """The key of :attr:`TelegramEmulator.commands` for a scope and language.

    ``"default"`` for no scope (or ``{"type": "default"}``), else the scope as canonical JSON
    (sorted keys, no spaces); ``"|" + language_code`` is appended when a language is given.
    """
    if not scope or scope == {"type": "default"}:
        key = "default"
    else:
        key = json.dumps(scope, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{key}|{language_code}" if language_code else key


class _ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass
class _Upload:
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class _StoredFile:
    kind: str  # photo | document | voice | sticker | video | audio
    file_id: str
    file_unique_id: str
    data: bytes | None  # None for files "sent" by URL
    file_path: str
    filename: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    duration: int = 0
    photo_set: list[_StoredFile] = field(default_factory=list, repr=False)  # all sizes of a photo

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.data is not None:
            out["file_size"] = len(self.data)
        if self.kind == "photo":
            out.update(width=self.width, height=self.height)
        elif self.kind == "sticker":
            out.update(type="regular", width=512, height=512, is_animated=False, is_video=False, emoji="👍")
        elif self.kind in ("voice", "audio", "video"):
            out["duration"] = self.duration
            if self.kind == "video":
                out.update(width=self.width or 640, height=self.height or 360)
        if self.kind in ("document", "audio", "video") and self.filename:
            out["file_name"] = self.filename
        if self.mime_type and self.kind != "photo" and self.kind != "sticker":
            out["mime_type"] = self.mime_type
        return out

    def sizes_json(self) -> list[dict[str, Any]]:
        return [f.as_json() for f in self.photo_set or [self]]


@dataclass
class _Pending:
    update_id: int
    kind: str
    payload: dict[str, Any]
    forced: bool = False  # redelivered: served once even if an offset already confirmed it


@dataclass
class _Markup:
    inline: list[list[dict[str, Any]]] | None = None
    keyboard: list[list[dict[str, Any]]] | None = None
    remove: bool = False


class _Params:
    """A request's parameters, as PTB sends them: strings, with non-string values JSON-encoded."""

    def __init__(self, values: dict[str, str], files: dict[str, _Upload]) -> None:
        self.values = values
        self.files = files

    @classmethod
    async def read(cls, request: web.Request) -> _Params:
        values: dict[str, str] = dict(request.query)
        files: dict[str, _Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise _bad("can't parse JSON request body") from None
                if isinstance(body, dict):
                    for k, v in body.items():
                        if v is not None:
                            values[k] = v if isinstance(v, str) else json.dumps(v)
            else:
                form = await request.post()
                for k, v in form.items():
                    if isinstance(v, web.FileField):
                        files[k] = _Upload(v.filename, v.content_type, v.file.read())
                    elif isinstance(v, bytes):
                        values[k] = v.decode("utf-8", "replace")
                    else:
                        values[k] = str(v)
        return cls(values, files)

    def text(self, name: str) -> str | None:
        return self.values.get(name)

    def integer(self, name: str) -> int | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return None
        try:
            return int(raw)
        except ValueError:
            raise _bad(f'field "{name}" must be of type Integer') from None

    def number(self, name: str) -> float | None:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return None
        try:
            return float(raw)
        except ValueError:
            raise _bad(f'field "{name}" must be of type Number') from None

    def flag(self, name: str) -> bool:
        return (self.values.get(name) or "").lower() in ("true", "1")

    def obj(self, name: str) -> Any:
        raw = self.values.get(name)
        if raw is None or raw == "":
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise _bad(f"can't parse {name} JSON object") from None


def _json_response(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


class TelegramEmulator(EmulatorServer):
    """Telegram's Bot API servers plus the people on the other side, in one process."""

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        bot_username: str = "dlxh_test_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        bot_name: str = "DLXH Test Bot",
        now: Callable[[], float] | None = None,
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.host = host
        self.port = port
        self.faults = Faults()
        self.calls: collections.Counter[str] = collections.Counter()
        self.answered_callbacks: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.sent_429 = 0
        #: When True, group messages that are not commands, replies to the bot or mentions of it
        #: are not delivered (Telegram's privacy mode). getMe reports it.
        self.group_privacy = False
        self.webhook_url = ""
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 123456
        self._now = now or time.time
        self._rng = random.Random(seed)
        self._id_rng = random.Random(f"ids:{seed}")
        self._chats: dict[int, _Chat] = {}
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = 0
        self._media_group_counter = 0
        self._callbacks: dict[str, tuple[_Chat, SimUser, bool]] = {}  # id -> (chat, user, answered)
        self._callback_counter = 0
        self._queue: list[_Pending] = []
        self._history: dict[int, tuple[str, dict[str, Any]]] = {}
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED
        self._updates_event = asyncio.Event()
        self._poll_generation = 0
        self._calls_event = asyncio.Event()
        self._log: list[str] = []
        self._cap_rate: float | None = None
        self._cap_burst = 1
        self._cap_tokens = 0.0
        self._cap_stamp = 0.0
        self._closing = False
        self._stop_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._handlers: dict[str, Callable[[_Params], Awaitable[Any]]] = {
            "getMe": self._api_get_me,
            "getUpdates": self._api_get_updates,
            "deleteWebhook": self._api_delete_webhook,
            "setWebhook": self._api_set_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "close": self._api_true,
            "logOut": self._api_true,
            "sendMessage": self._api_send_message,
            "sendPhoto": self._api_send_photo,
            "sendDocument": self._api_send_document,
            "sendVoice": self._api_send_voice,
            "sendMediaGroup": self._api_send_media_group,
            "sendLocation": self._api_send_location,
            "editMessageText": self._api_edit_message_text,
            "editMessageCaption": self._api_edit_message_caption,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "deleteMessage": self._api_delete_message,
            "answerCallbackQuery": self._api_answer_callback_query,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": self._api_get_my_commands,
            "deleteMyCommands": self._api_delete_my_commands,
            "setMyDescription": self._api_true,
            "setMyShortDescription": self._api_true,
            "setChatMenuButton": self._api_true,
            "sendChatAction": self._api_send_chat_action,
            "getFile": self._api_get_file,
            **group_api(self, _ApiError),
        }
        self._by_lower = {name.lower(): name for name in self._handlers}

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """Give to ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"http://{self._address()}/bot"

    @property
    def base_file_url(self) -> str:
        """Give to ``ApplicationBuilder().base_file_url(...)`` / ``Bot(base_file_url=...)``."""
        return f"http://{self._address()}/file/bot"

    def _address(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("start() the emulator first: the port is chosen when it binds")
        return f"{self.host}:{self._bound_port}"

    # ------------------------------------------------------------------ people and chats

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "vi",
    ) -> SimUser:
        """The person ``user_id`` and their private chat with the bot (same object on repeat calls)."""
        if user_id in self._users:
            return self._users[user_id]
        if user_id <= 0:
            raise ValueError("user ids are positive")
        chat_json: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat_json["last_name"] = last_name
        if username:
            chat_json["username"] = username
        chat = _Chat(chat_json, first_name)
        self._chats[user_id] = chat
        user = SimUser(self, chat, user_id, first_name, last_name, username, language_code)
        self._users[user_id] = user
        return user

    def group(self, chat_id: int, title: str) -> SimGroup:
        """A group chat (negative id) with the bot in it (same object on repeat calls)."""
        if chat_id in self._groups:
            return self._groups[chat_id]
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
        chat = _Chat({"id": chat_id, "type": kind, "title": title}, title)
        self._chats[chat_id] = chat
        group = SimGroup(self, chat, title)
        self._groups[chat_id] = group
        return group

    def transcript(self, chat_id: int) -> list[BotMessage]:
        """Every bot message to that chat, in order."""
        chat = self._chats.get(chat_id)
        return list(chat.bot_messages) if chat else []

    def log_lines(self) -> list[str]:
        """A readable transcript of both directions, all chats, in order."""
        return list(self._log)

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str | None = None
    ) -> list[tuple[str, str]]:
        """The commands setMyCommands stored for exactly that scope and language (no fallback)."""
        return [
            (c["command"], c["description"])
            for c in self.commands.get(commands_key(scope, language_code), [])
        ]

    def set_send_cap(self, rate: float | None, burst: int = 1) -> None:
        """A token bucket over sending/editing methods: ``rate`` calls per second, ``burst`` at once.

        Above it the call answers 429 with ``retry_after`` (whole seconds, at least 1) and delivers
        nothing. ``None`` lifts the cap. sendChatAction is not capped.
        """
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive")
        self._cap_rate = rate
        self._cap_burst = max(1, burst)
        self._cap_tokens = float(self._cap_burst)
        self._cap_stamp = time.monotonic()

    def redeliver(self, update_id: int) -> None:
        """Queue an already-sent update again with its own id, as Telegram does for unconfirmed ones."""
        if update_id not in self._history:
            raise LookupError(f"update {update_id} was never sent")
        for entry in self._queue:
            if entry.update_id == update_id:
                entry.forced = True
                break
        else:
            kind, payload = self._history[update_id]
            self._queue.append(_Pending(update_id, kind, payload, forced=True))
        self._log.append(f"↺ gửi lại cập nhật #{update_id}")
        self._wake_pollers()

    def inject_update(self, kind: str, obj: dict[str, Any]) -> int:
        """Queue a raw update as given (e.g. one a newer Bot API sends and this library cannot read)."""
        return self._enqueue(kind, obj, f"⚙ cập nhật thô #{self._next_update_id} ({kind})")

    def confirmed(self, update_id: int) -> bool:
        """Whether the bot has confirmed this update (a later getUpdates offset passed it)."""
        return update_id in self._history and all(e.update_id != update_id for e in self._queue)

    async def wait_calls(self, method: str, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until ``calls[method] >= count``.

        A call is counted when its request has been read, before it is answered; by the time this
        returns, a long-polling getUpdates call is already waiting for updates.

        Raises ``TimeoutError`` after ``timeout`` seconds.
        """
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

    def pending_updates(self) -> int:
        """How many updates are queued and not yet confirmed by the bot."""
        return len(self._queue)

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path.removeprefix("/file/bot"))
        if not path.startswith("/bot"):
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        token, _, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            return _json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
        name = self._by_lower.get(method.lower())
        if name is None:
            self._count_call(method)
            body = {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            return _json_response(body, 404)
        slow = False
        try:
            params = await _Params.read(request)
            # Counted once the body is read: from here to the method's first wait nothing yields,
            # so a wait_calls() waiter resumes only after, e.g., a long poll is really waiting.
            self._count_call(name)
            slow = self._roll_faults(name)
            self._check_cap(name)
            result = await self._handlers[name](params)
        except _ApiError as err:
            self._log_error(name, err)
            body = {"ok": False, "error_code": err.code, "description": err.description}
            if err.parameters:
                body["parameters"] = err.parameters
            return _json_response(body, err.code)
        response = _json_response({"ok": True, "result": result})
        if slow:
            self._log.append(f"🐢 {name}: trả lời chậm {self.faults.slow_seconds:g}s (tin đã giao)")
            try:
                await asyncio.wait_for(self._stop_event.wait(), self.faults.slow_seconds)
            except TimeoutError:
                pass
        return response

    def _count_call(self, name: str) -> None:
        self.calls[name] += 1
        self._calls_event.set()
        self._calls_event = asyncio.Event()

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        stored = self._files_by_path.get(file_path) if token == self.token else None
        if stored is None or stored.data is None:
            return _json_response({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        ctype = stored.mime_type or mimetypes.guess_type(file_path)[0] or "application/octet-stream"
        return web.Response(body=stored.data, headers={"Content-Type": ctype})

    def _roll_faults(self, name: str) -> bool:
        faults = self.faults
        if name not in faults.methods:
            return False
        r = self._rng.random()
        if r < faults.share_500:
            raise _ApiError(500, "Internal Server Error")
        if r < faults.share_500 + faults.share_429:
            retry = max(1, int(faults.retry_after))
            self.sent_429 += 1
            raise _ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        return r < faults.share_500 + faults.share_429 + faults.share_slow and faults.slow_seconds > 0

    def _check_cap(self, name: str) -> None:
        if self._cap_rate is None or not name.startswith(("send", "edit")) or name == "sendChatAction":
            return
        now = time.monotonic()
        self._cap_tokens = min(
            float(self._cap_burst), self._cap_tokens + (now - self._cap_stamp) * self._cap_rate
        )
        self._cap_stamp = now
        if self._cap_tokens >= 1.0:
            self._cap_tokens -= 1.0
            return
        retry = max(1, math.ceil((1.0 - self._cap_tokens) / self._cap_rate))
        self.sent_429 += 1
        raise _ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    def _log_error(self, name: str, err: _ApiError) -> None:
        if name == "getUpdates" and err.code == 409:
            return
        self._log.append(f"⚠️ {name} → {err.code} {err.description}")

    # ------------------------------------------------------------------ updates (user side)

    def _wake_pollers(self) -> None:
        self._updates_event.set()
        self._updates_event = asyncio.Event()

    def _enqueue(self, kind: str, obj: dict[str, Any], line: str) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        payload = {kind: copy.deepcopy(obj)}
        self._history[update_id] = (kind, payload)
        self._queue.append(_Pending(update_id, kind, payload))
        self._log.append(line)
        self._wake_pollers()
        return update_id

    def _user_message(
        self, chat: _Chat, user: SimUser, fields: dict[str, Any], line: str, *, deliver: bool = True
    ) -> int:
        mid = chat.new_message_id()
        msg: dict[str, Any] = {
            "message_id": mid,
            "from": user.user_json(),
            "chat": dict(chat.json),
            "date": int(self._now()),
            **fields,
        }
        chat.raw[mid] = msg
        chat.senders[mid] = user.id
        if not deliver:
            self._log.append(line + "  (bot không thấy: chế độ riêng tư nhóm)")
            return 0
        return self._enqueue("message", msg, line)

    def _user_text(
        self, chat: _Chat, user: SimUser, text: str, line: str, *, extra: dict[str, Any] | None = None
    ) -> int:
        if not text:
            raise ValueError("Telegram does not send empty messages")
        fields: dict[str, Any] = {"text": text}
        entities = text_entities(text)
        if entities:
            fields["entities"] = entities
        fields.update(extra or {})
        deliver = True
        if chat.json["type"] != "private" and self.group_privacy:
            replied = (extra or {}).get("reply_to_message", {})
            deliver = (
                bool(entities and entities[0]["offset"] == 0)
                or f"@{self.bot_username}".lower() in text.lower()
                or replied.get("from", {}).get("id") == self.bot_id
            )
        return self._user_message(chat, user, fields, line, deliver=deliver)

    def _user_callback(self, chat: _Chat, user: SimUser, message_id: int, data: str, line: str) -> int:
        self._callback_counter += 1
        cq_id = str(4_000_000_000_000_000_000 + self.bot_id * 1000 + self._callback_counter)
        self._callbacks[cq_id] = (chat, user, False)
        query = {
            "id": cq_id,
            "from": user.user_json(),
            "message": copy.deepcopy(chat.raw[message_id]),
            "chat_instance": str(abs(chat.id) * 7919 + self.bot_id),
            "data": data,
        }
        return self._enqueue("callback_query", query, line)

    def _user_edit(self, chat: _Chat, user: SimUser, message_id: int, text: str) -> int:
        msg = chat.raw.get(message_id)
        if msg is None or chat.senders.get(message_id) != user.id:
            raise LookupError(f"#{message_id} is not a message {user.first_name} sent in this chat")
        if "text" not in msg:
            raise LookupError(f"#{message_id} has no text to edit")
        msg["text"] = text
        entities = text_entities(text)
        if entities:
            msg["entities"] = entities
        else:
            msg.pop("entities", None)
        msg["edit_date"] = int(self._now())
        return self._enqueue("edited_message", msg, f"👤 {user.first_name} sửa tin #{message_id}: {text}")

    def _new_media_group_id(self) -> str:
        self._media_group_counter += 1
        return str(13_000_000_000_000_000 + self._media_group_counter)

    def _new_file_ids(self, kind: str) -> tuple[str, str, int]:
        self._file_counter += 1
        prefix = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}.get(kind, "BAAC")
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        tail = "".join(self._id_rng.choice(alphabet) for _ in range(40))
        unique = "AQAD" + "".join(self._id_rng.choice(alphabet) for _ in range(12))
        return f"{prefix}AgUAAxkBAAI{self._file_counter:05d}{tail}", unique, self._file_counter

    def _store_file(
        self,
        kind: str,
        data: bytes | None,
        *,
        filename: str | None = None,
        mime_type: str | None = None,
        duration: int = 0,
        width: int = 0,
        height: int = 0,
    ) -> _StoredFile:
        file_id, unique, n = self._new_file_ids(kind)
        ext = {"photo": "jpg", "voice": "oga", "sticker": "webp", "video": "mp4", "audio": "mp3"}.get(kind)
        if kind == "document":
            ext = (filename or "").rpartition(".")[2] if filename and "." in filename else "bin"
        folder = {"photo": "photos", "document": "documents", "sticker": "stickers"}.get(kind, kind)
        stored = _StoredFile(
            kind,
            file_id,
            unique,
            data,
            f"{folder}/file_{n}.{ext}",
            filename,
            mime_type,
            width,
            height,
            duration,
        )
        self._files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _store_photo(self, data: bytes | None) -> _StoredFile:
        dims = (
            [(90, 68), (320, 240), (1280, 960)]
            if data is None or len(data) > 1024
            else [(90, 68), (320, 240)]
        )
        sizes = [self._store_file("photo", data, width=w, height=h) for w, h in dims]
        for s in sizes:
            s.photo_set = sizes
        return sizes[-1]

    def _photo_fields(self, data: bytes, caption: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"photo": self._store_photo(data).sizes_json()}
        if caption:
            fields["caption"] = caption
        return fields

    # ------------------------------------------------------------------ bot side helpers

    def _bot_json(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    def _target_chat(self, p: _Params) -> _Chat:
        raw = p.text("chat_id")
        if raw is None or raw == "":
            raise _bad("chat_id is empty")
        try:
            chat_id = int(raw)
        except ValueError:
            raise _bad("chat not found") from None
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        user = self._users.get(chat_id)
        if user is not None and user.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        group = self._groups.get(chat_id)
        if group is not None and group.status_of(self.bot_id) in ("left", "kicked"):
            raise _ApiError(403, f"Forbidden: bot was kicked from the {chat.json['type']} chat")
        return chat

    def _format(self, text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[dict[str, Any]]]:
        if entities:
            if not isinstance(entities, list):
                raise _bad("can't parse entities JSON object")
            return text, entities
        try:
            return parse_text(text, parse_mode)
        except EntityParseError as err:
            raise _bad(f"can't parse entities: {err}") from None
        except ValueError:
            raise _bad("unsupported parse_mode") from None

    def _caption(
        self, raw: str | None, parse_mode: str | None, entities: Any
    ) -> tuple[str, list[dict[str, Any]]]:
        if not raw:
            return "", []
        text, ents = self._format(raw, parse_mode, entities)
        if len(text) > 1024:
            raise _bad("message caption is too long")
        return text, ents

    def _markup(self, p: _Params) -> _Markup | None:
        data = p.obj("reply_markup")
        if data is None:
            return None
        if not isinstance(data, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in data:
            rows = data["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse inline keyboard markup JSON object")
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise _bad("can't parse inline keyboard button: Text must be a String")
                    if not any(k in button for k in _INLINE_ACTIONS):
                        raise _bad(
                            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                        )
                    cb = button.get("callback_data")
                    if cb is not None and not (1 <= len(str(cb).encode("utf-8")) <= 64):
                        raise _bad("BUTTON_DATA_INVALID")
            return _Markup(inline=rows)
        if "keyboard" in data:
            rows = data["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise _bad("can't parse reply keyboard markup JSON object")
            norm = [[{"text": b} if isinstance(b, str) else dict(b) for b in row] for row in rows]
            if not any(norm):
                raise _bad("keyboard must be non-empty")
            return _Markup(keyboard=norm)
        if data.get("remove_keyboard"):
            return _Markup(remove=True)
        return _Markup()  # force_reply and friends: accepted, nothing to record

    def _reply_target(self, chat: _Chat, p: _Params) -> int | None:
        params = p.obj("reply_parameters")
        allow = p.flag("allow_sending_without_reply")
        mid: int | None
        if isinstance(params, dict):
            mid = params.get("message_id")
            allow = allow or bool(params.get("allow_sending_without_reply"))
            other = params.get("chat_id")
            if other is not None and str(other) != str(chat.id):
                raise _bad("replies to other chats are not supported by the emulator")
        else:
            mid = p.integer("reply_to_message_id")
        if mid is None:
            return None
        if int(mid) not in chat.raw:
            if allow:
                return None
            raise _bad("message to be replied not found")
        return int(mid)

    def _record_bot_message(
        self,
        chat: _Chat,
        *,
        kind: str,
        fields: dict[str, Any],
        text: str | None,
        entities: list[dict[str, Any]],
        markup: _Markup | None,
        reply_to: int | None,
        parse_mode: str | None,
        stored: _StoredFile | None = None,
        media_group_id: str | None = None,
        protected: bool = False,
    ) -> dict[str, Any]:
        mid = chat.new_message_id()
        date = int(self._now())
        raw: dict[str, Any] = {
            "message_id": mid,
            "from": self._bot_json(),
            "chat": dict(chat.json),
            "date": date,
            **fields,
        }
        if media_group_id:
            raw["media_group_id"] = media_group_id
        if protected:
            raw["has_protected_content"] = True
        thread = fields.get("message_thread_id")
        quoted = reply_to if reply_to is not None else thread  # in a topic, a message replies to its header
        if quoted is not None:
            raw["reply_to_message"] = chat.snapshot(int(quoted))
        bm = BotMessage(
            message_id=mid,
            chat_id=chat.id,
            text=text or None,
            kind=kind,
            reply_to_message_id=reply_to,
            file=stored.data if stored else None,
            filename=stored.filename if stored else None,
            date=date,
            entities=entities,
            media_group_id=media_group_id,
            parse_mode=parse_mode,
            thread_id=thread,
            protected=protected,
            file_id=stored.file_id if stored else None,
        )
        if kind == "location":
            loc = fields["location"]
            bm.location = (loc["latitude"], loc["longitude"])
        if markup is not None:
            if markup.inline is not None:
                raw["reply_markup"] = {"inline_keyboard": markup.inline}
                bm.buttons = _buttons(markup.inline)
            if markup.keyboard is not None:
                bm.keyboard = [
                    [(b["text"], bool(b.get("request_location"))) for b in row] for row in markup.keyboard
                ]
                chat.reply_keyboard = markup.keyboard
            if markup.remove:
                bm.remove_keyboard = True
                chat.reply_keyboard = None
        chat.raw[mid] = raw
        chat.senders[mid] = None
        chat.by_id[mid] = bm
        chat.bot_messages.append(bm)
        self._log.append(self._describe(chat, bm))
        chat.notify()
        return raw

    def _describe(self, chat: _Chat, bm: BotMessage, *, edited: bool = False) -> str:
        """``🤖 → Lan: text`` (or ``🤖 ✎ Lan #12: text`` for an edit) plus one line per keyboard row."""
        head = f"🤖 ✎ {chat.name} #{bm.message_id}" if edited else f"🤖 → {chat.name}"
        body = bm.text or ""
        if bm.kind != "text":
            label = _KIND_LABELS.get(bm.kind, bm.kind)
            if bm.filename and bm.kind in ("document", "audio", "video"):
                label += f" {bm.filename}"
            body = f"[{label}] {body}".rstrip()
        first, *more = f"{head}: {body}".split("\n")
        lines = ["\n".join([first, *(f"   {ln}" if ln else "" for ln in more)])]
        if bm.reply_to_message_id is not None and not edited:
            lines.append(f"   [Trả lời tin #{bm.reply_to_message_id}]")
        for row in bm.buttons:
            lines.append("   [Nút: " + " | ".join(label for label, _ in row) + "]")
        for krow in bm.keyboard or []:
            lines.append("   [Bàn phím: " + " | ".join(label for label, _ in krow) + "]")
        if bm.remove_keyboard:
            lines.append("   [Ẩn bàn phím]")
        return "\n".join(lines)

    def _media_input(self, p: _Params, name: str, kind: str, value: Any = None) -> _StoredFile:
        """The file of a send* call: an upload, a known file_id, or an http(s) URL."""
        upload = p.files.get(name) if value is None else None
        if value is None and upload is None:
            value = p.text(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = p.files.get(value.removeprefix("attach://"))
            if upload is None:
                raise _bad(f"file of {kind} must be uploaded as {value}")
        if upload is not None:
            if kind == "photo":
                return self._store_photo(upload.data)
            mime = upload.content_type or mimetypes.guess_type(upload.filename or "")[0]
            if kind == "voice":
                mime = "audio/ogg"
            return self._store_file(kind, upload.data, filename=upload.filename, mime_type=mime)
        if not value:
            raise _bad(f"there is no {kind} in the request")
        value = str(value)
        if value.startswith(("http://", "https://")):
            name_part = value.rsplit("/", 1)[-1] or None
            if kind == "photo":
                return self._store_photo(None)
            return self._store_file(kind, None, filename=name_part, mime_type=mimetypes.guess_type(value)[0])
        known = self._files.get(value)
        if known is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if known.kind != kind:
            raise _bad(
                f"can't use file of type {_KIND_NAMES.get(known.kind, known.kind.title())} as {_KIND_NAMES[kind]}"
            )
        return known

    def _edit_target(self, p: _Params) -> tuple[_Chat, BotMessage, dict[str, Any]]:
        if p.text("inline_message_id"):
            raise _bad("inline messages are not supported by the emulator")
        chat = self._target_chat(p)
        mid = p.integer("message_id")
        if mid is None:
            raise _bad("message identifier is not specified")
        raw = chat.raw.get(mid)
        if raw is None:
            raise _bad("message to edit not found")
        bm = chat.by_id.get(mid)
        if bm is None:
            raise _bad("message can't be edited")
        return chat, bm, raw

    def _apply_inline(self, raw: dict[str, Any], bm: BotMessage, markup: _Markup | None) -> None:
        if markup is not None and markup.inline:
            raw["reply_markup"] = {"inline_keyboard": markup.inline}
            bm.buttons = _buttons(markup.inline)
        else:
            raw.pop("reply_markup", None)
            bm.buttons = []

    @staticmethod
    def _edit_markup(markup: _Markup | None) -> list[list[dict[str, Any]]] | None:
        if markup is not None and (markup.keyboard is not None or markup.remove):
            raise _bad("inline keyboard expected")
        return markup.inline if markup is not None and markup.inline else None

    def _after_edit(self, chat: _Chat, bm: BotMessage, raw: dict[str, Any]) -> dict[str, Any]:
        raw["edit_date"] = int(self._now())
        bm.edits += 1
        self._log.append(self._describe(chat, bm, edited=True))
        return copy.deepcopy(raw)

    # ------------------------------------------------------------------ API methods

    async def _api_true(self, p: _Params) -> bool:
        return True

    async def _api_get_me(self, p: _Params) -> dict[str, Any]:
        return {
            **self._bot_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_delete_webhook(self, p: _Params) -> bool:
        self.webhook_url = ""
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        return True

    async def _api_set_webhook(self, p: _Params) -> bool:
        self.webhook_url = p.text("url") or ""
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        self._wake_pollers()
        return True

    async def _api_get_webhook_info(self, p: _Params) -> dict[str, Any]:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    async def _api_get_updates(self, p: _Params) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
            )
        offset = p.integer("offset") or 0
        limit = min(100, max(1, p.integer("limit") or 100))
        timeout = max(0.0, p.number("timeout") or 0.0)
        allowed = p.obj("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) or _DEFAULT_ALLOWED
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_pollers()  # an older long poll still waiting ends with 409, as on Telegram
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._select(offset, limit)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                break
            wakeup = self._updates_event
            try:
                await asyncio.wait_for(wakeup.wait(), remaining)
            except TimeoutError:
                continue  # one last look, then remaining <= 0 ends the loop
            if generation != self._poll_generation and not self._closing:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                )
        for entry in batch:
            entry.forced = False
        return [{"update_id": e.update_id, **copy.deepcopy(e.payload)} for e in batch]

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._queue = [e for e in self._queue if e.update_id >= offset or e.forced]
        elif offset < 0:
            ordered = sorted(self._queue, key=lambda e: e.update_id)
            self._queue = ordered[offset:]

    def _select(self, offset: int, limit: int) -> list[_Pending]:
        self._queue = [e for e in self._queue if e.kind in self._allowed_updates]
        ready = [e for e in self._queue if offset <= 0 or e.update_id >= offset or e.forced]
        return sorted(ready, key=lambda e: e.update_id)[:limit]

    async def _api_send_message(self, p: _Params) -> dict[str, Any]:
        chat = self._target_chat(p)
        raw_text = p.text("text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._format(raw_text, p.text("parse_mode"), p.obj("entities"))
        if not text.strip():
            raise _bad("message text is empty")
        if len(text) > 4096:
            raise _bad("message is too long")
        markup = self._markup(p)
        reply_to = self._reply_target(chat, p)
        fields: dict[str, Any] = {
            "text": text,
            **topic_fields(chat, p.integer("message_thread_id"), _ApiError),
        }
        if entities:
            fields["entities"] = entities
        return self._record_bot_message(
            chat,
            kind="text",
            fields=fields,
            text=text,
            entities=entities,
            markup=markup,
            reply_to=reply_to,
            parse_mode=p.text("parse_mode"),
            protected=p.flag("protect_content"),
        )

    async def _send_media(self, p: _Params, kind: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        chat = self._target_chat(p)
        stored = self._media_input(p, kind, kind)
        caption, entities = self._caption(p.text("caption"), p.text("parse_mode"), p.obj("caption_entities"))
        markup = self._markup(p)
        reply_to = self._reply_target(chat, p)
        if kind == "voice" and p.integer("duration") is not None:
            stored.duration = p.integer("duration") or 0
        fields: dict[str, Any] = {kind: stored.sizes_json() if kind == "photo" else stored.as_json()}
        fields.update(topic_fields(chat, p.integer("message_thread_id"), _ApiError))
        fields.update(extra or {})
        if caption:
            fields["caption"] = caption
            if entities:
                fields["caption_entities"] = entities
        return self._record_bot_message(
            chat,
            kind=kind,
            fields=fields,
            text=caption,
            entities=entities,
            markup=markup,
            reply_to=reply_to,
            parse_mode=p.text("parse_mode"),
            stored=stored,
            protected=p.flag("protect_content"),
        )

    async def _api_send_photo(self, p: _Params) -> dict[str, Any]:
        return await self._send_media(p, "photo")

    async def _api_send_document(self, p: _Params) -> dict[str, Any]:
        return await self._send_media(p, "document")

    async def _api_send_voice(self, p: _Params) -> dict[str, Any]:
        return await self._send_media(p, "voice")

    async def _api_send_media_group(self, p: _Params) -> list[dict[str, Any]]:
        chat = self._target_chat(p)
        media = p.obj("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("wrong number of media items: must be 2-10")
        reply_to = self._reply_target(chat, p)
        protected = p.flag("protect_content")
        prepared = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") not in ("photo", "document", "video", "audio"):
                raise _bad("can't parse InputMedia: unsupported media type")
            kind = item["type"]
            stored = self._media_input(p, kind, kind, value=item.get("media"))
            caption, entities = self._caption(
                item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
            )
            prepared.append((kind, stored, caption, entities, item.get("parse_mode")))
        group_id = self._new_media_group_id()
        out = []
        for kind, stored, caption, entities, parse_mode in prepared:
            fields: dict[str, Any] = {kind: stored.sizes_json() if kind == "photo" else stored.as_json()}
            if caption:
                fields["caption"] = caption
                if entities:
                    fields["caption_entities"] = entities
            out.append(
                self._record_bot_message(
                    chat,
                    kind=kind,
                    fields=fields,
                    text=caption,
                    entities=entities,
                    markup=None,
                    reply_to=reply_to,
                    parse_mode=parse_mode,
                    stored=stored,
                    media_group_id=group_id,
                    protected=protected,
                )
            )
        return out

    async def _api_send_location(self, p: _Params) -> dict[str, Any]:
        chat = self._target_chat(p)
        latitude, longitude = p.number("latitude"), p.number("longitude")
        if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise _bad("wrong latitude or longitude")
        fields: dict[str, Any] = {"location": {"latitude": latitude, "longitude": longitude}}
        fields.update(topic_fields(chat, p.integer("message_thread_id"), _ApiError))
        return self._record_bot_message(
            chat,
            kind="location",
            fields=fields,
            text=None,
            entities=[],
            markup=self._markup(p),
            reply_to=self._reply_target(chat, p),
            parse_mode=None,
            protected=p.flag("protect_content"),
        )

    async def _api_edit_message_text(self, p: _Params) -> dict[str, Any]:
        chat, bm, raw = self._edit_target(p)
        if "text" not in raw:
            raise _bad("there is no text in the message to edit")
        raw_text = p.text("text")
        if not raw_text:
            raise _bad("message text is empty")
        text, entities = self._format(raw_text, p.text("parse_mode"), p.obj("entities"))
        if not text.strip():
            raise _bad("message text is empty")
        if len(text) > 4096:
            raise _bad("message is too long")
        markup = self._markup(p)
        new_inline = self._edit_markup(markup)
        old_inline = raw.get("reply_markup", {}).get("inline_keyboard")
        if text == raw["text"] and entities == raw.get("entities", []) and new_inline == old_inline:
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        raw["text"] = text
        if entities:
            raw["entities"] = entities
        else:
            raw.pop("entities", None)
        bm.text, bm.entities, bm.parse_mode = text, entities, p.text("parse_mode")
        self._apply_inline(raw, bm, markup)
        return self._after_edit(chat, bm, raw)

    async def _api_edit_message_caption(self, p: _Params) -> dict[str, Any]:
        chat, bm, raw = self._edit_target(p)
        if bm.kind == "text":
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._caption(p.text("caption"), p.text("parse_mode"), p.obj("caption_entities"))
        markup = self._markup(p)
        new_inline = self._edit_markup(markup)
        old_inline = raw.get("reply_markup", {}).get("inline_keyboard")
        if (
            caption == raw.get("caption", "")
            and entities == raw.get("caption_entities", [])
            and new_inline == old_inline
        ):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        for key, value in (("caption", caption), ("caption_entities", entities)):
            if value:
                raw[key] = value
            else:
                raw.pop(key, None)
        bm.text, bm.entities = caption or None, entities
        self._apply_inline(raw, bm, markup)
        return self._after_edit(chat, bm, raw)

    async def _api_edit_message_reply_markup(self, p: _Params) -> dict[str, Any]:
        chat, bm, raw = self._edit_target(p)
        markup = self._markup(p)
        new_inline = self._edit_markup(markup)
        if new_inline == raw.get("reply_markup", {}).get("inline_keyboard"):
            raise _bad(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._apply_inline(raw, bm, markup)
        return self._after_edit(chat, bm, raw)

    async def _api_delete_message(self, p: _Params) -> bool:
        chat = self._target_chat(p)
        mid = p.integer("message_id")
        if mid is None or mid not in chat.raw:
            raise _bad("message to delete not found")
        sender = chat.senders.get(mid)
        if sender is not None and chat.json["type"] != "private":
            raise _bad("message can't be deleted")
        del chat.raw[mid]
        bm = chat.by_id.get(mid)
        if bm is not None:
            bm.deleted = True
        self._log.append(f"🤖 ✕ xoá tin #{mid} ({chat.name})")
        return True

    async def _api_answer_callback_query(self, p: _Params) -> bool:
        cq_id = p.text("callback_query_id") or ""
        entry = self._callbacks.get(cq_id)
        if entry is None or entry[2]:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        chat, user, _ = entry
        self._callbacks[cq_id] = (chat, user, True)
        text = p.text("text")
        show_alert = p.flag("show_alert")
        self.answered_callbacks.append({"callback_query_id": cq_id, "text": text, "show_alert": show_alert})
        if text:
            how = "hộp thoại" if show_alert else "thông báo"
            self._log.append(f"🤖 ↩ {user.first_name} ({how}): {text}")
        return True

    async def _api_set_my_commands(self, p: _Params) -> bool:
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands")
        clean = []
        for c in commands:
            if not isinstance(c, dict):
                raise _bad("can't parse BotCommand")
            name, desc = str(c.get("command", "")), str(c.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(
                ch.islower() or ch.isdigit() or ch == "_" for ch in name
            ):
                raise _bad("BOT_COMMAND_INVALID")
            if not (1 <= len(desc) <= 256):
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        key = commands_key(p.obj("scope"), p.text("language_code"))
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    async def _api_get_my_commands(self, p: _Params) -> list[dict[str, Any]]:
        return copy.deepcopy(self.commands.get(commands_key(p.obj("scope"), p.text("language_code")), []))

    async def _api_delete_my_commands(self, p: _Params) -> bool:
        self.commands.pop(commands_key(p.obj("scope"), p.text("language_code")), None)
        return True

    async def _api_send_chat_action(self, p: _Params) -> bool:
        self._target_chat(p)
        if not p.text("action"):
            raise _bad("action is empty")
        return True

    async def _api_get_file(self, p: _Params) -> dict[str, Any]:
        stored = self._files.get(p.text("file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        out: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.data is not None:
            out["file_size"] = len(stored.data)
            out["file_path"] = stored.file_path
        return out


def _buttons(rows: list[list[dict[str, Any]]]) -> list[list[tuple[str, str]]]:
    return [[(b["text"], str(b.get("callback_data", ""))) for b in row] for row in rows]
