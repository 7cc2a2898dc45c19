"""``dlxh sandbox``: the real bot against the built-in Telegram emulator, tried from a browser.

The bot is built exactly as ``dlxh run`` builds it (:func:`bot.app.build_app`), with the Telegram base URL
pointed at an in-process :class:`~bot.emulator.TelegramEmulator`, a :class:`~bot.core.clock.ManualClock` the
page moves forward, and its own folder ``<data_dir>/sandbox/`` (:mod:`bot.sandbox.folder`: never the
production database). One aiohttp server serves the page (plain HTML, CSS and JavaScript from
``static/``) and a small JSON API (:mod:`bot.sandbox.web`).

The phones' chats outlive a restart (:mod:`bot.sandbox.history`), the clock carries on where it had got
to, and "start afresh" (the page's button, or ``dlxh sandbox --fresh``) empties the folder and seeds the
sample people again.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import App, build_app
from bot.core.clock import ManualClock
from bot.core.config import Settings
from bot.core.texts import t
from bot.emulator import SimGroup, SimUser, TelegramEmulator
from bot.lifecycle import serve
from bot.sandbox import seed as sd
from bot.sandbox import view
from bot.sandbox.folder import (
    CLOCK_FILE,
    SandboxError,
    claim,
    read_clock,
    sandbox_settings,
    wipe,
    write_clock,
)
from bot.sandbox.group import group_state, setup_group, speakers
from bot.sandbox.history import load_history, save_history
from bot.sandbox.web import ApiError, web_app
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.db import Database

log = logging.getLogger(__name__)

#: A deadline jump lands this far past the deadline: at the deadline itself nothing is overdue yet.
JUST_PAST = timedelta(minutes=1)

__all__ = ["JUST_PAST", "Sandbox", "SandboxError", "run_sandbox", "sandbox_settings"]


def _local(when: datetime, settings: Settings) -> str:
    return when.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")


class Sandbox:
    """The emulator, the real bot on the sandbox database, the sample people and the page's web server."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        data_dir: str | Path | None = None,
        now: datetime | None = None,
    ) -> None:
        self.production = settings
        self.settings = sandbox_settings(settings, data_dir)
        self.host = host
        self.port = port
        self._start_at = now
        self.clock = ManualClock(now or datetime.now(UTC))  # wall-clock ok: the sandbox starts at today
        self.emu: TelegramEmulator | None = None
        self.app: App | None = None
        self.phones: dict[int, SimUser] = {}
        self.group: SimGroup | None = None  # the leaders' group phone (bot/sandbox/group.py)
        self._rev = 0
        self._epoch = ""  # a new one for every bot start: the page's old version strings mean nothing
        self._saved_version = ""
        self._owns_data = False  # True once this sandbox holds the database's lock
        self._web: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._clock_lock = asyncio.Lock()
        self._people_lock = asyncio.Lock()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("the sandbox is not serving yet")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._bound_port}/"

    @property
    def clock_file(self) -> Path:
        return self.settings.data_dir / CLOCK_FILE

    async def start(self, *, fresh: bool = False) -> None:
        """Start the emulator and the bot, seed the sample people (first start only), serve the page.
        ``fresh``: empty the sandbox's folder first (a new database, empty chats, the clock from scratch)."""
        claim(self.settings)
        if fresh:
            wipe(self.settings)
        await self._start_bot()
        try:
            await self._serve()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        await self._stop_bot()

    async def fresh(self) -> dict[str, Any]:
        """Start afresh while the page stays open: stop the bot, empty the folder, start and seed again."""
        async with self._clock_lock, self._people_lock:
            await self._stop_bot(keep=False)
            removed = wipe(self.settings)
            await self._start_bot()
        log.info("sandbox started afresh (%d item(s) removed)", len(removed))
        return {"at": self.clock.now().isoformat(), "local": _local(self.clock.now(), self.settings)}

    async def _start_bot(self) -> None:
        folder = self.settings.data_dir
        today = datetime.now(UTC)  # wall-clock ok: a sandbox without a saved clock starts at today
        clock = ManualClock(self._start_at or read_clock(folder, today))
        emu = TelegramEmulator(
            "7000000001:SANDBOX-LOCAL-TOKEN",
            bot_username="dlxh_sandbox_bot",
            bot_name="dlxh",
            now=lambda: clock.now().timestamp(),
        )
        await emu.start()
        app: App | None = None
        phones: dict[int, SimUser] = {}
        try:
            # update ids keep growing across restarts: the database remembers the ones it handled
            view.start_update_ids_at(emu, int(time.time() * 1000))  # wall-clock ok: only ids that grow
            # phones that joined in an earlier run exist, with their chats, before the bot delivers what
            # it still owes them
            phones = load_history(emu, folder, await self._known_phones())
            app = build_app(self._bot_settings(emu), clock=clock, telegram_token=emu.token)
            await app.start()
            self._owns_data = True
            for user in await sd.seed(app, emu, clock.now()):
                phones[user.id] = user
            self.group = await setup_group(app, emu, phones, clock.now())
        except BaseException:
            await self._close(app, emu, clock, phones, keep=True)
            raise
        # only now does the page see the new bot: until then it is told the sandbox is starting
        self.clock, self.emu, self.app = clock, emu, app
        self.phones = dict(sorted(phones.items()))
        self._epoch = secrets.token_hex(4)
        self._rev += 1
        self.autosave()

    def _bot_settings(self, emu: TelegramEmulator) -> Settings:
        telegram = replace(
            self.settings.telegram,
            enabled=True,
            base_url=emu.base_url,
            base_file_url=emu.base_file_url,
            poll_timeout=1,
        )
        return replace(self.settings, telegram=telegram)

    async def _stop_bot(self, *, keep: bool = True) -> None:
        """Stop the bot and the emulator; ``keep``: save the clock and the chats for the next start."""
        app, emu, self.app, self.emu = self.app, self.emu, None, None
        await self._close(app, emu, self.clock, self.phones, keep=keep)

    async def _close(
        self,
        app: App | None,
        emu: TelegramEmulator | None,
        clock: ManualClock,
        phones: dict[int, SimUser],
        *,
        keep: bool,
    ) -> None:
        """Stop ``app`` and ``emu``; if this sandbox held the database and ``keep``, save the clock and
        the phones' chats first (only the holder may write the folder)."""
        try:
            if app is not None:
                await app.stop()
        finally:
            owned, self._owns_data = self._owns_data, False
            if owned and keep and emu is not None:
                write_clock(self.settings.data_dir, clock.now())
                self._save(emu, phones)
            if emu is not None:
                await emu.stop()

    def _save(self, emu: TelegramEmulator, phones: dict[int, SimUser]) -> None:
        try:
            save_history(emu, phones, self.settings.data_dir)
        except OSError:
            log.warning("could not save the sandbox chats in %s", self.settings.data_dir)

    def autosave(self) -> None:
        """Save the chats if anything changed since the last save (the page's polls call it)."""
        if self.app is None or self.emu is None or not self._owns_data:
            return
        version = self.version()
        if version != self._saved_version:
            self._save(self.emu, self.phones)
            self._saved_version = version

    async def _known_phones(self) -> dict[int, str]:
        """Every Telegram phone a member joined from in an earlier run (inactive members' too), with the
        name its profile shows."""
        if not self.settings.database_path.exists():
            return {}
        db = await Database.open(self.settings.database_path)
        try:
            phones = {}
            for member in await mem.list_members(db.reader):
                for ident in await mem.list_identities(db.reader, member.id):
                    if (
                        ident.channel == sd.CHANNEL
                        and ident.external_id.isdigit()
                        and int(ident.external_id) > 0
                    ):
                        phones[int(ident.external_id)] = sd.phone_name(member.name)
        finally:
            await db.close()
        return phones

    async def _serve(self) -> None:
        self._web, self._bound_port = await serve(web_app(self), self.host, self.port)

    # ------------------------------------------------------------------ state

    def running(self) -> tuple[App, TelegramEmulator]:
        if self.app is None or self.emu is None:
            raise ApiError("not_running", "the sandbox is not running (or is starting afresh)", 503)
        return self.app, self.emu

    def version(self) -> str:
        _, emu = self.running()
        return f"{self._epoch}.{len(emu.log_lines())}.{len(emu.answered_callbacks)}.{self._rev}"

    async def jump_targets(self) -> list[dict[str, Any]]:
        """Where the clock can jump: +1 hour, +1 day, 07:00 tomorrow, each job's next run, just past the
        nearest open issue deadline. Each has a key (for ``POST /api/clock``), the time, and what it is."""
        app, _ = self.running()
        now = self.clock.now()
        tz = self.settings.tz
        tomorrow = now.astimezone(tz).date() + timedelta(days=1)
        out: list[dict[str, Any]] = [
            {"key": "hour", "kind": "hour", "at": now + timedelta(hours=1)},
            {"key": "day", "kind": "day", "at": now + timedelta(days=1)},
            {"key": "morning", "kind": "morning", "at": datetime.combine(tomorrow, dtime(7, 0), tzinfo=tz)},
        ]
        for name, job in app.runner.jobs.items():
            nxt = job.next_after(now, self.settings.timezone)
            if nxt is not None and nxt > now:
                out.append({"key": f"job:{name}", "kind": "job", "job": name, "at": nxt})
        deadline = await self.next_deadline()
        if deadline is not None:
            issue, which, due = deadline
            out.append(
                {
                    "key": "deadline",
                    "kind": "deadline",
                    "issue": issue,
                    "which": which,
                    "due": _local(due, self.settings),
                    "at": due + JUST_PAST,
                }
            )
        for item in out:
            at = item["at"]
            item["at"] = at.astimezone(UTC).isoformat()
            item["local"] = _local(at, self.settings)
        return out

    async def next_deadline(self) -> tuple[int, str, datetime] | None:
        """The nearest deadline still ahead among open issues: (issue number, "ack" | "handle", time)."""
        app, _ = self.running()
        reader = app.services.db.reader
        now = self.clock.now()
        unit_ids = [u.id for u in await un.list_units(reader, active_only=False)]
        best: tuple[int, str, datetime] | None = None
        for issue in await iss.list_issues_in_units(reader, unit_ids, limit=100_000):
            candidates = [("handle", issue.handle_due_at)]
            if issue.acknowledged_at is None:
                candidates.append(("ack", issue.ack_due_at))
            for which, at in candidates:
                if at > now and (best is None or at < best[2]):
                    best = (issue.id, which, at)
        return best

    async def state(self, since: str = "") -> dict[str, Any]:
        app, emu = self.running()
        self.autosave()
        version = self.version()  # before reading: the state is at least this new
        if since and since == version:
            return {"version": version, "unchanged": True}
        settings = self.settings
        reader = app.services.db.reader
        all_units = await un.list_units(reader, active_only=False)
        notices = view.callback_notices(emu)
        phones = [
            await self._phone_state(reader, user, {u.id: u.name for u in all_units}, notices.get(user_id, []))
            for user_id, user in self.phones.items()
        ]
        if self.group is not None:  # the leaders' group: one more phone, after the people's
            messages = view.render_messages(self.group, settings.tz)  # type: ignore[arg-type]
            phones.append(await group_state(self.group, self.phones, reader, messages))
        now = self.clock.now()
        local = now.astimezone(settings.tz)
        return {
            "version": version,
            "epoch": self._epoch,
            "clock": {
                "at": now.isoformat(),
                "local": local.strftime("%d/%m/%Y %H:%M"),
                "weekday": local.isoweekday(),
                "timezone": settings.timezone,
                "quiet": app.services.calendar.is_quiet(now),
            },
            "jumps": await self.jump_targets(),
            "phones": phones,
            "units": _unit_tree([u for u in all_units if u.active]),
            "roles": [{"code": r, "label": t(settings.language, f"role.{r}")} for r in mem.ROLES],
            "database": str(settings.database_path),
        }

    async def _phone_state(
        self, reader: Any, user: SimUser, unit_names: dict[int, str], notices: list[dict[str, Any]]
    ) -> dict[str, Any]:
        assert self.emu is not None
        member = await mem.get_member_by_identity(reader, sd.CHANNEL, str(user.id))
        lang = member.language if member is not None else self.settings.language
        return {
            "id": user.id,
            "name": member.name if member is not None else user.first_name,
            "role": member.role if member is not None else "",
            "role_label": t(lang, f"role.{member.role}") if member is not None else "",
            "unit": unit_names.get(member.unit_id, "") if member is not None else "",
            "active": member.active if member is not None else False,
            "messages": view.render_messages(user, self.settings.tz),
            "keyboard": view.current_keyboard(user),
            "commands": view.chat_commands(self.emu, user),
            "notices": notices[-5:],
        }

    # ------------------------------------------------------------------ actions

    def phone(self, user_id: int) -> SimUser:
        self.running()
        if self.group is not None and user_id == self.group.id:
            raise ApiError("group_phone", "the group phone: speak as one of its people", 400)
        user = self.phones.get(user_id)
        if user is None:
            raise ApiError("no_phone", f"no phone {user_id}", 404, phone=user_id)
        return user

    def group_speaker(self, chat_id: int, speaker: Any) -> tuple[SimGroup, SimUser]:
        """The group phone and who speaks in it (one of the people in the group)."""
        self.running()
        if self.group is None or chat_id != self.group.id:
            raise ApiError("no_phone", f"no phone {chat_id}", 404, phone=chat_id)
        present = {p["id"] for p in speakers(self.group, self.phones)}
        if not isinstance(speaker, int) or speaker not in present:
            raise ApiError("speaker_unknown", "as: the phone of someone in the group", speaker=str(speaker))
        return self.group, self.phones[speaker]

    async def jump(self, key: str) -> dict[str, Any]:
        """Move the clock to a jump target, wake delivery, run every job's pass at the new time."""
        async with self._clock_lock:
            app, _ = self.running()
            targets = {j["key"]: j for j in await self.jump_targets()}
            target = targets.get(key)
            if target is None:
                raise ApiError("jump_unknown", f"no jump {key!r}; jumps: {', '.join(targets)}", jump=key)
            when = datetime.fromisoformat(target["at"])
            if when <= self.clock.now():
                raise ApiError("jump_backwards", "the sandbox clock only moves forward")
            self.clock.set(when)  # wakes the outbox worker: held messages that are now due go out
            self._rev += 1
            write_clock(self.settings.data_dir, self.clock.now())
            results = await app.runner.run_all(self.clock.now())
            self._rev += 1
        return {
            "at": self.clock.now().isoformat(),
            "local": _local(self.clock.now(), self.settings),
            "jobs": results,
        }

    async def add_person(self, name: str, unit_code: str, role: str) -> SimUser:
        """A new phone joins with a real invite for ``name`` (``/start CODE``), like the sample people."""
        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise ApiError("name_length", "name: 1 to 100 characters", limit=100)
        if role not in mem.ROLES:
            raise ApiError("role_unknown", f"role: one of {', '.join(mem.ROLES)}", role=role)
        async with self._people_lock:
            app, emu = self.running()
            unit = await un.get_unit_by_code(app.services.db.reader, unit_code)
            if unit is None or not unit.active:
                raise ApiError("unit_unknown", f"unit: no active unit {unit_code!r}", unit=unit_code)
            user_id = max([sd.FIRST_ADDED_ID - 1, *self.phones]) + 1
            self.phones[user_id] = emu.user(user_id, sd.phone_name(name))
            self._rev += 1
            user = await sd.join_by_invite(app, emu, user_id, name, unit_code, role, self.clock.now())
        self._rev += 1
        return user


