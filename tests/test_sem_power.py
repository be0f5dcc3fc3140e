"""Monte Carlo power (relatie_lab.power_sem / relatie_lab.sem.power) and population models (sem.population)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import relatie_lab as rl
from relatie_lab import cli
from relatie_lab.errors import SurveyError
from relatie_lab.sem import fit_sem
from relatie_lab.sem.population import exact_data, population_moments, strip_values
from relatie_lab.sem.power import PowerResult, power_sem


def test_power_of_one_standardized_path_matches_the_noncentral_chi_square():
    # y ~ 0.2*x, standardized: the Wald test of b has noncentrality N b^2 / (1 - b^2) (1 df). Tolerance: 3 Monte
    # Carlo standard errors, sqrt(p (1 - p) / reps) = 0.016 at p = 0.70 and 600 reps.
    reps, b, n = 600, 0.2, 150
    res = rl.power_sem(f"y ~ {b}*x", n=[n], reps=reps, seed=11, client="local")
    row = res.table[res.table.op == "~"].iloc[0]
    analytic = stats.ncx2.sf(stats.chi2.ppf(0.95, 1), 1, n * b**2 / (1 - b**2))  # 0.705
    se = math.sqrt(analytic * (1 - analytic) / reps)
    assert row["power"] == pytest.approx(analytic, abs=3 * se)
    assert row["true_value"] == pytest.approx(b)
    assert row["converged"] == 1


def test_coverage_bias_and_se_ratio_at_n_500():
    # 95% CIs at N = 500 must cover 93-97%: the band is 2.2 Monte Carlo SEs wide at 600 reps (SE = 0.0089).
    res = power_sem("m ~ a*0.3*x\ny ~ b*0.3*m + 0.1*x\nab := a*b", n=[500], reps=600, seed=5, client="local")
    t = res.table.set_index("parameter")
    assert list(t.index) == ["m ~ x", "y ~ m", "y ~ x", "m ~~ m", "y ~~ y", "ab :="]
    assert t["coverage"].between(0.93, 0.97).all(), t["coverage"]
    assert t["rel_bias"].abs().max() < 0.05  # MC SE of the mean of 600 estimates: < 2% of these values
    assert t["se_ratio"].between(0.9, 1.1).all()  # MC SE of an SD from 600 draws: 2.9%
    assert t.loc["ab :=", "true_value"] == pytest.approx(0.09)
    assert t.loc["m ~ x", "power"] == 1.0


def test_smallest_n_summary_plot_and_missing_share():
    res = power_sem("F =~ 0.7*x1 + 0.7*x2 + 0.7*x3\ny ~ 0.25*F", n=[60, 120, 240], reps=60, seed=2,
                    missing=0.1, client="local")  # fmt: skip
    small = res.smallest_n(0.8).set_index("parameter")["smallest_n"]
    path = res.table[res.table.parameter == "y ~ F"].set_index("n")["power"]
    assert path[60] < path[240]  # 0.5 against 1.0 in expectation; MC SE at 60 reps <= 0.065
    assert small["y ~ F"] == path[path >= 0.8].index.min()
    assert small["F =~ x2"] == 60
    assert (res.table["converged"] > 0.9).all()
    text = res.summary("nl")
    assert "60 replicaties per steekproefgrootte" in text
    assert "10% ontbrekende antwoorden (FIML)" in text
    assert "Kleinste N met power >= 0.80" in text
    assert "Smallest N with power >= 0.80" in res.summary("en")
    fig = res.plot(lang="en")
    assert fig.axes[0].get_xlabel() == "Sample size (N)"
    assert [line.get_label() for line in fig.axes[0].lines][:1] == ["y ~ F"]


def test_a_fitted_result_as_population_and_the_same_numbers_whatever_the_grouping(monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.normal(size=300)
    y = 0.3 * x + rng.normal(size=300)
    fitted = fit_sem(pd.DataFrame({"x": x, "y": y}), "y ~ x")
    one = power_sem(fitted, n=[80], reps=30, seed=4, client="local")
    assert one.table.set_index("parameter").loc["y ~ x", "true_value"] == pytest.approx(
        fitted.estimates.query("op == '~'")["est"].iloc[0])
    from relatie_lab.sem import power as power_module

    monkeypatch.setattr(power_module, "REPS_PER_TASK", 7)  # other task sizes: the same replications
    pd.testing.assert_frame_equal(one.table, power_sem(fitted, n=[80], reps=30, seed=4, client="local").table)


@pytest.mark.parametrize(
    ("kwargs", "nl", "en"),
    [({"population": "F =~ x1 + x2 + x3\ny ~ F"}, "Het populatiemodel heeft geen populatiewaarden",
      "The population model has no population values"),
     ({"population": "y ~ 0.2*x", "reps": 0}, "reps moet een geheel getal van minstens 1 zijn (nu: 0)",
      "reps must be a whole number of at least 1 (now: 0)"),
     ({"population": "F =~ x1 + 0.7*x2 + 0.7*x3"}, "hebben geen waarde: F =~ x1", "have no value: F =~ x1"),
     ({"population": "y ~ 1.2*x"}, "verklaren meer dan alle variantie van 'y'", "explain more than all"),
     ({"population": "y ~ 0.2*x", "n": [2]}, "n moet een lijst steekproefgroottes zijn", "n must be a list"),
     ({"population": "y ~ 0.2*x", "missing": 1.5}, "missing moet een aandeel", "missing must be a share"),
     ({"population": 3}, "population moet lavaan-modeltekst", "population must be lavaan model text")],
)  # fmt: skip
def test_bad_input_is_a_plain_error_in_both_languages(kwargs, nl, en):
    kwargs = {"n": [50], "reps": 5, "client": "local", **kwargs}
    with pytest.raises(SurveyError, match=nl.replace("(", r"\(").replace(")", r"\)")):
        power_sem(**kwargs)
    with pytest.raises(SurveyError, match=en.replace("(", r"\(").replace(")", r"\)")):
        power_sem(**kwargs, lang="en")


def test_population_model_fills_in_a_standardized_metric():
    pop = population_moments("F =~ 0.8*x1 + 0.6*x2\nF ~~ 0.5*F\nx1 ~~ 0.1*x2")
    assert np.diag(pop.cov).tolist() == pytest.approx([0.5 * 0.64 + 1 - 0.32, 0.5 * 0.36 + 1 - 0.18])
    assert pop.cov[0, 1] == pytest.approx(0.8 * 0.6 * 0.5 + 0.1)
    assert strip_values("F =~ 0.8*x1 + 1e-1*x2\ny ~ b*.5*F") == "F =~ x1 + x2\ny ~ b*F"
    data = exact_data(pop, n=50)
    assert np.cov(data.to_numpy().T, bias=True) == pytest.approx(pop.cov)


def test_command_line_with_a_missing_model_file(tmp_path, capsys):
    assert cli.main(["power", str(tmp_path / "nope.lav"), "--n", "50", "--reps", "2"]) == 1
    assert "nope.lav" in capsys.readouterr().err
    assert isinstance(power_sem("y ~ 0.3*x", n=50, reps=3, client="local"), PowerResult)
