"""The released schema steps, one function each (``upgrade_vN``), in order. Never edit a released step: add the
next one here and append it to ``storage.migrations.MIGRATIONS``. Each runs inside its own transaction, on SQLite
or PostgreSQL (``storage.tx.MigrationTx`` translates the DDL where the two differ)."""

from __future__ import annotations

from storage.tx import Tx


async def _run(tx: Tx, script: str) -> None:
    """Run a step's statements (``;`` between them, none inside a literal) in the engine's DDL."""
    statements = [tx.dialect.ddl(s) for s in script.split(";") if s.strip()]
    if tx.dialect.name == "postgresql":
        await tx.execute(";".join(statements))  # one round trip
        return
    for statement in statements:
        await tx.execute(statement)


async def upgrade_v1(tx: Tx) -> None:
    await _run(
        tx,
        """
        CREATE TABLE conversations (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            flow TEXT NOT NULL,
            step TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}',
            nonce INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            reminded_at TEXT,
            PRIMARY KEY (channel, chat_id)
        );
        CREATE TABLE processed_updates (
            channel TEXT NOT NULL,
            update_key TEXT NOT NULL,
            processed_at TEXT NOT NULL,
            PRIMARY KEY (channel, update_key)
        );
        CREATE INDEX processed_updates_at ON processed_updates (processed_at);
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before TEXT NOT NULL,
            hold_until TEXT,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            message_id TEXT
        );
        CREATE INDEX outbox_pending ON outbox (status, channel, chat_id, id);
        CREATE TABLE sent_messages (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            outbox_id INTEGER,
            issue_id INTEGER,
            draft_ref TEXT,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id, message_id)
        );
        CREATE TABLE unreachable_chats (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            since TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id)
        );
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT,
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE jobs (
            name TEXT PRIMARY KEY,
            last_run_at TEXT,
            last_result TEXT,
            last_error TEXT,
            next_run_at TEXT,
            runs INTEGER NOT NULL DEFAULT 0
        )
        """,
    )


async def upgrade_v2(tx: Tx) -> None:
    await _run(
        tx,
        """
        CREATE TABLE units (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            parent_id INTEGER REFERENCES units (id),
            active INTEGER NOT NULL DEFAULT 1,
            successor_id INTEGER REFERENCES units (id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX units_parent ON units (parent_id);
        CREATE TABLE members (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            phone TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL CHECK (role IN ('member', 'leader', 'admin')),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            sectors TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT 'vi',
            active INTEGER NOT NULL DEFAULT 1,
            preferred_channel TEXT,
            created_at TEXT NOT NULL,
            deactivated_at TEXT
        );
        CREATE INDEX members_unit ON members (unit_id, role);
        CREATE TABLE identities (
            channel TEXT NOT NULL,
            external_id TEXT NOT NULL,
            member_id INTEGER NOT NULL REFERENCES members (id),
            chat_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (channel, external_id)
        );
        CREATE INDEX identities_member ON identities (member_id);
        CREATE TABLE invites (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            unit_id INTEGER NOT NULL REFERENCES units (id),
            role TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            member_id INTEGER REFERENCES members (id),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            used_by INTEGER REFERENCES members (id)
        );
        CREATE TABLE invite_failures (
            id INTEGER PRIMARY KEY,
            channel TEXT NOT NULL,
            external_id TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX invite_failures_who ON invite_failures (channel, external_id, at)
        """,
    )


async def upgrade_v3(tx: Tx) -> None:
    await _run(
        tx,
        """
        CREATE TABLE inbound_events (
            channel TEXT NOT NULL,
            event_key TEXT NOT NULL,
            payload TEXT NOT NULL,
            received_at TEXT NOT NULL,
            handled_at TEXT,
            PRIMARY KEY (channel, event_key)
        );
        CREATE INDEX inbound_events_unhandled ON inbound_events (handled_at, received_at);
        CREATE TABLE chat_choices (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            choices TEXT NOT NULL,
            shown_at TEXT NOT NULL,
            PRIMARY KEY (channel, chat_id)
        )
        """,
    )


