"""Rerun the report for many survey files in parallel, each failure isolated.

:func:`run_batch` builds one report per dataset (:func:`relatie_lab.report.build_report`) in its own worker
process. A dataset whose file cannot be used is recorded as ``failed`` with its error
message; a dataset whose report is written but incomplete (sections partly run, skipped or failed) as
``partial``, with the sections and why, and the notebook that failed (if any) in ``failed_notebook``; the other
datasets complete. The batch writes ``summary.csv``, ``summary.json`` and an ``index.html`` page linking every report.

Examples
--------
>>> dataset_names(["a/wave1.csv", "b/wave1.csv", "c/wave1_2.sav"])
['wave1-a', 'wave1-b', 'wave1_2']
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from relatie_lab.atomic import write_text
from relatie_lab.labels import check_lang, label
from relatie_lab.outputs import check_output_dir, claim_dir, guard_text, to_csv_text
from relatie_lab.outputs import dataset_names as _unique_names
from relatie_lab.parallel import ENV_IN_WORKER, add_scheduler_option, close_local_cluster, run_tasks

__all__ = ["SUMMARY_COLUMNS", "add_cli", "dataset_names", "prepare_batch_dir", "run_batch", "write_summary"]

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
    """A unique, readable folder name per dataset (see :func:`relatie_lab.outputs.dataset_names`)."""
    return _unique_names(paths)


def prepare_batch_dir(out_dir: str | os.PathLike[str], paths: Sequence[str | os.PathLike[str]], lang: str) -> Path:
    """Check the batch folder (new, empty or relatie_lab's own; never an input's folder) and mark it as ours."""
    check_output_dir(out_dir, paths, lang=lang)
    return claim_dir(out_dir, kind="batch")


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
    except OSError as exc:  # disk full, no permission, ...: the plain message, not a traceback
        from relatie_lab.outputs import os_error_message

        row["error"] = os_error_message(exc, report_kwargs.get("lang", "nl"))
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
    client: Any = None,
    scheduler: str | None = None,
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
        Worker processes of the local Dask cluster (each runs its own notebook kernels).
    client, scheduler
        Run on this Dask client or the scheduler at this address (``tcp://HOST:PORT``; default
        ``RELATIE_LAB_SCHEDULER``) instead of a local cluster; the workers must see the same files
        (docs/cluster.md). The results are the same.
    progress
        Print one line per finished dataset.
    **report_kwargs
        Passed to :func:`relatie_lab.report.build_report` (``lang``, ``seed``, ``n_boot``, ``mapping``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per dataset with :data:`SUMMARY_COLUMNS`: ``status`` is ``"ok"`` or ``"failed"``;
        (``"stopped"`` when Ctrl-C or SIGTERM stopped the batch first: the summary is written, then the
        ``KeyboardInterrupt`` goes on); ``n`` the
        number of respondents; ``cfi``, ``rmsea``, ``srmr`` the fit of the Commitment-Trust model and
        ``trust_commitment`` (``_p``) its trust -> commitment path (NaN when not available); ``error`` the
        message of a failed dataset and ``failed_notebook`` the executed notebook kept for inspection.

    Examples
    --------
    >>> run_batch(["data/raw/demo_survey.sav"], "reports/batch")  # doctest: +SKIP
    """
    lang = check_lang(report_kwargs.get("lang", "nl"))
    paths = [str(p) for p in paths]
    out = prepare_batch_dir(out_dir, paths, lang)
    names = dataset_names(paths)
    rows: list[dict[str, Any]] = []
    total = len(paths)
    if progress:
        where = scheduler or os.environ.get("RELATIE_LAB_SCHEDULER") or f"{workers} worker(s)"
        print(f"relatie-lab batch: {total} dataset(s), {where} -> {out}", flush=True)
    finished: set[int] = set()

    def collect(i: int, row: dict[str, Any] | None) -> None:
        name, path = names[i], paths[i]
        row = dict(row) if row is not None else {"path": path, "status": "failed", "error": failures.get(i)}
        row["name"] = name
        rows.append(row)
        finished.add(i)
        if progress:
            what = f"n={row.get('n')}" if row["status"] == "ok" else _first_line(row.get("error"))
            print(f"[{len(rows)}/{total}] {row['status']:6} {name}  {what}", flush=True)

    failures: dict[int, str] = {}
    tasks = [(path, str(out / name)) for name, path in zip(names, paths, strict=True)]
    try:
        with _stop_on_sigterm():
            done = run_tasks(_run_task, tasks, shared={"report_kwargs": dict(report_kwargs)}, client=client,
                             scheduler=scheduler, n_workers=max(1, int(workers)), progress=False, lang=lang,
                             on_result=lambda i, r: None if r is None else collect(i, r))  # fmt: skip
        for i, message in done.failed:  # the worker process itself died, again and again
            failures[i] = f"worker crashed: {message}"
            collect(i, None)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: stop the workers, write what had finished, then stop
        close_local_cluster()
        for i in range(total):
            if i not in finished:
                rows.append({"name": names[i], "path": paths[i], "status": "stopped",
                             "error": label("batch_msg_stopped", lang)})  # fmt: skip
        summary = _finish(rows, names, out, lang)
        print(label("batch_msg_interrupted", lang).format(done=len(finished), total=total,
                                                          path=out / "summary.csv"), file=sys.stderr, flush=True)
        raise
    summary = _finish(rows, names, out, lang)
    if progress:
        failed = int((summary["status"] == "failed").sum())
        partial = int((summary["status"] == "partial").sum())
        print(f"relatie-lab batch: {total - failed - partial} ok, {partial} partial, {failed} failed; "
              f"summary in {out / 'index.html'}", flush=True)  # fmt: skip
    return summary


