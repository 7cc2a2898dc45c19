"""What both emulators share: an aiohttp server on ``host:port`` (port 0: any free one) that sends every
path to the emulator's ``_handle``, and a stop that wakes the long polls first."""

from __future__ import annotations

import asyncio
from typing import Any, Self

from aiohttp import web

MAX_BODY = 64 * 1024 * 1024  # uploads (photos, voice, documents) arrive in the body


async def serve(
    app: web.Application, host: str, port: int, **runner_options: Any
) -> tuple[web.AppRunner, int]:
    """Start ``app`` and return its runner and the port it bound (the runner is cleaned up on failure)."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None, **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, runner.addresses[0][1]


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
