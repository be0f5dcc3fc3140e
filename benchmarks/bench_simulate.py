"""Speed of the demo-data simulator (printed, not asserted): python benchmarks/bench_simulate.py."""

from __future__ import annotations

import tempfile
import time

from relatie_lab import simulate


def _timed(label: str, fn, repeat: int = 1) -> None:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    print(f"{label:55s} {best * 1000:8.1f} ms")


def main() -> None:
    _timed("first call (population truth, once per process)", lambda: simulate.simulate_survey(n=1200, seed=1))
    _timed("simulate_survey(n=1200)", lambda: simulate.simulate_survey(n=1200, seed=2), repeat=5)
    _timed("simulate_survey(n=20000)", lambda: simulate.simulate_survey(n=20_000, seed=3), repeat=3)
    with tempfile.TemporaryDirectory() as tmp:
        _timed("write_demo (csv + sav + json, n=1200)", lambda: simulate.write_demo(tmp), repeat=3)


if __name__ == "__main__":
    main()