async def upgrade_v4(tx: Tx) -> None:
    await _run(
        tx,
        """
        CREATE TABLE issues (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            category TEXT NOT NULL,
            about_unit_id INTEGER NOT NULL REFERENCES units (id),
            owner_unit_id INTEGER NOT NULL REFERENCES units (id),
            severity TEXT NOT NULL CHECK (severity IN ('normal', 'pressing', 'urgent')),
            state TEXT NOT NULL,
            place TEXT NOT NULL DEFAULT '',
            created_by INTEGER REFERENCES members (id),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            ack_due_at TEXT NOT NULL,
            handle_due_at TEXT NOT NULL,
            acknowledged_at TEXT,
            resolved_at TEXT,
            closed_at TEXT,
            assignee_id INTEGER REFERENCES members (id),
            agency TEXT NOT NULL DEFAULT '',
            duplicate_of INTEGER REFERENCES issues (id),
            resolution TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX issues_owner_state ON issues (owner_unit_id, state, handle_due_at);
        CREATE INDEX issues_about ON issues (about_unit_id, category, state);
        CREATE TABLE reports (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            category TEXT NOT NULL,
            place TEXT NOT NULL DEFAULT '',
            latitude REAL,
            longitude REAL,
            description TEXT NOT NULL,
            severity TEXT NOT NULL,
            people TEXT NOT NULL,
            source TEXT NOT NULL,
            citizen TEXT NOT NULL DEFAULT '',
            confidential INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            withdrawn_at TEXT
        );
        CREATE INDEX reports_issue ON reports (issue_id);
        CREATE INDEX reports_member ON reports (member_id, created_at);
        CREATE TABLE thread_entries (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            at TEXT NOT NULL,
            actor_id INTEGER REFERENCES members (id),
            kind TEXT NOT NULL,
            from_state TEXT,
            to_state TEXT,
            body TEXT NOT NULL DEFAULT '',
            shared INTEGER NOT NULL DEFAULT 0,
            report_id INTEGER REFERENCES reports (id)
        );
        CREATE INDEX thread_entries_issue ON thread_entries (issue_id, id);
        CREATE TABLE attachments (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            report_id INTEGER REFERENCES reports (id),
            entry_id INTEGER REFERENCES thread_entries (id),
            kind TEXT NOT NULL,
            file_ref TEXT NOT NULL,
            mime_type TEXT NOT NULL DEFAULT '',
            filename TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX attachments_issue ON attachments (issue_id)
        """,
    )


async def upgrade_v5(tx: Tx) -> None:
    await _run(
        tx,
        """
        CREATE TABLE sent_message_issues (
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            PRIMARY KEY (channel, chat_id, message_id, issue_id)
        );
        CREATE TABLE digests (
            member_id INTEGER NOT NULL REFERENCES members (id),
            kind TEXT NOT NULL,
            period TEXT NOT NULL,
            sent_at TEXT NOT NULL,
            PRIMARY KEY (member_id, kind, period)
        );
        CREATE TABLE followups (
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            kind TEXT NOT NULL,
            level INTEGER NOT NULL DEFAULT 0,
            due_at TEXT NOT NULL,
            unit_id INTEGER REFERENCES units (id),
            sent_at TEXT NOT NULL,
            PRIMARY KEY (issue_id, kind, level, due_at)
        );
        CREATE TABLE resolution_checks (
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            resolved_at TEXT NOT NULL,
            asked_at TEXT NOT NULL,
            reminded_at TEXT,
            answer TEXT,
            answered_at TEXT,
            PRIMARY KEY (issue_id, member_id, resolved_at)
        );
        CREATE INDEX issues_state_due ON issues (state, handle_due_at)
        """,
    )


