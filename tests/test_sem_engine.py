"""Tests for the estimator (relatie_lab.sem.engine): derivatives, FIML, and semopy as an independent check.

lavaan itself is the reference in tests/test_sem_vs_lavaan.py; here the engine is checked against its own
definitions (gradients, information) and against semopy's ML with a tight solver tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relatie_lab.sem.engine import Engine, GroupData, linear_dependencies, rmsea_ci
from relatie_lab.sem.syntax import parse_model

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD_MODEL = """
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"""


@pytest.fixture(scope="module")
def hs() -> pd.DataFrame:
    from semopy.examples import holzinger39

    return holzinger39.get_data()


@pytest.fixture(scope="module")
def poldem() -> pd.DataFrame:
    from semopy.examples import political_democracy

    return political_democracy.get_data()


def with_missing(df: pd.DataFrame, cols: list[str], rate: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = df.copy()
    for c in cols:
        out.loc[rng.random(len(out)) < rate, c] = np.nan
    return out


@pytest.mark.parametrize("meanstructure", [False, True])
def test_gradient_matches_finite_differences(hs, meanstructure):
    data = with_missing(hs, [f"x{i}" for i in range(1, 10)], 0.1, 1) if meanstructure else hs
    eng = Engine(parse_model(HS_MODEL, meanstructure=meanstructure), [data], meanstructure=meanstructure)
    theta = eng.start_values() * 1.1 + 0.01
    _, grad = eng.objective(theta)
    num = np.array([
        (eng.objective(theta + e, grad=False) - eng.objective(theta - e, grad=False)) / 2e-6
        for e in np.eye(eng.q) * 1e-6
    ])  # fmt: skip
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("model", "data_name"), [(HS_MODEL, "hs"), (PD_MODEL, "poldem")])
def test_ml_equals_semopy_with_tight_tolerance(model, data_name, request):
    """Our ML estimates equal semopy's (an independent implementation) once its solver is tightened."""
    import semopy

    data = request.getfixturevalue(data_name)
    cols = parse_model(model).attrs["observed"]
    sm = semopy.Model(model)
    sm.fit(data[cols].astype(float), solver="SLSQP", options={"ftol": 1e-12, "maxiter": 10000})
    theirs = sm.inspect()
    eng = Engine(parse_model(model), [data])
    fit = eng.fit(se="expected")
    pt = eng.pt
    for r in theirs.itertuples():
        if r.op == "~":  # semopy writes loadings as 'x1 ~ visual'
            hit = pt[((pt.op == "=~") & (pt.lhs == r.rval) & (pt.rhs == r.lval))
                     | ((pt.op == "~") & (pt.lhs == r.lval) & (pt.rhs == r.rval))]  # fmt: skip
        else:
            hit = pt[(pt.op == "~~") & (((pt.lhs == r.lval) & (pt.rhs == r.rval)) | ((pt.lhs == r.rval)
                     & (pt.rhs == r.lval)))]  # fmt: skip
        k = int(hit.free.iloc[0])
        if k == 0:
            continue
        assert fit.theta[k - 1] == pytest.approx(float(r.Estimate), abs=2e-4)
        assert np.sqrt(fit.vcov[k - 1, k - 1]) == pytest.approx(float(r._5), rel=2e-3)


def test_chisq_and_df_of_hs(hs):
    eng = Engine(parse_model(HS_MODEL), [hs])
    fit = eng.fit()
    assert fit.df == 24
    assert fit.npar == 21
    assert fit.converged
    # chi-square = N * F_ML at the minimum, and the loglik difference to the saturated model
    assert fit.chisq == pytest.approx(2 * (fit.loglik_h1 - fit.loglik), rel=1e-10)
    assert 0 <= fit.fit["cfi"] <= 1
    assert fit.fit["rmsea"] > 0


def test_fiml_on_complete_data_equals_ml_with_means(hs):
    """FIML with one (complete) pattern and a mean structure gives the ML estimates."""
    ml = Engine(parse_model(HS_MODEL), [hs]).fit()
    eng = Engine(parse_model(HS_MODEL, meanstructure=True), [hs], meanstructure=True)
    ms = eng.fit(se="observed")
    np.testing.assert_allclose(ms.theta[: ml.npar], ml.theta, atol=1e-6)
    assert ms.chisq == pytest.approx(ml.chisq, rel=1e-8)


