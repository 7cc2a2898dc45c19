"""Texts of a unit's leaders' group (/group): linking, what the group may read, acting from it."""

VI: dict[str, str] = {
    "cmd.group": "Nhóm lãnh đạo của đơn vị (/group code, /group status)",
    "group.usage_private": "Nhóm lãnh đạo của đơn vị:\n/group code — lấy mã liên kết một nhóm Telegram với đơn "
    "vị\n/group status — xem các nhóm đã liên kết và những gì còn thiếu\n/group unlink N — bỏ liên kết nhóm số N",
    "group.usage_group": "Trong nhóm: /group link MÃ — liên kết nhóm; /group status — tình trạng; /group unlink "
    "— bỏ liên kết.",
    "group.usage_unlink": "Đồng chí gõ /group unlink N, với N là số của nhóm trong /group status.",
    "group.no_unit": "Không có đơn vị mã “{code}” trong phạm vi của đồng chí.",
    "group.code": "Mã liên kết nhóm của {unit}: {code} (dùng một lần, hết hạn lúc {until}).\n1. Thêm bot vào "
    "nhóm Telegram của lãnh đạo; để mỗi vụ việc có một chủ đề riêng, bật Chủ đề (Topics) và cho bot làm quản trị "
    "viên.\n2. Trong nhóm, gõ: /group link {code}\nNhóm chỉ nhận nội dung chi tiết khi mọi người trong nhóm đều "
    "là lãnh đạo của đơn vị hoặc cấp trên.",
    "group.none_linked": "Đơn vị của đồng chí chưa liên kết nhóm nào. Gõ /group code để bắt đầu.",
    "group.not_a_group": "Chỉ liên kết được một nhóm (group) Telegram.",
    "group.not_linked": "Nhóm này chưa liên kết với đơn vị nào. Một lãnh đạo lấy mã bằng /group code trong tin "
    "nhắn riêng với bot, rồi gõ /group link MÃ tại đây.",
    "group.already_linked": "Nhóm này đã được liên kết. Gõ /group status để xem tình trạng.",
    "group.bad_code": "Mã liên kết không đúng, đã dùng hoặc đã hết hạn. Đồng chí lấy mã mới bằng /group code "
    "trong tin nhắn riêng với bot.",
    "group.not_leader": "Chỉ lãnh đạo của đơn vị hoặc cấp trên mới liên kết hoặc quản lý được nhóm này.",
    "group.linked": "Đã liên kết nhóm.",
    "group.unlinked": "Đã bỏ liên kết nhóm số {number}. Nhóm sẽ không nhận thêm thông tin nào.",
    "group.status": "Nhóm số {number} — liên kết với {unit}.\nChủ đề theo vụ việc: {topics}\nNội dung: {details}",
    "group.topics_on": "có (mỗi vụ việc một chủ đề).",
    "group.topics_need_admin": "chưa — cần cho bot làm quản trị viên nhóm (quyền quản lý chủ đề).",
    "group.topics_need_forum": "chưa — cần bật Chủ đề (Topics) cho nhóm và cho bot làm quản trị viên.",
    "group.details_full": "đầy đủ (mọi người trong nhóm đều là lãnh đạo của đơn vị hoặc cấp trên).",
    "group.details_short": "chỉ số và lĩnh vực của vụ việc, vì {reasons}. Xem chi tiết trong tin nhắn riêng.",
    "group.reason_others": "{count} người trong nhóm không phải lãnh đạo của đơn vị hoặc cấp trên",
    "group.reason_unseen": "{count} người trong nhóm hệ thống chưa xác định được (mỗi người cần gửi một tin "
    "nhắn trong nhóm)",
    "group.reason_not_admin": "bot chưa là quản trị viên nhóm nên không biết ai vào nhóm",
    "group.now_short": "Nhóm số {number} của {unit} từ nay chỉ nhận số và lĩnh vực của vụ việc, không nhận chi "
    "tiết, vì {reasons}. Khi trong nhóm chỉ còn lãnh đạo, nội dung đầy đủ sẽ trở lại.",
    "group.now_full": "Nhóm số {number} của {unit} từ nay lại nhận nội dung đầy đủ của vụ việc: mọi người "
    "trong nhóm đều là lãnh đạo của đơn vị hoặc cấp trên.",
    "group.removed": "Bot đã bị xóa khỏi nhóm số {number} của {unit}, nên liên kết nhóm đã được hủy. Đồng chí "
    "vẫn nhận mọi cảnh báo trong tin nhắn riêng.",
    "group.not_linked_short": "Nhóm này chưa liên kết với đơn vị nào.",
    "group.not_leader_tap": "Xin lỗi, chỉ lãnh đạo phụ trách vụ việc mới dùng được nút này.",
    "group.use_private": "Trong nhóm đang có người không phải lãnh đạo: đồng chí vui lòng xử lý trong tin nhắn "
    "riêng với bot.",
    "group.no_right": "Đồng chí không có quyền thực hiện việc này với vụ việc này.",
    "group.not_yours": "Bước này là của người khác, hoặc đã qua.",
    "group.not_here": "Vụ việc #{number} không thuộc nhóm này; đồng chí vui lòng xem trong tin nhắn riêng.",
    "group.short": "{header}\n\nVụ việc #{number} — {category}.\nChi tiết chỉ xem trong tin nhắn riêng với bot.",
    "group.open_private": "Mở trong tin nhắn riêng",
    "group.details_in_private": "Thẻ và diễn biến đầy đủ của vụ việc chỉ xem trong tin nhắn riêng với bot.",
    "group.digest_short": "📋 Tổng hợp ngày {date} — {unit}: {count} vụ việc cần chú ý.\n{lines}\nChi tiết xem "
    "trong tin nhắn riêng với bot.",
    "group.digest_line": "#{number} — {category}",
}

