"""``dlxh doctor``: :func:`doctor` answers "will the bot run, and if not, why?" one check at a time."""

from __future__ import annotations

import asyncio
import email.utils
import os
import shutil
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from bot.core.clock import TEST_START_VARIABLE
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.workcal import WorkCalendar
from bot.lifecycle import running_bot
from bot.ops import pg
from bot.ops.backup import configured_backup_folder, newest_backup_time
from bot.zalo import ZaloApi, ZaloApiError
from storage import groups, privacy
from storage.backup import DatabaseError, DatabaseFileError, known_schema, read_only, verify_database
from storage.outbox import count_outbox


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    fix: str = ""


LOW_DISK_BYTES = 1 << 30
CLOCK_SKEW_SECONDS = 120.0
BACKUP_MAX_AGE = timedelta(hours=36)


async def doctor(
    settings: Settings,
    *,
    timeout: float = 5.0,
    backup_folder: Path | None = None,
    now: datetime | None = None,
) -> list[Check]:
    """Every check, in order; a check that cannot run says so instead of raising."""
    checks: list[Check] = [_check_config(settings)]
    if os.environ.get(TEST_START_VARIABLE, "").strip():
        test_clock = f"{TEST_START_VARIABLE} is set: dlxh would run on a test clock, not the real time"
        fix = f"unset {TEST_START_VARIABLE} (it is for end-to-end tests against an emulator only)"
        checks.append(Check("clock", False, test_clock, fix))
    server_dates: list[tuple[str, datetime, float]] = []
    if settings.telegram.enabled:
        checks.append(await _check_telegram(settings, timeout))
        date = await _server_date(settings.telegram.base_url, timeout)
        if date is not None:
            server_dates.append(("Telegram", *date))
    if settings.zalo.enabled:
        checks.append(await _check_zalo(settings, timeout))
        date = await _server_date(settings.zalo.base_url, timeout)
        if date is not None:
            server_dates.append(("Zalo", *date))
    checks += _check_token_files(settings)
    checks.append(await _check_database(settings))
    checks += await _check_groups(settings)
    checks.append(_check_running(settings))
    checks.append(_check_files(settings))
    checks.append(_check_disk(settings))
    # the doctor checks this machine's own clock, so it reads it (tests pass ``now``)
    current = now or datetime.now(UTC)  # wall-clock ok
    checks.append(_check_time(settings, server_dates, current))
    checks.append(_check_holidays(settings, current))
    checks.append(_check_backups(settings, backup_folder, current))
    return checks


def format_checks(checks: list[Check]) -> str:
    lines = []
    for c in checks:
        lines.append(f"{'✔' if c.ok else '✘'} {c.name}: {c.message}")
        if not c.ok and c.fix:
            lines.append(f"    fix: {c.fix}")
    problems = sum(1 for c in checks if not c.ok)
    lines.append("all checks passed" if problems == 0 else f"{problems} problem(s) found")
    return "\n".join(lines)


def _check_config(settings: Settings) -> Check:
    where = str(settings.source) if settings.source else "built-in defaults (no config file found)"
    channels = [
        n for n, on in (("telegram", settings.telegram.enabled), ("zalo", settings.zalo.enabled)) if on
    ]
    if not channels:
        return Check(
            "config", False, f"{where}: no channel is enabled", "set [telegram] enabled = true (or [zalo])"
        )
    return Check("config", True, f"{where}; channels: {', '.join(channels)}; data in {settings.data_dir}")


def _missing_token_fix(env: str, file: str) -> str:
    where = f" or put it in {file}" if file else " or set token_file to a file holding it"
    return f"export {env}=<token>{where}"


def _check_token_files(settings: Settings) -> list[Check]:
    """A token or secret file others on the machine can read is a leak waiting to happen: name it."""
    named = [
        ("telegram", settings.telegram.token_file if settings.telegram.enabled else ""),
        ("zalo", settings.zalo.token_file if settings.zalo.enabled else ""),
        ("webhook", settings.webhook.secret_file if settings.webhook.enabled else ""),
    ]
    checks = []
    for section, name in named:
        path = Path(name) if name else None
        if path is None or not path.is_file():
            continue  # a missing file is the token check's finding
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
            checks.append(
                Check(
                    f"{section} token file",
                    False,
                    f"{path} can be read by other users of this machine (mode {stat.filemode(mode)})",
                    f"chmod 600 {path} (and chown it to the bot's user)",
                )
            )
    return checks


