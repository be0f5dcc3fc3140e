"""Mixed continuous and ordinal variables (relatie_lab.sem.polyserial) against lavaan 0.6.14.

Fixture ord_mixed.json (make_ordinal_fixtures.R): y1-y4 continuous, y5-y16 ordinal, about 8% missing answers
(pairwise). lavaan's WLS.obs (minus the means, thresholds, variances, covariances) and Gamma are compared within 1e-6
(lavaan's optimiser stops the correlations at about 1e-8; Gamma's entries are up to about 8).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from relatie_lab.sem.polyserial import mixed_statistics

FIXTURES = Path(__file__).parent / "fixtures" / "lavaan"
ITEMS = [f"y{i}" for i in range(1, 17)]


def test_mixed_statistics_match_lavaan():
    ref = json.loads((FIXTURES / "ord_mixed.json").read_text())["sampstat"][0]
    data = pd.read_csv(FIXTURES / "ordinal_missing.csv")
    st = mixed_statistics(data[ITEMS], numeric=["y1", "y2", "y3", "y4"])
    np.testing.assert_allclose(st.wls_obs, ref["wls_obs"], atol=1e-6)
    np.testing.assert_allclose(st.cov, np.array(ref["cov"]), atol=1e-6)
    gamma = np.array(ref["gamma"])
    np.testing.assert_allclose(st.gamma, gamma, atol=1e-6 * np.abs(gamma).max())
    assert st.th_names == list(ref["th"])  # thresholds of the ordinal items only
    # the means and variances of the continuous items are the sample's (ML, divided by n) on the available answers
    np.testing.assert_allclose(st.mean[:4], data[ITEMS[:4]].mean())
    np.testing.assert_allclose(st.var[:4], data[ITEMS[:4]].var(ddof=0))


def test_all_continuous_gives_pearson_correlations():
    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.multivariate_normal([0, 1], [[1, 0.4], [0.4, 2]], size=300), columns=["u", "v"])
    st = mixed_statistics(df, numeric=["u", "v"])
    assert abs(st.cor[1, 0] - df.corr().iloc[0, 1]) < 1e-9  # ML with the means and variances fixed: Pearson r
    np.testing.assert_allclose(st.cov, np.cov(df.T, bias=True), atol=1e-9)
