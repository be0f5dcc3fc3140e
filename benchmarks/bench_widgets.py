"""Speed of the lecture widgets: each must update within a second for the default settings. Prints figures.

For every widget it times (median and maximum of several repeats, after one warm-up call):

- the pure update function (simulate / compute + draw the matplotlib figure),
- the PNG rendering of that figure,
- a full widget update as a student triggers it: a slider's ``value`` changed programmatically, which runs the
  observer, the pure function, the PNG rendering and sets the ``Image`` and ``HTML`` widgets.

What the browser adds (sending the PNG over the websocket and drawing it) is not in these figures; the browser test
(``tests/test_lectures_browser.py``) shows it is a small part. Run: ``.venv/bin/python benchmarks/bench_widgets.py``
(or ``make benchmark``).
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

from relatie_lab import widgets as w

REPEATS = 7


def timed(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float, float]:
    """Median and maximum wall-clock seconds, and median CPU seconds of this process (less sensitive to other load)."""
    fn()  # warm-up: imports, caches
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), max(times), statistics.median(cpu)


def slider_updates(widget, control: str, values: list) -> Callable[[], object]:
    """A function that moves ``control`` to the next of ``values`` each call (a real change every time)."""
    state = {"i": 0}

    def move() -> None:
        state["i"] += 1
        widget.controls[control].value = values[state["i"] % len(values)]
        if widget.last_error is not None:
            raise RuntimeError(widget.last_error)

    return move


def main() -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"relatie_lab lecture widgets, {os.cpu_count()} CPUs, load average {load:.1f} at start; "
        f"wall-clock median / max of {REPEATS} runs and median CPU time (seconds)"
    )
    t0 = time.perf_counter()
    demo = w.demo_data()
    print(f"load demo data (once per session): {time.perf_counter() - t0:.2f} s, {len(demo)} respondents")
    scores = w._ladder_scores(demo)
    comparison = w._quiz_comparison(demo)
    answers = dict.fromkeys(w.QUIZ_ITEMS, 4)
    seeds = iter(range(10_000))

    pure = {
        "simulate_and_estimate (N=200)": lambda: w.chain_view(seed=next(seeds)),
        "simulate_and_estimate (N=2000)": lambda: w.chain_view(n=2000, seed=next(seeds)),
        "ladder_explorer": lambda: w.ladder_view(scores, threshold=5.0, sector="bank"),
        "relatie_quiz": lambda: w.quiz_view(answers, comparison, sector="bank"),
        "ab_planner": lambda: w.ab_view(seed=next(seeds)),
    }
    print("\npure update function -> figure, then PNG")
    print(f"  {'widget':34s} {'view':>15s} {'png':>15s} {'total median':>13s} {'total cpu':>10s}")
    for name, fn in pure.items():
        view_med, view_max, view_cpu = timed(fn)
        view = fn()
        png_med, png_max, png_cpu = timed(lambda v=view: w.figure_png(v.figure))
        total = view_med + png_med
        print(
            f"  {name:34s} {view_med:6.3f} / {view_max:6.3f} {png_med:6.3f} / {png_max:6.3f} {total:13.3f}"
            f" {view_cpu + png_cpu:10.3f}  {'ok' if total < 1 else 'SLOW'}"
        )

    print("\nfull widget update (slider value change -> Image and HTML set)")
    cases = [
        ("simulate_and_estimate", w.simulate_and_estimate(), "n", [200, 210]),
        ("ladder_explorer", w.ladder_explorer(), "threshold", [5.0, 5.25]),
        ("relatie_quiz", w.relatie_quiz(), "betekenis_1", [4, 5]),
        ("ab_planner", w.ab_planner(), "d", [0.3, 0.35]),
    ]
    print(f"  {'widget':34s} {'wall':>15s} {'cpu':>7s} {'updates':>8s}")
    for name, widget, control, values in cases:
        draws = widget.draws
        med, worst, cpu = timed(slider_updates(widget, control, values))
        verdict = "ok" if worst < 1 else "SLOW" if med >= 1 else "ok (median)"
        print(f"  {name:34s} {med:6.3f} / {worst:6.3f} {cpu:7.3f} {widget.draws - draws:8d}  {verdict}")
    t0 = time.perf_counter()
    w.simulate_and_estimate()
    print(f"\nbuild simulate_and_estimate widget (first figure included): {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
