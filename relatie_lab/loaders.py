"""Read a survey file (CSV, Excel, SPSS .sav, Qualtrics export) into a clean, checked, privacy-safe frame.

:func:`load_survey` reads the file, links its columns to the instrument (by item id, or through a mapping
file), turns missing-value codes into NaN, checks the data (:mod:`relatie_lab.quality`), removes personal data
(:mod:`relatie_lab.privacy`), recodes reverse-keyed items once, and returns a :class:`SurveyData`.

Formats
-------
- CSV (``.csv``, ``.txt``, ``.tsv``): encoding UTF-8 (with or without BOM) or UTF-16 with BOM; otherwise
  Windows-1252 with a warning; anything else is an error. The delimiter (``,``, ``;`` or tab) is sniffed from
  the header; with ``;`` or tab a decimal comma (``4,5``) is read as 4.5. The structure is checked before
  anything is read as data: a header whose delimiter differs from the body's, lines with another delimiter or
  another number of cells than the header, a quote that is opened and never closed, and a cell longer than
  32,767 characters (Excel's limit) are errors that name the lines (and the column).
- Excel ``.xlsx``: the first sheet, header in row 1.
- SPSS ``.sav``: numeric codes are kept (value labels of items are not applied); user-missing codes become
  missing; value labels of group fields are applied; variable labels are kept in ``SurveyData.variable_labels``.
- Qualtrics CSV/Excel exports: the two extra header rows (question text, ``{"ImportId": ...}``) are detected and
  skipped (the question texts become variable labels); ``ResponseId`` becomes ``respondent_id``,
  ``Duration (in seconds)`` becomes ``duur_seconden``, ``StartDate`` becomes ``startdatum``; ``IPAddress``,
  ``RecipientEmail``, ``RecipientFirstName``, ``RecipientLastName``, ``LocationLatitude``,
  ``LocationLongitude`` and ``ExternalReference`` are dropped as personal data; other metadata (``Finished``,
  ``Progress``, ``Status``, ...) stays out of the data.

Mapping file
------------
Columns whose header equals an item or field id (case-insensitive, spaces trimmed) are linked automatically.
For other headers write a mapping file, YAML (or CSV with the columns ``column,item,recode,reverse_already``)::

    # mapping.yaml: their_column: item_id
    Q1_1: vt_1
    Q1_2: vt_2
    Klantnummer: respondent_id
    Q7: {item: com_1, recode: 1-5}     # answered on 1-5: rescaled linearly to the item's 1-7
    recode:
      com_2: {1: 1, 2: 3, 3: 4, 4: 5, 5: 7}   # explicit old: new codes
    reverse_already: [vt_4]               # already recoded in the file: not reversed again
    missing_codes: [-1, "geen mening"]    # extra missing-value codes for this file

Duplicate respondent ids
------------------------
An id that occurs more than once within a wave gives a *warning*, never an error, and every row is kept:
``duplicate_same`` when the rows are identical (an export done twice: remove the copies) and
``duplicate_differ`` when the answers differ (two people with one id, or someone who answered twice: fix the
file). An error would stop all work on a file that is mostly fine; the warning names the rows to fix.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "mini.csv"
>>> _ = path.write_text("respondent_id;vt_1;vt_4;naam\\n1;5;2;Jan\\n2;weet niet;7;Piet\\n3;6;1;Kees\\n")
>>> survey = load_survey(path, lang="en")
>>> survey.data[["respondent_id", "vt_1", "vt_4"]].values.tolist()
[[1, 5.0, 6.0], [2, nan, 1.0], [3, 6.0, 7.0]]
>>> survey.dropped_columns, survey.reversed_items
(['naam'], ['vt_4'])
>>> survey
SurveyData(mini.csv: 3 respondents, 2 items, 0 errors, 0 warnings; .summary() for details)
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import json
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.atomic import write_parquet
from relatie_lab.errors import DataQualityWarning, SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.paths import DATA_PROCESSED, DATA_RAW
from relatie_lab.privacy import find_personal_data, mask_personal_cells, strip_personal_data
from relatie_lab.quality import FLAG_COLUMNS, check_survey, issue_table

__all__ = ["Mapping", "SurveyData", "load_survey", "read_mapping"]

TEXT_EXTENSIONS = (".csv", ".txt", ".tsv")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
SAV_EXTENSIONS = (".sav", ".zsav")
DELIMITERS = (",", ";", "\t")
KEPT_ROLES = ("id", "group", "timing")

QUALTRICS_RENAME = {
    "responseid": "respondent_id",
    "duration (in seconds)": "duur_seconden",
    "startdate": "startdatum",
}
QUALTRICS_PERSONAL = frozenset(
    {
        "ipaddress", "recipientemail", "recipientfirstname", "recipientlastname", "locationlatitude",
        "locationlongitude", "externalreference", "externaldatareference",
    }
)  # fmt: skip
QUALTRICS_META = frozenset(
    {"enddate", "status", "progress", "finished", "recordeddate", "distributionchannel", "userlanguage"}
)  # Qualtrics bookkeeping: stays out of the data
#: Longest cell accepted in a text file: Excel's own limit for one cell.
MAX_CELL_CHARS = 32_767
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")  # ASCII digits, as Arrow's regex reads \d


def _key(name: Any) -> str:
    return str(name).strip().lower()


# ================================================================================================ mapping
@dataclass
class Mapping:
    """A user's mapping: their columns -> instrument ids, plus recodes and already-reversed items."""

    columns: dict[str, str] = field(default_factory=dict)
    recode: dict[str, Any] = field(default_factory=dict)
    reverse_already: set[str] = field(default_factory=set)
    missing_codes: list[Any] = field(default_factory=list)
    source: str = "<dict>"


def _parse_recode(spec: Any, where: str, lang: str) -> dict[float, float] | tuple[float, float]:
    match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*", spec) if isinstance(spec, str) else None
    if match and float(match[2]) > float(match[1]):
        return (float(match[1]), float(match[2]))
    if isinstance(spec, str) and "=" in spec:
        spec = dict(part.split("=", 1) for part in re.split(r"[;|]", spec) if part.strip())
    if isinstance(spec, list | tuple) and len(spec) == 2:
        return (float(spec[0]), float(spec[1]))
    if isinstance(spec, dict):
        try:
            return {float(k): float(v) for k, v in spec.items()}
        except (TypeError, ValueError):
            pass
    detail = f"recode for {where} must be a range such as '1-5' or a table such as {{1: 1, 2: 3}}, got {spec!r}"
    raise SurveyError(label("load.err_mapping_format", lang).format(mapping=where, detail=detail))


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "ja", "yes", "y", "j", "x"}


