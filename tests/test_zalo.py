"""The Zalo adapter against the Zalo emulator over real HTTP: rendering, number mapping, error mapping,
polling (408, duplicates, events without a message), downloads and the webhook's secret check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from bot.core.clock import ManualClock
from bot.core.links import FileLinks
from bot.core.messages import Attachment, Choice, Incoming, KeyButton, Outgoing
from bot.core.texts import t
from bot.emulator.zalo import ZaloEmulator, ZaloSimUser
from bot.outbox import SendError, SendForbidden, SendPermanent, SendRetryAfter, SendTransient
from bot.runtime import Dispatcher, Services
from bot.zalo import ZaloApi, ZaloChannel, ZaloSender, event_key
from handlers.context import Context
from storage.db import Database
from storage.inbound import get_chat_choices, list_unhandled_events, save_chat_choices

CHOOSE = t("vi", "zalo.choose_number")
MENU = t("vi", "zalo.menu")


class Recorder:
    """A handler that only records what it was given (and answers one line, to exercise the outbox)."""

    def __init__(self) -> None:
        self.seen: list[Incoming] = []
        self._changed = asyncio.Event()

    async def __call__(self, ctx: Context) -> None:
        self.seen.append(ctx.incoming)
        ctx.reply(f"got {ctx.incoming.kind}")
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait(self, n: int, timeout: float = 5.0) -> list[Incoming]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.seen) < n:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"wanted {n} events, got {len(self.seen)}: {self.seen}")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass
        return self.seen


@pytest.fixture
async def emu() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator() as e:
        yield e


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def dispatcher(services: Services, recorder: Recorder) -> Dispatcher:
    return Dispatcher(services, recorder, lambda: None)


@pytest.fixture
def make_channel(emu: ZaloEmulator, services: Services, dispatcher: Dispatcher) -> Callable[..., ZaloChannel]:
    def make(**kwargs: Any) -> ZaloChannel:
        options: dict[str, Any] = {"base_url": emu.base_url, "poll_timeout": 1, **kwargs}
        return ZaloChannel(emu.token, dispatcher, services.files, services.db, services.clock, **options)

    return make


@pytest.fixture
async def channel(make_channel: Callable[..., ZaloChannel]) -> AsyncIterator[ZaloChannel]:
    ch = make_channel()
    await ch.start()
    try:
        yield ch
    finally:
        await ch.stop()


@pytest.fixture
async def sender(emu: ZaloEmulator, db: Database, clock: ManualClock) -> AsyncIterator[ZaloSender]:
    api = ZaloApi(emu.token, emu.base_url)
    try:
        yield ZaloSender(api, db, clock)
    finally:
        await api.aclose()


def text_event(user_id: str, text: str, message_id: str = "m1") -> dict[str, Any]:
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": user_id, "display_name": "Lan", "is_bot": False},
            "chat": {"id": user_id, "chat_type": "PRIVATE"},
            "message_id": message_id,
            "date": 1_750_000_000_000,
            "text": text,
        },
    }


# ---------------------------------------------------------------------------------------------- rendering


async def test_choices_become_numbered_lines_and_are_remembered(
    emu: ZaloEmulator, sender: ZaloSender, db: Database
) -> None:
    lan = emu.user("u-lan", "Lan")
    out = Outgoing(
        chat_id=lan.chat_id,
        text="Đồng chí chọn ngôn ngữ:",
        choices=[
            [Choice("Tiếng Việt", "c3:vi"), Choice("English", "c3:en")],
            [Choice("✖ Hủy", "c3:_cancel")],
        ],
        keyboard=[[KeyButton("Hướng dẫn")]],  # choices win: the menu is not shown with them
    )
    message_id = await sender.send(out)
    msg = await lan.next_message()
    assert message_id == msg.message_id
    assert msg.text == f"Đồng chí chọn ngôn ngữ:\n\n{CHOOSE}\n1. Tiếng Việt\n2. English\n3. ✖ Hủy"
    assert msg.options() == ["Tiếng Việt", "English", "✖ Hủy"]
    assert await get_chat_choices(db.reader, "zalo", lan.chat_id) == [
        ("Tiếng Việt", "c3:vi"),
        ("English", "c3:en"),
        ("✖ Hủy", "c3:_cancel"),
    ]


async def test_keyboard_becomes_the_menu_and_removing_it_forgets_the_numbers(
    emu: ZaloEmulator, sender: ZaloSender, db: Database
) -> None:
    lan = emu.user("u-lan", "Lan")
    keyboard = [[KeyButton("Báo cáo mới"), KeyButton("Báo cáo của tôi")], [KeyButton("Hướng dẫn")]]
    await sender.send(Outgoing(chat_id=lan.chat_id, text="Chào", keyboard=keyboard))
    msg = await lan.next_message()
    assert msg.text == f"Chào\n\n{MENU}\n1. Báo cáo mới\n2. Báo cáo của tôi\n3. Hướng dẫn"
    assert await get_chat_choices(db.reader, "zalo", lan.chat_id) == [
        ("Báo cáo mới", "kb:Báo cáo mới"),
        ("Báo cáo của tôi", "kb:Báo cáo của tôi"),
        ("Hướng dẫn", "kb:Hướng dẫn"),
    ]
    await sender.send(Outgoing(chat_id=lan.chat_id, text="Không đổi"))  # a plain text keeps the numbers
    assert (await lan.next_message()).text == "Không đổi"
    assert len(await get_chat_choices(db.reader, "zalo", lan.chat_id)) == 3
    await sender.send(Outgoing(chat_id=lan.chat_id, text="Xong", remove_keyboard=True))
    assert (await lan.next_message()).text == "Xong"
    assert await get_chat_choices(db.reader, "zalo", lan.chat_id) == []


async def test_clearing_choices_and_command_menus_are_no_ops(emu: ZaloEmulator, sender: ZaloSender) -> None:
    lan = emu.user("u-lan", "Lan")
    assert await sender.send(Outgoing(chat_id=lan.chat_id, clear_choices_of="abc")) is None
    assert await sender.send(Outgoing(chat_id=lan.chat_id, commands=[("me", "Thông tin")])) is None
    assert emu.calls["sendMessage"] == 0 and lan.messages == []


async def test_long_text_with_choices_is_split_below_the_limit(emu: ZaloEmulator, sender: ZaloSender) -> None:
    lan = emu.user("u-lan", "Lan")
    body = "\n".join(["x" * 99] * 19)  # 1899 characters: fits alone, not with the numbered block
    await sender.send(Outgoing(chat_id=lan.chat_id, text=body, choices=[[Choice("A" * 80, "c1:a")]] * 2))
    first, second = await lan.next_messages(2)
    assert first.text == body
    assert second.text == f"{CHOOSE}\n1. {'A' * 80}\n2. {'A' * 80}"


async def test_attachments_are_a_note_without_links_and_signed_links_with_them(
    emu: ZaloEmulator, db: Database, clock: ManualClock
) -> None:
    lan = emu.user("u-lan", "Lan")
    photo = Attachment(kind="photo", file_ref="ab/abcdef.jpg")
    voice = Attachment(kind="voice", file_ref="cd/cdef.ogg")
    links = FileLinks(b"a secret of thirty-two bytes....", "https://bot.example.vn/files", hours=24)
    api = ZaloApi(emu.token, emu.base_url)
    try:
        plain = ZaloSender(api, db, clock)
        await plain.send(Outgoing(chat_id=lan.chat_id, attachments=[photo]))
        assert (await lan.next_message()).text == t("vi", "zalo.attachments_note", count=1)
        signed = ZaloSender(api, db, clock, links=links)
        await signed.send(Outgoing(chat_id=lan.chat_id, attachments=[photo, voice], album=True))
        sent, listed = await lan.next_messages(2)
        url = urlsplit(sent.photo_url)
        assert (sent.kind, url.netloc, url.path) == ("photo", "bot.example.vn", "/files/ab/abcdef.jpg")
        query = dict(parse_qsl(url.query))
        assert links.valid("ab/abcdef.jpg", query["exp"], query["sig"], clock.now())
        assert not links.valid("ab/abcdef.jpg", query["exp"], query["sig"], clock.now() + timedelta(hours=24))
        assert not links.valid("cd/cdef.ogg", query["exp"], query["sig"], clock.now())  # another file
        assert "/files/cd/cdef.ogg?exp=" in listed.text and t("vi", "evidence.kind.voice") in listed.text
        # a sensitive matter or a confidential source: no link at all, the note
        await signed.send(Outgoing(chat_id=lan.chat_id, attachments=[photo], protect_content=True))
        assert (await lan.next_message()).text == t("vi", "zalo.attachments_note", count=1)
    finally:
        await api.aclose()


# ---------------------------------------------------------------------------------------------- errors


def _blocked(emu: ZaloEmulator, user: ZaloSimUser) -> None:
    user.blocked = True


@pytest.mark.parametrize(
    ("arrange", "expected", "retry"),
    [
        (lambda e, u: e.fail_next("sendMessage", 429, "Too many", retry_after=7), SendRetryAfter, 7.0),
        (lambda e, u: e.fail_next("sendMessage", 429, http_status=429), SendRetryAfter, 5.0),
        (lambda e, u: e.fail_next("sendMessage", 500, http_status=500), SendTransient, None),
        (lambda e, u: e.fail_next("sendMessage", 502, http_status=502), SendTransient, None),
        (lambda e, u: e.fail_next("sendMessage", 408, "Request timeout"), SendTransient, None),
        (lambda e, u: e.fail_next("sendMessage", 401, "Unauthorized", http_status=401), SendTransient, None),
        (lambda e, u: e.fail_next("sendMessage", 403, "Forbidden"), SendForbidden, None),
        (lambda e, u: e.fail_next("sendMessage", -216, "User has blocked this bot"), SendForbidden, None),
        (lambda e, u: e.fail_next("sendMessage", 400, "Invalid text"), SendPermanent, None),
        (lambda e, u: e.fail_next("sendMessage", 400, "Bad", http_status=400), SendPermanent, None),
        (_blocked, SendForbidden, None),
    ],
    ids=[
        "429-body",
        "429-http",
        "500",
        "502",
        "408",
        "401",
        "403",
        "blocked-text",
        "ok-false-200",
        "400",
        "user",
    ],
)
async def test_send_errors_are_mapped_per_chat(
    emu: ZaloEmulator,
    sender: ZaloSender,
    arrange: Callable[[ZaloEmulator, ZaloSimUser], None],
    expected: type[SendError],
    retry: float | None,
) -> None:
    lan = emu.user("u-lan", "Lan")
    arrange(emu, lan)
    with pytest.raises(expected) as info:
        await sender.send(Outgoing(chat_id=lan.chat_id, text="Xin chào"))
    if retry is not None:
        assert isinstance(info.value, SendRetryAfter) and info.value.seconds == retry
    assert lan.messages == []
    lan.blocked = False
    await sender.send(Outgoing(chat_id=lan.chat_id, text="Lần sau"))  # the next call works again
    assert (await lan.next_message()).text == "Lần sau"


async def test_an_unreachable_server_is_transient(db: Database, clock: ManualClock) -> None:
    async with ZaloEmulator() as gone:
        base_url = gone.base_url
    api = ZaloApi("1:x", base_url)
    try:
        with pytest.raises(SendTransient):
            await ZaloSender(api, db, clock).send(Outgoing(chat_id="u", text="hi"))
    finally:
        await api.aclose()


# ---------------------------------------------------------------------------------------------- conversion


async def test_commands_texts_and_typed_numbers(
    make_channel: Callable[..., ZaloChannel], db: Database, clock: ManualClock
) -> None:
    ch = make_channel()
    conv = ch.to_incoming
    cmd = await conv(text_event("u1", "/Start ABC-123 "))
    assert cmd is not None and (cmd.kind, cmd.command, cmd.args, cmd.update_key) == (
        "command",
        "start",
        "ABC-123",
        "m1",
    )
    plain = await conv(text_event("u1", "2"))
    assert plain is not None and (plain.kind, plain.text) == ("text", "2")  # nothing remembered: just text
    async with db.transaction() as tx:
        await save_chat_choices(
            tx, "zalo", "u1", [("Tiếng Việt", "c4:vi"), ("English", "c4:en")], clock.now()
        )
    chosen = await conv(text_event("u1", " 2 "))
    assert chosen is not None and (chosen.kind, chosen.choice) == ("choice", "c4:en")
    assert chosen.source_message == ""  # nothing to clear on Zalo
    out_of_range = await conv(text_event("u1", "3"))
    assert out_of_range is not None and (out_of_range.kind, out_of_range.text) == ("text", "3")
    other_chat = await conv(text_event("u2", "1"))
    assert other_chat is not None and other_chat.kind == "text"
    async with db.transaction() as tx:
        await save_chat_choices(tx, "zalo", "u1", [("Hướng dẫn", "kb:Hướng dẫn")], clock.now())
    menu = await conv(text_event("u1", "1"))
    assert menu is not None and (menu.kind, menu.text) == ("text", "Hướng dẫn")
    await ch.api.aclose()


async def test_stickers_and_unsupported_events(make_channel: Callable[..., ZaloChannel]) -> None:
    ch = make_channel()
    sticker = text_event("u1", "")
    sticker["event_name"] = "message.sticker.received"
    got = await ch.to_incoming(sticker)
    assert got is not None and got.kind == "unsupported" and got.chat_id == "u1"
    assert await ch.to_incoming({"event_name": "message.unsupported.received"}) is None
    group = text_event("g1", "hello")
    group["message"]["chat"] = {"id": "g1", "chat_type": "GROUP"}
    got = await ch.to_incoming(group)
    assert got is not None and got.chat_type == "group"
    assert event_key({"event_name": "x"}) == event_key({"event_name": "x"}) != event_key({"event_name": "y"})
    await ch.api.aclose()


# ---------------------------------------------------------------------------------------------- polling


async def test_events_are_stored_then_handled(
    emu: ZaloEmulator, channel: ZaloChannel, recorder: Recorder, db: Database
) -> None:
    lan = emu.user("u-lan", "Lan")
    mid = await lan.send_text("xin chào")
    [inc] = await recorder.wait(1)
    assert (inc.channel, inc.chat_id, inc.sender_id, inc.update_key) == ("zalo", "u-lan", "u-lan", mid)
    assert (inc.kind, inc.text, inc.sender_name) == ("text", "xin chào", "Lan")
    assert channel.username == emu.account_name
    await channel.wait_handled(1)
    row = await db.reader.fetchone("SELECT handled_at FROM inbound_events WHERE event_key = ?", (mid,))
    assert row is not None and row[0] is not None


@pytest.mark.parametrize("http_status", [200, 408])
async def test_408_means_nothing_arrived(
    emu: ZaloEmulator, make_channel: Callable[..., ZaloChannel], recorder: Recorder, http_status: int
) -> None:
    emu.faults.always_408 = True
    emu.faults.timeout_http_status = http_status
    ch = make_channel(poll_timeout=0, min_poll_interval=0.01)
    await ch.start()
    try:
        lan = emu.user("u-lan", "Lan")
        await lan.send_text("đang chờ")
        await emu.wait_calls("getUpdates", 6, timeout=3)  # polled on, without backing off
        assert recorder.seen == [] and emu.pending_events() == 1
        emu.faults.always_408 = False
        [inc] = await recorder.wait(1)
        assert inc.text == "đang chờ"
        assert not [line for line in emu.log_lines() if line.startswith("⚠️")]
    finally:
        await ch.stop()


async def test_an_unsupported_event_without_a_message_is_only_marked_handled(
    emu: ZaloEmulator, channel: ZaloChannel, recorder: Recorder, db: Database
) -> None:
    lan = emu.user("u-lan", "Lan")
    await lan.send_unsupported(with_message=False)
    await lan.send_unsupported(with_message=True)
    await lan.send_text("sau đó")
    seen = await recorder.wait(2)
    assert [i.kind for i in seen] == ["unsupported", "text"]
    await channel.wait_handled(3)
    assert await list_unhandled_events(db.reader, "zalo") == []


async def test_a_redelivered_event_is_stored_and_handled_once(
    emu: ZaloEmulator, channel: ZaloChannel, recorder: Recorder, db: Database
) -> None:
    lan = emu.user("u-lan", "Lan")
    mid = await lan.send_text("một")
    await recorder.wait(1)
    emu.redeliver(mid)
    await lan.send_text("hai")
    seen = await recorder.wait(2)
    assert [i.text for i in seen] == ["một", "hai"]
    await channel.wait_handled(2)
    assert channel.stats.duplicates == 1 and channel.stats.received == 3
    assert await db.reader.fetchval("SELECT COUNT(*) FROM inbound_events WHERE event_key = ?", (mid,)) == 1


@pytest.mark.parametrize(
    ("send", "kind", "data", "mime"),
    [
        (ZaloSimUser.send_image, "photo", b"\xff\xd8\xff\xe0fake-jpeg", "image/jpeg"),
        (ZaloSimUser.send_voice, "voice", b"fake-aac-voice", "audio/aac"),
    ],
)
async def test_media_is_downloaded_into_the_file_store(
    emu: ZaloEmulator,
    channel: ZaloChannel,
    recorder: Recorder,
    services: Services,
    send: Callable[..., Any],
    kind: str,
    data: bytes,
    mime: str,
) -> None:
    lan = emu.user("u-lan", "Lan")
    await send(lan, data)
    [inc] = await recorder.wait(1)
    assert inc.kind == "media"
    [att] = inc.attachments
    assert (att.kind, att.mime_type, att.size) == (kind, mime, len(data))
    assert services.files.read(att.file_ref) == data


# ---------------------------------------------------------------------------------------------- webhook


async def test_webhook_needs_the_secret_and_stores_nothing_without_it(
    make_channel: Callable[..., ZaloChannel], recorder: Recorder, db: Database
) -> None:
    ch = make_channel(webhook_secret="s3cret-token-123")
    body = text_event("u1", "qua webhook", "w1")
    assert await ch.handle_webhook(body, None) == 403
    assert await ch.handle_webhook(body, "") == 403
    assert await ch.handle_webhook(body, "s3cret-token-124") == 403
    assert await db.reader.fetchval("SELECT COUNT(*) FROM inbound_events") == 0
    assert recorder.seen == [] and ch.stats.refused_webhooks == 3
    assert await ch.handle_webhook(body, "s3cret-token-123") == 200
    assert (
        await ch.handle_webhook({"ok": True, "result": text_event("u1", "bọc", "w2")}, "s3cret-token-123")
        == 200
    )
    assert await ch.handle_webhook(body, "s3cret-token-123") == 200  # a repeat: stored once, handled once
    assert await ch.handle_webhook({"hello": 1}, "s3cret-token-123") == 400
    assert [i.text for i in recorder.seen] == ["qua webhook", "bọc"]
    await ch.api.aclose()


async def test_a_channel_without_a_secret_refuses_every_webhook(
    make_channel: Callable[..., ZaloChannel],
) -> None:
    ch = make_channel()
    assert await ch.handle_webhook(text_event("u1", "x"), "anything") == 403
    await ch.api.aclose()


async def test_webhook_mode_registers_the_webhook(
    emu: ZaloEmulator, make_channel: Callable[..., ZaloChannel]
) -> None:
    ch = make_channel(webhook_url="https://bot.example.vn/zalo", webhook_secret="s3cret-token-123")
    await ch.start()
    try:
        assert (emu.webhook_url, emu.webhook_secret) == ("https://bot.example.vn/zalo", "s3cret-token-123")
        assert emu.calls["getUpdates"] == 0
    finally:
        await ch.stop()
