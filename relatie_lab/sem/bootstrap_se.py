"""Bootstrap standard errors for every parameter (``fit_sem(..., se="bootstrap")``), as lavaan's ``se="bootstrap"``.

Rows are resampled with replacement (within groups) and the model is refitted on each resample, starting from the
full-sample estimates. As in lavaan (``lav_model_nvcov_bootstrap``) the covariance matrix of the estimates is the
covariance of the draws divided by the number of successful draws (not minus one); draws that fail are left out
and counted. The confidence intervals are percentile intervals of the draws (lavaan's ``boot.ci.type = "perc"``).
One independent random stream per draw (``np.random.SeedSequence(seed).spawn``): the numbers do not depend on
``n_jobs``.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> [len(ix) for ix in draw_indices([5, 3], 2, seed=1)[0]]
[5, 3]
"""

from __future__ import annotations

import concurrent.futures
import copy
import multiprocessing
import os
from typing import TYPE_CHECKING

import numpy as np

from relatie_lab.sem.engine import GroupData, single_thread_blas

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import Engine

__all__ = ["bootstrap_draws", "draw_indices"]


def draw_indices(sizes: list[int], n_boot: int, seed: int | None = None) -> list[list[np.ndarray]]:
    """Row indices of ``n_boot`` resamples: per draw one array per group (0-based, with replacement)."""
    streams = np.random.SeedSequence(seed).spawn(n_boot)
    out = []
    for s in streams:
        rng = np.random.default_rng(s)
        out.append([rng.integers(0, n, n) for n in sizes])
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


_SHARED: dict[str, tuple] = {}


def _refit_shared(draws: list) -> np.ndarray:
    return _refit(*_SHARED["job"], draws)


def bootstrap_draws(eng: Engine, theta: np.ndarray, n_boot: int = 1000, seed: int | None = None,
                    n_jobs: int | None = None, indices: list | None = None,
                    progress: bool | None = None) -> np.ndarray:  # fmt: skip
    """Estimates refitted on ``n_boot`` resamples (one row per draw; NaN rows for failed draws).

    ``indices``: the resamples themselves (per draw one index array per group), e.g. to repeat lavaan's.
    ``n_jobs``: worker processes (forked, where the platform has ``fork``); default 1.
    ``progress``: a progress bar (default: for long runs in a terminal or notebook, as the indirect-effects
    bootstrap).
    """
    from relatie_lab.sem.bootstrap import default_progress

    draws = draw_indices([gd.N for gd in eng.groups], n_boot, seed) if indices is None else indices
    with single_thread_blas():
        hess = eng.expected_info(theta) if eng.complete else eng.observed_info(theta) * 2 / eng.N
    n_jobs = max(1, min(int(n_jobs or 1), os.cpu_count() or 1))
    chunks = [draws[i : i + 25] for i in range(0, len(draws), 25)]
    if progress is None:
        progress = default_progress(len(draws), eng.N)

    def shown(parts):
        if not progress:
            return list(parts)
        from tqdm.auto import tqdm

        return list(tqdm(parts, total=len(chunks), desc="bootstrap", unit="x25", leave=False))

    if n_jobs > 1 and "fork" in multiprocessing.get_all_start_methods() and len(chunks) > 1:
        _SHARED["job"] = (eng, theta, hess)
        try:
            ctx = multiprocessing.get_context("fork")
            with concurrent.futures.ProcessPoolExecutor(n_jobs, mp_context=ctx) as pool:
                parts = shown(pool.map(_refit_shared, chunks))
        finally:
            _SHARED.clear()
    else:
        parts = shown(_refit(eng, theta, hess, c) for c in chunks)
    return np.vstack(parts) if parts else np.empty((0, len(theta)))
