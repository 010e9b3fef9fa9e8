"""The benchmark scripts still run and measure what they say (no timing is asserted:
speed is judged by reading ``make bench``, not by tests)."""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import explorer_latency  # noqa: E402
import frame_costs  # noqa: E402
import optimizer_speed  # noqa: E402

from course_lib.widgets import all_explorers  # noqa: E402


def test_optimizer_speed_times_every_pair_on_a_small_array():
    rows = optimizer_speed.measure(sizes=(1000,), bandwidth=1e10, out=None)
    assert [row["name"] for row in rows] == [name for name, *_ in optimizer_speed.CASES]
    for row in rows:
        assert row["n"] == 1000
        assert row["course_ms"] > 0 and row["torch_ms"] > 0 and row["torch_1thread_ms"] > 0
        # read p, g and the buffers, write p and the buffers
        assert row["arrays_moved"] == 3 + 2 * dict((n, b) for n, *_, b in optimizer_speed.CASES)[row["name"]]
        assert optimizer_speed.format_row(row).startswith(row["name"])


def test_the_single_thread_torch_timing_leaves_the_thread_count_as_it_was():
    import torch

    before = torch.get_num_threads()
    optimizer_speed.measure(sizes=(1000,), bandwidth=1e10, out=None)
    assert torch.get_num_threads() == before


def test_explorer_latency_times_the_callback_and_the_png_jupyter_makes():
    callback, samples = next(iter(all_explorers().values()))
    callback_s, shown_s, failed = explorer_latency.redraw_seconds(callback, samples[0])
    assert not failed
    assert 0 < callback_s < shown_s
    assert explorer_latency.INLINE_PNG_KWARGS == {"bbox_inches": "tight"}  # matplotlib_inline's default
    assert not plt.get_fignums(), "a timed figure was left open"


def test_explorer_latency_counts_a_failing_callback_as_an_error():
    def broken(alpha):
        raise ValueError("no")

    _, _, failed = explorer_latency.redraw_seconds(broken, {"alpha": 0.1})
    assert failed


@pytest.mark.parametrize("kind", ["log", "int", "dropdown"])
def test_positions_stay_inside_a_controls_range_and_include_both_ends(kind):
    from course_lib.widgets import dropdown, int_slider, log_slider

    control = {"log": log_slider(1e-3, 1.0, 0.1), "int": int_slider(1, 400, 50, 1),
               "dropdown": dropdown(["a", "b", "c", "d", "e", "f"])}[kind]
    values = explorer_latency.positions(control, 5)
    if kind == "dropdown":
        assert values[0] == "a" and values[-1] == "f" and len(values) == 5
    else:
        assert values[0] == pytest.approx(control.min if kind == "int" else 1e-3)
        assert values[-1] == pytest.approx(control.max if kind == "int" else 1.0)
        assert values == sorted(values) and len(values) == 5


def test_frame_costs_times_every_stage_of_one_redraw_and_closes_its_figures():
    callback, samples = all_explorers()["lesson01_gd_on_quadratic"]
    timings = frame_costs.stage_ms(callback, samples[0], repeats=1)
    assert set(timings) == set(frame_costs.STAGES) and all(ms > 0 for ms in timings.values())
    assert "the callback failed" not in frame_costs.format_row("x", timings)
    assert not plt.get_fignums(), "a timed figure was left open"


def test_frame_costs_reports_a_failing_callback_instead_of_timing_its_message():
    def broken(alpha):
        raise ValueError("no")

    assert frame_costs.stage_ms(broken, {"alpha": 0.1}, repeats=1) is None
    assert frame_costs.format_row("broken", None).endswith("the callback failed")