def _finish(rows: list[dict[str, Any]], names: list[str], out: Path, lang: str) -> pd.DataFrame:
    order = {name: i for i, name in enumerate(names)}
    summary = pd.DataFrame(rows).reindex(columns=SUMMARY_COLUMNS)
    summary = summary.sort_values("name", key=lambda s: s.map(order)).reset_index(drop=True)
    for col in ("n", "cfi", "rmsea", "srmr", "trust_commitment", "trust_commitment_p", "seconds"):
        summary[col] = pd.to_numeric(summary[col], errors="coerce").astype(float)
    write_summary(summary, out, lang)
    return summary


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an interrupt so that the batch can stop its workers and write its summary."""


@contextlib.contextmanager
def _stop_on_sigterm():
    """While the batch runs (in the main thread): SIGTERM raises :class:`_Terminated` like Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise _Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_task(task: tuple[str, str], report_kwargs: dict[str, Any]) -> dict[str, Any]:
    path, report_dir = task
    # the batch is the parallel part: a report inside it (and its notebooks' kernels, which inherit this) runs its
    # bootstrap in one process instead of starting a cluster of its own inside a worker
    os.environ[ENV_IN_WORKER] = "1"
    return _run_one(path, report_dir, report_kwargs)


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


def write_summary(summary: pd.DataFrame, out: Path, lang: str) -> None:
    """Write ``summary.csv`` (spreadsheet-safe), ``summary.json`` and ``index.html`` atomically into ``out``.

    Each text passes the last privacy guard (:func:`relatie_lab.outputs.guard_text`) just before it is written.
    """
    def guarded(text: str) -> str:
        return guard_text(text, lang)[0]

    write_text(out / "summary.csv", guarded(to_csv_text(summary)))
    records = json.loads(summary.to_json(orient="records", force_ascii=False))
    write_text(out / "summary.json", guarded(json.dumps(records, indent=2, ensure_ascii=False) + "\n"))
    write_text(out / "index.html", guarded(_index_html(summary, out, lang)))


_write_summary = write_summary  # the earlier name


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
    add_scheduler_option(parser)
    add_report_options(parser)
    parser.set_defaults(func=_cli_batch)
    return parser


def _cli_batch(args: argparse.Namespace) -> int:
    from relatie_lab.report import report_kwargs

    try:
        summary = run_batch(args.data, args.out, workers=args.workers, scheduler=args.scheduler,
                            **report_kwargs(args))
    except _Terminated:
        return 143  # 128 + SIGTERM, as a shell reports it
    except KeyboardInterrupt:
        return 130  # 128 + SIGINT
    except OSError as exc:  # the batch folder or its summary cannot be written
        from relatie_lab.outputs import os_error_message

        print(f"relatie-lab batch: {os_error_message(exc, args.lang)}", file=sys.stderr)
        return 1
    failed = summary[summary["status"] != "ok"]
    for row in failed.itertuples(index=False):
        print(f"{str(row.status).upper()} {row.name}: {_first_line(row.error)}", file=sys.stderr)
    return 1 if len(failed) else 0
