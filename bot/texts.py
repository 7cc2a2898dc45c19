"""Text catalogs: every word a person reads. Vietnamese first (formal register, "đồng chí"), English second.

``t(lang, key, **fields)`` formats the entry; a key missing in one language falls back to Vietnamese,
and a test checks that both catalogs hold the same keys with the same fields.
"""

from __future__ import annotations

from typing import Any

VI: dict[str, str] = {
    # runtime
    "error.internal": "Xin lỗi đồng chí, hệ thống vừa gặp sự cố khi xử lý tin nhắn này. "
    "Đồng chí vui lòng thử lại sau ít phút; nếu vẫn lỗi, xin báo cho quản trị viên.",
    "error.group": "Hệ thống chỉ làm việc trong tin nhắn riêng. Đồng chí vui lòng nhắn riêng cho bot.",
    "error.edited": "Hệ thống không đọc tin nhắn đã sửa. Nếu cần bổ sung, đồng chí vui lòng gửi tin nhắn mới.",
    "error.unknown_command": "Hệ thống không có lệnh /{command}. Gõ /help để xem các lệnh đồng chí có thể dùng.",
    "error.unsupported": "Hệ thống chưa xử lý được loại tin nhắn này. Đồng chí vui lòng gửi chữ, ảnh, "
    "tin nhắn thoại hoặc tệp.",
    "error.not_expected_media": "Hệ thống đã nhận tệp nhưng lúc này chưa cần. Đồng chí vui lòng chọn "
    "một việc trên bảng chọn hoặc gõ /help.",
    "error.not_understood": "Hệ thống chưa hiểu ý đồng chí. Đồng chí vui lòng chọn một việc trên bảng chọn "
    "hoặc gõ /help.",
    "error.stale_button": "Nút này thuộc một tin nhắn cũ nên không còn dùng được.",
    "error.bad_button": "Nút này không hợp lệ hoặc đồng chí không có quyền dùng.",
    "error.choose_again": "Đồng chí vui lòng chọn một mục bên dưới (bấm nút hoặc gõ số thứ tự):",
    "error.ambiguous": "Câu trả lời “{text}” khớp với nhiều mục. Đồng chí vui lòng chọn rõ hơn:",
    "error.text_expected": "Bước này cần câu trả lời bằng chữ. Đồng chí vui lòng gõ nội dung.",
    "error.too_long": "Nội dung quá dài (tối đa {limit} ký tự). Đồng chí vui lòng rút gọn.",
    "flow.cancelled": "Đã hủy. Đồng chí có thể bắt đầu lại bất cứ lúc nào.",
    "flow.nothing_to_cancel": "Hiện không có việc nào đang làm dở.",
    "flow.busy": "Đồng chí đang làm dở một việc khác. Gõ /cancel để hủy việc đó trước.",
    "button.back": "« Quay lại",
    "button.cancel": "✖ Hủy",
    "button.yes": "Đồng ý",
    "button.no": "Không",
    # strangers and onboarding
    "stranger.refuse": "Xin chào. Đây là hệ thống nội bộ của Tổ dư luận xã hội; chỉ thành viên được mời "
    "mới sử dụng được. Nếu đồng chí có mã mời, vui lòng mở đường liên kết mời hoặc gõ /start kèm mã.",
    "invite.welcome": "Chào mừng đồng chí {name}!\nĐồng chí đã tham gia hệ thống với vai trò {role}, "
    "đơn vị {unit}.\n\n{abilities}",
    "invite.bad_code": "Mã mời không đúng. Đồng chí vui lòng kiểm tra lại mã (phân biệt chữ hoa, chữ thường) "
    "hoặc liên hệ người đã gửi mã.",
    "invite.used": "Mã mời này đã được sử dụng. Mỗi mã chỉ dùng được một lần; đồng chí vui lòng xin mã mới.",
    "invite.expired": "Mã mời này đã hết hạn. Đồng chí vui lòng xin mã mới.",
    "invite.throttled": "Đồng chí đã nhập sai mã quá nhiều lần. Vui lòng thử lại sau một giờ.",
    "invite.already_member": "Đồng chí đã là thành viên ({name}, {unit}) nên không cần dùng mã mời nữa. "
    "Mã này vẫn còn nguyên cho người khác.",
    "member.inactive": "Tài khoản của đồng chí đã ngừng hoạt động. Nếu có nhầm lẫn, xin liên hệ quản trị viên.",
    "role.member": "thành viên",
    "role.leader": "lãnh đạo",
    "role.admin": "quản trị viên",
    "abilities.member": "Đồng chí có thể: báo cáo tình hình dư luận, theo dõi các báo cáo của mình. "
    "Gõ /help để xem hướng dẫn.",
    "abilities.leader": "Đồng chí có thể: nhận cảnh báo, xem và chỉ đạo xử lý các vụ việc của đơn vị "
    "mình và đơn vị cấp dưới. Gõ /help để xem hướng dẫn.",
    "abilities.admin": "Đồng chí có thể: mời thành viên, quản lý đơn vị và hỗ trợ người dùng. "
    "Gõ /help để xem hướng dẫn.",
    "start.again": "Chào đồng chí {name}. Đồng chí chọn việc cần làm trên bảng chọn bên dưới.",
    # help and profile
    "help.header": "Hướng dẫn sử dụng ({role}):",
    "help.stranger": "Đây là hệ thống nội bộ của Tổ dư luận xã hội. Để tham gia, đồng chí cần mã mời.\n"
    "/start <mã> — tham gia bằng mã mời\n/help — hướng dẫn",
    "cmd.start": "Bắt đầu / tham gia bằng mã mời",
    "cmd.help": "Hướng dẫn sử dụng",
    "cmd.me": "Thông tin của tôi",
    "cmd.language": "Đổi ngôn ngữ",
    "cmd.cancel": "Hủy việc đang làm",
    "cmd.invite": "Mời thành viên mới",
    "me.card": "Thông tin của đồng chí:\nHọ tên: {name}\nĐơn vị: {unit}\nVai trò: {role}\n"
    "Lĩnh vực theo dõi: {sectors}\nĐiện thoại: {phone}\nNgôn ngữ: {language}",
    "me.none": "(chưa có)",
    "menu.help": "Hướng dẫn",
    "menu.me": "Thông tin của tôi",
    "menu.invite": "Mời thành viên",
    "language.ask": "Đồng chí chọn ngôn ngữ:",
    "language.done": "Đã chuyển sang tiếng Việt.",
    "language.vi": "Tiếng Việt",
    "language.en": "English",
    # admin invite flow
    "invite.ask_unit": "Mời thành viên vào đơn vị nào?",
    "invite.ask_role": "Vai trò của người được mời?",
    "invite.ask_name": "Họ tên người được mời (hoặc bấm “Bỏ qua”):",
    "invite.skip": "Bỏ qua",
    "invite.created": "Đã tạo mã mời cho {who} ({role}, {unit}).\nMã: {code}\nĐường liên kết: {link}\n"
    "Hạn dùng: đến {expires}.",
    "invite.who_unknown": "người được mời",
    "invite.admin_only": "Chỉ quản trị viên mới mời được thành viên.",
    "units.more": "Trang sau »",
    "units.prev": "« Trang trước",
    # channels without buttons (Zalo)
    "zalo.choose_number": "Trả lời số:",
    "zalo.menu": "Các việc đồng chí có thể làm (trả lời số):",
    "zalo.attachments_note": "{count} tệp đính kèm — xem trên Telegram hoặc tại văn phòng.",
    "zalo.number_out_of_range": "Không có lựa chọn số {number}. Đồng chí vui lòng trả lời một số từ 1 đến {count}.",
}

