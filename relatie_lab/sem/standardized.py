"""Standardized solutions (lavaan's ``std.lv``, ``std.all``, ``std.nox``) and R² of a fitted SEM.

lavaan 0.6's rules (``lav_standardize_lv``, ``lav_standardize_all``, ``lav_standardize_all_nox``), for any list of
parameter rows and values (the model's own rows, or the expected parameter changes of the modification indices):

- ``lv``: only the latent variables are scaled, by their model-implied total standard deviation; a covariance of
  two latent variables is divided by the square roots of their (residual) variances (``cov.std``);
- ``all``: ``lv``, then the observed variables too, by their model-implied standard deviation; a residual
  covariance of two observed variables becomes a residual correlation;
- ``nox``: as ``all``, but exogenous observed covariates (``fixed.x``) keep their own scale.

R² (``lavInspect(fit, "r2")``) is one minus the ``std.all`` residual variance of every indicator and every
dependent variable.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(4)
>>> f = rng.normal(size=(300, 1))
>>> x = rng.normal(size=300)
>>> df = pd.DataFrame(f @ [[1.0, 0.8, 0.6]] + rng.normal(size=(300, 3)) * 0.7, columns=["a", "b", "c"])
>>> df["y"] = 0.5 * f[:, 0] + rng.normal(size=300)
>>> res = fit_sem(df, "F =~ a + b + c\\ny ~ F")
>>> sorted(res.r_squared.index)
['a', 'b', 'c', 'y']
>>> row = res.estimates.query("op == '=~' and rhs == 'a'").iloc[0]
>>> var_f = res.estimates.query("op == '~~' and lhs == 'F'")["est"].iloc[0]
>>> bool(np.isclose(row["std_lv"], np.sqrt(var_f)))  # the marker loading (1) times the factor's standard deviation
True
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine
    from relatie_lab.sem.result import SEMResult

__all__ = ["add_std_columns", "r_squared", "standardize"]

KINDS = ("lv", "all", "nox")


def _scales(eng: Engine, theta: np.ndarray, g: int) -> tuple[dict[str, float], dict[str, float]]:
    """Model-implied standard deviations of the observed (``OV``) and latent (``ETA``) variables in group g."""
    Sfull, _ = eng.implied_full(theta, g)
    var = np.diag(Sfull).copy()
    with np.errstate(invalid="ignore"):
        ov_var = var[: eng.p].copy()
        ov_var[np.abs(ov_var) < np.finfo(float).eps] = np.nan
        sd = np.sqrt(np.where(var < 0, np.nan, var))
        sd[: eng.p] = np.sqrt(np.where(ov_var < 0, np.nan, ov_var))
    names = eng.ov + eng.lv
    ov = {v: float(sd[i]) for i, v in enumerate(names[: eng.p])}
    lv = {v: float(sd[eng.p + i]) for i, v in enumerate(eng.lv)}
    return ov, lv


def standardize(eng: Engine, theta: np.ndarray, rows: pd.DataFrame, values: np.ndarray, kind: str = "all",
                x_names: list[str] | None = None) -> np.ndarray:  # fmt: skip
    """Standardize ``values`` of parameter ``rows`` (columns ``lhs, op, rhs, group`` (1-based)) as lavaan does.

    Parameters
    ----------
    eng : Engine
        The fitted model's engine (for the model-implied variances).
    theta : array
        The estimates.
    rows : DataFrame
        Parameter rows; residual variances needed for ``cov.std`` are taken from the ``~~`` rows with
        ``lhs == rhs`` among them (as lavaan does).
    values : array
        One value per row.
    kind : {"lv", "all", "nox"}
        lavaan's ``std.lv``, ``std.all`` or ``std.nox``.
    x_names : list of str, optional
        The exogenous observed covariates (default: the engine's fixed.x covariates).

    Returns
    -------
    array
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    values = np.asarray(values, dtype=float)
    out = values.copy()
    lv_set = set(eng.lv)
    ov_set = set(eng.ov)
    xs = set(eng.ov[i] for i in eng.x_idx) if x_names is None else set(x_names)
    lhs, op, rhs = rows["lhs"].to_numpy(), rows["op"].to_numpy(), rows["rhs"].to_numpy()
    group = rows["group"].to_numpy() if "group" in rows else np.ones(len(rows), int)
    for g in range(eng.G):
        sel = np.flatnonzero(group == g + 1)
        if not len(sel):
            continue
        OV, ETA = _scales(eng, theta, g)
        rv_lv = {lhs[i]: math.sqrt(abs(values[i])) for i in sel if op[i] == "~~" and lhs[i] == rhs[i]
                 and lhs[i] in lv_set}  # fmt: skip
        rv_ov = {lhs[i]: math.sqrt(abs(values[i])) for i in sel if op[i] == "~~" and lhs[i] == rhs[i]
                 and lhs[i] not in lv_set}  # fmt: skip
        with np.errstate(invalid="ignore", divide="ignore"):
            for i in sel:  # latent variables (std.lv)
                a, o, b = lhs[i], op[i], rhs[i]
                v = out[i]
                if o == "=~":
                    v = v * ETA.get(a, np.nan) / (ETA[b] if b in lv_set else 1.0)
                elif o in ("~", "<~"):
                    v = v / (ETA[a] if a in lv_set else 1.0) * (ETA[b] if b in lv_set else 1.0)
                elif o == "~~" and a == b and a in lv_set:
                    v = v / ETA[a] ** 2
                elif o == "~~" and a != b:
                    if a in lv_set:
                        v = v / rv_lv.get(a, np.nan)
                    if b in lv_set:
                        v = v / rv_lv.get(b, np.nan)
                elif o == "~1" and a in lv_set:
                    v = v / ETA[a]
                out[i] = v
            if kind == "lv":
                continue
            scale_x = kind == "all"
            for i in sel:  # observed variables (std.all / std.nox)
                a, o, b = lhs[i], op[i], rhs[i]
                v = out[i]
                if o == "=~" and b not in lv_set:
                    v = v / OV[b]
                elif o in ("~", "<~"):
                    if a in ov_set:
                        v = v / OV[a]
                    if b in ov_set and (scale_x or b not in xs):
                        v = v * OV[b]
                elif o == "~~" and a == b and a not in lv_set:
                    if scale_x or a not in xs:
                        v = v / OV[a] ** 2
                elif o == "~~" and a != b:
                    if a not in lv_set and (scale_x or a not in xs):
                        v = v / rv_ov.get(a, np.nan)
                    if b not in lv_set and (scale_x or b not in xs):
                        v = v / rv_ov.get(b, np.nan)
                elif o == "~1" and a not in lv_set and (scale_x or a not in xs):
                    v = v / OV[a]
                out[i] = v
    return out


def add_std_columns(est: pd.DataFrame, eng: Engine, theta: np.ndarray, pt: pd.DataFrame,
                    defined: list | None = None) -> pd.DataFrame:  # fmt: skip
    """``est`` (the estimates table) with the columns ``std_lv`` and ``std_nox`` (also for ``:=`` rows)."""
    from relatie_lab.sem.result import defined_values

    n = len(pt)
    values = est["est"].to_numpy(float)[:n]
    rows = pt[["lhs", "op", "rhs", "group"]]
    labels = pt["label"].tolist()
    defined = pt.attrs.get("defined", []) if defined is None else defined
    for kind in ("lv", "nox"):
        std = standardize(eng, theta, rows, values, kind)
        col = np.full(len(est), np.nan)
        col[:n] = std
        if defined and len(est) > n:
            dv = defined_values(pt, std, labels, defined)
            names = est["lhs"].to_numpy()[n:]
            col[n:] = [dv.get(d, np.nan) for d in names]
        est[f"std_{kind}"] = col
    return est


def r_squared(result: SEMResult) -> pd.Series:
    """R² of every indicator and every dependent variable (observed or latent), as ``lavInspect(fit, "r2")``.

    One minus the standardized residual variance. Multi-group models: a Series with a (group, variable) index.
    """
    est = result.estimates
    n = len(result.partable)
    pt = est.iloc[:n]
    out = {}
    groups = result.group_labels if result.group else [None]
    for g, glabel in enumerate(groups):
        sub = pt if glabel is None else pt[result.partable["group"].to_numpy() == g + 1]
        ys = list(dict.fromkeys([*sub.rhs[sub.op == "=~"], *sub.lhs[sub.op == "~"]]))
        var = sub[(sub.op == "~~") & (sub.lhs == sub.rhs) & sub.lhs.isin(ys)]
        for r in var.itertuples():
            out[(glabel, r.lhs) if glabel is not None else r.lhs] = 1.0 - float(r.std_all)
    s = pd.Series(out, name="r2", dtype=float)
    if result.group:
        s.index = pd.MultiIndex.from_tuples(list(out), names=["group", "variable"])
    else:
        s.index.name = "variable"
    return s
