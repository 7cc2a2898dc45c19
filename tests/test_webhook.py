"""Webhook mode end to end: the real app, its Telegram and Zalo channels switched to webhooks, one aiohttp
server in front, replies delivered through the emulators. A request without the right secret changes
nothing and sends nothing."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import App, build_app
from bot.core.clock import TickingClock
from bot.core.texts import t
from bot.emulator import TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from bot.webhook import (
    MAX_BODY,
    MAX_DEPTH,
    TELEGRAM_SECRET_HEADER,
    ZALO_SECRET_HEADER,
    WebhookServer,
    WebhookTelegramChannel,
    check_secret,
    nesting_ok,
    webhook_channels,
)
from tests.conftest import PINNED
from tests.e2e import emulator_settings
from tests.seed import invite_code, seed_units

NOW = PINNED
SECRET = "s3cr3t-webhook-token_0123456789"
PUBLIC = "https://bot.example.vn"


def tg_text(update_id: int, user_id: int, text: str, name: str = "Lan") -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(NOW.timestamp()),
        "chat": {"id": user_id, "type": "private", "first_name": name},
        "from": {"id": user_id, "is_bot": False, "first_name": name, "language_code": "vi"},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def tg_callback(update_id: int, user_id: int, message_id: int, data: str, bot_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Lan"},
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(NOW.timestamp()),
                "chat": {"id": user_id, "type": "private", "first_name": "Lan"},
                "from": {"id": bot_id, "is_bot": True, "first_name": "DLXH", "username": "dlxh_test_bot"},
                "text": "…",
            },
        },
    }


def zalo_text(message_id: str, user_id: str, text: str) -> dict[str, Any]:
    return {
        "ok": True,
        "result": {
            "event_name": "message.text.received",
            "message": {
                "from": {"id": user_id, "display_name": "Minh", "is_bot": False},
                "chat": {"id": user_id, "chat_type": "PRIVATE"},
                "message_id": message_id,
                "date": int(NOW.timestamp() * 1000),
                "text": text,
            },
        },
    }


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator() as e:
        yield e


@pytest.fixture
async def zemu() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator() as e:
        yield e


@asynccontextmanager
async def webhook_app(
    tmp_path: Path, emu: TelegramEmulator, zemu: ZaloEmulator
) -> AsyncIterator[tuple[App, WebhookServer]]:
    settings = emulator_settings(tmp_path, emu, zalo={"enabled": True, "base_url": zemu.base_url})
    # port 0 (any free port) is for tests only: the config refuses it
    settings = replace(settings, webhook=replace(settings.webhook, public_url=PUBLIC, listen_port=0))
    app = build_app(
        settings,
        clock=TickingClock(PINNED),
        mode="webhook",
        telegram_token=emu.token,
        zalo_token=zemu.token,
        webhook_secret=SECRET,
    )
    server = app.webhook
    assert server is not None
    await server.start()
    try:
        yield app, server
    finally:
        await app.stop()
        await server.stop()


async def counts(app: App) -> dict[str, int]:
    reader = app.services.db.reader
    out = {}
    for table in (
        "processed_updates",
        "outbox",
        "members",
        "conversations",
        "inbound_events",
        "invite_failures",
    ):
        out[table] = int(await reader.fetchval(f"SELECT COUNT(*) FROM {table}") or 0)
    return out


async def test_telegram_and_zalo_through_one_webhook_server(
    tmp_path: Path, emu: TelegramEmulator, zemu: ZaloEmulator
) -> None:
    async with webhook_app(tmp_path, emu, zemu) as (app, server), httpx.AsyncClient() as http:
        tg_url, zalo_url = server.url("/telegram"), server.url("/zalo")
        ok = {TELEGRAM_SECRET_HEADER: SECRET}

        # before the app has started, Telegram is told to come back later (it retries)
        early = await http.post(tg_url, json=tg_text(1, 101, "/help"), headers=ok)
        assert early.status_code == 503
        await app.start()
        await seed_units(app.services.db, NOW)
        assert emu.webhook_url == f"{PUBLIC}/telegram" and zemu.webhook_url == f"{PUBLIC}/zalo"
        assert zemu.webhook_secret == SECRET
        assert emu.calls["getUpdates"] == 0 and zemu.calls["getUpdates"] == 0  # nobody polls

        lan = emu.user(101, "Lan")
        hoa = emu.user(102, "Hoa")
        minh = zemu.user("z-201", "Minh")
        code_lan = await invite_code(app.services.db, app.settings, NOW, "X01", "member", "Nguyễn Thị Lan")
        code_hoa = await invite_code(app.services.db, app.settings, NOW, "X01", "member", "Lê Thị Hoa")
        code_minh = await invite_code(app.services.db, app.settings, NOW, "X02", "leader", "Lê Quang Minh")
        before = await counts(app)
        sends = emu.calls["sendMessage"] + zemu.calls["sendMessage"]

        # forged requests: no secret, a wrong one, the Zalo secret header on the Telegram path
        forged = [
            (tg_url, tg_text(10, 102, f"/start {code_hoa}"), {}),
            (tg_url, tg_text(11, 102, f"/start {code_hoa}"), {TELEGRAM_SECRET_HEADER: SECRET + "x"}),
            (tg_url, tg_text(12, 102, f"/start {code_hoa}"), {ZALO_SECRET_HEADER: SECRET}),
            (tg_url, tg_text(13, 102, f"/start {code_hoa}"), {TELEGRAM_SECRET_HEADER: ""}),
            (zalo_url, zalo_text("m-forged", "z-201", f"/start {code_minh}"), {}),
            (
                zalo_url,
                zalo_text("m-forged2", "z-201", f"/start {code_minh}"),
                {ZALO_SECRET_HEADER: "wrong-secret"},
            ),
            (
                zalo_url,
                zalo_text("m-forged3", "z-201", f"/start {code_minh}"),
                {TELEGRAM_SECRET_HEADER: SECRET},
            ),
        ]
        for url, body, headers in forged:
            answer = await http.post(url, json=body, headers=headers)
            assert answer.status_code == 403, (url, headers)
        assert server.stats.refused == len(forged)
        assert await counts(app) == before
        assert emu.calls["sendMessage"] + zemu.calls["sendMessage"] == sends

        # the real thing, on both channels
        assert (
            await http.post(tg_url, json=tg_text(20, 101, f"/start {code_lan}"), headers=ok)
        ).status_code == 200
        welcome = await lan.next_message()
        assert (welcome.text or "").startswith("Chào mừng đồng chí Nguyễn Thị Lan!")
        again = await http.post(tg_url, json=tg_text(20, 101, f"/start {code_lan}"), headers=ok)
        assert again.status_code == 200  # Telegram retried: handled once
        z = await http.post(
            zalo_url,
            json=zalo_text("m-1", "z-201", f"/start {code_minh}"),
            headers={ZALO_SECRET_HEADER: SECRET},
        )
        assert z.status_code == 200
        assert (await minh.next_message()).text.startswith("Chào mừng đồng chí Lê Quang Minh!")

        # buttons come back as callback queries through the same path
        await http.post(tg_url, json=tg_text(21, 101, "/language"), headers=ok)
        ask = await lan.next_message()
        data = dict(ask.buttons[0] + ask.buttons[1])["English"]
        await http.post(tg_url, json=tg_callback(22, 101, ask.message_id, data, emu.bot_id), headers=ok)
        assert (await lan.next_message()).text == "Switched to English."

        # not an update at all
        assert (await http.post(tg_url, content=b"not json", headers=ok)).status_code == 400
        assert (await http.post(tg_url, json={"hello": 1}, headers=ok)).status_code == 400
        assert (
            await http.post(zalo_url, json=[1, 2], headers={ZALO_SECRET_HEADER: SECRET})
        ).status_code == 400

        assert hoa.messages == [] and [m.text for m in lan.messages].count(welcome.text) == 1
        members = [
            r[0] for r in await app.services.db.reader.fetchall("SELECT name FROM members ORDER BY id")
        ]
        assert members == ["Nguyễn Thị Lan", "Lê Quang Minh"]
        assert server.stats.telegram_ok == 4 and server.stats.zalo_ok == 1
    assert emu.webhook_url == f"{PUBLIC}/telegram"  # kept: Telegram holds updates while the bot is down


async def test_a_stranger_by_webhook_gets_the_refusal_and_nothing_is_kept(
    tmp_path: Path, emu: TelegramEmulator, zemu: ZaloEmulator
) -> None:
    async with webhook_app(tmp_path, emu, zemu) as (app, server), httpx.AsyncClient() as http:
        await app.start()
        stranger = emu.user(999, "Ai đó")
        answer = await http.post(
            server.url("/telegram"),
            json=tg_text(1, 999, "Xin chào"),
            headers={TELEGRAM_SECRET_HEADER: SECRET},
        )
        assert answer.status_code == 200
        assert (await stranger.next_message()).text == t("vi", "stranger.refuse")
        assert await app.services.db.reader.fetchval("SELECT COUNT(*) FROM members") == 0


def test_secrets_and_paths_are_checked() -> None:
    with pytest.raises(ValueError, match="16 to 256"):
        check_secret("short", channel="telegram")
    with pytest.raises(ValueError, match="16 to 256"):
        check_secret("has spaces in it, which Telegram refuses", channel="telegram")
    assert check_secret("a" * 64, channel="zalo") == "a" * 64
    with pytest.raises(ValueError, match="https"):
        webhook_channels([], public_url="http://bot.example.vn", secret=SECRET)


async def test_the_wrapped_channel_keeps_polling_channels_untouched(
    tmp_path: Path, emu: TelegramEmulator
) -> None:
    app = build_app(emulator_settings(tmp_path, emu), clock=TickingClock(PINNED), telegram_token=emu.token)
    inner = app.channels[0]
    wrapped = WebhookTelegramChannel(inner, f"{PUBLIC}/telegram", SECRET)
    assert (
        wrapped.app is inner.app and wrapped.sender is inner.sender and wrapped.dispatcher is inner.dispatcher
    )
    await wrapped.start()
    try:
        assert wrapped.username == "dlxh_test_bot" and emu.webhook_url == f"{PUBLIC}/telegram"
        assert emu.calls["deleteWebhook"] == 0 and emu.calls["getUpdates"] == 0
    finally:
        await wrapped.stop()


async def test_hostile_bodies_get_400_and_the_server_stays_up(
    tmp_path: Path, emu: TelegramEmulator, zemu: ZaloEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Nesting 10,000 deep, a boolean or out-of-range update_id, an oversized body: 400 each, before any
    parser recurses; nothing is stored or sent, nothing is logged as an error, and the next real update
    is handled."""
    async with webhook_app(tmp_path, emu, zemu) as (app, server), httpx.AsyncClient() as http:
        await app.start()
        await seed_units(app.services.db, NOW)
        tg_url, zalo_url = server.url("/telegram"), server.url("/zalo")
        ok = {TELEGRAM_SECRET_HEADER: SECRET}
        before = await counts(app)
        deep = b"[" * 10_000 + b"]" * 10_000
        deep_object = b'{"update_id": 1, "message": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001
        hostile = [
            (tg_url, deep, ok),
            (tg_url, deep_object, ok),
            (zalo_url, deep, {ZALO_SECRET_HEADER: SECRET}),
            (tg_url, json.dumps({**tg_text(5, 101, "/help"), "update_id": True}).encode(), ok),
            (tg_url, json.dumps({**tg_text(5, 101, "/help"), "update_id": False}).encode(), ok),
            (tg_url, json.dumps({**tg_text(5, 101, "/help"), "update_id": 2**64}).encode(), ok),
            (tg_url, json.dumps({**tg_text(5, 101, "/help"), "update_id": -1}).encode(), ok),
            (tg_url, json.dumps({**tg_text(5, 101, "/help"), "update_id": 5.0}).encode(), ok),
            (tg_url, json.dumps({**tg_text(5, 101, "/help"), "update_id": "5"}).encode(), ok),
            (tg_url, b'{"update_id": 5, "x": "' + b"a" * (MAX_BODY + 10) + b'"}', ok),
        ]
        with caplog.at_level(logging.WARNING):
            for url, body, headers in hostile:
                answer = await http.post(url, content=body, headers=headers)
                assert answer.status_code == 400, (url, body[:60])
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert await counts(app) == before
        assert server.stats.bad_requests == len(hostile)
        # brackets inside strings do not count; a real update nested as Telegram nests them passes
        assert nesting_ok(b'{"text": "' + b"[" * 10_000 + b'"}')
        assert not nesting_ok(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
        # still up: a real update is handled
        lan = emu.user(101, "Lan")
        assert (await http.post(tg_url, json=tg_text(6, 101, "Xin chào"), headers=ok)).status_code == 200
        assert (await lan.next_message()).text == t("vi", "stranger.refuse")