async def _check_telegram(settings: Settings, timeout: float) -> Check:

    tg = settings.telegram
    token = tg.token()
    if not token:
        return Check(
            "telegram token",
            False,
            f"no token: {tg.token_env} is empty",
            _missing_token_fix(tg.token_env, tg.token_file),
        )

    def request() -> HTTPXRequest:
        return HTTPXRequest(
            connect_timeout=timeout, read_timeout=timeout, write_timeout=timeout, pool_timeout=timeout
        )

    try:
        async with asyncio.timeout(timeout * 2):
            bot = Bot(
                token,
                base_url=tg.base_url,
                base_file_url=tg.base_file_url,
                request=request(),
                get_updates_request=request(),
            )
            async with bot:
                name = bot.username
    except InvalidToken:
        return Check(
            "telegram token",
            False,
            f"Telegram refused the token (from {tg.token_env or tg.token_file})",
            "copy the token again from @BotFather (/mybots → API Token); a revoked token must be replaced",
        )
    except (TimedOut, TimeoutError):
        return Check(
            "telegram token", False, f"no answer from {_origin(tg.base_url)} within {timeout:g}s",
            "check the network, DNS and any proxy or firewall between this machine and Telegram",
        )  # fmt: skip
    except NetworkError as exc:
        return Check(
            "telegram token", False, f"cannot reach {_origin(tg.base_url)}: {_clean(str(exc), token)}",
            "check the network, DNS and any proxy or firewall between this machine and Telegram",
        )  # fmt: skip
    except TelegramError as exc:
        return Check("telegram token", False, f"getMe failed: {_clean(str(exc), token)}", "see the message")
    return Check("telegram token", True, f"the bot is @{name}")


async def _check_zalo(settings: Settings, timeout: float) -> Check:

    zl = settings.zalo
    token = zl.token()
    if not token:
        return Check(
            "zalo token",
            False,
            f"no token: {zl.token_env} is empty",
            _missing_token_fix(zl.token_env, zl.token_file),
        )
    api = ZaloApi(token, zl.base_url, send_timeout=timeout)
    try:
        me = await asyncio.wait_for(api.get_me(), timeout * 2)
    except ZaloApiError as exc:
        if exc.network:
            return Check(
                "zalo token", False, f"cannot reach {_origin(zl.base_url)}: {_clean(exc.description, token)}",
                "check the network, DNS and any proxy or firewall between this machine and Zalo",
            )  # fmt: skip
        if exc.has_code(401) or exc.has_code(403) or exc.has_code(404):
            return Check(
                "zalo token", False, "Zalo refused the token",
                "copy the token again from the Zalo Bot Platform (Zalo Bot Creator); a revoked token must be replaced",
            )  # fmt: skip
        return Check("zalo token", False, f"getMe failed: {_clean(str(exc), token)}", "see the message")
    except TimeoutError:
        return Check(
            "zalo token", False, f"no answer from {_origin(zl.base_url)} within {timeout:g}s",
            "check the network, DNS and any proxy or firewall between this machine and Zalo",
        )  # fmt: skip
    finally:
        await api.aclose()
    name = me.get("account_name") or me.get("display_name") or me.get("id") or "?"
    return Check("zalo token", True, f"the bot is {name}")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _clean(text: str, token: str) -> str:
    """Never print a token."""
    return text.replace(token, "<token>") if token else text


async def _server_date(base_url: str, timeout: float) -> tuple[datetime, float] | None:
    """(the server's Date header, our clock's offset from it in seconds), or None if nothing answered."""

    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.head(_origin(base_url) + "/")
    except (httpx.HTTPError, ValueError):
        return None
    header = response.headers.get("date")
    if not header:
        return None
    try:
        server = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=UTC)
    skew = datetime.now(UTC) - server  # wall-clock ok: this machine's clock against the server's
    return server, skew.total_seconds()


