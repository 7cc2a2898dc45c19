"""Report periods: a calendar quarter ("2026Q4") or a month ("2026-11"), in local time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")  # fmt: skip
_QUARTER = re.compile(r"^(\d{4})[Qq](\d+)$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
USAGE = "expected a quarter like 2026Q4 or a month like 2026-11"


@dataclass(frozen=True)
class Period:
    key: str  # "2026Q4" or "2026-11": the canonical spelling
    kind: str  # "quarter" | "month"
    year: int
    number: int  # the quarter (1-4) or the month (1-12)
    start: datetime  # local midnight of the first day (aware)
    end: datetime  # local midnight after the last day (exclusive)
    label_vi: str  # "quý 4/2026" / "tháng 11/2026" (as the round says it)
    label_en: str  # "Q4 2026" / "November 2026"

    def label(self, lang: str) -> str:
        return self.label_vi if lang == "vi" else self.label_en

    def months(self) -> list[tuple[int, int]]:
        """The (year, month) pairs the period covers."""
        if self.kind == "month":
            return [(self.year, self.number)]
        first = 3 * (self.number - 1) + 1
        return [(self.year, m) for m in range(first, first + 3)]

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _year(text: str, value: str) -> int:
    year = int(value)
    if not 2000 <= year <= 2999:
        raise ValueError(f"period {text!r}: the year must be between 2000 and 2999 ({USAGE})")
    return year


def quarter(year: int, q: int, tz: tzinfo | str = "Asia/Ho_Chi_Minh") -> Period:
    zone = _zone(tz)
    start = datetime(year, 3 * (q - 1) + 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone) if q == 4 else datetime(year, 3 * q + 1, 1, tzinfo=zone)
    return Period(f"{year}Q{q}", "quarter", year, q, start, end, f"quý {q}/{year}", f"Q{q} {year}")


def month(year: int, m: int, tz: tzinfo | str = "Asia/Ho_Chi_Minh") -> Period:
    zone = _zone(tz)
    start = datetime(year, m, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone) if m == 12 else datetime(year, m + 1, 1, tzinfo=zone)
    return Period(
        f"{year}-{m:02d}", "month", year, m, start, end, f"tháng {m}/{year}", f"{MONTHS_EN[m - 1]} {year}"
    )


def parse_period(text: str, tz: tzinfo | str = "Asia/Ho_Chi_Minh") -> Period:
    """ "2026Q4" -> the fourth quarter of 2026; "2026-11" -> November 2026. Anything else: ValueError."""
    raw = (text or "").strip()
    m = _QUARTER.match(raw)
    if m:
        q = int(m.group(2))
        if not 1 <= q <= 4:
            raise ValueError(f"period {text!r}: the quarter must be 1 to 4 ({USAGE})")
        return quarter(_year(text, m.group(1)), q, tz)
    m = _MONTH.match(raw)
    if m:
        mo = int(m.group(2))
        if not 1 <= mo <= 12:
            raise ValueError(f"period {text!r}: the month must be 01 to 12 ({USAGE})")
        return month(_year(text, m.group(1)), mo, tz)
    raise ValueError(f"period {text!r}: {USAGE}")


def current_quarter(now: datetime, tz: tzinfo | str = "Asia/Ho_Chi_Minh") -> Period:
    local = now.astimezone(_zone(tz))
    return quarter(local.year, (local.month - 1) // 3 + 1, tz)
