"""Reliability and validity of the instrument's constructs: alpha, omega, composite reliability, AVE, HTMT.

Definitions (checked against R in ``tests/test_reliability.py``, reference values from ``semTools`` 0.5.6 and
``psych`` 2.2.9 in ``tests/fixtures/lavaan``):

- ``cronbach_alpha``: raw alpha ``k/(k-1) * (1 - tr(C)/sum(C))`` with ``C`` the (pairwise) covariance matrix of the
  items, as ``psych::alpha`` and ``pingouin.cronbach_alpha``; the 95% interval is Feldt's (F distribution with
  ``n-1`` and ``(n-1)(k-1)`` degrees of freedom), as ``psych::alpha(...)$feldt``, unrounded.
- ``omega``: McDonald's omega (total) from a one-factor CFA of the construct's items (``relatie_lab.fit_sem``, ML;
  FIML when answers are missing): ``(sum lambda)^2 psi / sum(S)``, with ``S`` the observed covariance matrix of the
  items (with missing answers its ML/EM estimate). This is ``semTools::compRelSEM(fit)`` (``obs.var = TRUE``).
- ``composite_reliability``: Fornell & Larcker's composite reliability from the standardized loadings of the same
  CFA, ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))``.
- ``ave``: average variance extracted, ``sum(lambda^2) psi / tr(S)``, as ``semTools::AVE(fit)``.
- Constructs with two items get a tau-equivalent model (both loadings 1; a two-item congeneric model is not
  identified); their omega then equals alpha. Column ``model`` says which model was used.

:func:`validity` fits one CFA of all constructs together and gives the Fornell-Larcker table (square root of the AVE
on the diagonal, latent correlations off it; a construct passes when its square root of the AVE is larger than each
of its correlations) and the heterotrait-monotrait ratio (HTMT, Henseler, Ringle & Sarstedt 2015; absolute item
correlations, arithmetic means, as ``semTools::htmt(..., htmt2 = FALSE)``; ``.htmt2`` holds the geometric-mean
version of Roemer, Schuberth & Henseler 2021, semTools' default). Ratios above 0.85 (strict) or 0.90 (lenient) are
flagged. With missing answers the item correlations are the EM (FIML) estimates, as ``htmt(..., missing = "ml")``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(3)
>>> f = rng.normal(size=(200, 1))
>>> df = pd.DataFrame(f @ [[0.8, 0.7, 0.75]] + rng.normal(scale=0.6, size=(200, 3)), columns=["a1", "a2", "a3"])
>>> round(cronbach_alpha(df)[0], 3)
0.818
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relatie_lab.errors import DataQualityWarning, SurveyError
from relatie_lab.instrument import resolve as resolve_instrument
from relatie_lab.labels import check_lang, label
from relatie_lab.sem.engine import saturated_moments

__all__ = ["HTMT_LENIENT", "HTMT_STRICT", "ValidityResult", "cronbach_alpha", "htmt", "reliability", "validity"]

HTMT_STRICT = 0.85
HTMT_LENIENT = 0.90
Constructs = Mapping[str, Iterable[str]] | Iterable[str] | str | None


# --------------------------------------------------------------------------------------------------
# input
def _as_frame(data: Any) -> pd.DataFrame:
    """A DataFrame from a DataFrame or a loaded survey (``SurveyData.data``)."""
    if isinstance(data, pd.DataFrame):
        return data
    frame = getattr(data, "data", None)
    if isinstance(frame, pd.DataFrame):
        return frame
    kind = type(data).__name__
    raise SurveyError(f"Expected a table of answers (a pandas DataFrame or a loaded survey), got {kind}.")


def _codebook(data: Any, instrument: Any) -> Any:
    """``instrument`` resolved (:func:`relatie_lab.instrument.resolve`); when None, a loaded survey's own codebook."""
    if instrument is None and not isinstance(data, pd.DataFrame):
        instrument = getattr(data, "instrument", None)
    return resolve_instrument(instrument)


