"""Robust corrections beyond MLR (MLM, cluster, robust indices under ML with FIML), as lavaan 0.6 computes them.

- **MLM** (``estimator="MLM"``, complete data): ML estimates; standard errors from the sandwich
  ``E^-1 (sum_g f_g D'W Gamma W D) E^-1 / N`` with the expected information ``E`` and the asymptotic covariance
  matrix ``Gamma`` of the sample moments (fourth moments, divide by N); the Satorra-Bentler scaled test with
  scaling factor ``tr(U Gamma) / df``; robust CFI/TLI/RMSEA with the baseline model's own scaling factor.
- **cluster-robust MLR** (``cluster="col"``): the casewise scores are summed per cluster, times
  ``nC / (nC - 1)`` (lavaan's ``robust.cluster``), in both the sandwich and the Yuan-Bentler (Mplus) test; lavaan
  adds the mean structure.
- **robust CFI/TLI/RMSEA under plain ML with FIML**: lavaan's FIML-corrected indices, version V6
  (``lav_fit_fiml_corrected``): ``k = tr(Wc Wm^-1 U Wm^-1)`` with the observed saturated information at the EM
  moments of the data (``Wm``) and as if those moments were complete data (``Wc``).

The moments of fixed.x covariates alone are left out of every weight matrix, as in lavaan; with equality or
active inequality constraints the information is inverted in the directions the constraints leave free.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(10)
>>> f = rng.normal(size=(300, 1))
>>> e = rng.chisquare(3, size=(300, 4)) - 3
>>> df = pd.DataFrame(f @ [[1.0, 0.8, 0.7, 0.6]] + 0.4 * e, columns=list("abcd"))
>>> res = fit_sem(df, "F =~ a + b + c + d", estimator="MLM")
>>> sorted(k for k in res.fit_indices if k.endswith("_robust"))
['cfi_robust', 'rmsea_robust', 'tli_robust']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from relatie_lab.sem.constraints import constrained_inverse
from relatie_lab.sem.fit_indices import cfi as _cfi
from relatie_lab.sem.fit_indices import tli as _tli

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine, EngineFit

__all__ = ["cluster_robust", "fiml_robust_indices", "mlm", "satorra_bentler_trace"]


def _chi2_sf(x: float, df: int) -> float:
    from scipy import special

    return float(special.chdtrc(df, x))


def block_diag(*blocks: np.ndarray) -> np.ndarray:
    """Block-diagonal matrix (as scipy.linalg.block_diag, without importing scipy.linalg)."""
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    i = 0
    for b in blocks:
        k = b.shape[0]
        out[i : i + k, i : i + k] = b
        i += k
    return out


def _moments_index(eng: Engine) -> np.ndarray:
    """Which of (mu, vech Sigma) the model uses: no means without a mean structure, no fixed.x-only moments."""
    keep = eng._h1_keep()
    if not eng.meanstructure:
        keep = keep.copy()
        keep[: eng.p] = False
    return np.flatnonzero(keep)


def _delta(eng: Engine, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sigma, mu and the Jacobian D ((p + p*) x q) of (mu, vech Sigma) wrt theta in group g."""
    iu = np.triu_indices(eng.p)
    Sigma, mu, dS, dm = eng.delta(theta, g)
    return Sigma, mu, np.hstack([dm, dS[:, iu[0], iu[1]]]).T


def _gamma(eng: Engine, g: int) -> np.ndarray:
    """ADF covariance matrix of (mean, vech cov) of the complete data of group g (divide by N).

    With fixed.x covariates, lavaan's ``lav_samplestats_Gamma(fixed.x = TRUE)``: the moments of the data minus
    those of the values predicted by the covariates (OLS), so the covariates' own sampling variance drops out.
    """
    gd = eng.groups[g]
    if not len(eng.x_idx):
        W, wsum = eng._complete_moments(g)
        m = wsum / gd.N
        return W / gd.N - np.outer(m, m)
    X = gd.X
    xi = eng.x_idx
    yi = np.setdiff1d(np.arange(eng.p), xi)
    Z1 = np.column_stack([np.ones(len(X)), X[:, xi]])
    yhat = Z1 @ np.linalg.lstsq(Z1, X[:, yi], rcond=None)[0]
    Xhat = X.copy()
    Xhat[:, yi] = yhat
    iu = np.triu_indices(eng.p)

    def w(M: np.ndarray) -> np.ndarray:
        c = M - M.mean(axis=0)
        return np.hstack([M, c[:, iu[0]] * c[:, iu[1]]])

    Z = w(X) - w(Xhat)
    Zc = Z - Z.mean(axis=0)
    return Zc.T @ Zc / gd.N


