"""Model library: lavaan model syntax for Pol's frameworks, built from the instrument, to read, edit and fit.

Each function returns plain lavaan syntax (a string) with ``#`` comments in Dutch (``lang="nl"``, default) or
English. The item ids come from the instrument (``instrument.item_ids(construct)``); reverse-keyed items are
recoded by :func:`relatie_lab.load_survey`, so the syntax uses the item ids as they are.

- :func:`commitment_trust`: Morgan & Hunt's Commitment-Trust model as Pol uses it: shared values -> trust ->
  commitment -> engagement, with shared values also directly on commitment; the paths trust -> commitment and
  commitment -> engagement carry the labels ``a`` and ``b`` and ``indirect := a*b`` is defined.
- :func:`ladder`: the Ladder van Betrokkenheid, the five levels as a chain klantbeleving -> gedeelde_waarden ->
  vertrouwen -> commitment -> betrokkenheid (labels ``l1``-``l4``, ``keten := l1*l2*l3*l4``), plus the direct paths
  the theory gives (``direct=True``): customer experience also builds trust directly, not only through shared
  values, and shared values also drive commitment directly (Morgan & Hunt 1994).
- :func:`building_blocks`: the building blocks betrokkenheid_organisatie, keuzevrijheid, rechtvaardigheid and invloed
  -> vertrouwen -> commitment, each block also directly on commitment. The fifth block, vertrouwen, is the trust
  in the model: ``trust="global"`` measures it with the ladder's trust items (vt_1-vt_4), ``trust="block"`` with the
  trust block's facets (cognitive and affective trust, ``vertrouwen_blok``). Blocks with facets are second-order
  factors over their facets (``facets="second_order"``, default; a block with two facets gets equal second-order
  loadings, since a second-order factor with two facets is otherwise not identified on its own) or one first-order
  factor over all their items (``facets="first_order"``).

Options of every model: ``items={construct: [item ids]}`` replaces the instrument's items of a construct;
``available=`` (column names or a DataFrame) drops items that are not in the data, with a ``ModelWarning`` (a
construct left with one item is measured by that item without error; one left with none is an error).

Examples
--------
>>> print(commitment_trust(lang="en"), end="")
# Commitment-Trust model (Morgan & Hunt 1994; Pol): shared values -> trust -> commitment -> engagement
# Measurement model: each construct measured by its items
gedeelde_waarden =~ gw_1 + gw_2 + gw_3
vertrouwen =~ vt_1 + vt_2 + vt_3 + vt_4
commitment =~ com_1 + com_2 + com_3 + com_4 + com_5
betrokkenheid =~ eng_1 + eng_2 + eng_3 + eng_4 + eng_5
# Structural model (paths)
vertrouwen ~ gedeelde_waarden
commitment ~ a*vertrouwen + gedeelde_waarden
betrokkenheid ~ b*commitment
# Indirect effect of trust on engagement through commitment (a*b)
indirect := a*b
>>> sorted(MODELS)
['building_blocks', 'commitment_trust', 'ladder']
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label

__all__ = ["MODELS", "building_blocks", "commitment_trust", "ladder", "model_syntax"]

LADDER = ("klantbeleving", "gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid")
BLOCKS = ("betrokkenheid_organisatie", "keuzevrijheid", "rechtvaardigheid", "invloed")


class _Builder:
    """Collects measurement lines for constructs, resolving items against the instrument, overrides and data."""

    def __init__(self, lang: str, items: Mapping[str, Iterable[str]] | None, available: Any, instrument: Any):
        instrument = resolve_instrument(instrument)
        self.instrument = instrument
        self.lang = check_lang(lang)
        self.items = {key: list(value) for key, value in (items or {}).items()}
        if isinstance(available, pd.DataFrame):
            available = available.columns
        self.available = None if available is None else {str(c) for c in available}
        self.known = set(instrument.constructs().index)
        for construct in self.items:
            if construct not in self.known:
                known = ", ".join(instrument.constructs().index)
                raise SurveyError(self.text("mdl_err_unknown_construct", construct=construct, known=known))

    def text(self, key: str, **kw: Any) -> str:
        return label(key, self.lang).format(**kw)

    def name(self, construct: str) -> str:
        return self.instrument.label(construct, self.lang)

    def item_ids(self, construct: str) -> list[str]:
        ids = self.items.get(construct)
        if ids is None:
            ids = list(self.instrument.item_ids(construct))
        if self.available is not None:
            dropped = [item for item in ids if item not in self.available]
            if dropped:
                warnings.warn(
                    self.text("mdl_warn_items_dropped", items=", ".join(dropped), construct=construct),
                    ModelWarning,
                    stacklevel=4,
                )
            ids = [item for item in ids if item in self.available]
        if not ids:
            expected = ", ".join(self.items.get(construct) or self.instrument.item_ids(construct))
            raise SurveyError(self.text("mdl_err_no_items", construct=construct, expected=expected))
        return ids

    def _present(self, construct: str) -> bool:
        return any(item in self.available for item in self.instrument.item_ids(construct))

    def factor(self, construct: str) -> list[str]:
        """``construct =~ items`` (one item: measured without error)."""
        ids = self.item_ids(construct)
        lines = [f"{construct} =~ {' + '.join(ids)}"]
        if len(ids) == 1:
            lines.append(f"{ids[0]} ~~ 0*{ids[0]}  # {self.text('mdl_single_item')}")
        return lines

    def block(self, construct: str, facets: str) -> list[str]:
        """A construct with facets as a second-order factor, or one first-order factor over all its items."""
        subs = list(self.instrument.facets(construct))
        if construct in self.items or not subs or facets == "first_order":
            return self.factor(construct)
        if self.available is not None:
            empty = [facet for facet in subs if facet not in self.items and not self._present(facet)]
            if empty:
                warnings.warn(
                    self.text("mdl_warn_facets_dropped", facets=", ".join(empty), construct=construct),
                    ModelWarning,
                    stacklevel=3,
                )
                subs = [facet for facet in subs if facet not in empty]
            if len(subs) < 2:
                return self.factor(construct)  # one facet left: a first-order factor over its items
        lines = []
        for facet in subs:
            lines += self.factor(facet)
        terms = [f"1*{facet}" for facet in subs] if len(subs) == 2 else subs
        note = f"  # {self.text('mdl_two_facets')}" if len(subs) == 2 else ""
        lines.append(f"{construct} =~ {' + '.join(terms)}{note}")
        return lines


def _check_choice(value: str, name: str, allowed: tuple[str, ...], lang: str = "nl") -> str:
    if value not in allowed:
        text = label("mdl_err_choice", check_lang(lang))
        raise ValueError(text.format(name=name, allowed=", ".join(map(repr, allowed)), value=value))
    return value


def commitment_trust(
    *,
    items: Mapping[str, Iterable[str]] | None = None,
    available: Any = None,
    lang: str = "nl",
    instrument: Any = None,
) -> str:
    """Commitment-Trust model: gedeelde_waarden -> vertrouwen -> commitment -> betrokkenheid, ``indirect := a*b``.

    Parameters
    ----------
    items : dict, optional
        ``{construct: [item ids]}`` replacing the instrument's items.
    available : list of str or DataFrame, optional
        The data's columns; items not among them are left out with a ``ModelWarning``.
    lang : {"nl", "en"}
        Language of the comments.
    instrument : Instrument, str or Path, optional
        A researcher's own codebook, or the path of its YAML (default: the shipped instrument).

    Returns
    -------
    str
        lavaan model syntax.

    Examples
    --------
    >>> syntax = commitment_trust(items={"commitment": ["com_1", "com_2", "com_3"]})
    >>> [line for line in syntax.splitlines() if line.startswith("commitment")]
    ['commitment =~ com_1 + com_2 + com_3', 'commitment ~ a*vertrouwen + gedeelde_waarden']
    """
    b = _Builder(lang, items, available, instrument)
    lines = [f"# {b.text('mdl_ct_title')}", f"# {b.text('mdl_measurement')}"]
    for construct in ("gedeelde_waarden", "vertrouwen", "commitment", "betrokkenheid"):
        lines += b.factor(construct)
    lines += [
        f"# {b.text('mdl_structural')}",
        "vertrouwen ~ gedeelde_waarden",
        "commitment ~ a*vertrouwen + gedeelde_waarden",
        "betrokkenheid ~ b*commitment",
        f"# {b.text('mdl_ct_indirect')}",
        "indirect := a*b",
    ]
    return "\n".join(lines) + "\n"


def ladder(
    *,
    direct: bool = True,
    items: Mapping[str, Iterable[str]] | None = None,
    available: Any = None,
    lang: str = "nl",
    instrument: Any = None,
    rungs: Iterable[str] | None = None,
) -> str:
    """The Ladder van Betrokkenheid: the five levels as a chain, with the theory's direct paths (``direct=True``).

    Parameters
    ----------
    direct : bool
        Add klantbeleving -> vertrouwen and gedeelde_waarden -> commitment next to the chain.
    items, available, lang, instrument
        As in :func:`commitment_trust`.
    rungs : list of str, optional
        The rungs to include (default all five): a ladder with a missing rung chains the rungs that are there
        (labels ``l1``, ``l2``, ... in order); a direct path is kept only when both its ends are included.

    Returns
    -------
    str
        lavaan model syntax with the chain labels ``l1``-``l4`` and ``keten := l1*l2*l3*l4``.

    Examples
    --------
    >>> [line for line in ladder(direct=False).splitlines() if " ~ " in line]
    ['gedeelde_waarden ~ l1*klantbeleving', 'vertrouwen ~ l2*gedeelde_waarden', 'commitment ~ l3*vertrouwen', \
'betrokkenheid ~ l4*commitment']
    """
    b = _Builder(lang, items, available, instrument)
    chosen = LADDER if rungs is None else tuple(r for r in LADDER if r in set(rungs))
    lines = [f"# {b.text('mdl_ladder_title')}", f"# {b.text('mdl_measurement')}"]
    for level, construct in enumerate(LADDER, start=1):
        if construct in chosen:
            lines.append(f"# {level}. {b.name(construct)}")
            lines += b.factor(construct)
    lines.append(f"# {b.text('mdl_ladder_chain')}")
    if direct:
        lines.append(f"# {b.text('mdl_ladder_direct')}")
    extra = {"vertrouwen": "klantbeleving", "commitment": "gedeelde_waarden"} if direct else {}
    for k, (lower, upper) in enumerate(itertools.pairwise(chosen), start=1):
        more = extra.get(upper)
        more = f" + {more}" if more in chosen and more != lower else ""
        lines.append(f"{upper} ~ l{k}*{lower}{more}")
    if len(chosen) > 2:
        chain = "*".join(f"l{k}" for k in range(1, len(chosen)))
        lines += [f"# {b.text('mdl_ladder_keten')}", f"keten := {chain}"]
    return "\n".join(lines) + "\n"


def building_blocks(
    *,
    facets: str = "second_order",
    trust: str = "global",
    items: Mapping[str, Iterable[str]] | None = None,
    available: Any = None,
    lang: str = "nl",
    instrument: Any = None,
) -> str:
    """The building blocks -> vertrouwen -> commitment, each block also directly on commitment.

    Parameters
    ----------
    facets : {"second_order", "first_order"}
        Blocks with facets as second-order factors over their facets, or as one factor over all their items.
    trust : {"global", "block"}
        Trust (the fifth block) measured by the ladder's trust items (``vertrouwen``) or by the trust block's
        facets, cognitive and affective trust (``vertrouwen_blok``).
    items, available, lang, instrument
        As in :func:`commitment_trust`.

    Returns
    -------
    str
        lavaan model syntax.

    Examples
    --------
    >>> syntax = building_blocks(facets="first_order", lang="en")
    >>> [line for line in syntax.splitlines() if line.startswith("vertrouwen ~")]
    ['vertrouwen ~ betrokkenheid_organisatie + keuzevrijheid + rechtvaardigheid + invloed']
    """
    _check_choice(facets, "facets", ("second_order", "first_order"), lang)
    _check_choice(trust, "trust", ("global", "block"), lang)
    b = _Builder(lang, items, available, instrument)
    trust_name = "vertrouwen" if trust == "global" else "vertrouwen_blok"
    lines = [f"# {b.text('mdl_bb_title')}", f"# {b.text('mdl_bb_facets_' + facets)}", f"# {b.text('mdl_measurement')}"]
    for construct in BLOCKS:
        lines.append(f"# {b.name(construct)}")
        lines += b.block(construct, facets)
    lines.append(f"# {b.text('mdl_bb_trust_' + trust)}")
    lines += b.factor("vertrouwen") if trust == "global" else b.block("vertrouwen_blok", facets)
    lines.append(f"# {b.name('commitment')}")
    lines += b.factor("commitment")
    predictors = " + ".join(BLOCKS)
    lines += [
        f"# {b.text('mdl_structural')}",
        f"{trust_name} ~ {predictors}",
        f"commitment ~ {trust_name} + {predictors}",
    ]
    return "\n".join(lines) + "\n"


MODELS: dict[str, Callable[..., str]] = {
    "commitment_trust": commitment_trust,
    "ladder": ladder,
    "building_blocks": building_blocks,
}


def model_syntax(name: str, **kw: Any) -> str:
    """The syntax of library model ``name`` (a key of :data:`MODELS`), with the model's keyword options.

    Examples
    --------
    >>> model_syntax("ladder", lang="en").splitlines()[0]
    '# Ladder of Engagement (Pol): five levels, each building on the one below'
    """
    try:
        build = MODELS[name]
    except KeyError:
        text = label("mdl_err_unknown_model", check_lang(kw.get("lang", "nl")))
        raise ValueError(text.format(name=name, models=", ".join(sorted(MODELS)))) from None
    return build(**kw)
