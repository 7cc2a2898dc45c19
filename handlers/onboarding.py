"""Strangers, joining with an invite, /help, /me, /language and the admins' /invite flow."""

from __future__ import annotations

from datetime import timedelta

from bot.core.messages import Outgoing
from handlers import access, flow
from handlers.context import Context
from handlers.drafts import ChannelDraft, InviteDraft, draft_of
from handlers.leaders.card import cmd_issue
from handlers.numbers import ISSUE_LINK, parse_issue_number
from handlers.people import (
    CODE_ALPHABET,
    CODE_LENGTH,
    create_invites,
    join_with_code,
    normalise_code,
    role_commands,
    role_keyboard,
    unit_name,
)
from storage import members as mem
from storage import units as un
from storage.conversations import Conversation
from storage.strangers import claim_stranger_refusal

NAME_LIMIT = 120
UNITS_PER_PAGE = 8
REFUSAL_EVERY = timedelta(hours=1)  # a stranger hears "no" (or the help) once an hour, then silence


async def stranger(ctx: Context) -> None:
    """Anyone without a membership: only a code is listened to."""
    inc = ctx.incoming
    if inc.language_code.startswith("en"):
        ctx.lang = "en"
    if inc.kind == "command" and inc.command == "start" and inc.args:
        await _join(ctx, inc.args)
        return
    if inc.kind == "text" and looks_like_code(inc.text):  # Zalo has no deep links: the code is the message
        await _join(ctx, inc.text)
        return
    kind = "help" if inc.kind == "command" and inc.command == "help" else "refuse"
    if not await claim_stranger_refusal(
        ctx.tx, inc.channel, inc.sender_id, ctx.now, ctx.now - REFUSAL_EVERY, kind
    ):
        return  # answered this hour already: silence
    ctx.reply(ctx.t("help.stranger" if kind == "help" else "stranger.refuse"))


async def _join(ctx: Context, code: str) -> None:
    inc = ctx.incoming
    result = await join_with_code(
        ctx.tx,
        ctx.settings,
        ctx.now,
        channel=inc.channel,
        external_id=inc.sender_id,
        chat_id=inc.chat_id,
        code=code,
        display_name=inc.sender_name,
        language=ctx.lang,
    )
    if result.status != "joined" or result.member is None:
        key = {
            "bad": "invite.bad_code",
            "used": "invite.used",
            "expired": "invite.expired",
            "throttled": "invite.throttled",
        }[result.status]
        if result.status == "throttled" and not await claim_stranger_refusal(
            ctx.tx, inc.channel, inc.sender_id, ctx.now, ctx.now - REFUSAL_EVERY
        ):
            return  # told once this hour already
        ctx.reply(ctx.t(key))
        return
    member = result.member
    ctx.member = member
    ctx.lang = member.language
    if result.linked:
        unit = await unit_name(ctx.tx, member.unit_id)
        ctx.reply(ctx.t("link.done", name=member.name, unit=unit), keyboard=role_keyboard(member.role, ctx.t))
        ctx.send(Outgoing(chat_id=ctx.incoming.chat_id, commands=role_commands(member.role, ctx.t)))
        return
    await _greet(ctx, member)


async def _greet(ctx: Context, member: mem.Member) -> None:
    ctx.reply(
        ctx.t(
            "invite.welcome",
            name=member.name,
            role=ctx.t(f"role.{member.role}"),
            unit=await unit_name(ctx.tx, member.unit_id),
            abilities=ctx.t(f"abilities.{member.role}"),
        ),
        keyboard=role_keyboard(member.role, ctx.t),
    )
    ctx.send(Outgoing(chat_id=ctx.incoming.chat_id, commands=role_commands(member.role, ctx.t)))


async def cmd_start(ctx: Context) -> None:
    member = ctx.member
    if ctx.incoming.args.startswith(ISSUE_LINK):  # "open in private chat" from a leaders' group
        number = parse_issue_number(ctx.incoming.args[len(ISSUE_LINK) :])
        if number is not None:
            await cmd_issue(ctx, number)
            return
    if ctx.incoming.args:
        ctx.reply(
            ctx.t("invite.already_member", name=member.name, unit=await unit_name(ctx.tx, member.unit_id))
        )
        return
    ctx.reply(ctx.t("start.again", name=member.name), keyboard=role_keyboard(member.role, ctx.t))