def read_mapping(mapping: str | Path | dict | Mapping | None, lang: str = "nl") -> Mapping:
    """Read a mapping file (YAML or CSV) or dict into a :class:`Mapping`; see the module docstring.

    Examples
    --------
    >>> m = read_mapping({"Q1": "vt_1", "Q2": {"item": "com_1", "recode": "1-5"}, "reverse_already": ["vt_4"]})
    >>> m.columns, m.recode, m.reverse_already
    ({'Q1': 'vt_1', 'Q2': 'com_1'}, {'com_1': (1.0, 5.0)}, {'vt_4'})
    """
    if mapping is None:
        return Mapping()
    if isinstance(mapping, Mapping):
        return mapping
    where = "<dict>"
    if not isinstance(mapping, dict):
        path = Path(mapping)
        where = str(path)
        if not path.is_file():
            raise SurveyError(label("load.err_not_found", lang).format(file=path))
        if path.suffix.lower() in (".csv", ".txt"):
            return _read_mapping_csv(path, lang)
        import yaml

        try:
            mapping = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            detail = f"not valid YAML ({exc})".replace("\n", " ")
            raise SurveyError(label("load.err_mapping_format", lang).format(mapping=where, detail=detail)) from None
        if not isinstance(mapping, dict):
            detail = "expected lines 'their_column: item_id'"
            raise SurveyError(label("load.err_mapping_format", lang).format(mapping=where, detail=detail))
    spec = dict(mapping)
    out = Mapping(source=where)
    columns = spec.pop("columns", {}) or {}
    recode = spec.pop("recode", {}) or {}
    out.reverse_already = {str(i) for i in (spec.pop("reverse_already", []) or [])}
    out.missing_codes = list(spec.pop("missing_codes", []) or [])
    for their, target in {**columns, **spec}.items():
        if isinstance(target, dict):
            item = str(target.get("item", target.get("id", "")))
            if "recode" in target:
                recode[item] = target["recode"]
            if _truthy(target.get("reverse_already", False)):
                out.reverse_already.add(item)
            target = item
        out.columns[str(their)] = str(target).strip()
    out.recode = {str(i): _parse_recode(s, f"{where} ({i})", lang) for i, s in recode.items()}
    return out


def _read_mapping_csv(path: Path, lang: str) -> Mapping:
    text = path.read_text(encoding="utf-8-sig")
    delim = _sniff_delimiter(text)
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if any(c.strip() for c in r)]
    if rows and _key(rows[0][0]) in ("column", "kolom", "their_column", "uw_kolom"):
        header, rows = [_key(c) for c in rows[0]], rows[1:]
    else:
        header = ["column", "item", "recode", "reverse_already"]
    spec: dict[str, Any] = {}
    for row in rows:
        if len(row) < 2:
            detail = f"line {row!r} needs at least two cells: their column and the item id"
            raise SurveyError(label("load.err_mapping_format", lang).format(mapping=path, detail=detail))
        cells = dict(zip(header, row, strict=False))
        entry: dict[str, Any] = {"item": row[1].strip()}
        if cells.get("recode", "").strip():
            entry["recode"] = cells["recode"].strip()
        if _truthy(cells.get("reverse_already", "")):
            entry["reverse_already"] = True
        spec[row[0].strip()] = entry
    mapping = read_mapping(spec, lang)
    mapping.source = str(path)
    mapping.recode = {i: r for i, r in mapping.recode.items()}
    return mapping


# ================================================================================================ reading
@dataclass
class _Raw:
    frame: pd.DataFrame  # header applied, every cell a str ("" = empty; text files: not yet stripped)
    format: str
    header_lines: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    qualtrics: bool = False
    issues: list[dict] = field(default_factory=list)
    original_names: dict[str, str] = field(default_factory=dict)  # made-unique name -> header as written


def _err(key: str, lang: str, **kwargs: Any) -> SurveyError:
    return SurveyError(label(f"load.{key}", lang).format(**kwargs))


def _decode(raw: bytes, name: str, lang: str) -> tuple[str, str]:
    if not raw.strip(b" \t\r\n\x00"):
        raise _err("err_empty", lang, file=name)
    attempts: list[tuple[str, bytes]] = []
    if raw.startswith(codecs.BOM_UTF8):
        attempts = [("utf-8-sig", raw)]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        attempts = [("utf-16", raw)]
    else:
        attempts = [("utf-8", raw), ("cp1252", raw), ("latin-1", raw)]
    for encoding, data in attempts:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            break
        return text, encoding
    raise _err("err_encoding", lang, file=name)


def _sniff_delimiter(text: str) -> str:
    header = next((line for line in io.StringIO(text) if line.strip()), "").rstrip("\r\n")
    header = re.sub(r'"[^"]*"', "", header)
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat"):
        return pd.Timestamp(value).isoformat() if not pd.isna(value) else ""
    return str(value).strip()


def _column_text(series: pd.Series) -> np.ndarray | pd.Series:
    """A column as text cells like :func:`_cell`, vectorised for numeric columns.

    A text column (pandas ``str``, Arrow-backed) stays one: empty cells ``""``, no Python object per cell, not
    stripped (its readers strip: the number parser, the field normaliser, the id and privacy checks).
    """
    if pd.api.types.is_float_dtype(series) or pd.api.types.is_integer_dtype(series):
        values = series.to_numpy(dtype=float)
        missing = np.isnan(values)
        whole = ~missing & (values == np.round(values)) & (np.abs(values) < 2**53)
        out = np.full(values.shape, "", dtype=object)
        out[whole] = values[whole].astype(np.int64).astype(str)
        rest = ~missing & ~whole
        out[rest] = [str(v) for v in values[rest]]
        return out
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        # not stripped here: every reader of these cells strips them (numbers, codes, ids), in Arrow, so the
        # million-row case never copies the cells just to strip them
        if series.hasnans:
            series = series.fillna("")
        return series.reset_index(drop=True)
    return np.array([_cell(v) for v in series], dtype=object)


def _header_names(header_cells: list[str]) -> tuple[list[str], dict[str, str]]:
    """Column names from header cells: a blank one becomes ``unnamed_<i>``, a repeated one ``<name>.<k>``.

    Returns the names and ``{unique name: header as written}`` for the renamed columns.
    """
    names: list[str] = []
    renamed: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, name in enumerate(header_cells):
        unique = name or f"unnamed_{i + 1}"
        if unique in seen:
            seen[unique] += 1
            unique = f"{unique}.{seen[unique]}"
            renamed[unique] = name
        else:
            seen[unique] = 0
        names.append(unique)
    return names, renamed


