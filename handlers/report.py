"""Filing a report: the guided conversation, the similar-issue offer, and what confirming does.

The draft lives in the conversation's data and is saved at every step, so a restart or a pause of hours
continues where the member was. ``/practice`` runs the same flow and files nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from rapidfuzz import fuzz

from bot.core.messages import KeyButton
from handlers import drafts, flow
from handlers.attachments import attachment_dicts
from handlers.choose import fold
from handlers.context import Context
from handlers.drafts import ReportDraft, Similar, draft_of
from handlers.filing import Filed, file_report
from handlers.leaders.notices import alert_on_filing
from handlers.numbers import parse_issue_number
from handlers.people import role_keyboard
from storage import issues as iss
from storage import units as un
from storage.conversations import Conversation

SEVERITIES = ("normal", "pressing", "urgent")
PEOPLE = ("household", "hamlet", "commune", "wider")
SOURCES = ("direct", "meeting", "social", "petition", "observed")
FIELDS = ("category", "unit", "place", "describe", "severity", "people", "source")
UNITS_PER_PAGE = 8
LOCATION_CHANNELS = {"telegram"}
PLACE_LIMIT = 200
CITIZEN_LIMIT = 300
DESCRIPTION_LIMIT = 50_000
SHOWN_DESCRIPTION = 400
SIMILAR_SHOWN = 3
ENDED_STATES = ("closed", "duplicate", "closed_without_action", "withdrawn")


def _draft(conv: Conversation) -> ReportDraft:
    return draft_of(conv, ReportDraft)


async def cmd_report(ctx: Context, *, practice: bool = False) -> None:
    conv = await flow.current(ctx)
    if conv is not None:
        state = flow.EngineState.load(conv.data)
        state.restart, state.restart_step = "report", "category"
        state.restart_data = drafts.dump(ReportDraft(practice=practice))
        state.store(conv.data)
        await flow.offer_resume(
            ctx, conv, ctx.t("report.draft_open"), ctx.t("report.resume"), ctx.t("report.discard")
        )
        return
    await flow.start(ctx, "report", "category", ReportDraft(practice=practice))


async def cmd_practice(ctx: Context) -> None:
    ctx.reply(ctx.t("guide.member"))  # the same guide as /help, before the practice report starts
    await cmd_report(ctx, practice=True)


# ---------------------------------------------------------------------------------------------- asking


def _prefix(ctx: Context, conv: Conversation) -> str:
    return ctx.t("report.practice_banner") if _draft(conv).practice else ""


async def _subtree(ctx: Context) -> list[un.Unit]:
    """The units a member may report about: their own and every unit below it, own first."""
    ids = await un.list_subtree_ids(ctx.tx, ctx.member.unit_id)
    units = [u for u in await un.list_units(ctx.tx) if u.id in ids]
    own = [u for u in units if u.id == ctx.member.unit_id]
    return own + sorted((u for u in units if u.id != ctx.member.unit_id), key=lambda u: fold(u.name))


async def _ask(ctx: Context, conv: Conversation) -> None:
    step = conv.step
    p = _prefix(ctx, conv)
    if step == "category":
        options = [(c.label(ctx.lang), c.code) for c in ctx.settings.categories]
        await flow.ask_options(ctx, conv, ctx.t("report.ask_category"), options, prefix=p)
    elif step == "unit":
        units = await _subtree(ctx)
        matches = _draft(conv).unit_matches
        if matches:
            shown = [u for u in units if u.id in matches]
            extra: list[tuple[str, str]] = []
        else:
            page = _draft(conv).unit_page
            shown = units[page * UNITS_PER_PAGE : (page + 1) * UNITS_PER_PAGE]
            extra = []
            if page > 0:
                extra.append((ctx.t("units.prev"), "_prev"))
            if (page + 1) * UNITS_PER_PAGE < len(units):
                extra.append((ctx.t("units.more"), "_next"))
        options = [
            (ctx.t("report.own_unit", unit=u.name) if u.id == ctx.member.unit_id else u.name, f"u:{u.id}")
            for u in shown
        ]
        await flow.ask_options(
            ctx,
            conv,
            ctx.t("report.ask_unit"),
            options,
            free_text=True,
            extra_rows=[extra] if extra else None,
            prefix=p,
        )
    elif step == "place":
        await flow.ask_options(
            ctx, conv, ctx.t("report.ask_place"), [(ctx.t("report.skip"), "_skip")], free_text=True, prefix=p
        )
    elif step == "location":
        await flow.ask_options(
            ctx,
            conv,
            ctx.t("report.ask_location"),
            [(ctx.t("report.skip"), "_skip")],
            keyboard=[[KeyButton(ctx.t("report.share_location"), location=True)]],
            prefix=p,
        )
    elif step == "describe":
        await flow.ask_options(
            ctx,
            conv,
            ctx.t("report.ask_describe"),
            [(ctx.t("report.done"), "_done")],
            free_text=True,
            prefix=p,
        )
    elif step == "severity":
        options = [(ctx.t(f"severity.{s}"), s) for s in SEVERITIES]
        await flow.ask_options(ctx, conv, ctx.t("report.ask_severity"), options, prefix=p)
    elif step == "people":
        options = [(ctx.t(f"people.{s}"), s) for s in PEOPLE]
        await flow.ask_options(ctx, conv, ctx.t("report.ask_people"), options, prefix=p)
    elif step == "source":
        options = [(ctx.t(f"source.{s}"), s) for s in SOURCES]
        await flow.ask_options(ctx, conv, ctx.t("report.ask_source"), options, prefix=p)
    elif step == "citizen_q":
        options = [(ctx.t("report.citizen_none"), "no"), (ctx.t("report.citizen_add"), "yes")]
        await flow.ask_options(ctx, conv, ctx.t("report.ask_citizen_q"), options, columns=2, prefix=p)
    elif step == "citizen":
        await flow.ask_options(ctx, conv, ctx.t("report.ask_citizen"), [], free_text=True, prefix=p)
    elif step == "confidential":
        options = [(ctx.t("report.confidential_yes"), "yes"), (ctx.t("report.confidential_no"), "no")]
        await flow.ask_options(ctx, conv, ctx.t("report.ask_confidential"), options, columns=2, prefix=p)
    elif step == "similar":
        await _ask_similar(ctx, conv)
    elif step == "summary":
        await _ask_summary(ctx, conv)
    elif step == "change":
        options = [(ctx.t(f"field.{f}"), f) for f in FIELDS]
        await flow.ask_options(ctx, conv, ctx.t("report.ask_change"), options, columns=2, prefix=p)


async def _ask_similar(ctx: Context, conv: Conversation) -> None:
    lines, options = [], []
    d = _draft(conv)
    for c in d.similar:
        lines.append(
            ctx.t(
                "report.similar_line",
                number=c.id,
                category=_category_label(ctx, d.category),
                place=c.place or ctx.t("report.none"),
                date=c.date,
                reports=c.reports,
            )
        )
        options.append((ctx.t("report.add_to", number=c.id), f"i:{c.id}"))
    options.append((ctx.t("report.new_issue"), "new"))
    await flow.ask_options(
        ctx, conv, ctx.t("report.similar", lines="\n".join(lines)), options, prefix=_prefix(ctx, conv)
    )


def _category_label(ctx: Context, code: str) -> str:
    category = ctx.settings.category(code)
    return category.label(ctx.lang) if category else code


def _short(text: str, limit: int = SHOWN_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def _ask_summary(ctx: Context, conv: Conversation) -> None:
    d = _draft(conv)
    if ctx.settings.category(d.category) is None:
        d.editing = True
        await _goto(ctx, conv, "category", notice=ctx.t("report.category_gone"))
        return
    unit = await un.get_unit(ctx.tx, d.unit_id) if d.unit_id is not None else None
    none = ctx.t("report.none")
    citizen = d.citizen or none
    if d.citizen and d.confidential:
        citizen = ctx.t("report.citizen_secret", citizen=d.citizen)
    target = ctx.t("report.summary_add", number=d.add_to) if d.add_to else ctx.t("report.summary_new")
    text = ctx.t(
        "report.summary",
        category=_category_label(ctx, d.category),
        unit=unit.name if unit else none,
        place=d.place or none,
        location=ctx.t("report.location_yes") if d.location else none,
        description=_short("\n".join(d.description)),
        attachments=str(len(d.attachments)) if d.attachments else none,
        severity=ctx.t(f"severity.{d.severity}"),
        people=ctx.t(f"people.{d.people}"),
        source=ctx.t(f"source.{d.source}"),
        citizen=citizen,
        target=target,
    )
    options = [(ctx.t("report.confirm"), "confirm"), (ctx.t("report.change"), "change")]
    await flow.ask_options(ctx, conv, text, options, prefix=_prefix(ctx, conv))
    category = ctx.settings.category(d.category)
    if ctx.out and ((d.confidential and d.citizen) or (category is not None and category.sensitive)):
        ctx.out[-1].protect_content = True  # a confidential source or a sensitive matter: no forwarding


# ---------------------------------------------------------------------------------------------- answers

NEXT = {
    "category": "unit",
    "unit": "place",
    "place": "location",
    "location": "describe",
    "describe": "severity",
    "severity": "people",
    "people": "source",
    "source": "citizen_q",
}


async def _goto(ctx: Context, conv: Conversation, step: str, notice: str = "") -> None:
    await flow.goto(ctx, conv, step)
    if notice and ctx.out:
        ctx.out[-1].text = f"{notice}\n\n{ctx.out[-1].text}"


async def _advance(ctx: Context, conv: Conversation) -> None:
    """Go to the next step, or back to the summary when a single field was being changed."""
    d = _draft(conv)
    if d.editing:
        d.editing = False
        await _to_summary(ctx, conv)
        return
    target = NEXT[conv.step]
    if target == "unit" and len(await _subtree(ctx)) == 1:
        d.unit_id = ctx.member.unit_id  # nothing below the member's unit: no question
        target = "place"
    await flow.goto(ctx, conv, target)


async def _to_summary(ctx: Context, conv: Conversation) -> None:
    d = _draft(conv)
    key: list[object] = [d.unit_id, d.category]
    category = ctx.settings.category(d.category)
    if d.similar_key != key and category is not None:
        d.similar_key = key
        d.add_to = None
        d.similar = [] if category.sensitive else await _similar(ctx, conv)
        if d.similar:
            await flow.goto(ctx, conv, "similar")
            return
    await flow.goto(ctx, conv, "summary")


async def _similar(ctx: Context, conv: Conversation) -> list[Similar]:
    """Open issues about the same unit and category, ranked by text similarity; only what a member may see."""
    d = _draft(conv)
    if d.unit_id is None:
        return []
    text = fold(" ".join([d.place, *d.description]))
    candidates = await iss.list_open_issues_like(ctx.tx, d.unit_id, d.category)
    scored = []
    for c in candidates:
        score = fuzz.token_set_ratio(text, fold(c.text)) if text else 0
        if score >= ctx.settings.reports.similar_threshold:
            scored.append((score, c))
    scored.sort(key=lambda x: (-x[0], -x[1].issue_id))
    tz = ctx.settings.tz
    return [
        Similar(c.issue_id, c.place, c.created_at.astimezone(tz).strftime("%d/%m/%Y"), c.reports)
        for _, c in scored[:SIMILAR_SHOWN]
    ]


async def _answer(ctx: Context, conv: Conversation, value: str) -> None:
    await ANSWERS[conv.step](ctx, conv, value)


async def _answer_category(ctx: Context, conv: Conversation, value: str) -> None:
    if ctx.settings.category(value) is None:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    _draft(conv).category = value
    await _advance(ctx, conv)


async def _after_place(ctx: Context, conv: Conversation, step: str) -> None:
    """After the place (or the location): back to the summary when only that was being changed."""
    d = _draft(conv)
    if d.editing:
        d.editing = False
        await _to_summary(ctx, conv)
        return
    await flow.goto(ctx, conv, step)


async def _answer_place(ctx: Context, conv: Conversation, value: str) -> None:
    if value != "_skip" and len(value) > PLACE_LIMIT:
        await flow.reask(ctx, conv, ctx.t("error.too_long", limit=PLACE_LIMIT))
        return
    _draft(conv).place = "" if value == "_skip" else " ".join(value.split())
    if ctx.incoming.channel not in LOCATION_CHANNELS:  # Zalo cannot share a location
        await _after_place(ctx, conv, "describe")
        return
    await flow.goto(ctx, conv, "location")


async def _answer_location(ctx: Context, conv: Conversation, value: str) -> None:
    ack = "report.location_saved" if value == "_location" else "report.location_skipped"
    if value != "_location":
        _draft(conv).location = None
    ctx.reply(ctx.t(ack), keyboard=role_keyboard(ctx.member.role, ctx.t))
    await _after_place(ctx, conv, "describe")


async def _answer_pick(ctx: Context, conv: Conversation, value: str) -> None:
    """Severity, people affected and source: one of a fixed list."""
    allowed = {"severity": SEVERITIES, "people": PEOPLE, "source": SOURCES}[conv.step]
    if value not in allowed:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    d = _draft(conv)
    if conv.step == "severity":
        d.severity = value
    elif conv.step == "people":
        d.people = value
    else:
        d.source = value
    if conv.step == "source" and value == "observed":
        # what the member saw themselves: there is no citizen to record, so no citizen question
        d.citizen, d.confidential, d.editing = "", False, False
        await _to_summary(ctx, conv)
        return
    await _advance(ctx, conv)


async def _answer_citizen_q(ctx: Context, conv: Conversation, value: str) -> None:
    if value == "yes":
        await flow.goto(ctx, conv, "citizen")
        return
    d = _draft(conv)
    d.citizen, d.confidential = "", False
    await _to_summary(ctx, conv)


async def _answer_citizen(ctx: Context, conv: Conversation, value: str) -> None:
    text = " ".join(value.split())
    if not text:
        await flow.reask(ctx, conv, ctx.t("error.text_expected"))
        return
    if len(text) > CITIZEN_LIMIT:
        await flow.reask(ctx, conv, ctx.t("error.too_long", limit=CITIZEN_LIMIT))
        return
    _draft(conv).citizen = text
    await flow.goto(ctx, conv, "confidential")


async def _answer_confidential(ctx: Context, conv: Conversation, value: str) -> None:
    _draft(conv).confidential = value == "yes"
    await _to_summary(ctx, conv)


async def _answer_similar(ctx: Context, conv: Conversation, value: str) -> None:
    """Add to one of the offered issues (only those offered), or file a new one."""
    d = _draft(conv)
    offered = any(f"i:{c.id}" == value for c in d.similar)
    d.add_to = int(value[2:]) if offered else None
    await flow.goto(ctx, conv, "summary")


async def _answer_summary(ctx: Context, conv: Conversation, value: str) -> None:
    if value == "change":
        await flow.goto(ctx, conv, "change")
    else:
        await _confirm(ctx, conv)


async def _answer_change(ctx: Context, conv: Conversation, value: str) -> None:
    d = _draft(conv)
    if value not in FIELDS:
        await flow.reask(ctx, conv, ctx.t("error.bad_button"))
        return
    d.editing = True
    if value == "describe":
        d.description = []
    if value == "unit":
        d.unit_page, d.unit_matches = 0, None
    await flow.goto(ctx, conv, value)


async def _answer_unit(ctx: Context, conv: Conversation, value: str) -> None:
    d = _draft(conv)
    units = await _subtree(ctx)
    if value in ("_prev", "_next"):
        d.unit_page = max(0, d.unit_page + (1 if value == "_next" else -1))
        d.unit_matches = None
        await _ask(ctx, conv)
        return
    unit_id = parse_issue_number(value[2:]) if value.startswith("u:") else None
    if unit_id is not None:
        chosen = next((u for u in units if u.id == unit_id), None)
        if chosen is None:  # forged: a unit outside the member's subtree
            await flow.reask(ctx, conv, ctx.t("error.bad_button"))
            return
    else:
        query = fold(value)
        found = [u for u in units if query and query in fold(u.name)]
        if len(found) != 1:
            d.unit_matches = [u.id for u in found[:UNITS_PER_PAGE]] or None
            notice = "report.unit_several" if found else "report.unit_not_found"
            await _ask(ctx, conv)
            ctx.out[-1].text = f"{ctx.t(notice, text=value.strip()[:60])}\n\n{ctx.out[-1].text}"
            return
        chosen = found[0]
    d.unit_id = chosen.id
    d.unit_matches = None
    if d.editing:
        d.editing = False
        await _to_summary(ctx, conv)
        return
    await flow.goto(ctx, conv, "place")


async def _answer_describe(ctx: Context, conv: Conversation, value: str) -> None:
    d = _draft(conv)
    if value == "_done":
        if not "".join(d.description).strip():
            await flow.reask(ctx, conv, ctx.t("report.empty_description"))
            return
        await _advance(ctx, conv)
        return
    text = value.strip()
    if not text:
        await flow.reask(ctx, conv, ctx.t("report.empty_description"))
        return
    total = sum(len(x) for x in d.description)
    if total + len(text) > DESCRIPTION_LIMIT:
        await flow.reask(ctx, conv, ctx.t("error.too_long", limit=DESCRIPTION_LIMIT))
        return
    d.description.append(text)
    await _ack_more(ctx, conv, ctx.t("report.noted"))


Answer = Callable[[Context, Conversation, str], Awaitable[None]]
ANSWERS: dict[str, Answer] = {
    "category": _answer_category,
    "unit": _answer_unit,
    "place": _answer_place,
    "location": _answer_location,
    "describe": _answer_describe,
    "severity": _answer_pick,
    "people": _answer_pick,
    "source": _answer_pick,
    "citizen_q": _answer_citizen_q,
    "citizen": _answer_citizen,
    "confidential": _answer_confidential,
    "similar": _answer_similar,
    "summary": _answer_summary,
    "change": _answer_change,
}


async def _ack_more(ctx: Context, conv: Conversation, text: str) -> None:
    """More of the same step: keep the shown buttons valid and offer them again."""
    await flow.save(ctx, conv, bump=False)
    ctx.reply(_prefix(ctx, conv) + text, choices=flow.render_choices(conv))


async def _on_media(ctx: Context, conv: Conversation) -> bool:
    """Photos, voice and files are kept with the draft at any step; a location is kept too."""
    inc = ctx.incoming
    d = _draft(conv)
    if inc.kind == "location" and inc.location is not None:
        d.location = list(inc.location)
        if conv.step == "location":
            await _answer(ctx, conv, "_location")
            return True
        await flow.reask(ctx, conv, ctx.t("report.location_saved"))
        return True
    if inc.kind != "media":
        return False
    d.attachments.extend(attachment_dicts(inc.attachments))
    if inc.text.strip():
        d.description.append(inc.text.strip())
    if conv.step != "describe":
        await flow.reask(ctx, conv, ctx.t("report.kept_media"))
        return True
    group = inc.media_group
    if group and group in d.groups:
        await flow.save(ctx, conv, bump=False)  # the rest of an album: no second answer
        return True
    if group:
        d.groups.append(group)
    await _ack_more(ctx, conv, ctx.t("report.noted_media", count=len(d.attachments)))
    return True


flow.register(flow.Flow("report", _ask, _answer, _on_media))


# ---------------------------------------------------------------------------------------------- filing


async def _confirm(ctx: Context, conv: Conversation) -> None:
    d = _draft(conv)
    if ctx.settings.category(d.category) is None:
        d.editing = True
        await _goto(ctx, conv, "category", notice=ctx.t("report.category_gone"))
        return
    if d.unit_id not in {u.id for u in await _subtree(ctx)}:
        d.editing = True
        await _goto(ctx, conv, "unit", notice=ctx.t("error.bad_button"))
        return
    await flow.finish(ctx, conv)
    keyboard = role_keyboard(ctx.member.role, ctx.t)
    if d.practice:
        ctx.reply(ctx.t("report.practice_done"), keyboard=keyboard)
        return
    filed = await file_report(ctx.tx, ctx.settings, ctx.calendar, ctx.now, ctx.member, d)
    await announce_filed(ctx, filed, keyboard)
    await alert_on_filing(ctx, filed.issue_id, filed.created)


async def announce_filed(ctx: Context, filed: Filed, keyboard: list[list[KeyButton]]) -> None:
    tz = ctx.settings.tz
    if filed.created:
        owner = await un.get_unit(ctx.tx, filed.owner_unit_id)
        text = ctx.t(
            "report.filed",
            number=filed.issue_id,
            who=ctx.t("report.filed_who", unit=owner.name if owner else "?"),
            ack_due=filed.ack_due_at.astimezone(tz).strftime("%H:%M %d/%m/%Y"),
            handle_due=filed.handle_due_at.astimezone(tz).strftime("%H:%M %d/%m/%Y"),
        )
    else:
        text = ctx.t("report.added", number=filed.issue_id, reports=filed.reports)
    ctx.reply(text, issue_id=filed.issue_id, keyboard=keyboard)