async def cmd_help(ctx: Context) -> None:
    """A short guide in plain words for the person's role, then the commands they may use."""
    member = ctx.member
    lines = [ctx.t("help.header", role=ctx.t(f"role.{member.role}")), ctx.t(f"guide.{member.role}"), ""]
    lines += [f"/{name} — {desc}" for name, desc in role_commands(member.role, ctx.t)]
    ctx.reply("\n".join(lines), keyboard=role_keyboard(member.role, ctx.t))


async def cmd_me(ctx: Context) -> None:
    member = ctx.member
    sectors = [ctx.settings.sector(code) for code in member.sectors]
    names = [(s.vi if ctx.lang == "vi" else s.en) for s in sectors if s is not None]
    ctx.reply(
        ctx.t(
            "me.card",
            name=member.name,
            unit=await unit_name(ctx.tx, member.unit_id),
            role=ctx.t(f"role.{member.role}"),
            sectors=", ".join(names) or ctx.t("me.none"),
            phone=member.phone or ctx.t("me.none"),
            language=ctx.t(f"language.{member.language}"),
        )
    )


# ---------------------------------------------------------------------------------------------- /language


async def cmd_language(ctx: Context) -> None:
    await flow.start(ctx, "language", "choose")


async def _language_ask(ctx: Context, conv: Conversation) -> None:
    await flow.ask_options(
        ctx,
        conv,
        ctx.t("language.ask"),
        [(ctx.t("language.vi"), "vi"), (ctx.t("language.en"), "en")],
        columns=2,
    )


async def _language_answer(ctx: Context, conv: Conversation, value: str) -> None:
    await mem.set_member_language(ctx.tx, ctx.member.id, value)
    await flow.finish(ctx, conv)
    ctx.lang = value
    ctx.reply(ctx.t("language.done"), keyboard=role_keyboard(ctx.member.role, ctx.t))
    ctx.send(Outgoing(chat_id=ctx.incoming.chat_id, commands=role_commands(ctx.member.role, ctx.t)))


flow.register(flow.Flow("language", _language_ask, _language_answer))


# ---------------------------------------------------------------------------------------------- /invite


# who may invite: admins anyone anywhere; leaders members only, into their own unit or a unit below it
INVITERS = ("admin", "leader")


async def _invitable_units(ctx: Context) -> list[un.Unit]:
    units = await un.list_units(ctx.tx)
    if ctx.member.role == "admin":
        return units
    scope = set(await access.scope_units(ctx.tx, ctx.member))
    return [u for u in units if u.id in scope]


async def cmd_invite(ctx: Context) -> None:
    if ctx.member.role not in INVITERS:
        ctx.reply(ctx.t("invite.admin_only"))
        return
    await flow.start(ctx, "invite", "unit", InviteDraft())


async def _invite_ask(ctx: Context, conv: Conversation) -> None:
    if conv.step == "unit":
        units = await _invitable_units(ctx)
        page = draft_of(conv, InviteDraft).page
        chunk = units[page * UNITS_PER_PAGE : (page + 1) * UNITS_PER_PAGE]
        extra = []
        if page > 0:
            extra.append((ctx.t("units.prev"), "_prev"))
        if (page + 1) * UNITS_PER_PAGE < len(units):
            extra.append((ctx.t("units.more"), "_next"))
        await flow.ask_options(
            ctx,
            conv,
            ctx.t("invite.ask_unit"),
            [(u.name, str(u.id)) for u in chunk],
            extra_rows=[extra] if extra else None,
        )
    elif conv.step == "role":
        await flow.ask_options(
            ctx, conv, ctx.t("invite.ask_role"), [(ctx.t(f"role.{r}"), r) for r in mem.ROLES], columns=3
        )
    elif conv.step == "name":
        await flow.ask_options(
            ctx, conv, ctx.t("invite.ask_name"), [(ctx.t("invite.skip"), "_skip")], free_text=True
        )


