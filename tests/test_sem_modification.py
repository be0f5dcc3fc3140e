"""result.modification_indices() against lavaan 0.6.14's modindices(fit): the same rows (lavaan's full parameter
table, fixed.x moments left out), mi within 0.01, epc and sepc.lv/all/nox within 1e-3."""

from __future__ import annotations

import pytest
from sem_api_reference import CHISQ_TOL, EST_TOL, fitted, reference, rows_by_key

from relatie_lab.sem.modification import COLUMNS


@pytest.mark.parametrize("case", ["api_ml", "api_fiml", "api_groups", "api_groups_metric"])
def test_modification_indices_match_lavaan(case):
    res = fitted(case)
    mi = res.modification_indices()
    grouped = bool(res.group)
    ours = rows_by_key(mi, "group" if grouped else None)
    theirs = rows_by_key(reference(case)["modindices"], "group_label" if grouped else None)
    assert set(ours) == set(theirs)
    for k, ref in theirs.items():
        assert abs(ours[k]["mi"] - ref["mi"]) <= CHISQ_TOL, (k, ours[k]["mi"], ref["mi"])
        for col, rcol in (("epc", "epc"), ("sepc_lv", "sepc.lv"), ("sepc_all", "sepc.all"), ("sepc_nox", "sepc.nox")):
            assert abs(ours[k][col] - ref[rcol]) <= EST_TOL, (k, col, ours[k][col], ref[rcol])


def test_sorted_by_mi_with_the_left_out_paths_on_top():
    mi = fitted("api_ml").modification_indices()
    assert list(mi.columns) == COLUMNS
    assert mi["mi"].is_monotonic_decreasing
    top = {tuple(r) for r in mi.head(3)[["lhs", "op", "rhs"]].to_numpy()}
    # the data have a residual covariance a3 ~~ b3 and a cross-loading of c1 on A that the model leaves out
    assert ("a3", "~~", "b3") in top
    assert ("A", "=~", "c1") in top


def test_minimum_filters():
    mi = fitted("api_ml").modification_indices(minimum=5)
    assert len(mi)
    assert (mi["mi"] > 5).all()
