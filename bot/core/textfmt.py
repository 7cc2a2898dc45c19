"""Small text formatting shared by handlers and jobs: a shortened title, a local date and time."""

from __future__ import annotations

from datetime import datetime, tzinfo


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def local_time(when: datetime, tz: tzinfo) -> str:
    """``when`` as people read it here: ``HH:MM dd/mm/YYYY`` in the app's time zone."""
    return when.astimezone(tz).strftime("%H:%M %d/%m/%Y")
