"""Each flow's draft as a typed dataclass, and the one codec between a draft and its stored JSON.

A conversation's ``data`` (the ``conversations`` table's JSON) holds the engine's ``_``-prefixed fields
(``flow.EngineState``) beside the flow's draft, whose keys are the draft's field names: the format of every
draft stored so far, so nothing needs migrating. Loading is tolerant — a key that is missing or holds a
value of the wrong type takes the field's default, an item of a list that does not fit is dropped, keys of
no field (the engine's) are left alone — so a draft stored by an older version always resumes.

A handler reads the draft with ``draft_of(conv, ReportDraft)``: the typed object is kept on the
conversation while the event is handled, and ``keep(conv)`` (called by ``flow.save``, before every write)
serialises it back into ``data``.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

from storage.conversations import Conversation

D = TypeVar("D")


# ---------------------------------------------------------------------------------------------- the codec


def load(cls: type[D], data: Mapping[str, Any]) -> D:
    """The draft ``cls`` from stored data; what is missing or mistyped takes its default."""
    hints = _hints(cast(Hashable, cls))
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in data:
            fits, value = _decode(data[f.name], hints[f.name])
            if fits:
                kwargs[f.name] = value
    return cls(**kwargs)


@functools.cache  # a class's hints never change; resolving them compiles every annotation (the profile's typing cost)
def _hints(cls: Hashable) -> dict[str, Any]:
    return get_type_hints(cls)


def dump(draft: object) -> dict[str, Any]:
    """The stored form of a draft: a JSON-ready dict keyed by field name."""
    assert dataclasses.is_dataclass(draft) and not isinstance(draft, type)
    return dataclasses.asdict(draft)


def draft_of(conv: Conversation, cls: type[D]) -> D:
    """The conversation's draft, typed (loaded from ``data`` once per event, then the same object)."""
    held = conv.draft
    if isinstance(held, cls):
        return held
    loaded = load(cls, conv.data)
    conv.draft = loaded
    return loaded


def keep(conv: Conversation) -> None:
    """Write the typed draft (if a handler took it) back into the stored data."""
    if conv.draft is not None:
        conv.data.update(dump(conv.draft))


def _decode(value: Any, hint: Any) -> tuple[bool, Any]:
    if hint is Any:
        return True, value
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None:
            return type(None) in get_args(hint), None
        for arg in get_args(hint):
            if arg is not type(None):
                fits, decoded = _decode(value, arg)
                if fits:
                    return True, decoded
        return False, None
    if origin is list:
        if not isinstance(value, list):
            return False, None
        (item,) = get_args(hint)
        decoded_items = [_decode(x, item) for x in value]
        return True, [x for fits, x in decoded_items if fits]
    if origin is tuple:  # a fixed-length tuple, stored as a JSON list
        args = get_args(hint)
        if not isinstance(value, list | tuple) or len(value) != len(args):
            return False, None
        decoded_parts = [_decode(x, a) for x, a in zip(value, args, strict=True)]
        if not all(fits for fits, _ in decoded_parts):
            return False, None
        return True, tuple(x for _, x in decoded_parts)
    if origin is dict:
        if not isinstance(value, dict):
            return False, None
        _, item = get_args(hint)
        decoded_values = {k: _decode(v, item) for k, v in value.items() if isinstance(k, str)}
        return True, {k: v for k, (fits, v) in decoded_values.items() if fits}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return (True, load(hint, value)) if isinstance(value, dict) else (False, None)
    if hint is float:
        fits = isinstance(value, int | float) and not isinstance(value, bool)
        return (True, float(value)) if fits else (False, None)
    if hint is int:
        return (True, value) if isinstance(value, int) and not isinstance(value, bool) else (False, None)
    if hint in (str, bool):
        return (True, value) if isinstance(value, hint) else (False, None)
    raise TypeError(f"no codec for a draft field of type {hint!r}")


# ---------------------------------------------------------------------------------------------- the drafts

StoredAttachment = dict[
    str, Any
]  # kind, file_ref, mime_type, filename, size: storage's add_attachment keywords


@dataclass
class Similar:
    """An open issue offered to join (what a member may see of it)."""

    id: int = 0
    place: str = ""
    date: str = ""  # dd/mm/yyyy, local
    reports: int = 0


