"""The fixed vocabularies stored in the database: members' roles and issues' states.

``StrEnum`` members are ``str`` values, so stored rows, comparisons with plain strings and text keys such
as ``f"state.{state}"`` keep working unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    MEMBER = "member"
    LEADER = "leader"
    ADMIN = "admin"


class IssueState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    DUPLICATE = "duplicate"
    CLOSED_WITHOUT_ACTION = "closed_without_action"
    WITHDRAWN = "withdrawn"


ROLES: tuple[Role, ...] = tuple(Role)
# an ended issue takes no more action (and, after the retention period, loses its private details)
ENDED_STATES: tuple[IssueState, ...] = (
    IssueState.CLOSED,
    IssueState.DUPLICATE,
    IssueState.CLOSED_WITHOUT_ACTION,
    IssueState.WITHDRAWN,
)
OPEN_STATES: tuple[IssueState, ...] = tuple(s for s in IssueState if s not in ENDED_STATES)
