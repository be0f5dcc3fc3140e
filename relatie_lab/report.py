"""One command from a survey file to a readable, reproducible HTML report.

:func:`build_report` loads and checks the survey once, writes a processed copy without personal data,
runs every report notebook in ``notebooks/`` with papermill on that copy, and combines the executed
notebooks into one HTML file (``rapport.html`` in Dutch, ``report.html`` in English) with a table of
contents, embedded figures, APA-style tables and a reproducibility section (input SHA-256, parameters,
seed, package versions, date, command line). Everything is built in a temporary folder and moved in
as a whole, so an interrupted run leaves the previous report intact.

The report adapts to the data (:mod:`relatie_lab.sections`): a section runs fully, partly or is skipped with a
note saying what is missing. A section or notebook that still fails does not cost the report: it is marked
"could not be computed" with the message in the report's language, and the traceback goes to the log file
beside the report (``rapport.log``/``report.log``), never into the HTML. :func:`run_report` tells whether the
report is complete; the ``report`` command exits 0 (complete), 1 (written but incomplete) or 2 (nothing made).

The notebooks stay thin: they load, call the package and display with the helpers in
:mod:`relatie_lab.notebook` (headings and explanations in the report's language, APA-style tables, headline figures).
They run one after the other in one warm kernel (:mod:`relatie_lab.kernel`), which starts, and imports what the
notebooks import, while the survey is read; the kernel clears its namespace after each notebook while the report
checks that notebook for personal data (:class:`relatie_lab.outputs.FolderGuard`), and ends while the HTML is
written and checked.

Examples
--------
>>> report_filename("en")
'report.html'
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import html
import importlib.metadata
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from relatie_lab.atomic import atomic_dir, write_parquet, write_text
from relatie_lab.errors import SurveyError
from relatie_lab.kernel import (
    KERNEL_ARGUMENTS,
    Pending,
    begin_reset,
    begin_shutdown,
    begin_stop,
    drop_dead,
    shutdown,
    warm_kernel,
)
from relatie_lab.labels import check_lang, label
from relatie_lab.notebook import QUALITY_NAME, REPORT_ESTIMATORS, record, safe_quality, strip_personal_columns
from relatie_lab.outputs import FolderGuard, InputSnapshot, check_output_dir, input_snapshot, write_marker
from relatie_lab.paths import NOTEBOOKS, PACKAGE_DIR, PROJECT_DIR
from relatie_lab.report_context import SECTIONS_FILE, log_filename
from relatie_lab.sections import notebook_applies, section
from relatie_lab.summary import link_sections, load_findings, summary_html

__all__ = [
    "DEFAULT_N_BOOT",
    "DEFAULT_SEED",
    "EXIT_COMPLETE",
    "EXIT_INCOMPLETE",
    "EXIT_NOTHING",
    "ReportError",
    "ReportResult",
    "add_cli",
    "build_report",
    "check_estimator",
    "report_filename",
    "report_notebooks",
    "run_report",
]

DEFAULT_SEED = 2024
DEFAULT_N_BOOT = 1000
DEFAULT_CELL_TIMEOUT = 900
KERNEL = "python3"
TEMPLATES = PACKAGE_DIR / "templates"
PROCESSED_NAME = "survey.parquet"
# packages whose versions go into the reproducibility section
VERSION_PACKAGES = (
    "relatie_lab",
    "semopy",
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "pingouin",
    "matplotlib",
    "pyarrow",
    "papermill",
    "nbconvert",
)
# cells with these tags never show in the report (parameters, notebook-only explanations)
HIDDEN_TAGS = ("parameters", "injected-parameters", "report-hide")
TOC_MARKER = "RELATIE-LAB-TOC"
#: Exit statuses of ``relatie-lab report``: complete, written but incomplete, nothing could be made.
EXIT_COMPLETE, EXIT_INCOMPLETE, EXIT_NOTHING = 0, 1, 2
TIMESTAMP_CLASS = "repro-timestamp"
#: Start the report's kernel before the survey is read, so that it imports while the survey is loaded and checked
#: (False: papermill starts it for the first notebook; tests that replace papermill use that).
START_KERNEL_EARLY = True


class ReportError(RuntimeError):
    """A report notebook failed; ``failed_notebook`` is the executed notebook kept for inspection."""

    def __init__(self, message: str, failed_notebook: Path | None = None) -> None:
        super().__init__(message)
        self.failed_notebook = failed_notebook


def check_estimator(estimator: str, lang: str = "nl") -> str:
    """The report's SEM estimator in capitals; a :class:`SurveyError` naming the choices when it is not offered.

    Examples
    --------
    >>> check_estimator("wlsmv")
    'WLSMV'
    """
    value = str(estimator).strip().upper()
    if value not in REPORT_ESTIMATORS:
        raise SurveyError(label("report_err_estimator", lang).format(estimator=estimator,
                                                                   choices=", ".join(REPORT_ESTIMATORS)))
    return value


def report_filename(lang: str = "nl") -> str:
    """File name of the HTML report: ``rapport.html`` (Dutch) or ``report.html`` (English)."""
    return {"nl": "rapport.html", "en": "report.html"}[check_lang(lang)]


def report_notebooks(folder: str | os.PathLike[str] = NOTEBOOKS) -> list[Path]:
    """The report notebooks in run order: ``NN_*.ipynb`` in ``folder`` (lecture notebooks live in a subfolder).

    Examples
    --------
    >>> [p.name for p in report_notebooks()][:1]
    ['01_datakwaliteit.ipynb']
    """
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def sha256_file(path: str | os.PathLike[str]) -> str:
    """SHA-256 hex digest of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Settings:
    lang: str
    seed: int
    n_boot: int
    mapping: Path | None
    show_code: bool
    cell_timeout: int
    instrument: Path | None = None
    model: Path | None = None
    estimator: str = "ML"


