"""A unit's leaders' group: the one-time codes that link a group chat to a unit, the links, the people the bot
has seen in a group (who decides whether it may carry issue details), and each issue's forum topic there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Tx
from storage.timeutil import from_ts, ts

PRESENT = ("creator", "administrator", "member", "restricted")  # a ChatMember status of someone in the group


@dataclass(frozen=True)
class GroupCode:
    code: str
    unit_id: int
    member_id: int
    expires_at: datetime
    used_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> GroupCode:
        expires = from_ts(row["expires_at"])
        assert expires is not None
        return cls(row["code"], row["unit_id"], row["member_id"], expires, from_ts(row["used_at"]))


@dataclass(frozen=True)
class GroupLink:
    id: int
    channel: str
    chat_id: str
    unit_id: int
    title: str
    is_forum: bool
    bot_admin: bool
    unseen: int  # people in the group the bot has not seen yet (counted when it was linked)
    bot_username: str  # the bot's name on the group's channel (the "open in private chat" link)
    language: str
    linked_by: int | None
    linked_at: datetime
    unlinked_at: datetime | None
    digest_day: str | None

    @classmethod
    def from_row(cls, row: Any) -> GroupLink:
        linked = from_ts(row["linked_at"])
        assert linked is not None
        return cls(
            row["id"],
            row["channel"],
            row["chat_id"],
            row["unit_id"],
            row["title"],
            bool(row["is_forum"]),
            bool(row["bot_admin"]),
            row["unseen"],
            row["bot_username"],
            row["language"],
            row["linked_by"],
            linked,
            from_ts(row["unlinked_at"]),
            row["digest_day"],
        )

    @property
    def topics(self) -> bool:
        """Each issue gets its own topic: a forum where the bot is an administrator."""
        return self.is_forum and self.bot_admin


# ---------------------------------------------------------------------------------------------- codes


async def create_group_code(
    tx: Tx, code: str, unit_id: int, member_id: int, now: datetime, expires_at: datetime
) -> None:
    await tx.execute(
        "INSERT INTO group_codes (code, unit_id, member_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (code, unit_id, member_id, ts(now), ts(expires_at)),
    )


async def get_group_code(tx: Tx, code: str) -> GroupCode | None:
    row = await tx.fetchone("SELECT * FROM group_codes WHERE code = ?", (code,))
    return GroupCode.from_row(row) if row else None


async def use_group_code(tx: Tx, code: str, now: datetime) -> bool:
    """Spend a code once: False if it was spent already or has expired."""
    cur = await tx.execute(
        "UPDATE group_codes SET used_at = ? WHERE code = ? AND used_at IS NULL AND expires_at > ?",
        (ts(now), code, ts(now)),
    )
    return cur.rowcount == 1


# ---------------------------------------------------------------------------------------------- links


async def create_group_link(
    tx: Tx,
    channel: str,
    chat_id: str,
    unit_id: int,
    now: datetime,
    *,
    title: str,
    is_forum: bool,
    bot_admin: bool,
    unseen: int,
    bot_username: str,
    language: str,
    linked_by: int,
) -> int:
    return await tx.insert(
        "INSERT INTO group_links (channel, chat_id, unit_id, title, is_forum, bot_admin, unseen, bot_username,"
        " language, linked_by, linked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (channel, chat_id, unit_id, title, int(is_forum), int(bot_admin), unseen, bot_username, language,
         linked_by, ts(now)),
    )  # fmt: skip


async def get_group_link(tx: Tx, channel: str, chat_id: str) -> GroupLink | None:
    """The chat's active link."""
    row = await tx.fetchone(
        "SELECT * FROM group_links WHERE channel = ? AND chat_id = ? AND unlinked_at IS NULL",
        (channel, chat_id),
    )
    return GroupLink.from_row(row) if row else None


async def list_group_links(tx: Tx, unit_ids: list[int] | None = None) -> list[GroupLink]:
    """The active links (of these units), oldest first."""
    rows = await tx.fetchall("SELECT * FROM group_links WHERE unlinked_at IS NULL ORDER BY id")
    links = [GroupLink.from_row(r) for r in rows]
    return links if unit_ids is None else [g for g in links if g.unit_id in set(unit_ids)]


async def update_group_chat(
    tx: Tx, link_id: int, *, is_forum: bool | None = None, bot_admin: bool | None = None
) -> None:
    if is_forum is not None:
        await tx.execute("UPDATE group_links SET is_forum = ? WHERE id = ?", (int(is_forum), link_id))
    if bot_admin is not None:
        await tx.execute("UPDATE group_links SET bot_admin = ? WHERE id = ?", (int(bot_admin), link_id))


async def end_group_link(tx: Tx, link_id: int, now: datetime, reason: str) -> bool:
    """Unlink (``reason``: "unlinked" or "removed"); the people seen there and the topics are forgotten."""
    row = await tx.fetchone("SELECT channel, chat_id FROM group_links WHERE id = ?", (link_id,))
    cur = await tx.execute(
        "UPDATE group_links SET unlinked_at = ?, unlink_reason = ? WHERE id = ? AND unlinked_at IS NULL",
        (ts(now), reason, link_id),
    )
    if cur.rowcount != 1 or row is None:
        return False
    await forget_group_chat(tx, row["channel"], row["chat_id"])
    return True


async def forget_group_chat(tx: Tx, channel: str, chat_id: str) -> None:
    await tx.execute("DELETE FROM group_people WHERE channel = ? AND chat_id = ?", (channel, chat_id))
    await tx.execute("DELETE FROM issue_topics WHERE channel = ? AND chat_id = ?", (channel, chat_id))


