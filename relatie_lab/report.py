"""One command from a survey file to a readable, reproducible HTML report.

:func:`build_report` loads and checks the survey once, writes a processed copy without personal data,
runs every report notebook in ``notebooks/`` with papermill on that copy, and combines the executed
notebooks into one HTML file (``rapport.html`` in Dutch, ``report.html`` in English) with a table of
contents, embedded figures, APA-style tables and a reproducibility section (input SHA-256, parameters,
seed, package versions, date, command line). Everything is built in a temporary folder and moved in
as a whole, so an interrupted run leaves the previous report intact.

The notebooks stay thin: they load, call the package and display. The few helpers they share (language-
dependent headings and explanations, APA-style tables, recording headline figures) are at the end of this module.

Examples
--------
>>> report_filename("en")
'report.html'
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import hashlib
import html
import importlib.metadata
import json
import math
import os
import platform
import re
import shlex
import shutil
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
QUALITY_NAME = "quality.parquet"
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

    survey = _load(data_path, settings.mapping, settings.lang)  # fails early, before anything is written
    started = dt.datetime.now(dt.UTC)
    with atomic_dir(out_dir) as tmp:
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
        repro = _reproducibility(data_path, settings, nb_paths, started, processed_sha)
        write_text(tmp / "reproducibility.json", json.dumps(repro, indent=2, ensure_ascii=False) + "\n")
        page = _render_html(executed, settings, repro, data_path.name)
        write_text(tmp / report_filename(settings.lang), page)
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
        write_parquet(_safe_quality(quality), data_dir / QUALITY_NAME)


def _safe_quality(quality: pd.DataFrame) -> pd.DataFrame:
    """The quality table without columns that could repeat a raw (possibly personal) value."""
    keep = [c for c in quality.columns if c not in {"value", "values", "raw_value", "example", "examples"}]
    out = quality[keep].copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


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
        kept = None
        if target.exists():
            failed_dir = out_dir / "failed"
            failed_dir.mkdir(parents=True, exist_ok=True)
            kept = failed_dir / nb_path.name
            shutil.copy2(target, kept)
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
    data_path: Path, settings: _Settings, nb_paths: list[Path], started: dt.datetime, processed_sha: str
) -> dict[str, Any]:
    mapping = settings.mapping
    return {
        "input_file": data_path.name,
        "input_sha256": sha256_file(data_path),
        "input_bytes": data_path.stat().st_size,
        "processed_sha256": processed_sha,
        "mapping_file": mapping.name if mapping else None,
        "mapping_sha256": sha256_file(mapping) if mapping and mapping.is_file() else None,
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
    print(path)
    return 0


# ---------------------------------------------------------------------------------------------------------------
# helpers for the report notebooks (load, explain, show): they keep the notebooks down to load-call-display

RESULTS_FILE = "results.json"
#: The rungs of Pol's ladder: the core constructs of the measurement-model checks.
LADDER_CONSTRUCTS = ("klantbeleving", "gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid")

# column name -> (symbol, italic) for APA table headers; Greek letters are not italicised (APA 7, 6.45)
_SYMBOLS: dict[str, tuple[str, bool]] = {
    "p": ("p", True),
    "p_value": ("p", True),
    "pvalue": ("p", True),
    "p_val": ("p", True),
    "p_adj": ("p<sub>adj</sub>", True),
    "p_holm": ("p<sub>Holm</sub>", True),
    "se": ("SE", True),
    "std_error": ("SE", True),
    "boot_se": ("SE<sub>boot</sub>", True),
    "z": ("z", True),
    "t": ("t", True),
    "f": ("F", True),
    "n": ("N", True),
    "mean": ("M", True),
    "sd": ("SD", True),
    "r": ("r", True),
    "df": ("df", True),
    "dof": ("df", True),
    "d": ("d", True),
    "cohens_d": ("d", True),
    "hedges_g": ("g", True),
    "b": ("b", True),
    "chi2": ("χ²", False),
    "chisq": ("χ²", False),
    "std_all": ("β", False),
    "beta": ("β", False),
    "alpha": ("α", False),
    "cronbach_alpha": ("α", False),
    "omega": ("ω", False),
}
# statistics that cannot exceed 1 in absolute value: no leading zero (APA 7, 6.36)
_P_COLUMNS = frozenset({"p", "p_value", "pvalue", "p_val", "p_adj", "p_holm"})
_NO_LEADING_ZERO = _P_COLUMNS | {
    "r", "alpha", "cronbach_alpha", "alpha_ci_lower", "alpha_ci_upper", "omega", "composite_reliability",
    "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr", "ave", "sqrt_ave", "cr",
}  # fmt: skip
# columns whose values are construct ids: shown with the construct's name
_CONSTRUCT_COLUMNS = frozenset({"construct", "construct_a", "construct_b", "outcome", "lhs", "rhs"})
_INT_COLUMNS = frozenset({"n", "count", "df", "n_items", "n_respondents"})


def strip_personal_columns(df: pd.DataFrame) -> pd.DataFrame:
    """The survey without personal columns (see :func:`relatie_lab.privacy.strip_personal_data`).

    Examples
    --------
    >>> df = pd.DataFrame({"respondent_id": ["1", "2"], "email": ["a@b.nl", "c@d.nl"], "vt_1": [5, 6]})
    >>> list(strip_personal_columns(df).columns)
    ['respondent_id', 'vt_1']
    """
    from relatie_lab.privacy import strip_personal_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a random id salt is fine here: ids never reach a table
        clean, _ = strip_personal_data(df)
    return clean


def load_data(data_path: str | os.PathLike[str], mapping_path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """The survey for a notebook, without personal data.

    A ``.parquet`` file is the processed copy that :func:`build_report` wrote (mapping already applied);
    any other file is read with :func:`relatie_lab.load_survey` and stripped of personal columns, so a
    notebook can also be run by hand on a raw file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "s.parquet"
    >>> pd.DataFrame({"vt_1": [5, 6]}).to_parquet(p)
    >>> load_data(p)["vt_1"].tolist()
    [5, 6]
    """
    path = Path(data_path)
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    from relatie_lab.loaders import load_survey

    return strip_personal_columns(load_survey(path, mapping=mapping_path).data)


def load_quality(
    data_path: str | os.PathLike[str], mapping_path: str | os.PathLike[str] | None = None
) -> pd.DataFrame | None:
    """The data-quality table of the survey (``quality.parquet`` beside a processed copy, else from the loader)."""
    path = Path(data_path)
    if path.suffix.lower() == ".parquet":
        quality = path.with_name(QUALITY_NAME)
        return pd.read_parquet(quality) if quality.is_file() else None
    from relatie_lab.loaders import load_survey

    quality = getattr(load_survey(path, mapping=mapping_path), "quality", None)
    return _safe_quality(quality) if isinstance(quality, pd.DataFrame) else None


def text(key: str, lang: str = "nl", **fields: Any) -> str:
    """A report text (Markdown) from the labels, with ``{placeholders}`` filled in.

    Examples
    --------
    >>> text("report_table", "en")
    'Table'
    """
    value = label(key, lang)
    return value.format(**fields) if fields else value


def heading(key: str, lang: str = "nl", level: int = 2) -> None:
    """Display a heading (level 1 = notebook title, 2 = section) in the notebook's language."""
    from IPython.display import Markdown, display

    display(Markdown(f"{'#' * level} {text(key, lang)}"))


