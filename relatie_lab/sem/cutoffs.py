"""Dynamic fit index cutoffs (McNeish & Wolf, 2023) for a fitted model: ``result.dynamic_cutoffs()``.

Fixed cutoffs (CFI >= .95, RMSEA <= .06, SRMR <= .08; Hu & Bentler, 1999) were derived for a few model types.
McNeish & Wolf (2023, *Psychological Methods* 28(1), 61-88, doi:10.1037/met0000425) derive cutoffs for the model
and N at hand by simulation. This module follows their multi-factor procedure (R package ``dynamic``, ``cfaHB``):

1. the population is the fitted model in standardized form (every variable variance 1);
2. misspecified populations add omitted cross-loadings, one more per level (levels 1 .. F-1 for F factors): per
   factor the item with the smallest standardized loading that has no cross-loading or residual covariance
   (factors with more than two items first, smallest loadings first), loading also on the other factor with the
   highest construct reliability (coefficient H) whose pair is not used yet, with magnitude
   ``min(|lambda|, .95 * (sqrt(lambda^2 phi^2 + 1 - lambda^2) - |lambda phi|))`` (``phi`` the factor correlation):
   as large as the item's own loading, but its variance stays below 1;
3. ``reps`` samples of size ``min(N, 2000)`` are drawn from every population and the analysis model is fitted;
4. per level the cutoff is the 5th percentile of the misspecified models' RMSEA and SRMR (95th of CFI) if at least
   95% of the correct models fit better (the 95/5 rule); else the 10th/90th percentile if 90% of the correct
   models fit better (90/10); else there is no cutoff ("NONE").

For a structural model (paths between factors) the population is the whole fitted model and the analysis model
the user's model, so the cutoffs are tailored to it as well; McNeish & Wolf's own tool covers CFA models only.
The check against their published HolzingerSwineford example is in ``tests/test_sem_cutoffs.py``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.labels import check_lang, label
from relatie_lab.parallel import chunks, run_tasks, spawn_seeds
from relatie_lab.sem.population import Population

__all__ = ["HU_BENTLER", "DynamicCutoffs", "cross_loadings", "cutoff_rule", "dynamic_cutoffs"]

#: Hu & Bentler's (1999) fixed cutoffs.
HU_BENTLER = {"cfi": 0.95, "rmsea": 0.06, "srmr": 0.08}
INDICES = ("cfi", "rmsea", "srmr")
REPS_PER_TASK = 25


@dataclass
class Standardized:
    """A fitted single-group model in standardized RAM form: ``x = A x + e``, ``cov(e) = S``, variances 1."""

    names: list[str]  # observed, then latent
    p: int  # number of observed variables
    A: np.ndarray
    S: np.ndarray

    def population(self) -> Population:
        B = np.linalg.inv(np.eye(len(self.names)) - self.A)
        full = B @ self.S @ B.T
        return Population(self.names[: self.p], full[: self.p, : self.p], np.zeros(self.p))

    def correlations(self) -> np.ndarray:
        B = np.linalg.inv(np.eye(len(self.names)) - self.A)
        full = B @ self.S @ B.T
        d = 1 / np.sqrt(np.diag(full))
        return full * np.outer(d, d)


def standardized_model(result: Any, lang: str = "nl") -> Standardized:
    """The fitted model rescaled so that every observed and latent variable has variance 1."""
    if getattr(result, "group", None):
        raise SurveyError(label("power_err_multigroup", lang))
    eng = result.engine
    A, S, _ = eng.matrices(result.raw.theta, 0)
    B = np.linalg.inv(np.eye(eng.nv) - A)
    sd = np.sqrt(np.clip(np.diag(B @ S @ B.T), 1e-12, None))
    A_std = A * sd[None, :] / sd[:, None]
    S_std = S / np.outer(sd, sd)
    return Standardized(list(eng.ov) + list(eng.lv), eng.p, A_std, S_std)


def _coefficient_h(loadings: np.ndarray) -> float:
    lam2 = np.clip(loadings**2, 0, 0.999)
    total = float(np.sum(lam2 / (1 - lam2)))
    return 1 / (1 + 1 / total) if total > 0 else 0.0


def cross_loadings(model: Standardized, lang: str = "nl") -> list[dict[str, Any]]:
    """The omitted cross-loadings of levels 1, 2, ...: ``item``, ``factor`` (its own), ``target``, ``magnitude``."""
    names, p, A, S = model.names, model.p, model.A, model.S
    factors = [j for j in range(p, len(names)) if np.any(A[:p, j] != 0)]
    if len(factors) < 2:
        raise SurveyError(label("cutoffs_err_not_cfa", lang))
    corr = model.correlations()
    loads = {f: A[:p, f] for f in factors}
    H = {f: _coefficient_h(loads[f][loads[f] != 0]) for f in factors}
    n_items = {f: int(np.sum(loads[f] != 0)) for f in factors}
    resid_cov = {i for i in range(p) for k in range(p) if i != k and S[i, k] != 0}
    candidates = []
    for f in factors:
        items = [i for i in range(p) if A[i, f] != 0 and np.count_nonzero(A[i, :]) == 1 and i not in resid_cov]
        if items:
            i = min(items, key=lambda i: abs(A[i, f]))
            candidates.append((0 if n_items[f] > 2 else 1, abs(A[i, f]), i, f))
    candidates.sort()
    candidates = candidates[: len(factors) - 1]
    if not candidates:
        raise SurveyError(label("cutoffs_err_no_room", lang))
    used: set[frozenset] = set()
    out = []
    for _, lam, i, f in candidates:
        options = [g for g in factors if g != f and frozenset((f, g)) not in used]
        if not options:
            continue
        g = max(options, key=lambda g: H[g])
        used.add(frozenset((f, g)))
        phi = float(corr[f, g])
        room = 0.95 * (math.sqrt(lam**2 * phi**2 + 1 - lam**2) - abs(lam * phi))
        out.append({"item": names[i], "factor": names[f], "target": names[g],
                    "magnitude": float(min(lam, round(room, 4)))})  # fmt: skip
    return out


def misspecified(model: Standardized, added: list[dict[str, Any]]) -> Population:
    """The population with these cross-loadings added, each item's residual variance reset to keep variance 1."""
    idx = {v: i for i, v in enumerate(model.names)}
    A, S = model.A.copy(), model.S.copy()
    for c in added:
        A[idx[c["item"]], idx[c["target"]]] = c["magnitude"]
    nv = len(model.names)
    B = np.linalg.inv(np.eye(nv) - A)
    for c in added:
        i = idx[c["item"]]
        S[i, i] = 0.0
        explained = float((B @ S @ B.T)[i, i])
        S[i, i] = max(1.0 - explained, 1e-3)
    return Standardized(model.names, model.p, A, S).population()


