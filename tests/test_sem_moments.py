"""Tests for relatie_lab.sem.moments: pattern statistics, Schur-complement pattern inverses, the accelerated EM."""

from __future__ import annotations

import numpy as np
import pytest

from relatie_lab.sem.moments import GroupData, em_saturated, pattern_inverses


@pytest.fixture(scope="module")
def incomplete() -> GroupData:
    rng = np.random.default_rng(3)
    cov = 0.5 * np.ones((6, 6)) + 0.5 * np.eye(6)
    X = rng.multivariate_normal(np.arange(6.0), cov, size=400)
    X[rng.random(X.shape) < 0.25] = np.nan
    X[:20, :2] = np.nan  # a pattern with many rows
    X = X[~np.isnan(X).all(axis=1)]
    return GroupData.from_array(X)


def test_pattern_statistics_match_the_rows(incomplete):
    gd = incomplete
    j = int(np.argmax(gd.n))
    rows = gd.X[gd.pattern_of_row == j][:, gd.masks[j]]
    np.testing.assert_allclose(gd.means[j][gd.masks[j]], rows.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(gd.covs[j][np.ix_(gd.masks[j], gd.masks[j])], np.cov(rows.T, bias=True), atol=1e-12)
    assert int(gd.n.sum()) == gd.N


def test_pattern_inverses_equal_the_direct_inverses(incomplete):
    gd = incomplete
    Sigma = 0.4 * np.ones((6, 6)) + np.diag(np.linspace(0.8, 1.3, 6))
    K, logdet = pattern_inverses(Sigma, gd)
    for j in range(len(gd.n)):
        o = gd.masks[j]
        np.testing.assert_allclose(K[j][np.ix_(o, o)], np.linalg.inv(Sigma[np.ix_(o, o)]), atol=1e-12)
        assert np.abs(K[j][~o]).max(initial=0.0) == 0.0
        assert logdet[j] == pytest.approx(np.linalg.slogdet(Sigma[np.ix_(o, o)])[1], abs=1e-12)
    assert pattern_inverses(-np.eye(6), gd) is None  # not positive definite: the caller inverts directly


def test_accelerated_em_reaches_the_saturated_fiml_optimum(incomplete):
    """SQUAREM only changes the path: the result is the FIML optimum of the saturated model (fitted by the engine)."""
    from relatie_lab.sem.engine import Engine
    from relatie_lab.sem.syntax import parse_model

    Sigma, mu = em_saturated(incomplete)
    names = [f"x{i}" for i in range(6)]
    sat = "\n".join(f"{a} ~~ {b}" for i, a in enumerate(names) for b in names[i:])
    pt = parse_model(sat, meanstructure=True)
    pt.attrs["observed"] = names
    eng = Engine(pt, [incomplete.X], meanstructure=True)
    theta, ok, _ = eng.optimize()
    S_fiml, m_fiml = eng.implied(theta, 0)
    assert ok
    np.testing.assert_allclose(Sigma, S_fiml, atol=1e-6)
    np.testing.assert_allclose(mu, m_fiml, atol=1e-6)
