"""Zalo's wording of texts that name a Telegram gesture: Zalo has no buttons (people answer with the number or the
words of a numbered line), no replies to a message, and no /start links (the invite code is sent as it is).
A key ``<key>@zalo`` replaces ``<key>`` in a chat on Zalo (see ``bot.core.texts.for_channel``); its fields are the same."""

VI: dict[str, str] = {
    "error.choose_again@zalo": "Đồng chí vui lòng trả lời bằng số thứ tự của một mục bên dưới (hoặc gõ đúng chữ "
    "của mục đó):",
    "stranger.refuse@zalo": "Xin chào. Đây là hệ thống nội bộ của Tổ dư luận xã hội; chỉ thành viên được mời mới "
    "sử dụng được. Nếu đồng chí có mã mời, vui lòng gửi mã mời (10 ký tự) trong tin nhắn đầu tiên.",
    "help.stranger@zalo": "Đây là hệ thống nội bộ của Tổ dư luận xã hội. Để tham gia, đồng chí cần mã mời: gửi mã "
    "mời (10 ký tự) trong một tin nhắn.\n/help — hướng dẫn",
    "invite.ask_name@zalo": "Họ tên người được mời (hoặc trả lời “Bỏ qua”):",
    "report.ask_place@zalo": "Địa điểm cụ thể (thôn, ấp, khu phố, tuyến đường…)? Gõ vào, hoặc trả lời “Bỏ qua”.",
    "report.ask_describe@zalo": "Bước 3/7. Người dân đang nói gì, sự việc thế nào? Đồng chí gõ nội dung; có thể "
    "gửi kèm ảnh, tin nhắn thoại, tệp. Gửi xong trả lời “Xong”.",
    "report.noted@zalo": "Đã ghi nhận. Đồng chí gửi thêm hoặc trả lời “Xong”.",
    "report.noted_media@zalo": "Đã nhận {count} tệp. Đồng chí gửi thêm hoặc trả lời “Xong”.",
    "report.filed@zalo": "Đã tiếp nhận báo cáo. Vụ việc số #{number}.\n{who}\nHạn tiếp nhận: {ack_due}. "
    "Hạn xử lý: {handle_due}.\nĐồng chí sẽ được thông báo khi có kết quả. Để bổ sung thông tin, đồng chí "
    "gõ /add {number}.",
    "add.ask@zalo": "Đồng chí gửi nội dung bổ sung cho vụ việc #{number} (chữ, ảnh, tệp), gửi xong trả lời “Xong”.",
    "act.ask_evidence_files@zalo": "Đồng chí gửi ảnh hoặc tài liệu, gửi xong trả lời “Xong”.",
    "my.none@zalo": "Đồng chí chưa có báo cáo nào. Gõ /report để bắt đầu.",
    "group.code@zalo": "Mã liên kết nhóm của {unit}: {code} (dùng một lần, hết hạn lúc {until}).\nZalo không cho "
    "bot tham gia nhóm: trên Zalo, đồng chí tiếp tục nhận mọi cảnh báo trong tin nhắn riêng. Mã này dùng để liên "
    "kết một nhóm Telegram: trong nhóm đó, một lãnh đạo dùng Telegram gõ /group link {code}",
}

EN: dict[str, str] = {
    "error.choose_again@zalo": "Please answer with the number of one of the options below (or type its words):",
    "stranger.refuse@zalo": "Hello. This is the internal system of the public-opinion group; only invited members "
    "can use it. If you have an invite code, please send the code (10 characters) as your first message.",
    "help.stranger@zalo": "This is the internal system of the public-opinion group. You need an invite code to "
    "join: send the code (10 characters) in a message.\n/help — this guide",
    "invite.ask_name@zalo": "Full name of the invited person (or answer “Skip”):",
    "report.ask_place@zalo": "The exact place (hamlet, quarter, road…)? Type it, or answer “Skip”.",
    "report.ask_describe@zalo": "Step 3/7. What are people saying, what happened? Type it; you may add photos, "
    "voice messages and files. Answer “Done” when finished.",
    "report.noted@zalo": "Noted. Send more, or answer “Done”.",
    "report.noted_media@zalo": "Received {count} file(s). Send more, or answer “Done”.",
    "report.filed@zalo": "Report received. Issue #{number}.\n{who}\nTo be acknowledged by {ack_due}, handled by "
    "{handle_due}.\nYou will be told the outcome. To add information, type /add {number}.",
    "add.ask@zalo": "Send what to add to issue #{number} (text, photos, files), then answer “Done”.",
    "act.ask_evidence_files@zalo": "Send photos or documents, then answer “Done”.",
    "my.none@zalo": "You have no reports yet. Type /report to start.",
    "group.code@zalo": "Group link code of {unit}: {code} (single use, expires at {until}).\nZalo does not let "
    "bots join groups: on Zalo you keep receiving every alert in private. This code links a Telegram group: in "
    "that group, a leader on Telegram types /group link {code}",
}
