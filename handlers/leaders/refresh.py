"""The card after an action: the message a leader tapped (an alert, a card, an extension request, a
proposal, the last prompt of a conversation) becomes the issue's current card, in place, with the buttons
that leader may still use (``card_for``), so no message is left without a way forward.

The router queues the removal of a tapped message's buttons before any handler runs (``clear_choices_of``);
here that removal is replaced by the edit, in its place. A channel that does not say which message was
tapped (Zalo's numbered lines, a typed label) gets the card as a new message, with its choices, instead.
A conversation started from a card keeps that card's id in its draft (``card_message``, handlers/drafts.py)
and refreshes the card when the action completes; while it runs, the card keeps its buttons.
"""

from __future__ import annotations

from handlers import access
from handlers.context import Context
from handlers.leaders.card import card_for
from handlers.leaders.groupcast import group_card
from storage import issues as iss


def tapped(ctx: Context) -> str:
    """The id of the bot message whose button this event tapped; "" when the channel does not say."""
    inc = ctx.incoming
    return inc.source_message if inc.kind == "choice" else ""


def _queued_clear(ctx: Context, message_id: str) -> int | None:
    """Where the router queued the removal of ``message_id``'s buttons, if it did."""
    for i, msg in enumerate(ctx.out):
        if message_id and msg.clear_choices_of == message_id and msg.chat_id == ctx.incoming.chat_id:
            return i
    return None


def keep_buttons(ctx: Context) -> None:
    """The tapped message keeps its buttons (a conversation about it has started: it may be cancelled)."""
    index = _queued_clear(ctx, tapped(ctx))
    if index is not None:
        del ctx.out[index]


async def refresh_card(ctx: Context, issue_id: int, message_id: str) -> None:
    """Show the leader the issue's current card: ``message_id`` edited into it, or a new message when
    there is none. Nothing for someone who may no longer see the issue (the buttons just come off)."""
    issue = await iss.get_issue(ctx.tx, issue_id)
    if issue is None or ctx.member is None:
        return
    if ctx.incoming.chat_type == "private":
        card = await card_for(ctx, ctx.member, issue)
    else:  # a leaders' group: what the group reads, never this leader's own card
        group = await group_card(ctx, issue)
        if group is None:
            return
        card = group
    if card.issue_id is None:  # not theirs to see
        return
    card.chat_id, card.channel = ctx.incoming.chat_id, ctx.incoming.channel
    # a confidential source shown to this viewer: a message sent unprotected cannot become protected
    if message_id and not (card.protect_content and not access.protected(ctx.settings, issue)):
        card.edit_of = message_id
        index = _queued_clear(ctx, message_id)
        if index is not None:
            ctx.out[index] = card
            return
    ctx.out.append(card)


async def after_conversation(ctx: Context, card_message: str | None, issue_id: int) -> None:
    """A conversation started from a card (or from a reply) has done its action: refresh the card, the
    draft's ``card_message`` ("": the message tapped last, or a new one)."""
    if card_message is None:
        return  # started by a command: its answers say what happened
    await refresh_card(ctx, issue_id, card_message or tapped(ctx))
