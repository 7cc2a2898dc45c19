"""Reading the config's TOML tables: :class:`_Section` (keys used, unknown keys refused with a "did you mean"),
the value helpers, and the list-shaped sections ([calendar], [[sectors]], [[categories]])."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from bot.core.settings import DAY_NAMES, DEFAULT_CATEGORIES, DEFAULT_SECTORS, Category, ConfigError, Sector
from bot.core.workcal import CalendarSettings, parse_hhmm, parse_interval

# keys people put secrets under by mistake: (section, key) -> (the environment variable, the file key)
_SECRET_KEYS = {
    ("telegram", "token"): ("DLXH_TELEGRAM_TOKEN", "token_file"),
    ("zalo", "token"): ("DLXH_ZALO_TOKEN", "token_file"),
    ("webhook", "secret"): ("DLXH_WEBHOOK_SECRET", "secret_file"),
}


class _Section:
    """Reads one TOML table, remembering which keys were used so that unknown keys are refused."""

    def __init__(self, name: str, data: Any) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"config: [{name}] must be a table")
        self.name = name
        self.data = data
        self.used: set[str] = set()

    def key(self, k: str) -> str:
        return f"{self.name}.{k}" if self.name else k

    def get(
        self, k: str, kind: type | tuple[type, ...], default: Any, what: str, *, required: bool = False
    ) -> Any:
        self.used.add(k)
        if k not in self.data:
            if required:
                raise ConfigError(f"config: missing key {self.key(k)}: expected {what}")
            return default
        value = self.data[k]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and kind is not bool:
            raise ConfigError(f"config: {self.key(k)} = {value!r}: expected {what}")
        if not isinstance(value, kind):
            raise ConfigError(f"config: {self.key(k)} = {value!r}: expected {what}")
        return value

    def convert(self, k: str, value: Any, fn: Callable[[Any], Any], what: str) -> Any:
        try:
            return fn(value)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"config: {self.key(k)} = {value!r}: expected {what}") from exc

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if not unknown:
            return
        name = unknown[0]
        secret = _SECRET_KEYS.get((self.name, name))
        if secret is not None:  # a token or secret typed into the file: say where it belongs instead
            env, file_key = secret
            raise ConfigError(
                f"config: {self.key(name)} is not read from the config file, which others may see: put it in "
                f"the environment variable {env}, or in a file readable only by the bot's user named by "
                f"{self.key(file_key)}"
            )
        what = "section" if not self.name else "key"
        close = difflib.get_close_matches(name, sorted(self.used), n=1, cutoff=0.6)
        hint = (
            f"; did you mean {self.key(close[0])}?"
            if close
            else f": expected one of {', '.join(sorted(self.used))}"
        )
        raise ConfigError(f"config: unknown {what} {self.key(name)}{hint}")


def _positive(section: _Section, k: str, default: float, kind: type = float) -> Any:
    value = section.get(k, kind, default, f"a positive {'number' if kind is float else 'whole number'}")
    if value <= 0:
        raise ConfigError(f"config: {section.key(k)} = {value!r}: expected a positive number")
    return value


def _non_negative(section: _Section, k: str, default: int) -> int:
    value = section.get(k, int, default, "a whole number, 0 or more")
    if value < 0:
        raise ConfigError(f"config: {section.key(k)} = {value!r}: expected 0 or more")
    return int(value)


def _dates(section: _Section, k: str) -> frozenset[date]:
    values = section.get(k, list, [], 'a list of dates like "2027-02-05"')
    out = set()
    for v in values:
        if isinstance(v, date):
            out.add(v)
        else:
            out.add(section.convert(k, v, lambda s: date.fromisoformat(str(s)), 'dates like "2027-02-05"'))
    return frozenset(out)


def _calendar(data: Any) -> CalendarSettings:
    s = _Section("calendar", data)
    days = s.get("work_days", list, list(DAY_NAMES[:5]), "a list of day names (mon … sun)")
    if any(d not in DAY_NAMES for d in days):
        raise ConfigError(
            f"config: calendar.work_days = {days!r}: expected day names among {', '.join(DAY_NAMES)}"
        )
    hours = s.get(
        "office_hours", list, ["07:30-11:30", "13:30-17:00"], 'a list like ["07:30-11:30", "13:30-17:00"]'
    )
    intervals = tuple(
        s.convert("office_hours", h, parse_interval, 'intervals like "07:30-11:30"') for h in hours
    )
    quiet = s.get("quiet_hours", str, "21:00-07:00", 'an interval like "21:00-07:00"')
    quiet_start, quiet_end = s.convert(
        "quiet_hours", quiet, parse_interval_wrapping, 'an interval like "21:00-07:00"'
    )
    holidays = _dates(s, "holidays")
    makeup = _dates(s, "makeup_workdays")
    not_holidays = _dates(s, "not_holidays")
    official = s.get("official_holidays", bool, True, "true or false")
    hold = s.get("hold_on_days_off", bool, True, "true or false")
    s.finish()
    try:
        return CalendarSettings(
            work_days=tuple(DAY_NAMES.index(d) for d in days),
            office_hours=intervals,
            holidays=holidays,
            makeup_workdays=makeup,
            official_holidays=official,
            not_holidays=not_holidays,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
            hold_on_days_off=hold,
        )
    except ValueError as exc:
        raise ConfigError(f"config: [calendar]: {exc}") from exc


def parse_interval_wrapping(text: str) -> tuple[time, time]:
    """ "21:00-07:00" -> (21:00, 07:00); unlike office hours the interval may wrap midnight."""
    start, sep, end = str(text).partition("-")
    if not sep:
        raise ValueError(f"expected HH:MM-HH:MM, got {text!r}")
    return parse_hhmm(start.strip()), parse_hhmm(end.strip())


def _sectors(data: Any) -> tuple[Sector, ...]:
    if data is None:
        return DEFAULT_SECTORS
    if not isinstance(data, list) or not data:
        raise ConfigError("config: sectors: expected a non-empty array of tables [[sectors]]")
    out = []
    for i, item in enumerate(data):
        s = _Section(f"sectors[{i}]", item)
        code = s.get("code", str, None, "a short code", required=True)
        vi = s.get("vi", str, None, "the Vietnamese name", required=True)
        en = s.get("en", str, vi, "the English name")
        s.finish()
        out.append(Sector(code, vi, en))
    codes = [x.code for x in out]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"config: sectors: duplicate code among {codes}")
    return tuple(out)


def _categories(data: Any, sectors: tuple[Sector, ...]) -> tuple[Category, ...]:
    if data is None:
        cats = DEFAULT_CATEGORIES
    else:
        if not isinstance(data, list) or not data:
            raise ConfigError("config: categories: expected a non-empty array of tables [[categories]]")
        items = []
        for i, item in enumerate(data):
            s = _Section(f"categories[{i}]", item)
            code = s.get("code", str, None, "a short code", required=True)
            vi = s.get("vi", str, None, "the Vietnamese label", required=True)
            en = s.get("en", str, vi, "the English label")
            sector = s.get("sector", str, None, "a sector code", required=True)
            sensitive = s.get("sensitive", bool, False, "true or false")
            s.finish()
            items.append(Category(code, vi, en, sector, sensitive))
        cats = tuple(items)
    known = {x.code for x in sectors}
    for i, c in enumerate(cats):
        if c.sector not in known:
            raise ConfigError(
                f"config: categories[{i}].sector = {c.sector!r}: expected one of {', '.join(sorted(known))}"
            )
    codes = [c.code for c in cats]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"config: categories: duplicate code among {codes}")
    return cats