def _check_running(settings: Settings) -> Check:
    """The running bot, if any: which channel waits and why (a stopped bot is a finding only in --quick)."""
    ok, message, fix = running_bot(settings.database_path)
    if message.startswith("no dlxh run"):
        return Check("running bot", True, "none on this database (start it with dlxh run)")
    return Check("running bot", ok, message, fix)


async def quick_checks(settings: Settings) -> list[Check]:
    """``dlxh doctor --quick`` (the container's HEALTHCHECK): the config, a read of the database, and the
    running bot with its channels; no network calls, no integrity scan."""
    checks = [_check_config(settings)]
    path = settings.database_path
    if settings.database_url is not None:
        checks.append(await _check_database(settings))
    else:
        try:
            async with read_only(path) as tx:
                version = await privacy.schema_version(tx)
            checks.append(Check("database", True, f"{path} answers (schema v{version})"))
        except (DatabaseFileError, DatabaseError, OSError) as exc:
            checks.append(Check("database", False, f"{path} cannot be read: {exc}", "see dlxh doctor"))
    ok, message, fix = running_bot(path)
    checks.append(Check("running bot", ok, message, fix))
    return checks


async def _check_database(settings: Settings) -> Check:
    if settings.database_url is not None:
        found = await pg.check(settings.database_url, known_schema())
        return Check("database", found.ok, found.detail, found.fix)
    path = settings.database_path
    if not path.is_file():
        return Check(
            "database", False, f"no database at {path}",
            "run `dlxh migrate` to create it (dlxh run creates it too), or fix general.data_dir / general.database",
        )  # fmt: skip
    try:
        await asyncio.to_thread(verify_database, path)
        async with read_only(path) as tx:
            version = await privacy.schema_version(tx)
            counts = await privacy.count_rows(tx, ("members", "issues", "outbox"))
            pending = (await count_outbox(tx)).get("pending", 0) if "outbox" in counts else 0
    except (DatabaseFileError, DatabaseError, OSError) as exc:
        return Check(
            "database", False, f"{path} cannot be read: {exc}",
            "check the file's owner and permissions; restore the newest backup if it is damaged (dlxh restore)",
        )  # fmt: skip
    known = known_schema()
    if version > known:
        return Check(
            "database", False, f"schema v{version} is newer than this dlxh (v{known})",
            "install the dlxh version that wrote it (or newer); a database is never downgraded",
        )  # fmt: skip
    if version < known:
        return Check(
            "database", False, f"schema v{version}, this dlxh expects v{known}: migrations are pending",
            "run `dlxh migrate` (a backup first: dlxh backup PATH); dlxh run also migrates at start",
        )  # fmt: skip
    return Check(
        "database",
        True,
        f"{path} schema v{version} (current); {counts.get('members', 0)} members, "
        f"{counts.get('issues', 0)} issues, {pending} message(s) waiting to be sent",
    )


async def _check_groups(settings: Settings) -> list[Check]:
    """The leaders' groups (/group): what each linked group still lacks (an SQLite database; on PostgreSQL,
    ``/group status`` in the bot says it)."""
    path = settings.database_path
    if settings.database_url is not None or not path.is_file():
        return []
    try:
        async with read_only(path) as tx:
            if "group_links" not in await tx.table_names():
                return []
            links = await groups.list_group_links(tx)
    except (DatabaseFileError, DatabaseError, OSError):
        return []  # the database check says what is wrong
    if not links:
        return []
    blind = [g.id for g in links if not g.bot_admin]
    no_topics = [g.id for g in links if g.bot_admin and not g.is_forum]
    detail = f"{len(links)} linked group(s)"
    if no_topics:
        detail += f"; without a topic per issue (Topics off): {', '.join(map(str, no_topics))}"
    if blind:
        where = ", ".join(map(str, blind))
        fix = "make the bot an administrator of those groups: until then they get the short form only"
        return [Check("leaders' groups", False, f"{detail}; the bot is no administrator in: {where}", fix)]
    return [Check("leaders' groups", True, detail)]


def _check_files(settings: Settings) -> Check:
    root = settings.files_dir
    probe = root / f".doctor-{os.getpid()}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as exc:
        return Check(
            "file store", False, f"{root} is not writable: {exc.strerror or exc}",
            f"give the bot's user write access: chown -R <bot user> {root}",
        )  # fmt: skip
    return Check("file store", True, f"{root} is writable")