def baseline(eng: Engine) -> tuple[Engine, np.ndarray]:
    """The independence model of ``eng``'s data and its ML (FIML) estimates, without an optimiser run.

    With a diagonal covariance matrix (the fixed.x covariates as one fixed block) the likelihood factorizes by
    variable, so the estimates are each variable's mean and (divide-by-n) variance over the answers given.
    """
    import copy

    from relatie_lab.sem.syntax import parse_model

    xset = {eng.ov[i] for i in eng.x_idx}
    lines = [f"{v} ~~ {v}" for v in eng.ov if v not in xset]
    moments = [eng._sample_moments(gd) for gd in eng.groups]
    xi = list(eng.x_idx)

    def fixed(vals: list[float]) -> str:
        return f"c({', '.join(repr(float(v)) for v in vals)})" if eng.G > 1 else repr(float(vals[0]))

    for a_, ia in enumerate(xi):
        lines += [f"{eng.ov[ia]} ~~ {fixed([c[ia, ib] for _, c in moments])}*{eng.ov[ib]}" for ib in xi[a_:]]
        if eng.meanstructure:
            lines.append(f"{eng.ov[ia]} ~ {fixed([m[ia] for m, _ in moments])}*1")
    ptb = parse_model("\n".join(lines), ngroups=eng.G, meanstructure=eng.meanstructure)
    eb = copy.copy(eng)  # the same data (no second pass over the rows), another model
    for key in ("_h1_info_cache", "_w_moments", "_em_cache"):
        eb.__dict__.pop(key, None)
    eb.pt = ptb.reset_index(drop=True)
    eb.pt.attrs = {}
    eb.lv, eb.nv = [], eng.p
    eb._compile()
    eb.constraints = None
    theta = np.zeros(eb.q)
    idx = {v: i for i, v in enumerate(eng.ov)}
    for r in eb.pt.itertuples():
        if r.free <= 0:
            continue
        X = eng.groups[r.group - 1].X[:, idx[r.lhs]]
        X = X[np.isfinite(X)]
        theta[r.free - 1] = X.var() if r.op == "~~" else X.mean()
    return eb, theta


def satorra_bentler_trace(eng: Engine, theta: np.ndarray) -> tuple[float, np.ndarray]:
    """``tr(U Gamma)`` of the Satorra-Bentler test and the MLM covariance matrix of the estimates (complete data)."""
    keep = _moments_index(eng)
    q = eng.q
    E = np.zeros((q, q))
    meat = np.zeros((q, q))
    tr_wg = 0.0
    for g, gd in enumerate(eng.groups):
        fg = gd.N / eng.N
        Sigma, _, D = _delta(eng, theta, g)
        W = eng._h1_info_blocks_complete(Sigma)[np.ix_(keep, keep)]
        Gam = _gamma(eng, g)[np.ix_(keep, keep)]
        WD = W @ D[keep]
        E += fg * D[keep].T @ WD
        meat += fg * WD.T @ Gam @ WD
        tr_wg += float(np.sum(W * Gam.T))
    E_inv = constrained_inverse(eng, E)
    trace = tr_wg - float(np.sum(E_inv * meat.T))
    return trace, E_inv @ meat @ E_inv / eng.N


def mlm(eng: Engine, res: EngineFit) -> tuple[np.ndarray, dict[str, float]]:
    """MLM standard errors (covariance matrix) and the Satorra-Bentler test with robust CFI/TLI/RMSEA."""
    nan = math.nan
    try:
        trace, vcov = satorra_bentler_trace(eng, res.theta)
    except np.linalg.LinAlgError:
        return np.full((eng.q, eng.q), nan), {}
    df, T, N, G = res.df, res.chisq, eng.N, eng.G
    out: dict[str, float] = {}
    if df > 0:
        c = trace / df
        out |= {"scaling_factor": c, "chisq_scaled": T / c, "pvalue_scaled": _chi2_sf(T / c, df)}
        eb, tb = baseline(eng)
        dfb = eb.n_moments() - eb.q
        Tb = res.fit.get("baseline_chisq", nan)
        try:
            cb = satorra_bentler_trace(eb, tb)[0] / dfb
        except np.linalg.LinAlgError:
            cb = nan
        out |= {"baseline_chisq_scaled": Tb / cb, "baseline_scaling_factor": cb,
                "cfi_scaled": _cfi(T / c, df, Tb / cb, dfb), "tli_scaled": _tli(T / c, df, Tb / cb, dfb),
                "cfi_robust": _cfi(T, df, Tb, dfb, c, cb), "tli_robust": _tli(T, df, Tb, dfb, c, cb),
                "rmsea_robust": math.sqrt(max(T / N / df - c / N, 0.0)) * math.sqrt(G)}  # fmt: skip
    return vcov, out


