"""Measurement invariance for ordinal items (relatie_lab.sem.ordinal_invariance) against semTools + lavaan 0.6.14.

The fixture ord_invariance.json holds, per step, lavaan's WLSMV fit of semTools' measEq.syntax (delta
parameterization, std.lv, Wu & Estabrook 2016) on the simulated two-group data, and lavTestLRT between the steps.
Tolerances as in test_wls.py (issue 12): estimates and std_all 1e-3, SEs 1% (relative), scaled statistics 1e-3.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from relatie_lab.sem.ordinal_invariance import ORDINAL_STEPS, invariance_partable, ordinal_invariance

FIXTURES = Path(__file__).parent / "fixtures" / "lavaan"


@cache
def reference() -> dict:
    return json.loads((FIXTURES / "ord_invariance.json").read_text())


@cache
def result():
    ref = reference()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty cells in some bivariate tables
        return ordinal_invariance(pd.read_csv(FIXTURES / ref["data"]), ref["model"], ref["group"], lang="en")


@pytest.mark.parametrize("step", list(ORDINAL_STEPS))
def test_each_step_matches_semtools_measeq(step):
    ref = next(s for s in reference()["steps"] if s["step"] == step)
    fit = result().fits[step]
    fi, rf = fit.fit_indices, ref["fit"]
    assert (fi["npar"], fi["df"]) == (rf["npar"], rf["df"])
    for key, rkey in [("chisq", "chisq"), ("chisq_scaled", "chisq.scaled"), ("pvalue_scaled", "pvalue.scaled"),
                      ("cfi_scaled", "cfi.scaled"), ("tli_scaled", "tli.scaled"), ("rmsea_scaled", "rmsea.scaled"),
                      ("srmr", "srmr"), ("baseline_chisq_scaled", "baseline.chisq.scaled")]:  # fmt: skip
        assert fi[key] == pytest.approx(rf[rkey], abs=1e-3), key
    labels = reference()["group_labels"]
    est = fit.estimates.assign(g=[labels.index(x) + 1 for x in fit.estimates.group])
    lav = pd.DataFrame(ref["estimates"])
    lav = lav[~((lav.op == "~*~") & (step == "configural"))]  # scale factors are only listed once they are free
    m = lav.merge(est, left_on=["lhs", "op", "rhs", "group"], right_on=["lhs", "op", "rhs", "g"], how="left",
                  suffixes=("_r", ""))  # fmt: skip
    assert not m.est.isna().any(), m[m.est.isna()][["lhs", "op", "rhs", "group_r"]]
    np.testing.assert_allclose(m.est, m.est_r, atol=1e-3)
    np.testing.assert_allclose(m.std_all, m["std.all"], atol=1e-3)
    free = m.se_r > 0
    np.testing.assert_allclose(m.se[free], m.se_r[free], rtol=0.01)


def test_difference_tests_match_lavtestlrt():
    table = result().table
    for lrt in reference()["lrt"]:
        row = table[table.step == lrt["to"]].iloc[0]
        assert row.delta_df == lrt["df_diff"]
        assert row.delta_chisq == pytest.approx(lrt["chisq_diff"], abs=1e-3)
        assert row.delta_pvalue == pytest.approx(lrt["pvalue"], abs=1e-3)


def test_table_and_summary():
    inv = result()
    t = inv.table
    assert t.step.tolist() == ["configural", "thresholds", "loadings", "intercepts"]
    assert t.decision.tolist() == ["baseline", "supported", "supported", "supported"]  # CFI drops < 0.01
    assert t.delta_cfi.iloc[3] == pytest.approx(t.cfi.iloc[3] - t.cfi.iloc[2])
    text = inv.summary(lang="en")
    assert "thresholds" in text
    assert "Cheung & Rensvold" in text


def test_identification_of_the_threshold_step():
    """Wu & Estabrook: with equal thresholds, group 2's intercepts are free, factor variances and means fixed."""
    pt = invariance_partable("F =~ a + b + c", 2, ORDINAL_STEPS["thresholds"], ["a", "b", "c"])
    g2 = pt[pt.group == 2]
    assert (g2[g2.op == "~1"].set_index("lhs").free.loc[["a", "b", "c"]] > 0).all()
    assert g2[(g2.op == "~1") & (g2.lhs == "F")].free.item() == 0
    assert g2[(g2.op == "~~") & (g2.lhs == "F")].ustart.item() == 1.0
    loads = pt[pt.op == "=~"]
    assert (loads.free > 0).all()  # std.lv: every loading free
    assert loads.free.nunique() == 6  # not equal across groups in this step
    scalar = invariance_partable("F =~ a + b + c", 2, ORDINAL_STEPS["intercepts"], ["a", "b", "c"])
    assert scalar[scalar.op == "=~"].free.nunique() == 3  # equal loadings
    assert (scalar[(scalar.op == "~1") & scalar.lhs.isin(["a", "b", "c"])].free == 0).all()
    assert scalar[(scalar.op == "~1") & (scalar.lhs == "F") & (scalar.group == 2)].free.item() > 0
