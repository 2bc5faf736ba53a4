"""RRULE expansion in the location's wall time, its bounds and its refusals
(app.scheduling.recurrence), without a database.

New York changes on 2026-03-08 (02:00 EST -> 03:00 EDT) and 2026-11-01 (02:00 EDT -> 01:00 EST);
2026-10-25 and 2026-03-01 are the Sundays a week before.
"""

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as dateutil_rrule

from app.errors import DomainError
from app.scheduling.errors import SchedulingErrorCode
from app.scheduling.recurrence import MAX_OCCURRENCES, occurrences

NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
SUNDAY_BEFORE_FALL_BACK = datetime(2026, 10, 25, 10, tzinfo=NEW_YORK)
SUNDAY_BEFORE_SPRING_FORWARD = datetime(2026, 3, 1, 10, tzinfo=NEW_YORK)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def refusal(rule: str, first: datetime = SUNDAY_BEFORE_FALL_BACK, tz: ZoneInfo = NEW_YORK):
    """The (code, field, message) a rule is refused with."""
    with pytest.raises(DomainError) as error:
        occurrences(rule, first, tz)
    return error.value.code, error.value.field, error.value.message


# wall time across DST changes -----------------------------------------------------------------
def test_a_weekly_10am_new_york_rule_stays_at_10am_across_the_2026_fall_back():
    # when a weekly 10:00 rule from the Sunday before the change is expanded
    visits = occurrences("FREQ=WEEKLY;COUNT=3", SUNDAY_BEFORE_FALL_BACK, NEW_YORK)
    # then 10:00 EDT is 14:00Z, and from the day of the change 10:00 EST is 15:00Z
    assert visits == [utc("2026-10-25T14:00"), utc("2026-11-01T15:00"), utc("2026-11-08T15:00")]
    assert {v.astimezone(NEW_YORK).hour for v in visits} == {10}


def test_a_weekly_10am_new_york_rule_from_a_thursday_moves_in_utc_only_after_the_fall_back():
    visits = occurrences(
        "FREQ=WEEKLY;COUNT=3", datetime(2026, 10, 22, 10, tzinfo=NEW_YORK), NEW_YORK
    )
    assert visits == [utc("2026-10-22T14:00"), utc("2026-10-29T14:00"), utc("2026-11-05T15:00")]


def test_a_weekly_10am_new_york_rule_stays_at_10am_across_the_2026_spring_forward():
    visits = occurrences("FREQ=WEEKLY;COUNT=3", SUNDAY_BEFORE_SPRING_FORWARD, NEW_YORK)
    assert visits == [utc("2026-03-01T15:00"), utc("2026-03-08T14:00"), utc("2026-03-15T14:00")]


def test_an_occurrence_in_the_spring_forward_gap_is_moved_past_the_gap():
    # given a weekly 02:30 visit; 02:30 does not exist in New York on 2026-03-08
    first = datetime(2026, 3, 1, 2, 30, tzinfo=NEW_YORK)
    # when it is expanded
    visits = occurrences("FREQ=WEEKLY;COUNT=2", first, NEW_YORK)
    # then the second is 07:30Z, which New York shows as 03:30 EDT
    assert visits == [utc("2026-03-01T07:30"), utc("2026-03-08T07:30")]
    assert visits[1].astimezone(NEW_YORK).strftime("%H:%M%z") == "03:30-0400"


def test_an_ambiguous_fall_back_occurrence_is_the_first_of_the_two():
    # given a weekly 01:30 visit; 01:30 happens twice in New York on 2026-11-01
    first = datetime(2026, 10, 25, 1, 30, tzinfo=NEW_YORK)
    # when / then the second visit is at the first 01:30 (EDT, 05:30Z), not the second (06:30Z)
    assert occurrences("FREQ=WEEKLY;COUNT=2", first, NEW_YORK) == [
        utc("2026-10-25T05:30"),
        utc("2026-11-01T05:30"),
    ]


