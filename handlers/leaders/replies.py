"""The "act" conversation (the text, evidence, assignee or unit an action needs) and replies to messages
about an issue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers import access, flow
from handlers.attachments import attachment_dicts
from handlers.context import Context
from handlers.drafts import ActDraft, draft_of
from handlers.leaders import actions as act
from handlers.leaders.common import PEOPLE_PAGE, TEXT_LIMIT, first_number
from handlers.leaders.refresh import after_conversation
from handlers.numbers import parse_issue_number
from storage import issues as iss
from storage import members as mem
from storage import units as un
from storage.conversations import Conversation
from storage.outbox import list_sent_issue_ids

PROMPTS = {
    "comment": "act.ask_comment",
    "resolve": "act.ask_resolution",
    "reopen": "act.ask_reopen",
    "close": "act.ask_close",
    "dup": "act.ask_dup",
    "progress": "act.ask_progress",
    "propose": "act.ask_proposal",
    "sendback": "act.ask_send_back",
}


async def _act_ask(ctx: Context, conv: Conversation) -> None:
    d = draft_of(conv, ActDraft)
    number = d.issue_id
    if conv.step == "text":
        await flow.ask_options(ctx, conv, ctx.t(PROMPTS[d.action], number=number), [], free_text=True)
    elif conv.step == "evidence":
        options = [(ctx.t("act.evidence_add"), "add"), (ctx.t("act.evidence_none"), "none")]
        await flow.ask_options(ctx, conv, ctx.t("act.ask_evidence"), options)
    elif conv.step == "files":
        await flow.ask_options(
            ctx, conv, ctx.t("act.ask_evidence_files"), [(ctx.t("report.done"), "_done")], free_text=True
        )
    elif conv.step == "reply":
        options = [(ctx.t(f"act.reply_{k}"), k) for k in d.offers]
        await flow.ask_options(ctx, conv, ctx.t("act.reply_offer", number=number), options)
    elif conv.step == "which":
        options = [(f"#{i}", str(i)) for i in d.candidates]
        await flow.ask_options(ctx, conv, ctx.t("reply.several"), options, columns=4)
    elif conv.step in ("assign", "move"):
        await _ask_pick(ctx, conv)


async def _ask_pick(ctx: Context, conv: Conversation) -> None:
    """A page of the people an issue may be assigned to, or of the units it may move to."""
    d = draft_of(conv, ActDraft)
    number = d.issue_id
    issue = await iss.get_issue(ctx.tx, number)
    assert issue is not None
    page = d.page
    if conv.step == "assign":
        people = await mem.list_members_in_units(ctx.tx, await access.assignable_units(ctx.tx, issue))
        units = {u.id: u.name for u in await un.list_units(ctx.tx, active_only=False)}
        items = [(f"{p.name} — {units.get(p.unit_id, '?')}", f"m:{p.id}") for p in people]
        prompt = ctx.t("act.ask_assignee", number=number)
    else:
        scope = set(await access.scope_units(ctx.tx, ctx.member))
        items = [
            (u.name, f"u:{u.id}")
            for u in await un.list_units(ctx.tx)
            if u.id in scope and u.id != issue.owner_unit_id
        ]
        prompt = ctx.t("act.ask_move", number=number)
    chunk = items[page * PEOPLE_PAGE : (page + 1) * PEOPLE_PAGE]
    extra = []
    if page > 0:
        extra.append((ctx.t("units.prev"), "_prev"))
    if (page + 1) * PEOPLE_PAGE < len(items):
        extra.append((ctx.t("units.more"), "_next"))
    await flow.ask_options(ctx, conv, prompt, chunk, extra_rows=[extra] if extra else None)


async def _act_answer(ctx: Context, conv: Conversation, value: str) -> None:
    if conv.step == "which":
        await _answer_which(ctx, conv, value)
        return
    d = draft_of(conv, ActDraft)
    issue = await iss.get_issue(ctx.tx, d.issue_id)
    if issue is None or not await access.may_see(ctx.tx, ctx.settings, ctx.member, issue):
        await flow.finish(ctx, conv)
        ctx.reply(ctx.t("issue.not_found", number=d.issue_id))
        return
    await STEP_ANSWERS[conv.step](ctx, conv, issue, value)


async def _answer_which(ctx: Context, conv: Conversation, value: str) -> None:
    """A reply to a digest: which of the issues it named."""
    d = draft_of(conv, ActDraft)
    number = parse_issue_number(value)
    if number is None or number not in d.candidates:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    chosen = await iss.get_issue(ctx.tx, number)
    offers = await _reply_offers(ctx, chosen) if chosen is not None else []
    if chosen is None or not offers:
        await flow.finish(ctx, conv)
        ctx.reply(ctx.t("issue.not_found", number=value))
        return
    d.issue_id, d.offers = chosen.id, offers
    await flow.goto(ctx, conv, "reply")


async def _answer_pick(ctx: Context, conv: Conversation, issue: iss.Issue, value: str) -> None:
    d = draft_of(conv, ActDraft)
    if value in ("_prev", "_next"):
        d.page = max(0, d.page + (1 if value == "_next" else -1))
        await _act_ask(ctx, conv)
        return
    chosen = parse_issue_number(value[2:])  # a member's or a unit's id: the same kind of number
    if chosen is None:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    await flow.finish(ctx, conv)
    if conv.step == "assign":
        await act.assign(ctx, issue, chosen)
    else:
        await act.move(ctx, issue, chosen)
    await after_conversation(ctx, d.card_message, issue.id)


async def _answer_text(ctx: Context, conv: Conversation, issue: iss.Issue, value: str) -> None:
    d = draft_of(conv, ActDraft)
    text = value.strip()
    if not text:
        await flow.reask(ctx, conv, ctx.t("act.empty_text"))
        return
    if len(text) > TEXT_LIMIT:
        await flow.reask(ctx, conv, ctx.t("error.too_long", limit=TEXT_LIMIT))
        return
    d.text = text
    if d.action == "resolve" and not d.attachments and not d.asked_evidence:
        d.asked_evidence = True
        await flow.goto(ctx, conv, "evidence")
        return
    await _complete(ctx, conv, issue, d.action)


async def _answer_evidence(ctx: Context, conv: Conversation, issue: iss.Issue, value: str) -> None:
    if value == "add":
        await flow.goto(ctx, conv, "files")
        return
    await _complete(ctx, conv, issue, "resolve")


async def _answer_files(ctx: Context, conv: Conversation, issue: iss.Issue, value: str) -> None:
    if value != "_done":
        await flow.reask(ctx, conv, ctx.t("act.ask_evidence_files"))
        return
    await _complete(ctx, conv, issue, "resolve")


REPLY_ACTIONS = {
    "resolve": "resolve",
    "internal": "comment",
    "update": "update",
    "progress": "progress",
    "propose": "propose",
}


async def _answer_reply(ctx: Context, conv: Conversation, issue: iss.Issue, value: str) -> None:
    d = draft_of(conv, ActDraft)
    if value not in d.offers:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    d.action = REPLY_ACTIONS[value]
    if d.action == "resolve" and not d.attachments:
        d.asked_evidence = True
        await flow.goto(ctx, conv, "evidence")
        return
    await _complete(ctx, conv, issue, d.action)


StepAnswer = Callable[[Context, Conversation, iss.Issue, str], Awaitable[None]]
STEP_ANSWERS: dict[str, StepAnswer] = {
    "assign": _answer_pick,
    "move": _answer_pick,
    "text": _answer_text,
    "evidence": _answer_evidence,
    "files": _answer_files,
    "reply": _answer_reply,
}


async def _complete(ctx: Context, conv: Conversation, issue: iss.Issue, action: str) -> None:
    """The conversation has what the action needs: end it, act, and refresh the card it came from."""
    d = draft_of(conv, ActDraft)
    await flow.finish(ctx, conv)
    await _perform(ctx, issue, action, d.text, d.attachments)
    await after_conversation(ctx, d.card_message, issue.id)


async def _perform(
    ctx: Context, issue: iss.Issue, action: str, text: str, attachments: list[dict[str, Any]]
) -> None:
    if action == "resolve":
        await act.resolve(ctx, issue, text, attachments)
    elif action == "comment":
        await act.comment(ctx, issue, text, attachments, shared=False)
    elif action == "update":
        await act.comment(ctx, issue, text, attachments, shared=True)
    elif action == "reopen":
        await act.reopen(ctx, issue, text)
    elif action == "close":
        await act.close_without_action(ctx, issue, text)
    elif action == "progress":
        await act.progress(ctx, issue, text, attachments)
    elif action == "propose":
        await act.propose(ctx, issue, text, attachments)
    elif action == "sendback":
        await act.send_back(ctx, issue, text)
    elif action == "dup":
        target = first_number(text)
        if target is None:
            ctx.reply(ctx.t("act.usage", command="dup", more=ctx.t("act.usage_dup")))
            return
        await act.mark_duplicate(ctx, issue, target)


async def _act_media(ctx: Context, conv: Conversation) -> bool:
    inc = ctx.incoming
    if inc.kind != "media":
        return False
    d = draft_of(conv, ActDraft)
    d.attachments.extend(attachment_dicts(inc.attachments))
    if conv.step == "files":
        group = inc.media_group
        again = bool(group) and group in d.groups  # the rest of an album: no second answer
        if group and not again:
            d.groups.append(group)
        await flow.save(ctx, conv, bump=False)
        if again:
            return True
        ctx.reply(
            ctx.t("report.noted_media", count=len(d.attachments)),
            choices=flow.render_choices(conv),
        )
        return True
    if conv.step == "text" and inc.text.strip():
        await _act_answer(ctx, conv, inc.text)
        return True
    await flow.reask(ctx, conv, ctx.t("report.kept_media"))
    return True


flow.register(flow.Flow("act", _act_ask, _act_answer, _act_media))


def _split_number(text: str) -> tuple[int | None, str]:
    """A leading issue number, as in "12: text" or "#12 text" -> (12, "text"); none -> (None, text)."""
    head, _, rest = text.strip().partition(" ")
    number = parse_issue_number(head.rstrip(":.,"))
    if number is not None:
        return number, rest.strip().lstrip(":").strip()
    if ":" in text:
        left, _, right = text.partition(":")
        number = parse_issue_number(left)
        if number is not None:
            return number, right.strip()
    return None, text.strip()


async def _reply_offers(ctx: Context, issue: iss.Issue) -> list[str]:
    offers = []
    if await access.leads(ctx.tx, ctx.settings, ctx.member, issue):
        if issue.state in access.LEADER_ACTIONS["resolve"]:
            offers.append("resolve")
        if issue.state in access.LEADER_ACTIONS["comment"]:
            offers += ["internal", "update"]
    elif issue.assignee_id == ctx.member.id and issue.state in access.ASSIGNEE_ACTIONS["progress"]:
        offers += ["progress", "propose"]
    return offers


async def on_reply(ctx: Context) -> bool:
    """A leader's or assignee's reply to a message about an issue: offer what to do with it. A reply to a
    message about several issues (a digest) names one by its number, or is asked which."""
    inc = ctx.incoming
    ids = await list_sent_issue_ids(ctx.tx, inc.channel, inc.chat_id, inc.reply_to)
    if not ids:
        return False
    text, attachments = inc.text.strip(), attachment_dicts(inc.attachments)
    if len(ids) > 1:
        number, rest = _split_number(text)
        if number is not None and number in ids:
            ids, text = [number], rest
    if len(ids) > 1:
        if ctx.member.role not in ("leader", "admin"):
            return False
        draft = ActDraft("reply", ids[0], text, attachments, candidates=ids, card_message="")
        await flow.start(ctx, "act", "which", draft)
        return True
    issue = await iss.get_issue(ctx.tx, ids[0])
    if issue is None:
        return False
    offers = await _reply_offers(ctx, issue)
    if not offers or (not text and not attachments):
        return False
    # the card to refresh: the prompt tapped last
    draft = ActDraft("reply", issue.id, text, attachments, offers=offers, card_message="")
    await flow.start(ctx, "act", "reply", draft)
    return True
