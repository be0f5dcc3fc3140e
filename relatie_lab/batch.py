"""Rerun the report for many survey files in parallel, each failure isolated.

:func:`run_batch` builds one report per dataset (:func:`relatie_lab.report.build_report`) in its own worker
process. A dataset whose file cannot be used is recorded as ``failed`` with its error
message; a dataset whose report is written but incomplete (sections partly run, skipped or failed) as
``partial``, with the sections and why, and the notebook that failed (if any) in ``failed_notebook``; the other
datasets complete. The batch writes ``summary.csv``, ``summary.json`` and an ``index.html`` page linking every report.

Examples
--------
>>> dataset_names(["a/wave1.csv", "b/wave1.csv", "c/wave2.sav"])
['wave1', 'wave1_2', 'wave2']
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import html
import json
import multiprocessing
import os
import sys
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from relatie_lab.atomic import write_text
from relatie_lab.labels import check_lang, label

__all__ = ["SUMMARY_COLUMNS", "add_cli", "dataset_names", "run_batch"]

#: Columns of the batch summary (``summary.csv`` / ``summary.json`` / the returned DataFrame).
SUMMARY_COLUMNS = [
    "name",
    "path",
    "status",
    "n",
    "cfi",
    "rmsea",
    "srmr",
    "trust_commitment",
    "trust_commitment_p",
    "seconds",
    "error",
    "report",
    "failed_notebook",
]


def dataset_names(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """A unique folder name per dataset: the file name without extension, numbered when it repeats."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for p in paths:
        stem = Path(p).stem or "dataset"
        seen[stem] = seen.get(stem, 0) + 1
        names.append(stem if seen[stem] == 1 else f"{stem}_{seen[stem]}")
    return names