def _has_content(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series):
        return bool(series.notna().any())
    return bool(series.ne("").any())


def _with_header(grid: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """First row of ``grid`` as header (blank or repeated names made unique); the rest as str cells.

    Returns the body and ``{unique name: header as written}`` for the renamed columns.
    """
    header_cells = [_cell(v) for v in grid.iloc[0]]
    names, renamed = _header_names(header_cells)
    rest = grid.iloc[1:]
    columns = {}
    for i, c in enumerate(rest.columns):
        cells = _column_text(rest[c])
        columns[i] = cells.to_numpy() if isinstance(cells, pd.Series) and cells.dtype == object else cells
        if isinstance(columns[i], pd.Series):
            columns[i] = columns[i].set_axis(rest.index)
        else:
            columns[i] = pd.Series(columns[i], index=rest.index, dtype=object)
    body = pd.DataFrame(columns, index=rest.index)
    body.columns = names
    body = body.loc[:, [bool(h) or _has_content(body[n]) for h, n in zip(header_cells, names, strict=True)]]
    return body.reset_index(drop=True), renamed


def _delim_name(delim: str, lang: str) -> str:
    return {"\t": "tab", ",": "','", ";": "';'"}.get(delim, repr(delim)) if lang == "en" else {
        "\t": "tab", ",": "komma (,)", ";": "puntkomma (;)"}.get(delim, repr(delim))  # fmt: skip


def _lines_text(lines: list[int], lang: str) -> str:
    from relatie_lab.quality import format_rows

    return format_rows(lines, lang, for_message=True)


def _column_name(header: list[str], j: int, lang: str) -> str:
    name = header[j] if j < len(header) and header[j] else None
    word = "kolom" if lang == "nl" else "column"
    return f"{word} {j + 1} ({name})" if name else f"{word} {j + 1}"


def _check_structure(text: str, delim: str, name: str, lang: str) -> int:
    """The number of cells in the header; a :class:`SurveyError` naming the lines when the structure is broken.

    Without quote characters, a line's cells are its delimiters plus one (one quick pass over the lines);
    otherwise the csv module reads the records, so quoted delimiters and line breaks count correctly.
    """
    numbered = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    if not numbered:
        raise _err("err_empty", lang, file=name)
    header = [c.strip() for c in _split(numbered[0][1], delim)]
    if len(numbered) < 2:
        return len(header)
    expected = len(header)

    def check_cells(line_no: int, cells: list[str]) -> None:
        for j, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                raise _err("err_oversized_cell", lang, file=name, line=line_no, column=_column_name(header, j, lang),
                           size=f"{len(cell):,}", limit=f"{MAX_CELL_CHARS:,}")  # fmt: skip

    counts: list[tuple[int, int]] = []  # (line where the record starts, number of cells)
    if '"' not in text:
        for line_no, line in numbered:
            counts.append((line_no, line.count(delim) + 1))
            if len(line) > MAX_CELL_CHARS:
                check_cells(line_no, line.split(delim))
    else:
        if text.count('"') % 2:
            _check_quotes(text, delim, name, lang, header)
        reader = csv.reader(io.StringIO(text), delimiter=delim, strict=False)
        old_limit = csv.field_size_limit()
        csv.field_size_limit(max(old_limit, len(text) + 1))
        try:
            start = 1
            for row in reader:
                if any(cell.strip() for cell in row):
                    counts.append((start, len(row)))
                    if sum(map(len, row)) > MAX_CELL_CHARS:
                        check_cells(start, row)
                start = reader.line_num + 1
        finally:
            csv.field_size_limit(old_limit)
    body = counts[1:]
    others = [d for d in DELIMITERS if d != delim]
    if expected > 1 and body and all(n == 1 for _, n in body):
        # the header uses one delimiter, every line below it another
        for other in others:
            if {len(_split(line, other)) for _, line in numbered[1:]} == {expected}:
                raise _err("err_header_delimiter", lang, file=name, header=_delim_name(delim, lang),
                           body=_delim_name(other, lang))  # fmt: skip
    ragged = [(n, c) for n, c in body if c != expected]
    if not ragged:
        return expected
    by_line = dict(numbered)
    mixed: dict[str, list[int]] = {}
    for n, _count in ragged:
        line = by_line.get(n, "")
        for other in others:
            if other in line and len(_split(line, other)) == expected:
                mixed.setdefault(other, []).append(n)
                break
    if mixed:
        other, lines = max(mixed.items(), key=lambda kv: len(kv[1]))
        raise _err("err_mixed_delimiters", lang, file=name, lines=_lines_text(lines, lang),
                   other=_delim_name(other, lang), delim=_delim_name(delim, lang))  # fmt: skip
    found = ", ".join(sorted({str(c) for _, c in ragged}, key=int))
    raise _err("err_ragged", lang, file=name, lines=_lines_text([n for n, _ in ragged], lang),
               expected=expected, found=found)  # fmt: skip


def _split(line: str, delim: str) -> list[str]:
    if '"' not in line:
        return line.split(delim)
    return next(csv.reader([line], delimiter=delim), [])


def _check_quotes(text: str, delim: str, name: str, lang: str, header: list[str]) -> None:
    """An opened quote that is never closed: the line where it opens and its column."""
    open_line, open_col, inside = 0, 0, False
    for line_no, line in enumerate(text.splitlines(), start=1):
        col, at_start = 0, True
        i = 0
        while i < len(line):
            ch = line[i]
            if inside:
                if ch == '"':
                    if i + 1 < len(line) and line[i + 1] == '"':
                        i += 1
                    else:
                        inside = False
            elif ch == '"' and at_start:
                inside, open_line, open_col = True, line_no, col
            elif ch == delim:
                col += 1
                at_start = True
                i += 1
                continue
            at_start = at_start and ch == " " and not inside
            i += 1
    if inside:
        raise _err("err_unterminated_quote", lang, file=name, line=open_line,
                   column=_column_name([c.strip() for c in header], open_col, lang))  # fmt: skip


def _read_grid(data: bytes, delim: str, n_columns: int, quoted: bool, name: str, lang: str) -> pd.DataFrame:
    """Every cell of a UTF-8 text file as text (pandas ``str``, Arrow-backed), header row included.

    Arrow's CSV reader (multi-threaded, no Python object per cell); quoted cells may hold delimiters and line
    breaks. The structure was checked before (:func:`_check_structure`), so errors here are rare.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(max(n_columns, 1))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, encoding="utf8", block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=quoted, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )  # fmt: skip
    except pa.ArrowInvalid as exc:
        detail = str(exc).split(":")[0].strip()  # never the line's content: it may hold personal data
        raise _err("err_unreadable", lang, file=name, format="CSV", detail=detail) from None
    if table.num_rows == 0:
        raise _err("err_empty", lang, file=name)
    text_dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    return table.to_pandas(types_mapper=lambda t: text_dtype if t == pa.string() else None)


#: Read large UTF-8 text files the fast way (:func:`_read_text_fast`); the tests switch it off to compare both.
FAST_TEXT = True
_TEXT_RETRIES = 3  # items with text met before the fast reader reads every column as text
_ARROW_BLOCK = 1 << 24  # bytes per block of the fast reader: Arrow picks each column's type from the first one
_NOT_C0_CONTROL = bytes(b for b in range(256) if (b >= 0x20 and b != 0x7F) or b in (0x09, 0x0A, 0x0D))
_C1_CONTROL_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _first_line(data: bytes) -> tuple[str, int] | None:
    """The first non-blank line of ``data`` (decoded, without line end) and the number of lines up to it."""
    start, count = 0, 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        count += 1
        line = data[start:end]
        if line.strip():
            try:
                return line.decode("utf-8").rstrip("\r"), count
            except UnicodeDecodeError:
                return None
        start = end + 1
    return None


def _read_text_fast(path: Path, raw: bytes, numeric: Callable[[str], bool] | None) -> _Raw | None:
    """A well-formed UTF-8 text file read in one multi-threaded Arrow pass; ``None`` means: use the careful way.

    The careful way (:func:`_check_structure`, :func:`_read_grid`) decodes the text and checks every line in
    Python before reading, which costs seconds for a million rows. Here Arrow reads the file directly and the
    same checks are made on what it finds: a control character, an invalid UTF-8 byte, an odd number of quote
    characters, a line with another number of cells than the header, or a cell longer than
    :data:`MAX_CELL_CHARS` all return ``None``, and the careful way then gives its exact message (or reads the
    file as before). Columns for which ``numeric(header)`` is true (the items) are read as numbers when every
    cell is a plain number or empty; any other content (text, ``nan``, a date, ...) keeps them as text, so the
    result equals the careful way's, which parses those texts later (:mod:`relatie_lab.quality`).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    bom = raw.startswith(codecs.BOM_UTF8)
    buffer = pa.py_buffer(raw)[3:] if bom else pa.py_buffer(raw)
    body_bytes = raw[3:] if bom else raw
    if body_bytes.translate(None, _NOT_C0_CONTROL):  # a control character: the careful way names the problem
        return None
    if not body_bytes.isascii() and _C1_CONTROL_UTF8.search(body_bytes):
        return None
    first = _first_line(body_bytes)
    if first is None:
        return None
    line, header_line = first
    delim = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(line)
    quoted = b'"' in body_bytes
    if quoted and body_bytes.count(b'"') % 2:
        return None
    if line.count('"') % 2:  # a quoted header cell that runs over a line break: the careful way
        return None
    header = next(csv.reader([line], delimiter=delim), []) if '"' in line else line.split(delim)
    header = [c.strip() for c in header]
    names = [f"c{i}" for i in range(len(header))]
    # items as numbers (float64: what the checks make of them anyway), everything else as text
    types = {n: pa.float64() if numeric is not None and numeric(h) else pa.string()
             for n, h in zip(names, header, strict=True)}  # fmt: skip
    invalid: list[int] = []

    def read(columns: list[str] | None, types: dict) -> pa.Table:
        def on_invalid(row: Any) -> str:
            invalid.append(1)
            return "skip"

        return pacsv.read_csv(
            pa.BufferReader(buffer),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=header_line, encoding="utf8",
                                           block_size=_ARROW_BLOCK),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=quoted, ignore_empty_lines=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=columns, null_values=[""], strings_can_be_null=False,
                quoted_strings_can_be_null=False, true_values=[], false_values=[],
                decimal_point="," if delim in (";", "\t") else ".",  # as the checks read these files
            ),
        )  # fmt: skip

    try:
        for attempt in range(_TEXT_RETRIES + 1):
            try:
                table = read(None, types)
                break
            except pa.ArrowInvalid as exc:
                if invalid:
                    return None
                # an item with text in it ('weet niet', an anchor label): that column as text, which the checks
                # parse as before; after a few such columns, every column as text
                found = re.match(r"In CSV column #(\d+)", str(exc))
                if found is None or int(found[1]) >= len(names) or attempt == _TEXT_RETRIES:
                    table = read(None, dict.fromkeys(names, pa.string()))
                    break
                types[names[int(found[1])]] = pa.string()
        if invalid or table.num_rows == 0:
            return None
        again = []
        for name, column in zip(names, table.columns, strict=True):
            kind = column.type
            if pa.types.is_floating(kind):
                if not pc.all(pc.is_finite(column)).as_py():  # (missing cells are skipped)
                    again.append(name)  # 'nan' and 'inf' are text to the careful way
            elif not (pa.types.is_integer(kind) or pa.types.is_null(kind) or pa.types.is_string(kind)):
                again.append(name)  # a date, a time, a decimal: text
        if again:
            redone = read(again, dict.fromkeys(again, pa.string()))
            if invalid:
                return None
            for name in again:
                table = table.set_column(names.index(name), name, redone.column(name))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # invalid UTF-8, a quote in the wrong place, ...
        return None
    for i, column in enumerate(table.columns):
        if pa.types.is_string(column.type):
            if len(body_bytes) > MAX_CELL_CHARS and (pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL_CHARS:
                return None
        elif pa.types.is_null(column.type):
            table = table.set_column(i, names[i], column.cast(pa.float64()))
    text_dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    # one block per column (no consolidation copy) and Arrow's memory freed column by column as it converts
    body = table.to_pandas(types_mapper=lambda t: text_dtype if t == pa.string() else None, split_blocks=True,
                           self_destruct=True)  # fmt: skip
    del table
    unique, renamed = _header_names(header)
    body.columns = unique
    body = body.loc[:, [bool(h) or _has_content(body[n]) for h, n in zip(header, unique, strict=True)]]
    return _Raw(body, "csv", encoding="utf-8-sig" if bom else "utf-8", delimiter=delim, original_names=renamed)


def _read_text(path: Path, raw: bytes, lang: str, numeric: Callable[[str], bool] | None = None) -> _Raw:
    if FAST_TEXT:
        fast = _read_text_fast(path, raw, numeric)
        if fast is not None:
            return fast
    text, encoding = _decode(raw, path.name, lang)
    delim = "\t" if path.suffix.lower() == ".tsv" else _sniff_delimiter(text)
    n_columns = _check_structure(text, delim, path.name, lang)
    quoted = '"' in text
    blank = re.compile(r"^[ \t]+(?=\r?$)", re.MULTILINE)
    if not quoted and blank.search(text):  # a line of spaces is a blank line (Arrow would read it as one cell)
        text = blank.sub("", text)
        encoding_out = None
    else:
        encoding_out = encoding
    data = raw if encoding_out == "utf-8" else text.encode("utf-8")
    del text  # the decoded copy is not needed any more (a million rows: hundreds of MB)
    grid = _read_grid(data, delim, n_columns, quoted, path.name, lang)
    body, renamed = _with_header(grid)
    out = _Raw(body, "csv", encoding=encoding, delimiter=delim, original_names=renamed)
    if encoding not in ("utf-8", "utf-8-sig", "utf-16"):
        message = label("load.encoding", lang).format(file=path.name, encoding=encoding)
        out.issues.append({"severity": "warning", "check": "encoding", "message": message})
    return out


def _read_excel(path: Path, raw: bytes, lang: str) -> _Raw:
    try:
        grid = pd.read_excel(io.BytesIO(raw), sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise _err("err_unreadable", lang, file=path.name, format="Excel (.xlsx)", detail=type(exc).__name__) from None
    grid = grid.dropna(how="all")
    if grid.empty:
        raise _err("err_empty", lang, file=path.name)
    body, renamed = _with_header(grid)
    return _Raw(body, "xlsx", original_names=renamed)


def _read_sav(path: Path, raw: bytes, lang: str, numeric: Callable[[str], bool] | None = None) -> _Raw:
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=False, apply_value_formats=False)
    except Exception as exc:  # pyreadstat.ReadstatError and friends
        raise _err("err_unreadable", lang, file=path.name, format="SPSS (.sav)", detail=str(exc)) from None
    if frame.shape[1] == 0:
        raise _err("err_empty", lang, file=path.name)
    # items stored as numbers stay numbers (what the checks would make of their text); the rest becomes text
    body = pd.DataFrame(
        {c: frame[c].astype(float) if numeric is not None and numeric(str(c)) and pd.api.types.is_numeric_dtype(
            frame[c]) else pd.Series(_column_text(frame[c]), index=frame.index, dtype=object) for c in frame.columns},
        index=frame.index,
    )  # fmt: skip
    labels = {k: v for k, v in (meta.column_names_to_labels or {}).items() if v}
    values = {
        var: {_cell(code): str(text) for code, text in mapping.items()}
        for var, mapping in (meta.variable_value_labels or {}).items()
    }
    return _Raw(body.reset_index(drop=True), "sav", header_lines=0, variable_labels=labels, value_labels=values)


def _detect_qualtrics(raw: _Raw) -> None:
    frame = raw.frame
    if len(frame) < 2:
        return
    import_row = frame.iloc[1].astype(str).str.startswith('{"ImportId"')
    if import_row.mean() < 0.5:
        return
    questions = frame.iloc[0]
    raw.variable_labels.update({c: str(q) for c, q in questions.items() if str(q)})
    raw.frame = frame.iloc[2:].reset_index(drop=True)
    raw.header_lines += 2
    raw.qualtrics = True
    raw.format = f"qualtrics-{raw.format}"


def _read(path: Path, lang: str, numeric: Callable[[str], bool] | None = None) -> tuple[_Raw, str]:
    if not path.is_file():
        raise _err("err_not_found", lang, file=path)
    ext = path.suffix.lower()
    readers = {
        **dict.fromkeys(TEXT_EXTENSIONS, _read_text),
        **dict.fromkeys(EXCEL_EXTENSIONS, _read_excel),
        **dict.fromkeys(SAV_EXTENSIONS, _read_sav),
    }
    if ext not in readers:
        raise _err("err_extension", lang, file=path.name, ext=ext or ("(geen)" if lang == "nl" else "(none)"))
    raw_bytes = path.read_bytes()
    sha = hashlib.sha256(raw_bytes).hexdigest()
    if ext in EXCEL_EXTENSIONS:
        raw = _read_excel(path, raw_bytes, lang)
    else:  # text and SPSS: items read as numbers where they are
        raw = readers[ext](path, raw_bytes, lang, numeric)
    if raw.format != "sav":
        _detect_qualtrics(raw)
    if raw.frame.shape[1] == 0:
        raise _err("err_empty", lang, file=path.name)
    if len(raw.frame) == 0:
        raise _err("err_header_only", lang, file=path.name)
    return raw, sha


# ================================================================================================ linking
def _link_columns(
    raw: _Raw, mapping: Mapping, instrument: Any, name: str, lang: str
) -> tuple[dict[str, str], list[str], list[dict]]:
    """Return (their column -> id, Qualtrics personal columns, issues)."""
    ids = {_key(i): i for i in [*instrument.items().index, *instrument.fields().index]}
    by_key = {_key(c): c for c in raw.frame.columns}
    linked: dict[str, str] = {}
    issues: list[dict] = []
    for their, target in mapping.columns.items():
        if target not in ids.values():
            close = difflib.get_close_matches(target, list(ids.values()), n=1)
            hint = (f" Bedoelt u '{close[0]}'?" if lang == "nl" else f" Did you mean '{close[0]}'?") if close else ""
            raise _err("err_mapping_target", lang, mapping=mapping.source, target=target, column=their, hint=hint)
        column = by_key.get(_key(their))
        if column is None:
            message = label("load.mapping_column_absent", lang).format(file=name, column=their)
            issues.append({"severity": "warning", "check": "mapping", "column": their, "message": message})
        else:
            linked[column] = target
    personal: list[str] = []
    for column in raw.frame.columns:
        if column in linked:
            continue
        k = _key(raw.original_names.get(column, column))
        if k in ids:
            linked[column] = ids[k]
        elif raw.qualtrics and k in QUALTRICS_PERSONAL:
            personal.append(column)
        elif raw.qualtrics and k in QUALTRICS_RENAME:
            linked[column] = QUALTRICS_RENAME[k]
    targets: dict[str, list[str]] = {}
    for column, target in linked.items():
        targets.setdefault(target, []).append(column)
    for target, columns in targets.items():
        if len(columns) > 1:
            raise _err("err_duplicate_target", lang, file=name, columns=", ".join(columns), target=target)
    return linked, personal, issues


def _normalise_field(series: pd.Series, codes: dict[Any, str], lang_labels: list[dict[Any, str]]) -> pd.Series:
    """Field values as codes of the instrument where possible; integers as Int64, other text as str.

    Text columns stay in Arrow and each distinct value is looked up once, so a million ids take little time.
    """
    lookup: dict[str, Any] = {}
    for table in lang_labels:
        lookup.update({_key(v): k for k, v in table.items()})
    lookup.update({_key(k): k for k in codes})
    if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
        fast = _normalise_text_field(series, lookup)
        if fast is not None:
            return fast
        text = series.fillna("").str.strip()
    else:
        text = series.astype(object).where(series.notna(), "").astype(str).str.strip()
    empty = (text == "").to_numpy()
    mapped = text
    if lookup:  # each distinct value is looked up once
        from relatie_lab.quality import _distinct

        table = {u: lookup[_key(u)] for u in _distinct(text) if _key(u) in lookup}
        if table:  # value by value: Series.map would turn integer codes into floats next to unmatched cells
            mapped = pd.Series([table.get(u, u) for u in text], index=text.index, dtype=object)
    mapped = mapped.where(~empty, None)  # an empty cell stays missing (never the text 'nan')
    as_text = mapped[~empty].astype(str)
    if len(as_text) and as_text.str.fullmatch(_WHOLE_NUMBER.pattern).all():
        if as_text.str.len().max() <= 15:  # exact in float64; longer numbers are converted one by one
            return pd.to_numeric(mapped.where(~empty, None)).astype("Int64")
        whole = [None if v is None or v != v else int(v) for v in mapped]
        if all(w is None or -(2**63) <= w < 2**63 for w in whole):
            return pd.Series(pd.array(whole, dtype="Int64"), index=mapped.index)
        # a number too long for a whole-number column (twenty digits): kept as the text it is
    return mapped.astype("str")


def _normalise_text_field(series: pd.Series, lookup: dict[str, Any]) -> pd.Series | None:
    """:func:`_normalise_field` for a text column, in Arrow: each distinct value is handled once.

    ``None`` when the column is not Arrow-backed (the caller then goes value by value, with the same result).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.chunked_array(pa.array(series, from_pandas=True)) if len(series) else None
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return None
    if arr is None or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    if not lookup:  # an id column: whole numbers (the usual case) parse in one pass, without hashing every value
        trimmed = pc.utf8_trim_whitespace(arr)
        try:
            numbers = pc.cast(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed), pa.int64())
        except pa.ArrowInvalid:
            pass
        else:
            if numbers.null_count < len(numbers):
                return pd.Series(numbers.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get),
                                 index=series.index)  # fmt: skip
    encoded = pc.dictionary_encode(pc.utf8_trim_whitespace(pc.fill_null(arr, ""))).combine_chunks()
    distinct, indices = encoded.dictionary.cast(pa.large_string()), encoded.indices  # each value once
    if lookup:  # labels and codes of the codebook -> codes (as text here, like every other value)
        hit = pc.is_in(pc.utf8_lower(distinct), value_set=pa.array(list(lookup), pa.large_string()))
        if pc.any(hit).as_py():
            codes = [str(lookup[v]) for v in pc.utf8_lower(distinct.filter(hit)).to_pylist()]
            distinct = pc.replace_with_mask(distinct, hit, pa.array(codes, pa.large_string()))
    empty = pc.equal(encoded.dictionary, "")
    distinct = pc.if_else(empty, pa.scalar(None, pa.large_string()), distinct)  # an empty cell stays missing
    if pc.any(empty).as_py():
        at = pc.index(encoded.dictionary, "").as_py()
        indices = pc.if_else(pc.equal(indices, at), pa.scalar(None, indices.type), indices)
    present = distinct.drop_null()
    numbers = None
    if len(present):
        try:
            numbers = pc.cast(distinct, pa.int64())  # plain whole numbers (the usual id) parse as they are
        except pa.ArrowInvalid:
            if pc.all(pc.match_substring_regex(present, r"^[+-]?[0-9]+$")).as_py():
                try:
                    numbers = pc.cast(pc.replace_substring_regex(distinct, r"^\+", ""), pa.int64())
                except pa.ArrowInvalid:
                    return None  # too large for Int64: value by value (which keeps it as text)
    if numbers is not None:
        values = pc.take(numbers, indices)
        return pd.Series(values.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get), index=series.index)
    values = pc.take(distinct, indices).cast(pa.string())
    return pd.Series(values.to_pandas(), index=series.index).astype("str")


def _unused_values(series: pd.Series) -> pd.Series:
    """A column in no codebook: numbers when every answer is one, else text (empty cells missing)."""
    text = series.astype("string").str.strip().replace("", pd.NA)
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    if text.notna().any() and numbers.notna().sum() == text.notna().sum():
        return numbers.astype(float)
    return text


def _apply_recode(values: pd.Series, spec: Any, lo: float, hi: float) -> pd.Series:
    if isinstance(spec, tuple):
        a, b = spec
        return lo + (values - a) * (hi - lo) / (b - a)
    return values.map(lambda v: spec.get(v, np.nan) if pd.notna(v) else np.nan).astype(float)


# ================================================================================================ result
@dataclass
class SurveyData:
    """A loaded survey: clean data, quality issues, where it came from and what was done to it.

    Attributes
    ----------
    data : DataFrame
        One row per response: id, group fields, timing, items (float; reverse-keyed items recoded),
        ``flag_straightlining``, ``flag_speeding``. No personal data.
    quality : DataFrame
        The issue table (``severity, check, column, rows, n_rows, message``).
    source : dict
        ``path``, ``name``, ``sha256``, ``format``, ``encoding``, ``delimiter``.
    mapping : dict
        Their column -> instrument id, for every linked column.
    dropped_columns : list of str
        Columns removed as personal data (original names).
    reversed_items : list of str
        Reverse-keyed items recoded (min + max - x) by this load.
    variable_labels : dict
        Question texts from a .sav file or a Qualtrics export, by original column name.
    """

    data: pd.DataFrame
    quality: pd.DataFrame
    source: dict[str, Any]
    mapping: dict[str, str]
    dropped_columns: list[str]
    reversed_items: list[str]
    variable_labels: dict[str, str] = field(default_factory=dict, repr=False)
    instrument: Any = field(default=None, repr=False)
    lang: str = "nl"

    def __repr__(self) -> str:
        counts = self.quality["severity"].value_counts()
        return (
            f"SurveyData({self.source['name']}: {len(self.data)} respondents, {len(self.items)} items, "
            f"{counts.get('error', 0)} errors, {counts.get('warning', 0)} warnings; .summary() for details)"
        )

    @property
    def items(self) -> list[str]:
        """Item columns present in ``data``."""
        known = set(resolve_instrument(self.instrument).items().index)
        return [c for c in self.data.columns if c in known]

    @property
    def unused_columns(self) -> list[str]:
        """Columns in ``data`` that are in no codebook: kept, used in no analysis."""
        instr = resolve_instrument(self.instrument)
        known = set(instr.items().index) | set(instr.fields().index) | set(FLAG_COLUMNS)
        return [str(c) for c in self.data.columns if c not in known]

    @property
    def has_errors(self) -> bool:
        """True if the quality table has a row with severity ``error``."""
        return bool((self.quality["severity"] == "error").any())

    def missing_by_construct(self, lang: str | None = None) -> pd.DataFrame:
        """Share of missing answers per construct (items present in the data only).

        Returns
        -------
        DataFrame
            ``construct``, ``label``, ``n_items``, ``share_missing`` (0-1), in instrument order.
        """
        lang = check_lang(lang or self.lang)
        instr = resolve_instrument(self.instrument)
        items = instr.items().loc[self.items]
        rows = []
        for construct, group in items.groupby("construct", sort=False):
            share = float(self.data[group.index.tolist()].isna().to_numpy().mean())
            rows.append({"construct": construct, "label": instr.label(construct, lang), "n_items": len(group),
                         "share_missing": share})  # fmt: skip
        return pd.DataFrame(rows, columns=["construct", "label", "n_items", "share_missing"])

    def summary(self, lang: str | None = None) -> str:
        """A readable report: respondents, items, missing per construct, flags and every quality message."""
        lang = check_lang(lang or self.lang)

        def t(key: str, **kwargs: Any) -> str:
            return label(f"load.summary.{key}", lang).format(**kwargs)

        instr = resolve_instrument(self.instrument)
        none = t("none")
        absent = [i for i in instr.items().index if i not in set(self.items)]
        lines = [
            t("title", file=self.source["name"]),
            t("source", format=self.source["format"], encoding=self.source.get("encoding") or "-",
              sha=self.source["sha256"][:12]),
            t("respondents", n=len(self.data)),
            t("items", found=len(self.items), total=len(instr.items()),
              absent=", ".join(absent) if absent else none),
            t("reversed", items=", ".join(self.reversed_items) or none),
            t("dropped", columns=", ".join(self.dropped_columns) or none),
            t("flags", sl=int(self.data["flag_straightlining"].sum()), sp=int(self.data["flag_speeding"].sum())),
            "",
            t("missing_title"),
        ]  # fmt: skip
        table = self.missing_by_construct(lang)
        width = max([len(s) for s in table["label"]] + [10])
        lines += [f"  {r.label:<{width}}  {r.share_missing:6.1%}  ({r.n_items})" for r in table.itertuples()]
        counts = self.quality["severity"].value_counts()
        lines += ["", t("quality_title", errors=counts.get("error", 0), warnings=counts.get("warning", 0),
                        infos=counts.get("info", 0))]  # fmt: skip
        if self.quality.empty:
            lines.append("  " + t("no_issues"))
        for row in self.quality.itertuples():
            sev = label(f"load.severity.{row.severity}", lang)
            lines.append(f"  [{sev}] {row.check}: {row.message}")
        lines += ["", t("rows_note")]
        return "\n".join(lines)

    def to_parquet(self, path: str | Path | None = None) -> Path:
        """Write ``data`` atomically to ``path`` (default ``data/processed/<stem>.parquet``); never to data/raw.

        Before writing, ``data`` is checked once more for personal data; if any column looks personal the
        write is refused with a :class:`SurveyError`.
        """
        target = Path(path) if path is not None else DATA_PROCESSED / f"{Path(self.source['path']).stem}.parquet"
        resolved = target.resolve()
        if resolved == DATA_RAW.resolve() or DATA_RAW.resolve() in resolved.parents:
            raise _err("err_raw_target", self.lang, file=target)
        found = find_personal_data(self.data, resolve_instrument(self.instrument))
        found = found[found["action"] == "drop"]
        if len(found):
            raise _err("err_personal_in_output", self.lang, columns=", ".join(found["column"]))
        out = self.data.copy()
        out.attrs = {
            "relatie_lab": json.dumps(
                {
                    "source_name": self.source["name"],
                    "source_sha256": self.source["sha256"],
                    "format": self.source["format"],
                    "reversed_items": self.reversed_items,
                    "dropped_columns": self.dropped_columns,
                }
            )
        }
        return write_parquet(out, target)


# ================================================================================================ main
def _item_header_test(mapping: Mapping, instrument: Any) -> Callable[[str], bool]:
    """Whether a header (as written) will be linked to an item: by the mapping, else by the item's own id."""
    items = {_key(i) for i in instrument.items().index}
    mapped = {_key(their): target in instrument.items().index for their, target in mapping.columns.items()}

    def is_item(header: str) -> bool:
        k = _key(header)
        return mapped.get(k, k in items)

    return is_item


def load_survey(
    path: str | Path,
    mapping: str | Path | dict | Mapping | None = None,
    *,
    instrument: Any = None,
    salt: str | None = None,
    reverse: bool = True,
    lang: str = "nl",
    **thresholds: Any,
) -> SurveyData:
    """Read, link, check and clean a survey file; see the module docstring for formats and the mapping file.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.txt``/``.tsv``, ``.xlsx`` or ``.sav`` file (Qualtrics exports are recognised).
    mapping : str, Path or dict, optional
        Mapping file (YAML or CSV) or dict: ``their_column: item_id``, optional ``recode``,
        ``reverse_already`` and ``missing_codes``.
    instrument : Instrument, str or Path, optional
        The codebook, or the path of a codebook YAML (default: the shipped one).
    salt : str, optional
        Salt for hashing personal-looking ids (default ``$RELATIE_LAB_SALT``, else random with a warning).
    reverse : bool
        Recode reverse-keyed items (min + max - x), default True; items under ``reverse_already`` are skipped.
    lang : {"nl", "en"}
        Language of messages and summary.
    **thresholds
        ``straightline_min_run`` (default 15) and ``speeding_fraction`` (default 0.3), see
        :func:`relatie_lab.quality.check_survey`.

    Returns
    -------
    SurveyData

    Raises
    ------
    SurveyError
        Missing, empty or header-only file; unknown extension or encoding; no item recognised; two columns
        linked to one id; a broken mapping file.
    """
    lang = check_lang(lang)
    instr = resolve_instrument(instrument)
    path = Path(path)
    name = path.name
    user_mapping = read_mapping(mapping, lang)
    raw, sha = _read(path, lang, _item_header_test(user_mapping, instr))
    issues: list[dict] = list(raw.issues)
    if raw.qualtrics:
        message = label("load.qualtrics", lang).format(file=name)
        issues.append({"severity": "info", "check": "qualtrics", "message": message})
    linked, qualtrics_personal, found = _link_columns(raw, user_mapping, instr, name, lang)
    issues += found
    items_df = instr.items()
    roles = instr.fields()["role"]
    for item in user_mapping.recode:
        if item not in items_df.index:
            raise _err("err_mapping_target", lang, mapping=user_mapping.source, target=item, column="recode", hint="")
    if not any(t in items_df.index for t in linked.values()):
        raise _err("err_no_items", lang, file=name, columns=", ".join(map(str, raw.frame.columns)))

    # their columns -> ids; value labels of non-item columns (.sav) -> text
    frame, raw.frame = raw.frame, raw.frame.iloc[:0]  # copy-on-write: no copy; the raw cells are not kept twice
    for column, codes in raw.value_labels.items():
        if column in frame.columns and linked.get(column) not in items_df.index:
            frame[column] = frame[column].map(lambda v, c=codes: c.get(v, v))
    frame = frame.drop(columns=qualtrics_personal).rename(columns=linked)

    # personal data out, before anything else looks at the values
    personal = find_personal_data(frame, instr)
    hashed = personal.loc[personal["action"] == "hash", "column"].tolist()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame, dropped = strip_personal_data(frame, instr, salt=salt, found=personal)
    random_salt = any(issubclass(w.category, DataQualityWarning) for w in caught)
    dropped = qualtrics_personal + [next((c for c, t in linked.items() if t == d), d) for d in dropped]
    if dropped:
        message = label("load.personal_dropped", lang).format(file=name, columns=", ".join(dropped))
        issues.append({"severity": "info", "check": "personal_data", "message": message})
    for column in hashed:
        source = "random" if random_salt else ("argument" if salt else "environment")
        message = label("load.id_hashed", lang).format(
            file=name, column=column, salt_source=label(f"load.salt.{source}", lang)
        )
        issues.append({"severity": "warning" if random_salt else "info", "check": "id_hashed", "column": column,
                       "message": message})  # fmt: skip

    # single personal-looking cells in a kept group or timing column (an e-mail address among the sectors)
    kept_fields = [c for c in frame.columns if roles.get(c) in ("group", "timing")]
    frame, masked = mask_personal_cells(frame, kept_fields, empty="")
    for column, n in masked.items():
        message = label("load.cells_masked", lang).format(file=name, column=column, n=n)
        issues.append({"severity": "warning", "check": "personal_cells", "column": column, "n_rows": n,
                       "message": message})  # fmt: skip

    # fields: ids and groups as codes (Int64 or str)
    for column in frame.columns:
        if roles.get(column) in ("id", "group") and column not in hashed:
            values = instr.field_values(column, "nl")
            tables = [values, instr.field_values(column, "en")] if values else []
            frame[column] = _normalise_field(frame[column], values, tables)

    # quality checks and cleaning on the answers as given
    item_ranges = {}
    for item, spec in user_mapping.recode.items():
        if item in frame.columns:
            item_ranges[item] = spec if isinstance(spec, tuple) else (min(spec), max(spec))
    result = check_survey(
        frame, instr, source=name, row_numbers=np.arange(len(frame)) + raw.header_lines + 1, lang=lang,
        row_kind="case" if raw.format == "sav" else "sheet_row" if raw.format.endswith("xlsx") else "line",
        missing_codes=user_mapping.missing_codes, decimal_comma=raw.delimiter in (";", "\t"),
        item_ranges=item_ranges, **thresholds,
    )  # fmt: skip
    data = result.data
    issues_table = pd.concat([issue_table(issues), result.issues], ignore_index=True)
    del frame, result  # the text cells are no longer needed

    for item, spec in user_mapping.recode.items():
        if item in data.columns:
            lo, hi = float(items_df.loc[item, "min"]), float(items_df.loc[item, "max"])
            data[item] = _apply_recode(data[item], spec, lo, hi)

    reversed_items: list[str] = []
    if reverse:
        for item in [c for c in data.columns if c in items_df.index]:
            if bool(items_df.loc[item, "reverse"]) and item not in user_mapping.reverse_already:
                lo, hi = float(items_df.loc[item, "min"]), float(items_df.loc[item, "max"])
                data[item] = lo + hi - data[item]
                reversed_items.append(item)
    if reversed_items:
        columns = ", ".join(reversed_items)
        message = label("load.reversed", lang).format(file=name, n=len(reversed_items), columns=columns)
        issues_table = pd.concat(
            [issues_table, issue_table([{"severity": "info", "check": "reversed", "message": message}])],
            ignore_index=True,
        )

    meta = [c for c in data.columns if roles.get(c) == "meta"]
    if meta:
        message = label("load.meta_columns", lang).format(file=name, columns=", ".join(meta))
        issues_table = pd.concat(
            [issues_table, issue_table([{"severity": "info", "check": "meta_columns", "message": message}])],
            ignore_index=True,
        )
    keep = [c for c in data.columns if roles.get(c) in KEPT_ROLES or c in items_df.index]
    # columns in no codebook: kept (never dropped silently) and listed as "not used" (issue 10)
    unused = [c for c in data.columns if c not in roles.index and c not in items_df.index and c not in FLAG_COLUMNS
              and not (raw.qualtrics and _key(c) in QUALTRICS_META)]  # fmt: skip
    for column in unused:  # the quality check lists them as unknown_columns ("not used")
        data[column] = _unused_values(data[column])
    data = data[keep + unused + FLAG_COLUMNS].reset_index(drop=True)
    quality = issue_table(issues_table.to_dict("records"))
    for message in quality.loc[quality["severity"] == "warning", "message"]:
        warnings.warn(message, DataQualityWarning, stacklevel=2)
    return SurveyData(
        data=data,
        quality=quality,
        source={
            "path": str(path),
            "name": name,
            "sha256": sha,
            "format": raw.format,
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
        },
        mapping={c: t for c, t in linked.items()},
        dropped_columns=dropped,
        reversed_items=reversed_items,
        variable_labels=raw.variable_labels,
        instrument=instr,
        lang=lang,
    )
