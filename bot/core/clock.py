"""One injectable clock for the whole app: the system clock in production, a manual one in tests and the sandbox."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlsplit

# Test-only: the instant a ``dlxh`` process's clock starts at (ISO 8601 with an offset), for end-to-end tests that
# run the real process against a loopback emulator at a pinned time. Deliberately not in the user-facing docs.
TEST_START_VARIABLE = "DLXH_TEST_START_AT"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class TickingClock:
    """Starts at a given instant and then moves with the monotonic clock: retries and held messages stored as
    "now + delay" come due as they would in production, but the day and the hour are the ones a test chose."""

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("TickingClock needs an aware datetime")
        self._start = start.astimezone(UTC)
        self._monotonic = monotonic
        self._origin = monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._origin)


class PinnedClockRefused(ValueError):
    """The test-only start instant was set where it must not be honoured, or is not an instant."""


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def pinned_start(environ: Mapping[str, str]) -> datetime | None:
    """The test-only start instant from the environment, or None when it is not set."""
    value = environ.get(TEST_START_VARIABLE, "").strip()
    if not value:
        return None
    try:
        start = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PinnedClockRefused(f"{TEST_START_VARIABLE}={value!r} is not an ISO 8601 instant") from None
    if start.tzinfo is None:
        raise PinnedClockRefused(f"{TEST_START_VARIABLE}={value!r} needs a UTC offset (e.g. +07:00)")
    return start


def clock_from_environment(environ: Mapping[str, str], channel_urls: Iterable[str]) -> Clock:
    """The system clock; or, for tests, a clock starting at ``DLXH_TEST_START_AT`` — honoured only when every
    enabled channel points at a loopback address (an emulator), so a production bot can never run on it."""
    start = pinned_start(environ)
    if start is None:
        return SystemClock()
    remote = [url for url in channel_urls if not _is_loopback(url)]
    if remote:
        raise PinnedClockRefused(
            f"{TEST_START_VARIABLE} is for tests against a loopback emulator only; unset it "
            f"(a channel points at {urlsplit(remote[0]).hostname})"
        )
    return TickingClock(start)


class ManualClock:
    """A clock that only moves when told to; listeners (the outbox worker) are woken on every move."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("aware datetime expected")
        self._now = when.astimezone(UTC)
        for listener in list(self._listeners):
            listener()

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.set(self._now + (delta if delta is not None else timedelta(**kwargs)))
        return self._now

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)
