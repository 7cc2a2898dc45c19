"""Typed settings loaded from TOML.

Every key has a type and (where it may be omitted) a default. A wrong, unknown or missing key raises
:class:`ConfigError` with one line naming the key and what was expected; the CLI prints it and exits 2.
Secrets (tokens) never need to be in the TOML: they come from an environment variable or a file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, PinnedClockRefused, clock_from_environment
from bot.dburl import postgres_url
from bot.workcal import CalendarSettings, parse_hhmm, parse_interval
from storage.target import PostgresUrl, is_postgres_url

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("vi", "en")


class ConfigError(Exception):
    """A configuration problem, phrased as one line naming the key."""


@dataclass(frozen=True)
class Sector:
    code: str
    vi: str
    en: str


@dataclass(frozen=True)
class Category:
    code: str
    vi: str
    en: str
    sector: str
    sensitive: bool = False

    def label(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class TelegramSettings:
    enabled: bool = True
    token_env: str = "DLXH_TELEGRAM_TOKEN"
    token_file: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    poll_timeout: int = 30

    def token(self) -> str | None:
        """The bot token from the environment variable, else from the token file; None if neither."""
        return _token(self.token_env, self.token_file)


@dataclass(frozen=True)
class ZaloSettings:
    enabled: bool = False
    token_env: str = "DLXH_ZALO_TOKEN"
    token_file: str = ""
    base_url: str = "https://bot-api.zaloplatforms.com"
    poll_timeout: int = 30
    media_base_url: str = ""

    def token(self) -> str | None:
        """The bot token from the environment variable, else from the token file; None if neither."""
        return _token(self.token_env, self.token_file)


def _token(env: str, file: str) -> str | None:
    value = os.environ.get(env, "").strip()
    if value:
        return value
    if file:
        path = Path(file).expanduser()
        if path.is_file():
            return path.read_text(encoding="utf-8").strip() or None
    return None


@dataclass(frozen=True)
class OutboxSettings:
    global_rate: float = 25.0
    global_burst: int = 30
    chat_rate: float = 1.0
    chat_burst: int = 5
    max_backoff_seconds: float = 600.0
    send_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class JobSettings:
    processed_updates_keep_days: int = 30
    outbox_catchup_seconds: int = 60


@dataclass(frozen=True)
class InviteSettings:
    expiry_days: int = 14
    max_failures_per_hour: int = 5


@dataclass(frozen=True)
class DeadlineSettings:
    urgent_ack_hours: float = 4.0  # clock hours
    urgent_handle_hours: float = 24.0  # clock hours
    ack_working_hours: float = 8.0  # pressing and normal: working hours
    pressing_handle_working_days: int = 5
    normal_handle_working_days: int = 10


@dataclass(frozen=True)
class ReportSettings:
    draft_reminder_hours: float = 2.0
    draft_discard_days: int = 7
    withdraw_window_hours: float = 24.0
    similar_threshold: int = 60  # rapidfuzz score (0-100) above which an open issue is offered


@dataclass(frozen=True)
class IssueSettings:
    hotspot_reports: int = 3  # this many reports on one issue, or in one unit and category ...
    hotspot_days: int = 7  # ... within this many days is a hot spot: the leaders are alerted at once
    notify_reporters_on_ack: bool = True
    notify_reporters_on_assign: bool = True


@dataclass(frozen=True)
class FollowupSettings:
    digest_time: str = "07:00"  # local time, working days
    weekly_summary: bool = True  # on the first working day of the week
    escalation_delay_working_hours: float = 16.0  # after the handling deadline, then again per level
    urgent_escalation_delay_hours: float = 4.0  # clock hours, for urgent matters
    resolution_check_days: int = 14  # ask the reporters this long after "resolved"
    resolution_reminder_days: int = 7  # one reminder when they have not answered
    resolution_window_days: int = 14  # no answer by then: the issue closes


@dataclass(frozen=True)
class RoundSettings:
    cadence: str = "quarterly"  # or "monthly"
    open_day: int = 1  # day of the period's last month (monthly: of the month)
    close_day: int = 20
    briefing_day: int = 25
    open_time: str = "08:00"


@dataclass(frozen=True)
class BackupSettings:
    folder: Path | None = None  # None: no scheduled backups (dlxh backup PATH still works)
    keep: int = 7  # how many daily backups the job keeps
    hour: int = 2  # local time of the daily backup
    minute: int = 30


@dataclass(frozen=True)
class PrivacySettings:
    retention_months: int = 24  # ended issues older than this lose citizen details and files
    purge: bool = True  # run the daily retention job


@dataclass(frozen=True)
class WebhookSettings:
    enabled: bool = False  # receive updates by webhook instead of polling (also: dlxh run --webhook)
    public_url: str = ""  # the HTTPS address the reverse proxy answers on, e.g. https://bot.example.vn
    listen_host: str = "127.0.0.1"
    listen_port: int = 8443
    telegram_path: str = "/telegram"
    zalo_path: str = "/zalo"
    secret_env: str = "DLXH_WEBHOOK_SECRET"
    secret_file: str = ""

    def secret(self) -> str | None:
        """The webhook secret from the environment variable, else from the secret file; None if neither."""
        return _token(self.secret_env, self.secret_file)


@dataclass(frozen=True)
class BriefingSettings:
    layout: str = "party"  # "party" (Hướng dẫn 36-HD/VPTW) or "state" (Nghị định 30/2020/NĐ-CP)
    committee_name: str = ""  # top left of the top unit's report; "\n" between lines; empty: the unit's name
    place: str = ""  # "<place>, ngày … tháng … năm …"
    number_prefix: str = ""  # "Số …-BC/<prefix>" (party) or "Số: …/BC-<prefix>" (state)


@dataclass(frozen=True)
class Settings:
    timezone: str = "Asia/Ho_Chi_Minh"
    language: str = "vi"
    data_dir: Path = Path("data")
    database: Path | None = None
    database_url: PostgresUrl | None = None  # PostgreSQL instead of the SQLite file (bot/dburl.py)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    zalo: ZaloSettings = field(default_factory=ZaloSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    jobs: JobSettings = field(default_factory=JobSettings)
    invites: InviteSettings = field(default_factory=InviteSettings)
    deadlines: DeadlineSettings = field(default_factory=DeadlineSettings)
    reports: ReportSettings = field(default_factory=ReportSettings)
    issues: IssueSettings = field(default_factory=IssueSettings)
    backups: BackupSettings = field(default_factory=BackupSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    webhook: WebhookSettings = field(default_factory=WebhookSettings)
    followups: FollowupSettings = field(default_factory=FollowupSettings)
    round: RoundSettings = field(default_factory=RoundSettings)
    briefing: BriefingSettings = field(default_factory=BriefingSettings)
    sectors: tuple[Sector, ...] = ()
    categories: tuple[Category, ...] = ()
    source: Path | None = None

    @property
    def database_path(self) -> Path:
        return self.database if self.database is not None else self.data_dir / "dlxh.sqlite3"

    @property
    def database_target(self) -> Path | PostgresUrl:
        """What ``storage.db.Database`` opens: the PostgreSQL URL when one is set, else the SQLite file."""
        return self.database_url if self.database_url is not None else self.database_path

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def sector(self, code: str) -> Sector | None:
        return next((s for s in self.sectors if s.code == code), None)


DEFAULT_SECTORS: tuple[Sector, ...] = (
    Sector("nong_nghiep", "Nông nghiệp, thủy lợi", "Agriculture and irrigation"),
    Sector("ha_tang", "Hạ tầng, điện, giao thông", "Infrastructure, power and transport"),
    Sector("tai_nguyen_moi_truong", "Tài nguyên, môi trường", "Natural resources and environment"),
    Sector("an_ninh_trat_tu", "An ninh, trật tự", "Security and public order"),
    Sector("xay_dung_chinh_quyen", "Xây dựng Đảng, chính quyền", "Party and government"),
    Sector("van_hoa_xa_hoi", "Văn hóa – xã hội", "Culture and society"),
)

DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("nuoc_san_xuat", "Nước sản xuất", "Water for farming", "nong_nghiep"),
    Category("dien_sinh_hoat", "Điện sinh hoạt", "Household electricity", "ha_tang"),
    Category("o_nhiem_moi_truong", "Ô nhiễm môi trường", "Environmental pollution", "tai_nguyen_moi_truong"),
    Category(
        "khai_thac_khoang_san", "Khai thác khoáng sản trái phép", "Illegal mining", "tai_nguyen_moi_truong"
    ),
    Category("te_nan_xa_hoi", "Tệ nạn xã hội", "Social evils", "an_ninh_trat_tu"),
    Category("an_toan_giao_thong", "An toàn giao thông", "Traffic safety", "an_ninh_trat_tu"),
    Category(
        "nhung_nhieu_can_bo",
        "Nhũng nhiễu, tiêu cực của cán bộ, công chức",
        "Officials' harassment or corruption",
        "xay_dung_chinh_quyen",
        sensitive=True,
    ),
    Category("khac", "Khác", "Other", "van_hoa_xa_hoi"),
)


# ---------------------------------------------------------------------------------------------- parsing


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
        if unknown:
            raise ConfigError(
                f"config: unknown key {self.key(unknown[0])}: expected one of {', '.join(sorted(self.used))}"
            )


def _positive(section: _Section, k: str, default: float, kind: type = float) -> Any:
    value = section.get(k, kind, default, f"a positive {'number' if kind is float else 'whole number'}")
    if value <= 0:
        raise ConfigError(f"config: {section.key(k)} = {value!r}: expected a positive number")
    return value


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


def parse_settings(
    raw: Mapping[str, Any], *, base_dir: Path | None = None, source: Path | None = None
) -> Settings:
    """Build :class:`Settings` from a parsed TOML document."""
    root = _Section("", raw)
    general = _Section("general", root.get("general", dict, {}, "a table [general]"))
    timezone = general.get("timezone", str, "Asia/Ho_Chi_Minh", "an IANA time zone like Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"config: general.timezone = {timezone!r}: expected an IANA time zone") from exc
    language = general.get("language", str, "vi", "vi or en")
    if language not in LANGUAGES:
        raise ConfigError(f"config: general.language = {language!r}: expected vi or en")
    base = base_dir or Path.cwd()
    data_dir = Path(general.get("data_dir", str, "data", "a folder path")).expanduser()
    data_dir = data_dir if data_dir.is_absolute() else base / data_dir
    db_raw = general.get(
        "database", str, "", "a file path (empty: data_dir/dlxh.sqlite3) or a postgresql:// URL"
    )
    try:
        database_url = postgres_url(db_raw, os.environ)
    except ValueError as exc:
        raise ConfigError(f"config: {exc}") from exc
    database = None
    if db_raw and not is_postgres_url(db_raw):
        database = Path(db_raw).expanduser()
        database = database if database.is_absolute() else base / database
    general.finish()

    tg = _Section("telegram", root.get("telegram", dict, {}, "a table [telegram]"))
    telegram = TelegramSettings(
        enabled=tg.get("enabled", bool, True, "true or false"),
        token_env=tg.get("token_env", str, "DLXH_TELEGRAM_TOKEN", "an environment variable name"),
        token_file=tg.get("token_file", str, "", "a file path holding the token"),
        base_url=tg.get("base_url", str, TelegramSettings.base_url, "a URL ending in /bot"),
        base_file_url=tg.get(
            "base_file_url", str, TelegramSettings.base_file_url, "a URL ending in /file/bot"
        ),
        poll_timeout=_positive(tg, "poll_timeout", 30, int),
    )
    tg.finish()

    zl = _Section("zalo", root.get("zalo", dict, {}, "a table [zalo]"))
    zalo = ZaloSettings(
        enabled=zl.get("enabled", bool, False, "true or false"),
        token_env=zl.get("token_env", str, "DLXH_ZALO_TOKEN", "an environment variable name"),
        token_file=zl.get("token_file", str, "", "a file path holding the token"),
        base_url=zl.get("base_url", str, ZaloSettings.base_url, "a URL"),
        poll_timeout=_positive(zl, "poll_timeout", 30, int),
        media_base_url=zl.get("media_base_url", str, "", "a public URL prefix of the file store, or empty"),
    )
    zl.finish()

    ob = _Section("outbox", root.get("outbox", dict, {}, "a table [outbox]"))
    outbox = OutboxSettings(
        global_rate=_positive(ob, "global_rate", 25.0),
        global_burst=_positive(ob, "global_burst", 30, int),
        chat_rate=_positive(ob, "chat_rate", 1.0),
        chat_burst=_positive(ob, "chat_burst", 5, int),
        max_backoff_seconds=_positive(ob, "max_backoff_seconds", 600.0),
        send_timeout_seconds=_positive(ob, "send_timeout_seconds", 10.0),
    )
    ob.finish()

    jb = _Section("jobs", root.get("jobs", dict, {}, "a table [jobs]"))
    jobs = JobSettings(
        processed_updates_keep_days=_positive(jb, "processed_updates_keep_days", 30, int),
        outbox_catchup_seconds=_positive(jb, "outbox_catchup_seconds", 60, int),
    )
    jb.finish()

    inv = _Section("invites", root.get("invites", dict, {}, "a table [invites]"))
    invites = InviteSettings(
        expiry_days=_positive(inv, "expiry_days", 14, int),
        max_failures_per_hour=_positive(inv, "max_failures_per_hour", 5, int),
    )
    inv.finish()

    dl = _Section("deadlines", root.get("deadlines", dict, {}, "a table [deadlines]"))
    deadlines = DeadlineSettings(
        urgent_ack_hours=_positive(dl, "urgent_ack_hours", 4.0),
        urgent_handle_hours=_positive(dl, "urgent_handle_hours", 24.0),
        ack_working_hours=_positive(dl, "ack_working_hours", 8.0),
        pressing_handle_working_days=_positive(dl, "pressing_handle_working_days", 5, int),
        normal_handle_working_days=_positive(dl, "normal_handle_working_days", 10, int),
    )
    dl.finish()

    rp = _Section("reports", root.get("reports", dict, {}, "a table [reports]"))
    reports = ReportSettings(
        draft_reminder_hours=_positive(rp, "draft_reminder_hours", 2.0),
        draft_discard_days=_positive(rp, "draft_discard_days", 7, int),
        withdraw_window_hours=_positive(rp, "withdraw_window_hours", 24.0),
        similar_threshold=_positive(rp, "similar_threshold", 60, int),
    )
    rp.finish()

    isx = _Section("issues", root.get("issues", dict, {}, "a table [issues]"))
    issues = IssueSettings(
        hotspot_reports=_positive(isx, "hotspot_reports", 3, int),
        hotspot_days=_positive(isx, "hotspot_days", 7, int),
        notify_reporters_on_ack=isx.get("notify_reporters_on_ack", bool, True, "true or false"),
        notify_reporters_on_assign=isx.get("notify_reporters_on_assign", bool, True, "true or false"),
    )
    isx.finish()

    fu = _Section("followups", root.get("followups", dict, {}, "a table [followups]"))
    digest_time = fu.get("digest_time", str, "07:00", 'a time like "07:00"')
    fu.convert("digest_time", digest_time, parse_hhmm, 'a time like "07:00"')
    followups = FollowupSettings(
        digest_time=digest_time,
        weekly_summary=fu.get("weekly_summary", bool, True, "true or false"),
        escalation_delay_working_hours=_positive(fu, "escalation_delay_working_hours", 16.0),
        urgent_escalation_delay_hours=_positive(fu, "urgent_escalation_delay_hours", 4.0),
        resolution_check_days=_positive(fu, "resolution_check_days", 14, int),
        resolution_reminder_days=_positive(fu, "resolution_reminder_days", 7, int),
        resolution_window_days=_positive(fu, "resolution_window_days", 14, int),
    )
    fu.finish()
    if followups.resolution_reminder_days >= followups.resolution_window_days:
        raise ConfigError(
            "config: followups.resolution_reminder_days must be less than followups.resolution_window_days"
        )

    rd = _Section("round", root.get("round", dict, {}, "a table [round]"))
    cadence = rd.get("cadence", str, "quarterly", '"quarterly" or "monthly"')
    if cadence not in ("quarterly", "monthly"):
        raise ConfigError(f'config: round.cadence = {cadence!r}: expected "quarterly" or "monthly"')
    days = {}
    for key, default in (("open_day", 1), ("close_day", 20), ("briefing_day", 25)):
        days[key] = rd.get(key, int, default, "a day of the month from 1 to 28")
        if not 1 <= days[key] <= 28:
            raise ConfigError(f"config: round.{key} = {days[key]}: expected a day of the month from 1 to 28")
    if days["close_day"] <= days["open_day"]:
        raise ConfigError(
            f"config: round.close_day = {days['close_day']}: expected a day after round.open_day ({days['open_day']})"
        )
    if days["briefing_day"] < days["close_day"]:
        raise ConfigError(
            f"config: round.briefing_day = {days['briefing_day']}: expected a day on or after round.close_day"
            f" ({days['close_day']})"
        )
    open_time = rd.get("open_time", str, "08:00", 'a time like "08:00"')
    rd.convert("open_time", open_time, parse_hhmm, 'a time like "08:00"')
    round_settings = RoundSettings(cadence=cadence, open_time=open_time, **days)
    rd.finish()

    bk = _Section("backups", root.get("backups", dict, {}, "a table [backups]"))
    folder_raw = bk.get("folder", str, "", "a folder path (empty: no scheduled backups)")
    backup_folder = None
    if folder_raw:
        backup_folder = Path(folder_raw).expanduser()
        backup_folder = backup_folder if backup_folder.is_absolute() else base / backup_folder
    backups = BackupSettings(
        folder=backup_folder,
        keep=_positive(bk, "keep", 7, int),
        hour=bk.get("hour", int, 2, "an hour 0-23"),
        minute=bk.get("minute", int, 30, "a minute 0-59"),
    )
    if not 0 <= backups.hour <= 23:
        raise ConfigError(f"config: backups.hour = {backups.hour!r}: expected an hour 0-23")
    if not 0 <= backups.minute <= 59:
        raise ConfigError(f"config: backups.minute = {backups.minute!r}: expected a minute 0-59")
    bk.finish()

    pv = _Section("privacy", root.get("privacy", dict, {}, "a table [privacy]"))
    privacy = PrivacySettings(
        retention_months=_positive(pv, "retention_months", 24, int),
        purge=pv.get("purge", bool, True, "true or false"),
    )
    pv.finish()

    wh = _Section("webhook", root.get("webhook", dict, {}, "a table [webhook]"))
    webhook = WebhookSettings(
        enabled=wh.get("enabled", bool, False, "true or false"),
        public_url=wh.get("public_url", str, "", "an https:// URL"),
        listen_host=wh.get("listen_host", str, "127.0.0.1", "an address to listen on"),
        listen_port=_positive(wh, "listen_port", 8443, int),
        telegram_path=wh.get("telegram_path", str, "/telegram", "a path like /telegram"),
        zalo_path=wh.get("zalo_path", str, "/zalo", "a path like /zalo"),
        secret_env=wh.get("secret_env", str, "DLXH_WEBHOOK_SECRET", "an environment variable name"),
        secret_file=wh.get("secret_file", str, "", "a file path holding the secret"),
    )
    if webhook.public_url and not webhook.public_url.startswith("https://"):
        raise ConfigError(f"config: webhook.public_url = {webhook.public_url!r}: expected an https:// URL")
    if webhook.enabled and not webhook.public_url:
        raise ConfigError(
            "config: missing key webhook.public_url: expected an https:// URL (webhook.enabled = true)"
        )
    for key in ("telegram_path", "zalo_path"):
        value = getattr(webhook, key)
        if not value.startswith("/") or value == "/":
            raise ConfigError(f"config: webhook.{key} = {value!r}: expected a path like /{key.split('_')[0]}")
    if webhook.telegram_path == webhook.zalo_path:
        raise ConfigError("config: webhook.zalo_path: expected a path other than webhook.telegram_path")
    wh.finish()

    bf = _Section("briefing", root.get("briefing", dict, {}, "a table [briefing]"))
    layout = bf.get("layout", str, "party", '"party" or "state"')
    if layout not in ("party", "state"):
        raise ConfigError(f'config: briefing.layout = {layout!r}: expected "party" or "state"')
    briefing = BriefingSettings(
        layout=layout,
        committee_name=bf.get("committee_name", str, "", "the committee's name (lines separated by \\n)"),
        place=bf.get("place", str, "", "a place name"),
        number_prefix=bf.get("number_prefix", str, "", "a short code like HU or UBND"),
    )
    bf.finish()

    calendar = _calendar(root.get("calendar", dict, {}, "a table [calendar]"))
    calendar = CalendarSettings(**{**calendar.__dict__, "timezone": timezone})
    root.used.update({"sectors", "categories"})
    sectors = _sectors(raw.get("sectors"))
    categories = _categories(raw.get("categories"), sectors)
    root.finish()
    return Settings(
        timezone=timezone,
        language=language,
        data_dir=data_dir,
        database=database,
        database_url=database_url,
        telegram=telegram,
        zalo=zalo,
        outbox=outbox,
        calendar=calendar,
        jobs=jobs,
        invites=invites,
        deadlines=deadlines,
        reports=reports,
        issues=issues,
        backups=backups,
        privacy=privacy,
        webhook=webhook,
        followups=followups,
        round=round_settings,
        briefing=briefing,
        sectors=sectors,
        categories=categories,
        source=source,
    )


def make_clock(settings: Settings, environ: Mapping[str, str] | None = None) -> Clock:
    """The clock a ``dlxh`` process runs on: the system's, unless a test pinned its start (see bot.clock)."""
    urls = [c.base_url for c in (settings.telegram, settings.zalo) if c.enabled]
    try:
        return clock_from_environment(os.environ if environ is None else environ, urls)
    except PinnedClockRefused as exc:
        raise ConfigError(f"config: {exc}") from None


def load_settings(path: Path | str | None = None) -> Settings:
    """Load from PATH, else $DLXH_CONFIG, else ./config.toml if present, else the built-in defaults."""
    chosen = (
        Path(path) if path else (Path(os.environ["DLXH_CONFIG"]) if os.environ.get("DLXH_CONFIG") else None)
    )
    if chosen is None:
        default = Path("config.toml")
        if not default.is_file():
            return parse_settings({})
        chosen = default
    if not chosen.is_file():
        raise ConfigError(f"config: file {chosen} not found")
    try:
        raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config: {chosen} is not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config: {chosen} is not UTF-8 text") from exc
    return parse_settings(raw, base_dir=chosen.resolve().parent, source=chosen)
