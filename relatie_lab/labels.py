"""Labels in Dutch (default) and English for tables, plots and reports.

All texts live in ``relatie_lab/data/labels/*.yaml`` (one file per area, merged on load); construct
and item wording lives in the instrument. Each entry maps a key to ``{nl: ..., en: ...}``.

Examples
--------
>>> label("estimate")
'Schatting'
>>> label("estimate", lang="en")
'Estimate'
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import yaml

from relatie_lab.paths import LABELS_DIR

__all__ = ["LANGUAGES", "Lang", "check_lang", "label", "labels"]

Lang = Literal["nl", "en"]
#: libyaml's safe loader when installed (about ten times faster than the pure-Python one), else PyYAML's own
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
LANGUAGES: tuple[str, ...] = ("nl", "en")


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported language, else raise a clear ``ValueError``."""
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: use 'nl' (Nederlands) or 'en' (English).")
    return lang  # type: ignore[return-value]


@cache
def labels() -> dict[str, dict[str, str]]:
    """All label entries, merged from every file in the labels folder (duplicate keys are an error)."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LABELS_DIR.glob("*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) or {}
        for key, value in entries.items():
            if key in merged:
                raise ValueError(f"Label {key!r} is defined twice (second time in {path.name}).")
            if set(value) != set(LANGUAGES):
                raise ValueError(f"Label {key!r} in {path.name} needs exactly the languages {LANGUAGES}.")
            merged[key] = value
    return merged


def label(key: str, lang: str = "nl") -> str:
    """The text for ``key`` in ``lang`` (``"nl"`` or ``"en"``); an unknown key raises ``KeyError``."""
    lang = check_lang(lang)
    try:
        return labels()[key][lang]
    except KeyError:
        raise KeyError(f"No label {key!r}; add it to a file in {LABELS_DIR}.") from None
