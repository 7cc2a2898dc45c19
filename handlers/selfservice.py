"""Self-service: a member sets their own phone number, or asks to leave the group.

Membership is by the committee's appointment, so ``/leave`` changes nothing by itself: it sends the leaders of the
member's unit a request, and only a leader with that unit in their scope can approve it (then the member is
deactivated and their open assignments go back to the leaders, as ``dlxh members deactivate`` does) or refuse it.
"""

from __future__ import annotations

import re

from bot.core.buttons import Action, LeaveAnswer, LeaveButton, encode
from bot.core.messages import Choice, Outgoing
from bot.core.texts import t
from handlers import access
from handlers.admin import deactivate_member
from handlers.context import Context
from handlers.people import unit_name
from storage import leave as lv
from storage import members as mem
from storage.audit import add_audit

# Vietnamese mobile numbers since the 2018 renumbering: 0 + 3/5/7/8/9 + eight digits (or +84 / 84 for the 0)
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"0[35789][0-9]{8}")


def normalise_phone(text: str) -> str | None:
    """``text`` as a Vietnamese mobile number in national form ("0905123456"), or None if it is not one."""
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.fullmatch(digits) and digits.isascii() else None


def show_phone(phone: str) -> str:
    """ "0905123456" -> "0905 123 456"; anything else as stored."""
    return f"{phone[:4]} {phone[4:7]} {phone[7:]}" if _MOBILE.fullmatch(phone) else phone


async def cmd_phone(ctx: Context) -> None:
    """``/phone`` shows the number on record; ``/phone 0905 123 456`` sets it."""
    member = ctx.member
    typed = ctx.incoming.args.strip()
    if not typed:
        current = show_phone(member.phone) if member.phone else ctx.t("me.none")
        ctx.reply(ctx.t("phone.current", phone=current))
        return
    phone = normalise_phone(typed)
    if phone is None:
        ctx.reply(ctx.t("phone.bad"))
        return
    await mem.set_member_phone(ctx.tx, member.id, phone)
    await add_audit(ctx.tx, ctx.now, f"member:{member.id}", "members.phone", f"member:{member.id}")
    ctx.reply(ctx.t("phone.saved", phone=show_phone(phone)))


async def cmd_leave(ctx: Context) -> None:
    """Ask the unit's leaders to end one's membership."""
    member = ctx.member
    pending = await lv.get_pending_leave_request(ctx.tx, member.id)
    if pending is not None:
        when = pending.requested_at.astimezone(ctx.settings.tz).strftime("%d/%m/%Y")
        ctx.reply(ctx.t("leave.pending", date=when))
        return
    leaders = [m for m in await access.owning_leaders(ctx.tx, member.unit_id) if m.id != member.id]
    chats = await mem.list_member_chats(ctx.tx, [m.id for m in leaders])
    if not chats:
        ctx.reply(ctx.t("leave.no_leader"))
        return
    request_id = await lv.create_leave_request(ctx.tx, member.id, ctx.now)
    assert request_id is not None  # none was pending, in this same transaction
    unit = await unit_name(ctx.tx, member.unit_id)
    ctx.reply(ctx.t("leave.sent", unit=unit))
    for leader, chat in chats:
        lang = leader.language
        ctx.send(
            Outgoing(
                chat.chat_id,
                t(lang, "leave.ask_leader", name=member.name, unit=unit),
                choices=[
                    [
                        Choice(t(lang, "leave.approve"), encode(LeaveButton(LeaveAnswer.YES, request_id))),
                        Choice(t(lang, "leave.refuse"), encode(LeaveButton(LeaveAnswer.NO, request_id))),
                    ]
                ],
                channel=chat.channel,
            )
        )
    await add_audit(ctx.tx, ctx.now, f"member:{member.id}", "members.leave_request", f"member:{member.id}")


async def on_action(ctx: Context, button: Action) -> bool:
    """A leader's answer to a leave request; False if the button is not ours."""
    if not isinstance(button, LeaveButton):
        return False
    request = await lv.get_leave_request(ctx.tx, button.request_id)
    requester = await mem.get_member(ctx.tx, request.member_id) if request else None
    leader = ctx.member
    if (
        request is None
        or requester is None
        or leader.role not in ("leader", "admin")
        or leader.id == requester.id
        or requester.unit_id not in await access.scope_units(ctx.tx, leader)
    ):
        ctx.reply(ctx.t("error.bad_button"))
        return True
    approve = button.answer == LeaveAnswer.YES
    chats = await mem.list_member_chats(ctx.tx, [requester.id])  # before deactivating: then they have none
    if not requester.active or not await lv.decide_leave_request(
        ctx.tx, request.id, leader.id, "approved" if approve else "refused", ctx.now
    ):
        ctx.reply(ctx.t("leave.decided", name=requester.name))
        return True
    actor = f"member:{leader.id}"
    if approve:
        await deactivate_member(ctx.tx, requester.id, ctx.now, actor=actor)
    else:
        await add_audit(ctx.tx, ctx.now, actor, "members.leave_refused", f"member:{requester.id}")
    outcome = "approved" if approve else "refused"
    for _member, chat in chats:
        ctx.send(
            Outgoing(chat.chat_id, t(requester.language, f"leave.{outcome}_member"), channel=chat.channel)
        )
    ctx.reply(ctx.t(f"leave.{outcome}_leader", name=requester.name))
    return True