def cutoff_rule(true: np.ndarray, miss: np.ndarray, index: str) -> dict[str, Any]:
    """McNeish & Wolf's cutoff of one index at one level: 95/5 rule, else 90/10, else none.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> cutoff_rule(rng.normal(0.03, 0.01, 500), rng.normal(0.08, 0.01, 500), "rmsea")["rule"]
    '95/5'
    >>> cutoff_rule(rng.normal(0.05, 0.01, 500), rng.normal(0.05, 0.01, 500), "rmsea")["rule"]
    'none'
    """
    true, miss = true[np.isfinite(true)], miss[np.isfinite(miss)]
    higher_is_better = index == "cfi"
    for rule, q in (("95/5", 0.05), ("90/10", 0.10)):
        if len(true) < 2 or len(miss) < 2:
            break
        if higher_is_better:
            cut, ref = np.quantile(miss, 1 - q), np.quantile(true, q)
            ok = ref > cut
        else:
            cut, ref = np.quantile(miss, q), np.quantile(true, 1 - q)
            ok = ref < cut
        if ok:
            return {"rule": rule, "cutoff": float(cut), "mc_se": _quantile_se(miss, 1 - q if higher_is_better
                                                                               else q)}  # fmt: skip
    return {"rule": "none", "cutoff": math.nan, "mc_se": math.nan}


def _quantile_se(x: np.ndarray, q: float) -> float:
    """Monte Carlo standard error of a sample quantile from the order statistics (distribution-free)."""
    x = np.sort(x)
    n = len(x)
    half = 1.0 * math.sqrt(n * q * (1 - q))
    lo, hi = int(max(0, math.floor(n * q - half))), int(min(n - 1, math.ceil(n * q + half)))
    return float((x[hi] - x[lo]) / 2)


