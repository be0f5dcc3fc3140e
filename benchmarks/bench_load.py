"""Speed of load_survey: the demo files and a larger synthetic CSV. Prints figures; asserts nothing.

Run: ``.venv/bin/python benchmarks/bench_load.py`` (or ``make benchmark``).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from relatie_lab import instrument
from relatie_lab.errors import DataQualityWarning
from relatie_lab.loaders import load_survey
from relatie_lab.paths import DEMO_CSV, DEMO_SAV


def synthetic_csv(folder: Path, n: int) -> Path:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "respondent_id": np.arange(1, n + 1),
            "sector": rng.choice(["energie", "bank"], n),
            "duur_seconden": rng.integers(200, 900, n),
            "email": [f"r{i}@example.org" for i in range(n)],
        }
    )
    for item, row in instrument.items().iterrows():
        df[item] = rng.integers(int(row["min"]), int(row["max"]) + 1, n)
    path = folder / f"synthetic_{n}.csv"
    df.to_csv(path, index=False, sep=";")
    return path


def timed(path: Path, repeat: int = 3) -> tuple[float, int]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            survey = load_survey(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(survey.data)


def main() -> int:
    os.environ.setdefault("RELATIE_LAB_SALT", "benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        files = [p for p in (DEMO_CSV, DEMO_SAV) if p.is_file()]
        files += [synthetic_csv(Path(tmp), 10_000)]
        print(f"{'file':<28}{'rows':>8}{'median s':>10}{'rows/s':>10}")
        for path in files:
            seconds, rows = timed(path)
            print(f"{path.name:<28}{rows:>8}{seconds:>10.2f}{rows / seconds:>10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
