"""Filing a report through the handlers alone (no channel), step by step, as a member sees it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.clock import ManualClock
from bot.core.texts import t
from bot.runtime import Services
from scheduler.jobs import remind_and_discard_drafts
from storage import issues as iss
from storage.conversations import get_conversation
from storage.units import get_unit_by_code
from tests.conftest import VN
from tests.harness import Harness, Person, labels, texts
from tests.seed import invite_code

CATEGORIES = [
    "Nước sản xuất",
    "Điện sinh hoạt",
    "Ô nhiễm môi trường",
    "Khai thác khoáng sản trái phép",
    "Tệ nạn xã hội",
    "An toàn giao thông",
    "Nhũng nhiễu, tiêu cực của cán bộ, công chức",
    "Khác",
]


async def member(world: Harness, user_id: str, name: str, unit: str = "X01", role: str = "member") -> Person:
    s = world.services
    code = await invite_code(s.db, s.settings, s.clock.now(), unit, role, name)
    p = world.person(user_id, name)
    await p.say(f"/start {code}")
    return p


async def file_by_taps(
    p: Person, description: str = "Thôn 3 mất điện hai ngày nay, bà con rất bức xúc."
) -> list:  # type: ignore[type-arg]
    await p.say("/report")
    await p.tap("Điện sinh hoạt")
    await p.say("Thôn 3")
    await p.say("Bỏ qua")
    await p.say(description)
    await p.tap("Xong")
    await p.tap("Bức xúc")
    await p.tap("Cả thôn, ấp, khu phố")
    await p.tap("Nghe trực tiếp người dân")
    [nxt] = await p.tap("Không ghi")
    if labels(nxt)[-3:-2] == ["Tạo vụ việc mới"]:  # an open issue looks alike: file separately
        await p.tap("Tạo vụ việc mới")
    return await p.tap("✔ Gửi báo cáo")


async def test_a_full_report_by_taps(world: Harness, services: Services, clock: ManualClock) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    [ask_category] = await lan.say("/report")
    assert ask_category.text == t("vi", "report.ask_category")
    assert labels(ask_category) == [*CATEGORIES, "✖ Hủy"]
    [ask_place] = await lan.tap("Điện sinh hoạt")  # her commune has no units below: no unit question
    assert ask_place.text == t("vi", "report.ask_place")
    assert labels(ask_place) == ["Bỏ qua", "« Quay lại", "✖ Hủy"]
    [ask_location] = await lan.say("Thôn 3")
    assert ask_location.keyboard is not None
    assert [[(b.label, b.location) for b in row] for row in ask_location.keyboard] == [
        [("📍 Gửi vị trí", True)],
        [("Bỏ qua", False)],
        [("« Quay lại", False), ("✖ Hủy", False)],
    ]
    saved, ask_describe = await lan.share_location(10.95, 108.06)
    assert saved.text == t("vi", "report.location_saved") and saved.keyboard is not None
    assert ask_describe.text == t("vi", "report.ask_describe")
    [noted] = await lan.say("Thôn 3 mất điện hai ngày nay.")
    assert noted.text == t("vi", "report.noted") and labels(noted) == ["Xong", "« Quay lại", "✖ Hủy"]
    await lan.say("Bà con đã kiến nghị nhiều lần.")
    [ask_severity] = await lan.tap("Xong")
    assert labels(ask_severity) == [
        "Bình thường", "Bức xúc", "Khẩn cấp — có nguy cơ thành điểm nóng", "« Quay lại", "✖ Hủy",
    ]  # fmt: skip
    await lan.tap("Bức xúc")
    await lan.tap("Cả thôn, ấp, khu phố")
    await lan.tap("Nghe trực tiếp người dân")
    await lan.tap("Có, ghi lại")
    await lan.say("Ông Trần Văn Ba, 0905 111 222")
    [summary] = await lan.tap("Có, giữ bí mật")
    assert summary.text == t(
        "vi",
        "report.summary",
        category="Điện sinh hoạt",
        unit="Xã Hàm Thắng",
        place="Thôn 3",
        location="đã gửi",
        description="Thôn 3 mất điện hai ngày nay.\nBà con đã kiến nghị nhiều lần.",
        attachments="(không có)",
        severity="Bức xúc",
        people="Cả thôn, ấp, khu phố",
        source="Nghe trực tiếp người dân",
        citizen="Ông Trần Văn Ba, 0905 111 222 (giữ bí mật)",
        target="Sẽ tạo vụ việc mới.",
    )
    assert labels(summary) == ["✔ Gửi báo cáo", "✎ Sửa một mục", "« Quay lại", "✖ Hủy"]
    [filed] = await lan.tap("✔ Gửi báo cáo")
    # Tuesday 09:30 + 8 working hours (7.5 a day, lunch 11:30-13:30) -> Wednesday 10:00; 5 working days -> next Tuesday 17:00
    assert filed.text == t(
        "vi",
        "report.filed",
        number=1,
        who="Lãnh đạo Xã Hàm Thắng sẽ xem xét.",
        ack_due="10:00 02/12/2026",
        handle_due="17:00 08/12/2026",
    )
    assert filed.issue_id == 1
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.state == "new" and issue.severity == "pressing"
    assert issue.title == "Thôn 3 mất điện hai ngày nay."
    [report] = await iss.list_reports(services.db.reader, 1)
    assert report.confidential and report.citizen == "Ông Trần Văn Ba, 0905 111 222"
    assert (report.latitude, report.longitude) == (10.95, 108.06)
    assert [e.kind for e in await iss.list_thread(services.db.reader, 1)] == ["report"]
    assert await get_conversation(services.db.reader, "telegram", "101") is None


async def test_typing_only_without_accents(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("Bao cao moi")  # the menu button, typed
    await lan.say("dien")
    await lan.say("bo qua")
    await lan.say("bo qua")
    await lan.say("Mat dien tu sang")
    await lan.say("xong")
    await lan.say("3")  # urgent, by number
    await lan.say("ca xa")
    await lan.say("mang xa hoi")
    await lan.say("khong ghi")
    [filed] = await lan.say("gui bao cao")
    assert filed.text.startswith("Đã tiếp nhận báo cáo. Vụ việc số #1.")
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.category == "dien_sinh_hoat" and issue.severity == "urgent"
    # urgent counts clock hours: 4 h and 24 h
    assert issue.ack_due_at - issue.created_at == timedelta(hours=4)
    assert issue.handle_due_at - issue.created_at == timedelta(hours=24)


async def test_provincial_member_picks_a_commune_by_typing(world: Harness, services: Services) -> None:
    minh = await member(world, "300", "Lê Văn Minh", unit="T01")
    await minh.say("/report")
    [ask_unit] = await minh.tap("Ô nhiễm môi trường")
    assert labels(ask_unit) == [
        "Tỉnh Bình Thuận (đơn vị của tôi)",
        "Xã Hàm Liêm",
        "Xã Hàm Thắng",
        "« Quay lại",
        "✖ Hủy",
    ]
    [several] = await minh.say("ham")
    assert several.text.startswith(t("vi", "report.unit_several", text="ham"))
    assert labels(several)[:2] == ["Xã Hàm Liêm", "Xã Hàm Thắng"]
    [none] = await minh.say("Phan Thiết")
    assert none.text.startswith(t("vi", "report.unit_not_found", text="Phan Thiết"))
    [ask_place] = await minh.say("ham thang")
    assert ask_place.text == t("vi", "report.ask_place")
    conv = await get_conversation(services.db.reader, "telegram", "300")
    x01 = await get_unit_by_code(services.db.reader, "X01")
    assert conv is not None and x01 is not None and conv.data["unit_id"] == x01.id


async def test_forged_unit_outside_the_subtree_is_refused(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan", unit="T01")
    await lan.say("/report")
    [ask_unit] = await lan.tap("Điện sinh hoạt")
    nonce = ask_unit.choices[0][0].data.split(":")[0]
    [refused] = await lan.tap_data(f"{nonce}:u:99999")
    assert refused.text.startswith(t("vi", "error.bad_button"))


async def test_an_album_is_acknowledged_once_and_media_elsewhere_is_kept(
    world: Harness, services: Services
) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("/report")
    [kept] = await lan.send_media("photo")  # a photo where a category is asked
    assert kept.text.startswith(t("vi", "report.kept_media")) and labels(kept)[0] == CATEGORIES[0]
    [again] = await lan.share_location()  # a location at any step
    assert again.text.startswith(t("vi", "report.location_saved"))
    await lan.tap("Ô nhiễm môi trường")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    acks = []
    for i in range(10):
        acks += await lan.send_media(
            "photo", caption="Cá chết trắng sông" if i == 0 else "", media_group="g1", file_ref=f"aa/{i}.jpg"
        )
    assert texts(acks) == [t("vi", "report.noted_media", count=2)]  # the earlier photo and the album
    await lan.tap("Xong")
    await lan.tap("Bình thường")
    await lan.tap("Một vài hộ")
    [summary] = await lan.tap("Tự quan sát")  # seen by the member: no citizen question
    assert "Tệp đính kèm: 11" in summary.text and "Cá chết trắng sông" in summary.text
    await lan.tap("✔ Gửi báo cáo")
    atts = await iss.list_attachments(services.db.reader, 1)
    assert len(atts) == 11 and {a.kind for a in atts} == {"photo"}


async def test_a_long_description_is_stored_whole_and_shown_short(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    long_text = "Người dân phản ánh " + "rất nhiều chi tiết " * 550
    assert len(long_text) > 10_000
    await lan.say("/report")
    await lan.tap("Khác")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    [empty] = await lan.tap("Xong")  # an empty description
    assert empty.text.startswith(t("vi", "report.empty_description"))
    await lan.say(long_text)
    await lan.tap("Xong")
    await lan.tap("Bình thường")
    await lan.tap("Một vài hộ")
    [summary] = await lan.tap("Tự quan sát")  # seen by the member: no citizen question
    assert len(summary.text) < 1500 and "…" in summary.text
    await lan.tap("✔ Gửi báo cáo")
    [report] = await iss.list_reports(services.db.reader, 1)
    assert report.description == long_text.strip()


async def test_change_one_field_returns_to_the_summary(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("/report")
    await lan.tap("Điện sinh hoạt")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Mất điện")
    await lan.tap("Xong")
    await lan.tap("Bình thường")
    await lan.tap("Một vài hộ")
    await lan.tap("Tự quan sát")
    await lan.tap("✎ Sửa một mục")
    await lan.tap("Mức độ")
    [summary] = await lan.tap("Khẩn cấp — có nguy cơ thành điểm nóng")
    assert "Mức độ: Khẩn cấp" in summary.text and labels(summary)[0] == "✔ Gửi báo cáo"


async def test_a_similar_open_issue_is_offered_without_leaking(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await file_by_taps(lan, "Thôn 3 mất điện hai ngày nay, bà con rất bức xúc.")
    hoa = await member(world, "102", "Võ Thị Hoa")
    await hoa.say("/report")
    await hoa.tap("Điện sinh hoạt")
    await hoa.say("Thôn 3")
    await hoa.say("Bỏ qua")
    await hoa.say("Thôn 3 mất điện đã hai ngày")
    await hoa.tap("Xong")
    await hoa.tap("Bức xúc")
    await hoa.tap("Cả thôn, ấp, khu phố")
    await hoa.tap("Nghe trực tiếp người dân")
    [similar] = await hoa.tap("Không ghi")
    line = t(
        "vi",
        "report.similar_line",
        number=1,
        category="Điện sinh hoạt",
        place="Thôn 3",
        date="01/12/2026",
        reports=1,
    )
    assert similar.text == t("vi", "report.similar", lines=line)
    assert "bức xúc" not in similar.text  # nobody else's words are shown
    assert labels(similar)[:2] == ["Bổ sung vào #1", "Tạo vụ việc mới"]
    [summary] = await hoa.tap("Bổ sung vào #1")
    assert summary.text.endswith(t("vi", "report.summary_add", number=1))
    [added] = await hoa.tap("✔ Gửi báo cáo")
    assert added.text == t("vi", "report.added", number=1, reports=2) and added.issue_id == 1
    assert len(await iss.list_reports(services.db.reader, 1)) == 2


async def test_sensitive_category_is_owned_above_and_never_suggested(
    world: Harness, services: Services
) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("/report")
    await lan.tap("Nhũng nhiễu, tiêu cực của cán bộ, công chức")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Cán bộ địa chính đòi tiền")
    await lan.tap("Xong")
    await lan.tap("Bức xúc")
    await lan.tap("Một vài hộ")
    await lan.tap("Nghe trực tiếp người dân")
    await lan.tap("Không ghi")
    [filed] = await lan.tap("✔ Gửi báo cáo")
    assert "Lãnh đạo Tỉnh Bình Thuận sẽ xem xét." in filed.text
    issue = await iss.get_issue(services.db.reader, 1)
    t01 = await get_unit_by_code(services.db.reader, "T01")
    assert issue is not None and t01 is not None and issue.owner_unit_id == t01.id


async def test_practice_files_nothing(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    [guide, first] = await lan.say("/practice")
    assert guide.text == t("vi", "guide.member")  # the same short guide as /help
    assert first.text == "[LUYỆN TẬP] " + t("vi", "report.ask_category")
    await lan.tap("Khác")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Tập báo cáo")
    await lan.tap("Xong")
    await lan.tap("Bình thường")
    await lan.tap("Một vài hộ")
    [summary] = await lan.tap("Tự quan sát")  # seen by the member: no citizen question
    assert summary.text.startswith("[LUYỆN TẬP]")
    [done] = await lan.tap("✔ Gửi báo cáo")
    assert done.text == t("vi", "report.practice_done")
    assert await services.db.reader.fetchval("SELECT COUNT(*) FROM issues") == 0


async def test_second_report_mid_draft_offers_continue_or_discard(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("/report")
    [old] = await lan.tap("Điện sinh hoạt")
    [offer] = await lan.say("/report")
    assert offer.text == t("vi", "report.draft_open") and labels(offer) == ["Tiếp tục", "Bỏ báo cáo cũ"]
    [resumed] = await lan.tap("Tiếp tục")
    assert resumed.text == old.text
    await lan.say("/report")
    [fresh] = await lan.tap("Bỏ báo cáo cũ")
    assert fresh.text == t("vi", "report.ask_category")
    [stale] = await lan.tap_data(old.choices[0][0].data)  # a button from the earlier draft
    assert stale.text.startswith(t("vi", "error.stale_button"))


async def test_a_category_removed_from_config_while_drafting(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("/report")
    await lan.tap("Khai thác khoáng sản trái phép")
    await lan.say("Bỏ qua")
    await lan.say("Bỏ qua")
    await lan.say("Khai thác cát ban đêm")
    await lan.tap("Xong")
    await lan.tap("Bình thường")
    await lan.tap("Một vài hộ")
    cats = tuple(c for c in services.settings.categories if c.code != "khai_thac_khoang_san")
    services.settings = replace(services.settings, categories=cats)
    [again] = await lan.tap("Tự quan sát")
    assert again.text.startswith(t("vi", "report.category_gone"))
    [summary] = await lan.tap("Ô nhiễm môi trường")
    assert "Lĩnh vực: Ô nhiễm môi trường" in summary.text


async def test_my_reports_thread_and_forged_issue_buttons(world: Harness, services: Services) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    hoa = await member(world, "102", "Võ Thị Hoa")
    await file_by_taps(lan)
    [mine] = await lan.say("/my")
    assert mine.text == t("vi", "my.header", page=1, pages=1)
    assert labels(mine) == ["#1 Điện sinh hoạt — Mới tiếp nhận"]
    [thread] = await lan.tap("#1 Điện sinh hoạt — Mới tiếp nhận")
    assert thread.text.startswith("Vụ việc #1: Thôn 3 mất điện") and thread.issue_id == 1
    assert texts(await hoa.tap_data("a:my:1")) == [t("vi", "issue.not_found", number=1)]
    assert texts(await hoa.say("/add 1 chen ngang")) == [t("vi", "issue.not_found", number=1)]
    assert texts(await hoa.tap_data("a:xx:1")) == [t("vi", "error.bad_button")]


async def test_adding_by_command_and_by_reply_then_withdrawing(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await file_by_taps(lan)
    [done] = await lan.say("/add 1 Đã có thêm 5 hộ mất điện.")
    assert done.text == t("vi", "add.done", number=1)
    [ask] = await lan.say("/add 1")
    assert ask.text == t("vi", "add.ask", number=1)
    await lan.send_media("photo", caption="Ảnh cột điện đổ")
    [done2] = await lan.tap("Xong")
    assert done2.text == t("vi", "add.done", number=1)
    [by_reply] = await lan.reply("1", "Điện lực đã đến kiểm tra")  # hypothetical id, no reference
    assert by_reply.text == t("vi", "reply.no_issue")
    entries = await iss.list_thread(services.db.reader, 1)
    assert [e.kind for e in entries] == ["report", "addition", "addition"]
    assert len(await iss.list_attachments(services.db.reader, 1, entry_id=entries[2].id)) == 1
    assert texts(await lan.say("/withdraw 1")) == [t("vi", "withdraw.done", number=1)]
    issue = await iss.get_issue(services.db.reader, 1)
    assert issue is not None and issue.state == "withdrawn"
    assert texts(await lan.say("/add 1 nữa")) == [
        t("vi", "issue.closed_for_additions", number=1, state="Đã rút")
    ]


async def test_withdrawing_after_the_window_is_refused(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await file_by_taps(lan)
    clock.advance(timedelta(hours=25))
    assert texts(await lan.say("/withdraw 1")) == [t("vi", "withdraw.too_late", number=1, hours=24)]
    assert texts(await lan.say("/withdraw abc")) == [t("vi", "withdraw.usage")]


async def test_idle_drafts_are_reminded_once_then_discarded(
    world: Harness, services: Services, clock: ManualClock
) -> None:
    lan = await member(world, "101", "Nguyễn Thị Lan")
    await lan.say("/report")
    await lan.tap("Điện sinh hoạt")
    clock.advance(timedelta(hours=3))  # 12:30 Tuesday: not quiet
    assert await remind_and_discard_drafts(services, clock.now()) == "reminded 1, discarded 0"
    assert await remind_and_discard_drafts(services, clock.now()) == "reminded 0, discarded 0"
    assert texts(await world.collect()) == [t("vi", "report.draft_reminder")]
    clock.set(clock.now().astimezone(VN).replace(hour=23) + timedelta(days=8))
    assert await remind_and_discard_drafts(services, clock.now()) == "reminded 0, discarded 1"
    assert texts(await world.collect()) == [t("vi", "report.draft_discarded", date="01/12/2026", days=7)]
    assert await get_conversation(services.db.reader, "telegram", "101") is None