async def upgrade_v6(tx: Tx) -> None:
    await _run(
        tx,
        """
        CREATE TABLE rounds (
            id INTEGER PRIMARY KEY,
            period TEXT NOT NULL UNIQUE,
            opens_at TEXT NOT NULL,
            closes_at TEXT NOT NULL,
            briefing_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'open', 'closed')),
            opened_at TEXT,
            closed_at TEXT,
            briefed_at TEXT
        );
        CREATE TABLE round_topics (
            id INTEGER PRIMARY KEY,
            round_id INTEGER NOT NULL REFERENCES rounds (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            text TEXT NOT NULL,
            created_by INTEGER REFERENCES members (id),
            created_at TEXT NOT NULL
        );
        CREATE TABLE round_members (
            round_id INTEGER NOT NULL REFERENCES rounds (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            prompted_at TEXT,
            reminded_at TEXT,
            reminders INTEGER NOT NULL DEFAULT 0,
            answered_at TEXT,
            nothing_new INTEGER NOT NULL DEFAULT 0,
            late INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (round_id, member_id)
        );
        CREATE INDEX round_members_todo ON round_members (round_id, answered_at, prompted_at);
        CREATE TABLE round_answers (
            id INTEGER PRIMARY KEY,
            round_id INTEGER NOT NULL REFERENCES rounds (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            kind TEXT NOT NULL CHECK (kind IN ('topic', 'mood', 'concerns')),
            topic_id INTEGER REFERENCES round_topics (id),
            sector TEXT,
            value TEXT NOT NULL,
            late INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        );
        CREATE INDEX round_answers_round ON round_answers (round_id, unit_id)
        """,
    )


async def upgrade_v7(tx: Tx) -> None:
    await _run(
        tx,
        """
        CREATE TABLE briefing_requests (
            id INTEGER PRIMARY KEY,
            member_id INTEGER NOT NULL REFERENCES members (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            period TEXT NOT NULL,
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT 'command',
            requested_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
            done_at TEXT,
            error TEXT
        );
        CREATE INDEX briefing_requests_pending ON briefing_requests (state, id)
        """,
    )


async def upgrade_v8(tx: Tx) -> None:
    """Indexes the province-scale figures call for (benchmarks/scale.py, benchmarks/RESULTS.md).

    ``issues_owner_state_keys`` extends v4's ``issues_owner_state`` (same leading columns, which it replaces)
    with what a visibility check needs, so a digest reads its thousands of issue keys from the index alone.
    """
    await _run(
        tx,
        """
        CREATE INDEX issues_owner_state_keys
            ON issues (owner_unit_id, state, handle_due_at, about_unit_id, category);
        DROP INDEX issues_owner_state;
        CREATE INDEX issues_owner_created ON issues (owner_unit_id, created_at);
        CREATE INDEX issues_owner_resolved ON issues (owner_unit_id, resolved_at);
        CREATE INDEX issues_duplicate_of ON issues (duplicate_of) WHERE duplicate_of IS NOT NULL;
        CREATE INDEX thread_entries_issue_kind ON thread_entries (issue_id, kind, id);
        CREATE INDEX followups_escalated ON followups (unit_id, kind, sent_at);
        CREATE INDEX reports_unit_category ON reports (unit_id, category, created_at)
        """,
    )


async def upgrade_v9(tx: Tx) -> None:
    """Members' requests to leave the group, pending until a leader decides (one pending per member)."""
    await tx.execute(
        "CREATE TABLE leave_requests ("
        " id INTEGER PRIMARY KEY,"
        " member_id INTEGER NOT NULL REFERENCES members(id),"
        " requested_at TEXT NOT NULL,"
        " decided_at TEXT,"
        " decided_by INTEGER REFERENCES members(id),"
        " outcome TEXT NOT NULL DEFAULT '')"
    )
    await tx.execute("CREATE INDEX leave_requests_member ON leave_requests (member_id, decided_at)")


async def upgrade_v10(tx: Tx) -> None:
    """Quick polls: the question and its options, who it went to, each member's one (changeable) answer, and the
    tallies by unit kept at closing (the answers themselves fall under the privacy purge)."""
    await _run(
        tx,
        """
        CREATE TABLE polls (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units (id),
            created_by INTEGER NOT NULL REFERENCES members (id),
            question TEXT NOT NULL,
            options TEXT NOT NULL,
            allow_other INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            closes_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
            closed_at TEXT,
            recipients INTEGER
        );
        CREATE INDEX polls_state ON polls (state, closes_at);
        CREATE TABLE poll_recipients (
            poll_id INTEGER NOT NULL REFERENCES polls (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            sent_at TEXT NOT NULL,
            PRIMARY KEY (poll_id, member_id)
        );
        CREATE TABLE poll_answers (
            poll_id INTEGER NOT NULL REFERENCES polls (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            choice INTEGER NOT NULL,
            other_text TEXT NOT NULL DEFAULT '',
            answered_at TEXT NOT NULL,
            changes INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (poll_id, member_id)
        );
        CREATE TABLE poll_tallies (
            poll_id INTEGER NOT NULL REFERENCES polls (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            choice INTEGER NOT NULL,
            answers INTEGER NOT NULL,
            PRIMARY KEY (poll_id, unit_id, choice)
        )
        """,
    )