async def claim_group_digest(tx: Tx, link_id: int, day: str) -> bool:
    """Record today's digest for the group once: False if it went already."""
    cur = await tx.execute(
        "UPDATE group_links SET digest_day = ? WHERE id = ? AND unlinked_at IS NULL"
        " AND (digest_day IS NULL OR digest_day <> ?)",
        (day, link_id, day),
    )
    return cur.rowcount == 1


# ---------------------------------------------------------------------------------------------- people


async def set_group_person(
    tx: Tx, channel: str, chat_id: str, external_id: str, status: str, now: datetime
) -> bool:
    """Record someone's status in the group; True if the bot had not seen them there before."""
    known = await tx.fetchval(
        "SELECT 1 FROM group_people WHERE channel = ? AND chat_id = ? AND external_id = ?",
        (channel, chat_id, external_id),
    )
    await tx.execute(
        "INSERT INTO group_people (channel, chat_id, external_id, status, seen_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (channel, chat_id, external_id) DO UPDATE SET status = excluded.status,"
        " seen_at = excluded.seen_at",
        (channel, chat_id, external_id, status, ts(now)),
    )
    return known is None


async def note_unseen_person_seen(tx: Tx, link_id: int) -> None:
    """Someone who was in the group before it was linked showed up: one fewer the bot has not seen."""
    await tx.execute("UPDATE group_links SET unseen = unseen - 1 WHERE id = ? AND unseen > 0", (link_id,))


async def see_group_person(tx: Tx, channel: str, chat_id: str, external_id: str, now: datetime) -> bool:
    """Someone wrote or tapped in the group: recorded as in it unless known; True if the bot had not seen them."""
    cur = await tx.execute(
        "INSERT INTO group_people (channel, chat_id, external_id, status, seen_at) VALUES (?, ?, ?, 'member', ?)"
        " ON CONFLICT (channel, chat_id, external_id) DO NOTHING",
        (channel, chat_id, external_id, ts(now)),
    )
    return cur.rowcount == 1


async def list_group_people(tx: Tx, channel: str, chat_id: str) -> list[str]:
    """The platform ids of the people seen in the group who are in it now."""
    marks = ", ".join("?" for _ in PRESENT)
    rows = await tx.fetchall(
        f"SELECT external_id FROM group_people WHERE channel = ? AND chat_id = ? AND status IN ({marks})"
        " ORDER BY external_id",
        (channel, chat_id, *PRESENT),
    )
    return [r["external_id"] for r in rows]


# ---------------------------------------------------------------------------------------------- topics


async def get_issue_topic(tx: Tx, channel: str, chat_id: str, issue_id: int) -> str | None:
    return await tx.fetchval(
        "SELECT thread_id FROM issue_topics WHERE channel = ? AND chat_id = ? AND issue_id = ?",
        (channel, chat_id, issue_id),
    )


async def save_issue_topic(
    tx: Tx, channel: str, chat_id: str, issue_id: int, thread_id: str, now: datetime
) -> None:
    await tx.execute(
        "INSERT INTO issue_topics (channel, chat_id, issue_id, thread_id, created_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (channel, chat_id, issue_id) DO NOTHING",
        (channel, chat_id, issue_id, thread_id, ts(now)),
    )


async def get_topic_issue(tx: Tx, channel: str, chat_id: str, thread_id: str) -> int | None:
    """The issue whose topic this is."""
    value = await tx.fetchval(
        "SELECT issue_id FROM issue_topics WHERE channel = ? AND chat_id = ? AND thread_id = ?",
        (channel, chat_id, thread_id),
    )
    return int(value) if value is not None else None


# ---------------------------------------------------------------------------------------------- retention


async def count_ended_links_before(tx: Tx, cutoff: datetime) -> int:
    """Links ended before ``cutoff``, link codes made before it, and the people seen in groups with no active
    link before it."""
    links = await tx.fetchval(
        "SELECT COUNT(*) FROM group_links WHERE unlinked_at IS NOT NULL AND unlinked_at < ?", (ts(cutoff),)
    )
    codes = await tx.fetchval("SELECT COUNT(*) FROM group_codes WHERE created_at < ?", (ts(cutoff),))
    return int(links or 0) + int(codes or 0) + await _stale_people(tx, cutoff, delete=False)


async def delete_ended_links_before(tx: Tx, cutoff: datetime) -> int:
    people = await _stale_people(tx, cutoff, delete=True)
    codes = await tx.execute("DELETE FROM group_codes WHERE created_at < ?", (ts(cutoff),))
    cur = await tx.execute(
        "DELETE FROM group_links WHERE unlinked_at IS NOT NULL AND unlinked_at < ?", (ts(cutoff),)
    )
    return cur.rowcount + codes.rowcount + people


async def _stale_people(tx: Tx, cutoff: datetime, *, delete: bool) -> int:
    where = (
        " FROM group_people p WHERE p.seen_at < ? AND NOT EXISTS (SELECT 1 FROM group_links l"
        " WHERE l.channel = p.channel AND l.chat_id = p.chat_id AND l.unlinked_at IS NULL)"
    )
    if not delete:
        return int(await tx.fetchval("SELECT COUNT(*)" + where, (ts(cutoff),)) or 0)
    cur = await tx.execute(
        "DELETE FROM group_people WHERE seen_at < ? AND NOT EXISTS (SELECT 1 FROM group_links l"
        " WHERE l.channel = group_people.channel AND l.chat_id = group_people.chat_id AND l.unlinked_at IS NULL)",
        (ts(cutoff),),
    )
    return cur.rowcount
