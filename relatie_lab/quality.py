"""Data-quality checks on a survey frame whose columns are named by instrument ids.

Each check is a small function that returns a list of issue rows; :func:`check_survey` runs them all and
also returns the cleaned frame (numeric items as float, missing codes and bad values as NaN, the flag columns
``flag_straightlining`` and ``flag_speeding``). :func:`quality_report` returns only the issue table.

The issue table is tidy: ``severity`` (``error``/``warning``/``info``), ``check``, ``column``, ``rows`` (compact
text such as ``"12, 57, 300"`` or ``"23 rijen: 2, 5, ..."``), ``n_rows`` and ``message`` (Dutch or English,
naming the file, column, rows and what to do). Row numbers are what the caller passes as ``row_numbers``
(:func:`relatie_lab.load_survey` passes line numbers in the file, header = 1); by default the 1-based position.
The messages say which: ``row_kind`` is ``"line"`` (text file), ``"sheet_row"`` (Excel), ``"case"`` (SPSS) or
``"position"`` (default).

Checks and their defaults: numeric missing codes count as missing only outside the item's scale; values
outside the scale and text in numeric items are set to missing with a warning; duplicate respondent ids (per
wave) give a warning, with all rows kept; items without variance give a warning; straight-lining (the same
answer on ``straightline_min_run`` or more consecutive items of the main agreement scale, default 15) and
speeding (completion time below ``speeding_fraction`` of the median, default 0.3, a common rule of thumb) are
flagged, never dropped. Straight-lining must be judged on the answers as given, so run it before reverse-keyed
items are recoded. The default run of 15 is set from the shipped demo survey (65 agreement items, skewed
answers): attentive respondents there reach runs of at most 14; with fewer items or a different instrument,
choose the threshold yourself.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"respondent_id": [1, 2, 3], "vt_1": ["5", "8", "weet niet"], "vt_2": [4, 5, 6]})
>>> report = quality_report(df, source="mijn.csv")
>>> report.loc[report["check"] == "out_of_range", ["column", "rows"]].values.tolist()
[['vt_1', '2']]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.privacy import mask_personal

__all__ = [
    "FLAG_COLUMNS",
    "ISSUE_COLUMNS",
    "CheckResult",
    "check_survey",
    "format_rows",
    "issue_table",
    "quality_report",
]

ISSUE_COLUMNS = ["severity", "check", "column", "rows", "n_rows", "message"]
#: What row numbers in messages can be (see ``check_survey(row_kind=...)``).
ROW_KINDS: tuple[str, ...] = ("position", "line", "sheet_row", "case")
FLAG_COLUMNS = ["flag_straightlining", "flag_speeding"]
SEVERITIES = ("error", "warning", "info")
MAX_ROWS_SHOWN = 10
MAX_VALUES_SHOWN = 5
_RUN_BLOCK = 1 << 17  # rows per block in longest_run

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass
class CheckResult:
    """What :func:`check_survey` returns: the cleaned frame and the issue table."""

    data: pd.DataFrame
    issues: pd.DataFrame


@dataclass
class _Context:
    instrument: Any
    source: str
    rows: np.ndarray
    lang: str
    row_kind: str = "position"

    def msg(self, key: str, **kwargs: Any) -> str:
        return label(f"load.{key}", self.lang).format(file=self.source, **kwargs)

    def rows_text(self, mask: np.ndarray | pd.Series) -> tuple[str, int]:
        return format_rows(self.rows[np.asarray(mask, dtype=bool)], self.lang), int(np.sum(mask))

    def rows_msg(self, mask: np.ndarray | pd.Series) -> str:
        """The rows for a message, saying what the numbers are (``"regel(s) 6, 11 van het bestand ..."``)."""
        rows = format_rows(self.rows[np.asarray(mask, dtype=bool)], self.lang, for_message=True)
        return label(f"load.rows_where.{self.row_kind}", self.lang).format(rows=rows)


def format_rows(rows: Sequence[int] | np.ndarray, lang: str = "nl", *, for_message: bool = False) -> str:
    """Row numbers as compact text: all of them up to 10, else the count and the first 10.

    Examples
    --------
    >>> format_rows([12, 57, 300])
    '12, 57, 300'
    >>> format_rows(range(2, 30), lang="en")
    '28 rows: 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...'
    """
    rows = [int(r) for r in rows]
    first = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    if len(rows) <= MAX_ROWS_SHOWN:
        return first
    key = "load.rows_more" if for_message else "load.rows_many"
    return label(key, lang).format(n=len(rows), first=first)


def _values_text(values: pd.Series, lang: str) -> str:
    unique = pd.unique(values.astype(str))
    shown = [repr(mask_personal(v, lang)) for v in unique[:MAX_VALUES_SHOWN]]
    return ", ".join(shown) + (", ..." if len(unique) > MAX_VALUES_SHOWN else "")


def _issue(severity: str, check: str, column: Any, rows: str | None, n_rows: int | None, message: str) -> dict:
    return {
        "severity": severity,
        "check": check,
        "column": column,
        "rows": rows,
        "n_rows": n_rows,
        "message": message,
    }


def issue_table(rows: list[dict]) -> pd.DataFrame:
    """Turn issue dicts into the tidy issue table (fixed columns and dtypes, errors first).

    Examples
    --------
    >>> issue_table([]).columns.tolist()
    ['severity', 'check', 'column', 'rows', 'n_rows', 'message']
    """
    table = pd.DataFrame(rows, columns=ISSUE_COLUMNS)
    table["n_rows"] = table["n_rows"].astype("Int64")
    for col in ("severity", "check", "column", "rows", "message"):
        table[col] = table[col].astype(object).where(table[col].notna(), None)
    order = table["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    return table.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- parsing
def _text_codes(instrument: Any, extra: Sequence[Any]) -> tuple[set[float], set[str]]:
    numeric: set[float] = set()
    text: set[str] = set()
    for code in [*instrument.missing_codes(), *extra]:
        if isinstance(code, int | float) and not isinstance(code, bool):
            numeric.add(float(code))
        else:
            text.add(str(code).strip().lower())
    text.add("")
    return numeric, text


def _fast_numeric(series: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """(values, empty) when every non-empty cell of a text column is a plain number, else ``None``.

    Done column-wide in Arrow (no Python object per cell): a million cells take milliseconds. A column with
    any other text returns ``None`` and goes the cell-by-cell way of :func:`_parse_column`, with the same result.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(series, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    if not decimal_comma and pc.any(pc.fill_null(pc.match_substring(arr, ","), False)).as_py():
        return None  # "4,5" without a decimal comma is text
    if decimal_comma:
        arr = pc.replace_substring(arr, ",", ".")
    values = None
    for attempt in ("as is", "trimmed"):  # most files have no spaces around numbers: trim only when needed
        if attempt == "trimmed":
            arr = pc.utf8_trim_whitespace(arr)
        empty = pc.fill_null(pc.equal(arr, ""), True)
        present = pc.if_else(empty, pa.scalar(None, arr.type), arr)
        try:
            values = pc.cast(present, pa.float64()).to_numpy(zero_copy_only=False)
            break
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    if values is None:
        return None
    empty_np = empty.to_numpy(zero_copy_only=False).astype(bool)
    values = np.where(empty_np, np.nan, values)
    if not np.isfinite(values[~empty_np]).all():
        return None  # Arrow also reads 'nan' and 'inf'; the rule calls them text
    return values, empty_np


def _parse_column(series: pd.Series, decimal_comma: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(values as float, mask of empty cells, stripped text or ``None`` when every cell is a number or empty)."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        values = series.astype(float).to_numpy()
        return values, np.isnan(values), None
    fast = _fast_numeric(series, decimal_comma)
    if fast is not None:
        return fast[0], fast[1], None
    flat = pd.Series(series.to_numpy(dtype=object))
    empty = flat.isna().to_numpy()
    text = flat.where(~empty, "").astype(str).str.strip()
    candidate = text.str.replace(",", ".", regex=False) if decimal_comma else text
    ok = candidate.str.match(_NUMBER.pattern)
    if not decimal_comma:
        ok &= ~text.str.contains(",", regex=False)
    values = pd.to_numeric(candidate.where(ok), errors="coerce").astype(float)
    return values.to_numpy(), empty, text.to_numpy(dtype=object)


def _parse_numeric(series: pd.Series, decimal_comma: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(values as float, mask of empty cells, stripped text) for one column."""
    values, empty, text = _parse_column(series, decimal_comma)
    if text is None:
        text = np.where(empty, "", "0").astype(object)  # only numbers: no cell is text
    index = series.index
    return pd.Series(values, index=index), pd.Series(empty, index=index), pd.Series(text, index=index)


def _clean_items(
    ctx: _Context, block: pd.DataFrame, lo: np.ndarray, hi: np.ndarray, codes: tuple[set[float], set[str]],
    decimal_comma: bool,
) -> tuple[pd.DataFrame, list[dict], list[str]]:  # fmt: skip
    """Clean the item columns; return the float values, the issues and the missing codes met (as text).

    Column by column, so a million rows never become one grid of Python strings.
    """
    numeric_codes, text_codes = codes
    numeric_list = list(numeric_codes)
    fast_ok = not any(c and _NUMBER.match(c) for c in text_codes)  # a code such as "99" given as text
    clean: dict[Any, pd.Series] = {}  # column by column: an unchanged float column is not copied at all
    text_issues, range_issues = [], []
    met: list[tuple[int, int, int, str]] = []  # (text 0 / number 1, row, column, code as shown) per code met
    columns_with_codes = 0
    for j, column in enumerate(block.columns):
        series = block[column]
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":  # numbers already (most files)
            if series.dtype != float:
                series = series.astype(float)
            values = series.to_numpy()
            if not ((values < lo[j]) | (values > hi[j])).any():
                clean[column] = series  # every answer on the scale or missing: no text, no code, nothing to report
                continue
        if fast_ok:
            values, empty, text = _parse_column(series, decimal_comma)
        else:
            values, empty, text_series = _parse_numeric(series, decimal_comma)
            values, empty, text = values.to_numpy(), empty.to_numpy(), text_series.to_numpy(dtype=object)
        if text is None:
            text_code = empty
            is_text = np.zeros(len(values), dtype=bool)
        else:
            text_code = pd.Series(text).str.lower().isin(text_codes).to_numpy() | empty
            is_text = np.isnan(values) & ~text_code
        outside = (values < lo[j]) | (values > hi[j])
        if outside.any():
            num_code = np.isin(values, numeric_list) & outside
            out_of_range = ~np.isnan(values) & ~num_code & outside
        else:  # the usual case: every answer on the scale
            num_code = out_of_range = np.zeros(len(values), dtype=bool)
        if is_text.any():
            rows, n = ctx.rows_text(is_text)
            vals = _values_text(pd.Series(text[is_text]), ctx.lang)
            message = ctx.msg("text_in_item", column=column, values=vals, rows=ctx.rows_msg(is_text))
            text_issues.append(_issue("warning", "text_in_item", column, rows, n, message))
        if out_of_range.any():
            rows, n = ctx.rows_text(out_of_range)
            # a number is quoted only when harmless (8 on a 1-7 scale); a long one could be a BSN or account number
            shown_values = pd.unique(values[out_of_range])[:MAX_VALUES_SHOWN]
            vals = ", ".join(mask_personal(f"{v:g}", ctx.lang) for v in shown_values)
            message = ctx.msg(
                "out_of_range", column=column, n=n, min=f"{lo[j]:g}", max=f"{hi[j]:g}", values=vals,
                rows=ctx.rows_msg(out_of_range),
            )  # fmt: skip
            range_issues.append(_issue("warning", "out_of_range", column, rows, n, message))
        bad = num_code | is_text | out_of_range
        clean[column] = pd.Series(np.where(bad, np.nan, values) if bad.any() else values, index=block.index)
        code_text = text_code & ~empty if text is None else text_code & (text != "")
        if text is not None:
            met += [(0, int(i), j, str(text[i]).lower()) for i in np.flatnonzero(code_text)]
        met += [(1, int(i), j, f"{values[i]:g}") for i in np.flatnonzero(num_code)]
        columns_with_codes += bool((code_text | num_code).any())
    # text codes first, then numeric codes, each in the order of the cells (row by row)
    met.sort()
    shown = [m[3] for m in met]
    frame = pd.DataFrame(clean, index=block.index, columns=block.columns, copy=False)
    return frame, text_issues + range_issues, [str(columns_with_codes), *shown]


def _distinct(series: pd.Series) -> list:
    """The distinct values of a column (in Arrow for text columns: no Python object per cell)."""
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        import pyarrow as pa
        import pyarrow.compute as pc

        return pc.unique(pa.array(series, from_pandas=True)).to_pylist()
    return list(pd.unique(series))


def _anchor_labels_to_codes(ctx: _Context, block: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, list]:
    """Answers written as the scale's anchor labels ("Helemaal mee eens", "Strongly agree") -> their codes."""
    items, scales = ctx.instrument.items(), ctx.instrument.scales()
    block = block.copy(deep=False)  # copy-on-write: only the columns that change are copied
    n = 0
    for column in columns:
        series = block[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        scale = scales.loc[items.loc[column, "scale"]]
        lookup = {
            str(text).strip().lower(): str(code)
            for key in ("anchors_nl", "anchors_en")
            for code, text in (scale[key] if isinstance(scale[key], dict) else {}).items()
        }
        if not lookup:
            continue
        # each distinct answer is looked up once (a million rows hold a handful of distinct answers)
        table = {u: lookup.get(u.strip().lower()) for u in _distinct(series) if isinstance(u, str)}
        table = {u: c for u, c in table.items() if c is not None}
        if not table:
            continue
        values = series.astype(object)
        codes = values.map(table)
        hit = codes.notna()
        if hit.any():
            block[column] = values.where(~hit, codes)
            n += int(hit.sum())
    if not n:
        return block, []
    return block, [_issue("info", "anchor_labels", None, None, n, ctx.msg("anchor_labels", n=n))]


def _clean_numeric_field(ctx: _Context, column: str, series: pd.Series, decimal_comma: bool) -> tuple:
    values, isna, text = _parse_numeric(series, decimal_comma)
    bad = values.isna() & ~isna & (text != "")
    issues = []
    if bad.any():
        rows, n = ctx.rows_text(bad)
        message = ctx.msg(
            "text_in_field", column=column, values=_values_text(text[bad], ctx.lang), rows=ctx.rows_msg(bad)
        )
        issues.append(_issue("warning", "text_in_field", column, rows, n, message))
    return values, issues


# ---------------------------------------------------------------------------------------------- checks
def check_duplicates(ctx: _Context, df: pd.DataFrame, id_column: str, key: list[str]) -> list[dict]:
    """Respondent ids that occur more than once (within a wave): warn, keep all rows."""
    ids = df[id_column]
    if not ids.duplicated().any():  # the usual case, found in one pass over the ids
        return []
    valid = ids.notna() & (ids.astype(str).str.strip() != "")
    dup = df[key].duplicated(keep=False) & valid
    if not dup.any():
        return []
    rest = [c for c in df.columns if c not in key]
    groups = df[dup].groupby(key, sort=False, dropna=False)
    sizes = groups.size()
    same = groups[rest].nunique(dropna=False).le(1).all(axis=1) if rest else pd.Series(True, index=sizes.index)
    out = []
    for kind, is_same in (("duplicate_same", True), ("duplicate_differ", False)):
        keys = same[same == is_same].index
        if len(keys) == 0:
            continue
        in_kind = dup & df.set_index(key).index.isin(keys)
        rows, n = ctx.rows_text(in_kind)
        message = ctx.msg(kind, column=id_column, n_ids=len(keys), rows=ctx.rows_msg(in_kind))
        out.append(_issue("warning", kind, id_column, rows, n, message))
    return out


def check_variance(ctx: _Context, items: pd.DataFrame) -> list[dict]:
    """Items with no valid answer, or the same answer from everyone."""
    out = []
    for column in items.columns:
        values = items[column].to_numpy(dtype=float)
        low, high = np.fmin.reduce(values), np.fmax.reduce(values)  # NaN only when every answer is missing
        if np.isnan(low):
            out.append(_issue("warning", "no_answers", column, None, None, ctx.msg("no_answers", column=column)))
        elif low == high and np.count_nonzero(~np.isnan(values)) > 1:
            message = ctx.msg("no_variance", column=column, value=f"{low:g}")
            out.append(_issue("warning", "no_variance", column, None, None, message))
    return out


class _ColumnView:
    """Some columns of a frame, read one at a time as float (no selection, so no copy of the frame)."""

    def __init__(self, frame: pd.DataFrame, columns: list[str]) -> None:
        self.frame, self.columns = frame, columns

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column]


def longest_run(values: np.ndarray | pd.DataFrame) -> np.ndarray:
    """Per row, the longest run of equal consecutive answers (missing answers are skipped).

    Examples
    --------
    >>> import numpy as np
    >>> longest_run(np.array([[1, 1, np.nan, 1, 2], [3, 4, 3, 4, 3]])).tolist()
    [3, 1]
    """
    if isinstance(values, pd.DataFrame | _ColumnView):  # column by column: no second grid in memory
        n = len(values)
        columns = [values[c].to_numpy(dtype=float) for c in values.columns]
    else:
        values = np.asarray(values, dtype=float)
        n = values.shape[0]
        columns = list(values.T)
    counter = np.int16 if len(columns) < np.iinfo(np.int16).max else np.int32
    best = np.zeros(n, dtype=counter)
    # one pass over the columns per block of rows, every row of the block at once: the block's counters stay in
    # the processor's cache (a million rows x 65 items: about 0.15 s)
    for start in range(0, n, _RUN_BLOCK):
        stop = min(n, start + _RUN_BLOCK)
        run = np.zeros(stop - start, dtype=counter)
        last = np.full(stop - start, np.nan)
        same, valid, keep = (np.empty(stop - start, dtype=bool) for _ in range(3))
        top = best[start:stop]
        for column in columns:
            answer = column[start:stop]
            np.equal(answer, last, out=same)  # never true for a missing answer (NaN equals nothing)
            np.isnan(answer, out=valid)
            np.logical_not(valid, out=valid)
            np.logical_or(same, ~valid, out=keep)  # the run goes on when equal, and over a missing answer
            np.multiply(run, keep, out=run)
            np.add(run, valid, out=run)  # +1 for an answer: a new run starts at 1, a continued one grows
            last = np.where(valid, answer, last)
            np.maximum(top, run, out=top)
    return best.astype(int)


def check_straightlining(
    ctx: _Context, agree: pd.DataFrame, min_run: int, columns: list[str] | None = None
) -> tuple[pd.Series, list[dict]]:
    """Flag respondents with the same answer on ``min_run`` or more consecutive agreement items.

    ``columns``: the agreement items of ``agree`` in order (default: all its columns); read one by one.
    """
    columns = list(agree.columns) if columns is None else columns
    if len(columns) < min_run:
        return pd.Series(False, index=agree.index), []
    runs = longest_run(_ColumnView(agree, columns))
    flag = pd.Series(runs >= min_run, index=agree.index)
    if not flag.any():
        return flag, []
    rows, n = ctx.rows_text(flag)
    message = ctx.msg("straightlining", n=n, k=min_run, rows=ctx.rows_msg(flag))
    return flag, [_issue("warning", "straightlining", None, rows, n, message)]


def check_speeding(
    ctx: _Context, duration: pd.Series | None, column: str, fraction: float
) -> tuple[pd.Series | None, list[dict]]:
    """Flag respondents whose completion time is below ``fraction`` of the median."""
    if duration is None:
        return None, [_issue("info", "speeding", column, None, None, ctx.msg("speeding_unchecked", column=column))]
    median = duration.median()
    flag = (duration < fraction * median).fillna(False).astype(bool)
    if not flag.any():
        return flag, []
    rows, n = ctx.rows_text(flag)
    message = ctx.msg(
        "speeding", column=column, n=n, fraction=f"{fraction:.0%}", median=f"{median:.0f}", rows=ctx.rows_msg(flag)
    )
    return flag, [_issue("warning", "speeding", column, rows, n, message)]


def check_absent_items(ctx: _Context, present: list[str]) -> list[dict]:
    """Items of the instrument that are not in the frame (info)."""
    items = ctx.instrument.items()
    absent = [i for i in items.index if i not in set(present)]
    if not absent:
        return []
    constructs = ", ".join(pd.unique(items.loc[absent, "construct"]))
    message = ctx.msg("items_absent", n=len(absent), columns=", ".join(absent), constructs=constructs)
    return [_issue("info", "items_absent", ", ".join(absent), None, None, message)]


def check_unknown_columns(ctx: _Context, unknown: list[str]) -> list[dict]:
    """Columns that are neither item nor field (info; they stay out of the data)."""
    if not unknown:
        return []
    message = ctx.msg("unknown_columns", n=len(unknown), columns=", ".join(map(str, unknown)))
    return [_issue("info", "unknown_columns", ", ".join(map(str, unknown)), None, None, message)]


# ---------------------------------------------------------------------------------------------- driver
def agreement_items(instrument: Any, columns: Sequence[str]) -> list[str]:
    """The columns (in their order) that are items of the instrument's most used scale."""
    items = instrument.items()
    main_scale = items["scale"].mode().iloc[0]
    keep = set(items.index[items["scale"] == main_scale])
    return [c for c in columns if c in keep]


def check_survey(
    df: pd.DataFrame,
    instrument: Any = None,
    *,
    source: str = "data",
    row_numbers: Sequence[int] | None = None,
    row_kind: str = "position",
    lang: str = "nl",
    straightline_min_run: int = 15,
    speeding_fraction: float = 0.3,
    wave_column: str = "meting",
    missing_codes: Sequence[Any] = (),
    decimal_comma: bool = False,
    item_ranges: dict[str, tuple[float, float]] | None = None,
) -> CheckResult:
    """Clean the items of ``df`` and run every quality check.

    Parameters
    ----------
    df : DataFrame
        One row per respondent, columns named by item and field ids (text or numbers).
    instrument : Instrument, optional
        The codebook (default: the shipped one).
    source : str
        Name of the file, used in the messages.
    row_numbers : sequence of int, optional
        Row number of each row as the user sees it (default: 1-based position).
    row_kind : {"position", "line", "sheet_row", "case"}
        What the row numbers are, said in the messages: the position in the data (default), the line number in a
        text file (header = line 1), the row number in an Excel sheet (header = row 1), or the case number in an
        SPSS file.
    lang : {"nl", "en"}
        Language of the messages.
    straightline_min_run : int
        Answers in a row (on the main agreement scale) from which a respondent is flagged.
    speeding_fraction : float
        Share of the median completion time below which a respondent is flagged.
    wave_column : str
        Field that, with the id, identifies a response (respondents answer once per wave).
    missing_codes : sequence
        Extra missing-value codes on top of the instrument's.
    decimal_comma : bool
        Read ``4,5`` as 4.5 (files with ``;`` as delimiter).
    item_ranges : dict, optional
        ``item -> (min, max)`` for items answered on another scale than the instrument's (recoded later).

    Returns
    -------
    CheckResult
        ``.data``: items as float (bad values and missing codes NaN), timing as float, other columns as
        given, plus ``flag_straightlining`` and ``flag_speeding``; ``.issues``: the issue table.

    Examples
    --------
    >>> import pandas as pd
    >>> res = check_survey(pd.DataFrame({"vt_1": ["1", "-99", "x"]}))
    >>> res.data["vt_1"].tolist(), sorted(res.issues["check"])
    ([1.0, nan, nan], ['items_absent', 'missing_codes', 'speeding', 'text_in_item'])
    """
    lang = check_lang(lang)
    if row_kind not in ROW_KINDS:
        raise ValueError(f"row_kind must be one of {', '.join(ROW_KINDS)}, not {row_kind!r}.")
    instr = resolve_instrument(instrument)
    rows = np.arange(1, len(df) + 1) if row_numbers is None else np.asarray(row_numbers)
    ctx = _Context(instr, source, rows, lang, row_kind)
    items = instr.items()
    roles = instr.fields()["role"]
    codes = _text_codes(instr, missing_codes)
    present = [c for c in df.columns if c in items.index]
    issues: list[dict] = []
    data = df.copy(deep=False)  # copy-on-write: changing data never changes df, and nothing is copied up front
    items_clean = data[present]
    if present:
        ranges = item_ranges or {}
        lo = np.array([float(ranges.get(c, (items.loc[c, "min"], 0))[0]) for c in present])
        hi = np.array([float(ranges.get(c, (0, items.loc[c, "max"]))[1]) for c in present])
        block, found = _anchor_labels_to_codes(ctx, df[present], [c for c in present if c not in ranges])
        issues += found
        cleaned, found, shown = _clean_items(ctx, block, lo, hi, codes, decimal_comma)
        # the cleaned items join the other columns without being copied (a million rows: hundreds of MB)
        data = pd.concat([data.drop(columns=present), cleaned], axis=1)
        if list(data.columns) != list(df.columns):
            data = data[list(df.columns)]
        items_clean = cleaned  # the checks below read the items from here: no consolidated copy of the frame
        del block
        issues += found
        k, cells = int(shown[0]), pd.Series(shown[1:], dtype=object)
        if cells.size:
            message = ctx.msg("missing_codes", n=cells.size, k=k, values=_values_text(cells, lang))
            issues.append(_issue("info", "missing_codes", None, None, cells.size, message))

    timing = [c for c in df.columns if roles.get(c) == "timing"]
    for column in timing:
        data[column], found = _clean_numeric_field(ctx, column, df[column], decimal_comma)
        issues += found

    id_columns = [c for c in df.columns if roles.get(c) == "id"]
    if id_columns:
        key = id_columns[:1] + ([wave_column] if wave_column in df.columns else [])
        issues += check_duplicates(ctx, data, id_columns[0], key)
    issues += check_variance(ctx, items_clean)
    agree = agreement_items(instr, present)
    straight, found = check_straightlining(ctx, items_clean, straightline_min_run, agree)
    issues += found
    timing_name = timing[0] if timing else ", ".join(instr.fields("timing").index) or "duur_seconden"
    speed, found = check_speeding(ctx, data[timing[0]] if timing else None, timing_name, speeding_fraction)
    issues += found
    data["flag_straightlining"] = straight.to_numpy(dtype=bool)
    data["flag_speeding"] = np.zeros(len(data), bool) if speed is None else speed.to_numpy(dtype=bool)
    issues += check_absent_items(ctx, present)
    known = set(items.index) | set(roles.index) | set(FLAG_COLUMNS)
    issues += check_unknown_columns(ctx, [c for c in df.columns if c not in known])
    return CheckResult(data=data, issues=issue_table(issues))


def df_numeric(data: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``data[columns]`` as float (helper for the run-length check); not copied when they are float already."""
    selected = data[columns]
    if all(pd.api.types.is_float_dtype(t) for t in selected.dtypes):
        return selected
    return selected.astype(float)


def quality_report(df: pd.DataFrame, instrument: Any = None, **thresholds: Any) -> pd.DataFrame:
    """The data-quality issue table of ``df``; keyword arguments as in :func:`check_survey`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"respondent_id": [1, 1], "vt_1": [5, 5], "vt_2": [2, 3]})
    >>> sorted(quality_report(df, lang="en")["check"])
    ['duplicate_differ', 'items_absent', 'no_variance', 'speeding']
    """
    return check_survey(df, instrument, **thresholds).issues
