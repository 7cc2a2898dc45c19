"""Hostile but valid Telegram updates through the real Application: nothing leaks, nothing breaks.

Hypothesis builds Bot API update JSON (de-serialised with ``Update.de_json`` as the polling loop and the
webhook do) with hostile content — huge and odd Unicode (RTL overrides, zero-width and combining marks,
emoji sequences), forged callback data (random strings up to 64 bytes, and well-formed ``a:iss:…`` and
``c<nonce>:…`` naming other units' issues), strangers, group and channel posts, edited messages, replies to
messages about other issues, media the bot cannot download — and feeds them one by one to
``app.channels[0].app.process_update``. Two communes each have issues whose title, description, thread
and confidential citizen carry a unique marker. After every update, the outbox rows it wrote are checked:

* no marker reaches a chat outside its scope (an issue's markers: the leaders of its owning unit, its
  reporters and assignees, past or present; a confidential citizen: the owning unit's leaders only);
* strangers get only the refusal (or the stranger help, a bad-code answer, the edited-message note);
  groups get only the one-line "private chats only"; channel posts get nothing;
* nothing is logged at ERROR or above — the dispatcher's apology path counts as a failure here.

CI runs 500 examples (derandomised); ``DLXH_FULL=1`` runs 10,000 with a random seed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.app import App, build_app
from bot.core.clock import TickingClock
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from bot.runtime import Services
from handlers.drafts import ReportDraft
from handlers.report import file_report
from storage import issues as iss
from storage import members as mem
from storage.db import Tx
from storage.migrations import migrate
from storage.outbox import add_sent_reference, list_outbox_after
from tests.conftest import PINNED
from tests.e2e import emulator_settings
from tests.seed import seed_units

FULL = os.environ.get("DLXH_FULL") == "1"
EXAMPLES = 10_000 if FULL else 500
NOW = PINNED
BOT_ID = 123456

# people: (telegram id, name, unit, role)
PEOPLE = [
    (201, "Trần Văn Hùng", "X01", "leader"),
    (101, "Nguyễn Thị Lan", "X01", "member"),
    (102, "Phạm Thị Nga", "X01", "member"),
    (202, "Lý Thị Tâm", "X02", "leader"),
    (111, "Đỗ Văn Bình", "X02", "member"),
    (112, "Hồ Thị Cúc", "X02", "member"),
]
STRANGERS = [901, 902]
GROUPS = [(-4001, "group", "Chi bộ ấp 3"), (-1001234567890, "supergroup", "Tổ DLXH xã")]
CHANNEL = -1009876543210
PRIVATE_IDS = [p[0] for p in PEOPLE] + STRANGERS

# issues: (key, reporter id, category, marker) — the marker is in the title, description and a comment
ISSUES = [
    ("A1", 101, "nuoc_san_xuat", "MKa1ZQX"),
    ("A2", 101, "nhung_nhieu_can_bo", "MKa2ZQX"),  # sensitive: owned by the province, not the commune
    ("B1", 111, "nuoc_san_xuat", "MKb1ZQX"),
    ("B2", 111, "o_nhiem_moi_truong", "MKb2ZQX"),
]
MARKER_PREFIX = "ZQX"  # every marker ends with it, and so does every confidential citizen marker
# a second report on an issue, by a member who joined it from the similar-issue offer: (key, reporter, marker)
CO_REPORTS = [("A1", 102, "MKa1cZQX"), ("B1", 112, "MKb1cZQX")]

# ---------------------------------------------------------------------------------------------- strategies

SPECIAL = [
    "\u202e",
    "\u202b",
    "\u200f",
    "\u200e",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u034f",
    "\u0300",
    "\u0301",
    "\u0303",
    "\u0309",
    "\u0323",
    "\u1160",
    "\u3164",
    "\u2028",
    "\u2029",
    "\r\n",
    "\t",
    "👨‍👩‍👧‍👦",
    "🇻🇳",
    "🏳️‍🌈",
    "👍🏽",
    "🧑\u200d🤝\u200d🧑",
    "\U000e0067\U000e0062",
    "ﷺ",
    "𒐫",
    "ǅ",
    "ﬃ",
    "İ",
    "ß",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
    "Mương thôn",
    "Mu\u031bo\u031b\u0300ng",
    "<b>x</b>",
    "*_`[",
    "%s%n",
    "{name}",
    "'; DROP TABLE issues;--",
    "\\",
    "/",
    "1",
    " ",
    "#1",
    "@dlxh_test_bot",
    "ZQX",
    "MK",
    "\U0010fffd",
    "²",
    "١٢",
    "99999999999999999999",
]
CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
hostile_text = st.one_of(
    st.text(CHARS, min_size=1, max_size=300),
    st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=40).map("".join),
    st.builds(
        lambda piece, n: (piece * n)[:n],
        st.sampled_from([*SPECIAL, "a", "Việt ", "ả"]),
        st.integers(300, 4096),
    ),
    st.sampled_from(SPECIAL),
)
issue_no = st.integers(0, 9)
# digits that are digits to str.isdigit and int() but not to us, numbers past SQLite's integers, signs, zero
ODD_NUMBERS = ["²", "¹", "٣", "١٢", "１２", "𝟙", "⁹", "߁", "0", "00", "-1", "+1", "1e3", "1_000", " 1", "#²"]
odd_number = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers(2**53 + 1, 2**80).map(str),
    st.just("9" * 20),
)
any_number = st.one_of(issue_no.map(str), odd_number)
ACTIONS = [
    "card",
    "more",
    "ack",
    "assign",
    "move",
    "comment",
    "resolve",
    "reopen",
    "close",
    "dup",
    "progress",
    "propose",
    "confirm",
    "sendback",
    "update",
    "x",
]
VALUES = [
    "confirm",
    "change",
    "new",
    "yes",
    "no",
    "_skip",
    "_done",
    "_back",
    "_cancel",
    "_resume",
    "_discard",
    "_prev",
    "_next",
    "_location",
    "nuoc_san_xuat",
    "nhung_nhieu_can_bo",
    "urgent",
    "household",
    "direct",
    "describe",
    "unit",
    "add",
    "none",
    "vi",
    "en",
    "comment",
    "note",
    "shared",
]
choice_value = st.one_of(
    st.sampled_from(VALUES),
    st.builds(lambda p, n: f"{p}:{n}", st.sampled_from(["u", "i", "m"]), any_number),
    odd_number,
)
callback_data = st.one_of(
    st.text(CHARS, min_size=1, max_size=64).filter(lambda s: len(s.encode("utf-8")) <= 64),
    st.builds(lambda a, n: f"a:iss:{a}:{n}", st.sampled_from(ACTIONS), any_number),
    st.builds(lambda a, n, p: f"a:iss:{a}:{n}:{p}", st.sampled_from(ACTIONS), any_number, any_number),
    st.builds(lambda k, p: f"a:lst:{k}:{p}", st.sampled_from(["open", "overdue", "x"]), any_number),
    st.builds(lambda k, n: f"a:{k}:{n}", st.sampled_from(["my", "myp"]), any_number),
    st.builds(lambda n, a: f"a:chk:{n}:{a}", any_number, st.sampled_from(["resolved", "partly", "x"])),
    st.builds(lambda a, n: f"a:rnd:{a}:{n}", st.sampled_from(["start", "none"]), any_number),
    st.builds(lambda n, v: f"c{n}:{v}", st.one_of(st.integers(0, 40).map(str), odd_number), choice_value),
).filter(lambda s: len(s.encode("utf-8")) <= 64)
COMMANDS = [
    "start",
    "help",
    "me",
    "language",
    "invite",
    "report",
    "practice",
    "my",
    "add",
    "withdraw",
    "issue",
    "open",
    "overdue",
    "find",
    "resolve",
    "assign",
    "comment",
    "reopen",
    "dup",
    "cancel",
    "unreachable",
    "START",
    "issue_1",
    "issue_3",
    "issue_99",
    "issue_²",
    "issue_١",
    "issue_99999999999999999999",
    "issue_0",
    "report@dlxh_test_bot",
    "report@other_bot",
]
command_args = st.one_of(
    st.just(""),
    any_number,
    st.builds(lambda n, m: f"{n} {m}", any_number, any_number),
    st.builds(lambda n, text: f"{n} {text}", any_number, hostile_text),
    st.sampled_from(["MKa1ZQX", "MKb1ZQX", "ZQX", "MK", "Mương", "ABCDEFGHJK", "#3"]),
    hostile_text,
)
command = st.builds(lambda c, a: f"/{c} {a}" if a else f"/{c}", st.sampled_from(COMMANDS), command_args)
menu_text = st.sampled_from(
    [
        t(lang, k)
        for lang in ("vi", "en")
        for k in (
            "menu.open",
            "menu.overdue",
            "menu.report",
            "menu.my",
            "menu.help",
            "menu.me",
            "menu.invite",
        )
    ]
)
any_text = st.one_of(hostile_text, command, menu_text)
language = st.sampled_from(["vi", "en", "fr", None])
MEDIA = [
    "photo",
    "document",
    "voice",
    "video",
    "audio",
    "sticker",
    "location",
    "contact",
    "venue",
    "dice",
    "poll",
    "video_note",
    "animation",
]


@dataclass(frozen=True)
class Event:
    """One update to build when it is fed (ids are assigned then)."""

    kind: str
    actor: int
    text: str = ""
    data: str = ""
    ref: int = 0  # a message id: the tapped, replied-to or edited message
    chat: int = 0  # 0: the actor's private chat
    lang: str | None = "vi"
    media: str = ""
    from_bot: bool = True
    repeat: bool = False  # re-deliver the previous update id instead of a new one


private_actor = st.sampled_from(PRIVATE_IDS)
group_chat = st.sampled_from([g[0] for g in GROUPS])
event = st.one_of(
    st.builds(Event, kind=st.just("text"), actor=private_actor, text=any_text, lang=language),
    st.builds(Event, kind=st.just("text"), actor=private_actor, text=command, lang=language),
    st.builds(
        Event,
        kind=st.just("callback"),
        actor=private_actor,
        data=callback_data,
        ref=st.integers(1, 40),
        lang=language,
    ),
    st.builds(
        Event,
        kind=st.just("reply"),
        actor=private_actor,
        text=any_text,
        ref=st.integers(1, 12),
        from_bot=st.booleans(),
        lang=language,
    ),
    st.builds(Event, kind=st.just("edited"), actor=private_actor, text=any_text, ref=st.integers(1, 40)),
    st.builds(
        Event, kind=st.just("media"), actor=private_actor, text=hostile_text, media=st.sampled_from(MEDIA)
    ),
    st.builds(Event, kind=st.just("text"), actor=private_actor, text=any_text, chat=group_chat),
    st.builds(
        Event,
        kind=st.just("callback"),
        actor=private_actor,
        data=callback_data,
        ref=st.integers(1, 40),
        chat=group_chat,
    ),
    st.builds(Event, kind=st.just("edited"), actor=private_actor, text=any_text, chat=group_chat),
    st.builds(
        Event, kind=st.sampled_from(["channel_post", "edited_channel_post"]), actor=st.just(0), text=any_text
    ),
    st.builds(
        Event,
        kind=st.sampled_from(["inline_query", "my_chat_member", "inaccessible_callback", "inline_callback"]),
        actor=private_actor,
        data=callback_data,
    ),
    st.builds(Event, kind=st.just("text"), actor=private_actor, text=any_text, repeat=st.just(True)),
)

# ---------------------------------------------------------------------------------------------- building updates


def user_json(uid: int, lang: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": uid, "is_bot": False, "first_name": f"U{uid}", "last_name": "\u202eNgười"}
    if lang:
        out["language_code"] = lang
    return out


def chat_json(chat: int, uid: int) -> dict[str, Any]:
    for gid, kind, title in GROUPS:
        if chat == gid:
            return {"id": gid, "type": kind, "title": title}
    if chat == CHANNEL:
        return {"id": CHANNEL, "type": "channel", "title": "Kênh tin"}
    return {"id": uid, "type": "private", "first_name": f"U{uid}"}


BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "DLXH Test Bot", "username": "dlxh_test_bot"}


def media_fields(kind: str, caption: str, n: int) -> dict[str, Any]:
    file = {"file_id": f"forged-{kind}-{n}", "file_unique_id": f"u{n}"}
    cap = {"caption": caption[:1024]}
    if kind == "photo":
        return {"photo": [{**file, "width": 90, "height": 90}], **cap}
    if kind == "document":
        return {
            "document": {**file, "file_name": caption[:60] or "x.pdf", "mime_type": "application/pdf"},
            **cap,
        }
    if kind == "voice":
        return {"voice": {**file, "duration": 2, "mime_type": "audio/ogg"}}
    if kind == "video":
        return {"video": {**file, "width": 1, "height": 1, "duration": 1}, **cap}
    if kind == "audio":
        return {"audio": {**file, "duration": 1}, **cap}
    if kind == "sticker":
        return {
            "sticker": {
                **file,
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        }
    if kind == "location":
        return {"location": {"latitude": 10.9, "longitude": 108.1}}
    if kind == "contact":
        return {"contact": {"phone_number": "+84900000000", "first_name": caption[:30] or "X"}}
    if kind == "venue":
        return {
            "venue": {
                "location": {"latitude": 1.0, "longitude": 2.0},
                "title": caption[:60] or "x",
                "address": "y",
            }
        }
    if kind == "dice":
        return {"dice": {"emoji": "🎲", "value": 3}}
    if kind == "poll":
        return {
            "poll": {
                "id": str(n),
                "question": caption[:255] or "?",
                "options": [
                    {"text": "a", "voter_count": 0, "persistent_id": "o1"},
                    {"text": "b", "voter_count": 0, "persistent_id": "o2"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        }
    if kind == "video_note":
        return {"video_note": {**file, "length": 1, "duration": 1}}
    return {"animation": {**file, "width": 1, "height": 1, "duration": 1}, **cap}


def text_fields(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        head = text.split(" ", 1)[0]
        out["entities"] = [{"type": "bot_command", "offset": 0, "length": len(head.encode("utf-16-le")) // 2}]
    return out


class Feed:
    def __init__(self) -> None:
        self.update_id = 1000
        self.message_id = 5000

    def build(self, e: Event) -> dict[str, Any]:
        if not e.repeat:
            self.update_id += 1
        self.message_id += 1
        uid, mid = e.actor, self.message_id
        chat = e.chat or uid
        base = {"message_id": mid, "date": int(NOW.timestamp()), "chat": chat_json(chat, uid)}
        who = {"from": user_json(uid, e.lang)}
        u: dict[str, Any] = {"update_id": self.update_id}
        if e.kind == "text":
            u["message"] = {**base, **who, **text_fields(e.text)}
        elif e.kind == "reply":
            replied = {
                "message_id": e.ref,
                "date": int(NOW.timestamp()),
                "chat": base["chat"],
                "from": BOT_USER if e.from_bot else user_json(uid + 1, "vi"),
                "text": "Vụ việc #1",
            }
            u["message"] = {**base, **who, **text_fields(e.text), "reply_to_message": replied}
        elif e.kind == "edited":
            u["edited_message"] = {
                **base,
                **who,
                "message_id": e.ref,
                "edit_date": int(NOW.timestamp()),
                "text": e.text,
            }
        elif e.kind == "media":
            u["message"] = {**base, **who, **media_fields(e.media, e.text, mid)}
        elif e.kind == "callback":
            message = {
                "message_id": e.ref,
                "date": int(NOW.timestamp()),
                "chat": base["chat"],
                "from": BOT_USER,
                "text": "…",
            }
            u["callback_query"] = {
                "id": f"q{self.update_id}",
                "from": user_json(uid, e.lang),
                "chat_instance": "ci",
                "data": e.data,
                "message": message,
            }
        elif e.kind == "inaccessible_callback":
            message = {"message_id": 1, "date": 0, "chat": base["chat"]}
            u["callback_query"] = {
                "id": f"q{self.update_id}",
                "from": user_json(uid, "vi"),
                "chat_instance": "ci",
                "data": e.data,
                "message": message,
            }
        elif e.kind == "inline_callback":
            u["callback_query"] = {
                "id": f"q{self.update_id}",
                "from": user_json(uid, "vi"),
                "chat_instance": "ci",
                "data": e.data,
                "inline_message_id": "im1",
            }
        elif e.kind in ("channel_post", "edited_channel_post"):
            post = {
                "message_id": mid,
                "date": int(NOW.timestamp()),
                "chat": chat_json(CHANNEL, 0),
                "sender_chat": chat_json(CHANNEL, 0),
                **text_fields(e.text),
            }
            if e.kind == "edited_channel_post":
                post["edit_date"] = int(NOW.timestamp())
            u[e.kind] = post
        elif e.kind == "inline_query":
            u["inline_query"] = {
                "id": f"iq{mid}",
                "from": user_json(uid, "vi"),
                "query": e.data,
                "offset": "",
            }
        else:  # the bot added to a group
            u["my_chat_member"] = {
                "chat": chat_json(GROUPS[0][0], uid),
                "from": user_json(uid, "vi"),
                "date": int(NOW.timestamp()),
                "old_chat_member": {"status": "left", "user": BOT_USER},
                "new_chat_member": {"status": "member", "user": BOT_USER},
            }
        return u


# ---------------------------------------------------------------------------------------------- the world


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class World:
    app: App
    emu: TelegramEmulator
    member_of: dict[int, mem.Member]  # telegram id -> member
    markers: dict[int, str]  # issue id -> marker
    citizens: dict[int, str]  # issue id -> confidential citizen marker
    co_reports: dict[str, tuple[int, int]]  # a co-report's marker -> (issue id, its reporter's member id)
    ever: dict[int, set[str]] = field(default_factory=dict)  # chat id -> markers it was ever allowed
    last_outbox: int = 0
    rows_checked: int = 0
    rows_with_markers: int = 0
    updates: int = 0


async def add_co_reports(
    tx: Tx, s: Services, member_of: dict[int, mem.Member], issue_of: dict[str, int]
) -> dict[str, tuple[int, int]]:
    """The second reports (as if added from the similar-issue offer); marker -> (issue id, reporter id)."""
    out: dict[str, tuple[int, int]] = {}
    for key, reporter, marker in CO_REPORTS:
        issue = await iss.get_issue(tx, issue_of[key])
        assert issue is not None
        draft = {
            "category": issue.category,
            "unit_id": issue.about_unit_id,
            "description": [f"Cùng vụ {marker}"],
            "severity": "normal",
            "people": "household",
            "source": "direct",
            "citizen": f"Bà Cz{marker}",  # not confidential: still no other reporter's business
            "confidential": False,
            "attachments": [],
            "place": "",
            "add_to": issue.id,
        }
        filed = await file_report(tx, s.settings, s.calendar, NOW, member_of[reporter], ReportDraft(**draft))
        assert not filed.created
        out[marker] = (issue.id, member_of[reporter].id)
    return out


async def setup(tmp_path: Path, emu: TelegramEmulator) -> World:
    app = build_app(
        emulator_settings(tmp_path, emu),
        clock=TickingClock(PINNED),
        telegram_token=emu.token,
        lock=False,
        run_jobs=False,
    )
    s = app.services
    await s.db.connect()
    await migrate(s.db)
    channel = app.channels[0]
    await channel.app.initialize()
    s.bot_usernames["telegram"] = channel.app.bot.username or ""
    units = (await seed_units(s.db, NOW)).units
    member_of: dict[int, mem.Member] = {}
    markers: dict[int, str] = {}
    citizens: dict[int, str] = {}
    issue_of: dict[str, int] = {}
    async with s.db.transaction() as tx:
        for uid, name, unit, role in PEOPLE:
            member_id = await mem.create_member(tx, name, role, units[unit], NOW)
            await mem.add_identity(tx, member_id, "telegram", str(uid), str(uid), NOW)
            m = await mem.get_member(tx, member_id)
            assert m is not None
            member_of[uid] = m
        for key, reporter, category, marker in ISSUES:
            citizen = f"Ông Cz{key.lower()}{MARKER_PREFIX}"
            draft = {
                "category": category,
                "unit_id": member_of[reporter].unit_id,
                "description": [f"Vụ {marker} ở thôn", f"chi tiết {marker}"],
                "severity": "normal",
                "people": "household",
                "source": "direct",
                "citizen": citizen,
                "confidential": True,
                "attachments": [],
                "place": "",
            }
            filed = await file_report(
                tx, s.settings, s.calendar, NOW, member_of[reporter], ReportDraft(**draft)
            )
            await iss.add_thread_entry(
                tx, filed.issue_id, NOW, "comment", body=f"cập nhật {update_marker(marker)}", shared=True
            )
            await iss.add_thread_entry(
                tx, filed.issue_id, NOW, "comment", body=f"ghi chú nội bộ {note_marker(marker)}"
            )
            markers[filed.issue_id] = marker
            citizens[filed.issue_id] = citizen
            issue_of[key] = filed.issue_id
        co_reports = await add_co_reports(tx, s, member_of, issue_of)
        # messages each chat "received" earlier, some about issues it may not see (a member who moved units)
        for uid in PRIVATE_IDS:
            for mid, issue_id in enumerate(sorted(markers), start=1):
                await add_sent_reference(tx, "telegram", str(uid), str(mid), None, issue_id, "", NOW)
    world = World(app, emu, member_of, markers, citizens, co_reports)
    world.last_outbox = max([r.id for r in await list_outbox_after(s.db.reader, 0)], default=0)
    return world


def update_marker(marker: str) -> str:
    """The marker of an issue's update shared with its reporters (no marker is a part of another)."""
    return "MU" + marker[2:]


