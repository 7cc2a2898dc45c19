"""The sandbox's sample organisation: a province → commune tree and its people, each joined through a real
invite code sent from a simulated phone (``/start CODE``), exactly as a real member joins.

Seeding is idempotent: units are imported only when missing, and a sample person is invited only when no
member holds their phone yet, so a restarted sandbox keeps its people and adds nobody twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.app import App
from bot.core.tables import Row
from bot.emulator import SimUser, TelegramEmulator
from handlers.admin import import_units
from handlers.people import create_invites
from storage import members as mem
from storage import units as un

CHANNEL = "telegram"
ACTOR = "sandbox"
JOIN_TIMEOUT = 15.0
#: The first phone number (Telegram user id) given to people added from the page.
FIRST_ADDED_ID = 2001

UNITS: list[tuple[str, str, str]] = [
    ("BT", "Tỉnh Bình Thuận", ""),
    ("BT-HT", "Xã Hàm Thắng", "BT"),
    ("BT-HL", "Xã Hàm Liêm", "BT"),
]


@dataclass(frozen=True)
class SamplePerson:
    user_id: int
    name: str
    unit: str
    role: str


PEOPLE: list[SamplePerson] = [
    SamplePerson(1001, "Nguyễn Thị Lan", "BT-HT", "member"),
    SamplePerson(1002, "Phạm Văn Bình", "BT-HT", "member"),
    SamplePerson(1003, "Trần Văn Hùng", "BT-HT", "leader"),
    SamplePerson(1004, "Lê Quang Minh", "BT", "leader"),
    SamplePerson(1005, "Đỗ Thị Hoa", "BT", "admin"),
]


def phone_name(full_name: str) -> str:
    """What the phone's Telegram profile shows: the given name (the last word of a Vietnamese name)."""
    words = full_name.split()
    return words[-1] if words else "?"


async def seed_units(app: App, now: datetime) -> int:
    """Import the sample units that are missing; returns how many were created."""
    db = app.services.db
    existing = {u.code for u in await un.list_units(db.reader, active_only=False)}
    missing = [u for u in UNITS if u[0] not in existing]
    if not missing:
        return 0
    rows = [Row(i + 2, {"code": c, "name": n, "parent": p}) for i, (c, n, p) in enumerate(UNITS)]
    async with db.transaction() as tx:
        result = await import_units(tx, rows, now, ACTOR)
    return result.created


async def join_by_invite(
    app: App, emu: TelegramEmulator, user_id: int, name: str, unit_code: str, role: str, now: datetime
) -> SimUser:
    """A real invite for ``name``, sent as ``/start CODE`` from phone ``user_id``; waits for the welcome."""
    db = app.services.db
    async with db.transaction() as tx:
        unit = await un.get_unit_by_code(tx, unit_code)
        if unit is None or not unit.active:
            raise ValueError(f"no active unit {unit_code!r}")
        [invite] = await create_invites(
            tx,
            app.settings,
            now,
            unit_id=unit.id,
            role=role,
            name=name,
            created_by=ACTOR,
            bot_username=emu.bot_username,
        )
    user = emu.user(user_id, phone_name(name))
    already = len(user.messages)
    await user.send_text(f"/start {invite.code}")
    await _wait_for_messages(user, already + 1)
    return user


async def _wait_for_messages(user: SimUser, count: int) -> None:
    """Wait until the chat holds ``count`` bot messages (the sandbox itself never reads through the cursor
    ``next_message`` keeps, so moving it here hides nothing from anyone)."""
    if len(user.messages) >= count:
        return
    cursor = len(user.messages) - len(user.pending())
    await user.next_messages(count - cursor, timeout=JOIN_TIMEOUT)


async def seed_people(app: App, emu: TelegramEmulator, now: datetime) -> list[SimUser]:
    """Invite and join each sample person whose phone is not a member yet; returns the newly joined."""
    joined = []
    for person in PEOPLE:
        member = await mem.get_member_by_identity(app.services.db.reader, CHANNEL, str(person.user_id))
        if member is not None:
            continue
        joined.append(
            await join_by_invite(app, emu, person.user_id, person.name, person.unit, person.role, now)
        )
    return joined


async def seed(app: App, emu: TelegramEmulator, now: datetime) -> list[SimUser]:
    await seed_units(app, now)
    return await seed_people(app, emu, now)
