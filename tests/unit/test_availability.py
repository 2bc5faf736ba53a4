"""Free time as interval arithmetic on UTC instants, and local wall time across DST changes
(app.scheduling.availability), without a database.

New York changes on 2026-03-08 (02:00 EST -> 03:00 EDT) and 2026-11-01 (02:00 EDT -> 01:00 EST).
"""

from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from app.errors import DomainError
from app.scheduling import availability as av
from app.scheduling.errors import SchedulingErrorCode

NEW_YORK = ZoneInfo("America/New_York")
SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)
HOUR = timedelta(hours=1)
HALF_HOUR = timedelta(minutes=30)


def at(hour: int, minute: int = 0) -> datetime:
    """An instant on an ordinary day (Monday 2026-01-05), in UTC."""
    return datetime(2026, 1, 5, hour, minute, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def refusal(error: pytest.ExceptionInfo[DomainError]) -> tuple[str, list[str] | None]:
    return error.value.code, error.value.field


# local wall time -> instants --------------------------------------------------------------------
def test_nine_local_is_14z_before_each_change_day_and_13z_or_14z_on_it():
    # when 09:00 New York is turned into instants around both 2026 changes
    nine = [
        av.instant(day, time(9), NEW_YORK)
        for day in (date(2026, 3, 7), SPRING_FORWARD, date(2026, 10, 31), FALL_BACK)
    ]
    # then it moves by an hour in UTC on the day of each change
    assert nine == [
        utc("2026-03-07T14:00"),
        utc("2026-03-08T13:00"),
        utc("2026-10-31T13:00"),
        utc("2026-11-01T14:00"),
    ]
    assert all(n.tzinfo is UTC for n in nine)


def test_a_wall_time_in_the_spring_forward_gap_maps_past_the_gap():
    # given 02:30 on 2026-03-08, a time New York clocks skip
    # when it is turned into an instant
    moved = av.instant(SPRING_FORWARD, time(2, 30), NEW_YORK)
    # then it is 07:30Z, which New York shows as 03:30 EDT
    assert moved == utc("2026-03-08T07:30")
    assert moved.astimezone(NEW_YORK).strftime("%H:%M%z") == "03:30-0400"


def test_an_ambiguous_fall_back_wall_time_means_its_first_occurrence():
    # given 01:30 on 2026-11-01, which New York clocks show twice
    # when / then it is the first, in EDT (05:30Z), not the second (06:30Z)
    assert av.instant(FALL_BACK, time(1, 30), NEW_YORK) == utc("2026-11-01T05:30")


def test_sunday_night_hours_are_three_real_hours_at_spring_forward_and_five_at_fall_back():
    # given hours of 00:00-04:00 local, turned into instants day by day
    def night(day: date) -> av.Interval:
        return av.instant(day, time(0), NEW_YORK), av.instant(day, time(4), NEW_YORK)

    spring, fall = night(SPRING_FORWARD), night(FALL_BACK)
    # when the nights are cut into hourly slots
    spring_slots = av.cut([spring], HOUR, spring)
    fall_slots = av.cut([fall], HOUR, fall)
    # then each night is as long as it really was, cut in real hours
    assert spring[1] - spring[0] == timedelta(hours=3)
    assert fall[1] - fall[0] == timedelta(hours=5)
    assert [s.hour for s, _ in spring_slots] == [5, 6, 7]
    assert [s.hour for s, _ in fall_slots] == [4, 5, 6, 7, 8]
    assert [s.astimezone(NEW_YORK).strftime("%H:%M%z") for s, _ in fall_slots] == [
        "00:00-0400",
        "01:00-0400",
        "01:00-0500",
        "02:00-0500",
        "03:00-0500",
    ]


def test_local_dates_are_the_calendar_days_an_interval_touches_in_the_zone():
    # given 04:00Z-06:00Z on 2026-03-08: 23:00 EST on the 7th to 01:00 EST on the 8th
    # when / then it touches both local days
    assert av.local_dates(utc("2026-03-08T04:00"), utc("2026-03-08T06:00"), NEW_YORK) == [
        date(2026, 3, 7),
        SPRING_FORWARD,
    ]


def test_local_dates_end_before_the_end_instant():
    # given the 23-hour local day of 2026-03-08, midnight to midnight (05:00Z to 04:00Z)
    start = av.instant(SPRING_FORWARD, time(0), NEW_YORK)
    end = av.instant(date(2026, 3, 9), time(0), NEW_YORK)
    # when / then it is that one day: the end (the 9th's first instant) is not in it
    assert end - start == timedelta(hours=23)
    assert av.local_dates(start, end, NEW_YORK) == [SPRING_FORWARD]


# interval arithmetic ---------------------------------------------------------------------------
def test_merge_sorts_and_joins_overlapping_and_touching_intervals():
    # given unsorted intervals, two touching at 10:00 and one inside another
    intervals = [(at(13), at(14)), (at(10), at(11)), (at(9), at(10)), (at(9, 30), at(9, 45))]
    # when / then they become two
    assert av.merge(intervals) == [(at(9), at(11)), (at(13), at(14))]


def test_merge_keeps_intervals_apart_that_a_minute_separates():
    assert av.merge([(at(9), at(10)), (at(10, 1), at(11))]) == [
        (at(9), at(10)),
        (at(10, 1), at(11)),
    ]


def test_subtract_cuts_busy_time_out_of_free_time():
    # given free 09-12 and 13-17, busy 11-13:30 (over the lunch gap), 15-16, and 16:30-18
    free = [(at(13), at(17)), (at(9), at(12))]
    busy = [(at(16, 30), at(18)), (at(11), at(13, 30)), (at(15), at(16))]
    # when / then what is left is the free time around each busy interval
    assert av.subtract(free, busy) == [
        (at(9), at(11)),
        (at(13, 30), at(15)),
        (at(16), at(16, 30)),
    ]


def test_subtract_removes_a_free_interval_that_busy_time_covers_entirely():
    assert av.subtract([(at(9), at(10)), (at(11), at(12))], [(at(8), at(10, 30))]) == [
        (at(11), at(12))
    ]


def test_subtract_keeps_free_time_that_busy_time_only_touches():
    assert av.subtract([(at(9), at(10))], [(at(8), at(9)), (at(10), at(11))]) == [(at(9), at(10))]


def test_subtract_with_nothing_busy_is_the_merged_free_time():
    assert av.subtract([(at(10), at(11)), (at(9), at(10))], []) == [(at(9), at(11))]


def test_contains_needs_one_interval_that_holds_the_whole_span():
    free = [(at(9), at(11)), (at(13), at(17))]
    # the ends of an interval belong to it
    assert av.contains(free, at(9), at(11))
    assert av.contains(free, at(13), at(13, 30))
    # a span over the gap, or sticking out of either end, is not contained
    assert not av.contains(free, at(10, 30), at(13, 30))
    assert not av.contains(free, at(8, 30), at(9, 30))
    assert not av.contains(free, at(16, 30), at(17, 30))
    assert not av.contains([], at(9), at(10))


def test_intervals_that_only_touch_do_not_overlap():
    assert not av.overlaps((at(9), at(10)), (at(10), at(11)))
    assert not av.overlaps((at(10), at(11)), (at(9), at(10)))
    assert av.overlaps((at(9), at(10)), (at(9, 59), at(11)))
    assert av.overlaps((at(9), at(12)), (at(10), at(11)))


def test_slots_are_cut_back_to_back_from_each_free_start_and_kept_inside_the_window():
    # given free 09:00-10:45 and 13:00-14:00, a 09:15-14:00 window
    free = [(at(13), at(14)), (at(9), at(10, 45))]
    # when 30-minute slots are cut
    slots = av.cut(free, HALF_HOUR, (at(9, 15), at(14)))
    # then they keep the free time's 09:00 grid (no 09:15 slot), drop the 09:00 slot that starts
    # before the window and the 15 minutes left at 10:30, and end exactly at the window's end
    assert slots == [
        (at(9, 30), at(10)),
        (at(10), at(10, 30)),
        (at(13), at(13, 30)),
        (at(13, 30), at(14)),
    ]


def test_no_slot_is_cut_from_free_time_shorter_than_the_visit():
    assert av.cut([(at(9), at(9, 29))], HALF_HOUR, (at(0), at(23))) == []


def test_slots_are_produced_lazily_in_time_order():
    # given a whole year free, in 15-minute slots: 35,040 of them
    year = (utc("2026-01-01T00:00"), utc("2027-01-01T00:00"))
    # when only the first three are taken
    first = list(islice(av.iter_cut([year], timedelta(minutes=15), year), 3))
    # then they are the first three of the year
    assert first == [
        (utc("2026-01-01T00:00"), utc("2026-01-01T00:15")),
        (utc("2026-01-01T00:15"), utc("2026-01-01T00:30")),
        (utc("2026-01-01T00:30"), utc("2026-01-01T00:45")),
    ]


def test_busy_time_answers_overlaps_as_a_check_of_every_interval_would():
    # given held time where a long visit (09-17) covers later, shorter ones
    held = [(at(10), at(10, 30)), (at(9), at(17)), (at(12), at(12, 15)), (at(18), at(19))]
    busy = av.Busy(held)
    # when every half-hour slot of the day is asked about
    slots = [(at(h, m), at(h, m) + HALF_HOUR) for h in range(7, 21) for m in (0, 30)]
    # then the index answers as comparing with every held interval does
    assert [busy.overlaps(s) for s in slots] == [
        any(av.overlaps(s, h) for h in held) for s in slots
    ]
    # and in particular the long visit holds 16:00, after the shorter ones have ended
    assert busy.overlaps((at(16), at(16, 30)))
    assert not busy.overlaps((at(17), at(18)))  # touches both neighbours, overlaps neither


def test_no_busy_time_overlaps_nothing():
    assert not av.Busy([]).overlaps((at(9), at(10)))


# refusals -------------------------------------------------------------------------------------
def test_a_time_with_an_offset_becomes_its_utc_instant():
    eastern = timezone(timedelta(hours=-5))
    assert av.aware(datetime(2026, 1, 31, 9, tzinfo=eastern), "starts_at") == utc(
        "2026-01-31T14:00"
    )


def test_a_time_without_an_offset_is_refused_for_its_field():
    with pytest.raises(DomainError) as error:
        av.aware(datetime(2026, 1, 31, 9), "starts_at")
    assert refusal(error) == (SchedulingErrorCode.INVALID_TIME_RANGE, ["starts_at"])


@pytest.mark.parametrize(
    "value",
    [
        datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),  # 10000-01-01Z
        datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),  # 0000-12-31Z
    ],
)
def test_a_time_whose_instant_falls_outside_years_1_to_9999_is_refused_not_a_crash(value):
    with pytest.raises(DomainError) as error:
        av.aware(value, "to")
    assert refusal(error) == (SchedulingErrorCode.INVALID_TIME_RANGE, ["to"])


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "../etc/passwd", "America/New_York "])
def test_an_unknown_time_zone_is_refused(name):
    with pytest.raises(DomainError) as error:
        av.zone(name)
    assert refusal(error) == (SchedulingErrorCode.INVALID_TIMEZONE, ["timezone"])


def test_the_last_day_of_9999_late_in_new_york_is_a_refusal_for_the_field_not_a_crash():
    # given 9999-12-31 23:00 in New York, which is 10000-01-01T04:00Z
    # when it is turned into an instant inside in_range("date")
    with pytest.raises(DomainError) as error, av.in_range("date"):
        av.instant(date.max, time(23), NEW_YORK)
    # then the overflow is a refusal of "date"
    assert refusal(error) == (SchedulingErrorCode.INVALID_TIME_RANGE, ["date"])


async def test_a_guarded_coroutine_refuses_an_overflow_and_passes_its_result_through():
    # given a coroutine function guarded for the field "to"
    @av.refusing_out_of_range("to")
    async def day_after(day: date) -> date:
        return day + timedelta(days=1)

    # when it is awaited within the calendar, then past its end
    assert await day_after(date(2026, 1, 31)) == date(2026, 2, 1)
    with pytest.raises(DomainError) as error:
        await day_after(date.max)
    # then the second is a refusal of "to"
    assert refusal(error) == (SchedulingErrorCode.INVALID_TIME_RANGE, ["to"])
    assert day_after.__name__ == "day_after"
