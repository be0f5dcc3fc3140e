"""The SEM estimator: normal-theory ML, FIML for missing data, MLR, fit indices; checked against lavaan.

The model is held in RAM form per group: all variables (observed first, then latent) in one vector
``v = A v + u`` with ``Cov(u) = S`` and ``E(u) = m``, so that the observed covariance matrix is
``Sigma = F (I-A)^-1 S (I-A)^-T F'`` and the observed means ``mu = F (I-A)^-1 m``. Every free parameter
is a list of entries in ``A``, ``S`` or ``m`` (equal labels = one parameter with several entries).

Estimation minimises ``f = sum_g N_g/N * F_g`` with ``F_g = (1/N_g) sum_patterns n_j [log|Sigma_oo| +
tr(Sigma_oo^-1 (S_j + d_j d_j'))]`` (the -2 log-likelihood per case, up to constants). Complete data are
one pattern (sufficient statistics: the ML covariance matrix and the mean vector), so a million rows
cost one covariance matrix. The optimiser is Fisher scoring with the expected information and
backtracking (a few iterations), with L-BFGS as a fall-back. Standard errors use the expected
information (complete-data ML, as lavaan's default), the observed information (FIML, as lavaan's
``missing="ml"``) or the Huber-White sandwich with observed information (MLR). The Yuan-Bentler
scaled test follows lavaan's ``yuan.bentler.mplus`` and the robust CFI/TLI/RMSEA lavaan 0.6's
``cfi.robust``/``tli.robust``/``rmsea.robust`` (Brosseau-Liard & Savalei) for complete data.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem.syntax import parse_model
>>> rng = np.random.default_rng(1)
>>> f = rng.normal(size=(300, 1))
>>> X = pd.DataFrame(f @ [[1.0, 0.8, 0.6]] + rng.normal(size=(300, 3)), columns=["a", "b", "c"])
>>> eng = Engine(parse_model("f =~ a + b + c"), [X])
>>> fit = eng.fit()
>>> fit.converged, round(fit.chisq, 6)
(True, 0.0)
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg as scipy_linalg
from scipy import optimize, special, stats

from relatie_lab.sem.identification import unidentified_parameters

__all__ = ["Engine", "EngineFit", "GroupData", "linear_dependencies", "rmsea_ci", "single_thread_blas"]

LOG2PI = math.log(2 * math.pi)


@functools.cache
def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries, made once (it scans the process's libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def single_thread_blas():
    """Context manager limiting BLAS to one thread.

    The matrices here are small (tens of rows): multi-threaded BLAS only adds overhead, and on a
    shared 2-core machine it is 2-5x slower.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def linear_dependencies(cov: np.ndarray, names: list[str], tol: float = 1e-10) -> list[tuple[list[str], str]]:
    """The (nearly) linearly dependent variables behind a covariance matrix that is not positive definite.

    Empty when the smallest eigenvalue of ``cov`` is above ``tol`` times the largest. Otherwise each variable, in
    order, is regressed on the earlier independent ones; one that they explain (almost) completely
    (``1 - R^2 <= 1e-8``) is reported with the variables that carry it and the relation (``"c ≈ a + b"``, up to a
    constant). A variable without variance is reported alone (``"c ≈ constant"``).

    Parameters
    ----------
    cov : array (p, p)
        Sample covariance matrix.
    names : list of str
        Variable names in the order of ``cov``.
    tol : float
        Relative size of an eigenvalue counted as zero.

    Returns
    -------
    list of (items, relation)

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3))
    >>> X = np.c_[X, X[:, 0] + X[:, 1]]
    >>> linear_dependencies(np.cov(X.T), ["a", "b", "c", "d"])
    [(['a', 'b', 'd'], 'd ≈ a + b')]
    """
    cov = np.asarray(cov, float)
    cov = 0.5 * (cov + cov.T)
    ev, vecs = np.linalg.eigh(cov)
    top = max(float(ev[-1]), 0.0)
    if top > 0 and ev[0] > tol * top:
        return []
    out: list[tuple[list[str], str]] = []
    var = np.diag(cov)
    basis: list[int] = []
    for j in range(len(names)):
        if var[j] <= tol * max(top, 1e-300):
            out.append(([names[j]], f"{names[j]} ≈ constant"))
            continue
        if basis:
            Sbb = cov[np.ix_(basis, basis)]
            beta = np.linalg.lstsq(Sbb, cov[basis, j], rcond=None)[0]
            resid = var[j] - cov[j, basis] @ beta
            if resid <= 1e-8 * var[j]:
                share = np.abs(beta) * np.sqrt(var[basis])  # standardized weight of each earlier variable
                keep = [k for k in range(len(basis)) if share[k] >= 0.1 * share.max()]
                parts = [(names[basis[k]], float(beta[k])) for k in keep]
                out.append(([*(n for n, _ in parts), names[j]], _relation(names[j], parts)))
                continue
        basis.append(j)
    if not out:  # badly scaled: fall back to the eigenvector of the smallest eigenvalue
        v = vecs[:, 0]
        idx = [i for i in range(len(names)) if abs(v[i]) >= 0.1 * np.abs(v).max()]
        parts = [(names[i], float(-v[i] / v[idx[-1]])) for i in idx[:-1]]
        out.append(([names[i] for i in idx], _relation(names[idx[-1]], parts)))
    return out


def _relation(target: str, parts: list[tuple[str, float]]) -> str:
    """``"d ≈ a - 2.00*c"``: a weight of (about) one is left out."""
    if not parts:
        return f"{target} ≈ constant"
    text = ""
    for i, (name, c) in enumerate(parts):
        term = ("" if abs(abs(c) - 1) < 0.005 else f"{abs(c):.2f}*") + name
        text += ("-" if c < 0 else "") + term if i == 0 else f" {'-' if c < 0 else '+'} {term}"
    return f"{target} ≈ {text}"


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


