"""Texts of the scheduled follow-ups: digests, deadline reminders, escalation, the "really resolved?" check."""

VI: dict[str, str] = {
    "digest.header": "Tổng hợp hằng ngày {date} — {unit}",
    "digest.new": "Mới từ lần trước ({count}):",
    "digest.overdue": "Quá hạn ({count}):",
    "digest.waiting": "Chờ đồng chí quyết định ({count}):",
    "digest.escalated": "Chuyển lên từ cấp dưới ({count}):",
    "digest.resolved": "Đã xử lý từ lần trước ({count}):",
    "digest.line": "• #{number} {icon}{title} — {state} /issue_{number}",
    "digest.more": "… và {count} vụ việc khác (/open)",
    "digest.footer": "Trả lời tin nhắn này bằng “số: nội dung” (ví dụ “12: đã giao Điện lực”) để xử lý một vụ việc.",
    "weekly.header": "Tổng hợp tuần {start} – {end} — {unit}",
    "weekly.by_category": "Theo lĩnh vực:",
    "weekly.by_unit": "Theo đơn vị:",
    "weekly.line": "• {name}: {count}",
    "weekly.on_time": "Tỷ lệ xử lý đúng hạn: {share} ({on_time}/{total} vụ việc đã xử lý trong tuần).",
    "weekly.on_time_none": "Tỷ lệ xử lý đúng hạn: chưa có vụ việc nào được xử lý trong tuần.",
    "followup.ack_overdue": "⏰ Vụ việc #{number} ({title}) đã quá hạn tiếp nhận ({due}). Đề nghị đồng chí tiếp nhận "
    "hoặc giao xử lý.",
    "followup.handle_overdue": "⏰ Vụ việc #{number} ({title}) đã quá hạn xử lý ({due}). Đề nghị đồng chí cập nhật "
    "tiến độ hoặc kết quả.",
    "followup.escalated": "⬆ Vụ việc #{number} ({title}) quá hạn xử lý từ {due} chưa có kết quả, được chuyển lên "
    "{unit} để chỉ đạo.",
    "followup.escalated_entry": "Chuyển lên {unit} do quá hạn xử lý",
    "check.ask": "Vụ việc #{number} ({title}) đã được báo là xử lý xong ngày {date}.\nKết quả: {resolution}\n\n"
    "Theo đồng chí, vụ việc đã thực sự được giải quyết chưa?",
    "check.reminder": "Nhắc lại: vụ việc #{number} ({title}) đã thực sự được giải quyết chưa? Đồng chí bấm một nút "
    "bên dưới.",
    "check.resolved": "Đã giải quyết",
    "check.partly": "Mới một phần",
    "check.not_yet": "Chưa",
    "check.thanks_closed": "Cảm ơn đồng chí. Vụ việc #{number} được đóng lại.",
    "check.thanks": "Cảm ơn đồng chí đã xác nhận.",
    "check.thanks_reopened": "Cảm ơn đồng chí. Vụ việc #{number} được mở lại và lãnh đạo đã được báo.",
    "check.not_open": "Câu hỏi này không còn hiệu lực (vụ việc #{number} đã được cập nhật).",
    "check.entry": "Người báo cáo trả lời “{answer}”",
    "check.reopened_alert": "Người báo cáo cho biết vụ việc #{number} ({title}) chưa được giải quyết ({answer}). "
    "Vụ việc được mở lại.",
    "unreachable.header": "Thành viên không liên lạc được ({count}):",
    "unreachable.line": "• {name} — {unit} ({reason})",
    "unreachable.none": "Tất cả thành viên đều liên lạc được.",
    "unreachable.never_joined": "chưa tham gia",
    "unreachable.blocked": "đã chặn bot",
    "cmd.unreachable": "Thành viên không liên lạc được",
}

EN: dict[str, str] = {
    "digest.header": "Daily digest {date} — {unit}",
    "digest.new": "New since the last digest ({count}):",
    "digest.overdue": "Overdue ({count}):",
    "digest.waiting": "Waiting for your decision ({count}):",
    "digest.escalated": "Escalated from below ({count}):",
    "digest.resolved": "Resolved since the last digest ({count}):",
    "digest.line": "• #{number} {icon}{title} — {state} /issue_{number}",
    "digest.more": "… and {count} more (/open)",
    "digest.footer": "Reply to this message with “number: text” (e.g. “12: assigned to the power company”) to act "
    "on an issue.",
    "weekly.header": "Weekly summary {start} – {end} — {unit}",
    "weekly.by_category": "By category:",
    "weekly.by_unit": "By unit:",
    "weekly.line": "• {name}: {count}",
    "weekly.on_time": "Handled on time: {share} ({on_time}/{total} issues resolved this week).",
    "weekly.on_time_none": "Handled on time: no issue was resolved this week.",
    "followup.ack_overdue": "⏰ Issue #{number} ({title}) was due to be acknowledged by {due}. Please acknowledge or "
    "assign it.",
    "followup.handle_overdue": "⏰ Issue #{number} ({title}) was due to be handled by {due}. Please post progress or "
    "the outcome.",
    "followup.escalated": "⬆ Issue #{number} ({title}) has been overdue since {due} without an outcome and is "
    "escalated to {unit}.",
    "followup.escalated_entry": "Escalated to {unit}: handling overdue",
    "check.ask": "Issue #{number} ({title}) was reported resolved on {date}.\nOutcome: {resolution}\n\nIs it really "
    "resolved?",
    "check.reminder": "Reminder: is issue #{number} ({title}) really resolved? Please tap a button below.",
    "check.resolved": "Resolved",
    "check.partly": "Partly",
    "check.not_yet": "Not yet",
    "check.thanks_closed": "Thank you. Issue #{number} is now closed.",
    "check.thanks": "Thank you for confirming.",
    "check.thanks_reopened": "Thank you. Issue #{number} is reopened and the leaders have been told.",
    "check.not_open": "This question no longer applies (issue #{number} has changed).",
    "check.entry": "A reporter answered “{answer}”",
    "check.reopened_alert": "A reporter says issue #{number} ({title}) is not resolved ({answer}). The issue is "
    "reopened.",
    "unreachable.header": "Members the bot cannot reach ({count}):",
    "unreachable.line": "• {name} — {unit} ({reason})",
    "unreachable.none": "Every member can be reached.",
    "unreachable.never_joined": "never joined",
    "unreachable.blocked": "blocked the bot",
    "cmd.unreachable": "Members the bot cannot reach",
}