def _resolve(frame: pd.DataFrame, constructs: Constructs, instrument: Any, lang: str = "nl") -> dict[str, list[str]]:
    """{construct: [items present in the data]}; items that are missing from the data are reported with a warning."""
    instrument = resolve_instrument(instrument)
    if constructs is None:
        items = instrument.items()
        wanted: dict[str, list[str]] = {}
        for construct in instrument.constructs().index:
            own = [item for item in items.index[items["construct"] == construct] if item in frame.columns]
            if len(own) >= 2:
                wanted[construct] = own
        if not wanted:
            raise SurveyError(
                "No construct of the instrument has two or more items in the data; name the constructs and their "
                "items yourself, e.g. constructs={'vertrouwen': ['vt_1', 'vt_2', 'vt_3']}."
            )
        return wanted
    if isinstance(constructs, str):
        constructs = [constructs]
    if isinstance(constructs, Mapping):
        requested = {str(c): [str(i) for i in items] for c, items in constructs.items()}
    else:
        requested = {str(c): list(instrument.item_ids(str(c))) for c in constructs}
    resolved: dict[str, list[str]] = {}
    for construct, items in requested.items():
        present = [item for item in items if item in frame.columns]
        absent = [item for item in items if item not in frame.columns]
        if not present:
            raise SurveyError(f"Construct {construct!r}: none of its items ({', '.join(items)}) is in the data.")
        if absent:
            warnings.warn(
                label("rel_warn_items_absent", lang).format(construct=repr(construct), items=", ".join(absent)),
                DataQualityWarning,
                stacklevel=3,
            )
        resolved[construct] = present
    return resolved


