"""The typed settings: one frozen dataclass per TOML section, and :class:`Settings` holding them all.

``bot/core/config.py`` builds them from a TOML file; everything else only reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.dburl import PostgresUrl
from bot.core.workcal import CalendarSettings

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
LANGUAGES = ("vi", "en")


class ConfigError(Exception):
    """A configuration problem, phrased as one line naming the file, the line and the key where there is one;
    ``key`` is that key ("" when none is named), ``fix`` how to put it right when the line does not say."""

    def __init__(self, message: str, *, key: str = "", fix: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.fix = fix


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
    media_base_url: str = ""  # deprecated and ignored (a public, permanent prefix): signed links replace it
    # signed links to evidence (bot.core.links), served at webhook.public_url + files_path while they last
    files_path: str = "/files"
    link_hours: int = 24
    link_secret_env: str = "DLXH_LINK_SECRET"
    link_secret_file: str = ""

    def token(self) -> str | None:
        """The bot token from the environment variable, else from the token file; None if neither."""
        return _token(self.token_env, self.token_file)

    def link_secret(self) -> str | None:
        """The secret that signs file links (environment variable, else file); None: no links."""
        return _token(self.link_secret_env, self.link_secret_file)


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
    concurrency: int = 4  # sends in flight at once: also the most a kill can make go out twice
    stranger_rate: float = 2.0  # refusals to strangers a second, on top of the limits above
    stranger_burst: int = 5
    keep_sent_days: int = 30  # delivered rows (with their texts) are pruned after this


@dataclass(frozen=True)
class JobSettings:
    processed_updates_keep_days: int = 30
    outbox_catchup_seconds: int = 60  # 0 turns the periodic catch-up off


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
    database_url: PostgresUrl | None = None  # PostgreSQL instead of the SQLite file (bot.core.dburl)
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
