"""Texts of deadline extensions (gia hạn): the request, the leaders' decision, the notices and thread entries."""

VI: dict[str, str] = {
    "btn.extend": "Xin gia hạn",
    "cmd.extend": "Xin gia hạn xử lý: /extend số",
    "extend.usage": "Gõ /extend kèm số vụ việc, ví dụ: /extend 12. Có thể gõ luôn ngày và lý do, ví dụ: "
    "/extend 12 {example} chờ vật tư.",
    "extend.ask_date": "Xin gia hạn vụ việc #{number}. Hạn xử lý hiện tại: {due}.\nĐồng chí gõ ngày xin gia hạn "
    "đến, dạng ngày/tháng hoặc ngày/tháng/năm (ví dụ: {example}); hạn mới là cuối giờ làm việc của ngày đó.",
    "extend.ask_reason": "Hạn đề nghị: {due}. Đồng chí gõ lý do xin gia hạn (lý do gửi tới lãnh đạo, không gửi "
    "tới người báo cáo).",
    "extend.bad_date": "Hệ thống chưa đọc được ngày “{text}”. Đồng chí vui lòng gõ theo dạng ngày/tháng hoặc "
    "ngày/tháng/năm, ví dụ: {example}.",
    "extend.too_early": "Ngày xin gia hạn phải sau hạn xử lý hiện tại ({due}). Đồng chí vui lòng gõ ngày khác.",
    "extend.too_late": "Mỗi lần chỉ xin gia hạn được tối đa {days} ngày kể từ hôm nay (đến hết ngày {last}). "
    "Đồng chí vui lòng gõ ngày sớm hơn.",
    "extend.empty_reason": "Đồng chí vui lòng gõ lý do xin gia hạn.",
    "extend.pending": "Vụ việc #{number} đã có đề nghị gia hạn đến {due} (gửi lúc {asked}) đang chờ lãnh đạo "
    "quyết định.",
    "extend.no_leader": "Chưa có lãnh đạo nào trên hệ thống có thể quyết định gia hạn vụ việc #{number}, nên "
    "chưa gửi được đề nghị. Đồng chí vui lòng báo quản trị viên.",
    "extend.sent": "Đã gửi đề nghị gia hạn vụ việc #{number} đến {due} tới {count} lãnh đạo. Đồng chí sẽ được "
    "báo khi có quyết định.",
    "extend.sent_held": "Đề nghị gia hạn vụ việc #{number} đến {due} sẽ gửi tới {count} lãnh đạo lúc {time} "
    "(giờ nghỉ). Đồng chí sẽ được báo khi có quyết định.",
    "extend.ask_leader": "⏳ Đề nghị gia hạn vụ việc #{number}: {title}\nNgười đề nghị: {name}\nHạn xử lý hiện "
    "tại: {old_due}\nĐề nghị gia hạn đến: {new_due}\nLý do: {reason}\n\nĐồng chí bấm “Đồng ý gia hạn” hoặc "
    "“Không đồng ý”.",
    "extend.ask_leader@zalo": "⏳ Đề nghị gia hạn vụ việc #{number}: {title}\nNgười đề nghị: {name}\nHạn xử lý "
    "hiện tại: {old_due}\nĐề nghị gia hạn đến: {new_due}\nLý do: {reason}\n\nĐồng chí trả lời bằng số thứ tự của "
    "lựa chọn bên dưới.",
    "extend.approve": "Đồng ý gia hạn",
    "extend.refuse": "Không đồng ý",
    "extend.approved_leader": "Đã gia hạn vụ việc #{number}: hạn xử lý mới {due}. Đã gửi thông báo tới người "
    "đề nghị và {count} người báo cáo.",
    "extend.approved_leader_held": "Đã gia hạn vụ việc #{number}: hạn xử lý mới {due}. Thông báo tới người đề "
    "nghị và {count} người báo cáo sẽ gửi lúc {time} (giờ nghỉ).",
    "extend.refused_leader": "Đã không đồng ý gia hạn vụ việc #{number}; hạn xử lý giữ nguyên {due}. Người đề "
    "nghị sẽ được báo.",
    "extend.approved_member": "✅ Đề nghị gia hạn vụ việc #{number} đã được đồng ý: hạn xử lý mới {due}.",
    "extend.refused_member": "Đề nghị gia hạn vụ việc #{number} (đến {asked}) không được đồng ý; hạn xử lý giữ "
    "nguyên {due}.",
    "extend.decided": "Đề nghị gia hạn vụ việc #{number} đã có quyết định trước đó ({outcome}), nên không cần "
    "quyết định nữa.",
    "extend.outcome.approved": "đã đồng ý",
    "extend.outcome.refused": "không đồng ý",
    "extend.outcome.lapsed": "không còn hiệu lực",
    "extend.lapsed": "Đề nghị gia hạn vụ việc #{number} không còn hiệu lực: vụ việc đang ở trạng thái “{state}”, "
    "hạn xử lý {due}.",
    "extend.own_request": "Đồng chí là người đề nghị gia hạn nên không tự quyết định được; đề nghị đã gửi tới "
    "lãnh đạo khác.",
    "notice.extended": "Vụ việc #{number} ({title}): hạn xử lý mới: {due}.",
    "entry.extension_asked": "Xin gia hạn xử lý. Lý do: {text}",
    "entry.extension": "Gia hạn xử lý, hạn mới: {text}",
    "entry.extension_refused": "Không đồng ý gia hạn xử lý (đề nghị đến {text})",
}

