"""Shared helpers for the tests of the SEM results API against lavaan 0.6.14 (tests/fixtures/lavaan/api_*.json, made
by results_api.R on the committed api_complete.csv / api_missing.csv). No R needed.

Tolerances (issue 11): estimates and standardized values 1e-3 (absolute), SEs 1% (relative), fit indices 1e-3,
chi-square, log-likelihood and modification indices 0.01 (absolute). Fitted models are cached per case: each is
fitted once per test session.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from relatie_lab.sem import SEMResult, fit_sem

FIXTURES = Path(__file__).parent / "fixtures" / "lavaan"
EST_TOL = 1e-3
SE_REL_TOL = 0.01
FIT_TOL = 1e-3
CHISQ_TOL = 0.01


@cache
def reference(case: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{case}.json").read_text(encoding="utf-8"))


@cache
def data(file: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / file)


@cache
def fitted(case: str) -> SEMResult:
    """The case's model fitted as its R call says (options from the fixture)."""
    ref = reference(case)
    opt = ref["options"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_sem(
            data(ref["data"]), ref["model"], estimator=opt.get("estimator", "ML"), missing=opt.get("missing", "fiml"),
            group=opt.get("group"), cluster=opt.get("cluster"), group_equal=tuple(opt.get("group_equal") or ()),
        )


def key(lhs: str, op: str, rhs: Any, group: Any = "") -> tuple[str, str, str, str]:
    rhs = "" if rhs is None or (isinstance(rhs, float) and np.isnan(rhs)) else str(rhs)
    if op == "~~":
        lhs, rhs = sorted((str(lhs), rhs))
    return str(lhs), op, rhs, str(group)


def rows_by_key(table: pd.DataFrame | list[dict], group_col: str | None) -> dict[tuple, dict]:
    records = table.to_dict("records") if isinstance(table, pd.DataFrame) else table
    return {key(r["lhs"], r["op"], r.get("rhs"), r[group_col] if group_col else ""): r for r in records}
