"""Sample statistics per group: missing-data patterns with their means and covariances, and the saturated EM.

Examples
--------
>>> import numpy as np
>>> gd = GroupData.from_array(np.array([[1.0, 2.0], [3.0, np.nan], [2.0, 1.0]]))
>>> gd.n.tolist(), gd.complete
([1, 2], False)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

__all__ = ["GroupData", "em_saturated", "sample_moments", "saturated_moments"]


# --------------------------------------------------------------------------------------------------
# data
@dataclass
class GroupData:
    """Sufficient statistics of one group: per missing-data pattern n, means and ML covariances.

    ``X`` keeps the raw rows (needed for casewise scores: MLR and robust tests).
    """

    X: np.ndarray
    masks: np.ndarray  # (J, p) bool
    n: np.ndarray  # (J,)
    means: np.ndarray  # (J, p), 0 where missing
    covs: np.ndarray  # (J, p, p), 0 where missing
    pattern_of_row: np.ndarray  # (N,)
    complete: bool

    @property
    def N(self) -> int:
        return int(self.n.sum())

    @classmethod
    def from_array(cls, X: np.ndarray) -> GroupData:
        X = np.asarray(X, dtype=float)
        N, p = X.shape
        if np.isfinite(X.sum()):  # complete data: one pass, centred in cache-sized chunks
            mean = X.mean(axis=0)
            cov = np.zeros((p, p))
            for start in range(0, N, 65_536):
                Xc = X[start : start + 65_536] - mean
                cov += Xc.T @ Xc
            cov /= N
            return cls(X, np.ones((1, p), bool), np.array([N]), mean[None], cov[None],
                       np.zeros(N, int), True)  # fmt: skip
        miss = np.isnan(X)
        keys, inv = np.unique(~miss, axis=0, return_inverse=True)
        inv = inv.ravel()
        J = len(keys)
        n = np.bincount(inv, minlength=J)
        means = np.zeros((J, p))
        covs = np.zeros((J, p, p))
        X0 = np.where(miss, 0.0, X)
        for j in range(J):
            rows = X0[inv == j]
            mj = rows.mean(axis=0)
            rc = (rows - mj) * keys[j]
            means[j] = mj * keys[j]
            covs[j] = rc.T @ rc / n[j]
        return cls(X, keys.astype(bool), n, means, covs, inv, False)


def sample_moments(gd: GroupData) -> tuple[np.ndarray, np.ndarray]:
    if gd.complete:
        return gd.means[0], gd.covs[0]
    # pairwise-available ML (divide by n) moments
    X = gd.X
    mean = np.nanmean(X, axis=0)
    ok = ~np.isnan(X)
    Xc = np.where(ok, X - mean, 0.0)
    n_pair = ok.T.astype(float) @ ok.astype(float)
    cov = (Xc.T @ Xc) / np.maximum(n_pair, 1)
    return mean, cov


def saturated_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ML means and (divide-by-N) covariances of the columns of ``x``; EM when values are missing.

    Rows with no value at all carry no information and are left out. These are the saturated-model
    moments of lavaan's ``missing="ml"`` (``lavInspect(fit, "sampstat.h1")``).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
    >>> mean, cov = saturated_moments(x)
    >>> mean.round(3).tolist()
    [2.5, 3.536]
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x).all(axis=1)]
    gd = GroupData.from_array(x)
    if gd.complete:
        return gd.means[0], gd.covs[0]
    cov, mean = em_saturated(gd)
    return mean, cov


def em_saturated(gd: GroupData, tol: float = 1e-10, maxit: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    """ML means and covariances under missing data (EM over the pattern statistics)."""
    p = gd.masks.shape[1]
    M = gd.masks
    X = gd.X
    mu = np.nanmean(X, axis=0)
    Sigma = np.diag(np.nanvar(X, axis=0))
    mm = M[:, :, None] & M[:, None, :]
    w = gd.n / gd.N
    for _ in range(maxit):
        Sstar = np.where(mm, Sigma[None], 0.0)
        Sstar[:, np.arange(p), np.arange(p)] += ~M
        K = np.linalg.inv(Sstar) * mm
        C = Sigma[None] @ K  # (J, p, p): regression of all on observed
        xo = gd.means + (~M) * 0.0
        d = np.where(M, xo - mu[None], 0.0)
        a = mu[None] + np.einsum("jab,jb->ja", C, d)  # expected means per pattern
        new_mu = w @ a
        resid = Sigma[None] - C @ Sigma[None]
        second = C @ gd.covs @ C.transpose(0, 2, 1) + resid + a[:, :, None] * a[:, None, :]
        new_S = np.einsum("j,jab->ab", w, second) - np.outer(new_mu, new_mu)
        new_S = 0.5 * (new_S + new_S.T)
        delta = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_S - Sigma)))
        mu, Sigma = new_mu, new_S
        if delta < tol:
            break
    else:  # pragma: no cover - reported by the caller through convergence checks
        warnings.warn("EM for the saturated model did not converge.", stacklevel=2)
    return Sigma, mu
