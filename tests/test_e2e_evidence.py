"""Evidence to leaders, end to end over HTTP against the emulators: a member's urgent report with two photos, a
voice message and a location; the commune leader's alert carries the album and the pin; the card's button
sends the files (the same bytes); another commune's leader and forged button data get nothing; a Zalo leader
gets signed links that download the same bytes and expire, or the note; the audit lists the openings."""

from __future__ import annotations

import argparse
import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bot.app import App, build_app
from bot.core.buttons import IssueAction, IssueButton, encode
from bot.core.clock import ManualClock
from bot.core.files import FileStore
from bot.core.links import FileLinks
from bot.core.messages import Attachment, Outgoing
from bot.core.settings import TelegramSettings
from bot.core.texts import t
from bot.emulator import SimUser, TelegramEmulator
from bot.emulator.zalo import ZaloEmulator, ZaloSimUser
from bot.ops.audit import cmd_audit
from bot.telegram import TelegramSender, build_application
from bot.webhook import WebhookServer
from storage.audit import list_audit
from tests import e2e
from tests.conftest import VN
from tests.e2e import emulator_settings
from tests.seed import invite_code, seed_units

MORNING = datetime(2026, 11, 10, 10, 0, tzinfo=VN)  # a Tuesday, outside a round window
PHOTO_1 = b"\xff\xd8\xff\xe0 first photo of the crowd"
PHOTO_2 = b"\xff\xd8\xff\xe0 second photo of the banner"
VOICE = b"OggS voice of the reporter, three seconds"
PIN = (10.9289, 108.1021)
SECRET_ENV = "DLXH_TEST_LINK_SECRET"

join = partial(e2e.join, at=MORNING)


async def file_urgent_report(lan: SimUser) -> None:
    """Two photos, a voice message and a location, filed as urgent."""
    await lan.send_text("/report")
    await lan.next_message()
    await lan.tap("Tệ nạn xã hội")
    await lan.next_message()
    await lan.tap("Bỏ qua")  # the place
    assert (await lan.next_message()).text == t("vi", "report.ask_location")
    await lan.share_location(*PIN)
    await lan.next_messages(2)  # saved, and the next step
    await lan.send_text("Hai nhóm thanh niên tụ tập ở bãi cát thôn 3, có hung khí")
    await lan.next_message()
    for photo in (PHOTO_1, PHOTO_2):
        await lan.send_photo(photo)
        await lan.next_message()
    await lan.send_voice(VOICE)
    await lan.next_message()
    for label in ("Xong", "Khẩn cấp — có nguy cơ thành điểm nóng", "Cả thôn, ấp, khu phố",
                  "Nghe trực tiếp người dân", "Không ghi"):  # fmt: skip
        await lan.tap(label)
        await lan.next_message()
    await lan.tap("✔ Gửi báo cáo")
    assert (await lan.next_message()).text.startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.")  # type: ignore[union-attr]


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator) -> AsyncIterator[App]:
    async with e2e.running(tmp_path, emu, clock=ManualClock(MORNING)) as a:
        await seed_units(a.services.db, MORNING)
        yield a


async def test_alert_carries_the_album_and_the_pin_and_the_button_sends_the_files(
    app: App, emu: TelegramEmulator
) -> None:
    lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
    tam = await join(app, emu, 202, "Lý Thị Tâm", "X02", "leader")
    await file_urgent_report(lan)

    alert, first, second, pin = await hung.next_messages(4)
    assert (alert.text or "").startswith(t("vi", "alert.urgent"))
    files_label = t("vi", "btn.files", count=4)  # two photos, the voice message, the location
    assert files_label in alert.labels()
    assert (first.kind, second.kind) == ("photo", "photo")
    assert first.media_group_id is not None and first.media_group_id == second.media_group_id  # an album
    assert (first.file, second.file) == (PHOTO_1, PHOTO_2)
    assert first.text == t("vi", "evidence.alert_caption", number=1)
    assert pin.kind == "location" and pin.location == PIN
    assert tam.pending() == []  # the other commune's leader heard nothing

    buttons = alert.labels()  # the emulator edits the message in place: its buttons now
    await hung.tap(files_label, alert)
    header, *files = await hung.next_messages(5)
    assert header.text == t("vi", "evidence.header", number=1, count=4)
    by_kind = {m.kind: m for m in files}
    assert sorted(by_kind) == ["location", "photo", "voice"]
    assert by_kind["voice"].file == VOICE  # the bytes the member sent
    stored_id = await app.services.db.reader.fetchval("SELECT file_id FROM attachments WHERE kind = 'voice'")
    assert stored_id and by_kind["voice"].file_id == stored_id  # sent again by Telegram's file id, no upload
    assert [m.file for m in files if m.kind == "photo"] == [PHOTO_1, PHOTO_2]
    assert by_kind["location"].location == PIN
    assert alert.labels() == buttons  # the alert keeps its buttons: the leader may act on it next

    # the other commune's leader forges the button: refused politely, nothing sent
    before = len(emu.transcript(tam.chat_id))
    await tam.tap_data(tam.messages[-1].message_id, encode(IssueButton(IssueAction.FILES, 1)))
    refusal = await tam.next_message()
    assert refusal.text == t("vi", "issue.not_found", number=1)
    assert refusal.kind == "text" and len(emu.transcript(tam.chat_id)) == before + 1
    # and a button about an issue that does not exist, or data that is no button
    for data in (encode(IssueButton(IssueAction.FILES, 99)), "a:iss:files:1:x", "a:iss:files:¹"):
        await hung.tap_data(alert.message_id, data)
        answer = await hung.next_message()
        assert answer.kind == "text" and answer.file is None

    audit = await list_audit(app.services.db.reader, action="attachment.open")
    assert [(e.actor, e.subject) for e in audit] == [(f"member:{await _member_id(app, '201')}", "issue:1")]
    assert len(audit[0].detail["attachments"]) == 3


