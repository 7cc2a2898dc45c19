"""What the app runs as a channel (Telegram, Zalo, either in webhook mode): start, stop, a sender."""

from __future__ import annotations

from typing import Protocol

from bot.outbox import Sender


class Channel(Protocol):
    @property
    def sender(self) -> Sender: ...

    @property
    def username(self) -> str: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
