"""Speed of the ordinal SEM (WLSMV) against lavaan (issue 12). Prints figures; asserts nothing.

One WLSMV fit (polychoric correlations, Gamma, DWLS estimates, robust SEs, scaled-shifted test, fit indices) of the
16-item, 5-factor CFA at N = 350 of the lavaan fixture ``ord_cfa`` (tests/fixtures/lavaan/ordinal.csv, group A),
against lavaan 0.6.14's time for ``cfa(model, data, ordered = items, estimator = "WLSMV")`` on the same data and
machine, measured once by make_ordinal_fixtures.R (mean of 5 fits after a warm-up) and stored in ord_cfa.json.
Target: ratio <= 1. Also: the sample statistics alone, and a two-group fit.

Run: ``.venv/bin/python benchmarks/bench_wlsmv.py`` (a few seconds).
"""

from __future__ import annotations

import json
import statistics
import time
import warnings
from pathlib import Path

import pandas as pd

from relatie_lab.sem import fit_sem
from relatie_lab.sem.engine import single_thread_blas
from relatie_lab.sem.polychoric import ordinal_statistics

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "lavaan"


def timed(fn, repeat: int = 7) -> float:
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    warnings.simplefilter("ignore")  # the simulated data have empty cells in some bivariate tables
    ref = json.loads((FIXTURES / "ord_cfa.json").read_text())
    data = pd.read_csv(FIXTURES / "ordinal.csv")
    group_a = data[data.groep == "A"]
    items = [f"y{i}" for i in range(1, 17)]
    model = ref["model"]
    lavaan_s = float(ref["seconds"])
    ours = timed(lambda: fit_sem(group_a, model, estimator="WLSMV", ordered=True))
    print(f"WLSMV fit, 16 items, 5 factors, N=350: relatie_lab {ours * 1000:.0f} ms, lavaan {lavaan_s * 1000:.0f} ms "
          f"(stored) -> ratio {ours / lavaan_s:.2f} (target <= 1)")  # fmt: skip
    with single_thread_blas():  # as inside fit_sem
        stats_s = timed(lambda: ordinal_statistics(group_a[items]))
    print(f"  of which thresholds + 120 polychoric correlations + Gamma: {stats_s * 1000:.0f} ms")
    two = timed(lambda: fit_sem(data, model, estimator="WLSMV", ordered=True, group="groep"), repeat=3)
    print(f"two groups (N=700): {two * 1000:.0f} ms")


if __name__ == "__main__":
    main()
