"""Where relatie_lab may write, and how: output folders, dataset names, safe CSV files, OS errors, a last guard.

The rules (docs/safety.md explains them for users):

- **Output folders.** A report or batch is written only into a folder that does not exist yet, an empty
  folder, or a folder relatie_lab made itself (it holds the marker file :data:`MARKER`). Any other non-empty
  folder is refused, and so are the folder of an input file and every folder above it, ``data/raw``, the
  current folder (``.``), the root (``/``) and the home folder (:func:`check_output_dir`). A report folder is
  built beside its target and swapped in only when complete (:func:`relatie_lab.atomic.atomic_dir`).
- **Dataset names** in a batch are unique and readable: the file name, and on a clash a short suffix from the
  path (the parent folder, else a hash of the path); ``.``, ``..``, empty and reserved names are made safe
  (:func:`dataset_names`).
- **Spreadsheet safety.** Every text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
  gets a leading apostrophe (OWASP CSV injection), unless it is a plain number (:func:`spreadsheet_safe`).
- **Operating-system errors** (disk full, no permission, read-only disk, path too long) become one message in
  the user's language (:func:`os_error_message`); what was half-written is removed.
- **Last guard.** Every file of a report or batch folder is scanned for personal data just before it is
  published (:func:`guard_folder`, or file by file with :class:`FolderGuard`); anything found is masked.

Examples
--------
>>> dataset_names(["a/wave1.csv", "b/wave1.csv", "c/wave1_2.csv", "d/..csv"])
['wave1-a', 'wave1-b', 'wave1_2', 'dataset']
>>> spreadsheet_safe(pd.DataFrame({"name": ["=HYPERLINK(1)", "-3.5", "ok"]}))["name"].tolist()
["'=HYPERLINK(1)", '-3.5', 'ok']
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from relatie_lab.atomic import atomic_path, write_text
from relatie_lab.errors import DataQualityWarning, SurveyError
from relatie_lab.labels import check_lang, label

__all__ = [
    "MARKER",
    "FolderGuard",
    "InputSnapshot",
    "OutputFolderError",
    "check_output_dir",
    "claim_dir",
    "dataset_names",
    "guard_folder",
    "guard_text",
    "input_snapshot",
    "is_ours",
    "keep_file",
    "os_error_message",
    "safe_name",
    "spreadsheet_safe",
    "to_csv_text",
    "write_marker",
]

#: Marker file: a folder holding it was made by relatie_lab and may be replaced by a new report or batch.
MARKER = ".relatie-lab"
#: Names a dataset folder may not take inside a batch folder (they are the batch's own files).
RESERVED_NAMES = frozenset({"summary.csv", "summary.json", "index.html", MARKER, "failed", "con", "nul", "prn", "aux"})
MAX_NAME = 60
_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")
_TEXT_SUFFIXES = (".html", ".htm", ".csv", ".txt", ".md", ".tex", ".svg")
_JSON_SUFFIXES = (".json", ".ipynb")


class OutputFolderError(SurveyError):
    """An output folder is refused (it is not new and not relatie_lab's own); nothing was written."""


# ---------------------------------------------------------------------------------------------------------------
# output folders


def is_ours(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` holds relatie_lab's marker file (so relatie_lab made it)."""
    return (Path(folder) / MARKER).is_file()


def _suggest(inputs: Sequence[Path]) -> str:
    stem = safe_name(inputs[0].stem) if inputs else "mijn_rapport"
    return f"reports/{stem}"


def check_output_dir(
    out: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]] = (),
    *,
    lang: str = "nl",
) -> Path:
    """Check that relatie_lab may write (and later replace) ``out``; return it, or raise :class:`OutputFolderError`.

    Allowed: a folder that does not exist, an empty folder, or a folder with the marker file :data:`MARKER`.
    Refused: any other non-empty folder; a file; the folder of an input file or any folder above it;
    ``data/raw`` and what is in it; the current folder, the root and the home folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_dir(base / "nieuw").name
    'nieuw'
    >>> (base / "van_mij.txt").write_text("x") and None
    >>> check_output_dir(base, lang="en")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relatie_lab.outputs.OutputFolderError: Output folder ... refused: it already exists, is not empty ...
    """
    lang = check_lang(lang)
    out = Path(out)
    inputs = [Path(p) for p in inputs]
    target = Path(os.path.abspath(out.expanduser()))
    resolved = target.resolve()
    suggest = _suggest(inputs)

    def refuse(what: str, **kwargs: Any) -> OutputFolderError:
        reason = label(f"out.what.{what}", lang).format(**kwargs)
        return OutputFolderError(label("out.err_protected", lang).format(folder=out, what=reason, suggest=suggest))

    if resolved == Path(resolved.anchor):
        raise refuse("root")
    if resolved == Path.home().resolve():
        raise refuse("home")
    if resolved == Path.cwd().resolve():
        raise refuse("cwd")
    from relatie_lab.paths import DATA_RAW

    raw = DATA_RAW.resolve()
    if resolved == raw or raw in resolved.parents:
        raise refuse("raw")
    for path in inputs:
        source = Path(os.path.abspath(path)).resolve()
        if resolved == source:
            raise refuse("input_file", file=path.name)
        if resolved == source.parent:
            raise refuse("input_dir", file=path.name)
        if resolved in source.parents:
            raise refuse("input_ancestor", file=path.name)
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise OutputFolderError(label("out.err_not_dir", lang).format(folder=out, suggest=suggest))
        if not is_ours(target) and any(target.iterdir()):
            raise OutputFolderError(
                label("out.err_not_empty", lang).format(folder=out, marker=MARKER, suggest=suggest)
            )
    return out


def write_marker(folder: str | os.PathLike[str], kind: str = "report") -> Path:
    """Write the marker file that says relatie_lab made ``folder`` (``kind``: ``report`` or ``batch``)."""
    from relatie_lab import __version__

    text = json.dumps({"made_by": "relatie_lab", "kind": kind, "version": __version__}) + "\n"
    return write_text(Path(folder) / MARKER, text)


def claim_dir(folder: str | os.PathLike[str], kind: str = "report") -> Path:
    """Create ``folder`` (and its parents) if needed and mark it as relatie_lab's; return it.

    Call :func:`check_output_dir` first: this does not check whether the folder may be used.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not is_ours(folder):
        write_marker(folder, kind)
    return folder


def keep_file(source: str | os.PathLike[str], folder: str | os.PathLike[str], *, kind: str = "report") -> Path | None:
    """Copy ``source`` into ``folder`` (created and marked if needed) atomically; ``None`` if that fails.

    Used for the executed notebook of a failed run: the copy is complete or absent, never a 0-byte file (on a
    full disk, say); a folder it had to create is removed again when the copy fails.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> (base / "nb.ipynb").write_text("{}") and None
    >>> keep_file(base / "nb.ipynb", base / "uit" / "failed").read_text()
    '{}'
    """
    source, folder = Path(source), Path(folder)
    created = [p for p in (folder, *folder.parents) if not p.exists()]
    marked: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for parent in (folder.parent, folder):  # the report folder and its failed/ folder become relatie_lab's
            if not is_ours(parent):
                marked.append(write_marker(parent, kind))
        target = folder / source.name
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        return target
    except OSError:
        for marker in marked:
            marker.unlink(missing_ok=True)
        for path in created:  # deepest first: remove only what this call made
            shutil.rmtree(path, ignore_errors=True)
        return None


# ---------------------------------------------------------------------------------------------------------------
# dataset names


def safe_name(stem: str) -> str:
    """A folder name made from a file name: letters, digits, ``_ . -`` only; never ``.``, ``..``, empty or reserved.

    Examples
    --------
    >>> safe_name("golf 1 (mei)"), safe_name(".."), safe_name(""), safe_name("summary.csv"), safe_name(".verborgen")
    ('golf_1_mei', 'dataset', 'dataset', 'summary.csv_data', 'verborgen')
    """
    name = _UNSAFE_CHARS.sub("_", str(stem)).strip("._- ")
    name = name[:MAX_NAME].rstrip("._- ")
    if not name:
        return "dataset"
    if name.lower() in RESERVED_NAMES:
        return f"{name}_data"
    return name


def _path_hash(path: str | os.PathLike[str], n: int = 6) -> str:
    return hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()[:n]


def dataset_names(paths: Sequence[str | os.PathLike[str]]) -> list[str]:
    """A unique, readable folder name per dataset (case-insensitively unique, safe on every file system).

    The file name without extension (made safe with :func:`safe_name`); names that clash get a suffix from the
    path: the parent folder's name, else a short hash of the full path. A name that is unique is never changed.

    Examples
    --------
    >>> dataset_names(["a/wave1.csv", "b/wave1.csv", "c/wave1_2.csv"])
    ['wave1-a', 'wave1-b', 'wave1_2']
    >>> first, second = dataset_names(["x/meting.csv", "x/meting.sav"])  # same folder: then a hash of the path
    >>> first, second.startswith("meting-") and len(second) == len("meting-") + 6
    ('meting-x', True)
    """
    bases = [safe_name(Path(p).stem) for p in paths]
    counts = Counter(b.lower() for b in bases)
    taken = {b.lower() for b in bases if counts[b.lower()] == 1}
    names: list[str] = []
    for path, base in zip(paths, bases, strict=True):
        if counts[base.lower()] == 1:
            names.append(base)
            continue
        parent = safe_name(Path(os.path.abspath(path)).parent.name)
        candidates = [f"{base}-{parent}"] if parent != "dataset" else []
        candidates.append(f"{base}-{_path_hash(path)}")
        name = next((c for c in candidates if c.lower() not in taken), None)
        i = 2
        while name is None or name.lower() in taken:
            name = f"{base}-{_path_hash(path)}-{i}"
            i += 1
        taken.add(name.lower())
        names.append(name)
    return names


# ---------------------------------------------------------------------------------------------------------------
# spreadsheet safety


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value.strip()):
        return "'" + value
    return value


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells cannot run as a formula in Excel or LibreOffice (OWASP CSV injection).

    Text cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading apostrophe;
    a text cell that is a plain number (``-3.5``) and numeric columns stay as they are. Column names too.
    """
    out = df.copy()
    out.columns = [_safe_cell(c) for c in out.columns]
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(_safe_cell, na_action="ignore")
    return out


def to_csv_text(df: pd.DataFrame, **kwargs: Any) -> str:
    """``df`` as CSV text, spreadsheet-safe (:func:`spreadsheet_safe`); keyword arguments go to ``to_csv``."""
    kwargs.setdefault("index", False)
    return spreadsheet_safe(df).to_csv(**kwargs)


# ---------------------------------------------------------------------------------------------------------------
# operating-system errors


_OS_KINDS = {
    errno.ENOSPC: "nospace",
    errno.EDQUOT: "nospace",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.EROFS: "readonly",
    errno.ENAMETOOLONG: "toolong",
    errno.ENOENT: "notfound",
}


def os_error_message(exc: OSError, lang: str = "nl") -> str:
    """One plain message, in ``lang``, for an operating-system error: what happened, where, and what to do.

    Examples
    --------
    >>> import errno
    >>> os_error_message(OSError(errno.ENOSPC, "No space left on device", "uit/rapport.html"), "en")[:44]
    'The disk is full: uit/rapport.html could not'
    """
    lang = check_lang(lang)
    kind = _OS_KINDS.get(exc.errno or -1, "other")
    path = exc.filename or exc.filename2 or label("out.os.unknown_path", lang)
    detail = exc.strerror or type(exc).__name__
    return label(f"out.os.{kind}", lang).format(path=path, detail=detail)


# ---------------------------------------------------------------------------------------------------------------
# the last privacy guard


def guard_text(text: str, lang: str = "nl") -> tuple[str, dict[str, int]]:
    """``text`` with every personal-looking value masked (:func:`relatie_lab.privacy.redact_text`), and counts."""
    from relatie_lab.privacy import redact_text

    return redact_text(text, label("out.masked_placeholder", check_lang(lang)))


def _guard_json(value: Any, lang: str, counts: Counter) -> Any:
    if isinstance(value, str):
        text, found = guard_text(value, lang)
        counts.update(found)
        return text
    if isinstance(value, list):
        return [_guard_json(v, lang, counts) for v in value]
    if isinstance(value, dict):
        return {k: _guard_json(v, lang, counts) for k, v in value.items()}
    return value


def _guard_parquet(path: Path, lang: str, counts: Counter) -> pd.DataFrame | None:
    frame = pd.read_parquet(path)
    changed = False
    for column in frame.columns:
        series = frame[column]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        uniques = series.dropna().astype(str).unique()
        fixed = {}
        for value in uniques:
            text, found = guard_text(value, lang)
            if found:
                fixed[value] = text
                counts.update(found)
        if fixed:
            frame[column] = series.map(lambda v, f=fixed: f.get(v, v) if isinstance(v, str) else v)
            changed = True
    return frame if changed else None


def guard_file(path: str | os.PathLike[str], lang: str = "nl") -> dict[str, int]:
    """Scan one file for personal data and mask what is found in place (atomically); return the counts.

    Text files (HTML, CSV, Markdown) are scanned as text, JSON and notebooks string by string (so their
    structure stays valid), Word files text run by text run, Parquet files cell by cell; other files (the
    figures) are left alone.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    counts: Counter = Counter()
    if suffix in _TEXT_SUFFIXES:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        fixed, found = guard_text(text, lang)
        if found:
            counts.update(found)
            with atomic_path(path) as tmp:
                tmp.write_text(fixed, encoding="utf-8", errors="surrogateescape")
    elif suffix in _JSON_SUFFIXES:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            text = path.read_text(encoding="utf-8", errors="replace")
            fixed, found = guard_text(text, lang)
            counts.update(found)
            if found:
                write_text(path, fixed)
            return dict(counts)
        fixed_data = _guard_json(data, lang, counts)
        if counts:
            indent = 1 if suffix == ".ipynb" else 2
            write_text(path, json.dumps(fixed_data, indent=indent, ensure_ascii=False) + "\n")
    elif suffix == ".docx":
        _guard_docx(path, lang, counts)
    elif suffix == ".parquet":
        frame = _guard_parquet(path, lang, counts)
        if frame is not None:
            from relatie_lab.atomic import write_parquet

            write_parquet(frame, path)
    return dict(counts)


def _guard_docx(path: Path, lang: str, counts: Counter) -> None:
    """Mask personal data in every text run of a Word file (body, tables, headers and footers)."""
    import docx

    document = docx.Document(str(path))
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for section in document.sections:
        paragraphs += list(section.header.paragraphs) + list(section.footer.paragraphs)
    changed = False
    for paragraph in paragraphs:
        for run in paragraph.runs:
            fixed, found = guard_text(run.text, lang)
            if found:
                counts.update(found)
                run.text = fixed
                changed = True
    if changed:
        with atomic_path(path) as tmp:
            document.save(str(tmp))


def guard_folder(folder: str | os.PathLike[str], lang: str = "nl") -> dict[str, dict[str, int]]:
    """The last guard: scan every file under ``folder`` and mask personal data (:func:`guard_file`).

    Returns ``{relative path: {kind: count}}`` for the files where something was masked; each such file also
    gives a :class:`~relatie_lab.errors.DataQualityWarning` (in ``lang``). :class:`FolderGuard` does the same in
    two steps, so that files can be checked as soon as they are final.
    """
    return FolderGuard(folder, lang).finish(_stacklevel=3)


class FolderGuard:
    """The last guard of :func:`guard_folder`, file by file.

    :meth:`check` scans one file as soon as it is final (a report checks each executed notebook while the kernel
    prepares the next one); :meth:`finish` scans every file under the folder that was not checked or changed
    since (size, modification time or inode differ), and gives the same result and warnings, in the same order,
    as :func:`guard_folder`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = Path(tmp, "a.txt").write_text("nothing personal", encoding="utf-8")
    ...     guard = FolderGuard(tmp, "en")
    ...     guard.check(Path(tmp, "a.txt")), guard.finish()
    ({}, {})
    """

    def __init__(self, folder: str | os.PathLike[str], lang: str = "nl") -> None:
        self.folder = Path(folder)
        self.lang = lang
        self._checked: dict[Path, tuple[tuple[int, int, int], dict[str, int]]] = {}

    def check(self, path: str | os.PathLike[str]) -> dict[str, int]:
        """Scan and mask one file now (:func:`guard_file`); :meth:`finish` does not scan it again if unchanged."""
        path = Path(path)
        counts = guard_file(path, self.lang)
        self._checked[path.resolve()] = (_signature(path), counts)
        return counts

    def finish(self, _stacklevel: int = 2) -> dict[str, dict[str, int]]:
        """Scan the files not checked yet (or changed since); return what was masked in the whole folder."""
        found: dict[str, dict[str, int]] = {}
        for path in sorted(p for p in self.folder.rglob("*") if p.is_file() and p.name != MARKER):
            earlier = self._checked.get(path.resolve())
            unchanged = earlier is not None and earlier[0] == _signature(path)
            counts = earlier[1] if unchanged else guard_file(path, self.lang)
            if counts:
                rel = path.relative_to(self.folder).as_posix()
                found[rel] = counts
                message = label("out.guard_masked", self.lang).format(
                    path=rel, n=sum(counts.values()), kinds=", ".join(sorted(counts))
                )
                warnings.warn(message, DataQualityWarning, stacklevel=_stacklevel)
        return found


def _signature(path: Path) -> tuple[int, int, int]:
    """What tells a changed file: size, modification time (ns) and inode (an atomic rewrite gets a new one)."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns, stat.st_ino


# ---------------------------------------------------------------------------------------------------------------
# the input, read once


@dataclass(frozen=True)
class InputSnapshot:
    """A private copy of an input file taken when a run starts, with its SHA-256 and size.

    The run reads :attr:`path` (the copy), so a change to the original during the run cannot reach the report;
    :meth:`state` says afterwards whether the original was changed or deleted meanwhile.
    """

    original: Path
    path: Path
    sha256: str
    size: int

    def state(self) -> str:
        """``"unchanged"``, ``"changed"`` or ``"deleted"``: the original file now, compared with the snapshot."""
        try:
            if self.original.stat().st_size != self.size:
                return "changed"
            digest = hashlib.sha256()
            with open(self.original, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except FileNotFoundError:
            return "deleted"
        except OSError:
            return "changed"
        return "unchanged" if digest.hexdigest() == self.sha256 else "changed"


@contextlib.contextmanager
def input_snapshot(path: str | os.PathLike[str]) -> Iterator[InputSnapshot]:
    """Copy ``path`` once into a private temporary folder (same file name), hashing it while copying.

    The copy is removed when the block ends.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> src = pathlib.Path(tempfile.mkdtemp()) / "enquete.csv"
    >>> _ = src.write_text("vt_1\\n5\\n")
    >>> with input_snapshot(src) as snap:
    ...     _ = src.write_text("vt_1\\n7\\n")
    ...     snap.path.read_text(), snap.state()
    ('vt_1\\n5\\n', 'changed')
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="relatie-lab-input-") as folder:
        copy = Path(folder) / path.name
        digest = hashlib.sha256()
        size = 0
        with open(path, "rb") as src, open(copy, "wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                digest.update(block)
                dst.write(block)
                size += len(block)
        yield InputSnapshot(original=path, path=copy, sha256=digest.hexdigest(), size=size)
