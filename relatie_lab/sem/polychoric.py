"""Sample statistics for ordinal items: thresholds, polychoric correlations and their asymptotic covariance.

This is lavaan's two-step method (Olsson 1979; Muthén 1984), as ``lavaan::lavCor`` / ``sem(..., ordered=)``
compute it:

1. thresholds of each item from its own (available) answers: ``t_k = Phi^-1(P(answer <= k))``;
2. each polychoric correlation by maximum likelihood on the bivariate table of the two items (rows with both
   answers), the thresholds held fixed;
3. the asymptotic covariance matrix of (thresholds, correlations), ``Gamma`` (lavaan's NACOV), as the sandwich
   ``N B^-1 (S'S) B^-T`` of the casewise scores ``S`` of the two steps, with ``B`` block-triangular (Muthén 1984;
   lavaan's ``muthen1984``).

Everything is vectorised over item pairs: all bivariate tables are held in one padded array.

Examples
--------
>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> z = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=2000)
>>> X = pd.DataFrame(np.digitize(z, [-0.5, 0.5]) + 1, columns=["a", "b"])
>>> st = ordinal_statistics(X)
>>> float(round(st.cor[0, 1], 2)), st.th_names
(0.5, ['a|t1', 'a|t2', 'b|t1', 'b|t2'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["OrdinalStats", "bivariate_normal_cdf", "ordinal_statistics", "vech_lower"]

_BIG = 40.0  # a threshold of +-inf in the corner grid (Phi(40) == 1 in double precision)
_X, _W = np.polynomial.legendre.leggauss(20)
_HALF = _X < 0
_GX, _GW = _X[_HALF], _W[_HALF]  # Genz's 10 half-nodes of the 20-point Gauss-Legendre rule
_LOG2PI = math.log(2 * math.pi)


def _phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def bivariate_normal_cdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``P(X < h, Y < k)`` for standard normals with correlation ``r`` (vectorised; Genz 2004, 20-point rule).

    Examples
    --------
    >>> round(float(bivariate_normal_cdf(0.0, 0.0, 0.5)), 6)  # 1/4 + asin(r)/(2 pi)
    0.333333
    """
    h, k, r = np.broadcast_arrays(np.asarray(h, float), np.asarray(k, float), np.asarray(r, float))
    dh, dk = -h.ravel(), -k.ravel()  # Genz's bvnu computes P(X > dh, Y > dk)
    rr = r.ravel()
    out = np.empty(dh.shape)
    small = np.abs(rr) < 0.925
    if small.any():
        a, b, rs = dh[small], dk[small], rr[small]
        hk = a * b
        hs = 0.5 * (a * a + b * b)
        asr = np.arcsin(rs)
        sn1 = np.sin(asr[:, None] * (1 - _GX) / 2)
        sn2 = np.sin(asr[:, None] * (1 + _GX) / 2)
        tot = (_GW * (np.exp((sn1 * hk[:, None] - hs[:, None]) / (1 - sn1 * sn1))
                      + np.exp((sn2 * hk[:, None] - hs[:, None]) / (1 - sn2 * sn2)))).sum(axis=1)  # fmt: skip
        out[small] = tot * asr / (4 * math.pi) + special.ndtr(-a) * special.ndtr(-b)
    big = ~small
    if big.any():
        a, b, rs = dh[big], dk[big].copy(), rr[big]
        neg = rs < 0
        b[neg] = -b[neg]
        hk = a * b
        bvn = np.zeros(a.shape)
        inner = np.abs(rs) < 1
        if inner.any():
            a_, b_, hk_ = a[inner], b[inner], hk[inner]
            as_ = (1 - rs[inner]) * (1 + rs[inner])
            aa = np.sqrt(as_)
            bs = (a_ - b_) ** 2
            c = (4 - hk_) / 8
            d = (12 - hk_) / 16
            v = aa * np.exp(-(bs / as_ + hk_) / 2) * (1 - c * (bs - as_) * (1 - d * bs / 5) / 3 + c * d * as_ * as_ / 5)
            bb = np.sqrt(bs)
            with np.errstate(over="ignore", invalid="ignore"):
                corr = np.exp(-hk_ / 2) * math.sqrt(2 * math.pi) * special.ndtr(-bb / aa) * bb * (
                    1 - c * bs * (1 - d * bs / 5) / 3)  # fmt: skip
            v = v - np.where(hk_ > -160, np.nan_to_num(corr), 0.0)
            ha = aa / 2
            for sgn in (-1.0, 1.0):
                xs = (ha[:, None] * (sgn * _GX + 1)) ** 2
                rsq = np.sqrt(1 - xs)
                with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                    term = np.exp(-bs[:, None] / (2 * xs) - hk_[:, None] / (1 + rsq)) / rsq
                    poly = 1 + c[:, None] * xs * (1 + d[:, None] * xs)
                    term -= np.exp(-(bs[:, None] / xs + hk_[:, None]) / 2) * poly
                v = v + (ha[:, None] * _GW * np.nan_to_num(term)).sum(axis=1)
            bvn[inner] = -v / (2 * math.pi)
        pos = ~neg
        bvn[pos] += special.ndtr(-np.maximum(a[pos], b[pos]))
        an, bn = a[neg], b[neg]
        vn = -bvn[neg]
        vn = vn + np.where(bn > an, np.where(an < 0, special.ndtr(bn) - special.ndtr(an),
                                              special.ndtr(-an) - special.ndtr(-bn)), 0.0)  # fmt: skip
        bvn[neg] = vn
        out[big] = bvn
    return np.clip(out, 0.0, 1.0).reshape(h.shape)