# --------------------------------------------------------------------------------------------------
def _cluster_crossprod(eng: Engine, g: int, Sigma: np.ndarray, mu: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Sum over clusters of (summed casewise saturated scores)(...)' times nC / (nC - 1) (lavaan)."""
    scores = eng.casewise_h1_scores(g, Sigma, mu)
    _, inv = np.unique(ids, return_inverse=True)
    nC = int(inv.max()) + 1
    sums = np.zeros((nC, scores.shape[1]))
    np.add.at(sums, inv.ravel(), scores)
    return sums.T @ sums * (nC / (nC - 1))


def _cluster_parts(eng: Engine, res: EngineFit, clusters: list[np.ndarray]) -> tuple[np.ndarray, float]:
    """The cluster-robust meat ``sum_g D' C_g D`` and ``trace(U Gamma)`` of the Yuan-Bentler (Mplus) test."""
    keep = _moments_index(eng)
    h1 = eng.h1()
    E_inv = constrained_inverse(eng, res.info_observed / eng.N)
    B = np.zeros((eng.q, eng.q))
    trace = 0.0
    for g, gd in enumerate(eng.groups):
        Sigma, mu, D = _delta(eng, res.theta, g)
        if not eng.meanstructure:
            mu = eng._sample_moments(gd)[0]
        B0 = D.T @ _cluster_crossprod(eng, g, Sigma, mu, clusters[g]) @ D
        B += B0
        cov1, mean1, _ = h1[g]
        C1 = _cluster_crossprod(eng, g, cov1, mean1, clusters[g])[np.ix_(keep, keep)]
        A1 = eng._h1_info_blocks_complete(cov1) if gd.complete else eng._h1_info_blocks(g, cov1, mean1)
        A1 = A1[np.ix_(keep, keep)]
        fg = gd.N / eng.N
        trace += float(np.sum(np.linalg.inv(A1) * (C1 / gd.N).T)) - fg * float(np.sum((B0 / gd.N) * E_inv.T))
    return B, trace


def cluster_robust(eng: Engine, res: EngineFit, clusters: list[np.ndarray]) -> tuple[np.ndarray, dict[str, float]]:
    """Cluster-robust (lavaan ``robust.cluster``) covariance matrix and Yuan-Bentler (Mplus) test.

    ``clusters``: per group the cluster id of every row of the group's data. ``res`` must hold the observed
    information (``res.info_observed``).
    """
    nan = math.nan
    B, trace = _cluster_parts(eng, res, clusters)
    inv = constrained_inverse(eng, res.info_observed)
    vcov = inv @ B @ inv
    df, T, N, G = res.df, res.chisq, eng.N, eng.G
    if df <= 0:
        return vcov, {"scaling_factor": nan, "chisq_scaled": nan, "pvalue_scaled": nan}
    c = trace / df
    out = {"scaling_factor": c, "chisq_scaled": T / c, "pvalue_scaled": _chi2_sf(T / c, df)}
    eb, tb = baseline(eng)
    dfb = eb.n_moments() - eb.q
    Tb = res.fit.get("baseline_chisq", nan)
    fake = type(res)(tb, True, 0, nan, Tb, dfb, eb.q, nan, nan, None, info_observed=eb.observed_info(tb))
    try:
        cb = _cluster_parts(eb, fake, clusters)[1] / dfb
    except np.linalg.LinAlgError:
        cb = nan
    out |= {"baseline_chisq_scaled": Tb / cb, "baseline_scaling_factor": cb,
            "cfi_scaled": _cfi(T / c, df, Tb / cb, dfb), "tli_scaled": _tli(T / c, df, Tb / cb, dfb)}  # fmt: skip
    if eng.complete:
        out |= {"cfi_robust": _cfi(T, df, Tb, dfb, c, cb), "tli_robust": _tli(T, df, Tb, dfb, c, cb),
                "rmsea_robust": math.sqrt(max(T / N / df - c / N, 0.0)) * math.sqrt(G)}  # fmt: skip
    else:
        out |= fiml_robust_indices(eng, res, version="V3", clusters=clusters)
    return vcov, out


# --------------------------------------------------------------------------------------------------
def fiml_robust_indices(eng: Engine, res: EngineFit, version: str = "V6",
                        clusters: list[np.ndarray] | None = None) -> dict[str, float]:  # fmt: skip
    """lavaan's FIML-corrected robust RMSEA/CFI/TLI (``lav_fit_fiml_corrected``): V6 under plain ML, V3 with a
    scaled test (``clusters``: cluster-robust first-order information)."""
    N, G, df = eng.N, eng.G, res.df
    h1 = eng.h1()
    keep = _moments_index(eng)

    def chisq_at_h1(e: Engine, theta: np.ndarray) -> tuple[float, np.ndarray]:
        xx = 0.0
        Ds = []
        for g in range(e.G):
            cov1, mean1, _ = h1[g]
            Sigma, mu, D = _delta(e, theta, g)
            P = np.linalg.inv(Sigma)
            d = mean1 - mu
            _, ld = np.linalg.slogdet(Sigma)
            _, ld1 = np.linalg.slogdet(cov1)
            xx += eng.groups[g].N * (ld + np.trace(P @ cov1) + d @ P @ d - ld1 - eng.p)
            Ds.append(D[keep])
        return xx, np.vstack(Ds)

    Wm, Wc, Wmi, Gam = [], [], [], []
    for g, gd in enumerate(eng.groups):
        cov1, mean1, _ = h1[g]
        fg = gd.N / N
        A1 = eng._h1_info_cached(g, cov1, mean1)[np.ix_(keep, keep)]
        A1_inv = np.linalg.inv(A1)
        Wm.append(fg * A1)
        Wmi.append(A1_inv / fg)
        Wc.append(fg * eng._h1_info_blocks_complete(cov1)[np.ix_(keep, keep)])
        if version == "V3":
            J = (_cluster_crossprod(eng, g, cov1, mean1, clusters[g]) if clusters is not None
                 else eng.h1_score_crossprod(g, cov1, mean1))[np.ix_(keep, keep)] / gd.N  # fmt: skip
            Gam.append(A1_inv @ J @ A1_inv / fg)
    Wm_a, Wc_a, Wmi_a = block_diag(*Wm), block_diag(*Wc), block_diag(*Wmi)
    Gam_a = block_diag(*Gam) if Gam else None
    tr_wc_wmi = float(np.sum(Wc_a * Wmi_a.T))

    def k_of(e: Engine, theta: np.ndarray) -> tuple[float, float]:
        xx, D = chisq_at_h1(e, theta)
        WD = Wm_a @ D  # lavaan: the information with h1 = the unstructured (EM) moments, observed = "h1"
        E = D.T @ WD
        if version == "V3":
            U = Wm_a - WD @ np.linalg.solve(E, WD.T)
            return xx, float(np.trace(U @ Wmi_a @ Wc_a @ Wmi_a @ U @ Gam_a))
        # tr(Wc Wm^-1 U Wm^-1) with Wm^-1 U Wm^-1 = Wm^-1 - D E^-1 D'
        return xx, tr_wc_wmi - float(np.sum(np.linalg.inv(E) * (D.T @ Wc_a @ D)))

    try:
        xx3, k = k_of(eng, res.theta)
        eb, tb = baseline(eng)
        dfb = eb.n_moments() - eb.q
        xxb, kb = k_of(eb, tb)
    except np.linalg.LinAlgError:
        return {"cfi_robust": math.nan, "tli_robust": math.nan, "rmsea_robust": math.nan}
    c3, cb = k / df, kb / dfb
    return {
        "rmsea_robust": math.sqrt(max(xx3 / N / df - c3 / N, 0.0)) * math.sqrt(G),
        "cfi_robust": _cfi(xx3, df, xxb, dfb, c3, cb),
        "tli_robust": _tli(xx3, df, xxb, dfb, c3, cb),
    }