def _check_disk(settings: Settings) -> Check:
    probe = settings.data_dir
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError as exc:
        return Check("disk space", False, f"cannot read free space of {probe}: {exc}", "check the folder")
    gib = free / (1 << 30)
    if free < LOW_DISK_BYTES:
        return Check(
            "disk space", False, f"only {gib:.2f} GiB free under {probe}",
            "free space (old backups, logs: journalctl --vacuum-size=200M) or move data_dir to a larger disk",
        )  # fmt: skip
    return Check("disk space", True, f"{gib:.1f} GiB free under {probe}")


def _check_time(
    settings: Settings, server_dates: list[tuple[str, datetime, float]], current: datetime
) -> Check:
    try:
        tz = ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return Check(
            "time", False, f"time zone {settings.timezone!r} is unknown",
            "set general.timezone to an IANA name like Asia/Ho_Chi_Minh; install tzdata if none is known",
        )  # fmt: skip
    local = current.astimezone(tz)
    if current.year < 2025 or current.year > 2100:
        return Check(
            "time", False, f"the clock says {local:%d/%m/%Y %H:%M}, which cannot be right",
            "set the clock and keep it synchronised: timedatectl set-ntp true",
        )  # fmt: skip
    for server, _date, offset in server_dates:
        if abs(offset) > CLOCK_SKEW_SECONDS:
            return Check(
                "time", False,
                f"the clock is {abs(offset):.0f}s {'ahead of' if offset > 0 else 'behind'} {server}'s",
                "keep the clock synchronised: timedatectl set-ntp true (or install chrony)",
            )  # fmt: skip
    compared = (
        f"; within {max(abs(o) for _, _, o in server_dates):.0f}s of {', '.join(s for s, _, _ in server_dates)}"
        if server_dates
        else "; not compared with a server"
    )
    return Check("time", True, f"{settings.timezone}, now {local:%H:%M %d/%m/%Y}{compared}")


def _check_holidays(settings: Settings, now: datetime) -> Check:
    """This year's and next year's days off, for the office to compare with the government's announcement."""
    year = now.astimezone(settings.tz).year
    calendar = WorkCalendar(settings.calendar)
    years = [
        f"{y}: " + ", ".join(d.strftime("%d/%m") for d in calendar.holidays_of(y)) for y in (year, year + 1)
    ]
    source = "official calendar" if settings.calendar.official_holidays else "configured dates only"
    return Check("holidays", True, f"{source}; " + "; ".join(years))


def _check_backups(settings: Settings, folder: Path | None, now: datetime) -> Check:
    folder = folder or configured_backup_folder(settings)
    if folder is None:
        return Check("backups", True, "no backup folder configured (scheduled backups are off)")
    newest = newest_backup_time(folder)
    if newest is None:
        return Check(
            "backups", False, f"no complete backup in {folder}",
            f"run `dlxh backup {folder / 'first'}` now; the daily job keeps them from then on",
        )  # fmt: skip
    path, made = newest
    age = now - made
    hours = age.total_seconds() / 3600
    if age > BACKUP_MAX_AGE:
        return Check(
            "backups", False, f"the newest backup ({path.name}) is {hours:.0f} hours old",
            "check `dlxh jobs list` for the backup job's last error, and that the bot is running",
        )  # fmt: skip
    return Check("backups", True, f"newest {path.name}, {hours:.1f} hours old")


async def cli_doctor(settings: Settings, *, quick: bool = False) -> int:
    checks = await (quick_checks(settings) if quick else doctor(settings))
    print(format_checks(checks))
    return 0 if all(c.ok for c in checks) else 1


def doctor_main(config: str | None, *, quick: bool = False) -> int:
    """``dlxh doctor``, loading the config itself so that a broken config is one of the findings."""
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        fix = exc.fix or ("correct the key named above" if exc.key else "")
        print(format_checks([Check("config", False, str(exc).removeprefix("config: "), fix)]))
        return 1
    return asyncio.run(cli_doctor(settings, quick=quick))
