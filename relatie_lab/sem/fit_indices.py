"""Fit indices: the saturated and baseline models, chi-square, CFI, TLI, RMSEA (with lavaan's CI), SRMR, AIC, BIC.

The functions take the :class:`~relatie_lab.sem.engine.Engine` (``eng``) and are its methods of the same name.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize, special, stats

from relatie_lab.sem.moments import GroupData, em_saturated

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine, EngineFit

__all__ = ["baseline", "cfi", "fit_indices", "h1", "rmsea_ci", "srmr", "tli"]


def rmsea_ci(chisq: float, df: float, n: float, g: int = 1, level: float = 0.90) -> tuple[float, float]:
    """lavaan's 90% confidence interval of the RMSEA, by inverting the noncentral chi-square.

    Examples
    --------
    >>> [round(v, 4) for v in rmsea_ci(85.306, 24, 301)]
    [0.0714, 0.1137]
    """
    if not (np.isfinite(chisq) and df >= 1):
        return (0.0, 0.0) if np.isfinite(chisq) else (math.nan, math.nan)
    up, lo = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam: float) -> float:  # scipy.special's C functions: the same values as stats.chi2/ncx2.cdf, faster
        return float(special.chdtr(df, chisq)) if lam <= 0 else float(special.chndtr(chisq, df, lam))

    lower = 0.0
    if cdf(0) - up >= 0:
        lam = optimize.brentq(lambda x: cdf(x) - up, 0, chisq, xtol=1e-10)
        lower = math.sqrt(lam / (n * df)) * math.sqrt(g)
    upper = 0.0
    top = max(n, chisq * 4)
    if not (cdf(top) - lo > 0 or cdf(0) - lo < 0):
        lam = optimize.brentq(lambda x: cdf(x) - lo, 0, top, xtol=1e-10)
        upper = math.sqrt(lam / (n * df)) * math.sqrt(g)
    return lower, upper


def h1(eng: Engine) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Saturated model per group: (cov, mean, loglik); EM for missing data (computed once)."""
    if "_h1" in eng.__dict__:
        return eng.__dict__["_h1"]
    out = []
    for gd in eng.groups:
        if gd.complete:
            mean, cov = gd.means[0], gd.covs[0]
        else:
            cov, mean = em_saturated(gd)
        out.append((cov, mean, eng.loglik_group(cov, mean, gd, True)))
    if len(eng.x_idx):
        llx = eng._loglik_x() / len(out)
        out = [(c, m, ll - llx) for c, m, ll in out] if len(out) == 1 else eng._h1_minus_x(out)
    eng.__dict__["_h1"] = out
    return out


def h1_minus_x(eng: Engine, out: list) -> list:
    xi = eng.x_idx
    res = []
    for gd, (c, m, ll) in zip(eng.groups, out, strict=True):
        mean, cov = eng._sample_moments(gd)
        sub = GroupData.from_array(gd.X[:, xi])
        res.append((c, m, ll - eng.loglik_group(cov[np.ix_(xi, xi)], mean[xi], sub, True)))
    return res


def baseline(eng: Engine) -> tuple[float, int, list]:
    """Independence model: chisq, df and per group (variances, means)."""
    chisq = 0.0
    out = []
    h1 = eng.h1()
    xi = eng.x_idx
    for gd, (c1, m1, ll1) in zip(eng.groups, h1, strict=True):
        if gd.complete:
            var, mean = np.diag(gd.covs[0]).copy(), gd.means[0]
        else:
            X = gd.X
            mean = np.nanmean(X, axis=0)
            var = np.nanvar(X, axis=0)
        Sigma0 = np.diag(var)
        if len(xi):  # fixed.x covariates keep their covariances in the baseline model
            mean = mean.copy()
            Sigma0[np.ix_(xi, xi)] = c1[np.ix_(xi, xi)]
            mean[xi] = m1[xi]
        ll0 = eng.loglik_group(Sigma0, mean, gd, True) - (eng._loglik_x() / eng.G if len(xi) else 0.0)
        chisq += 2 * (ll1 - ll0)
        out.append((var, mean))
    p = eng.p
    nx = eng.n_ov_x
    df_g = p * (p - 1) // 2 - nx * (nx - 1) // 2
    return chisq, eng.G * df_g, out


