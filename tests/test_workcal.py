"""Tests for bot.core.workcal (working-time calendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.workcal import (
    CalendarSearchError,
    CalendarSettings,
    WorkCalendar,
    parse_hhmm,
    parse_interval,
)

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    HAS_HYPOTHESIS = True
except ImportError:  # pragma: no cover
    HAS_HYPOTHESIS = False

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TET_2027 = frozenset(date(2027, 2, 5) + timedelta(days=i) for i in range(7))  # 05..11 Feb 2027


def vn(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=VN)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar(CalendarSettings())


@pytest.fixture
def tet_cal() -> WorkCalendar:
    return WorkCalendar(CalendarSettings(holidays=TET_2027))


# --------------------------------------------------------------- parsing


def test_parse_hhmm() -> None:
    assert parse_hhmm("07:30") == time(7, 30)
    assert parse_hhmm("7:05") == time(7, 5)
    assert parse_hhmm(" 23:59 ") == time(23, 59)
    for bad in ["24:00", "12:60", "1230", "12:3", "ab:cd", "", "12:30:00"]:
        with pytest.raises(ValueError, match=r"expected HH:MM, got '"):
            parse_hhmm(bad)


def test_parse_interval() -> None:
    assert parse_interval("07:30-11:30") == (time(7, 30), time(11, 30))
    assert parse_interval("13:30 - 17:00") == (time(13, 30), time(17, 0))
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_interval("07:30")
    with pytest.raises(ValueError, match="start < end"):
        parse_interval("11:30-07:30")
    with pytest.raises(ValueError, match="expected HH:MM"):
        parse_interval("07:30-25:00")


# -------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"work_days": ()}, "empty work week"),
        ({"work_days": (0, 7)}, "work_days"),
        ({"office_hours": ()}, "at least one interval"),
        ({"office_hours": ((time(9), time(9)),)}, "empty interval 09:00-09:00"),
        ({"office_hours": ((time(17), time(8)),)}, "inverted interval 17:00-08:00"),
        (
            {"office_hours": ((time(7, 30), time(12)), (time(11), time(17)))},
            "overlapping intervals 07:30-12:00 and 11:00-17:00",
        ),
        (
            {"holidays": frozenset({date(2027, 2, 6)}), "makeup_workdays": frozenset({date(2027, 2, 6)})},
            "2027-02-06",
        ),
        ({"holidays": frozenset({datetime(2027, 2, 6)})}, "holidays: expected date"),
        ({"timezone": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"quiet_start": "21:00"}, "quiet_start"),
    ],
)
def test_validation_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(CalendarSettings(**kwargs))  # type: ignore[arg-type]


def test_empty_work_week_with_makeup_days_is_valid() -> None:
    c = WorkCalendar(CalendarSettings(work_days=(), makeup_workdays=frozenset({date(2027, 3, 6)})))
    assert c.is_working_day(date(2027, 3, 6))
    assert not c.is_working_day(date(2027, 3, 8))
    with pytest.raises(CalendarSearchError):
        c.next_working_day(date(2027, 3, 6))


def test_unsorted_office_hours_are_sorted() -> None:
    c = WorkCalendar(CalendarSettings(office_hours=((time(13, 30), time(17)), (time(7, 30), time(11, 30)))))
    assert c.add_working_hours(vn(2027, 3, 1, 7, 30), 5) == vn(2027, 3, 1, 14, 30)


def test_naive_input_rejected(cal: WorkCalendar) -> None:
    naive = datetime(2027, 3, 1, 9, 0)
    for call in (
        lambda: cal.local(naive),
        lambda: cal.is_working_time(naive),
        lambda: cal.add_working_hours(naive, 1),
        lambda: cal.add_working_days(naive, 1),
        lambda: cal.working_hours_between(naive, naive),
        lambda: cal.is_quiet(naive),
        lambda: cal.next_non_quiet(naive),
    ):
        with pytest.raises(ValueError, match="naive"):
            call()


def test_bad_arguments(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        cal.add_working_hours(vn(2027, 3, 1, 9), -1)
    with pytest.raises(ValueError, match="finite"):
        cal.add_working_hours(vn(2027, 3, 1, 9), float("nan"))
    with pytest.raises(ValueError, match=">= 0"):
        cal.add_working_days(vn(2027, 3, 1, 9), -1)
    with pytest.raises(TypeError, match="not a datetime"):
        cal.is_working_day(datetime(2027, 3, 1, 9, tzinfo=VN))


# ------------------------------------------------------------ working days


def test_working_days_basics(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2027, 3, 5))  # Friday
    assert not cal.is_working_day(date(2027, 3, 6))  # Saturday
    assert cal.next_working_day(date(2027, 3, 5)) == date(2027, 3, 8)
    assert cal.working_days_in(date(2027, 3, 4), date(2027, 3, 9)) == [
        date(2027, 3, 4),
        date(2027, 3, 5),
        date(2027, 3, 8),
        date(2027, 3, 9),
    ]
    assert cal.working_days_in(date(2027, 3, 9), date(2027, 3, 4)) == []
    assert cal.hours_per_day == 7.5


def test_is_working_time_edges(cal: WorkCalendar) -> None:
    assert cal.is_working_time(vn(2027, 3, 1, 7, 30))
    assert not cal.is_working_time(vn(2027, 3, 1, 7, 29))
    assert not cal.is_working_time(vn(2027, 3, 1, 11, 30))  # lunch starts
    assert not cal.is_working_time(vn(2027, 3, 1, 12, 0))
    assert cal.is_working_time(vn(2027, 3, 1, 13, 30))
    assert not cal.is_working_time(vn(2027, 3, 1, 17, 0))
    assert not cal.is_working_time(vn(2027, 3, 6, 9, 0))  # Saturday


def test_friday_evening(cal: WorkCalendar) -> None:
    fri_evening = vn(2027, 3, 5, 19, 0)
    assert cal.add_working_hours(fri_evening, 2) == vn(2027, 3, 8, 9, 30)
    assert cal.add_working_hours(fri_evening, 0) == vn(2027, 3, 8, 7, 30)
    assert cal.add_working_days(fri_evening, 1) == vn(2027, 3, 8, 17, 0)
    assert cal.add_working_days(vn(2027, 3, 5, 10, 0), 1) == vn(2027, 3, 8, 17, 0)
    assert cal.add_working_days(vn(2027, 3, 6, 10, 0), 1) == vn(2027, 3, 8, 17, 0)  # Saturday
    assert cal.add_working_days(vn(2027, 3, 5, 10, 0), 3) == vn(2027, 3, 10, 17, 0)
    assert cal.working_hours_between(fri_evening, vn(2027, 3, 8, 9, 30)) == 2


def test_add_working_days_zero(cal: WorkCalendar) -> None:
    assert cal.add_working_days(vn(2027, 3, 5, 10), 0) == vn(2027, 3, 5, 17)
    assert cal.add_working_days(vn(2027, 3, 5, 17), 0) == vn(2027, 3, 5, 17)
    assert cal.add_working_days(vn(2027, 3, 5, 18), 0) == vn(2027, 3, 8, 17)
    assert cal.add_working_days(vn(2027, 3, 6, 9), 0) == vn(2027, 3, 8, 17)


def test_lunch_break(cal: WorkCalendar) -> None:
    mon = vn(2027, 3, 1, 10, 0)
    assert cal.add_working_hours(mon, 1.5) == vn(2027, 3, 1, 11, 30)  # ends exactly at close
    assert cal.add_working_hours(mon, 2) == vn(2027, 3, 1, 14, 0)
    assert cal.add_working_hours(vn(2027, 3, 1, 12, 15), 1) == vn(2027, 3, 1, 14, 30)
    assert cal.working_hours_between(mon, vn(2027, 3, 1, 14, 0)) == 2
    assert cal.working_hours_between(vn(2027, 3, 1, 11, 45), vn(2027, 3, 1, 13, 15)) == 0
    # 07:30 Monday + 7.5 h = 17:00 the same day; one more hour spills to Tuesday
    assert cal.add_working_hours(vn(2027, 3, 1, 7, 30), 7.5) == vn(2027, 3, 1, 17, 0)
    assert cal.add_working_hours(vn(2027, 3, 1, 7, 30), 8.5) == vn(2027, 3, 2, 8, 30)


def test_tet_week_pushes_deadline(tet_cal: WorkCalendar, cal: WorkCalendar) -> None:
    thu = vn(2027, 2, 4, 10, 0)  # last working day before Tết
    assert cal.add_working_days(thu, 1) == vn(2027, 2, 5, 17, 0)
    assert tet_cal.add_working_days(thu, 1) == vn(2027, 2, 12, 17, 0)
    assert tet_cal.add_working_days(thu, 2) == vn(2027, 2, 15, 17, 0)
    # 8 working hours from Thursday 10:00: 5 h left on Thursday, 3 h on Friday 12 Feb
    assert tet_cal.add_working_hours(thu, 8) == vn(2027, 2, 12, 10, 30)
    assert tet_cal.next_working_day(date(2027, 2, 4)) == date(2027, 2, 12)
    assert tet_cal.working_days_in(date(2027, 2, 1), date(2027, 2, 14)) == [
        date(2027, 2, 1),
        date(2027, 2, 2),
        date(2027, 2, 3),
        date(2027, 2, 4),
        date(2027, 2, 12),
    ]
    assert tet_cal.working_hours_between(thu, vn(2027, 2, 12, 10, 30)) == 8
    assert tet_cal.working_days_between(vn(2027, 2, 4, 7, 30), vn(2027, 2, 12, 17, 0)) == 2


def test_makeup_saturday() -> None:
    sat = date(2027, 2, 20)
    c = WorkCalendar(CalendarSettings(holidays=TET_2027, makeup_workdays=frozenset({sat})))
    assert c.is_working_day(sat)
    assert c.next_working_day(date(2027, 2, 19)) == sat
    assert c.add_working_days(vn(2027, 2, 19, 10), 1) == vn(2027, 2, 20, 17, 0)
    assert c.add_working_hours(vn(2027, 2, 19, 16), 2) == vn(2027, 2, 20, 8, 30)
    assert not c.is_quiet(vn(2027, 2, 20, 9))
    assert c.is_quiet(vn(2027, 2, 21, 9))  # Sunday still off


def test_quiet_hours_wrap_midnight(cal: WorkCalendar) -> None:
    assert not cal.is_quiet(vn(2027, 3, 2, 20, 59))
    assert cal.is_quiet(vn(2027, 3, 2, 21, 0))
    assert cal.is_quiet(vn(2027, 3, 2, 23, 59))
    assert cal.is_quiet(vn(2027, 3, 3, 0, 0))
    assert cal.is_quiet(vn(2027, 3, 3, 6, 59))
    assert not cal.is_quiet(vn(2027, 3, 3, 7, 0))
    assert cal.next_non_quiet(vn(2027, 3, 2, 22, 0)) == vn(2027, 3, 3, 7, 0)
    assert cal.next_non_quiet(vn(2027, 3, 3, 3, 0)) == vn(2027, 3, 3, 7, 0)
    noon = vn(2027, 3, 3, 12, 0)
    assert cal.next_non_quiet(noon) is noon


def test_quiet_hours_not_wrapping_and_disabled() -> None:
    c = WorkCalendar(CalendarSettings(quiet_start=time(12), quiet_end=time(13), hold_on_days_off=False))
    assert c.is_quiet(vn(2027, 3, 6, 12, 30))  # Saturday, hours only
    assert not c.is_quiet(vn(2027, 3, 6, 22, 0))
    assert c.next_non_quiet(vn(2027, 3, 6, 12, 30)) == vn(2027, 3, 6, 13, 0)
    off = WorkCalendar(CalendarSettings(quiet_start=time(0), quiet_end=time(0), hold_on_days_off=False))
    assert not off.is_quiet(vn(2027, 3, 6, 3, 0))


def test_next_non_quiet_weekend_and_holiday() -> None:
    holiday_monday = date(2027, 3, 8)
    c = WorkCalendar(CalendarSettings(holidays=frozenset({holiday_monday})))
    assert c.next_non_quiet(vn(2027, 3, 5, 22, 0)) == vn(2027, 3, 9, 7, 0)  # Fri night -> Tue
    assert c.next_non_quiet(vn(2027, 3, 8, 10, 0)) == vn(2027, 3, 9, 7, 0)  # holiday -> Tue
    plain = WorkCalendar(CalendarSettings())
    assert plain.next_non_quiet(vn(2027, 3, 5, 22, 0)) == vn(2027, 3, 8, 7, 0)
    assert plain.next_non_quiet(vn(2027, 3, 6, 15, 0)) == vn(2027, 3, 8, 7, 0)
    not_held = WorkCalendar(CalendarSettings(hold_on_days_off=False))
    assert not_held.next_non_quiet(vn(2027, 3, 5, 22, 0)) == vn(2027, 3, 6, 7, 0)


def test_tet_quiet(tet_cal: WorkCalendar) -> None:
    assert tet_cal.next_non_quiet(vn(2027, 2, 4, 21, 30)) == vn(2027, 2, 12, 7, 0)


def test_utc_in_utc_out(cal: WorkCalendar) -> None:
    fri_evening_utc = datetime(2027, 3, 5, 12, 0, tzinfo=UTC)  # 19:00 in Vietnam
    due = cal.add_working_hours(fri_evening_utc, 2)
    assert due.tzinfo is UTC
    assert due == datetime(2027, 3, 8, 2, 30, tzinfo=UTC)  # Monday 09:30 local
    assert cal.add_working_days(fri_evening_utc, 1) == datetime(2027, 3, 8, 10, 0, tzinfo=UTC)
    nq = cal.next_non_quiet(fri_evening_utc + timedelta(hours=3))
    assert nq.tzinfo is UTC and nq == datetime(2027, 3, 8, 0, 0, tzinfo=UTC)
    # 00:30 UTC Monday is 07:30 local: working time, although it is still Sunday-ish in UTC terms
    assert cal.is_working_time(datetime(2027, 3, 8, 0, 30, tzinfo=UTC))
    assert cal.local(fri_evening_utc) == vn(2027, 3, 5, 19, 0)
    assert cal.local(fri_evening_utc).tzinfo is cal.tz


def test_other_tz_returns_input_tz(cal: WorkCalendar) -> None:
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2027, 3, 1, 3, 0, tzinfo=paris)  # 09:00 in Vietnam
    out = cal.add_working_hours(start, 1)
    assert out.tzinfo is paris
    assert out == vn(2027, 3, 1, 10, 0)


def test_working_hours_between_negative_and_days(cal: WorkCalendar) -> None:
    a, b = vn(2027, 3, 1, 7, 30), vn(2027, 3, 3, 17, 0)
    assert cal.working_hours_between(a, b) == 22.5
    assert cal.working_hours_between(b, a) == -22.5
    assert cal.working_days_between(a, b) == 3
    assert cal.working_hours_between(a, a) == 0


def test_long_span_is_capped() -> None:
    c = WorkCalendar(CalendarSettings(work_days=(), makeup_workdays=frozenset({date(2027, 3, 6)})))
    with pytest.raises(CalendarSearchError):
        c.add_working_hours(vn(2027, 3, 6, 9), 10)
    with pytest.raises(CalendarSearchError):
        c.add_working_days(vn(2027, 3, 1, 9), 2)
    with pytest.raises(CalendarSearchError):
        c.next_non_quiet(vn(2027, 3, 7, 9))


# ----------------------------------------------------------- property test

if HAS_HYPOTHESIS:
    _PROP_CAL = WorkCalendar(
        CalendarSettings(holidays=TET_2027, makeup_workdays=frozenset({date(2027, 2, 20)}))
    )

    @settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        start=st.datetimes(
            min_value=datetime(2026, 12, 1),
            max_value=datetime(2027, 6, 1),
            timezones=st.sampled_from([VN, UTC]),
        ),
        hours=st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False),
    )
    def test_between_inverts_add(start: datetime, hours: float) -> None:
        end = _PROP_CAL.add_working_hours(start, hours)
        assert end >= start
        assert end.tzinfo is start.tzinfo
        assert abs(_PROP_CAL.working_hours_between(start, end) - hours) <= 1e-6
        assert abs(_PROP_CAL.working_hours_between(end, start) + hours) <= 1e-6

else:  # pragma: no cover

    @pytest.mark.skip(reason="hypothesis not installed")
    def test_between_inverts_add() -> None:
        pass


def test_official_holidays_come_from_the_holidays_package_with_their_make_up_days() -> None:
    c = WorkCalendar(CalendarSettings(official_holidays=True))
    assert [d.isoformat() for d in c.holidays_of(2027) if d.month == 2] == [
        "2027-02-04",
        "2027-02-05",
        "2027-02-06",
        "2027-02-07",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
    ]  # fmt: skip  (Tết Đinh Mùi, computed from the lunar calendar)
    assert not c.is_working_day(date(2026, 8, 31))  # "Day off (substituted from 08/22/2026)"
    assert c.is_working_day(date(2026, 8, 22))  # ... so that Saturday is worked
    assert not c.is_working_day(date(2026, 9, 2))
    plain = WorkCalendar(CalendarSettings())
    assert plain.is_working_day(date(2026, 8, 31)) and not plain.is_working_day(date(2026, 8, 22))


def test_configured_holidays_add_and_not_holidays_remove() -> None:
    c = WorkCalendar(
        CalendarSettings(
            official_holidays=True,
            holidays=frozenset({date(2026, 12, 1)}),
            not_holidays=frozenset({date(2026, 11, 24)}),
            makeup_workdays=frozenset({date(2026, 12, 5)}),
        )
    )
    assert not c.is_working_day(date(2026, 12, 1))
    assert c.is_working_day(date(2026, 11, 24))  # removed from the official list
    assert c.is_working_day(date(2026, 12, 5)) and c.is_working_day(date(2026, 8, 22))  # both make-up kinds
