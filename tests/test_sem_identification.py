"""Tests for relatie_lab.sem.identification: the rank check of the moments' Jacobian names unidentified parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from relatie_lab.sem.engine import Engine, newton_step
from relatie_lab.sem.identification import moment_jacobian, unidentified_parameters
from relatie_lab.sem.syntax import parse_model


def _two_factor_data(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    f = rng.multivariate_normal([0, 0], [[1, 0.5], [0.5, 1]], size=n)
    lam = np.array([[1, 0.8, 0, 0], [0, 0, 1, 0.7]])
    return pd.DataFrame(f @ lam + rng.normal(scale=0.6, size=(n, 4)), columns=["a", "b", "c", "d"])


def _fitted(model: str, data: pd.DataFrame) -> tuple[Engine, np.ndarray]:
    eng = Engine(parse_model(model), [data])
    theta, _, _ = eng.optimize()
    return eng, theta


def test_identified_models_pass():
    """Two-indicator factors are identified through their correlation: no parameter is named at the estimates."""
    data = _two_factor_data()
    eng, theta = _fitted("F =~ a + b\nG =~ c + d", data)
    assert unidentified_parameters(eng, theta) == []
    J = moment_jacobian(eng, theta)
    assert J.shape == (10, eng.q)


def test_free_scale_is_named_exactly():
    """A factor without a scale: the loadings and the factor variance move together, the residuals do not."""
    data = _two_factor_data()
    eng, theta = _fitted("F =~ NA*a + b + c + d", data)
    names = [tuple(eng.pt.loc[eng.pt.free == k + 1, ["lhs", "op", "rhs"]].iloc[0]) for k in
             unidentified_parameters(eng, theta)]  # fmt: skip
    assert names == [("F", "=~", "a"), ("F", "=~", "b"), ("F", "=~", "c"), ("F", "=~", "d"), ("F", "~~", "F")]


def test_too_many_paths_between_two_variables_are_named():
    """x -> y and a free residual covariance of x and y under one factor: the just-identified part is singular."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=300)
    data = pd.DataFrame({"x": x, "y": 0.5 * x + rng.normal(size=300)})
    eng = Engine(parse_model("y ~ x\ny ~~ x\nx ~~ x"), [data])
    theta, _, _ = eng.optimize()
    bad = unidentified_parameters(eng, theta)
    rows = {tuple(eng.pt.loc[eng.pt.free == k + 1, ["lhs", "op", "rhs"]].iloc[0]) for k in bad}
    assert ("y", "~", "x") in rows
    assert ("y", "~~", "x") in rows


def test_newton_step_is_the_solve_for_a_regular_matrix_and_min_norm_for_a_singular_one():
    H = np.array([[4.0, 1.0], [1.0, 3.0]])
    g = np.array([1.0, 2.0])
    np.testing.assert_allclose(newton_step(H, g), np.linalg.solve(H, g), rtol=1e-12)
    v = np.array([1.0, -1.0]) / np.sqrt(2)
    Hs = np.outer(v, v) * 2.0  # rank one: the null direction (1, 1) gets no step
    step = newton_step(Hs, np.array([1.0, 0.0]))
    np.testing.assert_allclose(step, np.array([0.25, -0.25]), atol=1e-12)
