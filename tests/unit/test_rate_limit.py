"""Refusals counted per key in fixed windows (a clock the test turns by hand)."""

from app.rate_limit import RefusalCounter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_past_its_limit_waits_for_its_window_to_end():
    # given at most 2 refusals a minute
    clock = Clock()
    counter = RefusalCounter(2, 60, clock)
    # when a key is refused twice, then a third time 10 s later
    counts = [counter.add("a"), counter.add("a")]
    within = counter.wait("a")
    clock.now += 10
    counts.append(counter.add("a"))
    # then it waits out the rest of its window, while another key does not
    assert counts == [1, 2, 3] and within is None
    assert counter.wait("a") == 50 and counter.wait("b") is None
    clock.now += 49.5
    assert counter.wait("a") == 1  # whole seconds, rounded up
    # and when the window ends it starts again from nothing
    clock.now += 0.5
    assert counter.wait("a") is None and counter.add("a") == 1


def test_it_forgets_the_oldest_keys_past_its_size():
    # given room for 3 keys
    counter = RefusalCounter(1, 60, Clock(), max_keys=3)
    for key in ("a", "b", "c"):
        counter.add(key)
        counter.add(key)
    # when a fourth key is refused
    counter.add("d")
    # then the oldest is forgotten, the others still wait
    assert counter.wait("a") is None
    assert [counter.wait(key) for key in ("b", "c")] == [60, 60]
