"""Structural equation models: lavaan syntax in, lavaan-checked results out.

The SEM takes DataFrames and lavaan model text; it knows nothing of the codebook, Pol's analyses or reports
(the Pol model library, :mod:`relatie_lab.models`, builds model text outside it). One module per concern:

- :mod:`~relatie_lab.sem.syntax`: the lavaan model-syntax parser (parameter table);
- :mod:`~relatie_lab.sem.engine`: the compiled model (``Engine``), thin over the concern modules
  :mod:`~relatie_lab.sem.moments`, :mod:`~relatie_lab.sem.matrices`, :mod:`~relatie_lab.sem.estimation`,
  :mod:`~relatie_lab.sem.identification`, :mod:`~relatie_lab.sem.inference`, :mod:`~relatie_lab.sem.fit_indices`,
  :mod:`~relatie_lab.sem.robust` and :mod:`~relatie_lab.sem.diagnostics`;
- :mod:`~relatie_lab.sem.result`: :func:`fit_sem` and the :class:`SEMResult` object;
- :mod:`~relatie_lab.sem.bootstrap`: bootstrap CIs for indirect effects and ``:=`` parameters;
- :mod:`~relatie_lab.sem.invariance`: the measurement-invariance sequence;
- results (issue 11b): :mod:`~relatie_lab.sem.standardized` (std.lv/std.nox, R²),
  :mod:`~relatie_lab.sem.residuals`, :mod:`~relatie_lab.sem.modification` (modification indices),
  :mod:`~relatie_lab.sem.factor_scores`, :mod:`~relatie_lab.sem.compare` (nested-model tests);
  estimators: :mod:`~relatie_lab.sem.estimators` (MLM, cluster, ml.x, bootstrap SEs),
  :mod:`~relatie_lab.sem.robust_options`, :mod:`~relatie_lab.sem.bootstrap_se`.
- :mod:`~relatie_lab.sem.polychoric`, :mod:`~relatie_lab.sem.wls`, :mod:`~relatie_lab.sem.ordinal`,
  :mod:`~relatie_lab.sem.ordinal_invariance`: ordinal items (thresholds, polychoric correlations, WLSMV and
  relatives, invariance steps).

Examples
--------
>>> from relatie_lab.sem import fit_sem, parse_model
>>> table = parse_model("F =~ a + b + c")
>>> table[["lhs", "op", "rhs"]].head(2).to_numpy().tolist()
[['F', '=~', 'a'], ['F', '=~', 'b']]
"""

from __future__ import annotations

import importlib
from typing import Any

from relatie_lab.sem.bootstrap import bca_interval
from relatie_lab.sem.compare import compare
from relatie_lab.sem.invariance import invariance, lrt
from relatie_lab.sem.result import ESTIMATE_COLUMNS, SEMResult, defined_values, fit_sem
from relatie_lab.sem.syntax import ModelSyntaxError, ParTable, parse_model

# the ordinal estimators (scipy.special) load on first use: a light `import relatie_lab.sem` for the ML path
_LAZY = {
    "OrdinalStats": "relatie_lab.sem.polychoric",
    "ordinal_statistics": "relatie_lab.sem.polychoric",
    "ordinal_invariance": "relatie_lab.sem.ordinal_invariance",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'relatie_lab.sem' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value

__all__ = [
    "ESTIMATE_COLUMNS",
    "ModelSyntaxError",
    "OrdinalStats",
    "ParTable",
    "SEMResult",
    "bca_interval",
    "compare",
    "defined_values",
    "fit_sem",
    "invariance",
    "lrt",
    "ordinal_invariance",
    "ordinal_statistics",
    "parse_model",
]
