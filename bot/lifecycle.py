"""How ``dlxh run`` lives with faults: channels that wait for the network, tokens that are refused, and
background tasks that must never end on their own.

* :class:`Backoff` — capped exponential waits between attempts (1 s, 2 s, 4 s … 60 s).
* :class:`ChannelRefused` — a permanent refusal (a token rejected with 401/404 or malformed): ``dlxh run``
  stops with :data:`EXIT_REFUSED` (2, which systemd's ``RestartPreventExitStatus=2`` does not restart)
  and one line naming the channel and where its token came from.
* :class:`StatusBoard` — each channel's state (``starting``, ``waiting``, ``running``, ``refused``) with its
  reason, written to ``<database>.status.json`` for ``dlxh doctor`` (``--quick`` too).
* :func:`supervise` — waits for a stop signal or for any background task to end; a task that ends with
  :class:`ChannelRefused` means exit 2, any other end (an exception, or returning) means exit 1.
* :class:`TaskSet` — small side tasks that the code starting them does not wait for (answering a Telegram
  callback query while the update is handled), yet owned: a failure is logged, and :meth:`TaskSet.close`
  waits for (then cancels) those still running.
* :func:`serve` — starts an aiohttp application on ``host:port`` (port 0: any free one) and returns its runner
  and the port it bound: the webhook server, the sandbox page and both emulators start this way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Coroutine
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_TASK_DIED = 1
EXIT_REFUSED = 2


class ChannelRefused(Exception):
    """The platform refused the bot for good (wrong or revoked token): restarting cannot help."""

    def __init__(self, channel: str, source: str, reason: str) -> None:
        super().__init__(
            f"{channel}: the bot token from {source} was refused ({reason}); correct it and start again"
        )
        self.channel = channel
        self.source = source
        self.reason = reason


def token_source(env: str, file: str) -> str:
    """Where a token came from, for the one line a refusal prints (never the token itself)."""
    if os.environ.get(env, "").strip():
        return f"the environment variable {env}"
    return f"the file {file}" if file else f"the environment variable {env}"


@dataclass
class Backoff:
    """Capped exponential waits: ``first``, doubled each time, at most ``cap`` seconds."""

    first: float = 1.0
    cap: float = 60.0
    current: float = 0.0

    def next(self) -> float:
        self.current = self.first if self.current <= 0 else min(self.current * 2, self.cap)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


def describe_error(exc: BaseException) -> str:
    """A one-line reason for a network-ish failure, without a traceback (and without a token in a URL)."""
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class ChannelState:
    state: str  # starting | waiting | running | refused
    detail: str = ""
    since: str = ""
    attempts: int = 0


@dataclass
class StatusBoard:
    """Each channel's state, kept in memory and written to a small JSON file beside the database."""

    path: Path | None = None
    channels: dict[str, ChannelState] = field(default_factory=dict)

    def set(
        self, channel: str, state: str, detail: str = "", *, now: datetime | None = None, attempts: int = 0
    ) -> None:
        self.channels[channel] = ChannelState(state, detail, now.isoformat() if now else "", attempts)
        self.write()

    def state_of(self, channel: str) -> str:
        found = self.channels.get(channel)
        return found.state if found is not None else ""

    def write(self) -> None:
        if self.path is None:
            return
        body = {"pid": os.getpid(), "channels": {k: asdict(v) for k, v in self.channels.items()}}
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # on PostgreSQL nothing else makes data_dir
            tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:  # a status file is a convenience; never stop the bot over it
            log.warning("could not write %s (%s)", self.path, type(exc).__name__)


def status_path(database_path: Path) -> Path:
    return database_path.with_name(database_path.name + ".status.json")


def read_status(database_path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(status_path(database_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


async def supervise(tasks: list[asyncio.Task[Any]], stop: asyncio.Event) -> int:
    """Wait for ``stop`` or for the first background task to end; the exit code ``dlxh run`` returns."""
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        done, _ = await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not stopper.done():
            stopper.cancel()
            try:
                await stopper
            except asyncio.CancelledError:
                pass
    for task in done:
        if task is stopper:
            continue
        exc = task.exception() if not task.cancelled() else None
        refused = _refusal(exc)
        if refused is not None:
            log.error("%s", refused)
            return EXIT_REFUSED
        if exc is not None:
            log.error(
                "background task %s died; stopping (exit 1) so that the service restarts",
                task.get_name(),
                exc_info=exc,
            )
        else:
            log.error(
                "background task %s ended unexpectedly; stopping (exit 1) so that the service restarts",
                task.get_name(),
            )
        return EXIT_TASK_DIED
    return EXIT_OK


class TaskSet:
    """A supervised set of side tasks: started without being awaited where they start, never fire-and-forget."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: %s failed", self.name, task.get_name(), exc_info=task.exception())

    async def close(self, timeout: float = 2.0) -> None:
        """Wait up to ``timeout`` seconds for the tasks still running, then cancel and await the rest."""
        tasks = list(self._tasks)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _refusal(exc: BaseException | None) -> ChannelRefused | None:
    if isinstance(exc, ChannelRefused):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _refusal(inner)
            if found is not None:
                return found
    return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def running_bot(database_path: Path) -> tuple[bool, str, str]:
    """(ok, message, fix) about the ``dlxh run`` on this database: is it alive, and what do its channels do.

    Reads the instance lock's pid and the status file only (never takes the lock: a health check must not
    keep a starting bot out)."""
    lock = database_path.with_name(database_path.name + ".lock")
    try:
        pid = int(lock.read_text(encoding="utf-8").strip() or "0")
    except (OSError, ValueError):
        pid = 0
    if pid <= 0:  # no instance lock (PostgreSQL takes none): the status file names the process
        recorded = (read_status(database_path) or {}).get("pid")
        pid = recorded if isinstance(recorded, int) else 0
    if pid <= 0 or not _pid_alive(pid):
        return (
            False,
            "no dlxh run is running on this database",
            "start it: systemctl start dlxh (or dlxh run)",
        )
    status = read_status(database_path) or {}
    channels = status.get("channels") if status.get("pid") == pid else None
    if not isinstance(channels, dict) or not channels:
        return True, f"dlxh run (pid {pid}) is running; its channels have not reported yet", ""
    parts, ok, fix = [], True, ""
    for name, info in sorted(channels.items()):
        state = str(info.get("state", "?")) if isinstance(info, dict) else "?"
        detail = str(info.get("detail", "")) if isinstance(info, dict) else ""
        parts.append(f"{name} {state}" + (f" ({detail})" if detail else ""))
        if state == "waiting":
            ok, fix = (
                False,
                "the channel retries by itself; check the network, DNS and proxy (journalctl -u dlxh)",
            )
        elif state == "refused":
            ok, fix = False, "correct the channel's token, then start dlxh again"
    return ok, f"dlxh run (pid {pid}): " + "; ".join(parts), fix


async def serve(
    app: web.Application, host: str, port: int, **runner_options: Any
) -> tuple[web.AppRunner, int]:
    """Start ``app`` and return its runner and the port it bound (the runner is cleaned up on failure);
    ``runner.cleanup()`` stops it. No signal handling (the CLI owns the signals) and no access log (logs
    carry ids, never what people wrote)."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None, **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, runner.addresses[0][1]
