"""Dynamic fit index cutoffs (relatie_lab.sem.cutoffs), checked against McNeish & Wolf's published example.

Reference: Wolf & McNeish, R package ``dynamic`` 1.1.0, vignette "CFA Fit Index Cutoffs" (supplemental material of
McNeish & Wolf 2023, Psychological Methods 28(1), 61-88, doi:10.1037/met0000425): ``cfaHB`` for the three-factor
HolzingerSwineford1939 model (N = 301, standardized loadings from lavaan), 500 replications per level, prints the
table (vignettes/One.png)::

                    SRMR RMSEA  CFI Magnitude
    Level 1: 95/5   NONE  NONE NONE      .424
    Level 1: 90/10  NONE  .044 .986
    Level 2: 95/5    .06  .088 .955       .57
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from relatie_lab.errors import SurveyError
from relatie_lab.sem import fit_sem
from relatie_lab.sem.cutoffs import HU_BENTLER, cross_loadings, cutoff_rule, dynamic_cutoffs, standardized_model
from relatie_lab.sem.population import exact_data, population_moments

DGM = """visual  =~ .772*x1 + .424*x2 + .581*x3
textual =~ .852*x4 + .855*x5 + .838*x6
speed   =~ .570*x7 + .723*x8 + .665*x9
visual ~~ .459*textual
visual ~~ .471*speed
textual ~~ .283*speed"""
MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PUBLISHED = {(1, "rmsea"): (0.044, "90/10"), (1, "cfi"): (0.986, "90/10"),
             (2, "srmr"): (0.060, "95/5"), (2, "rmsea"): (0.088, "95/5"), (2, "cfi"): (0.955, "95/5")}  # fmt: skip
REPS = 300


@pytest.fixture(scope="module")
def holzinger():
    """The published data-generating model, fitted to data with exactly its covariance matrix (N = 301)."""
    return fit_sem(exact_data(population_moments(DGM), n=301), MODEL)


@pytest.fixture(scope="module")
def cutoffs(holzinger):
    return dynamic_cutoffs(holzinger, reps=REPS, seed=1, client="local", progress=False)


def test_omitted_cross_loadings_are_the_published_ones(holzinger):
    added = cross_loadings(standardized_model(holzinger))
    assert [(c["item"], c["target"]) for c in added] == [("x2", "textual"), ("x7", "textual")]
    assert [round(c["magnitude"], 3) for c in added] == [0.424, 0.57]


def test_cutoffs_agree_with_the_published_table_within_monte_carlo_error(cutoffs):
    # Tolerance: 3 Monte Carlo standard errors of the difference. Our MC SE of each cutoff comes from the order
    # statistics around the quantile (REPS draws); the published value had 500 draws, so its SE is about
    # sqrt(REPS/500) times ours; plus 0.0005 for their rounding to three decimals. (Their lavaan runs used a loose
    # rel.tol = .001, which lifts the misspecified RMSEA slightly; it stays inside this band.)
    table = cutoffs.cutoffs.set_index("level")
    for (level, index), (value, rule) in PUBLISHED.items():
        se = table.loc[level, f"{index}_mc_se"] * math.sqrt(1 + REPS / 500)
        assert table.loc[level, f"{index}_rule"] == rule, (level, index)
        assert table.loc[level, index] == pytest.approx(value, abs=3 * se + 0.0005), (level, index)


def test_where_the_fit_falls_and_the_interpretation(cutoffs):
    assert cutoffs.fit["rmsea"] == pytest.approx(0, abs=1e-6)  # exact data: perfect fit
    assert cutoffs.level_of("rmsea") == 0
    table = cutoffs.table("en")
    assert table["row"].tolist()[:3] == ["This model", "Hu & Bentler (1999)", "Level 1"]
    assert table.loc[1, ["cfi", "rmsea", "srmr"]].tolist() == [HU_BENTLER["cfi"], HU_BENTLER["rmsea"],
                                                                HU_BENTLER["srmr"]]  # fmt: skip
    assert "it fits even better than a model with one small omitted cross-loading" in cutoffs.interpretation("en")
    assert "past het zelfs beter dan een model met één kleine weggelaten kruislading" in cutoffs.interpretation("nl")
    assert "300 replicaties per niveau" in cutoffs.summary("nl")


def test_cutoff_rule_falls_back_to_90_10_and_to_none():
    grid = np.linspace(0, 1, 101)
    assert cutoff_rule(grid * 0.02, 0.05 + grid * 0.02, "rmsea") == pytest.approx(
        {"rule": "95/5", "cutoff": 0.051, "mc_se": cutoff_rule(grid * 0.02, 0.05 + grid * 0.02, "rmsea")["mc_se"]})
    # correct models' 95th percentile above the misspecified 5th, but the 90th below the 10th: 90/10
    true, miss = np.r_[grid[:95] * 0.03, [0.2] * 6], 0.04 + grid * 0.02
    assert cutoff_rule(true, miss, "rmsea")["rule"] == "90/10"
    assert cutoff_rule(grid, grid, "cfi")["rule"] == "none"
    assert math.isnan(cutoff_rule(grid, grid, "cfi")["cutoff"])


def test_one_factor_model_is_a_plain_error():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(200, 1))
    df = pd.DataFrame(f @ np.full((1, 4), 0.7) + rng.normal(size=(200, 4)) * 0.7, columns=list("abcd"))
    res = fit_sem(df, "F =~ a + b + c + d")
    with pytest.raises(SurveyError, match="minstens twee factoren"):
        res.dynamic_cutoffs(reps=5, client="local")
    with pytest.raises(SurveyError, match="at least two factors"):
        dynamic_cutoffs(res, reps=5, client="local", lang="en")
    with pytest.raises(SurveyError, match="reps must be a whole number of at least 1"):
        dynamic_cutoffs(res, reps=0, lang="en")
