"""Webhook mode: one small aiohttp server for Telegram's and Zalo's webhooks, instead of long polling.

Telegram (``POST telegram_path``): the header ``X-Telegram-Bot-Api-Secret-Token`` must equal the secret
given to ``setWebhook``; the body is de-serialised with ``Update.de_json`` and handed to the same PTB
``Application.process_update`` the polling loop uses, one update at a time (as polling does). The answer
is 200 only after the update's transaction committed; Telegram retries anything else.

Zalo (``POST zalo_path``): the header ``X-Bot-Api-Secret-Token`` is checked here and again by
:meth:`bot.zalo.ZaloChannel.handle_webhook`, which stores the event before answering 200.

A request without the right secret gets 403 and changes nothing. :class:`WebhookTelegramChannel` runs a
:class:`bot.telegram.TelegramChannel` without its polling loop (it calls ``setWebhook`` instead), and
:func:`webhook_channels` turns the channels ``build_app(settings, mode="webhook")`` built into webhook ones.

The server speaks plain HTTP on ``host:port``: put it behind a reverse proxy that terminates HTTPS
(Telegram and Zalo only call HTTPS URLs); see docs/OPERATIONS.md.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import mimetypes
import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import InvalidToken

from bot.channel import Channel
from bot.core.clock import Clock
from bot.core.files import FileStore
from bot.core.links import FileLinks
from bot.lifecycle import ChannelRefused, serve
from bot.outbox import Sender
from bot.runtime import Dispatcher
from bot.telegram import ALLOWED_UPDATES, TelegramChannel
from bot.zalo import ZaloChannel

log = logging.getLogger(__name__)

TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20  # updates are a few KB; media come by file id, never in the body
MAX_DEPTH = 64  # a Telegram update nests about 8 deep (a reply inside a message inside the update)
MAX_UPDATE_ID = 2**53
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # strings (skipped) and brackets


def nesting_ok(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects at most ``limit`` deep — counted on the bytes, before
    any parser recurses (the standard one raises RecursionError on a body 10,000 brackets deep)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(raw):
        char = token.group()
        if char in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        elif char in (b"]", b"}"):
            depth -= 1
    return True


def is_update_id(value: object) -> bool:
    """A real integer (``True`` is an int to Python, not to us) in 0 … 2**53."""
    return type(value) is int and 0 <= value <= MAX_UPDATE_ID


_TELEGRAM_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _secret_ok(given: str | None, expected: str) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


def check_secret(secret: str, *, channel: str) -> str:
    """A webhook secret both platforms accept: 16 to 256 of A-Z a-z 0-9 _ - (Telegram's alphabet)."""
    if not _TELEGRAM_SECRET_RE.match(secret) or len(secret) < 16:
        raise ValueError(
            f"the {channel} webhook secret must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
            "(e.g. the output of: openssl rand -hex 32)"
        )
    return secret


class WebhookTelegramChannel:
    """A :class:`TelegramChannel` that is told about updates by the webhook server instead of polling.

    Composition, not a change to the channel: conversion, the dispatcher, the sender and the error
    handler are the wrapped channel's own; only ``start`` differs (``setWebhook`` instead of
    ``deleteWebhook`` and the polling task). ``stop`` leaves the webhook set, so that Telegram keeps the
    updates that arrive while the bot is down and delivers them when it is back.
    """

    def __init__(self, inner: TelegramChannel, url: str, secret: str, *, max_connections: int = 1) -> None:
        self.inner = inner
        self.url = url
        self.secret = check_secret(secret, channel="telegram")
        self.max_connections = max_connections
        self.ready = False

    # what App and the outbox use
    @property
    def app(self) -> Any:
        return self.inner.app

    @property
    def sender(self) -> Sender:
        return self.inner.sender

    @property
    def dispatcher(self) -> Dispatcher:
        return self.inner.dispatcher

    @property
    def username(self) -> str:
        return self.inner.username

    async def start(self) -> None:
        app = self.inner.app
        try:
            await app.initialize()
        except InvalidToken:  # dlxh run exits 2 with one line, as in polling mode
            raise ChannelRefused("telegram", self.inner.token_source, "401/404 on getMe") from None
        self.inner.username = app.bot.username or ""
        for lang, commands in self.inner.default_commands.items():
            await app.bot.set_my_commands(
                [BotCommand(c, d) for c, d in commands],
                scope=BotCommandScopeDefault(),
                language_code=None if lang == "vi" else lang,
            )
        await app.start()
        self.ready = True
        # one connection: updates arrive one after another, in order, as with polling
        await app.bot.set_webhook(
            self.url,
            secret_token=self.secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=self.max_connections,
            drop_pending_updates=False,
        )

    async def stop(self) -> None:
        self.ready = False
        await self.inner.stop()


@dataclass
class WebhookStats:
    telegram_ok: int = 0
    zalo_ok: int = 0
    refused: int = 0  # wrong or missing secret
    bad_requests: int = 0
    not_ready: int = 0
    files_served: int = 0


class WebhookServer:
    """Serves the Telegram and Zalo webhooks on one port (either may be None)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8443,
        telegram_path: str = "/telegram",
        telegram_secret: str = "",
        telegram_channel: TelegramChannel | WebhookTelegramChannel | None = None,
        zalo_path: str = "/zalo",
        zalo_secret: str = "",
        zalo_channel: ZaloChannel | None = None,
    ) -> None:
        if telegram_channel is not None:
            check_secret(telegram_secret, channel="telegram")
        if zalo_channel is not None:
            check_secret(zalo_secret, channel="zalo")
            if not zalo_channel.webhook_secret:
                zalo_channel.webhook_secret = zalo_secret
            elif zalo_channel.webhook_secret != zalo_secret:
                raise ValueError("the Zalo channel was given another webhook secret than the server")
        if telegram_channel is not None and zalo_channel is not None and telegram_path == zalo_path:
            raise ValueError("the Telegram and Zalo webhook paths must differ")
        self.host = host
        self.port = port
        self.telegram_path = telegram_path
        self.telegram_secret = telegram_secret
        self.telegram_channel = telegram_channel
        self.zalo_path = zalo_path
        self.zalo_secret = zalo_secret
        self.zalo_channel = zalo_channel
        self.stats = WebhookStats()
        self.files_path = ""  # serve_files: the signed links' path, their signer, the store and the clock
        self._links: tuple[FileLinks, FileStore, Clock] | None = None
        self._lock = asyncio.Lock()  # one update at a time, like the polling loop
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    @property
    def bound_port(self) -> int:
        if self._bound_port is None:
            raise RuntimeError("the webhook server is not started")
        return self._bound_port

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.bound_port}{path}"

    async def start(self) -> None:
        """Listen (once: a started server stays as it is, so it may be started before the app)."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=MAX_BODY)
        if self.telegram_channel is not None:
            app.router.add_post(self.telegram_path, self._telegram)
        if self.zalo_channel is not None:
            app.router.add_post(self.zalo_path, self._zalo)
        if self._links is not None:
            app.router.add_get(self.files_path + "/{ref:.+}", self._file)
        self._runner, self._bound_port = await serve(app, self.host, self.port, shutdown_timeout=5.0)
        log.info("webhook server listening on %s:%s", self.host, self._bound_port)

    def serve_files(self, path: str, links: FileLinks, files: FileStore, clock: Clock) -> None:
        """Also answer ``GET path/<file ref>?exp=…&sig=…`` with the stored file while the link is valid."""
        if path in (self.telegram_path, self.zalo_path):
            raise ValueError("the file links' path must differ from the webhook paths")
        self.files_path, self._links = path.rstrip("/"), (links, files, clock)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    # ------------------------------------------------------------------ handlers

    def _refuse(self, request: web.Request, channel: str) -> web.Response:
        self.stats.refused += 1
        log.warning("%s webhook: refused a request without the right secret from %s", channel, request.remote)
        return web.Response(status=403, text="forbidden")

    async def _json(self, request: web.Request) -> Any:
        """The body as JSON, or None: too big, too deeply nested (both checked before parsing) or not JSON."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            return None
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return None
        if len(raw) > MAX_BODY or not nesting_ok(raw):
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None

    async def _telegram(self, request: web.Request) -> web.Response:
        if not _secret_ok(request.headers.get(TELEGRAM_SECRET_HEADER), self.telegram_secret):
            return self._refuse(request, "telegram")
        channel = self.telegram_channel
        assert channel is not None
        if not getattr(channel, "ready", True) or not channel.app.running:
            self.stats.not_ready += 1
            return web.Response(status=503, text="starting")  # Telegram retries
        data = await self._json(request)
        if not isinstance(data, dict) or not is_update_id(data.get("update_id")):
            self.stats.bad_requests += 1
            return web.Response(status=400, text="expected a Telegram update")
        try:
            update = Update.de_json(data, channel.app.bot)
        except Exception:
            # a well-formed update this library cannot read would be retried for ever: log it and drop it
            log.exception("telegram webhook: update %s could not be read; dropped", data.get("update_id"))
            self.stats.bad_requests += 1
            return web.Response(status=200, text="unreadable")
        async with self._lock:
            await channel.app.process_update(update)
        self.stats.telegram_ok += 1
        return web.Response(status=200, text="ok")

    async def _file(self, request: web.Request) -> web.Response:
        """A file by a signed link: 403 for a wrong or expired signature, 404 for a file no longer kept. The
        link itself (its signature) is never logged."""
        assert self._links is not None
        links, files, clock = self._links
        ref = request.match_info["ref"]
        if not links.valid(ref, request.query.get("exp", ""), request.query.get("sig", ""), clock.now()):
            self.stats.refused += 1
            log.info("file link: refused a wrong or expired link from %s", request.remote)
            return web.Response(status=403, text="this link is not valid or has expired")
        try:
            path = files.path(ref)
            data = await asyncio.to_thread(path.read_bytes)
        except (ValueError, OSError):
            return web.Response(status=404, text="no such file")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.stats.files_served += 1
        return web.Response(body=data, content_type=kind, headers={"Cache-Control": "private, no-store"})

    async def _zalo(self, request: web.Request) -> web.Response:
        given = request.headers.get(ZALO_SECRET_HEADER)
        if not _secret_ok(given, self.zalo_secret):
            return self._refuse(request, "zalo")
        channel = self.zalo_channel
        assert channel is not None
        data = await self._json(request)
        async with self._lock:
            status = await channel.handle_webhook(data, given)
        if status == 200:
            self.stats.zalo_ok += 1
        elif status == 400:
            self.stats.bad_requests += 1
        return web.Response(status=status, text="ok" if status == 200 else "refused")


def webhook_channels(
    channels: list[Channel],
    *,
    public_url: str,
    secret: str,
    host: str = "127.0.0.1",
    port: int = 8443,
    telegram_path: str = "/telegram",
    zalo_path: str = "/zalo",
    zalo_secret: str | None = None,
) -> tuple[list[Channel], WebhookServer]:
    """The (not started) channels switched to webhooks, and the server to start with them.

    ``public_url`` is the HTTPS address the reverse proxy answers on (``https://bot.example.vn``); the
    channels register ``public_url + path`` at start.
    """
    if not public_url.startswith("https://"):
        raise ValueError("webhook.public_url must be an https:// URL (Telegram and Zalo call only HTTPS)")
    base = public_url.rstrip("/")
    telegram: WebhookTelegramChannel | None = None
    zalo: ZaloChannel | None = None
    switched: list[Channel] = []
    for channel in channels:
        if isinstance(channel, TelegramChannel):
            telegram = WebhookTelegramChannel(channel, base + telegram_path, secret)
            switched.append(telegram)
            continue
        if isinstance(channel, ZaloChannel):
            zalo = channel
            zalo.webhook_url = base + zalo_path
            zalo.webhook_secret = zalo_secret or secret
        switched.append(channel)
    server = WebhookServer(
        host,
        port,
        telegram_path,
        secret,
        telegram,
        zalo_path,
        zalo_secret or secret,
        zalo,
    )
    return switched, server


__all__ = [
    "TELEGRAM_SECRET_HEADER",
    "ZALO_SECRET_HEADER",
    "WebhookServer",
    "WebhookTelegramChannel",
    "check_secret",
    "webhook_channels",
]
