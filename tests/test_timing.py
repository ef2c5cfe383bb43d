"""Tests of dlcourse.timing: the median of repeated measurements, and device synchronisation."""

from __future__ import annotations

import pytest
import torch

from dlcourse.timing import log_log_slope, synchronizer, timeit_median


class FakeClock:
    """A clock that moves only when the timed function says so: timings become exact."""

    def __init__(self, durations):
        self.now, self.durations = 0.0, iter(durations)

    def __call__(self) -> float:
        return self.now

    def work(self) -> None:
        self.now += next(self.durations)


def test_median_of_equal_calls_is_their_duration():
    clock = FakeClock([0.5] + [0.01] * 3)  # a slow warm-up, then three calls of 10 ms
    assert timeit_median(clock.work, repeats=3, clock=clock) == pytest.approx(0.01)


def test_calls_are_counted_warmup_plus_repeats_times_number():
    calls = []
    timeit_median(lambda: calls.append(1), repeats=4, number=3, warmup=2)
    assert len(calls) == 2 + 4 * 3


def test_number_divides_the_time_per_call():
    clock = FakeClock([0.0] + [0.002] * 15)
    per_call = timeit_median(clock.work, repeats=3, number=5, clock=clock)
    assert per_call == pytest.approx(0.002)


def test_median_ignores_one_slow_outlier():
    clock = FakeClock([0.0, 0.3, 0.001, 0.002, 0.001])  # warm-up, an outlier, then fast calls
    assert timeit_median(clock.work, repeats=4, warmup=1, clock=clock) == pytest.approx(0.0015)


def test_sync_runs_around_every_measurement():
    events = []
    timeit_median(lambda: events.append("fn"), repeats=2, warmup=0, sync=lambda: events.append("s"))
    assert events == ["s", "fn", "s", "s", "fn", "s"]


def test_synchronizer_is_a_no_op_on_cpu_and_the_cuda_sync_on_cuda():
    assert synchronizer("cpu")() is None
    assert synchronizer(torch.device("cuda")) is torch.cuda.synchronize


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repeats": 0}, "repeats must be an integer >= 1; got 0"),
        ({"number": 0}, "number must be an integer >= 1; got 0"),
        ({"warmup": -1}, "warmup must be an integer >= 0; got -1"),
    ],
)
def test_timeit_median_rejects_bad_counts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        timeit_median(lambda: None, **kwargs)


def test_log_log_slope_recovers_a_power_law():
    sizes = [10, 20, 40, 80]
    assert log_log_slope(sizes, [3e-9 * n**3 for n in sizes]) == pytest.approx(3.0)
    assert log_log_slope(sizes, [5e-6 * n for n in sizes]) == pytest.approx(1.0)


def test_log_log_slope_rejects_too_few_or_unequal_inputs():
    with pytest.raises(ValueError, match="at least two"):
        log_log_slope([10], [1.0])
    with pytest.raises(ValueError, match="3 sizes and 2 times"):
        log_log_slope([10, 20, 30], [1.0, 2.0])
