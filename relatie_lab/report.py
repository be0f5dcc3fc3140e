"""One command from a survey file to a readable, reproducible HTML report.

:func:`build_report` loads and checks the survey once, writes a processed copy without personal data,
runs every report notebook in ``notebooks/`` with papermill on that copy, and combines the executed
notebooks into one HTML file (``rapport.html`` in Dutch, ``report.html`` in English) with a table of
contents, embedded figures, APA-style tables and a reproducibility section (input SHA-256, parameters,
seed, package versions, date, command line). Everything is built in a temporary folder and moved in
as a whole, so an interrupted run leaves the previous report intact.

The notebooks stay thin: they load, call the package and display with the helpers in
:mod:`relatie_lab.notebook` (headings and explanations in the report's language, APA-style tables, headline figures).

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
from relatie_lab.labels import check_lang, label
from relatie_lab.notebook import QUALITY_NAME, record, safe_quality, strip_personal_columns
from relatie_lab.outputs import InputSnapshot, check_output_dir, guard_folder, input_snapshot, keep_file, write_marker
from relatie_lab.paths import NOTEBOOKS, PACKAGE_DIR, PROJECT_DIR

__all__ = [
    "DEFAULT_N_BOOT",
    "DEFAULT_SEED",
    "ReportError",
    "add_cli",
    "build_report",
    "report_filename",
    "report_notebooks",
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
TIMESTAMP_CLASS = "repro-timestamp"


class ReportError(RuntimeError):
    """A report notebook failed; ``failed_notebook`` is the executed notebook kept for inspection."""

    def __init__(self, message: str, failed_notebook: Path | None = None) -> None:
        super().__init__(message)
        self.failed_notebook = failed_notebook


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


# ---------------------------------------------------------------------------------------------------------------
# the main function


def build_report(
    data_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    lang: str = "nl",
    mapping: str | os.PathLike[str] | None = None,
    seed: int = DEFAULT_SEED,
    n_boot: int = DEFAULT_N_BOOT,
    show_code: bool = False,
    notebooks: Sequence[str | os.PathLike[str]] | None = None,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    progress: bool = False,
) -> Path:
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
    seed, n_boot
        Random seed and number of bootstrap draws (confidence intervals of indirect effects etc.).
    show_code
        Keep the notebook code in the HTML (hidden by default).
    notebooks
        Notebooks to run, in order (default: every ``notebooks/NN_*.ipynb``).
    cell_timeout
        Seconds one notebook cell may run before the run is stopped.
    progress
        Print a line per finished notebook.

    Returns
    -------
    Path
        The HTML report.

    Raises
    ------
    SurveyError
        The survey cannot be used (raised before any notebook runs; no report folder is touched).
    ReportError
        A notebook failed. The executed notebook, with the error, is kept in ``out_dir/failed/``;
        the earlier report in ``out_dir`` (if any) is left as it was.

    Examples
    --------
    >>> build_report("data/raw/demo_survey.sav", "reports/demo")  # doctest: +SKIP
    PosixPath('reports/demo/rapport.html')
    """
    settings = _Settings(
        lang=check_lang(lang),
        seed=int(seed),
        n_boot=int(n_boot),
        mapping=Path(mapping) if mapping is not None else None,
        show_code=bool(show_code),
        cell_timeout=int(cell_timeout),
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
    check_output_dir(out_dir, [data_path, *([settings.mapping] if settings.mapping else [])], lang=settings.lang)
    if not data_path.is_file():
        _load(data_path, settings.mapping, settings.lang)  # the plain "file not found" message
    mapping_sha = sha256_file(settings.mapping) if settings.mapping and settings.mapping.is_file() else None
    with input_snapshot(data_path) as snap:  # the input is read once: hashed and analysed as it was at the start
        survey = _load(snap.path, settings.mapping, settings.lang)  # fails early, before anything is written
    started = dt.datetime.now(dt.UTC)
    with atomic_dir(out_dir) as tmp:
        write_marker(tmp)
        data_dir = tmp / "data"
        nb_dir = tmp / "notebooks"
        data_dir.mkdir()
        nb_dir.mkdir()
        _write_processed(survey, data_dir)
        processed_sha = sha256_file(data_dir / PROCESSED_NAME)
        record(tmp, n=len(survey.data))
        executed = []
        for i, nb in enumerate(nb_paths, start=1):
            tick = time.perf_counter()
            executed.append(_execute(nb, nb_dir, settings, out_dir))
            if progress:
                print(f"[{i}/{len(nb_paths)}] {nb.name} ({time.perf_counter() - tick:.1f} s)", flush=True)
        repro = _reproducibility(data_path, settings, nb_paths, started, processed_sha, snap, mapping_sha)
        write_text(tmp / "reproducibility.json", json.dumps(repro, indent=2, ensure_ascii=False) + "\n")
        page = _render_html(executed, settings, repro, data_path.name)
        write_text(tmp / report_filename(settings.lang), page)
        guard_folder(tmp, settings.lang)  # last guard: no personal pattern leaves in any file
    return out_dir / report_filename(settings.lang)


# ---------------------------------------------------------------------------------------------------------------
# steps


def _load(data_path: Path, mapping: Path | None, lang: str) -> Any:
    from relatie_lab.loaders import load_survey

    if not data_path.is_file():
        raise SurveyError(f"{data_path}: file not found. Check the path (bestand niet gevonden).")
    return load_survey(data_path, mapping=mapping, lang=lang)


def _write_processed(survey: Any, data_dir: Path) -> None:
    """The notebooks only ever see this processed copy: personal data never enters a kernel."""
    write_parquet(strip_personal_columns(survey.data), data_dir / PROCESSED_NAME)
    quality = getattr(survey, "quality", None)
    if isinstance(quality, pd.DataFrame):
        write_parquet(safe_quality(quality), data_dir / QUALITY_NAME)


def _execute(nb_path: Path, nb_dir: Path, settings: _Settings, out_dir: Path) -> Path:
    """Run one notebook with papermill inside the temporary report folder; keep it on failure."""
    import papermill as pm

    target = nb_dir / nb_path.name
    parameters = {
        "data_path": f"../data/{PROCESSED_NAME}",
        "mapping_path": str(settings.mapping) if settings.mapping else None,
        "lang": settings.lang,
        "seed": settings.seed,
        "n_boot": settings.n_boot,
        "output_dir": "..",
    }
    declared = _declared_parameters(nb_path)
    parameters = {k: v for k, v in parameters.items() if k in declared}
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
            # the kernel's start-up notice about TCP transport is noise in a report run; errors still show
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except Exception as exc:  # papermill raises PapermillExecutionError, nbclient a timeout error, ...
        if isinstance(exc, OSError) and exc.errno is not None and not isinstance(exc, TimeoutError):
            raise  # disk full, no permission, ...: one plain message from the command (relatie_lab.outputs)
        kept = keep_file(target, out_dir / "failed") if target.exists() else None
        where = f" The executed notebook is kept in {kept}." if kept else ""
        raise ReportError(f"Notebook {nb_path.name} failed: {_short_error(exc)}.{where}", kept) from exc
    return target


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
    return {
        "input_file": data_path.name,
        "input_sha256": snap.sha256,  # hashed when the run started: the version the report is made of
        "input_bytes": snap.size,
        "input_during_run": snap.state(),  # unchanged / changed / deleted
        "processed_sha256": processed_sha,
        "mapping_file": mapping.name if mapping else None,
        "mapping_sha256": mapping_sha,
        "parameters": {"lang": settings.lang, "seed": settings.seed, "n_boot": settings.n_boot},
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


def _render_html(executed: list[Path], settings: _Settings, repro: dict[str, Any], data_name: str) -> str:
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    lang = settings.lang
    combined = nbformat.v4.new_notebook()
    combined.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    title = label("report_title", lang)
    combined.cells.append(_html_cell(_title_html(title, data_name, repro, lang)))
    combined.cells.append(_html_cell(f"<p>{TOC_MARKER}</p>"))
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                # warnings and logs go to stderr; they stay in the executed notebooks, not in the report
                cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
            combined.cells.append(cell)
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
    body = _add_toc(body, lang)
    body = _figure_alt_texts(body, lang)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    body = body.replace("</head>", f"<style>\n{css}</style>\n</head>", 1)
    return re.sub(r"<html[^>]*>", f'<html lang="{lang}">', body, count=1)


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
        row("report_repro_lang", params["lang"]),
        row("report_repro_seed", params["seed"]),
        row("report_repro_n_boot", params["n_boot"]),
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


def _number_tables(body: str, lang: str) -> str:
    """Number the APA tables in the order they appear (Tabel 1, Tabel 2, ...)."""
    counter = iter(range(1, 10_000))
    word = html.escape(label("report_table", lang))
    return re.sub(
        r'<span class="apa-number">[^<]*</span>',
        lambda _m: f'<span class="apa-number">{word} {next(counter)}</span>',
        body,
    )


# ---------------------------------------------------------------------------------------------------------------
# command line


def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``relatie-lab report DATA [--out DIR] [--lang nl|en] [--mapping FILE] [--seed N] [--boot N]``."""
    parser = subparsers.add_parser(
        "report",
        help="HTML report of one survey file (papermill + nbconvert)",
        description="Run the report notebooks on DATA and write one HTML report with a reproducibility section.",
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
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--boot", type=int, default=DEFAULT_N_BOOT, help=f"bootstrap draws (default {DEFAULT_N_BOOT})"
    )
    parser.add_argument("--show-code", action="store_true", help="keep the notebook code in the HTML")


def report_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :func:`build_report` from parsed command-line options."""
    return {
        "lang": args.lang,
        "mapping": args.mapping,
        "seed": args.seed,
        "n_boot": args.boot,
        "show_code": args.show_code,
    }


def _cli_report(args: argparse.Namespace) -> int:
    from relatie_lab.paths import REPORTS

    out = args.out if args.out is not None else REPORTS / args.data.stem
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            path = build_report(args.data, out, progress=True, **report_kwargs(args))
    except (SurveyError, ReportError) as exc:
        print(f"relatie-lab report: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # disk full, no permission, read-only, path too long: one message, nothing half-written
        from relatie_lab.outputs import os_error_message

        print(f"relatie-lab report: {os_error_message(exc, args.lang)}", file=sys.stderr)
        return 1
    print(path)
    return 0
