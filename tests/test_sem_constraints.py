"""Tests for relatie_lab.sem.constraints: linear equality and inequality constraints in the engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relatie_lab.sem.engine import Engine
from relatie_lab.sem.syntax import parse_model


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    f = rng.normal(size=(500, 1))
    return pd.DataFrame(f @ [[1.0, 0.8, 0.7, 0.6]] + rng.normal(size=(500, 4)) * 0.6, columns=list("abcd"))


def _fit(model: str, data: pd.DataFrame):
    eng = Engine(parse_model(model), [data])
    return eng, eng.fit()


def test_linear_equality_holds_and_costs_one_degree_of_freedom(data):
    _, free = _fit("F =~ a + l2*b + l3*c + d", data)
    _, res = _fit("F =~ a + l2*b + l3*c + d\nl2 == 2*l3 - 0.5", data)
    assert res.theta[0] == pytest.approx(2 * res.theta[1] - 0.5, abs=1e-10)
    assert res.npar == free.npar - 1
    assert res.df == free.df + 1
    assert res.chisq >= free.chisq - 1e-8
    se = np.sqrt(np.diag(res.vcov))
    assert se[0] == pytest.approx(2 * se[1], rel=1e-8)  # the constrained SEs follow the constraint


def test_inactive_inequality_changes_nothing_and_an_active_one_binds(data):
    _, free = _fit("F =~ a + l2*b + l3*c + d", data)
    _, loose = _fit("F =~ a + l2*b + l3*c + d\nl2 > 0.1", data)
    np.testing.assert_allclose(loose.theta, free.theta, atol=1e-8)
    assert loose.df == free.df
    eng, tight = _fit("F =~ a + l2*b + l3*c + d\nl2 > 0.95", data)
    assert tight.theta[0] == pytest.approx(0.95, abs=1e-10)
    assert eng.constraints.active == [0]
    assert tight.vcov[0, 0] == 0.0  # pinned by the active constraint
    assert tight.df == free.df  # lavaan: inequalities do not change the degrees of freedom
    assert tight.chisq > free.chisq
