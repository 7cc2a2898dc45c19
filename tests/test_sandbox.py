"""``dlxh sandbox``: the page's HTTP API over real HTTP, the production-database refusal, idempotent seeding,
and clock jumps that run the scheduled jobs at the jumped time."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import AlreadyRunning
from bot.core.config import Settings
from bot.core.texts import t
from bot.emulator import SimUser
from bot.runtime import Services
from bot.sandbox import add_parser
from bot.sandbox.folder import claim, wipe
from bot.sandbox.seed import PEOPLE, UNITS
from bot.sandbox.server import JUST_PAST, Sandbox, SandboxError, run_sandbox, sandbox_settings
from bot.sandbox.web import STATIC_DIR
from scheduler.runner import Job
from storage import members as mem
from storage import units as un
from tests.conftest import VN, make_settings

NIGHT = datetime(2026, 12, 1, 22, 0, tzinfo=VN)  # a Tuesday, in quiet hours
TIMEOUT = 10.0
PNG = b"\x89PNG\r\n\x1a\n" + b"sandbox-photo"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def sandbox(settings: Settings) -> AsyncIterator[Sandbox]:
    sb = Sandbox(settings, port=0, now=NIGHT)
    await sb.start()
    try:
        yield sb
    finally:
        await sb.stop()


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=sandbox.url) as session:
        yield session


async def get(http: aiohttp.ClientSession, path: str) -> dict[str, Any]:
    async with http.get(path) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def post(
    http: aiohttp.ClientSession, path: str, body: dict[str, Any], status: int = 200
) -> dict[str, Any]:
    async with http.post(path, json=body) as r:
        assert r.status == status, await r.text()
        return await r.json()


def people_phones(state: dict[str, Any]) -> list[int]:
    """The people's phones, without the leaders' group phone (bot/sandbox/group.py)."""
    return [p["id"] for p in state["phones"] if not p.get("group")]


def phone(state: dict[str, Any], user_id: int) -> dict[str, Any]:
    return next(p for p in state["phones"] if p["id"] == user_id)


def button(state: dict[str, Any], user_id: int, label: str) -> dict[str, int]:
    """Where the newest inline button ``label`` of that phone is, as the page sends a tap."""
    for m in reversed(phone(state, user_id)["messages"]):
        for r, row in enumerate(m["buttons"]):
            if label in row:
                return {"message_id": m["id"], "row": r, "col": row.index(label)}
    raise AssertionError(f"no button {label!r} on phone {user_id}")


# ---------------------------------------------------------------------------------------------- refusal


def test_refuses_to_run_on_the_production_database(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(SandboxError) as exc:
        Sandbox(settings, data_dir=settings.data_dir)
    message = str(exc.value)
    assert str(settings.database_path) in message
    assert str(settings.data_dir / "dlxh.sqlite3") in message
    # a production database configured where the sandbox would put its own
    custom = make_settings(
        tmp_path, general={"data_dir": str(tmp_path / "data"), "database": "data/sandbox/dlxh.sqlite3"}
    )
    with pytest.raises(SandboxError, match="production database"):
        Sandbox(custom)
    # ... and the same file reached by another spelling of its path
    with pytest.raises(SandboxError):
        Sandbox(settings, data_dir=settings.data_dir / "sandbox" / "..")
    assert not settings.database_path.exists()


async def test_run_sandbox_refuses_before_touching_anything(settings: Settings) -> None:
    with pytest.raises(SandboxError):
        await run_sandbox(settings, port=0, data_dir=str(settings.data_dir))
    assert not settings.data_dir.exists()


def test_the_cli_parser() -> None:
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sandbox", "--port", "9000", "--data-dir", "/tmp/sb"])
    assert (args.command, args.host, args.port, args.data_dir, args.fresh) == (
        "sandbox",
        "127.0.0.1",
        9000,
        Path("/tmp/sb"),
        False,
    )
    assert parser.parse_args(["sandbox", "--fresh"]).fresh is True


# ---------------------------------------------------------------------------------------------- seeding


async def test_seeding_is_idempotent_and_phones_survive_a_restart(settings: Settings) -> None:
    sb = Sandbox(settings, port=0, now=NIGHT)
    await sb.start()
    try:
        assert sb.settings.database_path == settings.data_dir / "sandbox" / "dlxh.sqlite3"
        assert sb.settings.database_path != settings.database_path
        assert sb.app is not None
        db = sb.app.services.db
        members = await mem.list_members(db.reader)
        assert sorted(m.name for m in members) == sorted(p.name for p in PEOPLE)
        assert {(m.name, m.role) for m in members} >= {("Trần Văn Hùng", "leader"), ("Đỗ Thị Hoa", "admin")}
        assert [u.code for u in await un.list_units(db.reader)] == sorted(code for code, _, _ in UNITS)
        lan = sb.phones[1001]
        assert (lan.messages[0].text or "").startswith("Chào mừng đồng chí Nguyễn Thị Lan!")
    finally:
        await sb.stop()
    assert not settings.database_path.exists()  # production untouched

    again = Sandbox(settings, port=0, now=NIGHT + timedelta(minutes=5))
    await again.start()
    try:
        assert again.app is not None
        db = again.app.services.db
        assert len(await mem.list_members(db.reader)) == len(PEOPLE)
        assert len(await un.list_units(db.reader, active_only=False)) == len(UNITS)
        assert sorted(again.phones) == sorted(p.user_id for p in PEOPLE)
        # a restored phone still talks to the bot (new update ids, not the ones the database remembers)
        lan = again.phones[1001]
        await lan.send_text("/start")
        answer = await lan.next_message(timeout=TIMEOUT)
        assert answer.text == t("vi", "start.again", name="Nguyễn Thị Lan")
        # ... and its chat carries on after the earlier one (see test_the_chats_survive_a_restart)
        assert (lan.messages[0].text or "").startswith("Chào mừng đồng chí Nguyễn Thị Lan!")
    finally:
        await again.stop()


async def test_the_chats_survive_a_restart(settings: Settings) -> None:
    """The phones show their earlier conversation after a restart: messages both ways, buttons that still
    work, the reply keyboard, the command menu, photos; new messages and files get new ids."""
    sb = Sandbox(settings, port=0, now=NIGHT)
    await sb.start()
    try:
        async with aiohttp.ClientSession(base_url=sb.url) as http:
            await post(http, "/api/phones/1001/press", {"text": t("vi", "menu.report")})
            await sb.phones[1001].next_message(timeout=TIMEOUT)
            form = aiohttp.FormData()
            form.add_field("file", PNG, filename="cot-dien.png", content_type="image/png")
            async with http.post("/api/phones/1002/photo", data=form) as r:
                assert r.status == 200, await r.text()
            await sb.phones[1002].next_message(timeout=TIMEOUT)
            before = await get(http, "/api/state")
    finally:
        await sb.stop()
    assert (settings.data_dir / "sandbox" / "emulator" / "chats.json").is_file()

    again = Sandbox(settings, port=0, now=NIGHT + timedelta(minutes=5))
    await again.start()
    try:
        async with aiohttp.ClientSession(base_url=again.url) as http:
            after = await get(http, "/api/state")
            assert after["epoch"] != before["epoch"] and after["version"] != before["version"]
            for user_id in (1001, 1002, 1003):
                old, new = phone(before, user_id), phone(after, user_id)
                assert new["messages"] == old["messages"]
                assert (new["keyboard"], new["commands"]) == (old["keyboard"], old["commands"])
            photo = next(m for m in phone(after, 1002)["messages"] if m["photo"])
            async with http.get(f"/api/files/{photo['photo']}") as r:
                assert r.status == 200 and await r.read() == PNG
            # a button sent before the restart still works, and the chat goes on with new message ids
            lan = again.phones[1001]
            await post(http, "/api/phones/1001/tap", button(after, 1001, "Điện sinh hoạt"))
            assert (await lan.next_message(timeout=TIMEOUT)).text == t("vi", "report.ask_place")
            newest = phone(await get(http, "/api/state"), 1001)["messages"]
            old_ids = [m["id"] for m in phone(before, 1001)["messages"]]
            assert [m["id"] for m in newest][: len(old_ids)] == old_ids and newest[-1]["id"] > max(old_ids)
            # a new photo is a new file, not one the database already knows under the same id
            form = aiohttp.FormData()
            form.add_field("file", PNG + b"2", filename="b.png", content_type="image/png")
            async with http.post("/api/phones/1002/photo", data=form) as r:
                assert r.status == 200, await r.text()
            await again.phones[1002].next_message(timeout=TIMEOUT)
            photos = [
                m["photo"] for m in phone(await get(http, "/api/state"), 1002)["messages"] if m["photo"]
            ]
            assert len(set(photos)) == len(photos) == 2
    finally:
        await again.stop()


async def test_start_afresh_empties_the_folder_but_nothing_else(settings: Settings) -> None:
    sb = Sandbox(settings, port=0, now=NIGHT)
    await sb.start()
    folder = sb.settings.data_dir
    try:
        await sb.jump("day")
        await sb.add_person("Võ Thị Ánh", "BT-HL", "member")
        assert sorted(sb.phones)[-1] == 2001
    finally:
        await sb.stop()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")  # something of the person's own
    again = Sandbox(settings, port=0, now=NIGHT + timedelta(hours=1))
    await again.start(fresh=True)  # dlxh sandbox --fresh
    try:
        assert again.app is not None
        assert sorted(again.phones) == sorted(p.user_id for p in PEOPLE)
        assert len(await mem.list_members(again.app.services.db.reader)) == len(PEOPLE)
        assert again.clock.now() == NIGHT + timedelta(hours=1)  # not where the last run had got to
        lan = again.phones[1001]
        assert len(lan.messages) == 1 and (lan.messages[0].text or "").startswith("Chào mừng")
        # the page's button does the same while the page stays open
        await again.add_person("Hà", "BT", "member")
        async with aiohttp.ClientSession(base_url=again.url) as http:
            epoch = (await get(http, "/api/state"))["epoch"]
            result = await post(http, "/api/fresh", {})
            assert result["local"] == "01/12/2026 23:00"
            state = await get(http, "/api/state")
        assert state["epoch"] != epoch and people_phones(state) == [p.user_id for p in PEOPLE]
        assert [m["from"] for m in phone(state, 1001)["messages"]] == ["me", "bot"]
        assert len(await mem.list_members(again.app.services.db.reader)) == len(PEOPLE)
    finally:
        await again.stop()
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not settings.database_path.exists()  # production untouched


def test_the_sandbox_folder_must_be_its_own(settings: Settings, tmp_path: Path) -> None:
    busy = tmp_path / "home"
    busy.mkdir()
    (busy / "thesis.docx").write_bytes(b"years of work")
    sandbox = sandbox_settings(settings, busy)
    with pytest.raises(SandboxError, match="holds other things"):
        claim(sandbox)
    with pytest.raises(SandboxError, match="not marked"):
        wipe(sandbox)
    assert (busy / "thesis.docx").exists()
    # scheduled backups of the sandbox go to its own folder, never among the production backups
    prod = make_settings(tmp_path, backups={"folder": str(tmp_path / "backups")})
    assert sandbox_settings(prod).backups.folder == prod.data_dir / "sandbox" / "backups"


async def test_one_sandbox_per_folder_and_its_time_never_runs_back(settings: Settings) -> None:
    sb = Sandbox(settings, port=0, now=NIGHT)
    await sb.start()
    try:
        await sb.jump("day")
        reached = sb.clock.now()
        with pytest.raises(AlreadyRunning):
            await Sandbox(settings, port=0).start()
        assert datetime.fromisoformat(sb.clock_file.read_text(encoding="utf-8")) == reached
    finally:
        await sb.stop()
    again = Sandbox(settings, port=0)  # no fixed start: now, or where the last run had got to if later
    await again.start()
    try:
        assert again.clock.now() >= reached
    finally:
        await again.stop()


# ---------------------------------------------------------------------------------------------- the page


async def test_the_page_and_its_static_files_are_utf8(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    async with http.get("/") as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        html = await r.text()
    assert '<meta charset="utf-8">' in html and "/static/app.js" in html
    async with http.get("/static/app.js") as r:
        assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
        assert "/static/texts.json" in await r.text()
    async with http.get("/static/texts.json") as r:
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        assert (await r.json())["vi"]["shareLocation"] == "Chia sẻ vị trí"
    async with http.get("/static/style.css") as r:
        assert r.status == 200 and "DejaVu Sans" in await r.text()
    for bad in ("/static/../server.py", "/static/nothing.js", "/static/server.py"):
        async with http.get(bad) as r:
            assert r.status == 404


def _fields(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


async def test_every_label_of_the_page_in_both_languages(sandbox: Sandbox) -> None:
    """texts.json: the same labels in Vietnamese and English (with the same {fields}), one for every job
    the bot runs (a job added later needs its label), one for every error the API can answer with."""
    texts = json.loads((STATIC_DIR / "texts.json").read_text(encoding="utf-8"))
    assert set(texts) == {"vi", "en"}
    flat = {lang: dict(_flatten(texts[lang])) for lang in texts}
    assert set(flat["vi"]) == set(flat["en"])
    assert all(_fields(flat["vi"][k]) == _fields(flat["en"][k]) for k in flat["vi"]), [
        k for k in flat["vi"] if _fields(flat["vi"][k]) != _fields(flat["en"][k])
    ]
    assert sandbox.app is not None
    assert set(sandbox.app.runner.jobs) <= set(texts["vi"]["jobs"])
    sources = "".join(p.read_text(encoding="utf-8") for p in (STATIC_DIR.parent).glob("*.py"))
    codes = set(re.findall(r'ApiError\(\s*"(\w+)"', sources)) | {"cross_origin"}
    assert codes and codes <= set(texts["vi"]["errors"]), codes - set(texts["vi"]["errors"])
    # every data-i18n label of the page has a text
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    used = set(re.findall(r'data-i18n(?:-title|-placeholder)?="(\w+)"', html))
    assert used <= set(texts["vi"]), used - set(texts["vi"])


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in table.items():
        out += _flatten(value, f"{prefix}{key}.") if isinstance(value, dict) else [(f"{prefix}{key}", value)]
    return out


async def test_state_shows_every_phone_and_only_changes_when_something_happens(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    state = await get(http, "/api/state")
    assert people_phones(state) == [p.user_id for p in PEOPLE]
    lan = phone(state, 1001)
    assert (lan["name"], lan["role_label"], lan["unit"]) == ("Nguyễn Thị Lan", "thành viên", "Xã Hàm Thắng")
    assert lan["messages"][0]["from"] == "me" and lan["messages"][0]["text"].startswith("/start ")
    assert lan["messages"][1]["from"] == "bot" and lan["messages"][1]["time"] == "22:00"
    assert lan["keyboard"][0][0] == {"text": t("vi", "menu.report"), "location": False}
    assert ["report", t("vi", "cmd.report")] in lan["commands"]
    assert state["clock"]["local"] == "01/12/2026 22:00" and state["clock"]["quiet"] is True
    assert [u["code"] for u in state["units"]] == ["BT", "BT-HL", "BT-HT"]
    assert [r["label"] for r in state["roles"]] == ["thành viên", "lãnh đạo", "quản trị viên"]

    unchanged = await get(http, f"/api/state?since={state['version']}")
    assert unchanged == {"version": state["version"], "unchanged": True}
    await post(http, "/api/phones/1001/text", {"text": "/help"})
    await sandbox.phones[1001].next_message(timeout=TIMEOUT)
    changed = await get(http, f"/api/state?since={state['version']}")
    assert changed["version"] != state["version"]
    assert [m["text"] for m in phone(changed, 1001)["messages"]][2] == "/help"


async def test_a_report_by_taps_keys_location_photo_and_reply(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    lan = sandbox.phones[1001]

    async def answer(n: int = 1) -> str:
        return (await lan.next_messages(n, timeout=TIMEOUT))[-1].text or ""

    await post(http, "/api/phones/1001/press", {"text": t("vi", "menu.report")})
    assert await answer() == t("vi", "report.ask_category")
    state = await get(http, "/api/state")
    tapped = await post(http, "/api/phones/1001/tap", button(state, 1001, "Điện sinh hoạt"))
    assert tapped["label"] == "Điện sinh hoạt"
    assert await answer() == t("vi", "report.ask_place")
    await post(http, "/api/phones/1001/text", {"text": "Thôn 3, đường ĐT 711"})
    assert await answer() == t("vi", "report.ask_location")
    state = await get(http, "/api/state")
    assert {"text": t("vi", "report.share_location"), "location": True} in phone(state, 1001)["keyboard"][0]
    await post(http, "/api/phones/1001/location", {})
    assert await answer(2) == t("vi", "report.ask_describe")
    await post(http, "/api/phones/1001/text", {"text": "Thôn 3 mất điện từ sáng qua, bà con rất bức xúc."})
    assert await answer() == t("vi", "report.noted")
    form = aiohttp.FormData()
    form.add_field("file", PNG, filename="cot-dien.png", content_type="image/png")
    form.add_field("caption", "Cột điện bị đổ")
    async with http.post("/api/phones/1001/photo", data=form) as r:
        assert r.status == 200, await r.text()
    await answer()
    state = await get(http, "/api/state")
    messages = phone(state, 1001)["messages"]
    location = next(m for m in messages if m["location"])
    assert location["from"] == "me" and location["location"] == {"latitude": 10.9633, "longitude": 108.1272}
    photo = next(m for m in messages if m["photo"] and m["from"] == "me")
    assert photo["text"] == "Cột điện bị đổ"
    async with http.get(f"/api/files/{photo['photo']}") as r:
        assert r.status == 200 and r.headers["Content-Type"] == "image/png"
        assert await r.read() == PNG
    # a reply to one of the bot's messages carries the message it answers
    asked = next(m for m in reversed(messages) if m["from"] == "bot")
    await post(
        http, "/api/phones/1001/text", {"text": "Bổ sung: có người bị thương", "reply_to": asked["id"]}
    )
    await answer()
    state = await get(http, "/api/state")
    reply = next(m for m in phone(state, 1001)["messages"] if m["text"] == "Bổ sung: có người bị thương")
    assert reply["reply_to"]["id"] == asked["id"] and reply["reply_to"]["from"] == "bot"


async def test_api_errors(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    assert await post(http, "/api/phones/9999/text", {"text": "a"}, status=404) == {
        "error": "no phone 9999",
        "code": "no_phone",
        "fields": {"phone": 9999},
    }
    assert "error" in await post(http, "/api/phones/1001/text", {"text": "  "}, status=400)
    assert "error" in await post(http, "/api/phones/1001/text", {"text": "a", "reply_to": 999}, status=400)
    assert "error" in await post(
        http, "/api/phones/1001/tap", {"message_id": 2, "row": 5, "col": 0}, status=400
    )
    assert "error" in await post(http, "/api/phones/1001/press", {"text": "Không có phím này"}, status=400)
    assert "error" in await post(http, "/api/clock", {"jump": "yesterday"}, status=400)
    async with http.post("/api/phones/1001/text", data=b"not json") as r:
        assert r.status == 400
    async with http.post(
        "/api/phones/1001/text", json={"text": "a"}, headers={"Origin": "http://evil.example"}
    ) as r:
        assert r.status == 403
    async with http.get("/api/files/nothing") as r:
        assert r.status == 404


async def test_add_a_person_joins_by_a_real_invite(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    created = await post(
        http, "/api/people", {"name": "  Võ Thị  Ánh ", "unit": "BT-HL", "role": "leader"}, status=201
    )
    assert created == {"id": 2001, "name": "Ánh"}
    state = await get(http, "/api/state")
    anh = phone(state, 2001)
    assert (anh["name"], anh["role"], anh["unit"]) == ("Võ Thị Ánh", "leader", "Xã Hàm Liêm")
    assert anh["messages"][0]["text"].startswith("/start ")
    assert anh["messages"][1]["text"].startswith("Chào mừng đồng chí Võ Thị Ánh!")
    assert (await post(http, "/api/people", {"name": "Hà", "unit": "BT", "role": "member"}, status=201))[
        "id"
    ] == 2002
    await post(http, "/api/people", {"name": "X", "unit": "NOPE", "role": "member"}, status=400)
    await post(http, "/api/people", {"name": "X", "unit": "BT", "role": "boss"}, status=400)
    refused = await post(http, "/api/people", {"name": " ", "unit": "BT", "role": "member"}, status=400)
    assert (refused["code"], refused["fields"]) == ("name_length", {"limit": 100})  # the page words it
    assert people_phones(await get(http, "/api/state"))[-1] == 2002  # nothing changed


# ---------------------------------------------------------------------------------------------- the clock


async def test_a_clock_jump_runs_every_job_at_the_jumped_time(
    sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    assert sandbox.app is not None
    seen: list[datetime] = []

    async def probe(services: Services, now: datetime) -> str:
        seen.append(now)
        return "probed"

    # a job added later (as later issues add theirs) shows up among the jumps by itself
    sandbox.app.runner.jobs["probe"] = Job("probe", "a test job", probe, cron={"hour": 5, "minute": 30})
    state = await get(http, "/api/state")
    jumps = {j["key"]: j for j in state["jumps"]}
    assert jumps["hour"]["local"] == "01/12/2026 23:00"
    assert jumps["day"]["local"] == "02/12/2026 22:00"
    assert jumps["morning"]["local"] == "02/12/2026 07:00"
    assert jumps["job:probe"]["local"] == "02/12/2026 05:30"
    assert jumps["job:digests"]["local"] == "02/12/2026 07:00"
    assert "deadline" not in jumps  # no open issue yet

    result = await post(http, "/api/clock", {"jump": "job:probe"})
    at = datetime(2026, 12, 2, 5, 30, tzinfo=VN)
    assert result["local"] == "02/12/2026 05:30" and result["jobs"]["probe"] == "probed"
    assert seen == [at] and sandbox.clock.now() == at
    ledger = {job.name: rec for job, rec in await sandbox.app.runner.ledger()}
    assert set(result["jobs"]) == set(sandbox.app.runner.jobs)
    assert all(ledger[name] is not None and ledger[name].last_run_at == at for name in result["jobs"])

    await post(http, "/api/clock", {"jump": "hour"})
    assert seen[-1] == at + timedelta(hours=1)
    state = await get(http, "/api/state")
    assert state["clock"]["local"] == "02/12/2026 06:30" and state["clock"]["quiet"] is True
    saved = datetime.fromisoformat(sandbox.clock_file.read_text(encoding="utf-8"))
    assert saved == at + timedelta(hours=1)  # a restart carries on from here, never back in time


async def test_jump_to_the_nearest_open_issue_deadline(sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
    lan, hung = sandbox.phones[1001], sandbox.phones[1003]
    await file_urgent_report(http, lan)
    alert = await hung.next_message(timeout=TIMEOUT)  # urgent: at once, even at night
    assert (alert.text or "").startswith(t("vi", "alert.urgent"))
    assert sandbox.app is not None
    deadline = await sandbox.next_deadline()
    assert deadline is not None and deadline[:2] == (1, "ack")
    state = await get(http, "/api/state")
    jump = next(j for j in state["jumps"] if j["key"] == "deadline")
    assert jump["issue"] == 1 and jump["which"] == "ack"
    assert jump["due"] == deadline[2].astimezone(VN).strftime("%d/%m/%Y %H:%M")
    result = await post(http, "/api/clock", {"jump": "deadline"})
    # just past the deadline, where the follow-up happens (at the deadline itself nothing is overdue yet)
    assert sandbox.clock.now() == deadline[2] + JUST_PAST
    assert result["jobs"]["deadlines"] == "ack 1, handle 0, escalated 0"
    reminder = await hung.next_message(timeout=TIMEOUT)
    assert (reminder.text or "").startswith("⏰ Vụ việc #1 (")


async def file_urgent_report(http: aiohttp.ClientSession, user: SimUser) -> None:
    """The member's report by taps through the page's API: Tệ nạn xã hội, urgent."""
    steps: list[tuple[str, str, int]] = [
        ("press", t("vi", "menu.report"), 1),
        ("tap", "Tệ nạn xã hội", 1),
        ("tap", "Bỏ qua", 1),
        ("press", "Bỏ qua", 2),
        ("text", "Hai nhóm thanh niên hẹn đánh nhau ở bãi cát thôn 3", 1),
        ("tap", "Xong", 1),
        ("tap", t("vi", "severity.urgent"), 1),
        ("tap", "Cả thôn, ấp, khu phố", 1),
        ("tap", "Nghe trực tiếp người dân", 1),
        ("tap", "Không ghi", 1),
        ("tap", "✔ Gửi báo cáo", 1),
    ]
    for action, label, answers in steps:
        if action == "tap":
            await post(
                http, f"/api/phones/{user.id}/tap", button(await get(http, "/api/state"), user.id, label)
            )
        else:
            await post(http, f"/api/phones/{user.id}/{action}", {"text": label})
        last = (await user.next_messages(answers, timeout=TIMEOUT))[-1]
    assert (last.text or "").startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.")
