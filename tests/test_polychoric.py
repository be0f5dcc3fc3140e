"""Thresholds, polychoric correlations and Gamma (relatie_lab.sem.polychoric) against lavaan 0.6.14 and scipy.

lavaan's values are lavInspect(fit, "sampstat") and lavInspect(fit, "gamma") of the fixtures made by
make_ordinal_fixtures.R. lavaan's optimiser stops the correlations at about 1e-8, so correlations and Gamma are
compared within 1e-6 (absolute; Gamma's entries are up to about 6, relative 1e-6); thresholds are closed-form (1e-12).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relatie_lab.sem.polychoric import bivariate_normal_cdf, ordinal_statistics, vech_lower

FIXTURES = Path(__file__).parent / "fixtures" / "lavaan"
ITEMS = [f"y{i}" for i in range(1, 17)]


def lavaan_stats(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())["sampstat"][0]


@pytest.mark.parametrize(("name", "file"), [("ord_cfa", "ordinal.csv"), ("ord_missing", "ordinal_missing.csv")])
def test_sample_statistics_match_lavaan(name, file):
    data = pd.read_csv(FIXTURES / file)
    if "groep" in data:
        data = data[data.groep == "A"]
    st = ordinal_statistics(data[ITEMS])
    ref = lavaan_stats(name)
    assert st.th_names == list(ref["th"])
    np.testing.assert_allclose(st.th, list(ref["th"].values()), atol=1e-12)
    np.testing.assert_allclose(st.cor, np.array(ref["cov"]), atol=1e-6)
    assert ref["names"] == ITEMS
    np.testing.assert_allclose(st.gamma, np.array(ref["gamma"]), atol=1e-6 * np.abs(ref["gamma"]).max())
    np.testing.assert_allclose(1 / np.diag(st.gamma), ref["wls_v_diag"], rtol=1e-6)


def test_bivariate_normal_cdf_against_scipy():
    rng = np.random.default_rng(3)
    h, k = rng.normal(size=60) * 1.5, rng.normal(size=60) * 1.5
    r = np.r_[rng.uniform(-0.99, 0.99, 56), 0.93, -0.93, 0.999, -0.999]  # both branches of Genz's method
    ref = [stats.multivariate_normal([0, 0], [[1, x], [x, 1]]).cdf([a, b]) for a, b, x in zip(h, k, r, strict=True)]
    np.testing.assert_allclose(bivariate_normal_cdf(h, k, r), ref, atol=1e-7)  # scipy's own accuracy is ~1e-8
    # limits: an infinite bound gives the univariate CDF
    np.testing.assert_allclose(bivariate_normal_cdf(np.full(3, 40.0), np.array([-1.0, 0, 1]), 0.6),
                               stats.norm.cdf([-1, 0, 1]), atol=1e-14)  # fmt: skip


def test_codes_need_not_be_consecutive_and_counts_are_pairwise():
    rng = np.random.default_rng(8)
    z = rng.multivariate_normal(np.zeros(3), [[1, 0.6, 0.3], [0.6, 1, 0.4], [0.3, 0.4, 1]], size=400)
    codes = pd.DataFrame(np.digitize(z, [-0.8, 0.2, 1.0]) + 1, columns=list("abc")).astype(float)
    codes.iloc[:30, 0] = np.nan
    codes.iloc[20:50, 2] = np.nan
    spread = codes * 2 + 10  # 12, 14, 16, 18 instead of 1..4
    a, b = ordinal_statistics(codes), ordinal_statistics(spread)
    np.testing.assert_allclose(a.cor, b.cor)
    np.testing.assert_allclose(a.th, b.th)
    assert list(a.n_item) == [370, 400, 370]
    assert a.n_pair[2, 0] == 400 - 50  # rows 0-49 lack a or c
    table = a.summary_table()
    assert list(table.columns) == ["kind", "name", "value", "n"]
    assert table.loc[table.name == "a ~~ c", "n"].item() == 350
    assert np.abs(a.cor[1, 0] - 0.6) < 0.1  # the generating correlation, within sampling error (SE about 0.04)


def test_vech_lower_is_lavaans_column_order():
    r, c = vech_lower(4)
    assert list(zip(r.tolist(), c.tolist(), strict=True)) == [(1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (3, 2)]


def test_two_by_two_table_with_an_empty_cell_as_lavaan():
    """lavaan moves 0.5 into the empty cell of a 2x2 table (margins kept); without it the estimate would be 1."""
    data = pd.read_csv(FIXTURES / "binary.csv")
    assert ((data.a == 0) & (data.b == 1)).sum() == 0
    st = ordinal_statistics(data)
    ref = lavaan_stats("ord_binary")
    np.testing.assert_allclose(st.cor, np.array(ref["cov"]), atol=1e-6)
    assert st.cor[1, 0] < 0.9  # lavaan: 0.783
    np.testing.assert_allclose(st.gamma, np.array(ref["gamma"]), atol=1e-6 * np.abs(ref["gamma"]).max())
    assert st.zero_cells == [("b", "a")]