def _unit_tree(units: list[un.Unit]) -> list[dict[str, Any]]:
    """Units in tree order (each after its parent), with their depth."""
    children: dict[int | None, list[un.Unit]] = {}
    ids = {u.id for u in units}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in children.get(parent, []):
            out.append({"code": u.code, "name": u.name, "depth": depth})
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


async def run_sandbox(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    data_dir: str | Path | None = None,
    stop: asyncio.Event | None = None,
    now: datetime | None = None,
    fresh: bool = False,
) -> None:
    """Run the sandbox until ``stop`` is set (or the task is cancelled); prints the page's address.
    ``fresh``: start afresh (an empty sandbox database and chats) instead of carrying on."""
    sandbox = Sandbox(settings, host=host, port=port, data_dir=data_dir, now=now)
    await sandbox.start(fresh=fresh)
    try:
        print(f"dlxh sandbox: open {sandbox.url} in a browser (Ctrl+C stops it)", flush=True)
        print(f"  sandbox database: {sandbox.settings.database_path}", flush=True)
        print(
            "  it carries on where the last run stopped; the page's “start afresh” button "
            "(or dlxh sandbox --fresh) empties it",
            flush=True,
        )
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(
                "  warning: the page has no password; anyone who can reach this address can use it",
                flush=True,
            )
        await (stop or asyncio.Event()).wait()
    finally:
        await sandbox.stop()
