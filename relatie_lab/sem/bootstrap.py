"""Bootstrap confidence intervals for indirect effects and ``:=`` parameters of a fitted SEM.

Rows are resampled with replacement (within groups for a multi-group model) from a seeded
``np.random.default_rng(seed)``, so the same seed gives identical numbers. Each draw is refitted with a
warm start from the full-sample estimates and the full-sample information as starting Hessian; with
complete data a draw costs one covariance matrix and a few quasi-Newton steps. A draw that does not converge
so is restarted (Fisher scoring from the full-sample estimates, then L-BFGS); draws that still fail are left
out and counted in ``n_failed`` and ``share_failed``. With more than 5% failed the intervals are marked
``ci_reliable = False`` (the remaining draws are no longer a random sample of the resamples).

Why draws failed on real models (issue 11): a factor with one indicator whose residual variance was free (lavaan
fixes it at 0; so does the parser now) is only weakly determined, and the warm-started quasi-Newton steps ran
out of iterations in that direction (9 of 40 draws on a simulated 7-construct model); the restart lets most of
those converge (2 of 40 left).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from relatie_lab.sem import fit_sem
>>> rng = np.random.default_rng(1)
>>> x = rng.normal(size=200); m = 0.5 * x + rng.normal(size=200); y = 0.5 * m + rng.normal(size=200)
>>> res = fit_sem(pd.DataFrame({"x": x, "m": m, "y": y}), "m ~ x\\ny ~ m")
>>> out = indirect_effects(res, n_boot=100, seed=1)
>>> out.loc[0, "effect"]
'x -> m -> y'
>>> bool(out.loc[0, "ci_lower"] < out.loc[0, "est"] < out.loc[0, "ci_upper"])
True
"""

from __future__ import annotations

import copy
import itertools
import math
import sys
import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from relatie_lab.errors import ModelWarning
from relatie_lab.labels import label
from relatie_lab.parallel import run_tasks
from relatie_lab.sem.bootstrap_se import cluster_members, resample_rows
from relatie_lab.sem.engine import Engine, GroupData, single_thread_blas

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.result import SEMResult

__all__ = ["bca_interval", "default_progress", "effect_functions", "indirect_effects", "indirect_paths"]

COLUMNS = ["effect", "kind", "est", "boot_se", "ci_lower", "ci_upper", "ci", "n_boot", "n_failed", "share_failed",
           "ci_reliable"]  # fmt: skip
#: Above this share of failed draws the intervals are marked unreliable (the draws that remain are not a random
#: sample of the resamples: the hard ones are missing).
MAX_SHARE_FAILED = 0.05


def indirect_paths(estimates: pd.DataFrame) -> list[list[str]]:
    """Every chain ``x -> m (-> ...) -> y`` of two or more regressions (``~``) in the model.

    Examples
    --------
    >>> est = pd.DataFrame({"lhs": ["m", "y", "y"], "op": ["~", "~", "~"], "rhs": ["x", "m", "x"]})
    >>> indirect_paths(est)
    [['x', 'm', 'y']]
    """
    reg = estimates[estimates.op == "~"]
    if "group" in reg:
        reg = reg[reg["group"] == reg["group"].iloc[0]] if len(reg) else reg
    children: dict[str, list[str]] = {}
    for lhs, rhs in zip(reg.lhs, reg.rhs, strict=True):
        children.setdefault(rhs, [])
        if lhs not in children[rhs]:
            children[rhs].append(lhs)
    paths: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for nxt in children.get(path[-1], []):
            if nxt in path:
                continue
            new = [*path, nxt]
            if len(new) >= 3:
                paths.append(new)
            walk(new)

    for start in dict.fromkeys(reg.rhs):
        walk([start])
    return paths


