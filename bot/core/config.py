"""Settings loaded from TOML (the dataclasses are in ``bot/core/settings.py``).

Every key has a type and (where it may be omitted) a default. A wrong, unknown or missing key raises
:class:`ConfigError` with one line naming the key and what was expected; the CLI prints it and exits 2.
Secrets (tokens) never need to be in the TOML: they come from an environment variable or a file.
Each TOML section has its own parser below; :func:`key_lines` maps each key to its line in the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.clock import Clock, PinnedClockRefused, clock_from_environment
from bot.core.config_tables import _calendar, _categories, _non_negative, _positive, _Section, _sectors
from bot.core.dburl import PostgresUrl, is_postgres_url, postgres_url
from bot.core.settings import (
    LANGUAGES,
    BackupSettings,
    BriefingSettings,
    ConfigError,
    DeadlineSettings,
    FollowupSettings,
    InviteSettings,
    IssueSettings,
    JobSettings,
    OutboxSettings,
    PrivacySettings,
    ReportSettings,
    RoundSettings,
    Settings,
    TelegramSettings,
    WebhookSettings,
    ZaloSettings,
)
from bot.core.workcal import CalendarSettings, parse_hhmm

# the names other modules import from here (their home is bot.core.settings)
__all__ = [
    "LANGUAGES",
    "ConfigError",
    "OutboxSettings",
    "Settings",
    "TelegramSettings",
    "key_lines",
    "load_settings",
    "make_clock",
    "parse_settings",
]

# ---------------------------------------------------------------------------------------------- parsing


def _parse_general(
    root: _Section, base_dir: Path | None
) -> tuple[str, str, Path, Path | None, PostgresUrl | None]:
    """The [general] section: the time zone, the language, the data folder and the database (a SQLite file,
    or a PostgreSQL URL: bot.core.dburl)."""
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
    return timezone, language, data_dir, database, database_url


def _parse_telegram(root: _Section) -> TelegramSettings:
    """The [telegram] section."""
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
    return telegram


def _parse_zalo(root: _Section) -> ZaloSettings:
    """The [zalo] section."""
    zl = _Section("zalo", root.get("zalo", dict, {}, "a table [zalo]"))
    zalo = ZaloSettings(
        enabled=zl.get("enabled", bool, False, "true or false"),
        token_env=zl.get("token_env", str, "DLXH_ZALO_TOKEN", "an environment variable name"),
        token_file=zl.get("token_file", str, "", "a file path holding the token"),
        base_url=zl.get("base_url", str, ZaloSettings.base_url, "a URL"),
        poll_timeout=_positive(zl, "poll_timeout", 30, int),
        media_base_url=zl.get("media_base_url", str, "", "deprecated: signed links replace it"),
        files_path=zl.get("files_path", str, "/files", "a path like /files"),
        link_hours=_positive(zl, "link_hours", 24, int),
        link_secret_env=zl.get("link_secret_env", str, "DLXH_LINK_SECRET", "an environment variable name"),
        link_secret_file=zl.get("link_secret_file", str, "", "a file path holding the link secret"),
    )
    if not zalo.files_path.startswith("/") or len(zalo.files_path) < 2:
        raise ConfigError(f"config: zalo.files_path = {zalo.files_path!r}: expected a path like /files")
    zl.finish()
    return zalo


def _parse_outbox(root: _Section) -> OutboxSettings:
    """The [outbox] section."""
    ob = _Section("outbox", root.get("outbox", dict, {}, "a table [outbox]"))
    outbox = OutboxSettings(
        global_rate=_positive(ob, "global_rate", 25.0),
        global_burst=_positive(ob, "global_burst", 30, int),
        chat_rate=_positive(ob, "chat_rate", 1.0),
        chat_burst=_positive(ob, "chat_burst", 5, int),
        max_backoff_seconds=_positive(ob, "max_backoff_seconds", 600.0),
        send_timeout_seconds=_positive(ob, "send_timeout_seconds", 10.0),
        concurrency=_positive(ob, "concurrency", 4, int),
        stranger_rate=_positive(ob, "stranger_rate", 2.0),
        stranger_burst=_positive(ob, "stranger_burst", 5, int),
        keep_sent_days=_positive(ob, "keep_sent_days", 30, int),
    )
    ob.finish()
    return outbox


def _parse_jobs(root: _Section) -> JobSettings:
    """The [jobs] section."""
    jb = _Section("jobs", root.get("jobs", dict, {}, "a table [jobs]"))
    jobs = JobSettings(
        processed_updates_keep_days=_positive(jb, "processed_updates_keep_days", 30, int),
        outbox_catchup_seconds=_non_negative(jb, "outbox_catchup_seconds", 60),
    )
    jb.finish()
    return jobs


def _parse_invites(root: _Section) -> InviteSettings:
    """The [invites] section."""
    inv = _Section("invites", root.get("invites", dict, {}, "a table [invites]"))
    invites = InviteSettings(
        expiry_days=_positive(inv, "expiry_days", 14, int),
        max_failures_per_hour=_positive(inv, "max_failures_per_hour", 5, int),
    )
    inv.finish()
    return invites


def _parse_deadlines(root: _Section) -> DeadlineSettings:
    """The [deadlines] section."""
    dl = _Section("deadlines", root.get("deadlines", dict, {}, "a table [deadlines]"))
    deadlines = DeadlineSettings(
        urgent_ack_hours=_positive(dl, "urgent_ack_hours", 4.0),
        urgent_handle_hours=_positive(dl, "urgent_handle_hours", 24.0),
        ack_working_hours=_positive(dl, "ack_working_hours", 8.0),
        pressing_handle_working_days=_positive(dl, "pressing_handle_working_days", 5, int),
        normal_handle_working_days=_positive(dl, "normal_handle_working_days", 10, int),
    )
    dl.finish()
    return deadlines


def _parse_reports(root: _Section) -> ReportSettings:
    """The [reports] section."""
    rp = _Section("reports", root.get("reports", dict, {}, "a table [reports]"))
    reports = ReportSettings(
        draft_reminder_hours=_positive(rp, "draft_reminder_hours", 2.0),
        draft_discard_days=_positive(rp, "draft_discard_days", 7, int),
        withdraw_window_hours=_positive(rp, "withdraw_window_hours", 24.0),
        similar_threshold=_positive(rp, "similar_threshold", 60, int),
    )
    rp.finish()
    return reports


def _parse_issues(root: _Section) -> IssueSettings:
    """The [issues] section."""
    isx = _Section("issues", root.get("issues", dict, {}, "a table [issues]"))
    issues = IssueSettings(
        hotspot_reports=_positive(isx, "hotspot_reports", 3, int),
        hotspot_days=_positive(isx, "hotspot_days", 7, int),
        notify_reporters_on_ack=isx.get("notify_reporters_on_ack", bool, True, "true or false"),
        notify_reporters_on_assign=isx.get("notify_reporters_on_assign", bool, True, "true or false"),
    )
    isx.finish()
    return issues


def _parse_followups(root: _Section) -> FollowupSettings:
    """The [followups] section."""
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
    return followups


def _parse_round(root: _Section) -> RoundSettings:
    """The [round] section."""
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
    return round_settings


def _parse_backups(root: _Section, base: Path) -> BackupSettings:
    """The [backups] section."""
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
    return backups


def _parse_privacy(root: _Section) -> PrivacySettings:
    """The [privacy] section."""
    pv = _Section("privacy", root.get("privacy", dict, {}, "a table [privacy]"))
    privacy = PrivacySettings(
        retention_months=_positive(pv, "retention_months", 24, int),
        purge=pv.get("purge", bool, True, "true or false"),
    )
    pv.finish()
    return privacy


def _parse_webhook(root: _Section) -> WebhookSettings:
    """The [webhook] section."""
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
    return webhook


def _parse_briefing(root: _Section) -> BriefingSettings:
    """The [briefing] section."""
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
    return briefing


def parse_settings(
    raw: Mapping[str, Any], *, base_dir: Path | None = None, source: Path | None = None
) -> Settings:
    """Build :class:`Settings` from a parsed TOML document, one section after another."""
    root = _Section("", raw)
    timezone, language, data_dir, database, database_url = _parse_general(root, base_dir)
    base = base_dir or Path.cwd()
    telegram = _parse_telegram(root)
    zalo = _parse_zalo(root)
    outbox = _parse_outbox(root)
    jobs = _parse_jobs(root)
    invites = _parse_invites(root)
    deadlines = _parse_deadlines(root)
    reports = _parse_reports(root)
    issues = _parse_issues(root)
    followups = _parse_followups(root)
    round_settings = _parse_round(root)
    backups = _parse_backups(root, base)
    privacy = _parse_privacy(root)
    webhook = _parse_webhook(root)
    briefing = _parse_briefing(root)
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


_TABLE_RE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def key_lines(text: str) -> dict[str, int]:
    """Each key of a TOML text (``section.key``) and the line (1-based) it is set on, for errors that name
    the line. A key set in several ``[[array]]`` tables keeps its first line."""
    out: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _TABLE_RE.match(line):
            table = header.group(1)
            out.setdefault(table, number)
        elif key := _KEY_RE.match(line):
            out.setdefault(f"{table}.{key.group(1)}" if table else key.group(1), number)
    return out


def make_clock(settings: Settings, environ: Mapping[str, str] | None = None) -> Clock:
    """The clock a ``dlxh`` process runs on: the system's, unless a test pinned its start (see bot.core.clock)."""
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
        raise ConfigError(f"config: file {chosen} not found", fix=_NO_FILE_FIX)
    try:
        text = chosen.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config: {chosen} is not valid TOML: {exc}", fix=_SYNTAX_FIX) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config: {chosen} is not UTF-8 text", fix="save the file as UTF-8") from exc
    try:
        return parse_settings(raw, base_dir=chosen.resolve().parent, source=chosen)
    except ConfigError as exc:
        raise _located(exc, chosen, key_lines(text)) from None


_NO_FILE_FIX = "copy config.example.toml to config.toml, or point --config (or DLXH_CONFIG) at the file"
_SYNTAX_FIX = "correct the TOML at the line named (quotes around text, [section] headers, key = value)"
_NAMED_KEY = re.compile(
    r"^config: (?:missing key |unknown (?:key|section) )?([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\b"
)


def _located(exc: ConfigError, path: Path, lines: dict[str, int]) -> ConfigError:
    """``exc`` naming the file and the line of the key it is about (or of its section), when the file has it."""
    message = str(exc)
    named = _NAMED_KEY.match(message)
    if named is None:
        return ConfigError(f"config: {path}: {message.removeprefix('config: ')}", fix=exc.fix)
    key = named.group(1)
    line = lines.get(key) or lines.get(key.rsplit(".", 1)[0])
    where = f"{path}, line {line}" if line else str(path)
    return ConfigError(f"config: {where}: {message.removeprefix('config: ')}", key=key, fix=exc.fix)