def explain(key: str, lang: str = "nl", **fields: Any) -> None:
    """Display an explanation paragraph (Markdown) in the notebook's language."""
    from IPython.display import Markdown, display

    display(Markdown(text(key, lang, **fields)))


def explain_text(value: str) -> None:
    """Display a text an analysis wrote (e.g. a ``.summary(lang)`` verdict) as Markdown, one paragraph per line."""
    from IPython.display import Markdown, display

    lines = [line.strip() for line in str(value).splitlines() if line.strip()]
    display(Markdown("\n\n".join(lines)))


def record(output_dir: str | os.PathLike[str] | None, **values: Any) -> None:
    """Add headline figures (e.g. ``cfi=0.97``) to ``output_dir/results.json``; nothing when ``output_dir`` is None.

    Batch runs read this file for their summary table.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> record(d, n=200); record(d, cfi=0.971)
    >>> json.loads((d / "results.json").read_text())
    {'n': 200, 'cfi': 0.971}
    """
    if output_dir is None:
        return
    path = Path(output_dir) / RESULTS_FILE
    current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    current.update({k: _plain(v) for k, v in values.items()})
    write_text(path, json.dumps(current, indent=2, ensure_ascii=False) + "\n")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN -> null
        return None
    return value


def setup_notebook(lang: str = "nl") -> None:
    """Prepare a report notebook: plot theme, crisp inline figures, and warnings shown as short notes."""
    check_lang(lang)
    from IPython import get_ipython

    from relatie_lab.errors import DataQualityWarning, ModelWarning
    from relatie_lab.plots import theme

    theme()
    shell = get_ipython()
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")
        shell.run_line_magic("config", "InlineBackend.figure_formats = ['png']")
        shell.run_line_magic("config", "InlineBackend.rc = {'figure.dpi': 110, 'savefig.dpi': 110}")
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    note = label("report_warning", lang)

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, DataQualityWarning | ModelWarning):
            from IPython.display import Markdown, display

            display(Markdown(f"> **{note}:** {message}"))
        else:
            print(f"{category.__name__}: {message}", file=sys.stderr)

    warnings.showwarning = show


