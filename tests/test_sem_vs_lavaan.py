"""relatie_lab's SEM engine against lavaan 0.6 reference values (tests/fixtures/lavaan, made by make_fixtures.R).

Tolerances (issue 3): estimates and std_all within 1e-3 (absolute), standard errors within 1% (relative), fit indices
within 1e-3, loglik/AIC/BIC within 0.01. Chi-square statistics are compared within 1e-3 or 1e-5 relative, whichever is
larger; npar, df and nobs must be equal. Every parameter lavaan reports must be in ``.estimates`` (rows are matched on
lhs/op/rhs and, for multi-group models, the group label; ``~~`` rows match in either order, ``:=`` rows on their name).
No R is needed: the reference values are read from JSON.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "lavaan"
EST_TOL = 1e-3
SE_REL_TOL = 0.01
FIT_TOL = 1e-3
LIK_TOL = 0.01

# relatie_lab fit_indices key -> lavaan fitMeasures name
FIT_KEYS = {
    "npar": "npar",
    "nobs": "ntotal",
    "chisq": "chisq",
    "df": "df",
    "pvalue": "pvalue",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower",
    "rmsea_ci_upper": "rmsea.ci.upper",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "loglik": "logl",
}
ROBUST_KEYS = {
    "chisq_scaled": "chisq.scaled",
    "cfi_robust": "cfi.robust",
    "tli_robust": "tli.robust",
    "rmsea_robust": "rmsea.robust",
}
EXACT = {"npar", "nobs", "df"}
LIKELIHOOD = {"aic", "bic", "loglik"}
CHISQ = {"chisq", "chisq_scaled"}

SEM_CASES = [
    "hs_cfa",
    "poldem_sem",
    "poldem_defined",
    "ct_ml",
    "ct_mlr",
    "ct_fiml",
    "ct_fiml_mlr",
    "demo_ct_ml",
    "demo_ct_fiml",
    "demo_ct_fiml_mlr",
]
INVARIANCE_CASES = ["hs_invariance", "ct_invariance", "demo_invariance"]
STEPS = ["configural", "metric", "scalar"]

# small-sample advice from the engine (e.g. PoliticalDemocracy's N = 75) is expected here; the numbers are compared
pytestmark = pytest.mark.filterwarnings("ignore::relatie_lab.errors.ModelWarning")


@cache
def reference(case: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{case}.json").read_text(encoding="utf-8"))


def case_data(ref: dict[str, Any]) -> pd.DataFrame:
    """The case's data CSV with the recodes the R script applied (vt_4 is stored reverse-keyed)."""
    data = pd.read_csv(FIXTURES / ref["data"])
    recode = (ref.get("options") or {}).get("recode") or {}
    if "vt_4" in data.columns and (recode or ref["case"].startswith("ct_")):
        data["vt_4"] = 8 - data["vt_4"]
    return data


def _key(lhs: str, op: str, rhs: str, group: str) -> tuple[str, str, str, str]:
    lhs, rhs = str(lhs).strip(), "" if pd.isna(rhs) else str(rhs).strip()
    if op == "~~":
        lhs, rhs = sorted((lhs, rhs))
    elif op in ("~1", ":="):
        rhs = ""  # intercept rows have no rhs; defined parameters match on their name
    return lhs, op, rhs, group


def lavaan_rows(estimates: list[dict[str, Any]], multigroup: bool) -> dict[tuple, dict[str, Any]]:
    return {
        _key(r["lhs"], r["op"], r["rhs"], r["group_label"] if multigroup else ""): r
        for r in estimates
        if r["op"] not in ("==", "<", ">")
    }


def our_rows(estimates: pd.DataFrame, group_labels: list[str]) -> dict[tuple, pd.Series]:
    multigroup = len(group_labels) > 1
    rows: dict[tuple, pd.Series] = {}
    for _, row in estimates.iterrows():
        group = ""
        if multigroup:
            value = row["group"]
            if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
                value = group_labels[int(value) - 1] if int(value) >= 1 else ""
            group = str(value)
        rows[_key(row["lhs"], row["op"], row["rhs"], group)] = row
    return rows


def _close(ours: float, theirs: float | None, tol: float) -> bool:
    if theirs is None or (isinstance(theirs, float) and math.isnan(theirs)):
        return True  # lavaan reports nothing to compare (e.g. std.all of a := parameter it left NA)
    return ours is not None and not pd.isna(ours) and abs(float(ours) - float(theirs)) <= tol