def note_marker(marker: str) -> str:
    """The marker of an issue's internal note, for its leaders only."""
    return "MN" + marker[2:]


def all_markers(world: World) -> list[str]:
    """Every marker planted: an issue's own (its title and first report), its shared update ("MU…"), its
    internal note ("MN…"), its confidential citizen, and each co-report's text and citizen ("Bà Cz…")."""
    out = [*world.citizens.values()]
    for marker in world.markers.values():
        out += [marker, update_marker(marker), note_marker(marker)]
    for marker in world.co_reports:
        out += [marker, f"Bà Cz{marker}"]
    return out


async def scope(world: World) -> dict[int, set[str]]:
    """What each member's chat may read, from the data: the test's own statement of the rule in
    handlers.access. The owning unit's leaders: everything. A reporter: their own report's words, the
    shared update. The one who opened the issue: also its title. The assignee: the reports, the update, no
    citizen. Nobody else: nothing; internal notes and confidential citizens: the leaders only."""
    reader = world.app.services.db.reader
    out: dict[int, set[str]] = {chat: set() for chat in world.member_of}
    for issue_id, marker in world.markers.items():
        issue = await iss.get_issue(reader, issue_id)
        assert issue is not None
        reporters = {r.member_id for r in await iss.list_reports(reader, issue_id)}
        co = [(mk, who) for mk, (i, who) in world.co_reports.items() if i == issue_id]
        for chat, m in world.member_of.items():
            leader_here = (
                m.role == "leader" and issue.owner_unit_id == m.unit_id
            )  # communes have no units below
            assignee = issue.assignee_id == m.id
            if leader_here:
                out[chat] |= {marker, update_marker(marker), note_marker(marker), world.citizens[issue_id]}
                out[chat] |= {x for mk, _ in co for x in (mk, f"Bà Cz{mk}")}
                continue
            if m.id in reporters or assignee:
                out[chat].add(update_marker(marker))
            if issue.created_by == m.id or assignee:
                out[chat].add(marker)
            for mk, who in co:
                if who == m.id:
                    out[chat] |= {mk, f"Bà Cz{mk}"}
                elif assignee:
                    out[chat].add(mk)
    return out


