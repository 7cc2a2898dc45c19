"""What both emulators share: an aiohttp server on ``host:port`` (port 0: any free one) that sends every
path to the emulator's ``_handle``, a stop that wakes the long polls first, and each simulated chat's log
of what the bot sent with its reader (``next_message``, ``next_messages``, ``pending``, ``last``)."""

from __future__ import annotations

import asyncio
from typing import Generic, Self, TypeVar

from aiohttp import web

from bot.lifecycle import serve

MAX_BODY = 64 * 1024 * 1024  # uploads (photos, voice, documents) arrive in the body


class EmulatorServer:
    """The life cycle of an emulator: ``start``, ``stop`` and ``async with``; subclasses answer requests."""

    host: str
    port: int
    _runner: web.AppRunner | None
    _bound_port: int | None
    _closing: bool
    _stop_event: asyncio.Event

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raise NotImplementedError

    def _wake_pollers(self) -> None:
        raise NotImplementedError

    async def start(self) -> None:
        """Bind and serve (port 0 picks any free port)."""
        if self._runner is not None:
            raise RuntimeError("emulator already started")
        self._closing = False
        self._stop_event = asyncio.Event()
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, self._bound_port = await serve(
            app, self.host, self.port, handler_cancellation=True, shutdown_timeout=2.0
        )

    async def stop(self) -> None:
        """Wake every long poll and slow answer, close the server and its sockets."""
        self._closing = True
        self._stop_event.set()
        self._wake_pollers()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


M = TypeVar("M")


class ChatLog(Generic[M]):
    """What the bot sent to one simulated chat, oldest first, and how far ``next_message`` has read."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bot_messages: list[M] = []
        self.cursor = 0  # how many bot messages next_message already returned
        self._wakeup = asyncio.Event()

    def notify(self) -> None:
        """Wake the readers waiting for a message (call after appending one)."""
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def where(self) -> str:
        """The chat, as a timeout names it."""
        return self.name

    def recent_lines(self, n: int = 8) -> str:
        tail = self.bot_messages[-n:]
        if not tail:
            return "   (the bot has sent nothing to this chat)"
        return "\n".join(self.line(m) for m in tail)

    def line(self, message: M) -> str:
        return f"   {message!r}"

    async def take(self, n: int, timeout: float) -> list[M]:
        """The next ``n`` bot messages not yet returned; ``TimeoutError`` if they do not all come within
        ``timeout`` seconds (naming the chat and what the bot said there last)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.bot_messages) - self.cursor < n:
            remaining = deadline - loop.time()
            wakeup = self._wakeup
            try:
                if remaining <= 0:
                    raise TimeoutError
                await asyncio.wait_for(wakeup.wait(), remaining)
            except TimeoutError:
                got = len(self.bot_messages) - self.cursor
                raise TimeoutError(
                    f"waited {timeout:g}s for {n} bot message(s) to {self.where()}, got {got}. "
                    f"Recent bot messages there:\n{self.recent_lines()}"
                ) from None
        out = self.bot_messages[self.cursor : self.cursor + n]
        self.cursor += n
        return out


class ChatReader(Generic[M]):
    """A simulated person's (or group's) view of their chat with the bot, in both emulators."""

    _chat: ChatLog[M]

    @property
    def messages(self) -> list[M]:
        """All bot messages in this chat, oldest first (the live list)."""
        return self._chat.bot_messages

    def pending(self) -> list[M]:
        """Bot messages delivered but not yet returned by :meth:`next_message` (marks nothing)."""
        return self._chat.bot_messages[self._chat.cursor :]

    def last(self) -> M | None:
        """The most recent bot message in this chat, if any."""
        return self._chat.bot_messages[-1] if self._chat.bot_messages else None

    async def next_message(self, timeout: float = 5.0) -> M:
        """The next bot message not yet returned here; ``TimeoutError`` if none within ``timeout`` s."""
        return (await self._chat.take(1, timeout))[0]

    async def next_messages(self, n: int, timeout: float = 5.0) -> list[M]:
        """The next ``n`` bot messages; ``timeout`` bounds the whole wait."""
        return await self._chat.take(n, timeout)
