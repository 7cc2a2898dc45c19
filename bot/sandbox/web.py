"""The sandbox page's web server: the static page and a small JSON API over a :class:`~bot.sandbox.server.Sandbox`.

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
``POST /api/fresh``                         start afresh: an empty database, the sample people, empty chats
==========================================  ==============================================================

A refused request answers ``{"error": "...", "code": "...", "fields": {...}}``: ``error`` in English for
scripts and logs, ``code`` and ``fields`` for the page, which shows the message in its own language
(``errors`` in ``static/texts.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox import view

if TYPE_CHECKING:
    from bot.emulator import SimUser
    from bot.sandbox.server import Sandbox

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
}
#: Where "share location" says the phone is (Xã Hàm Thắng, Bình Thuận) unless the page names a place.
FAKE_LOCATION = (10.9633, 108.1272)
MAX_TEXT = 4096
MAX_PHOTO_BYTES = 10 * 1024 * 1024

__all__ = ["FAKE_LOCATION", "MAX_PHOTO_BYTES", "MAX_TEXT", "ApiError", "web_app"]


class ApiError(Exception):
    """A refused request: an English message, and a code with fields the page translates."""

    def __init__(self, code: str, message: str, status: int = 400, **fields: Any) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.fields = fields


class _Routes:
    """The HTTP handlers; every action goes through the sandbox's own methods."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sb = sandbox

    async def index(self, request: web.Request) -> web.StreamResponse:
        return _static_file("index.html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        return _static_file(request.match_info["name"])

    async def state(self, request: web.Request) -> web.Response:
        return _json(await self.sb.state(request.query.get("since", "")))

    def _user(self, request: web.Request) -> SimUser:
        try:
            user_id = int(request.match_info["id"])
        except ValueError:
            raise ApiError(
                "no_phone", "phone id must be a number", 404, phone=request.match_info["id"]
            ) from None
        return self.sb.phone(user_id)

    def _reply_to(self, user: SimUser, value: Any) -> int | None:
        reply_to = _optional_id(value, "reply_to")
        if reply_to is not None and not view.has_message(user, reply_to):
            raise ApiError("reply_missing", f"reply_to: no message #{reply_to}", number=reply_to)
        return reply_to

    async def text(self, request: web.Request) -> web.Response:
        body = await _body(request)
        if "as" in body:
            return await self._group_text(request, body)
        user = self._user(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError("text_empty", "text: a non-empty string")
        if len(text) > MAX_TEXT:
            raise ApiError("text_long", f"text: at most {MAX_TEXT} characters", limit=MAX_TEXT)
        reply_to = self._reply_to(user, body.get("reply_to"))
        update = await (user.reply(reply_to, text) if reply_to is not None else user.send_text(text))
        return _json({"update_id": update})

    async def _group_text(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """Someone in the group phone writes there (or replies to a message there)."""
        group, speaker = self.sb.group_speaker(_group_id(request), body.get("as"))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError("text_empty", "text: a non-empty string")
        if len(text) > MAX_TEXT:
            raise ApiError("text_long", f"text: at most {MAX_TEXT} characters", limit=MAX_TEXT)
        reply_to = _optional_id(body.get("reply_to"), "reply_to")
        if reply_to is not None and not view.has_message(group, reply_to):  # type: ignore[arg-type]
            raise ApiError("reply_missing", f"reply_to: no message #{reply_to}", number=reply_to)
        if reply_to is not None:
            update = await group.reply(speaker, reply_to, text)
        else:
            update = await group.send_text(speaker, text)
        return _json({"update_id": update})

    async def _group_tap(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        group, speaker = self.sb.group_speaker(_group_id(request), body.get("as"))
        try:
            mid, row, col = (int(body[k]) for k in ("message_id", "row", "col"))
        except (KeyError, TypeError, ValueError):
            raise ApiError("tap_fields", "message_id, row, col: numbers") from None
        try:
            message, label = view.button_label(group, mid, row, col)  # type: ignore[arg-type]
            update = await group.tap(speaker, label, message)
        except LookupError as exc:
            raise ApiError("button_gone", str(exc).split("\n")[0]) from None
        return _json({"update_id": update, "label": label})

    async def tap(self, request: web.Request) -> web.Response:
        body = await _body(request)
        if "as" in body:
            return await self._group_tap(request, body)
        user = self._user(request)
        try:
            mid, row, col = (int(body[k]) for k in ("message_id", "row", "col"))
        except (KeyError, TypeError, ValueError):
            raise ApiError("tap_fields", "message_id, row, col: numbers") from None
        try:
            message, label = view.button_label(user, mid, row, col)
            update = await user.tap(label, message)
        except LookupError as exc:
            raise ApiError("button_gone", str(exc).split("\n")[0]) from None
        return _json({"update_id": update, "label": label})

    async def press(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        label = body.get("text")
        if not isinstance(label, str) or not label:
            raise ApiError("key_label", "text: the key's label")
        try:
            update = await user.press(label)
        except LookupError as exc:
            raise ApiError("key_gone", str(exc), key=label) from None
        return _json({"update_id": update})

    async def location(self, request: web.Request) -> web.Response:
        user = self._user(request)
        body = await _body(request)
        try:
            lat = float(body.get("latitude", FAKE_LOCATION[0]))
            lon = float(body.get("longitude", FAKE_LOCATION[1]))
        except (TypeError, ValueError):
            raise ApiError("location_fields", "latitude, longitude: numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ApiError("location_range", "latitude, longitude: out of range")
        return _json({"update_id": await user.share_location(lat, lon)})

    async def photo(self, request: web.Request) -> web.Response:
        user = self._user(request)
        if not request.content_type.startswith("multipart/"):
            raise ApiError("photo_form", "send the photo as multipart/form-data with a field named file")
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise ApiError("photo_missing", "file: the photo")
        data = upload.file.read()
        if not data:
            raise ApiError("photo_empty", "file: empty")
        caption_raw = form.get("caption")
        caption = caption_raw.strip() if isinstance(caption_raw, str) and caption_raw.strip() else None
        reply_raw = form.get("reply_to")
        reply_to = self._reply_to(user, reply_raw if isinstance(reply_raw, str) and reply_raw else None)
        if reply_to is not None:
            update = await user.reply(reply_to, photo=data, caption=caption)
        else:
            update = await user.send_photo(data, caption=caption)
        return _json({"update_id": update})

    async def file(self, request: web.Request) -> web.Response:
        _, emu = self.sb.running()
        found = view.file_content(emu, request.match_info["file_id"])
        if found is None:
            raise ApiError("file_missing", "no such file", 404)
        data, ctype = found
        return web.Response(body=data, headers={"Content-Type": ctype, "Cache-Control": "max-age=3600"})

    async def people(self, request: web.Request) -> web.Response:
        body = await _body(request)
        name, unit, role = (body.get(k) for k in ("name", "unit", "role"))
        if not (isinstance(name, str) and isinstance(unit, str) and isinstance(role, str)):
            raise ApiError("person_fields", "name, unit, role: strings")
        try:
            user = await self.sb.add_person(name, unit, role)
        except TimeoutError as exc:
            raise ApiError("join_timeout", f"the bot did not welcome the new phone: {exc}", 504) from None
        return _json({"id": user.id, "name": user.first_name}, status=201)

    async def clock(self, request: web.Request) -> web.Response:
        body = await _body(request)
        key = body.get("jump")
        if not isinstance(key, str):
            raise ApiError("jump_unknown", "jump: hour, day, morning, job:NAME or deadline", jump="")
        return _json(await self.sb.jump(key))

    async def fresh(self, request: web.Request) -> web.Response:
        await _body(request)
        return _json(await self.sb.fresh())


def web_app(sandbox: Sandbox) -> web.Application:
    """The page and its API for ``sandbox``."""
    routes = _Routes(sandbox)
    app = web.Application(middlewares=[_errors, _same_origin], client_max_size=MAX_PHOTO_BYTES + 65536)
    app.router.add_get("/", routes.index)
    app.router.add_get("/static/{name}", routes.static)
    app.router.add_get("/api/state", routes.state)
    app.router.add_post("/api/phones/{id}/text", routes.text)
    app.router.add_post("/api/phones/{id}/tap", routes.tap)
    app.router.add_post("/api/phones/{id}/press", routes.press)
    app.router.add_post("/api/phones/{id}/location", routes.location)
    app.router.add_post("/api/phones/{id}/photo", routes.photo)
    app.router.add_get("/api/files/{file_id}", routes.file)
    app.router.add_post("/api/people", routes.people)
    app.router.add_post("/api/clock", routes.clock)
    app.router.add_post("/api/fresh", routes.fresh)
    return app


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
        raise ApiError("not_found", "not found", 404)
    return web.Response(body=path.read_bytes(), headers={"Content-Type": ctype, "Cache-Control": "no-cache"})


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise ApiError("json_body", "send a JSON object") from None
    if not isinstance(body, dict):
        raise ApiError("json_body", "send a JSON object")
    return body


def _group_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        raise ApiError("no_phone", "phone id must be a number", 404, phone=request.match_info["id"]) from None


def _optional_id(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError("message_number", f"{name}: a message number") from None


@web.middleware
async def _errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        body = {"error": str(exc), "code": exc.code, "fields": exc.fields}
        return _json(body, status=exc.status)


@web.middleware
async def _same_origin(request: web.Request, handler: Any) -> web.StreamResponse:
    """Only the sandbox's own page may act: a POST from another site's page is refused."""
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin and origin.split("://", 1)[-1] != request.host:
        body = {"error": "cross-origin request refused", "code": "cross_origin", "fields": {}}
        return _json(body, status=403)
    return await handler(request)
