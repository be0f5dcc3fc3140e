"""Construct scores: one score per respondent per construct of the instrument.

A construct's score is the mean of its answered items (for a parent construct such as ``vertrouwen_blok``: the
items of all its facets). A respondent who answered fewer than ``min_answered`` (a share) of a construct's items
gets a missing score, not a mean of the one or two items he happened to answer. The number of answered items is
kept beside every score (``n_answered_<construct>``).

The frame must be a cleaned survey (``load_survey(path).data``): numeric items with the reverse-keyed items
already recoded. A frame straight from :func:`relatie_lab.simulate_survey` can be cleaned with
:func:`recode_reverse`.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"respondent_id": ["a", "b"], "com_1": [6, 2], "com_2": [7, None], "com_3": [5, None],
...                    "com_4": [6, None], "com_5": [6, 3]})
>>> scores = construct_scores(df, ["commitment"])
>>> scores[["respondent_id", "commitment", "n_answered_commitment"]]
  respondent_id  commitment  n_answered_commitment
0             a         6.0                      5
1             b         NaN                      2
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.errors import DataQualityWarning, ModelWarning, SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label

__all__ = ["CARRY_COLUMNS", "construct_items", "construct_scores", "ensure_scores", "recode_reverse"]

ID_COLUMN = "respondent_id"
#: Fewest items for a factor score (a one-factor model with two items is not identified).
MIN_FACTOR_ITEMS = 3
#: Non-item columns the analyses carry over to their per-respondent output when present.
CARRY_COLUMNS: tuple[str, ...] = (ID_COLUMN, "organisatie", "sector", "meting", "conditie", "keuze_aanbieder")


def construct_items(
    construct: str, df: pd.DataFrame | None = None, *, instrument: Any = None, lang: str = "nl"
) -> list[str]:
    """The item ids of ``construct`` (facets included); with ``df``, only those present as columns.

    An unknown construct raises a ``SurveyError`` in ``lang`` (``"nl"``, default, or ``"en"``).

    Examples
    --------
    >>> construct_items("vertrouwen_cognitief")
    ['vc_1', 'vc_2', 'vc_3']
    """
    inst = resolve_instrument(instrument)
    try:
        items = list(inst.item_ids(construct))
    except KeyError:
        known = ", ".join(inst.constructs().index)
        raise SurveyError(label("sc_err_unknown_construct", lang).format(construct=construct, known=known)) from None
    if df is not None:
        items = [item for item in items if item in df.columns]
    return items


def recode_reverse(df: pd.DataFrame, *, instrument: Any = None) -> pd.DataFrame:
    """Return a copy of ``df`` with the reverse-keyed items recoded (``x -> min + max - x``).

    Use this only on frames that have not been through :func:`relatie_lab.load_survey`, which already recodes
    (for example a frame straight from :func:`relatie_lab.simulate_survey`); recoding twice undoes the recoding.

    Examples
    --------
    >>> import pandas as pd
    >>> recode_reverse(pd.DataFrame({"vt_4": [1.0, 7.0, None]}))["vt_4"].tolist()
    [7.0, 1.0, nan]
    """
    inst = resolve_instrument(instrument)
    items = inst.items()
    out = df.copy()
    for item_id, row in items[items["reverse"].astype(bool)].iterrows():
        if item_id in out.columns:
            values = pd.to_numeric(out[item_id], errors="coerce").astype(float)
            out[item_id] = float(row["min"]) + float(row["max"]) - values
    return out


def _check_range(values: pd.DataFrame, inst: Any, lang: str = "nl") -> None:
    """Raise when an item holds values outside its scale (e.g. an unconverted missing code such as -99)."""
    table = inst.items()
    for item in values.columns:
        lo, hi = float(table.loc[item, "min"]), float(table.loc[item, "max"])
        bad = values[item].notna() & ~values[item].between(lo, hi)
        if bad.any():
            rows = ", ".join(str(r) for r in values.index[bad][:5]) + (" ..." if bad.sum() > 5 else "")
            raise SurveyError(
                label("sc_err_out_of_range", lang).format(
                    item=item, n=int(bad.sum()), min=f"{lo:g}", max=f"{hi:g}", rows=rows,
                    example=f"{values.loc[bad, item].iloc[0]:g}",
                )
            )  # fmt: skip


def construct_scores(
    df: pd.DataFrame,
    constructs: Sequence[str] | str | None = None,
    *,
    method: str = "mean",
    min_answered: float = 0.5,
    instrument: Any = None,
    keep: Iterable[str] | None = None,
    lang: str = "nl",
) -> pd.DataFrame:
    """Mean score per respondent per construct, with the number of items answered.

    Parameters
    ----------
    df
        Cleaned survey frame (reverse-keyed items recoded), one row per respondent.
    constructs
        Construct ids (facets and parents both allowed); default: every construct of the instrument that has at
        least one item in ``df``.
    method
        ``"mean"`` (default): the mean of the answered items, on the items' scale. ``"factor"``: regression
        (Thurstone) factor scores of a one-factor model per construct fitted with :func:`relatie_lab.fit_sem`
        (FIML with missing answers), on the latent scale (mean 0, in the units of the first item), each from the
        respondent's answered items; needs at least 3 items per construct.
    min_answered
        Share of a construct's items (of those present in ``df``) a respondent must have answered to get a score;
        ``0.5`` means at least half. Below it the score is NaN.
    instrument
        An ``Instrument`` (``Instrument.from_yaml(path)``) or the path of a codebook YAML for a researcher's own
        codebook; default: the shipped one.
    keep
        Non-item columns to carry over (default: ``respondent_id`` and the group fields that are present:
        ``organisatie, sector, meting, conditie, keuze_aanbieder``).
    lang
        Language of errors and warnings: ``"nl"`` (default) or ``"en"``.

    Returns
    -------
    pandas.DataFrame
        The ``keep`` columns, then per construct ``<construct>`` (float score) and ``n_answered_<construct>`` (int).

    Examples
    --------
    >>> from relatie_lab.simulate import simulate_survey
    >>> df, _ = simulate_survey(n=300, seed=1, missing_codes=False)
    >>> s = construct_scores(recode_reverse(df), ["vertrouwen", "commitment"])
    >>> s[["vertrouwen", "commitment"]].notna().mean().round(1).tolist()
    [1.0, 1.0]
    """
    lang = check_lang(lang)
    if method not in ("mean", "factor"):
        raise SurveyError(label("sc_err_method", lang).format(method=method))
    if not 0 < min_answered <= 1:
        raise SurveyError(label("sc_err_min_answered", lang).format(value=min_answered))
    inst = resolve_instrument(instrument)
    if constructs is None:
        constructs = [c for c in inst.constructs().index if construct_items(c, df, instrument=inst, lang=lang)]
        if method == "factor":
            few = [c for c in constructs if len(construct_items(c, df, instrument=inst)) < MIN_FACTOR_ITEMS]
            if few:
                warnings.warn(
                    label("sc_warn_few_factor_items", lang).format(k=MIN_FACTOR_ITEMS, constructs=", ".join(few)),
                    ModelWarning,
                    stacklevel=2,
                )
            constructs = [c for c in constructs if c not in few]
    elif isinstance(constructs, str):
        constructs = [constructs]
    if keep is None:
        keep = [c for c in CARRY_COLUMNS if c in df]
    out = df[list(keep)].copy()
    columns: dict[str, pd.Series] = {}
    for construct in constructs:
        items = construct_items(construct, df, instrument=inst, lang=lang)
        if not items:
            expected = ", ".join(construct_items(construct, instrument=inst))
            raise SurveyError(label("sc_err_no_items", lang).format(construct=construct, expected=expected))
        values = df[items].apply(pd.to_numeric, errors="coerce").astype(float)
        _check_range(values, inst, lang)
        answered = values.notna().sum(axis=1)
        needed = int(np.ceil(min_answered * len(items) - 1e-9))
        enough = answered >= max(needed, 1)
        score = values.mean(axis=1) if method == "mean" else _factor_scores(values, construct, lang)
        score = score.where(enough)
        columns[construct] = score.astype(float)
        columns[f"n_answered_{construct}"] = answered.astype(int)
    out = pd.concat([out, pd.DataFrame(columns, index=df.index)], axis=1)
    return out.reset_index(drop=True)


def _factor_scores(values: pd.DataFrame, construct: str, lang: str = "nl") -> pd.Series:
    """Regression (Thurstone) factor scores from a one-factor model of ``values`` fitted with ``fit_sem``.

    For each respondent only his answered items are used: ``f = psi * l_o' S_o^-1 (x_o - nu_o)`` with the loadings
    ``l``, intercepts ``nu``, residual variances ``theta`` and factor variance ``psi`` of the fit and
    ``S_o = psi l_o l_o' + diag(theta_o)`` over the answered items ``o``.
    """
    from relatie_lab.sem import fit_sem

    items = list(values.columns)
    if len(items) < MIN_FACTOR_ITEMS:
        raise SurveyError(
            label("sc_err_factor_items", lang).format(construct=construct, n=len(items), k=MIN_FACTOR_ITEMS)
        )
    name = f"_f_{construct}"
    fit = fit_sem(values, f"{name} =~ " + " + ".join(items), lang=lang)
    if not fit.converged:
        warnings.warn(label("sc_warn_not_converged", lang).format(construct=construct), ModelWarning, stacklevel=3)
    est = fit.estimates
    lam = est[est["op"] == "=~"].set_index("rhs")["est"].reindex(items).to_numpy(float)
    var = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"])].set_index("lhs")["est"]
    theta, psi = var.reindex(items).to_numpy(float), float(var[name])
    means = est[est["op"] == "~1"].set_index("lhs")["est"]
    nu = means.reindex(items).to_numpy(float) if set(items) <= set(means.index) else values.mean().to_numpy()
    x = values.to_numpy(float)
    answered = ~np.isnan(x)
    out = np.full(len(x), np.nan)
    patterns, which = np.unique(answered, axis=0, return_inverse=True)
    for k, pattern in enumerate(patterns):
        if not pattern.any():
            continue
        rows = np.flatnonzero(which.ravel() == k)
        lo, to = lam[pattern], theta[pattern]
        sigma = psi * np.outer(lo, lo) + np.diag(to)
        weights = psi * np.linalg.solve(sigma, lo)
        out[rows] = (x[np.ix_(rows, np.flatnonzero(pattern))] - nu[pattern]) @ weights
    return pd.Series(out, index=values.index)


def ensure_scores(
    df: pd.DataFrame, constructs: Sequence[str], *, lang: str = "nl", instrument: Any = None, **kwargs: Any
) -> pd.DataFrame:
    """``df`` with a score column for each of ``constructs``: kept when already there, else computed from items.

    Lets every analysis accept either the cleaned item-level survey or a frame of construct scores. ``lang``
    (``"nl"``, default, or ``"en"``) is the language of errors and warnings; ``instrument`` is the codebook whose
    items make up the constructs (an ``Instrument``, the path of a codebook YAML, or None: the shipped one);
    ``kwargs`` go to :func:`construct_scores`.

    Examples
    --------
    >>> import pandas as pd
    >>> ensure_scores(pd.DataFrame({"vertrouwen": [5.0]}), ["vertrouwen"])["vertrouwen"].tolist()
    [5.0]
    """
    missing = [c for c in constructs if c not in df.columns]
    if not missing:
        return df.reset_index(drop=True)
    scores = construct_scores(df, missing, keep=[], lang=lang, instrument=instrument, **kwargs)
    score_cols = [c for c in scores.columns if not c.startswith("n_answered_")]
    base = df.reset_index(drop=True)
    n_missing = scores[score_cols].isna().all(axis=1).sum()
    if n_missing == len(scores) and len(scores):
        text = label("sc_warn_no_scores", lang).format(constructs=", ".join(missing))
        warnings.warn(text, DataQualityWarning, stacklevel=2)
    return pd.concat([base, scores], axis=1)