class ApaTable:
    """A table formatted in APA style for a report: numbered caption, 2-3 decimals, *p* as "< .001".

    ``frame`` holds the formatted cells (strings); ``data`` the original numbers. Displayed in a notebook it
    renders as HTML; the report numbers the tables in order.
    """

    def __init__(self, data: pd.DataFrame, frame: pd.DataFrame, headers: list[str], caption: str, note: str) -> None:
        self.data = data
        self.frame = frame
        self.headers = headers
        self.caption = caption
        self.note = note

    def _repr_html_(self) -> str:
        head = "".join(f'<th scope="col">{h}</th>' for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f'<td class="{_align(v)}">{html.escape(str(v))}</td>' for v in row) + "</tr>"
            for row in self.frame.itertuples(index=False)
        )
        caption = (
            f'<caption><span class="apa-number"></span><br><em>{html.escape(self.caption)}</em></caption>'
            if self.caption
            else ""
        )
        note = f'<p class="apa-note">{self.note}</p>' if self.note else ""
        table = f'<table class="apa">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        return f'<div class="apa-table">{table}{note}</div>'

    def __repr__(self) -> str:
        title = f"{self.caption}\n" if self.caption else ""
        plain = [re.sub(r"<[^>]+>", "", h) for h in self.headers]
        return title + self.frame.set_axis(plain, axis=1).to_string(index=False)


_NUMBER_TEXT = re.compile(r"^(< ?)?[-+]?\d*\.?\d+$|^—$")


def _align(text: str) -> str:
    """``num`` (right-aligned, no wrapping) for a formatted number, else ``txt`` (left-aligned)."""
    return "num" if _NUMBER_TEXT.match(str(text)) else "txt"


