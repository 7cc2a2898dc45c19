"""A small province → commune tree with people, for tests and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.config import Settings
from bot.core.tables import Row
from handlers.admin import import_units
from handlers.people import create_invites
from storage import units as un
from storage.db import Database

UNITS = [
    ("T01", "Tỉnh Bình Thuận", ""),
    ("X01", "Xã Hàm Thắng", "T01"),
    ("X02", "Xã Hàm Liêm", "T01"),
]


@dataclass
class Seeded:
    units: dict[str, int]


async def seed_units(db: Database, now: datetime) -> Seeded:
    rows = [Row(i + 2, {"code": c, "name": n, "parent": p}) for i, (c, n, p) in enumerate(UNITS)]
    async with db.transaction() as tx:
        await import_units(tx, rows, now)
    units = {u.code: u.id for u in await un.list_units(db.reader)}
    return Seeded(units)


async def invite_code(
    db: Database, settings: Settings, now: datetime, unit: str, role: str, name: str = ""
) -> str:
    async with db.transaction() as tx:
        u = await un.get_unit_by_code(tx, unit)
        assert u is not None
        [created] = await create_invites(
            tx,
            settings,
            now,
            unit_id=u.id,
            role=role,
            name=name,
            created_by="test",
            bot_username="dlxh_test_bot",
        )
    return created.code
