"""Ordinal SEM: (diagonally) weighted least squares on polychoric correlations, as lavaan's ``ordered=`` + WLSMV.

lavaan 0.6's defaults for ``sem(model, data, ordered = items, estimator = "WLSMV")``:

- sample statistics: thresholds and polychoric correlations by the two-step method, with their asymptotic
  covariance ``Gamma`` (:mod:`relatie_lab.sem.polychoric`);
- the delta parameterization: the latent responses ``y*`` have variance 1, so the residual variances of the
  items are not parameters but ``1 - (common variance)``; the thresholds are parameters; intercepts of the
  items and means of the factors are 0;
- estimates minimise ``F = (s - sigma)' W (s - sigma)`` over thresholds and correlations (lavaan reports
  ``fmin = F / 2``), with ``W = diag(Gamma)^-1`` (DWLS; WLSMV), ``W = I`` (ULS; ULSMV) or ``W = Gamma^-1`` (WLS);
- robust CFI/TLI/RMSEA as lavaan 0.6.14's ``cfi.robust`` etc. for categorical data (Savalei 2021; lavaan's
  "catML" correction), see :func:`_robust_catml`;
- robust (sandwich) standard errors ``(D'WD)^-1 D'W Gamma W D (D'WD)^-1 / (N - G)`` (``se = "robust.sem"``;
  without MV: ``(D'WD)^-1 / (N - G)``, lavaan's "standard");
- the test ``T = sum_g (N_g - 1) F_g`` and its mean-and-variance adjusted (scaled-and-shifted) version
  ``a T + b`` with ``a = sqrt(df / tr((U Gamma)^2))``, ``b = df - a tr(U Gamma)`` and
  ``U = W - W D (D'WD)^-1 D'W`` (Asparouhov & Muthén 2010); the same for the baseline (independence) model, which
  gives ``cfi_scaled``, ``tli_scaled``;
- missing answers: ``missing="listwise"`` (lavaan's default) or pairwise (every statistic on the rows that have
  its items; lavaan's ``missing = "pairwise"``), which ``fit_sem`` uses by default for these estimators;
- continuous items mixed in (:mod:`relatie_lab.sem.polyserial`): their means (as minus the mean) and variances join
  the statistics, their intercepts and residual variances are parameters;
- invariance steps (:mod:`relatie_lab.sem.ordinal_invariance`): the latent-response intercepts and the scale factors
  (``~*~``) of the items enter the model thresholds ``scale * (tau - mu*)`` and correlations
  ``scale_i scale_j Sigma_ij``.

The model matrices and their derivatives come from the ML engine (:class:`relatie_lab.sem.engine.Engine`); only the
residual variances of the ordinal items are replaced (:class:`DeltaEngine`). Estimation is Gauss-Newton on ``F``.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(5)
>>> f = rng.normal(size=(500, 1))
>>> ystar = f * 0.7 + rng.normal(size=(500, 4)) * 0.71
>>> df = pd.DataFrame(np.digitize(ystar, [-1.0, 0.0, 1.0]) + 1, columns=["a", "b", "c", "d"])
>>> res = fit_sem(df, "F =~ a + b + c + d", estimator="WLSMV", ordered=True)
>>> res.estimator, res.fit_indices["df"]
('WLSMV', 2)
>>> bool(abs(res.estimates.query("op == '=~'")["std_all"] - 0.7).max() < 0.1)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relatie_lab.errors import SurveyError
from relatie_lab.labels import label
from relatie_lab.sem.engine import Engine, rmsea_ci
from relatie_lab.sem.polychoric import OrdinalStats, ordinal_statistics, vech_lower
from relatie_lab.sem.syntax import ParTable

__all__ = ["ESTIMATORS", "DeltaEngine", "WLSFit", "fit_ordinal", "scaled_shifted_difference"]

#: estimator -> (weights, robust SEs and scaled-shifted test)
ESTIMATORS = {"WLSMV": ("dwls", True), "DWLS": ("dwls", False), "ULSMV": ("uls", True), "ULS": ("uls", False),
              "WLS": ("wls", False)}  # fmt: skip
MAX_CATEGORIES = 10


class DeltaEngine(Engine):
    """The ML engine's model with the delta parameterization: item residual variances = 1 - common variance."""

    def __init__(self, pt: pd.DataFrame, data: list, ordinal: list[str], meanstructure: bool = False) -> None:
        super().__init__(pt, data, meanstructure=meanstructure)
        self.ord_idx = np.array([self.ov.index(v) for v in ordinal], dtype=int)
        #: per group, the scale factors of the items (1 unless freed; set after the fit, for reporting)
        self.scales: list[np.ndarray] | None = None

    def matrices(self, theta: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        A, S, m = super().matrices(theta, g)
        if len(self.ord_idx):
            S[self.ord_idx, self.ord_idx] = 0.0
            B = np.linalg.inv(np.eye(self.nv) - A)[self.ord_idx]
            common = np.einsum("ij,jk,ik->i", B, S, B)
            total = 1.0 if self.scales is None else self.scales[g][self.ord_idx] ** -2.0
            S[self.ord_idx, self.ord_idx] = total - common
        return A, S, m


@dataclass
class WLSFit:
    """Raw results of a WLS-family fit (the parts ``SEMResult`` needs, plus the weighted-least-squares pieces)."""

    theta: np.ndarray  # engine parameters, then thresholds
    converged: bool
    iterations: int
    fmin: float
    chisq: float
    df: int
    npar: int
    vcov: np.ndarray | None
    fit: dict[str, float]
    loglik: float = math.nan
    loglik_h1: float = math.nan
    info_observed: np.ndarray | None = None
    message: str = ""
    problem: Any = field(default=None, repr=False)  # statistics, model and weights (for difference tests)


# --------------------------------------------------------------------------------------------------
def delta_partable(pt: ParTable, ordinal: list[str], invariance: bool = False) -> ParTable:
    """Fix the residual variances of the ordinal items (delta parameterization) and renumber the free parameters."""
    pt = pt.copy()
    fix = (pt.op == "~~") & (pt.lhs == pt.rhs) & pt.lhs.isin(ordinal)
    pt.loc[fix, "free"] = 0
    pt.loc[fix, "ustart"] = 0.0
    if invariance is False:  # mean structure for continuous items: the ordinal items' intercepts are 0
        icpt = (pt.op == "~1") & pt.lhs.isin(ordinal)
        pt.loc[icpt, "free"] = 0
        pt.loc[icpt, "ustart"] = 0.0
    old = pt.free.to_numpy()
    ids = sorted({int(f) for f in old if f > 0})
    remap = {f: i + 1 for i, f in enumerate(ids)}
    pt["free"] = [remap.get(int(f), 0) for f in old]
    return pt


def _weights(kind: str, gamma: np.ndarray) -> np.ndarray:
    if kind == "dwls":
        return np.diag(1.0 / np.diag(gamma))
    if kind == "uls":
        return np.eye(len(gamma))
    return np.linalg.inv(gamma)


class _Problem:
    """Stacked statistics, model and weights over groups; theta = (engine parameters, thresholds)."""

    def __init__(self, eng: DeltaEngine, st: list[OrdinalStats], kind: str, th_free: list[np.ndarray],
                 nth_par: int, sc_free: list[np.ndarray] | None = None) -> None:  # fmt: skip
        self.eng, self.st, self.kind = eng, st, kind
        self.th_free = th_free  # per group: parameter index (0-based, after the engine's) of each threshold
        # per group and item: index of its scale factor after the engine's parameters, -1 = fixed at 1
        self.sc_free = sc_free if sc_free is not None else [np.full(eng.p, -1) for _ in st]
        self.q = eng.q + max([nth_par - 1, *[int(s.max()) for s in self.sc_free]]) + 1
        self.N = sum(s.n for s in st)
        self.f = [s.n / self.N for s in st]
        self.wobj = [(s.n - 1) / self.N for s in st]
        self.W = [_weights(kind, s.gamma) for s in st]
        self.Wd = None if kind == "wls" else [np.diag(w).copy() for w in self.W]  # diagonal weights: vectors
        self.s = [s.wls_obs for s in st]
        self.ri, self.ci = vech_lower(eng.p)

    def scales(self, theta: np.ndarray, g: int) -> np.ndarray:
        sc = np.ones(self.eng.p)
        free = self.sc_free[g] >= 0
        sc[free] = theta[self.eng.q + self.sc_free[g][free]]
        return sc

    def implied_cor(self, theta: np.ndarray, g: int) -> np.ndarray:
        """Model-implied correlations of the latent responses (unit diagonal)."""
        Sigma = self.eng.implied(theta[: self.eng.q], g)[0]
        sc = self.scales(theta, g)
        num = self.st[g].numeric
        if num is not None and num.any():  # continuous items: covariances to correlations
            sc = sc / np.where(num, np.sqrt(np.abs(np.diag(Sigma))), 1.0)
        R = Sigma * np.outer(sc, sc)
        np.fill_diagonal(R, 1.0)
        return R

    def model(self, theta: np.ndarray, g: int, deriv: bool = True):
        """Model thresholds ``scale * (tau - mu*)`` and correlations ``scale_i scale_j Sigma_ij`` (+ Delta)."""
        eng = self.eng
        q = eng.q
        te = theta[:q]
        if deriv:
            Sigma, mu, dS, dm = eng.delta(te, g)
        else:
            Sigma, mu = eng.implied(te, g)
        if not eng.meanstructure:
            mu = np.zeros(eng.p)
        st = self.st[g]
        idx = self.th_free[g]
        tj = st.th_var
        sc = self.scales(theta, g)
        tau = theta[q + idx]
        ri, ci = self.ri, self.ci
        is_mean = st.slot_is_mean
        numv = np.flatnonzero(st.numeric) if st.numeric is not None else np.zeros(0, int)
        nslot, nnum = len(is_mean), len(numv)
        slots = np.empty(nslot)
        slots[~is_mean] = sc[tj] * (tau - mu[tj])
        slots[is_mean] = -mu[numv]  # continuous items: minus the mean, as lavaan's WLS.obs
        sig = np.r_[slots, Sigma[numv, numv], sc[ri] * sc[ci] * Sigma[ri, ci]]
        if not deriv:
            return sig, None
        th_rows, mean_rows = np.flatnonzero(~is_mean), np.flatnonzero(is_mean)
        off = nslot + nnum  # first correlation row
        D = np.zeros((len(sig), self.q))
        D[th_rows, q + idx] = sc[tj]
        D[off:, :q] = (sc[ri] * sc[ci])[:, None] * dS[:, ri, ci].T
        if nnum:
            D[nslot:off, :q] = dS[:, numv, numv].T
        if eng.meanstructure:
            D[th_rows, :q] = -sc[tj][:, None] * dm[:, tj].T
            if nnum:
                D[mean_rows, :q] = -dm[:, numv].T
        free = self.sc_free[g]
        if (free >= 0).any():
            ft = free[tj] >= 0
            D[th_rows[ft], q + free[tj][ft]] += (tau - mu[tj])[ft]
            pr = np.arange(len(ri))
            fi, fj = free[ri] >= 0, free[ci] >= 0
            D[off + pr[fi], q + free[ri][fi]] += (sc[ci] * Sigma[ri, ci])[fi]
            D[off + pr[fj], q + free[ci][fj]] += (sc[ri] * Sigma[ri, ci])[fj]
        return sig, D

    def group_values(self, theta: np.ndarray) -> list[float]:
        """``F_g = (s_g - sigma_g)' W_g (s_g - sigma_g)`` per group."""
        out = []
        for g in range(len(self.st)):
            e = self.s[g] - self.model(theta, g, deriv=False)[0]
            out.append(float(e @ self.W[g] @ e) if self.Wd is None else float((e * e * self.Wd[g]).sum()))
        return out

    def objective(self, theta: np.ndarray) -> float:
        """lavaan's weighting of the groups: ``sum_g (N_g - 1) F_g / N``."""
        return sum(w * v for w, v in zip(self.wobj, self.group_values(theta), strict=True))

    def gauss_newton(self, theta: np.ndarray, tol: float = 1e-10, maxit: int = 200) -> tuple[np.ndarray, bool, int]:
        f0 = self.objective(theta)
        for it in range(1, maxit + 1):
            H = np.zeros((self.q, self.q))
            gvec = np.zeros(self.q)
            for g in range(len(self.st)):
                sig, D = self.model(theta, g)
                WD = self.W[g] @ D if self.Wd is None else self.Wd[g][:, None] * D
                H += self.wobj[g] * D.T @ WD
                gvec += self.wobj[g] * WD.T @ (self.s[g] - sig)
            try:
                step = np.linalg.solve(H, gvec)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(H, gvec, rcond=None)[0]
            alpha = 1.0
            while alpha > 1e-8:
                new = theta + alpha * step
                f1 = self.objective(new)
                if np.isfinite(f1) and f1 <= f0 + 1e-14 * abs(f0):
                    break
                alpha /= 2
            else:
                return theta, bool(np.max(np.abs(gvec)) < 1e-6), it
            theta, fold, f0 = new, f0, f1
            if np.max(np.abs(gvec)) < tol or (abs(fold - f0) < 1e-16 and np.max(np.abs(alpha * step)) < 1e-10):
                return theta, True, it
        return theta, False, maxit

    def pieces(self, theta: np.ndarray):
        """Per group: residual, Delta (weighted by the group share)."""
        out = []
        for g in range(len(self.st)):
            sig, D = self.model(theta, g)
            out.append((self.s[g] - sig, D))
        return out


def _scaled_shifted(Ds: list[np.ndarray], W: list[np.ndarray], G: list[np.ndarray], f: list[float],
                    df: int) -> tuple[float, float, float, float]:  # fmt: skip
    """tr(U Gamma), tr((U Gamma)^2), scale a and shift b of the mean-and-variance adjusted test."""
    sizes = [len(w) for w in W]
    tot = sum(sizes)
    Wb = np.zeros((tot, tot))
    Gb = np.zeros((tot, tot))
    o = 0
    for w, gm, fg, n in zip(W, G, f, sizes, strict=True):
        Wb[o : o + n, o : o + n] = fg * w
        Gb[o : o + n, o : o + n] = gm / fg
        o += n
    D = np.vstack(Ds)
    WD = Wb @ D
    U = Wb - WD @ np.linalg.pinv(D.T @ WD) @ WD.T
    UG = U @ Gb
    t1 = float(np.trace(UG))
    t2 = float(np.einsum("ij,ji->", UG, UG))
    if df <= 0 or t2 <= 0:
        return t1, t2, math.nan, math.nan
    a = math.sqrt(df / t2)
    return t1, t2, a, df - a * t1


def _cfi(T: float, df: float, Tb: float, dfb: float) -> float:
    num = max(T - df, 0.0)
    den = max(T - df, Tb - dfb, 0.0)
    return 1.0 if den == 0 else 1 - num / den


def _tli(T: float, df: float, Tb: float, dfb: float) -> float:
    if df <= 0:
        return 1.0
    return (Tb / dfb - T / df) / (Tb / dfb - 1)


def _rmsea(T: float, df: float, N: float, G: int) -> float:
    return math.sqrt(max(T / N / df - 1 / N, 0.0)) * math.sqrt(G) if df > 0 else 0.0


# --------------------------------------------------------------------------------------------------
def fit_ordinal(
    pt0: ParTable, parts: list[pd.DataFrame], ordered: list[str], estimator: str, warn: Any,
    group_labels: list | None = None, *, equal: tuple[str, ...] | None = None, numeric: list[str] | tuple = (),
    sample_stats: list[OrdinalStats] | None = None,
) -> tuple[DeltaEngine, ParTable, WLSFit, list[OrdinalStats], pd.DataFrame]:  # fmt: skip
    """Estimate the model on ordinal items; returns the engine, the delta parameter table, the fit, the sample
    statistics per group and the threshold rows (a small parameter table: lhs, op '|', rhs 't1', ...; scale factors
    as op '~*~').

    ``equal`` (measurement invariance, :mod:`relatie_lab.sem.ordinal_invariance`): ``pt0`` is then a parameter table
    with a mean structure, already identified as Wu & Estabrook (2016); with ``"thresholds"`` the thresholds are
    shared by the groups and the scale factors of every group but the first are free. ``sample_stats``: the
    statistics of the same data computed before (the invariance steps share them).
    """
    kind, robust = ESTIMATORS[estimator]
    lang = warn.lang
    names = list(pt0.attrs["observed"])
    G = len(parts)
    stats_: list[OrdinalStats] = []
    for g, part in enumerate(parts):
        X = np.asarray(part[names] if isinstance(part, pd.DataFrame) else part, float)
        if sample_stats is not None:
            st = sample_stats[g]
        elif numeric:
            from relatie_lab.sem.polyserial import mixed_statistics

            st = mixed_statistics(pd.DataFrame(X, columns=names), names, numeric=list(numeric))
        else:
            st = ordinal_statistics(X, names)
        gname = group_labels[g] if group_labels else None
        for j, lev in enumerate(st.levels):
            if names[j] in numeric:
                continue
            if len(lev) > MAX_CATEGORIES:
                raise SurveyError(label("ord_err_too_many_categories", lang).format(
                    item=names[j], k=len(lev), max=MAX_CATEGORIES))  # fmt: skip
            if len(lev) < 2:
                where = "" if gname is None else " " + label("ord_lbl_in_group", lang).format(group=gname)
                raise SurveyError(label("ord_err_one_category", lang).format(item=names[j]) + where)
        stats_.append(st)
    if G > 1:  # every group needs every category (lavaan: thresholds are matched across groups)
        for j, v in enumerate(names):
            if v in numeric:
                continue
            allv = np.unique(np.concatenate([s.levels[j] for s in stats_]))
            for g, s in enumerate(stats_):
                lacking = [x for x in allv if x not in s.levels[j]]
                if lacking:
                    raise SurveyError(label("ord_err_empty_category", lang).format(
                        item=v, group=group_labels[g] if group_labels else g + 1,
                        values=", ".join(f"{x:g}" for x in lacking)))  # fmt: skip
    for g, st in enumerate(stats_):
        gname = group_labels[g] if group_labels else None
        if st.zero_cells:
            pairs = "; ".join(f"{a} x {b}" for a, b in st.zero_cells[:8]) + (" ..." if len(st.zero_cells) > 8 else "")
            warn("ord_msg_zero_cells", n=len(st.zero_cells), pairs=pairs, in_group=gname)
        ev = np.linalg.eigvalsh(st.cor)
        if ev.min() <= 0:
            warn("ord_msg_cor_not_pd", value=float(ev.min()), in_group=gname)
        if not st.converged:
            warn("ord_msg_cor_not_converged", in_group=gname)
    pt = delta_partable(pt0, ordered, invariance=equal is not None)
    eng = DeltaEngine(pt, parts, ordered, meanstructure=equal is not None or bool(numeric))
    # thresholds: one parameter per threshold per group ("thresholds" equal: shared)
    share = equal is not None and "thresholds" in equal
    th_free: list[np.ndarray] = []
    nth_par = 0
    for g, st in enumerate(stats_):
        if g > 0 and share:
            th_free.append(th_free[0])
            continue
        th_free.append(np.arange(nth_par, nth_par + len(st.th)))
        nth_par += len(st.th)
    th_start = np.concatenate([st.th for st in stats_])[:nth_par]
    sc_free = [np.full(eng.p, -1) for _ in stats_]
    for g in range(1, G if share else 0):  # Wu & Estabrook: scale factors free once the thresholds are equal
        sc_free[g] = nth_par + (g - 1) * eng.p + np.arange(eng.p)
    nsc = sum(int((s >= 0).sum()) for s in sc_free)
    prob = _Problem(eng, stats_, kind, th_free, nth_par, sc_free)
    theta0 = np.r_[_start(eng, stats_), th_start, np.ones(nsc)]
    theta, conv, it = prob.gauss_newton(theta0)
    N = prob.N
    n_stat = sum(len(s) for s in prob.s)
    df = n_stat - prob.q
    # lavaan: chisq_g = (N_g - 1) F_g, fmin = chisq / (2 N), SEs and RMSEA with N - G
    Fg = prob.group_values(theta)
    chisq = sum((st.n - 1) * v for st, v in zip(stats_, Fg, strict=True))
    F = chisq / N
    Nc = N - G
    pieces = prob.pieces(theta)
    Ds = [D for _, D in pieces]
    A = sum(fg * D.T @ w @ D for fg, D, w in zip(prob.f, Ds, prob.W, strict=True))
    vcov = None
    try:
        Ainv = np.linalg.inv(A)
        if robust:
            meat = sum(fg * D.T @ w @ st.gamma @ w @ D for fg, D, w, st in zip(prob.f, Ds, prob.W, stats_, strict=True))
            vcov = Ainv @ meat @ Ainv / Nc
        else:
            vcov = Ainv / Nc
    except np.linalg.LinAlgError:
        vcov = np.full((prob.q, prob.q), np.nan)
    has_p = df > 0 and estimator != "ULS"  # lavaan: plain ULS has no reference distribution
    fit: dict[str, float] = {"npar": prob.q, "nobs": N, "fmin": F / 2, "chisq": chisq, "df": df,
                             "pvalue": float(stats.chi2.sf(chisq, df)) if has_p else math.nan}  # fmt: skip
    # baseline: correlations 0, thresholds free
    Db = []
    Tb = 0.0
    for g, st in enumerate(stats_):
        nth = len(prob.s[g]) - len(prob.ri)  # thresholds (means) and variances: free in the baseline model
        D0 = np.zeros((len(prob.s[g]), nth))
        D0[:nth, :nth] = np.eye(nth)
        e = prob.s[g].copy()
        w = prob.W[g]
        # optimal thresholds for the independence model: least squares with weights w
        WD = w @ D0
        e = e - D0 @ np.linalg.solve(D0.T @ WD, WD.T @ e)
        Tb += (st.n - 1) * float(e @ w @ e)
        Db.append(D0)
    dfb = sum(len(vech_lower(eng.p)[0]) for _ in stats_)
    fit["baseline_chisq"], fit["baseline_df"] = Tb, dfb
    fit["cfi"], fit["tli"] = _cfi(chisq, df, Tb, dfb), _tli(chisq, df, Tb, dfb)
    fit["rmsea"] = _rmsea(chisq, df, Nc, G)
    fit["rmsea_ci_lower"], fit["rmsea_ci_upper"] = rmsea_ci(chisq, df, Nc, G)
    if robust:
        gam = [st.gamma for st in stats_]
        _, _, a, b = _scaled_shifted(Ds, prob.W, gam, prob.f, df)
        Dbb = [np.c_[np.zeros((len(D0), 0)), D0] for D0 in Db]
        # block-diagonal baseline Delta over groups
        blocks = []
        off = 0
        totb = sum(D0.shape[1] for D0 in Dbb)
        for D0 in Dbb:
            full = np.zeros((len(D0), totb))
            full[:, off : off + D0.shape[1]] = D0
            off += D0.shape[1]
            blocks.append(full)
        _, _, ab, bb = _scaled_shifted(blocks, prob.W, gam, prob.f, dfb)
        Ts = (a * chisq + b if np.isfinite(a) else math.nan) if df > 0 else chisq  # lavaan: df 0 -> T itself
        Tbs = ab * Tb + bb
        fit.update({"chisq_scaled": Ts, "df_scaled": df, "pvalue_scaled": float(stats.chi2.sf(Ts, df)) if df > 0
                    else math.nan, "scaling_factor": 1 / a if np.isfinite(a) else math.nan, "shift_parameter": b,
                    "baseline_chisq_scaled": Tbs, "baseline_pvalue_scaled": float(stats.chi2.sf(Tbs, dfb)),
                    "cfi_scaled": _cfi(Ts, df, Tbs, dfb), "tli_scaled": _tli(Ts, df, Tbs, dfb),
                    "rmsea_scaled": _rmsea(Ts, df, Nc, G)})  # fmt: skip
        lo, up = rmsea_ci(Ts, df, Nc, G)
        fit["rmsea_ci_lower_scaled"], fit["rmsea_ci_upper_scaled"] = lo, up
        if kind == "dwls" or kind == "uls":
            fit.update(_robust_catml(prob, theta, Ds, A, df, Nc))
    fit["srmr"] = _srmr(prob, theta)
    res = WLSFit(theta, conv, it, F / 2, chisq, df, prob.q, vcov, fit, problem=prob)
    eng.scales = [prob.scales(theta, g) for g in range(G)]
    th_rows = pd.DataFrame({
        "lhs": [v.split("|")[0] for st in stats_ for v in st.th_names],
        "op": "|",
        "rhs": [v.split("|")[1] for st in stats_ for v in st.th_names],
        "group": [g + 1 for g, st in enumerate(stats_) for _ in st.th_names],
        "par": np.concatenate([eng.q + th_free[g] for g in range(G)]),
    })  # fmt: skip
    if nsc:
        sc_rows = pd.DataFrame({"lhs": eng.ov * G, "op": "~*~", "rhs": eng.ov * G,
                                "group": np.repeat(np.arange(1, G + 1), eng.p),
                                "par": np.concatenate([np.where(s >= 0, eng.q + s, -1) for s in sc_free])})  # fmt: skip
        th_rows = pd.concat([th_rows, sc_rows], ignore_index=True)
    return eng, pt, res, stats_, th_rows


def _start(eng: DeltaEngine, stats_: list[OrdinalStats]) -> np.ndarray:
    """lavaan-like start values from the polychoric correlations (the engine's simple rules)."""
    import copy

    from relatie_lab.sem.engine import GroupData

    proxy = copy.copy(eng)
    p = eng.p
    proxy.groups = [GroupData(np.zeros((0, p)), np.ones((1, p), bool), np.array([st.n]),
                              (np.zeros(p) if st.mean is None else np.nan_to_num(st.mean))[None], st.cov[None],
                              np.zeros(0, int), True) for st in stats_]  # fmt: skip
    return proxy.start_values()


def _robust_catml(prob: _Problem, theta: np.ndarray, Ds: list[np.ndarray], A: np.ndarray, df: int,
                  Nc: int) -> dict[str, float]:  # fmt: skip
    """lavaan 0.6.14's ``cfi.robust``, ``tli.robust``, ``rmsea.robust`` for ordinal data (Savalei 2021).

    The ML discrepancy of the polychoric correlations from the model-implied correlations at the (D/U)WLS
    estimates (lavaan's "catML" object, not re-estimated), corrected by ``c = tr(U' V U Gamma) / df``, with ``V``
    the normal-theory weight matrix of the correlations at the implied matrix and ``U = I - D A^-1 D'W``
    (correlation rows only); the baseline's by ``tr(Gamma) / df_null``. NaN when a polychoric matrix is not
    positive definite (lavaan then smooths it and refits; not done here).
    """
    nan = dict.fromkeys(("cfi_robust", "tli_robust", "rmsea_robust"), math.nan)
    if any(st.numeric is not None and st.numeric.any() for st in prob.st):
        return nan  # lavaan 0.6.14: not for continuous variables mixed in
    eng = prob.eng
    p = eng.p
    ri, ci = prob.ri, prob.ci
    X3 = X3null = 0.0
    Wb, Vb, Gb, Db = [], [], [], []
    for g, st in enumerate(prob.st):
        if np.linalg.eigvalsh(st.cor).min() < np.sqrt(np.finfo(float).eps):
            return nan
        Sigma = prob.implied_cor(theta, g)
        try:
            P = np.linalg.inv(Sigma)
            _, logdet_s = np.linalg.slogdet(Sigma)
        except np.linalg.LinAlgError:
            return nan
        _, logdet_r = np.linalg.slogdet(st.cor)
        X3 += st.n * (logdet_s + np.trace(st.cor @ P) - logdet_r - p)
        X3null += st.n * (-logdet_r)
        nth = len(st.th)
        fg = prob.f[g]
        Vg = P[np.ix_(ri, ci)] * P[np.ix_(ci, ri)] + P[np.ix_(ri, ri)] * P[np.ix_(ci, ci)]
        Vb.append(fg * Vg)
        Wb.append(fg * prob.W[g][nth:, nth:])
        Gb.append(st.gamma[nth:, nth:] / fg)
        Db.append(Ds[g][nth:])
    from scipy.linalg import block_diag

    W, V, Gm, D = block_diag(*Wb), block_diag(*Vb), block_diag(*Gb), np.vstack(Db)
    WiU = np.eye(len(W)) - D @ np.linalg.solve(A, D.T @ W)
    c3 = float(np.trace(WiU.T @ V @ WiU @ Gm)) / df if df > 0 else 0.0  # df 0: the correction does not enter
    dfb = len(W)
    c3null = float(np.trace(Gm)) / dfb
    G = len(prob.st)
    t1 = max(X3 - c3 * df, 0.0)
    t2 = max(X3 - c3 * df, X3null - c3null * dfb, 0.0)
    cfi = 1.0 if t1 == 0 and t2 == 0 else 1 - t1 / t2
    tli = 1 - ((X3 - c3 * df) * dfb) / ((X3null - c3null * dfb) * df) if df > 0 else 1.0
    rmsea = math.sqrt(max(X3 / Nc / df - c3 / Nc, 0.0)) * math.sqrt(G) if df > 0 else 0.0
    return {"cfi_robust": cfi, "tli_robust": tli, "rmsea_robust": rmsea}


def _srmr(prob: _Problem, theta: np.ndarray) -> float:
    """lavaan's SRMR for categorical data: root mean square of the correlation residuals (diagonal included)."""
    total = 0.0
    p = prob.eng.p
    for g, st in enumerate(prob.st):
        R = st.cor - prob.implied_cor(theta, g)
        iu = np.tril_indices(p, -1)
        total += math.sqrt(float((R[iu] ** 2).sum()) / (p * (p + 1) / 2))
    return total / len(prob.st)


def scaled_shifted_difference(fit1: WLSFit, fit0: WLSFit) -> dict[str, float]:
    """lavaan's ``lavTestLRT`` for WLSMV: Satorra's (2000) scaled-and-shifted difference test of nested models.

    ``fit1`` is the less restricted model, ``fit0`` the more restricted one (both on the same data). The
    constraints are found as lavaan's ``A.method = "delta"`` does: the directions of ``fit0``'s parameters (its
    Delta at its estimates) in ``fit1``'s parameter space (``pinv(Delta1) Delta0``); ``A`` spans their orthogonal
    complement. Returns ``chisq_diff`` (scaled and shifted), ``df_diff``, ``pvalue``.
    """
    p1, p0 = fit1.problem, fit0.problem
    m = int(fit0.df - fit1.df)
    if m <= 0:
        return {"chisq_diff": fit0.chisq - fit1.chisq, "df_diff": m, "pvalue": math.nan}
    G = len(p1.st)
    D1 = [p1.model(fit1.theta, g)[1] for g in range(G)]
    D0 = [p0.model(fit0.theta, g)[1] for g in range(G)]
    H = np.linalg.pinv(np.vstack(D1)) @ np.vstack(D0)
    # orthogonal complement of H's column space (rank-revealing SVD)
    U_, sv, _ = np.linalg.svd(H, full_matrices=True)
    rank = int((sv > sv.max() * max(H.shape) * np.finfo(float).eps).sum()) if sv.size else 0
    A = U_[:, rank:].T
    P = sum(fg * D.T @ w @ D for fg, D, w in zip(p1.f, D1, p1.W, strict=True))
    Pinv = np.linalg.pinv(P)
    APA = A @ Pinv @ A.T
    small = np.sqrt(np.finfo(float).eps)
    keep = ~((np.abs(APA.sum(axis=0)) < small) & (np.abs(APA.sum(axis=1)) < small))
    A = A[keep]
    PAAPAAP = Pinv @ A.T @ np.linalg.pinv(A @ Pinv @ A.T) @ A @ Pinv
    t1 = 0.0
    for fg, D, w, st in zip(p1.f, D1, p1.W, p1.st, strict=True):
        t1 += fg * float(np.trace(w @ st.gamma @ w @ D @ PAAPAAP @ D.T))
    from scipy.linalg import block_diag

    Gall = block_diag(*[fg * st.gamma for fg, st in zip(p1.f, p1.st, strict=True)])
    Vall = block_diag(*p1.W)
    Pall = np.vstack(D1)
    UG = Vall @ Pall @ PAAPAAP @ Pall.T @ Vall @ Gall
    t2 = float(np.einsum("ij,ji->", UG, UG))
    a = math.sqrt(m / t2)
    b = m - a * t1
    T = (fit0.chisq - fit1.chisq) * a + b
    return {"chisq_diff": T, "df_diff": m, "pvalue": float(stats.chi2.sf(T, m))}
