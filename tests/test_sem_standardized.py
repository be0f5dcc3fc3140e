"""std_lv / std_nox columns and R² against lavaan 0.6.14 (standardizedSolution / parameterEstimates, lavInspect r2).

Cases: api_ml (complete data with a covariate x: std.nox differs from std.all), api_fiml (FIML), api_groups (two
groups). Tolerance 1e-3 (issue 11), every lavaan row must be present.
"""

from __future__ import annotations

import pytest
from sem_api_reference import EST_TOL, fitted, reference, rows_by_key

CASES = ["api_ml", "api_fiml", "api_groups", "api_groups_metric"]


@pytest.mark.parametrize("case", CASES)
def test_std_lv_and_std_nox_match_lavaan(case):
    res = fitted(case)
    grouped = bool(res.group)
    ours = rows_by_key(res.estimates, "group" if grouped else None)
    theirs = rows_by_key(reference(case)["estimates"], "group_label" if grouped else None)
    assert set(theirs) <= set(ours)
    for k, ref in theirs.items():
        for col, rcol in (("std_lv", "std.lv"), ("std_all", "std.all"), ("std_nox", "std.nox")):
            assert abs(ours[k][col] - ref[rcol]) <= EST_TOL, (k, col, ours[k][col], ref[rcol])


def test_std_nox_leaves_the_covariate_unscaled():
    est = fitted("api_ml").estimates.set_index(["lhs", "op", "rhs"])
    row = est.loc[("C", "~", "x")]
    # C is latent, x a covariate: std.nox scales only by C's standard deviation, as std.lv does; std.all also by x's
    assert row["std_nox"] == pytest.approx(row["std_lv"], rel=1e-12)
    assert abs(row["std_all"] - row["std_nox"]) > 0.01
    assert est.loc[("x", "~~", "x"), "std_nox"] == pytest.approx(est.loc[("x", "~~", "x"), "est"], rel=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_r_squared_matches_lavinspect(case):
    res = fitted(case)
    r2 = res.r_squared
    ref = reference(case)["r2"]
    assert len(r2) == len(ref)
    for row in ref:
        ours = r2.loc[(row["group_label"], row["name"])] if res.group else r2.loc[row["name"]]
        assert abs(ours - row["r2"]) <= EST_TOL, (row, ours)


def test_r_squared_names_indicators_and_dependent_latent_variables():
    r2 = fitted("api_ml").r_squared
    assert "C" in r2.index
    assert "A" not in r2.index
    assert "x" not in r2.index
    assert ((r2 > 0) & (r2 < 1)).all()