@dataclass
class ReportResult:
    """What :func:`run_report` made: ``path`` (the HTML), ``sections`` (one row per section: ``notebook, section,
    status, reason, todo, message``; status ``run``, ``partial``, ``skip`` or ``failed``), ``failed_notebooks``
    (executed notebooks that stopped with an error) and ``log`` (the log file beside the report, or None)."""

    path: Path
    sections: pd.DataFrame
    failed_notebooks: list[Path]
    log: Path | None = None

    @property
    def complete(self) -> bool:
        """True when every section ran fully and no notebook failed."""
        return not self.failed_notebooks and bool((self.sections["status"] == "run").all())

    @property
    def status(self) -> str:
        """``"complete"`` or ``"partial"``."""
        return "complete" if self.complete else "partial"

    @property
    def exit_code(self) -> int:
        """:data:`EXIT_COMPLETE` or :data:`EXIT_INCOMPLETE`."""
        return EXIT_COMPLETE if self.complete else EXIT_INCOMPLETE


# ---------------------------------------------------------------------------------------------------------------
# the main function


def build_report(data_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Run the report notebooks on one survey file and write one HTML report into ``out_dir``; return its path.

    The same as :func:`run_report` (which see for the parameters), returning only the HTML file's path.
    """
    return run_report(data_path, out_dir, **kwargs).path


def run_report(
    data_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    lang: str = "nl",
    mapping: str | os.PathLike[str] | None = None,
    instrument: str | os.PathLike[str] | None = None,
    model: str | os.PathLike[str] | None = None,
    seed: int = DEFAULT_SEED,
    n_boot: int = DEFAULT_N_BOOT,
    estimator: str = "ML",
    show_code: bool = False,
    notebooks: Sequence[str | os.PathLike[str]] | None = None,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    progress: bool = False,
    formats: Sequence[str] = ("html",),
) -> ReportResult:
    """Run the report notebooks on one survey file and write one HTML report into ``out_dir``.

    Parameters
    ----------
    data_path
        Survey file (CSV, Excel, SPSS ``.sav``, Qualtrics CSV); read with :func:`relatie_lab.load_survey`.
    out_dir
        Report folder. It is replaced as a whole when the new report is complete; it then holds
        ``rapport.html``/``report.html``, ``notebooks/`` (the executed notebooks), ``data/`` (the processed
        survey without personal data), ``results.json`` (headline figures) and ``reproducibility.json``.
    lang
        ``"nl"`` (default) or ``"en"``: language of every heading, explanation and table.
    mapping
        Optional column-mapping file for a researcher's own column names (see ``load_survey``).
    instrument
        Optional codebook YAML (``--instrument``) for a survey with constructs of its own.
    model
        Optional lavaan model file (``--model``) for the SEM section.
    seed, n_boot
        Random seed and number of bootstrap draws (confidence intervals of indirect effects etc.).
    estimator
        Estimator of the SEM section: ``"ML"`` (default), ``"MLR"`` (robust SEs, scaled fit indices) or
        ``"WLSMV"`` (every item as ordinal, for items with 5 or fewer answer categories; the indirect effects then
        get delta-method intervals instead of a bootstrap, and the dynamic fit cutoffs are skipped).
    show_code
        Keep the notebook code in the HTML (hidden by default).
    notebooks
        Notebooks to run, in order (default: every ``notebooks/NN_*.ipynb``).
    cell_timeout
        Seconds one notebook cell may run before the run is stopped.
    progress
        Print a line per finished notebook.
    formats
        ``("html",)`` (default) or ``("html", "docx")``: also a Word file (``rapport.docx``/``report.docx``) with
        the summary, the same headings, APA tables (Word tables), figures and text.

    Returns
    -------
    ReportResult
        The HTML report's path and whether the report is complete (per-section statuses).

    Raises
    ------
    SurveyError
        The survey, codebook or model cannot be used, the estimator is not one of ML, MLR, WLSMV, or the survey
        has fewer than
        :data:`relatie_lab.sections.MIN_RESPONDENTS` respondents (raised before any notebook runs; no report
        folder is touched).
    ReportError
        No report notebooks. A notebook that fails does not raise: the report is written without it.

    Examples
    --------
    >>> build_report("data/raw/demo_survey.sav", "reports/demo")  # doctest: +SKIP
    PosixPath('reports/demo/rapport.html')
    """
    settings = _Settings(
        lang=check_lang(lang),
        estimator=check_estimator(estimator, lang),
        seed=int(seed),
        n_boot=int(n_boot),
        mapping=Path(mapping) if mapping is not None else None,
        show_code=bool(show_code),
        cell_timeout=int(cell_timeout),
        instrument=Path(instrument).resolve() if instrument is not None else None,
        model=Path(model).resolve() if model is not None else None,
    )
    data_path = Path(data_path)
    out_dir = Path(out_dir)
    nb_paths = [Path(p) for p in notebooks] if notebooks is not None else report_notebooks()
    if not nb_paths:
        raise ReportError(f"No report notebooks found in {NOTEBOOKS}.")
    missing = [str(p) for p in nb_paths if not p.is_file()]
    if missing:
        raise ReportError(f"Notebook(s) not found: {', '.join(missing)}.")

    # refuse a folder that is not new and not ours, before anything is read or written (relatie_lab.outputs)
    inputs = [data_path, *(p for p in (settings.mapping, settings.instrument, settings.model) if isinstance(p, Path))]
    check_output_dir(out_dir, inputs, lang=settings.lang)
    if not data_path.is_file():
        _load(data_path, settings.mapping, settings.lang, settings.instrument)  # the plain "file not found" message
    mapping_sha = sha256_file(settings.mapping) if settings.mapping and settings.mapping.is_file() else None
    # the kernel starts now and imports what the notebooks import while this process reads and checks the survey
    with warm_kernel(KERNEL, warmup=_warmup_code(nb_paths) if START_KERNEL_EARLY else None) as km:
        with input_snapshot(data_path) as snap:  # the input is read once: hashed and analysed as it was at the start
            survey = _load(snap.path, settings.mapping, settings.lang, settings.instrument)  # fails early
        _check_inputs(survey, settings)
        # Pol's notebooks show nothing with a codebook that has none of their constructs: not run at all
        nb_paths = [p for p in nb_paths if notebook_applies(p.name[:2], survey.instrument)]
        started = dt.datetime.now(dt.UTC)
        log_name = log_filename(settings.lang)
        with atomic_dir(out_dir) as tmp:
            try:
                write_marker(tmp)
                data_dir = tmp / "data"
                nb_dir = tmp / "notebooks"
                data_dir.mkdir()
                nb_dir.mkdir()
                _write_processed(survey, data_dir)
                processed_sha = sha256_file(data_dir / PROCESSED_NAME)
                record(tmp, n=len(survey.data))
                guard = FolderGuard(tmp, settings.lang)  # the last guard, notebook by notebook as they are done
                # the kernel stops its worker processes (pending) while the report is assembled
                executed, pending = _run_notebooks(km, nb_paths, nb_dir, settings, tmp / log_name, guard, progress)
                sections = _section_statuses(tmp / SECTIONS_FILE)
                failed = [out_dir / "notebooks" / target.name for target, error in executed if error is not None]
                repro = _reproducibility(data_path, settings, nb_paths, started, processed_sha, snap, mapping_sha)
                write_text(tmp / "reproducibility.json", json.dumps(repro, indent=2, ensure_ascii=False) + "\n")
                findings = load_findings(tmp)
                page = _render_html(executed, settings, repro, data_path.name, sections, findings)
                if pending is not None:
                    pending.wait()
                begin_shutdown(km)  # and ends while the HTML is written and checked
                write_text(tmp / report_filename(settings.lang), page)
                if "docx" in formats:
                    _write_docx(executed, tmp, settings, repro, data_path.name, findings)
                has_log = (tmp / log_name).is_file()
                guard.finish()  # last guard: no personal pattern leaves in any file
                shutdown(km)  # before the folder moves: it is the kernel's working directory
            except BaseException:  # the folder is removed: the kernel, working in it, ends first
                shutdown(km, now=True)
                raise
    return ReportResult(
        path=out_dir / report_filename(settings.lang),
        sections=sections,
        failed_notebooks=failed,
        log=out_dir / log_name if has_log else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# steps


def _run_notebooks(
    km: Any, nb_paths: list[Path], nb_dir: Path, settings: _Settings, log: Path, guard: FolderGuard, progress: bool
) -> tuple[list[tuple[Path, str | None]], Pending | None]:
    """Run the notebooks one after the other in the warm kernel ``km``.

    Returns ``(executed notebook, error)`` per notebook and the kernel's stop request (:func:`begin_stop`), still
    running. Before the first notebook the kernel (started early, see :func:`_warmup_code`) moves into ``nb_dir``;
    after each notebook the kernel clears its namespace (or, after the last, stops its worker processes) while this
    process checks the executed notebook (``guard``).
    """
    _import_papermill()
    executed: list[tuple[Path, str | None]] = []
    pending = begin_reset(km, cwd=nb_dir, clear=False)
    try:
        for i, nb in enumerate(nb_paths, start=1):
            tick = time.perf_counter()
            if pending is not None:
                pending.wait()
            target, error = _execute(nb, nb_dir, settings, log, km)
            executed.append((target, error))
            # a clean namespace for the next notebook (the imports stay warm), made while this one is checked
            pending = begin_reset(km, cwd=nb_dir) if i < len(nb_paths) else begin_stop(km)
            if target.is_file():
                guard.check(target)
            if progress:
                state = "" if error is None else f" — {label('sec_status_failed', settings.lang)}"
                print(f"[{i}/{len(nb_paths)}] {nb.name} ({time.perf_counter() - tick:.1f} s){state}", flush=True)
    except BaseException:
        if pending is not None:
            pending.close()
        raise
    return executed, pending


def _import_papermill() -> None:
    """Import papermill now, while the kernel still imports (1.5-2.5 s, most of it in nbformat's schema validator:
    jsonschema builds the IRI grammars of rfc3987-syntax on import)."""
    import papermill  # noqa: F401


def _warmup_code(nb_paths: Sequence[Path]) -> str:
    """Code for the early kernel: the import statements of each notebook's import-and-load cell (its first code cell
    after the parameters), each tried on its own in a namespace of its own (no name reaches the notebooks)."""
    import ast

    statements: list[str] = []
    for path in nb_paths:
        try:
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            setup = next(c for c in cells if c.get("cell_type") == "code"
                         and not set(c.get("metadata", {}).get("tags", [])) & {"parameters", "injected-parameters"})
            source = setup["source"] if isinstance(setup["source"], str) else "".join(setup["source"])
            tree = ast.parse(source)
        except (OSError, ValueError, KeyError, StopIteration, SyntaxError):  # not readable here: papermill will say
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and ast.unparse(node) not in statements:
                statements.append(ast.unparse(node))
    return (
        "def _relatie_lab_warm(statements):\n"
        "    for statement in statements:\n"
        "        try:\n"
        "            exec(statement, {})\n"
        "        except BaseException:\n"
        "            pass\n"
        f"_relatie_lab_warm({statements!r})\n"
        "del _relatie_lab_warm\n"
    )


def _load(data_path: Path, mapping: Path | None, lang: str, instrument: Path | None = None) -> Any:
    from relatie_lab.loaders import load_survey
    from relatie_lab.report_context import load_instrument

    if not data_path.is_file():
        raise SurveyError(f"{data_path}: file not found. Check the path (bestand niet gevonden).")
    return load_survey(data_path, mapping=mapping, lang=lang, instrument=load_instrument(instrument))


def _check_inputs(survey: Any, settings: _Settings) -> None:
    """Refuse a survey below the minimum number of respondents and a model file that cannot be read."""
    from relatie_lab.sections import MIN_RESPONDENTS, read_model

    n = len(survey.data)
    if n < MIN_RESPONDENTS:
        raise SurveyError(
            label("sec_err_too_few_report", settings.lang).format(file=survey.source["name"], n=n, k=MIN_RESPONDENTS)
        )
    read_model(settings.model, settings.lang)


def _section_statuses(path: Path) -> pd.DataFrame:
    """The statuses the notebooks recorded (see :mod:`relatie_lab.report_context`), shown sections only."""
    columns = ["notebook", "section", "status", "reason", "todo", "message"]
    rows = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    frame = pd.DataFrame(rows, columns=columns)
    return frame[frame["status"] != "not_applicable"].reset_index(drop=True)


def _write_processed(survey: Any, data_dir: Path) -> None:
    """The notebooks only ever see this processed copy: personal data never enters a kernel."""
    write_parquet(strip_personal_columns(survey.data), data_dir / PROCESSED_NAME)
    quality = getattr(survey, "quality", None)
    if isinstance(quality, pd.DataFrame):
        write_parquet(safe_quality(quality), data_dir / QUALITY_NAME)


def _execute(
    nb_path: Path, nb_dir: Path, settings: _Settings, log: Path, km: Any = None
) -> tuple[Path, str | None]:
    """Run one notebook with papermill inside the temporary report folder.

    Returns the executed notebook and None, or, when the notebook stopped with an error, the executed notebook
    (with the cells up to the error) and the error message in the report's language; the traceback is appended
    to ``log``. ``km`` is the warm kernel of the report (:mod:`relatie_lab.kernel`); None: a kernel of its own.
    """
    import papermill as pm

    target = nb_dir / nb_path.name
    parameters = {
        "data_path": f"../data/{PROCESSED_NAME}",
        "mapping_path": str(settings.mapping) if settings.mapping else None,
        "instrument_path": str(settings.instrument) if settings.instrument else None,
        "model_path": str(settings.model) if settings.model else None,
        "lang": settings.lang,
        "seed": settings.seed,
        "n_boot": settings.n_boot,
        "estimator": settings.estimator,
        "output_dir": "..",
    }
    declared = _declared_parameters(nb_path)
    parameters = {k: v for k, v in parameters.items() if k in declared}
    for attempt in (1, 2):
        try:
            pm.execute_notebook(
                str(nb_path),
                str(target),
                parameters=parameters,
                kernel_name=KERNEL,
                cwd=str(nb_dir),
                log_output=False,
                progress_bar=False,
                execution_timeout=settings.cell_timeout,
                # start-up notices and the KeyboardInterrupt lines of a kernel shutdown are noise in a report run;
                # cell errors reach the report and the log through the notebook, not through the kernel's log
                extra_arguments=list(KERNEL_ARGUMENTS),
                **({"km": km} if km is not None else {}),
            )
            break
        except Exception as exc:  # papermill raises PapermillExecutionError, nbclient a timeout error, ...
            if isinstance(exc, OSError) and exc.errno is not None and not isinstance(exc, TimeoutError):
                raise  # disk full, no permission, ...: one plain message from the command (relatie_lab.outputs)
            # a kernel that died while starting (e.g. a port taken by a parallel kernel) ran nothing: try once more
            if attempt == 1 and _kernel_start_failed(exc):
                drop_dead(km)  # a kernel that died is replaced by a fresh one
                continue
            return target, _failed(nb_path, exc, settings, log)
    return target, None


def _kernel_start_failed(exc: BaseException) -> bool:
    """True when the kernel died before it ran a cell (nothing to lose by starting it again)."""
    return "Kernel died before replying to kernel_info" in str(exc) or type(exc).__name__ == "ZMQError"


def _failed(nb_path: Path, exc: BaseException, settings: _Settings, log: Path) -> str:
    """Append the traceback of a failed notebook to ``log``; return the message for the report."""
    import traceback

    detail = "".join(getattr(exc, "traceback", None) or traceback.format_exception(exc))
    detail = re.sub(r"\x1b\[[0-9;]*m", "", detail)  # no terminal colours in the log
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    old = log.read_text(encoding="utf-8") if log.is_file() else ""
    write_text(log, f"{old}[{stamp}] {nb_path.name}\n{detail}\n\n")
    return _user_error(exc, settings.lang)


def _user_error(exc: BaseException, lang: str) -> str:
    """The error of a failed notebook in the report's language: a SurveyError's own (translated) message."""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if ename.endswith(("SurveyError", "InstrumentError")) and evalue:
        return str(evalue)
    return label("sec_unexpected", lang).format(error=_short_error(exc))


def _declared_parameters(nb_path: Path) -> set[str]:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return set(re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]+)?=", cell.source, flags=re.M))
    return set()


def _short_error(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _git_commit() -> str | None:
    if not (PROJECT_DIR / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_DIR), "rev-parse", "--short=12", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _reproducibility(
    data_path: Path, settings: _Settings, nb_paths: list[Path], started: dt.datetime, processed_sha: str,
    snap: InputSnapshot, mapping_sha: str | None,
) -> dict[str, Any]:
    mapping = settings.mapping
    extra = {}
    for key, path in (("instrument", settings.instrument), ("model", settings.model)):
        extra[f"{key}_file"] = path.name if path else None
        extra[f"{key}_sha256"] = sha256_file(path) if path and path.is_file() else None
    return {
        **extra,
        "input_file": data_path.name,
        "input_sha256": snap.sha256,  # hashed when the run started: the version the report is made of
        "input_bytes": snap.size,
        "input_during_run": snap.state(),  # unchanged / changed / deleted
        "processed_sha256": processed_sha,
        "mapping_file": mapping.name if mapping else None,
        "mapping_sha256": mapping_sha,
        "parameters": {"lang": settings.lang, "seed": settings.seed, "n_boot": settings.n_boot,
                       "estimator": settings.estimator},
        "notebooks": [p.name for p in nb_paths],
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": {name: _version(name) for name in VERSION_PACKAGES},
        "git_commit": _git_commit(),
        "created_utc": started.isoformat(timespec="seconds"),
        "command_line": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
    }


# ---------------------------------------------------------------------------------------------------------------
# HTML


def _render_html(
    executed: list[tuple[Path, str | None]],
    settings: _Settings,
    repro: dict[str, Any],
    data_name: str,
    sections: pd.DataFrame | None = None,
    findings: Sequence[Any] = (),
) -> str:
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    lang = settings.lang
    combined = nbformat.v4.new_notebook()
    combined.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    title = label("report_title", lang)
    combined.cells.append(_html_cell(_title_html(title, data_name, repro, lang)))
    if sections is not None:
        combined.cells.append(_html_cell(_completeness_html(executed, sections, lang)))
    if findings:  # the summary page first: the key findings, each linking to its section
        combined.cells.append(_html_cell(summary_html(list(findings), lang)))
    combined.cells.append(_html_cell(f"<p>{TOC_MARKER}</p>"))
    for path, error in executed:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                # warnings and logs go to stderr, tracebacks to the log: never into the report
                cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")
                                and o.output_type != "error"]  # fmt: skip
            combined.cells.append(cell)
        if error is not None:
            combined.cells.append(_html_cell(_failed_html(path.name, error, lang)))
    combined.cells.append(_html_cell(_repro_html(repro, lang)))

    hidden = set(HIDDEN_TAGS) | {"report-generated"}
    remover = TagRemovePreprocessor(remove_cell_tags=set(HIDDEN_TAGS), remove_input_tags=hidden, enabled=True)
    exporter = HTMLExporter(
        exclude_input=not settings.show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(remover, enabled=True)
    body, _ = exporter.from_notebook_node(combined, resources={"metadata": {"name": f"{title} – {data_name}"}})
    body = _number_tables(body, lang)
    body = _number_figures(body, lang)
    body = _add_toc(body, lang)
    body = link_sections(body, lang)
    body = _figure_alt_texts(body, lang)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    body = body.replace("</head>", f"<style>\n{css}</style>\n</head>", 1)
    return re.sub(r"<html[^>]*>", f'<html lang="{lang}">', body, count=1)


def _failed_html(notebook: str, error: str, lang: str) -> str:
    text = label("sec_note_notebook_failed", lang).format(notebook=notebook, message=error)
    log = label("sec_note_failed_log", lang).format(log=log_filename(lang))
    title = label("sec_status_failed", lang).capitalize()
    return (
        f'<div class="section-note section-failed"><p><strong>{html.escape(title)}'
        f"</strong></p><p>{html.escape(text)}</p><p>{html.escape(log)}</p></div>"
    )


def _completeness_html(executed: list[tuple[Path, str | None]], sections: pd.DataFrame, lang: str) -> str:
    """A note under the title when the report is incomplete: which sections run partly, were skipped or failed."""
    open_ = sections[sections["status"] != "run"]
    failed_nbs = [path.name for path, error in executed if error is not None]
    if open_.empty and not failed_nbs:
        return ""
    n = len(open_) + len(failed_nbs)
    rows = "".join(
        f"<li>{html.escape(label(section(r.section).title_key, lang))}: "
        f"{html.escape(label(f'sec_status_{r.status}', lang))}</li>"
        for r in open_.itertuples()
    ) + "".join(f"<li>{html.escape(name)}: {html.escape(label('sec_status_failed', lang))}</li>" for name in failed_nbs)
    return (
        f'<div class="report-incomplete"><p>{html.escape(label("sec_report_incomplete", lang).format(n=n))}</p>'
        f"<ul>{rows}</ul></div>"
    )


def _html_cell(markup: str) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source="")
    cell.metadata["tags"] = ["report-generated"]
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": markup})]
    return cell


def _title_html(title: str, data_name: str, repro: dict[str, Any], lang: str) -> str:
    subtitle = label("report_subtitle", lang).format(file=html.escape(data_name))
    return (
        f'<header class="report-header"><h1 class="report-title">{html.escape(title)}</h1>'
        f'<p class="report-subtitle">{subtitle}</p>'
        f'<p class="report-meta">{html.escape(label("report_created", lang))}: '
        f'<span class="{TIMESTAMP_CLASS}">{html.escape(repro["created_utc"])}</span></p></header>'
    )


def _repro_html(repro: dict[str, Any], lang: str) -> str:
    def row(key: str, value: Any, cls: str = "") -> str:
        attr = f' class="{cls}"' if cls else ""
        shown = "—" if value in (None, "") else html.escape(str(value))
        return f"<tr><th scope=\"row\">{html.escape(label(key, lang))}</th><td{attr}>{shown}</td></tr>"

    params = repro["parameters"]
    rows = [
        row("report_repro_input", repro["input_file"]),
        row("report_repro_sha256", repro["input_sha256"], "sha256"),
        row("report_repro_bytes", repro["input_bytes"]),
        row("out.repro_input_state", label(f"out.input_{repro.get('input_during_run', 'unchanged')}", lang)),
        row("report_repro_mapping", repro["mapping_file"]),
        row("report_repro_mapping_sha256", repro["mapping_sha256"], "sha256"),
        row("report_repro_instrument", repro.get("instrument_file")),
        row("report_repro_model", repro.get("model_file")),
        row("report_repro_lang", params["lang"]),
        row("report_repro_seed", params["seed"]),
        row("report_repro_n_boot", params["n_boot"]),
        row("report_repro_estimator", params.get("estimator", "ML")),
        row("report_repro_notebooks", ", ".join(repro["notebooks"])),
        row("report_repro_python", f"{repro['python']} ({repro['platform']})"),
        row("report_repro_git", repro["git_commit"], "git-commit"),
        row("report_repro_created", repro["created_utc"], TIMESTAMP_CLASS),
        row("report_repro_command", repro["command_line"], "command-line"),
    ]
    packages = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(version)}</td></tr>"
        for name, version in repro["packages"].items()
    )
    return (
        f'<section class="reproducibility"><h1>{html.escape(label("report_repro_title", lang))}</h1>'
        f"<p>{html.escape(label('report_repro_intro', lang))}</p>"
        f'<table class="repro-table">{"".join(rows)}</table>'
        f"<h2>{html.escape(label('report_repro_packages', lang))}</h2>"
        f'<table class="repro-packages"><thead><tr><th>{html.escape(label("report_repro_package", lang))}</th>'
        f"<th>{html.escape(label('report_repro_version', lang))}</th></tr></thead><tbody>{packages}</tbody></table>"
        f'<p class="lavaan-note">{html.escape(label("report_repro_lavaan", lang))}</p></section>'
    )


_HEADING = re.compile(r"<(h[12])(?: id=\"[^\"]*\")?>(.*?)</\1>", flags=re.S)
_ANCHOR = re.compile(r"<a class=\"anchor-link\"[^>]*>.*?</a>", flags=re.S)
_TAGS = re.compile(r"<[^>]+>")


def _add_toc(body: str, lang: str) -> str:
    """Give every h1/h2 a unique id and put a nested table of contents where the marker is."""
    entries: list[tuple[str, str, str]] = []

    def renumber(match: re.Match[str]) -> str:
        level, inner = match.group(1), _ANCHOR.sub("", match.group(2))
        anchor = f"sec-{len(entries) + 1}"
        entries.append((level, anchor, _TAGS.sub("", inner).strip()))
        return f'<{level} id="{anchor}">{inner}<a class="anchor-link" href="#{anchor}">¶</a></{level}>'

    body = _HEADING.sub(renumber, body)
    items: list[str] = []
    open_sub = False
    for level, anchor, text in entries:
        link = f'<a href="#{anchor}">{text}</a>'
        if level == "h1":
            if open_sub:
                items.append("</ul></li>")
                open_sub = False
            elif items:
                items.append("</li>")
            items.append(f"<li>{link}")
        else:
            if not open_sub:
                items.append("<ul>")
                open_sub = True
            items.append(f"<li>{link}</li>")
    if items:
        items.append("</ul></li>" if open_sub else "</li>")
    toc = (
        f'<nav class="toc" aria-label="{html.escape(label("report_toc", lang))}">'
        f"<h2 class=\"toc-title\">{html.escape(label('report_toc', lang))}</h2><ol>{''.join(items)}</ol></nav>"
    )
    return body.replace(f"<p>{TOC_MARKER}</p>", toc, 1)


def _figure_alt_texts(body: str, lang: str) -> str:
    """Describe every figure by the section it is in (nbconvert leaves a generic placeholder)."""
    placeholder = 'alt="No description has been provided for this image"'
    out, section, pos = [], "", 0
    for match in re.finditer(rf'<h[12] id="sec-\d+">(.*?)<a class="anchor-link"|{placeholder}', body, flags=re.S):
        if match.group(0) == placeholder:
            out.append(body[pos : match.start()])
            alt = f"{label('report_figure', lang)}: {section}" if section else label("report_figure", lang)
            out.append(f'alt="{html.escape(alt)}"')
            pos = match.end()
        else:
            section = html.unescape(_TAGS.sub("", match.group(1)).strip())
    out.append(body[pos:])
    return "".join(out)


def _number_figures(body: str, lang: str) -> str:
    """Number the APA figures in the order they appear (Figuur 1, Figuur 2, ...)."""
    return _number(body, "apa-fig-number", label("report_figure", lang))


def _write_docx(
    executed: list[tuple[Path, str | None]], folder: Path, settings: _Settings, repro: dict[str, Any],
    data_name: str, findings: Sequence[Any],
) -> Path:
    """The report as a Word file beside the HTML: summary, the notebooks' headings, tables, figures and text."""
    from relatie_lab.docx_export import write_docx

    lang = settings.lang
    summary = ""
    if findings:
        items = "\n".join(f"- {f.text}" for f in findings)
        summary = f"# {label('sum_title', lang)}\n\n{label('sum_intro', lang)}\n\n{items}"
    repro_md = (
        f"# {label('report_repro_title', lang)}\n\n{label('report_repro_intro', lang)}\n\n"
        f"{label('report_repro_input', lang)}: {repro['input_file']}\n\n"
        f"{label('report_repro_sha256', lang)}: {repro['input_sha256']}\n\n"
        f"{label('report_repro_seed', lang)}: {repro['parameters']['seed']}; "
        f"{label('report_repro_n_boot', lang)}: {repro['parameters']['n_boot']}"
    )
    name = report_filename(lang).replace(".html", ".docx")
    return write_docx(
        [path for path, _ in executed], folder / name, lang=lang, title=label("report_title", lang),
        subtitle=label("report_subtitle", lang).format(file=html.escape(data_name)),
        before=[summary] if summary else [], after=[repro_md],
    )  # fmt: skip