def apa_table(
    df: pd.DataFrame,
    lang: str = "nl",
    *,
    caption: str = "",
    note: str = "",
    decimals: int = 2,
    index: bool = False,
    columns: dict[str, str] | None = None,
) -> ApaTable:
    """Format a tidy DataFrame as an APA-style table for a report.

    Parameters
    ----------
    df
        The table (snake_case columns).
    lang
        Language of the column headers (``label`` keys, else the column name in words).
    caption, note
        Table title (italic, under the number) and a note below the table (Markdown-free text; HTML allowed).
    decimals
        Decimals for numbers; *p*-values always get three (``.034``, ``< .001``), and statistics that cannot
        exceed 1 (*p*, *r*, alpha, omega, CFI, TLI, RMSEA, SRMR) lose the leading zero.
    index
        Keep the index as the first column(s).
    columns
        Header overrides: ``{column: header}``.

    Examples
    --------
    >>> t = apa_table(pd.DataFrame({"estimate": [0.51234], "p_value": [0.00002], "n": [200.0]}), "en")
    >>> t.frame.iloc[0].tolist()
    ['0.51', '< .001', '200']
    >>> t.headers
    ['Estimate', '<em>p</em>', '<em>N</em>']
    """
    check_lang(lang)
    data = df.reset_index() if index else df.reset_index(drop=True)
    overrides = columns or {}
    headers = [overrides.get(str(c)) or _header(str(c), lang) for c in data.columns]
    frame = pd.DataFrame(
        {i: [_cell(v, str(c), decimals, lang) for v in data[c].tolist()] for i, c in enumerate(data.columns)},
        dtype=object,
    )
    for i, col in enumerate(data.columns):
        if i == 0 or str(col).lower() in _CONSTRUCT_COLUMNS:  # ids in the row labels: show their names
            frame[i] = [_construct_name(v, lang) for v in frame[i]]
    return ApaTable(data, frame, headers, caption, note)


@functools.cache
def _stat_by_label() -> dict[str, str]:
    """Header text (any language, lower case) -> statistic, for every label whose key names a known statistic.

    Analysis summaries label their columns (``label("p_value")`` = "p-waarde"); a key may carry an area
    prefix (``an_p_holm``).
    """
    from relatie_lab.labels import labels

    known = set(_SYMBOLS) | {"n_respondents"}
    out: dict[str, str] = {}
    for key, texts in labels().items():
        parts = key.split("_")
        base = next(("_".join(parts[i:]) for i in range(len(parts)) if "_".join(parts[i:]) in known), None)
        if base is None or (base != key and len(base) < 3):  # "an_t" yes, but not every key ending in "_t"
            continue
        for text in texts.values():
            out.setdefault(text.lower(), "n" if base == "n_respondents" else base)
    return out


def _canonical(column: str) -> str:
    """The statistic a column holds: its snake_case name, or the label key whose text it is."""
    key = column.lower()
    return _stat_by_label().get(key, key)


