"""Backups taken while the real bot runs, restored into a new folder: every issue, thread entry and
attachment comes back, and the bot runs on the restored data."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import ManualClock
from bot.core.files import FileStore
from bot.core.workcal import WorkCalendar
from bot.emulator import SimUser, TelegramEmulator
from bot.ops.backup import OpsError, backup, list_backups
from bot.ops.restore import restore
from bot.runtime import Services
from scheduler.maintenance import backup_job
from storage import issues as iss
from storage.db import Database
from tests import e2e
from tests.conftest import PINNED, VN, make_settings
from tests.e2e import running
from tests.seed import seed_units

pytestmark = pytest.mark.sqlite_only  # online file backups and restore of a SQLite database

NOW = PINNED
PHOTO_1 = b"\x89PNG\r\n\x1a\nmuong-thon-2-bi-vo"
PHOTO_2 = b"\x89PNG\r\n\x1a\ncot-dien-nghieng"
PHOTO_3 = b"\xff\xd8\xff\xe0JFIF-day-dien-vong"


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator() as e:
        yield e


join = partial(e2e.join, at=NOW)


async def file_report(
    user: SimUser, category: str, lines: list[str], photos: list[bytes], citizen: str = ""
) -> int:
    """The whole report conversation through the emulator; returns the issue number."""
    await user.send_text("/report")
    await user.next_message()
    await user.tap(category)
    await user.next_message()
    await user.tap("Bỏ qua")  # place
    await user.next_message()
    await user.press("Bỏ qua")  # location
    await user.next_messages(2)
    for photo in photos:
        await user.send_photo(photo)
        await user.next_message()
    for line in lines:
        await user.send_text(line)
        await user.next_message()
    for label in ("Xong", "Bức xúc", "Một vài hộ", "Nghe trực tiếp người dân"):
        await user.tap(label)
        await user.next_message()
    if citizen:
        await user.tap("Có, ghi lại")
        await user.next_message()
        await user.send_text(citizen)
        await user.next_message()
        await user.tap("Có, giữ bí mật")
    else:
        await user.tap("Không ghi")
    summary = await user.next_message()
    if "Tạo vụ việc mới" in summary.labels():  # a similar open issue was offered
        await user.tap("Tạo vụ việc mới", summary)
        await user.next_message()
    await user.tap("✔ Gửi báo cáo")
    filed = (await user.next_message()).text or ""
    assert filed.startswith("Đã tiếp nhận báo cáo. Vụ việc số #"), filed
    return int(filed.split("#", 1)[1].split(".", 1)[0])


async def snapshot(db: Database, files: FileStore) -> dict[str, Any]:
    """Everything a restore must bring back: issues, reports, thread entries, attachments and their bytes."""
    out: dict[str, Any] = {}
    reader = db.reader
    ids = [r[0] for r in await reader.fetchall("SELECT id FROM issues ORDER BY id")]
    for issue_id in ids:
        issue = await iss.get_issue(reader, issue_id)
        attachments = await iss.list_attachments(reader, issue_id)
        out[f"issue:{issue_id}"] = {
            "issue": issue,
            "reports": await iss.list_reports(reader, issue_id),
            "thread": await iss.list_thread(reader, issue_id),
            "attachments": attachments,
            "bytes": [files.read(a.file_ref) for a in attachments],
        }
    return out


async def test_backup_while_the_bot_runs_then_restore_brings_everything_back(
    tmp_path: Path, emu: TelegramEmulator
) -> None:
    dest = tmp_path / "backups" / "manual"
    async with running(tmp_path / "live", emu) as app:
        await seed_units(app.services.db, NOW)
        lan = await join(app, emu, 101, "Nguyễn Thị Lan", "X01", "member")
        hung = await join(app, emu, 201, "Trần Văn Hùng", "X01", "leader")
        first = await file_report(
            lan, "Nước sản xuất", ["Mương thôn 2 bị vỡ", "Nước không vào ruộng"], [PHOTO_1],
            citizen="Ông Nguyễn Văn Tư, thôn 2",
        )  # fmt: skip
        second = await file_report(
            lan, "Điện sinh hoạt", ["Cột điện nghiêng sát nhà dân"], [PHOTO_2, PHOTO_3]
        )
        await hung.send_text(f"/comment {first} Đã giao thủy nông xã kiểm tra")
        await hung.next_message()

        # the backup runs while the bot keeps handling and writing
        task = asyncio.create_task(backup(app.settings.database_path, app.settings.files_dir, dest))
        await lan.send_text("/my")
        await lan.next_message()
        await hung.send_text(f"/issue {second}")
        await hung.next_message()
        result = await task
        live = await snapshot(app.services.db, app.services.files)

    assert result.path == dest and (dest / "manifest.json").is_file()
    assert result.counts["issues"] == 2 and result.counts["attachments"] == 3
    assert result.files_total == 3 and result.files_copied == 3 and result.missing_files == []
    assert not dest.with_name("manual.partial").exists()
    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == result.schema_version > 0

    restored = await restore(dest, tmp_path / "restored")
    assert restored.missing_files == [] and restored.corrupt_files == []
    db = await Database.open(restored.database)
    try:
        again = await snapshot(db, FileStore(tmp_path / "restored" / "files"))
    finally:
        await db.close()
    assert again == live
    assert sorted(b for v in again.values() for b in v["bytes"]) == sorted([PHOTO_1, PHOTO_2, PHOTO_3])
    first_reports = again[f"issue:{first}"]["reports"]
    assert first_reports[0].citizen == "Ông Nguyễn Văn Tư, thôn 2" and first_reports[0].confidential
    assert [e.kind for e in again[f"issue:{first}"]["thread"]][:1] == ["report"]
    assert any(e.body == "Đã giao thủy nông xã kiểm tra" for e in again[f"issue:{first}"]["thread"])

    # the bot runs on the restored folder and the member finds both reports
    general = {"data_dir": str(tmp_path / "restored")}
    async with running(tmp_path / "second", emu, general=general):
        await lan.send_text("/my")
        mine = await lan.next_message()
        assert {f"#{first}", f"#{second}"} <= {w.strip(":.,()") for w in " ".join(mine.labels()).split()}


async def test_restore_refuses_a_used_folder_an_incomplete_backup_and_a_newer_schema(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    db = await Database.open(settings.database_path)
    await seed_units(db, NOW)
    await db.close()
    good = (await backup(settings.database_path, settings.files_dir, tmp_path / "b1")).path

    used = tmp_path / "used"
    used.mkdir()
    (used / "something").write_text("x")
    with pytest.raises(OpsError, match="not empty"):
        await restore(good, used)
    assert (used / "something").read_text() == "x" and len(list(used.iterdir())) == 1
    with pytest.raises(OpsError, match="not a complete dlxh backup"):
        await restore(tmp_path / "data", tmp_path / "new1")  # a data folder is not a backup

    conn = sqlite3.connect(good / "dlxh.sqlite3")
    conn.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 'x')")
    conn.commit()
    conn.close()
    with pytest.raises(OpsError, match="newer than this dlxh"):
        await restore(good, tmp_path / "new2")
    assert not (tmp_path / "new2").exists()

    with pytest.raises(OpsError, match="not a dlxh backup"):
        await backup(settings.database_path, settings.files_dir, used)
    with pytest.raises(OpsError, match="no database"):
        await backup(tmp_path / "nothing.sqlite3", settings.files_dir, tmp_path / "b2")


async def test_a_second_backup_copies_only_new_files_and_links_the_rest(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    db = await Database.open(settings.database_path)
    await db.close()
    store = FileStore(settings.files_dir)
    store.save(b"one", ".jpg")
    store.save(b"two", ".jpg")
    first = await backup(settings.database_path, settings.files_dir, tmp_path / "b" / "x")
    assert (first.files_total, first.files_copied) == (2, 2)
    ref = store.save(b"three", ".ogg")
    again = await backup(
        settings.database_path, settings.files_dir, tmp_path / "b" / "x"
    )  # refreshed in place
    assert (again.files_total, again.files_copied, again.files_linked) == (3, 1, 0)
    linked = await backup(
        settings.database_path, settings.files_dir, tmp_path / "b" / "y", link_from=tmp_path / "b" / "x"
    )
    assert (linked.files_copied, linked.files_linked) == (0, 3)
    a, b = tmp_path / "b" / "x" / "files" / ref, tmp_path / "b" / "y" / "files" / ref
    assert a.read_bytes() == b"three" and os.stat(a).st_ino == os.stat(b).st_ino


async def test_the_daily_job_makes_one_backup_a_day_and_keeps_the_last_n(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    db = await Database.open(settings.database_path)
    clock = ManualClock(datetime(2026, 12, 1, 2, 30, tzinfo=VN))
    services = Services(
        db=db, settings=settings, clock=clock, calendar=WorkCalendar(settings.calendar),
        files=FileStore(settings.files_dir),
    )  # fmt: skip
    folder = tmp_path / "backups"
    job = backup_job(3, folder)
    assert job.name == "backup" and job.cron == {"hour": 2, "minute": 30}
    try:
        results = []
        for day in range(5):
            now = clock.now() + timedelta(days=day)
            results.append(await job.run_due(services, now))
            services.files.save(f"photo of day {day}".encode(), ".jpg")
        again = await job.run_due(services, clock.now() + timedelta(days=4, hours=5))  # a restart that day
    finally:
        await db.close()
    assert all(r.startswith("dlxh-2026-12-0") for r in results), results
    assert again.startswith("today's backup exists (dlxh-2026-12-05-023000)")
    kept = [p.name for p in list_backups(folder)]
    assert kept == ["dlxh-2026-12-03-023000", "dlxh-2026-12-04-023000", "dlxh-2026-12-05-023000"]
    assert (folder / kept[-1] / "files").is_dir() and len(list((folder / kept[-1]).rglob("*.jpg"))) == 4
    assert "no backup folder configured" == await backup_job(3).run_due(services, clock.now())
