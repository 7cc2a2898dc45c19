"""A synthetic province for the scale benchmark, written through the real migrations and cached.

    .venv/bin/python -m benchmarks.synth [--issues 200000] [--reports 1000000] [--members 1500]
                                         [--communes 100] [--districts 10] [--force]

One province, its districts and ~100 communes; 1,500 members (group members, commune, district and
province leaders, two admins) each with a Telegram identity; three years of issues ending at ``NOW``
with realistic life cycles (acknowledged, assigned, progress notes, proposals, resolved, closed after the
check window, reopened, duplicates, closed without action, withdrawn, and a share stuck open and overdue),
severities and deadlines, a skewed number of reports per issue (most 1–3, a few hot spots with hundreds),
thread entries for every report and state change, attachments, deadline follow-ups and escalations.

The schema comes from ``storage.migrations.migrate`` (whatever its head is when the file is generated);
the indexes those migrations created are dropped for the bulk load and re-created from their own DDL.
No ``ANALYZE`` is run: a production database has no statistics either. A cached file older than the
migrations is upgraded in place by whoever opens it (the bot does the same at start).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import time
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.harness import CACHE
from benchmarks.synth_words import (
    CATEGORIES,
    COMMUNE_WORDS,
    DETAILS,
    DISTRICT_NAMES,
    GIVEN,
    MIDDLES,
    PEOPLE,
    PLACES,
    SOURCES,
    SURNAMES,
    TOPICS,
)
from storage.db import Database

GENERATOR_VERSION = 1
VN = ZoneInfo("Asia/Ho_Chi_Minh")
#: The synthetic "now": a Tuesday mid-morning, Hanoi time (the tests' anchor day).
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=VN)
NOW_S = NOW.timestamp()
HOUR = 3600.0
DAY = 86400.0
CHUNK = 4000  # issues per transaction


def path_for(issues: int, reports: int, members: int, communes: int, districts: int) -> Path:
    return (
        CACHE / f"synth-g{GENERATOR_VERSION}-i{issues}-r{reports}-m{members}-c{communes}-d{districts}.sqlite3"
    )


def stamp(seconds: float) -> str:
    """Epoch seconds as stored text (storage.timeutil.ts)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Unit:
    id: int
    code: str
    name: str
    parent: int | None
    level: int  # 0 province, 1 district, 2 commune


