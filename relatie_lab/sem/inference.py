"""Inference: information matrices, casewise scores and the covariance matrix of the estimates (standard errors).

Expected information (complete-data ML, lavaan's default), observed information (FIML, lavaan's
``missing="ml"``) and the Huber-White sandwich with the observed information (MLR). The functions take the
:class:`~relatie_lab.sem.engine.Engine` (``eng``) and are its methods of the same name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from relatie_lab.sem.moments import GroupData

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine

__all__ = ["casewise_h1_scores", "expected_info", "h1_score_crossprod", "model_score_crossprod", "observed_info",
           "saturated_hessian", "vcov"]  # fmt: skip


def _inverses(Sigma: np.ndarray, gd: GroupData, Sstar: np.ndarray, mm: np.ndarray) -> np.ndarray:
    """Inverse observed blocks per pattern (embedded): by the Schur complement when Sigma is positive definite."""
    from relatie_lab.sem.moments import pattern_inverses

    fast = pattern_inverses(Sigma, gd)
    return fast[0] if fast is not None else np.linalg.inv(Sstar) * mm


def vcov(eng: Engine, theta: np.ndarray, se: str) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Covariance matrix of the estimates for ``se`` in ``expected``, ``observed``, ``robust``, ``none``.

    Returns ``(vcov, observed information)``; ``vcov`` is NaN when the information matrix cannot be inverted.
    """
    from relatie_lab.sem.constraints import constrained_inverse

    if se == "none":
        return None, None
    info_obs = None
    try:
        if se == "expected":
            return constrained_inverse(eng, 0.5 * eng.N * eng.expected_info(theta)), None
        info_obs = eng.observed_info(theta)
        inv = constrained_inverse(eng, info_obs)
        if se == "robust":
            B = sum(eng.model_score_crossprod(theta))
            return inv @ B @ inv, info_obs
        return inv, info_obs
    except np.linalg.LinAlgError:
        return np.full((eng.q, eng.q), np.nan), info_obs


def expected_info(eng: Engine, theta: np.ndarray) -> np.ndarray:
    """Sum_g N_g/N * E[d2 F_g] (= 2x the per-case Fisher information), complete-data form."""
    from relatie_lab.sem.matrices import gram, rank_two

    H = np.zeros((eng.q, eng.q))
    for g, gd in enumerate(eng.groups):
        if gd.complete:  # tr(P dS_k P dS_l) from the rank-two factors of dS: no (q, p, p) arrays
            Sigma, _, U, V, k, dm = rank_two(eng, theta, g)
            P = np.linalg.inv(Sigma)
            Hg = gram(U, V, k, eng.q, P) + 2 * dm @ P @ dm.T
        else:
            Sigma, _, dS, dm = eng.delta(theta, g)
            P = np.linalg.inv(Sigma)
            # pattern-wise expected information of FIML
            M = gd.masks
            p = eng.p
            mm = M[:, :, None] & M[:, None, :]
            Sstar = np.where(mm, Sigma[None], 0.0)
            Sstar[:, np.arange(p), np.arange(p)] += ~M
            K = _inverses(Sigma, gd, Sstar, mm)
            w = gd.n / gd.N
            KbarS = np.einsum("j,jab->ab", w, K)
            KD = np.matmul(K[:, None], dS[None])  # (J, q, p, p)
            Hg = np.einsum("j,jkab,jlba->kl", w, KD, KD, optimize=True) + 2 * dm @ KbarS @ dm.T
        H += gd.N / eng.N * Hg
    return 0.5 * (H + H.T)