def compare_estimates(result_estimates: pd.DataFrame, ref_estimates: list[dict], group_labels: list[str]) -> list[str]:
    """All mismatches between our estimates and lavaan's, as readable lines (empty list = match)."""
    required = {"lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"}
    missing_cols = required - set(result_estimates.columns)
    if missing_cols:
        return [f"estimates lacks columns {sorted(missing_cols)}"]
    theirs = lavaan_rows(ref_estimates, multigroup=len(group_labels) > 1)
    ours = our_rows(result_estimates, group_labels)
    problems: list[str] = []
    for key, ref in theirs.items():
        row = ours.get(key)
        name = " ".join(part for part in key if part)
        if row is None:
            problems.append(f"{name}: missing (lavaan est {ref['est']})")
            continue
        if not _close(row["est"], ref["est"], EST_TOL):
            problems.append(f"{name}: est {row['est']} vs lavaan {ref['est']}")
        if not _close(row["std_all"], ref["std.all"], EST_TOL):
            problems.append(f"{name}: std_all {row['std_all']} vs lavaan {ref['std.all']}")
        ref_se = ref["se"]
        if ref_se is not None and ref_se > 0:
            if not _close(row["se"], ref_se, SE_REL_TOL * ref_se):
                problems.append(f"{name}: se {row['se']} vs lavaan {ref_se}")
            for ours_col, ref_col in (("ci_lower", "ci.lower"), ("ci_upper", "ci.upper")):
                if not _close(row[ours_col], ref[ref_col], EST_TOL + 1.96 * SE_REL_TOL * ref_se):
                    problems.append(f"{name}: {ours_col} {row[ours_col]} vs lavaan {ref[ref_col]}")
        elif ref_se == 0 and not (pd.isna(row["se"]) or abs(row["se"]) < 1e-12):
            problems.append(f"{name}: fixed in lavaan (se 0) but se {row['se']}")
    return problems


def compare_fit(fit_indices: Any, ref_fit: dict[str, Any], keys: dict[str, str]) -> list[str]:
    problems = []
    for ours_key, ref_key in keys.items():
        theirs = ref_fit.get(ref_key)
        if ours_key not in fit_indices:
            problems.append(f"fit_indices lacks {ours_key!r} (lavaan {ref_key} = {theirs})")
            continue
        ours = fit_indices[ours_key]
        if theirs is None:
            continue
        if ours_key in EXACT:
            ok = ours is not None and not pd.isna(ours) and float(ours) == float(theirs)
        elif ours_key in LIKELIHOOD:
            ok = _close(ours, theirs, LIK_TOL)
        elif ours_key in CHISQ:
            ok = _close(ours, theirs, max(FIT_TOL, 1e-5 * abs(theirs)))
        else:
            ok = _close(ours, theirs, FIT_TOL)
        if not ok:
            problems.append(f"{ours_key}: {ours} vs lavaan {ref_key} {theirs}")
    return problems


def report(case: str, problems: list[str], r_call: str = "") -> str:
    head = f"{case} ({r_call})" if r_call else case
    return f"{head}: {len(problems)} differences from lavaan:\n  " + "\n  ".join(problems[:40])


@pytest.fixture(scope="module")
def rl():
    import relatie_lab

    return relatie_lab


_FITS: dict[str, Any] = {}


def _fit_case(rl, case: str):
    """Fit a case once per test session (estimates and fit-index tests share the fit)."""
    ref = reference(case)
    if case not in _FITS:
        options = ref["options"]
        _FITS[case] = rl.fit_sem(case_data(ref), ref["model"], estimator=options["estimator"],
                                 missing=options.get("missing") or "fiml")  # fmt: skip
    return ref, _FITS[case]


@pytest.mark.parametrize("case", SEM_CASES)
def test_estimates_match_lavaan(rl, case):
    """Every lavaan parameter present, est/std_all within 1e-3, SE within 1%.

    # R: see the fixture's r_call, e.g. sem(model, data, missing = "ml", estimator = "MLR")
    """
    ref, result = _fit_case(rl, case)
    problems = compare_estimates(result.estimates, ref["estimates"], ref["group_labels"])
    assert not problems, report(case, problems, ref["r_call"])


@pytest.mark.parametrize("case", SEM_CASES)
def test_fit_indices_match_lavaan(rl, case):
    """npar/nobs/df exact; chisq, cfi, tli, rmsea (+ 90% CI), srmr within 1e-3; loglik/AIC/BIC within 0.01.

    # R: fitMeasures(fit) after the fixture's r_call (MLR: also chisq.scaled, cfi.robust, tli.robust, rmsea.robust)
    """
    ref, result = _fit_case(rl, case)
    keys = dict(FIT_KEYS)
    if ref["options"]["estimator"] == "MLR":
        keys |= ROBUST_KEYS
    problems = compare_fit(result.fit_indices, ref["fit"], keys)
    assert not problems, report(case, problems, ref["r_call"])


def test_demo_complete_rows_case_uses_listwise_deletion(rl):
    """The demo survey's CT model without missing answers: lavaan's listwise N, and fewer rows than the FIML case.

    # R: sem(model, data = demo_ct)  (lavaan's default missing = "listwise")
    """
    ref, result = _fit_case(rl, "demo_ct_ml")
    complete = case_data(ref).drop(columns="keuze_aanbieder").dropna()
    assert result.nobs == len(complete) == ref["nobs"][0]
    assert result.nobs < reference("demo_ct_fiml")["nobs"][0]
    assert any("Lijstgewijze verwijdering" in w for w in result.warnings)


