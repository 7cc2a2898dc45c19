"""Attachments as the storage layer takes them (plain dicts kept in a conversation's data)."""

from __future__ import annotations

from typing import Any

from bot.core.messages import Attachment


def attachment_dicts(attachments: tuple[Attachment, ...]) -> list[dict[str, Any]]:
    return [
        {
            "kind": a.kind,
            "file_ref": a.file_ref,
            "mime_type": a.mime_type,
            "filename": a.filename,
            "size": a.size,
            "file_id": a.file_id,
        }
        for a in attachments
    ]
