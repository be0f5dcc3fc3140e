"""What the report notebooks call to load, show and record.

The report notebooks in ``notebooks/`` stay thin: they load the survey (:func:`load_data`,
:func:`load_quality`), call the package and display the results with the helpers here: language-dependent
headings and explanations from the labels (:func:`heading`, :func:`explain`, :func:`text`), APA-style tables
(:func:`apa_table` and the table builders :func:`sample_table`, :func:`missing_table`, :func:`fit_table`,
:func:`path_table`, :func:`ladder_by_group`, :func:`indirect_table`), figures (:func:`show`) and headline
figures for batch summaries (:func:`record`, :func:`sem_headline`). :mod:`relatie_lab.report` runs the
notebooks and assembles the HTML report.

Examples
--------
>>> text("report_table", "en")
'Table'
"""

from __future__ import annotations

import contextlib
import functools
import html
import json
import math
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.atomic import write_text
from relatie_lab.labels import check_lang, label

__all__ = [
    "FIGURE_MIME",
    "LADDER_CONSTRUCTS",
    "QUALITY_NAME",
    "REPORT_ESTIMATORS",
    "RESULTS_FILE",
    "TABLE_MIME",
    "ApaFigure",
    "ApaTable",
    "apa_table",
    "apa_text",
    "cores",
    "defined_table",
    "explain",
    "explain_text",
    "figure",
    "finding",
    "fit_table",
    "heading",
    "indirect_table",
    "interaction_fields",
    "ladder_by_group",
    "load_data",
    "load_quality",
    "missing_table",
    "names",
    "path_table",
    "record",
    "safe_quality",
    "sample_table",
    "sem_headline",
    "sem_options",
    "setup_notebook",
    "show",
    "strip_personal_columns",
    "text",
    "use_instrument",
]

#: Mimetypes of the APA tables and figures in an executed notebook (read by :mod:`relatie_lab.docx_export`).
TABLE_MIME = "application/vnd.relatie-lab.table+json"
FIGURE_MIME = "application/vnd.relatie-lab.figure+json"
#: Headline figures of a report (see :func:`record`); batch runs read them for their summary table.
RESULTS_FILE = "results.json"
#: The data-quality table that :func:`relatie_lab.report.build_report` writes beside the processed survey.
QUALITY_NAME = "quality.parquet"
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
    "r2": ("<em>R</em>²", False),
}
# statistics that cannot exceed 1 in absolute value: no leading zero (APA 7, 6.36)
_P_COLUMNS = frozenset({"p", "p_value", "pvalue", "p_val", "p_adj", "p_holm", "pvalue_scaled"})
_NO_LEADING_ZERO = _P_COLUMNS | {
    "r", "alpha", "cronbach_alpha", "alpha_ci_lower", "alpha_ci_upper", "omega", "composite_reliability",
    "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr", "ave", "sqrt_ave", "cr", "r2", "std_all",
    "max_correlation", "beta", "cfi_scaled", "tli_scaled", "rmsea_scaled", "rmsea_ci_lower_scaled",
    "rmsea_ci_upper_scaled",
}  # fmt: skip
# columns whose values are construct ids: shown with the construct's name
_CONSTRUCT_COLUMNS = frozenset({"construct", "construct_a", "construct_b", "outcome", "lhs", "rhs"})
_INT_COLUMNS = frozenset({"n", "count", "df", "n_items", "n_respondents"})


_INSTRUMENT: list[Any] = []  # the codebook of the running report (use_instrument); empty: the shipped one


def use_instrument(instrument: Any) -> None:
    """Use ``instrument`` (a researcher's codebook) for construct names and tables in this notebook."""
    _INSTRUMENT[:] = [instrument] if instrument is not None else []
    from relatie_lab import apa

    apa.use_instrument(instrument)


def _instrument() -> Any:
    if _INSTRUMENT:
        return _INSTRUMENT[0]
    from relatie_lab.instrument import default

    return default()


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


