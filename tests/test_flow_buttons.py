"""A step's buttons stay live while the step lasts: re-asking never makes the copy in flight stale."""

from __future__ import annotations

from bot.core.messages import Outgoing
from bot.core.texts import t
from handlers.flow import EngineState
from storage.conversations import get_conversation
from tests.harness import Harness, Person, labels
from tests.test_report import member


def data_of(msg: Outgoing, label: str) -> str:
    return next(c.data for row in msg.choices for c in row if c.label == label)


async def to_describe(lan: Person) -> None:
    await lan.say("/report")
    await lan.tap("Điện sinh hoạt")
    await lan.say("Thôn 3")
    *_, ask_describe = await lan.say("Bỏ qua")  # (the location keyboard is removed first)
    assert ask_describe.text == t("vi", "report.ask_describe")


async def test_a_menu_label_mid_step_then_an_older_done_then_tapping_through(world: Harness) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await to_describe(lan)
    [noted] = await lan.say("Thôn 3 mất điện hai ngày nay.")
    # the main menu's "Báo cáo mới", pressed in the middle of the step: the command, not part of the text
    [offer] = await lan.say("Báo cáo mới")
    assert offer.text == t("vi", "report.draft_open") and labels(offer) == ["Tiếp tục", "Bỏ báo cáo cũ"]
    await lan.say("Bà con đã kiến nghị nhiều lần.")  # she answers the step instead, twice
    await lan.say("Đề nghị ngành điện kiểm tra.")
    [severity] = await lan.tap_data(data_of(noted, "Xong"))  # the older "Xong" still works: same step
    assert severity.text == t("vi", "report.ask_severity")
    assert [m.text for m in await lan.tap("Bức xúc")] == [t("vi", "report.ask_people")]
    assert [m.text for m in await lan.tap("Một vài hộ")] == [t("vi", "report.ask_source")]


async def test_taps_on_a_re_asked_prompt_in_flight_are_answered(world: Harness) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await to_describe(lan)
    [noted] = await lan.say("Thôn 3 mất điện.")
    [severity] = await lan.tap_data(data_of(noted, "Xong"))
    # a slow network: she taps the old "Xong" again twice; each tap re-asks the severity step
    [again1] = await lan.tap_data(data_of(noted, "Xong"))
    [again2] = await lan.tap_data(data_of(noted, "Xong"))
    assert (
        again1.text == again2.text == t("vi", "error.stale_button") + "\n\n" + t("vi", "report.ask_severity")
    )
    # ... and then taps the first re-asked copy, which arrived before the second: it is live
    [people] = await lan.tap_data(data_of(again1, "Bình thường"))
    assert people.text == t("vi", "report.ask_people")
    # the step is answered once: the other copies of the severity step are stale now
    [stale] = await lan.tap_data(data_of(severity, "Khẩn cấp — có nguy cơ thành điểm nóng"))
    assert stale.text == t("vi", "error.stale_button") + "\n\n" + t("vi", "report.ask_people")
    assert [m.text for m in await lan.tap("Một vài hộ")] == [t("vi", "report.ask_source")]


async def test_a_keyboard_step_is_stored_as_one_and_re_asked_with_its_keyboard(world: Harness) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("/report")
    await lan.tap("Điện sinh hoạt")
    [*_, ask_location] = await lan.say("Thôn 3")
    assert ask_location.keyboard is not None and not ask_location.choices
    conv = await get_conversation(world.services.db.reader, "telegram", "101")
    assert conv is not None and conv.step == "location"
    assert EngineState.load(conv.data).keyboard  # saved with the step it belongs to, not the step before
    # the next event reads the step back from the database: the re-asked step keeps its reply keyboard
    [again] = await lan.say("không rõ")
    assert (again.text or "").startswith(t("vi", "error.choose_again") + "\n\n")
    assert again.keyboard is not None and not again.choices
    assert again.keyboard[0][0].label == t("vi", "report.share_location")
