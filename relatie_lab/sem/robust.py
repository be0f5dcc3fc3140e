"""Robust corrections: the Yuan-Bentler scaled test and lavaan's robust CFI/TLI/RMSEA.

The scaled test follows lavaan's ``yuan.bentler.mplus``; the robust CFI/TLI/RMSEA lavaan 0.6's
``cfi.robust``/``tli.robust``/``rmsea.robust`` (Brosseau-Liard & Savalei for complete data, the FIML-corrected
version of Zhang & Savalei for missing data). The functions take the :class:`~relatie_lab.sem.engine.Engine`
(``eng``) and are its methods of the same name.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from relatie_lab.sem.fit_indices import cfi, tli

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine, EngineFit

__all__ = ["baseline_engine", "robust_indices", "yb_trace"]


def yb_trace(eng: Engine, theta: np.ndarray, h1: list, info_obs: np.ndarray) -> float:
    """trace(U Gamma) of lavaan's yuan.bentler.mplus test for the model ``theta``."""
    E_inv = np.linalg.inv(info_obs / eng.N)  # per-case information
    B0s = eng.model_score_crossprod(theta)
    trace = 0.0
    p = eng.p
    for g, gd in enumerate(eng.groups):
        cov1, mean1, _ = h1[g]
        C1 = eng.h1_score_crossprod(g, cov1, mean1)
        A1 = eng._h1_info_cached(g, cov1, mean1) if not gd.complete else eng._h1_info_blocks_complete(cov1)
        keep = eng._h1_keep()
        if not eng.meanstructure:
            keep = keep[p:]
            C1, A1 = C1[p:, p:], A1[p:, p:]
        C1, A1 = C1[np.ix_(keep, keep)], A1[np.ix_(keep, keep)]
        B1 = C1 / gd.N
        fg = gd.N / eng.N
        B0 = B0s[g] / gd.N
        trace += float(np.sum(np.linalg.inv(A1) * B1.T)) - fg * float(np.sum(B0 * E_inv.T))
    return trace


def h1_keep(eng: Engine) -> np.ndarray:
    """Saturated-model elements (mu, vech Sigma) that are not fixed.x-only (lavaan zeroes those)."""
    p = eng.p
    isx = np.zeros(p, bool)
    isx[eng.x_idx] = True
    iu = np.triu_indices(p)
    return np.concatenate([~isx, ~(isx[iu[0]] & isx[iu[1]])])


def robust_indices(eng: Engine, res: EngineFit, h1: list) -> dict[str, float]:
    """Yuan-Bentler (Mplus) scaled chi-square and lavaan's robust CFI/TLI/RMSEA."""
    out: dict[str, float] = {}
    df = res.df
    if res.info_observed is None or df <= 0:
        return {"chisq_scaled": math.nan, "scaling_factor": math.nan, "pvalue_scaled": math.nan,
                "cfi_robust": math.nan, "tli_robust": math.nan, "rmsea_robust": math.nan}  # fmt: skip
    c = eng.yb_trace(res.theta, h1, res.info_observed) / df
    T = res.chisq
    out["scaling_factor"] = c
    out["chisq_scaled"] = T / c
    out["pvalue_scaled"] = float(stats.chi2.sf(T / c, df))
    # baseline model with its own scaling factor
    cb, Tb, dfb = eng._baseline_scaling(h1)
    out["baseline_chisq_scaled"] = Tb / cb if np.isfinite(cb) else math.nan
    out["baseline_scaling_factor"] = cb
    N, G = eng.N, eng.G
    if eng.complete:
        out["cfi_robust"] = cfi(T, df, Tb, dfb, c, cb)
        out["tli_robust"] = tli(T, df, Tb, dfb, c, cb)
        out["rmsea_robust"] = math.sqrt(max(T / N / df - c / N, 0.0)) * math.sqrt(G)
    else:
        fc = eng._fiml_corrected(res, h1)
        out.update(fc)
    out["cfi_scaled"] = cfi(T / c, df, Tb / cb, dfb)
    out["tli_scaled"] = tli(T / c, df, Tb / cb, dfb)
    return out