def safe_quality(quality: pd.DataFrame) -> pd.DataFrame:
    """The quality table without columns that could repeat a raw (possibly personal) value."""
    keep = [c for c in quality.columns if c not in {"value", "values", "raw_value", "example", "examples"}]
    out = quality[keep].copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


def load_data(
    data_path: str | os.PathLike[str], mapping_path: str | os.PathLike[str] | None = None, *, instrument: Any = None
) -> pd.DataFrame:
    """The survey for a notebook, without personal data.

    A ``.parquet`` file is the processed copy that :func:`relatie_lab.report.build_report` wrote (mapping
    already applied); any other file is read with :func:`relatie_lab.load_survey` and stripped of personal
    columns, so a notebook can also be run by hand on a raw file.

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

    return strip_personal_columns(load_survey(path, mapping=mapping_path, instrument=instrument).data)


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
    return safe_quality(quality) if isinstance(quality, pd.DataFrame) else None


def text(key: str, lang: str = "nl", **fields: Any) -> str:
    """A report text (Markdown) from the labels, with ``{placeholders}`` filled in.

    Examples
    --------
    >>> text("report_table", "en")
    'Table'
    """
    value = label(key, lang)
    if not fields:
        return value
    from relatie_lab.apa import integer

    shown = {k: integer(v, lang) if isinstance(v, int) and not isinstance(v, bool) and k not in _RAW_FIELDS else v
             for k, v in fields.items()}  # fmt: skip
    return value.format(**shown)


# placeholders that are identifiers, not counts: shown as they are (no thousands separator)
_RAW_FIELDS = frozenset({"seed", "year", "wave"})


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


def apa_text(value: str) -> None:
    """Display APA sentences (Markdown from :mod:`relatie_lab.apa`) as one framed paragraph, ready to copy."""
    from IPython.display import display

    from relatie_lab.apa import markdown_to_html

    if value and value.strip():  # HTML for the report, Markdown for the Word export
        markup = f'<div class="apa-text"><p>{markdown_to_html(value.strip())}</p></div>'
        display({"text/html": markup, "text/markdown": value.strip()}, raw=True)


def finding(output_dir: str | os.PathLike[str] | None, found: Any) -> None:
    """Store a key finding (:mod:`relatie_lab.summary`) for the report's summary page; nothing when either is None."""
    from relatie_lab.summary import save_finding

    save_finding(output_dir, found)


def cores() -> int:
    """The number of processor cores this report may use (for the bootstrap's ``n_jobs``; 1 inside a batch)."""
    from relatie_lab.parallel import machine_workers

    return machine_workers()


def names(lang: str = "nl") -> Any:
    """The reader's name of a variable (construct, item, field), for figures such as the path diagram."""
    from relatie_lab.apa import display as display_name

    return lambda key: display_name(key, lang)


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
    _LANG["lang"] = check_lang(lang)
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

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        """HTML for the notebook and report, and the cells as JSON for the Word export."""
        data = {"caption": self.caption, "note": self.note, "headers": self.headers,
                "rows": [[str(v) for v in row] for row in self.frame.itertuples(index=False)]}  # fmt: skip
        return {"text/html": self._repr_html_(), "text/plain": repr(self), TABLE_MIME: data}

    def __repr__(self) -> str:
        title = f"{self.caption}\n" if self.caption else ""
        plain = [re.sub(r"<[^>]+>", "", h) for h in self.headers]
        return title + self.frame.set_axis(plain, axis=1).to_string(index=False)


_NUMBER_TEXT = re.compile(r"^(< ?)?[-+]?[\d.,]*\d$|^—$")


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
        prefix = _VALUE_COLUMNS.get(str(col).lower())
        if prefix:  # coded values (check names, model types): their labels
            frame[i] = [_value_label(v, prefix, lang) for v in frame[i]]
        elif i == 0 or str(col).lower() in _CONSTRUCT_COLUMNS:  # ids in the row labels: show their names
            frame[i] = [_construct_name(v, lang) for v in frame[i]]
        elif _is_correlation_column(data, col):  # a correlation matrix: no leading zero, as the √AVE beside it
            frame[i] = [_cell_bounded(v, decimals, lang) for v in data[col].tolist()]
        if data[col].dtype == object or pd.api.types.is_string_dtype(data[col]):
            frame[i] = [_readable(v, lang) for v in frame[i]]
    return ApaTable(data, frame, headers, caption, note)


