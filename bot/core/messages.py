"""Channel-neutral messages: what a handler receives and what it answers.

An adapter (Telegram, Zalo) turns a platform update into an :class:`Incoming`, and renders each
:class:`Outgoing` back onto its platform. Nothing here knows any platform.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["text", "command", "choice", "location", "media", "edited", "unsupported", "member"]


@dataclass(frozen=True)
class Attachment:
    """A file the person sent, already copied into the app's file store."""

    kind: Literal["photo", "voice", "document", "video", "sticker"]
    file_ref: str  # path in the file store (content-addressed); "" if not downloaded (stickers)
    mime_type: str = ""
    filename: str = ""
    size: int = 0
    # the platform's own id of the file (Telegram's file_id), to send it again without an upload
    file_id: str = ""


@dataclass(frozen=True)
class Incoming:
    channel: str
    chat_id: str
    sender_id: str
    update_key: str  # unique per channel: the update id (Telegram) or message id (Zalo)
    kind: Kind
    text: str = ""
    command: str = ""  # without the slash, lower case
    args: str = ""
    choice: str = ""  # the data of a tapped choice
    location: tuple[float, float] | None = None
    attachments: tuple[Attachment, ...] = ()
    media_group: str = ""
    reply_to: str = ""  # id of the bot message this one replies to
    source_message: str = ""  # id of the bot message whose choice was tapped
    chat_type: str = "private"
    sender_name: str = ""
    language_code: str = ""
    # groups (handlers/groups.py): the forum topic a message was written in, the tapped button's query (it is
    # answered by the handler in a group), whether the group is a forum, and what the adapter asked the platform
    # for a /group command: the bot's own status there and how many are in it (0: not asked)
    thread_id: str = ""
    callback_id: str = ""
    chat_forum: bool = False
    bot_status: str = ""
    chat_size: int = 0
    # a "member" event (someone joined or left, the bot was added or removed): whose status, and the new one
    subject_id: str = ""
    member_status: str = ""
    subject_is_bot: bool = False


@dataclass(frozen=True)
class Choice:
    """An option the person can pick: an inline button on Telegram, a numbered line on Zalo."""

    label: str
    data: str
    url: str = ""  # a link button instead (Telegram; e.g. "open in private chat"): ``data`` is unused


@dataclass(frozen=True)
class KeyButton:
    """A reply-keyboard button (main menu); ``location`` asks the phone to share its location."""

    label: str
    location: bool = False


@dataclass
class Outgoing:
    chat_id: str
    text: str = ""
    choices: list[list[Choice]] = field(default_factory=list)
    keyboard: list[list[KeyButton]] | None = None
    remove_keyboard: bool = False
    attachments: list[Attachment] = field(default_factory=list)
    issue_id: int | None = None  # this message is about issue N (replies to it act on N)
    issue_ids: list[int] = field(default_factory=list)  # ... or about several (a digest): a reply names one
    draft_ref: str = ""  # ... or about a draft
    clear_choices_of: str = ""  # instead of sending: remove the choices from this earlier bot message
    # instead of sending anew: replace this earlier bot message's text and choices (a channel that cannot
    # edit, or a message that cannot be edited, gets it as a new message)
    edit_of: str = ""
    commands: list[tuple[str, str]] | None = None  # instead of sending: set this chat's command menu
    proactive: bool = False  # not an answer to the person: held back in quiet hours unless urgent
    urgent: bool = False
    protect_content: bool = False  # a sensitive matter or a confidential source: no forwarding or saving
    location: tuple[float, float] | None = None  # instead of text: a map pin (latitude, longitude)
    album: bool = False  # the attachments go together (Telegram: one album), the text as their caption
    channel: str = ""  # set by the dispatcher when empty: the incoming channel
    thread_id: str = ""  # a group's forum topic to post in
    topic_issue: int | None = (
        None  # ... or the topic of this issue, opened (titled ``topic_title``) if none yet
    )
    topic_title: str = ""
    answer_callback: str = ""  # instead of sending: answer this tapped button's query with ``text`` (a group)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Outgoing:
        d: dict[str, Any] = json.loads(raw)
        d["choices"] = [[Choice(**c) for c in row] for row in d.get("choices", [])]
        if d.get("keyboard") is not None:
            d["keyboard"] = [[KeyButton(**b) for b in row] for row in d["keyboard"]]
        d["attachments"] = [Attachment(**a) for a in d.get("attachments", [])]
        if d.get("location") is not None:
            d["location"] = (float(d["location"][0]), float(d["location"][1]))
        if d.get("commands") is not None:
            d["commands"] = [tuple(c) for c in d["commands"]]
        return cls(**d)
