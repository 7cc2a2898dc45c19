"""Texts for using both channels: linking a Telegram and a Zalo account, choosing where notices go."""

VI: dict[str, str] = {
    "cmd.link": "Liên kết tài khoản Telegram và Zalo",
    "cmd.channel": "Chọn nơi nhận thông báo",
    "link.code": "Mã liên kết của đồng chí: {code}\nTrên ứng dụng kia (Telegram hoặc Zalo), đồng chí mở bot và gửi "
    "mã này (trên Telegram: /start {code}). Mã dùng một lần, hết hạn ngày {expires}.",
    "link.done": "Đã liên kết tài khoản này với thành viên {name} ({unit}). Thông báo sẽ gửi về nơi đồng chí chọn "
    "(/channel).",
    "channel.ask": "Đồng chí muốn nhận thông báo ở đâu?",
    "channel.only_one": "Đồng chí mới dùng một ứng dụng. Gõ /link để liên kết thêm Telegram hoặc Zalo.",
    "channel.done": "Thông báo sẽ được gửi qua {channel}.",
    "channel.telegram": "Telegram",
    "channel.zalo": "Zalo",
}

EN: dict[str, str] = {
    "cmd.link": "Link your Telegram and Zalo accounts",
    "cmd.channel": "Choose where notices go",
    "link.code": "Your link code: {code}\nIn the other app (Telegram or Zalo), open the bot and send this code (on "
    "Telegram: /start {code}). It works once and expires on {expires}.",
    "link.done": "This account is now linked to {name} ({unit}). Notices go where you choose (/channel).",
    "channel.ask": "Where should notices go?",
    "channel.only_one": "You use only one app so far. Type /link to add Telegram or Zalo.",
    "channel.done": "Notices will go to {channel}.",
    "channel.telegram": "Telegram",
    "channel.zalo": "Zalo",
}
