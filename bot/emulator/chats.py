"""The people and chats on the emulator's side: what the bot sent (:class:`BotMessage`), the simulated
people who talk to it (:class:`SimUser`, one private chat each) and group chats (:class:`SimGroup`).

Everything a simulated person does becomes one Telegram update, queued for ``getUpdates``; each such
method returns the update_id and writes one line in the emulator's readable log.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.emulator.formatting import utf16_len
from bot.emulator.groups import header_message, member_update
from bot.emulator.server import ChatLog, ChatReader

if TYPE_CHECKING:
    from bot.emulator.telegram import TelegramEmulator

__all__ = ["DEFAULT_LOCATION", "BotMessage", "SimGroup", "SimUser"]

#: Where ``press`` on a request_location button says the person is (Hoàn Kiếm, Hà Nội).
DEFAULT_LOCATION: tuple[float, float] = (21.0285, 105.8542)

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class BotMessage:
    """One message the bot sent, as the chat now shows it (edits are applied in place)."""

    message_id: int
    chat_id: int
    text: str | None  # the text, or the caption for media; parse_mode markup already applied
    kind: str  # "text" | "photo" | "document" | "voice" | "video" | "audio"
    buttons: list[list[tuple[str, str]]] = field(
        default_factory=list
    )  # inline keyboard (label, callback_data)
    keyboard: list[list[tuple[str, bool]]] | None = None  # reply keyboard (label, request_location)
    remove_keyboard: bool = False
    reply_to_message_id: int | None = None
    file: bytes | None = None
    filename: str | None = None
    edits: int = 0
    date: int = 0
    # Extras beyond the brief:
    entities: list[dict[str, Any]] = field(default_factory=list)  # formatting, UTF-16 offsets
    media_group_id: str | None = None
    parse_mode: str | None = None
    deleted: bool = False  # deleteMessage was called on it
    thread_id: int | None = None  # the forum topic it was posted in
    protected: bool = False  # sent with protect_content: the client offers no forwarding or saving
    location: tuple[float, float] | None = None  # a map pin (sendLocation): latitude, longitude
    file_id: str | None = None  # the file's id as Telegram gave it in the message (media)

    def labels(self) -> list[str]:
        """The inline button labels, row after row."""
        return [label for row in self.buttons for label, _ in row]


class _Chat(ChatLog[BotMessage]):
    """Server-side state of one chat (shared message_id sequence, every live message, keyboard)."""

    def __init__(self, chat_json: dict[str, Any], name: str) -> None:
        super().__init__(name)
        self.id: int = chat_json["id"]
        self.json = chat_json
        self.next_message_id = 1
        self.raw: dict[int, dict[str, Any]] = {}  # live messages as Telegram serialises them
        self.senders: dict[int, int | None] = {}  # message_id -> user id, None for the bot
        self.by_id: dict[int, BotMessage] = {}
        self.reply_keyboard: list[list[dict[str, Any]]] | None = None
        self.topics: dict[int, str] = {}  # forum topics: message_thread_id -> name

    def new_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid

    def snapshot(self, message_id: int) -> dict[str, Any]:
        """A message as Telegram embeds it elsewhere: no nested reply_to_message."""
        msg = copy.deepcopy(self.raw[message_id])
        msg.pop("reply_to_message", None)
        return msg

    def where(self) -> str:
        return f"{self.name} (chat {self.id})"

    def line(self, m: BotMessage) -> str:
        return f"   #{m.message_id} [{m.kind}] {m.text!r} buttons={m.labels()}"


def text_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entities Telegram's client-side parser would attach to ``text``."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m.group(0))}
        for m in _COMMAND_RE.finditer(text)
    ]


class _SimChat(ChatReader[BotMessage]):
    """What every simulated chat offers: reading what the bot sent, in order (``ChatReader``)."""

    def __init__(self, emu: TelegramEmulator, chat: _Chat) -> None:
        self._emu = emu
        self._chat: _Chat = chat

    @property
    def chat_id(self) -> int:
        return self._chat.id

    # ------------------------------------------------------------------ shared helpers

    def _find_button(self, label: str, message: BotMessage | None) -> tuple[int, str]:
        chat = self._chat
        candidates = [message] if message is not None else list(reversed(chat.bot_messages))
        for bm in candidates:
            current = chat.by_id.get(bm.message_id, bm)
            if current.deleted:
                continue
            for row in current.buttons:
                for text, data in row:
                    if text == label:
                        if not data:
                            raise LookupError(
                                f"button {label!r} on #{current.message_id} has no callback_data"
                            )
                        return current.message_id, data
        where = f"message #{message.message_id}" if message is not None else f"any bot message to {chat.name}"
        raise LookupError(f"no inline button {label!r} on {where}.\n{chat.recent_lines()}")

    def _resolve(self, to: BotMessage | int) -> int:
        mid = to.message_id if isinstance(to, BotMessage) else int(to)
        if mid not in self._chat.raw:
            raise LookupError(f"message #{mid} does not exist (or was deleted) in chat {self._chat.name}")
        return mid


class SimUser(_SimChat):
    """A person in a private chat with the bot (chat id == user id)."""

    def __init__(
        self,
        emu: TelegramEmulator,
        chat: _Chat,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str,
    ) -> None:
        super().__init__(emu, chat)
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked: bool = False  # True: every send to this chat answers 403

    def __repr__(self) -> str:
        return f"SimUser({self.id}, {self.first_name!r})"

    def user_json(self) -> dict[str, Any]:
        """This person as a Telegram User object."""
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        return out

    # ------------------------------------------------------------------ actions -> updates

    async def send_text(self, text: str) -> int:
        """A text message; commands get bot_command entities like real Telegram."""
        return self._emu._user_text(self._chat, self, text, f"👤 {self.first_name}: {text}")

    async def tap(self, label: str, message: BotMessage | None = None) -> int:
        """Press the inline button labelled ``label`` (on ``message`` or the latest bot message having it)."""
        mid, data = self._find_button(label, message)
        return self._emu._user_callback(self._chat, self, mid, data, f"👤 {self.first_name} bấm: {label}")

    async def tap_data(self, message_id: int, data: str) -> int:
        """A callback_query with arbitrary (possibly forged or stale) data on message ``message_id``."""
        mid = self._resolve(message_id)
        line = f"👤 {self.first_name} bấm nút (dữ liệu tự đặt) trên tin #{mid}: {data}"
        return self._emu._user_callback(self._chat, self, mid, data, line)

    async def press(self, label: str) -> int:
        """Press a button of the reply keyboard currently shown in this chat."""
        rows = self._chat.reply_keyboard
        for row in rows or []:
            for button in row:
                if button["text"] != label:
                    continue
                if button.get("request_location"):
                    lat, lon = DEFAULT_LOCATION
                    line = f"👤 {self.first_name} bấm phím “{label}” → chia sẻ vị trí ({lat}, {lon})"
                    fields = {"location": {"latitude": lat, "longitude": lon}}
                    return self._emu._user_message(self._chat, self, fields, line)
                if button.get("request_contact"):
                    contact = {
                        "phone_number": f"+849{self.id % 100_000_000:08d}",
                        "first_name": self.first_name,
                        "user_id": self.id,
                    }
                    line = f"👤 {self.first_name} bấm phím “{label}” → chia sẻ số điện thoại"
                    return self._emu._user_message(self._chat, self, {"contact": contact}, line)
                return self._emu._user_text(
                    self._chat, self, label, f"👤 {self.first_name} bấm phím: {label}"
                )
        shown = [b["text"] for row in rows or [] for b in row]
        raise LookupError(f"{label!r} is not on the reply keyboard shown to {self.first_name}: {shown}")

    async def reply(
        self,
        to: BotMessage | int,
        text: str | None = None,
        *,
        photo: bytes | None = None,
        caption: str | None = None,
    ) -> int:
        """Reply (Telegram's swipe-to-reply) to message ``to`` with a text or a photo."""
        mid = self._resolve(to)
        extra = {"reply_to_message": self._chat.snapshot(mid)}
        if photo is not None:
            line = f"👤 {self.first_name} trả lời tin #{mid} bằng ảnh" + (f": {caption}" if caption else "")
            fields = {**self._emu._photo_fields(photo, caption), **extra}
            return self._emu._user_message(self._chat, self, fields, line)
        if text is None:
            raise ValueError("reply needs text or photo")
        line = f"👤 {self.first_name} trả lời tin #{mid}: {text}"
        return self._emu._user_text(self._chat, self, text, line, extra=extra)

    async def share_location(self, latitude: float, longitude: float) -> int:
        """Send a location (the paper-clip → Location way)."""
        line = f"👤 {self.first_name} chia sẻ vị trí ({latitude}, {longitude})"
        fields = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._emu._user_message(self._chat, self, fields, line)

    async def send_photo(
        self, data: bytes, *, caption: str | None = None, media_group_id: str | None = None
    ) -> int:
        """Send a photo (2-3 PhotoSize sizes, all downloadable as ``data``)."""
        fields = self._emu._photo_fields(data, caption)
        if media_group_id:
            fields["media_group_id"] = media_group_id
        line = f"👤 {self.first_name} gửi ảnh" + (f": {caption}" if caption else "")
        return self._emu._user_message(self._chat, self, fields, line)

    async def send_album(self, photos: list[bytes], *, caption: str | None = None) -> list[int]:
        """Send several photos at once: one update each, one media_group_id, caption on the first."""
        group_id = self._emu._new_media_group_id()
        out = []
        for i, data in enumerate(photos):
            cap = caption if i == 0 else None
            fields = self._emu._photo_fields(data, cap)
            fields["media_group_id"] = group_id
            line = f"👤 {self.first_name} gửi ảnh (album {i + 1}/{len(photos)})" + (f": {cap}" if cap else "")
            out.append(self._emu._user_message(self._chat, self, fields, line))
        return out

    async def send_voice(self, data: bytes, *, duration: int = 3) -> int:
        """Send a voice note."""
        f = self._emu._store_file("voice", data, mime_type="audio/ogg", duration=duration)
        line = f"👤 {self.first_name} gửi tin nhắn thoại ({duration} giây)"
        return self._emu._user_message(self._chat, self, {"voice": f.as_json()}, line)

    async def send_document(
        self, data: bytes, *, filename: str = "file.pdf", mime_type: str = "application/pdf"
    ) -> int:
        """Send a file as a document."""
        f = self._emu._store_file("document", data, filename=filename, mime_type=mime_type)
        line = f"👤 {self.first_name} gửi tệp: {filename}"
        return self._emu._user_message(self._chat, self, {"document": f.as_json()}, line)

    async def send_sticker(self) -> int:
        """Send a sticker (a thumbs-up)."""
        f = self._emu._store_file("sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", mime_type="image/webp")
        line = f"👤 {self.first_name} gửi nhãn dán"
        return self._emu._user_message(self._chat, self, {"sticker": f.as_json()}, line)

    async def edit_text(self, message_id: int, text: str) -> int:
        """Edit one of this person's own earlier text messages (an ``edited_message`` update)."""
        return self._emu._user_edit(self._chat, self, message_id, text)


class SimGroup(_SimChat):
    """A group chat with the bot in it (negative id); simulated people talk through it.

    Who is in it is tracked (``statuses``): :meth:`join` and :meth:`leave` queue ``chat_member`` updates (which
    Telegram delivers only to a bot that names them in ``allowed_updates``), :meth:`add_bot`, :meth:`promote_bot`
    and :meth:`remove_bot` queue ``my_chat_member``. A supergroup can :meth:`enable_topics` (a forum)."""

    def __init__(self, emu: TelegramEmulator, chat: _Chat, title: str) -> None:
        super().__init__(emu, chat)
        self.id = chat.id
        self.title = title
        self.statuses: dict[int, str] = {emu.bot_id: "member"}

    def __repr__(self) -> str:
        return f"SimGroup({self.id}, {self.title!r})"

    def status_of(self, user_id: int) -> str:
        return self.statuses.get(user_id, "left")

    @property
    def topics(self) -> dict[int, str]:
        """The forum topics: message_thread_id -> name."""
        return dict(self._chat.topics)

    def topic_messages(self, thread: int) -> list[BotMessage]:
        return [m for m in self._chat.bot_messages if m.thread_id == thread]

    # ------------------------------------------------------------------ membership

    def _member_change(self, kind: str, actor: SimUser, subject: dict[str, Any], new: str, line: str) -> int:
        old = self.status_of(subject["id"])
        self.statuses[subject["id"]] = new
        return self._emu._enqueue(kind, member_update(self._emu, self, actor, subject, old, new), line)

    async def join(self, user: SimUser, *, added_by: SimUser | None = None) -> int:
        """``user`` joins (or is added by ``added_by``): a ``chat_member`` update."""
        line = f"👥 {user.first_name} vào nhóm {self.title}"
        return self._member_change("chat_member", added_by or user, user.user_json(), "member", line)

    async def leave(self, user: SimUser, *, removed_by: SimUser | None = None) -> int:
        """``user`` leaves (or is removed by ``removed_by``): a ``chat_member`` update."""
        status = "kicked" if removed_by is not None else "left"
        line = f"👥 {user.first_name} rời nhóm {self.title}"
        return self._member_change("chat_member", removed_by or user, user.user_json(), status, line)

    async def add_bot(self, by: SimUser, *, admin: bool = False) -> int:
        """``by`` (in the group already) adds the bot (as an administrator with ``admin``): ``my_chat_member``."""
        self.statuses.pop(self._emu.bot_id, None)
        self.statuses.setdefault(by.id, "member")
        status = "administrator" if admin else "member"
        line = f"👥 {by.first_name} thêm bot vào nhóm {self.title}"
        return self._member_change("my_chat_member", by, self._emu._bot_json(), status, line)

    async def promote_bot(self, by: SimUser) -> int:
        line = f"👥 {by.first_name} cho bot làm quản trị nhóm {self.title}"
        return self._member_change("my_chat_member", by, self._emu._bot_json(), "administrator", line)

    async def remove_bot(self, by: SimUser) -> int:
        line = f"👥 {by.first_name} xóa bot khỏi nhóm {self.title}"
        return self._member_change("my_chat_member", by, self._emu._bot_json(), "kicked", line)

    # ------------------------------------------------------------------ topics

    def enable_topics(self) -> None:
        """Make the group a forum (only a supergroup can be one, as on Telegram)."""
        if self._chat.json["type"] != "supergroup":
            raise ValueError("only a supergroup (id <= -10**12) can have topics")
        self._chat.json["is_forum"] = True

    def _open_topic(self, name: str) -> dict[str, Any]:
        thread = self._chat.new_message_id()
        self._chat.raw[thread] = header_message(self._emu, self._chat, thread, name)
        self._chat.senders[thread] = None
        self._chat.topics[thread] = name
        self._emu._log.append(f"🤖 → {self.title}: chủ đề mới #{thread} “{name}”")
        return {"message_thread_id": thread, "name": name, "icon_color": 7322096}

    def _in_topic(self, thread: int | None, reply_to: int | None) -> dict[str, Any]:
        if thread is None:
            return {}
        if thread not in self._chat.topics:
            raise LookupError(f"no topic #{thread} in {self.title}")
        target = reply_to if reply_to is not None else thread
        return {"message_thread_id": thread, "is_topic_message": True,
                "reply_to_message": self._chat.snapshot(target)}  # fmt: skip

    # ------------------------------------------------------------------ talking

    async def send_text(self, user: SimUser, text: str, *, topic: int | None = None) -> int:
        """``user`` writes ``text`` in the group (in forum topic ``topic``: it replies to the topic's header)."""
        where = f" / #{topic}" if topic is not None else ""
        line = f"👤 {user.first_name} @ {self.title}{where}: {text}"
        return self._emu._user_text(self._chat, user, text, line, extra=self._in_topic(topic, None) or None)

    async def tap(self, user: SimUser, label: str, message: BotMessage | None = None) -> int:
        """``user`` presses an inline button on a bot message in the group."""
        mid, data = self._find_button(label, message)
        line = f"👤 {user.first_name} @ {self.title} bấm: {label}"
        return self._emu._user_callback(self._chat, user, mid, data, line)

    async def tap_data(self, user: SimUser, message_id: int, data: str) -> int:
        """``user`` sends a callback_query with arbitrary (possibly forged) data on message ``message_id``."""
        mid = self._resolve(message_id)
        line = f"👤 {user.first_name} @ {self.title} bấm nút (dữ liệu tự đặt) trên tin #{mid}: {data}"
        return self._emu._user_callback(self._chat, user, mid, data, line)

    async def reply(self, user: SimUser, to: BotMessage | int, text: str) -> int:
        """``user`` replies to message ``to`` in the group (in its topic, if it is in one)."""
        mid = self._resolve(to)
        line = f"👤 {user.first_name} @ {self.title} trả lời tin #{mid}: {text}"
        thread = self._chat.raw[mid].get("message_thread_id")
        extra = self._in_topic(thread, mid) or {"reply_to_message": self._chat.snapshot(mid)}
        return self._emu._user_text(self._chat, user, text, line, extra=extra)
