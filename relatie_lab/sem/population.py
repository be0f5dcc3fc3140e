"""Population models for Monte Carlo work: lavaan syntax with population values -> covariance matrix and means.

A population model is lavaan syntax in which every loading and path carries its population value
(``F =~ 0.7*x1 + 0.7*x2``, ``y ~ 0.3*F``), as in lavaan's ``simulateData``. What is not given is filled in on a
standardized metric: latent and observed exogenous variances 1, residual variances such that every variable has
total variance 1 (so loadings and paths read as standardized values), covariances and means 0.

Examples
--------
>>> pop = population_moments("y ~ 0.2*x")
>>> [round(float(v), 2) for v in pop.cov.ravel()]
[1.0, 0.2, 0.2, 1.0]
>>> strip_values("F =~ 0.7*x1 + a*x2 + -0.4*x3\\nF ~~ 1*F\\nd := 2*a")
'F =~ x1 + a*x2 + x3\\nF ~~ F\\nd := 2*a'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.errors import SurveyError
from relatie_lab.labels import label
from relatie_lab.sem.syntax import _raw_rows, parse_model

__all__ = ["Population", "exact_data", "population_moments", "strip_values"]

_VALUE = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*\*\s*")


@dataclass
class Population:
    """Observed covariance matrix and means of a population model, with the variable names."""

    names: list[str]
    cov: np.ndarray
    mean: np.ndarray

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` rows of multivariate normal data."""
        chol = np.linalg.cholesky(self.cov)
        return rng.standard_normal((n, len(self.names))) @ chol.T + self.mean


def strip_values(syntax: str) -> str:
    """The analysis model: the population syntax without its numeric values (labels and ``:=`` kept)."""
    lines = []
    for line in syntax.splitlines():
        lines.append(line if ":=" in line else _VALUE.sub("", line))
    return "\n".join(lines)


def _given_values(syntax: str) -> dict[tuple[str, str, str], float]:
    raw, _, _ = _raw_rows(syntax, 1)
    out = {}
    for r in raw:
        value = r["term"].fixed[0]
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            key = (r["lhs"], r["op"], r["rhs"])
            if r["op"] == "~~" and (r["rhs"], "~~", r["lhs"]) in out:
                key = (r["rhs"], "~~", r["lhs"])
            out[key] = float(value)
    return out


def population_moments(syntax: str, lang: str = "nl") -> Population:
    """Covariance matrix and means of the observed variables implied by a population model.

    Raises
    ------
    SurveyError
        No population values at all; a loading or path without a value; values that explain more than all
        variance of a variable; an implied covariance matrix that is not positive definite.
    """
    given = _given_values(syntax)
    if not given:
        raise SurveyError(label("power_err_no_values", lang))
    pt = parse_model(syntax, fixed_x=False)
    observed, latent = list(pt.attrs["observed"]), list(pt.attrs["latent"])
    names = observed + latent
    idx = {v: i for i, v in enumerate(names)}
    nv = len(names)
    A, S, m = np.zeros((nv, nv)), np.zeros((nv, nv)), np.zeros(nv)
    no_value = []
    for r in pt.itertuples():
        key = (r.lhs, r.op, r.rhs)
        value = given.get(key, given.get((r.rhs, r.op, r.lhs)) if r.op == "~~" else None)
        if r.op in ("=~", "~"):
            if value is None:
                no_value.append(f"{r.lhs} {r.op} {r.rhs}")
                continue
            if r.op == "=~":
                A[idx[r.rhs], idx[r.lhs]] = value
            else:
                A[idx[r.lhs], idx[r.rhs]] = value
        elif r.op == "~~" and value is not None:
            S[idx[r.lhs], idx[r.rhs]] = S[idx[r.rhs], idx[r.lhs]] = value
        elif r.op == "~1" and value is not None:
            m[idx[r.lhs]] = value
    if no_value:
        example = no_value[0].split()[-1]
        raise SurveyError(label("power_err_missing_values", lang).format(rows=", ".join(no_value), example=example))
    # variances not given: 1 for exogenous variables, else residual = 1 - explained (standardized metric)
    fixed_var = {r for (lhs, op, rhs) in given if op == "~~" and lhs == rhs for r in (lhs,)}
    endogenous = {names[i] for i in range(nv) if A[i].any()}
    order = _topological(A, names)
    for v in order:
        i = idx[v]
        if v in fixed_var:
            continue
        if v not in endogenous:
            S[i, i] = 1.0
            continue
        S[i, i] = 0.0
        B = np.linalg.inv(np.eye(nv) - A)
        explained = float((B @ S @ B.T)[i, i])
        if explained >= 1:
            raise SurveyError(label("power_err_variance", lang).format(var=v, explained=explained))
        S[i, i] = 1.0 - explained
    B = np.linalg.inv(np.eye(nv) - A)
    full = B @ S @ B.T
    p = len(observed)
    cov = full[:p, :p]
    if np.linalg.eigvalsh(cov).min() <= 1e-10 or (latent and np.linalg.eigvalsh(full[p:, p:]).min() <= 1e-10):
        raise SurveyError(label("power_err_not_pd", lang))
    return Population(observed, cov, (B @ m)[:p])


def _topological(A: np.ndarray, names: list[str]) -> list[str]:
    """Variables so that every variable comes after all its predictors (A[i, j] != 0: j -> i)."""
    order: list[str] = []
    done: set[int] = set()
    pending = list(range(len(names)))
    while pending:
        progressed = False
        for i in list(pending):
            if all(j in done for j in np.flatnonzero(A[i])):
                order.append(names[i])
                done.add(i)
                pending.remove(i)
                progressed = True
        if not progressed:  # a feedback loop: keep the given order for the rest
            order += [names[i] for i in pending]
            break
    return order


def from_result(result: Any, lang: str = "nl") -> Population:
    """The model-implied covariance matrix and means of a fitted (single-group) model as population."""
    if getattr(result, "group", None):
        raise SurveyError(label("power_err_multigroup", lang))
    eng = result.engine
    sigma, mu = eng.implied(result.raw.theta, 0)
    mean = np.asarray(mu, float).ravel() if mu is not None and np.size(mu) else np.zeros(eng.p)
    if mean.shape != (eng.p,):
        mean = np.zeros(eng.p)
    return Population(list(eng.ov[: eng.p]), np.asarray(sigma, float), mean)


def exact_data(pop: Population, n: int = 1000, seed: int = 0) -> pd.DataFrame:
    """``n`` rows whose means and ML covariance matrix (divide by n) equal the population's exactly."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, len(pop.names)))
    Z -= Z.mean(axis=0)
    W = np.linalg.cholesky(Z.T @ Z / n)
    Z = Z @ np.linalg.inv(W).T  # now Z'Z / n = I
    X = Z @ np.linalg.cholesky(pop.cov).T + pop.mean
    return pd.DataFrame(X, columns=pop.names)
