"""Personal data: find it, drop it, and replace ids that could identify someone by a salted hash.

Personal data (names, e-mail addresses, phone numbers, IP addresses, locations, free-text answers) must never
reach ``data/processed/`` or a report. A column is treated as personal when

1. the instrument gives it the role ``pii`` or ``free_text`` (``naam``, ``email``, ``opmerking``, ...);
2. its header looks personal (``naam``, ``name``, ``email``, ``e-mail``, ``telefoon``, ``phone``, ``ip``,
   ``adres``, ``address``, ``postcode``, ``zip``, ``latitude``, ``longitude``, ...), unless it is an item or a
   non-personal field of the instrument;
3. most of its non-empty cells look like e-mail addresses, IPv4/IPv6 addresses, Dutch phone numbers or Dutch
   postcodes; or
4. it holds long free text (many different answers of several words).

The respondent id is kept, because analyses need it; but when its values look personal (an e-mail address, a
phone number, a name with spaces) it is replaced by a salted SHA-256 hash. The salt comes from the ``salt``
argument, else from the environment variable ``RELATIE_LAB_SALT``, else a random salt is drawn for this run
(with a warning: the hashes then differ between runs, so waves cannot be linked by id).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"respondent_id": ["1", "2"], "E-mail": ["a@b.nl", "c@d.com"], "vt_1": [5, 6]})
>>> clean, dropped = strip_personal_data(df)
>>> list(clean.columns), dropped
(['respondent_id', 'vt_1'], ['E-mail'])
"""

from __future__ import annotations

import bisect
import hashlib
import ipaddress
import itertools
import os
import re
import secrets
import warnings
from typing import Any

import pandas as pd

from relatie_lab.errors import DataQualityWarning
from relatie_lab.instrument import resolve as resolve_instrument

__all__ = [
    "SALT_ENV",
    "find_personal_data",
    "hash_ids",
    "is_bsn",
    "is_harmless",
    "is_iban",
    "looks_name_like",
    "looks_personal_value",
    "mask_personal",
    "mask_personal_cells",
    "redact_text",
    "resolve_salt",
    "strip_personal_data",
]

SALT_ENV = "RELATIE_LAB_SALT"

# Header words that mark a column as personal. Compared with the words of a header (split on non-letters and
# camelCase), so "IPAddress", "ip_adres", "RecipientEmail" and "E-mail adres" all match, while "relationship"
# or "tevredenheid" do not.
_NAME_WORDS = frozenset(
    {
        "naam", "name", "voornaam", "achternaam", "firstname", "lastname", "fullname", "username",
        "email", "mail", "emailadres", "telefoon", "telefoonnummer", "tel", "phone", "mobile", "mobiel",
        "gsm", "ip", "ipaddress", "ipadres", "adres", "address", "straat", "street", "huisnummer",
        "postcode", "zip", "zipcode", "woonplaats", "latitude", "longitude", "lat", "lon", "lng",
        "geboortedatum", "birthdate", "bsn", "iban",
    }
)  # fmt: skip
# Header words that only count together with the next one ("e mail", "first name", "ip address").
_NAME_PAIRS = frozenset({("e", "mail"), ("first", "name"), ("last", "name"), ("ip", "address")})

