"""Bootstrap standard errors for every parameter (``fit_sem(..., se="bootstrap")``), as lavaan's ``se="bootstrap"``.

Rows are resampled with replacement (within groups) and the model is refitted on each resample, starting from the
full-sample estimates. With ``cluster=`` whole clusters are resampled instead (within groups; the cluster or block
bootstrap, e.g. Field & Welsh 2007), so respondents of one organisation stay together and the draws keep the
dependence between them. lavaan (0.6.14) refuses ``se = "bootstrap"`` with ``cluster =``, so that case has no
lavaan reference; a test checks it against the cluster-robust standard errors instead. As in lavaan
(``lav_model_nvcov_bootstrap``) the covariance matrix of the estimates is the covariance of the draws divided by
the number of successful draws (not minus one); draws that fail are left out and counted. The confidence
intervals are percentile intervals of the draws (lavaan's ``boot.ci.type = "perc"``).
One independent random stream per draw (``np.random.SeedSequence(seed).spawn``): the numbers do not depend on
``n_jobs``. With ``n_jobs`` above 1 the draws run on Dask (:func:`relatie_lab.parallel.run_tasks`).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> [len(ix) for ix in draw_indices([5, 3], 2, seed=1)[0]]
[5, 3]
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import numpy as np

from relatie_lab.sem.engine import GroupData, single_thread_blas

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine

__all__ = ["bootstrap_draws", "draw_indices"]


def cluster_members(clusters: np.ndarray) -> list[np.ndarray]:
    """The row indices of each cluster (in order of first appearance).

    Examples
    --------
    >>> [m.tolist() for m in cluster_members(np.array(["b", "a", "b", "c"]))]
    [[0, 2], [1], [3]]
    """
    import pandas as pd

    codes, _ = pd.factorize(pd.Series(clusters), use_na_sentinel=False)
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)


def resample_rows(rng: np.random.Generator, n: int, members: list[np.ndarray] | None = None) -> np.ndarray:
    """One resample of ``n`` rows: rows with replacement, or (``members``) whole clusters with replacement."""
    if members is None:
        return rng.integers(0, n, n)
    picked = rng.integers(0, len(members), len(members))
    return np.concatenate([members[c] for c in picked])


def draw_indices(sizes: list[int], n_boot: int, seed: int | None = None,
                 clusters: list[np.ndarray] | None = None) -> list[list[np.ndarray]]:  # fmt: skip
    """Row indices of ``n_boot`` resamples: per draw one array per group (0-based, with replacement).

    ``clusters``: per group the cluster of every row; whole clusters are then drawn (see the module docstring).
    """
    streams = np.random.SeedSequence(seed).spawn(n_boot)
    members = [cluster_members(c) for c in clusters] if clusters is not None else [None] * len(sizes)
    out = []
    for s in streams:
        rng = np.random.default_rng(s)
        out.append([resample_rows(rng, n, m) for n, m in zip(sizes, members, strict=True)])
    return out


def _resampled(eng: Engine, idx: list[np.ndarray]) -> Engine:
    proxy = copy.copy(eng)
    proxy.groups = [GroupData.from_array(gd.X[ix]) for gd, ix in zip(eng.groups, idx, strict=True)]
    proxy.complete = all(g.complete for g in proxy.groups)
    for key in ("_h1", "_h1_info_cache", "_w_moments"):
        proxy.__dict__.pop(key, None)
    if len(eng.x_idx):  # fixed.x rows take the resample's own moments (a new engine compiles them)
        proxy = type(eng)(eng.pt.assign().pipe(_with_attrs, eng), [g.X for g in proxy.groups],
                          meanstructure=eng.meanstructure)  # fmt: skip
        proxy.constraints = getattr(eng, "constraints", None)  # the same parameters, the same constraints
    return proxy


def _with_attrs(pt, eng: Engine):
    pt.attrs = {"observed": list(eng.ov), "latent": list(eng.lv), "ov_x": [eng.ov[i] for i in eng.x_idx],
                "ngroups": eng.G, "meanstructure": eng.meanstructure}  # fmt: skip
    return pt


def _refit(eng: Engine, theta: np.ndarray, hess: np.ndarray, draws: list) -> np.ndarray:
    out = np.full((len(draws), len(theta)), np.nan)
    with single_thread_blas():
        for i, idx in enumerate(draws):
            try:
                proxy = _resampled(eng, idx)
                th, ok, _ = proxy.optimize(theta, hess0=hess, maxit=300, tol=1e-8)
            except (np.linalg.LinAlgError, ValueError):
                ok = False
            if ok:
                out[i] = th
    return out


def _refit_task(draws: list, job: tuple) -> np.ndarray:
    """One task of the parallel bootstrap: ``job`` is ``(engine, theta, hessian)``."""
    return _refit(*job, draws)


def bootstrap_draws(eng: Engine, theta: np.ndarray, n_boot: int = 1000, seed: int | None = None,
                    n_jobs: int | None = None, indices: list | None = None,
                    progress: bool | None = None, clusters: list[np.ndarray] | None = None,
                    lang: str = "nl") -> np.ndarray:  # fmt: skip
    """Estimates refitted on ``n_boot`` resamples (one row per draw; NaN rows for failed draws).

    ``indices``: the resamples themselves (per draw one index array per group), e.g. to repeat lavaan's.
    ``n_jobs``: worker processes of a local Dask cluster (:mod:`relatie_lab.parallel`); default 1, in this
    process. The numbers do not depend on it.
    ``progress``: a progress bar (default: for long runs in a terminal or notebook, as the indirect-effects
    bootstrap).
    ``clusters``: per group the cluster of every row: whole clusters are resampled.
    """
    from relatie_lab.parallel import run_tasks
    from relatie_lab.sem.bootstrap import default_progress

    draws = draw_indices([gd.N for gd in eng.groups], n_boot, seed, clusters) if indices is None else indices
    with single_thread_blas():
        hess = eng.expected_info(theta) if eng.complete else eng.observed_info(theta) * 2 / eng.N
    chunks = [draws[i : i + 25] for i in range(0, len(draws), 25)]
    if progress is None:
        progress = default_progress(len(draws), eng.N)
    local = int(n_jobs or 1) <= 1
    done = run_tasks(_refit_task, chunks, shared={"job": (eng, theta, hess)}, n_workers=None if local else int(n_jobs),
                     local=local, progress=progress, desc="bootstrap", lang=lang)  # fmt: skip
    parts = [r if r is not None else np.full((len(c), len(theta)), np.nan) for r, c in zip(done.results, chunks,
             strict=True)]  # fmt: skip
    return np.vstack(parts) if parts else np.empty((0, len(theta)))
