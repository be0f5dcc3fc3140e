"""Monte Carlo power for structural equation models: :func:`power_sem`.

For every sample size ``N`` the population model draws ``reps`` data sets, the analysis model is fitted to each
(:func:`relatie_lab.sem.fit_sem`) and, per parameter, the results are summarised (as simsem / Muthén & Muthén
2002 do):

- ``power``: share of converged replications with a two-sided Wald test ``p < alpha``;
- ``coverage``: share of converged replications whose 95% CI contains the true value;
- ``rel_bias``: ``(mean estimate - true) / true`` (NaN when the true value is 0);
- ``se_ratio``: mean standard error / standard deviation of the estimates (1 = honest SEs);
- ``converged``: share of replications that converged.

The true values are the analysis model's estimates on the population covariance matrix itself (for an analysis
model without misspecification these are the population values, in the analysis model's own scaling, e.g.
with the first loading fixed at 1). Replications run in batches on Dask (:mod:`relatie_lab.parallel`) with one
``SeedSequence`` per replication, so the numbers do not depend on the number of workers.

Examples
--------
>>> res = power_sem("y ~ 0.3*x", n=[100], reps=50, seed=1, client="local")
>>> row = res.table.query("op == '~'").iloc[0]
>>> (row["parameter"], int(row["n"]), bool(0.5 < row["power"] <= 1))
('y ~ x', 100, True)
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from relatie_lab.errors import ModelWarning, SurveyError
from relatie_lab.labels import check_lang, label
from relatie_lab.parallel import chunks, run_tasks, spawn_seeds
from relatie_lab.sem.population import Population, exact_data, from_result, population_moments, strip_values

__all__ = ["PowerResult", "add_cli", "power_sem", "simulate_fits"]

TABLE_COLUMNS = ["n", "parameter", "lhs", "op", "rhs", "label", "true_value", "mean_est", "power", "coverage",
                 "rel_bias", "se_ratio", "converged", "n_reps"]  # fmt: skip
_Z975 = float(stats.norm.ppf(0.975))
#: replications per Dask task: a task then runs ~0.5-1 s of fits, so the scheduling overhead (a few ms) is ~1%
REPS_PER_TASK = 25


def _key(row: Any) -> str:
    return f"{row.lhs} {row.op} {row.rhs}" if row.op != ":=" else f"{row.lhs} :="


def _template(pop: Population, model: str, missing: float) -> tuple[Any, np.ndarray, bool, list[int]]:
    """Parameter table, start values, mean structure and column order of the analysis model (fitted once)."""
    from relatie_lab.sem.result import fit_sem

    data = exact_data(pop, n=max(200, 4 * len(pop.names)))
    if missing > 0:  # FIML: the table needs the mean structure of incomplete data
        data.iloc[0, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(data, model, estimator="ML", missing="fiml")
    eng = res.engine
    order = [pop.names.index(v) for v in eng.ov[: eng.p]]
    return res.partable, res.raw.theta, bool(eng.meanstructure), order


def _defined_se(eng: Any, pt: Any, theta: np.ndarray, vcov: np.ndarray, names: list[str]) -> dict[str, tuple]:
    """Values and delta-method SEs of the ``:=`` parameters (numerical Jacobian, as fit_sem)."""
    from relatie_lab.sem.result import defined_values

    defs = pt.attrs.get("defined", [])
    labels_ = pt["label"].tolist()
    value = defined_values(pt, eng.row_values(theta), labels_, defs)
    J = np.zeros((len(defs), len(theta)))
    used = {n for d in defs for n in d.names}
    free = pt["free"].to_numpy()
    relevant = sorted({int(f) - 1 for f, lab in zip(free, labels_, strict=True) if f > 0 and lab in used})
    for k in relevant:  # the definitions depend on their labelled parameters only
        h = 1e-6 * max(1.0, abs(theta[k]))
        tp, tm = theta.copy(), theta.copy()
        tp[k] += h
        tm[k] -= h
        vp = defined_values(pt, eng.row_values(tp), labels_, defs)
        vm = defined_values(pt, eng.row_values(tm), labels_, defs)
        J[:, k] = [(vp[d.name] - vm[d.name]) / (2 * h) for d in defs]
    var = np.diag(J @ vcov @ J.T)
    return {d.name: (value[d.name], math.sqrt(v) if v >= 0 else math.nan) for d, v in zip(defs, var, strict=True)
            if d.name in names}  # fmt: skip


def simulate_fits(seeds: list, *, pop: Population, model: str, n: int, estimator: str, missing: float,
                  keys: list[str], fit_indices: bool = False) -> dict[str, np.ndarray]:  # fmt: skip
    """One task: draw and fit one data set per seed; estimates, SEs, p-values (and CFI, RMSEA, SRMR) as arrays.

    The analysis model is compiled once per task and refitted on every data set with the engine of
    :func:`relatie_lab.sem.fit_sem` (the same estimates, SEs and fit indices; warm start from the population
    values). Rows of a replication that does not converge (or fails) are NaN; ``converged`` says which did.
    """
    from relatie_lab.sem.engine import Engine, single_thread_blas

    pt, theta0, meanstructure, order = _template(pop, model, missing)
    rows = {_key(r): i for i, r in enumerate(pt.itertuples()) if r.free > 0}
    defined = [key[:-3] for key in keys if key.endswith(" :=")]
    k = len(keys)
    est, se, pv = (np.full((len(seeds), k), np.nan) for _ in range(3))
    conv = np.zeros(len(seeds), bool)
    fit = np.full((len(seeds), 3), np.nan)
    free = pt["free"].to_numpy()
    with single_thread_blas(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, seed in enumerate(seeds):
            rng = np.random.default_rng(seed)
            X = pop.draw(n, rng)[:, order]
            if missing > 0:
                X[rng.random(X.shape) < missing] = np.nan
                X = X[~np.isnan(X).all(axis=1)]  # no answer at all: no information (fit_sem leaves these out)
            try:
                eng = Engine(pt, [X], meanstructure=meanstructure)
                se_kind = "robust" if estimator == "MLR" else ("expected" if eng.complete else "observed")
                res = eng.fit(se=se_kind, theta0=theta0, robust=estimator == "MLR", baseline=fit_indices)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError):
                continue
            if not res.converged or res.vcov is None or not np.all(np.isfinite(np.diag(res.vcov))):
                continue
            conv[i] = True
            values = eng.row_values(res.theta)
            sd = np.sqrt(np.clip(np.diag(res.vcov), 0, None))
            for j, key in enumerate(keys):
                if key in rows:
                    r = rows[key]
                    est[i, j], se[i, j] = values[r], sd[free[r] - 1]
            if defined:
                for name, (v, s) in _defined_se(eng, pt, res.theta, res.vcov, defined).items():
                    j = keys.index(f"{name} :=")
                    est[i, j], se[i, j] = v, s
            if fit_indices:
                fi = res.fit
                fit[i] = (fi.get("cfi", np.nan), fi.get("rmsea", np.nan), fi.get("srmr", np.nan))
    with np.errstate(divide="ignore", invalid="ignore"):
        pv = 2 * stats.norm.sf(np.abs(est / se))
    return {"est": est, "se": se, "p": pv, "converged": conv, "fit": fit}


@dataclass
class PowerResult:
    """Result of :func:`power_sem`: the tidy ``table`` (one row per N and parameter) and the settings."""

    table: pd.DataFrame
    reps: int
    alpha: float
    estimator: str
    missing: float | None
    seed: int | None
    failed_tasks: list[tuple[int, str]] = field(default_factory=list)
    lang: str = "nl"
    n_tasks: int = 0

    def smallest_n(self, power: float = 0.8) -> pd.DataFrame:
        """Per parameter the smallest N of the grid with at least this power (NaN when none reaches it).

        Examples
        --------
        >>> t = pd.DataFrame({"n": [100, 200, 100, 200], "parameter": ["a", "a", "b", "b"],
        ...                   "power": [0.5, 0.9, 0.2, 0.4]})
        >>> PowerResult(t, 10, 0.05, "ML", None, None).smallest_n().to_dict("records")
        [{'parameter': 'a', 'smallest_n': 200.0}, {'parameter': 'b', 'smallest_n': nan}]
        """
        out = []
        for name, sub in self.table.groupby("parameter", sort=False):
            ok = sub.loc[sub["power"] >= power, "n"]
            out.append({"parameter": name, "smallest_n": float(ok.min()) if len(ok) else math.nan})
        return pd.DataFrame(out, columns=["parameter", "smallest_n"])

    def summary(self, lang: str | None = None, power: float = 0.8) -> str:
        """Readable text: the settings, per N and parameter the five measures, the smallest N per parameter."""
        lang = check_lang(lang or self.lang)
        miss = label("power_missing_part", lang).format(share=self.missing) if self.missing else ""
        out = [label("power_title", lang),
               label("power_header", lang).format(reps=self.reps, alpha=self.alpha, estimator=self.estimator,
                                                  missing=miss), ""]  # fmt: skip
        cols = ["power", "coverage", "rel_bias", "se_ratio", "converged"]
        head = f"  {'N':>6}  {label('power_col_parameter', lang):<34}" + "".join(
            f"{label('power_col_' + c, lang)[:14]:>16}" for c in cols)
        out.append(head)
        for row in self.table.itertuples():
            vals = "".join(f"{getattr(row, c):>16.3f}" if np.isfinite(getattr(row, c)) else f"{'':>16}"
                           for c in cols)  # fmt: skip
            out.append(f"  {int(row.n):>6}  {row.parameter[:34]:<34}{vals}")
        out += ["", label("power_smallest", lang).format(power=power)]
        top = int(self.table["n"].max()) if len(self.table) else 0
        for row in self.smallest_n(power).itertuples():
            txt = f"{int(row.smallest_n)}" if np.isfinite(row.smallest_n) else label("power_not_reached",
                                                                                     lang).format(n=top)
            out.append(f"  {row.parameter:<40}{txt}")
        out += ["", label("power_mc_error", lang).format(se=math.sqrt(0.8 * 0.2 / max(self.reps, 1)))]
        if self.failed_tasks:
            out.append(label("parallel_msg_failed_tasks", lang).format(
                n=len(self.failed_tasks), total=self.n_tasks, first="; ".join(m for _, m in self.failed_tasks[:3])))
        return "\n".join(out)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, parameters: Sequence[str] | None = None, lang: str | None = None, ax: Any = None,
             power: float = 0.8):  # fmt: skip
        """Power curves (power against N) per parameter; a dashed line at ``power``. Returns the Figure."""
        import matplotlib.pyplot as plt

        lang = check_lang(lang or self.lang)
        table = self.table
        if parameters is None:
            parameters = list(dict.fromkeys(table.loc[table["op"].isin(["~", ":="]), "parameter"])) or list(
                dict.fromkeys(table["parameter"]))[:6]
        if ax is None:
            fig, ax = plt.subplots(figsize=(6.5, 4))
        else:
            fig = ax.figure
        for name in parameters:
            sub = table[table["parameter"] == name].sort_values("n")
            ax.plot(sub["n"], sub["power"], marker="o", label=name)
        ax.axhline(power, color="0.4", linestyle="--", linewidth=1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(label("power_plot_x", lang))
        ax.set_ylabel(label("power_plot_y", lang))
        ax.set_title(label("power_title", lang))
        ax.legend(fontsize=8, frameon=False)
        return fig


def _check_inputs(n: Any, reps: Any, missing: Any, p: int, lang: str) -> list[int]:
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < 1:
        raise SurveyError(label("power_err_reps", lang).format(reps=reps))
    sizes = [n] if isinstance(n, (int, np.integer)) else list(n)
    if not sizes or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v <= p for v in sizes):
        raise SurveyError(label("power_err_n", lang).format(p=p, n=n))
    if missing is not None and not (isinstance(missing, (int, float)) and 0 <= missing < 1):
        raise SurveyError(label("power_err_share", lang).format(value=missing))
    return [int(v) for v in sizes]


def _truth(pop: Population, model: str, estimator: str) -> pd.DataFrame:
    from relatie_lab.sem.result import fit_sem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit_sem(exact_data(pop), model, estimator="ML")
    est = res.estimates
    free = np.r_[res.partable.free.to_numpy() > 0, np.ones(len(est) - len(res.partable), bool)]
    est = est[free].copy()
    est["parameter"] = [_key(r) for r in est.itertuples()]
    return est.drop_duplicates("parameter")


def power_sem(
    population: Any,
    model: str | None = None,
    n: Sequence[int] | int = (100, 200, 400),
    reps: int = 1000,
    alpha: float = 0.05,
    estimator: str = "ML",
    missing: float | None = None,
    seed: int | None = None,
    client: Any = None,
    *,
    scheduler: str | None = None,
    progress: bool | None = None,
    lang: str = "nl",
) -> PowerResult:
    """Monte Carlo power, CI coverage, bias and SE accuracy of every parameter, per sample size.

    Parameters
    ----------
    population : str or SEMResult
        lavaan syntax with population values (``F =~ 0.7*x1 + ...``, ``y ~ 0.2*F``; what is not given is
        filled in on a standardized metric, see :mod:`relatie_lab.sem.population`), or a fitted model whose
        estimates are taken as the population.
    model : str, optional
        The analysis model; default the population model without its values (or the fitted model's syntax).
    n : list of int
        Sample sizes.
    reps : int
        Replications per sample size (1000 gives a power within about ±0.013; 1 SE at power 0.8).
    alpha : float
        Significance level of the two-sided Wald tests.
    estimator : {"ML", "MLR"}
        Estimator of the analysis model.
    missing : float, optional
        Share of answers missing completely at random (planned missingness, dropout); fitted with FIML.
    seed : int, optional
        Seed; the same seed gives the same numbers on 1 worker, 2 workers or a cluster.
    client : distributed.Client or "local", optional
        Dask client (default: a local cluster sized to the machine, or ``scheduler``/``RELATIE_LAB_SCHEDULER``).
        ``"local"`` runs in this process without Dask (the same numbers).
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:8786``).
    progress : bool, optional
        Progress bar (default: in a terminal or notebook).
    lang : {"nl", "en"}
        Language of messages and summary.

    Returns
    -------
    PowerResult
        ``.table`` with ``n, parameter, lhs, op, rhs, label, true_value, mean_est, power, coverage, rel_bias,
        se_ratio, converged, n_reps``; ``.smallest_n(power=0.8)``, ``.summary()``, ``.plot()``.
    """
    lang = check_lang(lang)
    if isinstance(population, str):
        pop = population_moments(population, lang=lang)
        model = model or strip_values(population)
    elif hasattr(population, "engine") and hasattr(population, "estimates"):
        pop = from_result(population, lang=lang)
        model = model or population.model
    else:
        raise SurveyError(label("power_err_population", lang).format(kind=type(population).__name__))
    sizes = _check_inputs(n, reps, missing, len(pop.names), lang)
    estimator = estimator.upper()
    truth = _truth(pop, model, estimator)
    keys = truth["parameter"].tolist()
    tasks, where = [], []
    for size, root in zip(sizes, spawn_seeds(seed, len(sizes)), strict=True):
        for part in chunks(spawn_seeds(root, reps), REPS_PER_TASK):
            tasks.append(part)
            where.append(size)
    shared = {"pop": pop, "model": model, "estimator": estimator, "missing": float(missing or 0.0), "keys": keys}
    local = isinstance(client, str) and client == "local"
    # the sample size travels with each task: one function for all, N as a keyword per task
    done = run_tasks(_task, list(zip(where, tasks, strict=True)), shared=shared,
                     client=None if local else client, scheduler=scheduler, local=local, progress=progress,
                     desc="power", lang=lang)  # fmt: skip
    if done.failed:
        warnings.warn(done.failure_text(lang), ModelWarning, stacklevel=2)
    rows = []
    for size in sizes:
        parts = [r for r, s in zip(done.results, where, strict=True) if s == size and r is not None]
        rows += _summarise(parts, size, truth, alpha)
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return PowerResult(table, int(reps), float(alpha), estimator, missing, seed, done.failed, lang, len(tasks))


def _task(item: tuple[int, list], **shared: Any) -> dict[str, np.ndarray]:
    size, seeds = item
    return simulate_fits(seeds, n=size, **shared)


def _summarise(parts: list[dict], size: int, truth: pd.DataFrame, alpha: float) -> list[dict]:
    k = len(truth)
    if parts:
        est = np.vstack([p["est"] for p in parts])
        se = np.vstack([p["se"] for p in parts])
        pv = np.vstack([p["p"] for p in parts])
        conv = np.concatenate([p["converged"] for p in parts])
    else:
        est = se = pv = np.empty((0, k))
        conv = np.zeros(0, bool)
    rows = []
    for j, t in enumerate(truth.itertuples()):
        e, s, p = est[conv, j], se[conv, j], pv[conv, j]
        ok = np.isfinite(e)
        e, s, p = e[ok], s[ok], p[ok]
        true = float(t.est)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = float(np.std(e, ddof=1)) if len(e) > 1 else math.nan
            covered = np.abs(e - true) <= _Z975 * s
            rows.append({
                "n": size, "parameter": t.parameter, "lhs": t.lhs, "op": t.op, "rhs": t.rhs, "label": t.label,
                "true_value": true, "mean_est": float(e.mean()) if len(e) else math.nan,
                "power": float(np.mean(p < alpha)) if len(p) else math.nan,
                "coverage": float(np.mean(covered)) if len(e) else math.nan,
                "rel_bias": (float(e.mean()) - true) / true if len(e) and abs(true) > 1e-12 else math.nan,
                "se_ratio": float(np.nanmean(s)) / sd if len(e) > 1 and sd > 0 else math.nan,
                "converged": float(conv.mean()) if len(conv) else math.nan, "n_reps": len(conv),
            })  # fmt: skip
    return rows


# ---------------------------------------------------------------------------------------------------------------
# command line


def add_cli(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``relatie-lab power MODEL.lav --n 100,200,400 --reps 1000``."""
    from relatie_lab.parallel import add_scheduler_option

    parser = subparsers.add_parser(
        "power",
        help="Monte Carlo power of a structural equation model",
        description="Simulate data from a lavaan model with population values (e.g. 'y ~ 0.2*x'), refit it, and "
        "print per sample size and parameter: power, 95%% CI coverage, relative bias, SE ratio, convergence.",
    )
    parser.add_argument("model", help="lavaan model file with population values (.lav / .txt)")
    parser.add_argument("--n", required=True, help="sample sizes, comma-separated (e.g. 100,200,400)")
    parser.add_argument("--reps", type=int, default=1000, help="replications per sample size (default 1000)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default 0.05)")
    parser.add_argument("--estimator", choices=("ML", "MLR"), default="ML")
    parser.add_argument("--missing", type=float, default=None, help="share of answers missing at random, e.g. 0.1")
    parser.add_argument("--analysis-model", default=None, help="another analysis model file (default: the same "
                        "model without its values)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=None, help="random seed (same seed, same numbers)")
    parser.add_argument("--power", type=float, default=0.8, help="target power for the smallest N (default 0.8)")
    parser.add_argument("--csv", default=None, help="also write the table to this CSV file")
    parser.add_argument("--lang", choices=("nl", "en"), default="nl")
    add_scheduler_option(parser)
    parser.set_defaults(func=_cli_power)
    return parser


def _read(path: str, lang: str) -> str:
    from pathlib import Path

    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SurveyError(f"{path}: {exc.strerror or exc}") from None


def _cli_power(args: argparse.Namespace) -> int:
    try:
        sizes = [int(v) for v in str(args.n).replace(" ", "").split(",") if v]
    except ValueError:
        raise SurveyError(label("power_err_n", args.lang).format(p="?", n=args.n)) from None
    analysis = _read(args.analysis_model, args.lang) if args.analysis_model else None
    result = power_sem(_read(args.model, args.lang), model=analysis, n=sizes, reps=args.reps, alpha=args.alpha,
                       estimator=args.estimator, missing=args.missing, seed=args.seed, scheduler=args.scheduler,
                       lang=args.lang)  # fmt: skip
    print(result.summary(args.lang, power=args.power))
    if args.csv:
        from relatie_lab.atomic import write_text

        write_text(args.csv, result.table.to_csv(index=False))
    sys.stdout.flush()
    return 1 if result.failed_tasks else 0
