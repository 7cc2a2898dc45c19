"""The sandbox page in a real headless Chromium: a member files an urgent report by tapping, the leader sees
the alert and resolves it by replying to it, and after the night the member sees the outcome; every chat
follows its newest message (unless scrolled up: then a "new messages" pill); after a restart the phones show
their earlier conversation; "start afresh" empties them and the database; errors in the page's language.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and Playwright's Python package (never ``playwright
install``: the browser comes from Debian). Without them the test is skipped, unless
``DLXH_REQUIRE_BROWSER=1`` (CI sets it) makes that a failure. It saves a screenshot in the test's temporary folder, or to the path in ``DLXH_SCREENSHOT`` (set it to
docs/sandbox.png to refresh the README's picture).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.config import Settings
from bot.core.texts import t
from bot.sandbox.seed import PEOPLE
from bot.sandbox.server import Sandbox
from storage import conversations as conv
from storage import members as mem
from tests.conftest import VN, make_settings
from tests.test_e2e_leaders import report

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_ENV = "DLXH_SCREENSHOT"
NIGHT = datetime(2026, 12, 1, 21, 40, tzinfo=VN)  # a Tuesday evening, in quiet hours
HELD = t("vi", "act.resolved_held", number=1, count=1, time="07:00 02/12/2026")
WAIT_MS = 10_000
DESCRIPTION = "Hai nhóm thanh niên hẹn đánh nhau ở bãi cát thôn 3"
RESOLUTION = "Đã xử lý xong: hai nhóm đã giải tán, công an xã lập biên bản."

try:
    from playwright.async_api import Locator, Page, async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None  # type: ignore[assignment]


def _missing() -> str | None:
    if async_playwright is None:
        return "the playwright package is not installed (.venv/bin/pip install playwright)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("DLXH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"DLXH_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": 1680, "height": 1000}, locale="vi-VN")
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            yield page
            assert errors == [], errors
        finally:
            await browser.close()


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


def png(width: int = 240, height: int = 150) -> bytes:
    """A real PNG (a field at dusk with a lamp post), so the photo shows in the chat."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if 150 <= x <= 156 and y >= 40:
                rgb = (70, 70, 80)  # the post
            elif (x - 153) ** 2 + (y - 38) ** 2 <= 64:
                rgb = (255, 214, 90)  # the lamp
            elif y > 105:
                rgb = (194, 160, 104)  # sand
            else:
                rgb = (40 + y // 2, 70 + y // 2, 140 + y // 3)  # sky
            row += bytes(rgb)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


PHONES = [p.user_id for p in PEOPLE]
#: How far each chat's newest message sits below the chat's visible bottom (0 or less: in view).
_GAPS_JS = """(ids) => ids.map((id) => {
  const chat = document.querySelector(`[data-phone="${id}"] .chat`);
  const msgs = chat ? chat.querySelectorAll(".msg") : [];
  if (!msgs.length) return [id, null];
  const last = msgs[msgs.length - 1].getBoundingClientRect();
  return [id, Math.round(last.bottom - chat.getBoundingClientRect().bottom)];
})"""


async def newest_in_view(page: Page, ids: list[int] = PHONES) -> None:
    """Every phone shows its newest message at the bottom of its chat, nobody having scrolled."""
    condition = f"(ids) => ({_GAPS_JS})(ids).every(([id, gap]) => gap !== null && gap <= 1)"
    try:
        await page.wait_for_function(condition, arg=ids, timeout=WAIT_MS)
    except Exception:
        gaps = await page.evaluate(_GAPS_JS, ids)
        raise AssertionError(
            f"the newest message is out of view (px below the chat) per phone: {gaps}"
        ) from None


class Phone:
    """One simulated phone on the page."""

    def __init__(self, page: Page, user_id: int) -> None:
        self.root = page.locator(f'[data-phone="{user_id}"]')
        self.chat = self.root.locator(".chat")

    def bot_text(self, text: str) -> Locator:
        return self.chat.locator(".msg.bot .text").get_by_text(text, exact=True)

    async def sees(self, text: str) -> None:
        await expect(self.bot_text(text)).to_be_visible(timeout=WAIT_MS)

    async def tap(self, label: str) -> None:
        """Tap an inline button on the newest bot message that has it."""
        button = self.chat.locator(".inline-buttons").get_by_role("button", name=label, exact=True).last
        await expect(button).to_be_visible(timeout=WAIT_MS)
        await button.click()

    async def press(self, label: str) -> None:
        """Press a key of the reply keyboard (the main menu)."""
        key = self.root.locator(".keyboard").get_by_role("button", name=label, exact=True)
        await expect(key).to_be_visible(timeout=WAIT_MS)
        await key.click()

    async def type(self, text: str) -> None:
        box = self.root.locator(".composer textarea")
        await box.fill(text)
        await box.press("Enter")
        await expect(self.chat.locator(".msg.me .text").get_by_text(text, exact=True)).to_be_visible(
            timeout=WAIT_MS
        )


async def test_report_alert_resolution_by_reply_and_feedback_in_the_browser(
    page: Page, sandbox: Sandbox, tmp_path: Path
) -> None:
    await page.goto(sandbox.url)
    lan, hung = Phone(page, 1001), Phone(page, 1003)
    await expect(page.locator(".phone")).to_have_count(6, timeout=WAIT_MS)  # and the group
    await expect(lan.root.locator(".phone-name")).to_have_text("Nguyễn Thị Lan")
    await expect(hung.root.locator(".phone-sub")).to_have_text("lãnh đạo · Xã Hàm Thắng")
    await expect(page.locator("#clock-time")).to_have_text("01/12/2026 21:40")
    await newest_in_view(page)  # on a fresh load, every chat shows its newest message

    # the member files an urgent report, by tapping, typing, sharing a location and attaching a photo
    await lan.press(t("vi", "menu.report"))
    await lan.tap("Tệ nạn xã hội")
    await lan.sees(t("vi", "report.ask_place"))
    await lan.type("Bãi cát thôn 3")
    await lan.sees(t("vi", "report.ask_location"))
    await lan.root.get_by_role("button", name="Chia sẻ vị trí", exact=True).click()
    await lan.sees(t("vi", "report.ask_describe"))
    await lan.type(DESCRIPTION)
    await lan.sees(t("vi", "report.noted"))
    await lan.root.locator("input.file").set_input_files(
        {"name": "bai-cat.png", "mimeType": "image/png", "buffer": png()}
    )
    await expect(lan.chat.locator(".msg.me img.photo")).to_be_visible(timeout=WAIT_MS)
    await lan.sees(t("vi", "report.noted_media", count=1))
    await lan.tap("Xong")
    await lan.tap(t("vi", "severity.urgent"))
    await lan.tap("Cả thôn, ấp, khu phố")
    await lan.tap("Nghe trực tiếp người dân")
    await lan.tap("Không ghi")
    await lan.tap("✔ Gửi báo cáo")
    filed = lan.chat.locator(".msg.bot .text").filter(has_text="Đã tiếp nhận báo cáo. Vụ việc số #1.")
    await expect(filed).to_be_visible(timeout=WAIT_MS)

    # the commune leader is alerted at once, even at night
    alert = hung.chat.locator(".msg.bot").filter(has_text=t("vi", "alert.urgent"))
    await expect(alert).to_be_visible(timeout=WAIT_MS)
    await expect(alert.locator(".text")).to_contain_text(f"Vụ việc #1: {DESCRIPTION}")

    # ... and resolves it by replying to the alert
    await alert.locator(".bubble").click()
    await expect(hung.root.locator(".replying")).to_be_visible()
    await expect(hung.root.locator(".replying-excerpt")).to_have_text(t("vi", "alert.urgent"))
    await hung.type(RESOLUTION)
    await expect(hung.chat.locator(".msg.me").last.locator(".quote-text")).to_have_text(
        t("vi", "alert.urgent")
    )
    await hung.tap(t("vi", "act.reply_resolve"))
    await hung.tap(t("vi", "act.evidence_none"))
    await hung.sees(HELD)  # 21:40: the leader is told the outcome goes at 07:00, not that it was sent

    # the outcome is not urgent: it waits out the night, then reaches the member
    outcome = t("vi", "notice.resolved", number=1, title=DESCRIPTION, resolution=RESOLUTION)
    await expect(lan.bot_text(outcome)).to_have_count(0)
    await expect(page.locator("#clock-quiet")).to_be_visible()
    await page.locator('[data-jump="morning"]').click()
    await expect(page.locator("#clock-time")).to_have_text("02/12/2026 07:00", timeout=WAIT_MS)
    await lan.sees(outcome)
    await expect(page.locator("#clock-quiet")).to_be_hidden()
    await expect(page.locator("#status")).to_contain_text("02/12/2026 07:00")
    # the messages the morning brought (an outcome, digests) are in view on every phone, unscrolled
    await newest_in_view(page)
    # every jump button is labelled in the page's language, none with a job's bare name
    for lang in ("vi", "en"):
        await page.locator("#lang").select_option(lang)
        labels = await page.locator("#jumps button").all_inner_texts()
        assert sandbox.app is not None and len(labels) > 3 + 5, labels
        bare = [x for x in labels if x.split(" · ")[0] in sandbox.app.runner.jobs]
        assert bare == [], f"untranslated jump buttons ({lang}): {bare}"
    await page.locator("#lang").select_option("vi")

    # the screenshot tells the story: the member's report and its outcome, the leader's reply to the alert
    await _photos_loaded(page)
    await filed.evaluate("node => node.closest('.msg').scrollIntoView({block: 'start'})")
    await hung.chat.locator(".msg.me").last.evaluate("node => node.scrollIntoView({block: 'start'})")
    shot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "sandbox.png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    # on a narrow screen one phone at a time, picked from a list; the page's own labels in English too
    await page.set_viewport_size({"width": 420, "height": 900})
    await expect(page.locator(".phone:visible")).to_have_count(1)
    await expect(lan.root).to_be_visible()
    await page.locator("#phone-select").select_option("1003")
    await expect(hung.root).to_be_visible()
    await expect(lan.root).to_be_hidden()
    await page.locator("#lang").select_option("en")
    await expect(hung.root.locator(".send")).to_have_text("Send")
    await expect(hung.bot_text(HELD)).to_be_visible()


async def _photos_loaded(page: Page) -> None:
    photo = page.locator("img.photo").first
    await expect(photo).to_have_js_property("complete", True)
    assert await photo.evaluate("img => img.naturalWidth") == 240  # a real image, served whole


async def test_restart_keeps_the_chats_and_start_afresh_empties_them(page: Page, settings: Settings) -> None:
    sb = Sandbox(settings, port=0, now=NIGHT)
    await sb.start()
    port = sb._bound_port
    try:
        await page.set_viewport_size({"width": 1280, "height": 600})  # a laptop: the chats overflow
        await page.goto(sb.url)
        await expect(page.locator(f'[data-phone="{PHONES[-1]}"] .msg.bot').first).to_be_visible(
            timeout=WAIT_MS
        )
        await newest_in_view(page)
        lan = Phone(page, 1001)
        await lan.press(t("vi", "menu.report"))
        await lan.sees(t("vi", "report.ask_category"))
    finally:
        await sb.stop()

    # the page stays open while the sandbox restarts on the same port: the chats come back from the folder
    sb = Sandbox(settings, port=port or 0, now=NIGHT + timedelta(minutes=5))
    await sb.start()
    try:
        assert sb.url == page.url
        await expect(page.locator(".phone")).to_have_count(len(PEOPLE) + 1, timeout=WAIT_MS)  # and the group
        await lan.sees(t("vi", "report.ask_category"))
        await expect(lan.chat.locator(".msg.me .text").first).to_contain_text("/start ")
        await expect(lan.root.locator(".keyboard .key")).not_to_have_count(0)
        await newest_in_view(page)
        await lan.tap("Tệ nạn xã hội")  # a button sent before the restart still works
        await lan.sees(t("vi", "report.ask_place"))

        # the layout moving the chat a few pixels up (its height changing for a moment) is not reading back
        await lan.chat.evaluate("chat => { chat.scrollTop -= 3; }")
        await page.wait_for_function(  # back at the very bottom: still following the newest message
            "(id) => { const c = document.querySelector(`[data-phone='${id}'] .chat`);"
            " return c.scrollHeight - c.scrollTop - c.clientHeight <= 1; }",
            arg=1001,
            timeout=WAIT_MS,
        )

        # reading further up, the person stays there when a message arrives, and a pill says so
        assert await lan.chat.evaluate("chat => chat.scrollHeight - chat.clientHeight") > 100
        await lan.chat.hover()
        await page.mouse.wheel(0, -5000)  # the person scrolls up with the mouse
        await page.wait_for_function(
            "(id) => document.querySelector(`[data-phone='${id}'] .chat`).scrollTop < 1",
            arg=1001,
            timeout=WAIT_MS,
        )
        await expect(lan.root.locator(".new-messages")).to_be_hidden()
        await page.locator('[data-jump="morning"]').click()  # the idle draft is reminded in the morning
        await expect(lan.bot_text(t("vi", "report.draft_reminder"))).to_be_attached(timeout=WAIT_MS)
        pill = lan.root.locator(".new-messages")
        await expect(pill).to_be_visible()
        assert await lan.chat.evaluate("chat => chat.scrollTop") < 50
        await newest_in_view(page, [p for p in PHONES if p != 1001])  # the others follow the jump
        await pill.click()
        await expect(pill).to_be_hidden()
        await newest_in_view(page, [1001])

        # a form error in the page's language
        await page.locator("#add-person-toggle").click()
        await page.locator("#add-person input[name=name]").fill("   ")
        await page.locator("#add-person button[type=submit]").click()
        await expect(page.locator("#status")).to_have_text("Lỗi: Họ và tên: từ 1 đến 100 ký tự.")
        await page.locator("#lang").select_option("en")
        await page.locator("#add-person button[type=submit]").click()
        await expect(page.locator("#status")).to_have_text("Error: Full name: 1 to 100 characters.")
        await page.locator("#lang").select_option("vi")
        await page.locator("#add-person input[name=name]").fill("Võ Thị Ánh")
        await page.locator("#add-person button[type=submit]").click()
        await expect(page.locator(".phone")).to_have_count(
            len(PEOPLE) + 2, timeout=WAIT_MS
        )  # the new phone and the group

        # start afresh: asked first, then an empty database with the sample people and empty chats
        page.once("dialog", lambda dialog: dialog.accept())
        await page.locator("#fresh").click()
        await expect(page.locator("#status")).to_contain_text("Đã làm lại từ đầu", timeout=3 * WAIT_MS)
        await expect(page.locator(".phone")).to_have_count(len(PEOPLE) + 1, timeout=WAIT_MS)  # and the group
        await expect(page.locator("#clock-time")).to_have_text("01/12/2026 21:45")  # where this run began
        welcome = t("vi", "invite.welcome", name="Nguyễn Thị Lan", role="", unit="", abilities="")
        await expect(lan.chat.locator(".msg.bot .text").first).to_contain_text(welcome.split("\n")[0])
        await expect(lan.chat.locator(".msg")).to_have_count(len(sb.phones[1001]._chat.raw))
        await expect(lan.bot_text(t("vi", "report.ask_category"))).to_have_count(0)
        await newest_in_view(page)
        assert sb.app is not None
        reader = sb.app.services.db.reader
        assert sorted(m.name for m in await mem.list_members(reader)) == sorted(p.name for p in PEOPLE)
        assert await conv.get_conversation(reader, "telegram", "1001") is None  # the draft is gone
        assert not (sb.settings.data_dir / "emulator" / "files").exists()  # and the restored files
    finally:
        await sb.stop()


async def test_the_group_phone_shows_the_issues_topic(page: Page, sandbox: Sandbox, tmp_path: Path) -> None:
    """The commune's leaders' group on the page: the urgent report's card in its own topic, a leader's reply
    to it and the bot's offer. Saves ``docs/sandbox-group.png`` when ``DLXH_SCREENSHOT`` names a folder's file:
    the picture's path is that of ``DLXH_SCREENSHOT`` with ``-group`` before the suffix."""
    lan, hung = sandbox.phones[1001], sandbox.phones[1003]
    assert sandbox.group is not None
    group = sandbox.group
    await report(lan, "Tệ nạn xã hội", DESCRIPTION, "Khẩn cấp — có nguy cơ thành điểm nóng")
    card = await group.next_message()
    assert card.thread_id in group.topics
    await group.reply(hung, card, "Công an xã đang đến bãi cát.")
    offer = await group.next_message()
    assert offer.labels()[0] == t("vi", "act.reply_resolve")

    await page.set_viewport_size(
        {"width": 1960, "height": 1000}
    )  # the five people and the group side by side
    await page.goto(sandbox.url)
    phone = Phone(page, group.id)
    await expect(phone.root.locator(".phone-name")).to_have_text("Thường trực xã Hàm Thắng", timeout=WAIT_MS)
    await expect(phone.root.locator(".phone-sub")).to_have_text("Nhóm lãnh đạo · đã liên kết với xã")
    await expect(phone.root.locator(".speaker option")).to_have_count(2)  # Hùng and Minh
    await expect(phone.chat.locator(".topic").first).to_contain_text("#1 Hai nhóm thanh niên")
    await phone.sees(t("vi", "act.reply_offer", number=1))
    given = os.environ.get(SCREENSHOT_ENV)
    shot = Path(given).with_name(Path(given).stem + "-group.png") if given else tmp_path / "sandbox-group.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
