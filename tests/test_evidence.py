"""Evidence to leaders through the handlers: the card's rule applied to each file (a confidential source's
files only to the owning unit's leaders), protection of sensitive matters, the audit of every opening, the
signed links' rules, and ``dlxh audit``."""

from __future__ import annotations

import argparse
import io
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_app, file_links
from bot.core.buttons import IssueAction, IssueButton, decode, encode
from bot.core.clock import ManualClock
from bot.core.config import ConfigError
from bot.core.links import FileLinks
from bot.core.messages import Attachment, Outgoing
from bot.core.texts import t
from bot.ops.audit import cmd_audit, parse_day
from bot.runtime import Services, expand
from storage.audit import list_audit
from tests.conftest import VN, make_settings
from tests.harness import Harness, Person, labels, person, texts

FILES = encode(IssueButton(IssueAction.FILES, 1))


async def report(p: Person, category: str, *, confidential: bool, photo: str = "ab/photo.jpg") -> None:
    """A report with one photo; its source a citizen whose name is kept confidential, or none."""
    await p.say("/report")
    await p.tap(category)
    await p.say("Bỏ qua")
    await p.say("Bỏ qua")
    await p.say("Cán bộ xã đòi tiền khi làm sổ đỏ")
    await p.send_media("photo", file_ref=photo)
    await p.tap("Xong")
    await p.tap("Bức xúc")
    await p.tap("Một vài hộ")
    await p.tap("Nghe trực tiếp người dân")
    if confidential:
        await p.tap("Có, ghi lại")
        await p.say("Bà Năm, 0909 000 111")
        await p.tap("Có, giữ bí mật")
    else:
        await p.tap("Không ghi")
    await p.tap("✔ Gửi báo cáo")


def files_label(count: int) -> str:
    return t("vi", "btn.files", count=count)


async def test_a_confidential_sources_files_go_only_to_the_owning_units_leaders(
    world: Harness, services: Services
) -> None:
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    minh = await person(world, "301", "Lê Quang Minh", "T01", "leader")
    await report(lan, "Điện sinh hoạt", confidential=True)

    [card] = await hung.say("/issue 1")
    assert files_label(1) in labels(card)
    header, photo = await hung.tap_data(FILES)
    assert header.text == t("vi", "evidence.header", number=1, count=1)
    assert [a.file_ref for a in photo.attachments] == ["ab/photo.jpg"]
    assert photo.protect_content and header.protect_content  # a confidential source: no forwarding, saving

    # the province's leader reads the issue, but not the confidential source: no button, and a forged one
    # sends nothing
    [card] = await minh.say("/issue 1")
    assert "Bà Năm" not in card.text and not any(lb.startswith("Xem tệp") for lb in labels(card))
    assert texts(await minh.tap_data(FILES)) == [t("vi", "evidence.none", number=1)]

    opened = await list_audit(services.db.reader, action="attachment.open")
    assert [(e.actor, e.subject) for e in opened] == [("member:2", "issue:1")]
    views = await list_audit(services.db.reader, action="confidential.view")
    assert {(e.subject, e.detail.get("via")) for e in views} >= {("report:1", "attachments")}


async def test_a_sensitive_matters_evidence_is_protected_and_hidden_from_the_commune(
    world: Harness,
) -> None:
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    minh = await person(world, "301", "Lê Quang Minh", "T01", "leader")
    await report(lan, "Nhũng nhiễu, tiêu cực của cán bộ, công chức", confidential=False)
    assert texts(await hung.tap_data(FILES)) == [t("vi", "issue.not_found", number=1)]
    [card] = await minh.say("/issue 1")
    assert files_label(1) in labels(card)
    header, photo = await minh.tap_data(FILES)
    assert header.protect_content
    assert photo.attachments and photo.protect_content


async def test_an_issue_without_files_has_no_button_and_forged_data_is_refused(world: Harness) -> None:
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    await lan.say("/report")
    for step in ("Điện sinh hoạt",):
        await lan.tap(step)
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Mất điện")
    for label in ("Xong", "Bức xúc", "Một vài hộ", "Nghe trực tiếp người dân", "Không ghi", "✔ Gửi báo cáo"):
        await lan.tap(label)
    [card] = await hung.say("/issue 1")
    assert not any(lb.startswith("Xem tệp") for lb in labels(card))
    assert texts(await hung.tap_data(FILES)) == [t("vi", "evidence.none", number=1)]
    assert texts(await hung.tap_data(encode(IssueButton(IssueAction.FILES, 7)))) == [
        t("vi", "issue.not_found", number=7)
    ]
    # the member who reported it: nothing to send her either
    assert texts(await lan.tap_data(FILES)) == [t("vi", "evidence.none", number=1)]


def test_the_files_button_round_trips_through_the_codec() -> None:
    assert FILES == "a:iss:files:1"
    assert decode(FILES) == IssueButton(IssueAction.FILES, 1)


