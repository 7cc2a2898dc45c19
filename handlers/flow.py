"""A small engine for guided conversations, with state in the ``conversations`` table.

A step either offers options (buttons; typed numbers or labels work too) or waits for free text. Option
data carries the conversation's nonce, so a button from an earlier message is recognised as stale and a
forged one as invalid. Every step is saved before the question goes out, so a restart resumes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.core.buttons import FlowOption, decode, encode
from bot.core.messages import Choice, KeyButton
from handlers import drafts
from handlers.choose import fold, match_option
from handlers.context import Context
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

Pair = tuple[str, str]  # (label, value) of an option


def _pairs(raw: object) -> list[Pair]:
    if not isinstance(raw, list):
        return []
    return [(str(x[0]), str(x[1])) for x in raw if isinstance(x, list | tuple) and len(x) == 2]


def _text(raw: object) -> str:
    return raw if isinstance(raw, str) else ""


@dataclass
class EngineState:
    """The engine's own fields of a conversation, typed. They are stored beside the flow's draft in
    ``Conversation.data`` under ``_``-prefixed keys, in the format of every draft saved so far; :meth:`load`
    is tolerant (a missing or mistyped field takes its default), so an old draft always resumes."""

    history: list[str] = field(default_factory=list)  # the steps before this one, for Back
    options: list[Pair] = field(default_factory=list)
    free: bool = False  # the step waits for free text (typed labels of options still count)
    prompt: str = ""
    columns: int = 1
    nav: list[Pair] = field(default_factory=list)  # Back / Cancel
    extra: list[list[Pair]] = field(default_factory=list)  # further rows of options
    prefix: str = ""  # shown before the prompt (e.g. "Step 3/7. ")
    keyboard: bool = False  # the options were shown as a reply keyboard
    restart: str = ""  # "discard" starts this flow afresh ...
    restart_step: str = ""  # ... at this step ...
    restart_data: dict[str, Any] | None = None  # ... with this draft

    @classmethod
    def load(cls, data: dict[str, Any]) -> EngineState:
        columns = data.get("_columns", 1)
        restart_data = data.get("_restart_data")
        return cls(
            history=[str(x) for x in data.get("_history", []) if isinstance(x, str)]
            if isinstance(data.get("_history"), list)
            else [],
            options=_pairs(data.get("_options")),
            free=bool(data.get("_free", False)),
            prompt=_text(data.get("_prompt")),
            columns=columns if isinstance(columns, int) and columns > 0 else 1,
            nav=_pairs(data.get("_nav")),
            extra=[_pairs(row) for row in data.get("_extra", []) if isinstance(row, list)]
            if isinstance(data.get("_extra"), list)
            else [],
            prefix=_text(data.get("_prefix")),
            keyboard=bool(data.get("_keyboard", False)),
            restart=_text(data.get("_restart")),
            restart_step=_text(data.get("_restart_step")),
            restart_data=restart_data if isinstance(restart_data, dict) else None,
        )

    def store(self, data: dict[str, Any]) -> None:
        """Write the fields into ``data`` (the stored format: lists of [label, value])."""
        data["_history"] = list(self.history)
        data["_options"] = [[label, value] for label, value in self.options]
        data["_free"] = self.free
        data["_prompt"] = self.prompt
        data["_columns"] = self.columns
        data["_nav"] = [[label, value] for label, value in self.nav]
        data["_extra"] = [[[label, value] for label, value in row] for row in self.extra]
        data["_prefix"] = self.prefix
        data["_keyboard"] = self.keyboard
        for key, value in (("_restart", self.restart), ("_restart_step", self.restart_step)):
            if value:
                data[key] = value
        if self.restart_data is not None:
            data["_restart_data"] = self.restart_data


def draft(data: dict[str, Any]) -> dict[str, Any]:
    """The flow's own part of a conversation's data (the engine's ``_`` fields left out)."""
    return {k: v for k, v in data.items() if not k.startswith("_")}


def register(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


def choice_data(conv: Conversation, value: str) -> str:
    return encode(FlowOption(conv.nonce, value))


async def start(ctx: Context, flow: str, step: str, initial: object = None) -> Conversation:
    """Start ``flow`` at ``step`` with a draft: a dataclass of handlers/drafts.py, or its stored form (the
    dict a restart after "discard" keeps), or none."""
    stored = initial if isinstance(initial, dict) else drafts.dump(initial) if initial is not None else {}
    conv = Conversation(ctx.incoming.channel, ctx.incoming.chat_id, flow, step, dict(stored))
    EngineState().store(conv.data)
    await FLOWS[flow].ask(ctx, conv)
    return conv


async def save(ctx: Context, conv: Conversation, *, bump: bool = True) -> None:
    """Store the conversation (its typed draft serialised first). A save that asks something new moves the
    nonce on (``bump``), so choices shown before go stale; ``bump=False`` keeps them valid."""
    drafts.keep(conv)
    await save_conversation(ctx.tx, conv, ctx.now, bump=bump)


async def current(ctx: Context) -> Conversation | None:
    return await get_conversation(ctx.tx, ctx.incoming.channel, ctx.incoming.chat_id)


async def goto(ctx: Context, conv: Conversation, step: str) -> None:
    """Move to ``step`` (remembering where we were, for Back) and ask it."""
    state = EngineState.load(conv.data)
    state.history.append(conv.step)
    state.store(conv.data)
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
    state = EngineState.load(conv.data)
    state.options, state.free, state.prompt, state.columns = list(options), free_text, text, columns
    state.nav = []
    if back and state.history:
        state.nav.append((ctx.t("button.back"), BACK))
    if cancel:
        state.nav.append((ctx.t("button.cancel"), CANCEL))
    state.extra = [list(row) for row in (extra_rows or [])]
    state.prefix = prefix
    state.keyboard = keyboard is not None  # before the save: a re-ask read back from the table needs it
    state.store(conv.data)
    await save(ctx, conv)
    if keyboard is not None:
        rows = [list(r) for r in keyboard]
        rows += [[KeyButton(label)] for label, _ in options]
        if state.nav:
            rows.append([KeyButton(label) for label, _ in state.nav])
        ctx.reply(prefix + text, keyboard=rows)
    else:
        ctx.reply(prefix + text, choices=render_choices(conv))


def render_choices(conv: Conversation) -> list[list[Choice]]:
    state = EngineState.load(conv.data)
    opts, columns = state.options, state.columns
    rows: list[list[Choice]] = []
    for i in range(0, len(opts), columns):
        rows.append([Choice(label, choice_data(conv, value)) for label, value in opts[i : i + columns]])
    for row in state.extra:
        rows.append([Choice(label, choice_data(conv, value)) for label, value in row])
    if state.nav:
        rows.append([Choice(label, choice_data(conv, value)) for label, value in state.nav])
    return rows


async def reask(ctx: Context, conv: Conversation, notice: str) -> None:
    """Tell the person what went wrong and show the same step again, state and nonce unchanged: the step's
    earlier prompt and every re-asked copy stay live, so taps on a copy still in flight (a double tap, a slow
    network) are answered instead of each making the next copy stale."""
    state = EngineState.load(conv.data)
    if state.keyboard:
        await FLOWS[conv.flow].ask(ctx, conv)
        ctx.out[-1].text = f"{notice}\n\n{ctx.out[-1].text}"
        return
    await save(ctx, conv, bump=False)
    text = f"{notice}\n\n{state.prefix}{state.prompt}".strip()
    ctx.reply(text, choices=render_choices(conv))


async def offer_resume(ctx: Context, conv: Conversation, text: str, resume: str, discard: str) -> None:
    """Ask whether to continue the conversation in progress or drop it (and start again). The step does not
    change, so its buttons shown before stay live (no new nonce)."""
    await save(ctx, conv, bump=False)
    ctx.reply(
        text,
        choices=[[Choice(resume, choice_data(conv, RESUME)), Choice(discard, choice_data(conv, DISCARD))]],
    )


async def cancel(ctx: Context, conv: Conversation) -> None:
    await delete_conversation(ctx.tx, conv.channel, conv.chat_id)
    keyboard = role_keyboard(ctx.member.role, ctx.t) if ctx.member is not None else None
    ctx.reply(ctx.t("flow.cancelled"), keyboard=keyboard)


async def back(ctx: Context, conv: Conversation) -> None:
    state = EngineState.load(conv.data)
    if not state.history:
        await reask(ctx, conv, ctx.t("error.choose_again"))
        return
    conv.step = state.history.pop()
    state.store(conv.data)
    await FLOWS[conv.flow].ask(ctx, conv)


def parse_choice(data: str) -> tuple[int, str] | None:
    button = decode(data)
    return (button.nonce, button.value) if isinstance(button, FlowOption) else None


async def on_event(ctx: Context, conv: Conversation) -> None:
    """Route an event to the conversation's current step."""
    inc = ctx.incoming
    flow = FLOWS.get(conv.flow)
    if flow is None:  # a flow removed by an upgrade: drop the state, say so
        await finish(ctx, conv)
        ctx.reply(ctx.t("flow.cancelled"))
        return
    state = EngineState.load(conv.data)
    options = state.options
    known = {value for _, value in options} | {v for _, v in state.nav}
    known |= {v for row in state.extra for _, v in row}
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
        if state.free:
            typed = fold(inc.text)
            pairs = options + state.nav
            named = [value for label, value in pairs if fold(label) == typed]
            if named:  # the label of a button, typed (or pressed on a reply keyboard)
                await _dispatch_value(ctx, conv, flow, named[0])
                return
            await flow.answer(ctx, conv, inc.text)
            return
        every = options + [x for row in state.extra for x in row] + state.nav
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
    notice = ctx.t("error.text_expected") if state.free else ctx.t("error.choose_again")
    await reask(ctx, conv, notice)


async def _dispatch_value(ctx: Context, conv: Conversation, flow: Flow, value: str) -> None:
    if value == CANCEL:
        await cancel(ctx, conv)
    elif value == BACK:
        await back(ctx, conv)
    elif value == RESUME:
        await flow.ask(ctx, conv)
    elif value == DISCARD:
        state = EngineState.load(conv.data)
        await finish(ctx, conv)
        if state.restart in FLOWS:
            await start(ctx, state.restart, state.restart_step, state.restart_data)
    else:
        await flow.answer(ctx, conv, value)
