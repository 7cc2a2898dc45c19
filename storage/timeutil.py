"""Timestamps as stored: UTC, ISO 8601, fixed width, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def ts(dt: datetime) -> str:
    """An aware datetime as stored text."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_ts(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