_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)+$")
_IPV4 = re.compile(r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$")
_PHONE_CHARS = re.compile(r"[\s\-().]")
_PHONE = re.compile(r"^(\+31|0031|0)[1-9]\d{8}$")
_POSTCODE = re.compile(r"^[1-9]\d{3}\s?[A-Za-z]{2}$")

_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
_BSN_CHARS = re.compile(r"[\s.\-]")


def is_iban(text: Any) -> bool:
    """True when ``text`` is an IBAN with a valid ISO 13616 mod-97 check (spaces allowed).

    Examples
    --------
    >>> is_iban("NL91 ABNA 0417 1643 00"), is_iban("NL91ABNA0417164301")
    (True, False)
    """
    compact = re.sub(r"\s", "", str(text)).upper()
    if not _IBAN.match(compact):
        return False
    moved = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


def is_bsn(text: Any) -> bool:
    """True when ``text`` is a Dutch citizen service number (BSN): 9 digits (8 with a dropped leading zero)
    that pass the 11-proef. Dots, spaces and dashes between the digits are allowed.

    Examples
    --------
    >>> is_bsn("111222333"), is_bsn("1112.22.333"), is_bsn("111222334"), is_bsn("000000000")
    (True, True, False, False)
    """
    digits = _BSN_CHARS.sub("", str(text).strip())
    if not digits.isdigit() or len(digits) not in (8, 9) or not digits.isascii():
        return False
    digits = digits.zfill(9)
    if set(digits) == {"0"}:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


_VALUE_KINDS: dict[str, Any] = {
    "email": _EMAIL.match,
    "ipv4": _IPV4.match,
    "ipv6": lambda v: ":" in v and _is_ipv6(v),
    "phone": lambda v: _PHONE.match(_PHONE_CHARS.sub("", v)),
    "postcode": _POSTCODE.match,
    "iban": lambda v: len(v) >= 14 and v[:2].isalpha() and is_iban(v),
    "bsn": lambda v: sum(c.isdigit() for c in v) in (8, 9) and is_bsn(v),
}

# The same kinds found *inside* a longer text (a message, a report, a cell with a name and an account number).
# Each candidate is confirmed by the checks above (mod-97, 11-proef, valid address), so numbers in a report rarely
# match; base64 blobs (embedded figures) and hex digests are skipped.
_NB = r"(?<![\w])(?<!\d[.,])"  # not inside a word or a decimal number
_NA = r"(?![\w])(?![.,]\d)"
_SEARCH: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[\w.+'-]+@[A-Za-z][\w-]*(?:\.[\w-]+)*\.[A-Za-z]{2,}"),
    "iban": re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}(?![A-Za-z0-9])"),
    "bsn": re.compile(rf"{_NB}\d{{9}}{_NA}|{_NB}\d{{4}}\.\d{{2}}\.\d{{3}}{_NA}"),
    "phone": re.compile(rf"{_NB}(?<!\+)(?:\+31|0031|0)[ -]?(?:\(0\))?(?:\d[ -]?){{8}}\d{_NA}"),
    "ipv4": re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"),
    "ipv6": re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"),
    "postcode": re.compile(rf"{_NB}[1-9]\d{{3}} ?(?!SA|SD|SS|CI|SE|DF|ML|BI|NA)[A-Z]{{2}}(?![\w])"),
}
_CONFIRM: dict[str, Any] = {
    "email": lambda v: True,
    "iban": is_iban,
    "bsn": is_bsn,
    "phone": lambda v: _PHONE.match(_PHONE_CHARS.sub("", v)),
    "ipv4": _IPV4.match,
    "ipv6": lambda v: ("::" in v or v.count(":") >= 5) and _is_ipv6(v),
    "postcode": lambda v: True,
}
_BLOB = re.compile(r"[A-Za-z0-9+/=]{60,}")