@dataclass
class ReportDraft:
    """``/report`` and ``/practice``: what the member has said so far."""

    practice: bool = False
    category: str = ""
    unit_id: int | None = None
    unit_page: int = 0
    unit_matches: list[int] | None = None
    place: str = ""
    location: list[float] | None = None  # latitude, longitude
    description: list[str] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # media groups already answered
    severity: str = ""
    people: str = ""
    source: str = ""
    citizen: str = ""
    confidential: bool = False
    editing: bool = False  # one field is being changed from the summary
    similar_key: list[Any] | None = None  # [unit_id, category] the similar issues were looked up for
    similar: list[Similar] = field(default_factory=list)
    add_to: int | None = None


@dataclass
class AddDraft:
    """``/add N`` (or a reply about an issue): more words and files for one's own report."""

    issue_id: int = 0
    text: list[str] = field(default_factory=list)
    attachments: list[StoredAttachment] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


@dataclass
class InviteDraft:
    """``/invite``: the unit (paged) and the role of the invite being made."""

    page: int = 0
    unit_id: int = 0
    role: str = ""


@dataclass
class ChannelDraft:
    """``/channel``: the channels the member may choose among."""

    channels: list[str] = field(default_factory=list)


@dataclass
class PollDraft:
    """``/poll``: the quick poll being written."""

    unit_id: int = 0  # the leader's scope: the poll goes to the members of this subtree
    question: str = ""
    options: list[str] = field(default_factory=list)
    other: bool = False  # an "other, in one's own words" answer too
    closes_at: str = ""  # ISO, with its offset


@dataclass
class PollOtherDraft:
    """A member's "other" answer to a poll, in their own words."""

    poll_id: int = 0


@dataclass
class AnnounceDraft:
    """``/announce``: the announcement being written."""

    unit_id: int = 0  # the leader's scope
    target_unit_id: int = 0  # all of it, or one unit below
    sector: str = ""  # or one sector's members
    text: str = ""
    send_at: str = ""  # ISO, with its offset
    attachment: StoredAttachment | None = None


@dataclass
class RoundDraft:
    """A member answering the periodic round: one step per focus topic and per sector, then concerns."""

    round_id: int = 0
    topics: list[tuple[int, str]] = field(default_factory=list)  # (topic id, its text)
    sectors: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # "topic:0" … "mood:0" … "concerns", "matter"
    answers: dict[str, str] = field(default_factory=dict)  # by step


@dataclass
class TopicsDraft:
    """``/topics``: a leader setting the next round's focus topics."""

    round_id: int = 0
    period: str = ""


@dataclass
class ActDraft:
    """A leader's or assignee's action that asks first (``act``): the text, evidence, assignee or unit it
    needs; or a reply to a message about an issue (``action`` "reply"), offered what to do with it."""

    action: str = ""  # comment, resolve, reopen, close, dup, progress, propose, sendback, assign, move; reply
    issue_id: int = 0
    text: str = ""
    attachments: list[StoredAttachment] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # media groups already answered
    asked_evidence: bool = False
    page: int = 0  # of the people or units to pick from
    offers: list[str] = field(default_factory=list)  # a reply's: what it may become
    candidates: list[int] = field(default_factory=list)  # a reply to a digest: the issues it named
    # the card to refresh when the action is done: "" the message tapped last, or a new one; None (a command
    # started it) none, its answers say what happened
    card_message: str | None = None


@dataclass
class FindDraft:
    """``/find`` alone: the picker's filters so far (handlers/leaders/find.py's ``FindQuery``)."""

    text: str = ""
    category: str = ""
    unit_id: int | None = None
    state: str = ""
    period: str = ""


@dataclass
class ExtendDraft:
    """An extension being asked for (``extend``): the day, then the reason."""

    issue_id: int = 0
    due: str = ""  # the deadline asked for, stored (storage.timeutil.ts)
    card_message: str | None = None  # as ActDraft's


#: every draft there is (tests/test_flow_state.py checks each loads from nothing and round-trips)
DRAFTS: tuple[type, ...] = (
    ReportDraft,
    AddDraft,
    InviteDraft,
    ChannelDraft,
    PollDraft,
    PollOtherDraft,
    AnnounceDraft,
    RoundDraft,
    TopicsDraft,
    ActDraft,
    FindDraft,
    ExtendDraft,
)
