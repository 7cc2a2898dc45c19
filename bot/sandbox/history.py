"""The phones' chats across restarts: the emulator's chat state saved in the sandbox's folder.

A real phone keeps its chat when the bot restarts; the in-process emulator forgets everything when it
stops. So the sandbox saves each phone's chat (both directions, buttons, the reply keyboard, the command
menu), the files shown in it and the emulator's counters in ``<sandbox folder>/emulator/``, and a restarted
sandbox loads them before the bot starts. Restoring the counters matters as much as the messages: the bot's
database remembers message ids (a reply to an alert names its message) and file ids, so a restarted
emulator must not hand out the same ones again.

Like :mod:`bot.sandbox.view`, this module reads the emulator's own per-chat state; a change there breaks
here (and in tests/test_sandbox.py) and nowhere else. File contents are kept once each, named by their
SHA-256, beside ``chats.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import fields
from pathlib import Path
from typing import Any

from bot.emulator import BotMessage, SimUser, TelegramEmulator
from bot.emulator.telegram import _StoredFile

log = logging.getLogger(__name__)

HISTORY_DIR = "emulator"
CHATS_FILE = "chats.json"
BLOBS_DIR = "files"
FORMAT = 1

__all__ = ["HISTORY_DIR", "load_history", "save_history"]


def _blob(folder: Path, data: bytes | None) -> str | None:
    """Keep ``data`` once under its hash; returns the name (None for no data)."""
    if data is None:
        return None
    name = hashlib.sha256(data).hexdigest()
    path = folder / BLOBS_DIR / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return name


def _read_blob(folder: Path, name: str | None) -> bytes | None:
    if name is None:
        return None
    try:
        return (folder / BLOBS_DIR / name).read_bytes()
    except OSError:
        log.warning("a file of the saved sandbox chats is missing: %s", name)
        return None


def _dump_message(folder: Path, bm: BotMessage) -> dict[str, Any]:
    out = {f.name: getattr(bm, f.name) for f in fields(BotMessage)}
    out["file"] = _blob(folder, bm.file)
    return out


def _load_message(folder: Path, raw: dict[str, Any]) -> BotMessage:
    known = {f.name for f in fields(BotMessage)}
    values = {k: v for k, v in raw.items() if k in known}
    values["file"] = _read_blob(folder, raw.get("file"))
    values["buttons"] = [[(label, data) for label, data in row] for row in raw.get("buttons") or []]
    if raw.get("keyboard") is not None:
        values["keyboard"] = [[(label, bool(loc)) for label, loc in row] for row in raw["keyboard"]]
    if raw.get("location") is not None:
        values["location"] = (float(raw["location"][0]), float(raw["location"][1]))
    return BotMessage(**values)


def _dump_chat(folder: Path, user: SimUser) -> dict[str, Any]:
    chat = user._chat
    return {
        "user": {
            "id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "language_code": user.language_code,
        },
        "next_message_id": chat.next_message_id,
        "raw": {str(mid): msg for mid, msg in chat.raw.items()},
        "senders": {str(mid): who for mid, who in chat.senders.items()},
        "bot_messages": [_dump_message(folder, bm) for bm in chat.bot_messages],
        "reply_keyboard": chat.reply_keyboard,
    }


def _load_chat(folder: Path, user: SimUser, saved: dict[str, Any]) -> None:
    chat = user._chat
    chat.next_message_id = max(chat.next_message_id, int(saved["next_message_id"]))
    chat.raw = {int(mid): msg for mid, msg in saved["raw"].items()}
    chat.senders = {int(mid): who for mid, who in saved["senders"].items()}
    chat.bot_messages = [_load_message(folder, raw) for raw in saved["bot_messages"]]
    chat.by_id = {bm.message_id: bm for bm in chat.bot_messages}
    chat.reply_keyboard = saved.get("reply_keyboard")
    chat.cursor = len(chat.bot_messages)  # what was said before the restart is not news to anyone


def _dump_files(folder: Path, emu: TelegramEmulator) -> list[dict[str, Any]]:
    out = []
    for stored in emu._files.values():
        entry = {
            f.name: getattr(stored, f.name) for f in fields(stored) if f.name not in ("data", "photo_set")
        }
        entry["data"] = _blob(folder, stored.data)
        entry["photo_set"] = [s.file_id for s in stored.photo_set]
        out.append(entry)
    return out


def _load_files(folder: Path, emu: TelegramEmulator, saved: list[dict[str, Any]]) -> None:
    made = {}
    for entry in saved:
        values = {k: v for k, v in entry.items() if k not in ("data", "photo_set")}
        made[entry["file_id"]] = _StoredFile(data=_read_blob(folder, entry.get("data")), **values)
    for entry in saved:
        stored = made[entry["file_id"]]
        stored.photo_set = [made[f] for f in entry.get("photo_set") or [] if f in made]
        emu._files[stored.file_id] = stored
        emu._files_by_path[stored.file_path] = stored


def save_history(emu: TelegramEmulator, phones: dict[int, SimUser], folder: Path) -> None:
    """Write every phone's chat, the files shown in them and the emulator's counters to ``folder``
    (atomically: a crash mid-write leaves the previous save)."""
    folder = folder / HISTORY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    state = {
        "format": FORMAT,
        "chats": [_dump_chat(folder, user) for user in phones.values()],
        "files": _dump_files(folder, emu),
        "file_counter": emu._file_counter,
        "media_group_counter": emu._media_group_counter,
        "id_rng": emu._id_rng.getstate(),
        "commands": emu.commands,
    }
    path = folder / CHATS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _rng_state(raw: Any) -> tuple[Any, ...]:
    version, internal, gauss = raw
    return (version, tuple(internal), gauss)


def load_history(emu: TelegramEmulator, folder: Path, names: dict[int, str]) -> dict[int, SimUser]:
    """Bring back the saved chats of the phones in ``names`` (id -> the name their profile shows), before
    the bot starts; returns those phones. A phone with no saved chat starts empty, as before."""
    path = folder / HISTORY_DIR / CHATS_FILE
    phones = {user_id: emu.user(user_id, name) for user_id, name in names.items()}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return phones
    except (OSError, ValueError):
        log.warning("the saved sandbox chats in %s cannot be read; the phones start empty", path)
        return phones
    if state.get("format") != FORMAT:
        log.warning("the saved sandbox chats in %s are in another format; the phones start empty", path)
        return phones
    base = folder / HISTORY_DIR
    _load_files(base, emu, state.get("files") or [])
    emu._file_counter = max(emu._file_counter, int(state.get("file_counter", 0)))
    emu._media_group_counter = max(emu._media_group_counter, int(state.get("media_group_counter", 0)))
    if state.get("id_rng"):
        emu._id_rng.setstate(_rng_state(state["id_rng"]))
    emu.commands.update(state.get("commands") or {})
    for saved in state.get("chats") or []:
        user = phones.get(int(saved["user"]["id"]))
        if user is not None:
            _load_chat(base, user, saved)
    return phones