def _run_one(path: str, report_dir: str, report_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Worker: build one report; never raises (the error goes into the returned row)."""
    from relatie_lab.errors import SurveyError
    from relatie_lab.notebook import RESULTS_FILE
    from relatie_lab.report import ReportError, run_report

    started = time.perf_counter()
    row: dict[str, Any] = {"path": path, "status": "failed", "error": None, "report": None, "failed_notebook": None}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_report(path, report_dir, **report_kwargs)
        row["status"] = "ok" if result.complete else "partial"  # partial: written, some sections incomplete
        row["report"] = str(result.path)
        if not result.complete:
            row["error"] = _incomplete(result, report_kwargs.get("lang", "nl"))
            row["failed_notebook"] = str(result.failed_notebooks[0]) if result.failed_notebooks else None
        results = Path(report_dir) / RESULTS_FILE
        if results.is_file():
            row.update(json.loads(results.read_text(encoding="utf-8")))
    except ReportError as exc:
        row["error"] = str(exc)
        row["failed_notebook"] = str(exc.failed_notebook) if exc.failed_notebook else None
    except SurveyError as exc:  # the file cannot be used: the message says why and what to do
        row["error"] = str(exc)
    except Exception as exc:  # one dataset's failure must never stop the batch
        row["error"] = "".join(traceback.format_exception_only(exc)).strip()
    row["seconds"] = round(time.perf_counter() - started, 1)
    return row


def run_batch(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    workers: int = 2,
    progress: bool = True,
    **report_kwargs: Any,
) -> pd.DataFrame:
    """Build a report for every dataset in ``paths``, ``workers`` at a time, and summarise the outcome.

    Parameters
    ----------
    paths
        Survey files.
    out_dir
        Batch folder: one report folder per dataset (``out_dir/<name>/``), plus ``summary.csv``,
        ``summary.json`` and ``index.html``.
    workers
        Worker processes (each runs its own notebook kernels).
    progress
        Print one line per finished dataset.
    **report_kwargs
        Passed to :func:`relatie_lab.report.build_report` (``lang``, ``seed``, ``n_boot``, ``mapping``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per dataset with :data:`SUMMARY_COLUMNS`: ``status`` is ``"ok"`` or ``"failed"``; ``n`` the
        number of respondents; ``cfi``, ``rmsea``, ``srmr`` the fit of the Commitment-Trust model and
        ``trust_commitment`` (``_p``) its trust -> commitment path (NaN when not available); ``error`` the
        message of a failed dataset and ``failed_notebook`` the executed notebook kept for inspection.

    Examples
    --------
    >>> run_batch(["data/raw/demo_survey.sav"], "reports/batch")  # doctest: +SKIP
    """
    lang = check_lang(report_kwargs.get("lang", "nl"))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [str(p) for p in paths]
    names = dataset_names(paths)
    rows: list[dict[str, Any]] = []
    total = len(paths)
    if progress:
        print(f"relatie-lab batch: {total} dataset(s), {workers} worker(s) -> {out}", flush=True)
    context = multiprocessing.get_context("spawn")  # fresh interpreters: no inherited threads or kernels
    with cf.ProcessPoolExecutor(max_workers=max(1, int(workers)), mp_context=context) as pool:
        futures = {
            pool.submit(_run_one, path, str(out / name), dict(report_kwargs)): (name, path)
            for name, path in zip(names, paths, strict=True)
        }
        for future in cf.as_completed(futures):
            name, path = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # the worker process itself died
                row = {"path": path, "status": "failed", "error": f"worker crashed: {exc}"}
            row["name"] = name
            rows.append(row)
            if progress:
                what = f"n={row.get('n')}" if row["status"] == "ok" else _first_line(row.get("error"))
                print(f"[{len(rows)}/{total}] {row['status']:6} {name}  {what}", flush=True)
    order = {name: i for i, name in enumerate(names)}
    summary = pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)
    summary = summary.sort_values("name", key=lambda s: s.map(order)).reset_index(drop=True)
    for col in ("n", "cfi", "rmsea", "srmr", "trust_commitment", "trust_commitment_p", "seconds"):
        summary[col] = pd.to_numeric(summary[col], errors="coerce").astype(float)
    _write_summary(summary, out, lang)
    if progress:
        failed = int((summary["status"] == "failed").sum())
        partial = int((summary["status"] == "partial").sum())
        print(f"relatie-lab batch: {total - failed - partial} ok, {partial} partial, {failed} failed; "
              f"summary in {out / 'index.html'}", flush=True)  # fmt: skip
    return summary


def _incomplete(result: Any, lang: str) -> str:
    """Why a report is partial: the sections that ran partly, were skipped or failed, one per line."""
    open_ = result.sections[result.sections["status"] != "run"]
    n = len(open_) + len(result.failed_notebooks)
    lines = [label("sec_report_incomplete", lang).format(n=n)]
    for r in open_.itertuples():
        detail = r.message or r.reason
        lines.append(f"{r.notebook} {r.section}: {label(f'sec_status_{r.status}', lang)}. {detail}".strip())
    lines += [f"{p.name}: {label('sec_status_failed', lang)}" for p in result.failed_notebooks]
    return "\n".join(lines)


def _first_line(text: Any) -> str:
    return str(text).strip().splitlines()[0] if text else ""


def _relative(path: Any, base: Path) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:  # another drive on Windows
        return path


def _write_summary(summary: pd.DataFrame, out: Path, lang: str) -> None:
    write_text(out / "summary.csv", summary.to_csv(index=False))
    records = json.loads(summary.to_json(orient="records", force_ascii=False))
    write_text(out / "summary.json", json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    write_text(out / "index.html", _index_html(summary, out, lang))


def _fmt(value: Any, decimals: int = 3) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return html.escape(str(value))


def _index_html(summary: pd.DataFrame, out: Path, lang: str) -> str:
    heads = ["batch_dataset", "batch_status", "n_respondents", "batch_cfi", "batch_rmsea", "batch_trust_commitment",
             "batch_seconds", "batch_report"]
    head = "".join(f"<th>{html.escape(label(k, lang))}</th>" for k in heads)
    body = []
    for row in summary.itertuples(index=False):
        ok = row.status in ("ok", "partial")  # a partial report is written too
        link = _relative(row.report if ok else row.failed_notebook, out)
        text = label("batch_open_report" if ok else "batch_open_failed", lang)
        cell = f'<a href="{html.escape(link)}">{html.escape(text)}</a>' if link else "—"
        key = {"ok": "batch_ok", "partial": "batch_partial"}.get(row.status, "batch_failed")
        status = html.escape(label(key, lang))
        n = "—" if row.n != row.n else str(int(row.n))
        body.append(
            f'<tr class="{row.status if ok else "failed"}"><td>{html.escape(str(row.name))}</td><td>{status}</td>'
            f"<td>{n}</td><td>{_fmt(row.cfi)}</td><td>{_fmt(row.rmsea)}</td><td>{_fmt(row.trust_commitment)}</td>"
            f"<td>{_fmt(row.seconds, 1)}</td><td>{cell}</td></tr>"
        )
        if row.status != "ok" and isinstance(row.error, str) and row.error:
            body.append(f'<tr class="error"><td colspan="8"><pre>{html.escape(str(row.error))}</pre></td></tr>')
    n_failed = int(summary["status"].isin(["failed"]).sum())
    n_partial = int((summary["status"] == "partial").sum())
    title = html.escape(label("batch_title", lang))
    counts = html.escape(label("batch_counts", lang).format(ok=len(summary) - n_failed - n_partial, failed=n_failed))
    if n_partial:
        counts += " " + html.escape(label("batch_partial_count", lang).format(n=n_partial))
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; border-top: 1.5px solid #000; border-bottom: 1.5px solid #000; }}
th {{ border-bottom: 1px solid #000; font-weight: normal; padding: .3rem .8rem; text-align: left; }}
td {{ padding: .25rem .8rem; }}
tr.failed td {{ color: #b00020; }} tr.partial td {{ color: #8a5a00; }}
tr.error pre {{ white-space: pre-wrap; margin: 0 0 .5rem; font-size: .85rem; }}
</style></head><body>
<h1>{title}</h1><p>{counts}</p>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>
<p>summary.csv · summary.json</p>
</body></html>
"""


# ---------------------------------------------------------------------------------------------------------------
# command line


def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``relatie-lab batch DATA... --out DIR --workers N``."""
    from relatie_lab.report import add_report_options

    parser = subparsers.add_parser(
        "batch",
        help="reports for many survey files in parallel",
        description="Build a report per survey file; failures are isolated. Status per file in summary.csv: ok "
        "(complete report), partial (report written, some sections partly run, skipped or failed) or failed (no "
        "report). The exit code is 1 if any file is partial or failed.",
    )
    parser.add_argument("data", nargs="+", type=Path, help="survey files")
    parser.add_argument("--out", type=Path, required=True, help="batch folder (one report folder per file)")
    parser.add_argument("--workers", type=int, default=2, help="parallel worker processes (default 2)")
    add_report_options(parser)
    parser.set_defaults(func=_cli_batch)
    return parser


def _cli_batch(args: argparse.Namespace) -> int:
    from relatie_lab.report import report_kwargs

    summary = run_batch(args.data, args.out, workers=args.workers, **report_kwargs(args))
    failed = summary[summary["status"] != "ok"]
    for row in failed.itertuples(index=False):
        print(f"{str(row.status).upper()} {row.name}: {_first_line(row.error)}", file=sys.stderr)
    return 1 if len(failed) else 0
