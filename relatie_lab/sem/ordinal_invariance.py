"""Measurement invariance for ordinal items: configural, thresholds, + loadings, + intercepts (Wu & Estabrook 2016).

The steps and their identification follow semTools' ``measEq.syntax(..., parameterization = "delta",
ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")`` fitted with lavaan's WLSMV:

- configural: in every group the factor variances are 1, factor means 0, the latent-response intercepts 0 and the
  scale factors 1; loadings and thresholds free per group;
- thresholds: thresholds equal across groups; in every group but the first the intercepts and scale factors are
  free (for items with three or more categories this is what makes the thresholds comparable);
- loadings: also the loadings equal; the factor variances free in the other groups;
- intercepts: also the intercepts equal (0); the factor means free in the other groups.

Each step is a WLSMV fit (:mod:`relatie_lab.sem.wls`). In the table ``chisq``, ``pvalue``, ``cfi``, ``tli`` and
``rmsea`` are the scaled (mean-and-variance adjusted) values, the ones reported for WLSMV (``chisq_unscaled``: the
DWLS statistic); the steps are compared as lavaan's ``lavTestLRT`` does for WLSMV (Satorra's 2000 scaled-and-shifted
difference test) and by the change in CFI (a step is supported when the CFI drops by less than 0.01).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(600, 1))
>>> ystar = f * 0.7 + rng.normal(size=(600, 4)) * 0.7
>>> df = pd.DataFrame(np.digitize(ystar, [-0.8, 0.2, 1.0]) + 1, columns=list("abcd"))
>>> df["groep"] = np.repeat(["x", "y"], 300)
>>> inv = ordinal_invariance(df, "F =~ a + b + c + d", "groep")
>>> inv.table["step"].tolist(), inv.table["df"].tolist()
(['configural', 'thresholds', 'loadings', 'intercepts'], [4, 8, 11, 14])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.labels import check_lang
from relatie_lab.sem.engine import single_thread_blas
from relatie_lab.sem.syntax import ParTable, parse_model

__all__ = ["ORDINAL_STEPS", "invariance_partable", "ordinal_invariance"]

ORDINAL_STEPS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "loadings": ("thresholds", "loadings"),
    "intercepts": ("thresholds", "loadings", "intercepts"),
}
CFI_DROP = 0.01


def invariance_partable(model: str, ngroups: int, equal: tuple[str, ...], ordered: list[str]) -> ParTable:
    """The parameter table of one step (mean structure, std.lv, Wu & Estabrook); user labels are not used."""
    pt = parse_model(model, ngroups=ngroups, meanstructure=True)
    latent = set(pt.attrs["latent"])
    keys: list[tuple | None] = []
    values = []
    for r in pt.itertuples():
        g, key, val = r.group, None, r.ustart
        own = (r.lhs, r.op, r.rhs, g)
        if r.op == "=~":
            key = (r.lhs, r.op, r.rhs) if "loadings" in equal else own
        elif r.op == "~~" and r.lhs == r.rhs and r.lhs in latent:
            key, val = (own, np.nan) if "loadings" in equal and g > 1 else (None, 1.0)
        elif r.op == "~~" and r.lhs == r.rhs and r.lhs in ordered:
            val = 0.0  # delta parameterization: not a parameter
        elif r.op == "~1" and r.lhs in latent:
            key, val = (own, np.nan) if "intercepts" in equal and g > 1 else (None, 0.0)
        elif r.op == "~1":
            free_nu = "thresholds" in equal and "intercepts" not in equal and g > 1
            key, val = (own, np.nan) if free_nu else (None, 0.0)
        elif r.free > 0:
            key = own
        keys.append(key)
        values.append(val)
    ids: dict[tuple, int] = {}
    free = [ids.setdefault(k, len(ids) + 1) if k is not None else 0 for k in keys]
    out = pt.copy()
    out["free"] = free
    out["ustart"] = [np.nan if f > 0 else v for f, v in zip(free, values, strict=True)]
    out["label"] = ""
    return out


def ordinal_invariance(data: pd.DataFrame, model: str, group: str, *, ordered: Any = True,
                       estimator: str = "WLSMV", missing: str = "listwise", steps: tuple[str, ...] | None = None,
                       lang: str = "nl"):  # fmt: skip
    """Fit the invariance steps for ordinal items and compare them.

    Parameters
    ----------
    data : DataFrame
        Answers and the group column.
    model : str
        The configural model (lavaan syntax; a CFA).
    group : str
        Column with the groups.
    ordered : True or list of str
        The ordinal items (``True``: every item).
    estimator : {"WLSMV", "ULSMV"}
    missing : {"listwise", "pairwise"}
    steps : sequence of str, optional
        A subset of ``configural, thresholds, loadings, intercepts`` (in this order).
    lang : {"nl", "en"}

    Returns
    -------
    InvarianceResult
        ``table``: ``step, chisq, df, pvalue, cfi, tli, rmsea, srmr`` (scaled), ``delta_chisq, delta_df,
        delta_pvalue`` (scaled-and-shifted difference test against the step before), ``delta_cfi, delta_rmsea,
        decision``, ``chisq_unscaled, npar``; ``fits``: the SEMResult of each step.
    """
    from relatie_lab.sem.invariance import InvarianceResult
    from relatie_lab.sem.ordinal import fit_ordinal_sem
    from relatie_lab.sem.wls import scaled_shifted_difference

    lang = check_lang(lang)
    names = list(ORDINAL_STEPS) if steps is None else list(steps)
    fits = {}
    rows = []
    prev = None
    for step in names:
        with single_thread_blas():
            res = fit_ordinal_sem(data, model, estimator=estimator, ordered=ordered, missing=missing,
                                  group=group, group_equal=(), seed=None, lang=lang,
                                  invariance_step=ORDINAL_STEPS[step],
                                  sample_stats=fits[names[0]].sample_stats if fits else None)  # fmt: skip
        fits[step] = res
        fi = res.fit_indices
        row = {"step": step, "chisq": fi["chisq_scaled"], "df": fi["df"], "pvalue": fi["pvalue_scaled"],
               "cfi": fi["cfi_scaled"], "tli": fi["tli_scaled"], "rmsea": fi["rmsea_scaled"], "srmr": fi["srmr"],
               "chisq_unscaled": fi["chisq"], "npar": fi["npar"]}  # fmt: skip
        if prev is None:
            row |= {"delta_chisq": np.nan, "delta_df": np.nan, "delta_pvalue": np.nan, "delta_cfi": np.nan,
                    "delta_rmsea": np.nan, "decision": "baseline"}  # fmt: skip
        else:
            with single_thread_blas():
                test = scaled_shifted_difference(fits[prev["step"]].raw, res.raw)
            dcfi = row["cfi"] - prev["cfi"]
            row |= {"delta_chisq": test["chisq_diff"], "delta_df": test["df_diff"], "delta_pvalue": test["pvalue"],
                    "delta_cfi": dcfi, "delta_rmsea": row["rmsea"] - prev["rmsea"],
                    "decision": "supported" if dcfi > -CFI_DROP else "not_supported"}  # fmt: skip
        rows.append(row)
        prev = row
    cols = ["step", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "delta_chisq", "delta_df", "delta_pvalue",
            "delta_cfi", "delta_rmsea", "decision", "chisq_unscaled", "npar"]  # fmt: skip
    first = next(iter(fits.values()))
    return InvarianceResult(pd.DataFrame(rows)[cols], fits, group, list(first.group_labels))
