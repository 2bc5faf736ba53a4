"""A free-slot search returns at most 500 slots and says when it stopped there: truncated, and
where to search on from so that no slot is missed or repeated."""

from datetime import time, timedelta

from app.scheduling.models import ExceptionKind
from tests.fixtures.scheduling import add_exception, days_ahead, make_clinic, parse, pk_of

SEARCH = """
query($type: ID!, $from: DateTime!, $to: DateTime!, $location: ID) {
  availableSlots(appointmentTypeId: $type, from: $from, to: $to, locationId: $location) {
    slots { startsAt provider { id } }
    truncated
    resumeFrom
  }
}
"""
# 09:00-17:20 every day in 5-minute visits: 100 slots a day per provider
HUNDRED_A_DAY = {weekday: [(time(9), time(17, 20))] for weekday in range(7)}
FIVE_MINUTES = (("Short", 5, None),)


async def _search(desk, clinic, starts, ends):
    return (
        await desk.data(
            SEARCH,
            type=clinic.type_id("Short"),
            location=clinic.location_id,
            **{"from": starts.isoformat()},
            to=ends.isoformat(),
        )
    )["availableSlots"]


def keys(search):
    return [(parse(s["startsAt"]), s["provider"]["id"]) for s in search["slots"]]


async def test_exactly_500_slots_are_not_truncated_and_501_are(runtime, client):
    # given one provider with exactly 500 slots in five days
    clinic = await make_clinic(runtime, hours=HUNDRED_A_DAY, types=FIVE_MINUTES, rooms=())
    first_day = days_ahead(clinic, 2)
    starts, ends = clinic.at(first_day, 0), clinic.at(first_day + timedelta(days=5), 0)
    desk = await client.login("front_desk")
    # when the five days are searched
    full = await _search(desk, clinic, starts, ends)
    # then all 500 come, and the search says it was not cut short
    assert (len(full["slots"]), full["truncated"], full["resumeFrom"]) == (500, False, None)
    # given five minutes of extra hours on the last evening: 501 slots
    last_evening = clinic.at(first_day + timedelta(days=4), 17, 20)
    await add_exception(
        runtime,
        clinic,
        ExceptionKind.EXTRA_HOURS,
        last_evening,
        last_evening + timedelta(minutes=5),
    )
    # when the five days are searched again, and then on from where it stopped
    cut = await _search(desk, clinic, starts, ends)
    rest = await _search(desk, clinic, parse(cut["resumeFrom"]), ends)
    # then the first search returns 500 and says where the 501st begins
    assert (len(cut["slots"]), cut["truncated"]) == (500, True)
    assert parse(cut["resumeFrom"]) == last_evening
    assert keys(cut) == keys(full)
    # and the search from there returns just that one, not cut short
    assert keys(rest) == [(last_evening, clinic.provider_id)]
    assert (rest["truncated"], rest["resumeFrom"]) == (False, None)


async def test_searching_on_from_resume_from_misses_and_repeats_nothing(runtime, client):
    # given three providers with 100 slots a day each, at the same times: 600 in two days
    clinic = await make_clinic(
        runtime, providers=(None, None, None), hours=HUNDRED_A_DAY, types=FIVE_MINUTES, rooms=()
    )
    first_day = days_ahead(clinic, 2)
    starts, ends = clinic.at(first_day, 0), clinic.at(first_day + timedelta(days=2), 0)
    desk = await client.login("front_desk")
    # when the two days are searched, and searched on until a search is not cut short
    pages = [await _search(desk, clinic, starts, ends)]
    while pages[-1]["truncated"]:
        pages.append(await _search(desk, clinic, parse(pages[-1]["resumeFrom"]), ends))
    # then the first stops before the 501st slot's time (its other providers' slots at that
    # time come next), and together the pages hold every slot once, in order
    found = [key for page in pages for key in keys(page)]
    assert [len(page["slots"]) for page in pages] == [498, 102]
    assert [page["truncated"] for page in pages] == [True, False]
    assert parse(pages[0]["resumeFrom"]) == keys(pages[1])[0][0]
    assert len(found) == len(set(found)) == 600
    assert found == sorted(found, key=lambda k: (k[0], pk_of(k[1])))
    assert {provider for _, provider in found} == {clinic.provider_gid(i) for i in range(3)}
