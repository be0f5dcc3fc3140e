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

__all__ = [
    "SALT_ENV",
    "find_personal_data",
    "hash_ids",
    "looks_personal_value",
    "mask_personal",
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

_VALUE_KINDS: dict[str, Any] = {
    "email": _EMAIL.match,
    "ipv4": _IPV4.match,
    "ipv6": lambda v: ":" in v and _is_ipv6(v),
    "phone": lambda v: _PHONE.match(_PHONE_CHARS.sub("", v)),
    "postcode": _POSTCODE.match,
}



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


def _instr(instrument: Any) -> Any:
    if instrument is None:
        from relatie_lab import instrument as default

        return default
    return instrument


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


def mask_personal(value: Any, lang: str = "nl") -> str:
    """``value`` as text, or a placeholder when it looks personal (used in quality messages).

    Examples
    --------
    >>> mask_personal("zes"), mask_personal("a@b.nl", lang="en")
    ('zes', '<personal data>')
    """
    if looks_personal_value(value) is not None:
        return "<persoonsgegeven>" if lang == "nl" else "<personal data>"
    return str(value)


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
    instr = _instr(instrument)
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
    has_space = cells.str.contains(r"\s", regex=True)
    personal = cells.map(looks_personal_value).notna()
    return bool((has_space | personal).any())


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
    instr = _instr(instrument)
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
