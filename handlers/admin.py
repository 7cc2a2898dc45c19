"""Administration of units and members, as plain functions the CLI calls inside one transaction.

Every function validates everything first and raises :class:`AdminError` (naming the row or the thing)
before it writes anything, so a bad file imports nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.config import Settings
from bot.core.tables import Row
from handlers.people import CreatedInvite, create_invites
from storage import invites as inv
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.db import Tx


class AdminError(ValueError):
    """A refused administrative action; the message says why, naming the row or code."""


@dataclass(frozen=True)
class UnitImport:
    created: int
    updated: int


async def import_units(tx: Tx, rows: list[Row], now: datetime, actor: str = "cli") -> UnitImport:
    """Rows with code, name, parent (a code, or empty for the top). Re-importing updates, never duplicates."""
    seen: dict[str, Row] = {}
    for row in rows:
        code, name = row.get("code"), row.get("name")
        if not code:
            raise AdminError(f"row {row.number}: empty code")
        if not name:
            raise AdminError(f"row {row.number}: unit {code} has no name")
        if code in seen:
            raise AdminError(f"row {row.number}: duplicate code {code} (first at row {seen[code].number})")
        seen[code] = row
    existing = {u.code: u for u in await un.list_units(tx, active_only=False)}
    parent_of: dict[str, str | None] = {
        c: (u_parent_code(existing, u.parent_id)) for c, u in existing.items()
    }
    for code, row in seen.items():
        parent = row.get("parent") or None
        if parent is not None and parent not in seen and parent not in existing:
            raise AdminError(f"row {row.number}: unit {code} names parent {parent}, which does not exist")
        if parent == code:
            raise AdminError(f"row {row.number}: unit {code} is its own parent")
        parent_of[code] = parent
    for code in seen:
        path = [code]
        current = parent_of.get(code)
        while current is not None:
            if current in path:
                raise AdminError(
                    f"row {seen[code].number}: the parents form a cycle: {' → '.join([*path, current])}"
                )
            path.append(current)
            current = parent_of.get(current)
    created = updated = 0
    ids = {c: u.id for c, u in existing.items()}
    # parents first, so every parent id is known when its child is written
    for code in sorted(seen, key=lambda c: _depth(c, parent_of)):
        row = seen[code]
        parent = parent_of[code]
        parent_id = ids[parent] if parent else None
        if code in existing:
            u = existing[code]
            if u.name != row.get("name") or u.parent_id != parent_id:
                await un.update_unit(tx, u.id, row.get("name"), parent_id, now)
                updated += 1
        else:
            ids[code] = await un.create_unit(tx, code, row.get("name"), parent_id, now)
            created += 1
    await add_audit(tx, now, actor, "units.import", None, created=created, updated=updated)
    return UnitImport(created, updated)


def u_parent_code(existing: dict[str, un.Unit], parent_id: int | None) -> str | None:
    if parent_id is None:
        return None
    return next((c for c, u in existing.items() if u.id == parent_id), None)


def _depth(code: str, parent_of: dict[str, str | None]) -> int:
    depth, current = 0, parent_of.get(code)
    while current is not None and depth < 1000:
        depth += 1
        current = parent_of.get(current)
    return depth


async def merge_units(tx: Tx, old_code: str, new_code: str, now: datetime, actor: str = "cli") -> int:
    """Move members (and, later, issues) of OLD to NEW; OLD stays in history, retired, with its name."""
    old = await un.get_unit_by_code(tx, old_code)
    new = await un.get_unit_by_code(tx, new_code)
    if old is None:
        raise AdminError(f"unit {old_code} does not exist")
    if new is None:
        raise AdminError(f"unit {new_code} does not exist")
    if old.id == new.id:
        raise AdminError("a unit cannot be merged into itself")
    if not new.active:
        raise AdminError(f"unit {new_code} is retired")
    if new.id in await un.list_subtree_ids(tx, old.id):
        raise AdminError(f"unit {new_code} lies below {old_code}: merge it upward instead")
    moved = await mem.move_members(tx, old.id, new.id)
    await inv.move_invites(tx, old.id, new.id)
    await un.move_child_units(tx, old.id, new.id, now)
    await un.retire_unit(tx, old.id, new.id, now)
    await add_audit(
        tx, now, actor, "units.merge", f"unit:{old.id}", into=new.code, old_name=old.name, members=moved
    )
    return moved


async def retire_unit(tx: Tx, code: str, now: datetime, actor: str = "cli") -> str:
    """Retire a unit; its members, invites and children go to its parent (the successor)."""
    unit = await un.get_unit_by_code(tx, code)
    if unit is None:
        raise AdminError(f"unit {code} does not exist")
    if not unit.active:
        raise AdminError(f"unit {code} is already retired")
    if unit.parent_id is None:
        raise AdminError(f"unit {code} is the top of the tree and has no successor")
    parent = await un.get_unit(tx, unit.parent_id)
    assert parent is not None
    await merge_units(tx, code, parent.code, now, actor)
    return parent.code


@dataclass(frozen=True)
class ImportedMember:
    member_id: int
    name: str
    phone: str
    unit_code: str
    role: str
    invite: CreatedInvite


async def import_members(
    tx: Tx, settings: Settings, rows: list[Row], now: datetime, bot_username: str, actor: str = "cli"
) -> list[ImportedMember]:
    """Rows with name, phone, unit (code), role, sectors (codes separated by ; or ,). Each gets an invite."""
    units = {u.code: u for u in await un.list_units(tx)}
    sector_codes = {s.code for s in settings.sectors}
    parsed = []
    for row in rows:
        name, unit_code, role = row.get("name"), row.get("unit"), (row.get("role") or "member").lower()
        if not name:
            raise AdminError(f"row {row.number}: empty name")
        if unit_code not in units:
            raise AdminError(f"row {row.number}: unknown unit {unit_code!r}")
        if role not in mem.ROLES:
            raise AdminError(f"row {row.number}: unknown role {role!r} (expected member, leader or admin)")
        sectors = tuple(s.strip() for s in row.get("sectors").replace(";", ",").split(",") if s.strip())
        unknown = [s for s in sectors if s not in sector_codes]
        if unknown:
            raise AdminError(
                f"row {row.number}: unknown sector {unknown[0]!r} (expected one of {', '.join(sorted(sector_codes))})"
            )
        parsed.append((name, row.get("phone"), units[unit_code], role, sectors))
    out = []
    for name, phone, unit, role, sectors in parsed:
        member_id = await mem.create_member(tx, name, role, unit.id, now, phone=phone, sectors=sectors)
        [invite] = await create_invites(
            tx,
            settings,
            now,
            unit_id=unit.id,
            role=role,
            created_by=actor,
            bot_username=bot_username,
            name=name,
            member_id=member_id,
        )
        out.append(ImportedMember(member_id, name, phone, unit.code, role, invite))
    await add_audit(tx, now, actor, "members.import", None, count=len(out))
    return out


async def deactivate_member(tx: Tx, member_id: int, now: datetime, actor: str = "cli") -> mem.Member:
    member = await mem.get_member(tx, member_id)
    if member is None:
        raise AdminError(f"member {member_id} does not exist")
    if not member.active:
        raise AdminError(f"member {member_id} is already inactive")
    await mem.deactivate_member(tx, member_id, now)
    # their open assignments go back to the owning unit's leaders
    for issue in await iss.list_open_assignments(tx, member_id):
        await iss.update_issue(tx, issue.id, now, assignee_id=None, agency="", state="acknowledged")
        await iss.add_thread_entry(
            tx, issue.id, now, "unassigned", from_state=issue.state, to_state="acknowledged",
            body=f"{member.name}: deactivated",
        )  # fmt: skip
    await add_audit(tx, now, actor, "members.deactivate", f"member:{member_id}", name=member.name)
    return member


async def replace_member(tx: Tx, old_id: int, new_id: int, now: datetime, actor: str = "cli") -> None:
    """The successor NEW takes over OLD's role, unit and sectors; OLD is deactivated."""
    old = await mem.get_member(tx, old_id)
    new = await mem.get_member(tx, new_id)
    if old is None or new is None:
        raise AdminError(f"member {old_id if old is None else new_id} does not exist")
    if old_id == new_id:
        raise AdminError("a member cannot replace themselves")
    if not new.active:
        raise AdminError(f"member {new_id} is inactive")
    await mem.update_member_role(tx, new_id, old.role, old.unit_id, old.sectors)
    for issue in await iss.list_open_assignments(tx, old_id):  # the successor takes over the assignments
        await iss.update_issue(tx, issue.id, now, assignee_id=new_id)
        await iss.add_thread_entry(tx, issue.id, now, "reassigned", body=f"{old.name} → {new.name}")
    if old.active:
        await mem.deactivate_member(tx, old_id, now)
    await add_audit(tx, now, actor, "members.replace", f"member:{old_id}", successor=new_id)
