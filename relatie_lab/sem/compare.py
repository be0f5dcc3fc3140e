"""Nested-model comparison: the chi-square difference test of lavaan 0.6's ``lavTestLRT(fit_a, fit_b, ...)``.

The models are ordered by their degrees of freedom; each is tested against the one before it (the less restricted
model). For ML the difference of the chi-squares is referred to a chi-square distribution with the difference of
the df; for MLR and MLM the scaled difference of Satorra & Bentler (2001), lavaan's default:
``(T0 - T1) / cd`` with ``cd = (df0 c0 - df1 c1) / (df0 - df1)`` and ``c`` the scaling factors of the models.

A difference test is only valid for nested models on the same data. ``compare`` refuses models that are not nested
in an obvious way: other variables, other data, other groups, another estimator, equal df, a restricted model
with parameters the other model does not have, or a restricted model that fits better.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(9)
>>> x = rng.normal(size=300); m = 0.5 * x + rng.normal(size=300); y = 0.4 * m + rng.normal(size=300)
>>> df = pd.DataFrame({"x": x, "m": m, "y": y})
>>> full = fit_sem(df, "m ~ x\\ny ~ m + x")
>>> mediation = fit_sem(df, "m ~ x\\ny ~ m")
>>> compare(full, mediation, names=["full", "mediation"])[["model", "df", "delta_df"]]
       model  df  delta_df
0       full   0       NaN
1  mediation   1       1.0
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.labels import check_lang, label

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.result import SEMResult

__all__ = ["COLUMNS", "compare", "scaled_difference"]

COLUMNS = ["model", "df", "aic", "bic", "chisq", "delta_chisq", "delta_df", "pvalue"]
ROBUST = ("MLR", "MLM")


def scaled_difference(chisq1: float, df1: int, c1: float, chisq0: float, df0: int, c0: float) -> float:
    """Satorra-Bentler (2001) scaled difference of a restricted model (0) against a less restricted one (1).

    Unscaled statistics ``chisq`` and scaling factors ``c``; NaN when the difference's scaling factor is negative.

    Examples
    --------
    >>> round(scaled_difference(20.0, 10, 1.2, 30.0, 12, 1.3), 4)
    5.5556
    """
    if df1 == 0:
        c1 = 1.0
    m = df0 - df1
    if m == 0:
        return chisq0 - chisq1
    cd = (df0 * c0 - df1 * c1) / m
    return (chisq0 - chisq1) / cd if cd > 0 else math.nan


def _chi2_sf(x: float, df: int) -> float:
    from scipy import special  # imported when needed: a fast `import relatie_lab.sem`

    return float(special.chdtrc(df, x))


def _rows(result: SEMResult) -> set[tuple[Any, ...]]:
    """The parameter rows of a model, ``~~`` in one orientation (free, fixed or constrained alike)."""
    pt = result.partable
    out = set()
    for lhs, op, rhs, g in zip(pt.lhs, pt.op, pt.rhs, pt.group, strict=True):
        if op == "~~" and rhs < lhs:
            lhs, rhs = rhs, lhs
        out.add((lhs, op, rhs, g))
    return out


def _not_nested(a: SEMResult, b: SEMResult, lang: str) -> tuple[str, str]:
    """Why ``b`` (more df) is not obviously nested in ``a``: (key of the reason, text); ``("", "")`` when it is."""
    va, vb = set(a.engine.ov), set(b.engine.ov)
    if va != vb:
        return "variables", label("sem_reason_variables", lang).format(vars=", ".join(sorted(va ^ vb)))
    if a.group != b.group or list(map(str, a.group_labels)) != list(map(str, b.group_labels)):
        return "groups", label("sem_reason_groups", lang)
    if a.estimator != b.estimator or a.missing != b.missing:
        x, y = f"{a.estimator}/{a.missing}", f"{b.estimator}/{b.missing}"
        return "estimator", label("sem_reason_estimator", lang).format(x=x, y=y)
    same = a.nobs == b.nobs and a.engine.G == b.engine.G
    if same:
        order = [b.engine.ov.index(v) for v in a.engine.ov]
        for (ca, ma, la), (cb, mb, lb) in zip(a.engine.h1(), b.engine.h1(), strict=True):
            cb, mb = cb[np.ix_(order, order)], mb[order]
            if not (np.allclose(ca, cb, rtol=1e-8, atol=1e-10) and np.allclose(ma, mb, rtol=1e-8, atol=1e-10)
                    and math.isclose(la, lb, rel_tol=1e-8, abs_tol=1e-8)):  # fmt: skip
                same = False
    if not same:
        return "data", label("sem_reason_data", lang)
    dfa, dfb = a.fit_indices["df"], b.fit_indices["df"]
    if dfa == dfb:
        return "same_df", label("sem_reason_same_df", lang).format(df=int(dfa))
    extra = sorted(_rows(b) - _rows(a))
    if extra:
        pars = ", ".join(f"{lhs} {op} {rhs}".strip() for lhs, op, rhs, _ in extra[:5])
        return "params", label("sem_reason_params", lang).format(pars=pars + (", ..." if len(extra) > 5 else ""))
    c1, c0 = a.fit_indices["chisq"], b.fit_indices["chisq"]
    if c0 < c1 - max(1e-6, 1e-8 * c1):
        return "fit", label("sem_reason_fit", lang).format(c0=c0, c1=c1)
    return "", ""


def compare(*fits: SEMResult, names: list[str] | None = None, check_nested: bool = True,
            lang: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Chi-square difference tests of nested models, as ``lavTestLRT(fit_a, fit_b, ...)``.

    Parameters
    ----------
    *fits : SEMResult
        Two or more models fitted with :func:`relatie_lab.fit_sem` on the same data, each a restriction of another.
    names : list of str, optional
        A name per model (default ``model_1``, ``model_2``, ... in the order given).
    check_nested : bool
        Refuse models that are not nested in an obvious way (default). ``False`` skips the check of the parameter
        rows and of the fit (other variables, data, groups and estimators are always refused).
    lang : {"nl", "en"}, optional
        Language of the messages (default: that of the first model).

    Returns
    -------
    DataFrame
        ``model, df, aic, bic, chisq, delta_chisq, delta_df, pvalue``, ordered by ``df``; for MLR and MLM also
        ``chisq_scaled`` and ``delta_chisq`` is the Satorra-Bentler (2001) scaled difference. The first row has NaN
        differences.

    Raises
    ------
    SurveyError
        Fewer than two models, or models that are not nested in an obvious way.
    """
    from relatie_lab.sem.result import SEMResult

    lang = check_lang(lang or (fits[0].lang if fits and isinstance(fits[0], SEMResult) else "nl"))
    if len(fits) < 2:
        raise SurveyError(label("sem_err_compare_few", lang))
    for i, f in enumerate(fits, 1):
        if not isinstance(f, SEMResult):
            raise SurveyError(label("sem_err_compare_not_result", lang).format(i=i, type=type(f).__name__))
    names = [f"model_{i}" for i in range(1, len(fits) + 1)] if names is None else [str(n) for n in names]
    if len(names) != len(fits):
        raise ValueError("give one name per model")
    order = sorted(range(len(fits)), key=lambda i: fits[i].fit_indices["df"])
    mods = [fits[i] for i in order]
    names = [names[i] for i in order]
    scaled = all(m.estimator in ROBUST for m in mods)
    rows = []
    for k, m in enumerate(mods):
        fi = m.fit_indices
        row = {"model": names[k], "df": int(fi["df"]), "aic": fi["aic"], "bic": fi["bic"], "chisq": fi["chisq"],
               "delta_chisq": math.nan, "delta_df": math.nan, "pvalue": math.nan}  # fmt: skip
        if scaled:
            row["chisq_scaled"] = fi.get("chisq_scaled", math.nan)
        if k:
            prev = mods[k - 1]
            key, reason = _not_nested(prev, m, lang)
            if key and (check_nested or key not in ("params", "fit")):
                raise SurveyError(label("sem_err_compare_not_nested", lang).format(a=names[k - 1], b=names[k],
                                                                                 reason=reason))  # fmt: skip
            pf = prev.fit_indices
            ddf = int(fi["df"] - pf["df"])
            if scaled:
                delta = scaled_difference(pf["chisq"], pf["df"], pf.get("scaling_factor", math.nan), fi["chisq"],
                                          fi["df"], fi.get("scaling_factor", math.nan))  # fmt: skip
                if not np.isfinite(delta):
                    warnings.warn(label("sem_msg_compare_scaled_negative", lang).format(a=names[k - 1], b=names[k]),
                                  ModelWarning, stacklevel=2)  # fmt: skip
            else:
                delta = fi["chisq"] - pf["chisq"]
            row["delta_chisq"], row["delta_df"] = delta, ddf
            row["pvalue"] = _chi2_sf(delta, ddf) if np.isfinite(delta) and ddf > 0 else math.nan
        rows.append(row)
    cols = COLUMNS + (["chisq_scaled"] if scaled else [])
    return pd.DataFrame(rows)[cols]