async def upgrade_v11(tx: Tx) -> None:
    """Announcements: the message a leader sends to the members of their subtree (all, a unit's subtree or a
    sector), when, and for each member when it was queued, read ("Đã đọc") and reminded."""
    await _run(
        tx,
        """
        CREATE TABLE announcements (
            id INTEGER PRIMARY KEY,
            unit_id INTEGER NOT NULL REFERENCES units (id),
            created_by INTEGER NOT NULL REFERENCES members (id),
            target_unit_id INTEGER NOT NULL REFERENCES units (id),
            sector TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            attachment TEXT NOT NULL DEFAULT '',
            send_at TEXT NOT NULL,
            created_at TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'sent')),
            sent_at TEXT
        );
        CREATE INDEX announcements_state ON announcements (state, send_at);
        CREATE TABLE announcement_recipients (
            announcement_id INTEGER NOT NULL REFERENCES announcements (id),
            member_id INTEGER NOT NULL REFERENCES members (id),
            unit_id INTEGER NOT NULL REFERENCES units (id),
            channel TEXT NOT NULL,
            chat_id TEXT NOT NULL,
            queued_at TEXT NOT NULL,
            read_at TEXT,
            reminders INTEGER NOT NULL DEFAULT 0,
            reminded_at TEXT,
            PRIMARY KEY (announcement_id, member_id)
        )
        """,
    )


async def upgrade_v12(tx: Tx) -> None:
    """An index on when each report was filed: an export reads a period's reports in that order (a quarter of
    a province: 250,000 of 1,000,000 rows, read by range and already sorted instead of a scan and a sort)."""
    await _run(tx, "CREATE INDEX reports_created ON reports (created_at)")


async def upgrade_v13(tx: Tx) -> None:
    """Faults in operation (issue 17): the outbox's priority, wake-ups from other processes, strangers'
    refusals (one an hour), and the indexes the pruning job deletes by."""
    await _run(
        tx,
        """
        ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX outbox_due ON outbox (status, priority, id);
        CREATE INDEX outbox_sent_at ON outbox (status, sent_at);
        CREATE TABLE wakeups (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE stranger_refusals (
            channel TEXT NOT NULL,
            external_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            refused_at TEXT NOT NULL,
            PRIMARY KEY (channel, external_id, kind)
        );
        CREATE INDEX stranger_refusals_at ON stranger_refusals (refused_at);
        CREATE INDEX invite_failures_at ON invite_failures (at)
        """,
    )


async def upgrade_v14(tx: Tx) -> None:
    """Deadline extensions (gia hạn): the requests and their one decision, and on each issue the handling
    deadline it had before its first approved extension (NULL: never extended since filing or reopening), which
    the handling statistics count (see ``storage.extensions``)."""
    await tx.execute("ALTER TABLE issues ADD COLUMN original_handle_due_at TEXT")
    await _run(
        tx,
        """
        CREATE TABLE extension_requests (
            id INTEGER PRIMARY KEY,
            issue_id INTEGER NOT NULL REFERENCES issues (id),
            requested_by INTEGER NOT NULL REFERENCES members (id),
            requested_at TEXT NOT NULL,
            old_due_at TEXT NOT NULL,
            new_due_at TEXT NOT NULL,
            reason TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'approved', 'refused', 'lapsed')),
            decided_by INTEGER REFERENCES members (id),
            decided_at TEXT
        );
        CREATE INDEX extension_requests_issue ON extension_requests (issue_id, id);
        CREATE UNIQUE INDEX extension_requests_pending ON extension_requests (issue_id) WHERE state = 'pending'
        """,
    )


async def upgrade_v15(tx: Tx) -> None:
    """Evidence to leaders (issue 19): an attachment keeps the platform's own file id (Telegram's
    ``file_id``), so that it is sent again to a leader without uploading its bytes."""
    await tx.execute("ALTER TABLE attachments ADD COLUMN file_id TEXT NOT NULL DEFAULT ''")
