"""Estimation: the ML/FIML discrepancy, its gradient, start values and the optimiser.

``f = sum_g N_g/N * F_g`` with ``F_g = (1/N_g) sum_patterns n_j [log|Sigma_oo| + tr(Sigma_oo^-1 (S_j + d_j d_j'))]``
(the -2 log-likelihood per case, up to constants). Complete data are one pattern. The optimiser is Fisher
scoring with the expected information and backtracking, then BFGS updates, with L-BFGS as a fall-back. The
functions take the :class:`~relatie_lab.sem.engine.Engine` (``eng``) and are its methods of the same name; a new
estimator (another discrepancy function) is a new module next to this one.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from relatie_lab.sem.moments import GroupData, pattern_inverses

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine

__all__ = ["LOG2PI", "group_terms", "loglik", "loglik_group", "newton_step", "objective", "optimize",
           "start_values"]  # fmt: skip

LOG2PI = math.log(2 * math.pi)


def group_terms(Sigma: np.ndarray, mu: np.ndarray, gd: GroupData, use_mean: bool):
    """F_g (per case), dF/dSigma (p,p) and dF/dmu (p) over all patterns."""
    M = gd.masks
    p = M.shape[1]
    if gd.complete:
        try:
            L = np.linalg.cholesky(Sigma)
            P = np.linalg.inv(Sigma)
        except np.linalg.LinAlgError:
            return math.inf, None, None
        d = gd.means[0] - mu if use_mean else np.zeros(p)
        T = gd.covs[0] + np.outer(d, d)
        PT = P @ T
        f = 2 * np.log(np.diag(L)).sum() + np.trace(PT)
        G = P - PT @ P
        G = 0.5 * (G + G.T)
        return f, G, -2 * P @ d
    fast = pattern_inverses(Sigma, gd)
    if fast is not None:
        K, logdet = fast
    else:  # Sigma not positive definite: the observed blocks may still be
        mm = M[:, :, None] & M[:, None, :]
        Sstar = np.where(mm, Sigma[None], 0.0)
        Sstar[:, np.arange(p), np.arange(p)] += ~M
        try:  # the log-determinant from a Cholesky factor (cheaper than slogdet's LU; fails when not PD)
            logdet = 2 * np.log(np.diagonal(np.linalg.cholesky(Sstar), axis1=1, axis2=2)).sum(axis=1)
        except np.linalg.LinAlgError:
            return math.inf, None, None
        K = np.linalg.inv(Sstar) * mm
    d = (gd.means - mu[None]) * M
    w = gd.n / gd.N
    # with z = K d: tr(K (S_j + d d')) = tr(K S_j) + z'd and K (S_j + d d') K = K S_j K + z z'; S_j = 0 for a
    # pattern of one row, so the (patterns, p, p) products are needed only for patterns with several rows
    z = np.einsum("jab,jb->ja", K, d)
    f = float(w @ (logdet + (z * d).sum(axis=1)))
    G = np.einsum("j,jab->ab", w, K) - (z * w[:, None]).T @ z
    multi = np.flatnonzero(gd.n > 1)
    if len(multi):
        Km, Sm, wm = K[multi], gd.covs[multi], w[multi]
        KS = Km @ Sm
        f += float(wm @ np.einsum("jii->j", KS))
        G -= np.einsum("j,jab->ab", wm, KS @ Km)
    G = 0.5 * (G + G.T)
    gm = -2 * (w @ z)
    return f, G, gm


def objective(eng: Engine, theta: np.ndarray, grad: bool = True):
    """f = sum_g N_g/N F_g and its gradient wrt theta.

    The gradient is computed in matrix form (no per-parameter derivative matrices):
    with ``Y = F' (dF/dSigma) F`` and ``B = (I-A)^-1``: ``dF/dA = 2 B'YBSB' + (B'F'g_mu)(Bm)'``,
    ``dF/dS = B'YB`` (off-diagonal entries twice) and ``dF/dm = B'F'g_mu``.
    """
    f = 0.0
    gr = np.zeros(eng.q)
    p = eng.p
    for g, gd in enumerate(eng.groups):
        wg = gd.N / eng.N
        A, S, m = eng.matrices(theta, g)
        B = np.linalg.inv(np.eye(eng.nv) - A)
        Bo = B[:p]
        Sigma = Bo @ S @ Bo.T
        mu = Bo @ m if eng.meanstructure else eng._sample_moments(gd)[0]
        fg, G, gm = eng._group_terms(Sigma, mu, gd, eng.meanstructure)
        if not np.isfinite(fg):
            return (math.inf, gr) if grad else math.inf
        f += wg * fg
        if not grad:
            continue
        Z = Bo.T @ G @ Bo  # B'YB
        gA = 2 * Z @ S @ B.T
        gS = Z
        if eng.meanstructure:
            u = Bo.T @ gm
            gA = gA + np.outer(u, B @ m)
            gmv = u
        e = eng.entries[g]
        q = eng.q
        if len(e["A"]):
            gr += wg * np.bincount(e["A"][:, 2], gA[e["A"][:, 0], e["A"][:, 1]], minlength=q)
        if len(e["S"]):
            i, j, k = e["S"].T
            gr += wg * np.bincount(k, np.where(i == j, 1.0, 2.0) * gS[i, j], minlength=q)
        if len(e["m"]) and eng.meanstructure:
            gr += wg * np.bincount(e["m"][:, 2], gmv[e["m"][:, 0]], minlength=q)
    return (f, gr) if grad else f


def start_values(eng: Engine) -> np.ndarray:
    """Simple lavaan-like start values (or the user's start())."""
    theta = np.zeros(eng.q)
    set_ = np.zeros(eng.q, bool)
    records = eng.pt[["group", "lhs", "op", "rhs", "free", "start", "ustart"]].to_dict("records")
    ovi = {v: i for i, v in enumerate(eng.ov)}
    for g, gd in enumerate(eng.groups):
        mean, cov = eng._sample_moments(gd)
        sub = [r for r in records if r["group"] == g + 1]
        marker: dict[str, str] = {}
        for r in sub:
            if r["op"] == "=~":
                marker.setdefault(r["lhs"], r["rhs"])
        psi: dict[str, float] = {}
        for f, r_ in marker.items():
            psi[f] = 0.5 * cov[ovi[r_], ovi[r_]] if r_ in ovi else 0.5
            fixed_var = [r for r in sub if r["op"] == "~~" and r["lhs"] == f and r["rhs"] == f and r["free"] == 0]
            if fixed_var and np.isfinite(fixed_var[0]["ustart"]):
                psi[f] = float(fixed_var[0]["ustart"]) or 1.0
        lam_marker: dict[str, float] = {}
        for r in sub:
            k = r["free"] - 1
            if k < 0 or set_[k]:
                continue
            op, lhs, rhs = r["op"], r["lhs"], r["rhs"]
            if np.isfinite(r["start"]):
                theta[k] = r["start"]
            elif op == "=~":
                mk = marker[lhs]
                if rhs in ovi and mk in ovi:
                    if rhs == mk:
                        lam = math.sqrt(max(0.5 * cov[ovi[mk], ovi[mk]] / psi[lhs], 1e-6))
                        lam_marker[lhs] = lam
                    else:
                        lm = lam_marker.get(lhs, 1.0)
                        lam = cov[ovi[rhs], ovi[mk]] / (lm * psi[lhs])
                    theta[k] = lam
                else:
                    theta[k] = 1.0
            elif op == "~~" and lhs == rhs:
                theta[k] = 0.5 * cov[ovi[lhs], ovi[lhs]] if lhs in ovi else psi.get(lhs, 0.05)
                if lhs in ovi and theta[k] <= 0:
                    theta[k] = 1.0
            elif op == "~1" and lhs in ovi:
                theta[k] = mean[ovi[lhs]]
            else:
                theta[k] = 0.0
            set_[k] = True
    return theta


def optimize(eng: Engine, theta0: np.ndarray | None = None, *, tol: float = 1e-10, maxit: int = 500,
             hess0: np.ndarray | None = None, fallback: bool = True):  # fmt: skip
    """Fisher scoring with backtracking, then BFGS updates; L-BFGS fall-back.

    ``hess0``: a Hessian approximation to start from (warm starts in the bootstrap). A model with ``==``, ``<``
    or ``>`` constraints is estimated by :func:`relatie_lab.sem.constraints.optimize_constrained`.
    Returns (theta, converged, iterations).
    """
    if theta0 is not None:
        theta = np.array(theta0, float)
    elif not eng.complete:
        theta = eng._moment_start()
    else:
        theta = eng.start_values()
    f, _ = eng.objective(theta)
    if not np.isfinite(f):
        theta = eng.start_values()
    if getattr(eng, "constraints", None) is not None and eng.constraints.rows:
        from relatie_lab.sem.constraints import optimize_constrained

        return optimize_constrained(eng, theta, tol=tol, maxit=maxit, fallback=fallback)

    def info(t: np.ndarray) -> np.ndarray:
        return eng.expected_info(t) if eng.complete else eng._approx_info(t)

    if hess0 is None and not eng.complete and theta0 is None and getattr(eng, "fiml_newton", True):
        # FIML: every objective evaluation inverts one matrix per missing-data pattern. From the moment start the
        # observed information (one evaluation's worth of work more) gives Newton steps: a few iterations
        # instead of twenty quasi-Newton ones started from the coverage-weighted approximation.
        try:
            H0 = eng.observed_info(theta) * 2 / eng.N
            np.linalg.cholesky(H0)
            hess0 = H0
        except np.linalg.LinAlgError:
            hess0 = None
    return scoring(eng.objective, info, theta, tol=tol, maxit=maxit, hess0=hess0, fallback=fallback)


def scoring(fun, info, theta: np.ndarray, *, tol: float = 1e-10, maxit: int = 500, hess0: np.ndarray | None = None,
            fallback: bool = True) -> tuple[np.ndarray, bool, int]:  # fmt: skip
    """Minimise ``fun`` (returns value and gradient) by scoring with ``info`` (an information matrix), backtracking
    and BFGS updates; L-BFGS as a fall-back. Returns (theta, converged, iterations)."""
    f, g = fun(theta)
    it = 0
    converged = False
    H = None if hess0 is None else hess0.copy()
    for it in range(1, maxit + 1):
        try:
            if H is None or (it <= 2 and hess0 is None):
                H = info(theta)
            step = newton_step(H, g)
        except np.linalg.LinAlgError:
            H = None
            step = g
        alpha = 1.0
        while True:
            new = theta - alpha * step
            fn, gn = fun(new)
            if np.isfinite(fn) and fn <= f + 1e-12 * abs(f):
                break
            alpha /= 2
            if alpha < 1e-8:
                break
        if alpha < 1e-8:
            break
        # BFGS update of the Hessian approximation, started from the expected information
        s_, y_ = new - theta, gn - g
        sy = float(s_ @ y_)
        if H is not None and sy > 1e-14:
            Hs = H @ s_
            H = H + np.outer(y_, y_) / sy - np.outer(Hs, Hs) / float(s_ @ Hs)
        theta, fold, f, g = new, f, fn, gn
        if np.max(np.abs(g)) < tol or (abs(fold - f) < 1e-15 and np.max(np.abs(alpha * step)) < 1e-9):
            converged = bool(np.max(np.abs(g)) < max(tol, 1e-6))
            break
    if not converged and np.isfinite(f):
        converged = bool(np.max(np.abs(g)) < max(tol, 1e-6))
    if not converged and fallback:
        from scipy.optimize import minimize  # imported only when needed (import time)

        res = minimize(fun, theta, jac=True, method="L-BFGS-B",
                                      options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})  # fmt: skip
        if np.isfinite(res.fun) and res.fun <= f:
            theta = res.x
        f, g = fun(theta)
        converged = bool(np.max(np.abs(g)) < 1e-5)
    return theta, converged, it


