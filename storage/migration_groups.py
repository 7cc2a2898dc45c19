"""The schema step of the leaders' groups (issue 22), kept beside ``migration_steps.py`` (which is full)."""

from __future__ import annotations

from storage.migration_steps import _run
from storage.tx import Tx


async def upgrade_v16(tx: Tx) -> None:
    """A unit's leaders' group (issue 22): the one-time codes that link a group, the links (one active link a
    chat), the people the bot has seen in a group (who may read issue details there), and each issue's forum
    topic in a linked group."""
    await _run(
        tx,
        """
        CREATE TABLE group_codes (
            code TEXT PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT
        );
        CREATE TABLE group_links (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            unit_id INTEGER NOT NULL REFERENCES units (id),
            title TEXT NOT NULL DEFAULT '',
            is_forum INTEGER NOT NULL DEFAULT 0,
            bot_admin INTEGER NOT NULL DEFAULT 0,
            unseen INTEGER NOT NULL DEFAULT 0,
            bot_username TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'vi',
            linked_by INTEGER REFERENCES members (id),
            linked_at TEXT NOT NULL,
            unlinked_at TEXT,
            unlink_reason TEXT NOT NULL DEFAULT '',
            digest_day TEXT
        );
        CREATE UNIQUE INDEX group_links_active ON group_links (channel, chat_id) WHERE unlinked_at IS NULL;
        CREATE INDEX group_links_unit ON group_links (unit_id);
        CREATE TABLE group_people (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            external_id TEXT NOT NULL,
            status TEXT NOT NULL,
            seen_at TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id, external_id)
        );
        CREATE TABLE issue_topics (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            thread_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id, issue_id)
        )
        """,
    )
