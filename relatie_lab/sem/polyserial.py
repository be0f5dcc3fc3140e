"""Mixed ordinal and continuous variables: polyserial and Pearson correlations and their joint Gamma (lavaan's way).

When some variables of an ordinal model are continuous (``ordered=`` a subset), lavaan's two-step statistics are:
thresholds of the ordinal variables and the means and variances of the continuous ones (step 1); polychoric
(ordinal-ordinal), polyserial (continuous-ordinal) and Pearson (continuous-continuous) correlations, each by
maximum likelihood with the step-1 values fixed (step 2); and the asymptotic covariance of all of them (Muthén 1984),
turned into the covariance metric for pairs with a continuous variable by the delta rule. The statistics vector is
lavaan's ``WLS.obs``: per variable its thresholds or its mean with the sign reversed, then the variances of the
continuous variables, then the covariances/correlations below the diagonal, column by column.

The ordinal part (tables, polychoric correlations, their scores) is :mod:`relatie_lab.sem.polychoric`'s; this module
adds the continuous variables. Pairs with a continuous variable are handled one by one (a model has few of them).

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> z = rng.multivariate_normal([0, 0, 0], [[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], size=3000)
>>> df = pd.DataFrame({"x": 10 + 2 * z[:, 0], "a": np.digitize(z[:, 1], [-.5, .5]), "b": np.digitize(z[:, 2], [0])})
>>> st = mixed_statistics(df, numeric=["x"])
>>> [round(float(v), 1) for v in (st.cor[1, 0], st.cor[2, 0], st.cov[1, 0])]
[0.5, 0.4, 1.0]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special

from relatie_lab.sem import polychoric as pc

__all__ = ["mixed_statistics"]

_BIG = pc._BIG


def _phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _newton_1d(score, start: float, lo: float = -0.9999, hi: float = 0.9999, tol: float = 1e-12) -> float:
    """Root of a decreasing score function: Newton with a numerical derivative, bisection as a safeguard."""
    r = float(np.clip(start, -0.95, 0.95))
    a, b = lo, hi
    for _ in range(100):
        s = score(r)
        if abs(s) < tol:
            break
        if s > 0:
            a = r
        else:
            b = r
        h = 1e-6
        d = (score(min(r + h, hi)) - score(max(r - h, lo))) / (min(r + h, hi) - max(r - h, lo))
        new = r - s / d if d < 0 else 0.5 * (a + b)
        if not (a < new < b):
            new = 0.5 * (a + b)
        if abs(new - r) < 1e-14:
            r = new
            break
        r = new
    return r


def _pearson_scores(z1: np.ndarray, z2: np.ndarray, s1: float, s2: float, rho: float):
    """Casewise derivatives of the bivariate normal log-density: rho, mean 1, mean 2, variance 1, variance 2."""
    om = 1 - rho * rho
    Q = z1 * z1 - 2 * rho * z1 * z2 + z2 * z2
    d_rho = rho / om + z1 * z2 / om - rho * Q / om**2
    d_m1 = (z1 - rho * z2) / (s1 * om)
    d_m2 = (z2 - rho * z1) / (s2 * om)
    d_v1 = -1 / (2 * s1 * s1) + (z1 * z1 - rho * z1 * z2) / (2 * s1 * s1 * om)
    d_v2 = -1 / (2 * s2 * s2) + (z2 * z2 - rho * z1 * z2) / (2 * s2 * s2 * om)
    return d_rho, d_m1, d_m2, d_v1, d_v2


def _polyserial_parts(z: np.ndarray, up: np.ndarray, low: np.ndarray, rho: float):
    """P(category | x), and the pieces of its derivatives, for standardised x ``z`` and the category's bounds."""
    s = math.sqrt(1 - rho * rho)
    ub, ul = (up - rho * z) / s, (low - rho * z) / s
    P = special.ndtr(ub) - special.ndtr(ul)
    return s, ub, ul, np.maximum(P, 1e-300)


def _polyserial_scores(z: np.ndarray, up: np.ndarray, low: np.ndarray, sigma: float, rho: float):
    """Casewise derivatives of log f(x) + log P(y | x): rho, mean, variance, upper and lower threshold."""
    s, ub, ul, P = _polyserial_parts(z, up, low, rho)
    fb, fl = _phi(ub), _phi(ul)
    d_rho = (fb * (rho * up - z) - fl * (rho * low - z)) / (s**3 * P)
    d_m = z / sigma + (fb - fl) * rho / (sigma * s * P)
    d_v = -1 / (2 * sigma**2) + z * z / (2 * sigma**2) + (fb - fl) * rho * z / (2 * sigma**2 * s * P)
    return d_rho, d_m, d_v, fb / (s * P), -fl / (s * P)


