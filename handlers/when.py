"""Reading a moment a leader types: ``HH:MM dd/mm[/yyyy]`` (either order), in local time."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

_TIME_RE = re.compile(r"\b(\d{1,2})\s*[:hg]\s*(\d{2})\b")
_DATE_RE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?\b")


def parse_moment(text: str, now: datetime, tz: tzinfo) -> datetime | None:
    """The moment typed in ``text``; without a year, the next such date (this year, else the next)."""
    hm = _TIME_RE.search(text)
    dm = _DATE_RE.search(_TIME_RE.sub(" ", text))
    if hm is None or dm is None:
        return None
    hour, minute, day, month = int(hm[1]), int(hm[2]), int(dm[1]), int(dm[2])
    year = int(dm[3]) if dm[3] else now.astimezone(tz).year
    try:
        when = datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        return None
    if dm[3] is None and when < now:
        try:
            when = when.replace(year=year + 1)
        except ValueError:  # 29/02
            return None
    return when
