"""Tests for bootstrap CIs of indirect effects and := parameters (relatie_lab.sem.bootstrap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relatie_lab.errors import ModelWarning
from relatie_lab.sem import fit_sem
from relatie_lab.sem.bootstrap import bca_interval, default_progress, indirect_paths

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
    # Tolerance: on this sample the bootstrap SE with 8000 draws is 0.958 (ab) and 1.047 (total) times the delta-method
    # SE (the two methods differ by about 5%); the Monte-Carlo error of an SD from 1000 draws is about 2% (0.03 at 400
    # draws, measured over seeds). 12% = 5% + 3.5 x 2%.
    out = mediation.indirect_effects(n_boot=1000, seed=1).set_index("effect")
    delta_se = mediation.estimates.set_index("lhs")["se"]
    assert out.loc["ab", "boot_se"] == pytest.approx(delta_se["ab"], rel=0.12)
    assert out.loc["total", "boot_se"] == pytest.approx(delta_se["total"], rel=0.12)
    assert out.loc["ab", "ci_lower"] < out.loc["ab", "est"] < out.loc["ab", "ci_upper"]
    assert (out.n_failed == 0).all()
    assert (out.n_boot == 1000).all()


def _ols_indirect(data: pd.DataFrame, idx: np.ndarray) -> np.ndarray:
    """a*b of ``m ~ x``, ``y ~ m + x`` by least squares for each row of resample indices (ML = OLS here)."""
    x, m, y = (data[c].to_numpy()[idx] for c in "xmy")
    xc, mc, yc = (v - v.mean(axis=1, keepdims=True) for v in (x, m, y))
    sxx, smm, sxm = (xc * xc).sum(1), (mc * mc).sum(1), (xc * mc).sum(1)
    sym, syx = (yc * mc).sum(1), (yc * xc).sum(1)
    a = sxm / sxx
    b = (sym * sxx - syx * sxm) / (smm * sxx - sxm**2)
    return a * b


def test_sem_bootstrap_agrees_with_a_closed_form_bootstrap(mediation):
    """Outside reference: the same bootstrap done with OLS formulas in numpy (20,000 independent draws)."""
    data = mediation.data
    n = len(data)
    ref = _ols_indirect(data, np.random.default_rng(123).integers(0, n, (20_000, n)))
    out = mediation.indirect_effects(n_boot=1000, seed=7).set_index("effect").loc["ab"]
    # Monte-Carlo error of our 1000 draws (the reference's is 20x smaller): SD about 1/sqrt(2 x 1000) relative,
    # a 2.5% / 97.5% quantile sqrt(p(1 - p) / B) / density
    assert out["boot_se"] == pytest.approx(ref.std(ddof=1), rel=4 * 0.03)
    for p, ours in ((0.025, out["ci_lower"]), (0.975, out["ci_upper"])):
        q = np.quantile(ref, p)
        density = 0.01 / (np.quantile(ref, p + 0.005) - np.quantile(ref, p - 0.005))
        assert ours == pytest.approx(q, abs=4 * np.sqrt(p * (1 - p) / 1000) / density)


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


# --- bca_interval against outside references ---------------------------------------------------------------------
def _ratio(x, y, axis=-1):
    return y.mean(axis=axis) / x.mean(axis=axis)


@pytest.fixture(scope="module")
def skewed_pairs():
    rng = np.random.default_rng(5)
    x = rng.lognormal(0, 0.8, size=40)
    y = x * rng.gamma(2, 1, size=40)
    jack = np.array([_ratio(np.delete(x, i), np.delete(y, i)) for i in range(len(x))])
    return x, y, jack


def test_bca_equals_scipy_on_the_same_draws(skewed_pairs):
    x, y, jack = skewed_pairs
    res = stats.bootstrap((x, y), _ratio, paired=True, vectorized=True, method="BCa", n_resamples=3000,
                          rng=np.random.default_rng(1))  # fmt: skip
    ours = bca_interval(res.bootstrap_distribution, _ratio(x, y), jack)
    np.testing.assert_allclose(ours, [res.confidence_interval.low, res.confidence_interval.high], rtol=1e-10)


def test_bca_agrees_with_scipy_within_monte_carlo_error(skewed_pairs):
    """Independent draws (ours: numpy resampling, 20,000; scipy's own 20,000) of a skewed ratio of means."""
    x, y, jack = skewed_pairs
    n, n_boot = len(x), 20_000
    idx = np.random.default_rng(2).integers(0, n, (n_boot, n))
    boot = _ratio(x[idx], y[idx])
    lo, hi = bca_interval(boot, _ratio(x, y), jack)
    ref = stats.bootstrap((x, y), _ratio, paired=True, vectorized=True, method="BCa", n_resamples=n_boot,
                          rng=np.random.default_rng(3)).confidence_interval  # fmt: skip
    percentile = np.quantile(boot, [0.025, 0.975])
    for ours, theirs, pct in ((lo, ref.low, percentile[0]), (hi, ref.high, percentile[1])):
        p = float(np.mean(boot <= ours))  # the adjusted quantile level BCa used
        density = 0.01 / (np.quantile(boot, min(p + 0.005, 1)) - np.quantile(boot, max(p - 0.005, 0)))
        mc_se = np.sqrt(2 * p * (1 - p) / n_boot) / density  # difference of two independent quantile estimates
        assert ours == pytest.approx(theirs, abs=4 * mc_se)
        assert abs(ours - pct) > 8 * mc_se  # the check can tell BCa from the percentile interval


def test_bca_textbook_cases():
    grid = (np.arange(100_000) + 0.5) / 100_000  # draws whose q-quantile is q (within 1e-5)
    # symmetric draws around the estimate and symmetric jackknife: z0 = a = 0, BCa = percentile
    sym_jack = np.array([-1.0, 1.0, -2.0, 2.0])
    np.testing.assert_allclose(bca_interval(grid, 0.5, sym_jack), [0.025, 0.975], atol=1e-4)
    np.testing.assert_allclose(bca_interval(grid, 0.5, sym_jack, level=0.9), [0.05, 0.95], atol=1e-4)
    # known bias correction and acceleration (Efron & Tibshirani 1993, eq. 14.10 and 14.15):
    # 84.134% of the draws below the estimate -> z0 = 1; jackknife (0, 0, 0, 3): d = (.75, .75, .75, -2.25),
    # a = sum(d^3) / (6 sum(d^2)^1.5) = -10.125 / (6 * 6.75^1.5)
    z0, a = 1.0, -10.125 / (6 * 6.75**1.5)
    estimate = stats.norm.cdf(1.0)
    expected = [stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))) for z in (-1.959964, 1.959964)]
    np.testing.assert_allclose(bca_interval(grid, estimate, np.array([0.0, 0, 0, 3])), expected, atol=1e-4)
    assert expected[0] > 0.3  # far from the percentile interval's 0.025


