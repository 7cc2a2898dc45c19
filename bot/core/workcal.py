"""Working-time calendar: office hours, holidays, make-up days and quiet hours.

Holidays: the configured dates, and — when ``official_holidays`` is on (the config's default) — Vietnam's public
holidays as the ``holidays`` package computes them (lunar Tết, substitute days off) with the make-up working days
they imply, year by year as dates are asked for. ``zoneinfo`` for time zones. All calendar rules are applied to *local wall-clock*
time in the configured time zone; durations are wall-clock durations inside
office intervals (exact for zones without DST such as Asia/Ho_Chi_Minh).
Every public method taking a ``datetime`` requires an aware one and returns
aware datetimes in the input's own tzinfo.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars

__all__ = [
    "MAX_SEARCH_DAYS",
    "CalendarSearchError",
    "CalendarSettings",
    "WorkCalendar",
    "official_days",
    "parse_hhmm",
    "parse_interval",
]

#: Day-walking cap (~10 years); searches that go further raise CalendarSearchError.
MAX_SEARCH_DAYS = 3660

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 24 * _US_PER_HOUR
_ONE_DAY = timedelta(days=1)
_HHMM_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class CalendarSearchError(ValueError):
    """A search for a working day / non-quiet instant exceeded MAX_SEARCH_DAYS."""


@dataclass(frozen=True)
class CalendarSettings:
    """Configuration of a WorkCalendar (validated by WorkCalendar.__init__)."""

    timezone: str = "Asia/Ho_Chi_Minh"
    work_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday=0
    office_hours: tuple[tuple[time, time], ...] = (
        (time(7, 30), time(11, 30)),
        (time(13, 30), time(17, 0)),
    )
    holidays: frozenset[date] = frozenset()  # days off besides the official ones
    makeup_workdays: frozenset[date] = frozenset()  # working even if not in work_days
    official_holidays: bool = False  # add Vietnam's public holidays and their make-up days (holidays package)
    not_holidays: frozenset[date] = frozenset()  # official holidays that are working days here after all
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)  # quiet_start == quiet_end means no quiet hours
    hold_on_days_off: bool = True  # non-working days count as quiet for proactive messages


def parse_hhmm(s: str) -> time:
    """Parse "HH:MM" (24-hour clock, "7:30" accepted) into a naive time."""
    m = _HHMM_RE.match(s) if isinstance(s, str) else None
    if m is None:
        raise ValueError(f"expected HH:MM, got '{s}'")
    hh, mm = int(m.group(1)), int(m.group(2))
    if hh > 23 or mm > 59:
        raise ValueError(f"expected HH:MM, got '{s}'")
    return time(hh, mm)


def parse_interval(s: str) -> tuple[time, time]:
    """Parse "HH:MM-HH:MM" into (start, end); requires start < end (no wrapping)."""
    parts = s.split("-") if isinstance(s, str) else []
    if len(parts) != 2:
        raise ValueError(f"expected HH:MM-HH:MM, got '{s}'")
    start, end = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    if start >= end:
        raise ValueError(f"interval must have start < end, got '{s}'")
    return start, end


_SUBSTITUTED = re.compile(r"substituted from (\d{2})/(\d{2})/(\d{4})")


@functools.lru_cache(maxsize=32)
def _official_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    holidays = holiday_calendars.country_holidays("VN", years=year, language="en_US")
    makeup = {
        date(int(y), int(m), int(d)) for name in holidays.values() for m, d, y in _SUBSTITUTED.findall(name)
    }
    return frozenset(holidays), frozenset(makeup)


@functools.lru_cache(maxsize=32)
def official_days(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """Vietnam's public holidays in ``year`` and the make-up working days in ``year`` that the substitute days
    off imply ("Day off (substituted from 08/22/2026)" makes Saturday 22/08/2026 a working day)."""
    days = _official_year(year)[0]
    makeup = frozenset(d for y in (year - 1, year, year + 1) for d in _official_year(y)[1] if d.year == year)
    return days, makeup


def _us_of_day(t: time) -> int:
    """Microseconds since midnight of a naive time."""
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _check_date(d: date, what: str) -> None:
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"{what}: expected a date (not a datetime), got {d!r}")


class WorkCalendar:
    """Working-time arithmetic and quiet-hours checks for one CalendarSettings."""

    tz: ZoneInfo

    def __init__(self, settings: CalendarSettings) -> None:
        self.settings = settings
        try:
            self.tz = ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"timezone: unknown time zone {settings.timezone!r}") from exc

        work_days = tuple(settings.work_days)
        bad = [d for d in work_days if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6]
        if bad:
            raise ValueError(f"work_days: weekdays must be ints 0 (Monday)..6 (Sunday), got {bad!r}")
        self._work_days = frozenset(work_days)

        self._holidays = frozenset(settings.holidays)
        self._makeup = frozenset(settings.makeup_workdays)
        self._official = bool(settings.official_holidays)
        self._not_holidays = frozenset(settings.not_holidays)
        for name, dates in (
            ("holidays", self._holidays),
            ("makeup_workdays", self._makeup),
            ("not_holidays", self._not_holidays),
        ):
            for d in dates:
                if isinstance(d, datetime) or not isinstance(d, date):
                    raise ValueError(f"{name}: expected date objects, got {d!r}")
        both = sorted(self._holidays & self._makeup)
        if both:
            listed = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"holidays and makeup_workdays both contain: {listed}")
        if not self._work_days and not self._makeup:
            raise ValueError(
                "work_days: empty work week and no makeup_workdays - no day is ever a working day"
            )

        intervals: list[tuple[int, int]] = []
        for iv in settings.office_hours:
            if not (isinstance(iv, tuple) and len(iv) == 2 and all(isinstance(t, time) for t in iv)):
                raise ValueError(f"office_hours: each interval must be a (time, time) pair, got {iv!r}")
            s, e = iv
            if s.tzinfo is not None or e.tzinfo is not None:
                raise ValueError(f"office_hours: times must be naive (local), got {iv!r}")
            if s == e:
                raise ValueError(f"office_hours: empty interval {s:%H:%M}-{e:%H:%M}")
            if s > e:
                raise ValueError(f"office_hours: inverted interval {s:%H:%M}-{e:%H:%M} (start after end)")
            intervals.append((_us_of_day(s), _us_of_day(e)))
        if not intervals:
            raise ValueError("office_hours: at least one interval is required")
        intervals.sort()
        for (s1, e1), (s2, e2) in pairwise(intervals):
            if s2 < e1:
                raise ValueError(
                    f"office_hours: overlapping intervals {_fmt(s1)}-{_fmt(e1)} and {_fmt(s2)}-{_fmt(e2)}"
                )
        self._intervals: tuple[tuple[int, int], ...] = tuple(intervals)

        for name in ("quiet_start", "quiet_end"):
            t = getattr(settings, name)
            if not isinstance(t, time) or t.tzinfo is not None:
                raise ValueError(f"{name}: expected a naive time, got {t!r}")
        qs, qe = _us_of_day(settings.quiet_start), _us_of_day(settings.quiet_end)
        # Non-quiet segments of a (working) day, as [start, end) microseconds of day.
        if qs == qe:
            self._awake: tuple[tuple[int, int], ...] = ((0, _US_PER_DAY),)
        elif qs > qe:  # wraps midnight, e.g. 21:00-07:00
            self._awake = ((qe, qs),)
        else:  # e.g. 12:00-13:00
            self._awake = ((0, qs), (qe, _US_PER_DAY))
        self._qs, self._qe = qs, qe

    # ------------------------------------------------------------------ basics

    @property
    def hours_per_day(self) -> float:
        """Office hours in one full working day (7.5 by default)."""
        return sum(e - s for s, e in self._intervals) / _US_PER_HOUR

    def local(self, dt: datetime) -> datetime:
        """Convert an aware datetime to the calendar's zone; naive input raises ValueError."""
        if not isinstance(dt, datetime):
            raise TypeError(f"expected a datetime, got {dt!r}")
        if dt.tzinfo is None or dt.utcoffset() is None:
            raise ValueError(f"naive datetime not allowed (attach a tzinfo): {dt!r}")
        return dt.astimezone(self.tz)

    def _wall(self, dt: datetime) -> datetime:
        """Local wall-clock time as a naive datetime."""
        return self.local(dt).replace(tzinfo=None)

    def _out(self, wall: datetime, like: datetime) -> datetime:
        """Local naive wall time -> aware datetime in ``like``'s tzinfo."""
        return wall.replace(tzinfo=self.tz).astimezone(like.tzinfo)

    def is_holiday(self, d: date) -> bool:
        """True if ``d`` is a configured holiday, or an official one not listed in ``not_holidays``."""
        if d in self._holidays:
            return True
        return self._official and d not in self._not_holidays and d in official_days(d.year)[0]

    def is_makeup_day(self, d: date) -> bool:
        """True if ``d`` is a configured make-up working day, or one the official substitute days imply."""
        return d in self._makeup or (self._official and d in official_days(d.year)[1])

    def holidays_of(self, year: int) -> list[date]:
        """Every day off in ``year`` that is not a weekend anyway, in order (for ``dlxh doctor``)."""
        start = date(year, 1, 1)
        days = (start + timedelta(days=i) for i in range((date(year + 1, 1, 1) - start).days))
        return [d for d in days if self.is_holiday(d)]

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` (a local date) is a working day."""
        _check_date(d, "is_working_day")
        if self.is_holiday(d):
            return False
        return self.is_makeup_day(d) or d.weekday() in self._work_days

    def is_working_time(self, dt: datetime) -> bool:
        """True if ``dt`` falls in an office interval [open, close) of a working day."""
        w = self._wall(dt)
        if not self.is_working_day(w.date()):
            return False
        t = _us_of_day(w.time())
        return any(s <= t < e for s, e in self._intervals)

    def next_working_day(self, d: date) -> date:
        """First working day strictly after ``d``."""
        _check_date(d, "next_working_day")
        return next(self._working_days_from(d + _ONE_DAY))

    def working_days_in(self, start: date, end: date) -> list[date]:
        """Working days in [start, end] (inclusive); empty if end < start."""
        _check_date(start, "working_days_in")
        _check_date(end, "working_days_in")
        out: list[date] = []
        d = start
        while d <= end:
            if self.is_working_day(d):
                out.append(d)
            d += _ONE_DAY
        return out

    def _working_days_from(self, d: date) -> Iterator[date]:
        """Working days on/after ``d``; raises if a gap exceeds MAX_SEARCH_DAYS."""
        gap = 0
        while True:
            if self.is_working_day(d):
                gap = 0
                yield d
            else:
                gap += 1
                if gap > MAX_SEARCH_DAYS:
                    raise CalendarSearchError(
                        f"no working day within {MAX_SEARCH_DAYS} days after {d - timedelta(days=gap)}"
                    )
            d += _ONE_DAY

    # ---------------------------------------------------------- working hours

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Instant after ``hours`` of office time counted from ``start``.

        Outside office hours the clock starts at the next opening (so ``hours == 0``
        returns the next opening); ending exactly at a close returns the close.
        """
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours):
            raise ValueError(f"hours must be a finite number, got {hours!r}")
        if hours < 0:
            raise ValueError(f"hours must be >= 0, got {hours!r}")
        w = self._wall(start)
        remaining = round(hours * _US_PER_HOUR)
        midnight = datetime.combine(w.date(), time())
        floor = _us_of_day(w.time())
        for d in self._working_days_from(w.date()):
            day0 = datetime.combine(d, time())
            lo = floor if day0 == midnight else 0
            for s, e in self._intervals:
                seg_start = max(s, lo)
                if seg_start >= e:
                    continue
                if remaining <= e - seg_start:
                    return self._out(day0 + timedelta(microseconds=seg_start + remaining), start)
                remaining -= e - seg_start
            if (d - w.date()).days > MAX_SEARCH_DAYS:
                raise CalendarSearchError(
                    f"add_working_hours: {hours} hours spans more than {MAX_SEARCH_DAYS} days"
                )
        raise AssertionError("unreachable")  # pragma: no cover

    def working_hours_between(self, a: datetime, b: datetime) -> float:
        """Office hours from ``a`` to ``b``; negative if ``b < a``."""
        if b < a:
            return -self.working_hours_between(b, a)
        wa, wb = self._wall(a), self._wall(b)
        total = 0
        d = wa.date()
        while d <= wb.date():
            if self.is_working_day(d):
                lo = _us_of_day(wa.time()) if d == wa.date() else 0
                hi = _us_of_day(wb.time()) if d == wb.date() else _US_PER_DAY
                for s, e in self._intervals:
                    total += max(0, min(e, hi) - max(s, lo))
            d += _ONE_DAY
        return total / _US_PER_HOUR

    def working_days_between(self, a: datetime, b: datetime) -> float:
        """working_hours_between(a, b) expressed in full working days."""
        return self.working_hours_between(a, b) / self.hours_per_day

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Close of office hours on the ``days``-th working day after start's local date.

        Day 1 is the first working day strictly after start's local date, whatever
        the time of day (Friday 10:00 + 1 -> Monday 17:00; Saturday + 1 -> Monday
        17:00). ``days == 0`` is the earliest close at or after ``start``: today's
        close if today is a working day and it has not closed yet, else the next
        working day's close.
        """
        if isinstance(days, bool) or not isinstance(days, int):
            raise ValueError(f"days must be an int, got {days!r}")
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days!r}")
        w = self._wall(start)
        close = self._intervals[-1][1]
        if days == 0:
            today = w.date()
            if self.is_working_day(today) and _us_of_day(w.time()) <= close:
                target = today
            else:
                target = self.next_working_day(today)
        else:
            it = self._working_days_from(w.date() + _ONE_DAY)
            for _ in range(days):
                target = next(it)
        return self._out(datetime.combine(target, time()) + timedelta(microseconds=close), start)

    # ------------------------------------------------------------ quiet hours

    def _in_quiet_hours(self, t_us: int) -> bool:
        qs, qe = self._qs, self._qe
        if qs == qe:
            return False
        if qs > qe:
            return t_us >= qs or t_us < qe
        return qs <= t_us < qe

    def is_quiet(self, dt: datetime) -> bool:
        """True in quiet hours, or (hold_on_days_off) on a non-working local date."""
        w = self._wall(dt)
        if self.settings.hold_on_days_off and not self.is_working_day(w.date()):
            return True
        return self._in_quiet_hours(_us_of_day(w.time()))

    def next_non_quiet(self, dt: datetime) -> datetime:
        """``dt`` if not quiet, else the first later instant that is not quiet."""
        if not self.is_quiet(dt):
            return dt
        w = self._wall(dt)
        first = w.date()
        floor = _us_of_day(w.time())
        hold = self.settings.hold_on_days_off
        for i in range(MAX_SEARCH_DAYS + 1):
            d = first + timedelta(days=i)
            if hold and not self.is_working_day(d):
                continue
            lo = floor if i == 0 else 0
            for s, e in self._awake:
                cand = max(s, lo)
                if cand < e:
                    return self._out(datetime.combine(d, time()) + timedelta(microseconds=cand), dt)
        raise CalendarSearchError(f"next_non_quiet: no non-quiet time within {MAX_SEARCH_DAYS} days of {dt}")


def _fmt(us: int) -> str:
    """HH:MM for microseconds of day."""
    return f"{us // _US_PER_HOUR:02d}:{us // 60_000_000 % 60:02d}"