def test_defined_parameters_are_reported(rl):
    """The indirect effect ``ind := a*b`` is a row with op ':=' and lavaan's delta-method SE.

    # R: sem(model, data = ct_complete)  with  ind := a*b
    """
    ref, result = _fit_case(rl, "ct_ml")
    est = result.estimates
    defined = est[est["op"] == ":="]
    assert list(defined["lhs"]) == ["ind"]
    lavaan_ind = next(r for r in ref["estimates"] if r["op"] == ":=")
    a = est.loc[est["label"] == "a", "est"].iloc[0]
    b = est.loc[est["label"] == "b", "est"].iloc[0]
    assert defined["est"].iloc[0] == pytest.approx(a * b, abs=1e-9)
    assert defined["se"].iloc[0] == pytest.approx(lavaan_ind["se"], rel=SE_REL_TOL)


@pytest.mark.parametrize("case", INVARIANCE_CASES)
@pytest.mark.parametrize("step", STEPS)
def test_multigroup_step_matches_lavaan(rl, case, step):
    """Each invariance step fitted directly as a multi-group model matches lavaan's estimates and fit.

    # R: cfa(model, data, group = "<group>", group.equal = <none | "loadings" | c("loadings", "intercepts")>)
    """
    ref = reference(case)
    ref_step = ref["steps"][step]
    result = rl.fit_sem(case_data(ref), ref["model"], group=ref["group"], group_equal=tuple(ref_step["group_equal"]))
    problems = compare_estimates(result.estimates, ref_step["estimates"], ref["group_labels"])
    problems += compare_fit(result.fit_indices, ref_step["fit"], FIT_KEYS)
    assert not problems, report(f"{case}/{step}", problems, ref_step["r_call"])


def _table_by_step(table: pd.DataFrame) -> pd.DataFrame:
    for column in ("step", "model"):
        if column in table.columns:
            return table.set_index(column)
    return table


@pytest.mark.parametrize("case", INVARIANCE_CASES)
def test_invariance_table_matches_lavaan(rl, case):
    """chisq/df/cfi/rmsea/srmr per step and the delta chi-square test (lavTestLRT) and delta CFI between steps.

    # R: lavTestLRT(configural, metric, scalar); fitMeasures(<step>)[c("chisq", "df", "cfi", "rmsea", "srmr")]
    """
    ref = reference(case)
    table = _table_by_step(rl.invariance(case_data(ref), ref["model"], ref["group"]).table)
    problems: list[str] = []
    if list(table.index[:3]) != STEPS:
        problems.append(f"rows are {list(table.index)}, expected {STEPS}")
    lrt = {row["step"]: row for row in ref["lrt"]}
    previous_cfi = None
    for step in STEPS:
        if step not in table.index:
            continue
        row, fit = table.loc[step], ref["steps"][step]["fit"]
        for column, ref_key in (("chisq", "chisq"), ("df", "df"), ("cfi", "cfi"), ("rmsea", "rmsea"),
                                ("srmr", "srmr"), ("pvalue", "pvalue")):
            tol = max(FIT_TOL, 1e-5 * abs(fit[ref_key])) if column == "chisq" else FIT_TOL
            if not _close(row[column], fit[ref_key], tol):
                problems.append(f"{step} {column}: {row[column]} vs lavaan {fit[ref_key]}")
        ref_lrt = lrt[step]
        if step == "configural":
            for column in ("delta_chisq", "delta_df", "delta_pvalue", "delta_cfi"):
                if not pd.isna(row[column]):
                    problems.append(f"configural {column} should be empty, is {row[column]}")
        else:
            for column in ("delta_chisq", "delta_df", "delta_pvalue"):
                if not _close(row[column], ref_lrt[column], FIT_TOL):
                    problems.append(f"{step} {column}: {row[column]} vs lavTestLRT {ref_lrt[column]}")
            # delta CFI = CFI(this step) - CFI(previous step): negative when the constraints worsen the fit
            if not _close(row["delta_cfi"], fit["cfi"] - previous_cfi, FIT_TOL):
                problems.append(f"{step} delta_cfi: {row['delta_cfi']} vs lavaan {fit['cfi'] - previous_cfi}")
        previous_cfi = fit["cfi"]
    assert not problems, report(case, problems, ref["lrt_call"])


def test_fixtures_are_complete():
    """The reference files hold what the comparisons read (guards against a broken regeneration)."""
    for case in SEM_CASES:
        ref = reference(case)
        assert ref["versions"]["lavaan"].startswith("0.6")
        assert ref["converged"] is True
        assert {"est", "se", "std.all", "ci.lower"} <= set(ref["estimates"][0])
        assert all(ref["fit"][key] is not None for key in FIT_KEYS.values())
        if ref["options"]["estimator"] == "MLR":
            assert all(ref["fit"][key] is not None for key in ROBUST_KEYS.values())
    for case in INVARIANCE_CASES:
        ref = reference(case)
        assert [row["step"] for row in ref["lrt"]] == STEPS
        assert len(ref["group_labels"]) == 2
