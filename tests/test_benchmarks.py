"""The benchmark scripts still run and measure what they say (no timing is asserted:
speed is judged by reading ``make bench``, not by tests)."""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import browser_latency  # noqa: E402
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


def test_explorer_latency_times_a_move_of_a_persistent_scene_and_a_full_redraw():
    scene_class, samples = all_explorers()["lesson05_adam"]
    scene = scene_class()
    update_s, frame_s, redrawn, failed = explorer_latency.move_seconds(scene, samples[0])
    assert not failed and redrawn, "the first frame draws the background"
    assert update_s > 0 and frame_s > 0
    update_s, frame_s, redrawn, failed = explorer_latency.move_seconds(scene, samples[0])
    assert not failed and not redrawn, "the same values again reuse the background"
    assert explorer_latency.full_redraw_seconds(scene_class, samples[0]) > 0
    assert explorer_latency.INLINE_PNG_KWARGS == {"bbox_inches": "tight"}  # matplotlib_inline's default
    assert not plt.get_fignums(), "a timed figure was left open"


def test_explorer_latency_counts_a_failing_update_as_an_error():
    from course_lib.widgets.scene import Scene

    class Broken(Scene):
        def build(self):
            self.fig.subplots()

        def update(self, alpha):
            raise ValueError("no")

    *_, failed = explorer_latency.move_seconds(Broken(), {"alpha": 0.1})
    assert failed


def test_browser_latency_builds_a_notebook_of_the_explorer_cells_once_per_delivery():
    import ast

    root = Path(__file__).resolve().parent.parent
    notebook, count = browser_latency.bench_notebook(root / "notebooks" / "05-adam.ipynb", ("image", "output"))
    assert count == 1 and len(notebook.cells) == 3   # the imports, then the explorer cell twice
    assert "from course_lib.widgets import" in notebook.cells[0].source
    image, output = (ast.parse(c.source) for c in notebook.cells[1:])
    calls = [[n for n in ast.walk(t) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "explorer"]
             for t in (image, output)]
    assert [k.arg for k in calls[0][0].keywords if k.arg == "delivery"] == []
    assert [ast.literal_eval(k.value) for k in calls[1][0].keywords if k.arg == "delivery"] == ["output"]


def test_the_browser_percentile_interpolates_as_numpy_does():
    import numpy as np

    values = [120.0, 35.0, 80.0, 41.0, 300.0, 64.0]
    for p in (0, 50, 90, 100):
        assert browser_latency.explorer_moves.percentile(values, p) == pytest.approx(np.percentile(values, p))


def test_a_checkbox_is_measured_off_and_on():
    from course_lib.widgets import checkbox

    assert explorer_latency.positions(checkbox(True), 5) == [False, True]


@pytest.mark.parametrize("kind", ["log", "int", "dropdown"])
def test_positions_stay_inside_a_controls_range_and_include_both_ends(kind):
    from course_lib.widgets import dropdown, int_slider, log_slider

    control = {"log": log_slider(1e-3, 1.0, 0.1), "int": int_slider(1, 400, 50, 1),
               "dropdown": dropdown(["a", "b", "c", "d", "e", "f"])}[kind]
    values = explorer_latency.positions(control, 5)
    if kind == "dropdown":
        assert values[0] == "a" and values[-1] == "f" and len(values) == 5
    else:
        low, high = (control.min, control.max) if kind == "int" else (10 ** control.min, 10 ** control.max)
        assert values[0] == pytest.approx(low) and values[-1] == pytest.approx(high)   # the slider's own ends
        assert values == sorted(values) and len(values) == 5


def test_frame_costs_times_every_stage_of_one_redraw_and_closes_its_figures():
    callback, samples = all_explorers()["lesson05_adam"]
    timings = frame_costs.stage_ms(callback, samples[0], repeats=1)
    assert set(timings) == set(frame_costs.STAGES) and all(ms > 0 for ms in timings.values())
    assert "the callback failed" not in frame_costs.format_row("x", timings)
    assert not plt.get_fignums(), "a timed figure was left open"


def test_frame_costs_reports_a_failing_callback_instead_of_timing_its_message():
    def broken(alpha):
        raise ValueError("no")

    assert frame_costs.stage_ms(broken, {"alpha": 0.1}, repeats=1) is None
    assert frame_costs.format_row("broken", None).endswith("the callback failed")


def _notebook(path, *sources):
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_class_bench_runs_students_at_once_and_measures_each_kernel(tmp_path):
    import asyncio

    import class_bench

    lesson = _notebook(tmp_path / "00-tiny.ipynb", "import numpy as np\nx = np.ones(4_000_000)", "y = x.sum()")
    students, wall, used = asyncio.run(class_bench.run_class(lesson, 2, timeout=60))
    assert len(students) == 2 and wall > 0
    for student in students:
        assert student.failure == ""
        assert student.pid is not None and student.seconds > 0
        # the kernel holds the 32 MB array: its resident set says so
        assert 32 < student.steady_mib <= student.peak_mib < 2000
    broken = _notebook(tmp_path / "01-broken.ipynb", "raise ValueError('a cell that fails')")
    (student,), _, _ = asyncio.run(class_bench.run_class(broken, 1, timeout=60))
    assert "CellExecutionError" in student.failure


def test_class_bench_sizes_nodes_with_gkes_memory_reservation():
    import class_bench

    # GKE: 25 % of the first 4 GiB, 20 % of the next 4, 10 % of the next 8, 6 % of the next 112, and 100 MiB
    assert class_bench.allocatable_gib(8) == pytest.approx(8 - 1.0 - 0.8 - 100 / 1024)
    assert class_bench.allocatable_gib(16) == pytest.approx(16 - 1.0 - 0.8 - 0.8 - 100 / 1024)
    assert class_bench.allocatable_gib(32) == pytest.approx(32 - 1.0 - 0.8 - 0.8 - 0.96 - 100 / 1024)
    assert class_bench.round_up(513) == 576 and class_bench.round_up(834, 128) == 896
