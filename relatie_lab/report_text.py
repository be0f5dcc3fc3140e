"""What a reader sees in an HTML report, and the internal names that must never be part of it.

:func:`visible_text` strips a report to the words on the screen (no markup, styles, scripts, embedded images or
the reproducibility section, whose file names and package names are meant literally). :func:`internal_names`
finds the codes of the program in such a text: construct ids, item ids, field names, the names of the
data-quality checks and of the reliability models. A report in either language should contain none of them.

Examples
--------
>>> internal_names("Vertrouwen (vt_1) en gedeelde_waarden; straightlining gevonden")
['gedeelde_waarden', 'straightlining', 'vt_1']
>>> internal_names("Vertrouwen → Commitment, α = ,81")
[]
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

from relatie_lab.instrument import default as default_instrument
from relatie_lab.instrument import resolve as resolve_instrument

__all__ = ["internal_names", "known_ids", "visible_text"]

#: Names of the data-quality checks (``quality.py``, ``loaders.py``) and the reliability model types.
CHECK_NAMES = (
    "encoding", "id_hashed", "mapping", "meta_columns", "personal_data", "qualtrics", "reversed",
    "duplicate_differ", "duplicate_same", "no_variance", "no_answers", "out_of_range", "speeding",
    "straightlining", "text_in_item", "text_in_field", "anchor_labels",
)  # fmt: skip
MODEL_TYPES = ("congeneric", "tau_equivalent", "parallel")
# words that are ids and also ordinary words of a report text: only matched with an underscore or digit
_PLAIN_WORDS = frozenset({"commitment", "vertrouwen", "betrokkenheid", "tevredenheid", "aanbeveling", "feedback",
                          "markt", "gezag", "betekenis", "invloed", "keuzevrijheid", "rechtvaardigheid",
                          "klantbeleving", "vertrekneiging", "sector", "organisatie", "meting", "conditie",
                          "mapping", "encoding", "reversed", "qualtrics", "speeding", "parallel"})  # fmt: skip


_LAST: list[tuple[Any, frozenset[str]]] = []  # (codebook, its ids) of the last own codebook asked for


def known_ids(instrument: Any = None) -> frozenset[str]:
    """Every code a reader must not see: construct, item and field ids of the codebook, check and model names
    (ids that are also plain words, such as ``commitment``, only when they look like code).

    ``instrument`` is the codebook (an ``Instrument``, the path of a codebook YAML, or None: the shipped one).

    Examples
    --------
    >>> "vt_1" in known_ids(), "commitment" in known_ids()
    (True, False)
    """
    inst = resolve_instrument(instrument)
    if inst is default_instrument():
        return _shipped_ids()
    if not (_LAST and _LAST[0][0] is inst):  # a report asks for the same codebook for every table cell
        _LAST[:] = [(inst, _ids_of(inst))]
    return _LAST[0][1]


@functools.cache
def _shipped_ids() -> frozenset[str]:
    return _ids_of(default_instrument())


def _ids_of(inst: Any) -> frozenset[str]:
    ids = set(inst.constructs().index) | set(inst.items().index) | set(inst.fields().index)
    ids |= set(CHECK_NAMES) | set(MODEL_TYPES)
    return frozenset(str(i) for i in ids if str(i) not in _PLAIN_WORDS)


def visible_text(page: str) -> str:
    """The text a reader sees in an HTML report (without the reproducibility section)."""
    page = re.sub(r'<section class="reproducibility".*?</section>', " ", page, flags=re.S)
    page = re.sub(r"<(style|script|head)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<img\b[^>]*>", " ", page)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def internal_names(text: str, instrument: Any = None) -> list[str]:
    """The internal names (see :func:`known_ids`; ``instrument``: the codebook) in ``text``, sorted, each once."""
    ids = known_ids(instrument)
    words = set(re.findall(r"(?<![\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)*(?![\w-])", text))
    return sorted(w for w in words if w in ids)
