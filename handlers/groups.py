"""A unit's leaders' group: linking a group chat to a unit, who is in it, and acting on issues from it.

* ``/group code`` (a leader, in private; an admin may name a unit: ``/group code X01``) gives a one-time code,
  valid for :data:`CODE_MINUTES`; ``/group link CODE`` typed in the group by a leader of that unit (or above)
  links the group. ``/group status`` (in the group, or in private for the unit's leaders) says what is linked
  and what is missing; ``/group unlink`` (in the group; in private ``/group unlink N``) ends the link. A group
  the bot was removed from is unlinked and the unit's leaders are told in private.
* Who is in the group: the people the bot has seen there (joins and leaves, anyone who writes or taps). While
  one of them is not a leader of the unit or above, or someone is in it the bot has not seen, posts there carry
  only the number and the category (``handlers.leaders.groupcast``), and the leaders are told why.
* Acting from the group: an issue's buttons and replies to the bot's messages about an issue work for the
  person who taps or replies, with the rights they have in private (``handlers.access``, the leaders' action
  code); anyone else gets a polite answer on the button and nothing changes. A step the bot asks for (the text
  of a resolution, the evidence) belongs to the person who started it. Ordinary talk, in a topic or not, is
  never an action: the bot stays silent.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import timedelta

from bot.core.buttons import IssueAction, IssueButton, decode
from bot.core.enums import Role
from bot.core.messages import Outgoing
from bot.core.texts import t
from handlers import access, flow, leaders
from handlers.context import Context
from handlers.leaders.groupcast import Standing, group_reader, is_above, may_carry, standing
from handlers.leaders.notices import notify
from handlers.numbers import parse_issue_number
from handlers.people import CODE_ALPHABET
from storage import groups as gs
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.audit import add_audit
from storage.conversations import save_conversation
from storage.outbox import list_sent_issue_ids

Command = Callable[[Context], Awaitable[None]]

CODE_LENGTH = 8
CODE_MINUTES = 30
# the leaders' commands that act on one issue, and may be typed in a linked group (not /issue: a card rendered
# for one person may show what a group never reads, a confidential source)
ISSUE_COMMANDS = ("resolve", "assign", "comment", "reopen", "dup")
GROUP_TYPES = ("group", "supergroup")
OWNER = "group_by"  # a group conversation's data: the platform id of the person whose step it is


# ---------------------------------------------------------------------------------------------- private chat


async def cmd_group(ctx: Context) -> None:
    """/group in private: ``code [UNIT]``, ``status``, ``unlink N``."""
    verb, _, rest = ctx.incoming.args.strip().partition(" ")
    verb = verb.lower()
    if verb == "code":
        await _make_code(ctx, rest.strip())
    elif verb == "status":
        await _private_status(ctx)
    elif verb == "unlink":
        await _private_unlink(ctx, rest.strip())
    else:
        ctx.reply(ctx.t("group.usage_private"))


async def _make_code(ctx: Context, unit_code: str) -> None:
    member = ctx.member
    unit_id = member.unit_id
    if unit_code:
        unit = await un.get_unit_by_code(ctx.tx, unit_code.upper())
        if unit is None or unit.id not in await access.scope_units(ctx.tx, member):
            ctx.reply(ctx.t("group.no_unit", code=unit_code[:16]))
            return
        unit_id = unit.id
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = ctx.now + timedelta(minutes=CODE_MINUTES)
    await gs.create_group_code(ctx.tx, code, unit_id, member.id, ctx.now, expires)
    await add_audit(ctx.tx, ctx.now, f"member:{member.id}", "group.code", f"unit:{unit_id}")
    unit = await un.get_unit(ctx.tx, unit_id)
    ctx.reply(
        ctx.t(
            "group.code",
            code=code,
            unit=unit.name if unit else "?",
            until=expires.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m/%Y"),
        )
    )


async def _private_status(ctx: Context) -> None:
    units = await access.scope_units(ctx.tx, ctx.member)
    links = await gs.list_group_links(ctx.tx, units)
    if not links:
        ctx.reply(ctx.t("group.none_linked"))
        return
    parts = [await status_text(ctx, link) for link in links]
    ctx.reply("\n\n".join(parts))


async def _private_unlink(ctx: Context, arg: str) -> None:
    number = parse_issue_number(arg)  # a link's number: the same kind of number
    units = await access.scope_units(ctx.tx, ctx.member)
    link = next((g for g in await gs.list_group_links(ctx.tx, units) if g.id == number), None)
    if link is None:
        ctx.reply(ctx.t("group.usage_unlink"))
        return
    await _unlink(ctx, link)


# ---------------------------------------------------------------------------------------------- the group


async def handle(ctx: Context, commands: Mapping[str, Command]) -> None:
    """Every event from a group chat (the router sends them here)."""
    inc = ctx.incoming
    if inc.kind == "member":
        await _on_member_event(ctx)
        return
    link = await gs.get_group_link(ctx.tx, inc.channel, inc.chat_id)
    person = await mem.get_member_by_identity(ctx.tx, inc.channel, inc.sender_id)
    if person is not None:
        ctx.member, ctx.lang = person, person.language
    if link is not None and inc.sender_id:  # nothing is stored about anyone in a group not linked
        await _seen(ctx, link, inc.sender_id)
        link = await gs.get_group_link(ctx.tx, inc.channel, inc.chat_id)
    if inc.kind == "choice":
        await _on_choice(ctx, link, person)
        return
    if person is None or not person.active or person.role == Role.MEMBER:
        return  # nothing for anyone else: no answer, nothing stored but that they were seen
    if inc.kind == "command" and inc.command == "group":
        await _group_command(ctx, link)
    elif link is None:
        return
    elif inc.kind == "command" and inc.command in ISSUE_COMMANDS:
        await _issue_command(ctx, link, commands[inc.command])
    elif inc.kind == "command" and inc.command.startswith("issue"):
        ctx.reply(ctx.t("group.details_in_private"))
    elif inc.reply_to and inc.kind in ("text", "media"):
        await _on_reply(ctx, link)


async def _seen(ctx: Context, link: gs.GroupLink, external_id: str) -> None:
    """Someone wrote or tapped in the linked group: they are in it. One the bot had not seen may change what
    the group may read."""
    inc = ctx.incoming
    before = await standing(ctx, link)
    if not await gs.see_group_person(ctx.tx, inc.channel, inc.chat_id, external_id, ctx.now):
        return
    await gs.note_unseen_person_seen(ctx.tx, link.id)
    await _after_change(ctx, link, before)


async def _group_command(ctx: Context, link: gs.GroupLink | None) -> None:
    verb, _, rest = ctx.incoming.args.strip().partition(" ")
    verb = verb.lower()
    if verb == "link":
        await _link(ctx, link, rest.strip().upper())
    elif link is None:
        ctx.reply(ctx.t("group.not_linked"))
    elif not await _above(ctx, link):
        ctx.reply(ctx.t("group.not_leader"))
    elif verb == "status":
        ctx.reply(await status_text(ctx, link))
    elif verb == "unlink":
        await _unlink(ctx, link)
    else:
        ctx.reply(ctx.t("group.usage_group"))


async def _link(ctx: Context, link: gs.GroupLink | None, code: str) -> None:
    inc = ctx.incoming
    if inc.chat_type not in GROUP_TYPES:
        ctx.reply(ctx.t("group.not_a_group"))
        return
    if link is not None:
        ctx.reply(ctx.t("group.already_linked"))
        return
    found = await gs.get_group_code(ctx.tx, code) if code else None
    if found is None or found.used_at is not None or found.expires_at <= ctx.now:
        ctx.reply(ctx.t("group.bad_code"))
        return
    above = {found.unit_id, *await un.list_ancestor_ids(ctx.tx, found.unit_id)}
    if not is_above(ctx.member, above):
        ctx.reply(ctx.t("group.not_leader"))
        return
    if not await gs.use_group_code(ctx.tx, code, ctx.now):
        ctx.reply(ctx.t("group.bad_code"))
        return
    await gs.forget_group_chat(ctx.tx, inc.channel, inc.chat_id)  # nothing of an earlier link is kept
    await gs.see_group_person(ctx.tx, inc.channel, inc.chat_id, inc.sender_id, ctx.now)
    seen = 1  # who links it; the others in it are seen when they join, leave, write or tap
    link_id = await gs.create_group_link(
        ctx.tx, inc.channel, inc.chat_id, found.unit_id, ctx.now,
        title="", is_forum=inc.chat_forum, bot_admin=inc.bot_status == "administrator",
        unseen=max(0, inc.chat_size - 1 - seen) if inc.chat_size else 0,
        bot_username=ctx.bot_username, language=ctx.lang, linked_by=ctx.member.id,
    )  # fmt: skip
    actor = f"member:{ctx.member.id}"
    await add_audit(ctx.tx, ctx.now, actor, "group.link", f"group:{link_id}", unit=found.unit_id)
    linked = await gs.get_group_link(ctx.tx, inc.channel, inc.chat_id)
    assert linked is not None
    ctx.reply(ctx.t("group.linked") + "\n\n" + await status_text(ctx, linked))
    state = await standing(ctx, linked)
    if not state.clean:
        await _tell_leaders(ctx, linked, "group.now_short", state)


async def _unlink(ctx: Context, link: gs.GroupLink) -> None:
    await gs.end_group_link(ctx.tx, link.id, ctx.now, "unlinked")
    await add_audit(ctx.tx, ctx.now, f"member:{ctx.member.id}", "group.unlink", f"group:{link.id}")
    ctx.reply(ctx.t("group.unlinked", number=link.id))


async def _above(ctx: Context, link: gs.GroupLink) -> bool:
    return is_above(ctx.member, {link.unit_id, *await un.list_ancestor_ids(ctx.tx, link.unit_id)})


async def status_text(ctx: Context, link: gs.GroupLink) -> str:
    """What is linked and what is missing, in the reader's language."""
    unit = await un.get_unit(ctx.tx, link.unit_id)
    state = await standing(ctx, link)
    if link.topics:
        topics = ctx.t("group.topics_on")
    elif link.is_forum:
        topics = ctx.t("group.topics_need_admin")
    else:
        topics = ctx.t("group.topics_need_forum")
    if state.clean:
        details = ctx.t("group.details_full")
    else:
        details = ctx.t("group.details_short", reasons=_reasons(link, state, ctx.lang))
    return ctx.t(
        "group.status", number=link.id, unit=unit.name if unit else "?", topics=topics, details=details
    )