def _number_tables(body: str, lang: str) -> str:
    """Number the APA tables in the order they appear (Tabel 1, Tabel 2, ...)."""
    return _number(body, "apa-number", label("report_table", lang))


def _number(body: str, css_class: str, word: str) -> str:
    """Fill every ``<span class="{css_class}">`` with ``word`` and its number (1, 2, ...) in the order they appear."""
    counter = iter(range(1, 10_000))
    word = html.escape(word)
    return re.sub(
        rf'<span class="{css_class}">[^<]*</span>',
        lambda _m: f'<span class="{css_class}">{word} {next(counter)}</span>',
        body,
    )


# ---------------------------------------------------------------------------------------------------------------
# command line


def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``relatie-lab report DATA [--out DIR] [--lang nl|en] [--mapping FILE] [--seed N] [--boot N]``."""
    parser = subparsers.add_parser(
        "report",
        help="HTML report of one survey file (papermill + nbconvert)",
        description="Run the report notebooks on DATA and write one HTML report with a reproducibility section. "
        "Each section runs fully, partly or is skipped with a note saying what is missing; a section that fails "
        "is marked 'could not be computed' and its traceback goes to rapport.log/report.log beside the report.",
        epilog="exit status: 0 = report complete; 1 = report written but incomplete (a section ran partly, was "
        "skipped or could not be computed); 2 = nothing could be made (unreadable file, too few respondents, a "
        "broken codebook or model, wrong arguments).",
    )
    parser.add_argument("data", type=Path, help="survey file (.csv, .xlsx, .sav)")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: reports/<file name>)")
    add_report_options(parser)
    parser.set_defaults(func=_cli_report)
    return parser


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``report`` and ``batch``."""
    parser.add_argument("--lang", choices=["nl", "en"], default="nl", help="report language (default nl)")
    parser.add_argument("--mapping", type=Path, default=None, help="column mapping file for your own column names")
    parser.add_argument(
        "--instrument", type=Path, default=None,
        help="codebook YAML of your own constructs and items (docs/own_survey.md)",
    )
    parser.add_argument("--model", type=Path, default=None, help="lavaan model file (.lav) for the SEM section")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--boot", type=int, default=DEFAULT_N_BOOT, help=f"bootstrap draws (default {DEFAULT_N_BOOT})"
    )
    parser.add_argument(
        "--estimator", type=str.upper, choices=REPORT_ESTIMATORS, default="ML",
        help="estimator of the SEM section: ML (default), MLR (robust) or WLSMV (items with 5 or fewer answer "
        "categories, treated as ordinal)",
    )  # fmt: skip
    parser.add_argument("--show-code", action="store_true", help="keep the notebook code in the HTML")
    parser.add_argument(
        "--format", default="html", type=_formats, dest="formats",
        help="html (default) or html,docx: also a Word file (rapport.docx/report.docx) with the same content",
    )  # fmt: skip


