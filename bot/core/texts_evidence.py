"""Texts of the evidence sent to leaders: the card's button, the files' header, and Zalo's links and pins."""

VI: dict[str, str] = {
    "btn.files": "Xem tệp đính kèm ({count})",
    "evidence.header": "Tệp đính kèm của vụ việc #{number} ({count} mục), gửi tiếp theo đây:",
    "evidence.none": "Vụ việc #{number} không có tệp đính kèm nào đồng chí được xem.",
    "evidence.alert_caption": "Ảnh kèm báo cáo của vụ việc #{number}",
    "zalo.links": "{count} tệp đính kèm, mở bằng các đường dẫn dưới đây (hết hạn lúc {until}):",
    "zalo.link_line": "{number}. {kind}: {url}",
    "zalo.location": "📍 Vị trí người báo cáo gửi: {latitude}, {longitude}\n{url}",
    "zalo.location_plain": "📍 Vị trí người báo cáo gửi: {latitude}, {longitude}",
    "evidence.kind.photo": "Ảnh",
    "evidence.kind.voice": "Ghi âm",
    "evidence.kind.document": "Tài liệu",
    "evidence.kind.video": "Video",
    "evidence.kind.sticker": "Nhãn dán",
}

EN: dict[str, str] = {
    "btn.files": "See attachments ({count})",
    "evidence.header": "Attachments of issue #{number} ({count} item(s)), following below:",
    "evidence.none": "Issue #{number} has no attachments you may see.",
    "evidence.alert_caption": "Photos of the report on issue #{number}",
    "zalo.links": "{count} attachment(s), open them with the links below (they expire at {until}):",
    "zalo.link_line": "{number}. {kind}: {url}",
    "zalo.location": "📍 Location sent by the reporter: {latitude}, {longitude}\n{url}",
    "zalo.location_plain": "📍 Location sent by the reporter: {latitude}, {longitude}",
    "evidence.kind.photo": "Photo",
    "evidence.kind.voice": "Voice message",
    "evidence.kind.document": "Document",
    "evidence.kind.video": "Video",
    "evidence.kind.sticker": "Sticker",
}
