"""Who may see and do what with an issue. Every action calls these on the server, whatever the button said."""

from __future__ import annotations

from dataclasses import dataclass

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
    return await view_of(tx, settings, member, issue) is not None


# ---------------------------------------------------------------------------------------------- what one sees
#
# The one rule for what a person reads of an issue. A leader who leads it (``leads``) and the admins read
# everything (a confidential source aside: ``sees_confidential``). Anyone else who may see it at all — a
# reporter, a co-reporter who joined it from the similar-issue offer, the assignee — reads: their own
# reports, additions and withdrawals; the state changes and updates the leaders shared with reporters (the
# outcome among them); the state and deadlines. Never: internal notes, the text of an assignment, other
# reporters' reports, additions, names or citizens; nor the title, which is the first line of the first
# report, unless they wrote it. The assignee also reads what the job needs: the reports, the additions and
# the title (never citizens or reporters' names), and the progress and proposals they exchanged with the
# leaders. Joining an issue makes a member one of its reporters and nothing more. The card, its "more"
# pages, /issue_N, /my, the notices and the check after a resolution all go through this.

OWN_KINDS = ("report", "addition", "withdrawn")  # a reporter's own entries
SHARED_KINDS = ("state", "comment")  # what leaders share with reporters (with ``shared`` set)
ASSIGNEE_KINDS = ("progress", "proposal", "proposal_returned", "proposal_confirmed")


@dataclass(frozen=True)
class View:
    """What one person may read of one issue (see the rule above)."""

    member_id: int
    full: bool  # leads the issue (or is an admin): everything
    assignee: bool
    creator: bool  # filed the report that opened it: the title is their own words
    own_reports: frozenset[int]
    reporter_ids: frozenset[int]  # the issue's reporters, to name entries without naming people (not
    # looked up for a full view, which names everyone)
    reporter: bool  # filed one of its reports, or joined it from the similar-issue offer (not looked up
    # for a full view)

    def sees_entry(self, entry: iss.ThreadEntry) -> bool:
        if self.full:
            return True
        if entry.kind in OWN_KINDS:  # the assignee reads what was reported, not who withdrew
            return entry.actor_id == self.member_id or (self.assignee and entry.kind != "withdrawn")
        if entry.kind in ASSIGNEE_KINDS:
            return self.assignee
        return entry.shared and entry.kind in SHARED_KINDS

    def entry_body(self, entry: iss.ThreadEntry) -> str:
        """The entry's text as this person reads it: an assignment's text (who, which agency) is internal."""
        if not self.full and entry.kind == "state" and entry.to_state == "assigned":
            return ""
        return entry.body

    def sees_report_text(self, report: iss.Report) -> bool:
        return self.full or self.assignee or report.id in self.own_reports

    def actor(self, actor_id: int | None) -> str:
        """How an entry's author is named: "name" (a leader reads names), "you", "system", "reporter"
        (another reporter) or "unit" (the officials in charge)."""
        if actor_id is None:
            return "system"
        if self.full:
            return "name"
        if actor_id == self.member_id:
            return "you"
        return "reporter" if actor_id in self.reporter_ids else "unit"

    def entries(self, entries: list[iss.ThreadEntry]) -> list[iss.ThreadEntry]:
        return [e for e in entries if self.sees_entry(e)]


async def view_of(tx: Tx, settings: Settings, member: mem.Member, issue: iss.Issue) -> View | None:
    """What ``member`` may read of ``issue``; None if they may not see it at all."""
    assignee = issue.assignee_id == member.id and member.active
    creator = issue.created_by == member.id
    if await leads(tx, settings, member, issue):  # reads everything: nothing more to look up
        return View(member.id, True, assignee, creator, frozenset(), frozenset(), False)
    reports = await iss.list_reports(tx, issue.id)
    own = frozenset(r.id for r in reports if r.member_id == member.id)
    if not (assignee or own):
        return None
    return View(member.id, False, assignee, creator, own, frozenset(r.member_id for r in reports), bool(own))


def neutral_title(settings: Settings, lang: str, issue: iss.Issue) -> str:
    """An issue named without anyone's words: its category and place (what the similar-issue offer shows)."""
    category = settings.category(issue.category)
    label = category.label(lang) if category else issue.category
    return f"{label} — {issue.place}" if issue.place else label


def title_for(settings: Settings, lang: str, issue: iss.Issue, view: View | None) -> str:
    """The title as this person may read it: the first reporter's words only for them, the assignee (who
    reads the reports) and the leaders."""
    if view is not None and (view.full or view.creator or view.assignee):
        return issue.title
    return neutral_title(settings, lang, issue)


async def member_title(tx: Tx, settings: Settings, member: mem.Member, issue: iss.Issue) -> str:
    """The title for a notice to ``member`` (a reporter of the issue or of one merged into it)."""
    return title_for(settings, member.language, issue, await view_of(tx, settings, member, issue))


def protected(settings: Settings, issue: iss.Issue) -> bool:
    """Messages about a sensitive category go out protected (Telegram: no forwarding, no saving); so does
    any message that shows a confidential source (the card decides that as it renders one)."""
    category = settings.category(issue.category)
    return category is not None and category.sensitive


async def sees_confidential(tx: Tx, member: mem.Member, issue: iss.Issue) -> bool:
    """A confidential source: only the leaders of the owning unit."""
    return member.role == "leader" and member.unit_id == issue.owner_unit_id


async def allowed_actions(
    tx: Tx, settings: Settings, member: mem.Member, issue: iss.Issue, *, leading: bool | None = None
) -> list[str]:
    """The actions ``member`` may take on ``issue`` now; ``leading``: ``leads`` already asked."""
    out = []
    if leading if leading is not None else await leads(tx, settings, member, issue):
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