STRANGER_KEYS = (
    "stranger.refuse",
    "help.stranger",
    "invite.bad_code",
    "invite.throttled",
    "invite.used",
    "invite.expired",
    "error.edited",
)
STRANGER_TEXTS = {t(lang, k) for lang in ("vi", "en") for k in STRANGER_KEYS}
# what a group not linked may hear: the answers to /group and to a tapped button (handlers/groups.py)
GROUP_KEYS = (
    "group.not_linked",
    "group.bad_code",
    "group.usage_group",
    "group.not_linked_short",
    "group.not_leader",
)
GROUP_TEXTS = {t(lang, k) for lang in ("vi", "en") for k in GROUP_KEYS}
APOLOGIES = {t(lang, "error.internal") for lang in ("vi", "en")}


def _without_echo(payload: dict[str, Any], e: Event) -> str:
    """The row as checked: what the person typed, quoted back to them ("Results for “…”"), is no leak."""
    head, _, args = e.text.partition(" ")
    echo = args.strip()[:60] if head.startswith("/") else ""
    if echo and MARKER_PREFIX in echo:
        payload = {**payload, "text": (payload.get("text") or "").replace(echo, "")}
    return json.dumps(payload, ensure_ascii=False)


async def feed_and_check(world: World, feed: Feed, events: list[Event], errors: ErrorLog) -> None:
    app = world.app
    channel = app.channels[0]
    for e in events:
        update = Update.de_json(feed.build(e), channel.app.bot)
        before = await scope(world)
        await channel.app.process_update(update)
        world.updates += 1
        assert not errors.records, f"logged {errors.records[0].getMessage()!r} for {e!r}"
        rows = await list_outbox_after(app.services.db.reader, world.last_outbox)
        after = await scope(world) if rows else before
        for chat, markers in before.items():
            world.ever.setdefault(chat, set()).update(markers | after[chat])
        for row in rows:
            world.last_outbox = max(world.last_outbox, row.id)
            world.rows_checked += 1
            chat = int(row.chat_id)
            payload = json.loads(row.payload)
            text = payload.get("text") or ""
            assert text not in APOLOGIES, f"apology after {e!r}"
            if MARKER_PREFIX in row.payload:
                world.rows_with_markers += 1
            if chat in world.member_of:
                may = world.ever[chat]
                seen = _without_echo(payload, e) if chat == e.actor else row.payload
                leaked = [mk for mk in all_markers(world) if mk in seen and mk not in may]
                assert not leaked, f"{leaked} reached chat {chat} after {e!r}:\n{text[:500]}"
                continue
            assert MARKER_PREFIX not in row.payload, f"a marker reached chat {chat} after {e!r}"
            if chat in STRANGERS:
                assert payload.get("clear_choices_of") or text in STRANGER_TEXTS, (
                    f"stranger {chat} got {text[:200]!r} after {e!r}"
                )
            elif chat in {g[0] for g in GROUPS}:
                assert text in GROUP_TEXTS, f"group {chat} got {text[:200]!r} after {e!r}"
            else:
                raise AssertionError(f"a row to unexpected chat {chat} after {e!r}: {text[:200]!r}")