def _construct_name(value: str, lang: str) -> str:
    """The instrument's name for a construct (or item) id; other text unchanged."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
        return value
    try:
        from relatie_lab.instrument import label as instrument_label

        return instrument_label(value, lang)
    except Exception:  # not an id of the instrument; maybe a relationship type
        for key in (f"type_{value}", f"report_value_{value}"):
            with contextlib.suppress(KeyError):
                return label(key, lang)
        return value


def _header(column: str, lang: str) -> str:
    key = _canonical(column)
    if key in _SYMBOLS:
        symbol, italic = _SYMBOLS[key]
        return f"<em>{symbol}</em>" if italic else symbol
    if key != column.lower():  # a labelled statistic without a symbol: keep the analysis' own header
        return html.escape(column)
    for name in (column, f"report_col_{column}"):
        try:
            return html.escape(label(name, lang))
        except KeyError:
            pass
    if key in {"cfi", "tli", "rmsea", "srmr", "aic", "bic", "ave", "htmt"}:
        return key.upper()
    if re.fullmatch(r"[a-z][a-z0-9_]*", column):
        name = _construct_name(column, lang)
        return html.escape(name if name != column else column.replace("_", " ").capitalize())
    return html.escape(column)


def _cell(value: Any, column: str, decimals: int, lang: str) -> str:
    key = _canonical(column)
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, bool):
        return label("report_yes" if value else "report_no", lang)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if key in _P_COLUMNS:
            return "< .001" if value < 0.001 else f"{value:.3f}".replace("0.", ".", 1)
        if key in _INT_COLUMNS and float(value).is_integer():
            return str(int(value))
        out = f"{value:.{decimals}f}"
        if key in _NO_LEADING_ZERO:
            out = out.replace("0.", ".", 1)
        return out[1:] if out.startswith("-") and float(out) == 0 else out  # no "-0.00"
    if hasattr(value, "item"):
        return _cell(value.item(), column, decimals, lang)
    return str(value)


def show(fig: Any) -> None:
    """Display a matplotlib figure once (and close it, so the inline backend does not show it twice)."""
    from IPython.display import display

    if fig is None:
        return
    display(fig)
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)
    except (ImportError, TypeError):  # not a matplotlib figure (e.g. a graphviz diagram)
        pass


def sample_table(df: pd.DataFrame, group: str | None, lang: str = "nl") -> pd.DataFrame:
    """Respondents per value of ``group`` (and in total), with the share in %.

    Examples
    --------
    >>> sample_table(pd.DataFrame({"sector": ["bank", "bank", "energie"]}), "sector", "en")
          group  n  share_pct
    0      bank  2  66.666667
    1   energie  1  33.333333
    2     Total  3 100.000000
    """
    total = label("report_total", lang)
    if not group or group not in df.columns:
        return pd.DataFrame({"group": [total], "n": [len(df)], "share_pct": [100.0]})
    counts = df[group].value_counts(dropna=False, sort=False).sort_index(na_position="last")
    names = [label("missing", lang) if pd.isna(v) else str(v) for v in counts.index]
    out = pd.DataFrame({"group": names, "n": counts.to_numpy(dtype=int)})
    out["share_pct"] = 100 * out["n"] / max(len(df), 1)
    out.loc[len(out)] = [total, len(df), 100.0]
    return out


def missing_table(df: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Per construct of the instrument present in ``df``: its items and the % of missing answers."""
    from relatie_lab import instrument

    rows = []
    for construct in instrument.constructs().index:
        items = [i for i in instrument.item_ids(construct) if i in df.columns]
        if not items or _is_facet(construct):
            continue
        block = df[items].apply(pd.to_numeric, errors="coerce")
        rows.append(
            {
                "construct": instrument.label(construct, lang),
                "n_items": len(items),
                "missing_pct": 100 * float(block.isna().to_numpy().mean()),
                "complete_pct": 100 * float(block.notna().all(axis=1).mean()),
            }
        )
    return pd.DataFrame(rows, columns=["construct", "n_items", "missing_pct", "complete_pct"])


def _is_facet(construct: str) -> bool:
    from relatie_lab import instrument

    parent = instrument.constructs().loc[construct, "parent"]
    return isinstance(parent, str) and bool(parent)


_FIT_ORDER = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr")


def _fit_values(fit: Any) -> dict[str, float]:
    values = fit.fit_indices
    if isinstance(values, pd.DataFrame):
        if {"index", "value"} <= set(values.columns):
            values = dict(zip(values["index"], values["value"], strict=True))
        elif {"measure", "value"} <= set(values.columns):
            values = dict(zip(values["measure"], values["value"], strict=True))
        else:
            values = values.iloc[0].to_dict()
    elif isinstance(values, pd.Series):
        values = values.to_dict()
    return {str(k): v for k, v in dict(values).items()}


def fit_table(fit: Any) -> pd.DataFrame:
    """One row with the model's fit: chi-square, df, p, CFI, TLI, RMSEA (90% CI) and SRMR."""
    values = _fit_values(fit)
    cols = [c for c in _FIT_ORDER if c in values]
    row = {c: values[c] for c in cols}
    if "df" in row:
        row["df"] = int(row["df"])
    return pd.DataFrame([row], columns=cols)


def _path_rows(fit: Any) -> pd.DataFrame:
    est = fit.estimates
    return est[est["op"] == "~"].reset_index(drop=True)


