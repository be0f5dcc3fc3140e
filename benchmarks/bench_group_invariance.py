"""What the invariance check adds to the report's group comparison (notebook 02). Asserts nothing.

Times :func:`relatie_lab.compare_constructs` on the demo survey by sector (6 groups, 1,200 respondents, 20
constructs of which 13 have three or more items) without and with ``invariance=True`` (one configural, metric,
scalar sequence per construct; :func:`relatie_lab.group_comparison.scalar_invariance`). Prints wall and CPU
seconds of each, the seconds the check adds and the ratio. Target: the check adds under ~10 s on 2 cores. The
machine may be shared: compare CPU seconds, or run it when it is quiet.

Run: ``.venv/bin/python benchmarks/bench_group_invariance.py [repeats]``
"""

from __future__ import annotations

import sys
import time
import warnings

from relatie_lab import notebook as nb
from relatie_lab.group_comparison import compare_constructs
from relatie_lab.instrument import default
from relatie_lab.paths import DEMO_SAV


def _time(df, instrument, invariance: bool) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    compare_constructs(df, "sector", instrument=instrument, invariance=invariance)
    return time.perf_counter() - wall, time.process_time() - cpu


def main(repeats: int = 3) -> None:
    instrument = default()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = nb.load_data(DEMO_SAV, instrument=instrument)
    compare_constructs(df, "sector", ["commitment"], instrument=instrument)  # imports and first-call costs
    without = min(_time(df, instrument, False) for _ in range(repeats))
    with_check = min(_time(df, instrument, True) for _ in range(repeats))
    print(f"group comparison, demo by sector (best of {repeats}):")
    print(f"  without invariance: wall {without[0]:6.2f} s  cpu {without[1]:6.2f} s")
    print(f"  with invariance:    wall {with_check[0]:6.2f} s  cpu {with_check[1]:6.2f} s")
    print(f"  added by the check: wall {with_check[0] - without[0]:6.2f} s  cpu {with_check[1] - without[1]:6.2f} s "
          f"(target < 10 s); ratio {with_check[0] / without[0]:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
