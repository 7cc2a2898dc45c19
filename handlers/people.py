"""Members and invites as plain functions, shared by the chat flows and the CLI."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.config import Settings
from bot.core.messages import KeyButton
from storage import invites as inv
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.db import Tx
from storage.strangers import count_all_invite_failures

log = logging.getLogger(__name__)

# Crockford base32: no I, L, O, U; read case-insensitively. 10 characters = 50 bits of randomness.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    return "".join(text.split()).upper().replace("O", "0").replace("I", "1").replace("L", "1")


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username or '<bot>'}?start={code}"


@dataclass(frozen=True)
class CreatedInvite:
    code: str
    link: str
    expires_at: datetime
    member_id: int | None


async def create_invites(
    tx: Tx,
    settings: Settings,
    now: datetime,
    *,
    unit_id: int,
    role: str,
    created_by: str,
    bot_username: str,
    name: str = "",
    count: int = 1,
    member_id: int | None = None,
) -> list[CreatedInvite]:
    if role not in mem.ROLES:
        raise ValueError(f"unknown role {role!r}")
    expires = now + timedelta(days=settings.invites.expiry_days)
    out = []
    for _ in range(count):
        code = new_code()
        while await inv.get_invite_by_code(tx, code) is not None:
            code = new_code()
        await inv.create_invite(tx, code, unit_id, role, name, created_by, now, expires, member_id)
        await add_audit(tx, now, created_by, "invite.create", f"unit:{unit_id}", role=role, name=name)
        out.append(CreatedInvite(code, invite_link(bot_username, code), expires, member_id))
    return out


@dataclass(frozen=True)
class JoinResult:
    status: str  # joined | bad | used | expired | throttled | already
    member: mem.Member | None = None
    linked: bool = False  # a second channel joined to an existing membership


async def join_with_code(
    tx: Tx,
    settings: Settings,
    now: datetime,
    *,
    channel: str,
    external_id: str,
    chat_id: str,
    code: str,
    display_name: str,
    language: str,
) -> JoinResult:
    """Turn a valid code into a membership; every refusal changes nothing but the wrong-code throttle."""
    existing = await mem.get_member_by_identity(tx, channel, external_id)
    if existing is not None:
        return JoinResult("already", existing)
    window = now - timedelta(hours=1)
    if (
        await inv.count_invite_failures(tx, channel, external_id, window)
        >= settings.invites.max_failures_per_hour
    ):
        return JoinResult("throttled")
    invite = await inv.get_invite_by_code(tx, normalise_code(code)) if code else None
    if invite is None:
        await inv.record_invite_failure(tx, channel, external_id, now)
        await _note_failure_burst(tx, now)
        return JoinResult("bad")
    if invite.used_at is not None:
        return JoinResult("used")
    if invite.expires_at <= now:
        return JoinResult("expired")
    linked = False
    if invite.member_id is not None:
        member_id = invite.member_id
        linked = bool(await mem.list_identities(tx, member_id))
        current = await mem.get_member(tx, member_id)
        await mem.update_member_role(
            tx, member_id, invite.role, invite.unit_id, current.sectors if current else ()
        )
    else:
        member_id = await mem.create_member(
            tx,
            invite.name or display_name or external_id,
            invite.role,
            invite.unit_id,
            now,
            language=language,
        )
    if not await inv.use_invite(tx, invite.id, member_id, now):
        return JoinResult("used")
    await mem.add_identity(tx, member_id, channel, external_id, chat_id, now)
    await add_audit(tx, now, f"member:{member_id}", "invite.join", f"invite:{invite.id}", channel=channel)
    return JoinResult("joined", await mem.get_member(tx, member_id), linked)


BURST_WINDOW = timedelta(minutes=10)
BURST_FAILURES = 50  # wrong codes from all accounts together within BURST_WINDOW


async def _note_failure_burst(tx: Tx, now: datetime) -> None:
    """Log once when wrong codes from many accounts add up (a 50-bit code stays out of reach; a valid one
    always joins, so nothing is refused for it): the line is written when the count reaches the mark."""
    if await count_all_invite_failures(tx, now - BURST_WINDOW) == BURST_FAILURES:
        log.warning(
            "invite codes: %d wrong codes from all accounts within %d minutes (a guessing burst?)",
            BURST_FAILURES,
            BURST_WINDOW.seconds // 60,
        )


async def unit_name(tx: Tx, unit_id: int) -> str:
    unit = await un.get_unit(tx, unit_id)
    return unit.name if unit else "?"


_REPORTING = ("report", "my", "add", "withdraw", "practice")
_LEADING = (
    "open",
    "overdue",
    "issue",
    "find",
    "resolve",
    "assign",
    "comment",
    "reopen",
    "dup",
    "extend",
    "round",
    "topics",
    "briefing",
    "poll",
    "announce",
    "group",
)
ROLE_COMMANDS: dict[str, tuple[str, ...]] = {
    "member": (
        "start",
        *_REPORTING,
        "issue",
        "comment",
        "extend",
        "help",
        "me",
        "phone",
        "leave",
        "link",
        "channel",
        "language",
        "cancel",
    ),
    "leader": (
        "start",
        *_LEADING,
        *_REPORTING,
        "help",
        "me",
        "invite",
        "phone",
        "leave",
        "link",
        "channel",
        "language",
        "cancel",
    ),
    "admin": (
        "start",
        *_LEADING,
        *_REPORTING,
        "help",
        "me",
        "phone",
        "invite",
        "unreachable",
        "link",
        "channel",
        "language",
        "cancel",
    ),
}
ROLE_MENU: dict[str, tuple[tuple[str, ...], ...]] = {
    "member": (("menu.report", "menu.my"), ("menu.help", "menu.me")),
    "leader": (("menu.open", "menu.overdue"), ("menu.report", "menu.my"), ("menu.help", "menu.me")),
    "admin": (
        ("menu.open", "menu.overdue"),
        ("menu.report", "menu.my"),
        ("menu.help", "menu.me"),
        ("menu.invite",),
    ),
}
MENU_COMMANDS = {
    "menu.open": "open",
    "menu.overdue": "overdue",
    "menu.report": "report",
    "menu.my": "my",
    "menu.help": "help",
    "menu.me": "me",
    "menu.invite": "invite",
}


def role_commands(role: str, tr: Callable[[str], str]) -> list[tuple[str, str]]:
    """The command menu of a role, in the language ``tr`` speaks."""
    return [(name, tr(f"cmd.{name}")) for name in ROLE_COMMANDS[role]]


def role_keyboard(role: str, tr: Callable[[str], str]) -> list[list[KeyButton]]:
    """The main-menu reply keyboard of a role."""
    return [[KeyButton(tr(key)) for key in row] for row in ROLE_MENU[role]]
