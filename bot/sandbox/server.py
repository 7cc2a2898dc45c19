"""``dlxh sandbox``: the real bot against the built-in Telegram emulator, tried from a browser.

The bot is built exactly as ``dlxh run`` builds it (:func:`bot.app.build_app`), with the Telegram base URL
pointed at an in-process :class:`~bot.emulator.TelegramEmulator`, a :class:`~bot.clock.ManualClock` the
page moves forward, and its own database under ``<data_dir>/sandbox/`` (never the production one). One
aiohttp server serves the page (plain HTML, CSS and JavaScript from ``static/``) and a small JSON API:

==========================================  ==============================================================
``GET  /api/state?since=V``                 phones, their chats, the clock and its jumps; ``{"unchanged":
                                            true}`` while nothing moved since version ``V``
``POST /api/phones/{id}/text``              ``{"text", "reply_to"?}``: type a message (or reply to one)
``POST /api/phones/{id}/tap``               ``{"message_id", "row", "col"}``: tap an inline button
``POST /api/phones/{id}/press``             ``{"text"}``: press a key of the reply keyboard (main menu)
``POST /api/phones/{id}/location``          ``{"latitude"?, "longitude"?}``: share a (fake) location
``POST /api/phones/{id}/photo``             multipart ``file``, ``caption``?, ``reply_to``?: send a photo
``GET  /api/files/{file_id}``               a photo or file shown in a chat
``POST /api/people``                        ``{"name", "unit", "role"}``: a new phone joins by a real invite
``POST /api/clock``                         ``{"jump": "hour" | "day" | "morning" | "job:NAME" |
                                            "deadline"}``: move the clock, then run every job once
==========================================  ==============================================================
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import App, build_app
from bot.clock import ManualClock
from bot.config import Settings
from bot.emulator import SimUser, TelegramEmulator
from bot.sandbox import seed as sd
from bot.sandbox import view
from bot.texts import t
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.db import Database

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
}
#: Where "share location" says the phone is (Xã Hàm Thắng, Bình Thuận) unless the page names a place.
FAKE_LOCATION = (10.9633, 108.1272)
MAX_TEXT = 4096
MAX_PHOTO_BYTES = 10 * 1024 * 1024
CLOCK_FILE = "clock.txt"


class SandboxError(RuntimeError):
    """The sandbox cannot run as asked (e.g. it would use the production database)."""


def _same_path(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def sandbox_settings(settings: Settings, data_dir: str | Path | None = None) -> Settings:
    """The production settings with the sandbox's own data folder (default ``<data_dir>/sandbox``) and its
    own database in it; Zalo off. Refuses (:class:`SandboxError`) to share the production database."""
    if data_dir is None or str(data_dir) == "":
        base = settings.data_dir / "sandbox"
    else:
        base = Path(data_dir).expanduser()
    base = base if base.is_absolute() else Path.cwd() / base
    sandbox = replace(
        settings, data_dir=base, database=None, database_url=None, zalo=replace(settings.zalo, enabled=False)
    )
    if _same_path(sandbox.database_path, settings.database_path):
        raise SandboxError(
            f"refusing to run the sandbox on the production database: the sandbox database "
            f"{sandbox.database_path} is the configured database {settings.database_path}; "
            f"give the sandbox another --data-dir"
        )
    if _same_path(sandbox.files_dir, settings.files_dir):
        raise SandboxError(
            f"refusing to run the sandbox in the production data folder: the sandbox files "
            f"{sandbox.files_dir} are the configured files {settings.files_dir}; give the sandbox another --data-dir"
        )
    return sandbox


def _local(when: datetime, settings: Settings) -> str:
    return when.astimezone(settings.tz).strftime("%d/%m/%Y %H:%M")


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


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
        self.clock = ManualClock(now or datetime.now(UTC))
        self.emu: TelegramEmulator | None = None
        self.app: App | None = None
        self.phones: dict[int, SimUser] = {}
        self._rev = 0
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

    async def start(self) -> None:
        """Start the emulator and the bot, seed the sample people (first start only), serve the page."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.clock = ManualClock(self._start_at or self._resume_time())
        clock = self.clock
        self.emu = TelegramEmulator(
            "7000000001:SANDBOX-LOCAL-TOKEN",
            bot_username="dlxh_sandbox_bot",
            bot_name="dlxh",
            now=lambda: clock.now().timestamp(),
        )
        await self.emu.start()
        try:
            # update ids keep growing across restarts: the database remembers the ones it handled
            view.start_update_ids_at(self.emu, int(time.time() * 1000))
            # phones that joined in an earlier run exist before the bot delivers what it still owes them
            for user_id, name in await self._known_phones():
                self.phones[user_id] = self.emu.user(user_id, sd.phone_name(name))
            telegram = replace(
                self.settings.telegram,
                enabled=True,
                base_url=self.emu.base_url,
                base_file_url=self.emu.base_file_url,
                poll_timeout=1,
            )
            self.settings = replace(self.settings, telegram=telegram)
            self.app = build_app(self.settings, clock=self.clock, telegram_token=self.emu.token)
            await self.app.start()
            self._owns_data = True
            for user in await sd.seed(self.app, self.emu, self.clock.now()):
                self.phones[user.id] = user
            self.phones = dict(sorted(self.phones.items()))
            await self._serve()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self.app is not None:
            app, self.app = self.app, None
            try:
                await app.stop()
            finally:
                if self._owns_data:
                    self._save_clock()
                    self._owns_data = False
        if self.emu is not None:
            emu, self.emu = self.emu, None
            await emu.stop()

    def _resume_time(self) -> datetime:
        """Now, or the time an earlier run had reached if that is later: sandbox time never runs back."""
        now = datetime.now(UTC)
        try:
            saved = datetime.fromisoformat(self.clock_file.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return now
        return max(now, saved) if saved.tzinfo is not None else now

    def _save_clock(self) -> None:
        if not self._owns_data:
            return
        try:
            self.clock_file.write_text(self.clock.now().isoformat(), encoding="utf-8")
        except OSError:
            log.warning("could not save the sandbox clock to %s", self.clock_file)

    async def _known_phones(self) -> list[tuple[int, str]]:
        """Every Telegram phone a member joined from in an earlier run (inactive members' too)."""
        if not self.settings.database_path.exists():
            return []
        db = await Database.open(self.settings.database_path)
        try:
            phones = []
            for member in await mem.list_members(db.reader):
                for ident in await mem.list_identities(db.reader, member.id):
                    if (
                        ident.channel == sd.CHANNEL
                        and ident.external_id.isdigit()
                        and int(ident.external_id) > 0
                    ):
                        phones.append((int(ident.external_id), member.name))
        finally:
            await db.close()
        return phones

    async def _serve(self) -> None:
        runner = web.AppRunner(self.web_app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._web = runner
        self._bound_port = runner.addresses[0][1]

    # ------------------------------------------------------------------ state

    def _running(self) -> tuple[App, TelegramEmulator]:
        if self.app is None or self.emu is None:
            raise _BadRequest("the sandbox is not running", 503)
        return self.app, self.emu

    def version(self) -> str:
        _, emu = self._running()
        return f"{len(emu.log_lines())}.{len(emu.answered_callbacks)}.{self._rev}"

    async def jump_targets(self) -> list[dict[str, Any]]:
        """Where the clock can jump: +1 hour, +1 day, 07:00 tomorrow, each job's next run, the nearest
        open issue deadline. Each has a key (for ``POST /api/clock``), the time, and what it is."""
        app, _ = self._running()
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
                out.append(
                    {
                        "key": f"job:{name}",
                        "kind": "job",
                        "job": name,
                        "description": job.description,
                        "at": nxt,
                    }
                )
        deadline = await self.next_deadline()
        if deadline is not None:
            issue, which, at = deadline
            out.append({"key": "deadline", "kind": "deadline", "issue": issue, "which": which, "at": at})
        for item in out:
            at = item["at"]
            item["at"] = at.astimezone(UTC).isoformat()
            item["local"] = _local(at, self.settings)
        return out

    async def next_deadline(self) -> tuple[int, str, datetime] | None:
        """The nearest deadline still ahead among open issues: (issue number, "ack" | "handle", time)."""
        app, _ = self._running()
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
        app, emu = self._running()
        version = self.version()  # before reading: the state is at least this new
        if since and since == version:
            return {"version": version, "unchanged": True}
        settings = self.settings
        reader = app.services.db.reader
        all_units = await un.list_units(reader, active_only=False)
        unit_names = {u.id: u.name for u in all_units}
        notices = view.callback_notices(emu)
        phones = []
        for user_id, user in self.phones.items():
            member = await mem.get_member_by_identity(reader, sd.CHANNEL, str(user_id))
            lang = member.language if member is not None else settings.language
            phones.append(
                {
                    "id": user_id,
                    "name": member.name if member is not None else user.first_name,
                    "role": member.role if member is not None else "",
                    "role_label": t(lang, f"role.{member.role}") if member is not None else "",
                    "unit": unit_names.get(member.unit_id, "") if member is not None else "",
                    "active": member.active if member is not None else False,
                    "messages": view.render_messages(user, settings.tz),
                    "keyboard": view.current_keyboard(user),
                    "commands": view.chat_commands(emu, user),
                    "notices": notices.get(user_id, [])[-5:],
                }
            )
        now = self.clock.now()
        local = now.astimezone(settings.tz)
        return {
            "version": version,
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

    # ------------------------------------------------------------------ actions

    def phone(self, user_id: int) -> SimUser:
        user = self.phones.get(user_id)
        if user is None:
            raise _BadRequest(f"no phone {user_id}", 404)
        return user

    async def jump(self, key: str) -> dict[str, Any]:
        """Move the clock to a jump target, wake delivery, run every job's pass at the new time."""
        app, _ = self._running()
        async with self._clock_lock:
            targets = {j["key"]: j for j in await self.jump_targets()}
            target = targets.get(key)
            if target is None:
                raise _BadRequest(f"no jump {key!r}; jumps: {', '.join(targets)}")
            when = datetime.fromisoformat(target["at"])
            if when <= self.clock.now():
                raise _BadRequest("the sandbox clock only moves forward")
            self.clock.set(when)  # wakes the outbox worker: held messages that are now due go out
            self._rev += 1
            self._save_clock()
            results = await app.runner.run_all(self.clock.now())
            self._rev += 1
        return {
            "at": self.clock.now().isoformat(),
            "local": _local(self.clock.now(), self.settings),
            "jobs": results,
        }

    async def add_person(self, name: str, unit_code: str, role: str) -> SimUser:
        """A new phone joins with a real invite for ``name`` (``/start CODE``), like the sample people."""
        app, emu = self._running()
        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise _BadRequest("name: 1 to 100 characters")
        if role not in mem.ROLES:
            raise _BadRequest(f"role: one of {', '.join(mem.ROLES)}")
        unit = await un.get_unit_by_code(app.services.db.reader, unit_code)
        if unit is None or not unit.active:
            raise _BadRequest(f"unit: no active unit {unit_code!r}")
        async with self._people_lock:
            user_id = max([sd.FIRST_ADDED_ID - 1, *self.phones]) + 1
            self.phones[user_id] = emu.user(user_id, sd.phone_name(name))
            self._rev += 1
            user = await sd.join_by_invite(app, emu, user_id, name, unit_code, role, self.clock.now())
        self._rev += 1
        return user

    # ------------------------------------------------------------------ HTTP

    def web_app(self) -> web.Application:
        app = web.Application(middlewares=[_errors, _same_origin], client_max_size=MAX_PHOTO_BYTES + 65536)
        app.router.add_get("/", self._index)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/api/state", self._api_state)
        app.router.add_post("/api/phones/{id}/text", self._api_text)
        app.router.add_post("/api/phones/{id}/tap", self._api_tap)
        app.router.add_post("/api/phones/{id}/press", self._api_press)
        app.router.add_post("/api/phones/{id}/location", self._api_location)
        app.router.add_post("/api/phones/{id}/photo", self._api_photo)
        app.router.add_get("/api/files/{file_id}", self._api_file)
        app.router.add_post("/api/people", self._api_people)
        app.router.add_post("/api/clock", self._api_clock)
        return app

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return _static_file("index.html")

    async def _static(self, request: web.Request) -> web.StreamResponse:
        return _static_file(request.match_info["name"])

    async def _api_state(self, request: web.Request) -> web.Response:
        return _json(await self.state(request.query.get("since", "")))

    def _user(self, request: web.Request) -> SimUser:
        try:
            user_id = int(request.match_info["id"])
        except ValueError:
            raise _BadRequest("phone id must be a number", 404) from None
        return self.phone(user_id)

    async def _api_text(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _BadRequest("text: a non-empty string")
        if len(text) > MAX_TEXT:
            raise _BadRequest(f"text: at most {MAX_TEXT} characters")
        reply_to = _optional_id(body.get("reply_to"), "reply_to")
        if reply_to is not None:
            if not view.has_message(user, reply_to):
                raise _BadRequest(f"reply_to: no message #{reply_to}")
            update = await user.reply(reply_to, text)
        else:
            update = await user.send_text(text)
        return _json({"update_id": update})

    async def _api_tap(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        try:
            mid, row, col = (int(body[k]) for k in ("message_id", "row", "col"))
        except (KeyError, TypeError, ValueError):
            raise _BadRequest("message_id, row, col: numbers") from None
        try:
            message, label = view.button_label(user, mid, row, col)
            update = await user.tap(label, message)
        except LookupError as exc:
            raise _BadRequest(str(exc).split("\n")[0]) from None
        return _json({"update_id": update, "label": label})

    async def _api_press(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        label = body.get("text")
        if not isinstance(label, str) or not label:
            raise _BadRequest("text: the key's label")
        try:
            update = await user.press(label)
        except LookupError as exc:
            raise _BadRequest(str(exc)) from None
        return _json({"update_id": update})

    async def _api_location(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        try:
            lat = float(body.get("latitude", FAKE_LOCATION[0]))
            lon = float(body.get("longitude", FAKE_LOCATION[1]))
        except (TypeError, ValueError):
            raise _BadRequest("latitude, longitude: numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _BadRequest("latitude, longitude: out of range")
        return _json({"update_id": await user.share_location(lat, lon)})

    async def _api_photo(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if not request.content_type.startswith("multipart/"):
            raise _BadRequest("send the photo as multipart/form-data with a field named file")
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise _BadRequest("file: the photo")
        data = upload.file.read()
        if not data:
            raise _BadRequest("file: empty")
        caption_raw = form.get("caption")
        caption = caption_raw.strip() if isinstance(caption_raw, str) and caption_raw.strip() else None
        reply_raw = form.get("reply_to")
        reply_to = _optional_id(reply_raw if isinstance(reply_raw, str) and reply_raw else None, "reply_to")
        if reply_to is not None:
            if not view.has_message(user, reply_to):
                raise _BadRequest(f"reply_to: no message #{reply_to}")
            update = await user.reply(reply_to, photo=data, caption=caption)
        else:
            update = await user.send_photo(data, caption=caption)
        return _json({"update_id": update})

    async def _api_file(self, request: web.Request) -> web.Response:
        _, emu = self._running()
        found = view.file_content(emu, request.match_info["file_id"])
        if found is None:
            raise _BadRequest("no such file", 404)
        data, ctype = found
        return web.Response(body=data, headers={"Content-Type": ctype, "Cache-Control": "max-age=3600"})

    async def _api_people(self, request: web.Request) -> web.Response:
        body = await _body(request)
        name, unit, role = (body.get(k) for k in ("name", "unit", "role"))
        if not all(isinstance(v, str) for v in (name, unit, role)):
            raise _BadRequest("name, unit, role: strings")
        assert isinstance(name, str) and isinstance(unit, str) and isinstance(role, str)
        try:
            user = await self.add_person(name, unit, role)
        except TimeoutError as exc:
            raise _BadRequest(f"the bot did not welcome the new phone: {exc}", 504) from None
        return _json({"id": user.id, "name": user.first_name}, status=201)

    async def _api_clock(self, request: web.Request) -> web.Response:
        body = await _body(request)
        key = body.get("jump")
        if not isinstance(key, str):
            raise _BadRequest("jump: hour, day, morning, job:NAME or deadline")
        return _json(await self.jump(key))


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


def _json(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


def _static_file(name: str) -> web.StreamResponse:
    path = STATIC_DIR / name
    ctype = STATIC_TYPES.get(path.suffix)
    if ctype is None or "/" in name or name.startswith(".") or not path.is_file():
        raise _BadRequest("not found", 404)
    return web.Response(body=path.read_bytes(), headers={"Content-Type": ctype, "Cache-Control": "no-cache"})


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise _BadRequest("send a JSON object") from None
    if not isinstance(body, dict):
        raise _BadRequest("send a JSON object")
    return body


def _optional_id(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _BadRequest(f"{name}: a message number") from None


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except _BadRequest as exc:
        return _json({"error": str(exc)}, status=exc.status)


@web.middleware
async def _same_origin(request: web.Request, handler: Any) -> web.StreamResponse:
    """Only the sandbox's own page may act: a POST from another site's page is refused."""
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin and origin.split("://", 1)[-1] != request.host:
        return _json({"error": "cross-origin request refused"}, status=403)
    return await handler(request)


async def run_sandbox(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    data_dir: str | Path | None = None,
    stop: asyncio.Event | None = None,
    now: datetime | None = None,
) -> None:
    """Run the sandbox until ``stop`` is set (or the task is cancelled); prints the page's address."""
    sandbox = Sandbox(settings, host=host, port=port, data_dir=data_dir, now=now)
    await sandbox.start()
    try:
        print(f"dlxh sandbox: open {sandbox.url} in a browser (Ctrl+C stops it)", flush=True)
        print(f"  sandbox database: {sandbox.settings.database_path}", flush=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(
                "  warning: the page has no password; anyone who can reach this address can use it",
                flush=True,
            )
        await (stop or asyncio.Event()).wait()
    finally:
        await sandbox.stop()
