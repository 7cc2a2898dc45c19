"""Who may see and do what with an issue. Every action calls these on the server, whatever the button said."""

from __future__ import annotations

from bot.core.config import Settings
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.db import Tx

OPEN = iss.OPEN_STATES
LEADER_ACTIONS = {
    "ack": ("new", "reopened"),
    "assign": ("new", "acknowledged", "assigned", "reopened"),
    "comment": (*OPEN, "resolved"),
    "update": (*OPEN, "resolved"),
    "resolve": OPEN,
    "dup": OPEN,
    "move": OPEN,
    "close": OPEN,
    "reopen": ("resolved", "closed"),
    "confirm": OPEN,
}
ASSIGNEE_ACTIONS = {"progress": ("assigned", "reopened"), "propose": ("assigned", "reopened")}


async def scope_units(tx: Tx, member: mem.Member) -> list[int]:
    """The units whose issues a leader (or admin) acts for: their own and every unit below it."""
    if member.role == "admin":
        return [u.id for u in await un.list_units(tx, active_only=False)]
    if member.role != "leader":
        return []
    return await un.list_subtree_ids(tx, member.unit_id)


async def leads(tx: Tx, settings: Settings, member: mem.Member, issue: iss.Issue) -> bool:
    """A leader sees issues owned in their subtree; for a sensitive category, not if they lead the unit it is
    about or one below it (unless they lead the owning unit itself, at the top of the tree)."""
    if not member.active:
        return False
    if member.role == "admin":
        return True
    if member.role != "leader":
        return False
    subtree = await un.list_subtree_ids(tx, member.unit_id)
    if issue.owner_unit_id not in subtree:
        return False
    category = settings.category(issue.category)
    if category is not None and category.sensitive and member.unit_id != issue.owner_unit_id:
        about_subtree = await un.list_subtree_ids(tx, issue.about_unit_id)
        if member.unit_id in about_subtree:
            return False
    return True


async def may_see(tx: Tx, settings: Settings, member: mem.Member, issue: iss.Issue) -> bool:
    if await leads(tx, settings, member, issue):
        return True
    if issue.assignee_id == member.id:
        return True
    return any(r.member_id == member.id for r in await iss.list_reports(tx, issue.id))


async def sees_confidential(tx: Tx, member: mem.Member, issue: iss.Issue) -> bool:
    """A confidential source: only the leaders of the owning unit."""
    return member.role == "leader" and member.unit_id == issue.owner_unit_id


async def allowed_actions(tx: Tx, settings: Settings, member: mem.Member, issue: iss.Issue) -> list[str]:
    out = []
    if await leads(tx, settings, member, issue):
        out += [
            a
            for a, states in LEADER_ACTIONS.items()
            if issue.state in states and a not in ("update", "confirm")
        ]
    if issue.assignee_id == member.id:
        out += [a for a, states in ASSIGNEE_ACTIONS.items() if issue.state in states]
    return out


async def can(tx: Tx, settings: Settings, member: mem.Member, issue: iss.Issue, action: str) -> bool:
    if action in LEADER_ACTIONS and await leads(tx, settings, member, issue):
        return True
    return action in ASSIGNEE_ACTIONS and issue.assignee_id == member.id and member.active


async def assignable_units(tx: Tx, issue: iss.Issue) -> list[int]:
    """An issue may go to a member of the owning unit's subtree or of a unit above it."""
    return [
        *await un.list_subtree_ids(tx, issue.owner_unit_id),
        *await un.list_ancestor_ids(tx, issue.owner_unit_id),
    ]


async def owning_leaders(tx: Tx, unit_id: int) -> list[mem.Member]:
    """The leaders of a unit; if it has none, of the nearest unit above that has some."""
    for candidate in [unit_id, *await un.list_ancestor_ids(tx, unit_id)]:
        leaders = await mem.list_unit_leaders(tx, candidate)
        if leaders:
            return leaders
    return []