def test_pattern_statistics_reproduce_the_data():
    X = np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, np.nan], [2.0, 5.0]])
    gd = GroupData.from_array(X)
    assert gd.N == 4
    assert not gd.complete
    assert sorted(gd.n.tolist()) == [1, 1, 2]
    full = gd.masks.all(axis=1)
    np.testing.assert_allclose(gd.means[full][0], [1.5, 3.5])


def test_fiml_observed_information_is_symmetric_and_pd(hs):
    data = with_missing(hs, [f"x{i}" for i in range(1, 10)], 0.08, 3)
    eng = Engine(parse_model(HS_MODEL, meanstructure=True), [data], meanstructure=True)
    fit = eng.fit(se="observed")
    info = fit.info_observed
    assert np.allclose(info, info.T)
    assert np.linalg.eigvalsh(info).min() > 0
    # chi-square against the EM saturated model
    assert fit.chisq == pytest.approx(2 * (fit.loglik_h1 - fit.loglik))


def test_rmsea_ci_brackets_the_point_estimate():
    lo, up = rmsea_ci(85.306, 24, 301)
    point = np.sqrt((85.306 / 301) / 24 - 1 / 301)
    assert lo < point < up
    assert rmsea_ci(10.0, 24, 301) == (0.0, 0.0)


def test_mlr_sandwich_equals_ml_se_for_normal_data():
    """For multivariate-normal data the robust SEs are close to the ML ones and the scaling factor to 1."""
    rng = np.random.default_rng(11)
    f = rng.normal(size=(4000, 1))
    X = pd.DataFrame(f @ [[1, 0.8, 0.7, 0.9]] + rng.normal(size=(4000, 4)) * 0.7, columns=list("abcd"))
    eng = Engine(parse_model("F =~ a + b + c + d"), [X])
    ml = eng.fit(se="expected")
    mlr = eng.fit(se="robust", robust=True)
    np.testing.assert_allclose(np.sqrt(np.diag(mlr.vcov)), np.sqrt(np.diag(ml.vcov)), rtol=0.08)
    assert mlr.fit["scaling_factor"] == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize("missing", [False, True])
def test_analytic_observed_information_matches_numerical(hs, missing):
    data = with_missing(hs, [f"x{i}" for i in range(1, 10)], 0.1, 5) if missing else hs
    eng = Engine(parse_model(HS_MODEL, meanstructure=missing), [data], meanstructure=missing)
    theta, ok, _ = eng.optimize()
    assert ok
    np.testing.assert_allclose(eng.observed_info(theta), eng.observed_info_numeric(theta), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("meanstructure", [False, True])
def test_score_crossproduct_shortcut_equals_casewise_sum(hs, meanstructure):
    eng = Engine(parse_model(HS_MODEL, meanstructure=meanstructure), [hs], meanstructure=meanstructure)
    Sigma = np.cov(hs[eng.ov].to_numpy().T) * 1.1 + 0.05
    mu = hs[eng.ov].mean().to_numpy() + 0.1
    s = eng.casewise_h1_scores(0, Sigma, mu)
    np.testing.assert_allclose(eng.h1_score_crossprod(0, Sigma, mu), s.T @ s, rtol=1e-9, atol=1e-9)


def test_linear_dependencies_names_each_dependent_set():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4))
    names = ["a", "b", "c", "d", "e", "f", "g"]
    cov = np.cov(np.c_[X, X[:, 0] + X[:, 1], X[:, 2] - 2 * X[:, 3], np.full(200, 5.0)].T)
    assert linear_dependencies(cov, names) == [
        (["a", "b", "e"], "e ≈ a + b"),
        (["c", "d", "f"], "f ≈ c - 2.00*d"),
        (["g"], "g ≈ constant"),
    ]
    assert linear_dependencies(np.cov(X.T), names[:4]) == []  # positive definite: nothing
    # nearly dependent (tiny noise) is still found, a clearly independent item is not
    near = np.c_[X, X[:, 0] + X[:, 1] + 1e-7 * rng.normal(size=200)]
    assert linear_dependencies(np.cov(near.T), names[:5])[0][0] == ["a", "b", "e"]
    loose = np.c_[X, X[:, 0] + X[:, 1] + 0.1 * rng.normal(size=200)]
    assert linear_dependencies(np.cov(loose.T), names[:5]) == []