def _numeric(frame: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    out = frame[items]
    bad = [item for item in items if not pd.api.types.is_numeric_dtype(out[item])]
    if bad:
        raise SurveyError(
            f"Item column(s) {', '.join(bad)} hold text, not numbers; clean the data first "
            "(relatie_lab.load_survey converts answer codes and missing-value codes)."
        )
    return out.astype(float)


def _check_direction(construct: str, values: pd.DataFrame, lang: str = "nl") -> None:
    """Warn when an item correlates negatively with the rest of its construct (a reverse-keyed item not recoded?)."""
    if values.shape[1] < 3:
        return
    for item in values.columns:
        rest = values.drop(columns=item).mean(axis=1)
        r = values[item].corr(rest)
        if pd.notna(r) and r < 0:
            message = label("rel_warn_negative_item", lang)
            warnings.warn(
                message.format(construct=repr(construct), item=item, r=_number(r, 2, lang)),
                DataQualityWarning,
                stacklevel=4,
            )


# --------------------------------------------------------------------------------------------------
# moments
def _covariance(values: pd.DataFrame, missing: str) -> np.ndarray:
    """The ML (divide-by-N) covariance matrix: plain for complete data, EM with missing answers (FIML)."""
    x = values.to_numpy(dtype=float)
    if missing == "listwise":
        x = x[~np.isnan(x).any(axis=1)]
    if np.isnan(x).any():
        return saturated_moments(x)[1]
    return np.cov(x, rowvar=False, bias=True)


def _check_missing(missing: str) -> str:
    if missing not in ("fiml", "listwise"):
        raise ValueError(f"missing must be 'fiml' or 'listwise', not {missing!r}.")
    return missing


# --------------------------------------------------------------------------------------------------
# alpha
def cronbach_alpha(values: pd.DataFrame, ci: float = 0.95) -> tuple[float, float, float]:
    """Cronbach's (raw) alpha with Feldt's confidence interval.

    Parameters
    ----------
    values : DataFrame
        The items of one construct (numeric; missing answers are handled pairwise, as ``psych::alpha``).
    ci : float
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        ``(alpha, lower, upper)``.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> [round(v, 3) for v in cronbach_alpha(df)]
    [0.954, 0.766, 0.995]
    """
    values = values.astype(float)
    k = values.shape[1]
    if k < 2:
        return (np.nan, np.nan, np.nan)
    cov = values.cov().to_numpy()  # pairwise complete, N-1 (as psych)
    alpha = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    n = int(values.notna().any(axis=1).sum())
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - ci) / 2
    lower = 1 - (1 - alpha) * stats.f.isf(tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.isf(1 - tail, df1, df2)
    return float(alpha), float(lower), float(upper)


# --------------------------------------------------------------------------------------------------
# CFA-based coefficients
def _factor_name(construct: str, columns: Iterable[str]) -> str:
    name = construct if construct not in set(columns) else f"{construct}_lv"
    return name


def _loadings(estimates: pd.DataFrame, factor: str, items: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """(unstandardized loadings, standardized loadings, factor variance) of ``factor`` from fit_sem estimates."""
    est = estimates
    load = est[(est["op"] == "=~") & (est["lhs"] == factor)].set_index("rhs").reindex(items)
    var = est[(est["op"] == "~~") & (est["lhs"] == factor) & (est["rhs"] == factor)]
    if "group" in est.columns:
        var = var.iloc[:1]
    return load["est"].to_numpy(float), load["std_all"].to_numpy(float), float(var["est"].iloc[0])


def _coefficients(lam: np.ndarray, lam_std: np.ndarray, psi: float, cov: np.ndarray) -> dict[str, float]:
    common = lam.sum() ** 2 * psi
    s = lam_std.sum() ** 2
    return {
        "omega": float(common / cov.sum()),
        "composite_reliability": float(s / (s + (1 - lam_std**2).sum())),
        "ave": float((lam**2).sum() * psi / np.trace(cov)),
    }


def _fit(data: pd.DataFrame, syntax: str, missing: str, what: str, lang: str):
    from relatie_lab.sem import fit_sem

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit_sem(data, syntax, missing=missing, lang=lang)
    for w in caught:
        warnings.warn(f"{what}: {w.message}", w.category, stacklevel=3)
    return result


def reliability(
    data: Any,
    constructs: Constructs = None,
    *,
    instrument: Any = None,
    missing: str = "fiml",
    lang: str = "nl",
) -> pd.DataFrame:
    """Cronbach's alpha (95% CI), McDonald's omega, composite reliability and AVE per construct.

    Parameters
    ----------
    data : DataFrame or loaded survey
        Cleaned answers (reverse-keyed items already recoded, as :func:`relatie_lab.load_survey` does).
    constructs : dict, list of construct ids, str or None
        ``{construct: [items]}``, or construct ids of the instrument (their items, facets included), or ``None``:
        every construct of the instrument with two or more of its own items in the data.
    instrument : Instrument, str or Path, optional
        A researcher's own codebook or the path of its YAML (default: the codebook of a loaded survey, else the
        shipped instrument).
    missing : {"fiml", "listwise"}
        ``"fiml"`` uses every answer (the CFA by full-information ML, the observed covariances by EM);
        ``"listwise"`` drops respondents with a missing answer on the construct.
    lang : {"nl", "en"}
        Language of the warnings (``DataQualityWarning``, and the ``ModelWarning`` of the CFA).

    Returns
    -------
    DataFrame
        One row per construct: ``construct, n_items, n, cronbach_alpha, alpha_ci_lower, alpha_ci_upper, omega,
        composite_reliability, ave, model``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(300, 1))
    >>> df = pd.DataFrame(f @ [[0.8, 0.7, 0.75, 0.6]] + rng.normal(scale=0.6, size=(300, 4)),
    ...                   columns=["a1", "a2", "a3", "a4"])
    >>> table = reliability(df, {"a": ["a1", "a2", "a3", "a4"]})
    >>> table[["construct", "n_items", "n"]]
      construct  n_items    n
    0         a        4  300
    >>> bool(table.loc[0, "omega"] > 0.8)
    True
    """
    lang = check_lang(lang)
    frame = _as_frame(data)
    missing = _check_missing(missing)
    rows = []
    for construct, items in _resolve(frame, constructs, _codebook(data, instrument), lang).items():
        values = _numeric(frame, items)
        if missing == "listwise":
            values = values.dropna()
        values = values[values.notna().any(axis=1)]
        _check_direction(construct, values, lang)
        row: dict[str, Any] = {"construct": construct, "n_items": len(items), "n": len(values)}
        alpha, lower, upper = cronbach_alpha(values) if len(items) >= 2 else (np.nan, np.nan, np.nan)
        row |= {"cronbach_alpha": alpha, "alpha_ci_lower": lower, "alpha_ci_upper": upper}
        row |= {"omega": np.nan, "composite_reliability": np.nan, "ave": np.nan, "model": None}
        if len(items) < 2:
            warnings.warn(
                label("rel_warn_single_item", lang).format(construct=repr(construct)),
                DataQualityWarning,
                stacklevel=2,
            )
        else:
            factor = _factor_name(construct, items)
            model = "congeneric" if len(items) >= 3 else "tau_equivalent"
            terms = " + ".join(items if model == "congeneric" else [f"1*{item}" for item in items])
            what = label("rel_warn_construct_cfa", lang).format(construct=repr(construct))
            result = _fit(values, f"{factor} =~ {terms}", missing, what, lang)
            lam, lam_std, psi = _loadings(result.estimates, factor, items)
            row |= _coefficients(lam, lam_std, psi, _covariance(values, missing)) | {"model": model}
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# validity
def _correlations(values: pd.DataFrame, missing: str) -> pd.DataFrame:
    cov = _covariance(values, missing)
    sd = np.sqrt(np.diag(cov))
    return pd.DataFrame(cov / np.outer(sd, sd), index=values.columns, columns=values.columns)


def htmt(
    data: Any,
    constructs: Constructs = None,
    *,
    instrument: Any = None,
    missing: str = "fiml",
    geometric: bool = False,
    lang: str = "nl",
) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations between constructs (a square DataFrame, 1 on the diagonal).

    ``geometric=False`` is Henseler et al.'s HTMT (arithmetic means, ``semTools::htmt(htmt2 = FALSE)``),
    ``geometric=True`` the HTMT2 of Roemer et al. (geometric means, semTools' default). Correlations are taken in
    absolute value; with missing answers they are the EM (FIML) estimates. ``lang`` is the language of the
    warning about items that are not in the data.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(300, 2)) @ [[1.0, 0.5], [0.0, 0.87]]
    >>> x = np.repeat(f, 3, axis=1) + rng.normal(scale=0.7, size=(300, 6))
    >>> df = pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> round(float(htmt(df, {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"]}).loc["a", "b"]), 2)
    0.48
    """
    lang = check_lang(lang)
    frame = _as_frame(data)
    resolved = _resolve(frame, constructs, _codebook(data, instrument), lang)
    return _htmt(frame, resolved, _check_missing(missing), geometric)


def _htmt(frame: pd.DataFrame, resolved: dict[str, list[str]], missing: str, geometric: bool) -> pd.DataFrame:
    items = list(dict.fromkeys(item for its in resolved.values() for item in its))
    r = _correlations(_numeric(frame, items), missing).abs()
    mean = (lambda v: float(np.exp(np.mean(np.log(v))))) if geometric else (lambda v: float(np.mean(v)))

    def mono(its: list[str]) -> float:
        block = r.loc[its, its].to_numpy()
        return mean(block[np.triu_indices(len(its), k=1)]) if len(its) > 1 else np.nan

    names = list(resolved)
    out = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            hetero = mean(r.loc[resolved[a], resolved[b]].to_numpy().ravel())
            out.loc[a, b] = out.loc[b, a] = hetero / np.sqrt(mono(resolved[a]) * mono(resolved[b]))
    out.index.name = "construct"
    return out


def _number(value: float, digits: int, lang: str) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "nl" else text


@dataclass
class ValidityResult:
    """Discriminant validity: Fornell-Larcker table and HTMT.

    Attributes
    ----------
    fornell_larcker : DataFrame
        Index construct; one column per construct (square root of the AVE on the diagonal, latent correlations off
        it), then ``sqrt_ave``, ``max_correlation`` (largest absolute correlation with another construct) and
        ``passes`` (``sqrt_ave > max_correlation``).
    htmt : DataFrame
        HTMT matrix (arithmetic means, Henseler et al. 2015).
    htmt2 : DataFrame
        HTMT2 matrix (geometric means, Roemer et al. 2021).
    htmt_pairs : DataFrame
        One row per pair: ``construct_a, construct_b, htmt, htmt2, above_085, above_090``.
    ave : Series
        AVE per construct from the joint CFA.
    """

    fornell_larcker: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    htmt_pairs: pd.DataFrame
    ave: pd.Series
    warnings: list[str] = field(default_factory=list)

    def summary(self, lang: str = "nl") -> str:
        """A short readable verdict in Dutch (``"nl"``) or English (``"en"``)."""
        lang = check_lang(lang)
        lines = [label("rel_validity_title", lang), ""]
        fl = self.fornell_larcker
        failing = list(fl.index[~fl["passes"]])
        lines.append(label("rel_fl_all_pass", lang) if not failing else
                     label("rel_fl_fail", lang).format(constructs=", ".join(failing)))
        strict = self.htmt_pairs[self.htmt_pairs["above_085"]]
        if strict.empty:
            lines.append(label("rel_htmt_all_below", lang).format(threshold=_number(HTMT_STRICT, 2, lang)))
        for row in strict.itertuples():
            key = "rel_htmt_above_lenient" if row.above_090 else "rel_htmt_above_strict"
            value = _number(row.htmt, 3, lang)
            lines.append(label(key, lang).format(a=row.construct_a, b=row.construct_b, value=value))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def validity(
    data: Any,
    constructs: Constructs = None,
    *,
    instrument: Any = None,
    missing: str = "fiml",
    lang: str = "nl",
) -> ValidityResult:
    """Discriminant validity of the constructs: Fornell-Larcker criterion (joint CFA) and HTMT.

    Parameters are as for :func:`reliability`; ``lang`` (``"nl"`` or ``"en"``) is the language of the warnings,
    also of those kept in ``.warnings``. One CFA with all constructs as correlated factors is fitted with
    ``relatie_lab.fit_sem``; the AVE of each construct and the latent correlations come from that model.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(300, 2)) @ [[1.0, 0.5], [0.0, 0.87]]
    >>> x = np.repeat(f, 3, axis=1) + rng.normal(scale=0.7, size=(300, 6))
    >>> df = pd.DataFrame(x, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> result = validity(df, {"a": ["a1", "a2", "a3"], "b": ["b1", "b2", "b3"]})
    >>> result.fornell_larcker["passes"].tolist()
    [True, True]
    """
    lang = check_lang(lang)
    frame = _as_frame(data)
    missing = _check_missing(missing)
    resolved = _resolve(frame, constructs, _codebook(data, instrument), lang)
    if len(resolved) < 2:
        raise SurveyError("Discriminant validity needs at least two constructs.")
    items = list(dict.fromkeys(item for its in resolved.values() for item in its))
    values = _numeric(frame, items)
    if missing == "listwise":
        values = values.dropna()
    values = values[values.notna().any(axis=1)]
    factors = {construct: _factor_name(construct, items) for construct in resolved}
    syntax = "\n".join(f"{factors[c]} =~ {' + '.join(its)}" for c, its in resolved.items())
    result = _fit(values, syntax, missing, label("rel_warn_validity_cfa", lang), lang)
    cov = pd.DataFrame(_covariance(values, missing), index=items, columns=items)
    est = result.estimates
    names = list(resolved)
    ave = {}
    for construct, its in resolved.items():
        lam, _, psi = _loadings(est, factors[construct], its)
        ave[construct] = float((lam**2).sum() * psi / np.trace(cov.loc[its, its].to_numpy()))
    corr = pd.DataFrame(np.eye(len(names)), index=names, columns=names)
    lv = est[(est["op"] == "~~") & (est["lhs"] != est["rhs"])]
    back = {factor: construct for construct, factor in factors.items()}
    for row in lv.itertuples():
        if row.lhs in back and row.rhs in back:
            corr.loc[back[row.lhs], back[row.rhs]] = corr.loc[back[row.rhs], back[row.lhs]] = row.std_all
    sqrt_ave = pd.Series({c: np.sqrt(v) if v >= 0 else np.nan for c, v in ave.items()})
    table = corr.copy()
    for c in names:
        table.loc[c, c] = sqrt_ave[c]
    off = corr.abs().where(~np.eye(len(names), dtype=bool))
    table["sqrt_ave"] = sqrt_ave
    table["max_correlation"] = off.max(axis=1)
    table["passes"] = table["sqrt_ave"] > table["max_correlation"]
    table.index.name = "construct"
    h1 = _htmt(frame.loc[values.index], resolved, missing, geometric=False)
    h2 = _htmt(frame.loc[values.index], resolved, missing, geometric=True)
    pairs = [
        {"construct_a": a, "construct_b": b, "htmt": h1.loc[a, b], "htmt2": h2.loc[a, b]}
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]
    pairs_df = pd.DataFrame(pairs, columns=["construct_a", "construct_b", "htmt", "htmt2"])
    pairs_df["above_085"] = pairs_df["htmt"] > HTMT_STRICT
    pairs_df["above_090"] = pairs_df["htmt"] > HTMT_LENIENT
    return ValidityResult(
        fornell_larcker=table,
        htmt=h1,
        htmt2=h2,
        htmt_pairs=pairs_df,
        ave=pd.Series(ave, name="ave"),
        warnings=list(getattr(result, "warnings", []) or []),
    )
