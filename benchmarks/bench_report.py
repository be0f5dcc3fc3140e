"""Time the HTML report of the demo data and a batch of simulated datasets on 2 workers.

Run: ``.venv/bin/python benchmarks/bench_report.py`` (``--help`` for the options). Prints wall-clock seconds and
the ratio of the demo report's wall time to the sum of its analysis cells' times (from papermill's per-cell
durations in the executed notebooks; the parameters cells and each notebook's import-and-load cell are overhead,
not analysis). Target: ratio <= 1.5. Asserts nothing (speed is machine-dependent).

``--phases`` also prints where the demo report's time goes, step by step (start, end and seconds of each step of
:func:`relatie_lab.report.run_report`, measured by wrapping those functions; the kernel works in its own process,
so steps of the report process overlap with the kernel's). Measured on a 2-core machine shared with another
engineer's benchmarks (load 1.1-2.6), n_boot=1000, 7 runs: wall 29-39 s, analysis cells 22-31 s, import-and-load
cells 1.2-1.8 s, rest 5.5-7.1 s, ratio 1.26-1.33; the code before, same machine and hour: wall 39-46 s, rest
11.7-12.8 s, ratio 1.55-1.62.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


#: The steps --phases times: (module, attribute, label); a dotted attribute is a method of a class.
PHASES = (
    ("relatie_lab.kernel", "_start_early", "kernel started (process only)"),
    ("relatie_lab.report", "_load", "survey loaded and checked (report process)"),
    ("relatie_lab.report", "_write_processed", "processed survey written"),
    ("relatie_lab.report", "_import_papermill", "papermill imported (report process)"),
    ("relatie_lab.kernel", "_take_pending", "waited for the kernel's warm-up imports"),
    ("relatie_lab.report", "_execute", "notebook run (papermill)"),
    ("relatie_lab.outputs", "FolderGuard.check", "privacy guard, one notebook (kernel resets meanwhile)"),
    ("relatie_lab.kernel", "Pending.wait", "waited for the kernel (reset / stop)"),
    ("relatie_lab.report", "_render_html", "HTML assembled (nbconvert)"),
    ("relatie_lab.outputs", "FolderGuard.finish", "privacy guard, the other files"),
    ("relatie_lab.kernel", "shutdown", "waited for the kernel to end"),
)


@contextlib.contextmanager
def phase_timer() -> Iterator[list[tuple[str, float, float]]]:
    """Wrap the functions of :data:`PHASES` so that each call appends ``(label, start, end)``; unwrapped afterwards."""
    import importlib

    records: list[tuple[str, float, float]] = []
    undo = []
    for module_name, attribute, label in PHASES:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                records.append((_label, start, time.perf_counter()))

        functools.update_wrapper(timed, original)
        undo.append((owner, name, original))
        setattr(owner, name, timed)
        if not path and module_name == "relatie_lab.kernel":  # report.py imported some of them by name
            import relatie_lab.report as report

            if getattr(report, name, None) is original:
                undo.append((report, name, original))
                setattr(report, name, timed)
    try:
        yield records
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def print_phases(records: list[tuple[str, float, float]], start: float, wall: float) -> None:
    """The steps in time order (start and end in seconds since the report started), then seconds per kind of step."""
    print("  steps (start - end, seconds):")
    for label, begin, end in sorted(records, key=lambda r: r[1]):
        if end - begin >= 0.005:
            print(f"    {begin - start:6.2f} - {end - start:6.2f}  {end - begin:5.2f}  {label}")
    totals: dict[str, float] = {}
    for label, begin, end in records:
        totals[label] = totals.get(label, 0.0) + end - begin
    print("  seconds per kind of step:")
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"    {seconds:6.2f}  {label}")
    print(f"    {wall:6.2f}  wall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--boot", type=int, default=DEFAULT_N_BOOT, help="bootstrap draws of the demo report")
    parser.add_argument("--datasets", type=int, default=10, help="datasets in the batch")
    parser.add_argument("--n", type=int, default=300, help="respondents per batch dataset")
    parser.add_argument("--batch-boot", type=int, default=100, help="bootstrap draws per batch report")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-batch", action="store_true", help="time the demo report only")
    parser.add_argument("--phases", action="store_true", help="also print where the demo report's time goes")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"python {platform.python_version()}, {os.cpu_count()} cpu(s), {len(report_notebooks())} notebooks")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with phase_timer() if args.phases else contextlib.nullcontext([]) as records:
            start = time.perf_counter()
            build_report(DEMO_SAV, tmp / "demo", n_boot=args.boot)
            wall = time.perf_counter() - start
        analysis, overhead = analysis_seconds(tmp / "demo" / "notebooks")
        print(f"demo report ({DEMO_SAV.name}, n_boot={args.boot}): {wall:.1f} s")
        print(f"  analysis cells {analysis:.1f} s, import-and-load cells {overhead:.1f} s, "
              f"rest (kernel start, loading, HTML, privacy guard) {wall - analysis - overhead:.1f} s")
        print(f"  ratio wall / analysis cells: {wall / max(analysis, 1e-9):.2f} (target <= 1.5)")
        if args.phases:
            print_phases(records, start, wall)

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
