"""``[general] database`` as a PostgreSQL URL: no password in the file, DLXH_DATABASE_URL, a password file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, parse_settings
from storage.target import PostgresUrl, parse_target


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DLXH_DATABASE_URL", raising=False)
    monkeypatch.delenv("DLXH_DATABASE_PASSWORD_FILE", raising=False)


def general(tmp_path: Path, database: str) -> dict[str, object]:
    return {"general": {"data_dir": str(tmp_path), "database": database}}


def test_sqlite_stays_the_default(tmp_path: Path) -> None:
    settings = parse_settings({"general": {"data_dir": str(tmp_path)}}, base_dir=tmp_path)
    assert settings.database_url is None and settings.database_target == tmp_path / "dlxh.sqlite3"


def test_a_url_without_password_is_taken(tmp_path: Path) -> None:
    settings = parse_settings(general(tmp_path, "postgresql://dlxh@db.example:5432/dlxh"), base_dir=tmp_path)
    assert settings.database_target == PostgresUrl("postgresql://dlxh@db.example:5432/dlxh")
    assert settings.database_url is not None and settings.database_url.password is None


def test_a_url_with_a_password_in_the_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(general(tmp_path, "postgresql://dlxh:s3cret@db.example/dlxh"), base_dir=tmp_path)
    message = str(caught.value)
    assert "password" in message and "DLXH_DATABASE_URL" in message and ".pgpass" in message
    assert "s3cret" not in message


def test_the_environment_overrides_and_may_carry_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLXH_DATABASE_URL", "postgresql://dlxh:s3cret@10.0.0.5:5433/tinh")
    settings = parse_settings(general(tmp_path, "postgresql://other@x/y"), base_dir=tmp_path)
    assert settings.database_url is not None
    assert settings.database_url.url.endswith("@10.0.0.5:5433/tinh")
    assert "s3cret" not in str(settings.database_url) and "s3cret" not in repr(settings)
    assert str(settings.database_url) == "postgresql://dlxh:***@10.0.0.5:5433/tinh"
    monkeypatch.setenv("DLXH_DATABASE_URL", "/var/lib/dlxh.sqlite3")
    with pytest.raises(ConfigError, match="DLXH_DATABASE_URL"):
        parse_settings(general(tmp_path, ""), base_dir=tmp_path)


def test_a_password_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "pw"
    secret.write_text("pw-Đ9x7q\n", encoding="utf-8")
    monkeypatch.setenv("DLXH_DATABASE_PASSWORD_FILE", str(secret))
    settings = parse_settings(general(tmp_path, "postgresql://dlxh@db/dlxh"), base_dir=tmp_path)
    assert settings.database_url is not None and settings.database_url.password == "pw-Đ9x7q"
    assert "Đ9x7q" not in repr(settings)
    monkeypatch.setenv("DLXH_DATABASE_PASSWORD_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="DLXH_DATABASE_PASSWORD_FILE"):
        parse_settings(general(tmp_path, "postgresql://dlxh@db/dlxh"), base_dir=tmp_path)


def test_targets_from_text() -> None:
    assert parse_target("sqlite:///data/dlxh.sqlite3") == Path("data/dlxh.sqlite3")
    assert parse_target("sqlite:////var/dlxh.sqlite3") == Path("/var/dlxh.sqlite3")
    assert parse_target("postgres://u@h/d") == PostgresUrl("postgres://u@h/d")