EN: dict[str, str] = {
    "error.internal": "Sorry, something went wrong while handling this message. Please try again in a few "
    "minutes; if it keeps failing, tell your administrator.",
    "error.group": "This bot only works in private chat. Please message the bot directly.",
    "error.edited": "Edited messages are not read. If you need to add something, please send a new message.",
    "error.unknown_command": "There is no command /{command}. Type /help to see the commands you can use.",
    "error.unsupported": "This kind of message cannot be handled yet. Please send text, photos, voice "
    "messages or files.",
    "error.not_expected_media": "The file was received, but nothing needs it right now. Please pick an "
    "action from the menu or type /help.",
    "error.not_understood": "Sorry, I did not understand. Please pick an action from the menu or type /help.",
    "error.stale_button": "That button belongs to an older message and no longer works.",
    "error.bad_button": "That button is not valid, or you are not allowed to use it.",
    "error.choose_again": "Please pick one of the options below (tap a button or type its number):",
    "error.ambiguous": "“{text}” matches several options. Please be more specific:",
    "error.text_expected": "This step needs a text answer. Please type it.",
    "error.too_long": "That is too long (at most {limit} characters). Please shorten it.",
    "flow.cancelled": "Cancelled. You can start again at any time.",
    "flow.nothing_to_cancel": "There is nothing in progress.",
    "flow.busy": "You are in the middle of something else. Type /cancel to stop it first.",
    "button.back": "« Back",
    "button.cancel": "✖ Cancel",
    "button.yes": "Yes",
    "button.no": "No",
    "stranger.refuse": "Hello. This is the internal system of the public-opinion group; only invited members "
    "can use it. If you have an invite code, please open the invite link or type /start followed by the code.",
    "invite.welcome": "Welcome, {name}!\nYou have joined as {role} of {unit}.\n\n{abilities}",
    "invite.bad_code": "That invite code is not valid. Please check it (it is case-sensitive) or ask the "
    "person who sent it.",
    "invite.used": "That invite code has already been used. Each code works once; please ask for a new one.",
    "invite.expired": "That invite code has expired. Please ask for a new one.",
    "invite.throttled": "Too many wrong codes. Please try again in an hour.",
    "invite.already_member": "You are already a member ({name}, {unit}), so you do not need an invite code. "
    "The code is still unused for someone else.",
    "member.inactive": "Your account has been deactivated. If this is a mistake, please contact the "
    "administrator.",
    "role.member": "member",
    "role.leader": "leader",
    "role.admin": "administrator",
    "abilities.member": "You can report what people are saying and follow your reports. Type /help for a guide.",
    "abilities.leader": "You receive alerts and can see and direct the handling of issues in your unit and "
    "the units below it. Type /help for a guide.",
    "abilities.admin": "You can invite members, manage units and support users. Type /help for a guide.",
    "start.again": "Hello, {name}. Pick what you need from the menu below.",
    "help.header": "How to use the bot ({role}):",
    "help.stranger": "This is the internal system of the public-opinion group. You need an invite code to "
    "join.\n/start <code> — join with an invite code\n/help — this guide",
    "cmd.start": "Start / join with an invite code",
    "cmd.help": "How to use the bot",
    "cmd.me": "My profile",
    "cmd.language": "Change language",
    "cmd.cancel": "Cancel what is in progress",
    "cmd.invite": "Invite a new member",
    "me.card": "Your profile:\nName: {name}\nUnit: {unit}\nRole: {role}\nSectors: {sectors}\n"
    "Phone: {phone}\nLanguage: {language}",
    "me.none": "(none)",
    "menu.help": "Help",
    "menu.me": "My profile",
    "menu.invite": "Invite a member",
    "language.ask": "Choose your language:",
    "language.done": "Switched to English.",
    "language.vi": "Tiếng Việt",
    "language.en": "English",
    "invite.ask_unit": "Invite into which unit?",
    "invite.ask_role": "What role will the invited person have?",
    "invite.ask_name": "Full name of the invited person (or tap “Skip”):",
    "invite.skip": "Skip",
    "invite.created": "Invite created for {who} ({role}, {unit}).\nCode: {code}\nLink: {link}\n"
    "Valid until {expires}.",
    "invite.who_unknown": "the invited person",
    "invite.admin_only": "Only administrators can invite members.",
    "units.more": "Next page »",
    "units.prev": "« Previous page",
    "zalo.choose_number": "Reply with a number:",
    "zalo.menu": "What you can do (reply with a number):",
    "zalo.attachments_note": "{count} attachment(s) — see them on Telegram or at the office.",
    "zalo.number_out_of_range": "There is no option {number}. Please reply with a number from 1 to {count}.",
}

CATALOGS: dict[str, dict[str, str]] = {"vi": VI, "en": EN}


def t(lang: str, key: str, **fields: Any) -> str:
    """The text for ``key`` in ``lang`` (falling back to Vietnamese), formatted with ``fields``."""
    catalog = CATALOGS.get(lang, VI)
    template = catalog.get(key) or VI.get(key)
    if template is None:
        raise KeyError(f"no text {key!r}")
    return template.format(**fields) if fields else template


def all_labels(key: str) -> set[str]:
    """The text of ``key`` in every language (to recognise a menu button whatever the language)."""
    return {c[key] for c in CATALOGS.values() if key in c}