# columns whose values are codes with a label ``<prefix><code>``
_VALUE_COLUMNS = {"check": "report_check_", "model": "report_value_", "severity": "report_value_"}


def _value_label(value: str, prefix: str, lang: str) -> str:
    try:
        return label(f"{prefix}{value}", lang)
    except KeyError:
        return value if value == "—" else str(value).replace("_", " ").capitalize()


def _is_correlation_column(data: pd.DataFrame, column: Any) -> bool:
    """A column named for a construct whose values all lie in [-1, 1] (a latent correlation matrix)."""
    values = pd.to_numeric(data[column], errors="coerce") if data[column].dtype != object else None
    if values is None or values.isna().all() or not re.fullmatch(r"[a-z][a-z0-9_]*", str(column)):
        return False
    if _construct_name(str(column), "en") == str(column):
        return False
    return bool((values.dropna().abs() <= 1).all())


def _cell_bounded(value: Any, decimals: int, lang: str) -> str:
    from relatie_lab.apa import number

    return number(value, decimals, lang, leading_zero=False) if isinstance(value, float) else str(value)


_TOKEN = re.compile(r"(?<![\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?![\w-])")


def _readable(text: str, lang: str) -> str:
    """Internal names inside a text (``vt_4``, ``duur_seconden``, ``straightlining``; see
    :func:`relatie_lab.report_text.known_ids` of the report's codebook) as their names in ``lang``."""
    from relatie_lab.report_text import known_ids

    if not isinstance(text, str):
        return text
    ids = known_ids(_instrument())

    def name(match: re.Match[str]) -> str:
        word = match.group(0)
        if word not in ids:
            return word
        found = _construct_name(word, lang)
        for prefix in ("report_check_", "report_value_"):
            if found == word:
                found = _value_label(word, prefix, lang) if _has_label(prefix + word) else word
        return found

    return _TOKEN.sub(name, text)


def _has_label(key: str) -> bool:
    from relatie_lab.labels import labels

    return key in labels()


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
        return _instrument().label(value, lang)
    except Exception:  # not an id of the instrument; maybe a relationship type or a coded value of a group field
        for key in (f"type_{value}", f"report_value_{value}"):
            with contextlib.suppress(KeyError):
                return label(key, lang)
        return _field_value_name(value, lang)


def _field_value_name(value: str, lang: str) -> str:
    """The label of a coded value of a group field (``bank`` -> "Bank"), else ``value``."""
    instrument = _instrument()
    with contextlib.suppress(Exception):
        for field in instrument.fields("group").index:
            codes = instrument.field_values(str(field), lang)
            for code, text in codes.items():
                if str(code) == value:
                    return text
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
    """One table cell in the report's number style (:mod:`relatie_lab.apa`): decimal comma in Dutch, point in
    English, no leading zero for statistics that cannot exceed 1, *p* exact down to ``< .001``."""
    from relatie_lab import apa

    key = _canonical(column)
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return "—"
    if isinstance(value, bool):
        return label("report_yes" if value else "report_no", lang)
    if isinstance(value, int) and not isinstance(value, bool):
        return apa.integer(value, lang) if key in _INT_COLUMNS else str(value)
    if isinstance(value, float):
        if key in _P_COLUMNS:
            return apa.p_cell(value, lang)
        if key in _INT_COLUMNS and float(value).is_integer():
            return apa.integer(value, lang)
        return apa.number(value, decimals, lang, leading_zero=key not in _NO_LEADING_ZERO)
    if hasattr(value, "item"):
        return _cell(value.item(), column, decimals, lang)
    return _construct_name(str(value), lang) if _ID.fullmatch(str(value)) else str(value)


