"""Tests for the measurement-invariance sequence (relatie_lab.sem.invariance)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from relatie_lab.sem.invariance import invariance, lrt

matplotlib.use("Agg")

MODEL = "F =~ a + b + c + d\nG =~ e + f + g"


def two_groups(n: int = 300, shift_loading: float = 0.0, shift_intercept: float = 0.0, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for k, name in enumerate(["bank", "energie"]):
        F = rng.normal(size=n)
        G = 0.5 * F + rng.normal(scale=0.8, size=n)
        lam = np.array([1.0, 0.8, 0.7 + k * shift_loading, 0.9])
        X = np.column_stack([F * l_ for l_ in lam] + [G * 1.0, G * 0.8, G * 0.9]) + rng.normal(scale=0.6, size=(n, 7))
        X[:, 1] += k * shift_intercept
        df = pd.DataFrame(X, columns=list("abcdefg"))
        df["sector"] = name
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def test_table_structure_and_nesting():
    inv = invariance(two_groups(), MODEL, "sector")
    t = inv.table
    assert t.step.tolist() == ["configural", "metric", "scalar"]
    assert t.df.is_monotonic_increasing
    assert (t.chisq.diff().dropna() >= -1e-8).all()  # more constraints never fit better
    assert t.loc[1, "delta_df"] == 5  # 5 free loadings made equal
    assert t.loc[2, "delta_df"] == 5  # 7 intercepts equal, 2 latent means freed
    assert t.loc[0, "decision"] == "baseline"
    assert np.isnan(t.loc[0, "delta_chisq"])
    assert t.loc[1, "delta_cfi"] == pytest.approx(t.loc[1, "cfi"] - t.loc[0, "cfi"])
    assert inv.group_labels == ["bank", "energie"]


def test_non_invariant_intercept_is_detected():
    inv = invariance(two_groups(shift_intercept=1.5), MODEL, "sector")
    t = inv.table.set_index("step")
    assert t.loc["metric", "delta_pvalue"] > 0.001
    assert t.loc["scalar", "delta_pvalue"] < 0.001
    assert t.loc["scalar", "decision"] == "not_supported"


def test_lrt_scaled_difference():
    plain = lrt(100.0, 20, 130.0, 25)
    assert plain[:2] == (30.0, 5)
    scaled = lrt(100.0, 20, 130.0, 25, c1=1.2, c0=1.25)
    cd = (25 * 1.25 - 20 * 1.2) / 5
    assert scaled[0] == pytest.approx(30.0 / cd)


def test_summary_and_plot():
    inv = invariance(two_groups(), MODEL, "sector")
    text = inv.summary(lang="en")
    assert "configural" in text
    assert "Cheung" in text
    fig = inv.plot()
    assert len(fig.axes) == 2
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_mlr_adds_robust_columns():
    t = invariance(two_groups(), MODEL, "sector", estimator="MLR").table
    assert {"chisq_scaled", "cfi_robust", "rmsea_robust"} <= set(t.columns)
    assert t.delta_pvalue.iloc[1:].between(0, 1).all()