def _reasons(link: gs.GroupLink, state: Standing, lang: str) -> str:
    parts = []
    if state.others:
        parts.append(t(lang, "group.reason_others", count=state.others))
    if state.unseen:
        parts.append(t(lang, "group.reason_unseen", count=state.unseen))
    if state.blind:
        parts.append(t(lang, "group.reason_not_admin"))
    return "; ".join(parts)


async def _tell_leaders(ctx: Context, link: gs.GroupLink, key: str, state: Standing | None = None) -> None:
    """A private notice to the unit's leaders about their group, each in their language."""
    unit = await un.get_unit(ctx.tx, link.unit_id)
    name = unit.name if unit else "?"

    def build(lang: str) -> str:
        reasons = _reasons(link, state, lang) if state is not None else ""
        return t(lang, key, number=link.id, unit=name, reasons=reasons)

    await notify(ctx, [m.id for m in await mem.list_unit_leaders(ctx.tx, link.unit_id)], build)


async def _after_change(ctx: Context, link: gs.GroupLink, before: Standing) -> None:
    """Tell the unit's leaders when the group starts or stops carrying details."""
    fresh = await gs.get_group_link(ctx.tx, link.channel, link.chat_id)
    if fresh is None:
        return
    after = await standing(ctx, fresh)
    if before.clean and not after.clean:
        await _tell_leaders(ctx, fresh, "group.now_short", after)
    elif after.clean and not before.clean:
        await _tell_leaders(ctx, fresh, "group.now_full")


