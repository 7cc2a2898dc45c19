"""What a handler gets: the incoming event, the open transaction, the services, and a list to answer into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.config import Settings
from bot.core.messages import Choice, Incoming, KeyButton, Outgoing
from bot.core.texts import for_channel
from bot.core.texts import t as translate
from bot.core.workcal import WorkCalendar
from storage.db import Tx
from storage.members import Member

# the event of work nobody asked for in a message (a job's); frozen, so one shared value
SYSTEM = Incoming(channel="system", chat_id="", sender_id="", update_key="", kind="text")


@dataclass
class Context:
    tx: Tx
    settings: Settings
    calendar: WorkCalendar
    now: datetime
    incoming: Incoming
    lang: str = "vi"
    # the person, once the router has found them: every handler it calls for a registered person reads a
    # Member (typed so, so each read is checked); None only before that (a stranger's /start, a job's
    # context), which the little code that may run then tests for
    member: Member = None  # type: ignore[assignment]
    bot_username: str = ""  # for invite links
    out: list[Outgoing] = field(default_factory=list)

    @classmethod
    def for_system(cls, tx: Tx, settings: Settings, calendar: WorkCalendar, now: datetime) -> Context:
        """A context for work a job does on nobody's message: ``reply`` has no chat to answer (use ``send``)."""
        return cls(tx=tx, settings=settings, calendar=calendar, now=now, incoming=SYSTEM)

    def t(self, key: str, **kwargs: Any) -> str:
        """A text in the person's language, in the wording of the channel they wrote on."""
        return translate(self.lang, for_channel(key, self.incoming.channel), **kwargs)

    def reply(
        self,
        text: str,
        *,
        choices: list[list[Choice]] | None = None,
        keyboard: list[list[KeyButton]] | None = None,
        remove_keyboard: bool = False,
        issue_id: int | None = None,
        draft_ref: str = "",
        attachments: list[Any] | None = None,
    ) -> Outgoing:
        """Answer in the chat the event came from."""
        msg = Outgoing(
            chat_id=self.incoming.chat_id,
            text=text,
            choices=choices or [],
            keyboard=keyboard,
            remove_keyboard=remove_keyboard,
            issue_id=issue_id,
            draft_ref=draft_ref,
            attachments=list(attachments or []),
            channel=self.incoming.channel,
            thread_id=self.incoming.thread_id,  # in a group's forum topic: answered in that topic
        )
        self.out.append(msg)
        return msg

    def send(self, msg: Outgoing) -> Outgoing:
        """Queue a message to another chat (an alert, a notice)."""
        self.out.append(msg)
        return msg