# --------------------------------------------------------------------------------------------------
# results
@dataclass
class EngineFit:
    """Raw numbers of one fitted model (``sem.fit_sem`` turns them into tables)."""

    theta: np.ndarray
    converged: bool
    iterations: int
    fmin: float
    chisq: float
    df: int
    npar: int
    loglik: float
    loglik_h1: float
    vcov: np.ndarray | None
    fit: dict[str, float] = field(default_factory=dict)
    info_observed: np.ndarray | None = None
    message: str = ""
    unidentified: list[int] = field(default_factory=list)  # free parameters (0-based) the data cannot separate


# --------------------------------------------------------------------------------------------------
class Engine:
    """A compiled model: parameter table + data per group.

    Parameters
    ----------
    pt : DataFrame
        Parameter table from :func:`relatie_lab.sem.syntax.parse_model` (with ``ngroups`` blocks).
    data : list of DataFrame or arrays
        One data set per group with (at least) the observed variables of the model.
    meanstructure : bool, optional
        Model the means; default: True when there are missing values or more groups.
    """

    def __init__(self, pt: pd.DataFrame, data: list, meanstructure: bool | None = None) -> None:
        self.pt = pt.reset_index(drop=True)
        self.pt.attrs = {}  # pandas deep-copies attrs on every operation: keep the engine's copy light
        self.n_ov_x = len(pt.attrs.get("ov_x", []))
        self.ov: list[str] = list(pt.attrs["observed"])
        self.x_idx = np.array([self.ov.index(v) for v in pt.attrs.get("ov_x", [])], dtype=int)
        self.lv: list[str] = list(pt.attrs["latent"])
        self.G = int(pt.attrs.get("ngroups", 1))
        arrays = [np.asarray(d[self.ov] if isinstance(d, pd.DataFrame) else d, dtype=float) for d in data]
        self.groups = [GroupData.from_array(a) for a in arrays]
        self.complete = all(g.complete for g in self.groups)
        if meanstructure is None:
            meanstructure = bool(pt.attrs.get("meanstructure", False))
        self.meanstructure = meanstructure
        self.p = len(self.ov)
        self.nv = self.p + len(self.lv)
        self.N = sum(g.N for g in self.groups)
        self._compile()

    # ---------------------------------------------------------------------------------------------
    def _compile(self) -> None:
        idx = {v: i for i, v in enumerate(self.ov + self.lv)}
        pt = self.pt
        self.q = int(pt.free.max()) if len(pt) else 0
        self.base = []
        ent: list[list[tuple[str, int, int, int]]] = [[] for _ in range(self.G)]
        for _ in range(self.G):
            A = np.zeros((self.nv, self.nv))
            S = np.zeros((self.nv, self.nv))
            m = np.zeros(self.nv)
            self.base.append((A, S, m))
        for r in pt.itertuples():
            g = r.group - 1
            A, S, m = self.base[g]
            i = idx[r.lhs]
            if r.op == "=~":
                kind, a, b = "A", idx[r.rhs], i
            elif r.op == "~":
                kind, a, b = "A", i, idx[r.rhs]
            elif r.op == "~~":
                kind, a, b = "S", i, idx[r.rhs]
            else:
                kind, a, b = "m", i, 0
            val = r.ustart
            if r.exo:  # fixed.x: sample statistics
                gd = self.groups[g]
                mean, cov = self._sample_moments(gd)
                val = mean[a] if kind == "m" else cov[a, b]
            if r.free > 0:
                ent[g].append((kind, a, b, r.free - 1))
            elif kind == "A":
                A[a, b] = val
            elif kind == "S":
                S[a, b] = S[b, a] = val
            else:
                m[a] = val
        kinds = {"=~": 0, "~": 0, "~~": 1, "~1": 2}
        rm = np.zeros((len(pt), 5), dtype=int)  # kind, group, a, b, free
        for n_, r in enumerate(pt.itertuples()):
            i = idx[r.lhs]
            if r.op == "=~":
                a, b = idx[r.rhs], i
            elif r.op in ("~", "~~"):
                a, b = i, idx[r.rhs]
            else:
                a, b = i, 0
            rm[n_] = (kinds[r.op], r.group - 1, a, b, r.free)
        self.row_map = rm
        self.entries = []
        for g in range(self.G):
            e = ent[g]
            arr = {k: np.array([(a, b, t) for kk, a, b, t in e if kk == k], dtype=int).reshape(-1, 3)
                   for k in "ASm"}  # fmt: skip
            self.entries.append(arr)

    def _sample_moments(self, gd: GroupData) -> tuple[np.ndarray, np.ndarray]:
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

    # ---------------------------------------------------------------------------------------------
    def matrices(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        A, S, m = (x.copy() for x in self.base[g])
        e = self.entries[g]
        if len(e["A"]):
            A[e["A"][:, 0], e["A"][:, 1]] = theta[e["A"][:, 2]]
        if len(e["S"]):
            S[e["S"][:, 0], e["S"][:, 1]] = theta[e["S"][:, 2]]
            S[e["S"][:, 1], e["S"][:, 0]] = theta[e["S"][:, 2]]
        if len(e["m"]):
            m[e["m"][:, 0]] = theta[e["m"][:, 2]]
        return A, S, m

    def row_values(self, theta: np.ndarray) -> np.ndarray:
        """Value of every parameter-table row (free from theta, fixed from the model or the data)."""
        rm = self.row_map
        out = np.empty(len(rm))
        for g in range(self.G):
            A, S, m = self.matrices(theta, g)
            sel = rm[:, 1] == g
            k, a, b = rm[sel, 0], rm[sel, 2], rm[sel, 3]
            out[sel] = np.where(k == 0, A[a, b], np.where(k == 1, S[a, b], m[a]))
        return out

    def implied_full(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        """Covariance matrix and means of all variables (observed and latent)."""
        A, S, m = self.matrices(theta, g)
        B = np.linalg.inv(np.eye(self.nv) - A)
        return B @ S @ B.T, B @ m

    def implied(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
        A, S, m = self.matrices(theta, g)
        B = np.linalg.inv(np.eye(self.nv) - A)
        Bo = B[: self.p]
        Sigma = Bo @ S @ Bo.T
        mu = Bo @ m if self.meanstructure else self._sample_moments(self.groups[g])[0]
        return Sigma, mu

    def delta(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sigma, mu and their derivatives: dSigma (q, p, p), dmu (q, p)."""
        A, S, m = self.matrices(theta, g)
        B = np.linalg.inv(np.eye(self.nv) - A)
        p = self.p
        Bo = B[:p]
        C = S @ Bo.T  # (nv, p)
        Sigma = Bo @ C
        Bm = B @ m
        mu = Bo @ m if self.meanstructure else self._sample_moments(self.groups[g])[0]
        dS = np.zeros((self.q, p, p))
        dm = np.zeros((self.q, p))
        e = self.entries[g]
        if len(e["A"]):
            i, j, k = e["A"].T
            # d Sigma = Bo[:, i] (B S Bo')[j, :] + transpose
            BSB = B @ C  # (nv, p)
            contrib = Bo[:, i].T[:, :, None] * BSB[j][:, None, :]
            contrib = contrib + contrib.transpose(0, 2, 1)
            _scatter(dS, k, contrib)
            if self.meanstructure:
                _scatter(dm, k, Bo[:, i].T * Bm[j][:, None])
        if len(e["S"]):
            i, j, k = e["S"].T
            contrib = Bo[:, i].T[:, :, None] * Bo[:, j].T[:, None, :]
            off = (i != j)[:, None, None]
            contrib = contrib + np.where(off, contrib.transpose(0, 2, 1), 0.0)
            _scatter(dS, k, contrib)
        if len(e["m"]) and self.meanstructure:
            i, _, k = e["m"].T
            _scatter(dm, k, Bo[:, i].T)
        return Sigma, mu, dS, dm

    # ---------------------------------------------------------------------------------------------
    @staticmethod
    def _group_terms(Sigma: np.ndarray, mu: np.ndarray, gd: GroupData, use_mean: bool):
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
        mm = M[:, :, None] & M[:, None, :]
        Sstar = np.where(mm, Sigma[None], 0.0)
        Sstar[:, np.arange(p), np.arange(p)] += ~M
        sign, logdet = np.linalg.slogdet(Sstar)
        if np.any(sign <= 0):
            return math.inf, None, None
        K = np.linalg.inv(Sstar) * mm
        d = (gd.means - mu[None]) * M
        T = gd.covs + d[:, :, None] * d[:, None, :]
        KT = K @ T
        w = gd.n / gd.N
        f = float(w @ (logdet + np.einsum("jii->j", KT)))
        G = np.einsum("j,jab->ab", w, K - KT @ K)
        G = 0.5 * (G + G.T)
        gm = -2 * np.einsum("j,jab,jb->a", w, K, d)
        return f, G, gm

    def objective(self, theta: np.ndarray, grad: bool = True):
        """f = sum_g N_g/N F_g and its gradient wrt theta.

        The gradient is computed in matrix form (no per-parameter derivative matrices):
        with ``Y = F' (dF/dSigma) F`` and ``B = (I-A)^-1``: ``dF/dA = 2 B'YBSB' + (B'F'g_mu)(Bm)'``,
        ``dF/dS = B'YB`` (off-diagonal entries twice) and ``dF/dm = B'F'g_mu``.
        """
        f = 0.0
        gr = np.zeros(self.q)
        p = self.p
        for g, gd in enumerate(self.groups):
            wg = gd.N / self.N
            A, S, m = self.matrices(theta, g)
            B = np.linalg.inv(np.eye(self.nv) - A)
            Bo = B[:p]
            Sigma = Bo @ S @ Bo.T
            mu = Bo @ m if self.meanstructure else self._sample_moments(gd)[0]
            fg, G, gm = self._group_terms(Sigma, mu, gd, self.meanstructure)
            if not np.isfinite(fg):
                return (math.inf, gr) if grad else math.inf
            f += wg * fg
            if not grad:
                continue
            Z = Bo.T @ G @ Bo  # B'YB
            gA = 2 * Z @ S @ B.T
            gS = Z
            if self.meanstructure:
                u = Bo.T @ gm
                gA = gA + np.outer(u, B @ m)
                gmv = u
            e = self.entries[g]
            q = self.q
            if len(e["A"]):
                gr += wg * np.bincount(e["A"][:, 2], gA[e["A"][:, 0], e["A"][:, 1]], minlength=q)
            if len(e["S"]):
                i, j, k = e["S"].T
                gr += wg * np.bincount(k, np.where(i == j, 1.0, 2.0) * gS[i, j], minlength=q)
            if len(e["m"]) and self.meanstructure:
                gr += wg * np.bincount(e["m"][:, 2], gmv[e["m"][:, 0]], minlength=q)
        return (f, gr) if grad else f

    def expected_info(self, theta: np.ndarray) -> np.ndarray:
        """Sum_g N_g/N * E[d2 F_g] (= 2x the per-case Fisher information), complete-data form."""
        H = np.zeros((self.q, self.q))
        for g, gd in enumerate(self.groups):
            Sigma, _, dS, dm = self.delta(theta, g)
            P = np.linalg.inv(Sigma)
            if gd.complete:
                PdP = P[None] @ dS @ P[None]
                Hg = PdP.reshape(self.q, -1) @ dS.reshape(self.q, -1).T + 2 * dm @ P @ dm.T
            else:
                # pattern-wise expected information of FIML
                M = gd.masks
                p = self.p
                mm = M[:, :, None] & M[:, None, :]
                Sstar = np.where(mm, Sigma[None], 0.0)
                Sstar[:, np.arange(p), np.arange(p)] += ~M
                K = np.linalg.inv(Sstar) * mm
                w = gd.n / gd.N
                KbarS = np.einsum("j,jab->ab", w, K)
                KD = np.matmul(K[:, None], dS[None])  # (J, q, p, p)
                Hg = np.einsum("j,jkab,jlba->kl", w, KD, KD, optimize=True) + 2 * dm @ KbarS @ dm.T
            H += gd.N / self.N * Hg
        return 0.5 * (H + H.T)

    # ---------------------------------------------------------------------------------------------
    def start_values(self) -> np.ndarray:
        """Simple lavaan-like start values (or the user's start())."""
        theta = np.zeros(self.q)
        set_ = np.zeros(self.q, bool)
        records = self.pt[["group", "lhs", "op", "rhs", "free", "start", "ustart"]].to_dict("records")
        ovi = {v: i for i, v in enumerate(self.ov)}
        for g, gd in enumerate(self.groups):
            mean, cov = self._sample_moments(gd)
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

    # ---------------------------------------------------------------------------------------------
    def optimize(self, theta0: np.ndarray | None = None, *, tol: float = 1e-10, maxit: int = 500,
                 hess0: np.ndarray | None = None, fallback: bool = True):  # fmt: skip
        """Fisher scoring with backtracking, then BFGS updates; L-BFGS fall-back.

        ``hess0``: a Hessian approximation to start from (warm starts in the bootstrap).
        Returns (theta, converged, iterations).
        """
        if theta0 is not None:
            theta = np.array(theta0, float)
        elif not self.complete:
            theta = self._moment_start()
        else:
            theta = self.start_values()
        f, g = self.objective(theta)
        if not np.isfinite(f):
            theta = self.start_values()
            f, g = self.objective(theta)
        it = 0
        converged = False
        H = None if hess0 is None else hess0.copy()
        for it in range(1, maxit + 1):
            try:
                if H is None or (it <= 2 and hess0 is None):
                    H = self.expected_info(theta) if self.complete else self._approx_info(theta)
                step = newton_step(H, g)
            except np.linalg.LinAlgError:
                H = None
                step = g
            alpha = 1.0
            while True:
                new = theta - alpha * step
                fn, gn = self.objective(new)
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
            res = optimize.minimize(lambda t: self.objective(t), theta, jac=True, method="L-BFGS-B",
                                    options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})  # fmt: skip
            if np.isfinite(res.fun) and res.fun <= f:
                theta = res.x
            f, g = self.objective(theta)
            converged = bool(np.max(np.abs(g)) < 1e-5)
        return theta, converged, it

    def _approx_info(self, theta: np.ndarray) -> np.ndarray:
        """Cheap FIML preconditioner: complete-data expected information weighted by coverage."""
        H = np.zeros((self.q, self.q))
        for g, gd in enumerate(self.groups):
            Sigma, _, dS, dm = self.delta(theta, g)
            P = np.linalg.inv(Sigma)
            cover = (gd.masks * gd.n[:, None]).sum(0) / gd.N
            wv = np.sqrt(cover)
            Wm = np.outer(wv, wv)
            dSw = dS * Wm[None]
            PdP = P[None] @ dSw @ P[None]
            Hg = PdP.reshape(self.q, -1) @ dSw.reshape(self.q, -1).T + 2 * (dm * wv) @ P @ (dm * wv).T
            H += gd.N / self.N * Hg
        return 0.5 * (H + H.T)

    # ---------------------------------------------------------------------------------------------
    def loglik_group(self, Sigma: np.ndarray, mu: np.ndarray, gd: GroupData, use_mean: bool = True) -> float:
        f, _, _ = self._group_terms(Sigma, mu, gd, use_mean)
        nobs = float((gd.masks.sum(1) * gd.n).sum())
        return -0.5 * (gd.N * f + nobs * LOG2PI)

    def loglik(self, theta: np.ndarray) -> float:
        """Log-likelihood (as lavaan: with fixed.x covariates, minus their own marginal part)."""
        total = 0.0
        for g, gd in enumerate(self.groups):
            Sigma, mu = self.implied(theta, g)
            total += self.loglik_group(Sigma, mu, gd, True)
        return total - self._loglik_x()

    def _loglik_x(self) -> float:
        """Marginal log-likelihood of the fixed.x covariates at their (fixed) sample moments."""
        if not len(self.x_idx):
            return 0.0
        xi = self.x_idx
        total = 0.0
        for gd in self.groups:
            mean, cov = self._sample_moments(gd)
            sub = GroupData.from_array(gd.X[:, xi]) if len(gd.X) else GroupData(
                gd.X[:, xi], np.ones((1, len(xi)), bool), gd.n, gd.means[:, xi], gd.covs[:, xi][:, :, xi],
                gd.pattern_of_row, True)  # fmt: skip
            total += self.loglik_group(cov[np.ix_(xi, xi)], mean[xi], sub, True)
        return total

    def observed_info_numeric(self, theta: np.ndarray, h: float = 1e-5) -> np.ndarray:
        """Observed information by central differences of the analytic gradient (used as a check)."""
        q = self.q
        H = np.zeros((q, q))
        for k in range(q):
            hk = h * max(1.0, abs(theta[k]))
            e = np.zeros(q)
            e[k] = hk
            H[:, k] = (self.objective(theta + e)[1] - self.objective(theta - e)[1]) / (2 * hk)
        return 0.25 * self.N * (H + H.T)

    def observed_info(self, theta: np.ndarray, h: float = 1e-6) -> np.ndarray:
        """Observed information (Hessian of -loglik).

        ``Delta' H_sat Delta`` with the analytic Hessian of the casewise likelihood in the saturated
        moments, plus the curvature of the model's moments (differences of ``Delta' g_sat`` at fixed
        ``g_sat``; cheap, no pass over the data).
        """
        q = self.q
        iu = np.triu_indices(self.p)
        H = np.zeros((q, q))
        for g, gd in enumerate(self.groups):
            Sigma, mu, dS, dm = self.delta(theta, g)
            Hs, gs = _saturated_hessian(gd, Sigma, mu, self.meanstructure)
            D = np.hstack([dm, dS[:, iu[0], iu[1]]])
            Hg = D @ Hs @ D.T
            second = np.zeros((q, q))
            for k in range(q):
                hk = h * max(1.0, abs(theta[k]))
                tp, tm = theta.copy(), theta.copy()
                tp[k] += hk
                tm[k] -= hk
                _, _, dSp, dmp = self.delta(tp, g)
                _, _, dSm, dmm = self.delta(tm, g)
                Dp = np.hstack([dmp, dSp[:, iu[0], iu[1]]])
                Dm = np.hstack([dmm, dSm[:, iu[0], iu[1]]])
                second[:, k] = (Dp - Dm) @ gs / (2 * hk)
            H += gd.N / self.N * (Hg + 0.5 * (second + second.T))
        return 0.5 * self.N * 0.5 * (H + H.T)

    # ---------------------------------------------------------------------------------------------
    def h1(self) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """Saturated model per group: (cov, mean, loglik); EM for missing data (computed once)."""
        if "_h1" in self.__dict__:
            return self.__dict__["_h1"]
        out = []
        for gd in self.groups:
            if gd.complete:
                mean, cov = gd.means[0], gd.covs[0]
            else:
                cov, mean = _em_saturated(gd)
            out.append((cov, mean, self.loglik_group(cov, mean, gd, True)))
        if len(self.x_idx):
            llx = self._loglik_x() / len(out)
            out = [(c, m, ll - llx) for c, m, ll in out] if len(out) == 1 else self._h1_minus_x(out)
        self.__dict__["_h1"] = out
        return out

    def _h1_minus_x(self, out: list) -> list:
        xi = self.x_idx
        res = []
        for gd, (c, m, ll) in zip(self.groups, out, strict=True):
            mean, cov = self._sample_moments(gd)
            sub = GroupData.from_array(gd.X[:, xi])
            res.append((c, m, ll - self.loglik_group(cov[np.ix_(xi, xi)], mean[xi], sub, True)))
        return res

    def _moment_start(self) -> np.ndarray:
        """Start values for FIML: the complete-data ML fit to the EM means and covariances."""
        import copy

        h1 = self.h1()
        proxy = copy.copy(self)
        proxy.groups = [
            GroupData(np.zeros((0, self.p)), np.ones((1, self.p), bool), np.array([gd.N]), m[None], c[None],
                      np.zeros(0, int), True)
            for gd, (c, m, _) in zip(self.groups, h1, strict=True)
        ]  # fmt: skip
        proxy.complete = True
        proxy.__dict__.pop("_h1", None)
        theta, _, _ = proxy.optimize(self.start_values(), maxit=200)
        return theta

    def baseline(self) -> tuple[float, int, list]:
        """Independence model: chisq, df and per group (variances, means)."""
        chisq = 0.0
        out = []
        h1 = self.h1()
        xi = self.x_idx
        for gd, (c1, m1, ll1) in zip(self.groups, h1, strict=True):
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
            ll0 = self.loglik_group(Sigma0, mean, gd, True) - (self._loglik_x() / self.G if len(xi) else 0.0)
            chisq += 2 * (ll1 - ll0)
            out.append((var, mean))
        p = self.p
        nx = self.n_ov_x
        df_g = p * (p - 1) // 2 - nx * (nx - 1) // 2
        return chisq, self.G * df_g, out

    # ---------------------------------------------------------------------------------------------
    def n_moments(self) -> int:
        p = self.p
        nx = self.n_ov_x
        per = p * (p + 1) // 2 - nx * (nx + 1) // 2
        if self.meanstructure:
            per += p - nx
        return self.G * per

    def fit(self, *, se: str = "expected", theta0: np.ndarray | None = None, robust: bool = False,
            baseline: bool = True) -> EngineFit:  # fmt: skip
        """Estimate, then compute SEs (``expected``, ``observed``, ``robust`` or ``none``) and fit."""
        theta, conv, it = self.optimize(theta0)
        f = float(self.objective(theta, grad=False))
        npar = self.q
        df = self.n_moments() - npar
        ll = self.loglik(theta)
        h1 = self.h1()
        ll1 = sum(x[2] for x in h1)
        chisq = max(2 * (ll1 - ll), 0.0) if not self.complete else max(self._chisq_complete(theta), 0.0)
        info_obs = None
        vcov = None
        unident = unidentified_parameters(self, theta) if np.all(np.isfinite(theta)) else list(range(npar))
        if unident:  # no SEs for a model that is not identified (the information matrix is singular)
            vcov = np.full((npar, npar), np.nan) if se != "none" else None
        elif se != "none":
            try:
                if se == "expected":
                    vcov = np.linalg.inv(0.5 * self.N * self.expected_info(theta))
                else:
                    info_obs = self.observed_info(theta)
                    inv = np.linalg.inv(info_obs)
                    if se == "robust":
                        B = sum(self.model_score_crossprod(theta))
                        vcov = inv @ B @ inv
                    else:
                        vcov = inv
            except np.linalg.LinAlgError:
                vcov = np.full((npar, npar), np.nan)
        res = EngineFit(theta, bool(conv), it, f, float(chisq), df, npar, ll, ll1, vcov, info_observed=info_obs,
                        unidentified=unident)  # fmt: skip
        res.fit = self.fit_indices(res, h1, baseline=baseline)
        if robust:
            res.fit.update(self.robust_indices(res, h1))
        return res

    def _chisq_complete(self, theta: np.ndarray) -> float:
        total = 0.0
        for g, gd in enumerate(self.groups):
            Sigma, mu = self.implied(theta, g)
            fg, _, _ = self._group_terms(Sigma, mu, gd, self.meanstructure)
            _, logdet = np.linalg.slogdet(gd.covs[0])
            total += gd.N * (fg - logdet - self.p)
        return total

    # ---------------------------------------------------------------------------------------------
    def fit_indices(self, res: EngineFit, h1: list, baseline: bool = True) -> dict[str, float]:
        N, df, chisq = self.N, res.df, res.chisq
        out: dict[str, float] = {"npar": res.npar, "nobs": N, "chisq": chisq, "df": df,
                                 "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan}  # fmt: skip
        if baseline:
            bchisq, bdf, _ = self.baseline()
            out["baseline_chisq"], out["baseline_df"] = bchisq, bdf
            out["cfi"] = _cfi(chisq, df, bchisq, bdf)
            out["tli"] = _tli(chisq, df, bchisq, bdf)
        else:
            out["cfi"] = out["tli"] = math.nan
        G = self.G
        out["rmsea"] = math.sqrt(max(chisq / N / df - 1 / N, 0.0)) * math.sqrt(G) if df > 0 else 0.0
        lo, up = rmsea_ci(chisq, df, N, G)
        out["rmsea_ci_lower"], out["rmsea_ci_upper"] = lo, up
        out["srmr"] = self.srmr(res.theta, h1)
        ll = res.loglik
        out["loglik"] = float(ll)
        out["aic"] = -2 * ll + 2 * res.npar
        out["bic"] = -2 * ll + math.log(N) * res.npar
        return out

    def srmr(self, theta: np.ndarray, h1: list) -> float:
        """Bentler's SRMR (lavaan's ``srmr``): correlation residuals incl. diagonal (+ means)."""
        total = 0.0
        for g, gd in enumerate(self.groups):
            S, M, _ = h1[g]
            Sigma, mu = self.implied(theta, g)
            sd = np.sqrt(np.diag(S))
            with np.errstate(divide="ignore", invalid="ignore"):  # an item without variance: NaN, warned elsewhere
                R = (S - Sigma) / np.outer(sd, sd)
            iu = np.triu_indices(self.p)
            ssq = float((R[iu] ** 2).sum())
            ne = len(iu[0])
            if self.meanstructure:
                ssq += float((((M - mu) / sd) ** 2).sum())
                ne += self.p
            total += gd.N / self.N * math.sqrt(ssq / ne)
        return total

    # ---------------------------------------------------------------------------------------------
    def casewise_h1_scores(self, g: int, Sigma: np.ndarray, mu: np.ndarray, rows: slice | None = None) -> np.ndarray:
        """Casewise scores of the log-likelihood wrt (mu, vech Sigma) for group g: (N_g, p + p*)."""
        gd = self.groups[g]
        rows = slice(None) if rows is None else rows
        X = gd.X[rows]
        pat = gd.pattern_of_row[rows]
        p = self.p
        M = gd.masks[pat]  # (n, p)
        mm = gd.masks[:, :, None] & gd.masks[:, None, :]
        Sstar = np.where(mm, Sigma[None], 0.0)
        Sstar[:, np.arange(p), np.arange(p)] += ~gd.masks
        Kp = np.linalg.inv(Sstar) * mm  # per pattern
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

    def _complete_moments(self, g: int, chunk: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
        """Sum of w w' and of w over the cases, w = (e, vech(e e')), e = x - mean (complete data, cached)."""
        cache = self.__dict__.setdefault("_w_moments", {})
        if g not in cache:
            gd = self.groups[g]
            iu = np.triu_indices(self.p)
            W, wsum = None, 0.0
            for start in range(0, gd.N, chunk):
                e = gd.X[start : start + chunk] - gd.means[0]
                w = np.hstack([e, e[:, iu[0]] * e[:, iu[1]]])
                W = w.T @ w if W is None else W + w.T @ w
                wsum = wsum + w.sum(axis=0)
            cache[g] = (W, wsum)
        return cache[g]

    def h1_score_crossprod(self, g: int, Sigma: np.ndarray, mu: np.ndarray, chunk: int = 20_000) -> np.ndarray:
        """Sum over the cases of s s' for the saturated scores (in chunks: no N x p* array for big data).

        Complete data: the scores are an affine map ``A w + b`` of ``w = (e, vech(e e'))``, so one pass
        over the data (cached) serves every (Sigma, mu).
        """
        gd = self.groups[g]
        if gd.complete and len(gd.X) == gd.N:
            p = self.p
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
            W, wsum = self._complete_moments(g)
            Aw = A @ wsum
            return A @ W @ A.T + np.outer(Aw, bvec) + np.outer(bvec, Aw) + gd.N * np.outer(bvec, bvec)
        N = gd.N
        total = None
        for start in range(0, N, chunk):
            s = self.casewise_h1_scores(g, Sigma, mu, slice(start, start + chunk))
            total = s.T @ s if total is None else total + s.T @ s
        return total

    def model_score_crossprod(self, theta: np.ndarray) -> list[np.ndarray]:
        """Per group the sum over cases of s s' for the casewise scores wrt theta (= D' C D)."""
        out = []
        iu = np.triu_indices(self.p)
        for g in range(self.G):
            Sigma, mu, dS, dm = self.delta(theta, g)
            if not self.meanstructure:
                mu = self._sample_moments(self.groups[g])[0]
            C = self.h1_score_crossprod(g, Sigma, mu)
            Dg = np.hstack([dm, dS[:, iu[0], iu[1]]])  # (q, p + p*)
            out.append(Dg @ C @ Dg.T)
        return out

    def _h1_info_blocks(self, g: int, Sigma: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Per-case observed information of the saturated model wrt (mu, vech Sigma) in group g."""
        gd = self.groups[g]
        if gd.complete:
            return self._h1_info_blocks_complete(Sigma)
        return 0.5 * _saturated_hessian(gd, Sigma, mu, True)[0]

    def yb_trace(self, theta: np.ndarray, h1: list, info_obs: np.ndarray) -> float:
        """trace(U Gamma) of lavaan's yuan.bentler.mplus test for the model ``theta``."""
        E_inv = np.linalg.inv(info_obs / self.N)  # per-case information
        B0s = self.model_score_crossprod(theta)
        trace = 0.0
        p = self.p
        for g, gd in enumerate(self.groups):
            cov1, mean1, _ = h1[g]
            C1 = self.h1_score_crossprod(g, cov1, mean1)
            A1 = self._h1_info_cached(g, cov1, mean1) if not gd.complete else self._h1_info_blocks_complete(cov1)
            keep = self._h1_keep()
            if not self.meanstructure:
                keep = keep[p:]
                C1, A1 = C1[p:, p:], A1[p:, p:]
            C1, A1 = C1[np.ix_(keep, keep)], A1[np.ix_(keep, keep)]
            B1 = C1 / gd.N
            fg = gd.N / self.N
            B0 = B0s[g] / gd.N
            trace += float(np.sum(np.linalg.inv(A1) * B1.T)) - fg * float(np.sum(B0 * E_inv.T))
        return trace

    def _h1_keep(self) -> np.ndarray:
        """Saturated-model elements (mu, vech Sigma) that are not fixed.x-only (lavaan zeroes those)."""
        p = self.p
        isx = np.zeros(p, bool)
        isx[self.x_idx] = True
        iu = np.triu_indices(p)
        return np.concatenate([~isx, ~(isx[iu[0]] & isx[iu[1]])])

    def robust_indices(self, res: EngineFit, h1: list) -> dict[str, float]:
        """Yuan-Bentler (Mplus) scaled chi-square and lavaan's robust CFI/TLI/RMSEA."""
        out: dict[str, float] = {}
        df = res.df
        if res.info_observed is None or df <= 0:
            return {"chisq_scaled": math.nan, "scaling_factor": math.nan, "pvalue_scaled": math.nan,
                    "cfi_robust": math.nan, "tli_robust": math.nan, "rmsea_robust": math.nan}  # fmt: skip
        c = self.yb_trace(res.theta, h1, res.info_observed) / df
        T = res.chisq
        out["scaling_factor"] = c
        out["chisq_scaled"] = T / c
        out["pvalue_scaled"] = float(stats.chi2.sf(T / c, df))
        # baseline model with its own scaling factor
        cb, Tb, dfb = self._baseline_scaling(h1)
        out["baseline_chisq_scaled"] = Tb / cb if np.isfinite(cb) else math.nan
        out["baseline_scaling_factor"] = cb
        N, G = self.N, self.G
        if self.complete:
            out["cfi_robust"] = _cfi(T, df, Tb, dfb, c, cb)
            out["tli_robust"] = _tli(T, df, Tb, dfb, c, cb)
            out["rmsea_robust"] = math.sqrt(max(T / N / df - c / N, 0.0)) * math.sqrt(G)
        else:
            fc = self._fiml_corrected(res, h1)
            out.update(fc)
        out["cfi_scaled"] = _cfi(T / c, df, Tb / cb, dfb)
        out["tli_scaled"] = _tli(T / c, df, Tb / cb, dfb)
        return out

    def _baseline_engine(self) -> tuple[Engine, np.ndarray]:
        from relatie_lab.sem.syntax import parse_model

        xset = {self.ov[i] for i in self.x_idx}
        lines = [f"{v} ~~ {v}" for v in self.ov if v not in xset]
        if xset:  # fixed.x covariates: their (co)variances and means stay fixed at the sample values
            moments = [self._sample_moments(gd) for gd in self.groups]

            def fixed(vals: list[float]) -> str:
                return f"c({', '.join(repr(float(v)) for v in vals)})" if self.G > 1 else repr(float(vals[0]))

            xi = list(self.x_idx)
            for a_, ia in enumerate(xi):
                for ib in xi[a_:]:
                    lines.append(f"{self.ov[ia]} ~~ {fixed([c[ia, ib] for _, c in moments])}*{self.ov[ib]}")
                if self.meanstructure:
                    lines.append(f"{self.ov[ia]} ~ {fixed([m[ia] for m, _ in moments])}*1")
        ptb = parse_model("\n".join(lines), ngroups=self.G, meanstructure=self.meanstructure)
        ptb.attrs["observed"] = self.ov
        eb = Engine(ptb, [gd.X for gd in self.groups], meanstructure=self.meanstructure)
        eb.x_idx, eb.n_ov_x = self.x_idx, self.n_ov_x
        theta, _, _ = eb.optimize()
        return eb, theta

    def _fiml_corrected(self, res: EngineFit, h1: list) -> dict[str, float]:
        """lavaan 0.6's robust RMSEA/CFI/TLI for missing data: FIML-corrected (V3), Zhang & Savalei."""
        N, G, df = self.N, self.G, res.df
        iu = np.triu_indices(self.p)

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
                fg = ld + np.trace(P @ cov1) + d @ P @ d - ld1 - self.p
                xx += self.groups[g].N * fg
                Ds.append(np.hstack([dm, dS[:, iu[0], iu[1]]]).T)
            return xx, Ds

        Wm, Jm, Wc, Wmi, fgs = [], [], [], [], []
        for g, gd in enumerate(self.groups):
            cov1, mean1, _ = h1[g]
            fg = gd.N / N
            A1 = self._h1_info_cached(g, cov1, mean1)
            Wm.append(fg * A1)
            Wmi.append(np.linalg.inv(A1) / fg)
            Jm.append(self.h1_score_crossprod(g, cov1, mean1) / gd.N)
            Wc.append(fg * self._h1_info_blocks_complete(cov1))
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

        xx3, k = k_of(self, res.theta)
        c3 = k / df
        eb, tb = self._baseline_engine()
        dfb = eb.n_moments() - eb.q
        xxb, kb = k_of(eb, tb)
        cb = kb / dfb
        return {
            "rmsea_robust": math.sqrt(max(xx3 / N / df - c3 / N, 0.0)) * math.sqrt(G),
            "cfi_robust": _cfi(xx3, df, xxb, dfb, c3, cb),
            "tli_robust": _tli(xx3, df, xxb, dfb, c3, cb),
        }

    def _h1_info_cached(self, g: int, cov1: np.ndarray, mean1: np.ndarray) -> np.ndarray:
        cache = self.__dict__.setdefault("_h1_info_cache", {})
        if g not in cache:
            cache[g] = self._h1_info_blocks(g, cov1, mean1)
        return cache[g]

    def _h1_info_blocks_complete(self, Sigma: np.ndarray) -> np.ndarray:
        p = self.p
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

    def _baseline_scaling(self, h1: list) -> tuple[float, float, int]:
        eb, theta = self._baseline_engine()
        eb.__dict__["_h1_info_cache"] = self.__dict__.setdefault("_h1_info_cache", {})
        eb.__dict__["_w_moments"] = self.__dict__.setdefault("_w_moments", {})
        llb = eb.loglik(theta)
        ll1 = sum(x[2] for x in h1)
        Tb = 2 * (ll1 - llb)
        dfb = eb.n_moments() - eb.q
        try:
            cb = eb.yb_trace(theta, h1, eb.observed_info(theta)) / dfb
        except np.linalg.LinAlgError:
            cb = math.nan
        return cb, Tb, dfb


# --------------------------------------------------------------------------------------------------
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
            return scipy_linalg.cho_solve((L, True), g)
    except np.linalg.LinAlgError:
        pass
    w, V = np.linalg.eigh(0.5 * (H + H.T))
    keep = w > 1e-10 * max(float(w.max()), 1e-300)
    if not keep.any():
        raise np.linalg.LinAlgError("information matrix without positive eigenvalues")
    Vk = V[:, keep]
    return Vk @ ((Vk.T @ g) / w[keep])


def _scatter(out: np.ndarray, k: np.ndarray, values: np.ndarray) -> None:
    """out[k] += values, fast when the indices are unique (no equality constraints)."""
    if len(k) < 2 or np.all(np.diff(k) > 0) or len(np.unique(k)) == len(k):
        out[k] += values
    else:
        np.add.at(out, k, values)


def _cfi(T: float, df: float, Tb: float, dfb: float, c: float = 1.0, cb: float = 1.0) -> float:
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


def _tli(T: float, df: float, Tb: float, dfb: float, c: float = 1.0, cb: float = 1.0) -> float:
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


def _saturated_hessian(gd: GroupData, Sigma: np.ndarray, mu: np.ndarray, use_mean: bool = True):
    """Hessian and gradient of F_g (per case -2 loglik) wrt (mu, upper-triangle Sigma), analytic."""
    p = Sigma.shape[0]
    M = gd.masks
    mm = M[:, :, None] & M[:, None, :]
    Sstar = np.where(mm, Sigma[None], 0.0)
    Sstar[:, np.arange(p), np.arange(p)] += ~M
    K = np.linalg.inv(Sstar) * mm
    d = (gd.means - mu[None]) * M if use_mean else np.zeros_like(gd.means)
    T = gd.covs + d[:, :, None] * d[:, None, :]
    Q = K @ T @ K
    w = gd.n / gd.N
    Kd = np.einsum("jab,jb->ja", K, d)
    # unit-matrix tensors: Sigma_k = e_a e_b', Sigma_l = e_c e_d'
    wK = K * w[:, None, None]
    H4 = -np.einsum("jbc,jda->abcd", wK, K, optimize=True)
    H4 += np.einsum("jbc,jda->abcd", wK, Q, optimize=True)
    H4 += np.einsum("jda,jbc->abcd", wK, Q, optimize=True)
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
    cov, mean = _em_saturated(gd)
    return mean, cov


def _em_saturated(gd: GroupData, tol: float = 1e-10, maxit: int = 5000) -> tuple[np.ndarray, np.ndarray]:
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
