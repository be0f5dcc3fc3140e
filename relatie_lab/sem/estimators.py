"""Estimator options of ``fit_sem`` beyond ML/MLR: MLM, cluster-robust MLR, ``missing="ml.x"``, bootstrap SEs and
lavaan's robust indices under plain ML with FIML. ``fit_sem`` calls :func:`check_options` before fitting, builds its
engine with :func:`engine_class` and passes the fit through :func:`finish`.

- ``estimator="MLM"``: complete data only (as in lavaan); see :mod:`relatie_lab.sem.robust_options`.
- ``cluster="col"`` (MLR, lavaan's default estimator with a cluster; ML becomes MLR): cluster-robust standard
  errors and test; the model gets a mean structure, as in lavaan.
- ``missing="ml.x"``: FIML that keeps respondents with a missing covariate. As lavaan 0.6.14 does, the covariates
  stay fixed (``fixed.x``), at the EM estimates of their means and covariances from all variables.
- ``se="bootstrap"``: see :mod:`relatie_lab.sem.bootstrap_se`.

Examples
--------
>>> check_options("MLM", "fiml", None, "standard", 1000, True, "en")
>>> check_options("MLM", "fiml", None, "standard", 1000, False, "en")
Traceback (most recent call last):
...
relatie_lab.errors.SurveyError: MLM needs complete data, ...
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from relatie_lab.errors import SurveyError
from relatie_lab.labels import label
from relatie_lab.sem.engine import LOG2PI, Engine, GroupData, _em_saturated

if TYPE_CHECKING:  # pragma: no cover
    from relatie_lab.sem.engine import EngineFit

__all__ = ["ESTIMATORS", "MISSING", "SE_TYPES", "MLXEngine", "check_options", "engine_class", "finish"]

ESTIMATORS = ("ML", "MLR", "MLM")
MISSING = ("fiml", "listwise", "ml.x")
SE_TYPES = ("standard", "bootstrap")


class MLXEngine(Engine):
    """FIML with lavaan's ``missing="ml.x"``: fixed.x covariates at the EM moments of all variables."""

    def _sample_moments(self, gd: GroupData) -> tuple[np.ndarray, np.ndarray]:
        if gd.complete:
            return super()._sample_moments(gd)
        cache = self.__dict__.setdefault("_em_cache", {})
        if id(gd) not in cache:
            cov, mean = _em_saturated(gd)
            cache[id(gd)] = (gd, mean, cov)
        return cache[id(gd)][1], cache[id(gd)][2]

    def _x_part(self, gd: GroupData) -> float:
        """lavaan's log-likelihood of the fixed covariates: every row, at their fixed (EM) moments."""
        cov = self._sample_moments(gd)[1]
        xi = self.x_idx
        _, logdet = np.linalg.slogdet(cov[np.ix_(xi, xi)])
        return -0.5 * gd.N * (len(xi) * LOG2PI + logdet + len(xi))

    def _loglik_x(self) -> float:
        return sum(self._x_part(gd) for gd in self.groups) if len(self.x_idx) else 0.0

    def _h1_minus_x(self, out: list) -> list:
        return [(c, m, ll - self._x_part(gd)) for gd, (c, m, ll) in zip(self.groups, out, strict=True)]


def engine_class(missing: str) -> type[Engine]:
    """The engine for a ``missing`` option."""
    return MLXEngine if missing == "ml.x" else Engine


def check_options(estimator: str, missing: str, cluster: str | None, se: str, n_boot: int, complete: bool,
                  lang: str) -> None:  # fmt: skip
    """Refuse combinations lavaan refuses, in plain language. ``complete``: the data have no missing answers."""
    if estimator not in ESTIMATORS:
        raise SurveyError(label("sem_err_estimator", lang).format(estimator=estimator, options=", ".join(ESTIMATORS)))
    if missing not in MISSING:
        raise SurveyError(label("sem_err_missing_option", lang).format(missing=missing, options=", ".join(MISSING)))
    if se not in SE_TYPES:
        raise SurveyError(label("sem_err_se_option", lang).format(se=se, options=", ".join(SE_TYPES)))
    if estimator == "MLM" and not complete and missing != "listwise":
        raise SurveyError(label("sem_err_mlm_missing", lang))
    if cluster is not None and estimator == "MLM":
        raise SurveyError(label("sem_err_cluster_mlm", lang))
    if se == "bootstrap" and (int(n_boot) < 2):
        raise SurveyError(label("sem_err_n_boot", lang).format(n_boot=n_boot))