# ---------------------------------------------------------------------------------------------- who is in it


async def _on_member_event(ctx: Context) -> None:
    inc = ctx.incoming
    link = await gs.get_group_link(ctx.tx, inc.channel, inc.chat_id)
    if link is not None:
        ctx.member = group_reader(
            link
        )  # work for the unit's leaders: their notices are not a stranger's answers
    if inc.subject_is_bot:
        await _on_bot_status(ctx, link)
        return
    if link is None:
        return  # nothing is stored about anyone in a group not linked
    before = await standing(ctx, link)
    new = await gs.set_group_person(
        ctx.tx, inc.channel, inc.chat_id, inc.subject_id, inc.member_status, ctx.now
    )
    if new and inc.member_status not in gs.PRESENT:
        await gs.note_unseen_person_seen(ctx.tx, link.id)  # one who was there unseen has left
    await _after_change(ctx, link, before)


async def _on_bot_status(ctx: Context, link: gs.GroupLink | None) -> None:
    inc = ctx.incoming
    status = inc.member_status
    if status in ("left", "kicked"):
        await gs.forget_group_chat(ctx.tx, inc.channel, inc.chat_id)
        if link is not None:
            await gs.end_group_link(ctx.tx, link.id, ctx.now, "removed")
            await add_audit(ctx.tx, ctx.now, "system", "group.removed", f"group:{link.id}")
            await _tell_leaders(ctx, link, "group.removed")
        return
    if link is not None:
        before = await standing(ctx, link)
        await gs.update_group_chat(
            ctx.tx, link.id, is_forum=inc.chat_forum or link.is_forum, bot_admin=status == "administrator"
        )
        await _after_change(ctx, link, before)


# ---------------------------------------------------------------------------------------------- acting


