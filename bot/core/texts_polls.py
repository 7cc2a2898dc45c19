"""Texts of quick polls (thăm dò nhanh): the leader's set-up, the member's answer, the results."""

VI: dict[str, str] = {
    "cmd.poll": "Thăm dò nhanh ý kiến thành viên (/poll N: xem kết quả)",
    "poll.usage": "Gõ /poll để tạo cuộc thăm dò mới, hoặc /poll N để xem kết quả cuộc thăm dò số N.",
    "poll.not_found": "Không có cuộc thăm dò số {id} trong phạm vi của đồng chí.",
    "poll.ask_question": "Thăm dò nhanh (1/4): đồng chí gõ câu hỏi muốn hỏi các thành viên (tối đa 300 ký tự).",
    "poll.ask_options": "Thăm dò nhanh (2/4): gõ các phương án trả lời, mỗi dòng một phương án (từ {min} đến "
    "{max} phương án).",
    "poll.bad_options": "Cần từ {min} đến {max} phương án khác nhau, mỗi dòng một phương án. Đồng chí vui lòng gõ lại.",
    "poll.ask_other": "Thăm dò nhanh (3/4): có cho thành viên trả lời “Khác” bằng ý kiến riêng không?",
    "poll.other_yes": "Có",
    "poll.other_no": "Không",
    "poll.ask_closes": "Thăm dò nhanh (4/4): khi nào kết thúc? Chọn bên dưới, hoặc gõ giờ và ngày (ví dụ: "
    "17:00 25/11).",
    "poll.close_h2": "Sau 2 giờ",
    "poll.close_d1": "17:00 ngày mai",
    "poll.close_d3": "17:00 sau 3 ngày",
    "poll.close_d7": "17:00 sau 7 ngày",
    "poll.bad_time": "Hệ thống chưa đọc được thời gian này. Đồng chí vui lòng gõ theo dạng giờ:phút ngày/tháng "
    "(ví dụ: 17:00 25/11).",
    "poll.time_out_of_range": "Thời điểm kết thúc phải sau ít nhất 15 phút và không quá 60 ngày kể từ bây giờ.",
    "poll.closes_before_morning": "Đang trong giờ nghỉ: thăm dò chỉ đến thành viên lúc {morning}. Đồng chí "
    "vui lòng chọn thời điểm kết thúc muộn hơn.",
    "poll.preview": "Xem lại cuộc thăm dò gửi đến các thành viên của {unit}:\n\n{question}\n{options}\n\nKết thúc "
    "lúc {closes}. Thành viên chỉ thấy câu hỏi; đồng chí chỉ thấy số lượng, không thấy ai chọn gì.",
    "poll.send": "Gửi thăm dò",
    "poll.no_members": "Đơn vị của đồng chí chưa có thành viên nào nhận được tin nhắn, nên chưa gửi được thăm dò.",
    "poll.sent": "Đã gửi thăm dò số {id} đến {count} thành viên. Kết thúc lúc {closes}. Xem kết quả: /poll {id}",
    "poll.sent_more": "Đã bắt đầu gửi thăm dò số {id} ({count} thành viên đầu tiên; hệ thống gửi tiếp phần còn "
    "lại). Kết thúc lúc {closes}. Xem kết quả: /poll {id}",
    "poll.prompt": "📊 Thăm dò nhanh của {unit}:\n{question}\n\nĐồng chí chọn một phương án (hạn: {closes}); có "
    "thể đổi lại đến khi kết thúc. Câu trả lời chỉ được tổng hợp thành số liệu, không ai xem được đồng chí chọn gì.",
    "poll.other": "Khác",
    "poll.other_button": "Khác (ghi ý kiến riêng)",
    "poll.ask_other_text": "Đồng chí gõ ý kiến của mình (tối đa {limit} ký tự).",
    "poll.recorded": "Đã ghi nhận lựa chọn của đồng chí: “{option}”. Đồng chí có thể chọn lại để đổi, đến {closes}.",
    "poll.closed": "Cuộc thăm dò này đã kết thúc lúc {closes}; câu trả lời không được ghi nhận nữa.",
    "poll.results_header": "📊 Kết quả thăm dò số {id}: {question}",
    "poll.results_state": "{state} (kết thúc {closes}). Đã trả lời: {answered}/{total}.",
    "poll.state_open": "Đang diễn ra",
    "poll.state_closed": "Đã kết thúc",
    "poll.too_few": "Chưa đủ {min} câu trả lời nên chưa hiển thị kết quả theo phương án.",
    "poll.option_line": "{n}. {option}: {count} ({share})",
    "poll.by_unit": "Theo đơn vị (đơn vị dưới {min} câu trả lời được tính gộp vào đơn vị cấp trên):",
    "poll.unit_line": "• {unit} ({total}): {counts}",
    "poll.others": "Ý kiến khác:",
    "poll.privacy_note": "Chỉ có số lượng; không ai xem được từng thành viên chọn gì.",
}

