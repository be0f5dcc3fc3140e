"""Time the HTML report of the demo data and a batch of simulated datasets on 2 workers.

Run: ``.venv/bin/python benchmarks/bench_report.py`` (``--help`` for the options). Prints wall-clock seconds and
the ratio of the demo report's wall time to the sum of its analysis cells' times (from papermill's per-cell
durations in the executed notebooks; the parameters cells and each notebook's import-and-load cell are overhead,
not analysis). Target: ratio <= 1.5. Asserts nothing (speed is machine-dependent).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import warnings
from pathlib import Path

from relatie_lab.batch import run_batch
from relatie_lab.paths import DEMO_SAV
from relatie_lab.report import DEFAULT_N_BOOT, build_report, report_notebooks
from relatie_lab.simulate import simulate_survey


def analysis_seconds(notebook_dir: Path) -> tuple[float, float]:
    """Seconds spent in analysis cells and in overhead cells (parameters, import-and-load) of executed notebooks."""
    analysis = overhead = 0.0
    for path in sorted(notebook_dir.glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
        setup_seen = False
        for cell in cells:
            seconds = float((cell.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0)
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & {"parameters", "injected-parameters"}:
                overhead += seconds
            elif not setup_seen:  # the import-and-load cell
                setup_seen = True
                overhead += seconds
            else:
                analysis += seconds
    return analysis, overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--boot", type=int, default=DEFAULT_N_BOOT, help="bootstrap draws of the demo report")
    parser.add_argument("--datasets", type=int, default=10, help="datasets in the batch")
    parser.add_argument("--n", type=int, default=300, help="respondents per batch dataset")
    parser.add_argument("--batch-boot", type=int, default=100, help="bootstrap draws per batch report")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-batch", action="store_true", help="time the demo report only")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"python {platform.python_version()}, {os.cpu_count()} cpu(s), {len(report_notebooks())} notebooks")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        start = time.perf_counter()
        build_report(DEMO_SAV, tmp / "demo", n_boot=args.boot)
        wall = time.perf_counter() - start
        analysis, overhead = analysis_seconds(tmp / "demo" / "notebooks")
        print(f"demo report ({DEMO_SAV.name}, n_boot={args.boot}): {wall:.1f} s")
        print(f"  analysis cells {analysis:.1f} s, import-and-load cells {overhead:.1f} s, "
              f"rest (kernel start, loading, HTML) {wall - analysis - overhead:.1f} s")
        print(f"  ratio wall / analysis cells: {wall / max(analysis, 1e-9):.2f} (target <= 1.5)")

        if args.no_batch:
            return
        paths = []
        for seed in range(args.datasets):
            df, _ = simulate_survey(n=args.n, seed=100 + seed)
            paths.append(tmp / f"golf_{seed:02d}.csv")
            df.to_csv(paths[-1], index=False)
        start = time.perf_counter()
        summary = run_batch(paths, tmp / "batch", workers=args.workers, progress=False, n_boot=args.batch_boot)
        seconds = time.perf_counter() - start
        ok = int((summary["status"] == "ok").sum())
        print(
            f"batch of {args.datasets} datasets (n={args.n}, n_boot={args.batch_boot}) on {args.workers} workers: "
            f"{seconds:.1f} s ({ok} ok; {seconds / max(args.datasets, 1):.1f} s per dataset; "
            f"median {summary['seconds'].median():.1f} s per report inside a worker)"
        )


if __name__ == "__main__":
    main()
