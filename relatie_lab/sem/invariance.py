"""Measurement invariance across groups: configural, metric (equal loadings), scalar (plus intercepts), strict (plus
residual variances) and equal latent means.

Each step is a multi-group model fitted with :func:`relatie_lab.fit_sem` (lavaan's ``group.equal``; each step keeps
the equalities of the steps before it); ``partial`` frees single parameters in every step (lavaan's
``group.partial``: partial invariance). The
table compares the steps as lavaan's ``lavTestLRT`` does (chi-square difference test; with
``estimator="MLR"`` the Satorra-Bentler (2001) scaled difference) and adds the change in CFI and RMSEA.
A step is called supported when the CFI drops by less than 0.01 (Cheung & Rensvold, 2002).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> f = rng.normal(size=(400, 1))
>>> df = pd.DataFrame(f @ [[1.0, 0.8, 0.7, 0.9]] + rng.normal(size=(400, 4)) * 0.6, columns=list("abcd"))
>>> df["groep"] = np.repeat(["x", "y"], 200)
>>> inv = invariance(df, "F =~ a + b + c + d", "groep")
>>> inv.table["step"].tolist()
['configural', 'metric', 'scalar']
>>> int(inv.table.loc[1, "delta_df"])
3
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.labels import check_lang, label
from relatie_lab.sem.result import SEMResult, fit_sem

__all__ = ["STEPS", "InvarianceResult", "invariance"]

STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
    "means": ("loadings", "intercepts", "residuals", "means"),
}
#: What each step adds to the steps before it (lavaan's ``group.equal`` names).
ADDS = {"configural": (), "metric": ("loadings",), "scalar": ("intercepts",), "strict": ("residuals",),
        "means": ("means",)}  # fmt: skip
DEFAULT_STEPS = ("configural", "metric", "scalar")
CFI_DROP = 0.01


@dataclass
class InvarianceResult:
    """The invariance sequence: ``table`` (one row per step) and the fitted models in ``fits``."""

    table: pd.DataFrame
    fits: dict[str, SEMResult] = field(repr=False)
    group: str = ""
    group_labels: list[Any] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)

    def summary(self, lang: str = "nl") -> str:
        """Readable text: fit per step, the difference tests and the decision."""
        lang = check_lang(lang)
        out = [f"{label('inv_title', lang)} — {self.group}: {', '.join(map(str, self.group_labels))}", ""]
        head = (f"{'':<12}{'chisq':>10}{'df':>6}{'cfi':>8}{'rmsea':>8}{'srmr':>8}{'Δchisq':>9}{'Δdf':>5}"
                f"{'p':>7}{'Δcfi':>8}  ")  # fmt: skip
        out.append(head)
        for r in self.table.itertuples():
            def f(v: float, w: int, d: int = 3) -> str:
                return f"{'':>{w}}" if not np.isfinite(v) else f"{v:>{w}.{d}f}"

            out.append(
                f"{r.step:<12}{r.chisq:>10.2f}{int(r.df):>6}{r.cfi:>8.3f}{r.rmsea:>8.3f}{r.srmr:>8.3f}"
                f"{f(r.delta_chisq, 9, 2)}{f(r.delta_df, 5, 0)}{f(r.delta_pvalue, 7)}{f(r.delta_cfi, 8)}  "
                f"{_decision_text(r.decision, lang)}"
            )
        if self.partial:
            out += ["", label("inv_partial", lang).format(params=", ".join(self.partial))]
        out += ["", label("inv_decision_rule", lang)]
        return "\n".join(out)

    def plot(self, lang: str = "nl"):
        """CFI and RMSEA per step, with the 0.01 CFI-drop band; returns the Figure."""
        import matplotlib.pyplot as plt

        lang = check_lang(lang)
        t = self.table
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
        names = [label(f"inv_{s}", lang).split(" (")[0] for s in t.step]
        axes[0].plot(names, t.cfi, marker="o", color="#1f4e79")
        axes[0].axhspan(t.cfi.iloc[0] - CFI_DROP, t.cfi.iloc[0], color="#dbe9f6", alpha=0.7)
        axes[0].set_title("CFI")
        axes[1].plot(names, t.rmsea, marker="o", color="#b35806")
        axes[1].set_title("RMSEA")
        fig.suptitle(f"{label('inv_title', lang)} ({self.group})")
        fig.tight_layout()
        return fig


def _decision_text(decision: str, lang: str) -> str:
    key = {"baseline": "inv_baseline", "supported": "inv_supported", "not_supported": "inv_not_supported"}
    return label(key[decision], lang) if decision in key else ""


def lrt(chisq1: float, df1: int, chisq0: float, df0: int, c1: float | None = None,
        c0: float | None = None) -> tuple[float, int, float]:  # fmt: skip
    """Chi-square difference test of a restricted model (0) against a less restricted one (1).

    With scaling factors ``c1``, ``c0`` (MLR) the Satorra-Bentler (2001) scaled difference, as lavaan's
    ``lavTestLRT`` default for robust estimators.

    Examples
    --------
    >>> d, ddf, p = lrt(266.0, 226, 285.56, 239)
    >>> round(d, 2), ddf, round(p, 3)
    (19.56, 13, 0.107)
    """
    from scipy import special  # imported when needed: a faster `import relatie_lab.sem`

    ddf = int(df0 - df1)
    delta = chisq0 - chisq1
    if c1 is not None and c0 is not None and ddf > 0:
        cd = (df0 * c0 - df1 * c1) / ddf
        delta = delta / cd if cd > 0 else math.nan
    p = float(special.chdtrc(ddf, delta)) if ddf > 0 and np.isfinite(delta) else math.nan
    return float(delta), ddf, p


def invariance(
    data: pd.DataFrame,
    model: str,
    group: str,
    *,
    missing: str = "fiml",
    estimator: str = "ML",
    lang: str = "nl",
    steps: tuple[str, ...] | list[str] = DEFAULT_STEPS,
    partial: tuple[str, ...] | list[str] = (),
) -> InvarianceResult:
    """Fit the configural, metric and scalar (and strict, latent-means) models and compare them.

    Parameters
    ----------
    data : DataFrame
        Answers plus the group column.
    model : str
        lavaan syntax of the measurement model.
    group : str
        Column with the groups (e.g. ``"sector"``).
    missing, estimator, lang
        As in :func:`relatie_lab.fit_sem`.
    steps : sequence of str
        The steps, in this order, from ``configural``, ``metric``, ``scalar``, ``strict`` (equal residual
        variances) and ``means`` (equal latent means); each step keeps the equalities of the ones before it, so
        ``("configural", "metric", "scalar", "means")`` tests the means under scalar invariance.
    partial : sequence of str
        Parameters left free across groups in every step (partial invariance; lavaan's ``group.partial``), e.g.
        ``["F =~ x2", "x3 ~ 1"]`` for a non-invariant loading and intercept.

    Returns
    -------
    InvarianceResult
        ``.table`` columns: ``step, chisq, df, pvalue, cfi, rmsea, srmr, delta_chisq, delta_df, delta_pvalue,
        delta_cfi, delta_rmsea, decision`` (``decision``: ``baseline``, ``supported``, ``not_supported``); with
        ``estimator="MLR"`` also ``chisq_scaled, cfi_robust, rmsea_robust``, and ``delta_chisq`` is the
        Satorra-Bentler (2001) scaled difference.

    Examples
    --------
    Two groups that answer the same way: the loadings and intercepts hold across them.

    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(300, 1))
    >>> df = pd.DataFrame(f @ [[0.9, 0.8, 0.7]] + rng.normal(size=(300, 3)) * 0.5, columns=["v1", "v2", "v3"])
    >>> df["sector"] = np.repeat(["bank", "energie"], 150)
    >>> inv = invariance(df, "vertrouwen =~ v1 + v2 + v3", "sector")
    >>> inv.table[["step", "df", "delta_df", "decision"]]
             step  df  delta_df       decision
    0  configural   0       NaN       baseline
    1      metric   2       2.0      supported
    2      scalar   4       2.0      supported
    """
    steps = tuple(steps)
    order = list(ADDS)
    if not steps or any(s not in ADDS for s in steps) or [order.index(s) for s in steps] != sorted(
            order.index(s) for s in steps) or len(set(steps)) != len(steps):  # fmt: skip
        raise ValueError(label("inv_err_steps", lang).format(steps=list(steps), allowed=order))
    fits = {}
    equal: tuple[str, ...] = ()
    for step in steps:
        equal += ADDS[step]
        fits[step] = fit_sem(data, model, group=group, group_equal=equal, missing=missing, estimator=estimator,
                             lang=lang, group_partial=tuple(partial))  # fmt: skip
    robust = estimator.upper() in ("MLR", "MLM")  # both have a scaled test (MLM: issue 11b)
    rows = []
    prev: dict[str, float] | None = None
    for step, res in fits.items():
        fi = res.fit_indices
        row = {k: fi[k] for k in ("chisq", "df", "pvalue", "cfi", "rmsea", "srmr")}
        if robust:
            row |= {k: fi[k] for k in ("chisq_scaled", "cfi_robust", "rmsea_robust")}
        row["step"] = step
        if prev is None:
            row |= {"delta_chisq": math.nan, "delta_df": math.nan, "delta_pvalue": math.nan,
                    "delta_cfi": math.nan, "delta_rmsea": math.nan, "decision": "baseline"}  # fmt: skip
        else:
            c1 = prev.get("scaling_factor") if robust else None
            c0 = fi.get("scaling_factor") if robust else None
            d, ddf, p = lrt(prev["chisq"], prev["df"], fi["chisq"], fi["df"], c1, c0)
            dcfi = fi["cfi"] - prev["cfi"]
            row |= {"delta_chisq": d, "delta_df": ddf, "delta_pvalue": p, "delta_cfi": dcfi,
                    "delta_rmsea": fi["rmsea"] - prev["rmsea"],
                    "decision": "supported" if dcfi > -CFI_DROP else "not_supported"}  # fmt: skip
        rows.append(row)
        prev = fi
    cols = ["step", "chisq", "df", "pvalue", "cfi", "rmsea", "srmr", "delta_chisq", "delta_df", "delta_pvalue",
            "delta_cfi", "delta_rmsea", "decision"]  # fmt: skip
    if robust:
        cols[4:4] = ["chisq_scaled", "cfi_robust", "rmsea_robust"]
    first = next(iter(fits.values()))
    return InvarianceResult(pd.DataFrame(rows)[cols], fits, group, list(first.group_labels), list(partial))
