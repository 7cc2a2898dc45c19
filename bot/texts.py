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
    # filing a report
    "cmd.report": "Báo cáo tình hình mới",
    "cmd.my": "Các báo cáo của tôi",
    "cmd.add": "Bổ sung vào vụ việc: /add số",
    "cmd.withdraw": "Rút báo cáo: /withdraw số",
    "cmd.practice": "Luyện tập báo cáo (không gửi thật)",
    "menu.report": "Báo cáo mới",
    "menu.my": "Báo cáo của tôi",
    "report.practice_banner": "[LUYỆN TẬP] ",
    "report.ask_category": "Bước 1/7. Đồng chí báo cáo về lĩnh vực nào?",
    "report.ask_unit": "Bước 2/7. Sự việc xảy ra ở đâu? Chọn đơn vị (hoặc gõ tên để tìm):",
    "report.own_unit": "{unit} (đơn vị của tôi)",
    "report.unit_not_found": "Không tìm thấy đơn vị nào khớp với “{text}”.",
    "report.unit_several": "Có nhiều đơn vị khớp với “{text}”, đồng chí chọn một:",
    "report.ask_place": "Địa điểm cụ thể (thôn, ấp, khu phố, tuyến đường…)? Gõ vào, hoặc bấm “Bỏ qua”.",
    "report.ask_location": "Đồng chí có thể gửi vị trí trên bản đồ (bấm nút “Gửi vị trí” ở bàn phím) "
    "hoặc bấm “Bỏ qua”.",
    "report.share_location": "📍 Gửi vị trí",
    "report.skip": "Bỏ qua",
    "report.location_saved": "Đã lưu vị trí.",
    "report.location_skipped": "Không gửi vị trí.",
    "report.ask_describe": "Bước 3/7. Người dân đang nói gì, sự việc thế nào? Đồng chí gõ nội dung; có thể "
    "gửi kèm ảnh, tin nhắn thoại, tệp. Gửi xong bấm “Xong”.",
    "report.done": "Xong",
    "report.noted": "Đã ghi nhận. Đồng chí gửi thêm hoặc bấm “Xong”.",
    "report.noted_media": "Đã nhận {count} tệp. Đồng chí gửi thêm hoặc bấm “Xong”.",
    "report.kept_media": "Đã lưu tệp vào báo cáo.",
    "report.empty_description": "Báo cáo chưa có nội dung. Đồng chí vui lòng gõ vài dòng mô tả sự việc.",
    "report.ask_severity": "Bước 4/7. Mức độ của sự việc?",
    "severity.normal": "Bình thường",
    "severity.pressing": "Bức xúc",
    "severity.urgent": "Khẩn cấp — có nguy cơ thành điểm nóng",
    "report.ask_people": "Bước 5/7. Khoảng bao nhiêu người bị ảnh hưởng hoặc quan tâm?",
    "people.household": "Một vài hộ",
    "people.hamlet": "Cả thôn, ấp, khu phố",
    "people.commune": "Cả xã, phường",
    "people.wider": "Rộng hơn",
    "report.ask_source": "Bước 6/7. Đồng chí nắm được thông tin từ đâu?",
    "source.direct": "Nghe trực tiếp người dân",
    "source.meeting": "Tại cuộc họp, hội nghị",
    "source.social": "Mạng xã hội",
    "source.petition": "Đơn thư, kiến nghị",
    "source.observed": "Tự quan sát",
    "report.ask_citizen_q": "Có ghi lại thông tin người dân phản ánh (họ tên, liên lạc) không?",
    "report.citizen_none": "Không ghi",
    "report.citizen_add": "Có, ghi lại",
    "report.ask_citizen": "Họ tên và cách liên lạc của người dân phản ánh:",
    "report.ask_confidential": "Có cần giữ bí mật danh tính người này không? (Nếu có, chỉ lãnh đạo phụ trách "
    "vụ việc được xem, và không xuất hiện trong bất kỳ báo cáo xuất ra nào.)",
    "report.confidential_yes": "Có, giữ bí mật",
    "report.confidential_no": "Không cần",
    "report.similar": "Có vụ việc đang mở có thể là cùng sự việc:\n{lines}\nĐồng chí bổ sung vào vụ việc đó "
    "hay tạo vụ việc mới?",
    "report.similar_line": "#{number} — {category}, {place}, ngày {date}, {reports} báo cáo",
    "report.add_to": "Bổ sung vào #{number}",
    "report.new_issue": "Tạo vụ việc mới",
    "report.summary": "Bước 7/7. Đồng chí kiểm tra lại báo cáo:\n\nLĩnh vực: {category}\nĐơn vị: {unit}\n"
    "Địa điểm: {place}\nVị trí: {location}\nNội dung: {description}\nTệp đính kèm: {attachments}\n"
    "Mức độ: {severity}\nPhạm vi: {people}\nNguồn: {source}\nNgười phản ánh: {citizen}\n{target}",
    "report.summary_new": "Sẽ tạo vụ việc mới.",
    "report.summary_add": "Sẽ bổ sung vào vụ việc #{number}.",
    "report.none": "(không có)",
    "report.location_yes": "đã gửi",
    "report.citizen_secret": "{citizen} (giữ bí mật)",
    "report.confirm": "✔ Gửi báo cáo",
    "report.change": "✎ Sửa một mục",
    "report.ask_change": "Đồng chí muốn sửa mục nào?",
    "field.category": "Lĩnh vực",
    "field.unit": "Đơn vị",
    "field.place": "Địa điểm",
    "field.describe": "Nội dung",
    "field.severity": "Mức độ",
    "field.people": "Phạm vi",
    "field.source": "Nguồn tin",
    "report.filed": "Đã tiếp nhận báo cáo. Vụ việc số #{number}.\n{who}\nHạn tiếp nhận: {ack_due}. "
    "Hạn xử lý: {handle_due}.\nĐồng chí sẽ được thông báo khi có kết quả. Để bổ sung thông tin, đồng chí "
    "trả lời (reply) tin nhắn này hoặc gõ /add {number}.",
    "report.filed_who": "Lãnh đạo {unit} sẽ xem xét.",
    "report.added": "Đã bổ sung báo cáo vào vụ việc #{number} ({reports} báo cáo). Đồng chí sẽ được thông báo "
    "khi có kết quả.",
    "report.practice_done": "[LUYỆN TẬP] Hoàn thành! Nếu là báo cáo thật, hệ thống sẽ tạo vụ việc và báo cho "
    "lãnh đạo. Bài luyện tập không được gửi đi và không ai nhận được thông báo.",
    "report.category_gone": "Lĩnh vực đã chọn không còn trong danh mục. Đồng chí vui lòng chọn lại.",
    "report.draft_open": "Đồng chí đang có một báo cáo làm dở. Tiếp tục báo cáo đó hay bỏ đi để làm mới?",
    "report.resume": "Tiếp tục",
    "report.discard": "Bỏ báo cáo cũ",
    "report.draft_reminder": "Đồng chí còn một báo cáo làm dở. Đồng chí có thể tiếp tục ngay (gõ /report) "
    "hoặc gõ /cancel để hủy.",
    "report.draft_discarded": "Báo cáo làm dở từ ngày {date} đã quá {days} ngày nên hệ thống đã hủy. "
    "Nếu vẫn cần, đồng chí vui lòng báo cáo lại (/report).",
    # the member's own view
    "my.header": "Các báo cáo của đồng chí (trang {page}/{pages}):",
    "my.none": "Đồng chí chưa có báo cáo nào. Bấm “Báo cáo mới” để bắt đầu.",
    "my.line": "#{number} {category} — {state}",
    "my.thread_header": "Vụ việc #{number}: {title}\n{category} — {unit}\nTrạng thái: {state}",
    "my.thread_line": "{date}: {text}",
    "my.thread_empty": "Chưa có cập nhật nào.",
    "state.new": "Mới tiếp nhận",
    "state.acknowledged": "Đã tiếp nhận xử lý",
    "state.assigned": "Đã giao xử lý",
    "state.resolved": "Đã xử lý",
    "state.closed": "Đã đóng",
    "state.reopened": "Mở lại",
    "state.duplicate": "Trùng vụ việc khác",
    "state.closed_without_action": "Đóng không xử lý",
    "state.withdrawn": "Đã rút",
    "entry.report": "Báo cáo của thành viên",
    "entry.addition": "Thông tin bổ sung: {body}",
    "entry.withdrawn": "Thành viên đã rút báo cáo.",
    "entry.state": "Chuyển trạng thái: {state}",
    "entry.comment": "{body}",
    "add.ask": "Đồng chí gửi nội dung bổ sung cho vụ việc #{number} (chữ, ảnh, tệp), gửi xong bấm “Xong”.",
    "add.done": "Đã bổ sung vào vụ việc #{number}.",
    "add.nothing": "Chưa có nội dung bổ sung nào; không có gì thay đổi.",
    "add.usage": "Cách dùng: /add số_vụ_việc [nội dung], ví dụ: /add 12 Đã có thêm 5 hộ mất điện.",
    "issue.not_found": "Không tìm thấy vụ việc #{number}, hoặc đồng chí không có quyền xem vụ việc này.",
    "issue.closed_for_additions": "Vụ việc #{number} đã kết thúc ({state}); không thể bổ sung.",
    "withdraw.usage": "Cách dùng: /withdraw số_vụ_việc, ví dụ: /withdraw 12.",
    "withdraw.done": "Đã rút báo cáo của đồng chí khỏi vụ việc #{number}. Nội dung vẫn được lưu trong hồ sơ.",
    "withdraw.too_late": "Không thể rút báo cáo khỏi vụ việc #{number}: đã quá {hours} giờ hoặc lãnh đạo đã "
    "xử lý. Nếu cần, đồng chí bổ sung thông tin bằng /add {number}.",
    "reply.no_issue": "Tin nhắn đồng chí trả lời không gắn với vụ việc nào. Đồng chí có thể dùng /my để xem "
    "các vụ việc của mình.",
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
    "cmd.report": "File a new report",
    "cmd.my": "My reports",
    "cmd.add": "Add to an issue: /add number",
    "cmd.withdraw": "Withdraw a report: /withdraw number",
    "cmd.practice": "Practise filing a report (nothing is sent)",
    "menu.report": "New report",
    "menu.my": "My reports",
    "report.practice_banner": "[PRACTICE] ",
    "report.ask_category": "Step 1/7. What is the report about?",
    "report.ask_unit": "Step 2/7. Where did it happen? Pick a unit (or type a name to search):",
    "report.own_unit": "{unit} (my unit)",
    "report.unit_not_found": "No unit matches “{text}”.",
    "report.unit_several": "Several units match “{text}”; pick one:",
    "report.ask_place": "The exact place (hamlet, quarter, road…)? Type it, or tap “Skip”.",
    "report.ask_location": "You can share a location on the map (the “Share location” key on the keyboard) "
    "or tap “Skip”.",
    "report.share_location": "📍 Share location",
    "report.skip": "Skip",
    "report.location_saved": "Location saved.",
    "report.location_skipped": "No location shared.",
    "report.ask_describe": "Step 3/7. What are people saying, what happened? Type it; you may add photos, "
    "voice messages and files. Tap “Done” when finished.",
    "report.done": "Done",
    "report.noted": "Noted. Send more, or tap “Done”.",
    "report.noted_media": "Received {count} file(s). Send more, or tap “Done”.",
    "report.kept_media": "The file was kept with the report.",
    "report.empty_description": "The report has no text yet. Please type a few lines describing it.",
    "report.ask_severity": "Step 4/7. How pressing is it?",
    "severity.normal": "Normal",
    "severity.pressing": "Pressing",
    "severity.urgent": "Urgent — risk of a hot spot",
    "report.ask_people": "Step 5/7. Roughly how many people are affected or concerned?",
    "people.household": "A few households",
    "people.hamlet": "A whole hamlet or quarter",
    "people.commune": "A whole commune or ward",
    "people.wider": "Wider",
    "report.ask_source": "Step 6/7. Where did you hear it?",
    "source.direct": "Directly from people",
    "source.meeting": "At a meeting",
    "source.social": "Social media",
    "source.petition": "A petition or letter",
    "source.observed": "My own observation",
    "report.ask_citizen_q": "Record the citizen who raised it (name, contact)?",
    "report.citizen_none": "No",
    "report.citizen_add": "Yes, record",
    "report.ask_citizen": "Name and contact of the citizen who raised it:",
    "report.ask_confidential": "Must this person's identity stay confidential? (If so, only the leaders who "
    "own the issue can see it, and it never appears in any export.)",
    "report.confidential_yes": "Yes, keep it confidential",
    "report.confidential_no": "No need",
    "report.similar": "An open issue may be the same matter:\n{lines}\nAdd your report to it, or file a "
    "new issue?",
    "report.similar_line": "#{number} — {category}, {place}, {date}, {reports} report(s)",
    "report.add_to": "Add to #{number}",
    "report.new_issue": "New issue",
    "report.summary": "Step 7/7. Please check your report:\n\nCategory: {category}\nUnit: {unit}\n"
    "Place: {place}\nLocation: {location}\nWhat happened: {description}\nAttachments: {attachments}\n"
    "How pressing: {severity}\nPeople: {people}\nSource: {source}\nCitizen: {citizen}\n{target}",
    "report.summary_new": "A new issue will be filed.",
    "report.summary_add": "It will be added to issue #{number}.",
    "report.none": "(none)",
    "report.location_yes": "shared",
    "report.citizen_secret": "{citizen} (confidential)",
    "report.confirm": "✔ Send the report",
    "report.change": "✎ Change something",
    "report.ask_change": "What would you like to change?",
    "field.category": "Category",
    "field.unit": "Unit",
    "field.place": "Place",
    "field.describe": "What happened",
    "field.severity": "How pressing",
    "field.people": "People",
    "field.source": "Source",
    "report.filed": "Report received. Issue #{number}.\n{who}\nTo be acknowledged by {ack_due}, handled by "
    "{handle_due}.\nYou will be told the outcome. To add information, reply to this message or type "
    "/add {number}.",
    "report.filed_who": "The leaders of {unit} will review it.",
    "report.added": "Your report was added to issue #{number} ({reports} reports). You will be told the "
    "outcome.",
    "report.practice_done": "[PRACTICE] Well done! A real report would now be filed and the leaders told. "
    "This practice run was not sent and nobody was notified.",
    "report.category_gone": "The chosen category no longer exists. Please choose again.",
    "report.draft_open": "You have a report in progress. Continue it, or discard it and start again?",
    "report.resume": "Continue",
    "report.discard": "Discard the old one",
    "report.draft_reminder": "You have a report in progress. Continue now (/report) or type /cancel to drop it.",
    "report.draft_discarded": "Your unfinished report from {date} was older than {days} days and has been "
    "discarded. If it is still needed, please file it again (/report).",
    "my.header": "Your reports (page {page}/{pages}):",
    "my.none": "You have no reports yet. Tap “New report” to start.",
    "my.line": "#{number} {category} — {state}",
    "my.thread_header": "Issue #{number}: {title}\n{category} — {unit}\nState: {state}",
    "my.thread_line": "{date}: {text}",
    "my.thread_empty": "No updates yet.",
    "state.new": "New",
    "state.acknowledged": "Acknowledged",
    "state.assigned": "Assigned",
    "state.resolved": "Resolved",
    "state.closed": "Closed",
    "state.reopened": "Reopened",
    "state.duplicate": "Duplicate",
    "state.closed_without_action": "Closed without action",
    "state.withdrawn": "Withdrawn",
    "entry.report": "Report by a member",
    "entry.addition": "Additional information: {body}",
    "entry.withdrawn": "The member withdrew the report.",
    "entry.state": "State changed: {state}",
    "entry.comment": "{body}",
    "add.ask": "Send what to add to issue #{number} (text, photos, files), then tap “Done”.",
    "add.done": "Added to issue #{number}.",
    "add.nothing": "Nothing was added; nothing changed.",
    "add.usage": "Usage: /add issue_number [text], e.g. /add 12 Five more households have no power.",
    "issue.not_found": "Issue #{number} was not found, or you may not see it.",
    "issue.closed_for_additions": "Issue #{number} has ended ({state}); nothing can be added.",
    "withdraw.usage": "Usage: /withdraw issue_number, e.g. /withdraw 12.",
    "withdraw.done": "Your report was withdrawn from issue #{number}. It stays on record.",
    "withdraw.too_late": "Your report on issue #{number} can no longer be withdrawn: more than {hours} hours "
    "have passed or a leader has acted. You can add information with /add {number}.",
    "reply.no_issue": "The message you replied to is not about an issue. Type /my to see your issues.",
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
