"""MLM, cluster-robust MLR and the robust indices under plain ML with FIML against lavaan 0.6.14.

Cases: api_mlm (MLM with a fixed.x covariate), api_mlm_groups (MLM, two groups), api_cluster (MLR, cluster = org,
complete data), api_cluster_fiml (the same with FIML), api_fiml (ML with FIML: lavaan's FIML-corrected cfi.robust,
tli.robust, rmsea.robust), api_mlx (missing = "ml.x"). Estimates 1e-3, SEs 1%, fit indices 1e-3, chi-square and
log-likelihood 0.01. api_constrained_mlm / api_constrained_cluster: a linear equality constraint (l2 == 2*l3 - 1)
with MLM and with a cluster.
"""

from __future__ import annotations

import pytest
from sem_api_reference import CHISQ_TOL, EST_TOL, FIT_TOL, SE_REL_TOL, fitted, reference, rows_by_key

FIT_KEYS = {"npar": "npar", "df": "df", "chisq": "chisq", "loglik": "logl", "cfi": "cfi", "rmsea": "rmsea",
            "srmr": "srmr", "chisq_scaled": "chisq.scaled", "scaling_factor": "chisq.scaling.factor",
            "pvalue_scaled": "pvalue.scaled", "cfi_scaled": "cfi.scaled", "tli_scaled": "tli.scaled",
            "cfi_robust": "cfi.robust", "tli_robust": "tli.robust", "rmsea_robust": "rmsea.robust"}  # fmt: skip
CASES = ["api_mlm", "api_mlm_groups", "api_cluster", "api_cluster_fiml", "api_fiml", "api_mlx", "api_constrained_mlm",
         "api_constrained_cluster"]


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_standard_errors_match_lavaan(case):
    res = fitted(case)
    grouped = bool(res.group)
    ours = rows_by_key(res.estimates, "group" if grouped else None)
    params = [r for r in reference(case)["estimates"] if r["op"] not in ("==", "<", ">")]
    theirs = rows_by_key(params, "group_label" if grouped else None)
    assert set(theirs) <= set(ours)
    for k, ref in theirs.items():
        assert abs(ours[k]["est"] - ref["est"]) <= EST_TOL, (k, ours[k]["est"], ref["est"])
        if ref["se"] > 0:
            assert abs(ours[k]["se"] / ref["se"] - 1) <= SE_REL_TOL, (k, ours[k]["se"], ref["se"])
        else:
            assert ours[k]["se"] == 0, k


@pytest.mark.parametrize("case", CASES)
def test_fit_measures_match_lavaan(case):
    fi = fitted(case).fit_indices
    ref = reference(case)["fit"]
    compared = 0
    for ours, theirs in FIT_KEYS.items():
        if ref.get(theirs) is None:
            continue
        tol = CHISQ_TOL if ours in ("chisq", "chisq_scaled", "loglik") else FIT_TOL
        assert abs(fi[ours] - ref[theirs]) <= tol, (ours, fi[ours], ref[theirs])
        compared += 1
    assert compared >= 9


def test_mlm_and_cluster_scale_the_test_differently():
    assert fitted("api_mlm").fit_indices["scaling_factor"] != pytest.approx(
        fitted("api_cluster").fit_indices["scaling_factor"], abs=1e-3)
    assert fitted("api_cluster").engine.meanstructure  # lavaan adds the mean structure with a cluster
