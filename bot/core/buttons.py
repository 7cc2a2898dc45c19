"""Button data, typed: what a tapped button means, encoded and decoded here and nowhere else.

Telegram carries at most 64 bytes of ``callback_data``; :func:`encode` refuses more. The wire formats are
those stored in old messages' buttons (a tap on a button sent before an upgrade still decodes):

======================  ===============================================
``a:iss:<action>:<id>`` an action on issue ``id`` (``:<page>`` for ``more``)
``a:lst:<kind>:<page>`` a page of a leader's list (``open``, ``overdue``)
``a:my:<id>``           the member's view of their issue ``id``
``a:myp:<page>``        a page of the member's reports
``a:rnd:<answer>:<id>`` the answer to round ``id``'s prompt (``start``, ``none``)
``a:chk:<id>:<answer>`` the answer to the resolution check of issue ``id``
``a:lv:<answer>:<id>``  a leader's answer to leave request ``id`` (``yes``, ``no``)
``a:pol:<id>:<choice>`` a member's answer to poll ``id`` (an option's number, or ``o``: in their own words)
``a:ann:<id>:<act>``    announcement ``id``: ``r`` a member read it, ``m`` a leader reminds the unread
``a:ext:<answer>:<id>`` a leader's answer to deadline-extension request ``id`` (``yes``, ``no``)
``c<nonce>:<value>``    an option of the conversation with that nonce
======================  ===============================================

Anything else decodes to None (a forged or outdated button): the caller answers politely.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

LIMIT_BYTES = 64  # Telegram's callback_data limit


class IssueAction(StrEnum):
    CARD = "card"
    MORE = "more"
    ACK = "ack"
    ASSIGN = "assign"
    COMMENT = "comment"
    RESOLVE = "resolve"
    DUP = "dup"
    MOVE = "move"
    CLOSE = "close"
    REOPEN = "reopen"
    PROGRESS = "progress"
    PROPOSE = "propose"
    CONFIRM = "confirm"
    SENDBACK = "sendback"
    EXTEND = "extend"  # ask for more time ("Xin gia hạn")
    FILES = "files"  # send me the attachments ("Xem tệp đính kèm")


class ListKind(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"


class RoundAnswer(StrEnum):
    START = "start"
    NONE = "none"


class CheckAnswer(StrEnum):
    RESOLVED = "resolved"
    PARTLY = "partly"
    NOT_YET = "not_yet"


@dataclass(frozen=True)
class IssueButton:
    action: IssueAction
    issue_id: int
    page: int | None = None  # ``more``: the page of the thread


@dataclass(frozen=True)
class ListPage:
    kind: ListKind
    page: int


@dataclass(frozen=True)
class MyIssue:
    issue_id: int


@dataclass(frozen=True)
class MyPage:
    page: int


@dataclass(frozen=True)
class RoundButton:
    answer: RoundAnswer
    round_id: int


@dataclass(frozen=True)
class CheckButton:
    issue_id: int
    answer: CheckAnswer


class LeaveAnswer(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class LeaveButton:
    answer: LeaveAnswer
    request_id: int


@dataclass(frozen=True)
class PollButton:
    poll_id: int
    choice: str  # an option's number ("0", "1", …) or "o" (other: in one's own words); checked by the poll


class AnnouncementAct(StrEnum):
    READ = "r"
    REMIND = "m"


@dataclass(frozen=True)
class AnnouncementButton:
    announcement_id: int
    act: AnnouncementAct


class ExtensionAnswer(StrEnum):
    APPROVE = "yes"
    REFUSE = "no"


@dataclass(frozen=True)
class ExtensionButton:
    answer: ExtensionAnswer
    request_id: int


@dataclass(frozen=True)
class UnreadableIssue:
    """A button about an issue whose number cannot be read (forged: ``²``, ``١``, 20 digits): answered with
    the same polite 'no such issue' as a number nobody may see."""


@dataclass(frozen=True)
class FlowOption:
    """An option of a conversation; ``nonce`` tells a button of an earlier conversation from the current's."""

    nonce: int
    value: str


Action = (
    IssueButton
    | ListPage
    | MyIssue
    | MyPage
    | RoundButton
    | CheckButton
    | LeaveButton
    | PollButton
    | AnnouncementButton
    | ExtensionButton
    | UnreadableIssue
)
Button = Action | FlowOption


