"""Driving handlers without any channel: events in, the outbox rows they wrote out, as a transcript."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.messages import Attachment, Incoming, Outgoing
from bot.runtime import Dispatcher, Services
from handlers import router
from storage.outbox import list_outbox_after
from tests.seed import invite_code


@dataclass
class Person:
    harness: Harness
    user_id: str
    name: str
    language_code: str = "vi"
    last: list[Outgoing] = field(default_factory=list)

    async def _event(self, kind: str, **fields: object) -> list[Outgoing]:
        self.harness.counter += 1
        inc = Incoming(
            channel="telegram",
            chat_id=self.user_id,
            sender_id=self.user_id,
            update_key=str(self.harness.counter),
            kind=kind,  # type: ignore[arg-type]
            sender_name=self.name,
            language_code=self.language_code,
            **fields,  # type: ignore[arg-type]
        )
        return await self.harness.deliver(inc)

    async def say(self, text: str) -> list[Outgoing]:
        if text.startswith("/"):
            head, _, args = text[1:].partition(" ")
            return await self._event("command", text=text, command=head.lower(), args=args.strip())
        return await self._event("text", text=text)

    async def tap(self, label: str) -> list[Outgoing]:
        for msg in reversed(self.harness.sent_to(self.user_id) + self.harness.edits_in(self.user_id)):
            for row in msg.choices:
                for c in row:
                    if c.label == label:
                        return await self._event("choice", choice=c.data, source_message="1")
        raise LookupError(f"no button {label!r} for {self.name}")

    async def tap_data(self, data: str) -> list[Outgoing]:
        return await self._event("choice", choice=data, source_message="1")

    async def send_media(
        self, kind: str = "photo", caption: str = "", media_group: str = "", file_ref: str = "ab/abc.jpg"
    ) -> list[Outgoing]:
        att = Attachment(kind=kind, file_ref=file_ref)  # type: ignore[arg-type]
        return await self._event("media", attachments=(att,), text=caption, media_group=media_group)

    async def share_location(self, lat: float = 10.93, lon: float = 108.1) -> list[Outgoing]:
        return await self._event("location", location=(lat, lon))

    async def reply(self, message_id: str, text: str) -> list[Outgoing]:
        return await self._event("text", text=text, reply_to=message_id)


class Harness:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.dispatcher = Dispatcher(services, router.handle, lambda: None)
        self.counter = 0
        self.last_row = 0
        self.rows: list[Outgoing] = []
        self.edits: list[Outgoing] = []

    def person(self, user_id: str, name: str, language_code: str = "vi") -> Person:
        return Person(self, user_id, name, language_code)

    async def deliver(self, inc: Incoming) -> list[Outgoing]:
        await self.dispatcher.handle(inc)
        return await self.collect()

    async def collect(self) -> list[Outgoing]:
        rows = await list_outbox_after(self.services.db.reader, self.last_row)
        if rows:
            self.last_row = rows[-1].id
        out = [Outgoing.from_json(r.payload) for r in rows]
        self.rows += out
        self.edits += [o for o in out if o.edit_of]
        return [o for o in out if _new_message(o)]

    def sent_to(self, chat_id: str) -> list[Outgoing]:
        """The new messages to ``chat_id`` (edits of earlier ones left out: see :meth:`edits_in`)."""
        return [o for o in self.rows if o.chat_id == chat_id and _new_message(o)]

    def edits_in(self, chat_id: str) -> list[Outgoing]:
        """The edits of earlier messages in ``chat_id`` (a card refreshed in place), oldest first."""
        return [o for o in self.edits if o.chat_id == chat_id]


def _new_message(o: Outgoing) -> bool:
    return not o.clear_choices_of and not o.edit_of and o.commands is None


def texts(msgs: list[Outgoing]) -> list[str]:
    return [m.text for m in msgs]


def labels(msg: Outgoing) -> list[str]:
    return [c.label for row in msg.choices for c in row]


async def person(world: Harness, user_id: str, name: str, unit: str, role: str) -> Person:
    """Someone who joined ``unit`` with ``role`` by an invite code, as people do (``/start CODE``)."""
    s = world.services
    code = await invite_code(s.db, s.settings, s.clock.now(), unit, role, name)
    p = world.person(user_id, name)
    await p.say(f"/start {code}")
    return p