async def _member_id(app: App, chat_id: str) -> int:
    value = await app.services.db.reader.fetchval(
        "SELECT member_id FROM identities WHERE channel = 'telegram' AND external_id = ?", (chat_id,)
    )
    return int(value)


@pytest.fixture
async def emus() -> AsyncIterator[tuple[TelegramEmulator, ZaloEmulator]]:
    async with TelegramEmulator() as tg, ZaloEmulator() as zl:
        yield tg, zl


async def _zalo_app(
    tmp_path: Path, emus: tuple[TelegramEmulator, ZaloEmulator], *, links: bool
) -> AsyncIterator[App]:
    tg, zl = emus
    zalo = {"enabled": True, "base_url": zl.base_url, "poll_timeout": 1, "link_secret_env": SECRET_ENV}
    settings = emulator_settings(tmp_path, tg, zalo=zalo, webhook={"public_url": "https://bot.example.vn"})
    settings = dataclasses.replace(settings, webhook=dataclasses.replace(settings.webhook, listen_port=0))
    with pytest.MonkeyPatch.context() as mp:
        if links:
            mp.setenv(SECRET_ENV, "a-link-secret-of-some-length-0123456789")
        else:
            mp.delenv(SECRET_ENV, raising=False)
        application = build_app(
            settings, clock=ManualClock(MORNING), telegram_token=tg.token, zalo_token=zl.token
        )
    await application.start()
    try:
        await seed_units(application.services.db, MORNING)
        yield application
    finally:
        await application.stop()


@pytest.fixture
async def zalo_app(tmp_path: Path, emus: tuple[TelegramEmulator, ZaloEmulator]) -> AsyncIterator[App]:
    async for a in _zalo_app(tmp_path, emus, links=True):
        yield a


