"""Speed and memory of load_survey against pandas.read_csv(engine="pyarrow") on the same file. Asserts nothing.

For each size, a CSV with 70 columns (respondent_id, sector, meting, duur_seconden, 66 items: the shape of
issue 9's target) is written once; then, each in a fresh process so peak memory is its own:

- ``pyarrow``: ``pandas.read_csv(path, engine="pyarrow")``, the reference time;
- ``load``: ``relatie_lab.load_survey(path)``: reading, checking the structure, the data-quality checks and
  stripping personal data.

It prints the time ratio (fastest load / fastest pyarrow of ``--repeats`` interleaved runs; target at most 3),
the median of the per-run ratios, and the memory ratio: the extra peak memory of
the load process over a process that only imported the package, divided by the size of the final DataFrame
(target at most 3). The machine may be shared: run it when it is quiet, and compare sizes.

Run: ``.venv/bin/python benchmarks/bench_load.py`` (10,000 and 100,000 rows and the demo files), or
``.venv/bin/python benchmarks/bench_load.py 1000000`` for the full issue-9 size (about 145 MB of CSV).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_ITEMS = 66  # + 4 fields = 70 columns

_CHILD = r"""
import json, os, resource, sys, time, warnings
mode, path = sys.argv[1], sys.argv[2]
import pandas as pd
import relatie_lab.loaders, relatie_lab.quality, relatie_lab.privacy, pyarrow  # imports count in neither
from relatie_lab.loaders import load_survey
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
start = time.perf_counter()
if mode == "pyarrow":
    frame = pd.read_csv(path, engine="pyarrow")
elif mode == "load":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = load_survey(path).data
else:
    frame = None
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
size = 0 if frame is None else int(frame.memory_usage(deep=True).sum())
print(json.dumps({"seconds": seconds, "extra": peak - base, "frame": size, "rows": 0 if frame is None else len(frame)}))
"""


def synthetic_csv(folder: Path, n: int) -> Path:
    """A survey CSV with ``n`` rows and 70 columns, written in chunks (so 1,000,000 rows fit in memory)."""
    from relatie_lab import instrument

    items = instrument.items().head(N_ITEMS)
    path = folder / f"synthetic_{n}.csv"
    rng = np.random.default_rng(0)
    chunk = 100_000
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            df = pd.DataFrame(
                {
                    "respondent_id": np.arange(start + 1, start + m + 1),
                    "sector": rng.choice(["energie", "bank", "gemeente"], m),
                    "meting": rng.integers(1, 3, m),
                    "duur_seconden": rng.integers(200, 900, m),
                }
            )
            for item, row in items.iterrows():
                df[item] = rng.integers(int(row["min"]), int(row["max"]) + 1, m)
            df.to_csv(fh, index=False, header=start == 0, lineterminator="\n")
    return path


def measure(mode: str, path: Path) -> dict:
    env = {**os.environ, "RELATIE_LAB_SALT": "benchmark"}
    out = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], capture_output=True, text=True,
                         check=True, env=env)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(sizes: list[int], repeats: int = 3) -> int:
    print(f"{'rows':>9} {'MB':>6} {'pyarrow s':>10} {'load s':>8} {'time ratio':>11} {'median':>7} {'frame MB':>9} "
          f"{'load extra MB':>14} {'memory ratio':>13}")  # fmt: skip
    medians: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = synthetic_csv(Path(tmp), n)
            # interleaved repeats, each in a fresh process; the fastest of each (a shared or virtual machine adds
            # noise of its own, never speed) and the median ratio are printed
            arrows, loads = [], []
            for _ in range(repeats):
                arrows.append(measure("pyarrow", path))
                loads.append(measure("load", path))
            arrow = min(arrows, key=lambda r: r["seconds"])
            load = min(loads, key=lambda r: r["seconds"])
            ratios = sorted(ld["seconds"] / ar["seconds"] for ar, ld in zip(arrows, loads, strict=True))
            medians.append(ratios[len(ratios) // 2])
            mb = path.stat().st_size / 2**20
            print(
                f"{n:>9} {mb:>6.0f} {arrow['seconds']:>10.2f} {load['seconds']:>8.2f} "
                f"{load['seconds'] / arrow['seconds']:>11.1f} {medians[-1]:>7.1f} {load['frame'] / 2**20:>9.0f} "
                f"{load['extra'] / 2**20:>14.0f} {load['extra'] / max(load['frame'], 1):>13.1f}",
                flush=True,
            )
            path.unlink()
    from relatie_lab.paths import DEMO_CSV, DEMO_SAV

    for path in (DEMO_CSV, DEMO_SAV):
        if path.is_file():
            start = time.perf_counter()
            result = measure("load", path)
            print(f"{path.name}: {result['rows']} rows loaded in {result['seconds']:.2f} s "
                  f"(process {time.perf_counter() - start:.1f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Time and memory of load_survey against pandas+pyarrow.")
    parser.add_argument("rows", nargs="*", type=int, default=[10_000, 100_000], help="sizes (default 10000 100000)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process runs of each reader per size")
    args = parser.parse_args()
    sys.exit(main(args.rows, args.repeats))
