"""Texts for self-service: one's own phone number, asking to leave the group."""

VI: dict[str, str] = {
    "cmd.phone": "Xem hoặc sửa số điện thoại của mình",
    "cmd.leave": "Xin thôi tham gia Tổ dư luận xã hội",
    "phone.current": "Số điện thoại hệ thống đang lưu cho đồng chí: {phone}.\nĐể sửa, đồng chí gõ /phone kèm số "
    "mới, ví dụ: /phone 0905 123 456",
    "phone.bad": "Số này không phải số di động Việt Nam hợp lệ (10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09; "
    "có thể viết +84). Đồng chí vui lòng gõ lại, ví dụ: /phone 0905 123 456",
    "phone.saved": "Đã lưu số điện thoại của đồng chí: {phone}.",
    "leave.sent": "Đã gửi đề nghị thôi tham gia của đồng chí tới lãnh đạo {unit}. Trong khi chờ lãnh đạo xem xét, "
    "đồng chí vẫn là thành viên và vẫn dùng hệ thống như thường.",
    "leave.pending": "Đồng chí đã gửi đề nghị thôi tham gia ngày {date}; đề nghị đang chờ lãnh đạo xem xét.",
    "leave.no_leader": "Đơn vị của đồng chí chưa có lãnh đạo trên hệ thống để xem xét đề nghị. Đồng chí vui lòng "
    "liên hệ quản trị viên.",
    "leave.ask_leader": "Đồng chí {name} ({unit}) đề nghị thôi tham gia Tổ dư luận xã hội. Nếu đồng chí đồng ý, "
    "tài khoản của thành viên này sẽ ngừng hoạt động và các vụ việc đang giao cho thành viên này trở về lãnh đạo.",
    "leave.approve": "Đồng ý",
    "leave.refuse": "Không đồng ý",
    "leave.approved_member": "Lãnh đạo đã đồng ý đề nghị thôi tham gia của đồng chí. Cảm ơn đồng chí đã đóng góp "
    "cho công tác dư luận xã hội.",
    "leave.refused_member": "Lãnh đạo chưa đồng ý đề nghị thôi tham gia của đồng chí; đồng chí vẫn là thành viên. "
    "Nếu cần, đồng chí vui lòng trao đổi trực tiếp với lãnh đạo đơn vị.",
    "leave.approved_leader": "Đã đồng ý: đồng chí {name} thôi tham gia; các vụ việc đang giao đã trở về lãnh đạo.",
    "leave.refused_leader": "Đã ghi nhận: không đồng ý đề nghị thôi tham gia của đồng chí {name}.",
    "leave.decided": "Đề nghị của đồng chí {name} đã được xem xét trước đó.",
    "guide.member": "Báo cáo thế nào cho tốt:\n"
    "• Một báo cáo cho một việc: việc gì, ở đâu, từ khi nào, bao nhiêu người quan tâm.\n"
    "• Ghi đúng điều người dân nói; ý kiến của đồng chí ghi riêng. Ảnh, tin nhắn thoại, tệp đều gửi kèm được.\n"
    "• Việc gấp, có nguy cơ thành điểm nóng thì chọn mức “Khẩn cấp”: lãnh đạo được báo ngay, cả ban đêm.\n"
    "Sau khi gửi: lãnh đạo đơn vị tiếp nhận, giao người xử lý và báo kết quả lại cho đồng chí; xem tình hình "
    "bằng /my, bổ sung bằng /add.\n"
    "Ai thấy báo cáo: lãnh đạo đơn vị của đồng chí và cấp trên; thành viên khác không thấy. Nếu đồng chí chọn "
    "giữ bí mật nguồn tin, chỉ lãnh đạo đơn vị phụ trách thấy tên và số điện thoại người cung cấp.\n"
    "Muốn thử trước? Gõ /practice: báo cáo tập, không gửi đi đâu.",
    "guide.leader": "Việc của lãnh đạo:\n"
    "• Báo cáo khẩn cấp đến ngay; mỗi sáng 07:00 có bản tổng hợp (mới, quá hạn, chờ xử lý).\n"
    "• Mở một vụ việc bằng /issue số, rồi chọn: tiếp nhận, giao xử lý, ghi ý kiến, báo kết quả. Trả lời thẳng "
    "vào tin nhắn về vụ việc cũng được.\n"
    "• Kết quả xử lý được gửi tới mọi người đã báo cáo; hai tuần sau hệ thống hỏi lại họ đã ổn chưa.\n"
    "• Ý kiến nội bộ (/comment) chỉ lãnh đạo thấy; người báo cáo chỉ nhận điều đồng chí chọn gửi họ.\n"
    "• /invite mời thành viên vào đơn vị mình hoặc đơn vị cấp dưới; /round, /topics cho đợt nắm tình hình "
    "định kỳ; /briefing cho báo cáo tổng hợp.",
    "guide.admin": "Việc của quản trị viên: mời người dùng (/invite, mọi vai trò, mọi đơn vị), theo dõi người "
    "không nhận được tin (/unreachable); danh sách đơn vị và thành viên nhập bằng lệnh dlxh trên máy chủ.",
}

