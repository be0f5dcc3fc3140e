"""``fit_sem(..., estimator="WLSMV", ordered=...)``: checks the input and turns a WLS-family fit into a ``SEMResult``.

The estimation itself lives in :mod:`relatie_lab.sem.wls`, the sample statistics in
:mod:`relatie_lab.sem.polychoric`. Thresholds appear in ``.estimates`` as lavaan writes them (``op == "|"``,
``rhs`` ``t1``, ``t2``, ...); the residual variances of the items are fixed (delta parameterization, ``se`` 0).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relatie_lab.errors import SurveyError
from relatie_lab.labels import check_lang, label
from relatie_lab.sem.wls import ESTIMATORS, fit_ordinal

__all__ = ["ORDINAL_ESTIMATORS", "fit_ordinal_sem", "ordinal_advice", "ordinal_advice_text", "wants_ordinal"]

#: A share of answers in the lowest or highest category from which a floor or ceiling effect is reported
#: (Terwee et al. 2007: more than 15%); "strong" here: 25% or more.
FLOOR_CEILING = 0.25
#: Items with at most this many categories are better treated as ordinal (Rhemtulla, Brosseau-Liard & Savalei 2012).
FEW_CATEGORIES = 4

ORDINAL_ESTIMATORS = tuple(ESTIMATORS)
_Z975 = float(stats.norm.ppf(0.975))


def wants_ordinal(estimator: str, ordered: Any) -> bool:
    """True when ``fit_sem`` should hand the model to the ordinal estimators.

    Examples
    --------
    >>> wants_ordinal("WLSMV", True), wants_ordinal("ML", None)
    (True, False)
    """
    return bool(ordered is not None and ordered is not False) or str(estimator).upper() in ORDINAL_ESTIMATORS


def fit_ordinal_sem(data: pd.DataFrame, model: str, *, estimator: str, ordered: Any, missing: str,
                    group: str | None, group_equal: tuple[str, ...], seed: int | None, lang: str,
                    invariance_step: tuple[str, ...] | None = None, sample_stats: list | None = None):  # fmt: skip
    """See :func:`relatie_lab.sem.result.fit_sem` (``estimator`` in WLSMV, ULSMV, DWLS, ULS, WLS).

    ``invariance_step``: the constraints of one step of :func:`relatie_lab.sem.ordinal_invariance.ordinal_invariance`
    (Wu & Estabrook's identification), used instead of ``group_equal``.
    """
    from relatie_lab.sem.result import SEMResult, _Warn, estimates_table, prepare
    from relatie_lab.sem.syntax import parse_model

    lang = check_lang(lang)
    estimator = str(estimator).upper()
    if estimator not in ESTIMATORS:
        raise SurveyError(label("ord_err_ml_ordered", lang))
    if ordered is None or ordered is False or (not isinstance(ordered, bool) and len(ordered) == 0):
        raise SurveyError(label("ord_err_estimator", lang).format(estimator=estimator))
    if missing not in ("fiml", "pairwise", "listwise"):
        raise SurveyError(label("ord_err_missing", lang).format(missing=missing))
    missing = "listwise" if missing == "listwise" else "pairwise"
    group_equal = tuple(group_equal)
    if group_equal:  # lavaan's own group.equal conventions for ordinal items are not built; invariance steps are
        raise SurveyError(label("ord_err_group_equal", lang).format(options=", ".join(group_equal)))
    warn = _Warn(lang)
    probe = parse_model(model)
    names = list(probe.attrs["observed"])
    if not isinstance(ordered, bool):
        ordered = [ordered] if isinstance(ordered, str) else list(ordered)
        unknown = [v for v in ordered if v not in names]
        if unknown:
            raise SurveyError(label("ord_err_ordered_unknown", lang).format(cols=", ".join(map(str, unknown))))
    ordered_list = names if ordered is True else [v for v in names if v in ordered]
    numeric = [v for v in names if v not in ordered_list]  # continuous items: polyserial / Pearson correlations
    covariates = list(probe.attrs.get("ov_x", []))
    predictors = sorted(set(probe.rhs[(probe.op == "~") & probe.rhs.isin(ordered_list)]))
    if predictors:  # y* of an ordinal item as a predictor: its variance is not 1 - common yet (not built)
        raise SurveyError(label("ord_err_predictor", lang).format(cols=", ".join(predictors)))
    if covariates or (numeric and invariance_step is not None):
        raise SurveyError(label("ord_err_mixed", lang).format(cols=", ".join(dict.fromkeys(covariates or numeric))))
    _pt, parts, levels, df, _ = prepare(data, model, missing="listwise" if missing == "listwise" else "fiml",
                                        group=group, group_equal=group_equal, warn=warn)  # fmt: skip
    G = max(len(parts), 1)
    for g, part in enumerate(parts):
        if len(part) <= 1:
            kw = {"n": len(part), "p": len(names), "in_group": levels[g] if group else None}
            from relatie_lab.sem.result import _render

            raise SurveyError(_render("sem_err_too_few_rows", kw, lang))
    if invariance_step is None:
        pt0 = parse_model(model, ngroups=G, meanstructure=bool(numeric), group_equal=group_equal)
    else:
        from relatie_lab.sem.ordinal_invariance import invariance_partable

        pt0 = invariance_partable(model, G, invariance_step, ordered_list)
    eng, pt, res, st, th_rows = fit_ordinal(pt0, parts, ordered_list, estimator, warn, levels if group else None,
                                            equal=invariance_step, numeric=numeric,
                                            sample_stats=sample_stats)  # fmt: skip
    if not res.converged:
        warn("sem_msg_not_converged")
    q = eng.q
    V = res.vcov if res.vcov is not None else np.full((res.npar, res.npar), np.nan)
    est = estimates_table(eng, SimpleNamespace(theta=res.theta[:q], vcov=V[:q, :q]), pt, levels if group else None)
    par = th_rows.par.to_numpy()
    fixed = par < 0  # scale factors fixed at 1 (first group)
    th_est = np.where(fixed, 1.0, res.theta[np.where(fixed, 0, par)])
    th_se = np.where(fixed, 0.0, np.sqrt(np.clip(np.diag(V)[np.where(fixed, 0, par)], 0, None)))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(fixed, np.nan, th_est / th_se)
    rows = pd.DataFrame({"lhs": th_rows.lhs, "op": th_rows.op, "rhs": th_rows.rhs, "label": "", "est": th_est,
                         "se": th_se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z)),
                         "ci_lower": th_est - _Z975 * th_se, "ci_upper": th_est + _Z975 * th_se,
                         "std_all": th_est})  # fmt: skip
    if eng.scales is not None:  # a threshold in standard deviations of y*: times the item's scale factor
        is_th = (th_rows.op == "|").to_numpy()
        item = [eng.ov.index(v) for v in th_rows.lhs]
        factor = np.array([eng.scales[g - 1][j] for g, j in zip(th_rows.group, item, strict=True)])
        rows.loc[is_th, "std_all"] = th_est[is_th] * factor[is_th]
        rows.loc[~is_th, "std_all"] = 1.0  # scale factors (lavaan's std.all)
    rows["std_lv"] = th_est  # thresholds and scale factors do not depend on the factors' scale
    rows["std_nox"] = rows["std_all"]  # no observed covariates with ordinal items
    if group:
        rows["group"] = [levels[g - 1] for g in th_rows.group]
    n_pt = int((est.op != ":=").sum())
    est = pd.concat([est.iloc[:n_pt], rows[est.columns], est.iloc[n_pt:]], ignore_index=True)
    for r in est[(est.op == "~~") & (est.lhs == est.rhs) & est.lhs.isin(ordered_list)].itertuples():
        if r.est < 0:
            warn("sem_msg_heywood", var=r.lhs, value=r.est)
    if not _finite_se(V):
        warn("sem_msg_se_failed")
    result = SEMResult(
        estimates=est, fit_indices=dict(res.fit), nobs=int(sum(s.n for s in st)), warnings=warn.messages,
        model=model, partable=pt, estimator=estimator, missing=missing, group=group, group_labels=levels,
        group_equal=group_equal, converged=res.converged, engine=eng, raw=res, data=df, lang=lang, seed=seed,
    )  # fmt: skip
    result._warning_keys = warn.keys  # type: ignore[attr-defined]
    result.sample_stats = st  # type: ignore[attr-defined]
    return result


def _finite_se(V: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(V)) and np.all(np.diag(V) > 0))


def cases_used_line(result: Any, lang: str) -> str | None:
    """The summary line saying how many respondents each threshold and correlation used (None if not ordinal)."""
    st = getattr(result, "sample_stats", None)
    if not st:
        return None
    th = np.concatenate([s.n_item for s in st])
    cor = np.concatenate([s.n_pair[np.tril_indices(len(s.names), -1)] for s in st])
    return label("ord_cases_used", lang).format(th_min=int(th.min()), th_max=int(th.max()), cor_min=int(cor.min()),
                                                cor_max=int(cor.max()), n=sum(s.n for s in st))  # fmt: skip


def ordinal_advice(data: pd.DataFrame, items: list[str] | None = None, *, min_answers: int = 30) -> pd.DataFrame:
    """Items that are better analysed as ordinal (WLSMV): few categories, or strong floor or ceiling effects.

    Parameters
    ----------
    data : DataFrame
        Answers (numbers; NaN = no answer).
    items : list of str, optional
        Columns to check (default: every numeric column).
    min_answers : int
        Items with fewer answers are not judged.

    Returns
    -------
    DataFrame
        One row per flagged item: ``item, n_categories, floor, ceiling`` (shares of answers in the lowest and
        highest observed category), ``reason`` (``few_categories`` or ``floor_ceiling``).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3] * 20, "b": [1, 2, 3, 4, 5, 5, 5, 5, 5, 5] * 6})
    >>> ordinal_advice(df)[["item", "n_categories", "reason"]].to_numpy().tolist()
    [['a', 3, 'few_categories'], ['b', 5, 'floor_ceiling']]
    """
    cols = items if items is not None else [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    rows = []
    for c in cols:
        x = pd.to_numeric(data[c], errors="coerce").dropna()
        if len(x) < min_answers:
            continue
        counts = x.value_counts().sort_index()
        k = len(counts)
        if k < 2:
            continue
        floor, ceiling = counts.iloc[0] / len(x), counts.iloc[-1] / len(x)
        if k <= FEW_CATEGORIES:
            rows.append((c, k, floor, ceiling, "few_categories"))
        elif max(floor, ceiling) >= FLOOR_CEILING:
            rows.append((c, k, floor, ceiling, "floor_ceiling"))
    return pd.DataFrame(rows, columns=["item", "n_categories", "floor", "ceiling", "reason"])


def ordinal_advice_text(data: pd.DataFrame, items: list[str] | None = None, lang: str = "nl") -> str | None:
    """One plain-language note naming the items :func:`ordinal_advice` flags and suggesting WLSMV (None if none).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1, 2, 3] * 20})
    >>> print(ordinal_advice_text(df, lang="en"))  # doctest: +ELLIPSIS
    Ordinal items: a (3 categories)...estimator='WLSMV', ordered=True)...
    """
    lang = check_lang(lang)
    adv = ordinal_advice(data, items)
    if adv.empty:
        return None
    parts = []
    for r in adv.itertuples():
        if r.reason == "few_categories":
            parts.append(label("ord_advice_few", lang).format(item=r.item, k=r.n_categories))
        else:
            side, share = ("floor", r.floor) if r.floor >= r.ceiling else ("ceiling", r.ceiling)
            parts.append(label(f"ord_advice_{side}", lang).format(item=r.item, pct=100 * share))
    shown = parts[:12] + (["..."] if len(parts) > 12 else [])
    return label("ord_advice", lang).format(items="; ".join(shown), n=len(parts))
