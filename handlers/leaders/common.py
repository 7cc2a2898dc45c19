"""What the leaders' modules share: sizes, icons, times and texts shortened for display, issue numbers, and
loading an issue the person may see."""

from __future__ import annotations

from datetime import datetime

from handlers import access
from handlers.context import Context
from handlers.numbers import looks_like_number, parse_issue_number
from storage import issues as iss

CARD_ENTRIES = 5
PAGE_ENTRIES = 10
LIST_PAGE = 8
PEOPLE_PAGE = 8
TEXT_LIMIT = 4000
# thread entries of a deadline extension: asked (the reason), approved (the new deadline, shared), refused
EXTENSION_KINDS = ("extension_asked", "extension", "extension_refused")
# thread entries shown with their own wording (``entry.<kind>`` in the catalogs), the body as ``{text}``
WORDED_KINDS = (*EXTENSION_KINDS, "proposal_confirmed", "proposal_returned")
ICONS = {"urgent": "🔴 ", "pressing": "🟠 ", "normal": ""}
BUTTON_ORDER = (
    "ack",
    "assign",
    "comment",
    "resolve",
    "dup",
    "move",
    "close",
    "reopen",
    "progress",
    "propose",
    "extend",
)


def fmt_time(ctx: Context, when: datetime) -> str:
    """A moment as the people read it: HH:MM dd/mm/yyyy in local time."""
    return when.astimezone(ctx.settings.tz).strftime("%H:%M %d/%m/%Y")


def first_number(text: str) -> int | None:
    """The issue number a command's arguments start with ("12", "#12 text"), or None."""
    words = text.split(maxsplit=1)
    return parse_issue_number(words[0]) if words else None


async def issue_argument(ctx: Context, args: str, *, usage: str) -> int | None:
    """The issue number a command starts with; else the answer (its usage when nothing like a number was
    given, "no such issue" for a number that is none: "²", "0", 20 digits) and None."""
    words = args.split(maxsplit=1)
    if not words:
        ctx.reply(usage)
        return None
    number = parse_issue_number(words[0])
    if number is None:
        ctx.reply(ctx.t("issue.not_found", number="?") if looks_like_number(words[0]) else usage)
    return number


async def load_for(ctx: Context, number: int | None) -> iss.Issue | None:
    """The issue, if the person may see it; otherwise the same 'not found' whether it exists or not."""
    issue = await iss.get_issue(ctx.tx, number) if number is not None else None
    if issue is None or not await access.may_see(ctx.tx, ctx.settings, ctx.member, issue):
        ctx.reply(ctx.t("issue.not_found", number=number if number is not None else "?"))
        return None
    return issue


def short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def issue_line(ctx: Context, issue: iss.Issue) -> str:
    """One issue as a line of a list (/open, /overdue, /find): number, severity, title, state, overdue mark."""
    overdue = issue.state in iss.OPEN_STATES and issue.handle_due_at < ctx.now
    return ctx.t(
        "list.line",
        number=issue.id,
        icon=ICONS.get(issue.severity, ""),
        title=short(issue.title, 40),
        state=ctx.t(f"state.{issue.state}"),
        overdue=ctx.t("card.overdue") if overdue else "",
    )