def chisq_complete(eng: Engine, theta: np.ndarray) -> float:
    total = 0.0
    for g, gd in enumerate(eng.groups):
        Sigma, mu = eng.implied(theta, g)
        fg, _, _ = eng._group_terms(Sigma, mu, gd, eng.meanstructure)
        _, logdet = np.linalg.slogdet(gd.covs[0])
        total += gd.N * (fg - logdet - eng.p)
    return total


def fit_indices(eng: Engine, res: EngineFit, h1: list, baseline: bool = True) -> dict[str, float]:
    N, df, chisq = eng.N, res.df, res.chisq
    out: dict[str, float] = {"npar": res.npar, "nobs": N, "chisq": chisq, "df": df,
                             "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan}  # fmt: skip
    if baseline:
        bchisq, bdf, _ = eng.baseline()
        out["baseline_chisq"], out["baseline_df"] = bchisq, bdf
        out["cfi"] = cfi(chisq, df, bchisq, bdf)
        out["tli"] = tli(chisq, df, bchisq, bdf)
    else:
        out["cfi"] = out["tli"] = math.nan
    G = eng.G
    out["rmsea"] = math.sqrt(max(chisq / N / df - 1 / N, 0.0)) * math.sqrt(G) if df > 0 else 0.0
    lo, up = rmsea_ci(chisq, df, N, G)
    out["rmsea_ci_lower"], out["rmsea_ci_upper"] = lo, up
    out["srmr"] = eng.srmr(res.theta, h1)
    ll = res.loglik
    out["loglik"] = float(ll)
    out["aic"] = -2 * ll + 2 * res.npar
    out["bic"] = -2 * ll + math.log(N) * res.npar
    return out


def srmr(eng: Engine, theta: np.ndarray, h1: list) -> float:
    """Bentler's SRMR (lavaan's ``srmr``): correlation residuals incl. diagonal (+ means)."""
    total = 0.0
    for g, gd in enumerate(eng.groups):
        S, M, _ = h1[g]
        Sigma, mu = eng.implied(theta, g)
        sd = np.sqrt(np.diag(S))
        with np.errstate(divide="ignore", invalid="ignore"):  # an item without variance: NaN, warned elsewhere
            R = (S - Sigma) / np.outer(sd, sd)
        iu = np.triu_indices(eng.p)
        ssq = float((R[iu] ** 2).sum())
        ne = len(iu[0])
        if eng.meanstructure:
            ssq += float((((M - mu) / sd) ** 2).sum())
            ne += eng.p
        total += gd.N / eng.N * math.sqrt(ssq / ne)
    return total


def cfi(T: float, df: float, Tb: float, dfb: float, c: float = 1.0, cb: float = 1.0) -> float:
    if not np.isfinite([T, df, Tb, dfb, c, cb]).all():
        return math.nan
    if df > 0 and c != 1 and cb != 1:
        t1 = max(T - c * df, 0.0)
        t2 = max(T - c * df, Tb - cb * dfb, 0.0)
    else:
        t1 = max(T - df, 0.0)
        t2 = max(T - df, Tb - dfb, 0.0)
    if math.isclose(t1, 0, abs_tol=1.5e-8) and math.isclose(t2, 0, abs_tol=1.5e-8):
        return 1.0
    return 1 - t1 / t2


def tli(T: float, df: float, Tb: float, dfb: float, c: float = 1.0, cb: float = 1.0) -> float:
    if not np.isfinite([T, df, Tb, dfb, c, cb]).all():
        return math.nan
    if df > 0 and c != 1 and cb != 1:
        t1 = (T - c * df) * dfb
        t2 = (Tb - cb * dfb) * df
    else:
        t1 = (T - df) * dfb
        t2 = (Tb - dfb) * df
    if df > 0 and abs(t2) > 0:
        return 1 - t1 / t2
    return 1.0
