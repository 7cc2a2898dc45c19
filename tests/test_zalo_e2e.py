"""The real application on the Zalo channel, end to end over HTTP against the Zalo emulator.

The app is ``build_app`` with the Zalo channel only: the same services, dispatcher, outbox worker and router
as ``dlxh run``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, build_app
from bot.core.clock import TickingClock
from bot.core.messages import Incoming
from bot.core.texts import t
from bot.emulator.zalo import ZaloEmulator
from handlers.people import role_keyboard
from storage.inbound import list_unhandled_events
from storage.outbox import is_chat_unreachable
from tests.conftest import PINNED, make_settings
from tests.seed import invite_code, seed_units

NOW = PINNED


def build_zalo_app(tmp_path: Path, emu: ZaloEmulator) -> App:
    """``build_app`` with the Zalo channel only (no instance lock, no scheduler)."""
    settings = make_settings(
        tmp_path,
        telegram={"enabled": False},
        zalo={"enabled": True, "base_url": emu.base_url, "poll_timeout": 1},
    )
    return build_app(settings, clock=TickingClock(PINNED), zalo_token=emu.token, lock=False, run_jobs=False)


@asynccontextmanager
async def running(tmp_path: Path, emu: ZaloEmulator) -> AsyncIterator[App]:
    app = build_zalo_app(tmp_path, emu)
    await app.start()
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
async def emu() -> AsyncIterator[ZaloEmulator]:
    async with ZaloEmulator() as e:
        yield e


@pytest.fixture
async def app(tmp_path: Path, emu: ZaloEmulator) -> AsyncIterator[App]:
    async with running(tmp_path, emu) as a:
        await seed_units(a.services.db, NOW)
        yield a


def menu_labels(lang: str, role: str = "member") -> list[str]:
    return [b.label for row in role_keyboard(role, lambda key: t(lang, key)) for b in row]


def me_card(lang: str = "vi") -> str:
    return t(
        lang,
        "me.card",
        name="Phạm Văn Tư",
        unit="Xã Hàm Thắng",
        role=t(lang, "role.member"),
        sectors=t(lang, "me.none"),
        phone=t(lang, "me.none"),
        language=t(lang, f"language.{lang}"),
    )


async def join(app: App, emu: ZaloEmulator, user_id: str = "7f3a9c0d1e2b4a5c6d7e") -> Any:
    code = await invite_code(app.services.db, app.settings, NOW, "X01", "member", "Phạm Văn Tư")
    tu = emu.user(user_id, "Tư")
    await tu.send_text(f"/start {code}")
    return tu


async def test_join_me_and_language_by_typed_numbers(app: App, emu: ZaloEmulator) -> None:
    tu = await join(app, emu)
    welcome = await tu.next_message()
    assert welcome.body() == t(
        "vi",
        "invite.welcome",
        name="Phạm Văn Tư",
        role=t("vi", "role.member"),
        unit="Xã Hàm Thắng",
        abilities=t("vi", "abilities.member"),
    )
    assert welcome.lines[-len(menu_labels("vi")) - 1] == t("vi", "zalo.menu")
    assert welcome.options() == menu_labels("vi")
    assert app.services.bot_usernames["zalo"] == emu.account_name

    await tu.send_text("/me")
    assert (await tu.next_message()).text == me_card()
    await tu.send_text(welcome.number_of(t("vi", "menu.me")))  # the menu, by its number
    assert (await tu.next_message()).text == me_card()

    await tu.send_text("/language")
    ask = await tu.next_message()
    assert ask.body() == t("vi", "language.ask")
    assert ask.lines[-len(ask.options()) - 1] == t("vi", "zalo.choose_number")
    assert ask.options()[:2] == [t("vi", "language.vi"), t("vi", "language.en")]
    await tu.send_text(ask.number_of(t("vi", "language.en")))
    done = await tu.next_message()
    assert done.body() == "Switched to English."
    assert t("en", "zalo.menu") in done.lines and done.options() == menu_labels("en")
    await tu.send_text("/me")
    assert (await tu.next_message()).text == me_card("en")
    assert tu.pending() == []  # the command-menu rows sent nothing
    assert not [line for line in emu.log_lines() if line.startswith("⚠️")]


async def test_an_image_where_text_is_expected_and_a_number_out_of_range(app: App, emu: ZaloEmulator) -> None:
    tu = await join(app, emu)
    await tu.next_message()
    await tu.send_image(b"\xff\xd8\xff\xe0 a photo of the road")
    assert (await tu.next_message()).body() == t("vi", "error.not_expected_media")

    await tu.send_text("/language")
    ask = await tu.next_message()
    await tu.send_text("7")
    again = await tu.next_message()
    assert again.body() == f"{t('vi', 'error.choose_again@zalo')}\n\n{t('vi', 'language.ask')}"  # no buttons
    assert again.options() == ask.options()
    await tu.send_image(b"\xff\xd8\xff\xe0 another photo")  # a photo is no answer either
    assert (await tu.next_message()).body().startswith(t("vi", "error.choose_again@zalo"))
    await tu.send_text("1")  # the numbers of the latest list work
    assert (await tu.next_message()).body() == t("vi", "language.done")


async def test_an_event_stored_but_not_handled_is_handled_after_a_restart(
    tmp_path: Path, emu: ZaloEmulator
) -> None:
    async with running(tmp_path, emu) as first:
        await seed_units(first.services.db, NOW)
        tu = await join(first, emu)
        welcome = await tu.next_message()
        entered = asyncio.Event()

        async def killed_mid_handling(incoming: Incoming) -> bool:
            entered.set()
            await asyncio.Event().wait()  # never returns: the process dies here
            return True

        first.dispatcher.handle = killed_mid_handling  # type: ignore[method-assign]
        await tu.send_text("/me")
        await asyncio.wait_for(entered.wait(), 5)
        [(_key, event)] = await list_unhandled_events(first.services.db.reader, "zalo")
        assert event["message"]["text"] == "/me"
    # the poll task was cancelled inside the handling: nothing was answered, the event stays stored
    assert tu.pending() == [] and emu.pending_events() == 0

    async with running(tmp_path, emu) as second:
        answer = await tu.next_message()
        if answer.text == welcome.text:  # at least once: a stop before its send was recorded repeats it
            answer = await tu.next_message()
        assert answer.text == me_card()
        channel = second.channels[0]
        await channel.wait_handled(1)
        assert await list_unhandled_events(second.services.db.reader, "zalo") == []


async def test_a_blocked_chat_is_marked_unreachable_and_a_429_is_retried(app: App, emu: ZaloEmulator) -> None:
    tu = await join(app, emu)
    await tu.next_message()
    tu.blocked = True
    await tu.send_text("/me")
    await emu.wait_calls("sendMessage", 2)  # the welcome, then the refused answer
    lan = emu.user("0a1b2c3d4e5f60718293", "Lan")
    emu.fail_next("sendMessage", 429, "Too many requests", retry_after=1)
    await lan.send_text("xin chào")
    assert (await lan.next_message(timeout=5)).text == t("vi", "stranger.refuse@zalo")  # after the 429's wait
    assert await is_chat_unreachable(app.services.db.reader, "zalo", tu.chat_id)
    assert tu.pending() == []
    tu.blocked = False
    await tu.send_text("/me")  # writing again makes the chat reachable again
    assert (await tu.next_message()).text == me_card()