def report_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :func:`build_report` from parsed command-line options."""
    return {
        "lang": args.lang,
        "mapping": args.mapping,
        "instrument": args.instrument,
        "model": args.model,
        "seed": args.seed,
        "n_boot": args.boot,
        "estimator": getattr(args, "estimator", "ML"),
        "show_code": args.show_code,
        "formats": getattr(args, "formats", ("html",)),
    }


def _formats(value: str) -> tuple[str, ...]:
    """``--format``: a comma-separated list of ``html`` and ``docx`` (HTML is always written)."""
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [f for f in chosen if f not in ("html", "docx")]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown format {', '.join(unknown)}: use html or html,docx")
    return tuple(dict.fromkeys(("html", *chosen)))


def _cli_report(args: argparse.Namespace) -> int:
    from relatie_lab.paths import REPORTS

    out = args.out if args.out is not None else REPORTS / args.data.stem
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = run_report(args.data, out, progress=True, **report_kwargs(args))
    except (SurveyError, ReportError) as exc:
        print(f"relatie-lab report: {exc}", file=sys.stderr)
        return EXIT_NOTHING
    except OSError as exc:  # disk full, no permission, read-only, path too long: one message, nothing half-written
        from relatie_lab.outputs import os_error_message

        print(f"relatie-lab report: {os_error_message(exc, args.lang)}", file=sys.stderr)
        return EXIT_NOTHING
    except Exception as exc:  # nothing could be made; a plain line, no traceback
        print(f"relatie-lab report: {label('sec_unexpected', args.lang).format(error=_short_error(exc))}",
              file=sys.stderr)  # fmt: skip
        return EXIT_NOTHING
    print(result.path)
    if not result.complete:
        print(label("sec_report_incomplete", args.lang).format(n=int((result.sections["status"] != "run").sum())
                                                               + len(result.failed_notebooks)), file=sys.stderr)
        if result.log is not None:
            print(label("sec_note_failed_log", args.lang).format(log=result.log), file=sys.stderr)
    return result.exit_code