@pytest.fixture
async def zalo_app_without_links(
    tmp_path: Path, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> AsyncIterator[App]:
    async for a in _zalo_app(tmp_path, emus, links=False):
        yield a


async def _zalo_leader(app: App, zl: ZaloEmulator) -> ZaloSimUser:
    code = await invite_code(app.services.db, app.settings, MORNING, "X01", "leader", "Trần Văn Hùng")
    hung = zl.user("9201", "Hùng")
    await hung.send_text(code)
    assert (await hung.next_message()).text.startswith("Chào mừng đồng chí Trần Văn Hùng!")
    return hung


def _local(app: App, url: str) -> str:
    """The signed link as the test reaches it: the same path and query on the server's loopback port."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "bot.example.vn")
    assert app.webhook is not None
    return f"http://127.0.0.1:{app.webhook.bound_port}{parts.path}?{parts.query}"


async def test_a_zalo_leader_gets_signed_links_that_download_the_same_bytes_and_expire(
    zalo_app: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    tg, zl = emus
    app = zalo_app
    lan = await join(app, tg, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await _zalo_leader(app, zl)
    await file_urgent_report(lan)

    alert, first, second, pin = await hung.next_messages(4, timeout=10)
    assert alert.text.startswith(t("vi", "alert.urgent"))
    assert (first.kind, second.kind) == ("photo", "photo")
    assert first.text == t("vi", "evidence.alert_caption", number=1)
    lat, lon = "10.928900", "108.102100"
    osm = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    assert pin.text == t("vi", "zalo.location", latitude=lat, longitude=lon, url=osm)
    async with httpx.AsyncClient() as http:
        got = [(await http.get(_local(app, m.photo_url))).content for m in (first, second)]
        assert got == [PHOTO_1, PHOTO_2]

        await hung.send_text(alert.number_of(t("vi", "btn.files", count=4)))
        header, p1, p2, listed, where = await hung.next_messages(5, timeout=10)
        assert header.text == t("vi", "evidence.header", number=1, count=4)
        assert (p1.kind, p2.kind, where.text) == ("photo", "photo", pin.text)
        until = (MORNING + timedelta(hours=24)).strftime("%H:%M %d/%m/%Y")
        assert listed.text.startswith(t("vi", "zalo.links", count=1, until=until))
        voice_url = listed.text.rsplit(": ", 1)[-1]
        answer = await http.get(_local(app, voice_url))
        assert (answer.status_code, answer.content) == (200, VOICE)  # the bytes the member sent

        # a link changed by one character, a link to another file with this signature: refused
        forged = voice_url.replace("sig=", "sig=0")
        assert (await http.get(_local(app, forged))).status_code == 403
        other = _local(app, p1.photo_url).split("?")[0] + "?" + voice_url.split("?")[1]
        assert (await http.get(other)).status_code == 403
        # a day later the links have expired (the server reads the app's clock)
        clock = app.services.clock
        assert isinstance(clock, ManualClock)
        clock.advance(timedelta(hours=24, seconds=1))
        expired = await http.get(_local(app, voice_url))
        assert (expired.status_code, expired.content) == (403, b"this link is not valid or has expired")

    out = io.StringIO()
    assert await cmd_audit(app.settings, _audit_args(), out=out) == 0
    lines = out.getvalue().splitlines()
    assert any(" member:" in ln and " attachment.open  issue:1  " in ln for ln in lines), lines
    assert all("Hùng" not in ln and "Lan" not in ln for ln in lines)  # ids and kinds only


def _audit_args(**values: object) -> Any:
    return argparse.Namespace(**{"since": None, "action": None, "limit": 50, **values})


async def test_without_links_a_zalo_leader_gets_the_note(
    zalo_app_without_links: App, emus: tuple[TelegramEmulator, ZaloEmulator]
) -> None:
    tg, zl = emus
    app = zalo_app_without_links
    assert app.webhook is None  # no links: no file server at all
    lan = await join(app, tg, 101, "Nguyễn Thị Lan", "X01", "member")
    hung = await _zalo_leader(app, zl)
    await file_urgent_report(lan)
    alert, note, pin = await hung.next_messages(3, timeout=10)
    caption = t("vi", "evidence.alert_caption", number=1)
    assert note.text == f"{caption}\n\n" + t("vi", "zalo.attachments_note", count=2)
    assert pin.kind == "text" and "10.928900" in pin.text
    await hung.send_text(alert.number_of(t("vi", "btn.files", count=4)))
    header, files, _ = await hung.next_messages(3, timeout=10)
    assert header.text == t("vi", "evidence.header", number=1, count=4)
    assert files.text == t("vi", "zalo.attachments_note", count=3)
    assert all(m.kind == "text" and "/files/" not in m.text for m in hung.messages)


async def test_the_sender_falls_back_to_the_stored_bytes_when_a_file_id_is_refused(
    tmp_path: Path, emu: TelegramEmulator
) -> None:
    files = FileStore(tmp_path / "files")
    voice_ref, photo_ref = files.save(VOICE, ".ogg"), files.save(PHOTO_1, ".jpg")
    ptb = build_application(
        emu.token, TelegramSettings(base_url=emu.base_url, base_file_url=emu.base_file_url)
    )
    await ptb.initialize()
    try:
        sender = TelegramSender(ptb, files)
        user = emu.user(501, "Hùng")
        unknown = Attachment(kind="voice", file_ref=voice_ref, file_id="AwACunknown")
        await sender.send(Outgoing(chat_id=str(user.chat_id), attachments=[unknown], protect_content=True))
        voice = await user.next_message()
        assert (voice.kind, voice.file, voice.protected) == ("voice", VOICE, True)
        album = [Attachment("photo", photo_ref, file_id="AgACunknown"), Attachment("photo", photo_ref)]
        await sender.send(Outgoing(chat_id=str(user.chat_id), text="2 ảnh", attachments=album, album=True))
        first, second = await user.next_messages(2)
        assert (first.file, second.file, first.text) == (PHOTO_1, PHOTO_1, "2 ảnh")
        assert first.media_group_id == second.media_group_id is not None
        await sender.send(Outgoing(chat_id=str(user.chat_id), location=PIN))
        assert (await user.next_message()).location == PIN
    finally:
        await ptb.shutdown()


async def test_the_file_route_serves_only_signed_files_inside_the_store(tmp_path: Path) -> None:
    files = FileStore(tmp_path / "files")
    ref = files.save(VOICE, ".ogg")
    (tmp_path / "secret.txt").write_text("not in the store")
    clock = ManualClock(MORNING)
    links = FileLinks(b"0123456789abcdef-secret", "https://bot.example.vn/files")
    server = WebhookServer("127.0.0.1", 0)
    server.serve_files("/files", links, files, clock)
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.bound_port}"

        def local(url: str) -> str:
            return base + url.removeprefix("https://bot.example.vn")

        async with httpx.AsyncClient() as http:
            ok = await http.get(local(links.url(ref, clock.now())))
            assert (ok.status_code, ok.content, ok.headers["Cache-Control"]) == (
                200,
                VOICE,
                "private, no-store",
            )
            assert (await http.get(f"{base}/files/{ref}")).status_code == 403  # unsigned
            escape = "../secret.txt"  # signed, but outside the store: never served
            assert (await http.get(local(links.url(escape, clock.now())))).status_code in (403, 404)
            gone = links.url("ff/" + "f" * 64 + ".jpg", clock.now())  # signed, but no such file (purged)
            assert (await http.get(local(gone))).status_code == 404
            assert (await http.post(local(links.url(ref, clock.now())))).status_code == 405
    finally:
        await server.stop()