EN: dict[str, str] = {
    "cmd.phone": "See or correct your phone number",
    "cmd.leave": "Ask to leave the public-opinion group",
    "phone.current": "The phone number on record for you: {phone}.\nTo change it, type /phone and the new number, "
    "for example: /phone 0905 123 456",
    "phone.bad": "That is not a valid Vietnamese mobile number (10 digits starting with 03, 05, 07, 08 or 09; +84 "
    "is fine). Please type it again, for example: /phone 0905 123 456",
    "phone.saved": "Your phone number is saved: {phone}.",
    "leave.sent": "Your request to leave has gone to the leaders of {unit}. Until they decide you remain a member "
    "and can use the bot as usual.",
    "leave.pending": "You asked to leave on {date}; the request is waiting for the leaders' decision.",
    "leave.no_leader": "Your unit has no leader on the system to decide on the request. Please contact the "
    "administrator.",
    "leave.ask_leader": "{name} ({unit}) asks to leave the public-opinion group. If you approve, their account "
    "stops and the matters assigned to them return to the leaders.",
    "leave.approve": "Approve",
    "leave.refuse": "Refuse",
    "leave.approved_member": "The leaders approved your request to leave. Thank you for your work for the group.",
    "leave.refused_member": "The leaders did not approve your request to leave; you remain a member. If need be, "
    "please talk to your unit's leaders.",
    "leave.approved_leader": "Approved: {name} has left; the matters assigned to them have returned to the leaders.",
    "leave.refused_leader": "Noted: the request of {name} to leave is refused.",
    "leave.decided": "The request of {name} was already decided.",
    "guide.member": "How to report well:\n"
    "• One report per matter: what, where, since when, how many people care.\n"
    "• Write down what people say; your own view separately. Photos, voice messages and files can go with it.\n"
    "• If it is pressing and could flare up, choose “Urgent”: the leaders are alerted at once, even at night.\n"
    "After you send it: your unit's leaders take it up, assign it and tell you the outcome; follow it with /my, "
    "add to it with /add.\n"
    "Who sees it: the leaders of your unit and the units above; other members do not. If you keep the source "
    "confidential, only the responsible unit's leaders see the informant's name and phone.\n"
    "Want to try first? Type /practice: a practice report that goes nowhere.",
    "guide.leader": "A leader's work:\n"
    "• Urgent reports arrive at once; every morning at 07:00 a digest (new, overdue, waiting).\n"
    "• Open a matter with /issue and its number, then choose: acknowledge, assign, comment, report the outcome. "
    "Replying to a message about a matter works too.\n"
    "• The outcome goes to everyone who reported it; two weeks later they are asked whether it really is "
    "resolved.\n"
    "• Internal comments (/comment) are for leaders only; reporters receive only what you choose to send them.\n"
    "• /invite brings members into your unit or a unit below it; /round and /topics for the periodic round; "
    "/briefing for the briefing pack.",
    "guide.admin": "An administrator's work: invite people (/invite, any role, any unit) and follow those who do "
    "not receive messages (/unreachable); units and members are imported with the dlxh command on the server.",
}