def test_bca_with_too_few_draws_is_nan():
    assert np.isnan(bca_interval(np.array([1.0, 2.0, np.nan]), 1.5, np.array([1.0, 2.0]))).all()


def test_progress_bar_is_shown_on_request(mediation, capsys):
    mediation.indirect_effects(n_boot=100, seed=1, progress=True)
    assert "bootstrap" in capsys.readouterr().err  # tqdm writes its bar to stderr
    mediation.indirect_effects(n_boot=100, seed=1, progress=False)
    assert "bootstrap" not in capsys.readouterr().err


def test_progress_default_long_runs_in_terminal_or_notebook(monkeypatch):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert not default_progress(10_000, 1_000)  # a script with stderr to a file: quiet
    monkeypatch.setitem(sys.modules, "ipykernel", object())  # inside Jupyter: stderr is no terminal
    assert default_progress(10_000, 1_000)
    assert not default_progress(100, 300)  # short runs never
    monkeypatch.delitem(sys.modules, "ipykernel")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert default_progress(10_000, 1_000)


def test_failed_draws_are_restarted_from_the_full_sample_estimates(mediation, monkeypatch):
    """The warm quasi-Newton attempt fails in every draw here; the restart from the estimates must rescue them all."""
    from relatie_lab.sem.engine import Engine

    original = Engine.optimize
    starts = []

    def first_attempt_fails(self, theta0=None, **kw):
        if kw.get("hess0") is not None:
            return theta0, False, 200
        starts.append(np.array(theta0))
        return original(self, theta0, **kw)

    monkeypatch.setattr(Engine, "optimize", first_attempt_fails)
    out = mediation.indirect_effects(n_boot=40, seed=3)
    assert (out.n_failed == 0).all()
    assert out.ci_reliable.all()
    assert len(starts) == 40
    assert all(np.array_equal(s, mediation.raw.theta) for s in starts)


@pytest.mark.parametrize(("lang", "words"), [("nl", "onbetrouwbaar"), ("en", "unreliable")])
def test_many_failed_draws_mark_the_intervals_unreliable(mediation, monkeypatch, lang, words):
    from relatie_lab.sem.engine import Engine

    original = Engine.optimize
    calls = {"n": 0}

    def every_tenth_draw_fails(self, theta0=None, **kw):
        if kw.get("hess0") is not None:
            calls["n"] += 1
        th, ok, it = original(self, theta0, **kw)
        return th, ok and calls["n"] % 10 != 0, it

    monkeypatch.setattr(Engine, "optimize", every_tenth_draw_fails)
    monkeypatch.setattr(mediation, "lang", lang)
    with pytest.warns(ModelWarning, match=words):
        out = mediation.indirect_effects(n_boot=50, seed=3)
    assert (out.n_failed == 5).all()
    assert out.share_failed.eq(0.1).all()
    assert not out.ci_reliable.any()