def path_table(fit: Any, lang: str = "nl") -> pd.DataFrame:
    """The structural paths of a SEM fit: predictor -> outcome, estimate, SE, p, standardised estimate."""
    from relatie_lab import instrument

    def name(v: str) -> str:
        try:
            return instrument.label(v, lang)
        except Exception:  # a variable outside the instrument
            return v

    reg = _path_rows(fit)
    out = pd.DataFrame({"path": [f"{name(r)} → {name(lhs)}" for lhs, r in zip(reg["lhs"], reg["rhs"], strict=True)]})
    for col in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"):
        if col in reg.columns:
            out[col] = reg[col].astype(float).to_numpy()
    return out


def ladder_by_group(result: Any, lang: str = "nl") -> pd.DataFrame:
    """Share (%) of respondents reaching each rung, one row per group, and the rung where the ladder breaks.

    ``result`` is a grouped :func:`relatie_lab.ladder.ladder_funnel` result.
    """
    funnel = result.funnel
    by = result.by
    rungs = list(dict.fromkeys(funnel["rung"]))
    wide = funnel.pivot_table(index=by, columns="rung", values="share", observed=True, sort=False)[rungs] * 100
    wide.columns = [_construct_name(r, lang) for r in rungs]
    breaks = funnel[funnel["is_break"]].set_index(by)["rung"]
    wide[label("report_ladder_break", lang)] = [_construct_name(str(breaks.get(g, "")), lang) for g in wide.index]
    n = funnel.groupby(by, observed=True, sort=False)["n_total"].first()
    wide.insert(0, "n", n.reindex(wide.index).astype(int))
    return wide.reset_index()


def indirect_table(indirect: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Indirect effects for a report: the chain in words (``Vertrouwen → Commitment → ...``), estimate, bootstrap
    SE and confidence interval; the method and number of draws are in ``.attrs["note"]``."""
    out = pd.DataFrame(
        {
            "effect": [" → ".join(_construct_name(part.strip(), lang) for part in str(e).split("->")) for e in
                       indirect["effect"]],
            "est": indirect["est"].astype(float),
            "boot_se": indirect["boot_se"].astype(float),
            "ci_lower": indirect["ci_lower"].astype(float),
            "ci_upper": indirect["ci_upper"].astype(float),
        }
    )
    n_boot = int(indirect["n_boot"].max()) if "n_boot" in indirect and len(indirect) else 0
    n_failed = int(indirect["n_failed"].max()) if "n_failed" in indirect and len(indirect) else 0
    method = str(indirect["ci"].iloc[0]) if "ci" in indirect and len(indirect) else ""
    out.attrs["note"] = text("report_indirect_note", lang, n_boot=n_boot, n_failed=n_failed, method=method)
    return out


def sem_headline(fit: Any) -> dict[str, Any]:
    """Headline figures of the Commitment-Trust model for batch summaries: CFI, RMSEA, SRMR, trust -> commitment."""
    values = _fit_values(fit)
    out: dict[str, Any] = {k: values.get(k) for k in ("cfi", "tli", "rmsea", "srmr")}
    reg = _path_rows(fit)
    row = reg[(reg["lhs"] == "commitment") & (reg["rhs"] == "vertrouwen")]
    if len(row):
        out["trust_commitment"] = float(row["est"].iloc[0])
        if "std_all" in row.columns:
            out["trust_commitment_std"] = float(row["std_all"].iloc[0])
        p_col = "pvalue" if "pvalue" in row.columns else "p_value" if "p_value" in row.columns else None
        if p_col:
            out["trust_commitment_p"] = float(row[p_col].iloc[0])
    return {k: _plain(v) for k, v in out.items()}


def interaction_fields(result: Any) -> dict[str, str]:
    """The interaction F-test of a moderated regression, formatted APA-style for :func:`explain` placeholders."""
    test = dict(getattr(result, "interaction_test", {}) or {})
    p = test.get("p_value", math.nan)
    p_text = "< .001" if p < 0.001 else f"= {p:.3f}".replace("0.", ".", 1)
    return {
        "f": f"{test.get('statistic', math.nan):.2f}",
        "df1": f"{test.get('df_num', math.nan):.0f}",
        "df2": f"{test.get('df_denom', math.nan):.0f}",
        "p": p_text,
    }