def mixed_statistics(data: pd.DataFrame, names: list[str] | None = None, *, numeric: list[str],
                     gamma: bool = True) -> pc.OrdinalStats:  # fmt: skip
    """Statistics of a mix of ordinal and continuous variables (``numeric``), lavaan's way.

    Parameters
    ----------
    data : DataFrame
        The variables (NaN = missing; every statistic uses the rows it can).
    names : list of str, optional
        Variables in model order (default: the columns).
    numeric : list of str
        The continuous variables; the others are ordinal.
    gamma : bool
        Also compute Gamma.

    Returns
    -------
    OrdinalStats
        With ``numeric`` (mask), ``mean`` and ``var`` set; ``cor`` holds all correlations, ``cov`` the covariance
        metric, ``wls_obs`` and ``gamma`` lavaan's layout.
    """
    names = list(data.columns) if names is None else list(names)
    X = data[names].to_numpy(dtype=float)
    n, p = X.shape
    num = np.array([v in set(numeric) for v in names])
    ordi = np.flatnonzero(~num)
    nums = np.flatnonzero(num)
    obs = ~np.isnan(X)
    # ordinal part: polychoric statistics and their casewise scores
    if len(ordi):
        sub = pc.ordinal_statistics(X[:, ordi], [names[j] for j in ordi], gamma=False)
        C_sub, _ = pc._codes(X[:, ordi], sub.levels)
    mean = np.full(p, np.nan)
    var = np.full(p, np.nan)
    for j in nums:
        x = X[obs[:, j], j]
        mean[j], var[j] = x.mean(), x.var()
    sd = np.sqrt(var)
    Z = (X - mean) / sd  # NaN for ordinal columns and missing answers
    # threshold bounds per ordinal variable and category (global variable index)
    bounds: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if len(ordi):
        for k, j in enumerate(ordi):
            t = sub.th[sub.th_var == k]
            full = np.r_[-_BIG, t, _BIG]
            bounds[j] = (full[1:], full[:-1])  # upper, lower bound of category a
    R = np.eye(p)
    ri, ci = pc.vech_lower(p)
    pair_of = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(ri, ci, strict=True))}
    if len(ordi):
        sri, sci = pc.vech_lower(len(ordi))
        for i_, j_ in zip(sri, sci, strict=True):
            R[ordi[i_], ordi[j_]] = R[ordi[j_], ordi[i_]] = sub.cor[i_, j_]
    codes = np.full((n, p), -1, dtype=np.int64)
    if len(ordi):
        codes[:, ordi] = C_sub
    for i, j in zip(ri, ci, strict=True):
        if not (num[i] or num[j]):
            continue
        both = obs[:, i] & obs[:, j]
        if num[i] and num[j]:
            z1, z2 = Z[both, i], Z[both, j]
            start = float(np.mean(z1 * z2))
            rho = _newton_1d(lambda r, z1=z1, z2=z2: float(_pearson_scores(z1, z2, 1.0, 1.0, r)[0].sum()), start)
        else:
            c, o = (i, j) if num[i] else (j, i)
            z = Z[both, c]
            up, low = bounds[o][0][codes[both, o]], bounds[o][1][codes[both, o]]

            def score(r: float, z=z, up=up, low=low) -> float:
                s, ub, ul, P = _polyserial_parts(z, up, low, r)
                return float(((_phi(ub) * (r * up - z) - _phi(ul) * (r * low - z)) / (s**3 * P)).sum())

            start = float(np.corrcoef(z, codes[both, o])[0, 1]) if both.sum() > 2 else 0.0
            rho = _newton_1d(score, np.nan_to_num(start))
        R[i, j] = R[j, i] = rho
    n_item = obs.sum(axis=0)
    n_pair = obs.T.astype(np.int64) @ obs.astype(np.int64)
    th = sub.th if len(ordi) else np.zeros(0)
    th_var = ordi[sub.th_var] if len(ordi) else np.zeros(0, int)
    levels = [np.zeros(0)] * p
    if len(ordi):
        for k, j in enumerate(ordi):
            levels[j] = sub.levels[k]
    out = pc.OrdinalStats(names, levels, th, th_var, sub.th_names if len(ordi) else [], R, None, n, n_item, n_pair,
                          sub.zero_cells if len(ordi) else [], sub.converged if len(ordi) else True,
                          numeric=num, mean=mean, var=var)  # fmt: skip
    if not gamma:
        return out
    # ---- Gamma: stacked casewise scores [slots (thresholds / means) | variances | correlations]
    slot_var, slot_is_mean = out.slot_var, out.slot_is_mean
    nslot = len(slot_var)
    var_col = {int(j): nslot + k for k, j in enumerate(nums)}
    slot_start = {}
    for s_, j in enumerate(slot_var):
        slot_start.setdefault(int(j), s_)
    P = len(ri)
    nuni = nslot + len(nums)
    S = np.zeros((n, nuni + P))
    # univariate scores
    for j in nums:
        ok = obs[:, j]
        z = Z[ok, j]
        S[ok, slot_start[j]] = z / sd[j]
        S[ok, var_col[j]] = -1 / (2 * var[j]) + z * z / (2 * var[j])
    if len(ordi):
        for j in ordi:
            up, low = bounds[j]
            ok = obs[:, j]
            a = codes[ok, j]
            pa = special.ndtr(up[a]) - special.ndtr(low[a])
            rows = np.flatnonzero(ok)
            K = len(up)
            hi_, lo_ = a < K - 1, a > 0
            S[rows[hi_], slot_start[j] + a[hi_]] += _phi(up[a[hi_]]) / pa[hi_]
            S[rows[lo_], slot_start[j] + a[lo_] - 1] -= _phi(low[a[lo_]]) / pa[lo_]
    A21 = np.zeros((P, nuni))
    # ordinal-ordinal pairs: scores per cell from polychoric's tables
    if len(ordi) > 1:
        S_cor_o, A21_o, sri, sci = pc._ordinal_pair_scores(sub, C_sub)
        for k_, (i_, j_) in enumerate(zip(sri, sci, strict=True)):
            gk = pair_of[(int(ordi[i_]), int(ordi[j_]))]
            S[:, nuni + gk] = S_cor_o[:, k_]
            # threshold columns: sub's threshold index -> global slot
            for t_idx in np.flatnonzero(A21_o[k_]):
                jv = ordi[sub.th_var[t_idx]]
                first_th = int(np.flatnonzero(sub.th_var == sub.th_var[t_idx])[0])
                A21[gk, slot_start[int(jv)] + (t_idx - first_th)] = A21_o[k_, t_idx]
    H21 = np.zeros((P, nuni))
    h22 = np.ones(P)
    for i, j in zip(ri, ci, strict=True):
        if not (num[i] or num[j]):
            continue
        k_ = pair_of[(int(i), int(j))]
        both = obs[:, i] & obs[:, j]
        rows = np.flatnonzero(both)
        rho = R[i, j]
        if num[i] and num[j]:
            d_rho, dm1, dm2, dv1, dv2 = _pearson_scores(Z[both, i], Z[both, j], sd[i], sd[j], rho)
            S[rows, nuni + k_] = d_rho
            A21[k_, slot_start[int(i)]] = d_rho @ dm1
            A21[k_, slot_start[int(j)]] = d_rho @ dm2
            A21[k_, var_col[int(i)]] = d_rho @ dv1
            A21[k_, var_col[int(j)]] = d_rho @ dv2
            H21[k_, var_col[int(i)]] = sd[j] * rho / (2 * sd[i])
            H21[k_, var_col[int(j)]] = sd[i] * rho / (2 * sd[j])
            h22[k_] = sd[i] * sd[j]
        else:
            c, o = (i, j) if num[i] else (j, i)
            a = codes[both, o]
            up, low = bounds[o][0][a], bounds[o][1][a]
            d_rho, dm, dv, dup, dlow = _polyserial_scores(Z[both, c], up, low, sd[c], rho)
            S[rows, nuni + k_] = d_rho
            A21[k_, slot_start[int(c)]] = d_rho @ dm
            A21[k_, var_col[int(c)]] = d_rho @ dv
            K = len(bounds[o][0])
            for t in range(K - 1):  # threshold t is the upper bound of category t and the lower of t + 1
                A21[k_, slot_start[int(o)] + t] = (d_rho * np.where(a == t, dup, 0.0)).sum() + (
                    d_rho * np.where(a == t + 1, dlow, 0.0)).sum()  # fmt: skip
            H21[k_, var_col[int(c)]] = rho / (2 * sd[c])
            h22[k_] = sd[c]
    inner = S.T @ S
    A11 = np.zeros((nuni, nuni))
    for j in range(p):
        idx = [s_ for s_ in range(nslot) if slot_var[s_] == j] + ([var_col[int(j)]] if num[j] else [])
        A11[np.ix_(idx, idx)] = inner[np.ix_(idx, idx)]
    a22 = np.einsum("ij,ij->j", S[:, nuni:], S[:, nuni:])
    A11_inv = np.linalg.pinv(A11)
    inv22 = np.divide(1.0, a22, out=np.zeros_like(a22), where=a22 > 0)
    Binv = np.zeros((nuni + P, nuni + P))
    Binv[:nuni, :nuni] = A11_inv
    Binv[nuni:, :nuni] = -(A21 * inv22[:, None]) @ A11_inv
    Binv[nuni:, nuni:] = np.diag(inv22)
    G = n * (Binv @ inner @ Binv.T)
    Hm = np.eye(nuni + P)
    Hm[nuni:, :nuni] = H21
    Hm[nuni:, nuni:] = np.diag(h22)
    G = Hm @ G @ Hm.T
    flip = np.flatnonzero(slot_is_mean)  # WLS.obs holds minus the means
    G[flip, :] *= -1
    G[:, flip] *= -1
    out.gamma = G
    return out
