"""What the sandbox page shows of the emulator's chats, as plain JSON-ready data.

The emulator's public API covers what the bot sent (``SimUser.messages``); a chat window also needs what
the person sent, the files behind photos, the command menu and the little notices a tapped button
answers with. Those live in the emulator's own per-chat state, and this module (with
:mod:`bot.sandbox.history`, which saves and restores it) is where the sandbox reads it, so a change there
breaks here (and in tests/test_sandbox.py) and nowhere else.
"""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.emulator import SimUser, TelegramEmulator, commands_key

_MEDIA_KINDS = ("document", "voice", "audio", "video", "sticker")


def _chat(user: SimUser) -> Any:
    return user._chat


def _excerpt(raw: dict[str, Any], limit: int = 90) -> dict[str, Any]:
    text = raw.get("text") or raw.get("caption") or ""
    kind = "text"
    if "photo" in raw:
        kind = "photo"
    elif "location" in raw:
        kind = "location"
    else:
        kind = next((k for k in _MEDIA_KINDS if k in raw), kind)
    short = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return {
        "id": raw["message_id"],
        "from": "bot" if raw["from"].get("is_bot") else "me",
        "kind": kind,
        "text": short,
    }


def render_messages(user: SimUser, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Every live message of the person's chat with the bot, both directions, oldest first."""
    chat = _chat(user)
    out = []
    for mid in sorted(chat.raw):
        raw = chat.raw[mid]
        from_bot = chat.senders.get(mid) is None
        when = datetime.fromtimestamp(raw.get("date", 0), UTC).astimezone(tz)
        item: dict[str, Any] = {
            "id": mid,
            "from": "bot" if from_bot else "me",
            "text": raw.get("text") or raw.get("caption") or "",
            "time": when.strftime("%H:%M"),
            "date": when.strftime("%d/%m/%Y"),
            "edited": "edit_date" in raw,
            "photo": None,
            "location": None,
            "file": None,
            "reply_to": None,
            "buttons": [],
        }
        if raw.get("photo"):
            item["photo"] = raw["photo"][-1]["file_id"]
        if "location" in raw:
            loc = raw["location"]
            item["location"] = {"latitude": loc["latitude"], "longitude": loc["longitude"]}
        for kind in _MEDIA_KINDS:
            if kind in raw:
                media = raw[kind]
                item["file"] = {"kind": kind, "id": media["file_id"], "name": media.get("file_name") or ""}
                break
        reply = raw.get("reply_to_message")
        if reply:
            item["reply_to"] = _excerpt(reply)
        if from_bot:
            bm = chat.by_id.get(mid)
            if bm is not None:
                item["buttons"] = [[label for label, _ in row] for row in bm.buttons]
        out.append(item)
    return out


def current_keyboard(user: SimUser) -> list[list[dict[str, Any]]]:
    """The reply keyboard the chat shows now (the last one the bot sent, unless it removed it since)."""
    rows = _chat(user).reply_keyboard or []
    return [[{"text": b["text"], "location": bool(b.get("request_location"))} for b in row] for row in rows]


def chat_commands(emu: TelegramEmulator, user: SimUser) -> list[list[str]]:
    """The command menu Telegram would show this person: the chat's own, else the defaults."""
    for key in (
        commands_key({"type": "chat", "chat_id": user.id}, user.language_code),
        commands_key({"type": "chat", "chat_id": user.id}),
        commands_key(None, user.language_code),
        commands_key(None),
    ):
        found = emu.commands.get(key)
        if found:
            return [[c["command"], c["description"]] for c in found]
    return []


def button_label(user: SimUser, message_id: int, row: int, col: int) -> tuple[Any, str]:
    """The bot message ``message_id`` and the label of its inline button at ``row``, ``col``."""
    bm = _chat(user).by_id.get(message_id)
    if bm is None or bm.deleted:
        raise LookupError(f"no bot message #{message_id}")
    try:
        label = bm.buttons[row][col][0]
    except IndexError:
        raise LookupError(f"message #{message_id} has no button at {row},{col}") from None
    return bm, label


def has_message(user: SimUser, message_id: int) -> bool:
    return message_id in _chat(user).raw


def file_content(emu: TelegramEmulator, file_id: str) -> tuple[bytes, str] | None:
    """A file's bytes and content type, for a photo or document shown in a chat."""
    stored = emu._files.get(file_id)
    if stored is None or stored.data is None:
        return None
    ctype = stored.mime_type or mimetypes.guess_type(stored.file_path)[0] or "application/octet-stream"
    if stored.kind == "photo":
        ctype = _sniff_image(stored.data) or ctype
    return stored.data, ctype


def _sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def callback_notices(emu: TelegramEmulator) -> dict[int, list[dict[str, Any]]]:
    """The notices the bot answered tapped buttons with (``answerCallbackQuery`` text), per chat."""
    out: dict[int, list[dict[str, Any]]] = {}
    for n, answer in enumerate(emu.answered_callbacks):
        if not answer.get("text"):
            continue
        entry = emu._callbacks.get(answer["callback_query_id"])
        if entry is None:
            continue
        chat = entry[0]
        out.setdefault(chat.id, []).append(
            {"id": n + 1, "text": answer["text"], "alert": bool(answer.get("show_alert"))}
        )
    return out


def start_update_ids_at(emu: TelegramEmulator, first: int) -> None:
    """Number the emulator's updates from ``first``: the bot remembers update ids it handled (to handle a
    redelivered update once), so a restarted sandbox on the same database must not reuse old ones."""
    emu._next_update_id = max(emu._next_update_id, first)
