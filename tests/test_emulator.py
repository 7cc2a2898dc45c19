"""The Telegram Bot API emulator, driven by real python-telegram-bot over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator

import pytest
from telegram import Bot as PtbBot
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.emulator import BotMessage, TelegramEmulator, commands_key

# PTB itself warns when it builds a RetryAfter (int vs timedelta migration); not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20  # > 1 KiB, so three PhotoSizes
WAIT = 3.0  # bound for every wait in this file


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(seed=7) as e:
        yield e


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[PtbBot]:
    b = PtbBot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with b:
        yield b


def _seconds(err: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = err.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def _updates(bot: PtbBot, offset: int | None = None) -> tuple[Update, ...]:
    return await bot.get_updates(offset=offset, timeout=0)


# ----------------------------------------------------------------------------- a small PTB app


class EchoApp:
    """/start shows inline buttons and a reply keyboard; text is echoed; taps are answered and edit."""

    def __init__(self, emu: TelegramEmulator) -> None:
        self.emu = emu
        self.updates: list[Update] = []
        self._handled = asyncio.Event()
        self.app: Application = (
            ApplicationBuilder()
            .token(emu.token)
            .base_url(emu.base_url)
            .base_file_url(emu.base_file_url)
            .build()
        )
        self.app.add_handler(CommandHandler("start", self.start))
        self.app.add_handler(CallbackQueryHandler(self.on_tap))
        self.app.add_handler(MessageHandler(filters.LOCATION, self.on_location))
        self.app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.echo))

    def _seen(self, update: Update) -> None:
        """Called when a handler has finished (all its API calls answered)."""
        self.updates.append(update)
        self._handled.set()
        self._handled = asyncio.Event()

    async def handled(self, count: int) -> Update:
        """Wait (bounded) until ``count`` updates were fully handled; the latest one."""
        while len(self.updates) < count:
            await asyncio.wait_for(self._handled.wait(), WAIT)
        return self.updates[count - 1]

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Xin chào! Chọn loại việc:",
            do_quote=True,  # PTB sends reply_parameters
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton("Điện sinh hoạt", callback_data="topic:dien"),
                        InlineKeyboardButton("Nước sản xuất", callback_data="topic:nuoc"),
                    ]
                ]
            ),
        )
        await update.effective_message.reply_text(
            "Hoặc dùng bàn phím:",
            reply_markup=ReplyKeyboardMarkup(
                [[KeyboardButton("Báo cáo mới"), KeyboardButton("Gửi vị trí", request_location=True)]]
            ),
        )
        self._seen(update)

    async def on_tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"Đã chọn {query.data}")
        await query.edit_message_text(f"Bạn chọn: {query.data}")
        self._seen(update)

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.location is not None
        loc = update.message.location
        await update.message.reply_text(f"Vị trí: {loc.latitude:.4f}, {loc.longitude:.4f}")
        self._seen(update)

    async def echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"Bạn nói: {update.message.text}", reply_markup=ReplyKeyboardRemove())
        self._seen(update)


@pytest.fixture
async def echo_app(emu: TelegramEmulator) -> AsyncIterator[EchoApp]:
    echo = EchoApp(emu)
    async with echo.app:
        await echo.app.start()
        assert echo.app.updater is not None
        await echo.app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=2))
        try:
            yield echo
        finally:
            await echo.app.updater.stop()
            await echo.app.stop()


# ----------------------------------------------------------------------------- basics


async def test_get_me_and_urls(emu: TelegramEmulator, bot: PtbBot) -> None:
    me = await bot.get_me()
    assert me.id == 123456 and me.is_bot and me.username == "dlxh_test_bot"
    assert me.can_join_groups is True
    assert emu.base_url.endswith("/bot") and emu.base_file_url.endswith("/file/bot")
    assert emu.calls["getMe"] >= 1


async def test_unknown_method_and_wrong_token(emu: TelegramEmulator, bot: PtbBot) -> None:
    with pytest.raises(InvalidToken, match="was rejected"):
        async with PtbBot("999:WRONG", base_url=emu.base_url):
            pass
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def test_text_round_trip_through_polling(emu: TelegramEmulator, echo_app: EchoApp) -> None:
    lan = emu.user(1001, "Lan")
    await lan.send_text("/start abc123")
    first, second = await lan.next_messages(2, timeout=WAIT)
    assert first.text == "Xin chào! Chọn loại việc:"
    assert first.labels() == ["Điện sinh hoạt", "Nước sản xuất"]
    assert first.buttons == [[("Điện sinh hoạt", "topic:dien"), ("Nước sản xuất", "topic:nuoc")]]
    assert first.reply_to_message_id == 1  # reply_text quotes the /start message
    assert second.keyboard == [[("Báo cáo mới", False), ("Gửi vị trí", True)]]
    start_update = await echo_app.handled(1)
    assert start_update.message is not None and start_update.message.text == "/start abc123"
    entities = start_update.message.entities
    assert entities[0].type == "bot_command" and entities[0].offset == 0 and entities[0].length == 6

    await lan.press("Báo cáo mới")
    echo = await lan.next_message(timeout=WAIT)
    assert echo.text == "Bạn nói: Báo cáo mới" and echo.remove_keyboard
    with pytest.raises(LookupError):
        await lan.press("Báo cáo mới")  # the keyboard was removed

    log = "\n".join(emu.log_lines())
    assert "👤 Lan: /start abc123" in log
    assert (
        "🤖 → Lan: Xin chào! Chọn loại việc:\n   [Trả lời tin #1]\n   [Nút: Điện sinh hoạt | Nước sản xuất]"
    ) in log
    assert "   [Bàn phím: Báo cáo mới | Gửi vị trí]" in log
    assert "👤 Lan bấm phím: Báo cáo mới" in log
    assert emu.pending_updates() <= 1  # everything except possibly the newest is confirmed


async def test_tap_answers_and_edit_clears_buttons(emu: TelegramEmulator, echo_app: EchoApp) -> None:
    lan = emu.user(1001, "Lan")
    await lan.send_text("/start")
    menu, _keyboard = await lan.next_messages(2, timeout=WAIT)
    update_id = await lan.tap("Nước sản xuất")
    update = await echo_app.handled(2)
    assert update.update_id == update_id
    query = update.callback_query
    assert query is not None and query.data == "topic:nuoc"
    assert query.message is not None and query.message.message_id == menu.message_id
    assert query.from_user.first_name == "Lan"
    # the handler answered, then edited the text without a keyboard: the buttons are gone
    assert menu.edits == 1
    assert menu.text == "Bạn chọn: topic:nuoc" and menu.buttons == [] and menu.labels() == []
    assert emu.answered_callbacks == [
        {"callback_query_id": query.id, "text": "Đã chọn topic:nuoc", "show_alert": False}
    ]
    assert "👤 Lan bấm: Nước sản xuất" in emu.log_lines()
    assert "🤖 ✎ Lan #2: Bạn chọn: topic:nuoc" in emu.log_lines()
    assert "🤖 ↩ Lan (thông báo): Đã chọn topic:nuoc" in emu.log_lines()
    with pytest.raises(LookupError):
        await lan.tap("Nước sản xuất")  # no such button any more


async def test_reply_to_and_location(emu: TelegramEmulator, echo_app: EchoApp) -> None:
    lan = emu.user(1001, "Lan")
    await lan.send_text("/start")
    menu, _ = await lan.next_messages(2, timeout=WAIT)
    await lan.reply(menu, "mất điện từ sáng")
    answer = await lan.next_message(timeout=WAIT)
    assert answer.text == "Bạn nói: mất điện từ sáng"
    msg = (await echo_app.handled(2)).message
    assert msg is not None and msg.reply_to_message is not None
    assert msg.reply_to_message.message_id == menu.message_id
    assert msg.reply_to_message.from_user is not None and msg.reply_to_message.from_user.is_bot
    assert msg.reply_to_message.text == "Xin chào! Chọn loại việc:"

    await lan.send_text("/start")
    await lan.next_messages(2, timeout=WAIT)
    await lan.press("Gửi vị trí")
    where = await lan.next_message(timeout=WAIT)
    assert where.text == "Vị trí: 21.0285, 105.8542"
    assert any("chia sẻ vị trí" in line for line in emu.log_lines())


# ----------------------------------------------------------------------------- updates, plain Bot


async def test_long_poll_returns_when_update_arrives(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await emu.wait_calls("getUpdates", 1, timeout=WAIT)
    await lan.send_text("alo")
    updates = await asyncio.wait_for(poll, WAIT)
    assert [u.message.text for u in updates if u.message] == ["alo"]
    assert time.monotonic() - started < WAIT


async def test_offset_confirms_and_redeliver_keeps_the_id(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    first = await lan.send_text("một")
    second = await lan.send_text("hai")
    got = await _updates(bot)
    assert [u.update_id for u in got] == [first, second]
    assert await _updates(bot, offset=second + 1) == ()
    emu.redeliver(first)
    again = await _updates(bot, offset=second + 1)
    assert [u.update_id for u in again] == [first]
    assert again[0].message is not None and again[0].message.text == "một"
    assert await _updates(bot, offset=first + 1) == ()
    with pytest.raises(LookupError):
        emu.redeliver(999)


async def test_user_side_update_kinds(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan", username="lan_hn")
    own = await lan.send_text("ban đầu")
    await lan.edit_text(1, "đã sửa")
    await lan.send_voice(b"OggS-voice", duration=4)
    await lan.send_document(b"%PDF-1.4", filename="don.pdf")
    await lan.send_sticker()
    await lan.share_location(10.77, 106.7)
    group = emu.group(-100200, "Tổ 3")
    await group.send_text(lan, "/baocao@dlxh_test_bot điện")
    updates = await _updates(bot)
    assert updates[0].update_id == own
    assert updates[1].edited_message is not None and updates[1].edited_message.text == "đã sửa"
    assert updates[2].message is not None and updates[2].message.voice is not None
    assert updates[2].message.voice.file_size == len(b"OggS-voice")
    doc = updates[3].message.document if updates[3].message else None
    assert doc is not None and doc.file_name == "don.pdf" and doc.mime_type == "application/pdf"
    data = await (await doc.get_file()).download_as_bytearray()
    assert bytes(data) == b"%PDF-1.4"
    assert updates[4].message is not None and updates[4].message.sticker is not None
    assert updates[5].message is not None and updates[5].message.location is not None
    grp = updates[6].message
    assert grp is not None and grp.chat.type == "group" and grp.chat.title == "Tổ 3"
    assert grp.from_user is not None and grp.from_user.username == "lan_hn"
    assert grp.entities[0].length == len("/baocao@dlxh_test_bot")
    await bot.send_message(-100200, "Đã nhận")
    assert (await group.next_message(timeout=WAIT)).text == "Đã nhận"
    forged = await lan.tap_data(1, "topic:../../etc")
    cq = (await _updates(bot, offset=updates[-1].update_id + 1))[0]
    assert cq.update_id == forged and cq.callback_query is not None
    assert cq.callback_query.data == "topic:../../etc"


async def test_user_photo_downloads_byte_exact(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    await lan.send_photo(PNG, caption="cột điện đổ")
    (update,) = await _updates(bot)
    assert update.message is not None
    photo = update.message.photo
    assert 2 <= len(photo) <= 3 and update.message.caption == "cột điện đổ"
    assert len({p.file_id for p in photo}) == len(photo)
    file = await bot.get_file(photo[-1].file_id)
    assert file.file_path is not None and file.file_path.startswith(emu.base_file_url)
    assert bytes(await file.download_as_bytearray()) == PNG
    # the bot may send the user's photo on by file_id: the bytes go with it
    sent = await bot.send_photo(1001, photo[-1].file_id, caption="chuyển tiếp")
    assert sent.photo[-1].file_id == photo[-1].file_id
    assert emu.transcript(1001)[-1].file == PNG
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(1001, "AgACnope")
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_album_shares_media_group(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    ids = await lan.send_album([PNG, PNG + b"2", PNG + b"3"], caption="ba ảnh")
    updates = await _updates(bot)
    assert [u.update_id for u in updates] == ids
    msgs = [u.message for u in updates if u.message]
    assert len({m.media_group_id for m in msgs}) == 1 and msgs[0].media_group_id
    assert [m.caption for m in msgs] == ["ba ảnh", None, None]
    # and the bot's own album
    sent = await bot.send_media_group(
        1001, [InputMediaPhoto(PNG, caption="một"), InputMediaPhoto(b"second-photo")]
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    shown = emu.transcript(1001)
    assert [m.file for m in shown] == [PNG, b"second-photo"]
    assert [m.text for m in shown] == ["một", None]


async def test_bot_uploads_keep_their_bytes(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    photo = await bot.send_photo(1001, PNG, caption="<b>Ảnh</b> hiện trường", parse_mode="HTML")
    doc = await bot.send_document(1001, b"col1,col2\n1,2\n", filename="bao_cao.csv", caption="Báo cáo")
    assert photo.caption == "Ảnh hiện trường" and photo.caption_entities[0].type == "bold"
    assert doc.document is not None and doc.document.file_name == "bao_cao.csv"
    m_photo, m_doc = await lan.next_messages(2, timeout=WAIT)
    assert (m_photo.kind, m_photo.file, m_photo.text) == ("photo", PNG, "Ảnh hiện trường")
    assert (m_doc.kind, m_doc.file, m_doc.filename) == ("document", b"col1,col2\n1,2\n", "bao_cao.csv")
    again = await bot.send_document(1001, doc.document.file_id)
    assert again.document is not None and again.document.file_unique_id == doc.document.file_unique_id
    assert (await lan.next_message(timeout=WAIT)).file == b"col1,col2\n1,2\n"
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Document as Photo"):
        await bot.send_photo(1001, doc.document.file_id)
    got = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert bytes(got) == b"col1,col2\n1,2\n"
    assert "🤖 → Lan: [tệp bao_cao.csv] Báo cáo" in emu.log_lines()
    assert "🤖 → Lan: [ảnh] Ảnh hiện trường" in emu.log_lines()


# ----------------------------------------------------------------------------- validation


async def test_bad_requests_like_telegram(emu: TelegramEmulator, bot: PtbBot) -> None:
    emu.user(1001, "Lan")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "ai đó")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1001, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1001, "")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities: Unsupported start tag"):
        await bot.send_message(1001, "giá < 5 triệu", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Character '\.' is reserved"):
        await bot.send_message(1001, "Số 1. Điện", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x" * 65)]])
        await bot.send_message(1001, "nút", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(1001, "trả lời", reply_to_message_id=77)
    ok = await bot.send_message(1001, "a" * 4096)
    assert ok.message_id == 1
    assert emu.transcript(1001)[0].text == "a" * 4096 and len(emu.transcript(1001)) == 1
    assert any(line.startswith("⚠️ sendMessage → 400") for line in emu.log_lines())


async def test_edits(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("Xác nhận", callback_data="ok")]])
    sent = await bot.send_message(1001, "Xác nhận báo cáo?", reply_markup=kb)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Xác nhận báo cáo?", chat_id=1001, message_id=sent.message_id, reply_markup=kb
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(chat_id=1001, message_id=sent.message_id, reply_markup=kb)
    cleared = await bot.edit_message_reply_markup(chat_id=1001, message_id=sent.message_id)
    assert not isinstance(cleared, bool) and cleared.reply_markup is None
    (shown,) = lan.messages
    assert shown.buttons == [] and shown.edits == 1
    await bot.edit_message_text("Đã gửi", chat_id=1001, message_id=sent.message_id, reply_markup=kb)
    assert shown.text == "Đã gửi" and shown.labels() == ["Xác nhận"] and shown.edits == 2
    await bot.edit_message_text("Đã gửi xong", chat_id=1001, message_id=sent.message_id)
    assert shown.buttons == [] and shown.edits == 3
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", chat_id=1001, message_id=999)
    assert await bot.delete_message(1001, sent.message_id)
    assert shown.deleted
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("?", chat_id=1001, message_id=sent.message_id)


async def test_callback_answers_once(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("Có", callback_data="yes")]])
    await bot.send_message(1001, "Đồng ý?", reply_markup=kb)
    await lan.tap("Có")
    (update,) = await _updates(bot)
    assert update.callback_query is not None
    assert await update.callback_query.answer("Cảm ơn", show_alert=True)
    assert emu.answered_callbacks[-1] == {
        "callback_query_id": update.callback_query.id,
        "text": "Cảm ơn",
        "show_alert": True,
    }
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await update.callback_query.answer()


async def test_commands_by_scope(emu: TelegramEmulator, bot: PtbBot) -> None:
    await bot.set_my_commands([BotCommand("start", "Bắt đầu"), BotCommand("baocao", "Báo cáo mới")])
    await bot.set_my_commands([BotCommand("duyet", "Duyệt")], scope=BotCommandScopeChat(1001))
    await bot.set_my_commands(
        [BotCommand("start", "Start")], scope=BotCommandScopeAllPrivateChats(), language_code="en"
    )
    assert emu.commands_for() == [("start", "Bắt đầu"), ("baocao", "Báo cáo mới")]
    assert emu.commands_for({"type": "chat", "chat_id": 1001}) == [("duyet", "Duyệt")]
    assert emu.commands_for({"type": "all_private_chats"}, "en") == [("start", "Start")]
    assert emu.commands_for({"type": "all_private_chats"}) == []
    assert commands_key({"type": "chat", "chat_id": 1001}) in emu.commands
    assert "default" in emu.commands
    got = await bot.get_my_commands(scope=BotCommandScopeChat(1001))
    assert [(c.command, c.description) for c in got] == [("duyet", "Duyệt")]
    await bot.delete_my_commands(scope=BotCommandScopeChat(1001))
    assert emu.commands_for({"type": "chat", "chat_id": 1001}) == []
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bao-Cao", "x")])


# ----------------------------------------------------------------------------- faults


async def test_fault_500_is_a_network_error(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    emu.faults.share_500 = 1.0
    with pytest.raises(NetworkError, match="Internal Server Error") as info:
        await bot.send_message(1001, "xin chào")
    assert not isinstance(info.value, TimedOut)
    assert lan.messages == []
    await bot.send_chat_action(1001, "typing")  # not a faulted method
    emu.faults.share_500 = 0.0
    await bot.send_message(1001, "xin chào")
    assert [m.text for m in lan.messages] == ["xin chào"]


async def test_fault_429_is_retry_after(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    emu.faults.share_429 = 1.0
    emu.faults.retry_after = 3
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "xin chào")
    assert _seconds(info.value) == 3
    assert emu.sent_429 == 1 and lan.messages == []
    emu.faults.methods = frozenset({"sendPhoto"})
    await bot.send_message(1001, "giờ thì được")
    assert len(lan.messages) == 1


async def test_faults_are_reproducible_by_seed() -> None:
    async def pattern(seed: int) -> list[str]:
        async with TelegramEmulator(seed=seed) as emu:
            emu.user(1001, "Lan")
            emu.faults.share_500 = 0.3
            emu.faults.share_429 = 0.3
            out = []
            async with PtbBot(emu.token, base_url=emu.base_url) as b:
                for i in range(12):
                    try:
                        await b.send_message(1001, f"tin {i}")
                        out.append("ok")
                    except RetryAfter:
                        out.append("429")
                    except NetworkError:
                        out.append("500")
            return out

    first = await pattern(5)
    assert first == await pattern(5)
    assert {"ok", "429", "500"} <= set(first)


async def test_send_cap_answers_429_above_the_bucket(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    emu.set_send_cap(rate=0.5, burst=2)
    await bot.send_message(1001, "một")
    await bot.send_message(1001, "hai")
    await bot.send_chat_action(1001, "typing")  # not capped
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "ba")
    assert _seconds(info.value) >= 1 and emu.sent_429 == 1
    assert [m.text for m in lan.messages] == ["một", "hai"]
    emu.set_send_cap(None)
    await bot.send_message(1001, "ba")
    assert len(lan.messages) == 3


async def test_blocked_user_is_forbidden(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    lan.blocked = True
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(1001, "nhắc việc")
    with pytest.raises(Forbidden):
        await bot.send_photo(1001, PNG)
    lan.blocked = False
    await bot.send_message(1001, "nhắc việc")
    assert [m.text for m in lan.messages] == ["nhắc việc"]


async def test_slow_call_times_out_but_is_delivered(emu: TelegramEmulator) -> None:
    lan = emu.user(1001, "Lan")
    emu.faults.share_slow = 1.0
    emu.faults.slow_seconds = 5.0
    request = HTTPXRequest(read_timeout=0.2)
    async with PtbBot(emu.token, base_url=emu.base_url, request=request) as b:
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await b.send_message(1001, "chậm mà chắc")
        assert time.monotonic() - started < 2.0
        delivered = await lan.next_message(timeout=WAIT)
        assert delivered.text == "chậm mà chắc"
        assert [m.text for m in emu.transcript(1001)] == ["chậm mà chắc"]
        emu.faults.share_slow = 0.0
        await b.send_message(1001, "nhanh")
    assert [m.text for m in emu.transcript(1001)] == ["chậm mà chắc", "nhanh"]


async def test_group_privacy_mode(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    group = emu.group(-100300, "Tổ 5")
    emu.group_privacy = True
    assert (await bot.get_me()).can_read_all_group_messages is False
    assert await group.send_text(lan, "chuyện phiếm") == 0  # the bot never sees it
    seen = await group.send_text(lan, "/baocao mất nước")
    mention = await group.send_text(lan, "@dlxh_test_bot ơi")
    assert [u.update_id for u in await _updates(bot)] == [seen, mention]
    assert any("bot không thấy" in line for line in emu.log_lines())


async def test_second_poller_conflicts_and_webhook_blocks_polling(emu: TelegramEmulator) -> None:
    async with (
        PtbBot(emu.token, base_url=emu.base_url) as one,
        PtbBot(emu.token, base_url=emu.base_url) as two,
    ):
        first = asyncio.create_task(one.get_updates(timeout=10))
        await emu.wait_calls("getUpdates", 1, timeout=WAIT)
        second = asyncio.create_task(two.get_updates(timeout=0))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
            await asyncio.wait_for(first, WAIT)
        assert await asyncio.wait_for(second, WAIT) == ()
        await one.set_webhook("https://example.invalid/hook")
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await one.get_updates()
        assert (await one.get_webhook_info()).url == "https://example.invalid/hook"
        await one.delete_webhook()
        assert await one.get_updates() == ()


# ----------------------------------------------------------------------------- waiting and cleanup


async def test_next_message_times_out_within_bound(emu: TelegramEmulator, bot: PtbBot) -> None:
    lan = emu.user(1001, "Lan")
    await bot.send_message(1001, "tin đầu")
    assert (await lan.next_message(timeout=WAIT)).text == "tin đầu"
    assert lan.pending() == []
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="tin đầu"):
        await lan.next_message(timeout=0.2)
    assert 0.15 <= time.monotonic() - started < 1.0
    await bot.send_message(1001, "tin hai")
    assert [m.text for m in lan.pending()] == ["tin hai"]
    msg = await lan.next_message(timeout=WAIT)
    assert isinstance(msg, BotMessage) and msg.text == "tin hai" and lan.pending() == []


async def test_stop_leaves_no_tasks() -> None:
    before = set(asyncio.all_tasks())
    emu = TelegramEmulator()
    await emu.start()
    async with PtbBot(emu.token, base_url=emu.base_url) as b:
        poll = asyncio.create_task(b.get_updates(timeout=30))
        await emu.wait_calls("getUpdates", 1, timeout=WAIT)
        started = time.monotonic()
        await emu.stop()  # wakes the long poll: it answers [] at once
        assert await asyncio.wait_for(poll, WAIT) == ()
        assert time.monotonic() - started < 2.5
    assert set(asyncio.all_tasks()) - before == set()
    with pytest.raises(NetworkError):
        async with PtbBot(emu.token, base_url=emu.base_url) as again:
            await again.get_me()