async def _on_choice(ctx: Context, link: gs.GroupLink | None, person: mem.Member | None) -> None:
    """A tapped button: always answered (the adapter leaves group queries to us), politely when refused."""
    inc = ctx.incoming
    refusal = await _refusal(ctx, link, person)
    if refusal:
        _answer(ctx, refusal)
        return
    if inc.choice.startswith("a:"):
        button = decode(inc.choice)
        if not isinstance(button, IssueButton):
            _answer(ctx, "error.bad_button")
            return
        if button.action in (IssueAction.CARD, IssueAction.MORE):  # rendered for one person: in private
            _answer(ctx, "group.details_in_private")
            return
        issue = await iss.get_issue(ctx.tx, button.issue_id)
        assert link is not None
        if issue is None or not await _may_act(ctx, link, issue, button.action):
            _answer(ctx, "group.no_right")
            return
        _answer(ctx, "")
        await leaders.on_action(ctx, button)
        await _own_conversation(ctx)
        return
    conv = await flow.current(ctx)
    if conv is None or conv.data.get(OWNER) != inc.sender_id:
        _answer(ctx, "group.not_yours")
        return
    _answer(ctx, "")
    ctx.send(Outgoing(chat_id=inc.chat_id, clear_choices_of=inc.source_message, channel=inc.channel))
    await flow.on_event(ctx, conv)
    await _own_conversation(ctx)


async def _refusal(ctx: Context, link: gs.GroupLink | None, person: mem.Member | None) -> str:
    """Why this person's tap does nothing here ("" if it may act)."""
    if link is None:
        return "group.not_linked_short"
    if person is None or not person.active or person.role == Role.MEMBER:
        return "group.not_leader_tap"
    if not (await standing(ctx, link)).clean:
        return "group.use_private"
    return ""


async def _may_act(ctx: Context, link: gs.GroupLink, issue: iss.Issue, action: str) -> bool:
    """The person's own right (as in private), on an issue this group carries."""
    if not await may_carry(ctx, link, issue):
        return False
    return await access.can(ctx.tx, ctx.settings, ctx.member, issue, action)


def _answer(ctx: Context, key: str) -> None:
    inc = ctx.incoming
    if not inc.callback_id:
        return
    ctx.send(
        Outgoing(
            chat_id=inc.chat_id,
            channel=inc.channel,
            text=ctx.t(key) if key else "",
            answer_callback=inc.callback_id,
        )
    )


async def _own_conversation(ctx: Context) -> None:
    """A step the action asked for belongs to the person who started it."""
    conv = await flow.current(ctx)
    if conv is not None and conv.data.get(OWNER) != ctx.incoming.sender_id:
        conv.data[OWNER] = ctx.incoming.sender_id
        await save_conversation(ctx.tx, conv, ctx.now, bump=False)


async def _on_reply(ctx: Context, link: gs.GroupLink) -> None:
    """A reply to one of the bot's messages: the person's own step, or an action on the issue it is about."""
    if not (await standing(ctx, link)).clean:
        ctx.reply(ctx.t("group.use_private"))
        return
    conv = await flow.current(ctx)
    if conv is not None and conv.data.get(OWNER) == ctx.incoming.sender_id:
        await flow.on_event(ctx, conv)
        await _own_conversation(ctx)
        return
    if await _reply_on_carried_issue(ctx, link) and await leaders.on_reply(ctx):
        await _own_conversation(ctx)


async def _reply_on_carried_issue(ctx: Context, link: gs.GroupLink) -> bool:
    """The message replied to is about issues this group carries (so a reply cannot reach any other)."""
    inc = ctx.incoming
    ids = await list_sent_issue_ids(ctx.tx, inc.channel, inc.chat_id, inc.reply_to)
    for issue in await iss.get_issues(ctx.tx, ids):
        if not await may_carry(ctx, link, issue):
            return False
    return bool(ids)


async def _issue_command(ctx: Context, link: gs.GroupLink, command: Command) -> None:
    """/resolve 12 …, /comment 12 … in the group; in an issue's topic the number may be left out."""
    inc = ctx.incoming
    if not (await standing(ctx, link)).clean:
        ctx.reply(ctx.t("group.use_private"))
        return
    args = inc.args.strip()
    head = args.split(" ", 1)[0].lstrip("#").rstrip(":.,")
    number = parse_issue_number(head)
    if number is None and inc.thread_id:
        number = await gs.get_topic_issue(ctx.tx, inc.channel, inc.chat_id, inc.thread_id)
        if number is not None:
            args = f"{number} {args}".strip()
            ctx.incoming = replace(inc, args=args)
    issue = await iss.get_issue(ctx.tx, number) if number is not None else None
    if issue is not None and not await may_carry(ctx, link, issue):
        ctx.reply(ctx.t("group.not_here", number=issue.id))
        return
    await command(ctx)
    await _own_conversation(ctx)