def cluster_ids(df: pd.DataFrame, cluster: str, group: str | None, levels: list) -> list[np.ndarray]:
    """Per group the cluster of every row, in the order of the engine's data."""
    if not group:
        return [df[cluster].to_numpy()]
    return [df.loc[df[group] == lev, cluster].to_numpy() for lev in levels]


def finish(eng: Engine, res: EngineFit, *, estimator: str, missing: str, clusters: list[np.ndarray] | None,
           se: str, n_boot: int, seed: int | None, n_jobs: int | None) -> dict:  # fmt: skip
    """Apply the estimator's corrections to a fit made with ML estimates; returns bootstrap extras (or ``{}``).

    ``res`` is changed in place: ``vcov`` (MLM, cluster, bootstrap) and ``fit`` (scaled test and robust indices).
    """
    from relatie_lab.sem import robust_options as robust

    extra: dict = {}
    if getattr(res, "unidentified", None):  # no SEs or tests for a model the data cannot identify
        return extra
    if estimator == "MLM":
        vcov, fit = robust.mlm(eng, res)
        res.vcov = vcov
        res.fit.update(fit)
    elif clusters is not None:
        try:
            vcov, fit = robust.cluster_robust(eng, res, clusters)
        except np.linalg.LinAlgError:
            vcov, fit = np.full((eng.q, eng.q), math.nan), {}
        res.vcov = vcov
        res.fit.update(fit)
    elif estimator == "ML" and not eng.complete and res.info_observed is not None and res.df > 0:
        res.fit.update(robust.fiml_robust_indices(eng, res, version="V6"))
    if se == "bootstrap":
        from relatie_lab.sem.bootstrap_se import bootstrap_draws

        draws = bootstrap_draws(eng, res.theta, n_boot=n_boot, seed=seed, n_jobs=n_jobs, clusters=clusters)
        ok = draws[np.isfinite(draws).all(axis=1)]
        res.vcov = np.cov(ok.T, ddof=0).reshape(eng.q, eng.q) if len(ok) > 1 else np.full((eng.q, eng.q), math.nan)
        extra = {"draws": ok, "n_boot": len(draws), "n_failed": len(draws) - len(ok)}
    return extra


def bootstrap_table(est: pd.DataFrame, eng: Engine, pt: pd.DataFrame, extra: dict, level: float = 0.95) -> None:
    """Bootstrap SEs of the ``:=`` rows and percentile CIs of every free parameter, in ``est`` (in place)."""
    from relatie_lab.sem.result import defined_values

    draws = extra["draws"]
    if not len(draws):
        return
    values = np.array([eng.row_values(th) for th in draws])  # (B, rows)
    lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
    n = len(pt)
    free = pt.free.to_numpy() > 0
    lo = np.quantile(values, lo_q, axis=0)
    hi = np.quantile(values, hi_q, axis=0)
    est.loc[np.flatnonzero(free), "ci_lower"] = lo[free]
    est.loc[np.flatnonzero(free), "ci_upper"] = hi[free]
    defined = pt.attrs.get("defined", [])
    if defined and len(est) > n:
        labels = pt["label"].tolist()
        dv = np.array([[defined_values(pt, v, labels, defined)[d.name] for d in defined] for v in values])
        rows = np.arange(n, n + len(defined))
        se = dv.std(axis=0)
        est.loc[rows, "se"] = se
        with np.errstate(divide="ignore", invalid="ignore"):
            z = est.loc[rows, "est"].to_numpy() / se
        est.loc[rows, "z"] = z
        from scipy import stats

        est.loc[rows, "pvalue"] = 2 * stats.norm.sf(np.abs(z))
        est.loc[rows, "ci_lower"] = np.quantile(dv, lo_q, axis=0)
        est.loc[rows, "ci_upper"] = np.quantile(dv, hi_q, axis=0)