def test_the_rule_is_expanded_in_the_locations_zone_whatever_zone_the_first_is_given_in():
    # given the first visit as 14:00Z, which is 10:00 in New York
    # when / then the series keeps 10:00 New York time, not 14:00 UTC
    assert occurrences("FREQ=WEEKLY;COUNT=2", utc("2026-10-25T14:00"), NEW_YORK) == [
        utc("2026-10-25T14:00"),
        utc("2026-11-01T15:00"),
    ]


def test_weekdays_and_leap_days_fall_on_the_real_calendar():
    # (the rule is expanded 400-year cycles later and shifted back: the calendar must match)
    assert occurrences("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4", SUNDAY_BEFORE_FALL_BACK, NEW_YORK) == [
        utc("2026-10-26T14:00"),
        utc("2026-10-28T14:00"),
        utc("2026-11-02T15:00"),
        utc("2026-11-04T15:00"),
    ]
    new_year = datetime(2027, 1, 1, 10, tzinfo=NEW_YORK)
    assert occurrences("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=1", new_year, NEW_YORK) == [
        utc("2028-02-29T15:00")
    ]
    assert occurrences("FREQ=MONTHLY;BYMONTHDAY=31;COUNT=3", SUNDAY_BEFORE_FALL_BACK, NEW_YORK) == [
        utc("2026-10-31T14:00"),
        utc("2026-12-31T15:00"),
        utc("2027-01-31T15:00"),
    ]


# bounds ----------------------------------------------------------------------------------------
def test_until_in_utc_is_the_same_instant_and_includes_a_visit_that_starts_at_it():
    # given UNTIL in UTC, RFC 5545's form: the third visit starts at 15:00Z on 2026-11-08
    at_third = "FREQ=WEEKLY;UNTIL=20261108T150000Z"
    just_before_third = "FREQ=WEEKLY;UNTIL=20261108T145959Z"
    # when / then UNTIL at the third visit includes it, a second earlier does not
    assert occurrences(at_third, SUNDAY_BEFORE_FALL_BACK, NEW_YORK)[-1] == utc("2026-11-08T15:00")
    assert len(occurrences(at_third, SUNDAY_BEFORE_FALL_BACK, NEW_YORK)) == 3
    assert occurrences(just_before_third, SUNDAY_BEFORE_FALL_BACK, NEW_YORK) == [
        utc("2026-10-25T14:00"),
        utc("2026-11-01T15:00"),
    ]


def test_until_without_z_is_local_wall_time():
    # given UNTIL 10:00 local on 2026-11-08 (15:00Z), and UNTIL that date at midnight
    # when / then the first includes the visit at 10:00 that day, the second does not
    assert (
        len(occurrences("FREQ=WEEKLY;UNTIL=20261108T100000", SUNDAY_BEFORE_FALL_BACK, NEW_YORK))
        == 3
    )
    assert len(occurrences("FREQ=WEEKLY;UNTIL=20261108", SUNDAY_BEFORE_FALL_BACK, NEW_YORK)) == 2


def test_an_rrule_prefix_surrounding_space_and_lower_case_are_accepted():
    for rule in (" RRULE:FREQ=DAILY;COUNT=2 ", "freq=daily;count=2"):
        assert occurrences(rule, SUNDAY_BEFORE_FALL_BACK, NEW_YORK) == [
            utc("2026-10-25T14:00"),
            utc("2026-10-26T14:00"),
        ], rule


def test_a_series_may_have_104_visits_and_not_105():
    # when 104 daily visits are asked for
    visits = occurrences(f"FREQ=DAILY;COUNT={MAX_OCCURRENCES}", SUNDAY_BEFORE_FALL_BACK, NEW_YORK)
    # then there are 104, the last at 10:00 EST on 2027-02-05
    assert MAX_OCCURRENCES == 104
    assert len(visits) == 104
    assert visits[-1] == utc("2027-02-05T15:00")
    # and 105 are refused
    assert refusal("FREQ=DAILY;COUNT=105") == (
        SchedulingErrorCode.INVALID_RRULE,
        ["rrule"],
        "At most 104 occurrences per series.",
    )