def effect_functions(result: SEMResult):
    """Names, kinds and a function ``theta -> effect values`` for all indirect paths and ``:=`` parameters."""
    from relatie_lab.sem.result import defined_values

    eng: Engine = result.engine
    pt = result.partable
    paths = indirect_paths(result.estimates)
    levels = list(result.group_labels) if result.group else [None]
    path_rows, names = [], []
    for g, level in enumerate(levels, start=1):  # multi-group: every path in every group
        reg_rows = {(lhs, rhs): i for i, (lhs, op, rhs, gg) in enumerate(zip(pt.lhs, pt.op, pt.rhs, pt.group,
                    strict=True)) if op == "~" and gg == g}  # fmt: skip
        for p in paths:
            path_rows.append([reg_rows[(b, a)] for a, b in itertools.pairwise(p)])
            names.append(" -> ".join(p) + ("" if level is None else f" [{level}]"))
    paths = path_rows
    kinds = ["indirect"] * len(paths)
    defs = list(pt.attrs.get("defined", []))
    labels = pt["label"].tolist()
    defined = [d.name for d in defs]
    names += defined
    kinds += ["defined"] * len(defined)

    def values(theta: np.ndarray) -> np.ndarray:
        vals = eng.row_values(theta)
        out = [float(np.prod(vals[rows])) for rows in path_rows]
        if defined:
            dv = defined_values(pt, vals, labels, defs)
            out += [dv[n] for n in defined]
        return np.array(out)

    return names, kinds, values


def _resampled_engine(eng: Engine, rng: np.random.Generator, members: list | None = None) -> Engine:
    """The engine on one resample: rows with replacement, or whole clusters (``members``: per group the rows of
    each cluster, :func:`relatie_lab.sem.bootstrap_se.cluster_members`)."""
    proxy = copy.copy(eng)
    groups = []
    for g, gd in enumerate(eng.groups):
        idx = resample_rows(rng, gd.N, None if members is None else members[g])
        if gd.complete:
            X = gd.X[idx]
            mean = X.mean(axis=0)
            Xc = X - mean
            groups.append(GroupData(X, gd.masks, gd.n, mean[None], (Xc.T @ Xc / gd.N)[None], gd.pattern_of_row,
                                    True))  # fmt: skip
        else:
            groups.append(GroupData.from_array(gd.X[idx]))
    proxy.groups = groups
    proxy.complete = all(g.complete for g in groups)
    proxy.__dict__.pop("_h1", None)
    proxy.__dict__.pop("_h1_info_cache", None)
    proxy.__dict__.pop("_w_moments", None)
    return proxy


def _draws(eng: Engine, theta: np.ndarray, hess: np.ndarray, values, streams: list,
           members: list | None = None) -> np.ndarray:  # fmt: skip
    """Refit the model on one resample per seed stream; NaN rows for draws that fail."""
    out = np.full((len(streams), len(values(theta))), np.nan)
    with single_thread_blas():
        for i, stream in enumerate(streams):
            proxy = _resampled_engine(eng, np.random.default_rng(stream), members)
            try:  # from the full-sample estimates, with their Hessian: a few quasi-Newton steps
                th, ok, _ = proxy.optimize(theta, hess0=hess, maxit=200, fallback=False, tol=1e-5)
            except (np.linalg.LinAlgError, ValueError):
                ok = False
            if not ok:  # a weakly determined direction: restart scoring from the full-sample estimates, L-BFGS after
                try:
                    th, ok, _ = proxy.optimize(theta, maxit=500, fallback=True)
                except (np.linalg.LinAlgError, ValueError):
                    ok = False
            if ok:
                out[i] = values(th)
    return out


def _draws_task(streams: list, job: tuple) -> np.ndarray:
    """One task of the parallel bootstrap: ``job`` is ``(engine, theta, hessian, effect function, clusters)``."""
    eng, theta, hess, values, members = job
    return _draws(eng, theta, hess, values, streams, members)