EN: dict[str, str] = {
    "cmd.group": "The unit's leaders' group (/group code, /group status)",
    "group.usage_private": "The unit's leaders' group:\n/group code — a code to link a Telegram group to the "
    "unit\n/group status — the linked groups and what is missing\n/group unlink N — unlink group number N",
    "group.usage_group": "In the group: /group link CODE — link the group; /group status — its state; /group "
    "unlink — unlink it.",
    "group.usage_unlink": "Please type /group unlink N, N being the group's number in /group status.",
    "group.no_unit": "There is no unit with code “{code}” in your scope.",
    "group.code": "Group link code of {unit}: {code} (single use, expires at {until}).\n1. Add the bot to the "
    "leaders' Telegram group; for a topic per issue, turn on Topics and make the bot an administrator.\n2. In the "
    "group, type: /group link {code}\nThe group receives details only while everyone in it is a leader of the unit "
    "or above.",
    "group.none_linked": "Your unit has no linked group yet. Type /group code to start.",
    "group.not_a_group": "Only a Telegram group can be linked.",
    "group.not_linked": "This group is not linked to any unit. A leader gets a code with /group code in a "
    "private chat with the bot, then types /group link CODE here.",
    "group.already_linked": "This group is linked already. Type /group status to see its state.",
    "group.bad_code": "The link code is wrong, used or expired. Please get a new one with /group code in a "
    "private chat with the bot.",
    "group.not_leader": "Only a leader of the unit or above can link or manage this group.",
    "group.linked": "The group is linked.",
    "group.unlinked": "Group number {number} is unlinked. It will receive nothing more.",
    "group.status": "Group number {number} — linked to {unit}.\nA topic per issue: {topics}\nContent: {details}",
    "group.topics_on": "yes (one topic per issue).",
    "group.topics_need_admin": "not yet — the bot needs to be a group administrator (managing topics).",
    "group.topics_need_forum": "not yet — turn on Topics for the group and make the bot an administrator.",
    "group.details_full": "full (everyone in the group is a leader of the unit or above).",
    "group.details_short": "only the number and category of each issue, because {reasons}. Details in private "
    "chat.",
    "group.reason_others": "{count} person(s) in the group are not leaders of the unit or above",
    "group.reason_unseen": "{count} person(s) in the group are not known to the system yet (each needs to send "
    "a message in the group)",
    "group.reason_not_admin": "the bot is not a group administrator, so it is not told who joins",
    "group.now_short": "Group number {number} of {unit} now receives only the number and category of issues, "
    "no details, because {reasons}. Full content returns when only leaders are in the group.",
    "group.now_full": "Group number {number} of {unit} receives full issue content again: everyone in it is a "
    "leader of the unit or above.",
    "group.removed": "The bot was removed from group number {number} of {unit}, so the group's link was "
    "dropped. You still receive every alert in private.",
    "group.not_linked_short": "This group is not linked to any unit.",
    "group.not_leader_tap": "Sorry, only the leaders in charge of the issue can use this button.",
    "group.use_private": "Someone in the group is not a leader: please act in your private chat with the bot.",
    "group.no_right": "You may not do this on this issue.",
    "group.not_yours": "This step is someone else's, or is over.",
    "group.not_here": "Issue #{number} does not belong to this group; please look at it in private chat.",
    "group.short": "{header}\n\nIssue #{number} — {category}.\nDetails only in a private chat with the bot.",
    "group.open_private": "Open in private chat",
    "group.details_in_private": "An issue's full card and thread are shown only in a private chat with the bot.",
    "group.digest_short": "📋 Digest of {date} — {unit}: {count} issue(s) need attention.\n{lines}\nDetails in "
    "a private chat with the bot.",
    "group.digest_line": "#{number} — {category}",
}