# Words that join the parts of a Dutch name ("Jan de Vries", "Anna van der Berg").
_TUSSENVOEGSELS = frozenset({"van", "de", "der", "den", "ter", "ten", "te", "het", "la", "le", "du", "da", "von", "'t"})
_CAPITALISED = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:[-'][A-Za-zÀ-ÿ]+)*[.,]?$")
_HARMLESS_NUMBER = re.compile(r"^[+-]?\d{1,5}(?:[.,]\d{1,4})?$")
_HARMLESS_TEXT = re.compile(r"^[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ' -]{0,24}$")



def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


PERSONAL_SHARE = 0.5  # share of non-empty cells that must look personal before a column is dropped
FREE_TEXT_MIN_WORDS = 4  # mean words per answer from which a column counts as free text
FREE_TEXT_MIN_UNIQUE = 0.5  # ... when at least this share of the answers is unique
SAMPLE_CELLS = 400  # cells looked at per column


def _header_words(header: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(header))
    return [w for w in re.split(r"[^A-Za-z]+", spaced.lower()) if w]


def _header_looks_personal(header: str) -> str | None:
    words = _header_words(header)
    for word in words:
        if word in _NAME_WORDS:
            return word
    for pair in itertools.pairwise(words):
        if pair in _NAME_PAIRS:
            return " ".join(pair)
    return None


def looks_personal_value(value: Any) -> str | None:
    """The kind of personal data a single cell looks like (``email``, ``ipv4``, ...), or ``None``.

    Examples
    --------
    >>> looks_personal_value("jan@voorbeeld.nl"), looks_personal_value("06-12345678"), looks_personal_value("7")
    ('email', 'phone', None)
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    for kind, match in _VALUE_KINDS.items():
        if match(text):
            return kind
    return None


def looks_name_like(value: Any) -> bool:
    """True when ``value`` reads like a person's name: two to five words, at least two of them capitalised,
    the others Dutch joining words (``de``, ``van der``, ...).

    Examples
    --------
    >>> looks_name_like("Jan de Vries"), looks_name_like("weet niet"), looks_name_like("Piet")
    (True, False, False)
    """
    if not isinstance(value, str):
        return False
    words = value.replace(",", " ").split()
    if not 2 <= len(words) <= 5 or not _CAPITALISED.match(words[0]):
        return False
    capitals = sum(bool(_CAPITALISED.match(w)) for w in words)
    others_join = all(_CAPITALISED.match(w) or w.lower() in _TUSSENVOEGSELS for w in words)
    return capitals >= 2 and others_join


def _contains_personal(text: str) -> str | None:
    for kind, pattern in _SEARCH.items():
        found_all = [text[a:b] for a, b in _email_spans(text)] if kind == "email" else (
            m.group(0) for m in pattern.finditer(text))  # fmt: skip
        for found in found_all:
            if _CONFIRM[kind](found.strip()) or (kind == "iban" and _iban_prefix(found)):
                return kind
    return None


def is_harmless(value: Any) -> bool:
    """True when a message may quote ``value`` as it is: a short number (``8`` on a 1-7 scale, ``-99``) or a
    few ordinary words (``weet niet``, ``zes``), never something that looks personal or like a name.

    Examples
    --------
    >>> is_harmless("8"), is_harmless("weet niet"), is_harmless("Jan de Vries"), is_harmless("111222333")
    (True, True, False, False)
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return True
    text = str(value).strip()
    if _HARMLESS_NUMBER.match(text):
        return True
    if not _HARMLESS_TEXT.match(text) or len(text.split()) > 3:
        return False
    return looks_personal_value(text) is None and not looks_name_like(text)


def mask_personal(value: Any, lang: str = "nl") -> str:
    """``value`` as text when it is harmless (:func:`is_harmless`), else a placeholder (used in messages).

    Examples
    --------
    >>> mask_personal("zes"), mask_personal("a@b.nl", lang="en"), mask_personal("Jan de Vries, NL91ABNA0417164300")
    ('zes', '<personal data>', '<persoonsgegeven>')
    """
    if not is_harmless(value):
        return "<persoonsgegeven>" if lang == "nl" else "<personal data>"
    return str(value)


_EMAIL_TAIL = re.compile(r"@[A-Za-z][\w-]*(?:\.[\w-]+)*\.[A-Za-z]{2,}")  # _SEARCH["email"] from its '@' on


def _in_local_part(char: str) -> bool:
    r"""Whether ``char`` is in ``[\w.+'-]`` (``\w`` as Python's re reads it: alphanumeric or ``_``)."""
    return char.isalnum() or char in "_.+'-"


def _email_spans(text: str) -> list[tuple[int, int]]:
    r"""The spans ``_SEARCH["email"].finditer(text)`` gives, found from each ``@`` instead of from every position.

    The pattern starts with ``[\w.+'-]+``, which Python's re tries at every character and runs to the end of each
    word: quadratic in a long base64 figure, and most of the last privacy guard's time. A match contains exactly
    one ``@``, and its local part is the whole run of such characters before it (back to the end of the previous
    match), so looking back from each ``@`` and matching the rest of the pattern from there gives the same spans.
    A property test compares both.
    """
    spans: list[tuple[int, int]] = []
    last = 0
    at = text.find("@")
    while at >= 0:
        start = at
        while start > last and _in_local_part(text[start - 1]):
            start -= 1
        if start < at:
            tail = _EMAIL_TAIL.match(text, at)
            if tail is not None:
                spans.append((start, tail.end()))
                last = tail.end()
        at = text.find("@", max(at + 1, last))
    return spans


def _iban_prefix(found: str) -> int:
    """The length of the longest start of ``found``, ending before a space, that is a valid IBAN (0: none)."""
    for end in range(len(found) - 1, 13, -1):
        if found[end] == " " and found[end - 1] != " " and is_iban(found[:end]):
            return end
    return 0


def redact_text(text: str, placeholder: str = "[persoonsgegeven]") -> tuple[str, dict[str, int]]:
    """Replace every personal-looking value inside ``text`` by ``placeholder``; return the text and counts.

    Looks for e-mail addresses, IBANs (mod-97), BSNs (11-proef), Dutch phone numbers, IPv4/IPv6 addresses and
    postcodes anywhere in the text; long base64 runs (embedded figures) and hex digests are left alone. This is
    the last guard before a report or batch file is written.

    Examples
    --------
    >>> redact_text("Mail jan@voorbeeld.nl of bel 06-12345678; n = 120.")
    ('Mail [persoonsgegeven] of bel [persoonsgegeven]; n = 120.', {'email': 1, 'phone': 1})
    """
    counts: dict[str, int] = {}
    for kind, pattern in _SEARCH.items():
        # the blobs of the text as it is now: each replacement before shifts what follows it (spans taken once,
        # from the original text, let a postcode just before a figure pass as part of the figure)
        blobs = [m.span() for m in _BLOB.finditer(text)]
        starts = [a for a, _ in blobs]

        def in_blob(start: int, end: int, blobs: list = blobs, starts: list = starts) -> bool:
            i = bisect.bisect_right(starts, start) - 1  # the last blob starting at or before the match
            return i >= 0 and end <= blobs[i][1]

        def decide(found: str, start: int, end: int, kind: str = kind, in_blob=in_blob, pattern=pattern) -> str:
            if in_blob(start, end):
                return found
            if not _CONFIRM[kind](found.strip()):
                if kind != "iban":
                    return found
                # the IBAN pattern also takes the words after the number ("NL91ABNA0417164300 0612345678"): the
                # longest part up to a space that is an IBAN is one, and the rest is looked at again
                end = _iban_prefix(found)
                if not end:
                    return found
                counts[kind] = counts.get(kind, 0) + 1
                return placeholder + pattern.sub(lambda hit: decide(hit.group(0), -1, -1), found[end:])
            counts[kind] = counts.get(kind, 0) + 1
            return placeholder

        if kind == "email":  # the same matches as the pattern, found from each '@' (no scan of every figure)
            parts, pos = [], 0
            for a, b in _email_spans(text):
                parts += [text[pos:a], decide(text[a:b], a, b)]
                pos = b
            text = "".join(parts) + text[pos:]
        else:
            text = pattern.sub(lambda m, decide=decide: decide(m.group(0), *m.span()), text)
    return text, counts


def mask_personal_cells(
    df: pd.DataFrame, columns: list[str] | None = None, *, empty: Any = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Set cells that look personal to missing, in any text column (a group, meta or timing column).

    A cell is personal when it is (or contains) an e-mail address, phone number, IBAN, BSN, IP address or
    postcode, or when it reads like a name (:func:`looks_name_like`) and occurs only once in its column.
    Each distinct value is judged once, so long columns with few categories are quick. ``empty`` is what a
    masked cell becomes (``None``; the loader passes ``""``, its raw frames' empty cell).

    Returns
    -------
    (DataFrame, dict)
        A copy with those cells missing, and the number of cells masked per column (only columns with any).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"organisatie": ["Bank A", "jan@example.org", "Bank A", "Bank B", "Bank B"]})
    >>> clean, counts = mask_personal_cells(df)
    >>> clean["organisatie"].tolist(), counts
    (['Bank A', None, 'Bank A', 'Bank B', 'Bank B'], {'organisatie': 1})
    """
    out = df.copy(deep=False)  # copy-on-write: only the columns that change are copied
    counts: dict[str, int] = {}
    for column in columns if columns is not None else list(df.columns):
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        present = series.dropna()
        if present.empty:
            continue
        text = present.astype(str).str.strip()
        freq = text.value_counts()
        bad = {v for v, n in freq.items() if _cell_is_personal(v, int(n))}
        if not bad:
            continue
        hit = series.notna() & series.astype(str).str.strip().isin(bad)
        out[column] = series.astype(object).where(~hit, empty)
        counts[str(column)] = int(hit.sum())
    return out, counts


def _cell_is_personal(text: str, count: int) -> bool:
    if not text:
        return False
    if looks_personal_value(text) is not None or _contains_personal(text) is not None:
        return True
    return count == 1 and (looks_name_like(text) or len(text.split()) >= 2 * FREE_TEXT_MIN_WORDS)


def _text_cells(series: pd.Series) -> pd.Series:
    values = series.dropna()
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return pd.Series([], dtype=object)
    text = values.astype(str).str.strip()
    return text[text != ""]


def _value_reason(series: pd.Series) -> str | None:
    cells = _text_cells(series)
    if cells.empty:
        return None
    if len(cells) > SAMPLE_CELLS:  # an evenly spread sample decides for long columns
        cells = cells.iloc[:: -(-len(cells) // SAMPLE_CELLS)]
    kinds = cells.map(looks_personal_value)
    counts = kinds.value_counts()
    if not counts.empty and counts.iloc[0] / len(cells) >= PERSONAL_SHARE:
        return f"values:{counts.index[0]}"
    numeric = pd.to_numeric(cells.str.replace(",", ".", regex=False), errors="coerce")
    words = cells[numeric.isna()].str.split().str.len()
    if (
        len(words) >= max(3, len(cells) / 2)
        and words.mean() >= FREE_TEXT_MIN_WORDS
        and cells.nunique() / len(cells) >= FREE_TEXT_MIN_UNIQUE
    ):
        return "values:free_text"
    return None


def find_personal_data(df: pd.DataFrame, instrument: Any = None) -> pd.DataFrame:
    """The columns of ``df`` that hold (or look like they hold) personal data, and why.

    Parameters
    ----------
    df : DataFrame
        A survey, columns named by instrument ids where known.
    instrument : Instrument or module, optional
        The codebook (default: the shipped ``relatie_lab.instrument``).

    Returns
    -------
    DataFrame
        One row per personal column: ``column``, ``reason`` (``role:pii``, ``role:free_text``,
        ``header:<word>``, ``values:email|ipv4|ipv6|phone|postcode|free_text``), ``action`` (``drop`` or
        ``hash`` for an id column whose values look personal).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"IPAddress": ["10.0.0.1"], "x": ["jan@example.org"], "vt_1": [4]})
    >>> find_personal_data(df)[["column", "reason"]].values.tolist()
    [['IPAddress', 'header:ipaddress'], ['x', 'values:email']]
    """
    instr = resolve_instrument(instrument)
    items = set(instr.items().index)
    roles = instr.fields()["role"].to_dict()
    rows = []
    for column in df.columns:
        name = str(column)
        role = roles.get(name)
        reason = None
        if role in ("pii", "free_text"):
            reason = f"role:{role}"
        elif name not in items and role is None:
            word = _header_looks_personal(name)
            reason = f"header:{word}" if word else None
        if reason is None and name not in items:
            reason = _value_reason(df[column])
            if reason is None and role == "id" and _id_looks_personal(df[column]):
                reason = "values:id"
        if reason is not None:
            action = "hash" if role == "id" else "drop"
            rows.append({"column": name, "reason": reason, "action": action})
    return pd.DataFrame(rows, columns=["column", "reason", "action"])


def _id_looks_personal(series: pd.Series) -> bool:
    cells = _text_cells(series)
    if cells.empty:
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(cells.astype(str), from_pandas=True)
    if pc.any(pc.match_substring_regex(arr, r"\s")).as_py():
        return True
    # only ids that could be personal are checked one by one: short plain codes (1, 2, R_12) cannot be
    plain = pc.match_substring_regex(arr, r"^(?:[A-Za-z_]{0,3}\d{1,7}|[A-Za-z]{1,3}[_-][A-Za-z0-9]{1,6})$")
    candidates = cells[~plain.to_numpy(zero_copy_only=False)]
    return bool(candidates.map(looks_personal_value).notna().any())


def resolve_salt(salt: str | None = None) -> tuple[str, str]:
    """The salt to hash ids with and where it came from (``argument``, ``environment`` or ``random``).

    A random salt is drawn (with a :class:`DataQualityWarning`) when neither ``salt`` nor the environment
    variable ``RELATIE_LAB_SALT`` gives one.

    Examples
    --------
    >>> resolve_salt("geheim")
    ('geheim', 'argument')
    """
    if salt:
        return salt, "argument"
    env = os.environ.get(SALT_ENV)
    if env:
        return env, "environment"
    warnings.warn(
        f"No salt given and {SALT_ENV} is not set: a random salt is used, so hashed ids differ between runs "
        f"(set {SALT_ENV} to link waves or runs by id).",
        DataQualityWarning,
        stacklevel=3,
    )
    return secrets.token_hex(16), "random"


def hash_ids(ids: pd.Series, salt: str) -> pd.Series:
    """Replace every non-missing id by the first 16 hex digits of ``sha256(salt + ":" + id)``.

    Examples
    --------
    >>> import pandas as pd
    >>> h = hash_ids(pd.Series(["jan@example.org", None]), salt="s")
    >>> len(h[0]), h[0] == hash_ids(pd.Series(["jan@example.org"]), salt="s")[0], pd.isna(h[1])
    (16, True, True)
    """

    def one(value: Any) -> Any:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return pd.NA
        return hashlib.sha256(f"{salt}:{str(value).strip()}".encode()).hexdigest()[:16]

    return ids.map(one).astype("str")


def strip_personal_data(
    df: pd.DataFrame,
    instrument: Any = None,
    salt: str | None = None,
    *,
    hash_id: bool | None = None,
    found: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Drop every personal column and hash a personal-looking respondent id.

    Parameters
    ----------
    df : DataFrame
        The survey.
    instrument : Instrument or module, optional
        The codebook (default: the shipped one).
    salt : str, optional
        Salt for the id hash; default ``$RELATIE_LAB_SALT``, else random per run (with a warning).
    hash_id : bool, optional
        ``True`` always hashes the id column(s), ``False`` never, ``None`` (default) only when the ids look
        personal (e-mail, phone, IP, postcode, or text with spaces such as a name).
    found : DataFrame, optional
        The result of :func:`find_personal_data` on ``df``, if the caller already has it.

    Returns
    -------
    (DataFrame, list of str)
        A copy without personal columns, and the names of the dropped columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"respondent_id": ["jan@example.org"], "naam": ["Jan"], "vt_1": [5.0]})
    >>> clean, dropped = strip_personal_data(df, salt="s")
    >>> dropped, clean["respondent_id"].str.len().tolist()
    (['naam'], [16])
    """
    instr = resolve_instrument(instrument)
    if found is None:
        found = find_personal_data(df, instr)
    dropped = found.loc[found["action"] == "drop", "column"].tolist()
    to_hash = found.loc[found["action"] == "hash", "column"].tolist()
    if hash_id is True:
        roles = instr.fields()["role"]
        to_hash = [c for c in df.columns if roles.get(str(c)) == "id"]
    elif hash_id is False:
        to_hash = []
    clean = df.drop(columns=dropped)
    if to_hash:
        used_salt, _ = resolve_salt(salt)
        for column in to_hash:
            clean[column] = hash_ids(clean[column], used_salt)
    return clean, dropped
