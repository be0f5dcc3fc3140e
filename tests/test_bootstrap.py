"""Tests for bootstrap CIs of indirect effects and := parameters (relatie_lab.bootstrap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relatie_lab.bootstrap import indirect_paths
from relatie_lab.sem import fit_sem

MODEL = "m ~ a*x\ny ~ b*m + c*x\nab := a*b\ntotal := c + a*b"


@pytest.fixture(scope="module")
def mediation():
    rng = np.random.default_rng(8)
    n = 250
    x = rng.normal(size=n)
    m = 0.5 * x + rng.normal(size=n)
    y = 0.4 * m + 0.1 * x + rng.normal(size=n)
    return fit_sem(pd.DataFrame({"x": x, "m": m, "y": y}), MODEL)


def test_paths_and_defined_parameters_are_found(mediation):
    out = mediation.indirect_effects(n_boot=50, seed=3)
    assert out.effect.tolist() == ["x -> m -> y", "ab", "total"]
    assert out.kind.tolist() == ["indirect", "defined", "defined"]
    est = mediation.estimates.set_index("label")
    assert out.est[0] == pytest.approx(est.loc["a", "est"] * est.loc["b", "est"])
    assert out.est[1] == pytest.approx(out.est[0])


def test_same_seed_same_numbers_other_seed_other_numbers(mediation):
    one = mediation.indirect_effects(n_boot=80, seed=11)
    two = mediation.indirect_effects(n_boot=80, seed=11)
    pd.testing.assert_frame_equal(one, two)
    three = mediation.indirect_effects(n_boot=80, seed=12)
    assert not np.allclose(one.ci_lower, three.ci_lower)


def test_bootstrap_se_close_to_delta_method(mediation):
    out = mediation.indirect_effects(n_boot=400, seed=1).set_index("effect")
    delta_se = mediation.estimates.set_index("lhs").loc["ab", "se"]
    assert out.loc["ab", "boot_se"] == pytest.approx(delta_se, rel=0.25)
    assert out.loc["ab", "ci_lower"] < out.loc["ab", "est"] < out.loc["ab", "ci_upper"]
    assert (out.n_failed == 0).all()
    assert (out.n_boot == 400).all()


def test_bca_interval(mediation):
    pct = mediation.indirect_effects(n_boot=300, seed=5)
    bca = mediation.indirect_effects(n_boot=300, seed=5, ci="bca")
    assert (bca.ci == "bca").all()
    assert (bca.ci_lower < bca.est).all()
    assert (bca.est < bca.ci_upper).all()
    # same draws: same SEs, different interval endpoints
    np.testing.assert_allclose(bca.boot_se, pct.boot_se)
    assert not np.allclose(bca.ci_lower, pct.ci_lower)


def test_fiml_bootstrap_runs_with_missing_answers(mediation):
    data = mediation.data.copy()
    data.loc[::7, "m"] = np.nan
    res = fit_sem(data, MODEL)
    out = res.indirect_effects(n_boot=40, seed=2)
    assert np.isfinite(out.ci_lower).all()


def test_indirect_paths_of_a_chain():
    est = pd.DataFrame({"lhs": ["b", "c", "d"], "op": ["~"] * 3, "rhs": ["a", "b", "c"]})
    assert [" -> ".join(p) for p in indirect_paths(est)] == ["a -> b -> c", "a -> b -> c -> d", "b -> c -> d"]


def test_bad_ci_method(mediation):
    with pytest.raises(ValueError, match="percentile"):
        mediation.indirect_effects(n_boot=10, ci="normal")


@pytest.mark.slow
def test_numbers_do_not_depend_on_the_number_of_workers(mediation):
    one = mediation.indirect_effects(n_boot=60, seed=4, n_jobs=1)
    two = mediation.indirect_effects(n_boot=60, seed=4, n_jobs=2)
    pd.testing.assert_frame_equal(one, two)


def test_multigroup_paths_per_group(mediation):
    data = mediation.data.copy()
    data["groep"] = np.where(np.arange(len(data)) % 2 == 0, "a", "b")
    res = fit_sem(data, "m ~ x\ny ~ m", group="groep")
    out = res.indirect_effects(n_boot=30, seed=1)
    assert out.effect.tolist() == ["x -> m -> y [a]", "x -> m -> y [b]"]
    assert out.est.iloc[0] != out.est.iloc[1]