def test_hostile_updates_leak_nothing_and_break_nothing(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    errors = ErrorLog()
    root = logging.getLogger()
    emu = TelegramEmulator()
    loop.run_until_complete(emu.start())
    world = loop.run_until_complete(setup(tmp_path, emu))
    feed = Feed()
    root.addHandler(errors)
    started = time.monotonic()
    try:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not FULL,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
        )
        @given(st.lists(event, min_size=1, max_size=4))
        # the probes that matter most, always tried first
        @example([Event("text", 202, text="/find MKa1ZQX"), Event("text", 202, text="/find thôn")])
        @example(
            [Event("callback", 202, data="a:iss:card:1", ref=3), Event("callback", 101, data="a:iss:card:3")]
        )
        @example([Event("reply", 112, text="thêm thông tin", ref=1), Event("reply", 202, text="xong", ref=2)])
        @example([Event("text", 102, text="/issue 1"), Event("text", 201, text="/issue 2")])
        @example(
            [Event("text", 901, text="/start ABCDEFGHJK"), Event("text", 901, text="/issue 1", chat=-4001)]
        )
        def check(events: list[Event]) -> None:
            loop.run_until_complete(feed_and_check(world, feed, events, errors))

        check()
    finally:
        root.removeHandler(errors)
        loop.run_until_complete(world.app.channels[0].app.shutdown())
        loop.run_until_complete(world.app.services.db.close())
        loop.run_until_complete(emu.stop())
        loop.close()
    elapsed = time.monotonic() - started
    print(
        f"\nhostile input: {world.updates} updates, {world.rows_checked} outbox rows checked "
        f"({world.rows_with_markers} carrying a marker) in {elapsed:.1f}s"
    )
    assert world.updates >= EXAMPLES and world.rows_checked > EXAMPLES / 2