@dataclass
class DynamicCutoffs:
    """Result of :func:`dynamic_cutoffs`.

    Attributes
    ----------
    cutoffs : DataFrame
        One row per level: ``level, item, target, magnitude`` (the cross-loading added at that level), and per
        index ``cfi, rmsea, srmr`` the cutoff, ``*_rule`` (``"95/5"``, ``"90/10"`` or ``"none"``) and ``*_mc_se``.
    fit : dict
        This model's CFI, RMSEA and SRMR.
    draws : DataFrame
        The simulated fit indices: ``level`` (0 = correct model), ``cfi, rmsea, srmr``.
    """

    cutoffs: pd.DataFrame
    fit: dict[str, float]
    n: int
    reps: int
    draws: pd.DataFrame = field(repr=False)
    failed_tasks: list[tuple[int, str]] = field(default_factory=list)
    lang: str = "nl"

    def level_of(self, index: str) -> float:
        """The highest level whose cutoff this model's fit is worse than (0: better than level 1; NaN: no cutoff)."""
        value = self.fit[index]
        worse = 0
        usable = False
        for row in self.cutoffs.itertuples():
            cut = getattr(row, index)
            if not np.isfinite(cut):
                continue
            usable = True
            if (value < cut) if index == "cfi" else (value > cut):
                worse = int(row.level)
        return float(worse) if usable else math.nan

    def table(self, lang: str | None = None) -> pd.DataFrame:
        """Tidy table for a report: this model, Hu & Bentler and each level's dynamic cutoff per index."""
        lang = check_lang(lang or self.lang)
        rows = [{"row": label("cutoffs_this_model", lang), **{k: self.fit[k] for k in INDICES}, "rule": "",
                 "omitted": ""},
                {"row": label("cutoffs_hu_bentler", lang), **HU_BENTLER, "rule": "", "omitted": ""}]  # fmt: skip
        for r in self.cutoffs.itertuples():
            rules = sorted({getattr(r, f"{k}_rule") for k in INDICES} - {"none"}) or ["none"]
            rows.append({"row": label("cutoffs_level", lang).format(level=r.level),
                         **{k: getattr(r, k) for k in INDICES}, "rule": "/".join(rules).replace("none",
                         label("cutoffs_none", lang)),
                         "omitted": f"{r.target} =~ {r.item} ({r.magnitude:.2f})"})  # fmt: skip
        return pd.DataFrame(rows, columns=["row", *INDICES, "rule", "omitted"])

    def interpretation(self, lang: str | None = None) -> str:
        """One sentence: Hu & Bentler's verdict and where this model's fit falls among the dynamic levels."""
        lang = check_lang(lang or self.lang)
        fi = self.fit
        hb_good = fi["cfi"] >= HU_BENTLER["cfi"] and fi["rmsea"] <= HU_BENTLER["rmsea"] and \
            fi["srmr"] <= HU_BENTLER["srmr"]  # fmt: skip
        levels = [self.level_of(k) for k in INDICES]
        known = [v for v in levels if np.isfinite(v)]
        if not known:
            dyn = label("cutoffs_dyn_unclear", lang)
        elif max(known) == 0:
            dyn = label("cutoffs_dyn_level0", lang)
        else:
            dyn = label("cutoffs_dyn_level", lang).format(level=int(max(known)))
        return label("cutoffs_interpretation", lang).format(
            hb_verdict=label("cutoffs_hb_good" if hb_good else "cutoffs_hb_bad", lang), dyn_verdict=dyn)

    def mc_error(self, lang: str | None = None) -> str:
        """The Monte Carlo error of the cutoffs, in words."""
        lang = check_lang(lang or self.lang)
        se = {k: float(np.nanmax(self.cutoffs[f"{k}_mc_se"])) if self.cutoffs[f"{k}_mc_se"].notna().any()
              else math.nan for k in INDICES}  # fmt: skip
        return label("cutoffs_mc_error", lang).format(reps=self.reps, **se)

    def summary(self, lang: str | None = None) -> str:
        """Readable text: the table, the Monte Carlo error and the interpretation."""
        lang = check_lang(lang or self.lang)
        t = self.table(lang)
        out = [label("cutoffs_title", lang) + f" (N = {self.n})", ""]
        out.append(f"  {'':<22}{'CFI':>8}{'RMSEA':>8}{'SRMR':>8}  ")
        for r in t.itertuples():
            vals = "".join(f"{getattr(r, k):>8.3f}" if np.isfinite(getattr(r, k)) else f"{'—':>8}"
                           for k in INDICES)  # fmt: skip
            out.append(f"  {r.row:<22}{vals}  {r.rule} {r.omitted}".rstrip())
        out += ["", self.mc_error(lang), self.interpretation(lang)]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary()


