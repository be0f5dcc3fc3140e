"""Modification indices of a fitted SEM, as lavaan 0.6's ``modindices(fit)``.

For every parameter the model leaves out (lavaan's ``lav_partable_full``: cross-loadings, residual covariances,
regressions between the model's variables, covariances of latent variables, and the fixed parameters of the model
itself) the model is extended with that parameter at zero (or at its fixed value). With the unit expected
information ``I`` of the extended model and the score ``s`` (the gradient of the log-likelihood per respondent) at
the estimates, the score test of one extra parameter ``j`` is

``mi = N s_j^2 / V_j``, with ``V_j = I_jj - I_j,m I_mm^-1 I_m,j`` (``m``: the model's free parameters),

its expected parameter change ``epc = s_j / V_j``, and ``sepc_lv``, ``sepc_all`` (``sepc_nox``) the change
standardized as lavaan does (variances in the standardization are the model's estimates). Under equality
constraints ``I_mm^-1`` is the constrained inverse (lavaan's augmented information). Parameters the
extended model cannot identify (``V_j`` below ``eps^(1/3)``) are left out, as lavaan does.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(7)
>>> f = rng.normal(size=(400, 2))
>>> X = f @ [[1, 0.8, 0.7, 0, 0, 0], [0, 0, 0.6, 1, 0.8, 0.7]] + rng.normal(size=(400, 6)) * 0.6
>>> df = pd.DataFrame(X, columns=["a1", "a2", "a3", "b1", "b2", "b3"])
>>> mi = fit_sem(df, "A =~ a1 + a2 + a3\\nB =~ b1 + b2 + b3").modification_indices()
>>> mi.iloc[0][["lhs", "op", "rhs"]].tolist()  # the cross-loading left out of the model comes first
['B', '=~', 'a3']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from relatie_lab.sem.constraints import constrained_inverse
from relatie_lab.sem.engine import Engine, single_thread_blas
from relatie_lab.sem.standardized import standardize

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.result import SEMResult

__all__ = ["candidate_rows", "modification_indices"]

COLUMNS = ["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all", "sepc_nox"]


def candidate_rows(pt: pd.DataFrame, observed: list[str], latent: list[str], ov_x: list[str],
                   meanstructure: bool) -> list[tuple[str, str, str]]:  # fmt: skip
    """Every parameter of lavaan's "full" parameter table of a model (``lav_partable_full``), for one group."""
    one = pt[pt.group == pt.group.min()]
    ov_nox = [v for v in observed if v not in ov_x]
    ov_ind = {r for r, o in zip(one.rhs, one.op, strict=True) if o == "=~" and r in observed}
    reg = one[one.op == "~"]
    eqs = list(dict.fromkeys([*reg.lhs, *reg.rhs]))
    rows: list[tuple[str, str, str]] = []
    rows += [(f, "=~", v) for f in latent for v in ov_nox if v not in eqs]
    other = {v for v in observed if v not in ov_ind}
    for j, a in enumerate(ov_nox):  # lower triangle, column by column: lhs comes first in the variable order
        for b in ov_nox[j:]:
            if a in other or b in other:
                continue
            rows.append((a, "~~", b))
    for j, a in enumerate(ov_x):
        rows += [(a, "~~", b) for b in ov_x[j:]]
    for j, a in enumerate(latent):
        rows += [(a, "~~", b) for b in latent[j:]]
    lat = set(latent)
    rows += [(y, "~", x) for y in eqs for x in eqs if y != x and not (y in ov_ind and x in lat)]
    if meanstructure:
        rows += [(v, "~1", "") for v in [*observed, *latent]]
    return rows


def _extended(result: SEMResult) -> tuple[Engine, np.ndarray, pd.DataFrame, int]:
    """The model with every candidate parameter free: its engine, parameter vector, table and number of model
    parameters (the first ``q`` entries of the vector are the model's own free parameters)."""
    eng = result.engine
    pt = result.partable
    values = result.estimates["est"].to_numpy(float)[: len(pt)]
    ov_x = [eng.ov[i] for i in eng.x_idx]
    cands = candidate_rows(pt, list(eng.ov), list(eng.lv), ov_x, eng.meanstructure)
    key = set()
    for lhs, op, rhs, g in zip(pt.lhs, pt.op, pt.rhs, pt.group, strict=True):
        key.add((lhs, op, rhs, g))
        if op == "~~":
            key.add((rhs, op, lhs, g))
    ext = pt[["lhs", "op", "rhs", "group", "label", "free", "ustart", "exo"]].copy()
    ext["value"] = values
    ext["user"] = np.where(ext.free > 0, 1, 10)  # 10: an extra parameter (lavaan's mark)
    q = int(pt.free.max()) if len(pt) else 0
    new = [{"lhs": lhs, "op": op, "rhs": rhs, "group": g, "label": "", "free": 0, "ustart": 0.0, "exo": 0,
            "value": 0.0, "user": 10}
           for g in range(1, eng.G + 1) for lhs, op, rhs in cands if (lhs, op, rhs, g) not in key]  # fmt: skip
    if new:
        ext = pd.concat([ext, pd.DataFrame(new)], ignore_index=True)
    extra = ext.user == 10
    ext.loc[extra, "free"] = q + np.arange(1, int(extra.sum()) + 1)
    ext["exo"] = 0
    ext["ustart"] = np.nan
    ext["start"] = np.nan
    ext.attrs = {"observed": list(eng.ov), "latent": list(eng.lv), "ov_x": [], "ngroups": eng.G,
                 "meanstructure": eng.meanstructure}  # fmt: skip
    theta = np.empty(int(ext.free.max()))
    theta[ext.free.to_numpy() - 1] = ext.value.to_numpy()
    theta[:q] = result.raw.theta
    data = [gd.X for gd in eng.groups]
    eng_ext = Engine(ext, data, meanstructure=eng.meanstructure)
    return eng_ext, theta, ext, q