def observed_info_numeric(eng: Engine, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Observed information by central differences of the analytic gradient (used as a check)."""
    q = eng.q
    H = np.zeros((q, q))
    for k in range(q):
        hk = h * max(1.0, abs(theta[k]))
        e = np.zeros(q)
        e[k] = hk
        H[:, k] = (eng.objective(theta + e)[1] - eng.objective(theta - e)[1]) / (2 * hk)
    return 0.25 * eng.N * (H + H.T)


def observed_info(eng: Engine, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Observed information (Hessian of -loglik).

    ``Delta' H_sat Delta`` with the analytic Hessian of the casewise likelihood in the saturated
    moments, plus the curvature of the model's moments (differences of ``Delta' g_sat`` at fixed
    ``g_sat``; cheap, no pass over the data).
    """
    q = eng.q
    iu = np.triu_indices(eng.p)
    H = np.zeros((q, q))
    for g, gd in enumerate(eng.groups):
        Sigma, mu, dS, dm = eng.delta(theta, g)
        Hs, gs = saturated_hessian(gd, Sigma, mu, eng.meanstructure)
        D = np.hstack([dm, dS[:, iu[0], iu[1]]])
        Hg = D @ Hs @ D.T
        second = np.zeros((q, q))
        for k in range(q):
            hk = h * max(1.0, abs(theta[k]))
            tp, tm = theta.copy(), theta.copy()
            tp[k] += hk
            tm[k] -= hk
            _, _, dSp, dmp = eng.delta(tp, g)
            _, _, dSm, dmm = eng.delta(tm, g)
            Dp = np.hstack([dmp, dSp[:, iu[0], iu[1]]])
            Dm = np.hstack([dmm, dSm[:, iu[0], iu[1]]])
            second[:, k] = (Dp - Dm) @ gs / (2 * hk)
        H += gd.N / eng.N * (Hg + 0.5 * (second + second.T))
    return 0.5 * eng.N * 0.5 * (H + H.T)


def casewise_h1_scores(eng: Engine, g: int, Sigma: np.ndarray, mu: np.ndarray, rows: slice | None = None) -> np.ndarray:
    """Casewise scores of the log-likelihood wrt (mu, vech Sigma) for group g: (N_g, p + p*)."""
    gd = eng.groups[g]
    rows = slice(None) if rows is None else rows
    X = gd.X[rows]
    pat = gd.pattern_of_row[rows]
    p = eng.p
    M = gd.masks[pat]  # (n, p)
    mm = gd.masks[:, :, None] & gd.masks[:, None, :]
    Sstar = np.where(mm, Sigma[None], 0.0)
    Sstar[:, np.arange(p), np.arange(p)] += ~gd.masks
    Kp = _inverses(Sigma, gd, Sstar, mm)  # per pattern
    d = np.where(M, X - mu[None], 0.0)
    iu = np.triu_indices(p)
    mult = np.where(iu[0] == iu[1], 1.0, 2.0)
    if gd.complete:
        z = d @ Kp[0]
        Gs = 0.5 * (z[:, iu[0]] * z[:, iu[1]] - Kp[0][iu][None])
    else:
        K = Kp[pat]  # (n, p, p)
        z = np.einsum("nab,nb->na", K, d)
        # dl/dSigma = 0.5 (z z' - K); vech with off-diagonals counted twice
        Gs = 0.5 * (z[:, iu[0]] * z[:, iu[1]] - K[:, iu[0], iu[1]])
    return np.hstack([z, Gs * mult])


def complete_moments(eng: Engine, g: int, chunk: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Sum of w w' and of w over the cases, w = (e, vech(e e')), e = x - mean (complete data, cached)."""
    cache = eng.__dict__.setdefault("_w_moments", {})
    if g not in cache:
        gd = eng.groups[g]
        iu = np.triu_indices(eng.p)
        W, wsum = None, 0.0
        for start in range(0, gd.N, chunk):
            e = gd.X[start : start + chunk] - gd.means[0]
            w = np.hstack([e, e[:, iu[0]] * e[:, iu[1]]])
            W = w.T @ w if W is None else W + w.T @ w
            wsum = wsum + w.sum(axis=0)
        cache[g] = (W, wsum)
    return cache[g]


def h1_score_crossprod(eng: Engine, g: int, Sigma: np.ndarray, mu: np.ndarray, chunk: int = 20_000) -> np.ndarray:
    """Sum over the cases of s s' for the saturated scores (in chunks: no N x p* array for big data).

    Complete data: the scores are an affine map ``A w + b`` of ``w = (e, vech(e e'))``, so one pass
    over the data (cached) serves every (Sigma, mu).
    """
    gd = eng.groups[g]
    if gd.complete and len(gd.X) == gd.N:
        p = eng.p
        iu = np.triu_indices(p)
        a, b = iu
        mult = np.where(a == b, 1.0, 2.0)
        P = np.linalg.inv(Sigma)
        delta = gd.means[0] - mu
        Pd = P @ delta
        # vech(P E P) for the unit matrices of vech(e e'): off-diagonal units are U_ab + U_ba
        Q = P[a][:, a] * P[b][:, b]  # P[c,a'] P[b',d] with rows (c,d), cols (a',b')
        Q = Q + np.where((a != b)[None, :], P[a][:, b] * P[b][:, a], 0.0)
        R = P[a] * Pd[b][:, None] + Pd[a][:, None] * P[b]  # (ps, p)
        const = (np.outer(Pd, Pd) - P)[iu]
        A = np.zeros((p + len(a), p + len(a)))
        A[:p, :p] = P
        A[p:, :p] = 0.5 * mult[:, None] * R
        A[p:, p:] = 0.5 * mult[:, None] * Q
        bvec = np.concatenate([Pd, 0.5 * mult * const])
        W, wsum = eng._complete_moments(g)
        Aw = A @ wsum
        return A @ W @ A.T + np.outer(Aw, bvec) + np.outer(bvec, Aw) + gd.N * np.outer(bvec, bvec)
    N = gd.N
    total = None
    for start in range(0, N, chunk):
        s = eng.casewise_h1_scores(g, Sigma, mu, slice(start, start + chunk))
        total = s.T @ s if total is None else total + s.T @ s
    return total


def model_score_crossprod(eng: Engine, theta: np.ndarray) -> list[np.ndarray]:
    """Per group the sum over cases of s s' for the casewise scores wrt theta (= D' C D)."""
    out = []
    iu = np.triu_indices(eng.p)
    for g in range(eng.G):
        Sigma, mu, dS, dm = eng.delta(theta, g)
        if not eng.meanstructure:
            mu = eng._sample_moments(eng.groups[g])[0]
        C = eng.h1_score_crossprod(g, Sigma, mu)
        Dg = np.hstack([dm, dS[:, iu[0], iu[1]]])  # (q, p + p*)
        out.append(Dg @ C @ Dg.T)
    return out


def h1_info_blocks(eng: Engine, g: int, Sigma: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Per-case observed information of the saturated model wrt (mu, vech Sigma) in group g."""
    gd = eng.groups[g]
    if gd.complete:
        return eng._h1_info_blocks_complete(Sigma)
    return 0.5 * saturated_hessian(gd, Sigma, mu, True)[0]


def h1_info_cached(eng: Engine, g: int, cov1: np.ndarray, mean1: np.ndarray) -> np.ndarray:
    cache = eng.__dict__.setdefault("_h1_info_cache", {})
    if g not in cache:
        cache[g] = eng._h1_info_blocks(g, cov1, mean1)
    return cache[g]


def h1_info_blocks_complete(eng: Engine, Sigma: np.ndarray) -> np.ndarray:
    p = eng.p
    iu = np.triu_indices(p)
    ps = len(iu[0])
    P = np.linalg.inv(Sigma)
    Ek = np.zeros((ps, p, p))
    Ek[np.arange(ps), iu[0], iu[1]] = 1
    Ek[np.arange(ps), iu[1], iu[0]] = 1
    PE = P[None] @ Ek
    info = np.zeros((p + ps, p + ps))
    info[:p, :p] = P
    info[p:, p:] = 0.5 * np.einsum("kab,lba->kl", PE, PE)
    return info


def saturated_hessian(gd: GroupData, Sigma: np.ndarray, mu: np.ndarray, use_mean: bool = True):
    """Hessian and gradient of F_g (per case -2 loglik) wrt (mu, upper-triangle Sigma), analytic."""
    p = Sigma.shape[0]
    M = gd.masks
    mm = M[:, :, None] & M[:, None, :]
    Sstar = np.where(mm, Sigma[None], 0.0)
    Sstar[:, np.arange(p), np.arange(p)] += ~M
    K = _inverses(Sigma, gd, Sstar, mm)
    d = (gd.means - mu[None]) * M if use_mean else np.zeros_like(gd.means)
    T = gd.covs + d[:, :, None] * d[:, None, :]
    Q = K @ T @ K
    w = gd.n / gd.N
    Kd = np.einsum("jab,jb->ja", K, d)
    # unit-matrix tensors: Sigma_k = e_a e_b', Sigma_l = e_c e_d'
    wK = K * w[:, None, None]
    # H4[a,b,c,d] = sum_j wK[j,b,c] (Q-K)[j,d,a] + Q[j,b,c] wK[j,d,a]: one matrix product over the patterns
    J = len(w)
    left = np.concatenate([wK, Q]).reshape(2 * J, p * p)
    right = np.concatenate([Q - K, wK]).reshape(2 * J, p * p)
    H4 = (left.T @ right).reshape(p, p, p, p).transpose(3, 0, 1, 2)
    Hmu_s = 2 * np.einsum("j,ja,jbc->abc", w, Kd, K, optimize=True)  # (c: mean index) [a,b] unit Sigma
    Hmm = 2 * np.einsum("j,jac->ac", w, K)
    iu = np.triu_indices(p)
    a, b = iu
    off = a != b
    # symmetric parameters: Sigma_k = U_ab + U_ba (a != b)
    Hss = H4[a, b][:, a, b].copy()
    Hss += np.where(off[None, :], H4[a, b][:, b, a], 0.0)
    Hss += np.where(off[:, None], H4[b, a][:, a, b], 0.0)
    Hss += np.where(off[:, None] & off[None, :], H4[b, a][:, b, a], 0.0)
    Hsm = Hmu_s[a, b] + np.where(off[:, None], Hmu_s[b, a], 0.0)  # (ps, p)
    ps = len(a)
    H = np.zeros((p + ps, p + ps))
    H[p:, p:] = Hss
    if use_mean:
        H[:p, :p] = Hmm
        H[p:, :p] = Hsm
        H[:p, p:] = Hsm.T
    G = np.einsum("j,jab->ab", w, K - K @ T @ K)
    gm = -2 * np.einsum("j,ja->a", w, Kd)
    mult = np.where(off, 2.0, 1.0)
    gs = np.concatenate([gm if use_mean else np.zeros(p), G[a, b] * mult])
    return 0.5 * (H + H.T), gs