EN: dict[str, str] = {
    "btn.extend": "Ask for more time",
    "cmd.extend": "Ask for a later deadline: /extend number",
    "extend.usage": "Type /extend and the issue number, e.g. /extend 12. You may add the date and the reason at "
    "once, e.g. /extend 12 {example} waiting for materials.",
    "extend.ask_date": "Extension for issue #{number}. Current handling deadline: {due}.\nType the date you ask "
    "for, as day/month or day/month/year (e.g. {example}); the new deadline is the end of that working day.",
    "extend.ask_reason": "Deadline asked for: {due}. Type the reason (it goes to the leaders, not to the "
    "reporters).",
    "extend.bad_date": "The date “{text}” could not be read. Please type it as day/month or day/month/year, "
    "e.g. {example}.",
    "extend.too_early": "The date must be after the current handling deadline ({due}). Please type another date.",
    "extend.too_late": "An extension may reach at most {days} days from today (until the end of {last}). Please "
    "type an earlier date.",
    "extend.empty_reason": "Please type the reason for the extension.",
    "extend.pending": "Issue #{number} already has an extension to {due} (asked at {asked}) waiting for the "
    "leaders' decision.",
    "extend.no_leader": "No leader on the system can decide an extension of issue #{number}, so the request "
    "was not sent. Please tell an administrator.",
    "extend.sent": "Your extension of issue #{number} to {due} was sent to {count} leader(s). You will be told "
    "their decision.",
    "extend.sent_held": "Your extension of issue #{number} to {due} will go to {count} leader(s) at {time} "
    "(quiet hours). You will be told their decision.",
    "extend.ask_leader": "⏳ Extension asked for issue #{number}: {title}\nAsked by: {name}\nCurrent handling "
    "deadline: {old_due}\nAsked for: {new_due}\nReason: {reason}\n\nTap “Approve” or “Refuse”.",
    "extend.ask_leader@zalo": "⏳ Extension asked for issue #{number}: {title}\nAsked by: {name}\nCurrent "
    "handling deadline: {old_due}\nAsked for: {new_due}\nReason: {reason}\n\nAnswer with the number of an "
    "option below.",
    "extend.approve": "Approve",
    "extend.refuse": "Refuse",
    "extend.approved_leader": "Issue #{number} extended: new handling deadline {due}. The requester and "
    "{count} reporter(s) were sent a notice.",
    "extend.approved_leader_held": "Issue #{number} extended: new handling deadline {due}. The notice to the "
    "requester and {count} reporter(s) will go at {time} (quiet hours).",
    "extend.refused_leader": "Extension of issue #{number} refused; the handling deadline stays {due}. The "
    "requester will be told.",
    "extend.approved_member": "✅ Your extension of issue #{number} was approved: new handling deadline {due}.",
    "extend.refused_member": "Your extension of issue #{number} (to {asked}) was refused; the handling deadline "
    "stays {due}.",
    "extend.decided": "The extension of issue #{number} was decided already ({outcome}); nothing more to do.",
    "extend.outcome.approved": "approved",
    "extend.outcome.refused": "refused",
    "extend.outcome.lapsed": "no longer applies",
    "extend.lapsed": "The extension of issue #{number} no longer applies: the issue is “{state}”, handling "
    "deadline {due}.",
    "extend.own_request": "You asked for this extension, so you cannot decide it yourself; it went to other "
    "leaders.",
    "notice.extended": "Issue #{number} ({title}): new handling deadline: {due}.",
    "entry.extension_asked": "Extension asked. Reason: {text}",
    "entry.extension": "Deadline extended, new deadline: {text}",
    "entry.extension_refused": "Extension refused (asked until {text})",
}