def dynamic_cutoffs(result: Any, reps: int = 500, seed: int | None = None, client: Any = None, *,
                    n: int | None = None, scheduler: str | None = None, progress: bool | None = None,
                    lang: str | None = None) -> DynamicCutoffs:  # fmt: skip
    """McNeish & Wolf's dynamic fit index cutoffs for a fitted model (see the module text).

    Parameters
    ----------
    result : SEMResult
        A fitted single-group model with at least two factors.
    reps : int
        Replications per level (McNeish & Wolf use 500).
    seed : int, optional
        Seed; the same seed gives the same cutoffs on any number of workers.
    client : distributed.Client or "local", optional
        Dask client (default a local cluster; ``"local"``: in this process, the same numbers).
    n : int, optional
        Sample size of the simulated data sets (default: the model's N, at most 2000 as in McNeish & Wolf).
    scheduler, progress, lang
        See :func:`relatie_lab.power_sem`.

    Returns
    -------
    DynamicCutoffs
        ``.cutoffs`` per level, ``.table()`` next to Hu & Bentler, ``.interpretation()``, ``.summary()``.
    """
    lang = check_lang(lang or getattr(result, "lang", "nl"))
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise SurveyError(label("power_err_reps", lang).format(reps=reps))
    if result.fit_indices.get("df", 0) <= 0:
        raise SurveyError(label("cutoffs_err_not_cfa", lang))
    model = standardized_model(result, lang)
    added = cross_loadings(model, lang)
    size = int(min(n or result.nobs, 2000))
    pops = [model.population()] + [misspecified(model, added[: k + 1]) for k in range(len(added))]
    tasks, where = [], []
    for level, root in enumerate(spawn_seeds(seed, len(pops))):
        for part in chunks(spawn_seeds(root, int(reps)), REPS_PER_TASK):
            tasks.append((level, part))
            where.append(level)
    local = isinstance(client, str) and client == "local"
    done = run_tasks(_task, tasks, shared={"pops": pops, "model": result.model, "n": size},
                     client=None if local else client, scheduler=scheduler, local=local, progress=progress,
                     desc="dynamic cutoffs", lang=lang)  # fmt: skip
    if done.failed:
        warnings.warn(done.failure_text(lang), ModelWarning, stacklevel=2)
    draws = []
    for level, res in zip(where, done.results, strict=True):
        if res is not None:
            draws.append(pd.DataFrame(res, columns=list(INDICES)).assign(level=level))
    draws_df = pd.concat(draws, ignore_index=True)[["level", *INDICES]] if draws else pd.DataFrame(
        columns=["level", *INDICES])  # fmt: skip
    true = draws_df[draws_df.level == 0]
    rows = []
    for k, c in enumerate(added, start=1):
        miss = draws_df[draws_df.level == k]
        row: dict[str, Any] = {"level": k, **{key: c[key] for key in ("item", "target", "magnitude")}}
        for index in INDICES:
            rule = cutoff_rule(true[index].to_numpy(float), miss[index].to_numpy(float), index)
            row[index], row[f"{index}_rule"], row[f"{index}_mc_se"] = rule["cutoff"], rule["rule"], rule["mc_se"]
        rows.append(row)
    columns = ["level", "item", "target", "magnitude"] + [f"{i}{s}" for i in INDICES for s in ("", "_rule", "_mc_se")]
    fit = {k: float(result.fit_indices[k]) for k in INDICES}
    return DynamicCutoffs(pd.DataFrame(rows, columns=columns), fit, size, int(reps), draws_df, done.failed, lang)


def _task(item: tuple[int, list], *, pops: list[Population], model: str, n: int) -> np.ndarray:
    from relatie_lab.sem.power import simulate_fits

    level, seeds = item
    out = simulate_fits(seeds, pop=pops[level], model=model, n=n, estimator="ML", missing=0.0, keys=[],
                        fit_indices=True)  # fmt: skip
    return out["fit"][out["converged"]]