EN: dict[str, str] = {
    "cmd.poll": "Quick poll of the members (/poll N: its results)",
    "poll.usage": "Type /poll to create a new poll, or /poll N to see the results of poll number N.",
    "poll.not_found": "There is no poll number {id} within your scope.",
    "poll.ask_question": "Quick poll (1/4): type the question to ask the members (at most 300 characters).",
    "poll.ask_options": "Quick poll (2/4): type the answers to choose from, one per line ({min} to {max}).",
    "poll.bad_options": "Please give {min} to {max} different answers, one per line.",
    "poll.ask_other": "Quick poll (3/4): may members answer “Other” in their own words?",
    "poll.other_yes": "Yes",
    "poll.other_no": "No",
    "poll.ask_closes": "Quick poll (4/4): when does it close? Choose below, or type a time and date (e.g. "
    "17:00 25/11).",
    "poll.close_h2": "In 2 hours",
    "poll.close_d1": "17:00 tomorrow",
    "poll.close_d3": "17:00 in 3 days",
    "poll.close_d7": "17:00 in 7 days",
    "poll.bad_time": "I could not read that time. Please type it as hour:minute day/month (e.g. 17:00 25/11).",
    "poll.time_out_of_range": "The closing time must be at least 15 minutes and at most 60 days from now.",
    "poll.closes_before_morning": "It is quiet time: the poll reaches the members only at {morning}. Please "
    "choose a later closing time.",
    "poll.preview": "Check the poll to the members of {unit}:\n\n{question}\n{options}\n\nCloses at {closes}. "
    "Members see only the question; you see only counts, never who chose what.",
    "poll.send": "Send the poll",
    "poll.no_members": "Your unit has no member the bot can reach yet, so the poll cannot be sent.",
    "poll.sent": "Poll number {id} sent to {count} member(s). It closes at {closes}. Results: /poll {id}",
    "poll.sent_more": "Poll number {id} is being sent (the first {count} members; the rest follow). It closes at "
    "{closes}. Results: /poll {id}",
    "poll.prompt": "📊 Quick poll from {unit}:\n{question}\n\nPlease choose one answer (by {closes}); you can change "
    "it until the poll closes. Answers are only counted: nobody can see what you chose.",
    "poll.other": "Other",
    "poll.other_button": "Other (in my own words)",
    "poll.ask_other_text": "Please type your answer (at most {limit} characters).",
    "poll.recorded": "Your answer is recorded: “{option}”. Choose again to change it, until {closes}.",
    "poll.closed": "This poll closed at {closes}; answers are no longer recorded.",
    "poll.results_header": "📊 Results of poll number {id}: {question}",
    "poll.results_state": "{state} (closes {closes}). Answered: {answered}/{total}.",
    "poll.state_open": "Open",
    "poll.state_closed": "Closed",
    "poll.too_few": "Fewer than {min} answers so far, so the results by answer are not shown yet.",
    "poll.option_line": "{n}. {option}: {count} ({share})",
    "poll.by_unit": "By unit (a unit with fewer than {min} answers is counted in the unit above it):",
    "poll.unit_line": "• {unit} ({total}): {counts}",
    "poll.others": "Other answers:",
    "poll.privacy_note": "Counts only; nobody can see what any member chose.",
}