class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.a = args
        self.rng = random.Random(20261201)
        self.units: list[Unit] = []
        self.members_by_unit: dict[int, list[int]] = {}
        self.leaders_by_unit: dict[int, list[int]] = {}
        self.names: dict[int, str] = {}
        self.counts = {"units": 0, "members": 0, "issues": 0, "reports": 0, "thread_entries": 0,
                       "attachments": 0, "followups": 0, "resolution_checks": 0}  # fmt: skip
        self.next_report = 1
        self.next_entry = 1
        self.next_attachment = 1
        pool_rng = random.Random(7)
        self.pools = {
            code: [self._describe(pool_rng, code) for _ in range(1500)] for code, _, _ in CATEGORIES
        }

    # ------------------------------------------------------------------ people and units

    def _name(self) -> str:
        r = self.rng
        return f"{r.choice(SURNAMES)} {r.choice(MIDDLES)} {r.choice(GIVEN)}"

    @staticmethod
    def _describe(r: random.Random, code: str) -> str:
        parts = [r.choice(TOPICS[code]) + " tại " + r.choice(PLACES).format(n=r.randint(1, 15))]
        for _ in range(r.randint(1, 4)):
            parts.append(r.choice(DETAILS).format(n=r.randint(2, 120)))
        text = ", ".join(parts) + "."
        if r.random() < 0.25:
            text += "\n" + r.choice(DETAILS).format(n=r.randint(2, 60)).capitalize() + "."
        return text

    def units_and_people(self, db: sqlite3.Connection) -> None:
        now = stamp(NOW_S - 4 * 365 * DAY)
        uid = 0

        def add(code: str, name: str, parent: int | None, level: int) -> Unit:
            nonlocal uid
            uid += 1
            u = Unit(uid, code, name, parent, level)
            self.units.append(u)
            return u

        province = add("T01", "Tỉnh Bình Thuận", None, 0)
        districts = [add(f"H{d + 1:02d}", f"Huyện {DISTRICT_NAMES[d % len(DISTRICT_NAMES)]}"
                         + ("" if d < len(DISTRICT_NAMES) else f" {d + 1}"), province.id, 1)
                     for d in range(self.a.districts)]  # fmt: skip
        communes = []
        for c in range(self.a.communes):
            district = districts[c % len(districts)]
            words = self.rng.sample(COMMUNE_WORDS, 2)
            communes.append(add(f"X{c + 1:03d}", f"Xã {words[0]} {words[1]} {c + 1}", district.id, 2))
        db.executemany(
            "INSERT INTO units (id, code, name, parent_id, active, created_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
            [(u.id, u.code, u.name, u.parent, now, now) for u in self.units],
        )
        self.counts["units"] = len(self.units)
        self.province, self.districts, self.communes = province, districts, communes

        people: list[tuple[str, int]] = [("admin", province.id)] * 2 + [("leader", province.id)] * 3
        for d in districts:
            people += [("leader", d.id)] * 2 + [("member", d.id)] * 3
        for c in communes:
            people.append(("leader", c.id))
        rest = self.a.members - len(people)
        weights = [self.rng.uniform(0.4, 2.5) for _ in communes]  # communes differ in size
        for unit in self.rng.choices(communes, weights=weights, k=max(0, rest)):
            people.append(("member", unit.id))
        sectors = ["nong_dan", "cong_nhan", "tri_thuc", "thanh_nien", "phu_nu", "cuu_chien_binh"]
        member_rows, identity_rows = [], []
        for i, (role, unit_id) in enumerate(people[: self.a.members], start=1):
            name = self._name()
            self.names[i] = name
            active = 0 if (role == "member" and self.rng.random() < 0.03) else 1
            (self.leaders_by_unit if role == "leader" else self.members_by_unit).setdefault(unit_id, [])
            if role == "leader" and active:
                self.leaders_by_unit[unit_id].append(i)
            elif role == "member" and active:
                self.members_by_unit[unit_id].append(i)
            member_rows.append((i, name, f"09{self.rng.randint(10_000_000, 99_999_999)}", role, unit_id,
                                ",".join(self.rng.sample(sectors, self.rng.randint(0, 2))), "vi", active, now,
                                None if active else now))  # fmt: skip
            external = str(100_000_000 + i)
            identity_rows.append(("telegram", external, i, external, now))
        db.executemany(
            "INSERT INTO members (id, name, phone, role, unit_id, sectors, language, active, created_at,"
            " deactivated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            member_rows,
        )
        db.executemany(
            "INSERT INTO identities (channel, external_id, member_id, chat_id, created_at) VALUES (?, ?, ?, ?, ?)",
            identity_rows,
        )
        self.counts["members"] = len(member_rows)
        # who reports about a unit: its own members, or for a district the members of its communes
        for d in districts:
            below = [m for c in communes if c.parent == d.id for m in self.members_by_unit.get(c.id, [])]
            self.members_by_unit[d.id] = self.members_by_unit.get(d.id, []) + below
        self.members_by_unit[province.id] = [m for d in districts for m in self.members_by_unit[d.id]]
        self.by_id = {u.id: u for u in self.units}

    def _leader(self, unit_id: int) -> int:
        """A leader of the unit, else of the nearest unit above with one."""
        u: Unit | None = self.by_id[unit_id]
        while u is not None:
            if self.leaders_by_unit.get(u.id):
                return self.rng.choice(self.leaders_by_unit[u.id])
            u = self.by_id.get(u.parent) if u.parent else None
        return 1

    def _ancestors(self, unit_id: int) -> list[int]:
        out, u = [], self.by_id[unit_id]
        while u.parent is not None:
            out.append(u.parent)
            u = self.by_id[u.parent]
        return out

    # ------------------------------------------------------------------ issues

    def issues(self, db: sqlite3.Connection) -> None:
        a, r = self.a, self.rng
        span = 3 * 365 * DAY
        start = NOW_S - span
        # every issue has one report; the rest go to issues by a heavy-tailed weight (hot spots)
        weights = [min(400.0, r.paretovariate(1.15)) for _ in range(a.issues)]
        extra = [0] * a.issues
        if a.reports > a.issues:
            cum = list(accumulate(weights))
            total = cum[-1]
            for _ in range(a.reports - a.issues):
                extra[bisect_left(cum, r.random() * total)] += 1
        cat_codes = [c for c, _, _ in CATEGORIES]
        cat_weights = [w for _, w, _ in CATEGORIES]
        sensitive = {c for c, _, s in CATEGORIES if s}
        commune_weights = [r.uniform(0.4, 2.5) for _ in self.communes]
        t0 = time.perf_counter()
        for chunk_start in range(0, a.issues, CHUNK):
            issues, reports, entries, attachments, followups, checks = [], [], [], [], [], []
            for n in range(chunk_start, min(a.issues, chunk_start + CHUNK)):
                issue_id = n + 1
                created = start + span * (n + r.random()) / a.issues
                code = r.choices(cat_codes, cat_weights)[0]
                x = r.random()
                about = (self.province if x < 0.01 else r.choice(self.districts) if x < 0.10
                         else r.choices(self.communes, commune_weights)[0])  # fmt: skip
                owner = about.parent if code in sensitive and about.parent else about.id
                self._issue(issue_id, created, code, about.id, owner, 1 + extra[n],
                            issues, reports, entries, attachments, followups, checks)  # fmt: skip
            self._write(db, issues, reports, entries, attachments, followups, checks)
            done = min(a.issues, chunk_start + CHUNK)
            if done % (CHUNK * 10) == 0 or done == a.issues:
                rate = done / (time.perf_counter() - t0)
                print(
                    f"  issues {done:>7,}/{a.issues:,}  ({rate:,.0f} issues/s)", file=sys.stderr, flush=True
                )

    def _issue(self, issue_id: int, created: float, code: str, about: int, owner: int, n_reports: int,
               issues: list, reports: list, entries: list, attachments: list, followups: list,
               checks: list) -> None:  # fmt: skip
        r = self.rng
        severity = r.choices(["normal", "pressing", "urgent"], [60, 30, 10])[0]
        if severity == "urgent":
            ack_due, handle_due = created + 4 * HOUR, created + 24 * HOUR
        else:
            ack_due = created + (1 if r.random() < 0.5 else 3) * DAY * 0.45
            handle_due = created + (7 if severity == "pressing" else 14) * DAY
        reporters = self.members_by_unit.get(about) or self.members_by_unit[self.province.id]
        leader = self._leader(owner)
        events, end_open, outcome = self._life_cycle(issue_id, created, severity, n_reports, owner, leader)
        state, acknowledged_at, resolved_at, closed_at, dup_of, resolution, agency, cur_assignee = (
            self._as_of_now(events)
        )
        # --- reports: the first at creation, the rest while the issue was open (hot spots spread out)
        window = max(HOUR, min(end_open, created + (30 if n_reports > 20 else 10) * DAY) - created)
        times = [created, *sorted(created + r.random() * window for _ in range(n_reports - 1))]
        first_text = r.choice(self.pools[code])
        title = first_text.split("\n", 1)[0].strip()
        title = title if len(title) <= 80 else title[:79].rstrip() + "…"
        place = r.choice(PLACES).format(n=r.randint(1, 15))
        issues.append([issue_id, title, code, about, owner, severity, state, place, None, stamp(created),
                       stamp(max([created, *(e[0] for e in events)])), stamp(ack_due), stamp(handle_due),
                       stamp(acknowledged_at) if acknowledged_at else None,
                       stamp(resolved_at) if resolved_at else None, stamp(closed_at) if closed_at else None,
                       cur_assignee, agency, dup_of, resolution])  # fmt: skip
        report_objs = self._reports(issue_id, about, code, severity, place, first_text, times, reporters, events,
                                    outcome)  # fmt: skip
        issues[-1][8] = report_objs[0][2]  # created_by: the first reporter
        reports.extend(report_objs)
        entries.extend(self._thread(issue_id, report_objs, events))
        self._chasing(issue_id, owner, severity, state, created, handle_due, resolved_at, report_objs, followups,
                      entries, checks)  # fmt: skip
        # attachments go with some reports
        for obj in report_objs:
            if r.random() < 0.08:
                attachments.append((issue_id, obj, r.randint(1, 3)))

    def _life_cycle(self, issue_id: int, created: float, severity: str, n_reports: int, owner: int,
                    leader: int) -> tuple[list[tuple[float, str, dict]], float, str]:  # fmt: skip
        """The issue's events (at, kind, fields) up to NOW, when reports stop being added, and the outcome drawn."""
        r = self.rng
        events: list[tuple[float, str, dict]] = []  # (at, kind, fields)
        fast = 0.25 if severity == "urgent" else 1.0
        t = created + r.expovariate(1 / (6 * HOUR * fast))  # acknowledged
        outcome = r.choices(
            ["resolved", "duplicate", "closed_without_action", "withdrawn", "reopened", "stuck"],
            [72, 8, 7, 2 if n_reports == 1 else 0, 6, 4],
        )[0]
        assignee: int | None = None
        end_open = NOW_S  # when reports stop being added (the issue ended)
        if outcome == "withdrawn":
            w = created + r.uniform(0.2, 10) * HOUR
            events.append((w, "withdrawn", {"actor": None}))
            events.append((w, "state", {"from": "new", "to": "withdrawn", "actor": None}))
            end_open = w
        elif outcome == "duplicate":
            d = created + r.uniform(1, 48) * HOUR
            target = max(1, issue_id - r.randint(1, 400))
            events.append((d, "state", {"from": "new", "to": "duplicate", "actor": leader, "body": f"#{target}",
                                        "dup": target}))  # fmt: skip
            end_open = d
        elif outcome == "stuck" and r.random() < 0.15:
            pass  # never acknowledged
        else:
            events.append((t, "state", {"from": "new", "to": "acknowledged", "actor": leader}))
            stall = r.choice(["acknowledged", "assigned", "proposal"]) if outcome == "stuck" else None
            if outcome == "closed_without_action":
                c = t + r.uniform(2, 96) * HOUR
                events.append((c, "state", {"from": "acknowledged", "to": "closed_without_action", "actor": leader,
                                            "body": "Không thuộc thẩm quyền, đã hướng dẫn người dân"}))  # fmt: skip
                end_open = c
            elif stall != "acknowledged":
                t += r.expovariate(1 / (20 * HOUR * fast))
                assignee = r.choice(self.members_by_unit.get(owner) or [leader])
                events.append((t, "state", {"from": "acknowledged", "to": "assigned", "actor": leader,
                                            "body": self.names.get(assignee, "?"), "assignee": assignee}))  # fmt: skip
                for _ in range(r.choice([0, 0, 1, 1, 2, 3])):
                    t += r.expovariate(1 / (30 * HOUR * fast))
                    events.append(
                        (t, "progress", {"actor": assignee, "body": "Đã làm việc với các hộ dân, đang xử lý"})
                    )
                if r.random() < 0.3:
                    t += r.expovariate(1 / (10 * HOUR))
                    events.append((t, "comment", {"actor": leader, "body": "Đề nghị khẩn trương, báo cáo kết quả",
                                                  "shared": 0}))  # fmt: skip
                if stall == "proposal" or r.random() < 0.4:
                    t += r.expovariate(1 / (40 * HOUR * fast))
                    events.append((t, "proposal", {"actor": assignee, "body": "Đề xuất: đã khắc phục xong"}))
                if stall is None:
                    if events[-1][1] == "proposal":
                        t += r.expovariate(1 / (8 * HOUR))
                        events.append((t, "proposal_confirmed", {"actor": leader}))
                    else:
                        t += r.expovariate(1 / (48 * HOUR * fast))
                    events.append((t, "state", {"from": "assigned", "to": "resolved", "actor": leader,
                                                "body": "Đã khắc phục, bà con đồng tình", "resolved": True}))  # fmt: skip
                    end_open = t
                    t += r.uniform(7, 10) * DAY
                    if outcome == "reopened" and r.random() < 0.5:
                        events.append((t - 5 * DAY, "state", {"from": "resolved", "to": "reopened", "actor": leader,
                                                              "body": "Người dân phản ánh chưa khắc phục xong"}))  # fmt: skip
                        end_open = NOW_S
                        if r.random() < 0.3:
                            t = NOW_S  # still reopened
                        t += r.expovariate(1 / (72 * HOUR))
                        events.append((t, "state", {"from": "reopened", "to": "resolved", "actor": leader,
                                                    "body": "Đã khắc phục lần hai", "resolved": True}))  # fmt: skip
                        t += r.uniform(7, 10) * DAY
                    events.append(
                        (t, "state", {"from": "resolved", "to": "closed", "actor": None, "closed": True})
                    )
        events = [e for e in events if e[0] < NOW_S]
        end_open = min(end_open, NOW_S)
        return events, end_open, outcome

    def _as_of_now(self, events: list[tuple[float, str, dict]]) -> tuple[Any, ...]:
        """State, acknowledged, resolved and closed times, duplicate of, resolution, agency and assignee as of NOW."""
        r = self.rng
        state, acknowledged_at, resolved_at, closed_at, dup_of, resolution, agency = (
            "new",
            None,
            None,
            None,
            None,
            "",
            "",
        )
        cur_assignee = None
        for at, kind, f in events:
            if kind == "state":
                state = f["to"]
                if state == "acknowledged":
                    acknowledged_at = at
                if state == "assigned":
                    cur_assignee = f["assignee"]
                    agency = r.choice(["", "", "Điện lực huyện", "Phòng TN-MT", "Công an xã"])
                if state == "resolved":
                    resolved_at, resolution, closed_at = at, f["body"], None
                if state == "reopened":
                    resolved_at = None
                if state in ("closed", "closed_without_action"):
                    closed_at = at
                if state == "duplicate":
                    dup_of = f["dup"]
        return state, acknowledged_at, resolved_at, closed_at, dup_of, resolution, agency, cur_assignee

    def _reports(self, issue_id: int, about: int, code: str, severity: str, place: str, first_text: str,
                 times: list[float], reporters: list[int], events: list[tuple[float, str, dict]],
                 outcome: str) -> list[list[Any]]:  # fmt: skip
        """The issue's reports (ids assigned when written), the first with the issue's own text and place."""
        r = self.rng
        withdrawn = outcome == "withdrawn" and any(e[1] == "withdrawn" for e in events)
        report_objs = []
        for i, at in enumerate(times):
            member = r.choice(reporters)
            citizen = self._name() if r.random() < 0.2 else ""
            located = r.random() < 0.3
            obj = [None, issue_id, member, about, code, place if i == 0 else r.choice(PLACES).format(n=r.randint(1, 15)),
                   10.9 + r.random() if located else None, 108.0 + r.random() if located else None,
                   first_text if i == 0 else r.choice(self.pools[code]), severity, r.choice(PEOPLE),
                   r.choice(SOURCES), citizen, 1 if citizen and r.random() < 0.25 else 0, at,
                   None]  # fmt: skip
            if withdrawn:
                obj[15] = next(e[0] for e in events if e[1] == "withdrawn")
            report_objs.append(obj)
        return report_objs

    def _thread(self, issue_id: int, report_objs: list[list[Any]],
                events: list[tuple[float, str, dict]]) -> list[list[Any]]:  # fmt: skip
        """Thread entries: one per report, then the life cycle."""
        entries: list[list[Any]] = []
        for obj in report_objs:
            entries.append([None, issue_id, obj[14], obj[2], "report", None, "new" if obj is report_objs[0] else None,
                            "", 1, obj])  # fmt: skip
        for at, kind, f in events:
            if kind == "state":
                entries.append([None, issue_id, at, f.get("actor"), "state", f["from"], f["to"], f.get("body", ""),
                                1, None])  # fmt: skip
            elif kind == "withdrawn":
                entries.append(
                    [None, issue_id, at, report_objs[0][2], "withdrawn", None, None, "", 1, report_objs[0]]
                )
            else:
                entries.append([None, issue_id, at, f.get("actor"), kind, None, None, f.get("body", ""),
                                f.get("shared", 0), None])  # fmt: skip
        return entries

    def _chasing(self, issue_id: int, owner: int, severity: str, state: str, created: float, handle_due: float,
                 resolved_at: float | None, report_objs: list[list[Any]], followups: list, entries: list,
                 checks: list) -> None:  # fmt: skip
        """Deadlines missed (the reminder, then escalation one level up per two working days) and resolution checks."""
        if state in ("new", "acknowledged", "assigned", "reopened") and handle_due < NOW_S:
            followups.append((issue_id, "handle", 0, stamp(handle_due), None, stamp(handle_due + 600)))
            for level, unit in enumerate(self._ancestors(owner), start=1):
                sent = handle_due + level * (4 * HOUR if severity == "urgent" else 2 * DAY) + 600
                if sent >= NOW_S:
                    break
                followups.append((issue_id, "escalate", level, stamp(handle_due), unit, stamp(sent)))
                entries.append([None, issue_id, sent, None, "escalated", None, None,
                                f"Chuyển lên {self.by_id[unit].name}", 0, None])  # fmt: skip
        if resolved_at is not None or state == "closed":
            asked = (resolved_at or created) + 3 * DAY
            if asked < NOW_S:
                for m in sorted({o[2] for o in report_objs})[:3]:
                    checks.append((issue_id, m, stamp(resolved_at or created), stamp(asked),
                                   "resolved" if state == "closed" else None))  # fmt: skip

    def _write(self, db: sqlite3.Connection, issues: list, reports: list, entries: list, attachments: list,
               followups: list, checks: list) -> None:  # fmt: skip
        reports.sort(key=lambda o: o[14])
        for obj in reports:
            obj[0] = self.next_report
            self.next_report += 1
        entries.sort(key=lambda e: (e[2], e[1]))
        report_entry: dict[int, int] = {}
        for e in entries:
            e[0] = self.next_entry
            self.next_entry += 1
            if e[9] is not None:
                rid = e[9][0]
                if e[4] == "report":
                    report_entry[rid] = e[0]
                e[9] = rid
        att_rows = []
        for issue_id, obj, count in attachments:
            for k in range(count):
                att_rows.append((self.next_attachment, issue_id, obj[0], report_entry.get(obj[0]), "photo",
                                 f"{self.next_attachment % 256:02x}/{self.next_attachment:012x}.jpg", "image/jpeg",
                                 "", 40_000 + 997 * k, stamp(obj[14])))  # fmt: skip
                self.next_attachment += 1
        db.execute("BEGIN")
        db.executemany("INSERT INTO issues VALUES (" + ",".join("?" * 20) + ")", issues)
        db.executemany(
            "INSERT INTO reports (id, issue_id, member_id, unit_id, category, place, latitude, longitude,"
            " description, severity, people, source, citizen, confidential, created_at, withdrawn_at)"
            " VALUES (" + ",".join("?" * 16) + ")",
            ([*o[:14], stamp(o[14]), stamp(o[15]) if o[15] else None] for o in reports),
        )
        db.executemany(
            "INSERT INTO thread_entries (id, issue_id, at, actor_id, kind, from_state, to_state, body, shared,"
            " report_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ([e[0], e[1], stamp(e[2]), *e[3:]] for e in entries),
        )
        db.executemany(
            "INSERT INTO attachments (id, issue_id, report_id, entry_id, kind, file_ref, mime_type, filename, size,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            att_rows,
        )
        db.executemany(
            "INSERT INTO followups (issue_id, kind, level, due_at, unit_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            followups,
        )
        db.executemany(
            "INSERT INTO resolution_checks (issue_id, member_id, resolved_at, asked_at, answer) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            checks,
        )
        db.execute("COMMIT")
        for key, rows in (("issues", issues), ("reports", reports), ("thread_entries", entries),
                          ("attachments", att_rows), ("followups", followups), ("resolution_checks", checks)):  # fmt: skip
            self.counts[key] += len(rows)