async def _invite_answer(ctx: Context, conv: Conversation, value: str) -> None:
    if ctx.member.role not in INVITERS:  # demoted mid-flow
        await flow.finish(ctx, conv)
        ctx.reply(ctx.t("invite.admin_only"))
        return
    if conv.step == "role" and ctx.member.role != "admin" and value != "member":
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))  # a leader invites members only
        return
    d = draft_of(conv, InviteDraft)
    if conv.step == "unit":
        if value in ("_prev", "_next"):
            d.page = max(0, d.page + (1 if value == "_next" else -1))
            await _invite_ask(ctx, conv)
            return
        allowed = {u.id: u for u in await _invitable_units(ctx)}
        unit_id = parse_issue_number(value)  # a unit's id: the same kind of number
        unit = allowed.get(unit_id) if unit_id is not None else None
        if unit is None or not unit.active:
            await flow.reask(ctx, conv, ctx.t("error.bad_button"))
            return
        d.unit_id = unit.id
        if ctx.member.role != "admin":
            d.role = "member"
            await flow.goto(ctx, conv, "name")
            return
        await flow.goto(ctx, conv, "role")
    elif conv.step == "role":
        d.role = value
        await flow.goto(ctx, conv, "name")
    elif conv.step == "name":
        name = "" if value == "_skip" else " ".join(value.split())
        if len(name) > NAME_LIMIT:
            await flow.reask(ctx, conv, ctx.t("error.too_long", limit=NAME_LIMIT))
            return
        unit_id, role = d.unit_id, d.role
        if (
            unit_id not in {u.id for u in await _invitable_units(ctx)}
            or role not in mem.ROLES
            or (ctx.member.role != "admin" and role != "member")
        ):  # the leader was moved to another unit mid-flow, or the draft was tampered with
            await flow.finish(ctx, conv)
            ctx.reply(ctx.t("error.bad_button"))
            return
        [created] = await create_invites(
            ctx.tx,
            ctx.settings,
            ctx.now,
            unit_id=unit_id,
            role=role,
            name=name,
            created_by=f"member:{ctx.member.id}",
            bot_username=ctx.bot_username,
        )
        await flow.finish(ctx, conv)
        ctx.reply(
            ctx.t(
                "invite.created",
                who=name or ctx.t("invite.who_unknown"),
                role=ctx.t(f"role.{role}"),
                unit=await unit_name(ctx.tx, unit_id),
                code=created.code,
                link=created.link,
                expires=created.expires_at.astimezone(ctx.settings.tz).strftime("%d/%m/%Y"),
            )
        )


flow.register(flow.Flow("invite", _invite_ask, _invite_answer))


def looks_like_code(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


# ---------------------------------------------------------------------------------------------- two channels


async def cmd_link(ctx: Context) -> None:
    """A one-time code the member sends from their other messenger to join both to one membership."""
    member = ctx.member
    [created] = await create_invites(
        ctx.tx,
        ctx.settings,
        ctx.now,
        unit_id=member.unit_id,
        role=member.role,
        name=member.name,
        created_by=f"member:{member.id}",
        bot_username=ctx.bot_username,
        member_id=member.id,
    )
    expires = created.expires_at.astimezone(ctx.settings.tz).strftime("%d/%m/%Y")
    ctx.reply(ctx.t("link.code", code=created.code, expires=expires))


async def cmd_channel(ctx: Context) -> None:
    channels = sorted({i.channel for i in await mem.list_identities(ctx.tx, ctx.member.id)})
    if len(channels) < 2:
        ctx.reply(ctx.t("channel.only_one"))
        return
    await flow.start(ctx, "channel", "choose", ChannelDraft(channels))


async def _channel_ask(ctx: Context, conv: Conversation) -> None:
    options = [(ctx.t(f"channel.{c}"), c) for c in draft_of(conv, ChannelDraft).channels]
    await flow.ask_options(ctx, conv, ctx.t("channel.ask"), options, columns=2)


async def _channel_answer(ctx: Context, conv: Conversation, value: str) -> None:
    if value not in draft_of(conv, ChannelDraft).channels:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    await mem.set_preferred_channel(ctx.tx, ctx.member.id, value)
    await flow.finish(ctx, conv)
    ctx.reply(ctx.t("channel.done", channel=ctx.t(f"channel.{value}")))


flow.register(flow.Flow("channel", _channel_ask, _channel_answer))