class ButtonTooLong(ValueError):
    """The encoded data would not fit Telegram's 64 bytes."""


def encode(button: Button) -> str:
    """The wire form of ``button``; :class:`ButtonTooLong` beyond 64 bytes of UTF-8."""
    match button:
        case IssueButton(action, issue_id, page):
            data = f"a:iss:{action}:{issue_id}" + (f":{page}" if page is not None else "")
        case ListPage(kind, page):
            data = f"a:lst:{kind}:{page}"
        case MyIssue(issue_id):
            data = f"a:my:{issue_id}"
        case MyPage(page):
            data = f"a:myp:{page}"
        case RoundButton(answer, round_id):
            data = f"a:rnd:{answer}:{round_id}"
        case CheckButton(issue_id, answer):
            data = f"a:chk:{issue_id}:{answer}"
        case LeaveButton(answer, request_id):
            data = f"a:lv:{answer}:{request_id}"
        case PollButton(poll_id, choice):
            data = f"a:pol:{poll_id}:{choice}"
        case AnnouncementButton(announcement_id, act):
            data = f"a:ann:{announcement_id}:{act}"
        case ExtensionButton(answer, request_id):
            data = f"a:ext:{answer}:{request_id}"
        case FlowOption(nonce, value):
            data = f"c{nonce}:{value}"
        case UnreadableIssue():
            raise ValueError("an unreadable issue number is decoded, never sent")
    if len(data.encode("utf-8")) > LIMIT_BYTES:
        raise ButtonTooLong(f"button data over {LIMIT_BYTES} bytes: {data[:20]}…")
    return data


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


_E = TypeVar("_E", bound=StrEnum)


def _member(kind: type[_E], text: str) -> _E | None:
    try:
        return kind(text)
    except ValueError:
        return None


def decode(data: str) -> Button | None:
    """The button ``data`` encodes, or None when it is no button of ours (forged, outdated, cut)."""
    if len(data.encode("utf-8")) > LIMIT_BYTES:
        return None
    if data.startswith("c"):
        nonce, sep, value = data[1:].partition(":")
        number = _number(nonce)
        return FlowOption(number, value) if sep and number is not None else None
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != "a":
        return None
    return _decode_action(parts[1], parts[2:])


def _decode_action(kind: str, rest: list[str]) -> Action | None:
    first = _number(rest[0])
    if kind == "my" and len(rest) == 1:
        return MyIssue(first) if first is not None else UnreadableIssue()
    if kind == "myp" and len(rest) == 1 and first is not None:
        return MyPage(first)
    if kind == "chk" and len(rest) == 2:
        check = _member(CheckAnswer, rest[1])
        if check is None:
            return None
        return CheckButton(first, check) if first is not None else UnreadableIssue()
    second = _number(rest[1]) if len(rest) > 1 else None
    if kind == "iss" and len(rest) in (2, 3):
        action = _member(IssueAction, rest[0])
        page = _number(rest[2]) if len(rest) == 3 else None
        if action is None or (len(rest) == 3 and page is None and second is not None):
            return None
        return IssueButton(action, second, page) if second is not None else UnreadableIssue()
    if kind == "lst" and len(rest) == 2 and second is not None:
        list_kind = _member(ListKind, rest[0])
        return ListPage(list_kind, second) if list_kind is not None else None
    if kind == "rnd" and len(rest) == 2 and second is not None:
        answer = _member(RoundAnswer, rest[0])
        return RoundButton(answer, second) if answer is not None else None
    if kind == "lv" and len(rest) == 2 and second is not None:
        leave = _member(LeaveAnswer, rest[0])
        return LeaveButton(leave, second) if leave is not None else None
    if kind == "ext" and len(rest) == 2 and second is not None:
        extension = _member(ExtensionAnswer, rest[0])
        return ExtensionButton(extension, second) if extension is not None else None
    if kind == "pol" and len(rest) == 2 and first is not None:
        return PollButton(first, rest[1])
    if kind == "ann" and len(rest) == 2 and first is not None:
        act = _member(AnnouncementAct, rest[1])
        return AnnouncementButton(first, act) if act is not None else None
    return None
