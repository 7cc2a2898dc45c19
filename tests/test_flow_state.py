"""The flow engine's own fields and each flow's draft, typed: a draft stored before they were typed loads
unchanged and the conversation resumes; a stored draft with a missing or mistyped field still resumes (the
field takes its default)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest

from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.runtime import Services
from handlers import drafts
from handlers.drafts import (
    DRAFTS,
    ActDraft,
    AddDraft,
    ExtendDraft,
    ReportDraft,
    RoundDraft,
    Similar,
    dump,
    load,
)
from handlers.flow import EngineState, draft
from storage import extensions as ext
from storage import issues as iss
from storage.conversations import Conversation, get_conversation, save_conversation
from storage.timeutil import ts
from storage.units import get_unit_by_code
from tests.conftest import VN
from tests.harness import Harness, texts
from tests.seed import invite_code, seed_units
from tests.test_leaders import cast
from tests.test_report import file_by_taps

# a report draft as the conversations table held it before issue 16 (engine keys beside the flow's keys)
OLD_DRAFT = json.loads(
    """{"category": "dien", "unit_id": 3, "attachments": [], "practice": false,
    "_history": ["category", "unit"], "_options": [["Bỏ qua", "_skip"]], "_free": true,
    "_prompt": "Bước 3/7. Sự việc cụ thể?", "_columns": 1, "_nav": [["« Quay lại", "_back"], ["✖ Hủy", "_cancel"]],
    "_extra": [[["Xong", "_done"]]], "_prefix": "", "_keyboard": false,
    "_restart": "report", "_restart_step": "category", "_restart_data": {"attachments": []}}"""
)


def test_an_old_draft_loads_and_stores_back_unchanged() -> None:
    state = EngineState.load(OLD_DRAFT)
    assert state.history == ["category", "unit"]
    assert state.options == [("Bỏ qua", "_skip")] and state.free and state.columns == 1
    assert state.nav == [("« Quay lại", "_back"), ("✖ Hủy", "_cancel")] and state.extra == [
        [("Xong", "_done")]
    ]
    assert (state.restart, state.restart_step, state.restart_data) == (
        "report",
        "category",
        {"attachments": []},
    )
    again = dict(OLD_DRAFT)
    state.store(again)
    assert again == OLD_DRAFT
    assert draft(OLD_DRAFT) == {"category": "dien", "unit_id": 3, "attachments": [], "practice": False}


def test_missing_or_mistyped_fields_take_their_defaults() -> None:
    state = EngineState.load({"category": "dien", "_columns": "2", "_options": None, "_history": "unit",
                              "_nav": [["only one"]], "_extra": [None], "_restart_data": "x"})  # fmt: skip
    assert state == EngineState()
    assert EngineState.load({}) == EngineState()


# ---------------------------------------------------------------------------------------------- the drafts

# a report draft at its summary, exactly as the conversations table held it before the drafts were typed
# (the engine's keys beside the flow's; a photo, a location, an earlier similar-issue lookup)
OLD_SUMMARY = """{"practice": false, "description": ["Thôn 3 mất điện hai ngày nay.", "Bà con rất bức xúc."],
"attachments": [{"kind": "photo", "file_ref": "ab/abc.jpg", "mime_type": "image/jpeg", "filename": "", "size": 12}],
"groups": [], "category": "dien_sinh_hoat", "unit_id": %(unit)d, "place": "Thôn 3", "location": [10.95, 108.06],
"severity": "pressing", "people": "hamlet", "source": "direct", "citizen": "Ông Ba", "confidential": true,
"similar_key": [%(unit)d, "dien_sinh_hoat"], "add_to": null, "similar": [],
"_history": ["category", "place", "location", "describe", "severity", "people", "source", "citizen_q",
"citizen", "confidential"], "_options": [["✔ Gửi báo cáo", "confirm"], ["✎ Sửa một mục", "change"]],
"_free": false, "_prompt": "Tóm tắt", "_columns": 1, "_nav": [["« Quay lại", "_back"], ["✖ Hủy", "_cancel"]],
"_extra": [], "_prefix": "", "_keyboard": false}"""


async def test_an_old_format_stored_report_draft_resumes_and_files(
    services: Services, clock: ManualClock
) -> None:
    await seed_units(services.db, clock.now())
    world = Harness(services)
    code = await invite_code(services.db, services.settings, clock.now(), "X01", "member", "Nguyễn Thị Lan")
    lan = world.person("101", "Nguyễn Thị Lan")
    await lan.say(f"/start {code}")
    async with services.db.transaction() as tx:
        unit = await get_unit_by_code(tx, "X01")
        assert unit is not None
        old = Conversation(
            "telegram", "101", "report", "summary", json.loads(OLD_SUMMARY % {"unit": unit.id})
        )
        await save_conversation(tx, old, clock.now())
    [filed] = await lan.say("✔ Gửi báo cáo")  # the stored step's option, typed: the conversation resumes
    assert filed.text.startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.")
    async with services.db.transaction() as tx:
        assert await get_conversation(tx, "telegram", "101") is None
        [report] = await iss.list_reports(tx, 1)
        attachments = await iss.list_attachments(tx, 1)
    assert (report.unit_id, report.category, report.place) == (unit.id, "dien_sinh_hoat", "Thôn 3")
    assert (report.latitude, report.longitude) == (10.95, 108.06)
    assert report.description == "Thôn 3 mất điện hai ngày nay.\nBà con rất bức xúc."
    assert (report.severity, report.people, report.source) == ("pressing", "hamlet", "direct")
    assert (report.citizen, report.confidential) == ("Ông Ba", True)
    assert [(a.kind, a.file_ref) for a in attachments] == [("photo", "ab/abc.jpg")]


async def test_an_old_draft_resumes_at_its_step_with_back(services: Services, clock: ManualClock) -> None:
    await seed_units(services.db, clock.now())
    world = Harness(services)
    code = await invite_code(services.db, services.settings, clock.now(), "X01", "member", "Nguyễn Thị Lan")
    lan = world.person("101", "Nguyễn Thị Lan")
    await lan.say(f"/start {code}")
    old = json.loads(OLD_SUMMARY % {"unit": 1})
    old.update({"severity": None, "people": 3, "_history": ["category", "place"], "_free": True,
                "_options": [["Xong", "_done"]], "_prompt": "Mô tả"})  # fmt: skip
    old.pop("groups")  # an older draft still: no albums yet
    async with services.db.transaction() as tx:
        await save_conversation(tx, Conversation("telegram", "101", "report", "describe", old), clock.now())
    [noted] = await lan.say("Có thêm ảnh sau.")
    assert noted.text == t("vi", "report.noted")
    [ask_severity] = await lan.tap("Xong")  # the mistyped severity and people took their defaults
    assert ask_severity.text.endswith(t("vi", "report.ask_severity"))
    [back] = await lan.tap("« Quay lại")
    assert back.text.endswith(t("vi", "report.ask_describe"))
    async with services.db.transaction() as tx:
        conv = await get_conversation(tx, "telegram", "101")
    assert conv is not None and conv.step == "describe"
    d = load(ReportDraft, conv.data)
    assert d.description[-1] == "Có thêm ảnh sau." and d.groups == [] and d.severity == ""
    assert d.location == [10.95, 108.06] and d.attachments[0]["file_ref"] == "ab/abc.jpg"


# the leaders' drafts exactly as the conversations table held them before they were typed: a resolution from
# the card (message 55) collecting its evidence, an extension asked for by /extend (no card to refresh) at its
# reason, and the /find picker with one filter chosen
OLD_ACT = """{"action": "resolve", "issue_id": 1, "attachments": [{"kind": "photo", "file_ref": "cc/evidence.jpg",
"mime_type": "", "filename": "", "size": 0, "file_id": ""}], "card_message": "55", "_history": ["text", "evidence"],
"_options": [["Xong", "_done"]], "_free": true, "_prompt": "Đồng chí gửi ảnh hoặc tài liệu, gửi xong bấm “Xong”.",
"_columns": 1, "_nav": [["« Quay lại", "_back"], ["✖ Hủy", "_cancel"]], "_extra": [], "_prefix": "",
"_keyboard": false, "text": "Đã sửa xong đường dây", "asked_evidence": true, "groups": []}"""
OLD_EXTEND = """{"issue_id": 1, "due": "%(due)s", "_history": [], "_options": [], "_free": true,
"_prompt": "Hạn đề nghị: …", "_columns": 1, "_nav": [["✖ Hủy", "_cancel"]], "_extra": [], "_prefix": "",
"_keyboard": false}"""
OLD_FIND = """{"_history": ["menu", "state"], "_options": [["Lĩnh vực: Tất cả", "category"],
["Trạng thái: Đang xử lý", "state"], ["Thời gian: Tất cả", "period"], ["🔎 Tìm", "go"]], "_free": true,
"_prompt": "Tìm vụ việc: …", "_columns": 1, "_nav": [["✖ Hủy", "_cancel"]], "_extra": [], "_prefix": "",
"_keyboard": false, "state": "open"}"""


async def test_old_format_stored_leaders_drafts_resume(services: Services, clock: ManualClock) -> None:
    await seed_units(services.db, clock.now())
    world = Harness(services)
    c = await cast(world)
    await file_by_taps(c["lan"])
    hung, minh = c["hung"], c["minh"]
    day = clock.now().astimezone(VN).date() + timedelta(days=10)
    due = ts(datetime.combine(day, time(17), tzinfo=VN))  # as stored: the office close of the day asked for

    async def stored(chat: str, flow_name: str, step: str, data: str) -> None:
        async with services.db.transaction() as tx:
            conv = Conversation("telegram", chat, flow_name, step, json.loads(data))
            await save_conversation(tx, conv, clock.now())

    old_act, old_extend = load(ActDraft, json.loads(OLD_ACT)), load(ExtendDraft, json.loads(OLD_EXTEND))
    assert (old_act.action, old_act.card_message, old_act.asked_evidence) == ("resolve", "55", True)
    assert old_extend.card_message is None and old_act.page == 0 and old_act.offers == []
    await stored("301", "extend", "reason", OLD_EXTEND % {"due": due})
    asked = await minh.say("Chờ kinh phí của huyện")
    assert sorted(o.chat_id for o in asked) == ["201", "301"]  # to the decider; the requester told it went
    assert world.edits_in("301") == []  # started by /extend: no card to refresh
    async with services.db.transaction() as tx:
        [request] = await ext.list_extension_requests(tx, 1)
    assert (ts(request.new_due_at), request.reason) == (due, "Chờ kinh phí của huyện")

    await stored("201", "act", "files", OLD_ACT)
    [noted] = await hung.send_media("photo", media_group="g1", file_ref="cc/second.jpg")
    assert noted.text == t("vi", "report.noted_media", count=2)
    assert await hung.send_media("photo", media_group="g1", file_ref="cc/third.jpg") == []  # the same album
    out = await hung.say("Xong")  # the stored step's option, typed
    assert texts([o for o in out if o.chat_id == "201"]) == [t("vi", "act.resolved", number=1, count=1)]
    *photos, outcome = [o for o in out if o.chat_id == "101"]  # the evidence, then the outcome
    assert [a.file_ref for p in photos for a in p.attachments] == [
        "cc/evidence.jpg",
        "cc/second.jpg",
        "cc/third.jpg",
    ]
    assert outcome.text.endswith("Kết quả: Đã sửa xong đường dây")
    [card] = world.edits_in("201")  # the card the resolution was started from, refreshed in place
    assert card.edit_of == "55" and "\nTrạng thái: Đã xử lý\n" in card.text

    await stored("301", "find", "menu", OLD_FIND)
    [found] = await minh.say("mất điện")  # words typed at the menu: searched with the stored filter
    assert found.text == t("vi", "find.header", text="mất điện · Đang xử lý", count=0)  # #1 is resolved


def test_the_codec_is_tolerant_and_round_trips() -> None:
    stored = {"similar": [{"id": 7, "place": "Thôn 3", "date": "01/11/2026", "reports": 2}, "junk", {"id": "x"}],
              "location": [10, 108.5], "unit_matches": [3, True, "4"], "add_to": "7", "extra_key": 1,
              "_history": ["category"]}  # fmt: skip
    d = load(ReportDraft, stored)
    assert d.similar == [Similar(7, "Thôn 3", "01/11/2026", 2), Similar()]
    assert d.location == [10.0, 108.5] and d.unit_matches == [3] and d.add_to is None
    assert load(ReportDraft, dump(d)) == d
    assert dump(AddDraft(5)) == {"issue_id": 5, "text": [], "attachments": [], "groups": []}
    r = load(
        RoundDraft, {"topics": [[3, "Giá điện"], [4], ["x", "y"]], "answers": {"mood:0": "calm", "n": 5}}
    )
    assert r.topics == [(3, "Giá điện")] and r.answers == {"mood:0": "calm"}
    assert load(RoundDraft, json.loads(json.dumps(dump(r)))) == r


@pytest.mark.parametrize("cls", DRAFTS, ids=lambda c: c.__name__)
def test_every_draft_loads_from_nothing_and_round_trips_through_json(cls: type) -> None:
    fresh = load(cls, {})  # every field has a default, and the codec reads every field's type
    assert fresh == cls()
    assert load(cls, json.loads(json.dumps(dump(fresh)))) == fresh


def test_drafts_lists_every_draft() -> None:
    declared = {c for c in vars(drafts).values() if isinstance(c, type) and c.__name__.endswith("Draft")}
    assert declared == set(DRAFTS)