def approx_info(eng: Engine, theta: np.ndarray) -> np.ndarray:
    """Cheap FIML preconditioner: complete-data expected information weighted by coverage."""
    H = np.zeros((eng.q, eng.q))
    for g, gd in enumerate(eng.groups):
        Sigma, _, dS, dm = eng.delta(theta, g)
        P = np.linalg.inv(Sigma)
        cover = (gd.masks * gd.n[:, None]).sum(0) / gd.N
        wv = np.sqrt(cover)
        Wm = np.outer(wv, wv)
        dSw = dS * Wm[None]
        PdP = P[None] @ dSw @ P[None]
        Hg = PdP.reshape(eng.q, -1) @ dSw.reshape(eng.q, -1).T + 2 * (dm * wv) @ P @ (dm * wv).T
        H += gd.N / eng.N * Hg
    return 0.5 * (H + H.T)


def loglik_group(eng: Engine, Sigma: np.ndarray, mu: np.ndarray, gd: GroupData, use_mean: bool = True) -> float:
    f, _, _ = eng._group_terms(Sigma, mu, gd, use_mean)
    nobs = float((gd.masks.sum(1) * gd.n).sum())
    return -0.5 * (gd.N * f + nobs * LOG2PI)


def loglik(eng: Engine, theta: np.ndarray) -> float:
    """Log-likelihood (as lavaan: with fixed.x covariates, minus their own marginal part)."""
    total = 0.0
    for g, gd in enumerate(eng.groups):
        Sigma, mu = eng.implied(theta, g)
        total += eng.loglik_group(Sigma, mu, gd, True)
    return total - eng._loglik_x()


