"""Posting about issues in the leaders' groups linked to a unit (``/group``, handlers/groups.py).

Which group hears of an issue: the groups linked to the unit that owns it, never the group of a unit a
sensitive issue is about (or of a unit below it). What it reads: the card as the group may read it (a reader
above the unit who is not of the owning unit: every detail but a confidential source) while everyone seen in the
group is a leader of the unit or above, and nobody in it is unknown to the bot; otherwise only the issue's
number, its category and an "open in private chat" link; so while the bot is no administrator there (Telegram
tells only an administrator who joins). In a forum where the bot is an administrator each
issue gets its own topic (opened by the channel on the first post, titled with the number and a short title)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.enums import Role
from bot.core.messages import Choice, Outgoing
from bot.core.texts import t
from handlers.context import Context
from handlers.leaders.card import card_for
from handlers.numbers import ISSUE_LINK
from storage import groups as gs
from storage import issues as iss
from storage import members as mem
from storage import units as un

TOPIC_TITLE = 128  # Telegram's limit on a topic's name


@dataclass(frozen=True)
class Standing:
    """Whether a group may carry issue details now, and if not, why."""

    others: int  # people seen in it who are not leaders of the unit or above
    unseen: int  # people in it the bot has not seen
    blind: bool = False  # the bot is no administrator: Telegram does not tell it who joins

    @property
    def clean(self) -> bool:
        return self.others == 0 and self.unseen == 0 and not self.blind


def group_reader(link: gs.GroupLink) -> mem.Member:
    """The group as a reader: above every unit (reads every detail) but never the owning unit's leader, so a
    confidential source stays hidden; acts on nothing (every action is re-checked for the person who taps)."""
    return mem.Member(0, "", "", Role.ADMIN, link.unit_id, (), link.language, True, None)


async def standing(ctx: Context, link: gs.GroupLink) -> Standing:
    above = {link.unit_id, *await un.list_ancestor_ids(ctx.tx, link.unit_id)}
    others = 0
    for external_id in await gs.list_group_people(ctx.tx, link.channel, link.chat_id):
        person = await mem.get_member_by_identity(ctx.tx, link.channel, external_id)
        if not is_above(person, above):
            others += 1
    return Standing(others, link.unseen, blind=not link.bot_admin)


def is_above(person: mem.Member | None, above: set[int]) -> bool:
    """A leader of the unit or of one above it, or an admin (active)."""
    if person is None or not person.active:
        return False
    return person.role == Role.ADMIN or (person.role == Role.LEADER and person.unit_id in above)


async def may_carry(ctx: Context, link: gs.GroupLink, issue: iss.Issue) -> bool:
    """Whether the group hears of this issue at all."""
    if issue.owner_unit_id != link.unit_id:
        return False
    category = ctx.settings.category(issue.category)
    if category is not None and category.sensitive:
        if link.unit_id in await un.list_subtree_ids(ctx.tx, issue.about_unit_id):
            return False  # never the implicated unit's group
    return True


def topic_title(issue: iss.Issue) -> str:
    """ "#12 Short title", cut at a word to fit a topic's name."""
    head = f"#{issue.id} "
    title = " ".join(issue.title.split())
    room = TOPIC_TITLE - len(head)
    if len(title) > room:
        cut = title.rfind(" ", 0, room - 1)
        title = title[: cut if cut > room // 2 else room - 1].rstrip() + "…"
    return head + title


async def group_post(
    ctx: Context, link: gs.GroupLink, issue: iss.Issue, header: str, *, urgent: bool, clean: bool
) -> Outgoing:
    """The post about ``issue`` for the group: the card, or the short form."""
    lang = link.language
    if clean:
        card = await card_for(ctx, group_reader(link), issue, header=header)
    else:
        category = ctx.settings.category(issue.category)
        text = t(
            lang,
            "group.short",
            header=header,
            number=issue.id,
            category=category.label(lang) if category else issue.category,
        )
        row = private_link(link, issue.id)
        card = Outgoing(chat_id="", text=text, choices=[row] if row else [], issue_id=issue.id)
        card.protect_content = True
    card.chat_id, card.channel, card.proactive, card.urgent = link.chat_id, link.channel, True, urgent
    if link.topics:
        card.topic_issue, card.topic_title = issue.id, topic_title(issue)
    return card


def private_link(link: gs.GroupLink, number: int) -> list[Choice]:
    if not link.bot_username:
        return []
    url = f"https://t.me/{link.bot_username}?start={ISSUE_LINK}{number}"
    return [Choice(t(link.language, "group.open_private"), "", url=url)]


async def group_card(ctx: Context, issue: iss.Issue) -> Outgoing | None:
    """The card as the group the event came from reads it (refreshed in place after an action from the group:
    never the card of the person who acted); None when the group is not linked or does not carry the issue."""
    inc = ctx.incoming
    link = await gs.get_group_link(ctx.tx, inc.channel, inc.chat_id)
    if link is None or not await may_carry(ctx, link, issue):
        return None
    clean = (await standing(ctx, link)).clean
    card = await group_post(ctx, link, issue, "", urgent=False, clean=clean)
    card.proactive = False
    return card


async def post_to_groups(
    ctx: Context, issue: iss.Issue, header_key: str, urgent: bool, **fields: object
) -> int:
    """Post about ``issue`` in every group that may carry it; returns how many."""
    count = 0
    for link in await gs.list_group_links(ctx.tx, [issue.owner_unit_id]):
        if not await may_carry(ctx, link, issue):
            continue
        clean = (await standing(ctx, link)).clean
        header = t(link.language, header_key, **fields)
        ctx.send(await group_post(ctx, link, issue, header, urgent=urgent, clean=clean))
        count += 1
    return count