def _info_and_score(eng: Engine, theta: np.ndarray, x_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit expected information and the log-likelihood gradient per respondent, both without the moments of the
    fixed.x covariates alone (lavaan leaves those out: they are not modelled)."""
    if not len(x_idx):  # the engine's own (memory-light) information and gradient
        return 0.5 * eng.expected_info(theta), -0.5 * eng.objective(theta)[1]
    q = len(theta)
    info = np.zeros((q, q))
    score = np.zeros(q)
    for g, gd in enumerate(eng.groups):
        Sigma, mu, dS, dm = eng.delta(theta, g)
        if len(x_idx):
            dS[:, x_idx[:, None], x_idx[None, :]] = 0.0
            dm[:, x_idx] = 0.0
        if not eng.meanstructure:
            dm = np.zeros_like(dm)
        _, G, gm = eng._group_terms(Sigma, mu, gd, eng.meanstructure)
        grad = dS.reshape(q, -1) @ G.ravel() + (dm @ gm if eng.meanstructure else 0.0)
        if gd.complete:
            P = np.linalg.inv(Sigma)
            PdP = P[None] @ dS @ P[None]
            Hg = PdP.reshape(q, -1) @ dS.reshape(q, -1).T + 2 * dm @ P @ dm.T
        else:  # expected information of the missing-data patterns (lavaan's h1 "structured", expected)
            p = eng.p
            M = gd.masks
            mm = M[:, :, None] & M[:, None, :]
            Sstar = np.where(mm, Sigma[None], 0.0)
            Sstar[:, np.arange(p), np.arange(p)] += ~M
            K = np.linalg.inv(Sstar) * mm
            w = gd.n / gd.N
            Hg = 2 * dm @ np.einsum("j,jab->ab", w, K) @ dm.T
            for j in range(len(w)):
                KD = K[j][None] @ dS
                Hg += w[j] * KD.reshape(q, -1) @ KD.transpose(0, 2, 1).reshape(q, -1).T
        fg = gd.N / eng.N
        info += fg * 0.25 * (Hg + Hg.T)
        score += fg * -0.5 * grad
    return info, score


def modification_indices(result: SEMResult, minimum: float = 0.0) -> pd.DataFrame:
    """Modification indices, expected parameter changes and their standardized versions, sorted by ``mi``.

    Parameters
    ----------
    result : SEMResult
        A fitted model (ML, MLR; complete data or FIML).
    minimum : float
        Leave out rows with a smaller ``mi``.

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, mi, epc, sepc_lv, sepc_all, sepc_nox`` (+ ``group`` for a multi-group model), one row per
        parameter the model leaves out, largest ``mi`` first.
    """
    from relatie_lab.errors import SurveyError
    from relatie_lab.labels import label

    with single_thread_blas():
        eng_ext, theta, ext, q = _extended(result)
        info, score = _info_and_score(eng_ext, theta, result.engine.x_idx)
    extra = np.flatnonzero(ext.user.to_numpy() == 10)
    k = ext.free.to_numpy()[extra] - 1
    model = np.arange(q)
    try:
        I22_inv = constrained_inverse(result.engine, info[np.ix_(model, model)]) if q else np.zeros((0, 0))
    except np.linalg.LinAlgError as exc:
        raise SurveyError(label("sem_err_mi_singular", result.lang)) from exc
    I12 = info[np.ix_(k, model)]
    v_diag = np.diag(info[np.ix_(k, k)]) - np.einsum("ij,jk,ik->i", I12, I22_inv, I12)
    v_diag = np.where(v_diag < np.finfo(float).eps ** (1 / 3), np.nan, v_diag)
    N = result.engine.N
    s = score[k]
    mi = N * s * s / v_diag
    epc_all = np.zeros(len(ext))
    epc_all[extra] = s / v_diag
    # standardized EPC: variances of the model at their estimates (lavaan's cov.std), the EPC elsewhere
    EPC = epc_all.copy()
    var = ((ext.op == "~~") & (ext.lhs == ext.rhs)).to_numpy()
    exo = np.zeros(len(ext), bool)
    exo[: len(result.partable)] = result.partable["exo"].to_numpy() == 1
    EPC[var & ~exo] = ext.value.to_numpy()[var & ~exo]
    small = var & (np.abs(EPC) < math.sqrt(np.finfo(float).eps))
    EPC[small] = np.nan
    sign = np.sign(epc_all)
    std = {}
    for kind in ("lv", "all", "nox"):
        z = sign * standardize(result.engine, result.raw.theta, ext, np.abs(EPC), kind)
        z[small] = 0.0
        std[kind] = z[extra]
    out = pd.DataFrame({
        "lhs": ext.lhs.to_numpy()[extra], "op": ext.op.to_numpy()[extra], "rhs": ext.rhs.to_numpy()[extra],
        "mi": mi, "epc": s / v_diag, "sepc_lv": std["lv"], "sepc_all": std["all"], "sepc_nox": std["nox"],
    })  # fmt: skip
    if result.group:
        out["group"] = [result.group_labels[g - 1] for g in ext.group.to_numpy()[extra]]
    out = out[np.isfinite(out.mi)]
    if minimum > 0:
        out = out[out.mi > minimum]
    return out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