async def _migrate(path: Path) -> None:
    db = await Database.open(path)  # the real migrations, up to their head
    await db.close()


def generate(args: argparse.Namespace, path: Path) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    for p in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
        p.unlink(missing_ok=True)
    t0 = time.perf_counter()
    asyncio.run(_migrate(part))
    db = sqlite3.connect(part, isolation_level=None)
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -200000")
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN"
        " ('issues', 'reports', 'thread_entries', 'attachments', 'members', 'identities', 'followups')"
    ).fetchall()
    for name, _ in indexes:
        db.execute(f"DROP INDEX {name}")
    gen = Generator(args)
    db.execute("BEGIN")
    gen.units_and_people(db)
    db.execute("COMMIT")
    gen.issues(db)
    t1 = time.perf_counter()
    print(
        f"  rows written in {t1 - t0:.0f} s; re-creating {len(indexes)} indexes", file=sys.stderr, flush=True
    )
    for _, sql in indexes:
        db.execute(sql)
    db.execute("PRAGMA journal_mode = WAL")  # as the bot leaves it
    db.close()
    part.rename(path)
    took = time.perf_counter() - t0
    print(f"  generated {path.name} in {took:.0f} s: "
          + ", ".join(f"{k} {v:,}" for k, v in gen.counts.items()), file=sys.stderr)  # fmt: skip
    return path


def ensure(args: argparse.Namespace) -> Path:
    path = path_for(args.issues, args.reports, args.members, args.communes, args.districts)
    if path.exists() and not args.force:
        return path
    print(f"generating {path} (cached for later runs) ...", file=sys.stderr, flush=True)
    return generate(args, path)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--issues", type=int, default=200_000)
    p.add_argument("--reports", type=int, default=1_000_000)
    p.add_argument("--members", type=int, default=1_500)
    p.add_argument("--communes", type=int, default=100)
    p.add_argument("--districts", type=int, default=10)
    p.add_argument("--force", action="store_true", help="generate again even if cached")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    args = p.parse_args()
    path = ensure(args)
    size = path.stat().st_size / 2**20
    print(f"{path} ({size:,.0f} MiB)")


if __name__ == "__main__":
    main()
