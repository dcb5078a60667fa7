"""The load benchmark's arithmetic (benchmarks/load.py): which step a request
belongs to, its percentiles, and the knee it reports. No load is run here."""

from benchmarks.load import knee, percentile, step_of, step_passes, summarise


def step(rate, page_p95=100, write_p95=200, errors=0, requests=100):
    return {
        "rate": rate,
        "page_p95": page_p95,
        "write_p95": write_p95,
        "errors": errors,
        "requests": requests,
    }


def test_percentile_is_the_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.5) == 50
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.95) == 0
    assert percentile([3, 1, 2], 1.0) == 3


def test_a_request_belongs_to_the_step_it_started_in():
    assert step_of(100.0, 100.0, 60, 3) == 0
    assert step_of(159.9, 100.0, 60, 3) == 0
    assert step_of(160.0, 100.0, 60, 3) == 1
    assert step_of(99.0, 100.0, 60, 3) is None
    assert step_of(280.0, 100.0, 60, 3) is None  # after the last step


def test_a_step_passes_only_within_every_target():
    assert step_passes(step(10, page_p95=300, write_p95=1000))
    assert not step_passes(step(10, page_p95=301))
    assert not step_passes(step(10, write_p95=1001))
    assert not step_passes(step(10, errors=1))
    assert not step_passes(step(10, requests=0))


def test_the_knee_is_the_last_step_before_the_first_miss():
    steps = [step(5), step(10), step(15, page_p95=450), step(20)]
    assert knee(steps)["rate"] == 10  # the passing step after a miss is noise
    assert knee([step(5, errors=2), step(10)]) is None
    assert knee([step(5), step(10)])["rate"] == 10
    assert knee([]) is None


def test_summarise_splits_pages_and_writes_and_counts_errors_and_redirects():
    samples = [
        # start, name, ms, ok, redirects, cpu ms
        [0, "page: board paper", 120, True, 1, 30.0],
        [0, "page: board overview", 80, True, 0, 20.0],
        [0, "write: send a bid", 400, False, 0, None],
    ]
    summary = summarise(samples)
    assert summary["requests"] == 3
    assert summary["errors"] == 1
    assert summary["redirected"] == 1
    assert summary["page_p95"] == 120
    assert summary["write_p95"] == 400
    assert summary["cpu_mean"] == 25.0