def baseline_engine(eng: Engine) -> tuple[Engine, np.ndarray]:
    from relatie_lab.sem.syntax import parse_model

    xset = {eng.ov[i] for i in eng.x_idx}
    lines = [f"{v} ~~ {v}" for v in eng.ov if v not in xset]
    if xset:  # fixed.x covariates: their (co)variances and means stay fixed at the sample values
        moments = [eng._sample_moments(gd) for gd in eng.groups]

        def fixed(vals: list[float]) -> str:
            return f"c({', '.join(repr(float(v)) for v in vals)})" if eng.G > 1 else repr(float(vals[0]))

        xi = list(eng.x_idx)
        for a_, ia in enumerate(xi):
            for ib in xi[a_:]:
                lines.append(f"{eng.ov[ia]} ~~ {fixed([c[ia, ib] for _, c in moments])}*{eng.ov[ib]}")
            if eng.meanstructure:
                lines.append(f"{eng.ov[ia]} ~ {fixed([m[ia] for m, _ in moments])}*1")
    ptb = parse_model("\n".join(lines), ngroups=eng.G, meanstructure=eng.meanstructure)
    ptb.attrs["observed"] = eng.ov
    from relatie_lab.sem.engine import Engine

    eb = Engine(ptb, [gd.X for gd in eng.groups], meanstructure=eng.meanstructure)
    eb.x_idx, eb.n_ov_x = eng.x_idx, eng.n_ov_x
    theta, _, _ = eb.optimize()
    return eb, theta


def fiml_corrected(eng: Engine, res: EngineFit, h1: list) -> dict[str, float]:
    """lavaan 0.6's robust RMSEA/CFI/TLI for missing data: FIML-corrected (V3), Zhang & Savalei."""
    N, G, df = eng.N, eng.G, res.df
    iu = np.triu_indices(eng.p)

    def parts(eng: Engine, theta: np.ndarray) -> tuple[float, float]:
        # chi-square of the model evaluated (not refitted) at the EM moments taken as complete data
        xx = 0.0
        Ds = []
        for g in range(eng.G):
            cov1, mean1, _ = h1[g]
            Sigma, mu, dS, dm = eng.delta(theta, g)
            P = np.linalg.inv(Sigma)
            d = mean1 - mu
            _, ld = np.linalg.slogdet(Sigma)
            _, ld1 = np.linalg.slogdet(cov1)
            fg = ld + np.trace(P @ cov1) + d @ P @ d - ld1 - eng.p
            xx += eng.groups[g].N * fg
            Ds.append(np.hstack([dm, dS[:, iu[0], iu[1]]]).T)
        return xx, Ds

    Wm, Jm, Wc, Wmi, fgs = [], [], [], [], []
    for g, gd in enumerate(eng.groups):
        cov1, mean1, _ = h1[g]
        fg = gd.N / N
        A1 = eng._h1_info_cached(g, cov1, mean1)
        Wm.append(fg * A1)
        Wmi.append(np.linalg.inv(A1) / fg)
        Jm.append(eng.h1_score_crossprod(g, cov1, mean1) / gd.N)
        Wc.append(fg * eng._h1_info_blocks_complete(cov1))
        fgs.append(fg)
    from scipy.linalg import block_diag

    Wm_a, Wc_a, Wmi_a = block_diag(*Wm), block_diag(*Wc), block_diag(*Wmi)
    Gam = block_diag(*[np.linalg.inv(Wm[g] / fgs[g]) @ Jm[g] @ np.linalg.inv(Wm[g] / fgs[g]) / fgs[g]
                       for g in range(G)])  # fmt: skip
    M = Wmi_a @ Wc_a @ Wmi_a

    def k_of(eng: Engine, theta: np.ndarray) -> tuple[float, float]:
        xx, Ds = parts(eng, theta)
        D = np.vstack(Ds)
        E = D.T @ Wm_a @ D
        U = Wm_a - Wm_a @ D @ np.linalg.solve(E, D.T @ Wm_a)
        return xx, float(np.trace(U @ M @ U @ Gam))

    xx3, k = k_of(eng, res.theta)
    c3 = k / df
    eb, tb = eng._baseline_engine()
    dfb = eb.n_moments() - eb.q
    xxb, kb = k_of(eb, tb)
    cb = kb / dfb
    return {
        "rmsea_robust": math.sqrt(max(xx3 / N / df - c3 / N, 0.0)) * math.sqrt(G),
        "cfi_robust": cfi(xx3, df, xxb, dfb, c3, cb),
        "tli_robust": tli(xx3, df, xxb, dfb, c3, cb),
    }


def baseline_scaling(eng: Engine, h1: list) -> tuple[float, float, int]:
    eb, theta = eng._baseline_engine()
    eb.__dict__["_h1_info_cache"] = eng.__dict__.setdefault("_h1_info_cache", {})
    eb.__dict__["_w_moments"] = eng.__dict__.setdefault("_w_moments", {})
    llb = eb.loglik(theta)
    ll1 = sum(x[2] for x in h1)
    Tb = 2 * (ll1 - llb)
    dfb = eb.n_moments() - eb.q
    try:
        cb = eb.yb_trace(theta, h1, eb.observed_info(theta)) / dfb
    except np.linalg.LinAlgError:
        cb = math.nan
    return cb, Tb, dfb