def test_every_visit_must_fall_within_five_years_of_the_first():
    # given yearly visits from 2026-10-25: the sixth is 2031-10-25, the seventh 2032-10-25
    six = occurrences("FREQ=YEARLY;COUNT=6", SUNDAY_BEFORE_FALL_BACK, NEW_YORK)
    # when / then six are booked, the seventh is beyond the horizon
    assert six[-1] == utc("2031-10-25T14:00")
    assert refusal("FREQ=YEARLY;COUNT=7") == (
        SchedulingErrorCode.INVALID_RRULE,
        ["rrule"],
        "Every occurrence must fall within five years of the first.",
    )


def test_a_rule_that_can_never_match_is_refused_within_a_bounded_walk(monkeypatch):
    # given a rule for 30 February (dateutil alone walks to year 9999 looking: ~10 s), and a
    # count of the (year, month) periods dateutil's iterator builds: the work, not the clock
    periods: list[tuple[int, int]] = []
    rebuild = dateutil_rrule._iterinfo.rebuild

    def counted(self: Any, year: int, month: int) -> None:
        periods.append((year, month))
        rebuild(self, year, month)

    monkeypatch.setattr(dateutil_rrule._iterinfo, "rebuild", counted)
    # when it is expanded
    refused = refusal("FREQ=DAILY;COUNT=2;BYMONTH=2;BYMONTHDAY=30")
    # then it is refused as having no visits, after a walk of a few hundred years, not thousands
    assert refused == (SchedulingErrorCode.INVALID_RRULE, ["rrule"], "The rule has no occurrences.")
    assert 0 < len({year for year, _ in periods}) <= 410


@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;UNTIL=20261001T000000Z", "FREQ=WEEKLY;COUNT=0"])
def test_a_rule_that_ends_before_its_first_visit_is_refused(rule):
    assert refusal(rule) == (
        SchedulingErrorCode.INVALID_RRULE,
        ["rrule"],
        "The rule has no occurrences.",
    )


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY",  # no COUNT or UNTIL: unbounded
        "FREQ=HOURLY;COUNT=3",
        "FREQ=MINUTELY;COUNT=3",
        "FREQ=SECONDLY;COUNT=3",
        "NOT A RULE;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=0;COUNT=2",  # would never advance
        "FREQ=WEEKLY;INTERVAL=-1;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=x;COUNT=2",
        "FREQ=WEEKLY;COUNT=2\nRRULE:FREQ=DAILY;COUNT=2",  # a set of rules, not one
    ],
)
def test_unbounded_sub_daily_non_advancing_or_malformed_rules_are_invalid(rule):
    code, field, _ = refusal(rule)
    assert (code, field) == (SchedulingErrorCode.INVALID_RRULE, ["rrule"])


def test_a_series_that_reaches_past_year_9999_is_out_of_range():
    # given rules whose visits (or UNTIL, in local time) would fall after 9999-12-31
    auckland_first = datetime(2026, 10, 25, 10, tzinfo=AUCKLAND)
    last_days = datetime(9999, 12, 30, 10, tzinfo=UTC)
    # when / then each is an out-of-range refusal, not a crash
    out_of_range = (
        SchedulingErrorCode.INVALID_TIME_RANGE,
        ["rrule"],
        "The series reaches beyond year 9999.",
    )
    assert refusal("FREQ=WEEKLY;UNTIL=99991231T235959Z", auckland_first, AUCKLAND) == out_of_range
    assert refusal("FREQ=DAILY;COUNT=3", last_days, ZoneInfo("UTC")) == out_of_range


def test_a_series_on_the_last_days_of_9999_that_stays_in_them_is_expanded():
    first = datetime(9999, 12, 29, 10, tzinfo=UTC)
    assert occurrences("FREQ=DAILY;COUNT=2", first, ZoneInfo("UTC")) == [
        datetime(9999, 12, 29, 10, tzinfo=UTC),
        datetime(9999, 12, 30, 10, tzinfo=UTC),
    ]