def loglik_x(eng: Engine) -> float:
    """Marginal log-likelihood of the fixed.x covariates at their (fixed) sample moments."""
    if not len(eng.x_idx):
        return 0.0
    xi = eng.x_idx
    total = 0.0
    for gd in eng.groups:
        mean, cov = eng._sample_moments(gd)
        sub = GroupData.from_array(gd.X[:, xi]) if len(gd.X) else GroupData(
            gd.X[:, xi], np.ones((1, len(xi)), bool), gd.n, gd.means[:, xi], gd.covs[:, xi][:, :, xi],
            gd.pattern_of_row, True)  # fmt: skip
        total += eng.loglik_group(cov[np.ix_(xi, xi)], mean[xi], sub, True)
    return total


def moment_start(eng: Engine) -> np.ndarray:
    """Start values for FIML: the complete-data ML fit to the EM means and covariances."""
    import copy

    h1 = eng.h1()
    proxy = copy.copy(eng)
    proxy.groups = [
        GroupData(np.zeros((0, eng.p)), np.ones((1, eng.p), bool), np.array([gd.N]), m[None], c[None],
                  np.zeros(0, int), True)
        for gd, (c, m, _) in zip(eng.groups, h1, strict=True)
    ]  # fmt: skip
    proxy.complete = True
    proxy.__dict__.pop("_h1", None)
    theta, _, _ = proxy.optimize(eng.start_values(), maxit=200)
    return theta


def newton_step(H: np.ndarray, g: np.ndarray, rcond: float = 1e-12) -> np.ndarray:
    """``H^-1 g`` by Cholesky; for a (numerically) singular ``H`` the minimum-norm step in its range.

    An unidentified model has a singular information matrix: a plain solve then gives a huge step whose size
    depends on rounding (so on the BLAS). The pseudo-inverse step moves only in the identified directions, the
    same on every machine.
    """
    try:
        L = np.linalg.cholesky(H)
        d = np.diag(L) ** 2
        if d.min() > rcond * d.max():
            return np.linalg.solve(H, g)
    except np.linalg.LinAlgError:
        pass
    w, V = np.linalg.eigh(0.5 * (H + H.T))
    keep = w > 1e-10 * max(float(w.max()), 1e-300)
    if not keep.any():
        raise np.linalg.LinAlgError("information matrix without positive eigenvalues")
    Vk = V[:, keep]
    return Vk @ ((Vk.T @ g) / w[keep])