def _bivariate_pdf(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    s2 = 1 - r * r
    return np.exp(-(h * h - 2 * r * h * k + k * k) / (2 * s2)) / (2 * math.pi * np.sqrt(s2))


def vech_lower(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the strictly lower triangle, column by column (lavaan's ``vech(, diagonal=FALSE)``).

    Examples
    --------
    >>> vech_lower(3)
    (array([1, 2, 2]), array([0, 0, 1]))
    """
    cols, rows = np.triu_indices(p, 1)
    return rows, cols


@dataclass
class OrdinalStats:
    """Thresholds, polychoric correlations and their asymptotic covariance (one group).

    Attributes
    ----------
    names : list of str
        The items, in model order.
    levels : list of array
        The answer categories of each item (sorted observed values).
    th : array
        All thresholds, item by item (``th_var`` gives the item index of each, ``th_names`` lavaan's names).
    cor : array (p, p)
        Polychoric correlation matrix.
    gamma : array
        ``N`` times the asymptotic covariance matrix of ``(th, cor[vech_lower])`` (lavaan's NACOV).
    n : int
        Rows.
    n_item : array (p,)
        Answers per item (the thresholds' sample sizes).
    n_pair : array (p, p)
        Rows with both answers (each correlation's sample size).
    zero_cells : list of (str, str)
        Item pairs whose bivariate table has an empty cell.
    """

    names: list[str]
    levels: list[np.ndarray]
    th: np.ndarray
    th_var: np.ndarray
    th_names: list[str]
    cor: np.ndarray
    gamma: np.ndarray | None
    n: int
    n_item: np.ndarray
    n_pair: np.ndarray
    zero_cells: list[tuple[str, str]] = field(default_factory=list)
    converged: bool = True
    numeric: np.ndarray | None = None  # mask of continuous variables (None: all ordinal)
    mean: np.ndarray | None = None  # means of the continuous variables (NaN for ordinal ones)
    var: np.ndarray | None = None  # variances (divided by n) of the continuous variables

    @property
    def slot_var(self) -> np.ndarray:
        """Variable of each univariate slot: per variable its thresholds, or its mean when continuous."""
        if self.numeric is None:
            return self.th_var
        out = []
        for j in range(len(self.names)):
            out += [j] if self.numeric[j] else [j] * int((self.th_var == j).sum())
        return np.array(out, dtype=int)

    @property
    def slot_is_mean(self) -> np.ndarray:
        return np.zeros(len(self.th), bool) if self.numeric is None else self.numeric[self.slot_var]

    @property
    def cov(self) -> np.ndarray:
        """Correlations, in the covariance metric for continuous variables (their variances on the diagonal)."""
        if self.numeric is None:
            return self.cor
        sd = np.where(self.numeric, np.sqrt(np.where(self.numeric, self.var, 1.0)), 1.0)
        return self.cor * np.outer(sd, sd)

    @property
    def wls_obs(self) -> np.ndarray:
        """lavaan's WLS.obs: per variable its thresholds (or minus its mean), the variances of the continuous
        variables, then the correlations (covariances) below the diagonal, column by column."""
        r, c = vech_lower(len(self.names))
        if self.numeric is None:
            return np.r_[self.th, self.cor[r, c]]
        slots = np.zeros(len(self.slot_var))
        slots[~self.slot_is_mean] = self.th
        slots[self.slot_is_mean] = -self.mean[self.numeric]
        return np.r_[slots, self.var[self.numeric], self.cov[r, c]]

    def summary_table(self) -> pd.DataFrame:
        """One row per statistic: ``kind`` (threshold / correlation), ``name``, ``value`` and ``n`` (cases used)."""
        r, c = vech_lower(len(self.names))
        rows = [("threshold", nm, v, int(self.n_item[i])) for nm, v, i in zip(self.th_names, self.th, self.th_var,
                                                                                  strict=True)]  # fmt: skip
        rows += [("correlation", f"{self.names[j]} ~~ {self.names[i]}", self.cor[i, j], int(self.n_pair[i, j]))
                 for i, j in zip(r, c, strict=True)]  # fmt: skip
        return pd.DataFrame(rows, columns=["kind", "name", "value", "n"])


def _codes(X: np.ndarray, levels: list[np.ndarray] | None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Category index (0..K-1) per answer, -1 where missing; levels = sorted observed values (or given)."""
    n, p = X.shape
    C = np.full((n, p), -1, dtype=np.int64)
    out_levels = []
    for j in range(p):
        col = X[:, j]
        ok = ~np.isnan(col)
        lev = np.unique(col[ok]) if levels is None else np.asarray(levels[j], float)
        C[ok, j] = np.searchsorted(lev, col[ok])
        out_levels.append(lev)
    return C, out_levels


def ordinal_statistics(data: pd.DataFrame | np.ndarray, names: list[str] | None = None, *,
                       levels: list[np.ndarray] | None = None, gamma: bool = True,
                       tol: float = 1e-10) -> OrdinalStats:  # fmt: skip
    """Thresholds, polychoric correlations and (optionally) Gamma of ordinal items, lavaan's two-step way.

    Parameters
    ----------
    data : DataFrame or array (n, p)
        Answers (any ordered numeric codes), NaN = no answer (pairwise: each statistic uses the rows it can).
    names : list of str, optional
        Item names (default: the DataFrame's columns).
    levels : list of arrays, optional
        The categories of each item (default: the observed values). A category without answers has no
        threshold of its own.
    gamma : bool
        Also compute the asymptotic covariance matrix (needed for DWLS weights, robust SEs and tests).
    tol : float
        Convergence tolerance of the correlations (score per row).

    Returns
    -------
    OrdinalStats
    """
    if isinstance(data, pd.DataFrame):
        names = list(data.columns) if names is None else names
        X = data[names].to_numpy(dtype=float)
    else:
        X = np.asarray(data, float)
        names = names or [f"x{j + 1}" for j in range(X.shape[1])]
    n, p = X.shape
    C, levels_ = _codes(X, levels)
    K = np.array([len(lev) for lev in levels_])
    kmax = int(K.max())
    obs = C >= 0
    n_item = obs.sum(axis=0)
    # ---- step 1: thresholds (padded: column k of TH[j] is threshold k+1; +BIG beyond the last)
    counts = np.zeros((p, kmax))
    for j in range(p):
        counts[j] = np.bincount(C[obs[:, j], j], minlength=kmax)[:kmax]
    cum = np.cumsum(counts, axis=1) / n_item[:, None]
    TH = np.full((p, kmax - 1), _BIG)
    th_list, th_var, th_names = [], [], []
    for j in range(p):
        t = special.ndtri(cum[j, : K[j] - 1])
        TH[j, : K[j] - 1] = t
        th_list.append(t)
        th_var += [j] * (K[j] - 1)
        th_names += [f"{names[j]}|t{k + 1}" for k in range(K[j] - 1)]
    th = np.concatenate(th_list) if th_list else np.zeros(0)
    th_var_arr = np.array(th_var, dtype=int)
    # corner grid per item: -BIG, t_1..t_{K-1}, +BIG (padded with +BIG)
    corner = np.c_[np.full(p, -_BIG), TH, np.full(p, _BIG)]  # (p, kmax + 1)
    # ---- step 2: polychoric correlations, all pairs at once
    ri, ci = vech_lower(p)
    P = len(ri)
    both = obs[:, ri] & obs[:, ci]  # (n, P)
    # bivariate tables (P, kmax, kmax)
    cell = np.where(both, C[:, ri] * kmax + C[:, ci], -1)
    tab = np.zeros((P, kmax * kmax))
    for k_ in range(P):  # bincount per pair (cheap; counting only)
        col = cell[:, k_]
        tab[k_] = np.bincount(col[col >= 0], minlength=kmax * kmax)
    tab = tab.reshape(P, kmax, kmax)
    n_pair_vec = both.sum(axis=0)
    kr = np.arange(kmax)
    valid = (kr[None, :, None] < K[ri][:, None, None]) & (kr[None, None, :] < K[ci][:, None, None])
    zero = [(names[ri[k_]], names[ci[k_]]) for k_ in range(P) if ((tab[k_] == 0) & valid[k_]).any()]
    H = corner[ri][:, :, None] * np.ones((1, 1, kmax + 1))  # (P, kmax+1, kmax+1): row item's corner
    Kc = corner[ci][:, None, :] * np.ones((1, kmax + 1, 1))
    rho = _start_rho(C, ri, ci, both)
    tab = _two_by_two_zero_cell(tab, K[ri], K[ci])
    converged = True
    for _ in range(100):
        pi, dpi, d2pi = _cell_probs(H, Kc, rho, second=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(tab > 0, tab / pi, 0.0)
            score = (w * dpi).sum(axis=(1, 2))
            hess = (w * d2pi).sum(axis=(1, 2)) - np.where(tab > 0, tab * dpi**2 / pi**2, 0.0).sum(axis=(1, 2))
            expected = np.where(pi > 0, n_pair_vec[:, None, None] * dpi**2 / pi, 0.0).sum(axis=(1, 2))
        info = np.where(hess < 0, -hess, expected)
        if np.max(np.abs(score / np.maximum(n_pair_vec, 1))) < tol:
            break
        step = score / np.maximum(info, 1e-300)
        ll = _loglik(tab, pi)
        for _ in range(30):  # Newton with step halving, pair by pair
            new = np.clip(rho + step, -0.9999, 0.9999)
            worse = _loglik(tab, _cell_probs(H, Kc, new)[0]) < ll - 1e-12 * np.abs(ll)
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
        rho = new
    else:
        converged = False
    R = np.eye(p)
    R[ri, ci] = R[ci, ri] = rho
    n_pair = obs.T.astype(np.int64) @ obs.astype(np.int64)
    out = OrdinalStats(names, levels_, th, th_var_arr, th_names, R, None, n, n_item, n_pair, zero, converged)
    if gamma:
        out.gamma = _gamma(C, obs, K, TH, corner, ri, ci, rho, th_var_arr, n)
    return out


def _two_by_two_zero_cell(tab: np.ndarray, k1: np.ndarray, k2: np.ndarray) -> np.ndarray:
    """lavaan's correction for a 2x2 table with one empty cell: 0.5 moved into it, keeping the margins."""
    out = tab
    for k in np.flatnonzero((k1 == 2) & (k2 == 2)):
        t = tab[k, :2, :2]
        if int((t == 0).sum()) != 1:
            continue
        if out is tab:
            out = tab.copy()
        sign = 1.0 if t[0, 0] == 0 or t[1, 1] == 0 else -1.0  # an empty diagonal cell: the diagonal gains
        out[k, :2, :2] = t + sign * 0.5 * np.array([[1.0, -1.0], [-1.0, 1.0]])
    return out


def _start_rho(C: np.ndarray, ri: np.ndarray, ci: np.ndarray, both: np.ndarray) -> np.ndarray:
    """Pearson correlation of the category indices on the pairwise rows (a start value)."""
    X = np.where(C >= 0, C, 0).astype(float)
    xi, xj = X[:, ri], X[:, ci]
    nb = np.maximum(both.sum(axis=0), 1)
    mi = (xi * both).sum(0) / nb
    mj = (xj * both).sum(0) / nb
    di, dj = (xi - mi) * both, (xj - mj) * both
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (di * dj).sum(0) / np.sqrt((di * di).sum(0) * (dj * dj).sum(0))
    return np.clip(np.nan_to_num(r), -0.95, 0.95)


def _loglik(tab: np.ndarray, pi: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tab > 0, tab * np.log(np.where(pi > 0, pi, 1e-300)), 0.0).sum(axis=(1, 2))


def _cell_probs(H: np.ndarray, K: np.ndarray, rho: np.ndarray, second: bool = False):
    """Cell probabilities of all tables and their first (and second) derivatives with respect to rho."""
    r = rho[:, None, None] * np.ones_like(H)
    F = bivariate_normal_cdf(H, K, r)
    f = _bivariate_pdf(H, K, r)
    pi = F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]
    dpi = f[:, 1:, 1:] - f[:, :-1, 1:] - f[:, 1:, :-1] + f[:, :-1, :-1]
    if not second:
        return pi, dpi
    s2 = 1 - r * r
    Q = H * H - 2 * r * H * K + K * K
    df = f * (r / s2 + H * K / s2 - r * Q / s2**2)
    d2pi = df[:, 1:, 1:] - df[:, :-1, 1:] - df[:, 1:, :-1] + df[:, :-1, :-1]
    return pi, dpi, d2pi


def _ordinal_pair_scores(st: OrdinalStats, C: np.ndarray):
    """Casewise polychoric scores (n, pairs) and A21 (pairs, thresholds) of ordinal statistics ``st``."""
    p = len(st.names)
    K = np.array([len(lev) for lev in st.levels])
    kmax = int(K.max())
    TH = np.full((p, kmax - 1), _BIG)
    for j in range(p):
        TH[j, : K[j] - 1] = st.th[st.th_var == j]
    corner = np.c_[np.full(p, -_BIG), TH, np.full(p, _BIG)]
    ri, ci = vech_lower(p)
    th_start = np.r_[0, np.cumsum(K - 1)][:-1]
    S_cor, A21 = _pair_scores(C, C >= 0, K, corner, ri, ci, st.cor[ri, ci], th_start, len(st.th), len(C))
    return S_cor, A21, ri, ci


def _gamma(C, obs, K, TH, corner, ri, ci, rho, th_var, n) -> np.ndarray:
    """N * B^-1 (S'S) B^-T: the asymptotic covariance of thresholds and correlations (Muthén 1984)."""
    p = len(K)
    nth = len(th_var)
    th_start = np.r_[0, np.cumsum(K - 1)][:-1]
    # univariate threshold scores per row: category a -> +phi(t_a)/p_a at t_a, -phi(t_{a-1})/p_a at t_{a-1}
    Fu = special.ndtr(corner)  # (p, kmax + 1)
    fu = _phi(corner)
    prob = Fu[:, 1:] - Fu[:, :-1]  # (p, kmax)
    S_th = np.zeros((n, nth))
    rows = np.arange(n)
    for j in range(p):
        ok = obs[:, j]
        a = C[ok, j]
        pa = prob[j, a]
        up = a < K[j] - 1
        lo = a > 0
        r_ok = rows[ok]
        S_th[r_ok[up], th_start[j] + a[up]] += fu[j, a[up] + 1] / pa[up]
        S_th[r_ok[lo], th_start[j] + a[lo] - 1] -= fu[j, a[lo]] / pa[lo]
    P = len(ri)
    S_cor, A21 = _pair_scores(C, obs, K, corner, ri, ci, rho, th_start, nth, n)
    # INNER and the blocks of B
    S = np.c_[S_th, S_cor]
    inner = S.T @ S
    A11 = np.zeros((nth, nth))
    for j in range(p):
        sl = slice(th_start[j], th_start[j] + K[j] - 1)
        A11[sl, sl] = inner[sl, sl]
    a22 = np.einsum("ij,ij->j", S_cor, S_cor)
    A11_inv = np.linalg.pinv(A11)  # lavaan: generalized inverse when singular
    inv22 = np.divide(1.0, a22, out=np.zeros_like(a22), where=a22 > 0)
    B21 = -(A21 * inv22[:, None]) @ A11_inv
    Binv = np.zeros((nth + P, nth + P))
    Binv[:nth, :nth] = A11_inv
    Binv[nth:, :nth] = B21
    Binv[nth:, nth:] = np.diag(inv22)
    return n * (Binv @ inner @ Binv.T)


def _pair_scores(C, obs, K, corner, ri, ci, rho, th_start, nth, n):
    """Casewise rho scores of every pair and A21 (the rho scores times the threshold scores, summed by cell)."""
    kmax = int(K.max())
    # bivariate: per cell, the rho score and the threshold derivatives of log pi
    P = len(ri)
    H = corner[ri][:, :, None] * np.ones((1, 1, kmax + 1))
    Kc = corner[ci][:, None, :] * np.ones((1, kmax + 1, 1))
    pi, dpi = _cell_probs(H, Kc, rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        s_rho = np.where(pi > 0, dpi / pi, 0.0)  # (P, kmax, kmax)
    r = rho[:, None, None]
    s = np.sqrt(1 - r * r)
    # d Phi2(h, k)/dh = phi(h) Phi((k - r h)/s); over the row item's corner h (axis 1), column corners k (axis 2)
    gh = _phi(H) * special.ndtr((Kc - r * H) / s)  # (P, kmax+1, kmax+1)
    gk = _phi(Kc) * special.ndtr((H - r * Kc) / s)
    # d pi_ab / d t_row,(a) [upper]: gh[a+1, b+1] - gh[a+1, b]; d pi_ab / d t_row,(a-1) [lower]: -(gh[a, b+1] -
    # gh[a, b])
    dh = gh[:, :, 1:] - gh[:, :, :-1]  # (P, kmax+1, kmax): for corner index u, column category b
    dk = gk[:, 1:, :] - gk[:, :-1, :]  # (P, kmax, kmax+1): for row category a, corner index v
    # casewise rho scores
    both = obs[:, ri] & obs[:, ci]
    Ci = np.where(both, C[:, ri], 0)
    Cj = np.where(both, C[:, ci], 0)
    pidx = np.arange(P)[None, :]
    S_cor = np.where(both, s_rho[pidx, Ci, Cj], 0.0)  # (n, P)
    # A21: sum over rows of S_cor * d log pi / d t; per cell: n_ab * s_rho * (d pi / d t) / pi
    tabw = np.zeros((P, kmax, kmax))
    np.add.at(tabw, (np.broadcast_to(pidx, Ci.shape)[both], Ci[both], Cj[both]), 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        wcell = np.where(pi > 0, tabw * s_rho / pi, 0.0)  # (P, a, b)
    # threshold k of the row item: cells with a == k (upper, +dh[k+1, b]) and a == k+1 (lower, -dh[k+1, b])
    A21 = np.zeros((P, nth))
    for k in range(kmax - 1):
        up_r = (wcell[:, k, :] * dh[:, k + 1, :]).sum(axis=1) - (wcell[:, k + 1, :] * dh[:, k + 1, :]).sum(axis=1)
        up_c = (wcell[:, :, k] * dk[:, :, k + 1]).sum(axis=1) - (wcell[:, :, k + 1] * dk[:, :, k + 1]).sum(axis=1)
        okr = k < K[ri] - 1
        okc = k < K[ci] - 1
        A21[np.arange(P)[okr], th_start[ri[okr]] + k] = up_r[okr]
        A21[np.arange(P)[okc], th_start[ci[okc]] + k] = up_c[okc]
    return S_cor, A21