def test_an_album_is_one_outbox_row_and_files_otherwise_one_each() -> None:
    photos = [Attachment("photo", "a/1.jpg"), Attachment("photo", "a/2.jpg")]
    album = Outgoing(chat_id="1", channel="telegram", text="caption", attachments=photos, album=True)
    assert [len(r.attachments) for r in expand(album)] == [2]
    loose = Outgoing(chat_id="1", channel="telegram", text="caption", attachments=photos)
    assert [len(r.attachments) for r in expand(loose)] == [1, 1, 0]
    pin = Outgoing(chat_id="1", location=(10.5, 108.25))
    assert Outgoing.from_json(pin.to_json()).location == (10.5, 108.25)


def test_signed_links_check_the_file_the_expiry_and_the_secret() -> None:
    now = datetime(2026, 11, 10, 10, 0, tzinfo=VN)
    links = FileLinks(b"0123456789abcdef0123", "https://bot.example.vn/files")
    url = links.url("ab/abc.jpg", now)
    query = dict(kv.split("=") for kv in url.split("?")[1].split("&"))
    assert url.startswith("https://bot.example.vn/files/ab/abc.jpg?exp=")
    assert links.valid("ab/abc.jpg", query["exp"], query["sig"], now + timedelta(hours=23, minutes=59))
    assert not links.valid("ab/abc.jpg", query["exp"], query["sig"], now + timedelta(hours=24))
    assert not links.valid("ab/abd.jpg", query["exp"], query["sig"], now)
    later = str(int(query["exp"]) + 3600)
    assert not links.valid("ab/abc.jpg", later, query["sig"], now)  # a longer life is not for the asking
    other = FileLinks(b"another secret of 20b", "https://bot.example.vn/files")
    assert not other.valid("ab/abc.jpg", query["exp"], query["sig"], now)
    for exp in ("", "-1", "1e9", "١٢٣", "9" * 40):
        assert not links.valid("ab/abc.jpg", exp, query["sig"], now)
    assert "0123456789abcdef" not in repr(links)  # the secret stays out of logs
    with pytest.raises(ValueError):
        FileLinks(b"short", "https://bot.example.vn/files")
    with pytest.raises(ValueError):
        FileLinks(b"0123456789abcdef0123", "https://bot.example.vn/files", hours=0)
    assert FileLinks(b"0123456789abcdef0123", "x", hours=2).expires_at(now) == now + timedelta(hours=2)


def _args(**values: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"since": None, "action": None, "limit": 50, **values})


async def test_dlxh_audit_lists_ids_and_kinds_with_since_and_limit(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    lan = await person(world, "101", "Nguyễn Thị Lan", "X01", "member")
    hung = await person(world, "201", "Trần Văn Hùng", "X01", "leader")
    await report(lan, "Điện sinh hoạt", confidential=True)
    clock.advance(timedelta(days=2))
    await hung.tap_data(FILES)
    settings = services.settings
    out = io.StringIO()
    assert await cmd_audit(settings, _args(action="attachment.*"), out=out) == 0
    [line] = out.getvalue().splitlines()
    assert "  member:2  attachment.open  issue:1  attachments=1 locations=0" in line
    since = (clock.now() - timedelta(days=1)).astimezone(VN).strftime("%d/%m/%Y")
    out = io.StringIO()
    await cmd_audit(settings, _args(since=since), out=out)
    lines = out.getvalue().splitlines()
    assert lines and not any("report.file" in ln or "invite." in ln for ln in lines)  # two days ago: left out
    assert all("Bà Năm" not in ln and "Lan" not in ln and "0909" not in ln for ln in lines)
    out = io.StringIO()
    await cmd_audit(settings, _args(limit=1), out=out)
    assert len(out.getvalue().splitlines()) == 1
    out = io.StringIO()
    assert await cmd_audit(settings, _args(since="31/02/2026"), out=out) == 2
    assert await cmd_audit(settings, _args(limit=0), out=out) == 2
    assert parse_day("2026-12-01", settings) == datetime(2026, 12, 1, tzinfo=settings.tz)


def test_links_need_the_public_url_and_the_secret_and_the_old_key_is_only_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    zalo = {
        "enabled": True,
        "link_secret_env": "DLXH_TEST_SECRET_19",
        "media_base_url": "https://old.example/",
    }
    settings = make_settings(tmp_path, zalo=zalo, webhook={"public_url": "https://bot.example.vn"})
    monkeypatch.delenv("DLXH_TEST_SECRET_19", raising=False)
    assert file_links(settings) is None
    monkeypatch.setenv("DLXH_TEST_SECRET_19", "short")
    with pytest.raises(ConfigError, match="at least 16 bytes"):
        file_links(settings)
    monkeypatch.setenv("DLXH_TEST_SECRET_19", "s3cr3t-" * 4)
    links = file_links(settings)
    assert links is not None and links.base == "https://bot.example.vn/files" and links.hours == 24
    assert file_links(make_settings(tmp_path, zalo=zalo)) is None  # no public address: no links
    with caplog.at_level(logging.WARNING):
        app = build_app(
            settings, clock=ManualClock(datetime(2026, 11, 10, 10, 0, tzinfo=VN)), zalo_token="1:x"
        )
    assert app.webhook is not None and app.webhook.files_path == "/files"
    assert any("media_base_url is deprecated and ignored" in r.getMessage() for r in caplog.records)
    assert all("s3cr3t" not in r.getMessage() for r in caplog.records)
    with pytest.raises(ConfigError, match="files_path"):
        make_settings(tmp_path, zalo={"files_path": "files"})