_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


class ApaFigure:
    """A figure for a report in APA style: number (filled in by the report), italic caption above, the image,
    a note below. Rendered as HTML with the image embedded; the Word export reads the PNG and the caption."""

    def __init__(self, png: bytes, caption: str, note: str = "", lang: str = "nl") -> None:
        self.png = png
        self.caption = caption
        self.note = note
        self.lang = lang

    def _repr_html_(self) -> str:
        import base64

        from relatie_lab.apa import markdown_to_html

        src = base64.b64encode(self.png).decode("ascii")
        note = f'<p class="apa-note">{markdown_to_html(self.note)}</p>' if self.note else ""
        return (
            f'<figure class="apa-figure"><figcaption><span class="apa-fig-number">'
            f'{html.escape(label("report_figure", self.lang))}</span><br>'
            f"<em>{html.escape(self.caption)}</em></figcaption>"
            f'<img src="data:image/png;base64,{src}" alt="{html.escape(self.caption)}">{note}</figure>'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        import base64

        return {
            "text/html": self._repr_html_(),
            "text/plain": f"{label('report_figure', self.lang)}: {self.caption}",
            "image/png": base64.b64encode(self.png).decode("ascii"),
            FIGURE_MIME: {"caption": self.caption, "note": self.note},
        }


def _title_of(fig: Any) -> str:
    """The figure's title (suptitle, else the title of its only visible axes), removed from the image: in APA
    style the title is the caption above the figure."""
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        text = suptitle.get_text()
        suptitle.set_text("")
        return text
    axes = [ax for ax in fig.axes if ax.get_visible()]
    if len(axes) == 1 and axes[0].get_title():
        text = axes[0].get_title()
        axes[0].set_title("")
        return text
    return ""


def _decimal_comma(fig: Any) -> None:
    """Numeric tick labels with a decimal comma (Dutch APA), fixed at the ticks the figure has now."""
    from matplotlib.ticker import FixedFormatter, FixedLocator, ScalarFormatter

    fig.canvas.draw()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if not isinstance(axis.get_major_formatter(), ScalarFormatter):
                continue
            locs = list(axis.get_majorticklocs())
            texts = [t.get_text().replace(".", ",") for t in axis.get_majorticklabels()]
            if len(texts) == len(locs):
                axis.set_major_locator(FixedLocator(locs))
                axis.set_major_formatter(FixedFormatter(texts))


def figure(fig: Any, caption: str | None = None, note: str = "", lang: str = "nl") -> ApaFigure:
    """An :class:`ApaFigure` of a matplotlib figure: ``caption`` (default: the figure's own title, which then
    leaves the image) and an optional ``note`` (Markdown).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.set_title("Trechter")
    >>> f = figure(fig, lang="en"); f.caption, ax.get_title(), f.png[:4] == b"\\x89PNG"
    ('Trechter', '', True)
    """
    import io

    check_lang(lang)
    title = _title_of(fig)
    caption = caption or title
    if lang == "nl":
        _decimal_comma(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return ApaFigure(buffer.getvalue(), caption, note, lang)


def show(fig: Any, caption: str | None = None, note: str = "", lang: str | None = None) -> None:
    """Display a matplotlib figure once, as a numbered APA figure with its caption (and close it).

    ``caption`` defaults to the figure's own title; ``lang`` to the language of :func:`setup_notebook`.
    """
    from IPython.display import display

    if fig is None:
        return
    try:
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        display(fig)
        return
    if not isinstance(fig, Figure):  # e.g. a graphviz diagram
        display(fig)
        return
    display(figure(fig, caption, note, lang or _LANG["lang"]))
    plt.close(fig)


_LANG = {"lang": "nl"}


def sample_table(df: pd.DataFrame, group: str | None, lang: str = "nl") -> pd.DataFrame:
    """Respondents per value of ``group`` (and in total), with the share in %.

    Examples
    --------
    >>> sample_table(pd.DataFrame({"sector": ["bank", "bank", "energie"]}), "sector", "en")
        group  n  share_pct
    0    Bank  2  66.666667
    1  Energy  1  33.333333
    2   Total  3 100.000000
    """
    total = label("report_total", lang)
    if not group or group not in df.columns:
        return pd.DataFrame({"group": [total], "n": [len(df)], "share_pct": [100.0]})
    counts = df[group].value_counts(dropna=False, sort=False).sort_index(na_position="last")
    from relatie_lab.apa import value_name

    names = [label("missing", lang) if pd.isna(v) else value_name(group, v, lang) for v in counts.index]
    out = pd.DataFrame({"group": names, "n": counts.to_numpy(dtype=int)})
    out["share_pct"] = 100 * out["n"] / max(len(df), 1)
    out.loc[len(out)] = [total, len(df), 100.0]
    return out


def missing_table(df: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Per construct of the instrument present in ``df``: its items and the % of missing answers."""
    instrument = _instrument()

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
    instrument = _instrument()

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


#: Estimators the report offers (``relatie-lab report --estimator``): ML (default), MLR (robust), WLSMV (ordinal).
REPORT_ESTIMATORS = ("ML", "MLR", "WLSMV")


def sem_options(estimator: str = "ML") -> dict[str, Any]:
    """The ``fit_sem`` options of the report's estimator: WLSMV treats every item of the model as ordinal.

    Examples
    --------
    >>> sem_options("WLSMV"), sem_options("ML")
    ({'estimator': 'WLSMV', 'ordered': True}, {'estimator': 'ML'})
    """
    estimator = str(estimator).upper()
    return {"estimator": estimator, "ordered": True} if estimator == "WLSMV" else {"estimator": estimator}


def fit_table(fit: Any, lang: str = "nl") -> pd.DataFrame:
    """One row with the model's fit: chi-square, df, p, CFI, TLI, RMSEA (90% CI) and SRMR.

    For a robust estimator (MLR, WLSMV) the scaled values (``chisq_scaled``, ``cfi_scaled``, ...) are shown, as
    lavaan reports them. ``.attrs["note"]`` names the estimator (in ``lang``).
    """
    from relatie_lab.apa import scaled_names, uses_scaled_fit

    values = _fit_values(fit)
    order = list(_FIT_ORDER)
    if uses_scaled_fit(fit):
        order = [c if c in ("df", "srmr") or f"{c}_scaled" not in values else f"{c}_scaled" for c in order]
    cols = [c for c in order if c in values]
    row = {c: values[c] for c in cols}
    if "df" in row:
        row["df"] = int(row["df"])
    out = pd.DataFrame([row], columns=cols)
    estimator = str(getattr(fit, "estimator", "ML") or "ML").upper()
    key = "report_fit_note_ordinal" if estimator in ("WLSMV", "ULSMV") else \
        "report_fit_note_robust" if uses_scaled_fit(fit) else "report_fit_note"  # fmt: skip
    out.attrs["note"] = text(key, lang, estimator=estimator, indices=scaled_names(fit, lang, italic="<em>{}</em>"))
    return out


def defined_table(fit: Any, lang: str = "nl") -> pd.DataFrame:
    """The defined parameters (``:=`` rows, e.g. ``indirect := a*b``) with delta-method SE and 95% CI, for a
    model whose indirect effects are not bootstrapped (ordinal items, WLSMV); each label in the words of its path.
    ``.attrs["note"]`` says where the intervals come from."""
    est = fit.estimates
    rows = est[est["op"] == ":="]
    paths = est[(est["op"] == "~") & (est.get("label", pd.Series("", index=est.index)).fillna("") != "")]
    words = {r.label: f"{_construct_name(r.rhs, lang)} → {_construct_name(r.lhs, lang)}" for r in paths.itertuples()}

    def effect(lhs: str, rhs: str) -> str:
        tokens = re.split(r"(\W+)", str(rhs))
        return f"{lhs}: " + "".join(f"({words[t]})" if t in words else t for t in tokens).replace("*", " × ")

    out = pd.DataFrame({
        "effect": [effect(lhs, rhs) for lhs, rhs in zip(rows["lhs"], rows["rhs"], strict=True)],
        "est": rows["est"].astype(float).to_numpy(), "se": rows["se"].astype(float).to_numpy(),
        "ci_lower": rows["ci_lower"].astype(float).to_numpy(), "ci_upper": rows["ci_upper"].astype(float).to_numpy(),
        "pvalue": rows["pvalue"].astype(float).to_numpy(),
    })  # fmt: skip
    out.attrs["note"] = text("report_defined_note", lang, estimator=str(getattr(fit, "estimator", "")))
    return out


def _path_rows(fit: Any) -> pd.DataFrame:
    est = fit.estimates
    return est[est["op"] == "~"].reset_index(drop=True)


def path_table(fit: Any, lang: str = "nl") -> pd.DataFrame:
    """The structural paths of a SEM fit: predictor -> outcome, estimate, SE, p, standardised estimate, and the
    outcome's R² (``r2``, on the first row of its paths)."""
    instrument = _instrument()

    def name(v: str) -> str:
        try:
            return instrument.label(v, lang)
        except Exception:  # a variable outside the instrument
            return v

    from relatie_lab.apa import r_squared

    reg = _path_rows(fit)
    out = pd.DataFrame({"path": [f"{name(r)} → {name(lhs)}" for lhs, r in zip(reg["lhs"], reg["rhs"], strict=True)]})
    for col in ("est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"):
        if col in reg.columns:
            out[col] = reg[col].astype(float).to_numpy()
    r2 = r_squared(fit)
    if r2:  # the outcome's R², on the first row of its paths
        first = ~reg["lhs"].duplicated()
        out["r2"] = [r2.get(v, math.nan) if f else "" for v, f in zip(reg["lhs"], first, strict=True)]
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
    out = wide.reset_index()
    from relatie_lab.apa import value_name

    out[by] = [value_name(by, g, lang) for g in out[by]]
    return out


# ``:=`` names of relatie_lab.models' own models (a researcher's own names are kept in the table)
_LIBRARY_DEFINED = frozenset({"indirect", "keten"})


def indirect_table(indirect: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """Indirect effects for a report: the chain in words (``Vertrouwen → Commitment → ...``), estimate, bootstrap
    SE and confidence interval; the method and number of draws are in ``.attrs["note"]``."""
    if "kind" in indirect.columns:  # the model library's own := names that repeat a chain (indirect := a*b): once
        chains = indirect.loc[indirect["kind"] != "defined", "est"].to_numpy(float)
        repeat = (indirect["kind"] == "defined") & indirect["effect"].isin(_LIBRARY_DEFINED) & indirect["est"].apply(
            lambda v: bool(len(chains)) and bool(np.isclose(chains, float(v), rtol=0, atol=1e-10).any())
        )
        indirect = indirect[~repeat]
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
    from relatie_lab.apa import _fit_indices

    values = _fit_indices(fit)  # the scaled values for a robust estimator, as in the fit table
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


def interaction_fields(result: Any, lang: str = "nl") -> dict[str, str]:
    """The interaction F-test of a moderated regression, formatted APA-style for :func:`explain` placeholders."""
    from relatie_lab import apa

    test = dict(getattr(result, "interaction_test", {}) or {})
    cell = apa.p_cell(test.get("p_value", math.nan), lang)
    return {
        "f": apa.number(test.get("statistic", math.nan), 2, lang),
        "df1": f"{test.get('df_num', math.nan):.0f}",
        "df2": f"{test.get('df_denom', math.nan):.0f}",
        "p": cell if cell.startswith("<") else f"= {cell}",
    }