def bca_interval(boot: np.ndarray, estimate: float, jackknife: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Bias-corrected and accelerated (BCa) bootstrap interval (Efron 1987; Efron & Tibshirani 1993, 14.3).

    The bias correction is ``z0 = Phi^-1(share of draws below the estimate)`` (ties count half) and the acceleration
    ``a = sum(d**3) / (6 * sum(d**2) ** 1.5)`` with ``d = mean(jackknife) - jackknife``. The interval runs between
    the quantiles ``Phi(z0 + (z0 + z) / (1 - a * (z0 + z)))`` of the draws, with ``z`` the normal quantiles of
    ``(1 - level) / 2`` and ``(1 + level) / 2``. As ``scipy.stats.bootstrap(method="BCa")``; with ``z0 = a = 0``
    it is the percentile interval.

    Parameters
    ----------
    boot : array
        Bootstrap estimates of the statistic (NaN draws, e.g. failed fits, are left out).
    estimate : float
        The statistic on the full sample.
    jackknife : array
        Leave-one-out (or leave-one-block-out) estimates of the statistic.
    level : float
        Confidence level.

    Returns
    -------
    (lower, upper) : tuple of float
        NaN when fewer than 10 draws are usable or the estimate is not finite.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.exponential(size=30)
    >>> boot = rng.choice(x, size=(2000, 30)).mean(axis=1)
    >>> jack = (x.sum() - x) / 29
    >>> lo, hi = bca_interval(boot, x.mean(), jack)
    >>> bool(lo < x.mean() < hi)
    True
    """
    from scipy import special  # imported when needed: a faster `import relatie_lab.sem`

    boot = np.asarray(boot, dtype=float)
    ok = boot[np.isfinite(boot)]
    if len(ok) < 10 or not np.isfinite(estimate):
        return math.nan, math.nan
    prop = (np.sum(ok < estimate) + 0.5 * np.sum(ok == estimate)) / len(ok)
    prop = min(max(prop, 1 / (len(ok) + 1)), 1 - 1 / (len(ok) + 1))  # all draws on one side: keep z0 finite
    z0 = special.ndtri(prop)  # the normal quantile (scipy.stats.norm.ppf), without importing scipy.stats
    jack = np.asarray(jackknife, dtype=float)
    jk = jack[np.isfinite(jack)]
    d = jk.mean() - jk if len(jk) else jk
    den = 6 * (np.sum(d**2) ** 1.5)
    a = float(np.sum(d**3) / den) if den > 0 else 0.0
    alphas = []
    for q in ((1 - level) / 2, 1 - (1 - level) / 2):
        z = special.ndtri(q)
        alphas.append(float(special.ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))))
    lo, hi = np.quantile(ok, alphas)
    return float(lo), float(hi)


def _jackknife(eng: Engine, theta: np.ndarray, hess: np.ndarray, values, max_blocks: int = 500,
               members: list | None = None) -> np.ndarray:  # fmt: skip
    """Leave-one-out (or leave-one-block-out for large N) estimates of the effects, for BCa's acceleration.

    With ``members`` (clusters) one cluster is left out at a time, as the cluster bootstrap draws clusters.
    """
    out = []
    for g, gd in enumerate(eng.groups):
        blocks = members[g] if members is not None else np.array_split(np.arange(gd.N), min(gd.N, max_blocks))
        for block in blocks:
            keep = np.setdiff1d(np.arange(gd.N), block)
            proxy = copy.copy(eng)
            groups = list(eng.groups)
            groups[g] = GroupData.from_array(gd.X[keep])
            proxy.groups = groups
            proxy.complete = all(x.complete for x in groups)
            proxy.N = sum(x.N for x in groups)
            for key in ("_h1", "_h1_info_cache", "_w_moments"):
                proxy.__dict__.pop(key, None)
            th, ok, _ = proxy.optimize(theta, hess0=hess, maxit=100, fallback=False, tol=1e-5)
            out.append(values(th) if ok else np.full(len(values(theta)), np.nan))
    return np.array(out)


def default_progress(n_boot: int, n_rows: int) -> bool:
    """Show a progress bar by default: for long runs (draws x rows above 5 million), in a terminal or a notebook.

    In Jupyter stderr is no terminal, so a running IPython kernel counts too (``tqdm.auto`` then draws a widget).

    Examples
    --------
    >>> default_progress(100, 300)
    False
    """
    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    return bool(n_boot * n_rows > 5_000_000 and interactive)


def indirect_effects(
    result: SEMResult,
    n_boot: int = 1000,
    ci: str = "percentile",
    seed: int | None = None,
    progress: bool | None = None,
    level: float = 0.95,
    n_jobs: int | None = None,
    client=None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Bootstrap every indirect path and every ``:=`` parameter of a fitted model.

    Parameters
    ----------
    result : SEMResult
        A model fitted with :func:`relatie_lab.fit_sem`.
    n_boot : int
        Number of bootstrap draws.
    ci : {"percentile", "bca"}
        Percentile interval or bias-corrected and accelerated (BCa; acceleration by jackknife).
    seed : int, optional
        Seed of ``np.random.default_rng``; the same seed gives identical numbers.
    progress : bool, optional
        Show a progress bar (default: :func:`default_progress`, long runs in a terminal or notebook).
    level : float
        Confidence level.
    n_jobs : int, optional
        Worker processes (default 1: in this process). With more, the draws run on a local Dask cluster of
        that many processes (:mod:`relatie_lab.parallel`). The numbers do not depend on it.
    client, scheduler : optional
        Run the draws on this Dask client, or the scheduler at this address (``tcp://HOST:PORT``); see
        :func:`relatie_lab.parallel.get_client`. The numbers are the same as in one process.

    Rows are resampled with replacement within groups; for a model fitted with ``cluster=`` whole clusters are
    (the cluster bootstrap), and BCa's jackknife leaves out one cluster at a time.

    Returns
    -------
    DataFrame
        ``effect, kind, est, boot_se, ci_lower, ci_upper, ci, n_boot, n_failed, share_failed, ci_reliable``
        (False when more than 5% of the draws failed): one row per effect, named like
        ``"vertrouwen -> commitment -> betrokkenheid"`` (indirect) or by its ``:=`` name (defined).
    """
    if ci not in ("percentile", "bca"):
        raise ValueError("ci must be 'percentile' or 'bca'.")
    names, kinds, values = effect_functions(result)
    if not names:
        return pd.DataFrame(columns=COLUMNS)
    eng = result.engine
    theta = result.raw.theta
    est = values(theta)
    # one independent stream per draw: identical numbers for a seed, whatever the number of workers
    streams = np.random.SeedSequence(seed).spawn(n_boot)
    with single_thread_blas():
        # the full-sample Hessian of the objective: a near-exact start for every draw (Newton-like steps)
        hess = eng.observed_info(theta) * 2 / eng.N
    if n_jobs is None:  # one process: safe in notebooks, and no cluster to start for a short run
        n_jobs = 1
    if progress is None:
        progress = default_progress(n_boot, eng.N)
    # 50 draws per task: per-task overhead far below the fit time; the same chunks whatever the workers
    chunks = [streams[i : i + 50] for i in range(0, n_boot, 50)]
    local = int(n_jobs) <= 1 and client is None and scheduler is None
    # with cluster= the draws take whole clusters (the cluster bootstrap), as fit_sem(..., se="bootstrap")
    members = [cluster_members(c) for c in result.clusters] if result.clusters is not None else None
    done = run_tasks(_draws_task, chunks, shared={"job": (eng, theta, hess, values, members)}, client=client,
                     scheduler=scheduler, n_workers=None if local else int(n_jobs), local=local,
                     progress=progress, desc="bootstrap", lang=result.lang)  # fmt: skip
    if done.failed:  # a task that failed: its draws count as failed draws, and it is said
        warnings.warn(done.failure_text(result.lang), ModelWarning, stacklevel=2)
    parts = [r if r is not None else np.full((len(c), len(names)), np.nan) for r, c in zip(done.results, chunks,
             strict=True)]  # fmt: skip
    boot = np.vstack(parts) if chunks else np.empty((0, len(names)))
    with single_thread_blas():
        jack = _jackknife(eng, theta, hess, values, members=members) if ci == "bca" else None
    failed = int(np.isnan(boot).any(axis=1).sum())
    share = failed / n_boot if n_boot else 0.0
    if failed:
        msg = label("sem_msg_boot_failed", result.lang).format(failed=failed, n_boot=n_boot)
        if share > MAX_SHARE_FAILED:
            msg += " " + label("sem_msg_boot_unreliable", result.lang).format(share=100 * share)
        warnings.warn(msg, ModelWarning, stacklevel=2)
    rows = []
    for k, name in enumerate(names):
        col = boot[:, k]
        ok = col[np.isfinite(col)]
        if ci == "bca":
            lo, hi = bca_interval(col, est[k], jack[:, k], level)
        else:
            lo, hi = (np.quantile(ok, [(1 - level) / 2, 1 - (1 - level) / 2]) if len(ok) else (math.nan, math.nan))
        rows.append({"effect": name, "kind": kinds[k], "est": est[k], "boot_se": float(np.std(ok, ddof=1))
                     if len(ok) > 1 else math.nan, "ci_lower": float(lo), "ci_upper": float(hi), "ci": ci,
                     "n_boot": n_boot, "n_failed": failed, "share_failed": share,
                     "ci_reliable": share <= MAX_SHARE_FAILED})  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)
