"""A small engine for guided conversations, with state in the ``conversations`` table.

A step either offers options (buttons; typed numbers or labels work too) or waits for free text. Option
data carries the conversation's nonce, so a button from an earlier message is recognised as stale and a
forged one as invalid. Every step is saved before the question goes out, so a restart resumes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.choose import fold, match_option
from handlers.context import Context
from handlers.model import Choice, KeyButton
from handlers.numbers import parse_count
from handlers.people import role_keyboard
from storage.conversations import Conversation, delete_conversation, get_conversation, save_conversation

BACK = "_back"
CANCEL = "_cancel"
RESUME = "_resume"
DISCARD = "_discard"


@dataclass(frozen=True)
class Flow:
    """A conversation kind: ``ask(ctx, conv)`` shows ``conv.step``; ``answer(ctx, conv, value)`` takes its answer."""

    name: str
    ask: Callable[[Context, Conversation], Awaitable[None]]
    answer: Callable[[Context, Conversation, str], Awaitable[None]]
    on_media: Callable[[Context, Conversation], Awaitable[bool]] | None = None


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


def choice_data(conv: Conversation, value: str) -> str:
    return f"c{conv.nonce}:{value}"


async def start(ctx: Context, flow: str, step: str, data: dict[str, object] | None = None) -> Conversation:
    conv = Conversation(ctx.incoming.channel, ctx.incoming.chat_id, flow, step, dict(data or {}))
    conv.data["_history"] = []
    await FLOWS[flow].ask(ctx, conv)
    return conv


async def current(ctx: Context) -> Conversation | None:
    return await get_conversation(ctx.tx, ctx.incoming.channel, ctx.incoming.chat_id)


async def goto(ctx: Context, conv: Conversation, step: str) -> None:
    """Move to ``step`` (remembering where we were, for Back) and ask it."""
    history = list(conv.data.get("_history", []))
    history.append(conv.step)
    conv.data["_history"] = history
    conv.step = step
    await FLOWS[conv.flow].ask(ctx, conv)


async def finish(ctx: Context, conv: Conversation) -> None:
    await delete_conversation(ctx.tx, conv.channel, conv.chat_id)


async def ask_options(
    ctx: Context,
    conv: Conversation,
    text: str,
    options: list[tuple[str, str]],
    *,
    columns: int = 1,
    back: bool = True,
    cancel: bool = True,
    free_text: bool = False,
    extra_rows: list[list[tuple[str, str]]] | None = None,
    keyboard: list[list[KeyButton]] | None = None,
    prefix: str = "",
) -> None:
    """Save the step, then ask: options as (label, value); Back/Cancel appended; typed text matched if not free.

    With ``keyboard``, the options and Back/Cancel are shown as reply-keyboard buttons after those rows
    (Telegram allows one kind of buttons per message), and are recognised when typed or pressed."""
    conv.data["_options"] = [[label, value] for label, value in options]
    conv.data["_free"] = free_text
    conv.data["_prompt"] = text
    conv.data["_columns"] = columns
    nav: list[tuple[str, str]] = []
    if back and conv.data.get("_history"):
        nav.append((ctx.t("button.back"), BACK))
    if cancel:
        nav.append((ctx.t("button.cancel"), CANCEL))
    conv.data["_nav"] = [[label, value] for label, value in nav]
    conv.data["_extra"] = [[[label, value] for label, value in row] for row in (extra_rows or [])]
    conv.data["_prefix"] = prefix
    await save_conversation(ctx.tx, conv, ctx.now)
    if keyboard is not None:
        rows = [list(r) for r in keyboard]
        rows += [[KeyButton(label)] for label, _ in options]
        if nav:
            rows.append([KeyButton(label) for label, _ in nav])
        conv.data["_keyboard"] = True
        ctx.reply(prefix + text, keyboard=rows)
    else:
        conv.data["_keyboard"] = False
        ctx.reply(prefix + text, choices=render_choices(conv))


def render_choices(conv: Conversation) -> list[list[Choice]]:
    columns = max(1, int(conv.data.get("_columns", 1)))
    opts = conv.data.get("_options", [])
    rows: list[list[Choice]] = []
    for i in range(0, len(opts), columns):
        rows.append([Choice(label, choice_data(conv, value)) for label, value in opts[i : i + columns]])
    for row in conv.data.get("_extra", []):
        rows.append([Choice(label, choice_data(conv, value)) for label, value in row])
    nav = conv.data.get("_nav", [])
    if nav:
        rows.append([Choice(label, choice_data(conv, value)) for label, value in nav])
    return rows


async def reask(ctx: Context, conv: Conversation, notice: str) -> None:
    """Tell the person what went wrong and show the same step again, state and nonce unchanged: the step's
    earlier prompt and every re-asked copy stay live, so taps on a copy still in flight (a double tap, a slow
    network) are answered instead of each making the next copy stale."""
    if conv.data.get("_keyboard"):
        await FLOWS[conv.flow].ask(ctx, conv)
        ctx.out[-1].text = f"{notice}\n\n{ctx.out[-1].text}"
        return
    await save_conversation(ctx.tx, conv, ctx.now, bump=False)
    text = f"{notice}\n\n{conv.data.get('_prefix', '')}{conv.data.get('_prompt', '')}".strip()
    ctx.reply(text, choices=render_choices(conv))


async def offer_resume(ctx: Context, conv: Conversation, text: str, resume: str, discard: str) -> None:
    """Ask whether to continue the conversation in progress or drop it (and start again). The step does not
    change, so its buttons shown before stay live (no new nonce)."""
    await save_conversation(ctx.tx, conv, ctx.now, bump=False)
    ctx.reply(
        text,
        choices=[[Choice(resume, choice_data(conv, RESUME)), Choice(discard, choice_data(conv, DISCARD))]],
    )


async def cancel(ctx: Context, conv: Conversation) -> None:
    await delete_conversation(ctx.tx, conv.channel, conv.chat_id)
    keyboard = role_keyboard(ctx.member.role, ctx.t) if ctx.member is not None else None
    ctx.reply(ctx.t("flow.cancelled"), keyboard=keyboard)


async def back(ctx: Context, conv: Conversation) -> None:
    history = list(conv.data.get("_history", []))
    if not history:
        await reask(ctx, conv, ctx.t("error.choose_again"))
        return
    conv.step = history.pop()
    conv.data["_history"] = history
    await FLOWS[conv.flow].ask(ctx, conv)


def parse_choice(data: str) -> tuple[int, str] | None:
    if not data.startswith("c") or ":" not in data:
        return None
    nonce, _, value = data[1:].partition(":")
    number = parse_count(nonce)
    return (number, value) if number is not None else None


async def on_event(ctx: Context, conv: Conversation) -> None:
    """Route an event to the conversation's current step."""
    inc = ctx.incoming
    flow = FLOWS.get(conv.flow)
    if flow is None:  # a flow removed by an upgrade: drop the state, say so
        await finish(ctx, conv)
        ctx.reply(ctx.t("flow.cancelled"))
        return
    options: list[list[str]] = conv.data.get("_options", [])
    known = {value for _, value in options} | {v for _, v in conv.data.get("_nav", [])}
    known |= {v for row in conv.data.get("_extra", []) for _, v in row}
    known |= {RESUME, DISCARD}
    if inc.kind == "choice":
        parsed = parse_choice(inc.choice)
        if parsed is None:
            await reask(ctx, conv, ctx.t("error.bad_button"))
            return
        nonce, value = parsed
        if nonce != conv.nonce:
            await reask(ctx, conv, ctx.t("error.stale_button"))
            return
        if value not in known:
            await reask(ctx, conv, ctx.t("error.bad_button"))
            return
        await _dispatch_value(ctx, conv, flow, value)
        return
    if inc.kind == "text":
        if conv.data.get("_free"):
            typed = fold(inc.text)
            pairs = conv.data.get("_options", []) + conv.data.get("_nav", [])
            named = [value for label, value in pairs if fold(label) == typed]
            if named:  # the label of a button, typed (or pressed on a reply keyboard)
                await _dispatch_value(ctx, conv, flow, named[0])
                return
            await flow.answer(ctx, conv, inc.text)
            return
        every = options + [list(x) for row in conv.data.get("_extra", []) for x in row]
        every += [list(x) for x in conv.data.get("_nav", [])]
        exact = [value for label, value in every if fold(label) == fold(inc.text)]
        if exact:
            await _dispatch_value(ctx, conv, flow, exact[0])
            return
        labels = [label for label, _ in options]
        m = match_option(inc.text, labels)
        if m.value is not None:
            await _dispatch_value(ctx, conv, flow, options[int(m.value)][1])
        elif m.candidates:
            await reask(ctx, conv, ctx.t("error.ambiguous", text=inc.text.strip()[:80]))
        else:
            await reask(ctx, conv, ctx.t("error.choose_again"))
        return
    if inc.kind in ("media", "location") and flow.on_media is not None and await flow.on_media(ctx, conv):
        return
    notice = ctx.t("error.text_expected") if conv.data.get("_free") else ctx.t("error.choose_again")
    await reask(ctx, conv, notice)


async def _dispatch_value(ctx: Context, conv: Conversation, flow: Flow, value: str) -> None:
    if value == CANCEL:
        await cancel(ctx, conv)
    elif value == BACK:
        await back(ctx, conv)
    elif value == RESUME:
        await flow.ask(ctx, conv)
    elif value == DISCARD:
        restart = conv.data.get("_restart")
        await finish(ctx, conv)
        if restart and restart in FLOWS:
            await start(
                ctx, str(restart), str(conv.data.get("_restart_step", "")), conv.data.get("_restart_data")
            )
    else:
        await flow.answer(ctx, conv, value)
